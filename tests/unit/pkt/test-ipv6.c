/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of pkt_parse() on IPv6 extension header chains: several
 * headers, AH and its own length unit, fragment headers (first, later,
 * atomic), routing headers, and the limit on the chain's length. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/csum.h"
#include "nfqfw/pkt.h"
#include "pktbuild.h"
#include "unit.h"

/* Hop-by-hop (router alert), destination options, routing (type 2, no
 * segments left), destination options again, then TCP. */
static void test_chain_of_four(void)
{
	static const uint8_t hbh[6] = { 5, 2, 0, 0, 1, 0 };  /* RA, PadN */
	static const uint8_t rh[22] = { 2, 0 };          /* type 2, left 0 */
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_HOPOPTS);
	pb_ext(&b, IPPROTO_DSTOPTS, hbh, sizeof(hbh));
	pb_dstopts(&b, IPPROTO_ROUTING, 16);
	pb_ext(&b, IPPROTO_DSTOPTS, rh, sizeof(rh));
	pb_dstopts(&b, IPPROTO_TCP, 8);
	pb_tcp(&b, 1, 2, 3, 4, 0x10, 5, NULL, 0);
	pb_pattern(&b, 10, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.l4proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(p.l3_hdrlen, 40 + 8 + 16 + 24 + 8);
	CU_ASSERT_EQUAL(p.l4_off, 96);
	CU_ASSERT_EQUAL(p.payload_off, 116);
	CU_ASSERT_EQUAL(p.payload_len, 10);
	CU_ASSERT_TRUE(p.has_l4);
	CU_ASSERT_EQUAL(p.sport, 1);
	CU_ASSERT_EQUAL(p.ip_ext, PKT_EXT_HOPOPTS | PKT_EXT_DSTOPTS |
				  PKT_EXT_ROUTING);
	CU_ASSERT_FALSE(p.is_fragment);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
}

/* AH counts 4-byte words minus 2: a 24-byte AH has length 4, which read
 * as 8-byte units would be 40 bytes and land in the middle of TCP. */
static void test_ah(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_AH);
	pb_ah(&b, IPPROTO_TCP, 12);
	pb_tcp(&b, 179, 40000, 3, 4, 0x10, 5, NULL, 0);
	pb_pattern(&b, 30, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL(b.buf[41], 4);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.l4_off, 64);
	CU_ASSERT_EQUAL(p.l4proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(p.sport, 179);
	CU_ASSERT_EQUAL(p.dport, 40000);
	CU_ASSERT_EQUAL(p.payload_len, 30);
	CU_ASSERT_EQUAL(p.ip_ext, PKT_EXT_AH);

	/* The smallest AH, 12 bytes (length 1), is not a multiple of 8. */
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_DSTOPTS);
	pb_dstopts(&b, IPPROTO_AH, 8);
	pb_ah(&b, IPPROTO_UDP, 0);
	pb_udp(&b, 7, 8);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.l4_off, 60);
	CU_ASSERT_EQUAL(p.dport, 8);
}

/* AH then ESP: the walk stops at ESP, whose contents are encrypted. */
static void test_ah_then_esp(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_AH);
	pb_ah(&b, IPPROTO_ESP, 12);
	pb_pattern(&b, 40, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.l4proto, IPPROTO_ESP);
	CU_ASSERT_FALSE(p.has_l4);
	CU_ASSERT_EQUAL(p.l4_off, 64);
	CU_ASSERT_EQUAL(p.payload_len, 40);
}

