/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the files of the connection tracking core share: the table's layout
 * (buckets, counters, the hash key), the private part of every entry, and
 * the table operations that ct_process() is built from. Not for use outside
 * src/ct/ and its unit tests. */
#ifndef NFQFW_CT_INTERNAL_H
#define NFQFW_CT_INTERNAL_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <netinet/in.h>

/* ThreadSanitizer cannot see liburcu's grace periods (they are made of
 * inline assembly and membarrier()), so it would take a freed entry for a
 * race with the readers that had finished with it long before. These
 * annotations tell it what the grace period guarantees: every read-side
 * critical section that ended before the free happens before it. */
#if defined(__SANITIZE_THREAD__)
#define CT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CT_TSAN 1
#endif
#endif
#ifdef CT_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char ct_tsan_grace_period;
#define CT_TSAN_RELEASE() __tsan_release(&ct_tsan_grace_period)
#define CT_TSAN_ACQUIRE() __tsan_acquire(&ct_tsan_grace_period)
#else
#define CT_TSAN_RELEASE() do { } while (0)
#define CT_TSAN_ACQUIRE() do { } while (0)
#endif

/* rcu_read_lock() inline: it is on every packet. Not under ThreadSanitizer,
 * which would see liburcu's own lock-free protocol inlined into our code and
 * take it for races: the library's out-of-line functions are not
 * instrumented. */
#ifndef CT_TSAN
#define _LGPL_SOURCE
#endif
#include <urcu.h>

#include "nfqfw/ct.h"

#define CT_NS_PER_SEC 1000000000ull

/* Buckets: max_entries / 2 rounded up to a power of two, within these
 * bounds (2^26 buckets of 16 bytes are 1 GiB: more is a typo). */
#define CT_BUCKETS_MIN 1024u
#define CT_BUCKETS_MAX (1u << 26)

/* How many buckets a full table searches, from the new tuple's bucket on,
 * for an entry to drop early (the kernel's NF_CT_EVICTION_RANGE). */
#define CT_EVICTION_RANGE 8u

/* How often a first packet may lose the race to insert its connection and
 * look again before it is refused. Two losses need a third thread that
 * removed the winner in between; three are a table under attack. */
#define CT_INSERT_TRIES 3

/* One chain head and the lock its writers take. A chain link is an entry's
 * address with, in bit 0, the direction of the tuple that hashed here. */
struct ct_bucket {
	_Atomic uintptr_t head;
	pthread_spinlock_t lock;
};

/* An entry as the core allocates it: the public part first, so that a
 * struct ct_entry pointer converts back. */
struct ct_conn {
	struct ct_entry e;
	struct rcu_head rcu;
	/* The timeout (seconds) the tracker gave the latest packet while the
	 * entry is unconfirmed; ct_confirm() starts it. Under e.lock. */
	uint32_t pending_timeout;
	/* The bucket index of each tuple. The reply one changes when NAT
	 * rebinds the entry (ct_table_set_reply()), under the locks of its
	 * old and new bucket: read it again under the lock to trust it. */
	_Atomic uint32_t bucket[CT_DIR_COUNT];
	/* Sequence count of tuple[CT_DIR_REPLY]: odd while
	 * ct_table_set_reply() writes it, so that lock-free readers can tell
	 * a torn copy (Boehm, "Can seqlocks get along with programming
	 * language memory models?", MSPC 2012). */
	_Atomic uint32_t reply_seq;
};

static inline struct ct_conn *ct_conn_of(const struct ct_entry *ct)
{
	return (struct ct_conn *)((uintptr_t)ct - offsetof(struct ct_conn, e));
}

/* Counters, striped so that workers do not share cache lines: each thread
 * adds to the slot its first count picked. */
enum ct_stat_id {
	CT_STAT_FOUND,
	CT_STAT_INVALID,
	CT_STAT_INSERT,
	CT_STAT_INSERT_FAILED,
	CT_STAT_DROP,
	CT_STAT_EARLY_DROP,
	CT_STAT_SEARCHED,
	CT_STAT_EXPIRED,
	CT_STAT_CLASH_RESOLVE,
	CT_STAT_COUNT
};

