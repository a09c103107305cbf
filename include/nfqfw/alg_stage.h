/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ALG stage of the pipeline: a new connection either fulfils an
 * expectation a helper announced (it is then RELATED to its master, as in
 * the kernel) or, on a port a helper is enabled for, gets that helper; the
 * payloads of a helper's connections are given to it, and what it expects
 * goes into the expectation table. Payload rewriting under NAT (and the
 * sequence adjustment it needs) is not wired yet: a helper that would
 * rewrite is refused the expectation instead. */
#ifndef NFQFW_ALG_STAGE_H
#define NFQFW_ALG_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "nfqfw/alg.h"
#include "nfqfw/alg_config.h"
#include "nfqfw/ct.h"
#include "nfqfw/ct_expect.h"
#include "nfqfw/pkt.h"
#include "nfqfw/stats.h"

#define ALG_EXPECT_TABLE_SIZE 4096

struct alg_stage {
	struct ct_expect_table *expect;
};

int alg_stage_init(struct alg_stage *as);
void alg_stage_destroy(struct alg_stage *as);

/* A connection ENTRY was just created by P: RELATED if it was expected
 * (*INFO becomes CT_INFO_RELATED), else a helper attached when CFG enables
 * one on its destination port. */
void alg_new_connection(struct alg_stage *as, const struct alg_config *cfg,
			struct ct_entry *entry, enum ct_info *info, uint64_t now_ns,
			struct queue_stats *stats);
/* P, a packet of ENTRY in DIR about to be let through, to its helper (if
 * any). Returns false when the helper refuses it (the packet is dropped). */
bool alg_payload(struct alg_stage *as, struct ct_entry *entry, enum ct_dir dir,
		 const struct pkt *p, uint64_t now_ns, struct queue_stats *stats);

#endif
