/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket: a local stream socket on which nfqfwctl asks the
 * daemon for its status and counters. One request line, one reply, close. */
#ifndef NFQFW_CTL_H
#define NFQFW_CTL_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "nfqfw/conf.h"
#include "nfqfw/stats.h"

/* The protocol. The client sends ONE line of at most CTL_REQUEST_MAX bytes
 * (the '\n' included): "<format> <command> [args...]", format "text" or
 * "json", words separated by blanks. The server answers with a status line,
 * "OK" or "ERR <code> <message>", then the body, then closes. <code> is the
 * exit status nfqfwctl returns. */
#define CTL_REQUEST_MAX 1024

enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILURE = 1,       /* the daemon could not do it */
	CTL_EXIT_USAGE = 2,         /* bad request, unknown command */
	CTL_EXIT_NOT_RUNNING = 3,   /* client side: nobody listens */
	CTL_EXIT_PERMISSION = 4,    /* client side: socket not accessible */
};

struct ct_table;
struct invalid_log;

struct ctl_worker_info {
	uint16_t queue;
	const struct queue_stats *stats;
};

/* What the daemon lets the control commands see. Filled by the daemon,
 * read-only for the control code. */
struct filter;

struct ctl_context {
	const char *version;
	const char *conf_path;
	pid_t pid;
	time_t started;                 /* wall clock, for uptime */
	const char *hook_kind;          /* "native" or "compat" */
	const char *table;              /* our nftables table name */
	const struct nfqfw_conf *conf;
	unsigned int nworkers;
	const struct ctl_worker_info *workers;
	const char *proc_queue_path;    /* /proc/net/netfilter/nfnetlink_queue */
	struct ct_table *ct;            /* the connection table, NULL if none */
	struct invalid_log *invalid;    /* latest INVALID verdicts, NULL if none */
	const struct filter *filter;    /* the filter rules, NULL if none */
	/* Re-reads the configuration like SIGHUP. Returns 0, the number of
	 * errors (the running configuration stays), or a negative errno;
	 * *errors gets the error lines (free() them). */
	int (*reload)(void *arg, char **errors);
	void *reload_arg;
};

struct ctl_server;

/* Creates the socket at CC->socket (replacing a stale one, refusing to start
 * when another daemon answers there), with mode CC->mode and group CC->group.
 * Returns 0 or a negative errno. */
int ctl_server_open(struct ctl_server **out, const struct conf_control *cc,
		    const struct ctl_context *ctx);
/* The fd to poll for reading. It is an epoll set holding the listening
 * socket, the clients being served and a deadline timer, so it is readable
 * whenever the server has work, including dropping a slow client. */
int ctl_server_fd(const struct ctl_server *srv);
/* Call when ctl_server_fd() is readable: serves the waiting clients. Never
 * blocks. */
void ctl_server_on_readable(struct ctl_server *srv);
/* Closes and unlinks the socket. */
void ctl_server_close(struct ctl_server *srv);

#endif
