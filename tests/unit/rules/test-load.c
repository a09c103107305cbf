/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the rules loader: a realistic policy loads and decides as
 * written; sets inline and from a file (100k lines); every error message,
 * with its file and line, and the unreachable-rule warning. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfqfw/rules_internal.h"
#include "unit.h"

static char out_buf[8192];

/* Loads TEXT (filter and sets of a whole file); the messages land in
 * out_buf. Returns the error count; *RS is set when it is 0. */
static int load(const char *text, struct rules_set **rs)
{
	config_t cf;
	char *msgs = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&msgs, &len);
	int errors;

	CU_ASSERT_FATAL(err != NULL);
	config_init(&cf);
	if (config_read_string(&cf, text) != CONFIG_TRUE) {
		printf("\n    libconfig: line %d: %s\n", config_error_line(&cf),
		       config_error_text(&cf));
		CU_FAIL_FATAL("test configuration does not parse");
	}
	*rs = NULL;
	errors = rules_load(rs, config_lookup(&cf, "filter"), config_lookup(&cf, "sets"),
			    "test.conf", err);
	fclose(err);
	snprintf(out_buf, sizeof(out_buf), "%s", msgs ? msgs : "");
	free(msgs);
	config_destroy(&cf);
	return errors;
}

/* TEXT must fail with exactly the messages EXPECTED (and ERRORS errors). */
static void expect_errors(const char *text, int errors, const char *expected)
{
	struct rules_set *rs;
	int n = load(text, &rs);

	CU_ASSERT_EQUAL(n, errors);
	CU_ASSERT_PTR_NULL(rs);
	CU_ASSERT_STRING_EQUAL(out_buf, expected);
	if (strcmp(out_buf, expected))
		printf("\n    got:\n%s    want:\n%s", out_buf, expected);
	rules_set_free(rs);
}

static struct pkt tpkt;
static struct rules_packet trp;

static void tp(const char *src, const char *dst, uint8_t proto, uint16_t dport,
	       enum ct_info ct, const char *in, const char *out)
{
	int af = strchr(src, ':') ? AF_INET6 : AF_INET;

	memset(&tpkt, 0, sizeof(tpkt));
	tpkt.family = af == AF_INET ? 4 : 6;
	inet_pton(af, src, tpkt.saddr.b);
	inet_pton(af, dst, tpkt.daddr.b);
	tpkt.l4proto = proto;
	tpkt.has_l4 = true;
	tpkt.sport = 40000;
	tpkt.dport = dport;
	trp = (struct rules_packet){ .p = &tpkt, .ct = ct, .in = in, .out = out, .len = 80 };
}

static const struct rules_result *decide(const struct rules_set *rs, const char *chain)
{
	static struct rules_result res, naive;

	rules_eval(rules_chain_find(rs, chain), &trp, &res);
	rules_eval_naive(rules_chain_find(rs, chain), &trp, &naive);
	CU_ASSERT_EQUAL(res.verdict, naive.verdict);
	CU_ASSERT_PTR_EQUAL(res.rule, naive.rule);
	return &res;
}

static const char gateway[] =
	"filter: {\n"
	"  forward: {\n"
	"    policy = \"drop\";\n"
	"    rules = (\n"
	"      { ct_state = \"established,related\"; action = \"accept\"; },\n"
	"      { ct_state = \"invalid\"; action = \"drop\"; log = \"INVALID \"; },\n"
	"      { in = \"lan0\"; out = \"wan+\"; proto = \"tcp\"; dport = \"80,443\"; action = \"accept\"; },\n"
	"      { in = \"wan0\"; proto = \"tcp\"; dst = \"198.51.100.10\"; dport = 80;\n"
	"        ct_state = \"new\"; action = \"accept\"; },\n"
	"      { proto = \"icmp\"; icmp_type = \"echo-request\"; set_mark = \"0x1/0xf\"; action = \"accept\"; },\n"
	"      { src = \"@blocklist\"; proto = \"tcp\"; action = \"reject\"; reject_with = \"tcp-reset\"; },\n"
	"      { src = \"!@blocklist\"; jump = \"ssh_guard\"; },\n"
	"      { action = \"reject\"; reject_with = \"icmp-admin-prohibited\"; }\n"
	"    );\n"
	"  };\n"
	"  output: { policy = \"accept\"; };\n"
	"  ssh_guard: { rules = (\n"
	"      { proto = \"tcp\"; dport = 22; src = \"192.0.2.5\"; log = \"SSH \"; log_level = \"info\"; action = \"accept\"; },\n"
	"      { proto = \"tcp\"; dport = 22; action = \"drop\"; }\n"
	"  ); };\n"
	"};\n"
	"sets = ( { name = \"blocklist\"; type = \"ipv4_addr\";\n"
	"           elements = [ \"203.0.113.0/25\", \"198.51.100.66\" ]; } );\n";

