/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of pkt_parse() on every prefix of a few representative packets,
 * each in a heap block of exactly its length (so AddressSanitizer or
 * valgrind sees any read past it). Without PKT_PARSE_TRUNCATED_COPY every
 * proper prefix is refused for its IP length; with it, a prefix parses
 * exactly when it holds all headers, and then agrees with the whole. */
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/pkt.h"
#include "pktbuild.h"
#include "unit.h"

static void build_tcp4(struct pb *b)
{
	static const uint8_t o[20] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4,
				       0, 0, 0, 0, 1, 3, 3, 7 };

	pb_init(b);
	pb_ipv4(b, IPPROTO_TCP, NULL, 0);
	pb_tcp(b, 40000, 443, 1, 0, 0x02, 64240, o, sizeof(o));
	pb_pattern(b, 10, 0);
	pb_finish(b);
}

static void build_udp4_options(struct pb *b)
{
	static const uint8_t o[12] = { 1, 7, 7, 4, 0, 0, 0, 0, 148, 4, 0, 0 };

	pb_init(b);
	pb_ipv4(b, IPPROTO_UDP, o, sizeof(o));
	pb_udp(b, 53, 1053);
	pb_pattern(b, 20, 0);
	pb_finish(b);
}

static void build_icmp4_error(struct pb *b)
{
	struct pb inner;

	pb_init(&inner);
	pb_ipv4(&inner, IPPROTO_TCP, NULL, 0);
	pb_tcp(&inner, 1, 2, 3, 4, 0x10, 5, NULL, 0);
	pb_finish(&inner);
	pb_init(b);
	pb_ipv4(b, IPPROTO_ICMP, NULL, 0);
	pb_icmp(b, 11, 0, 0, 0);
	pb_bytes(b, inner.buf, 28);
	pb_finish(b);
}

static void build_later_fragment4(struct pb *b)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_TCP, NULL, 0);
	pb_ipv4_frag(b, 9, true, 8);
	pb_pattern(b, 16, 0);
	pb_finish(b);
}

static void build_tcp6_chain(struct pb *b)
{
	static const uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0 };

	pb_init(b);
	pb_ipv6(b, IPPROTO_HOPOPTS);
	pb_dstopts(b, IPPROTO_DSTOPTS, 8);
	pb_dstopts(b, IPPROTO_FRAGMENT, 16);
	pb_frag6(b, IPPROTO_AH, 0, true, 3);
	pb_ah(b, IPPROTO_TCP, 12);
	pb_tcp(b, 22, 50000, 7, 8, 0x18, 300, ts, sizeof(ts));
	pb_pattern(b, 24, 0);
	pb_finish(b);
}

static void build_icmp6_echo(struct pb *b)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_ICMPV6);
	pb_icmp(b, 128, 0, 1, 1);
	pb_pattern(b, 8, 0);
	pb_finish(b);
}

/* What a proper prefix of N bytes gives without the flag. */
static enum pkt_error want_strict(const struct pkt *whole, size_t n)
{
	if (n == 0)
		return PKT_ERR_EMPTY;
	if (whole->family == 4) {
		if (n < 20)
			return PKT_ERR_IPV4_TRUNCATED;
		return n < whole->l3_hdrlen ? PKT_ERR_IPV4_IHL : PKT_ERR_IPV4_TOTLEN;
	}
	return n < 40 ? PKT_ERR_IPV6_TRUNCATED : PKT_ERR_IPV6_PAYLOAD_LEN;
}

/* What a prefix cut inside the transport header gives with the flag. */
static enum pkt_error want_l4_cut(const struct pkt *whole)
{
	switch (whole->l4proto) {
	case IPPROTO_TCP:
		return PKT_ERR_TCP_TRUNCATED;
	case IPPROTO_UDP:
		return PKT_ERR_UDP_TRUNCATED;
	default:
		return PKT_ERR_ICMP_TRUNCATED;
	}
}

