/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The NAT stage: a connection's first packet asks the nat chains for a
 * binding (stored on its conntrack entry as the reply tuple, as the
 * kernel's NAT does), and every packet of a bound connection is rewritten
 * from it, in both directions. Destinations are translated before
 * routing (prerouting, output), sources after it (postrouting, input): a
 * rewritten source equal to a local address would be a martian before
 * routing. */
#ifndef NFQFW_NAT_H
#define NFQFW_NAT_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>

#include "nfqfw/ct.h"
#include "nfqfw/pkt.h"
#include "nfqfw/queue.h"
#include "nfqfw/rules.h"
#include "nfqfw/stats.h"

struct iface_names;

/* midway.c: connections translated on both sides, found again after
 * routing by the tuple their packets carry there. */
#define NAT_MIDWAY_SLOTS 4096

struct nat_midway_slot {
	pthread_spinlock_t lock;
	bool used;
	struct ct_tuple mid, orig;
};

struct nat_stage {
	struct iface_names *ifnames;   /* NULL: masquerade and redirect fail */
	uint32_t seed;                 /* spreads port choices per run */
	/* Set once a connection translated on both sides was noted: until
	 * then a lookup that missed the table takes no lock here. */
	atomic_bool midway_used;
	struct nat_midway_slot midway[NAT_MIDWAY_SLOTS];
};

/* A packet on its way through the stage. BUF is the packet itself,
 * writable (the worker's copy); a translation rewrites it in place. */
struct nat_packet {
	uint8_t *buf;
	const struct pkt *p;
	const struct queue_packet *qp;
	struct ct_entry *entry;
	enum ct_dir dir;
	enum ct_info info;
	bool created;
	struct ct_table *ct;
};

enum nat_outcome {
	NAT_UNCHANGED,
	NAT_REWRITTEN,     /* BUF changed: return it with the verdict */
	NAT_DROP,          /* counted */
};

void nat_init(struct nat_stage *ns, struct iface_names *ifnames);

/* Before routing (prerouting, output): a new connection asks CHAIN (the
 * nat prerouting or output chain, may be NULL) for a destination
 * binding; then the destination is rewritten where the binding says. */
enum nat_outcome nat_before_routing(struct nat_stage *ns, const struct rules_chain *chain,
				    struct nat_packet *np, struct queue_stats *stats);
/* After routing (postrouting, input): the same for sources. */
enum nat_outcome nat_after_routing(struct nat_stage *ns, const struct rules_chain *chain,
				   struct nat_packet *np, struct queue_stats *stats);
/* Whether a packet of ENTRY in DIR still needs nat_after_routing():
 * a source to rewrite, or a binding to ask for (HAS_CHAIN: a nat
 * postrouting/input chain exists) on the connection's first packets. */
bool nat_pending_after_routing(const struct ct_entry *entry, enum ct_dir dir,
			       bool has_chain);
/* An INVALID packet of a translated connection is never let out as it
 * is (the classic leak that resets connections through NAT). */
bool nat_must_drop_invalid(const struct ct_entry *entry);

/* midway.c: remembers E, translated on both sides; finds the connection
 * whose packets carry TUPLE between prerouting and postrouting (*DIR: the
 * packet's direction). Inside ct_read_lock(). */
void nat_midway_init(struct nat_stage *ns);
void nat_midway_note(struct nat_stage *ns, const struct ct_entry *e);
struct ct_entry *nat_midway_find(struct nat_stage *ns, struct ct_table *t,
				 const struct ct_tuple *tuple, uint64_t now_ns, enum ct_dir *dir);

/* forget.c: removes the connections whose source was translated to ADDR
 * (FAMILY 4 or 6), which has left the host. Returns how many. Main
 * thread, inside ct_read_lock(). */
unsigned int nat_forget_addr(struct ct_table *t, uint8_t family, const union pkt_addr *addr);

#endif
