/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rewriting a packet for NAT: a new source or destination address and
 * port (or ICMP identifier), with every checksum that covers them updated
 * incrementally (RFC 1624); and the translation of ICMP errors about a
 * NAT'd flow, outer header and quoted packet together (RFC 5508 section 4,
 * the kernel's nf_nat_icmp_reply_translation()). Pure functions: no
 * allocation, no system call; nothing is read or written past LEN.
 *
 * Conventions shared by both functions:
 * - BUF (LEN bytes, starting at the IP header) is the writable copy of the
 *   packet P was parsed from by pkt_parse(): the same bytes, so P's offsets
 *   apply to BUF. P may point at BUF or at the original; only BUF is read
 *   and written. LEN must be at least P->len. P is not updated: after a
 *   rewrite its addresses and ports are stale (parse again if needed).
 * - A truncated copy (P->len < P->ip_len: NFQA_CAP_LEN cut it, or a BIG TCP
 *   packet) is refused with -ENODATA and BUF is left as it was: a verdict
 *   cannot hand back part of a packet.
 * - The checksums touched: the IPv4 header checksum; TCP and UDP (pseudo-
 *   header and port); ICMPv6 (pseudo-header and identifier); ICMPv4
 *   (identifier); UDP-Lite and DCCP (pseudo-header only: their ports are
 *   not tracked, so PORT is ignored for them). A UDP checksum of 0 stays 0
 *   (over IPv4: "none"; over IPv6: invalid, and left so); one that becomes 0
 *   is written 0xffff (RFC 768). Other protocols (SCTP, ESP, GRE...) get
 *   the address change only and PORT is ignored.
 * - Checksums are updated, never recomputed: a wrong checksum stays wrong,
 *   so a rewrite never makes a corrupt or forged packet look valid.
 * - NAT_REWRITE_CSUM_PARTIAL: the packet came with NFQA_SKB_CSUMNOTREADY
 *   (CHECKSUM_PARTIAL; GSO packets are such). Its TCP/UDP/ICMPv6 checksum
 *   field then holds the folded, uncomplemented sum of the pseudo-header
 *   only, which the kernel or the NIC completes over the segment later.
 *   Only the address part of that sum is updated (the length never
 *   changes); port, identifier and quoted-packet changes do not touch the
 *   field (the completion sums them), nor does anything touch an ICMPv4
 *   checksum. A UDP field is then updated even when it is 0, as Linux does.
 * - Later fragments (no transport header) get the address change only.
 *   They carry no checksum of their own: the transport checksum, in the
 *   first fragment, stays right only if that fragment gets the same
 *   rewrite (incremental updates need none of the data), which is the
 *   caller's business (it cannot match a later fragment to a connection by
 *   itself: no ports).
 * - A destination rewrite of a source-routed packet (PKT_EXT_SOURCE_ROUTE:
 *   the pseudo-header holds the final destination, not the header's) is
 *   refused with -EOPNOTSUPP.
 *
 * Returns 0 or a negative errno: -EINVAL for arguments that do not fit the
 * packet (see each function), -ENODATA, -EOPNOTSUPP, -EBADMSG (a quoted
 * packet too short to rewrite). On error BUF is unchanged. */
#ifndef NFQFW_NAT_REWRITE_H
#define NFQFW_NAT_REWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "nfqfw/ct.h"
#include "nfqfw/pkt.h"

enum nat_manip {
	NAT_MANIP_SRC,
	NAT_MANIP_DST,
};

/* Flags of nat_rewrite() and nat_rewrite_icmp_error(). */
enum {
	NAT_REWRITE_CSUM_PARTIAL = 1u << 0,
};

/* Sets the source (NAT_MANIP_SRC) or destination (NAT_MANIP_DST) address of
 * the packet to ADDR (4 or 16 bytes by P->family; an IPv4 address in
 * ADDR->v4 / ADDR->b[0..3]) and:
 * - TCP, UDP: the source or destination port to PORT (host order);
 * - ICMP queries and their replies (echo, timestamp, information, address
 *   mask) and ICMPv6 echo request/reply: the identifier to PORT, for either
 *   manip. Identifiers are mapped like ports; struct ct_tuple keeps the
 *   identifier in sport in both directions (dport is type << 8 | code), so
 *   pass the target tuple's sport: nat_tuple_port() does it.
 * - any other protocol: PORT is ignored.
 * -EINVAL: M, P->family or LEN do not fit, or P is an ICMP/ICMPv6 error
 * (use nat_rewrite_icmp_error()). */
int nat_rewrite(uint8_t *buf, size_t len, const struct pkt *p,
		enum nat_manip m, const union pkt_addr *addr, uint16_t port,
		unsigned int flags);

/* Translates an ICMP or ICMPv6 error about a NAT'd flow (P->icmp.is_error):
 * 1. the quoted packet gets INNER_M with INNER_ADDR and INNER_PORT (the same
 *    meaning as nat_rewrite()'s M, ADDR, PORT), its IPv4 header checksum
 *    updated and its transport checksum too when the quote holds the
 *    checksum field (quotes are often cut: only the first 8 bytes of the
 *    transport header are promised, RFC 792). A quoted TCP or UDP header
 *    must hold both ports, a quoted ICMP header all its 8 bytes, else
 *    -EBADMSG (conntrack would not have found the flow). The quoted packet
 *    always had a full checksum: NAT_REWRITE_CSUM_PARTIAL is about the
 *    outer one only;
 * 2. the outer header gets OUTER_M with OUTER_ADDR;
 * 3. the error's ICMP/ICMPv6 checksum is updated for both (ICMPv6: with its
 *    pseudo-header).
 * -EINVAL also when P is not an ICMP/ICMPv6 error, the quoted packet is of
 * another family or is itself an ICMP error (conntrack makes those
 * INVALID). -EBADMSG: the quoted IP header is malformed or cut.
 *
 * Which manips: as the kernel does, the error travels in direction DIR of
 * the connection (the direction of the inverse of the quoted tuple) and is
 * translated at a hook whose manip is M (NAT_MANIP_DST before routing,
 * NAT_MANIP_SRC after it). Let T be the target a packet of direction DIR
 * would be rewritten to at that hook: the inverse of the connection's
 * tuple of the other direction (ct_tuple_invert(&T, &ct->tuple[!DIR])).
 * Everything comes from T with the outer manip M; only inner_m is flipped,
 * because the quoted packet went the other way:
 *   outer_m = M,  outer_addr = nat_tuple_addr(&T, M),
 *   inner_m = !M, inner_addr = nat_tuple_addr(&T, M),
 *   inner_port = nat_tuple_port(&T, M).
 * (For TCP/UDP with M = DST that is T.dport, the port the quoted packet had
 * as its source; for ICMP queries it is the identifier, T.sport, never the
 * type/code in T.dport.)
 * Example: client C:c behind SNAT to G:g talks to server S:s; a router R
 * on the way sends G an error quoting G:g -> S:s. Before routing (M = DST),
 * T = S:s -> C:c: the outer destination G becomes C (outer DST -> T.dst),
 * and the quote's source G:g becomes C:c (inner SRC -> T.dst, T.dport). */
int nat_rewrite_icmp_error(uint8_t *buf, size_t len, const struct pkt *p,
			   enum nat_manip outer_m,
			   const union pkt_addr *outer_addr,
			   enum nat_manip inner_m,
			   const union pkt_addr *inner_addr,
			   uint16_t inner_port, unsigned int flags);

/* The PORT argument for tuple T and manip M: T's sport or dport, but the
 * identifier (sport) for ICMP and ICMPv6, whatever M. */
static inline uint16_t nat_tuple_port(const struct ct_tuple *t,
				      enum nat_manip m)
{
	if (t->l4proto == IPPROTO_ICMP || t->l4proto == IPPROTO_ICMPV6)
		return t->sport;
	return m == NAT_MANIP_SRC ? t->sport : t->dport;
}

/* The address of T that manip M sets. */
static inline const union pkt_addr *nat_tuple_addr(const struct ct_tuple *t,
						   enum nat_manip m)
{
	return m == NAT_MANIP_SRC ? &t->src : &t->dst;
}

/* nat_rewrite_icmp_error() with the manips and values the recipe above
 * takes from target T at a hook of manip M. */
static inline int nat_rewrite_icmp_error_target(uint8_t *buf, size_t len,
						const struct pkt *p,
						enum nat_manip m,
						const struct ct_tuple *t,
						unsigned int flags)
{
	enum nat_manip inner = m == NAT_MANIP_SRC ? NAT_MANIP_DST : NAT_MANIP_SRC;

	return nat_rewrite_icmp_error(buf, len, p, m, nat_tuple_addr(t, m),
				      inner, nat_tuple_addr(t, m),
				      nat_tuple_port(t, m), flags);
}

#endif
