/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection tracking: a table of connections shared by every worker, each
 * connection known by its two tuples (original and reply direction), each
 * packet given a state (NEW, ESTABLISHED, RELATED, INVALID) and a direction.
 * Per-protocol knowledge lives behind struct ct_l4proto, as the kernel's
 * nf_conntrack_l4proto does. Lookups are lock-free (RCU); writers lock one
 * bucket; nothing on the per-packet path scans the table. */
#ifndef NFQFW_CT_H
#define NFQFW_CT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "nfqfw/ct_tcp.h"
#include "nfqfw/pkt.h"

enum ct_dir {
	CT_DIR_ORIGINAL = 0,
	CT_DIR_REPLY = 1,
	CT_DIR_COUNT = 2,
};

/* What the packet is to its connection (the kernel's ctinfo). */
enum ct_info {
	CT_INFO_NEW,
	CT_INFO_ESTABLISHED,
	CT_INFO_RELATED,
	CT_INFO_INVALID,
	CT_INFO_UNTRACKED,     /* not trackable at all (e.g. later fragments) */
	CT_INFO_COUNT
};

const char *ct_info_name(enum ct_info info);

/* Addresses, ports and protocol of one direction. For ICMP/ICMPv6 queries
 * sport is the identifier and dport is type << 8 | code (the reply tuple has
 * the reply type). For protocols without ports both are 0. Padding is zero,
 * so a tuple can be hashed and compared as bytes. */
struct ct_tuple {
	union pkt_addr src, dst;
	uint16_t sport, dport;
	uint8_t  family;       /* 4 or 6 */
	uint8_t  l4proto;
	uint8_t  pad[2];
};

bool ct_tuple_equal(const struct ct_tuple *a, const struct ct_tuple *b);

struct ct_l4proto;

/* The packet's tuple in the direction it travels, padding zeroed; L4 is
 * ct_l4proto_find(p->family, p->l4proto). False: not trackable (e.g. a
 * later fragment, which carries no transport header). */
bool ct_tuple_from_pkt(const struct pkt *p, const struct ct_l4proto *l4,
		       struct ct_tuple *t);
/* The tuple of the answer to ORIG (addresses and ports swapped, ICMP
 * request and reply types exchanged). False: ORIG has no answer. */
bool ct_tuple_invert(struct ct_tuple *inv, const struct ct_tuple *orig);

/* Status bits of an entry. */
enum {
	CT_S_CONFIRMED  = 1u << 0,  /* its first packet was accepted */
	CT_S_SEEN_REPLY = 1u << 1,  /* a packet went the reply way */
	CT_S_ASSURED    = 1u << 2,  /* worth keeping: not early-dropped */
	CT_S_DYING      = 1u << 3,  /* unlinked, freed after a grace period */
	CT_S_RELATED    = 1u << 4,  /* created from an expectation */
};

/* Bits of ct_entry.nat. */
enum {
	CT_NAT_SRC = 1u << 0,
	CT_NAT_DST = 1u << 1,
	/* The nat chains have been asked (binding or not), as the kernel's
	 * IPS_SRC_NAT_DONE / IPS_DST_NAT_DONE. */
	CT_NAT_SRC_DONE = 1u << 2,
	CT_NAT_DST_DONE = 1u << 3,
};

/* Why a packet is INVALID: which check failed, with the numbers. */
struct ct_reason {
	char text[160];
};

/* The tunable parts, from the configuration's conntrack section. All
 * timeouts in seconds. Defaults: see ct_settings_defaults(). */
struct ct_settings {
	uint32_t max_entries;
	uint32_t tcp_timeout[CT_TCP_STATE_COUNT];
	uint32_t tcp_timeout_max_retrans;   /* after tcp_max_retrans retransmissions */
	uint32_t tcp_timeout_unacknowledged;
	uint32_t udp_timeout;               /* unreplied */
	uint32_t udp_timeout_stream;        /* replied both ways */
	uint32_t icmp_timeout;
	uint32_t generic_timeout;
	uint32_t unconfirmed_timeout;       /* entry whose first packet has no final verdict yet */
	bool tcp_loose;                     /* pick up connections mid-stream */
	bool tcp_be_liberal;                /* only RSTs outside the window are invalid */
	uint32_t tcp_max_retrans;
};

void ct_settings_defaults(struct ct_settings *s);

struct ct_entry;

/* What ct_l4proto.packet() returns when it is not a timeout (>= 0 seconds;
 * 0 means the connection is over and the entry expires now, as the kernel
 * kills a TCP entry whose only answer was a RST). The tracker reads
 * CT_S_SEEN_REPLY as "an earlier reply packet was accepted": like the
 * kernel, the core sets it after packet() accepted the first reply. When
 * it refuses a packet, a tracker may shorten expires_ns itself (from
 * last_ns), as the kernel's TCP tracker does when both ends send an
 * out-of-window FIN or RST. */
