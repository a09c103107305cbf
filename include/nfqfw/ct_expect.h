/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Conntrack expectations: connections an ALG helper announced (an FTP data
 * connection, a TFTP transfer) and that are RELATED to the connection that
 * announced them (their master), as the kernel's nf_conntrack_expect. A
 * helper adds one; the first packet of a new connection looks for one that
 * matches its original tuple and uses it up. The table has a fixed size,
 * allocated once; lookups cost a hash and one bucket under its spinlock.
 *
 * Every function but create and destroy may be called by several threads
 * at once. Times are CLOCK_MONOTONIC nanoseconds, read by the caller.
 * The table keeps no pointer to a conntrack entry: a master is its id and
 * its original tuple, copied when the expectation is added. */
#ifndef NFQFW_CT_EXPECT_H
#define NFQFW_CT_EXPECT_H

#include <stdbool.h>
#include <stdint.h>

#include "nfqfw/ct.h"
#include "nfqfw/pkt.h"

/* Bits of the WILD argument: fields of the expected tuple that match
 * anything (their value in the tuple is ignored). The same bits as
 * ALG_EXPECT_ANY_SPORT and ALG_EXPECT_ANY_SADDR of nfqfw/alg.h. */
enum {
	CT_EXPECT_ANY_SPORT = 1u << 0,
	CT_EXPECT_ANY_SADDR = 1u << 1,
	CT_EXPECT_WILD_MASK = CT_EXPECT_ANY_SPORT | CT_EXPECT_ANY_SADDR,
};

/* Limits of ct_expect_table_create() (slots are counted in 32 bits). */
#define CT_EXPECT_MAX_SLOTS (1u << 20)

/* The translation the caller applies to the expected connection when it
 * arrives: DNAT sends it on to ADDR:PORT (it arrives at the translated
 * endpoint the payload announced and must reach the real one); otherwise
 * its source becomes ADDR:PORT. PORT is in the byte order of struct
 * ct_tuple's ports; 0: keep the port. */
struct ct_expect_nat {
	bool dnat;
	union pkt_addr addr;
	uint16_t port;
};

/* What ct_expect_take() found. */
struct ct_expect_match {
	uint32_t master_id;
	struct ct_tuple master_tuple;   /* the master's original tuple */
	struct ct_tuple tuple;          /* as added (wild fields 0) */
	uint8_t wild;                   /* CT_EXPECT_* */
	bool has_nat;
	struct ct_expect_nat nat;       /* valid if has_nat */
};

/* Counters since create. `count` is the expectations linked now (expired
 * ones not yet noticed included), `max` the table's size. */
struct ct_expect_stats {
	uint64_t added;       /* new expectations */
	uint64_t refreshed;   /* identical one announced again: timeout renewed */
	uint64_t replaced;    /* master's oldest dropped for the per-master limit */
	uint64_t full;        /* -ENOSPC: no free slot */
	uint64_t busy;        /* -EBUSY: another master expects the same */
	uint64_t taken;       /* matched by a new connection, used up */
	uint64_t expired;     /* timed out unused */
	uint64_t forgotten;   /* dropped because their master ended */
	uint32_t count, max;
};

struct ct_expect_table;

/* A table of MAX_EXPECTATIONS slots (1 to CT_EXPECT_MAX_SLOTS). NULL with
 * errno set (EINVAL, ENOMEM, or getrandom()'s) on failure. */
struct ct_expect_table *ct_expect_table_create(uint32_t max_expectations);
/* No thread uses the table any more. NULL is a no-op. */
void ct_expect_table_destroy(struct ct_expect_table *et);

/* Announces that a connection whose original tuple matches TUPLE (the
 * fields marked in WILD are ignored) is related to MASTER, for TIMEOUT_S
 * seconds from NOW_NS, used up by its first match. MASTER's id and
 * original tuple are copied. At most MAX_PER_MASTER of a master are
 * pending: one more replaces the master's oldest, as the kernel does. An
 * identical one (same master, tuple and wildcards) already pending is
 * refreshed instead: new timeout, new NAT, counted as the newest (a helper
 * announces again after a retransmission). NAT: applied by the caller to
 * the expected connection (NULL: none). Returns 0; -EBUSY if another
 * master expects the same tuple and wildcards (under NAT the caller tries
 * another port, as the kernel's nf_nat_ftp); -ENOSPC if every slot is
 * held by an unexpired expectation; -EINVAL on a NULL argument, a family
 * other than 4 or 6, an unknown WILD bit, MAX_PER_MASTER or TIMEOUT_S 0. */
int ct_expect_add(struct ct_expect_table *et, const struct ct_entry *master,
		  const struct ct_tuple *tuple, uint8_t wild,
		  unsigned int max_per_master, uint32_t timeout_s,
		  const struct ct_expect_nat *nat, uint64_t now_ns);

/* The first packet of a new connection, original tuple ORIG: if an
 * unexpired expectation matches, removes it, fills *OUT and returns true.
 * Of several matching, the one with fewest wildcards wins. Expired ones
 * met on the way are removed (counted). Called for every new connection:
 * one hash and one bucket; nothing at all while the table is empty. */
bool ct_expect_take(struct ct_expect_table *et, const struct ct_tuple *orig,
		    uint64_t now_ns, struct ct_expect_match *out);

/* Drops every expectation of master MASTER_ID (its connection ended).
 * Returns how many were pending. */
unsigned int ct_expect_forget_master(struct ct_expect_table *et, uint32_t master_id);

void ct_expect_stats(const struct ct_expect_table *et, struct ct_expect_stats *out);

#endif