#define CT_STAT_SLOTS 16u

struct ct_stat_slot {
	alignas(64) _Atomic uint64_t v[CT_STAT_COUNT];
};

struct ct_table {
	struct ct_settings cfg;
	struct ct_bucket *buckets;
	uint32_t nbuckets;              /* a power of two */
	uint64_t key[2];                /* SipHash key, from getrandom() */
	struct ct_stat_slot *stats;     /* CT_STAT_SLOTS of them */
	alignas(64) _Atomic uint32_t count;
	_Atomic uint32_t next_id;
	_Atomic uint32_t gc_cursor;
};

/* hash.c: SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", INDOCRYPT 2012) of LEN bytes at DATA. */
uint64_t ct_siphash24(const uint64_t key[2], const void *data, size_t len);
/* The table's hash of a tuple and the bucket it selects. */
uint64_t ct_table_hash(const struct ct_table *t, const struct ct_tuple *tuple);
uint32_t ct_table_bucket(const struct ct_table *t, const struct ct_tuple *tuple);

/* table.c */
void ct_stat_add(struct ct_table *t, enum ct_stat_id id, uint64_t n);
bool ct_entry_expired(const struct ct_entry *ct, uint64_t now_ns);
/* The live entry with TUPLE in bucket B, without expiry handling: expired
 * entries are returned too (the caller decides). */
struct ct_entry *ct_bucket_find(struct ct_table *t, uint32_t b,
				const struct ct_tuple *tuple, enum ct_dir *dir,
				unsigned int *passed);
/* Links C into the chains of both its tuples. -EEXIST (and nothing
 * linked) if a live entry already holds either tuple. */
int ct_table_insert(struct ct_table *t, struct ct_conn *c);
/* Unlinks C and frees it after a grace period; false if another thread
 * got there first. Counts it out of the table. */
bool ct_table_unlink(struct ct_table *t, struct ct_conn *c);
/* Calls FN on every entry linked in bucket B through its tuple of
 * direction 0 or 1 (ONLY_ORIG: direction 0 only), stopping at non-zero. */
int ct_bucket_walk(struct ct_table *t, uint32_t b, bool only_orig,
		   int (*fn)(struct ct_table *t, struct ct_entry *ct, void *arg),
		   void *arg);

/* gc.c: removes an entry found expired; counts it. */
void ct_expire(struct ct_table *t, struct ct_entry *ct);
/* Frees one slot in a full table by dropping an entry that is not worth
 * keeping, from bucket B on. True if one was dropped. */
bool ct_early_drop(struct ct_table *t, uint32_t b, uint64_t now_ns);

/* icmp_error.c: handles P if it is an ICMP/ICMPv6 error or a message the
 * kernel never tracks; returns false if P is none of these (an ordinary
 * query or reply, tracked as a connection of its own). */
bool ct_icmp_special(struct ct_table *t, const struct pkt *p, uint64_t now_ns,
		     struct ct_result *res);

/* proto/icmp.c, shared with proto/icmpv6.c: a query type and its reply
 * type, and what both trackers do alike. */
struct ct_icmp_pair {
	uint8_t request, reply;
	const char *name;               /* "echo" */
};

bool ct_icmp_pkt_to_tuple(const struct pkt *p, struct ct_tuple *t);
bool ct_icmp_invert(const struct ct_icmp_pair *pairs, size_t n,
		    struct ct_tuple *inv, const struct ct_tuple *orig);
bool ct_icmp_new_conn(const struct ct_icmp_pair *pairs, size_t n,
		      const struct ct_entry *ct, struct ct_reason *why);
int ct_icmp_packet(struct ct_entry *ct, const struct pkt *p, enum ct_dir dir,
		   const struct ct_settings *cfg, struct ct_reason *why);
/* proto/generic.c: print_state() of the trackers that show no state. */
int ct_l4_print_nothing(const struct ct_entry *ct, char *buf, size_t size);


#endif
