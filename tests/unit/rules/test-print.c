/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the rule printer: every match and action kind loaded from
 * configuration text with rules_load() and written back with the expected
 * words; the written text turned into configuration again loads into a
 * rule that prints the same (a round trip), the stateful keys (limit,
 * connlimit and their per and sources keys) included; every name of the
 * loader's tables comes back as itself; and the snprintf contract at every buffer
 * size, each buffer its own heap block so that AddressSanitizer sees a
 * one-byte overrun. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "nfqfw/rules_print.h"
#include "unit.h"

static const char sets_text[] =
	"sets = ( { name = \"blocklist\"; type = \"ipv4_addr\";\n"
	"           elements = [ \"203.0.113.0/25\" ]; },\n"
	"         { name = \"v6bad\"; type = \"ipv6_addr\";\n"
	"           elements = [ \"2001:db8:bad::/48\" ]; } );\n";

/* Loads RULE (the inside of one rule's braces) as the only rule of chain
 * forward; NULL, with the loader's messages printed, if it does not load. */
static struct rules_set *load_rule(const char *rule)
{
	struct rules_set *rs = NULL;
	char text[4096];
	config_t cf;
	int errors;

	snprintf(text, sizeof(text),
		 "%sfilter: {\n  forward: { policy = \"drop\"; rules = ( { %s } ); };\n"
		 "  ssh_guard: { rules = ( { action = \"return\"; } ); };\n};\n",
		 sets_text, rule);
	config_init(&cf);
	if (config_read_string(&cf, text) != CONFIG_TRUE) {
		printf("\n    libconfig: line %d: %s\n    in: %s\n", config_error_line(&cf),
		       config_error_text(&cf), rule);
		config_destroy(&cf);
		return NULL;
	}
	errors = rules_load(&rs, config_lookup(&cf, "filter"), config_lookup(&cf, "sets"),
			    "test.conf", stdout);
	config_destroy(&cf);
	if (errors) {
		printf("    (rule: %s)\n", rule);
		return NULL;
	}
	return rs;
}

static const struct rules_rule *first_rule(const struct rules_set *rs)
{
	const struct rules_chain *c = rules_chain_find(rs, "forward");

	CU_ASSERT_FATAL(c != NULL && c->n_rules == 1);
	return &c->rules[0];
}

/* The next space-separated token of *S into TOK (a "quoted string" with
 * its escapes is one token, quotes kept); false at the end. */
static bool next_token(const char **s, char *tok, size_t size)
{
	const char *p = *s + strspn(*s, " ");
	size_t n = 0;

	if (!*p)
		return false;
	if (*p == '"') {
		for (n = 1; p[n] && p[n] != '"'; n++)
			if (p[n] == '\\' && p[n + 1])
				n++;
		n += p[n] == '"';
	} else
		n = strcspn(p, " ");
	CU_ASSERT_FATAL(n < size);
	memcpy(tok, p, n);
	tok[n] = '\0';
	*s = p + n;
	return true;
}

static void cat(char *out, size_t size, const char *a, const char *b, const char *c)
{
	size_t len = strlen(out);

	snprintf(out + len, size - len, "%s%s%s", a, b, c);
}

/* The next N tokens of *S joined by spaces, into VAL. */
static void next_words(const char **s, unsigned int n, char *val, size_t size)
{
	char tok[256];

	val[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		CU_ASSERT_FATAL(next_token(s, tok, sizeof(tok)));
		CU_ASSERT_FATAL(strlen(val) + strlen(tok) + 2 <= size);
		if (i)
			strcat(val, " ");
		strcat(val, tok);
	}
}

/* Printed matches back to configuration: `key value` -> key = "value";
 * the stateful values are several words ("10/second burst 5", "over 3"). */
static void match_to_config(const char *text, char *out, size_t size)
{
	char key[64], val[256];

	while (next_token(&text, key, sizeof(key))) {
		unsigned int words = !strcmp(key, "limit") ? 3 : !strcmp(key, "connlimit") ? 2 : 1;

		next_words(&text, words, val, sizeof(val));
		/* Codes and table sizes are integers only, numbered types too. */
		if ((strstr(key, "icmp") || strstr(key, "_sources")) &&
		    strspn(val, "0123456789") == strlen(val))
			cat(out, size, key, " = ", val), cat(out, size, "; ", "", "");
		else
			cat(out, size, key, " = \"", val), cat(out, size, "\"; ", "", "");
	}
}

