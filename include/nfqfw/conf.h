/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's configuration: loaded from a libconfig file, every key
 * checked against a schema, every error reported as FILE:LINE: message. */
#ifndef NFQFW_CONF_H
#define NFQFW_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "nfqfw/alg_config.h"
#include "nfqfw/ct.h"

struct rules_set;

#define CONF_DEFAULT_PATH "/etc/nfqfw/nfqfw.conf"
#define CONF_DEFAULT_SOCKET "/run/nfqfw/nfqfw.sock"

enum conf_verdict {
	CONF_VERDICT_DROP,
	CONF_VERDICT_ACCEPT,
};

struct conf_queue {
	uint16_t first;             /* queue.first, default 0 */
	uint16_t count;             /* queue.count, default 1, 1..64 */
	bool fail_open;             /* queue.fail_open, default false */
	bool accept_when_full;      /* queue.accept_when_full, default false */
	uint32_t max_len;           /* queue.max_len, default 4096 */
	uint32_t socket_buffer;     /* queue.socket_buffer (bytes), default 8 MiB */
	uint32_t pass_mark;         /* queue.pass_mark, default 0x00100000; 0 = off */
	uint32_t state_mark;        /* queue.state_mark, default 0x00e00000; 0 = off */
};

struct conf_packet {
	enum conf_verdict malformed;  /* packet.malformed, default drop */
};

struct conf_nftables {
	char table[64];             /* nftables.table, default "nfqfw" */
	int priority_offset;        /* reserved: 0 */
};

struct conf_control {
	char socket[108];           /* control.socket, default /run/nfqfw/nfqfw.sock */
	mode_t mode;                /* control.mode, default 0600 */
	char group[64];             /* control.group, default "" (root's) */
};

struct conf_conntrack {
	struct ct_settings ct;      /* timeouts, limits, TCP leniency */
	enum conf_verdict invalid;  /* conntrack.invalid, default drop */
};

struct conf_log {
	int level;                  /* log.level as syslog priority, default LOG_INFO */
};

/* Who the daemon runs as once its sockets are open (src/daemon/privileges.c). */
struct conf_daemon {
	char user[64];              /* daemon.user, default "" (stay root) */
	char group[64];             /* daemon.group, default "" (the user's own) */
};

struct nfqfw_conf {
	char path[4096];
	struct conf_queue queue;
	struct conf_packet packet;
	struct conf_nftables nftables;
	struct conf_control control;
	struct conf_conntrack conntrack;
	struct conf_log log;
	struct conf_daemon daemon;
	/* The `filter` group and `sets` list, loaded and compiled (NULL: no
	 * filter rules). Owned: conf_release() frees it. */
	struct rules_set *rules;
	/* The `helpers` list: which ALG helper runs on which port. */
	struct alg_config helpers;
};

/* Fills *conf with the defaults above. */
void conf_defaults(struct nfqfw_conf *conf);
/* Frees what conf_load() allocated (the ruleset); CONF stays usable with
 * no rules. */
void conf_release(struct nfqfw_conf *conf);

/* Loads and checks PATH. Every problem is written to ERR as one line
 * "PATH:LINE: message" (all of them, not just the first). Returns 0 on
 * success (*CONF is overwritten: release what it held first), otherwise
 * the number of errors (> 0) and *CONF is left as it was. */
int conf_load(struct nfqfw_conf *conf, const char *path, FILE *err);

#endif
