/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the two files of the interface cache share: the writer's working
 * state (links and addresses), the snapshot layout the readers search, the
 * queue of removal events, and the helpers names.c (links, snapshots,
 * rtnetlink) and addrs.c (addresses, source selection, events) call across.
 * Not for use outside src/iface/. */
#ifndef NFQFW_IFACE_INTERNAL_H
#define NFQFW_IFACE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "nfqfw/iface.h"

struct iface_entry {
	uint32_t ifindex;
	bool up;                         /* IFF_UP: its going down is an event */
	char name[IFACE_NAMSIZ];
};

/* An address as RTM_NEWADDR reports it. Its identity is the kernel's:
 * IPv4 (ifindex, local, prefixlen, peer) (inet_rtm_deladdr() matches
 * these; the same local address may sit in two subnets), IPv6 (ifindex,
 * local) (ipv6_add_addr() refuses a second one; the prefix may change). */
struct iface_addr {
	uint32_t ifindex;
	uint32_t flags;                  /* IFA_F_*, from IFA_FLAGS if given */
	uint8_t family;                  /* AF_INET, AF_INET6 */
	uint8_t prefixlen;
	uint8_t scope;                   /* RT_SCOPE_* */
	union pkt_addr local;            /* IFA_LOCAL, else IFA_ADDRESS */
	union pkt_addr peer;             /* IFA_ADDRESS, else IFA_LOCAL: the
					    subnet of DST to prefer (IPv4) */
};

/* The writer's working copies: links sorted by ifindex, unique; addresses
 * grouped by ifindex in ascending order, each group in the order the
 * kernel reported its addresses. */
struct iface_table {
	struct iface_entry *e;
	uint32_t count;
	uint32_t cap;
};

struct iface_addr_table {
	struct iface_addr *a;
	uint32_t count;
	uint32_t cap;
};

struct iface_state {
	struct iface_table links;
	struct iface_addr_table addrs;
};

/* What the readers see: never changed once published. One allocation: the
 * links, then the addresses A points to, in the tables' order. */
struct iface_snap {
	uint32_t count;
	uint32_t naddrs;
	const struct iface_addr *a;
	struct iface_entry e[];
};

/* Removal events: [0, ready) belong to published snapshots, [ready,
 * count) wait for the next publication. LOST: the queue overflowed since
 * the last publication; LOST_READY: since one before the last read. */
struct iface_events {
	struct iface_addr_event ev[IFACE_EVENTS_MAX];
	uint32_t count;
	uint32_t ready;
	bool lost;
	bool lost_ready;
};

/* Written by the readers, on misses only. */
struct iface_reader_counters {
	_Atomic uint64_t misses;
	_Atomic uint64_t unknown;
};

struct mnl_socket;

struct iface_names {
	_Atomic(struct iface_snap *) snap;
	/* Behind a pointer so that iface_name() can count through a const
	 * cache: the readers share it, and change nothing else. */
	struct iface_reader_counters *rc;
	/* The main thread's alone from here on. */
	struct mnl_socket *nl;           /* NULL: made by iface_names_create() */
	struct iface_state state;
	struct iface_events events;
	bool dirty;                      /* state differs from the snapshot */
	bool need_resync;                /* state may have missed a change */
	uint64_t updates, ignored, malformed, resyncs, publishes;
	uint64_t addrs_over_limit, events_reported, events_lost;
};

/* names.c */

/* Calls CB on each attribute after the family header of HDRLEN bytes,
 * walking within nlmsg_len exactly: each must fit, and together fill the
 * message up to the last one's padding. Returns 0, -EBADMSG, or CB's first
 * negative result. */
typedef int (*iface_attr_cb)(const struct nlattr *a, void *data);
int iface_attrs_walk(const struct nlmsghdr *nlh, size_t hdrlen,
		     iface_attr_cb cb, void *data);
void iface_count_malformed(struct iface_names *n, const struct nlmsghdr *nlh,
			   const char *why);

/* addrs.c */

/* Applies one RTM_NEWADDR/RTM_DELADDR to ST; events are queued only when
 * ST is N's own state (not a dump's). Returns 1 if ST changed, 0 if not,
 * -EBADMSG (counted), -ENOMEM. */
int iface_addr_apply(struct iface_names *n, struct iface_state *st,
		     const struct nlmsghdr *nlh);
/* Forgets IFINDEX's addresses (its link is gone); returns how many. */
uint32_t iface_addrs_drop_link(struct iface_addr_table *t, uint32_t ifindex);
void iface_addr_table_free(struct iface_addr_table *t);
/* Queues an event for the next publication. */
void iface_events_push(struct iface_names *n, const struct iface_addr_event *e);
/* The addresses in OLD that FRESH lacks, as events (after a re-dump). */
void iface_addrs_diff(struct iface_names *n, const struct iface_addr_table *old,
		      const struct iface_addr_table *fresh);
/* At publication: the events so far become visible. */
void iface_events_publish(struct iface_events *ev);

#endif
