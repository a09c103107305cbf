/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-packet path behind the queues: parse, connection tracking at the
 * entry hooks, the filter rules at input, forward and output, then the
 * verdict. */
#ifndef NFQFW_PIPELINE_H
#define NFQFW_PIPELINE_H

#include <stdatomic.h>
#include <stdint.h>

#include "nfqfw/alg_stage.h"
#include "nfqfw/conf.h"
#include "nfqfw/ct.h"
#include "nfqfw/filter.h"
#include "nfqfw/invalid_log.h"
#include "nfqfw/nat.h"
#include "nfqfw/queue.h"

struct pipeline {
	/* Settings a reload may change while workers run. */
	_Atomic uint32_t malformed_verdict;   /* NF_DROP or NF_ACCEPT */
	_Atomic uint32_t invalid_verdict;     /* for packets conntrack calls INVALID */
	/* The connection table shared by every worker (NULL: no tracking). */
	struct ct_table *ct;
	/* The latest INVALID verdicts, for nfqfwctl. */
	struct invalid_log invalid;
	/* The operator's filter rules, and the NAT stage. */
	struct filter filter;
	struct nat_stage nat;
	struct alg_stage alg;
	/* Fixed for the daemon's life: the nftables rules carry it. */
	uint32_t pass_mark;
	/* Where a packet's conntrack state rides from the entry hook to the
	 * filter hooks (0: looked up again there). */
	uint32_t state_mark;
};

void pipeline_init(struct pipeline *pl, const struct nfqfw_conf *conf,
		   struct ct_table *ct);
void pipeline_apply_reload(struct pipeline *pl, const struct nfqfw_conf *conf);

/* What the queue workers call (ctx: struct pipeline). */
extern const struct queue_handler pipeline_handler;

#endif