static void test_first_fragment(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_HOPOPTS);
	pb_dstopts(&b, IPPROTO_FRAGMENT, 8);   /* same layout as hop-by-hop */
	pb_frag6(&b, IPPROTO_DSTOPTS, 0, true, 0xdeadbeef);
	pb_dstopts(&b, IPPROTO_UDP, 8);
	pb_udp(&b, 500, 4500);
	pb_pattern(&b, 1200, 0);
	b.udp_len = 3000;
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_TRUE(p.is_fragment);
	CU_ASSERT_TRUE(p.more_fragments);
	CU_ASSERT_EQUAL(p.frag_offset, 0);
	CU_ASSERT_EQUAL(p.frag_id, 0xdeadbeef);
	CU_ASSERT_EQUAL(p.ip_ext, PKT_EXT_HOPOPTS | PKT_EXT_FRAGMENT |
				  PKT_EXT_DSTOPTS);
	CU_ASSERT_TRUE(p.has_l4);
	CU_ASSERT_EQUAL(p.l4proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(p.l4_off, 64);
	CU_ASSERT_EQUAL(p.sport, 500);
	CU_ASSERT_EQUAL(p.dport, 4500);
	CU_ASSERT_EQUAL(p.payload_len, 1200);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -ENODATA);
}

/* A later fragment: the walk stops after the fragment header, whose next
 * header names the first header of the fragmentable part. */
static void test_later_fragment(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_DSTOPTS);
	pb_dstopts(&b, IPPROTO_FRAGMENT, 8);
	pb_frag6(&b, IPPROTO_DSTOPTS, 1448, true, 77);
	pb_pattern(&b, 1024, 0);       /* would not parse as dstopts */
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_TRUE(p.is_fragment);
	CU_ASSERT_TRUE(p.more_fragments);
	CU_ASSERT_EQUAL(p.frag_offset, 1448);
	CU_ASSERT_EQUAL(p.frag_id, 77);
	CU_ASSERT_FALSE(p.has_l4);
	CU_ASSERT_EQUAL(p.l4proto, IPPROTO_DSTOPTS);
	CU_ASSERT_EQUAL(p.l3_hdrlen, 56);
	CU_ASSERT_EQUAL(p.l4_off, 56);
	CU_ASSERT_EQUAL(p.payload_off, 56);
	CU_ASSERT_EQUAL(p.payload_len, 1024);

	/* The last fragment: no M flag, any length. */
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_FRAGMENT);
	pb_frag6(&b, IPPROTO_TCP, 2896, false, 77);
	pb_pattern(&b, 3, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_TRUE(p.is_fragment);
	CU_ASSERT_FALSE(p.more_fragments);
	CU_ASSERT_EQUAL(p.l4proto, IPPROTO_TCP);
	CU_ASSERT_FALSE(p.has_l4);
	CU_ASSERT_EQUAL(p.payload_len, 3);
}

/* Offset 0 without M: a whole packet in a fragment header (RFC 6946). */
static void test_atomic_fragment(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_FRAGMENT);
	pb_frag6(&b, IPPROTO_UDP, 0, false, 5);
	pb_udp(&b, 53, 5353);
	pb_pattern(&b, 11, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_FALSE(p.is_fragment);
	CU_ASSERT_EQUAL(p.ip_ext, PKT_EXT_FRAGMENT);
	CU_ASSERT_EQUAL(p.frag_id, 5);
	CU_ASSERT_TRUE(p.has_l4);
	CU_ASSERT_EQUAL(p.payload_len, 11);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
}

/* The largest fragment end, with and without unfragmentable headers. */
static void test_fragment_limits(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_FRAGMENT);
	pb_frag6(&b, IPPROTO_UDP, 65528, false, 1);
	pb_pattern(&b, 7, 0);           /* ends at 65535 */
	pb_finish(&b);
	CU_ASSERT_EQUAL(pb_parse(&p, &b, b.len, 0), PKT_OK);

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_DSTOPTS);
	pb_dstopts(&b, IPPROTO_FRAGMENT, 8);
	pb_frag6(&b, IPPROTO_UDP, 65520, false, 1);
	pb_pattern(&b, 7, 0);           /* 8 + 65527 */
	pb_finish(&b);
	CU_ASSERT_EQUAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	pb_pattern(&b, 1, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL(pb_parse(&p, &b, b.len, 0), PKT_ERR_FRAG_OVERSIZE);
}

