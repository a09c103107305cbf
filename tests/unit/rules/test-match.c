/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the rules engine's matches and address sets: each match
 * taken and refused, negated, and refused for a packet without the field. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "nfqfw/rules_internal.h"
#include "unit.h"

struct tp {
	struct pkt p;
	struct rules_packet rp;
};

static void tp_init(struct tp *t, const char *src, const char *dst, uint8_t proto,
		    uint16_t sport, uint16_t dport)
{
	int af = strchr(src, ':') ? AF_INET6 : AF_INET;

	memset(t, 0, sizeof(*t));
	t->p.family = af == AF_INET ? 4 : 6;
	CU_ASSERT_FATAL(inet_pton(af, src, t->p.saddr.b) == 1);
	CU_ASSERT_FATAL(inet_pton(af, dst, t->p.daddr.b) == 1);
	t->p.l4proto = proto;
	t->p.has_l4 = proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
		      proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		t->p.sport = sport;
		t->p.dport = dport;
	}
	t->rp.p = &t->p;
	t->rp.ct = CT_INFO_NEW;
	t->rp.dir = CT_DIR_ORIGINAL;
	t->rp.in = "lan0";
	t->rp.out = "wan0";
	t->rp.len = 100;
}

static bool matches(const struct rules_match *m, const struct tp *t)
{
	struct rules_rule r = { .m = *m, .action = RULES_ACT_ACCEPT };

	return rules_rule_matches(&r, &t->rp);
}

static void set_addr(struct rules_addr_match *a, const char *s, bool neg)
{
	CU_ASSERT_FATAL(rules_parse_addr(s, &a->family, &a->addr, &a->plen, true) == 0);
	a->neg = neg;
}

static void test_empty_matches_all(void)
{
	struct rules_match m = { 0 };
	struct tp t;

	tp_init(&t, "192.0.2.1", "198.51.100.1", IPPROTO_GRE, 0, 0);
	CU_ASSERT_TRUE(matches(&m, &t));
}

static void test_proto(void)
{
	struct rules_match m = { .has = RULES_M_PROTO, .proto = IPPROTO_TCP };
	struct tp t;

	tp_init(&t, "192.0.2.1", "198.51.100.1", IPPROTO_TCP, 1000, 80);
	CU_ASSERT_TRUE(matches(&m, &t));
	t.p.l4proto = IPPROTO_UDP;
	CU_ASSERT_FALSE(matches(&m, &t));
	m.proto_neg = true;
	CU_ASSERT_TRUE(matches(&m, &t));
	t.p.l4proto = IPPROTO_TCP;
	CU_ASSERT_FALSE(matches(&m, &t));
}

static void test_family(void)
{
	struct rules_match m = { .has = RULES_M_FAMILY, .family = 6 };
	struct tp t;

	tp_init(&t, "2001:db8::1", "2001:db8::2", IPPROTO_UDP, 1, 2);
	CU_ASSERT_TRUE(matches(&m, &t));
	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_UDP, 1, 2);
	CU_ASSERT_FALSE(matches(&m, &t));
}

static void test_addr_v4(void)
{
	struct rules_match m = { .has = RULES_M_SRC | RULES_M_DST };
	struct tp t;

	set_addr(&m.src, "192.0.2.0/24", false);
	set_addr(&m.dst, "198.51.100.7", false);
	tp_init(&t, "192.0.2.200", "198.51.100.7", IPPROTO_UDP, 1, 2);
	CU_ASSERT_TRUE(matches(&m, &t));
	tp_init(&t, "192.0.3.1", "198.51.100.7", IPPROTO_UDP, 1, 2);
	CU_ASSERT_FALSE(matches(&m, &t));
	tp_init(&t, "192.0.2.1", "198.51.100.8", IPPROTO_UDP, 1, 2);
	CU_ASSERT_FALSE(matches(&m, &t));
	/* /0 matches every IPv4 packet and no IPv6 one. */
	m.has = RULES_M_SRC;
	set_addr(&m.src, "0.0.0.0/0", false);
	CU_ASSERT_TRUE(matches(&m, &t));
	tp_init(&t, "2001:db8::1", "2001:db8::2", IPPROTO_UDP, 1, 2);
	CU_ASSERT_FALSE(matches(&m, &t));
}