static void test_gateway(void)
{
	const struct rules_result *res;
	struct rules_set *rs;

	CU_ASSERT_EQUAL_FATAL(load(gateway, &rs), 0);
	CU_ASSERT_STRING_EQUAL(out_buf, "");
	CU_ASSERT_FATAL(rs != NULL);
	CU_ASSERT_EQUAL(rules_chain_find(rs, "forward")->policy, RULES_DROP);
	CU_ASSERT_TRUE(rules_chain_find(rs, "forward")->base);
	CU_ASSERT_FALSE(rules_chain_find(rs, "ssh_guard")->base);
	CU_ASSERT_EQUAL(rules_chain_find(rs, "forward")->rules[3].line, 8);

	tp("192.0.2.9", "203.0.113.80", IPPROTO_TCP, 443, CT_INFO_NEW, "lan0", "wan1");
	res = decide(rs, "forward");
	CU_ASSERT_EQUAL(res->verdict, RULES_ACCEPT);
	CU_ASSERT_EQUAL(res->rule->index, 2);
	tp("192.0.2.9", "203.0.113.80", IPPROTO_TCP, 443, CT_INFO_INVALID, "lan0", "wan1");
	res = decide(rs, "forward");
	CU_ASSERT_EQUAL(res->verdict, RULES_DROP);
	CU_ASSERT_EQUAL(res->n_logs, 1);
	CU_ASSERT_STRING_EQUAL(res->logs[0]->log.prefix, "INVALID ");
	CU_ASSERT_EQUAL(res->logs[0]->log.level, 4);     /* warning by default */
	tp("203.0.113.7", "198.51.100.10", IPPROTO_TCP, 80, CT_INFO_NEW, "wan0", "dmz0");
	CU_ASSERT_EQUAL(decide(rs, "forward")->verdict, RULES_ACCEPT);
	tp("203.0.113.7", "198.51.100.10", IPPROTO_TCP, 22, CT_INFO_NEW, "wan0", "dmz0");
	res = decide(rs, "forward");
	CU_ASSERT_EQUAL(res->verdict, RULES_REJECT);
	CU_ASSERT_EQUAL(res->reject, RULES_REJECT_TCP_RESET);
	tp("192.0.2.5", "198.51.100.10", IPPROTO_TCP, 22, CT_INFO_NEW, "lan0", "dmz0");
	res = decide(rs, "forward");
	CU_ASSERT_EQUAL(res->verdict, RULES_ACCEPT);
	CU_ASSERT_STRING_EQUAL(res->chain->name, "ssh_guard");
	CU_ASSERT_EQUAL(res->logs[0]->log.level, 6);
	tp("192.0.2.6", "198.51.100.10", IPPROTO_TCP, 22, CT_INFO_NEW, "lan0", "dmz0");
	CU_ASSERT_EQUAL(decide(rs, "forward")->verdict, RULES_DROP);
	tp("192.0.2.6", "198.51.100.10", IPPROTO_UDP, 53, CT_INFO_NEW, "lan0", "dmz0");
	res = decide(rs, "forward");
	CU_ASSERT_EQUAL(res->verdict, RULES_REJECT);
	CU_ASSERT_EQUAL(res->reject, RULES_REJECT_ADMIN_PROHIBITED);
	tp("192.0.2.6", "198.51.100.10", IPPROTO_ICMP, 0, CT_INFO_NEW, "lan0", "dmz0");
	tpkt.icmp.type = 8;
	res = decide(rs, "forward");
	CU_ASSERT_EQUAL(res->verdict, RULES_ACCEPT);
	CU_ASSERT_TRUE(res->mark_set);
	CU_ASSERT_EQUAL(res->mark, 1);
	CU_ASSERT_EQUAL(decide(rs, "output")->verdict, RULES_ACCEPT);
	rules_set_free(rs);
}

static void test_empty(void)
{
	struct rules_set *rs;

	CU_ASSERT_EQUAL(load("x = 1;", &rs), 0);
	CU_ASSERT_PTR_NOT_NULL(rs);
	CU_ASSERT_EQUAL(rules_chain_count(rs), 0);
	rules_set_free(rs);
}

