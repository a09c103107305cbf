/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interface names for the rules: NFQUEUE tells a worker only the ifindex a
 * packet came in on or goes out by, rules say `in = "lan0"`. This is the
 * ifindex -> name cache the workers read without locks or syscalls, kept
 * current from rtnetlink (RTM_NEWLINK/RTM_DELLINK, renames included) by the
 * daemon's main loop. */
#ifndef NFQFW_IFACE_H
#define NFQFW_IFACE_H

#include <stddef.h>
#include <stdint.h>

/* IFNAMSIZ, without <net/if.h>, which clashes with <linux/if.h> in the
 * files that include this one. */
#define IFACE_NAMSIZ 16

struct iface_names;

/* Counters since open. `misses` are lookups of an index the cache did not
 * hold (a packet that came before its link's notification), answered by
 * if_indextoname(); `unknown` are those the kernel did not know either. */
struct iface_stats {
	uint64_t links;       /* interfaces in the published snapshot */
	uint64_t updates;     /* link messages that changed the table */
	uint64_t ignored;     /* well-formed messages with nothing to change */
	uint64_t malformed;   /* messages refused, table untouched */
	uint64_t resyncs;     /* full re-dumps after lost notifications */
	uint64_t publishes;   /* snapshots made visible to the readers */
	uint64_t misses;
	uint64_t unknown;
};

/* The writer's side: open, close, fd and process run in one thread (the
 * main loop), which must be a registered RCU thread (ct_thread_register())
 * and outside any read-side section.
 *
 * Opens the rtnetlink subscription, dumps the current links and publishes
 * them. Returns 0 or a negative errno (logged). */
int iface_names_open(struct iface_names **out);
/* After every reader is done: frees the cache and its snapshots. */
void iface_names_close(struct iface_names *n);
/* The non-blocking descriptor to poll for POLLIN; -1 for a cache made by
 * iface_names_create(). */
int iface_names_fd(const struct iface_names *n);
/* Reads the pending notifications (up to a budget: poll again if more
 * remain), applies them, re-dumps if any were lost (ENOBUFS, truncation),
 * and publishes the result. Returns 0, or a negative errno if the socket
 * or the re-dump failed (logged): the last published snapshot stays in
 * use, and a failed re-dump is tried again by the next call. */
int iface_names_process(struct iface_names *n);
/* A snapshot of the counters (the misses as of now). */
void iface_names_stats(const struct iface_names *n, struct iface_stats *out);

/* The readers' side, on every packet, inside an RCU read-side section
 * (ct_read_lock()) of a registered thread: the name of IFINDEX, valid until
 * the section ends; NULL for 0 or an index the kernel does not know. No
 * lock, no syscall: a binary search of the current snapshot. An index not
 * in it (a packet ahead of its link's notification) is looked up with
 * if_indextoname() into BUF, and counted as a miss. */
const char *iface_name(const struct iface_names *n, uint32_t ifindex,
		       char buf[IFACE_NAMSIZ]);

/* What iface_names_process() is made of, without the socket (for the unit
 * tests and the fuzzer): a cache that starts empty, the application of one
 * netlink datagram (every message in it) to the writer's working table,
 * and the publication of that table. iface_names_apply() returns how many
 * messages changed the table; -EBADMSG if the datagram ends in bytes that
 * are no whole message (those before are applied); -ENOMEM (the table
 * then waits for a re-dump). Malformed messages are skipped and counted. iface_names_publish() returns 0 (also when nothing
 * changed) or -ENOMEM (the previous snapshot stays). */
int iface_names_create(struct iface_names **out);
int iface_names_apply(struct iface_names *n, const void *buf, size_t len);
int iface_names_publish(struct iface_names *n);

#endif