/* Printed action back to configuration. */
static void action_to_config(const char *text, char *out, size_t size)
{
	char word[64], val[256];

	while (next_token(&text, word, sizeof(word))) {
		if (!strcmp(word, "accept") || !strcmp(word, "drop") ||
		    !strcmp(word, "return") || !strcmp(word, "continue")) {
			cat(out, size, "action = \"", word, "\"; ");
			continue;
		}
		CU_ASSERT_FATAL(next_token(&text, val, sizeof(val)));
		if (!strcmp(word, "log"))
			cat(out, size, "log = ", val, "; ");
		else if (!strcmp(word, "level"))
			cat(out, size, "log_level = \"", val, "\"; ");
		else if (!strcmp(word, "reject"))
			cat(out, size, "action = \"reject\"; reject_with = \"", val, "\"; ");
		else
			cat(out, size, word, " = \"", val), cat(out, size, "\"; ", "", "");
	}
}

/* RULE loads, prints as WANT_MATCH and WANT_ACTION, and what it prints
 * loads back into a rule that prints the same. */
static void expect(const char *rule, const char *want_match, const char *want_action)
{
	char match[1024], action[512], again[2048] = "";
	struct rules_set *rs = load_rule(rule), *rs2;
	const struct rules_rule *r;
	int n;

	CU_ASSERT_FATAL(rs != NULL);
	r = first_rule(rs);
	n = rules_format_match(r, match, sizeof(match));
	CU_ASSERT_EQUAL(n, (int)strlen(want_match));
	CU_ASSERT_STRING_EQUAL(match, want_match);
	n = rules_format_action(r, action, sizeof(action));
	CU_ASSERT_EQUAL(n, (int)strlen(want_action));
	CU_ASSERT_STRING_EQUAL(action, want_action);
	if (strcmp(match, want_match) || strcmp(action, want_action))
		printf("\n    rule { %s }\n    got  '%s' '%s'\n    want '%s' '%s'\n", rule,
		       match, action, want_match, want_action);
	rules_set_free(rs);

	match_to_config(want_match, again, sizeof(again));
	action_to_config(want_action, again, sizeof(again));
	rs2 = load_rule(again);
	CU_ASSERT_FATAL(rs2 != NULL);
	r = first_rule(rs2);
	rules_format_match(r, match, sizeof(match));
	rules_format_action(r, action, sizeof(action));
	CU_ASSERT_STRING_EQUAL(match, want_match);
	CU_ASSERT_STRING_EQUAL(action, want_action);
	if (strcmp(match, want_match) || strcmp(action, want_action))
		printf("\n    round trip { %s }\n    got  '%s' '%s'\n", again, match, action);
	rules_set_free(rs2);
}

static void expect_match(const char *rule, const char *want)
{
	char text[512];

	snprintf(text, sizeof(text), "%s action = \"accept\";", rule);
	expect(text, want, "accept");
}

static void test_empty(void)
{
	expect("", "", "continue");
	expect("counter = true; comment = \"counts\";", "", "continue");
}

static void test_family_proto(void)
{
	static const char *const names[] = {
		"tcp", "udp", "icmp", "icmpv6", "gre", "esp", "ah", "sctp", "udplite", NULL,
	};
	char rule[64], want[64];

	for (const char *const *n = names; *n; n++) {
		snprintf(rule, sizeof(rule), "proto = \"%s\";", *n);
		snprintf(want, sizeof(want), "proto %s", *n);
		expect_match(rule, want);
		snprintf(rule, sizeof(rule), "proto = \"!%s\";", *n);
		snprintf(want, sizeof(want), "proto !%s", *n);
		expect_match(rule, want);
	}
	expect_match("proto = \"ipv6-icmp\";", "proto icmpv6");
	expect_match("proto = 6;", "proto tcp");
	expect_match("proto = \"47\";", "proto gre");
	expect_match("proto = 200;", "proto 200");
	expect_match("proto = \"! 0\";", "proto !0");
	expect_match("family = \"ipv4\";", "family ipv4");
	expect_match("family = \"ipv6\";", "family ipv6");
}