static void test_addr_v6_and_neg(void)
{
	struct rules_match m = { .has = RULES_M_DST };
	struct tp t;

	set_addr(&m.dst, "2001:db8:1::/48", true);
	tp_init(&t, "2001:db8::1", "2001:db8:1:ffff::9", IPPROTO_TCP, 1, 2);
	CU_ASSERT_FALSE(matches(&m, &t));
	tp_init(&t, "2001:db8::1", "2001:db8:2::9", IPPROTO_TCP, 1, 2);
	CU_ASSERT_TRUE(matches(&m, &t));
	/* A negated IPv6 match says nothing about IPv4 packets. */
	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_TCP, 1, 2);
	CU_ASSERT_FALSE(matches(&m, &t));
}

static void test_parse_addr(void)
{
	union pkt_addr a;
	uint8_t fam, plen;

	CU_ASSERT_EQUAL(rules_parse_addr("198.51.100.0/24", &fam, &a, &plen, true), 0);
	CU_ASSERT_EQUAL(fam, 4);
	CU_ASSERT_EQUAL(plen, 24);
	CU_ASSERT_EQUAL(a.b[2], 100);
	CU_ASSERT_EQUAL(rules_parse_addr("2001:db8::/32", &fam, &a, &plen, true), 0);
	CU_ASSERT_EQUAL(fam, 6);
	CU_ASSERT_EQUAL(plen, 32);
	CU_ASSERT_EQUAL(rules_parse_addr("192.0.2.1", &fam, &a, &plen, true), 0);
	CU_ASSERT_EQUAL(plen, 32);
	/* Host bits past the prefix: refused when strict, masked when not. */
	CU_ASSERT_EQUAL(rules_parse_addr("192.0.2.1/24", &fam, &a, &plen, true), -EINVAL);
	CU_ASSERT_EQUAL(rules_parse_addr("192.0.2.1/24", &fam, &a, &plen, false), 0);
	CU_ASSERT_EQUAL(a.b[3], 0);
	CU_ASSERT_EQUAL(rules_parse_addr("192.0.2.0/33", &fam, &a, &plen, false), -EINVAL);
	CU_ASSERT_EQUAL(rules_parse_addr("2001:db8::/129", &fam, &a, &plen, false), -EINVAL);
	CU_ASSERT_EQUAL(rules_parse_addr("192.0.2.0/", &fam, &a, &plen, false), -EINVAL);
	CU_ASSERT_EQUAL(rules_parse_addr("192.0.2.0/-1", &fam, &a, &plen, false), -EINVAL);
	CU_ASSERT_EQUAL(rules_parse_addr("192.0.2.0/2x", &fam, &a, &plen, false), -EINVAL);
	CU_ASSERT_EQUAL(rules_parse_addr("192.0.2", &fam, &a, &plen, false), -EINVAL);
	CU_ASSERT_EQUAL(rules_parse_addr("", &fam, &a, &plen, false), -EINVAL);
	CU_ASSERT_EQUAL(rules_parse_addr("/24", &fam, &a, &plen, false), -EINVAL);
	CU_ASSERT_EQUAL(rules_parse_addr("lan0", &fam, &a, &plen, false), -EINVAL);
}

