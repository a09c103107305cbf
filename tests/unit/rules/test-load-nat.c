/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the `nat` group: its chains live apart from the filter's
 * (same names allowed), the NAT actions with `to` and `to_ports` parse
 * into struct rules_nat, evaluation picks the translating rule, and every
 * mistake has its FILE:LINE message. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/rules.h"
#include "nfqfw/rules_load.h"
#include "unit.h"

static char out_buf[8192];

static int load(const char *text, struct rules_set **rs)
{
	config_t cf;
	char *msgs = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&msgs, &len);
	int errors;

	CU_ASSERT_FATAL(err != NULL);
	config_init(&cf);
	CU_ASSERT_FATAL(config_read_string(&cf, text) == CONFIG_TRUE);
	*rs = NULL;
	errors = rules_load_all(rs, config_lookup(&cf, "filter"), config_lookup(&cf, "nat"),
				config_lookup(&cf, "sets"), "test.conf", err);
	fclose(err);
	snprintf(out_buf, sizeof(out_buf), "%s", msgs ? msgs : "");
	free(msgs);
	config_destroy(&cf);
	return errors;
}

static void expect_errors(const char *text, int errors, const char *expected)
{
	struct rules_set *rs;

	CU_ASSERT_EQUAL(load(text, &rs), errors);
	CU_ASSERT_PTR_NULL(rs);
	CU_ASSERT_STRING_EQUAL(out_buf, expected);
	if (strcmp(out_buf, expected))
		printf("\n    got:\n%s    want:\n%s", out_buf, expected);
	rules_set_free(rs);
}

static struct rules_set *load_ok(const char *text)
{
	struct rules_set *rs;

	CU_ASSERT_EQUAL_FATAL(load(text, &rs), 0);
	CU_ASSERT_STRING_EQUAL(out_buf, "");
	return rs;
}

static void addr(const char *s, union pkt_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) != 1)
		CU_ASSERT_FATAL(inet_pton(AF_INET6, s, a->b) == 1);
}

static void test_tables_apart(void)
{
	struct rules_set *rs = load_ok(
		"filter: { output: { policy = \"accept\"; }; x: { }; };\n"
		"nat: { output: { rules = ( { jump = \"x\"; } ); }; x: { }; postrouting: { }; };\n");
	const struct rules_chain *fo = rules_chain_find(rs, "output");
	const struct rules_chain *no = rules_chain_find_in(rs, RULES_TABLE_NAT, "output");

	CU_ASSERT_PTR_NOT_NULL_FATAL(fo);
	CU_ASSERT_PTR_NOT_NULL_FATAL(no);
	CU_ASSERT_PTR_NOT_EQUAL(fo, no);
	CU_ASSERT_EQUAL(no->table, RULES_TABLE_NAT);
	CU_ASSERT_TRUE(no->base);
	CU_ASSERT_PTR_EQUAL(no->rules[0].target, rules_chain_find_in(rs, RULES_TABLE_NAT, "x"));
	CU_ASSERT_PTR_NULL(rules_chain_find(rs, "postrouting"));
	CU_ASSERT_TRUE(rules_chain_find_in(rs, RULES_TABLE_NAT, "postrouting")->base);
	CU_ASSERT_FALSE(rules_chain_find_in(rs, RULES_TABLE_NAT, "x")->base);
	rules_set_free(rs);
}