static void test_addresses(void)
{
	expect_match("src = \"192.0.2.1\";", "src 192.0.2.1");
	expect_match("src = \"198.51.100.0/24\";", "src 198.51.100.0/24");
	expect_match("dst = \"0.0.0.0/0\";", "dst 0.0.0.0/0");
	expect_match("dst = \"192.0.2.7/32\";", "dst 192.0.2.7");
	expect_match("src = \"!203.0.113.0/25\";", "src !203.0.113.0/25");
	expect_match("src = \"2001:db8::1\";", "src 2001:db8::1");
	expect_match("dst = \"2001:DB8::/32\";", "dst 2001:db8::/32");
	expect_match("dst = \"! 2001:db8:1::/48\";", "dst !2001:db8:1::/48");
	expect_match("dst = \"::/0\";", "dst ::/0");
	expect_match("src = \"2001:db8::ff/128\";", "src 2001:db8::ff");
	expect_match("src = \"@blocklist\";", "src @blocklist");
	expect_match("dst = \"!@blocklist\";", "dst !@blocklist");
	expect_match("src = \"@v6bad\";", "src @v6bad");
	expect_match("src = \"192.0.2.0/24\"; dst = \"!@blocklist\";",
		     "src 192.0.2.0/24 dst !@blocklist");
}

static void test_ports(void)
{
	expect_match("proto = \"tcp\"; dport = 22;", "proto tcp dport 22");
	expect_match("proto = \"tcp\"; dport = \"22\";", "proto tcp dport 22");
	expect_match("proto = \"udp\"; sport = \"1024-65535\";", "proto udp sport 1024-65535");
	expect_match("proto = \"tcp\"; dport = \"80, 443,8000-8080\";",
		     "proto tcp dport 80,443,8000-8080");
	expect_match("proto = \"tcp\"; dport = \"!22\";", "proto tcp dport !22");
	expect_match("proto = \"udp\"; sport = 0; dport = \"65535\";",
		     "proto udp sport 0 dport 65535");
	expect_match("proto = \"tcp\"; dport = \"7-7\";", "proto tcp dport 7");
	expect_match("proto = \"tcp\"; dport = \"1,2,3,4,5,6,7,8,9,10,11,12,13,14,100-200\";",
		     "proto tcp dport 1,2,3,4,5,6,7,8,9,10,11,12,13,14,100-200");
}

static void test_interfaces(void)
{
	expect_match("in = \"lan0\";", "in lan0");
	expect_match("out = \"wan+\";", "out wan+");
	expect_match("in = \"!eth+\"; out = \"! lan0\";", "in !eth+ out !lan0");
	expect_match("in = \"+\";", "in +");
	expect_match("in = \"abcdefghijklmno\";", "in abcdefghijklmno");
	expect_match("out = \"veth-gw.100+\";", "out veth-gw.100+");
}

static void test_ct(void)
{
	static const char *const states[] = {
		"new", "established", "related", "invalid", "untracked", NULL,
	};
	char rule[64], want[64];

	for (const char *const *s = states; *s; s++) {
		snprintf(rule, sizeof(rule), "ct_state = \"%s\";", *s);
		snprintf(want, sizeof(want), "ct_state %s", *s);
		expect_match(rule, want);
	}
	expect_match("ct_state = \"established, related\";", "ct_state established,related");
	expect_match("ct_state = \"related,new\";", "ct_state new,related");
	expect_match("ct_state = \"untracked,invalid,related,established,new\";",
		     "ct_state new,established,related,invalid,untracked");
	expect_match("ct_dir = \"original\";", "ct_dir original");
	expect_match("ct_dir = \"reply\"; ct_state = \"established\";",
		     "ct_state established ct_dir reply");
}

