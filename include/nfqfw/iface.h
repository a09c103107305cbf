/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interface names and addresses for the rules and NAT: NFQUEUE tells a
 * worker only the ifindex a packet came in on or goes out by, rules say
 * `in = "lan0"`, and masquerade needs the outgoing interface's address. This
 * is the ifindex -> name and addresses cache the workers read without locks
 * or syscalls, kept current from rtnetlink (RTM_NEWLINK/RTM_DELLINK, renames
 * included, RTM_NEWADDR/RTM_DELADDR for IPv4 and IPv6) by the daemon's main
 * loop, which also learns from it which addresses went away. */
#ifndef NFQFW_IFACE_H
#define NFQFW_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqfw/pkt.h"

/* IFNAMSIZ, without <net/if.h>, which clashes with <linux/if.h> in the
 * files that include this one. */
#define IFACE_NAMSIZ 16

/* Bounds on the addresses kept: more on one interface, or in all, are
 * counted (addrs_over_limit) and ignored until a later message or re-dump
 * finds room. Removal events waiting for the main loop are bounded too; past
 * that they collapse into one IFACE_EVENT_ALL. */
#define IFACE_ADDRS_PER_LINK 64
#define IFACE_ADDRS_MAX 65536
#define IFACE_EVENTS_MAX 1024

struct iface_names;

/* Counters since open. `misses` are lookups of an index the cache did not
 * hold (a packet that came before its link's notification), answered by
 * if_indextoname(); `unknown` are those the kernel did not know either. */
struct iface_stats {
	uint64_t links;       /* interfaces in the published snapshot */
	uint64_t updates;     /* link and address messages that changed it */
	uint64_t ignored;     /* well-formed messages with nothing to change */
	uint64_t malformed;   /* messages refused, table untouched */
	uint64_t resyncs;     /* full re-dumps after lost notifications */
	uint64_t publishes;   /* snapshots made visible to the readers */
	uint64_t misses;
	uint64_t unknown;
	uint64_t addrs;            /* addresses in the published snapshot */
	uint64_t addrs_over_limit; /* addresses ignored for the bounds above */
	uint64_t events;           /* removal events handed to the main loop */
	uint64_t events_lost;      /* times the event queue overflowed */
};

/* What iface_addrs_removed() reports. */
enum iface_event_kind {
	/* ADDR (FAMILY) is no longer on IFINDEX. */
	IFACE_EVENT_ADDR_GONE = 1,
	/* IFINDEX went down (IFF_UP cleared) or away: treat every address
	 * it had as gone (the kernel's masquerade forgets the connections
	 * through a device that goes down). */
	IFACE_EVENT_LINK_DOWN,
	/* Events were lost (the queue overflowed): any address may be gone.
	 * IFINDEX is 0. */
	IFACE_EVENT_ALL,
};

struct iface_addr_event {
	uint8_t kind;            /* enum iface_event_kind */
	uint8_t family;          /* AF_INET or AF_INET6 for ADDR_GONE, else 0 */
	uint32_t ifindex;
	union pkt_addr addr;     /* ADDR_GONE only; zero otherwise */
};

/* The writer's side: open, close, fd and process run in one thread (the
 * main loop), which must be a registered RCU thread (ct_thread_register())
 * and outside any read-side section.
 *
 * Opens the rtnetlink subscription, dumps the current links and addresses
 * and publishes them. Returns 0 or a negative errno (logged). */
int iface_names_open(struct iface_names **out);
/* After every reader is done: frees the cache and its snapshots. */
void iface_names_close(struct iface_names *n);
/* The non-blocking descriptor to poll for POLLIN; -1 for a cache made by
 * iface_names_create(). */
int iface_names_fd(const struct iface_names *n);
/* Reads the pending notifications (up to a budget: poll again if more
 * remain), applies them, re-dumps if any were lost (ENOBUFS, truncation;
 * what the re-dump no longer shows becomes removal events), and publishes
 * the result. Returns 0, or a negative errno if the socket
 * or the re-dump failed (logged): the last published snapshot stays in
 * use, and a failed re-dump is tried again by the next call. */
int iface_names_process(struct iface_names *n);
/* A snapshot of the counters (the misses as of now). */
void iface_names_stats(const struct iface_names *n, struct iface_stats *out);
/* Moves up to MAX removal events into OUT, oldest first; returns how many.
 * Only events of published snapshots are reported: once one is, no reader
 * that starts a read-side section can pick the address any more (the
 * grace period of the publication has passed), so connections found by
 * then are all that used it. Call after iface_names_process() until it
 * returns less than MAX. An IFACE_EVENT_ALL replaces the events before
 * it. */
size_t iface_addrs_removed(struct iface_names *n, struct iface_addr_event *out,
			   size_t max);

/* The readers' side, on every packet, inside an RCU read-side section
 * (ct_read_lock()) of a registered thread: the name of IFINDEX, valid until
 * the section ends; NULL for 0 or an index the kernel does not know. No
 * lock, no syscall: a binary search of the current snapshot. An index not
 * in it (a packet ahead of its link's notification) is looked up with
 * if_indextoname() into BUF, and counted as a miss. */
const char *iface_name(const struct iface_names *n, uint32_t ifindex,
		       char buf[IFACE_NAMSIZ]);

/* The readers' side too, for masquerade: into OUT the source address the
 * kernel would give a packet of FAMILY (AF_INET, AF_INET6) leaving by
 * IFINDEX towards DST (NULL: no preference); false if the interface has
 * none (or the cache does not know it: no syscall here).
 * - IPv4 (inet_select_addr()): a primary address (not IFA_F_SECONDARY) of
 *   universe scope; the first whose subnet holds DST, else the first. The
 *   kernel passes the route's next hop as DST: a gateway, or the
 *   destination itself when it is on link.
 * - IPv6 (a simplification of RFC 6724 source selection): a global-scope
 *   address that is neither tentative nor failed DAD; one not deprecated
 *   before a deprecated one (rule 3, which the kernel also only prefers),
 *   then the longest prefix shared with DST, counted up to the address's
 *   own prefix length (rule 8), then the first.
 * "First" is in the kernel's order: IPv4 addresses as they were added,
 * IPv6 ones newest first. */
bool iface_primary_addr(const struct iface_names *n, uint32_t ifindex,
			uint8_t family, const union pkt_addr *dst,
			union pkt_addr *out);

/* What iface_names_process() is made of, without the socket (for the unit
 * tests and the fuzzer): a cache that starts empty, the application of one
 * netlink datagram (every message in it: links and addresses) to the
 * writer's working table, and the publication of that table (which also
 * makes the removal events so far visible to iface_addrs_removed()).
 * iface_names_apply() returns how many messages changed the table;
 * -EBADMSG if the datagram ends in bytes that are no whole message (those
 * before are applied); -ENOMEM (the table then waits for a re-dump).
 * Malformed messages are skipped and counted.
 * iface_names_publish() returns 0 (also when nothing changed) or -ENOMEM
 * (the previous snapshot stays). */
int iface_names_create(struct iface_names **out);
int iface_names_apply(struct iface_names *n, const void *buf, size_t len);
int iface_names_publish(struct iface_names *n);

#endif