static void test_routing_segments_left(void)
{
	uint8_t rh[22] = { 0, 1 };      /* type 0, one segment left */
	struct pb b;
	struct pkt p;

	memcpy(rh + 6, pb_dst6, 16);
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_ROUTING);
	pb_ext(&b, IPPROTO_UDP, rh, sizeof(rh));
	pb_udp(&b, 1, 2);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.ip_ext, PKT_EXT_ROUTING | PKT_EXT_SOURCE_ROUTE);
	CU_ASSERT_EQUAL(p.l4_off, 64);
	/* The pseudo-header's destination is not the one in the header. */
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -EOPNOTSUPP);
}

/* Exactly the limit parses, one more is refused; both the first and the
 * last header count. */
static void test_chain_limit(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_HOPOPTS);
	pb_dstopts(&b, IPPROTO_DSTOPTS, 8);
	for (int i = 1; i < PKT_IPV6_MAX_EXTHDRS - 1; i++)
		pb_dstopts(&b, IPPROTO_DSTOPTS, 16);
	pb_dstopts(&b, IPPROTO_TCP, 8);
	pb_tcp(&b, 1, 2, 3, 4, 0x10, 5, NULL, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.l4_off, 40 + 8 + 6 * 16 + 8);
	CU_ASSERT_EQUAL(p.dport, 2);

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_HOPOPTS);
	pb_dstopts(&b, IPPROTO_DSTOPTS, 8);
	for (int i = 1; i < PKT_IPV6_MAX_EXTHDRS; i++)
		pb_dstopts(&b, IPPROTO_DSTOPTS, 8);
	pb_dstopts(&b, IPPROTO_TCP, 8);
	pb_tcp(&b, 1, 2, 3, 4, 0x10, 5, NULL, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL(pb_parse(&p, &b, b.len, 0), PKT_ERR_IPV6_EXTHDR_CHAIN);
	/* The same when the copy ends right after the ninth header. */
	CU_ASSERT_EQUAL(pb_parse(&p, &b, 40 + 9 * 8, PKT_PARSE_TRUNCATED_COPY),
			PKT_ERR_IPV6_EXTHDR_CHAIN);
}

/* The largest extension header (2048 bytes) full of options: Pad1, PadN
 * of 2 bytes, seven unknown options of 257 bytes (type 0x1e, skipped by
 * length), and a PadN filling the rest. */
static void test_big_exthdr_and_options(void)
{
	uint8_t body[2046] = { 0, 1, 0 };
	size_t i = 3, last;
	struct pb b;
	struct pkt p;

	for (int n = 0; n < 7; n++, i += 257) {
		body[i] = 0x1e;
		body[i + 1] = 255;
	}
	last = i;
	body[last] = 1;
	body[last + 1] = (uint8_t)(sizeof(body) - last - 2);
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_DSTOPTS);
	pb_ext(&b, IPPROTO_ICMPV6, body, sizeof(body));
	pb_icmp(&b, 128, 0, 1, 2);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.l4_off, 40 + 2048);
	CU_ASSERT_EQUAL(p.icmp.type, 128);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);

	/* One byte too many in the last option. */
	b.buf[40 + 2 + last + 1]++;
	CU_ASSERT_EQUAL(pb_parse(&p, &b, b.len, 0), PKT_ERR_IPV6_EXTHDR);
}

static const struct unit_test ipv6_tests[] = {
	{ "four extension headers then TCP", test_chain_of_four },
	{ "AH length in 4-byte words", test_ah },
	{ "AH then ESP", test_ah_then_esp },
	{ "first fragment", test_first_fragment },
	{ "later fragments", test_later_fragment },
	{ "atomic fragment", test_atomic_fragment },
	{ "fragment end limits", test_fragment_limits },
	{ "routing header with segments left", test_routing_segments_left },
	{ "chain length limit", test_chain_limit },
	{ "2048-byte header with options", test_big_exthdr_and_options },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "pkt_parse IPv6 extension headers", ipv6_tests },
	{ NULL, NULL }
};

UNIT_MAIN(suites)
