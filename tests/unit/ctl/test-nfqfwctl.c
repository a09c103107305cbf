/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for nfqfwctl: its main() runs in a child process, with stdout and
 * stderr captured, against the real control server pumped by the parent or
 * against a canned server that sends one fixed reply. Checked: exit status,
 * what goes to stdout and what to stderr. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json-check.h"
#include "nfqfw/ctl.h"
#include "nfqfw/log.h"
#include "unit.h"

/* nfqfwctl itself, its main() renamed so that the test can call it. */
int nfqfwctl_main(int argc, char **argv);
#define main nfqfwctl_main
#include "../../../tools/nfqfwctl.c"
#undef main

static char dir[40];
static char sock_path[64];
static struct ctl_server *srv;
static struct queue_stats qstats;
static struct ctl_worker_info worker = { .queue = 0, .stats = &qstats };
static struct nfqfw_conf conf;
static struct ctl_context ctx;

/* What the last run printed, and how it ended. */
static struct {
	char out[65536], err[4096];
	int status;
} run;

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;

	lseek(fd, 0, SEEK_SET);
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
}

static int tmpfile_fd(void)
{
	char path[] = "/tmp/nfqfwctl-out-XXXXXX";
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	return fd;
}

/* Canned server: answers one client with REPLY (NULL: closes at once). */
struct canned {
	int lfd, cfd;
	const char *reply;
};

static void canned_step(struct canned *c)
{
	char buf[2048];

	ssize_t n;

	if (c->cfd == -1) {
		c->cfd = accept(c->lfd, NULL, NULL);
		return;     /* its request comes next */
	}
	if (c->cfd < 0)
		return;
	n = recv(c->cfd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	if (c->reply)
		send(c->cfd, c->reply, strlen(c->reply), MSG_NOSIGNAL);
	close(c->cfd);
	c->cfd = -2;    /* done */
}

/* Runs nfqfwctl ARGS... in a child with the privileges DROP_TO (0: keep),
 * serving it meanwhile with the real server or the canned one. */
static void nfqfwctl(struct canned *canned, uid_t drop_to, const char *first, ...)
{
	char *argv[16] = { (char *)"nfqfwctl", (char *)first };
	int argc = 2, out = tmpfile_fd(), err = tmpfile_fd(), wstatus;
	va_list ap;
	pid_t pid;

	va_start(ap, first);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		dup2(out, STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		if (drop_to && (setgid(drop_to) < 0 || setuid(drop_to) < 0))
			_exit(99);
		optind = 0;
		int status = nfqfwctl_main(argc, argv);

		fflush(NULL);
		_exit(status);
	}
	for (int i = 0; i < 500; i++) {
		struct pollfd p = { .fd = ctl_server_fd(srv), .events = POLLIN };

		if (canned)
			p.fd = canned->cfd >= 0 ? canned->cfd : canned->lfd;

		if (waitpid(pid, &wstatus, WNOHANG) == pid)
			break;
		if (poll(&p, 1, 10) > 0) {
			if (canned)
				canned_step(canned);
			else
				ctl_server_on_readable(srv);
		}
	}
	if (waitpid(pid, &wstatus, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &wstatus, 0);
	}
	run.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	slurp(out, run.out, sizeof(run.out));
	slurp(err, run.err, sizeof(run.err));
}

static void setup(void)
{
	struct conf_control cc = { .mode = 0600 };

	log_set_max_priority(LOG_CRIT);
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/nfqfwctl-test-XXXXXX");
		CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
		chmod(dir, 0755);   /* so the socket's own mode is what is tested */
	}
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", dir);
	snprintf(cc.socket, sizeof(cc.socket), "%s", sock_path);
	conf.queue.count = 1;
	stat_set(&qstats.received, 31);
	ctx = (struct ctl_context){
		.version = "1.2.3", .conf_path = "/etc/nfqfw/nfqfw.conf", .pid = getpid(),
		.started = time(NULL), .hook_kind = "native", .table = "nfqfw",
		.conf = &conf, .nworkers = 1, .workers = &worker,
		.proc_queue_path = "/nonexistent",
	};
	if (!srv)
		CU_ASSERT_EQUAL_FATAL(ctl_server_open(&srv, &cc, &ctx), 0);
}

static void test_status_ok(void)
{
	setup();
	nfqfwctl(NULL, 0, "-s", sock_path, "status", NULL);
	CU_ASSERT_EQUAL(run.status, 0);
	CU_ASSERT_TRUE(has_prefix(run.out, "version           1.2.3\n"));
	CU_ASSERT_STRING_EQUAL(run.err, "");
}

