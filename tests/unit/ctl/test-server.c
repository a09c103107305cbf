/* SPDX-License-Identifier: GPL-2.0-or-later */
/* End-to-end tests of the control socket in one process: the server is
 * opened on a temporary path, clients connect from the test, and the test
 * pumps the server's fd the way the daemon's loop does. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "json-check.h"
#include "nfqfw/ctl.h"
#include "nfqfw/log.h"
#include "unit.h"

static char dir[64];
static char kpath[128];
static struct conf_control cc;
static struct queue_stats qstats[2];
static struct ctl_worker_info workers[2] = {
	{ .queue = 0, .stats = &qstats[0] },
	{ .queue = 1, .stats = &qstats[1] },
};
static struct nfqfw_conf conf;
static struct ctl_context ctx;

/* What a client received. */
static struct {
	char data[1 << 21];
	size_t len;
	bool eof;
	int err;
} rep;

/* Does S start with PREFIX? */
static bool has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A fresh temporary directory and a socket path SUB inside it. */
static void setup(const char *sub)
{
	FILE *f;

	log_set_max_priority(LOG_CRIT);     /* the refusals below are expected */
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/nfqfw-ctl-srv-XXXXXX");
		CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
		snprintf(kpath, sizeof(kpath), "%s/nfnetlink_queue", dir);
	}
	f = fopen(kpath, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("    0  31337     4 2 65535     6     8    12345  1\n", f);
	fclose(f);
	memset(&cc, 0, sizeof(cc));
	snprintf(cc.socket, sizeof(cc.socket), "%s/%s", dir, sub);
	cc.mode = 0600;
	memset(qstats, 0, sizeof(qstats));
	stat_set(&qstats[0].received, 77);
	stat_set(&qstats[1].received, 23);
	memset(&conf, 0, sizeof(conf));
	conf.queue.count = 2;
	ctx = (struct ctl_context){
		.version = "9.9.9", .conf_path = "/etc/nfqfw/nfqfw.conf",
		.pid = getpid(), .started = time(NULL), .hook_kind = "native",
		.table = "nfqfw", .conf = &conf, .nworkers = 2, .workers = workers,
		.proc_queue_path = kpath,
	};
}

