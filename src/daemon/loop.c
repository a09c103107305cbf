/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The main thread's event loop: signals arrive through a signalfd (no work
 * is ever done in a signal handler), control clients through their socket. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "nfqfw/daemon.h"
#include "nfqfw/filter.h"
#include "nfqfw/iface.h"
#include "nfqfw/nat.h"
#include "nfqfw/log.h"
#include "nfqfw/watchdog.h"

/* Returns true when the daemon should stop. */
static bool loop_on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;
	ssize_t n = read(d->signal_fd, &si, sizeof(si));

	if (n != (ssize_t)sizeof(si))
		return false;
	switch (si.ssi_signo) {
	case SIGTERM:
	case SIGINT:
		log_notice("received %s, stopping", strsignal((int)si.ssi_signo));
		return true;
	case SIGHUP:
		daemon_reload(d, NULL);
		return false;
	default:
		return false;
	}
}

/* Expiry of the connection table runs here, off the packet path: every
 * tick looks at a slice of the buckets, so a whole pass takes a few seconds
 * whatever the table's size, and no tick takes long. */
#define LOOP_GC_TICK_MS 100
#define LOOP_GC_BUCKETS_PER_TICK 8192

static int loop_gc_timer(void)
{
	struct itimerspec its = {
		.it_interval = { .tv_nsec = LOOP_GC_TICK_MS * 1000000L },
		.it_value = { .tv_nsec = LOOP_GC_TICK_MS * 1000000L },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void loop_on_gc_tick(struct daemon *d, int fd)
{
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	ct_read_lock();
	ct_gc_step(d->ct, log_now_ns(), LOOP_GC_BUCKETS_PER_TICK);
	ct_read_unlock();
}

/* Interface and address changes; a departed address takes the
 * connections translated to it along (masquerade). */
static void loop_on_iface_change(struct daemon *d)
{
	struct iface_addr_event ev[16];
	size_t n;

	iface_names_process(d->ifnames);
	do {
		n = iface_addrs_removed(d->ifnames, ev, 16);
		for (size_t i = 0; i < n; i++) {
			unsigned int gone;

			if (ev[i].kind != IFACE_EVENT_ADDR_GONE || !d->ct)
				continue;
			ct_read_lock();
			gone = nat_forget_addr(d->ct, ev[i].family == AF_INET ? 4 : 6, &ev[i].addr);
			ct_read_unlock();
			if (gone)
				log_notice("an address left interface %u: %u translated "
					   "connection(s) forgotten", ev[i].ifindex, gone);
		}
	} while (n == 16);
}

int daemon_loop(struct daemon *d)
{
	struct watchdog wd;
	int err = watchdog_init(&wd, d->workers, d->nworkers, d->ct);
	int gc_fd = loop_gc_timer();
	struct pollfd fds[5] = {
		{ .fd = d->signal_fd, .events = POLLIN },
		{ .fd = ctl_server_fd(d->ctl), .events = POLLIN },
		{ .fd = gc_fd, .events = POLLIN },
		{ .fd = watchdog_fd(&wd), .events = POLLIN },   /* -1: ignored */
		{ .fd = d->ifnames ? iface_names_fd(d->ifnames) : -1, .events = POLLIN },
	};

	if (gc_fd < 0) {
		log_err("cannot create the expiry timer: %s", strerror(-gc_fd));
		err = gc_fd;
	}
	while (err == 0) {
		if (poll(fds, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			log_err("poll: %s", strerror(-err));
			break;
		}
		if ((fds[0].revents & POLLIN) && loop_on_signal(d))
			break;
		if (fds[1].revents & POLLIN)
			ctl_server_on_readable(d->ctl);
		if (fds[2].revents & POLLIN)
			loop_on_gc_tick(d, gc_fd);
		if (fds[3].revents & POLLIN)
			watchdog_on_tick(&wd);
		if (fds[4].revents & POLLIN)
			loop_on_iface_change(d);
	}
	if (gc_fd >= 0)
		close(gc_fd);
	watchdog_close(&wd);
	return err;
}

/* Settings that the running daemon cannot change without a restart: the
 * queues are bound and the nftables rules carry them. */
static void reload_warn_restart_only(const struct nfqfw_conf *old,
				     const struct nfqfw_conf *new)
{
	if (memcmp(&old->queue, &new->queue, sizeof(old->queue)) != 0)
		log_warn("reload: queue settings changed; they take effect at the next restart");
	if (strcmp(old->nftables.table, new->nftables.table) != 0)
		log_warn("reload: nftables.table changed; it takes effect at the next restart");
	if (memcmp(&old->control, &new->control, sizeof(old->control)) != 0)
		log_warn("reload: control settings changed; they take effect at the next restart");
	if (memcmp(&old->conntrack.ct, &new->conntrack.ct, sizeof(old->conntrack.ct)) != 0)
		log_warn("reload: conntrack limits and timeouts changed; they take effect at the next restart");
	if (memcmp(&old->daemon, &new->daemon, sizeof(old->daemon)) != 0)
		log_warn("reload: daemon.user or daemon.group changed; they take effect at the next restart");
}

/* The new ruleset goes to the workers at once; the old one is freed when
 * none of them can still be using it. The kernel's rules do not change. */
static int reload_rules(struct daemon *d, struct nfqfw_conf *next)
{
	struct filter_rules *fr;

	if (filter_rules_new(&fr, next->rules) < 0) {
		log_err("reload: out of memory; configuration unchanged");
		conf_release(next);
		return -ENOMEM;
	}
	next->rules = NULL;
	fr->helpers = next->helpers;
	d->conf.helpers = next->helpers;
	filter_publish(&d->pipeline.filter, fr);
	return 0;
}

int daemon_reload(struct daemon *d, char **errors_out)
{
	const char *outcome = "running; reload failed, the previous configuration stays";
	struct nfqfw_conf *next = malloc(sizeof(*next));
	char *errors = NULL;
	size_t errors_len = 0;
	FILE *err;
	int nerr = -ENOMEM;

	daemon_notify_reloading();
	err = open_memstream(&errors, &errors_len);
	if (!next || !err) {
		log_err("reload: out of memory; configuration unchanged");
		goto out;
	}
	nerr = conf_load(next, d->conf.path, err);
	fclose(err);
	err = NULL;
	if (nerr) {
		log_err("reload: %d error(s) in %s; the running configuration stays:\n%s",
			nerr, d->conf.path, errors ? errors : "");
		goto out;
	}
	if (reload_rules(d, next) < 0) {
		nerr = -ENOMEM;
		goto out;
	}
	if (errors && errors[0])   /* warnings only */
		log_warn("reload: %s", errors);
	reload_warn_restart_only(&d->conf, next);
	/* The workers only read what pipeline_apply_reload publishes. */
	d->conf.packet = next->packet;
	d->conf.log = next->log;
	d->conf.conntrack.invalid = next->conntrack.invalid;
	log_set_max_priority(d->conf.log.level);
	pipeline_apply_reload(&d->pipeline, &d->conf);
	log_notice("configuration reloaded from %s", d->conf.path);
	outcome = "running; configuration reloaded";
out:
	if (err)
		fclose(err);
	if (errors_out)
		*errors_out = errors;
	else
		free(errors);
	free(next);
	daemon_notify_ready(outcome);
	return nerr;
}
