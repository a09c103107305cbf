/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Our nftables table: base chains at the netfilter hooks, each sending
 * packets to the configured NFQUEUE range, built with libnftnl and sent in
 * one atomic batch. */
#ifndef NFQFW_HOOK_H
#define NFQFW_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hook_queue_kind {
	HOOK_QUEUE_NATIVE,  /* nft "queue" expression */
	HOOK_QUEUE_COMPAT,  /* xtables NFQUEUE target (rev 3) through nft_compat */
};

struct hook_config {
	const char *table;       /* table name, family inet */
	uint16_t queue_first;
	uint16_t queue_count;
	bool bypass;             /* fail_open: kernel accepts while no reader */
	uint32_t pass_mark;      /* packets carrying all these mark bits skip the
				    later chains (0: every chain queues) */
};

const char *hook_queue_kind_name(enum hook_queue_kind kind);

/* Builds the batch that replaces our table (add, delete, add again, then
 * chains and rules) into BUF. Returns the length used, or 0 if BUF is too
 * small. Needs no kernel: unit tests parse it back. */
size_t hook_build_install_batch(void *buf, size_t size,
				const struct hook_config *cfg,
				enum hook_queue_kind kind, uint32_t seq);

/* Builds a batch that flushes the rules of every chain of our table, so that
 * nothing new is queued while the hooks stay registered. */
size_t hook_build_flush_batch(void *buf, size_t size,
			      const struct hook_config *cfg, uint32_t seq);

/* Builds a batch that deletes our table. */
size_t hook_build_remove_batch(void *buf, size_t size,
			       const struct hook_config *cfg, uint32_t seq);

/* Installs the table in the current network namespace: tries the native
 * queue expression first and falls back to the compat target if the kernel
 * lacks it. On success *used says which. Returns 0 or a negative errno. */
int hook_install(const struct hook_config *cfg, enum hook_queue_kind *used);

/* Flushes our chains' rules (see above). 0 or negative errno. */
int hook_flush_rules(const struct hook_config *cfg);

/* Deletes our table; a table that is already gone is not an error. */
int hook_remove(const struct hook_config *cfg);

/* True if CFG can be built: a table name of 1..255 characters (the kernel's
 * limit) and a queue range of 1..65536 queues inside 0..65535. The build
 * functions return 0 and the others -EINVAL for anything else. */
bool hook_config_valid(const struct hook_config *cfg);

/* ---- Below: internals exposed so that unit tests need no kernel. ---- */

/* Most messages one of our batches holds between BEGIN and END. */
#define HOOK_BATCH_MAX_MSGS 64

/* The kernel's answers to one batch: every message that asked for an ack
 * gets one (an NLMSG_ERROR with error 0) or an error; an error addressed to
 * BEGIN means the batch was refused as a whole. */
struct hook_acks {
	uint32_t begin_seq;
	uint32_t nmsgs;        /* messages after BEGIN, numbered begin_seq + 1.. */
	uint64_t expected;     /* bit i: message begin_seq + 1 + i asked for an ack */
	uint64_t answered;     /* bit i: the kernel answered it */
	int error;             /* first error by sequence (negative errno), or 0 */
	uint32_t error_seq;    /* its message; begin_seq if the batch failed whole */
	bool batch_failed;     /* the kernel refused the batch before or at commit */
};

/* Reads what to expect from the batch we are about to send. Returns 0, or
 * -EINVAL if BATCH is not BEGIN, consecutive sequence numbers, END; -E2BIG if
 * it holds more than HOOK_BATCH_MAX_MSGS messages. */
int hook_acks_init(struct hook_acks *acks, const void *batch, size_t len);

/* Takes one datagram of replies. Replies to other sequence numbers are
 * ignored. Returns 0, or -EBADMSG for a truncated reply. */
int hook_acks_feed(struct hook_acks *acks, const void *buf, size_t len);

/* True once nothing more is to come: every ack arrived, or the batch failed
 * as a whole. */
bool hook_acks_complete(const struct hook_acks *acks);

/* What one message of a batch we built is about, for the log. */
struct hook_msg_info {
	uint16_t type;         /* NFT_MSG_NEWTABLE, ... */
	char chain[32];        /* chain of a chain or rule message, else "" */
	bool queue_expr;       /* a rule holding the native queue expression */
};

/* Finds the message with sequence SEQ in BATCH. 0, or -ENOENT if there is
 * none, -EINVAL if it cannot be parsed. */
int hook_batch_msg_info(const void *batch, size_t len, uint32_t seq,
			struct hook_msg_info *info);

/* True if ACKS say the kernel refused BATCH only because it lacks the native
 * queue expression (ENOENT on a rule holding it): then the compat form is
 * worth a try. */
bool hook_native_queue_missing(const struct hook_acks *acks,
			       const void *batch, size_t len);

#endif
