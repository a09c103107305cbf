/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nfqfwd: reads top to bottom. Options, configuration, checks, daemonise,
 * control socket, queues, nftables table, event loop; then the same in
 * reverse, releasing every queued packet before the table goes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nfqfw/daemon.h"
#include "nfqfw/filter.h"
#include "nfqfw/iface.h"
#include "nfqfw/log.h"
#include "nfqfw/privileges.h"
#include "nfqfw/reject.h"

struct options {
	const char *conf_path;
	bool foreground;
	bool check_only;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: nfqfwd [-c FILE] [-f] [-t] [-V] [-h]\n"
		"  -c FILE  configuration file (default " CONF_DEFAULT_PATH ")\n"
		"  -f       stay in the foreground and log to stderr\n"
		"  -t       check the configuration and exit\n"
		"  -V       print the version and exit\n"
		"  -h       print this help and exit\n");
}

/* Returns -1 to go on, otherwise the exit status. */
static int parse_options(int argc, char **argv, struct options *opt)
{
	int c;

	opt->conf_path = CONF_DEFAULT_PATH;
	while ((c = getopt(argc, argv, "c:ftVh")) != -1) {
		switch (c) {
		case 'c':
			opt->conf_path = optarg;
			break;
		case 'f':
			opt->foreground = true;
			break;
		case 't':
			opt->check_only = true;
			break;
		case 'V':
			printf("nfqfwd %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "nfqfwd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}

/* Forks; the parent waits on a pipe until the child reports that it is ready
 * (or why it failed), so that "nfqfwd && next-step" is meaningful. Returns
 * the write end of the pipe in the child. */
static int daemonise(void)
{
	int pipefd[2];
	pid_t pid;
	char status = 1;

	if (pipe(pipefd) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(pipefd[1]);
		if (read(pipefd[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(pipefd[0]);
	if (setsid() < 0)
		return -errno;
	if (chdir("/") < 0)
		return -errno;
	return pipefd[1];
}

static void report_start(int ready_fd, char status)
{
	int null_fd;

	if (ready_fd < 0)
		return;
	if (write(ready_fd, &status, 1) != 1)
		log_warn("cannot report readiness to the parent: %s", strerror(errno));
	close(ready_fd);
	if (status != 0)
		return;
	/* From now on nobody reads our terminal. */
	log_open("nfqfwd", LOG_TO_SYSLOG, LOG_DEBUG);
	null_fd = open("/dev/null", O_RDWR);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
		dup2(null_fd, STDERR_FILENO);
		if (null_fd > STDERR_FILENO)
			close(null_fd);
	}
}

/* Blocks the signals we handle in every thread (the workers inherit the
 * mask) and returns a signalfd for them. */
static int signals_setup(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -EINVAL;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

static int workers_start(struct daemon *d)
{
	const struct conf_queue *q = &d->conf.queue;
	int err;

	d->workers = calloc(q->count, sizeof(*d->workers));
	d->worker_info = calloc(q->count, sizeof(*d->worker_info));
	if (!d->workers || !d->worker_info)
		return -ENOMEM;
	for (unsigned int i = 0; i < q->count; i++) {
		uint16_t num = (uint16_t)(q->first + i);

		err = queue_worker_start(&d->workers[i], num, q, &pipeline_handler,
					 &d->pipeline);
		if (err < 0)
			return err;
		d->worker_info[i].queue = num;
		d->worker_info[i].stats = &d->workers[i].stats;
		d->nworkers = i + 1;
	}
	return 0;
}

static void workers_set_state(struct daemon *d, enum queue_worker_state st)
{
	for (unsigned int i = 0; i < d->nworkers; i++)
		queue_worker_set_state(&d->workers[i], st);
}

static void workers_finish(struct daemon *d)
{
	for (unsigned int i = 0; i < d->nworkers; i++)
		queue_worker_finish(&d->workers[i]);
	free(d->workers);
	free(d->worker_info);
	d->workers = NULL;
	d->worker_info = NULL;
	d->nworkers = 0;
}

static int hook_setup(struct daemon *d)
{
	int err;

	d->hook = (struct hook_config) {
		.table = d->conf.nftables.table,
		.queue_first = d->conf.queue.first,
		.queue_count = d->conf.queue.count,
		.bypass = d->conf.queue.fail_open,
		.pass_mark = d->conf.queue.pass_mark,
	};
	err = hook_install(&d->hook, &d->hook_kind);
	if (err < 0)
		return err;
	d->hook_installed = true;
	return 0;
}

static int daemon_ctl_reload(void *arg, char **errors)
{
	return daemon_reload(arg, errors);
}

static void ctl_context_fill(struct daemon *d, const char *conf_path)
{
	d->ctl_ctx = (struct ctl_context) {
		.version = PACKAGE_VERSION,
		.conf_path = conf_path,
		.pid = getpid(),
		.started = time(NULL),
		.hook_kind = hook_queue_kind_name(d->hook_kind),
		.table = d->conf.nftables.table,
		.conf = &d->conf,
		.nworkers = d->nworkers,
		.workers = d->worker_info,
		.proc_queue_path = QUEUE_PROC_PATH,
		.ct = d->ct,
		.invalid = &d->pipeline.invalid,
		.filter = &d->pipeline.filter,
		.reload = daemon_ctl_reload,
		.reload_arg = d,
	};
}

/* The filter stage: interface names from rtnetlink, the raw sockets that
 * send rejects (opened now: CAP_NET_RAW is gone after the privilege drop)
 * and the configuration's ruleset. */
static int daemon_filter_start(struct daemon *d)
{
	struct filter_rules *fr;
	int err = iface_names_open(&d->ifnames);

	if (err < 0) {
		log_err("cannot follow the interface names (rtnetlink): %s", strerror(-err));
		return err;
	}
	d->reject = calloc(1, sizeof(*d->reject));
	if (!d->reject)
		return -ENOMEM;
	err = reject_sender_open(d->reject, d->conf.queue.pass_mark);
	if (err < 0) {
		log_warn("cannot open raw sockets for rejects (%s): action \"reject\" "
			 "will drop without answering", strerror(-err));
		free(d->reject);
		d->reject = NULL;
	}
	filter_init(&d->pipeline.filter, d->ifnames, d->reject);
	nat_init(&d->pipeline.nat, d->ifnames);
	err = filter_rules_new(&fr, d->conf.rules);
	if (err < 0)
		return err;
	fr->helpers = d->conf.helpers;
	err = alg_stage_init(&d->pipeline.alg);
	if (err < 0) {
		filter_rules_free(fr);
		return err;
	}
	d->conf.rules = NULL;     /* the filter owns it now */
	filter_publish(&d->pipeline.filter, fr);
	return 0;
}

static void daemon_filter_stop(struct daemon *d)
{
	filter_destroy(&d->pipeline.filter);
	alg_stage_destroy(&d->pipeline.alg);
	if (d->reject) {
		reject_sender_close(d->reject);
		free(d->reject);
		d->reject = NULL;
	}
	if (d->ifnames)
		iface_names_close(d->ifnames);
	d->ifnames = NULL;
}

/* Stop order matters: first no new packets are queued (our rules are
 * flushed, the hooks stay), then the workers give a verdict to everything
 * still queued, and only then the table goes: deleting hooks makes the
 * kernel drop whatever is still queued. */
static void daemon_shutdown(struct daemon *d)
{
	daemon_notify_stopping();
	if (d->hook_installed && hook_flush_rules(&d->hook) == 0)
		workers_set_state(d, QUEUE_WORKER_DRAIN);
	else
		workers_set_state(d, QUEUE_WORKER_STOP);
	for (unsigned int i = 0; i < d->nworkers; i++)
		queue_worker_join(&d->workers[i]);
	if (d->hook_installed && hook_remove(&d->hook) < 0)
		log_err("could not remove table inet %s", d->hook.table);
	d->hook_installed = false;
	workers_finish(d);
	daemon_filter_stop(d);
	if (d->ctl)
		ctl_server_close(d->ctl);
	d->ctl = NULL;
	if (d->ct)
		ct_table_destroy(d->ct);
	d->ct = NULL;
	ct_thread_unregister();
}

static int daemon_start(struct daemon *d, const char *conf_path)
{
	char status[128];
	int err;

	/* The main thread reads the connection table for nfqfwctl. */
	ct_thread_register();
	d->ct = ct_table_create(&d->conf.conntrack.ct);
	if (!d->ct) {
		log_err("cannot create the connection table (%u entries)",
			d->conf.conntrack.ct.max_entries);
		return -ENOMEM;
	}
	pipeline_init(&d->pipeline, &d->conf, d->ct);
	err = daemon_filter_start(d);
	if (err < 0)
		return err;
	ctl_context_fill(d, conf_path);
	err = ctl_server_open(&d->ctl, &d->conf.control, &d->ctl_ctx);
	if (err < 0) {
		log_err("control socket %s: %s%s", d->conf.control.socket, strerror(-err),
			err == -EADDRINUSE ? " (is another nfqfwd running?)" : "");
		return err;
	}
	/* From here on CAP_NET_ADMIN only, as daemon.user if set; before the
	 * workers start, because capabilities belong to threads. */
	err = priv_drop(&d->conf.daemon, d->conf.control.socket, conf_path);
	if (err < 0)
		return err;
	err = workers_start(d);
	if (err < 0) {
		log_err("cannot start the queue workers: %s", strerror(-err));
		return err;
	}
	err = hook_setup(d);
	if (err < 0) {
		log_err("cannot install table inet %s: %s", d->conf.nftables.table, strerror(-err));
		return err;
	}
	ctl_context_fill(d, conf_path);
	snprintf(status, sizeof(status), "running: queues %u-%u, %s queue rules in table inet %s",
		 d->conf.queue.first, d->conf.queue.first + d->conf.queue.count - 1,
		 hook_queue_kind_name(d->hook_kind), d->conf.nftables.table);
	log_notice("%s", status);
	daemon_notify_ready(status);
	return 0;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	struct options opt = { 0 };
	int ready_fd = -1;
	int ret;

	ret = parse_options(argc, argv, &opt);
	if (ret >= 0)
		return ret;
	if (conf_load(&d.conf, opt.conf_path, stderr) != 0)
		return 1;
	if (opt.check_only) {
		printf("configuration OK\n");
		return 0;
	}
	log_open("nfqfwd", LOG_TO_STDERR, d.conf.log.level);
	if (!opt.foreground) {
		ready_fd = daemonise();
		if (ready_fd < 0) {
			log_err("cannot daemonise: %s", strerror(-ready_fd));
			return 1;
		}
	}
	d.signal_fd = signals_setup();
	if (d.signal_fd < 0) {
		log_err("cannot set up signal handling: %s", strerror(-d.signal_fd));
		return 1;
	}
	ret = daemon_start(&d, opt.conf_path);
	report_start(ready_fd, ret < 0 ? 1 : 0);
	if (ret == 0)
		ret = daemon_loop(&d);
	daemon_shutdown(&d);
	log_notice("stopped");
	log_close();
	return ret < 0 ? 1 : 0;
}