static void test_set_file(void)
{
	char path[] = "/tmp/nfqfw-rules-set-XXXXXX", text[512];
	struct rules_set *rs;
	int fd = mkstemp(path);
	FILE *f;

	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_FATAL(f != NULL);
	fprintf(f, "# blocklist\n\n  2001:db8:ff::/48   # a network\n");
	for (unsigned int i = 0; i < 100000; i++)
		fprintf(f, "2001:db8:1::%x:%x\n", i >> 16, i & 0xffff);
	fclose(f);
	snprintf(text, sizeof(text),
		 "sets = ( { name = \"big\"; type = \"ipv6_addr\"; file = \"%s\"; } );\n"
		 "filter: { input: { policy = \"accept\"; rules = (\n"
		 "  { src = \"@big\"; action = \"drop\"; } ); }; };\n", path);
	CU_ASSERT_EQUAL_FATAL(load(text, &rs), 0);
	CU_ASSERT_EQUAL(rules_addrset_size(rules_addrset_find(rs, "big")), 100001);
	tp("2001:db8:1::1:869f", "2001:db8::1", IPPROTO_UDP, 53, CT_INFO_NEW, "eth0", NULL);
	CU_ASSERT_EQUAL(decide(rs, "input")->verdict, RULES_DROP);
	tp("2001:db8:1::1:86a0", "2001:db8::1", IPPROTO_UDP, 53, CT_INFO_NEW, "eth0", NULL);
	CU_ASSERT_EQUAL(decide(rs, "input")->verdict, RULES_ACCEPT);
	tp("2001:db8:ff:1::1", "2001:db8::1", IPPROTO_UDP, 53, CT_INFO_NEW, "eth0", NULL);
	CU_ASSERT_EQUAL(decide(rs, "input")->verdict, RULES_DROP);
	rules_set_free(rs);

	/* Errors in the file carry the file's name and line. */
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fprintf(f, "2001:db8::1\n192.0.2.1\n2001:db8::1/64\nnonsense\n");
	fclose(f);
	{
		char want[512];

		snprintf(want, sizeof(want),
			 "%s:2: set 'big': '192.0.2.1' is not an IPv6 address\n"
			 "%s:3: set 'big': bad address '2001:db8::1/64'\n"
			 "%s:4: set 'big': bad address 'nonsense'\n", path, path, path);
		expect_errors(text, 3, want);
	}
	unlink(path);
	{
		char want[512];

		snprintf(want, sizeof(want),
			 "test.conf:1: set 'big': cannot read '%s': No such file or directory\n",
			 path);
		expect_errors(text, 1, want);
	}
}

static void test_set_errors(void)
{
	expect_errors(
		"sets = ( { name = \"a\"; type = \"ipv4_addr\"; elements = [ \"192.0.2.0/24\", \"192.0.2.1/24\", \"2001:db8::1\" ]; },\n"
		"  { name = \"a\"; type = \"ipv4_addr\"; elements = [ ]; },\n"
		"  { name = \"b\"; type = \"mac\"; elements = [ ]; },\n"
		"  { name = \"c\"; type = \"ipv4_addr\"; },\n"
		"  { name = \"d e\"; type = \"ipv4_addr\"; elements = [ ]; },\n"
		"  { type = \"ipv4_addr\"; size = 5; elements = [ ]; },\n"
		"  { name = \"f\"; type = \"ipv4_addr\"; elements = \"192.0.2.1\"; },\n"
		"  { name = \"g\"; type = 4; elements = [ 1 ]; },\n"
		"  5 );\n",
		11,
		"test.conf:1: set 'a': bad address '192.0.2.1/24'\n"
		"test.conf:1: set 'a': '2001:db8::1' is not an IPv4 address\n"
		"test.conf:2: set 'a' is defined twice\n"
		"test.conf:3: set 'b': unknown type 'mac' (ipv4_addr or ipv6_addr)\n"
		"test.conf:4: set 'c': needs one of 'elements' and 'file'\n"
		"test.conf:5: set: bad name 'd e' (letters, digits, '_', '-'; at most 31)\n"
		"test.conf:6: unknown key 'size' in a set\n"
		"test.conf:6: set: 'name' is missing\n"
		"test.conf:7: set 'f': elements: expected an array [ ... ], got a string\n"
		"test.conf:8: set: type: expected a string, got an integer\n"
		"test.conf:9: sets: a set is a group { ... }, got an integer\n");
}

static void test_chain_errors(void)
{
	expect_errors(
		"filter: {\n"
		"  forward: { policy = \"reject\"; rules = ( ); };\n"
		"  input: { policy = 1; rules = { }; };\n"
		"  mine: { policy = \"drop\"; rulez = ( ); };\n"
		"  output = 5;\n"
		"  a_chain_name_longer_than_thirty_one: { };\n"
		"};\n",
		7,
		"test.conf:2: chain 'forward': unknown policy 'reject' (accept or drop)\n"
		"test.conf:3: chain 'input': policy: expected a string, got an integer\n"
		"test.conf:3: chain 'input': rules: expected a list ( { ... }, ... ), got a group\n"
		"test.conf:4: chain 'mine': only base chains (input, forward, output) have a policy\n"
		"test.conf:4: chain 'mine': unknown key 'rulez' (policy, rules, comment)\n"
		"test.conf:5: chain 'output': expected a group { ... }, got an integer\n"
		"test.conf:6: bad chain name 'a_chain_name_longer_than_thirty_one' (at most 31 characters)\n");
	expect_errors("filter = ( );\n", 1,
		      "test.conf:1: filter: expected a group { ... }, got a list\n");
}