static void test_tcp_flags(void)
{
	static const char *const flags[] = {
		"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", NULL,
	};
	char rule[96], want[96];

	expect_match("proto = \"tcp\"; tcp_flags = \"syn\";", "proto tcp tcp_flags syn");
	expect_match("proto = \"tcp\"; tcp_flags = \"!syn\";", "proto tcp tcp_flags !syn");
	/* The shorthand written out is the shorthand again. */
	expect_match("proto = \"tcp\"; tcp_flags = \"ack,rst,syn,fin/syn\";",
		     "proto tcp tcp_flags syn");
	expect_match("proto = \"tcp\"; tcp_flags = \"syn,ack/syn\";",
		     "proto tcp tcp_flags syn,ack/syn");
	expect_match("proto = \"tcp\"; tcp_flags = \"syn,ack/syn,ack\";",
		     "proto tcp tcp_flags syn,ack/syn,ack");
	expect_match("tcp_flags = \"cwr,ece,urg,ack,psh,rst,syn,fin/none\";",
		     "tcp_flags fin,syn,rst,psh,ack,urg,ece,cwr/none");
	for (const char *const *f = flags; *f; f++) {
		snprintf(rule, sizeof(rule), "proto = \"tcp\"; tcp_flags = \"%s/%s\";", *f, *f);
		snprintf(want, sizeof(want), "proto tcp tcp_flags %s/%s", *f, *f);
		expect_match(rule, want);
	}
}

static const char *const icmp_names[] = {
	"echo-reply", "destination-unreachable", "source-quench", "redirect",
	"echo-request", "router-advertisement", "router-solicitation", "time-exceeded",
	"parameter-problem", "timestamp-request", "timestamp-reply", NULL,
};

static const char *const icmpv6_names[] = {
	"destination-unreachable", "packet-too-big", "time-exceeded", "parameter-problem",
	"echo-request", "echo-reply", "mld-listener-query", "nd-router-solicit",
	"nd-router-advert", "nd-neighbor-solicit", "nd-neighbor-advert", "nd-redirect", NULL,
};

static void test_icmp(void)
{
	char rule[128], want[128];

	for (const char *const *n = icmp_names; *n; n++) {
		snprintf(rule, sizeof(rule), "proto = \"icmp\"; icmp_type = \"%s\";", *n);
		snprintf(want, sizeof(want), "proto icmp icmp_type %s", *n);
		expect_match(rule, want);
	}
	for (const char *const *n = icmpv6_names; *n; n++) {
		snprintf(rule, sizeof(rule), "proto = \"icmpv6\"; icmpv6_type = \"%s\";", *n);
		snprintf(want, sizeof(want), "proto icmpv6 icmpv6_type %s", *n);
		expect_match(rule, want);
	}
	expect_match("icmp_type = 8;", "icmp_type echo-request");
	expect_match("icmp_type = 42;", "icmp_type 42");
	expect_match("icmpv6_type = 200;", "icmpv6_type 200");
	expect_match("icmp_type = \"destination-unreachable\"; icmp_code = 3;",
		     "icmp_type destination-unreachable icmp_code 3");
	expect_match("icmp_code = 0; icmpv6_type = \"time-exceeded\";",
		     "icmpv6_type time-exceeded icmpv6_code 0");
	expect_match("icmpv6_type = 1; icmpv6_code = 255;",
		     "icmpv6_type destination-unreachable icmpv6_code 255");
}

static void test_mark_length(void)
{
	expect_match("mark = 1;", "mark 0x1");
	expect_match("mark = \"255\";", "mark 0xff");
	expect_match("mark = \"0x1/0xff\";", "mark 0x1/0xff");
	expect_match("mark = \"!0x10/0xf0\";", "mark !0x10/0xf0");
	expect_match("mark = \"0/0\";", "mark 0x0/0x0");
	expect_match("mark = 0xffffffff;", "mark 0xffffffff");
	expect_match("length = 64;", "length 64");
	expect_match("length = \"64-1500\";", "length 64-1500");
	expect_match("length = \"!0-100\";", "length !0-100");
	expect_match("length = \"1500-1500\";", "length 1500");
}

static void test_order(void)
{
	/* Keys in any order print in the order of nfqfw.conf(5). */
	expect_match("length = \"0-100\"; mark = \"0x1/0xff\";"
		     " src = \"!@blocklist\"; out = \"wan+\"; in = \"lan0\";"
		     " ct_state = \"new\"; dport = \"80,443\"; dst = \"198.51.100.10\";"
		     " proto = \"tcp\"; tcp_flags = \"syn\";",
		     "proto tcp src !@blocklist dst 198.51.100.10 dport 80,443 in lan0 "
		     "out wan+ ct_state new tcp_flags syn mark 0x1/0xff length 0-100");
	expect_match("icmp_type = \"echo-request\"; proto = \"icmp\"; dst = \"!192.0.2.1\";",
		     "proto icmp dst !192.0.2.1 icmp_type echo-request");
	expect_match("family = \"ipv6\"; proto = \"udp\"; src = \"2001:db8::/32\";"
		     " sport = 53; dport = \"1024-65535\"; in = \"wan0\"; out = \"lan0\";"
		     " ct_state = \"established\"; ct_dir = \"reply\"; mark = \"!7\";"
		     " length = \"!1280-65535\";",
		     "family ipv6 proto udp src 2001:db8::/32 sport 53 dport 1024-65535 "
		     "in wan0 out lan0 ct_state established ct_dir reply mark !0x7 "
		     "length !1280-65535");
}

