/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rules engine: a ruleset of chains of rules (matches + one action), as
 * iptables and nftables have them, the context a packet is matched in, the
 * result of evaluating a chain, and the two evaluators: a naive linear scan
 * (the reference) and the compiled one (Tuple Space Search, rules_tss.h). */
#ifndef NFQFW_RULES_H
#define NFQFW_RULES_H

#include <libconfig.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nfqfw/ct.h"
#include "nfqfw/pkt.h"

enum rules_verdict {
	RULES_ACCEPT,
	RULES_DROP,
	RULES_REJECT,
};

/* What a reject sends back; the daemon picks the ICMP or ICMPv6 flavour
 * by the packet's family. */
enum rules_reject {
	RULES_REJECT_NONE,
	RULES_REJECT_TCP_RESET,
	RULES_REJECT_PORT_UNREACH,
	RULES_REJECT_HOST_UNREACH,
	RULES_REJECT_NET_UNREACH,
	RULES_REJECT_ADMIN_PROHIBITED,
};

enum rules_action {
	RULES_ACT_CONTINUE,     /* only the non-terminal parts (log, mark, counter) */
	RULES_ACT_ACCEPT,
	RULES_ACT_DROP,
	RULES_ACT_REJECT,
	RULES_ACT_JUMP,
	RULES_ACT_GOTO,
	RULES_ACT_RETURN,
	/* NAT (only in the `nat` group): terminal; the connection is bound. */
	RULES_ACT_SNAT,
	RULES_ACT_DNAT,
	RULES_ACT_MASQUERADE,
	RULES_ACT_REDIRECT,
};

/* Which group of the configuration a chain belongs to. */
enum rules_table {
	RULES_TABLE_FILTER,
	RULES_TABLE_NAT,
};

static inline bool rules_action_is_nat(int action)
{
	return action >= RULES_ACT_SNAT && action <= RULES_ACT_REDIRECT;
}

/* Where a NAT action translates to: `to = "198.51.100.1-198.51.100.4:1024-2047"`,
 * `to = "[2001:db8::1]:8080"`, `to_ports = "8080"`. Without an address,
 * masquerade takes the outgoing interface's and redirect the incoming
 * interface's; without ports, ports are kept where they are free. */
struct rules_nat {
	uint8_t family;              /* of the addresses; 0 without */
	bool has_addr, has_ports;
	union pkt_addr min_addr, max_addr;
	uint16_t min_port, max_port;
};

/* Which matches a rule has (struct rules_match::has). */
enum {
	RULES_M_FAMILY    = 1u << 0,
	RULES_M_PROTO     = 1u << 1,
	RULES_M_SRC       = 1u << 2,
	RULES_M_DST       = 1u << 3,
	RULES_M_SPORT     = 1u << 4,
	RULES_M_DPORT     = 1u << 5,
	RULES_M_IN        = 1u << 6,
	RULES_M_OUT       = 1u << 7,
	RULES_M_CT_STATE  = 1u << 8,
	RULES_M_CT_DIR    = 1u << 9,
	RULES_M_TCP_FLAGS = 1u << 10,
	RULES_M_ICMP      = 1u << 11,
	RULES_M_MARK      = 1u << 12,
	RULES_M_LENGTH    = 1u << 13,
	/* Stateful (struct rules_rule::limit, ::connlimit): not answered by
	 * rules_rule_matches(), but by the chain walk once the rest matched. */
	RULES_M_LIMIT     = 1u << 14,
	RULES_M_CONNLIMIT = 1u << 15,
};

/* TCP flag bits as struct pkt_tcp carries them. */
enum {
	RULES_TCP_FIN = 0x01, RULES_TCP_SYN = 0x02, RULES_TCP_RST = 0x04,
	RULES_TCP_PSH = 0x08, RULES_TCP_ACK = 0x10, RULES_TCP_URG = 0x20,
	RULES_TCP_ECE = 0x40, RULES_TCP_CWR = 0x80,
};

#define RULES_CT_BIT(info) (1u << (info))

struct rules_addrset;
struct rules_chain;
struct rules_tss;