/* One rule per line, each with one mistake. */
static void test_rule_errors(void)
{
	expect_errors(
		"filter: { forward: { rules = (\n"
		"{ src = \"192.0.2.300\"; },\n"
		"{ dst = \"@nope\"; },\n"
		"{ dport = \"70000\"; },\n"
		"{ dport = \"90-80\"; },\n"
		"{ sport = \"1,2,\"; },\n"
		"{ dport = \"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\"; },\n"
		"{ proto = \"tcpp\"; },\n"
		"{ proto = 256; },\n"
		"{ in = \"a_very_long_interface\"; },\n"
		"{ out = \"\"; },\n"
		"{ ct_state = \"new,estab\"; },\n"
		"{ ct_dir = \"forward\"; },\n"
		"{ tcp_flags = \"syn,bogus/syn\"; },\n"
		"{ tcp_flags = \"syn/syn,ack\"; },\n"
		"{ icmp_type = \"ping\"; },\n"
		"{ icmp_code = 3; },\n"
		"{ mark = \"0x10/0x0f\"; },\n"
		"{ mark = \"x\"; },\n"
		"{ length = \"1500-64\"; },\n"
		"{ action = \"allow\"; },\n"
		"{ jump = \"nowhere\"; },\n"
		"{ goto = \"forward\"; },\n"
		"{ action = \"accept\"; jump = \"u\"; },\n"
		"{ action = \"drop\"; reject_with = \"tcp-reset\"; },\n"
		"{ action = \"reject\"; reject_with = \"tcp-reset\"; },\n"
		"{ action = \"reject\"; reject_with = \"icmp-bogus\"; },\n"
		"{ log = \"a prefix that is far too long!!\"; },\n"
		"{ log_level = \"info\"; },\n"
		"{ log = \"x\"; log_level = \"loud\"; },\n"
		"{ proto = \"udp\"; tcp_flags = \"syn\"; },\n"
		"{ proto = \"icmp\"; dport = 80; },\n"
		"{ proto = \"tcp\"; icmpv6_type = \"echo-request\"; },\n"
		"{ src = \"192.0.2.1\"; dst = \"2001:db8::1\"; },\n"
		"{ family = \"ipv6\"; src = \"192.0.2.1\"; },\n"
		"{ family = \"inet\"; },\n"
		"{ prot = \"tcp\"; },\n"
		"{ dport = 1.5; },\n"
		"{ limit = \"10/fortnight\"; },\n"
		"{ set_mark = \"!1\"; },\n"
		"{ counter = 1; },\n"
		"5\n"
		"); }; u: { }; };\n",
		41,
		"test.conf:2: src: bad address '192.0.2.300' (an IPv4 or IPv6 address, ADDR/PREFIX without host bits, or @set)\n"
		"test.conf:3: dst: unknown set 'nope'\n"
		"test.conf:4: dport: bad port '70000' (0..65535, or LOW-HIGH)\n"
		"test.conf:5: dport: range '90-80' is reversed\n"
		"test.conf:6: sport: list ends with ','\n"
		"test.conf:7: dport: more than 15 ports or ranges\n"
		"test.conf:8: proto: unknown protocol 'tcpp'\n"
		"test.conf:9: proto: 256 is out of range (0..255)\n"
		"test.conf:10: in: bad interface name 'a_very_long_interface'\n"
		"test.conf:11: out: bad interface name ''\n"
		"test.conf:12: ct_state: unknown state 'estab' (new, established, related, invalid, untracked)\n"
		"test.conf:13: ct_dir: unknown direction 'forward' (original or reply)\n"
		"test.conf:14: tcp_flags: bad flags 'syn,bogus/syn' (\"syn\", or MASK/SET such as \"syn,ack,rst,fin/syn\")\n"
		"test.conf:15: tcp_flags: 'syn/syn,ack' wants flags outside its mask\n"
		"test.conf:16: icmp_type: unknown type 'ping'\n"
		"test.conf:17: icmp_code without icmp_type\n"
		"test.conf:18: mark: value has bits outside the mask: it never matches\n"
		"test.conf:19: mark: bad value 'x' (VALUE or VALUE/MASK, 32 bits)\n"
		"test.conf:20: length: range '1500-64' is reversed\n"
		"test.conf:21: action: unknown action 'allow' (accept, drop, reject, return, continue, snat, dnat, masquerade, redirect; or jump/goto = \"chain\")\n"
		"test.conf:22: jump: unknown chain 'nowhere'\n"
		"test.conf:23: goto: 'forward' is a base chain; only user chains can be jumped to\n"
		"test.conf:24: jump: a rule has one action; drop 'action' or 'jump'\n"
		"test.conf:25: reject_with needs action \"reject\"\n"
		"test.conf:26: tcp-reset needs proto \"tcp\"\n"
		"test.conf:27: reject_with: unknown type 'icmp-bogus' (tcp-reset, icmp-port-unreachable, icmp-host-unreachable, icmp-net-unreachable, icmp-admin-prohibited)\n"
		"test.conf:28: log: prefix longer than 29 characters\n"
		"test.conf:29: log_level without log\n"
		"test.conf:30: log_level: unknown level 'loud' (emerg, alert, crit, err, warning, notice, info, debug)\n"
		"test.conf:31: tcp_flags needs proto tcp\n"
		"test.conf:32: ports need proto tcp or udp\n"
		"test.conf:33: icmpv6_type needs proto icmpv6\n"
		"test.conf:34: mixes IPv4 (src) and IPv6 (dst)\n"
		"test.conf:35: mixes IPv6 (family) and IPv4 (src)\n"
		"test.conf:36: family: unknown family 'inet' (ipv4 or ipv6)\n"
		"test.conf:37: unknown key 'prot' in a rule\n"
		"test.conf:38: dport: expected a string, got a float\n"
		"test.conf:39: limit: unknown unit 'fortnight' (second, minute, hour or day)\n"
		"test.conf:40: set_mark: cannot be negated\n"
		"test.conf:41: counter: expected a boolean, got an integer\n"
		"test.conf:42: a rule is a group { ... }, got an integer\n");
}