static void test_limit(void)
{
	/* The burst is written even when it is the default. */
	expect_match("limit = \"10/second\";", "limit 10/second burst 5");
	expect_match("limit = \"10/second burst 20\";", "limit 10/second burst 20");
	expect_match("limit = \"3/minute  burst   7 \";", "limit 3/minute burst 7");
	expect_match("limit = \"1/hour burst 1\";", "limit 1/hour burst 1");
	expect_match("limit = \"1000000000/day burst 100000\";",
		     "limit 1000000000/day burst 100000");
	/* Prefixes at their defaults (32, 128) are left out. */
	expect_match("limit = \"5/second\"; limit_per = \"src\";",
		     "limit 5/second burst 5 limit_per src");
	expect_match("limit = \"5/second\"; limit_per = \"dst\";",
		     "limit 5/second burst 5 limit_per dst");
	expect_match("limit = \"5/second\"; limit_per = \"src/32\";",
		     "limit 5/second burst 5 limit_per src");
	expect_match("limit = \"5/second\"; limit_per = \"src/32,128\";",
		     "limit 5/second burst 5 limit_per src");
	expect_match("limit = \"5/second\"; limit_per = \"src/24\";",
		     "limit 5/second burst 5 limit_per src/24");
	expect_match("limit = \"5/second\"; limit_per = \"dst/24,128\";",
		     "limit 5/second burst 5 limit_per dst/24");
	expect_match("limit = \"5/second\"; limit_per = \"src/32,64\";",
		     "limit 5/second burst 5 limit_per src/32,64");
	expect_match("limit = \"5/second\"; limit_per = \"dst/24,64\";",
		     "limit 5/second burst 5 limit_per dst/24,64");
	expect_match("limit = \"5/second\"; limit_per = \"src/0,0\";",
		     "limit 5/second burst 5 limit_per src/0,0");
	/* The table size only when it is not the default. */
	expect_match("limit = \"5/second\"; limit_per = \"src\"; limit_sources = 100;",
		     "limit 5/second burst 5 limit_per src limit_sources 100");
	expect_match("limit = \"5/second\"; limit_per = \"src\"; limit_sources = 1;",
		     "limit 5/second burst 5 limit_per src limit_sources 1");
	expect_match("limit = \"5/second\"; limit_per = \"src\"; limit_sources = 4194304;",
		     "limit 5/second burst 5 limit_per src limit_sources 4194304");
	expect_match("limit = \"5/second\"; limit_per = \"src\"; limit_sources = 65536;",
		     "limit 5/second burst 5 limit_per src");
}

static void test_connlimit(void)
{
	expect_match("connlimit = \"over 0\";", "connlimit over 0");
	expect_match("connlimit = \"over  3 \";", "connlimit over 3");
	expect_match("connlimit = \"over 65535\";", "connlimit over 65535");
	expect_match("connlimit = \"over 3\"; connlimit_per = \"src\";",
		     "connlimit over 3 connlimit_per src");
	expect_match("connlimit = \"over 3\"; connlimit_per = \"dst/16\";",
		     "connlimit over 3 connlimit_per dst/16");
	expect_match("connlimit = \"over 3\"; connlimit_per = \"src/32,48\";",
		     "connlimit over 3 connlimit_per src/32,48");
	expect_match("connlimit = \"over 3\"; connlimit_per = \"src/8,48\";"
		     " connlimit_sources = 1000;",
		     "connlimit over 3 connlimit_per src/8,48 connlimit_sources 1000");
	expect_match("connlimit = \"over 3\"; connlimit_per = \"src\";"
		     " connlimit_sources = 65536;", "connlimit over 3 connlimit_per src");
	/* Both, after every other match, whatever the order in the file. */
	expect_match("connlimit_sources = 512; connlimit_per = \"dst/24\";"
		     " connlimit = \"over 10\"; limit_sources = 64; limit_per = \"src/24,56\";"
		     " limit = \"20/minute burst 40\"; length = \"0-100\"; ct_state = \"new\";"
		     " dport = 22; proto = \"tcp\";",
		     "proto tcp dport 22 ct_state new length 0-100 limit 20/minute burst 40 "
		     "limit_per src/24,56 limit_sources 64 connlimit over 10 "
		     "connlimit_per dst/24 connlimit_sources 512");
}

