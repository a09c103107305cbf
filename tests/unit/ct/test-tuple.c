/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of tuples: what every tracker takes from a packet, in both
 * families, the inverse of each (and back), which protocols get which
 * tracker, what is not trackable; tuple comparison; the settings'
 * defaults and the names of verdicts. */
#include <netinet/in.h>
#include <string.h>

#include "ct-test.h"
#include "unit.h"

static const int families[] = { 4, 6 };

/* Checks the addresses, protocol and zero padding of T against K. */
static void check_tuple_base(const struct ct_tuple *t, const struct ctt_pkt *k)
{
	struct ct_tuple zero;

	CU_ASSERT_EQUAL(t->family, k->p.family);
	CU_ASSERT_EQUAL(t->l4proto, k->p.l4proto);
	CU_ASSERT(memcmp(&t->src, &k->p.saddr, sizeof(t->src)) == 0);
	CU_ASSERT(memcmp(&t->dst, &k->p.daddr, sizeof(t->dst)) == 0);
	memset(&zero, 0, sizeof(zero));
	CU_ASSERT(memcmp(t->pad, zero.pad, sizeof(t->pad)) == 0);
	if (t->family == 4) {
		CU_ASSERT(memcmp(t->src.b + 4, zero.src.b, 12) == 0);
		CU_ASSERT(memcmp(t->dst.b + 4, zero.dst.b, 12) == 0);
	}
}

/* The inverse of K's tuple is the tuple of ANSWER; inverting it again
 * gives K's tuple back. */
static void check_inverse(const struct ctt_pkt *k, const struct ctt_pkt *answer)
{
	struct ct_tuple t, inv, back, want;
	const struct ct_l4proto *l4 = ct_l4proto_find(k->p.family, k->p.l4proto);

	CU_ASSERT_FATAL(ct_tuple_from_pkt(&k->p, l4, &t));
	CU_ASSERT_FATAL(ct_tuple_from_pkt(&answer->p, l4, &want));
	check_tuple_base(&t, k);
	CU_ASSERT_FATAL(ct_tuple_invert(&inv, &t));
	CU_ASSERT(ct_tuple_equal(&inv, &want));
	CU_ASSERT(!ct_tuple_equal(&inv, &t));
	CU_ASSERT_FATAL(ct_tuple_invert(&back, &inv));
	CU_ASSERT(ct_tuple_equal(&back, &t));
}

static void test_tcp_udp(void)
{
	for (size_t i = 0; i < 2; i++) {
		int f = families[i];
		struct ctt_pkt k, a;
		struct ct_tuple t;

		ctt_tcp(&k, f, CTT_A, CTT_B, 40000, 443, CTT_SYN);
		ctt_tcp(&a, f, CTT_B, CTT_A, 443, 40000, CTT_SYN | CTT_ACK);
		check_inverse(&k, &a);
		CU_ASSERT(ct_tuple_from_pkt(&k.p, &ct_l4proto_tcp, &t));
		CU_ASSERT_EQUAL(t.sport, 40000);
		CU_ASSERT_EQUAL(t.dport, 443);

		ctt_udp(&k, f, CTT_A, CTT_B, 5353, 53);
		ctt_udp(&a, f, CTT_B, CTT_A, 53, 5353);
		check_inverse(&k, &a);
		CU_ASSERT(ct_tuple_from_pkt(&k.p, &ct_l4proto_udp, &t));
		CU_ASSERT_EQUAL(t.sport, 5353);
		CU_ASSERT_EQUAL(t.dport, 53);
		CU_ASSERT_EQUAL(t.l4proto, IPPROTO_UDP);
	}
}