/* Accepted spellings, checked through the data they produce. */
static void test_rule_forms(void)
{
	struct rules_set *rs;
	const struct rules_rule *r;
	int n;

	n = load(
		"filter: { input: { rules = (\n"
		"{ proto = \"!udp\"; sport = \"!1024-65535\"; dport = \"22, 80-81\"; in = \"!eth+\"; },\n"
		"{ proto = 6; tcp_flags = \"! syn,ack/none\"; mark = 0xff; length = \"!64-1500\"; },\n"
		"{ proto = \"icmpv6\"; icmpv6_type = \"echo-request\"; icmpv6_code = 0; dst = \"!2001:db8::/32\"; },\n"
		"{ ct_state = \"new, related\"; ct_dir = \"reply\"; tcp_flags = \"syn\"; set_mark = \"0x100/0xf00\"; counter = true; comment = \"x\"; }\n"
		"); }; };\n", &rs);
	if (n)
		printf("\n%s", out_buf);
	CU_ASSERT_EQUAL_FATAL(n, 0);
	CU_ASSERT_STRING_EQUAL(out_buf, "");
	CU_ASSERT_FATAL(rs != NULL);
	r = rules_chain_find(rs, "input")->rules;
	CU_ASSERT_TRUE(r[0].m.proto_neg);
	CU_ASSERT_EQUAL(r[0].m.proto, IPPROTO_UDP);
	CU_ASSERT_TRUE(r[0].m.sport.neg);
	CU_ASSERT_EQUAL(r[0].m.sport.r[0].lo, 1024);
	CU_ASSERT_EQUAL(r[0].m.dport.n, 2);
	CU_ASSERT_EQUAL(r[0].m.dport.r[1].hi, 81);
	CU_ASSERT_TRUE(r[0].m.in.neg && r[0].m.in.wildcard);
	CU_ASSERT_STRING_EQUAL(r[0].m.in.name, "eth");
	CU_ASSERT_EQUAL(r[0].action, RULES_ACT_CONTINUE);
	CU_ASSERT_EQUAL(r[1].m.proto, IPPROTO_TCP);
	CU_ASSERT_TRUE(r[1].m.tcp_neg);
	CU_ASSERT_EQUAL(r[1].m.tcp_mask, RULES_TCP_SYN | RULES_TCP_ACK);
	CU_ASSERT_EQUAL(r[1].m.tcp_value, 0);
	CU_ASSERT_EQUAL(r[1].m.mark_value, 0xff);
	CU_ASSERT_EQUAL(r[1].m.mark_mask, 0xffffffff);
	CU_ASSERT_TRUE(r[1].m.len_neg);
	CU_ASSERT_EQUAL(r[1].m.len_hi, 1500);
	CU_ASSERT_EQUAL(r[2].m.icmp_family, 6);
	CU_ASSERT_EQUAL(r[2].m.icmp_type, 128);
	CU_ASSERT_EQUAL(r[2].m.icmp_code, 0);
	CU_ASSERT_TRUE(r[2].m.dst.neg);
	CU_ASSERT_EQUAL(r[2].m.dst.plen, 32);
	CU_ASSERT_EQUAL(r[3].m.ct_states, RULES_CT_BIT(CT_INFO_NEW) | RULES_CT_BIT(CT_INFO_RELATED));
	CU_ASSERT_EQUAL(r[3].m.ct_dir, CT_DIR_REPLY);
	CU_ASSERT_EQUAL(r[3].m.tcp_mask, 0x17);
	CU_ASSERT_EQUAL(r[3].m.tcp_value, RULES_TCP_SYN);
	CU_ASSERT_TRUE(r[3].has_mark_set);
	CU_ASSERT_EQUAL(r[3].mark_set_value, 0x100);
	CU_ASSERT_EQUAL(r[3].mark_set_mask, 0xf00);
	CU_ASSERT_EQUAL(rules_chain_find(rs, "input")->policy, RULES_ACCEPT);
	rules_set_free(rs);
}

