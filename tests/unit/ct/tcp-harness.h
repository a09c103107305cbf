/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper of the TCP tracker: drives ct_l4proto_tcp the way the ct
 * core does (new_conn, then packet for every segment, the entry's lock held,
 * SEEN_REPLY set after the first accepted reply, the timeout kept), on an
 * entry of its own, with segments built byte by byte and parsed. */
#ifndef NFQFW_TESTS_CT_TCP_HARNESS_H
#define NFQFW_TESTS_CT_TCP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqfw/ct.h"
#include "nfqfw/pkt.h"

/* TCP flags as on the wire. */
enum {
	F = 0x01, S = 0x02, R = 0x04, P = 0x08, A = 0x10, U = 0x20,
};

/* Timeouts of the tests: all different, so that a wrong state or rule
 * shows in the number. */
enum {
	TH_T_SYN_SENT = 121, TH_T_SYN_RECV = 61, TH_T_ESTABLISHED = 432000,
	TH_T_FIN_WAIT = 122, TH_T_CLOSE_WAIT = 62, TH_T_LAST_ACK = 31,
	TH_T_TIME_WAIT = 123, TH_T_CLOSE = 11, TH_T_SYN_SENT2 = 124,
	TH_T_MAX_RETRANS = 301, TH_T_UNACK = 302,
};

/* TCP options, appended in order and padded with NOPs. */
struct th_opts {
	uint8_t b[40];
	size_t n;
};

void th_opts_init(struct th_opts *o);
void th_opts_mss(struct th_opts *o, uint16_t mss);
void th_opts_wscale(struct th_opts *o, uint8_t shift);
void th_opts_sack_perm(struct th_opts *o);
/* One SACK option with COUNT blocks (left, right pairs). */
void th_opts_sack(struct th_opts *o, const uint32_t (*blocks)[2], unsigned int count);

struct th {
	struct ct_entry ct;
	struct ct_settings cfg;
	struct ct_reason why;
	struct pkt p;              /* the last segment built */
	int family;                /* 4 (default) or 6 */
	uint64_t now_ns;           /* the clock the core would pass */
	int last;                  /* what the last packet() returned */
};

void th_init(struct th *h);
void th_fini(struct th *h);

/* Builds a segment into h->p: DIR decides the ports, LEN bytes of payload. */
void th_build(struct th *h, enum ct_dir dir, uint8_t flags, uint32_t seq,
	      uint32_t ack, uint16_t win, uint16_t len, const struct th_opts *o);

/* The first packet of a connection, always original: new_conn() and, if it
 * agreed, packet(). Returns new_conn()'s answer; h->last holds packet()'s. */
bool th_open(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack,
	     uint16_t win, uint16_t len, const struct th_opts *o);
/* A later packet: packet() as the core calls it. Returns its answer. */
int th_send(struct th *h, enum ct_dir dir, uint8_t flags, uint32_t seq,
	    uint32_t ack, uint16_t win, uint16_t len, const struct th_opts *o);
/* After CT_PACKET_REOPEN: a fresh entry for the same packet, which is now
 * the new connection's original direction. Returns new_conn()'s answer. */
bool th_replace(struct th *h);

/* Runs packet() on h->p as it is (for hand-edited views). */
int th_send_built(struct th *h, enum ct_dir dir);

uint8_t th_state(const struct th *h);
bool th_assured(const struct th *h);
bool th_seen_reply(const struct th *h);
/* Seconds of life the entry has left at h->now_ns. */
uint64_t th_left(const struct th *h);

/* A three-way handshake with client ISN CI and server ISN SI, windows CW
 * and SW, and the options of both SYNs (NULL: none). Asserts each step. */
void th_handshake(struct th *h, uint32_t ci, uint32_t si, uint16_t cw, uint16_t sw,
		  const struct th_opts *copts, const struct th_opts *sopts);

/* CUnit assertion that the reason starts with PREFIX and contains each
 * of the NULL-terminated strings that follow. */
#define TH_ASSERT_WHY(h, ...) \
	CU_ASSERT_TRUE(th_why_is((h), __VA_ARGS__, (const char *)NULL))
bool th_why_is(const struct th *h, const char *prefix, ...);

#endif