/* Stateful specs the loader never makes. */
static void test_stateful_by_hand(void)
{
	struct rules_rule r;
	char buf[256];

	memset(&r, 0, sizeof(r));
	r.m.has = RULES_M_LIMIT | RULES_M_CONNLIMIT;
	r.limit_spec = (struct rules_limit_spec){ .rate = 7, .period_ns = 2 * RULES_SECOND_NS,
						  .burst = 9 };
	/* A whole-rule count has no per or sources key, even with a size. */
	r.limit_spec.per.slots = 128;
	r.connlimit_spec.over = 4;
	r.connlimit_spec.per = (struct rules_per){ .addr = (enum rules_per_addr)7,
						   .plen4 = 32, .plen6 = 128 };
	CU_ASSERT_EQUAL(rules_format_match(&r, buf, sizeof(buf)),
			(int)strlen("limit 7/? burst 9 connlimit over 4 connlimit_per ?"));
	CU_ASSERT_STRING_EQUAL(buf, "limit 7/? burst 9 connlimit over 4 connlimit_per ?");

	/* The specs are not looked at without their RULES_M_ bit. */
	r.m.has = RULES_M_PROTO;
	r.m.proto = 17;
	rules_format_match(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "proto udp");

	/* A per key with no size (0) is the default size. */
	r.m.has = RULES_M_LIMIT;
	r.limit_spec.period_ns = RULES_DAY_NS;
	r.limit_spec.per = (struct rules_per){ .addr = RULES_PER_DST, .plen4 = 0,
					       .plen6 = 128 };
	rules_format_match(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "limit 7/day burst 9 limit_per dst/0");
}

static void test_actions(void)
{
	expect("action = \"accept\";", "", "accept");
	expect("action = \"drop\";", "", "drop");
	expect("action = \"return\";", "", "return");
	expect("action = \"continue\";", "", "continue");
	expect("action = \"reject\";", "", "reject icmp-port-unreachable");
	expect("proto = \"tcp\"; action = \"reject\"; reject_with = \"tcp-reset\";",
	       "proto tcp", "reject tcp-reset");
	expect("action = \"reject\"; reject_with = \"icmp-host-unreachable\";", "",
	       "reject icmp-host-unreachable");
	expect("action = \"reject\"; reject_with = \"icmp-net-unreachable\";", "",
	       "reject icmp-net-unreachable");
	expect("action = \"reject\"; reject_with = \"icmp-admin-prohibited\";", "",
	       "reject icmp-admin-prohibited");
	expect("action = \"reject\"; reject_with = \"icmp-port-unreachable\";", "",
	       "reject icmp-port-unreachable");
	expect("jump = \"ssh_guard\";", "", "jump ssh_guard");
	expect("goto = \"ssh_guard\"; proto = \"tcp\";", "proto tcp", "goto ssh_guard");
}

static void test_nonterminal(void)
{
	static const char *const levels[] = {
		"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", NULL,
	};
	char rule[128], want[128];

	expect("log = \"INVALID \";", "", "log \"INVALID \" level warning");
	expect("ct_state = \"invalid\"; log = \"INVALID \"; action = \"drop\";",
	       "ct_state invalid", "log \"INVALID \" level warning drop");
	expect("log = \"SSH \"; log_level = \"info\"; action = \"accept\";", "",
	       "log \"SSH \" level info accept");
	expect("set_mark = \"0x1/0xff\";", "", "set_mark 0x1/0xff");
	expect("set_mark = 5; action = \"accept\";", "", "set_mark 0x5 accept");
	expect("action = \"reject\"; set_mark = \"0x100/0xf00\"; log = \"R\";"
	       " log_level = \"notice\";", "",
	       "log \"R\" level notice set_mark 0x100/0xf00 reject icmp-port-unreachable");
	expect("log = \"\"; jump = \"ssh_guard\";", "", "log \"\" level warning jump ssh_guard");
	expect("log = \"a\\\"b\\\\c\";", "", "log \"a\\\"b\\\\c\" level warning");
	expect("log = \"29 characters, the longest!!\";", "",
	       "log \"29 characters, the longest!!\" level warning");
	for (const char *const *l = levels; *l; l++) {
		snprintf(rule, sizeof(rule), "log = \"L \"; log_level = \"%s\";", *l);
		snprintf(want, sizeof(want), "log \"L \" level %s", *l);
		expect(rule, "", want);
	}
}

