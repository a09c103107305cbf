/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the rules engine: the ruleset's own layout, the hash both the
 * address sets and the compiled matcher use, and the hooks between the
 * evaluator (one chain walk) and its two matchers (naive and compiled). */
#ifndef NFQFW_RULES_INTERNAL_H
#define NFQFW_RULES_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "nfqfw/rules.h"

struct rules_set {
	struct rules_chain **chains;
	size_t n_chains, cap_chains;
	struct rules_addrset **sets;
	size_t n_sets, cap_sets;
	bool compiled;
};

/* Mixes one 64-bit word into H (a multiply-xorshift; keys are not chosen
 * by an attacker beyond what the packet carries, and tables grow by load,
 * so a cheap mix is enough here). */
static inline uint64_t rules_hash_word(uint64_t h, uint64_t w)
{
	h ^= w * UINT64_C(0x9e3779b97f4a7c15);
	h = (h ^ (h >> 29)) * UINT64_C(0xbf58476d1ce4e5b9);
	return h ^ (h >> 32);
}

static inline void rules_addr_mask(union pkt_addr *out, const union pkt_addr *in,
				   unsigned int plen)
{
	unsigned int full = plen / 8, rest = plen % 8;

	memset(out, 0, sizeof(*out));
	memcpy(out->b, in->b, full);
	if (rest)
		out->b[full] = in->b[full] & (uint8_t)(0xff << (8 - rest));
}

/* The matcher an evaluation uses: index of the first rule of CHAIN at or
 * after FROM that matches RP, or CHAIN->n_rules if none. */
typedef uint32_t rules_find_fn(const struct rules_chain *chain, uint32_t from,
			       const struct rules_packet *rp);

rules_find_fn rules_find_naive;   /* eval.c */
rules_find_fn rules_find_tss;     /* tss.c */

void rules_walk(const struct rules_chain *chain, const struct rules_packet *rp,
		struct rules_result *res, rules_find_fn *find);

/* tss.c */
int rules_tss_build(struct rules_chain *chain);
void rules_tss_free(struct rules_tss *tss);
/* Statistics for tests and the benchmark. */
size_t rules_tss_shapes(const struct rules_tss *tss);
size_t rules_tss_residual(const struct rules_tss *tss);

/* set.c */
void rules_addrset_free(struct rules_addrset *set);

#endif