/* Every message of the stateful matches' keys. */
static void test_stateful_errors(void)
{
	expect_errors(
		"filter: { input: { rules = (\n"
		"{ limit = 10; },\n"
		"{ limit = \"\"; },\n"
		"{ limit = \"10\"; },\n"
		"{ limit = \"ten/second\"; },\n"
		"{ limit = \"0/second\"; },\n"
		"{ limit = \"1000000001/second\"; },\n"
		"{ limit = \"10/sec\"; },\n"
		"{ limit = \"10/second burst 0\"; },\n"
		"{ limit = \"10/second burst 100001\"; },\n"
		"{ limit = \"10/second burst\"; },\n"
		"{ limit = \"10/second bursts 3\"; },\n"
		"{ limit = \"10/second burst 20 packets\"; },\n"
		"{ limit = \"1/minute\"; limit_per = \"source\"; },\n"
		"{ limit = \"1/minute\"; limit_per = \"src/33\"; },\n"
		"{ limit = \"1/minute\"; limit_per = \"src/24,129\"; },\n"
		"{ limit = \"1/minute\"; limit_per = \"src/24,\"; },\n"
		"{ limit = \"1/minute\"; limit_per = 24; },\n"
		"{ limit_per = \"src\"; },\n"
		"{ limit = \"1/minute\"; limit_sources = 100; },\n"
		"{ limit = \"1/minute\"; limit_per = \"src\"; limit_sources = 0; },\n"
		"{ limit = \"1/minute\"; limit_per = \"src\"; limit_sources = 4194305; },\n"
		"{ limit = \"1/minute\"; limit_per = \"src\"; limit_sources = \"many\"; },\n"
		"{ connlimit = 10; },\n"
		"{ connlimit = \"10\"; },\n"
		"{ connlimit = \"over 65536\"; },\n"
		"{ connlimit = \"above 3\"; },\n"
		"{ connlimit = \"over 3\"; connlimit_per = \"dst/-1\"; },\n"
		"{ connlimit_per = \"src/24\"; },\n"
		"{ connlimit = \"over 3\"; connlimit_sources = 10; },\n"
		"{ connlimit = \"over 3\"; connlimit_per = \"src\"; connlimit_sources = -1; },\n"
		"{ connlimit_sources = 8; }\n"
		"); }; };\n",
		31,
		"test.conf:2: limit: expected a string, got an integer\n"
		"test.conf:3: limit: bad limit '' (RATE/UNIT, then optionally burst N, such as \"10/second burst 20\")\n"
		"test.conf:4: limit: bad limit '10' (RATE/UNIT, then optionally burst N, such as \"10/second burst 20\")\n"
		"test.conf:5: limit: bad limit 'ten/second' (RATE/UNIT, then optionally burst N, such as \"10/second burst 20\")\n"
		"test.conf:6: limit: rate 0 is out of range (1..1000000000)\n"
		"test.conf:7: limit: rate 1000000001 is out of range (1..1000000000)\n"
		"test.conf:8: limit: unknown unit 'sec' (second, minute, hour or day)\n"
		"test.conf:9: limit: burst 0 is out of range (1..100000)\n"
		"test.conf:10: limit: burst 100001 is out of range (1..100000)\n"
		"test.conf:11: limit: bad limit '10/second burst' (RATE/UNIT, then optionally burst N, such as \"10/second burst 20\")\n"
		"test.conf:12: limit: bad limit '10/second bursts 3' (RATE/UNIT, then optionally burst N, such as \"10/second burst 20\")\n"
		"test.conf:13: limit: bad limit '10/second burst 20 packets' (RATE/UNIT, then optionally burst N, such as \"10/second burst 20\")\n"
		"test.conf:14: limit_per: bad key 'source' (src or dst, then optionally /IPV4_PREFIX or /IPV4_PREFIX,IPV6_PREFIX, such as \"src/24,64\")\n"
		"test.conf:15: limit_per: IPv4 prefix 33 is out of range (0..32)\n"
		"test.conf:16: limit_per: IPv6 prefix 129 is out of range (0..128)\n"
		"test.conf:17: limit_per: bad key 'src/24,' (src or dst, then optionally /IPV4_PREFIX or /IPV4_PREFIX,IPV6_PREFIX, such as \"src/24,64\")\n"
		"test.conf:18: limit_per: expected a string, got an integer\n"
		"test.conf:19: limit_per without limit\n"
		"test.conf:20: limit_sources without limit_per\n"
		"test.conf:21: limit_sources: 0 is out of range (1..4194304)\n"
		"test.conf:22: limit_sources: 4194305 is out of range (1..4194304)\n"
		"test.conf:23: limit_sources: expected an integer, got a string\n"
		"test.conf:24: connlimit: expected a string, got an integer\n"
		"test.conf:25: connlimit: bad connlimit '10' (\"over N\": matches above N connections)\n"
		"test.conf:26: connlimit: 65536 is out of range (0..65535)\n"
		"test.conf:27: connlimit: bad connlimit 'above 3' (\"over N\": matches above N connections)\n"
		"test.conf:28: connlimit_per: bad key 'dst/-1' (src or dst, then optionally /IPV4_PREFIX or /IPV4_PREFIX,IPV6_PREFIX, such as \"src/24,64\")\n"
		"test.conf:29: connlimit_per without connlimit\n"
		"test.conf:30: connlimit_sources without connlimit_per\n"
		"test.conf:31: connlimit_sources: -1 is out of range (1..4194304)\n"
		"test.conf:32: connlimit_sources without connlimit_per\n");
}

