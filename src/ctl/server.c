/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket server. It never blocks the daemon: the listening
 * socket, every client and a deadline timer sit in one epoll set whose fd the
 * daemon polls; each call serves whatever is ready and returns. A client has
 * one second to send its line and two more to take the reply, then it is
 * dropped; at most CTL_MAX_CLIENTS are served at once. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "nfqfw/ctl.h"
#include "nfqfw/ctl_cmd.h"
#include "nfqfw/log.h"

#define CTL_MAX_CLIENTS 8
#define CTL_READ_TIMEOUT_NS (1000ull * 1000 * 1000)
#define CTL_WRITE_TIMEOUT_NS (2000ull * 1000 * 1000)
#define CTL_LISTEN_PAUSE_NS (100ull * 1000 * 1000)  /* after EMFILE */
#define CTL_ACCEPT_BURST 16
#define CTL_BACKLOG 16
#define CTL_DRAIN_MAX 65536

/* epoll tags: the listener, the timer, or a client slot with its
 * generation in the upper half, so that an event still pending for a client
 * that was closed is never taken for its successor in the same slot. */
enum {
	CTL_TAG_LISTEN = 1,
	CTL_TAG_TIMER = 2,
	CTL_TAG_CLIENT = 16,
};

enum ctl_client_state {
	CTL_CLIENT_FREE,
	CTL_CLIENT_READING,
	CTL_CLIENT_WRITING,
};

struct ctl_client {
	int fd;
	enum ctl_client_state state;
	uint32_t gen;
	uint64_t deadline_ns;
	size_t in_len;
	char in[CTL_REQUEST_MAX];
	struct ctl_buf out;
	size_t out_pos;
};

