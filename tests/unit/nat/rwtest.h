/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper of the NAT rewrite: random packets of every kind the rewrite
 * knows, and the reference result of a rewrite, made by setting the fields
 * and recomputing every checksum from scratch with the plain reference sum
 * of tests/unit/pkt/pktbuild.h (never with src/pkt/csum.c or src/nat). */
#ifndef NFQFW_TESTS_NAT_RWTEST_H
#define NFQFW_TESTS_NAT_RWTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nfqfw/nat_rewrite.h"
#include "pkt/pktbuild.h"

/* How the transport checksum field is filled. */
enum rt_csum {
	RT_CSUM_FULL,       /* a complete checksum */
	RT_CSUM_PARTIAL,    /* CHECKSUM_PARTIAL: the folded pseudo-header sum */
};

enum rt_frag {
	RT_FRAG_NONE,
	RT_FRAG_FIRST,      /* offset 0, more fragments */
	RT_FRAG_LATER,      /* offset > 0: no transport header */
};

/* A failed random case is counted and the first few are described; each
 * test then asserts with rt_done() that none failed, so that a random run
 * does not flood the output. rt_start() resets the counts. */
extern unsigned int rt_failures, rt_cases;

#define RT_CHECK(cond, ...) \
	do { \
		if (!(cond) && rt_failures++ < 5) { \
			fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
		} \
	} while (0)

void rt_start(void);
/* CUnit assertions: no failure, and at least MIN_CASES cases run. */
void rt_done(unsigned int min_cases);

uint16_t rt_get16(const uint8_t *b);
void rt_put16(uint8_t *b, uint16_t v);
const char *rt_manip_name(enum nat_manip m);

/* What to build. PROTO is IPPROTO_*; ICMP_TYPE for ICMP/ICMPv6. */
struct rt_spec {
	uint8_t family, proto, icmp_type;
	enum rt_frag frag;
	enum rt_csum csum;
	bool udp_zero;      /* UDP over IPv4 sent without a checksum */
};

/* A kind of packet: protocol, ICMP type, UDP sent without checksum. */
struct rt_kind {
	uint8_t proto, icmp_type;
	bool udp_zero;
};

/* The spec of a packet of kind K (udp_zero only with full checksums). */
struct rt_spec rt_spec_of(uint8_t family, const struct rt_kind *k,
			  enum rt_frag frag, enum rt_csum csum);

/* A built packet and what the reference needs to know about it. */
struct rt_pkt {
	uint8_t buf[PB_MAX];
	size_t len;
	struct rt_spec spec;
	size_t l3_len;      /* IP header and extension headers */
	size_t l4_off;      /* 0 when the packet has no transport header */
};

/* Random packet following SPEC (addresses, ports, options, payload random;
 * PAYLOAD_MAX bytes of payload at most). */
void rt_build(struct rt_pkt *t, const struct rt_spec *spec, uint32_t *rng,
	      size_t payload_max);

/* Recomputes the IPv4 header checksum and the transport checksum as the
 * spec says (a later fragment has none; UDP with udp_zero keeps 0; partial
 * ICMPv4 keeps its field). */
void rt_finish(struct rt_pkt *t);

/* ICMP over IPv4 or ICMPv6 over IPv6 (not the opaque cross pairs). */
bool rt_is_icmp(const struct rt_pkt *t);

/* Offset in the packet of the port or identifier manip M sets, or 0 if the
 * packet has none; of the transport checksum field, or 0. */
size_t rt_port_off(const struct rt_pkt *t, enum nat_manip m);
size_t rt_csum_off(const struct rt_pkt *t);

/* The reference rewrite: sets the fields and recomputes (rt_finish()). */
void rt_expect(struct rt_pkt *t, enum nat_manip m, const union pkt_addr *addr,
	       uint16_t port);

/* Sum of the pseudo-header (reference arithmetic), ADDRS as in the packet. */
uint32_t rt_pseudo_sum(uint8_t family, const uint8_t *saddr,
		       const uint8_t *daddr, uint8_t proto, uint32_t len);

/* A random address of FAMILY in a documentation range. */
void rt_rand_addr(union pkt_addr *a, uint8_t family, uint32_t *rng);

/* An ICMP/ICMPv6 error of FAMILY (random type, code, addresses, options)
 * quoting the first QLEN bytes of INNER, its checksum filled as CSUM says
 * (partial: the pseudo-header sum for ICMPv6, a random seed for ICMPv4). */
void rt_build_error(struct rt_pkt *t, const struct rt_pkt *inner, size_t qlen,
		    enum rt_csum csum, uint32_t *rng);
/* Offset of the quote in an error rt_build_error() made. rt_finish()
 * recomputes an error's checksums too. */
size_t rt_quote_off(const struct rt_pkt *t);

/* Residue of a full verification of the error's ICMP checksum: 0 when right. */
uint16_t rt_error_residue(const struct rt_pkt *t);

#endif