/* Accepted spellings of the stateful keys, through the data they give and
 * the decisions of the loaded set. */
static void test_stateful_forms(void)
{
	struct rules_set *rs;
	const struct rules_rule *r;
	struct rules_result res;
	int n, passed = 0;

	n = load(
		"filter: { input: { policy = \"drop\"; rules = (\n"
		"{ proto = \"tcp\"; dport = 22; connlimit = \"over 3\"; connlimit_per = \"src/24,64\";\n"
		"  connlimit_sources = 1024; action = \"reject\"; },\n"
		"{ proto = \"tcp\"; limit = \"10/second burst 20\"; limit_per = \"src/24\";\n"
		"  limit_sources = 100; action = \"accept\"; },\n"
		"{ limit = \"3/minute\"; log = \"FLOOD \"; },\n"
		"{ limit = \"1/hour burst 1\"; connlimit = \"over 0\"; connlimit_per = \"dst\"; },\n"
		"{ limit = \"2/day\"; limit_per = \"dst/16,48\"; action = \"accept\"; }\n"
		"); }; };\n", &rs);
	if (n)
		printf("\n%s", out_buf);
	CU_ASSERT_EQUAL_FATAL(n, 0);
	/* A rule with only a limit is not "without matches": no warning. */
	CU_ASSERT_STRING_EQUAL(out_buf, "");
	r = rules_chain_find(rs, "input")->rules;
	CU_ASSERT_EQUAL(r[0].m.has & (RULES_M_LIMIT | RULES_M_CONNLIMIT), RULES_M_CONNLIMIT);
	CU_ASSERT_EQUAL(r[0].connlimit_spec.over, 3);
	CU_ASSERT_EQUAL(r[0].connlimit_spec.per.addr, RULES_PER_SRC);
	CU_ASSERT_EQUAL(r[0].connlimit_spec.per.plen4, 24);
	CU_ASSERT_EQUAL(r[0].connlimit_spec.per.plen6, 64);
	CU_ASSERT_EQUAL(r[0].connlimit_spec.per.slots, 1024);
	CU_ASSERT_PTR_NOT_NULL(r[0].connlimit);
	CU_ASSERT_PTR_NULL(r[0].limit);
	CU_ASSERT_EQUAL(r[1].m.has & (RULES_M_LIMIT | RULES_M_CONNLIMIT), RULES_M_LIMIT);
	CU_ASSERT_EQUAL(r[1].limit_spec.rate, 10);
	CU_ASSERT_EQUAL(r[1].limit_spec.period_ns, RULES_SECOND_NS);
	CU_ASSERT_EQUAL(r[1].limit_spec.burst, 20);
	CU_ASSERT_EQUAL(r[1].limit_spec.per.addr, RULES_PER_SRC);
	CU_ASSERT_EQUAL(r[1].limit_spec.per.plen4, 24);
	CU_ASSERT_EQUAL(r[1].limit_spec.per.plen6, 128);
	CU_ASSERT_EQUAL(r[1].limit_spec.per.slots, 100);
	CU_ASSERT_PTR_NOT_NULL(r[1].limit);
	CU_ASSERT_EQUAL(r[2].limit_spec.rate, 3);
	CU_ASSERT_EQUAL(r[2].limit_spec.period_ns, 60 * RULES_SECOND_NS);
	CU_ASSERT_EQUAL(r[2].limit_spec.burst, RULES_LIMIT_BURST_DEFAULT);
	CU_ASSERT_EQUAL(r[2].limit_spec.per.addr, RULES_PER_RULE);
	CU_ASSERT_EQUAL(r[2].action, RULES_ACT_CONTINUE);
	CU_ASSERT_EQUAL(r[3].m.has & (RULES_M_LIMIT | RULES_M_CONNLIMIT),
			RULES_M_LIMIT | RULES_M_CONNLIMIT);
	CU_ASSERT_EQUAL(r[3].limit_spec.period_ns, 3600 * RULES_SECOND_NS);
	CU_ASSERT_EQUAL(r[3].limit_spec.burst, 1);
	CU_ASSERT_EQUAL(r[3].connlimit_spec.over, 0);
	CU_ASSERT_EQUAL(r[3].connlimit_spec.per.addr, RULES_PER_DST);
	CU_ASSERT_EQUAL(r[3].connlimit_spec.per.plen4, 32);
	CU_ASSERT_EQUAL(r[4].limit_spec.period_ns, RULES_DAY_NS);
	CU_ASSERT_EQUAL(r[4].limit_spec.per.addr, RULES_PER_DST);
	CU_ASSERT_EQUAL(r[4].limit_spec.per.plen4, 16);
	CU_ASSERT_EQUAL(r[4].limit_spec.per.plen6, 48);

	/* TCP from one /24 without a connection: 20 at once by rule 1, the
	 * 3/minute log rule sees 5 of the rest, rule 3 never matches (no
	 * connection to count), and the 2/day accept takes its burst (5). */
	for (int i = 0; i < 40; i++) {
		tp(i % 2 ? "192.0.2.9" : "192.0.2.10", "203.0.113.80", IPPROTO_TCP, 443,
		   CT_INFO_NEW, "lan0", "wan0");
		trp.now_ns = 1000 * RULES_SECOND_NS;
		rules_eval(rules_chain_find(rs, "input"), &trp, &res);
		passed += res.verdict == RULES_ACCEPT;
		CU_ASSERT_EQUAL(res.n_logs, i >= 20 && i < 25);
	}
	CU_ASSERT_EQUAL(passed, 25);
	CU_ASSERT_EQUAL(atomic_load(&r[1].packets), 20);
	CU_ASSERT_EQUAL(atomic_load(&r[2].packets), 5);
	CU_ASSERT_EQUAL(atomic_load(&r[3].packets), 0);
	CU_ASSERT_EQUAL(atomic_load(&r[4].packets), 5);
	rules_set_free(rs);
}