static void test_actions_parse(void)
{
	struct rules_set *rs = load_ok(
		"nat: {\n"
		"  prerouting: { rules = (\n"
		"    { proto = \"tcp\"; dport = \"80\"; action = \"dnat\"; to = \"192.0.2.10:8080\"; },\n"
		"    { proto = \"udp\"; action = \"dnat\"; to = \"[2001:db8::10]:53-54\"; },\n"
		"    { proto = \"tcp\"; dport = \"25\"; action = \"redirect\"; to_ports = \"2525\"; },\n"
		"    { action = \"dnat\"; to = \"2001:db8::20\"; }\n"
		"  ); };\n"
		"  postrouting: { rules = (\n"
		"    { out = \"wan+\"; action = \"masquerade\"; },\n"
		"    { src = \"192.0.2.0/24\"; action = \"snat\"; to = \"198.51.100.1-198.51.100.4\"; },\n"
		"    { proto = \"udp\"; action = \"masquerade\"; to_ports = \"1024-2047\"; }\n"
		"  ); };\n"
		"};\n");
	const struct rules_chain *pre = rules_chain_find_in(rs, RULES_TABLE_NAT, "prerouting");
	const struct rules_chain *post = rules_chain_find_in(rs, RULES_TABLE_NAT, "postrouting");
	union pkt_addr a;

	CU_ASSERT_EQUAL_FATAL(pre->n_rules, 4);
	CU_ASSERT_EQUAL(pre->rules[0].action, RULES_ACT_DNAT);
	addr("192.0.2.10", &a);
	CU_ASSERT_EQUAL(memcmp(&pre->rules[0].nat.min_addr, &a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(memcmp(&pre->rules[0].nat.max_addr, &a, sizeof(a)), 0);
	CU_ASSERT_TRUE(pre->rules[0].nat.has_ports);
	CU_ASSERT_EQUAL(pre->rules[0].nat.min_port, 8080);
	CU_ASSERT_EQUAL(pre->rules[0].nat.max_port, 8080);
	CU_ASSERT_EQUAL(pre->rules[0].m.family, 4);     /* implied by to */
	CU_ASSERT_TRUE(pre->rules[0].m.has & RULES_M_FAMILY);
	CU_ASSERT_EQUAL(pre->rules[1].nat.family, 6);
	CU_ASSERT_EQUAL(pre->rules[1].nat.min_port, 53);
	CU_ASSERT_EQUAL(pre->rules[1].nat.max_port, 54);
	CU_ASSERT_EQUAL(pre->rules[2].action, RULES_ACT_REDIRECT);
	CU_ASSERT_FALSE(pre->rules[2].nat.has_addr);
	CU_ASSERT_EQUAL(pre->rules[2].nat.min_port, 2525);
	CU_ASSERT_EQUAL(pre->rules[3].nat.family, 6);
	CU_ASSERT_FALSE(pre->rules[3].nat.has_ports);
	CU_ASSERT_EQUAL(post->rules[0].action, RULES_ACT_MASQUERADE);
	CU_ASSERT_FALSE(post->rules[0].nat.has_addr);
	CU_ASSERT_EQUAL(post->rules[1].action, RULES_ACT_SNAT);
	addr("198.51.100.4", &a);
	CU_ASSERT_EQUAL(memcmp(&post->rules[1].nat.max_addr, &a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(post->rules[2].nat.min_port, 1024);
	CU_ASSERT_EQUAL(post->rules[2].nat.max_port, 2047);
	rules_set_free(rs);
}

/* The first rule that matches translates; a NAT action ends the walk with
 * accept, and the result names the rule. */
static void test_eval(void)
{
	struct rules_set *rs = load_ok(
		"nat: { prerouting: { rules = (\n"
		"  { proto = \"udp\"; action = \"accept\"; },\n"
		"  { proto = \"tcp\"; dport = \"80\"; action = \"dnat\"; to = \"192.0.2.10\"; }\n"
		"); }; };\n");
	const struct rules_chain *pre = rules_chain_find_in(rs, RULES_TABLE_NAT, "prerouting");
	struct pkt p = { .family = 4, .l4proto = IPPROTO_TCP, .has_l4 = true, .dport = 80 };
	struct rules_packet rp = { .p = &p, .ct = CT_INFO_NEW, .len = 60 };
	struct rules_result res;

	rules_eval(pre, &rp, &res);
	CU_ASSERT_EQUAL(res.verdict, RULES_ACCEPT);
	CU_ASSERT_PTR_EQUAL(res.rule, &pre->rules[1]);
	p.l4proto = IPPROTO_UDP;
	rules_eval(pre, &rp, &res);
	CU_ASSERT_PTR_EQUAL(res.rule, &pre->rules[0]);
	p.dport = 81;
	p.l4proto = IPPROTO_TCP;
	rules_eval(pre, &rp, &res);
	CU_ASSERT_PTR_NULL(res.rule);        /* no translation */
	p.family = 6;
	p.dport = 80;
	rules_eval(pre, &rp, &res);
	CU_ASSERT_PTR_NULL(res.rule);        /* an IPv4 `to` is for IPv4 */
	rules_set_free(rs);
}

static void test_errors(void)
{
	expect_errors("filter: { forward: { rules = (\n"
		      "  { action = \"snat\"; to = \"192.0.2.1\"; }\n"
		      "); }; };\n", 1,
		      "test.conf:2: action \"snat\" belongs in the nat group\n");
	expect_errors("nat: { prerouting: {\n"
		      "  policy = \"drop\";\n"
		      "  rules = ( { action = \"drop\"; } );\n"
		      "}; };\n", 2,
		      "test.conf:2: nat chain 'prerouting': nat chains have no policy "
		      "(a packet no rule translates goes on as it is)\n"
		      "test.conf:3: the nat group translates and does not filter: "
		      "drop and reject belong in the filter group\n");
	expect_errors("nat: {\n"
		      "  prerouting: { rules = ( { action = \"snat\"; to = \"192.0.2.1\"; } ); };\n"
		      "  postrouting: { rules = ( { action = \"redirect\"; } ); };\n"
		      "};\n", 2,
		      "test.conf:2: snat rewrites the source: only in nat chains "
		      "postrouting and input\n"
		      "test.conf:3: redirect rewrites the destination: only in nat chains "
		      "prerouting and output\n");
	expect_errors("nat: { postrouting: { rules = (\n"
		      "  { action = \"snat\"; },\n"
		      "  { action = \"masquerade\"; to = \"198.51.100.1\"; },\n"
		      "  { action = \"snat\"; to = \"198.51.100.1:1000\"; },\n"
		      "  { action = \"accept\"; to = \"198.51.100.1\"; }\n"
		      "); }; };\n", 4,
		      "test.conf:2: snat needs to = \"ADDR[:PORT]\"\n"
		      "test.conf:3: masquerade takes no address: to_ports only\n"
		      "test.conf:4: translating ports needs proto \"tcp\" or \"udp\"\n"
		      "test.conf:5: to needs a NAT action\n");
	expect_errors("nat: { prerouting: { rules = (\n"
		      "  { action = \"dnat\"; to = \"192.0.2.300\"; },\n"
		      "  { action = \"dnat\"; to = \"192.0.2.9-192.0.2.1\"; },\n"
		      "  { action = \"dnat\"; to = \"192.0.2.1-2001:db8::1\"; },\n"
		      "  { proto = \"tcp\"; action = \"dnat\"; to = \"192.0.2.1:0\"; },\n"
		      "  { proto = \"tcp\"; action = \"dnat\"; to = \"192.0.2.1:90-80\"; },\n"
		      "  { proto = \"tcp\"; action = \"redirect\"; to_ports = \"http\"; },\n"
		      "  { dst = \"2001:db8::1\"; action = \"dnat\"; to = \"192.0.2.1\"; }\n"
		      "); }; };\n", 7,
		      "test.conf:2: to: bad address '192.0.2.300': not an address "
		      "(ADDR[-ADDR][:PORT[-PORT]], IPv6 in brackets before a port)\n"
		      "test.conf:3: to: bad address '192.0.2.9-192.0.2.1': the range ends "
		      "before it starts (ADDR[-ADDR][:PORT[-PORT]], IPv6 in brackets before a port)\n"
		      "test.conf:4: to: bad address '192.0.2.1-2001:db8::1': the range mixes "
		      "IPv4 and IPv6 (ADDR[-ADDR][:PORT[-PORT]], IPv6 in brackets before a port)\n"
		      "test.conf:5: to: bad address '192.0.2.1:0': bad port or port range "
		      "(1..65535) (ADDR[-ADDR][:PORT[-PORT]], IPv6 in brackets before a port)\n"
		      "test.conf:6: to: bad address '192.0.2.1:90-80': bad port or port range "
		      "(1..65535) (ADDR[-ADDR][:PORT[-PORT]], IPv6 in brackets before a port)\n"
		      "test.conf:7: to_ports: bad port range 'http' (PORT or PORT-PORT, 1..65535)\n"
		      "test.conf:8: to is IPv4, the rule matches IPv6\n");
	/* A jump to the filter's chain of that name is not a jump across. */
	expect_errors("filter: { guard: { }; };\n"
		      "nat: { prerouting: { rules = ( { jump = \"guard\"; } ); }; };\n", 1,
		      "test.conf:2: jump: unknown chain 'guard'\n");
}

static void test_port_range_parser(void)
{
	uint16_t lo, hi;

	CU_ASSERT_EQUAL(rules_parse_port_range("1", &lo, &hi), 0);
	CU_ASSERT_EQUAL(lo, 1);
	CU_ASSERT_EQUAL(hi, 1);
	CU_ASSERT_EQUAL(rules_parse_port_range("1024-65535", &lo, &hi), 0);
	CU_ASSERT_EQUAL(hi, 65535);
	CU_ASSERT_NOT_EQUAL(rules_parse_port_range("65536", &lo, &hi), 0);
	CU_ASSERT_NOT_EQUAL(rules_parse_port_range("-1", &lo, &hi), 0);
	CU_ASSERT_NOT_EQUAL(rules_parse_port_range("10-", &lo, &hi), 0);
	CU_ASSERT_NOT_EQUAL(rules_parse_port_range("", &lo, &hi), 0);
	CU_ASSERT_NOT_EQUAL(rules_parse_port_range("5 ", &lo, &hi), 0);
	CU_ASSERT_NOT_EQUAL(rules_parse_port_range("99999999999999999999", &lo, &hi), 0);
}

static const struct unit_test nat_load_tests[] = {
	{ "nat chains apart from filter chains", test_tables_apart },
	{ "actions, to and to_ports", test_actions_parse },
	{ "evaluation picks the translating rule", test_eval },
	{ "every error message", test_errors },
	{ "port ranges", test_port_range_parser },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "nat group", nat_load_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