enum {
	CT_PACKET_INVALID      = -1,  /* refused, reason given, state unchanged */
	CT_PACKET_REOPEN       = -2,  /* new connection over a closing one */
	CT_PACKET_KEEP_TIMEOUT = -3,  /* accepted; the timeout is not renewed
				       * (the kernel's ignored packets and SYN
				       * retransmissions; the reason says why) */
};

/* One per protocol. Called with the entry's lock held where they touch its
 * state; they never allocate. */
struct ct_l4proto {
	const char *name;           /* "tcp", "udp", "icmp", "icmpv6", "unknown" */
	uint8_t l4proto;            /* IPPROTO_*, 0 for the generic tracker */
	/* Fills tuple->sport/dport from the packet. False: not trackable. */
	bool (*pkt_to_tuple)(const struct pkt *p, struct ct_tuple *tuple);
	/* Fills the l4 part of the inverse of ORIG into INV (addresses are
	 * done by the core). False: no inverse (e.g. ICMP type without reply). */
	bool (*invert_tuple)(struct ct_tuple *inv, const struct ct_tuple *orig);
	/* First packet of a new connection: may refuse it (e.g. a TCP packet
	 * that cannot open a connection), with the reason. */
	bool (*new_conn)(struct ct_entry *ct, const struct pkt *p,
			 const struct ct_settings *cfg, struct ct_reason *why);
	/* Every packet of a known connection (the first one too, after
	 * new_conn). Updates the state and returns the new timeout in seconds,
	 * or -1 for INVALID (with the reason; the state is left unchanged) or
	 * -2 when the packet opens a new connection over a closing one (TCP
	 * SYN in TIME_WAIT/CLOSE): the core then replaces the entry; or -3
	 * (see CT_PACKET_* above). */
	int (*packet)(struct ct_entry *ct, const struct pkt *p, enum ct_dir dir,
		      const struct ct_settings *cfg, struct ct_reason *why);
	/* The protocol's part of a conntrack -L line ("ESTABLISHED" for TCP,
	 * nothing for UDP): writes at most SIZE bytes, returns the length. */
	int (*print_state)(const struct ct_entry *ct, char *buf, size_t size);
	/* True if the entry may be dropped early when the table is full even
	 * though it is ASSURED (entries that are not may always be). NULL:
	 * never. */
	bool (*can_early_drop)(const struct ct_entry *ct);
};

/* The trackers (one file each in src/ct/proto/); ct_l4proto_find() never
 * returns NULL (unknown protocols get the generic tracker). */
extern const struct ct_l4proto ct_l4proto_tcp, ct_l4proto_udp,
	ct_l4proto_icmp, ct_l4proto_icmpv6, ct_l4proto_generic;
const struct ct_l4proto *ct_l4proto_find(uint8_t family, uint8_t l4proto);

struct ct_entry {
	/* Bucket chains (RCU), one per tuple: the next entry's address with,
	 * in bit 0, which of ITS tuples put it in this chain (an entry may be
	 * in one chain twice). Only the table code (src/ct/table.c) reads it. */
	_Atomic uintptr_t next[CT_DIR_COUNT];
	struct ct_tuple tuple[CT_DIR_COUNT];
	const struct ct_l4proto *l4;
	_Atomic uint32_t status;               /* CT_S_* */
	_Atomic uint64_t expires_ns;           /* CLOCK_MONOTONIC */
	uint32_t id;                           /* shown by listings */
	_Atomic uint32_t mark;
	/* NAT: which translations the reply tuple carries (CT_NAT_SRC: the
	 * original source was rewritten, CT_NAT_DST: the destination), so
	 * that tuple[CT_DIR_REPLY] is not the plain inverse of the original.
	 * Set once, when the binding is made (src/nat). */
	_Atomic uint8_t nat;
	/* The hook after routing (NF_INET_LOCAL_IN or NF_INET_FORWARD) plus
	 * one where the filter rules last saw this connection; 0: not yet.
	 * Lets later packets skip that second queue trip (src/filter). */
	_Atomic uint8_t filter_hook;
	pthread_spinlock_t lock;               /* guards proto and last_ns */
	/* CLOCK_MONOTONIC of the packet being tracked: the core sets it before
	 * it calls new_conn() or packet(), so that trackers can tell time. */
	uint64_t last_ns;
	union {
		struct ct_tcp_state tcp;
		struct {
			bool replied_both;     /* reached the stream state (ASSURED) */
			uint64_t stream_ns;    /* replies after this make it a stream */
		} udp;
	} proto;
	_Atomic uint64_t packets[CT_DIR_COUNT], bytes[CT_DIR_COUNT];
	/* An ALG helper's state (src/alg, attached by the pipeline to a new
	 * connection on a helper's port; freed with the entry), or NULL. */
	void *help;
	/* the core's own bookkeeping (RCU free, refs) */
	void *priv;
};