/* An address, a network (PLEN bits of ADDR; the rest is zero), or a set. */
struct rules_addr_match {
	uint8_t family;                     /* 4 or 6 */
	uint8_t plen;
	bool neg;
	union pkt_addr addr;
	const struct rules_addrset *set;    /* non-NULL: match on the set */
};

struct rules_port_range {
	uint16_t lo, hi;
};

/* multiport's limit: 15 ports, a range counting as two. */
#define RULES_MAX_PORT_RANGES 15

struct rules_port_match {
	uint8_t n;
	bool neg;
	struct rules_port_range r[RULES_MAX_PORT_RANGES];
};

#define RULES_IFNAMSIZ 16

/* An interface name; WILDCARD: NAME is a prefix (written "eth+"). */
struct rules_iface_match {
	char name[RULES_IFNAMSIZ];
	bool wildcard;
	bool neg;
};

struct rules_match {
	uint32_t has;                /* RULES_M_* */
	uint8_t family;              /* RULES_M_FAMILY: 4 or 6 */
	uint8_t proto;
	bool proto_neg;
	struct rules_addr_match src, dst;
	struct rules_port_match sport, dport;
	struct rules_iface_match in, out;
	uint8_t ct_states;           /* RULES_CT_BIT()s */
	uint8_t ct_dir;              /* enum ct_dir */
	uint8_t tcp_mask, tcp_value; /* (flags & mask) == value */
	bool tcp_neg;
	uint8_t icmp_family;         /* 4: ICMP, 6: ICMPv6 */
	uint8_t icmp_type;
	int16_t icmp_code;           /* -1: any code */
	uint32_t mark_value, mark_mask;
	bool mark_neg;
	uint32_t len_lo, len_hi;
	bool len_neg;
};

/* Which address a stateful match counts by: none (one count for the whole
 * rule), the packet's source or destination, masked to PLEN4 bits (IPv4)
 * or PLEN6 bits (IPv6). */
enum rules_per_addr {
	RULES_PER_RULE,
	RULES_PER_SRC,
	RULES_PER_DST,
};

struct rules_per {
	enum rules_per_addr addr;
	uint8_t plen4, plen6;
	/* Keys the table holds (0: RULES_PER_SLOTS_DEFAULT), rounded up to a
	 * power of two >= 8; unused for RULES_PER_RULE. */
	uint32_t slots;
};

#define RULES_LIMIT_RATE_MAX 1000000000u
#define RULES_LIMIT_BURST_MAX 100000u
#define RULES_LIMIT_BURST_DEFAULT 5u      /* as iptables' limit */
#define RULES_CONNLIMIT_MAX 65535u
#define RULES_PER_SLOTS_MAX (1u << 22)
#define RULES_SECOND_NS UINT64_C(1000000000)
#define RULES_DAY_NS (86400 * RULES_SECOND_NS)
#define RULES_PER_SLOTS_DEFAULT 65536u

/* limit: RATE packets per PERIOD_NS on average, BURST at once (a token
 * bucket of BURST tokens refilled one every PERIOD_NS / RATE, rounded up
 * to whole nanoseconds). PERIOD_NS: RULES_SECOND_NS up to RULES_DAY_NS. */
struct rules_limit_spec {
	uint32_t rate;         /* 1..RULES_LIMIT_RATE_MAX */
	uint64_t period_ns;    /* a second, minute, hour or day */
	uint32_t burst;        /* 1..RULES_LIMIT_BURST_MAX */
	struct rules_per per;
};

/* connlimit: matches when the key has more than OVER connections, this
 * packet's included. */
struct rules_connlimit_spec {
	uint32_t over;         /* 0..RULES_CONNLIMIT_MAX */
	struct rules_per per;
};

struct rules_limit;
struct rules_connlimit;

#define RULES_LOG_PREFIX_MAX 30   /* with the NUL, as the kernel's LOG */

struct rules_log {
	char prefix[RULES_LOG_PREFIX_MAX];
	uint8_t level;               /* syslog priority */
};

