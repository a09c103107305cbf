/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internet checksums: the one's complement sum of RFC 1071, the IPv4
 * header, TCP/UDP/ICMPv6 with their pseudo-headers, ICMPv4, and incremental
 * updates after a field changes (RFC 1624).
 *
 * Conventions:
 * - Every 16-bit checksum and field value is a host-order number: the
 *   big-endian field as read from the packet (write it back big-endian).
 * - A "sum" (uint32_t) is a partial one's complement sum whose carries are
 *   not yet folded in. Start from 0; it takes at least 65535 more 16-bit
 *   words before it could overflow.
 * - The compute functions sum the bytes as they are. With the checksum
 *   field set to zero they give the value to store in it; over a packet
 *   whose checksum is right they give 0. */
#ifndef NFQFW_CSUM_H
#define NFQFW_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqfw/pkt.h"

/* Adds LEN bytes at BUF (any alignment) to SUM. Chunks may be summed one
 * after the other; all but the last must have an even length, as the words
 * would otherwise straddle them. Returns a sum below 0x20000. */
uint32_t csum_add(uint32_t sum, const void *buf, size_t len);

static inline uint32_t csum_add16(uint32_t sum, uint16_t v)
{
	return sum + v;
}

static inline uint32_t csum_add32(uint32_t sum, uint32_t v)
{
	return sum + (v >> 16) + (v & 0xffff);
}

/* Folds the carries into 16 bits and complements: the checksum field. */
static inline uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Sums of the pseudo-headers (RFC 9293 3.1, RFC 8200 8.1): addresses as
 * they are in the packet (4 or 16 bytes), PROTO the upper-layer protocol,
 * LEN the upper-layer length (header and data). */
uint32_t csum_pseudo_ipv4(const void *saddr, const void *daddr, uint8_t proto,
			  uint32_t len);
uint32_t csum_pseudo_ipv6(const void *saddr, const void *daddr, uint8_t proto,
			  uint32_t len);

/* IPv4 header of HDRLEN bytes (IHL * 4). */
uint16_t csum_ipv4_header(const void *hdr, size_t hdrlen);
bool csum_ipv4_header_ok(const void *hdr, size_t hdrlen);

/* TCP, UDP (or any protocol with the same pseudo-header) segment of LEN
 * bytes at L4 over IPv4 or IPv6; over IPv6 also ICMPv6 (PROTO 58). For UDP
 * pass the result through csum_udp_final() before storing it. */
uint16_t csum_ipv4_l4(const void *saddr, const void *daddr, uint8_t proto,
		      const void *l4, size_t len);
uint16_t csum_ipv6_l4(const void *saddr, const void *daddr, uint8_t proto,
		      const void *l4, size_t len);

/* ICMPv4 message of LEN bytes: no pseudo-header (RFC 792). */
uint16_t csum_icmpv4(const void *icmp, size_t len);

/* UDP sends a computed 0 as 0xffff, because 0 in the field means "no
 * checksum" (RFC 768; over IPv6 a 0 is invalid, RFC 8200 8.1). */
static inline uint16_t csum_udp_final(uint16_t csum)
{
	return csum ? csum : 0xffff;
}

/* Verifies the transport checksum of a packet pkt_parse() accepted.
 * Returns 0 if it is right, or if an IPv4 UDP datagram carries none;
 * -EBADMSG if it is wrong; -ENODATA if the segment is not all there (a
 * fragment, or a truncated copy); -EOPNOTSUPP if the protocol has no
 * checksum we know (not TCP, UDP, ICMP, ICMPv6) or the pseudo-header's
 * destination is unknown (a source route still to be followed). */
int csum_l4_verify(const struct pkt *p);

/* Incremental update of checksum CSUM after a field changes from FROM to
 * TO (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')). The 32-bit form takes the
 * big-endian 32-bit field as a host-order number; the address form takes
 * the 16 bytes as they are in the packet. Equal to a full recomputation,
 * as a correct checksum is never 0xffff. */
uint16_t csum_update16(uint16_t csum, uint16_t from, uint16_t to);
uint16_t csum_update32(uint16_t csum, uint32_t from, uint32_t to);
uint16_t csum_update_addr6(uint16_t csum, const void *from, const void *to);

/* The same for a UDP checksum: 0 stays 0 (over IPv4 it means none, over
 * IPv6 the datagram is invalid and stays so), a result of 0 becomes 0xffff. */
uint16_t csum_udp_update16(uint16_t csum, uint16_t from, uint16_t to);
uint16_t csum_udp_update32(uint16_t csum, uint32_t from, uint32_t to);
uint16_t csum_udp_update_addr6(uint16_t csum, const void *from,
			       const void *to);

#endif
