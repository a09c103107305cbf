/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The filter stage: the operator's rules (the `filter` group) evaluated at
 * the input, forward and output hooks, with both interfaces known, and
 * what their verdicts do (log lines, marks, rejects sent by the daemon).
 *
 * The ruleset the workers use is published with RCU: a reload builds and
 * compiles the new one, swaps the pointer, waits for every worker to leave
 * the burst it was in, carries the counters of unchanged rules over and
 * frees the old one. Nothing in the kernel changes for a reload. */
#ifndef NFQFW_FILTER_H
#define NFQFW_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "nfqfw/alg_config.h"
#include "nfqfw/ct.h"
#include "nfqfw/log.h"
#include "nfqfw/pkt.h"
#include "nfqfw/queue.h"
#include "nfqfw/rules.h"
#include "nfqfw/stats.h"

struct iface_names;
struct reject_sender;

/* One ruleset as the workers see it. */
struct filter_rules {
	struct rules_set *rs;
	const struct rules_chain *input, *forward, *output;
	/* Packets must come back at the input and forward hooks: one of
	 * those chains can do something else than accept. */
	bool filter_after_routing;
	/* The first rule of input / forward when it is a plain
	 * `ct_state = "established..."; action = "accept";` (nothing else:
	 * no other match, log, mark or limit): an ESTABLISHED packet of a
	 * connection known to take that hook is accepted by it at prerouting
	 * already, without coming back (the seeds' first-packet cache). */
	const struct rules_rule *established_input, *established_forward;
	/* The nat group's base chains (NULL when absent); HAS_NAT: any. */
	const struct rules_chain *nat_prerouting, *nat_postrouting, *nat_output, *nat_input;
	bool has_nat;
	/* Which ALG helper runs on which port (the configuration's). */
	struct alg_config helpers;
};

struct filter {
	struct filter_rules *_Atomic current;   /* NULL: no filter rules */
	struct iface_names *ifnames;            /* NULL: names unknown */
	struct reject_sender *reject;           /* NULL: rejects are drops */
	struct log_ratelimit log_rl;            /* the rules' log lines */
};

/* What the filter needs to know about a packet. */
struct filter_packet {
	const struct pkt *p;
	const struct queue_packet *qp;
	enum ct_info ct;
	enum ct_dir dir;
	const struct ct_entry *entry;
	struct ct_table *ct_table;
};

/* The ruleset RS (taken over, may be NULL) with its base chains found. */
int filter_rules_new(struct filter_rules **out, struct rules_set *rs);
void filter_rules_free(struct filter_rules *fr);

void filter_init(struct filter *f, struct iface_names *ifnames,
		 struct reject_sender *reject);
/* Makes NEXT (may be NULL) the ruleset of every worker, then frees the
 * previous one once no worker can be using it, after adding its counters
 * to those of the same rules in NEXT. Main thread only. */
void filter_publish(struct filter *f, struct filter_rules *next);
/* Adds PREV's counters to the same rules (and policies) of NEXT. */
void filter_inherit_counters(struct rules_set *next, const struct rules_set *prev);
/* At exit. */
void filter_destroy(struct filter *f);

/* The ruleset for this burst; call inside the burst's RCU read section. */
const struct filter_rules *filter_current(const struct filter *f);

/* At prerouting: if the connection ENTRY has been through the input or
 * forward chain before, and that chain's first rule accepts every
 * ESTABLISHED packet, counts the packet (LEN bytes) on that rule and
 * returns true: it need not come back after routing. */
bool filter_established_shortcut(const struct filter_rules *fr,
				 const struct ct_entry *entry, uint32_t len,
				 struct queue_stats *stats);
/* After routing: remembers on ENTRY which hook (NF_INET_*) it took. */
void filter_note_hook(struct ct_entry *entry, unsigned int hook);

/* Evaluates CHAIN (one of FR's base chains) for FP and fills VD's verdict
 * and mark (starting from the packet's mark; *MARK in and out), logging
 * and rejecting as the rules say. */
void filter_run(struct filter *f, const struct rules_chain *chain,
		const struct filter_packet *fp, uint32_t *mark,
		struct queue_verdict *vd, struct queue_stats *stats);

#endif