static void test_loops(void)
{
	expect_errors(
		"filter: {\n"
		"  forward: { rules = ( { jump = \"a\"; } ); };\n"
		"  a: { rules = ( { jump = \"b\"; } ); };\n"
		"  b: { rules = ( { proto = \"tcp\"; goto = \"c\"; } ); };\n"
		"  c: { rules = ( { action = \"accept\"; dport = 1; },\n"
		"                 { jump = \"a\"; } ); };\n"
		"  d: { rules = ( { jump = \"d\"; } ); };\n"
		"};\n",
		2,
		"test.conf:6: jump loop: a -> b -> c -> a\n"
		"test.conf:7: jump loop: d -> d\n");
	/* A diamond is no loop. */
	{
		struct rules_set *rs;

		CU_ASSERT_EQUAL(load("filter: {\n"
				     "  input: { rules = ( { jump = \"a\"; }, { jump = \"b\"; } ); };\n"
				     "  a: { rules = ( { jump = \"c\"; } ); };\n"
				     "  b: { rules = ( { goto = \"c\"; } ); };\n"
				     "  c: { };\n"
				     "};\n", &rs), 0);
		CU_ASSERT_STRING_EQUAL(out_buf, "");
		rules_set_free(rs);
	}
}

static void test_unreachable_warning(void)
{
	struct rules_set *rs;

	CU_ASSERT_EQUAL(load("filter: {\n"
			     "  input: { policy = \"drop\"; rules = (\n"
			     "    { log = \"all \"; },\n"
			     "    { jump = \"u\"; },\n"
			     "    { action = \"accept\"; },\n"
			     "    { proto = \"tcp\"; action = \"drop\"; },\n"
			     "    { action = \"drop\"; }\n"
			     "  ); };\n"
			     "  u: { rules = ( { action = \"return\"; }, { action = \"accept\"; } ); };\n"
			     "};\n", &rs), 0);
	CU_ASSERT_STRING_EQUAL(out_buf,
		"test.conf:6: warning: chain 'input': rule is unreachable (the rule at line 5 always ends the chain)\n"
		"test.conf:9: warning: chain 'u': rule is unreachable (the rule at line 9 always ends the chain)\n");
	CU_ASSERT_PTR_NOT_NULL(rs);
	rules_set_free(rs);
}

static const struct unit_test load_tests[] = {
	{ "a gateway policy loads and decides", test_gateway },
	{ "nothing to load", test_empty },
	{ "accepted spellings", test_rule_forms },
	{ "set from a file, 100k elements; file errors", test_set_file },
	{ "set errors", test_set_errors },
	{ "chain errors", test_chain_errors },
	{ "rule errors", test_rule_errors },
	{ "stateful match errors", test_stateful_errors },
	{ "stateful match spellings and decisions", test_stateful_forms },
	{ "jump loops", test_loops },
	{ "unreachable rule warning", test_unreachable_warning },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "rules loader", load_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
