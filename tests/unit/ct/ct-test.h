/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers of the ct unit tests: packets between three hosts of either
 * family (built with the pkt stage's pktbuild, then given the hosts'
 * addresses; checksums do not matter to conntrack), tables with the
 * default settings, and times in seconds. */
#ifndef NFQFW_TESTS_CT_TEST_H
#define NFQFW_TESTS_CT_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "nfqfw/ct.h"
#include "nfqfw/pkt.h"
#include "pktbuild.h"

/* Hosts: A 192.0.2.1 / 2001:db8::1, B 198.51.100.2 / 2001:db8:2::beef,
 * C 203.0.113.3 / 2001:db8:3::3. */
enum ctt_host { CTT_A, CTT_B, CTT_C };

#define CTT_SYN 0x02
#define CTT_ACK 0x10
#define CTT_RST 0x04

/* CLOCK_MONOTONIC in the tests: a start well away from 0, plus seconds. */
#define CTT_T0 (1000ull * 1000000000ull)
#define CTT_AT(sec) (CTT_T0 + (uint64_t)((sec) * 1e9))

/* A built packet and its parsed view (which points into the buffer). */
struct ctt_pkt {
	struct pb b;
	struct pkt p;
};

void ctt_addr(int family, enum ctt_host h, union pkt_addr *out);

void ctt_udp(struct ctt_pkt *k, int family, enum ctt_host src, enum ctt_host dst,
	     uint16_t sport, uint16_t dport);
void ctt_tcp(struct ctt_pkt *k, int family, enum ctt_host src, enum ctt_host dst,
	     uint16_t sport, uint16_t dport, uint8_t flags);
/* A query, reply or any other message: type, code, identifier. */
void ctt_icmp(struct ctt_pkt *k, int family, enum ctt_host src, enum ctt_host dst,
	      uint8_t type, uint8_t code, uint16_t id);
/* An ICMP/ICMPv6 error quoting the first QLEN bytes of Q (0: all of it). */
void ctt_icmp_error(struct ctt_pkt *k, int family, enum ctt_host src,
		    enum ctt_host dst, uint8_t type, uint8_t code,
		    const struct ctt_pkt *q, size_t qlen);
/* Some other protocol, with 8 bytes of payload. */
void ctt_proto(struct ctt_pkt *k, int family, enum ctt_host src, enum ctt_host dst,
	       uint8_t proto);
/* Makes K a fragment at OFFSET (bytes; more fragments follow if MORE). */
void ctt_fragment(struct ctt_pkt *k, uint16_t offset, bool more);

/* A table with the default settings and MAX entries (0: the default);
 * asserts it was made. */
struct ct_table *ctt_table(uint32_t max_entries);

/* ct_process() of K at time NOW inside the read lock, confirming the entry
 * it created (unless NO_CONFIRM); returns the result's info, copies the
 * rest to *RES (RES may be NULL). */
enum ct_info ctt_run(struct ct_table *t, struct ctt_pkt *k, uint64_t now,
		     struct ct_result *res);
enum ct_info ctt_run_unconfirmed(struct ct_table *t, struct ctt_pkt *k, uint64_t now,
				 struct ct_result *res);

/* The entry holding K's tuple at NOW, or NULL; *DIR its direction. */
struct ct_entry *ctt_find(struct ct_table *t, const struct ctt_pkt *k, uint64_t now,
			  enum ct_dir *dir);
/* Entries linked in the table, confirmed or not (walks every bucket). */
unsigned int ctt_count(struct ct_table *t);

#endif