static void test_stats_json(void)
{
	uint64_t v;

	setup();
	nfqfwctl(NULL, 0, "--socket", sock_path, "-o", "json", "stats", NULL);
	CU_ASSERT_EQUAL(run.status, 0);
	CU_ASSERT_TRUE_FATAL(json_valid(run.out));
	CU_ASSERT_TRUE(json_get_u64(run.out, "queues.0.received", &v) && v == 31);
	CU_ASSERT_STRING_EQUAL(run.err, "");
	nfqfwctl(NULL, 0, "-s", sock_path, "--output=json", "help", NULL);
	CU_ASSERT_EQUAL(run.status, 0);
	CU_ASSERT_TRUE(json_valid(run.out));
}

static void test_daemon_usage_errors(void)
{
	setup();
	nfqfwctl(NULL, 0, "-s", sock_path, "bogus", NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_USAGE);
	CU_ASSERT_STRING_EQUAL(run.out, "");
	CU_ASSERT_STRING_EQUAL(run.err, "nfqfwctl: unknown command 'bogus'; try 'help'\n");
	nfqfwctl(NULL, 0, "-s", sock_path, "status", "now", NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_USAGE);
	CU_ASSERT_STRING_EQUAL(run.err, "nfqfwctl: 'status' takes no arguments\n");
}

static void test_local_usage_errors(void)
{
	char big[CTL_REQUEST_MAX];

	setup();
	nfqfwctl(NULL, 0, "-s", sock_path, NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_USAGE);
	CU_ASSERT_TRUE(has_prefix(run.err, "nfqfwctl: no command given\nUsage: nfqfwctl"));
	nfqfwctl(NULL, 0, "-o", "xml", "status", NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_USAGE);
	CU_ASSERT_STRING_EQUAL(run.err, "nfqfwctl: unknown output format 'xml' (text or json)\n");
	nfqfwctl(NULL, 0, "-x", "status", NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(run.err, "Usage: nfqfwctl"));
	nfqfwctl(NULL, 0, "-s", sock_path, "status", "a b", NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_USAGE);
	CU_ASSERT_TRUE(has_prefix(run.err, "nfqfwctl: invalid argument 'a b'"));
	nfqfwctl(NULL, 0, "-s", sock_path, "status", "", NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_USAGE);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	nfqfwctl(NULL, 0, "-s", sock_path, "status", big, NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_USAGE);
	CU_ASSERT_STRING_EQUAL(run.err, "nfqfwctl: request too long (max 1024 bytes)\n");
	memcpy(big, "/tmp/", 5);
	memset(big + 5, 'y', 200);
	big[205] = '\0';
	nfqfwctl(NULL, 0, "-s", big, "status", NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_USAGE);
	CU_ASSERT_TRUE(has_prefix(run.err, "nfqfwctl: socket path too long"));
}

/* Options stop at the command: what follows belongs to it. */
static void test_options_end_at_command(void)
{
	setup();
	nfqfwctl(NULL, 0, "-s", sock_path, "status", "-o", NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_USAGE);
	CU_ASSERT_STRING_EQUAL(run.err, "nfqfwctl: 'status' takes no arguments\n");
}

static void test_help_and_version(void)
{
	setup();
	nfqfwctl(NULL, 0, "-h", NULL);
	CU_ASSERT_EQUAL(run.status, 0);
	CU_ASSERT_TRUE(has_prefix(run.out, "Usage: nfqfwctl [-s SOCKET] [-o text|json] COMMAND"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run.out, "/run/nfqfw/nfqfw.sock"));
	CU_ASSERT_STRING_EQUAL(run.err, "");
	nfqfwctl(NULL, 0, "--version", NULL);
	CU_ASSERT_EQUAL(run.status, 0);
	CU_ASSERT_STRING_EQUAL(run.out, "nfqfwctl " PACKAGE_VERSION "\n");
}