static int client_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CU_ASSERT_FATAL(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void client_send(int fd, const char *data, size_t len)
{
	CU_ASSERT_EQUAL(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Runs the server, as the daemon's loop does, and collects what client CFD
 * receives until it sees the end or MAX_MS pass. CFD -1: server only. */
static void pump(struct ctl_server *srv, int cfd, unsigned int max_ms)
{
	uint64_t end = now_ms() + max_ms;

	rep.len = 0;
	rep.eof = false;
	rep.err = 0;
	while (!rep.eof && now_ms() < end) {
		struct pollfd p[2] = {
			{ .fd = ctl_server_fd(srv), .events = POLLIN },
			{ .fd = cfd, .events = POLLIN },
		};

		poll(p, 2, 10);
		if (p[0].revents & POLLIN)
			ctl_server_on_readable(srv);
		if (cfd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = recv(cfd, rep.data + rep.len,
					 sizeof(rep.data) - 1 - rep.len, MSG_DONTWAIT);

			if (n > 0) {
				rep.len += (size_t)n;
			} else if (n == 0) {
				rep.eof = true;
			} else if (errno != EAGAIN) {
				rep.err = errno;
				rep.eof = true;
			}
		}
	}
	rep.data[rep.len] = '\0';
}

/* One request from a new client; the reply is in rep. */
static void exchange(struct ctl_server *srv, const char *req, size_t len)
{
	int fd = client_connect(cc.socket);

	CU_ASSERT_FATAL(fd >= 0);
	client_send(fd, req, len);
	pump(srv, fd, 3000);
	close(fd);
	CU_ASSERT_TRUE(rep.eof);
	CU_ASSERT_EQUAL(rep.err, 0);
}

/* With nothing left to do the server's fd must not stay readable, or the
 * daemon's loop would spin. */
static bool server_idle(struct ctl_server *srv)
{
	struct pollfd p = { .fd = ctl_server_fd(srv), .events = POLLIN };

	for (int i = 0; i < 5 && poll(&p, 1, 0) > 0; i++)
		ctl_server_on_readable(srv);
	return poll(&p, 1, 0) == 0;
}

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static struct ctl_server *open_ok(void)
{
	struct ctl_server *srv = NULL;
	int ret = ctl_server_open(&srv, &cc, &ctx);

	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	return srv;
}

/* ---- socket file ---- */

static void test_mode_and_parents(void)
{
	struct ctl_server *srv;
	struct stat st;
	char parent[128];
	mode_t old;

	setup("run/sub/nfqfw.sock");
	old = umask(077);               /* a strict umask must not leak into 0755 */
	srv = open_ok();
	CU_ASSERT_EQUAL(umask(old), 077);   /* and ours is given back */
	CU_ASSERT_EQUAL_FATAL(lstat(cc.socket, &st), 0);
	CU_ASSERT_TRUE(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	snprintf(parent, sizeof(parent), "%s/run/sub", dir);
	CU_ASSERT_EQUAL_FATAL(stat(parent, &st), 0);
	CU_ASSERT_TRUE(S_ISDIR(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0755);
	snprintf(parent, sizeof(parent), "%s/run", dir);
	CU_ASSERT_EQUAL_FATAL(stat(parent, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0755);
	ctl_server_close(srv);
	CU_ASSERT_FALSE(path_exists(cc.socket));
	snprintf(parent, sizeof(parent), "%s/run/sub", dir);
	CU_ASSERT_EQUAL(rmdir(parent), 0);
	snprintf(parent, sizeof(parent), "%s/run", dir);
	CU_ASSERT_EQUAL(rmdir(parent), 0);
}

static void test_mode_and_group(void)
{
	struct ctl_server *srv;
	struct stat st;
	/* root may give the socket to any group; others only to their own */
	gid_t want = geteuid() == 0 ? 4321 : getegid();

	setup("group.sock");
	cc.mode = 0660;
	snprintf(cc.group, sizeof(cc.group), "%u", (unsigned int)want);
	srv = open_ok();
	CU_ASSERT_EQUAL_FATAL(lstat(cc.socket, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0660);
	CU_ASSERT_EQUAL(st.st_gid, want);
	ctl_server_close(srv);

	/* by name */
	struct group *gr = getgrgid(getegid());

	CU_ASSERT_PTR_NOT_NULL_FATAL(gr);
	snprintf(cc.group, sizeof(cc.group), "%s", gr->gr_name);
	cc.mode = 0640;
	srv = open_ok();
	CU_ASSERT_EQUAL_FATAL(lstat(cc.socket, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	CU_ASSERT_EQUAL(st.st_gid, getegid());
	ctl_server_close(srv);
}

static void test_unknown_group(void)
{
	struct ctl_server *srv = (struct ctl_server *)&srv;

	setup("nogroup.sock");
	snprintf(cc.group, sizeof(cc.group), "nfqfw-no-such-group");
	CU_ASSERT_EQUAL(ctl_server_open(&srv, &cc, &ctx), -EINVAL);
	CU_ASSERT_PTR_NULL(srv);
	CU_ASSERT_FALSE(path_exists(cc.socket));
	snprintf(cc.group, sizeof(cc.group), "12x");
	CU_ASSERT_EQUAL(ctl_server_open(&srv, &cc, &ctx), -EINVAL);
	CU_ASSERT_FALSE(path_exists(cc.socket));
}

static void test_bad_paths(void)
{
	struct ctl_server *srv;

	setup("x.sock");
	cc.socket[0] = '\0';
	CU_ASSERT_EQUAL(ctl_server_open(&srv, &cc, &ctx), -EINVAL);
	CU_ASSERT_PTR_NULL(srv);
	memset(cc.socket, 'a', sizeof(cc.socket));   /* not terminated */
	CU_ASSERT_EQUAL(ctl_server_open(&srv, &cc, &ctx), -EINVAL);
	/* a parent that is a file */
	snprintf(cc.socket, sizeof(cc.socket), "%s/nfnetlink_queue/x.sock", dir);
	CU_ASSERT_EQUAL(ctl_server_open(&srv, &cc, &ctx), -ENOTDIR);
}

/* A socket left by a daemon that died: nobody answers, it is replaced. */
static void test_stale_socket_replaced(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *srv;
	struct stat before, after;
	int fd;

	mode_t old;

	setup("stale.sock");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", cc.socket);
	old = umask(0);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	umask(old);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(lstat(cc.socket, &before), 0);
	CU_ASSERT_EQUAL(before.st_mode & 0777, 0777);
	CU_ASSERT_EQUAL(client_connect(cc.socket), -ECONNREFUSED);

	srv = open_ok();
	/* ours now: our mode, and it answers */
	CU_ASSERT_EQUAL_FATAL(lstat(cc.socket, &after), 0);
	CU_ASSERT_EQUAL(after.st_mode & 0777, 0600);
	exchange(srv, "text status\n", 12);
	CU_ASSERT_TRUE(has_prefix(rep.data, "OK\n"));
	ctl_server_close(srv);
}

/* A socket that answers belongs to a running daemon: refuse, touch nothing. */
static void test_live_socket_refused(void)
{
	struct ctl_server *first, *second = (struct ctl_server *)&second;
	struct stat before, after;

	setup("live.sock");
	first = open_ok();
	CU_ASSERT_EQUAL_FATAL(lstat(cc.socket, &before), 0);
	CU_ASSERT_EQUAL(ctl_server_open(&second, &cc, &ctx), -EADDRINUSE);
	CU_ASSERT_PTR_NULL(second);
	CU_ASSERT_EQUAL_FATAL(lstat(cc.socket, &after), 0);
	CU_ASSERT_EQUAL(before.st_ino, after.st_ino);
	/* the first one still serves, and took the probe in its stride */
	exchange(first, "text status\n", 12);
	CU_ASSERT_TRUE(has_prefix(rep.data, "OK\n"));
	CU_ASSERT_TRUE(server_idle(first));
	ctl_server_close(first);
}

static void test_not_a_socket_kept(void)
{
	struct ctl_server *srv;
	char buf[16] = { 0 };
	FILE *f;

	setup("file.sock");
	f = fopen(cc.socket, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("precious", f);
	fclose(f);
	CU_ASSERT_EQUAL(ctl_server_open(&srv, &cc, &ctx), -EEXIST);
	f = fopen(cc.socket, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof(buf), f));
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "precious");
	unlink(cc.socket);
}

/* Close removes our socket, but not one that replaced it meanwhile. */
static void test_close_unlinks_only_ours(void)
{
	struct ctl_server *srv;
	FILE *f;

	setup("close.sock");
	srv = open_ok();
	CU_ASSERT_TRUE(path_exists(cc.socket));
	ctl_server_close(srv);
	CU_ASSERT_FALSE(path_exists(cc.socket));

	srv = open_ok();
	CU_ASSERT_EQUAL(unlink(cc.socket), 0);
	f = fopen(cc.socket, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	ctl_server_close(srv);
	CU_ASSERT_TRUE(path_exists(cc.socket));
	unlink(cc.socket);
	ctl_server_close(NULL);
}

/* ---- protocol ---- */

static void test_requests(void)
{
	struct ctl_server *srv;
	const char *body;
	uint64_t v;

	setup("req.sock");
	srv = open_ok();
	CU_ASSERT_TRUE(server_idle(srv));

	exchange(srv, "text status\n", 12);
	CU_ASSERT_TRUE(has_prefix(rep.data, "OK\nversion           9.9.9\n"));
	CU_ASSERT_TRUE(server_idle(srv));

	exchange(srv, "json stats\n", 11);
	CU_ASSERT_TRUE_FATAL(has_prefix(rep.data, "OK\n"));
	body = rep.data + 3;
	CU_ASSERT_TRUE_FATAL(json_valid(body));
	CU_ASSERT_TRUE(json_get_u64(body, "queues.0.received", &v) && v == 77);
	CU_ASSERT_TRUE(json_get_u64(body, "queues.1.received", &v) && v == 23);
	CU_ASSERT_TRUE(json_get_u64(body, "total.received", &v) && v == 100);
	CU_ASSERT_TRUE(json_get_u64(body, "queues.0.kernel.portid", &v) && v == 31337);
	CU_ASSERT_TRUE(json_get_u64(body, "queues.0.kernel.id_sequence", &v) && v == 12345);
	CU_ASSERT_TRUE(json_is(body, "queues.1.kernel", "null"));
	CU_ASSERT_TRUE(server_idle(srv));

	exchange(srv, "text help\n", 10);
	CU_ASSERT_TRUE(has_prefix(rep.data, "OK\nCommands:\n"));

	/* a '\r' before the '\n' (someone typing into socat) is fine */
	exchange(srv, "json status\r\n", 13);
	CU_ASSERT_TRUE_FATAL(has_prefix(rep.data, "OK\n"));
	CU_ASSERT_TRUE(json_valid(rep.data + 3));
	ctl_server_close(srv);
}

static void test_usage_errors(void)
{
	struct ctl_server *srv;

	setup("err.sock");
	srv = open_ok();
	exchange(srv, "text frobnicate\n", 16);
	CU_ASSERT_STRING_EQUAL(rep.data, "ERR 2 unknown command 'frobnicate'; try 'help'\n");
	exchange(srv, "yaml status\n", 12);
	CU_ASSERT_TRUE(has_prefix(rep.data, "ERR 2 unknown output format"));
	exchange(srv, "\n", 1);
	CU_ASSERT_STRING_EQUAL(rep.data, "ERR 2 empty request\n");
	CU_ASSERT_TRUE(server_idle(srv));
	ctl_server_close(srv);
}

static void test_oversized_request(void)
{
	struct ctl_server *srv;
	char big[3000];

	setup("big.sock");
	srv = open_ok();
	/* no newline at all */
	memset(big, 'a', sizeof(big));
	exchange(srv, big, 2000);
	CU_ASSERT_STRING_EQUAL(rep.data, "ERR 2 request line too long (max 1024 bytes)\n");
	/* a newline, but too late */
	memcpy(big, "text status", 11);
	memset(big + 11, ' ', sizeof(big) - 11);
	big[1500] = '\n';
	exchange(srv, big, 1501);
	CU_ASSERT_TRUE(has_prefix(rep.data, "ERR 2 request line too long"));
	/* the longest line allowed: 1023 bytes and its newline */
	big[CTL_REQUEST_MAX - 1] = '\n';
	exchange(srv, big, CTL_REQUEST_MAX);
	CU_ASSERT_TRUE(has_prefix(rep.data, "OK\n"));
	/* one more is too many */
	big[CTL_REQUEST_MAX - 1] = ' ';
	big[CTL_REQUEST_MAX] = '\n';
	exchange(srv, big, CTL_REQUEST_MAX + 1);
	CU_ASSERT_TRUE(has_prefix(rep.data, "ERR 2 request line too long"));
	CU_ASSERT_TRUE(server_idle(srv));
	ctl_server_close(srv);
}

static void test_incomplete_request(void)
{
	struct ctl_server *srv;
	int fd;

	setup("half.sock");
	srv = open_ok();
	fd = client_connect(cc.socket);
	CU_ASSERT_FATAL(fd >= 0);
	client_send(fd, "text status", 11);
	shutdown(fd, SHUT_WR);
	pump(srv, fd, 3000);
	close(fd);
	CU_ASSERT_STRING_EQUAL(rep.data, "ERR 2 incomplete request (no newline)\n");
	ctl_server_close(srv);
}

/* A client that never finishes its line is dropped after about a second. */
static void test_slow_client_dropped(void)
{
	struct ctl_server *srv;
	uint64_t start;
	int fd;

	setup("slow.sock");
	srv = open_ok();
	fd = client_connect(cc.socket);
	CU_ASSERT_FATAL(fd >= 0);
	client_send(fd, "text sta", 8);
	start = now_ms();
	pump(srv, fd, 3000);
	CU_ASSERT_TRUE(rep.eof);
	CU_ASSERT(now_ms() - start >= 900);
	CU_ASSERT(now_ms() - start < 2000);
	CU_ASSERT_STRING_EQUAL(rep.data, "ERR 2 timed out waiting for the request\n");
	close(fd);
	CU_ASSERT_TRUE(server_idle(srv));
	ctl_server_close(srv);
}

/* ... and while it dawdles, others are served at once. */
static void test_slow_client_blocks_nobody(void)
{
	struct ctl_server *srv;
	uint64_t start;
	int slow;

	setup("busy1.sock");
	srv = open_ok();
	slow = client_connect(cc.socket);
	CU_ASSERT_FATAL(slow >= 0);
	client_send(slow, "json st", 7);
	pump(srv, -1, 50);
	start = now_ms();
	exchange(srv, "text status\n", 12);
	CU_ASSERT(now_ms() - start < 500);
	CU_ASSERT_TRUE(has_prefix(rep.data, "OK\n"));
	/* the slow one can still finish its line in time */
	client_send(slow, "atus\n", 5);
	pump(srv, slow, 3000);
	CU_ASSERT_TRUE(has_prefix(rep.data, "OK\n{"));
	close(slow);
	ctl_server_close(srv);
}

static void test_too_many_clients(void)
{
	struct ctl_server *srv;
	int fds[8], extra;

	setup("many.sock");
	srv = open_ok();
	for (int i = 0; i < 8; i++) {
		fds[i] = client_connect(cc.socket);
		CU_ASSERT_FATAL(fds[i] >= 0);
	}
	pump(srv, -1, 100);
	extra = client_connect(cc.socket);
	CU_ASSERT_FATAL(extra >= 0);
	pump(srv, extra, 500);
	CU_ASSERT_STRING_EQUAL(rep.data, "ERR 1 busy: too many control clients\n");
	close(extra);
	/* the eight are still served */
	client_send(fds[3], "text status\n", 12);
	pump(srv, fds[3], 1000);
	CU_ASSERT_TRUE(has_prefix(rep.data, "OK\n"));
	for (int i = 0; i < 8; i++)
		close(fds[i]);
	CU_ASSERT_TRUE(server_idle(srv));
	ctl_server_close(srv);
}

/* A client that leaves before its reply must not hurt the daemon (no
 * SIGPIPE: this test would die of it). */
static void test_client_gone_before_reply(void)
{
	struct ctl_server *srv;
	int fd;

	setup("gone.sock");
	srv = open_ok();
	fd = client_connect(cc.socket);
	CU_ASSERT_FATAL(fd >= 0);
	client_send(fd, "json stats\n", 11);
	close(fd);
	pump(srv, -1, 100);
	CU_ASSERT_TRUE(server_idle(srv));
	exchange(srv, "text status\n", 12);
	CU_ASSERT_TRUE(has_prefix(rep.data, "OK\n"));
	ctl_server_close(srv);
}

/* More bytes after the line are ignored, and the client still sees a clean
 * end of its reply rather than ECONNRESET. */
static void test_trailing_input(void)
{
	struct ctl_server *srv;
	char req[4000];

	setup("trail.sock");
	srv = open_ok();
	memset(req, 'z', sizeof(req));
	memcpy(req, "text status\n", 12);
	exchange(srv, req, sizeof(req));
	CU_ASSERT_TRUE(has_prefix(rep.data, "OK\nversion"));
	CU_ASSERT_EQUAL(rep.err, 0);
	ctl_server_close(srv);
}

/* A reply bigger than the socket buffer (net.core.wmem_default, 208 KiB)
 * goes out in several writes, the later ones when EPOLLOUT says so. */
static void test_large_reply(void)
{
	enum { MANY = 1000 };
	static struct ctl_worker_info many[MANY];
	struct ctl_server *srv;
	const char *body;
	char path[32];
	uint64_t v;

	setup("large.sock");
	for (unsigned int i = 0; i < MANY; i++)
		many[i] = (struct ctl_worker_info){ .queue = (uint16_t)i, .stats = &qstats[i % 2] };
	ctx.nworkers = MANY;
	ctx.workers = many;
	srv = open_ok();
	exchange(srv, "json stats\n", 11);
	CU_ASSERT(rep.len > 2 * 212992);   /* several socket buffers' worth */
	CU_ASSERT_TRUE_FATAL(has_prefix(rep.data, "OK\n"));
	body = rep.data + 3;
	CU_ASSERT_TRUE_FATAL(json_valid(body));
	snprintf(path, sizeof(path), "queues.%d.queue", MANY - 1);
	CU_ASSERT_TRUE(json_get_u64(body, path, &v) && v == MANY - 1);
	CU_ASSERT_TRUE(json_get_u64(body, "total.received", &v) && v == 100 * MANY / 2);
	CU_ASSERT_TRUE(server_idle(srv));
	ctl_server_close(srv);
}

/* Out of file descriptors: the server stops listening for a moment instead
 * of making the daemon spin, then serves the waiting client. */
static void test_out_of_descriptors(void)
{
	struct ctl_server *srv;
	struct rlimit old, low;
	struct pollfd p;
	int fd, probe;

	setup("emfile.sock");
	srv = open_ok();
	fd = client_connect(cc.socket);
	CU_ASSERT_FATAL(fd >= 0);
	client_send(fd, "text status\n", 12);
	probe = dup(0);
	CU_ASSERT_FATAL(probe >= 0);
	close(probe);
	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)probe;   /* accept() would need fd `probe` */
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_NOFILE, &low), 0);
	ctl_server_on_readable(srv);
	CU_ASSERT_EQUAL(setrlimit(RLIMIT_NOFILE, &old), 0);
	p = (struct pollfd){ .fd = ctl_server_fd(srv), .events = POLLIN };
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);     /* paused, not spinning */
	/* The kernel fails accept() before taking the connection off the
	 * queue, so this client is served once the pause ends. (Valgrind's
	 * accept() wrapper applies its own limit after the kernel handed the
	 * connection over and closes it: the client then sees a reset.) */
	pump(srv, fd, 2000);
	CU_ASSERT(has_prefix(rep.data, "OK\n") || (rep.len == 0 && rep.err == ECONNRESET));
	close(fd);
	/* listening again */
	exchange(srv, "text status\n", 12);
	CU_ASSERT_TRUE(has_prefix(rep.data, "OK\n"));
	ctl_server_close(srv);
}

static void test_cleanup(void)
{
	CU_ASSERT_EQUAL(unlink(kpath), 0);
	CU_ASSERT_EQUAL(rmdir(dir), 0);
}

static const struct unit_test file_tests[] = {
	{ "mode 0600 and parent directories", test_mode_and_parents },
	{ "mode and group", test_mode_and_group },
	{ "unknown group", test_unknown_group },
	{ "bad paths", test_bad_paths },
	{ "stale socket replaced", test_stale_socket_replaced },
	{ "live socket refused", test_live_socket_refused },
	{ "not a socket: kept, refused", test_not_a_socket_kept },
	{ "close unlinks only ours", test_close_unlinks_only_ours },
	{ NULL, NULL },
};

static const struct unit_test protocol_tests[] = {
	{ "requests", test_requests },
	{ "usage errors", test_usage_errors },
	{ "oversized request", test_oversized_request },
	{ "incomplete request", test_incomplete_request },
	{ "slow client dropped", test_slow_client_dropped },
	{ "slow client blocks nobody", test_slow_client_blocks_nobody },
	{ "too many clients", test_too_many_clients },
	{ "client gone before the reply", test_client_gone_before_reply },
	{ "trailing input", test_trailing_input },
	{ "large reply", test_large_reply },
	{ "out of descriptors", test_out_of_descriptors },
	{ NULL, NULL },
};

static const struct unit_test cleanup_tests[] = {
	{ "cleanup", test_cleanup },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "socket file", file_tests },
	{ "protocol", protocol_tests },
	{ "cleanup", cleanup_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
