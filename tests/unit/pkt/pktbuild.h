/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper of the pkt stage: builds packets byte by byte, header after
 * header, and finishes them with correct lengths and checksums computed by
 * a deliberately plain reference implementation (not src/pkt/csum.c). */
#ifndef NFQFW_TESTS_PKTBUILD_H
#define NFQFW_TESTS_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqfw/pkt.h"

#define PB_MAX 4096

struct pb {
	uint8_t buf[PB_MAX];
	size_t len;
	int family;             /* 4 or 6, from the first header */
	size_t l4_off;          /* transport header, 0 if none was added */
	uint8_t l4proto;
	uint16_t udp_len;       /* if nonzero, pb_finish() keeps this length */
};

/* Addresses every built packet uses (documentation ranges). */
extern const uint8_t pb_src4[4], pb_dst4[4];
extern const uint8_t pb_src6[16], pb_dst6[16];

void pb_init(struct pb *b);
void pb_bytes(struct pb *b, const void *data, size_t n);
/* N bytes of a recognisable pattern (i + SEED). */
void pb_pattern(struct pb *b, size_t n, uint8_t seed);
void pb_put16(struct pb *b, size_t off, uint16_t v);
void pb_put32(struct pb *b, size_t off, uint32_t v);

/* IPv4 header (TTL 64, TOS 0x10, id 0x1234, DF) with N bytes of options
 * (N a multiple of 4). */
void pb_ipv4(struct pb *b, uint8_t proto, const uint8_t *opts, size_t n);
/* Sets the fragment fields of the IPv4 header (OFFSET in bytes). */
void pb_ipv4_frag(struct pb *b, uint16_t id, bool more, uint16_t offset);
/* IPv6 header (traffic class 0xb8, flow label 0x12345, hop limit 64). */
void pb_ipv6(struct pb *b, uint8_t nexthdr);
/* Hop-by-hop, routing or destination options header: BODY follows the two
 * bytes of next header and length; 2 + N must be a multiple of 8. */
void pb_ext(struct pb *b, uint8_t nexthdr, const uint8_t *body, size_t n);
/* Destination options header of LEN bytes (a multiple of 8), padded with
 * a PadN option. */
void pb_dstopts(struct pb *b, uint8_t nexthdr, size_t len);
/* Authentication header with ICV_LEN bytes of integrity check value. */
void pb_ah(struct pb *b, uint8_t nexthdr, size_t icv_len);
void pb_frag6(struct pb *b, uint8_t nexthdr, uint16_t offset, bool more,
	      uint32_t id);

/* Transport headers; OPTS (N a multiple of 4) follow the TCP header. */
void pb_tcp(struct pb *b, uint16_t sport, uint16_t dport, uint32_t seq,
	    uint32_t ack, uint8_t flags, uint16_t window,
	    const uint8_t *opts, size_t n);
void pb_udp(struct pb *b, uint16_t sport, uint16_t dport);
/* ICMP or ICMPv6 (by family): type, code, and the 4 "rest" bytes. */
void pb_icmp(struct pb *b, uint8_t type, uint8_t code, uint16_t id,
	     uint16_t seq);

/* Fills in IP lengths, the IPv4 header checksum, the UDP length and the
 * transport checksum. Returns the packet length. */
size_t pb_finish(struct pb *b);

/* The reference checksum: 16-bit big-endian words added one by one into
 * 32 bits, carries folded at the end. */
uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t n);
uint16_t ref_fold(uint32_t sum);
/* Transport checksum over LEN bytes at L4 with the pseudo-header of the
 * given family's addresses (ICMPv4: none). */
uint16_t ref_l4_csum(int family, const uint8_t *saddr, const uint8_t *daddr,
		     uint8_t proto, const uint8_t *l4, size_t len);

/* A copy of exactly LEN bytes in its own heap block, so that AddressSanitizer
 * and valgrind catch a read one byte past it. Free with free(). */
uint8_t *pb_exact_copy(const uint8_t *buf, size_t len);

/* Parses the first LEN bytes of B from an exact copy (see above), which
 * stays alive until the next call: P may be inspected in between. */
enum pkt_error pb_parse(struct pkt *p, const struct pb *b, size_t len,
			unsigned int flags);

/* Deterministic pseudo-random numbers (xorshift32). */
uint32_t pb_rand(uint32_t *state);

#endif