static void test_icmp_queries(void)
{
	/* Every query type with its reply type, ICMPv4 (RFC 792, 950). */
	static const uint8_t pairs4[][2] = { { 8, 0 }, { 13, 14 }, { 15, 16 }, { 17, 18 } };
	static const uint8_t pairs6[][2] = { { 128, 129 }, { 139, 140 } };
	struct ctt_pkt k, a;
	struct ct_tuple t;

	for (size_t i = 0; i < sizeof(pairs4) / sizeof(pairs4[0]); i++) {
		ctt_icmp(&k, 4, CTT_A, CTT_B, pairs4[i][0], 0, 0x1234);
		ctt_icmp(&a, 4, CTT_B, CTT_A, pairs4[i][1], 0, 0x1234);
		check_inverse(&k, &a);
		check_inverse(&a, &k);
		CU_ASSERT(ct_tuple_from_pkt(&k.p, &ct_l4proto_icmp, &t));
		CU_ASSERT_EQUAL(t.sport, 0x1234);
		CU_ASSERT_EQUAL(t.dport, pairs4[i][0] << 8);
	}
	for (size_t i = 0; i < sizeof(pairs6) / sizeof(pairs6[0]); i++) {
		ctt_icmp(&k, 6, CTT_A, CTT_B, pairs6[i][0], 0, 0xbeef);
		ctt_icmp(&a, 6, CTT_B, CTT_A, pairs6[i][1], 0, 0xbeef);
		check_inverse(&k, &a);
		check_inverse(&a, &k);
		CU_ASSERT(ct_tuple_from_pkt(&k.p, &ct_l4proto_icmpv6, &t));
		CU_ASSERT_EQUAL(t.sport, 0xbeef);
		CU_ASSERT_EQUAL(t.dport, pairs6[i][0] << 8);
	}
	/* The code is kept in both directions. */
	ctt_icmp(&k, 4, CTT_A, CTT_B, 8, 5, 1);
	ctt_icmp(&a, 4, CTT_B, CTT_A, 0, 5, 1);
	check_inverse(&k, &a);
}

/* Types that are neither query nor reply have no inverse. */
static void test_icmp_no_inverse(void)
{
	static const uint8_t types4[] = { 3, 4, 5, 9, 10, 11, 12, 1, 7 };
	static const uint8_t types6[] = { 1, 2, 3, 4, 130, 133, 135, 137, 141, 200 };
	struct ct_tuple t, inv;
	struct ctt_pkt k;

	for (size_t i = 0; i < sizeof(types4); i++) {
		ctt_icmp(&k, 4, CTT_A, CTT_B, types4[i], 0, 1);
		CU_ASSERT_FATAL(ct_tuple_from_pkt(&k.p, &ct_l4proto_icmp, &t));
		CU_ASSERT(!ct_tuple_invert(&inv, &t));
	}
	for (size_t i = 0; i < sizeof(types6); i++) {
		ctt_icmp(&k, 6, CTT_A, CTT_B, types6[i], 0, 1);
		CU_ASSERT_FATAL(ct_tuple_from_pkt(&k.p, &ct_l4proto_icmpv6, &t));
		CU_ASSERT(!ct_tuple_invert(&inv, &t));
	}
}

/* The identifier is taken from the header whatever the type, as the
 * kernel does (the parser only reports it for queries). */
static void test_icmp_id_raw(void)
{
	struct ct_tuple t;
	struct ctt_pkt k;

	ctt_icmp(&k, 6, CTT_A, CTT_B, 139, 0, 0x0303);
	CU_ASSERT_EQUAL(k.p.icmp.id, 0);        /* what the parser reports */
	CU_ASSERT_FATAL(ct_tuple_from_pkt(&k.p, &ct_l4proto_icmpv6, &t));
	CU_ASSERT_EQUAL(t.sport, 0x0303);
}

static void test_generic(void)
{
	for (size_t i = 0; i < 2; i++) {
		int f = families[i];
		struct ctt_pkt k, a;
		struct ct_tuple t;

		ctt_proto(&k, f, CTT_A, CTT_C, 47);     /* GRE */
		ctt_proto(&a, f, CTT_C, CTT_A, 47);
		CU_ASSERT_PTR_EQUAL(ct_l4proto_find((uint8_t)f, 47), &ct_l4proto_generic);
		check_inverse(&k, &a);
		CU_ASSERT(ct_tuple_from_pkt(&k.p, &ct_l4proto_generic, &t));
		CU_ASSERT_EQUAL(t.sport, 0);
		CU_ASSERT_EQUAL(t.dport, 0);
		CU_ASSERT_EQUAL(t.l4proto, 47);
	}
}