struct rules_rule {
	struct rules_match m;
	enum rules_action action;
	enum rules_reject reject;            /* RULES_ACT_REJECT */
	struct rules_chain *target;          /* RULES_ACT_JUMP, _GOTO */
	bool has_log, has_mark_set;
	struct rules_log log;
	uint32_t mark_set_value, mark_set_mask;  /* mark = (mark & ~mask) | value */
	/* RULES_M_LIMIT, RULES_M_CONNLIMIT: what the builder sets; the state
	 * (buckets, connection lists) is made by rules_compile() and freed
	 * with the set. Until compiled, a stateful match never matches. */
	struct rules_limit_spec limit_spec;
	struct rules_connlimit_spec connlimit_spec;
	struct rules_limit *limit;
	struct rules_connlimit *connlimit;
	struct rules_nat nat;                /* the NAT actions */
	unsigned int line;                   /* in the configuration; 0 if none */
	/* Set by rules_chain_append(). */
	struct rules_chain *chain;
	uint32_t index;
	_Atomic uint64_t packets, bytes;
};

#define RULES_NAME_MAX 32

struct rules_chain {
	char name[RULES_NAME_MAX];
	uint8_t table;                       /* enum rules_table */
	bool base;
	enum rules_verdict policy;           /* base chains */
	struct rules_rule *rules;
	uint32_t n_rules, cap_rules;
	struct rules_tss *tss;               /* after rules_compile() */
	_Atomic uint64_t policy_packets, policy_bytes;
};

struct rules_set;

/* What the matcher knows about a packet. IN/OUT may be NULL (no such
 * interface: treated as the empty name). MARK is the packet's mark when it
 * enters the chain; LEN the length it is counted and matched with. */
struct rules_packet {
	const struct pkt *p;
	enum ct_info ct;
	enum ct_dir dir;
	const char *in, *out;
	uint32_t mark;
	uint32_t len;
	/* For the stateful matches (limit, connlimit): the time (CLOCK_MONOTONIC),
	 * the connection table and the packet's entry (NULL when untracked). */
	uint64_t now_ns;
	struct ct_table *ct_table;
	const struct ct_entry *entry;
};

#define RULES_MAX_LOGS 8
/* Jumps deeper than this drop the packet (loops are refused at load time;
 * iptables allows about as many nested user chains in practice). */
#define RULES_MAX_DEPTH 16

struct rules_result {
	enum rules_verdict verdict;
	enum rules_reject reject;            /* RULES_REJECT: what to send */
	bool mark_set;                       /* a rule set the mark ... */
	uint32_t mark;                       /* ... to this (final) value */
	/* The log actions met, in order; more than RULES_MAX_LOGS are counted
	 * in logs_lost. */
	unsigned int n_logs, logs_lost;
	const struct rules_rule *logs[RULES_MAX_LOGS];
	/* The rule that decided, or NULL when the policy of CHAIN did (or an
	 * internal limit: depth_exceeded). */
	const struct rules_rule *rule;
	const struct rules_chain *chain;
	bool depth_exceeded;
};

/* Building a ruleset by hand (the loader, tests and the benchmark do). */
struct rules_set *rules_set_new(void);
void rules_set_free(struct rules_set *rs);
/* NULL on a duplicate name, a name too long, or no memory. */
struct rules_chain *rules_chain_add(struct rules_set *rs, const char *name,
				    bool base, enum rules_verdict policy);
struct rules_chain *rules_chain_find(const struct rules_set *rs, const char *name);
/* The same in TABLE (rules_chain_add/find are the filter table's). */
struct rules_chain *rules_chain_add_in(struct rules_set *rs, enum rules_table table,
				       const char *name, bool base,
				       enum rules_verdict policy);
struct rules_chain *rules_chain_find_in(const struct rules_set *rs, enum rules_table table,
					const char *name);
size_t rules_chain_count(const struct rules_set *rs);
struct rules_chain *rules_chain_at(const struct rules_set *rs, size_t i);
/* Copies RULE to the end of CHAIN (counters start at zero). Returns 0 or
 * -ENOMEM, -EBUSY once the set is compiled. */
int rules_chain_append(struct rules_chain *chain, const struct rules_rule *rule);

/* Address sets: many addresses and networks of one family; a lookup costs
 * one hash probe per distinct prefix length, whatever the size. */