/* What a prefix cut inside the IP headers gives with the flag. */
static bool is_ip_cut(const struct pkt *whole, size_t n, enum pkt_error err)
{
	if (n == 0)
		return err == PKT_ERR_EMPTY;
	if (whole->family == 4)
		return err == (n < 20 ? PKT_ERR_IPV4_TRUNCATED : PKT_ERR_IPV4_IHL);
	return err == (n < 40 ? PKT_ERR_IPV6_TRUNCATED : PKT_ERR_IPV6_EXTHDR);
}

static void check_prefix_view(const struct pkt *whole, const struct pkt *p,
			      size_t n)
{
	CU_ASSERT_EQUAL(p->len, n);
	CU_ASSERT_EQUAL(p->ip_len, whole->ip_len);
	CU_ASSERT_EQUAL(p->l4proto, whole->l4proto);
	CU_ASSERT_EQUAL(p->has_l4, whole->has_l4);
	CU_ASSERT_EQUAL(p->l4_off, whole->l4_off);
	CU_ASSERT_EQUAL(p->payload_off, whole->payload_off);
	CU_ASSERT_EQUAL(p->payload_len, n - whole->payload_off);
	CU_ASSERT_EQUAL(p->sport, whole->sport);
	CU_ASSERT_EQUAL(p->dport, whole->dport);
	CU_ASSERT_EQUAL(p->ip_ext, whole->ip_ext);
	CU_ASSERT_EQUAL(p->frag_offset, whole->frag_offset);
	CU_ASSERT(memcmp(&p->tcp, &whole->tcp, sizeof(p->tcp)) == 0);
	CU_ASSERT(memcmp(&p->icmp, &whole->icmp, sizeof(p->icmp)) == 0);
}

static void check_every_prefix(void (*build)(struct pb *b))
{
	struct pb b;
	struct pkt whole, p;

	build(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&whole, &b, b.len, 0), PKT_OK);
	for (size_t n = 0; n < b.len; n++) {
		enum pkt_error err = pb_parse(&p, &b, n, 0);

		CU_ASSERT_EQUAL(err, want_strict(&whole, n));
		err = pb_parse(&p, &b, n, PKT_PARSE_TRUNCATED_COPY);
		if (n >= whole.payload_off) {
			CU_ASSERT_EQUAL(err, PKT_OK);
			if (err == PKT_OK)
				check_prefix_view(&whole, &p, n);
		} else if (n < whole.l4_off) {
			CU_ASSERT_TRUE(is_ip_cut(&whole, n, err));
		} else {
			CU_ASSERT_EQUAL(err, want_l4_cut(&whole));
		}
	}
}

static void test_tcp4(void) { check_every_prefix(build_tcp4); }
static void test_udp4_options(void) { check_every_prefix(build_udp4_options); }
static void test_icmp4_error(void) { check_every_prefix(build_icmp4_error); }
static void test_later_fragment4(void) { check_every_prefix(build_later_fragment4); }
static void test_tcp6_chain(void) { check_every_prefix(build_tcp6_chain); }
static void test_icmp6_echo(void) { check_every_prefix(build_icmp6_echo); }

/* The other way round: one byte more than the IP length is padding. */
static void test_trailer(void)
{
	struct pb b;
	struct pkt p;

	build_tcp6_chain(&b);
	pb_pattern(&b, 1, 0xee);
	CU_ASSERT_EQUAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.len, b.len - 1);
	CU_ASSERT_EQUAL(p.payload_len, 24);
}

static const struct unit_test truncate_tests[] = {
	{ "IPv4 TCP SYN with options", test_tcp4 },
	{ "IPv4 options and UDP", test_udp4_options },
	{ "IPv4 ICMP error", test_icmp4_error },
	{ "IPv4 later fragment", test_later_fragment4 },
	{ "IPv6 chain with fragment, AH, TCP", test_tcp6_chain },
	{ "IPv6 ICMPv6 echo", test_icmp6_echo },
	{ "trailing byte after a chain", test_trailer },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "pkt_parse on every prefix", truncate_tests },
	{ NULL, NULL }
};

UNIT_MAIN(suites)
