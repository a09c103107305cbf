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

/* The stateful matches' tables: RULES_PER_WAYS slots a key may use (its
 * hash picks the group), one lock per group. */
#define RULES_PER_WAYS 8

/* What a stateful match counts by, for one packet: the masked address
 * (FAMILY 0 and a zero address for RULES_PER_RULE). */
struct rules_per_key {
	union pkt_addr addr;
	uint8_t family;
};

/* limit.c: the token bucket (one, or one per key). */
int rules_limit_create(struct rules_limit **out, const struct rules_limit_spec *spec);
void rules_limit_free(struct rules_limit *l);
/* True if RP may pass (it took a token); false when over the rate, or
 * when its key found no slot (counted in rules_limit_table_full). */
bool rules_limit_take(struct rules_limit *l, const struct rules_packet *rp);

/* connlimit.c: connections per key, as the kernel's nf_conncount. The
 * caller holds the conntrack read lock (ct_read_lock). */
int rules_connlimit_create(struct rules_connlimit **out,
			   const struct rules_connlimit_spec *spec);
void rules_connlimit_free(struct rules_connlimit *c);
/* True if RP's key has more than OVER live connections, RP's own counted
 * (and remembered); true also when its key found no slot (fail closed,
 * counted); false for a packet without a connection. */
bool rules_connlimit_over(struct rules_connlimit *c, const struct rules_packet *rp);

/* Shared by both (limit.c). Groups of RULES_PER_WAYS slots for PER. */
uint32_t rules_per_groups(const struct rules_per *per);
void rules_per_key_of(const struct rules_per *per, const struct rules_packet *rp,
		      struct rules_per_key *k);
uint64_t rules_per_hash(uint64_t seed, const struct rules_per_key *k);
bool rules_per_key_equal(const struct rules_per_key *a, const struct rules_per_key *b);
uint64_t rules_per_seed(void);

/* The loader's parsers of the stateful keys' strings: 0, or -EINVAL with
 * the problem written to WHY (SIZE bytes). */
int rules_limit_parse(const char *s, struct rules_limit_spec *spec, char *why,
		      size_t size);
int rules_per_parse(const char *s, struct rules_per *per, char *why, size_t size);
int rules_connlimit_parse(const char *s, uint32_t *over, char *why, size_t size);

#endif