static void test_registry(void)
{
	CU_ASSERT_PTR_EQUAL(ct_l4proto_find(4, IPPROTO_TCP), &ct_l4proto_tcp);
	CU_ASSERT_PTR_EQUAL(ct_l4proto_find(6, IPPROTO_TCP), &ct_l4proto_tcp);
	CU_ASSERT_PTR_EQUAL(ct_l4proto_find(4, IPPROTO_UDP), &ct_l4proto_udp);
	CU_ASSERT_PTR_EQUAL(ct_l4proto_find(6, IPPROTO_UDP), &ct_l4proto_udp);
	CU_ASSERT_PTR_EQUAL(ct_l4proto_find(4, IPPROTO_ICMP), &ct_l4proto_icmp);
	CU_ASSERT_PTR_EQUAL(ct_l4proto_find(6, IPPROTO_ICMPV6), &ct_l4proto_icmpv6);
	/* ICMP over IPv6 and ICMPv6 over IPv4 belong to nobody. */
	CU_ASSERT_PTR_EQUAL(ct_l4proto_find(6, IPPROTO_ICMP), &ct_l4proto_generic);
	CU_ASSERT_PTR_EQUAL(ct_l4proto_find(4, IPPROTO_ICMPV6), &ct_l4proto_generic);
	CU_ASSERT_PTR_EQUAL(ct_l4proto_find(4, IPPROTO_SCTP), &ct_l4proto_generic);
	CU_ASSERT_PTR_EQUAL(ct_l4proto_find(6, 255), &ct_l4proto_generic);
	CU_ASSERT_PTR_EQUAL(ct_l4proto_find(0, IPPROTO_TCP), &ct_l4proto_generic);
	CU_ASSERT_STRING_EQUAL(ct_l4proto_generic.name, "unknown");
	CU_ASSERT_STRING_EQUAL(ct_l4proto_udp.name, "udp");
	CU_ASSERT_STRING_EQUAL(ct_l4proto_icmp.name, "icmp");
	CU_ASSERT_STRING_EQUAL(ct_l4proto_icmpv6.name, "icmpv6");
	CU_ASSERT_EQUAL(ct_l4proto_udp.l4proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(ct_l4proto_icmp.l4proto, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(ct_l4proto_icmpv6.l4proto, IPPROTO_ICMPV6);
	CU_ASSERT_EQUAL(ct_l4proto_generic.l4proto, 0);
}

/* A later fragment has no transport header: no tuple for the trackers
 * that need ports or ICMP fields; the generic one needs none. */
static void test_later_fragment(void)
{
	for (size_t i = 0; i < 2; i++) {
		int f = families[i];
		struct ctt_pkt k;
		struct ct_tuple t;

		ctt_udp(&k, f, CTT_A, CTT_B, 1000, 2000);
		ctt_fragment(&k, 64, false);
		CU_ASSERT(!k.p.has_l4);
		CU_ASSERT(!ct_tuple_from_pkt(&k.p, &ct_l4proto_udp, &t));
		ctt_tcp(&k, f, CTT_A, CTT_B, 1000, 2000, CTT_ACK);
		ctt_fragment(&k, 64, false);
		CU_ASSERT(!ct_tuple_from_pkt(&k.p, &ct_l4proto_tcp, &t));
		ctt_icmp(&k, f, CTT_A, CTT_B, f == 4 ? 8 : 128, 0, 1);
		ctt_fragment(&k, 64, false);
		CU_ASSERT(!ct_tuple_from_pkt(&k.p, ct_l4proto_find((uint8_t)f, k.p.l4proto), &t));
		ctt_proto(&k, f, CTT_A, CTT_B, 50);
		ctt_fragment(&k, 64, false);
		CU_ASSERT(ct_tuple_from_pkt(&k.p, &ct_l4proto_generic, &t));
	}
}

/* Every byte of a tuple counts, and nothing else. */
static void test_equal(void)
{
	struct ctt_pkt k;
	struct ct_tuple a, b;

	ctt_udp(&k, 6, CTT_A, CTT_B, 1, 2);
	CU_ASSERT_FATAL(ct_tuple_from_pkt(&k.p, &ct_l4proto_udp, &a));
	b = a;
	CU_ASSERT(ct_tuple_equal(&a, &b));
	for (size_t i = 0; i < sizeof(a); i++) {
		b = a;
		((uint8_t *)&b)[i] ^= 0x40;
		CU_ASSERT(!ct_tuple_equal(&a, &b));
	}
	/* Same ports, other family or protocol. */
	b = a;
	b.family = 4;
	CU_ASSERT(!ct_tuple_equal(&a, &b));
	b = a;
	b.l4proto = IPPROTO_TCP;
	CU_ASSERT(!ct_tuple_equal(&a, &b));
}

static void test_defaults(void)
{
	struct ct_settings s;

	memset(&s, 0xff, sizeof(s));
	ct_settings_defaults(&s);
	CU_ASSERT_EQUAL(s.max_entries, 262144);
	CU_ASSERT_EQUAL(s.tcp_timeout[CT_TCP_SYN_SENT], 120);
	CU_ASSERT_EQUAL(s.tcp_timeout[CT_TCP_SYN_RECV], 60);
	CU_ASSERT_EQUAL(s.tcp_timeout[CT_TCP_ESTABLISHED], 432000);
	CU_ASSERT_EQUAL(s.tcp_timeout[CT_TCP_FIN_WAIT], 120);
	CU_ASSERT_EQUAL(s.tcp_timeout[CT_TCP_CLOSE_WAIT], 60);
	CU_ASSERT_EQUAL(s.tcp_timeout[CT_TCP_LAST_ACK], 30);
	CU_ASSERT_EQUAL(s.tcp_timeout[CT_TCP_TIME_WAIT], 120);
	CU_ASSERT_EQUAL(s.tcp_timeout[CT_TCP_CLOSE], 10);
	CU_ASSERT_EQUAL(s.tcp_timeout[CT_TCP_SYN_SENT2], 120);
	CU_ASSERT_EQUAL(s.tcp_timeout_max_retrans, 300);
	CU_ASSERT_EQUAL(s.tcp_timeout_unacknowledged, 300);
	CU_ASSERT_EQUAL(s.udp_timeout, 30);
	CU_ASSERT_EQUAL(s.udp_timeout_stream, 120);
	CU_ASSERT_EQUAL(s.icmp_timeout, 30);
	CU_ASSERT_EQUAL(s.generic_timeout, 600);
	CU_ASSERT_EQUAL(s.unconfirmed_timeout, 30);
	CU_ASSERT_EQUAL(s.tcp_max_retrans, 3);
	CU_ASSERT(s.tcp_loose);
	CU_ASSERT(!s.tcp_be_liberal);
}

static void test_info_names(void)
{
	CU_ASSERT_STRING_EQUAL(ct_info_name(CT_INFO_NEW), "NEW");
	CU_ASSERT_STRING_EQUAL(ct_info_name(CT_INFO_ESTABLISHED), "ESTABLISHED");
	CU_ASSERT_STRING_EQUAL(ct_info_name(CT_INFO_RELATED), "RELATED");
	CU_ASSERT_STRING_EQUAL(ct_info_name(CT_INFO_INVALID), "INVALID");
	CU_ASSERT_STRING_EQUAL(ct_info_name(CT_INFO_UNTRACKED), "UNTRACKED");
	CU_ASSERT_STRING_EQUAL(ct_info_name(CT_INFO_COUNT), "UNKNOWN");
	CU_ASSERT_STRING_EQUAL(ct_info_name((enum ct_info)-1), "UNKNOWN");
}

static const struct unit_test tuple_tests[] = {
	{ "TCP and UDP, both families", test_tcp_udp },
	{ "ICMP and ICMPv6 queries and replies", test_icmp_queries },
	{ "ICMP types without an inverse", test_icmp_no_inverse },
	{ "ICMP identifier read whatever the type", test_icmp_id_raw },
	{ "generic protocols have no ports", test_generic },
	{ "later fragments", test_later_fragment },
	{ "comparison covers every byte", test_equal },
	{ NULL, NULL }
};

static const struct unit_test misc_tests[] = {
	{ "tracker registry", test_registry },
	{ "settings defaults", test_defaults },
	{ "verdict names", test_info_names },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "ct tuples", tuple_tests },
	{ "ct registry and settings", misc_tests },
	{ NULL, NULL }
};

UNIT_MAIN(suites)
