/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the configuration's rules part: the `filter` group and the
 * `sets` list reach the rules loader, whose messages follow those of the
 * other sections; what the rules need from the other sections (the pass
 * mark for rejects) is checked; queue.state_mark is checked. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nfqfw/conf.h"
#include "nfqfw/rules.h"
#include "conf-test.h"

static void test_no_filter_no_rules(void)
{
	struct nfqfw_conf c;

	test_load_ok("queue: { count = 2; };\n", &c);
	CU_ASSERT_PTR_NULL(c.rules);
	CU_ASSERT_EQUAL(c.queue.state_mark, 0x00e00000u);
	conf_release(&c);
}

static void test_filter_loaded(void)
{
	struct nfqfw_conf c;
	const struct rules_chain *fwd;

	test_load_ok("filter: {\n"
		     "  forward: { policy = \"drop\"; rules = (\n"
		     "    { ct_state = \"established,related\"; action = \"accept\"; },\n"
		     "    { src = \"@lan\"; proto = \"tcp\"; dport = \"80,443\"; action = \"accept\"; }\n"
		     "  ); };\n"
		     "  input: { policy = \"accept\"; };\n"
		     "};\n"
		     "sets = ( { name = \"lan\"; type = \"ipv4_addr\";\n"
		     "           elements = [ \"192.0.2.0/24\" ]; } );\n", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.rules);
	fwd = rules_chain_find(c.rules, "forward");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fwd);
	CU_ASSERT_EQUAL(fwd->n_rules, 2);
	CU_ASSERT_EQUAL(fwd->policy, RULES_DROP);
	CU_ASSERT_EQUAL(fwd->rules[1].line, 4);
	CU_ASSERT_PTR_NOT_NULL(rules_chain_find(c.rules, "input"));
	CU_ASSERT_PTR_NOT_NULL(rules_addrset_find(c.rules, "lan"));
	conf_release(&c);
	CU_ASSERT_PTR_NULL(c.rules);
	conf_release(&c);    /* twice is harmless */
}

/* Messages of the other sections first, then the rules', all counted. */
static void test_errors_of_both(void)
{
	test_expect("queue: { count = 0; };\n"
		    "filter: { forward: { policy = \"drop\"; rules = (\n"
		    "  { proto = \"tcpp\"; action = \"accept\"; }\n"
		    "); }; };\n", 2,
		    "test.conf:1: queue.count: 0 is out of range (1..64)\n"
		    "test.conf:3: proto: unknown protocol 'tcpp'\n");
}

static void test_rules_error_alone(void)
{
	test_expect("filter: { forward: { policy = \"drop\"; rules = (\n"
		    "  { src = \"@nosuch\"; action = \"accept\"; }\n"
		    "); }; };\n", 1,
		    "test.conf:2: src: unknown set 'nosuch'\n");
}

static void test_section_hint(void)
{
	test_expect("filtr: { };\n", 1,
		    "test.conf:1: unknown section 'filtr' (did you mean 'filter'?)\n");
	test_expect("set = ( );\n", 1,
		    "test.conf:1: unknown section 'set' (did you mean 'sets'?)\n");
}

static void test_reject_needs_pass_mark(void)
{
	struct nfqfw_conf c;

	test_expect("queue: { pass_mark = 0; };\n"
		    "filter: { input: { policy = \"drop\"; rules = (\n"
		    "  { proto = \"tcp\"; action = \"accept\"; },\n"
		    "  { proto = \"tcp\"; action = \"reject\"; reject_with = \"tcp-reset\"; }\n"
		    "); }; };\n", 1,
		    "test.conf:4: action \"reject\" needs queue.pass_mark "
		    "(it marks the daemon's own rejects)\n");
	/* drop is fine without */
	test_load_ok("queue: { pass_mark = 0; };\n"
		     "filter: { input: { policy = \"drop\"; rules = (\n"
		     "  { proto = \"tcp\"; action = \"drop\"; }\n"
		     "); }; };\n", &c);
	CU_ASSERT_PTR_NOT_NULL(c.rules);
	conf_release(&c);
}

static void test_state_mark(void)
{
	struct nfqfw_conf c;

	test_expect("queue: {\n  state_mark = 0x00a00000;\n};\n", 1,
		    "test.conf:2: queue.state_mark: 0x00a00000 is not a run of "
		    "at least 3 contiguous bits\n");
	test_expect("queue: { state_mark = 0x00600000; };\n", 1,
		    "test.conf:1: queue.state_mark: 0x00600000 is not a run of "
		    "at least 3 contiguous bits\n");
	test_expect("queue: { state_mark = 0x00700000; };\n", 1,
		    "test.conf:1: queue.state_mark: 0x00700000 overlaps "
		    "queue.pass_mark 0x00100000\n");
	test_load_ok("queue: { state_mark = 0; };\n", &c);
	CU_ASSERT_EQUAL(c.queue.state_mark, 0);
	test_load_ok("queue: { state_mark = 0xf0000000; pass_mark = 1; };\n", &c);
	CU_ASSERT_EQUAL(c.queue.state_mark, 0xf0000000u);
	test_load_ok("queue: { state_mark = 0x00700000; pass_mark = 0; };\n", &c);
	CU_ASSERT_EQUAL(c.queue.state_mark, 0x00700000u);
}

/* A refused file leaves the caller's configuration, ruleset included. */
static void test_failure_keeps_rules(void)
{
	struct nfqfw_conf c;
	struct rules_set *before;
	char *out;

	test_load_ok("filter: { input: { policy = \"drop\"; }; };\n", &c);
	before = c.rules;
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	CU_ASSERT_NOT_EQUAL(test_load_bytes("filter: { input: { policy = \"maybe\"; }; };\n",
					    43, &c, &out), 0);
	CU_ASSERT_PTR_EQUAL(c.rules, before);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "test.conf:1: "));
	free(out);
	conf_release(&c);
}

static const struct unit_test rules_conf_tests[] = {
	{ "no filter, no rules", test_no_filter_no_rules },
	{ "filter and sets loaded", test_filter_loaded },
	{ "errors of both parts", test_errors_of_both },
	{ "rules error alone", test_rules_error_alone },
	{ "section name hints", test_section_hint },
	{ "reject needs the pass mark", test_reject_needs_pass_mark },
	{ "state_mark checks", test_state_mark },
	{ "failure keeps the ruleset", test_failure_keeps_rules },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "conf rules", rules_conf_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