static void test_not_running(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char path[64], want[256];
	int fd;

	setup();
	snprintf(path, sizeof(path), "%s/missing.sock", dir);
	nfqfwctl(NULL, 0, "-s", path, "status", NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_NOT_RUNNING);
	snprintf(want, sizeof(want), "nfqfwctl: cannot connect to %s: daemon not running?\n", path);
	CU_ASSERT_STRING_EQUAL(run.err, want);
	CU_ASSERT_STRING_EQUAL(run.out, "");

	/* a socket left behind by a dead daemon: connection refused */
	snprintf(path, sizeof(path), "%s/dead.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	nfqfwctl(NULL, 0, "-s", path, "status", NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_NOT_RUNNING);
	snprintf(want, sizeof(want), "nfqfwctl: cannot connect to %s: daemon not running?\n", path);
	CU_ASSERT_STRING_EQUAL(run.err, want);
	unlink(path);
}

/* The socket is 0600 root's: anyone else is told so, with status 4. */
static void test_permission_denied(void)
{
	char want[256];

	setup();
	if (geteuid() == 0) {
		nfqfwctl(NULL, 65534, "-s", sock_path, "status", NULL);
	} else {
		CU_ASSERT_EQUAL_FATAL(chmod(sock_path, 0), 0);
		nfqfwctl(NULL, 0, "-s", sock_path, "status", NULL);
		chmod(sock_path, 0600);
	}
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_PERMISSION);
	snprintf(want, sizeof(want), "nfqfwctl: cannot connect to %s: permission denied", sock_path);
	CU_ASSERT_TRUE(has_prefix(run.err, want));
	CU_ASSERT_STRING_EQUAL(run.out, "");
}

static void canned_run(const char *reply)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct canned c = { .cfd = -1, .reply = reply };
	char path[64];

	snprintf(path, sizeof(path), "%s/canned.sock", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	c.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CU_ASSERT_EQUAL_FATAL(bind(c.lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	CU_ASSERT_EQUAL_FATAL(listen(c.lfd, 4), 0);
	nfqfwctl(&c, 0, "-s", path, "status", NULL);
	if (c.cfd >= 0)
		close(c.cfd);
	close(c.lfd);
	unlink(path);
}

/* Whatever the daemon says, the client's status follows it, and nothing
 * it cannot vouch for reaches stdout. */
static void test_replies(void)
{
	setup();
	canned_run("ERR 1 cannot read the rules\n");
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_FAILURE);
	CU_ASSERT_STRING_EQUAL(run.err, "nfqfwctl: cannot read the rules\n");
	CU_ASSERT_STRING_EQUAL(run.out, "");

	canned_run("ERR 2 usage: rules list\n");
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_USAGE);

	canned_run("ERR 7 from the future\n");      /* unknown codes are failures */
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_FAILURE);
	CU_ASSERT_STRING_EQUAL(run.err, "nfqfwctl: from the future\n");

	canned_run("ERR x\n");
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_FAILURE);
	CU_ASSERT_STRING_EQUAL(run.err, "nfqfwctl: malformed reply from the daemon\n");

	canned_run("HELLO\nbody\n");
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_FAILURE);
	CU_ASSERT_STRING_EQUAL(run.err, "nfqfwctl: malformed reply from the daemon\n");
	CU_ASSERT_STRING_EQUAL(run.out, "");

	canned_run(NULL);
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_FAILURE);
	CU_ASSERT_STRING_EQUAL(run.err, "nfqfwctl: the daemon closed the connection without a reply\n");

	canned_run("OK");                           /* no newline: cut short */
	CU_ASSERT_EQUAL(run.status, CTL_EXIT_FAILURE);

	canned_run("OK\nline one\nline two\n");
	CU_ASSERT_EQUAL(run.status, 0);
	CU_ASSERT_STRING_EQUAL(run.out, "line one\nline two\n");
	CU_ASSERT_STRING_EQUAL(run.err, "");

	canned_run("OK\n");
	CU_ASSERT_EQUAL(run.status, 0);
	CU_ASSERT_STRING_EQUAL(run.out, "");
}

static void test_cleanup(void)
{
	ctl_server_close(srv);
	srv = NULL;
	CU_ASSERT_EQUAL(rmdir(dir), 0);
}

static const struct unit_test nfqfwctl_tests[] = {
	{ "status", test_status_ok },
	{ "stats json", test_stats_json },
	{ "usage errors from the daemon", test_daemon_usage_errors },
	{ "usage errors found locally", test_local_usage_errors },
	{ "options end at the command", test_options_end_at_command },
	{ "help and version", test_help_and_version },
	{ "daemon not running", test_not_running },
	{ "permission denied", test_permission_denied },
	{ "replies", test_replies },
	{ "cleanup", test_cleanup },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "nfqfwctl", nfqfwctl_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