struct rules_addrset *rules_addrset_add(struct rules_set *rs, const char *name,
					uint8_t family);
struct rules_addrset *rules_addrset_find(const struct rules_set *rs, const char *name);
/* Adds ADDR/PLEN (bits past PLEN are ignored). 0, -EINVAL or -ENOMEM. */
int rules_addrset_insert(struct rules_addrset *set, const union pkt_addr *addr,
			 unsigned int plen);
bool rules_addrset_contains(const struct rules_addrset *set, uint8_t family,
			    const union pkt_addr *addr);
size_t rules_addrset_size(const struct rules_addrset *set);
uint8_t rules_addrset_family(const struct rules_addrset *set);
const char *rules_addrset_name(const struct rules_addrset *set);

/* Parses "192.0.2.1", "198.51.100.0/24", "2001:db8::/32" into *FAMILY,
 * ADDR (masked) and *PLEN. 0 or -EINVAL (also for host bits set past the
 * prefix only when STRICT). */
int rules_parse_addr(const char *s, uint8_t *family, union pkt_addr *addr,
		     uint8_t *plen, bool strict);

/* The compiled matcher for every chain, and the state of every limit and
 * connlimit. Returns 0, -ENOMEM, or -EINVAL for a limit_spec or
 * connlimit_spec out of range. After it the ruleset is read-only (but for
 * counters and that state) and may be shared by threads. */
int rules_compile(struct rules_set *rs);

/* Counts a packet of LEN bytes on R, as the walk does on every rule that
 * matched (for a decision taken outside the walk). */
void rules_rule_count(const struct rules_rule *r, uint32_t len);

/* Single rule, no side effect: the reference semantics of every match but
 * the stateful ones (RULES_M_LIMIT, RULES_M_CONNLIMIT), which the chain
 * walk applies only to the rule it reaches, once the rest of it matched:
 * connlimit first (it remembers the connection), then limit (it takes a
 * token). A packet that fails them goes on to the next rule. */
bool rules_rule_matches(const struct rules_rule *r, const struct rules_packet *rp);

/* Evaluates base chain CHAIN for RP: the compiled matcher (the set must be
 * compiled) or the naive linear scan. Both count packets and bytes on every
 * rule that matched and on the policy. A connlimit looks connections up in
 * RP->ct_table: the caller holds ct_read_lock() (the daemon holds it for
 * the whole burst). */
void rules_eval(const struct rules_chain *chain, const struct rules_packet *rp,
		struct rules_result *res);
void rules_eval_naive(const struct rules_chain *chain, const struct rules_packet *rp,
		      struct rules_result *res);

/* Loads FILTER_GROUP (the `filter: { chain: { policy; rules }; ... }` group,
 * may be NULL) and SETS_LIST (`sets = ( {...}, ... )`, may be NULL) of the
 * configuration file PATH. Every problem is written to ERR (NULL: nowhere)
 * as "PATH:LINE: message", warnings as "PATH:LINE: warning: message".
 * Returns the number of errors; with none, *OUT is the compiled ruleset. */
int rules_load(struct rules_set **out, const config_setting_t *filter_group,
	       const config_setting_t *sets_list, const char *path, FILE *err);
/* The same with the `nat: { prerouting, postrouting, output, input,
 * user chains }` group too (NAT_GROUP may be NULL), in one ruleset: nat
 * chains are in RULES_TABLE_NAT, where only NAT actions, accept (no
 * translation), jumps, log and set_mark are allowed. */
int rules_load_all(struct rules_set **out, const config_setting_t *filter_group,
		   const config_setting_t *nat_group, const config_setting_t *sets_list,
		   const char *path, FILE *err);

/* Packets a rule's limit or connlimit decided without a table slot (every
 * slot its key can use was busy, or no memory): a limit refuses them, a
 * connlimit matches them (fail closed). 0 for a rule without one. */
uint64_t rules_limit_table_full(const struct rules_rule *r);
uint64_t rules_connlimit_table_full(const struct rules_rule *r);

const char *rules_verdict_name(enum rules_verdict v);
const char *rules_reject_name(enum rules_reject r);

#endif