/* Values the loader never produces: the printer still writes something
 * that says so instead of crashing or printing garbage. */
static void test_hand_built(void)
{
	struct rules_rule r;
	char buf[256];

	memset(&r, 0, sizeof(r));
	r.has_log = true;
	memcpy(r.log.prefix, "\x01tab\t", 6);
	r.log.level = 9;
	r.action = (enum rules_action)99;
	CU_ASSERT_EQUAL(rules_format_action(&r, buf, sizeof(buf)),
			(int)strlen("log \"\\x01tab\\x09\" level 9 ?"));
	CU_ASSERT_STRING_EQUAL(buf, "log \"\\x01tab\\x09\" level 9 ?");

	/* A prefix that fills its array without a NUL stops at the array. */
	memset(r.log.prefix, 'p', sizeof(r.log.prefix));
	r.log.level = LOG_INFO;
	r.action = RULES_ACT_JUMP;
	r.target = NULL;
	rules_format_action(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "log \"pppppppppppppppppppppppppppppp\" level info jump ?");

	memset(&r, 0, sizeof(r));
	r.action = RULES_ACT_REJECT;
	r.reject = (enum rules_reject)42;
	rules_format_action(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "reject ?");

	/* An interface name without a NUL in its array. */
	memset(&r, 0, sizeof(r));
	r.m.has = RULES_M_IN;
	memset(r.m.in.name, 'x', sizeof(r.m.in.name));
	rules_format_match(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "in xxxxxxxxxxxxxxx");
}

static void test_set_by_hand(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_addrset *set;
	struct rules_rule r;
	struct rules_match *m = &r.m;
	char buf[128];

	CU_ASSERT_FATAL(rs != NULL);
	set = rules_addrset_add(rs, "admins-6", 6);
	CU_ASSERT_FATAL(set != NULL);
	memset(&r, 0, sizeof(r));
	m->has = RULES_M_SRC | RULES_M_DST;
	m->src.set = set;
	m->src.family = 6;
	m->dst.family = 4;
	m->dst.plen = 24;
	inet_pton(AF_INET, "192.0.2.0", m->dst.addr.b);
	m->dst.neg = true;
	rules_format_match(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "src @admins-6 dst !192.0.2.0/24");
	rules_set_free(rs);
}

/* The longest kind of rule there is, at every buffer size. */
static const char long_rule[] =
	"family = \"ipv6\"; proto = \"!udp\"; src = \"!2001:db8:1234:5678:9abc:def0:1234:5678\";"
	" dst = \"2001:db8:ffff:ffff:ffff:ffff:ffff:0/112\";"
	" sport = \"!1,2,3,4,5,6,7,8,9,10,11,12,13,14,65000-65535\";"
	" dport = \"10000-10001,20000-20001,30000-30001,40000-40001,50000-50001,"
	"60000-60001,1,2,3,4,5,6,7,8,9\"; in = \"!abcdefghijklmn+\"; out = \"!abcdefghijklmno\";"
	" ct_state = \"new,established,related,invalid,untracked\"; ct_dir = \"original\";"
	" tcp_flags = \"!fin,syn,rst,psh,ack,urg,ece,cwr/fin,syn,rst,psh,ack,urg,ece,cwr\";"
	" icmpv6_type = \"nd-neighbor-solicit\"; icmpv6_code = 255;"
	" mark = \"!0xfffffffe/0xffffffff\"; length = \"!65534-65535\";"
	" limit = \"1000000000/second burst 100000\"; limit_per = \"dst/31,127\";"
	" limit_sources = 4194303; connlimit = \"over 65535\";"
	" connlimit_per = \"src/32,0\"; connlimit_sources = 4194304;"
	" log = \"\\\"quoted\\\" \\\\ 29 characters\"; log_level = \"warning\";"
	" set_mark = \"0xfedcba98/0xffffffff\"; goto = \"ssh_guard\";";