struct ctl_server {
	int epfd, lfd, tfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	const struct ctl_context *ctx;
	uint64_t listen_paused_until;   /* 0: accepting */
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

static struct log_ratelimit ctl_log_rl = LOG_RATELIMIT_INIT(1, 5);

static uint64_t ctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t ctl_client_tag(const struct ctl_server *srv, const struct ctl_client *c)
{
	return (uint64_t)c->gen << 32 | (uint64_t)(CTL_TAG_CLIENT + (c - srv->clients));
}

static int ctl_epoll_set(int epfd, int op, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(epfd, op, fd, &ev) < 0 ? -errno : 0;
}

/* ---- clients ---- */

/* Discards what the client still sends, within reason: closing a unix
 * socket with unread data makes the peer's next read fail with ECONNRESET
 * instead of seeing the end of our reply. */
static void ctl_client_drain(int fd)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	while (total < CTL_DRAIN_MAX &&
	       (n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += (size_t)n;
}

static void ctl_client_close(struct ctl_server *srv, struct ctl_client *c)
{
	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	ctl_client_drain(c->fd);
	close(c->fd);
	ctl_buf_free(&c->out);
	c->fd = -1;
	c->state = CTL_CLIENT_FREE;
}

static void ctl_client_write(struct ctl_server *srv, struct ctl_client *c)
{
	while (c->out_pos < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_pos,
				 c->out.len - c->out_pos, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;     /* EPOLLOUT brings us back */
		if (n <= 0) {
			log_debug("control socket: client went away: %s", strerror(errno));
			break;
		}
		c->out_pos += (size_t)n;
	}
	ctl_client_close(srv, c);
}

/* The reply is in c->out: switch from reading to writing. */
static void ctl_client_start_reply(struct ctl_server *srv, struct ctl_client *c)
{
	if (c->out.failed) {
		ctl_buf_reset(&c->out);
		ctl_buf_puts(&c->out, "ERR 1 out of memory\n");
	}
	c->state = CTL_CLIENT_WRITING;
	c->out_pos = 0;
	c->deadline_ns = ctl_now_ns() + CTL_WRITE_TIMEOUT_NS;
	if (ctl_epoll_set(srv->epfd, EPOLL_CTL_MOD, c->fd, EPOLLOUT,
			  ctl_client_tag(srv, c)) < 0) {
		ctl_client_close(srv, c);
		return;
	}
	ctl_client_write(srv, c);
}

static void ctl_client_fail(struct ctl_server *srv, struct ctl_client *c,
			    int code, const char *msg)
{
	ctl_buf_reset(&c->out);
	ctl_buf_printf(&c->out, "ERR %d %s\n", code, msg);
	ctl_client_start_reply(srv, c);
}

static void ctl_client_read(struct ctl_server *srv, struct ctl_client *c)
{
	size_t room = sizeof(c->in) - c->in_len;
	ssize_t n = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
	const char *nl;

	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			ctl_client_close(srv, c);
		return;
	}
	if (n == 0) {
		/* a bare connect-and-close is another daemon checking for us */
		if (c->in_len == 0)
			ctl_client_close(srv, c);
		else
			ctl_client_fail(srv, c, CTL_EXIT_USAGE,
					"incomplete request (no newline)");
		return;
	}
	nl = memchr(c->in + c->in_len, '\n', (size_t)n);
	c->in_len += (size_t)n;
	if (nl) {
		ctl_handle_request(srv->ctx, c->in, (size_t)(nl - c->in), &c->out);
		ctl_client_start_reply(srv, c);
	} else if (c->in_len == sizeof(c->in)) {
		char msg[64];

		snprintf(msg, sizeof(msg), "request line too long (max %d bytes)",
			 CTL_REQUEST_MAX);
		ctl_client_fail(srv, c, CTL_EXIT_USAGE, msg);
	}
}

static void ctl_client_event(struct ctl_server *srv, uint64_t tag)
{
	unsigned int slot = (unsigned int)(tag & 0xffffffffu) - CTL_TAG_CLIENT;
	struct ctl_client *c;

	if (slot >= CTL_MAX_CLIENTS)
		return;
	c = &srv->clients[slot];
	if (c->state == CTL_CLIENT_FREE || c->gen != (uint32_t)(tag >> 32))
		return;     /* closed earlier in this round */
	if (c->state == CTL_CLIENT_READING)
		ctl_client_read(srv, c);
	else
		ctl_client_write(srv, c);
}

/* ---- listening ---- */

static int ctl_fd_set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

static struct ctl_client *ctl_client_slot(struct ctl_server *srv)
{
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (srv->clients[i].state == CTL_CLIENT_FREE)
			return &srv->clients[i];
	return NULL;
}

/* Out of descriptors: the listener would stay readable and the daemon spin,
 * so stop watching it for a moment. */
static void ctl_listen_pause(struct ctl_server *srv, int err)
{
	log_msg_ratelimited(&ctl_log_rl, LOG_WARNING,
			    "control socket: accept: %s; pausing", strerror(err));
	if (ctl_epoll_set(srv->epfd, EPOLL_CTL_MOD, srv->lfd, 0, CTL_TAG_LISTEN) == 0)
		srv->listen_paused_until = ctl_now_ns() + CTL_LISTEN_PAUSE_NS;
}

static void ctl_client_add(struct ctl_server *srv, int fd)
{
	static const char busy[] = "ERR 1 busy: too many control clients\n";
	struct ctl_client *c = ctl_client_slot(srv);

	if (ctl_fd_set_flags(fd) < 0 || !c) {
		if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("control socket: refusing a client: %s", strerror(errno));
		close(fd);
		return;
	}
	c->fd = fd;
	c->gen++;
	c->in_len = 0;
	c->out_pos = 0;
	ctl_buf_init(&c->out, CTL_REPLY_MAX);
	c->deadline_ns = ctl_now_ns() + CTL_READ_TIMEOUT_NS;
	c->state = CTL_CLIENT_READING;
	if (ctl_epoll_set(srv->epfd, EPOLL_CTL_ADD, fd, EPOLLIN, ctl_client_tag(srv, c)) < 0)
		ctl_client_close(srv, c);
}

static void ctl_accept(struct ctl_server *srv)
{
	for (int i = 0; i < CTL_ACCEPT_BURST; i++) {
		int fd = accept(srv->lfd, NULL, NULL);

		if (fd >= 0) {
			ctl_client_add(srv, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			ctl_listen_pause(srv, errno);
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			log_msg_ratelimited(&ctl_log_rl, LOG_WARNING,
					    "control socket: accept: %s", strerror(errno));
		return;
	}
}

/* ---- deadlines ---- */

static void ctl_timer_clear(struct ctl_server *srv)
{
	uint64_t ticks;

	if (read(srv->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_debug("control socket: timer: %s", strerror(errno));
}

static void ctl_sweep(struct ctl_server *srv, uint64_t now)
{
	static const char timeout[] = "ERR 2 timed out waiting for the request\n";

	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *c = &srv->clients[i];

		if (c->state == CTL_CLIENT_FREE || c->deadline_ns > now)
			continue;
		if (c->state == CTL_CLIENT_READING &&
		    send(c->fd, timeout, sizeof(timeout) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("control socket: slow client: %s", strerror(errno));
		ctl_client_close(srv, c);
	}
	if (srv->listen_paused_until && srv->listen_paused_until <= now &&
	    ctl_epoll_set(srv->epfd, EPOLL_CTL_MOD, srv->lfd, EPOLLIN, CTL_TAG_LISTEN) == 0)
		srv->listen_paused_until = 0;
}

/* Arms the timer for the next deadline, or disarms it. */
static void ctl_timer_arm(struct ctl_server *srv)
{
	struct itimerspec its = { 0 };
	uint64_t next = srv->listen_paused_until;

	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++) {
		const struct ctl_client *c = &srv->clients[i];

		if (c->state != CTL_CLIENT_FREE && (next == 0 || c->deadline_ns < next))
			next = c->deadline_ns;
	}
	if (next) {
		its.it_value.tv_sec = (time_t)(next / 1000000000ull);
		its.it_value.tv_nsec = (long)(next % 1000000000ull);
	}
	if (timerfd_settime(srv->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_msg_ratelimited(&ctl_log_rl, LOG_WARNING,
				    "control socket: timer: %s", strerror(errno));
}

void ctl_server_on_readable(struct ctl_server *srv)
{
	struct epoll_event ev[CTL_MAX_CLIENTS + 2];
	int n = epoll_wait(srv->epfd, ev, CTL_MAX_CLIENTS + 2, 0);

	for (int i = 0; i < n; i++) {
		uint64_t tag = ev[i].data.u64;

		if (tag == CTL_TAG_LISTEN)
			ctl_accept(srv);
		else if (tag == CTL_TAG_TIMER)
			ctl_timer_clear(srv);
		else
			ctl_client_event(srv, tag);
	}
	ctl_sweep(srv, ctl_now_ns());
	ctl_timer_arm(srv);
}

int ctl_server_fd(const struct ctl_server *srv)
{
	return srv->epfd;
}

/* ---- opening ---- */

/* Resolves a group name (or number) to its id. */
static int ctl_lookup_group(const char *name, gid_t *gid)
{
	struct group grp, *res = NULL;
	size_t size = 4096;
	char *buf = NULL, *end;
	unsigned long num;
	int err;

	do {
		char *p = realloc(buf, size);

		if (!p) {
			free(buf);
			return -ENOMEM;
		}
		buf = p;
		err = getgrnam_r(name, &grp, buf, size, &res);
		size *= 2;
	} while (err == ERANGE && size <= (1u << 20));
	if (err == 0 && res)
		*gid = res->gr_gid;
	free(buf);
	if (err == 0 && res)
		return 0;
	errno = 0;
	num = strtoul(name, &end, 10);
	if (name[0] >= '0' && name[0] <= '9' && !*end && errno == 0 && num < UINT_MAX) {
		*gid = (gid_t)num;
		return 0;
	}
	log_err("control socket: unknown group '%s'", name);
	return -EINVAL;
}

/* Creates the missing directories above PATH, mode 0755. */
static int ctl_make_parents(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t len = strlen(path);

	memcpy(dir, path, len + 1);
	for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			if (chmod(dir, 0755) < 0)   /* whatever the umask */
				return -errno;
		} else if (errno != EEXIST) {
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

static void ctl_sockaddr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, strlen(path) + 1);
}

/* Deals with whatever is at PATH already: nothing is fine, a socket nobody
 * answers on is left over from a crash and removed, a socket that answers
 * means another daemon runs (-EADDRINUSE), anything else is not ours to
 * remove (-EEXIST). */
static int ctl_check_existing(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, ret;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("control socket: %s exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ctl_sockaddr(&sun, path);
	ret = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ? 0 : -errno;
	close(fd);
	if (ret == 0 || ret == -EAGAIN || ret == -EINPROGRESS) {
		log_err("control socket: %s: another daemon is answering there", path);
		return -EADDRINUSE;
	}
	if (ret != -ECONNREFUSED)
		return ret;
	log_notice("control socket: removing stale %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Binds LFD at PATH with exactly MODE and group GID, before listen(), so
 * nobody can connect while the permissions are still being set. */
static int ctl_bind(int lfd, const char *path, mode_t mode, bool set_gid, gid_t gid)
{
	struct sockaddr_un sun;
	mode_t old_umask;
	int ret;

	ctl_sockaddr(&sun, path);
	old_umask = umask(~mode & 0777);
	ret = bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ? -errno : 0;
	umask(old_umask);
	if (ret < 0)
		return ret;
	/* a default ACL on the directory overrides the umask: set it again */
	if (chmod(path, mode) < 0 || (set_gid && chown(path, (uid_t)-1, gid) < 0)) {
		ret = -errno;
		unlink(path);
	}
	return ret;
}

static int ctl_server_setup(struct ctl_server *srv, const struct conf_control *cc)
{
	bool set_gid = cc->group[0] != '\0';
	mode_t mode = cc->mode & 0777;
	gid_t gid = 0;
	struct stat st;
	int ret;

	if (set_gid && (ret = ctl_lookup_group(cc->group, &gid)) < 0)
		return ret;
	if ((ret = ctl_make_parents(srv->path)) < 0 ||
	    (ret = ctl_check_existing(srv->path)) < 0)
		return ret;
	srv->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->lfd < 0)
		return -errno;
	if ((ret = ctl_bind(srv->lfd, srv->path, mode, set_gid, gid)) < 0)
		return ret;
	if (listen(srv->lfd, CTL_BACKLOG) < 0 || stat(srv->path, &st) < 0)
		goto err_unlink;
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0)
		goto err_unlink;
	srv->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (srv->tfd < 0)
		goto err_unlink;
	if ((ret = ctl_epoll_set(srv->epfd, EPOLL_CTL_ADD, srv->lfd, EPOLLIN, CTL_TAG_LISTEN)) < 0 ||
	    (ret = ctl_epoll_set(srv->epfd, EPOLL_CTL_ADD, srv->tfd, EPOLLIN, CTL_TAG_TIMER)) < 0) {
		unlink(srv->path);
		return ret;
	}
	return 0;

err_unlink:
	ret = -errno;
	unlink(srv->path);
	return ret;
}

int ctl_server_open(struct ctl_server **out, const struct conf_control *cc,
		    const struct ctl_context *ctx)
{
	struct ctl_server *srv;
	size_t len = strnlen(cc->socket, sizeof(cc->socket));
	int ret;

	*out = NULL;
	if (len == 0 || len == sizeof(cc->socket))
		return -EINVAL;
	if (len >= sizeof(srv->path))
		return -ENAMETOOLONG;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->epfd = srv->lfd = srv->tfd = -1;
	srv->ctx = ctx;
	memcpy(srv->path, cc->socket, len + 1);
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;
	ret = ctl_server_setup(srv, cc);
	if (ret < 0) {
		srv->ino = 0;       /* nothing of ours to unlink */
		ctl_server_close(srv);
		return ret;
	}
	*out = srv;
	return 0;
}

void ctl_server_close(struct ctl_server *srv)
{
	struct stat st;

	if (!srv)
		return;
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (srv->clients[i].state != CTL_CLIENT_FREE)
			ctl_client_close(srv, &srv->clients[i]);
	/* unlink only our own socket, not one a newer daemon put there */
	if (srv->ino && stat(srv->path, &st) == 0 &&
	    st.st_dev == srv->dev && st.st_ino == srv->ino)
		unlink(srv->path);
	if (srv->tfd >= 0)
		close(srv->tfd);
	if (srv->epfd >= 0)
		close(srv->epfd);
	if (srv->lfd >= 0)
		close(srv->lfd);
	free(srv);
}