static void test_ports(void)
{
	struct rules_match m = { .has = RULES_M_DPORT };
	struct tp t;

	m.dport.n = 2;
	m.dport.r[0] = (struct rules_port_range){ 80, 80 };
	m.dport.r[1] = (struct rules_port_range){ 8000, 8080 };
	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_TCP, 40000, 80);
	CU_ASSERT_TRUE(matches(&m, &t));
	t.p.dport = 8080;
	CU_ASSERT_TRUE(matches(&m, &t));
	t.p.dport = 8081;
	CU_ASSERT_FALSE(matches(&m, &t));
	t.p.dport = 7999;
	CU_ASSERT_FALSE(matches(&m, &t));
	m.dport.neg = true;
	CU_ASSERT_TRUE(matches(&m, &t));
	/* No ports at all: neither the match nor its negation holds. */
	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_ICMP, 0, 0);
	CU_ASSERT_FALSE(matches(&m, &t));
	m.dport.neg = false;
	CU_ASSERT_FALSE(matches(&m, &t));
	/* A later fragment has no transport header. */
	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_UDP, 1, 80);
	t.p.has_l4 = false;
	CU_ASSERT_FALSE(matches(&m, &t));
	/* Source port. */
	m = (struct rules_match){ .has = RULES_M_SPORT };
	m.sport.n = 1;
	m.sport.r[0] = (struct rules_port_range){ 1024, 65535 };
	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_UDP, 1023, 53);
	CU_ASSERT_FALSE(matches(&m, &t));
	t.p.sport = 65535;
	CU_ASSERT_TRUE(matches(&m, &t));
}

static void test_iface(void)
{
	struct rules_match m = { .has = RULES_M_IN | RULES_M_OUT };
	struct tp t;

	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_TCP, 1, 2);
	strcpy(m.in.name, "lan0");
	strcpy(m.out.name, "wan");
	m.out.wildcard = true;
	CU_ASSERT_TRUE(matches(&m, &t));
	t.rp.in = "lan01";
	CU_ASSERT_FALSE(matches(&m, &t));
	t.rp.in = "lan0";
	t.rp.out = "wa";
	CU_ASSERT_FALSE(matches(&m, &t));
	t.rp.out = NULL;
	CU_ASSERT_FALSE(matches(&m, &t));
	m.out.neg = true;
	CU_ASSERT_TRUE(matches(&m, &t));
	t.rp.out = "wan7";
	CU_ASSERT_FALSE(matches(&m, &t));
}

static void test_ct(void)
{
	struct rules_match m = {
		.has = RULES_M_CT_STATE | RULES_M_CT_DIR,
		.ct_states = RULES_CT_BIT(CT_INFO_ESTABLISHED) | RULES_CT_BIT(CT_INFO_RELATED),
		.ct_dir = CT_DIR_REPLY,
	};
	struct tp t;

	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_TCP, 1, 2);
	t.rp.dir = CT_DIR_REPLY;
	CU_ASSERT_FALSE(matches(&m, &t));
	t.rp.ct = CT_INFO_RELATED;
	CU_ASSERT_TRUE(matches(&m, &t));
	t.rp.ct = CT_INFO_ESTABLISHED;
	CU_ASSERT_TRUE(matches(&m, &t));
	t.rp.dir = CT_DIR_ORIGINAL;
	CU_ASSERT_FALSE(matches(&m, &t));
	m.has = RULES_M_CT_STATE;
	m.ct_states = RULES_CT_BIT(CT_INFO_UNTRACKED);
	t.rp.ct = CT_INFO_UNTRACKED;
	CU_ASSERT_TRUE(matches(&m, &t));
	t.rp.ct = CT_INFO_INVALID;
	CU_ASSERT_FALSE(matches(&m, &t));
}

static void test_tcp_flags(void)
{
	struct rules_match m = {
		.has = RULES_M_TCP_FLAGS,
		.tcp_mask = RULES_TCP_SYN | RULES_TCP_ACK | RULES_TCP_RST | RULES_TCP_FIN,
		.tcp_value = RULES_TCP_SYN,
	};
	struct tp t;

	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_TCP, 1, 2);
	t.p.tcp.flags = RULES_TCP_SYN | RULES_TCP_ECE | RULES_TCP_CWR;
	CU_ASSERT_TRUE(matches(&m, &t));
	t.p.tcp.flags = RULES_TCP_SYN | RULES_TCP_ACK;
	CU_ASSERT_FALSE(matches(&m, &t));
	m.tcp_neg = true;
	CU_ASSERT_TRUE(matches(&m, &t));
	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_UDP, 1, 2);
	CU_ASSERT_FALSE(matches(&m, &t));
}