static void check_sizes(const char *full, int (*fmt)(const struct rules_rule *, char *, size_t),
			const struct rules_rule *r)
{
	size_t n = strlen(full);

	for (size_t size = 0; size <= n + 2; size++) {
		char *buf = size ? malloc(size) : NULL;
		size_t kept = size ? (size - 1 < n ? size - 1 : n) : 0;

		CU_ASSERT_FATAL(size == 0 || buf != NULL);
		if (size)
			memset(buf, '#', size);
		CU_ASSERT_EQUAL(fmt(r, buf, size), (int)n);
		if (size) {
			CU_ASSERT_EQUAL(strlen(buf), kept);
			CU_ASSERT_EQUAL(memcmp(buf, full, kept), 0);
		}
		free(buf);
	}
}

static int fmt_match(const struct rules_rule *r, char *buf, size_t size)
{
	return rules_format_match(r, buf, size);
}

static void test_truncation(void)
{
	struct rules_set *rs = load_rule(long_rule);
	const struct rules_rule *r;
	char match[1024], action[512];
	int nm, na;

	CU_ASSERT_FATAL(rs != NULL);
	r = first_rule(rs);
	nm = rules_format_match(r, match, sizeof(match));
	na = rules_format_action(r, action, sizeof(action));
	CU_ASSERT_STRING_EQUAL(match,
		"family ipv6 proto !udp src !2001:db8:1234:5678:9abc:def0:1234:5678 "
		"dst 2001:db8:ffff:ffff:ffff:ffff:ffff:0/112 "
		"sport !1,2,3,4,5,6,7,8,9,10,11,12,13,14,65000-65535 "
		"dport 10000-10001,20000-20001,30000-30001,40000-40001,50000-50001,"
		"60000-60001,1,2,3,4,5,6,7,8,9 in !abcdefghijklmn+ out !abcdefghijklmno "
		"ct_state new,established,related,invalid,untracked ct_dir original "
		"tcp_flags !fin,syn,rst,psh,ack,urg,ece,cwr/fin,syn,rst,psh,ack,urg,ece,cwr "
		"icmpv6_type nd-neighbor-solicit icmpv6_code 255 mark !0xfffffffe "
		"length !65534-65535 limit 1000000000/second burst 100000 "
		"limit_per dst/31,127 limit_sources 4194303 connlimit over 65535 "
		"connlimit_per src/32,0 connlimit_sources 4194304");
	CU_ASSERT_STRING_EQUAL(action, "log \"\\\"quoted\\\" \\\\ 29 characters\" level warning "
			       "set_mark 0xfedcba98 goto ssh_guard");
	CU_ASSERT_EQUAL(nm, (int)strlen(match));
	CU_ASSERT_EQUAL(na, (int)strlen(action));
	check_sizes(match, fmt_match, r);
	check_sizes(action, rules_format_action, r);
	rules_set_free(rs);
}

static const struct unit_test match_tests[] = {
	{ "empty rule", test_empty },
	{ "family and proto", test_family_proto },
	{ "addresses and sets", test_addresses },
	{ "ports", test_ports },
	{ "interfaces", test_interfaces },
	{ "ct_state and ct_dir", test_ct },
	{ "tcp_flags", test_tcp_flags },
	{ "icmp and icmpv6", test_icmp },
	{ "mark and length", test_mark_length },
	{ "canonical order", test_order },
	{ "limit, limit_per, limit_sources", test_limit },
	{ "connlimit, connlimit_per, connlimit_sources", test_connlimit },
	{ "stateful specs the loader never makes", test_stateful_by_hand },
	{ "set built by hand", test_set_by_hand },
	{ NULL, NULL },
};

static const struct unit_test action_tests[] = {
	{ "verdicts", test_actions },
	{ "log and set_mark", test_nonterminal },
	{ "values the loader never makes", test_hand_built },
	{ NULL, NULL },
};

static const struct unit_test size_tests[] = {
	{ "every buffer size", test_truncation },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "rules_format_match", match_tests },
	{ "rules_format_action", action_tests },
	{ "truncation", size_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
