/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-worker packet counters. Each worker is the only writer of its own
 * block, so increments are plain relaxed load+store (no locked instruction on
 * the hot path); readers (the control socket) load them relaxed. */
#ifndef NFQFW_STATS_H
#define NFQFW_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "nfqfw/ct.h"
#include "nfqfw/pkt.h"

/* The netfilter hooks a packet can be queued from (values of NFQA hook). */
enum stats_hook {
	STATS_HOOK_PREROUTING = 0,
	STATS_HOOK_INPUT = 1,
	STATS_HOOK_FORWARD = 2,
	STATS_HOOK_OUTPUT = 3,
	STATS_HOOK_POSTROUTING = 4,
	STATS_HOOK_COUNT = 5,
};

typedef _Atomic uint64_t stat_counter;

struct queue_stats {
	stat_counter received;
	stat_counter bytes;
	stat_counter accepted;
	stat_counter dropped;
	stat_counter malformed;          /* sum of malformed_by[] */
	stat_counter malformed_by[PKT_ERR_COUNT];
	stat_counter by_hook[STATS_HOOK_COUNT];
	stat_counter ct_by_info[CT_INFO_COUNT];  /* NEW, ESTABLISHED, ... */
	stat_counter enobufs;            /* receive overruns reported by netlink */
	stat_counter recv_errors;        /* other receive errors */
	stat_counter verdict_errors;     /* verdicts the kernel refused */
	stat_counter verdict_messages;   /* verdict netlink messages sent */
	stat_counter batched;            /* packets released by a batch verdict */
	stat_counter gso;                /* packets handed over as GSO */
	stat_counter csum_not_ready;     /* checksum left to the NIC/kernel */
	stat_counter truncated_copies;   /* copy shorter than the packet */
	/* The filter rules' verdicts (input, forward, output chains). */
	stat_counter filter_accepted, filter_dropped, filter_rejected;
	stat_counter rejects_sent;       /* resets and ICMP errors sent */
	stat_counter rejects_not_sent;   /* not allowed (e.g. to an ICMP error) or failed */
	stat_counter filter_logged;      /* log lines written by rules */
	/* NAT (src/nat). */
	stat_counter nat_bound;          /* connections given a binding */
	stat_counter nat_exhausted;      /* no free tuple in the range: dropped */
	stat_counter nat_rewritten;      /* packets translated */
	stat_counter nat_invalid;        /* INVALID packets of NAT'd connections: dropped */
	stat_counter nat_failed;         /* could not translate (e.g. truncated copy): dropped */
	/* ALG helpers (src/alg). */
	stat_counter alg_expected;       /* expectations announced by helpers */
	stat_counter alg_related;        /* new connections that fulfilled one */
	stat_counter alg_refused;        /* packets or expectations a helper refused */
	stat_counter alg_malformed;      /* payloads a helper could not use */
	stat_counter last_seen_ns;       /* CLOCK_MONOTONIC of the last loop pass */
};

static inline void stat_add(stat_counter *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline void stat_inc(stat_counter *c)
{
	stat_add(c, 1);
}

static inline uint64_t stat_read(const stat_counter *c)
{
	return atomic_load_explicit((stat_counter *)c, memory_order_relaxed);
}

static inline void stat_set(stat_counter *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

const char *stats_hook_name(enum stats_hook hook);

#endif