static void test_icmp(void)
{
	struct rules_match m = {
		.has = RULES_M_ICMP, .icmp_family = 4, .icmp_type = 3, .icmp_code = -1,
	};
	struct tp t;

	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_ICMP, 0, 0);
	t.p.icmp.type = 3;
	t.p.icmp.code = 13;
	CU_ASSERT_TRUE(matches(&m, &t));
	m.icmp_code = 3;
	CU_ASSERT_FALSE(matches(&m, &t));
	m.icmp_code = 13;
	CU_ASSERT_TRUE(matches(&m, &t));
	t.p.icmp.type = 8;
	CU_ASSERT_FALSE(matches(&m, &t));
	/* ICMPv6 type 128 (echo request) is not ICMP. */
	m = (struct rules_match){ .has = RULES_M_ICMP, .icmp_family = 6,
				  .icmp_type = 128, .icmp_code = -1 };
	tp_init(&t, "2001:db8::1", "2001:db8::2", IPPROTO_ICMPV6, 0, 0);
	t.p.icmp.type = 128;
	CU_ASSERT_TRUE(matches(&m, &t));
	m.icmp_family = 4;
	CU_ASSERT_FALSE(matches(&m, &t));
}

static void test_mark_and_length(void)
{
	struct rules_match m = { .has = RULES_M_MARK, .mark_value = 0x10, .mark_mask = 0xf0 };
	struct tp t;

	tp_init(&t, "192.0.2.1", "192.0.2.2", IPPROTO_TCP, 1, 2);
	t.rp.mark = 0xab1f;
	CU_ASSERT_TRUE(matches(&m, &t));
	t.rp.mark = 0xab2f;
	CU_ASSERT_FALSE(matches(&m, &t));
	m.mark_neg = true;
	CU_ASSERT_TRUE(matches(&m, &t));
	m = (struct rules_match){ .has = RULES_M_LENGTH, .len_lo = 64, .len_hi = 1500 };
	t.rp.len = 64;
	CU_ASSERT_TRUE(matches(&m, &t));
	t.rp.len = 1501;
	CU_ASSERT_FALSE(matches(&m, &t));
	m.len_neg = true;
	CU_ASSERT_TRUE(matches(&m, &t));
}

/* Address sets. */

static void pton(const char *s, union pkt_addr *a)
{
	memset(a, 0, sizeof(*a));
	CU_ASSERT_FATAL(inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, a->b) == 1);
}