/* The result of ct_process() for one packet. */
struct ct_result {
	struct ct_entry *ct;       /* NULL when untracked or refused; for an
				    * INVALID packet of a known connection,
				    * that connection */
	enum ct_dir dir;
	enum ct_info info;
	bool created;              /* this packet created ct (unconfirmed) */
	struct ct_reason reason;   /* set when info == CT_INFO_INVALID */
};

/* Writes the reason of an INVALID or UNTRACKED verdict (WHY may be NULL):
 * for the trackers. */
void ct_why(struct ct_reason *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* conntrack -S figures. `searched` counts the chain entries a lookup
 * passed over before its match (as older kernels did), `clash_resolve` the
 * first packets that found their connection created by another worker in
 * the meantime and were tracked on that one instead. */
struct ct_stats {
	uint64_t found, invalid, insert, insert_failed, drop, early_drop,
		 searched, expired, count, max, clash_resolve;
	size_t entry_size;         /* bytes per entry */
};

struct ct_table;

struct ct_table *ct_table_create(const struct ct_settings *settings);
void ct_table_destroy(struct ct_table *t);

/* Threads that call any function below but create/destroy/stats must be
 * registered RCU readers (liburcu's default flavour). Every packet:
 * ct_process(), then ct_confirm() or ct_abort(), inside one
 * ct_read_lock()/ct_read_unlock(): an entry pointer is valid only until the
 * read lock is left. */
void ct_thread_register(void);
void ct_thread_unregister(void);
void ct_read_lock(void);
void ct_read_unlock(void);

/* Looks up (or creates, unconfirmed) the packet's connection and runs its
 * tracker. NOW_NS: CLOCK_MONOTONIC (one reading per burst is enough). */
void ct_process(struct ct_table *t, const struct pkt *p, uint64_t now_ns,
		struct ct_result *res);
/* The packet that created CT was accepted: the entry becomes permanent
 * and gets its protocol's timeout. Returns 0, or -ENOENT if the entry was
 * removed in the meantime (flushed, or expired: the kernel then drops the
 * packet; counted as insert_failed). */
int ct_confirm(struct ct_table *t, struct ct_entry *ct, uint64_t now_ns);
/* The packet that created CT was dropped: it leaves no entry. */
void ct_abort(struct ct_table *t, struct ct_entry *ct);

/* The live entry one of whose tuples is TUPLE (expired ones count as
 * gone), and in *DIR which one; NULL if none. Inside ct_read_lock. */
struct ct_entry *ct_table_find(struct ct_table *t, const struct ct_tuple *tuple,
			       uint64_t now_ns, enum ct_dir *dir);
/* Removes CT now (conntrack -D). False if it was already gone. */
bool ct_remove(struct ct_table *t, struct ct_entry *ct);

/* NAT (src/nat): gives CT the reply tuple REPLY (same family and protocol,
 * padding zero), moving the entry's reply link to REPLY's bucket, confirmed
 * or not. The check that no other live entry holds REPLY (by either of its
 * tuples) and the move are made under the same bucket locks, so two
 * bindings can never both get one tuple. Returns 0 (also when REPLY already
 * is its reply tuple), -EEXIST (nothing changed), -ENOENT if CT was removed,
 * -EINVAL. Inside ct_read_lock, never with CT's lock held. A lookup that
 * runs during the move may miss CT by either tuple of the move, never
 * matches a half-written tuple. ct_entry_tuple() copies an entry's tuple
 * consistently even while it moves; readers holding the entry's lock (the
 * ct_table_foreach() callbacks) may read ct->tuple directly. */
int ct_table_set_reply(struct ct_table *t, struct ct_entry *ct,
		       const struct ct_tuple *reply);
void ct_entry_tuple(const struct ct_entry *ct, enum ct_dir dir, struct ct_tuple *out);

/* Incremental expiry: looks at up to BUDGET buckets from where it stopped
 * last time, removes expired entries, returns how many. Called from a timer,
 * never per packet. */
unsigned int ct_gc_step(struct ct_table *t, uint64_t now_ns, unsigned int budget);

void ct_table_stats(const struct ct_table *t, struct ct_stats *out);

/* Iteration for listings (inside ct_read_lock): stops when CB returns
 * non-zero, and returns that value. Confirmed entries only, each once; CB
 * runs with the entry's lock held (so that print_state() reads a stable
 * state) and must not call into the table. Entries that have expired but
 * not yet been collected are included, with 0 seconds left. */
int ct_table_foreach(struct ct_table *t, int (*cb)(const struct ct_entry *ct, void *arg),
		     void *arg);
/* Removes every entry for which MATCH returns true (NULL: all), confirmed
 * or not; MATCH runs with the entry's lock held. Returns how many. */
unsigned int ct_table_remove_if(struct ct_table *t,
				bool (*match)(const struct ct_entry *ct, void *arg),
				void *arg);

/* Seconds left before the entry expires (0 if past). */
uint32_t ct_entry_timeout_left(const struct ct_entry *ct, uint64_t now_ns);

#endif