static void test_set_basic(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_addrset *s4, *s6;
	union pkt_addr a;

	CU_ASSERT_FATAL(rs != NULL);
	s4 = rules_addrset_add(rs, "v4", 4);
	s6 = rules_addrset_add(rs, "v6", 6);
	CU_ASSERT_FATAL(s4 && s6);
	CU_ASSERT_PTR_NULL(rules_addrset_add(rs, "v4", 4));   /* duplicate */
	CU_ASSERT_PTR_NULL(rules_addrset_add(rs, "bad", 5));
	CU_ASSERT_PTR_EQUAL(rules_addrset_find(rs, "v6"), s6);
	pton("192.0.2.0", &a);
	CU_ASSERT_EQUAL(rules_addrset_insert(s4, &a, 24), 0);
	pton("198.51.100.9", &a);
	CU_ASSERT_EQUAL(rules_addrset_insert(s4, &a, 32), 0);
	CU_ASSERT_EQUAL(rules_addrset_insert(s4, &a, 32), 0);   /* no duplicate */
	CU_ASSERT_EQUAL(rules_addrset_insert(s4, &a, 33), -EINVAL);
	CU_ASSERT_EQUAL(rules_addrset_size(s4), 2);
	pton("192.0.2.77", &a);
	CU_ASSERT_TRUE(rules_addrset_contains(s4, 4, &a));
	CU_ASSERT_FALSE(rules_addrset_contains(s6, 4, &a));
	pton("198.51.100.9", &a);
	CU_ASSERT_TRUE(rules_addrset_contains(s4, 4, &a));
	pton("198.51.100.10", &a);
	CU_ASSERT_FALSE(rules_addrset_contains(s4, 4, &a));
	pton("2001:db8:5::", &a);
	CU_ASSERT_EQUAL(rules_addrset_insert(s6, &a, 48), 0);
	pton("2001:db8:5:1::1", &a);
	CU_ASSERT_TRUE(rules_addrset_contains(s6, 6, &a));
	pton("2001:db8:6::1", &a);
	CU_ASSERT_FALSE(rules_addrset_contains(s6, 6, &a));
	rules_set_free(rs);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Mean ns per lookup over a fixed mix of members and non-members. */
static double set_lookup_cost(const struct rules_addrset *s, unsigned int n)
{
	union pkt_addr a = { 0 };
	unsigned int hits = 0;
	double t0 = now_ns();

	for (unsigned int i = 0; i < 400000; i++) {
		uint32_t v = htonl(0xc6336400u + (i * 2654435761u) % (2 * n));  /* 198.51.100.0 */

		memcpy(a.b, &v, 4);
		hits += rules_addrset_contains(s, 4, &a);
	}
	CU_ASSERT(hits > 0);
	return (now_ns() - t0) / 400000;
}

/* 100k addresses: every member found, no neighbour invented, and a lookup
 * costs about what it costs in a set of 10 (generous bound: this runs
 * under sanitizers and valgrind too). */
static void test_set_100k(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_addrset *big = rules_addrset_add(rs, "big", 4);
	struct rules_addrset *small = rules_addrset_add(rs, "small", 4);
	union pkt_addr a = { 0 };
	double t_small, t_big;

	CU_ASSERT_FATAL(big && small);
	for (uint32_t i = 0; i < 200000; i += 2) {
		uint32_t v = htonl(0xc6336400u + i);

		memcpy(a.b, &v, 4);
		CU_ASSERT_EQUAL_FATAL(rules_addrset_insert(big, &a, 32), 0);
		if (i < 20)
			CU_ASSERT_EQUAL_FATAL(rules_addrset_insert(small, &a, 32), 0);
	}
	CU_ASSERT_EQUAL(rules_addrset_size(big), 100000);
	CU_ASSERT_EQUAL(rules_addrset_size(small), 10);
	for (uint32_t i = 0; i < 200000; i++) {
		uint32_t v = htonl(0xc6336400u + i);

		memcpy(a.b, &v, 4);
		if (rules_addrset_contains(big, 4, &a) != (i % 2 == 0)) {
			CU_FAIL("wrong membership");
			break;
		}
	}
	t_small = set_lookup_cost(small, 10);
	t_big = set_lookup_cost(big, 100000);
	t_small = set_lookup_cost(small, 10);
	printf("\n    set lookup: 10 elements %.1f ns, 100k elements %.1f ns\n",
	       t_small, t_big);
	CU_ASSERT(t_big < 8 * t_small + 50);
	rules_set_free(rs);
}

static const struct unit_test match_tests[] = {
	{ "no match matches all", test_empty_matches_all },
	{ "proto and !proto", test_proto },
	{ "family", test_family },
	{ "IPv4 address and CIDR", test_addr_v4 },
	{ "IPv6 CIDR, negated", test_addr_v6_and_neg },
	{ "address parsing", test_parse_addr },
	{ "ports: list, range, negation, none", test_ports },
	{ "interfaces, + wildcard, negation", test_iface },
	{ "ct state and direction", test_ct },
	{ "tcp flags mask/value", test_tcp_flags },
	{ "icmp and icmpv6 type/code", test_icmp },
	{ "mark and length", test_mark_and_length },
	{ NULL, NULL },
};

static const struct unit_test set_tests[] = {
	{ "insert and lookup, both families", test_set_basic },
	{ "100k elements", test_set_100k },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "rules matches", match_tests },
	{ "rules address sets", set_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
