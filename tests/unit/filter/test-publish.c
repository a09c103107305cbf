/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the ruleset's life in the daemon: which rulesets make
 * packets come back after routing, the swap on reload, and the counters
 * that survive it (the same rules keep theirs, changed ones restart). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netfilter.h>

#include "nfqfw/ct.h"
#include "nfqfw/filter.h"
#include "nfqfw/rules.h"
#include "unit.h"

/* Loads TEXT (a whole configuration: filter group and sets) as rules. */
static struct rules_set *load(const char *text)
{
	struct rules_set *rs = NULL;
	config_t cf;
	int errors;

	config_init(&cf);
	CU_ASSERT_FATAL(config_read_string(&cf, text) == CONFIG_TRUE);
	errors = rules_load(&rs, config_lookup(&cf, "filter"), config_lookup(&cf, "sets"),
			    "test.conf", stderr);
	config_destroy(&cf);
	CU_ASSERT_EQUAL_FATAL(errors, 0);
	return rs;
}

static struct filter_rules *rules_of(const char *text)
{
	struct filter_rules *fr = NULL;

	CU_ASSERT_EQUAL_FATAL(filter_rules_new(&fr, load(text)), 0);
	return fr;
}

static void test_after_routing(void)
{
	static const struct {
		const char *text;
		bool after;
	} cases[] = {
		{ "filter: { output: { policy = \"drop\"; }; };", false },
		{ "filter: { input: { policy = \"accept\"; }; };", false },
		{ "filter: { forward: { policy = \"accept\"; }; output: { policy = \"drop\"; }; };", false },
		{ "filter: { input: { policy = \"drop\"; }; };", true },
		{ "filter: { forward: { policy = \"accept\"; rules = ( { proto = \"udp\"; "
		  "action = \"accept\"; } ); }; };", true },
		{ "filter: { x: { rules = ( { action = \"drop\"; } ); }; };", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct filter_rules *fr = rules_of(cases[i].text);

		CU_ASSERT_EQUAL(fr->filter_after_routing, cases[i].after);
		filter_rules_free(fr);
	}
}

static void test_chains_found(void)
{
	struct filter_rules *fr = rules_of(
		"filter: { input: { policy = \"drop\"; }; output: { policy = \"accept\"; }; };");

	CU_ASSERT_PTR_NOT_NULL(fr->input);
	CU_ASSERT_PTR_NULL(fr->forward);
	CU_ASSERT_PTR_NOT_NULL(fr->output);
	CU_ASSERT_STRING_EQUAL(fr->input->name, "input");
	filter_rules_free(fr);
	CU_ASSERT_EQUAL(filter_rules_new(&fr, NULL), 0);
	CU_ASSERT_PTR_NULL(fr->input);
	CU_ASSERT_FALSE(fr->filter_after_routing);
	filter_rules_free(fr);
}

/* Which first rules let an ESTABLISHED packet be accepted at prerouting. */
static void test_established_rule(void)
{
	static const struct {
		const char *rule;
		bool fast;
	} cases[] = {
		{ "{ ct_state = \"established,related\"; action = \"accept\"; }", true },
		{ "{ ct_state = \"established\"; action = \"accept\"; }", true },
		{ "{ ct_state = \"related\"; action = \"accept\"; }", false },
		{ "{ ct_state = \"established\"; action = \"drop\"; }", false },
		{ "{ ct_state = \"established\"; action = \"accept\"; log = \"E \"; }", false },
		{ "{ ct_state = \"established\"; action = \"accept\"; set_mark = 1; }", false },
		{ "{ ct_state = \"established\"; in = \"lan0\"; action = \"accept\"; }", false },
		{ "{ ct_state = \"established\"; limit = \"1/second\"; action = \"accept\"; }", false },
		{ "{ ct_state = \"established\"; jump = \"x\"; }", false },
		{ "{ proto = \"tcp\"; action = \"accept\"; }", false },
	};
	char text[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct filter_rules *fr;

		snprintf(text, sizeof(text), "filter: { forward: { policy = \"drop\"; rules = ( %s, "
			 "{ proto = \"udp\"; action = \"accept\"; } ); }; x: { }; "
			 "input: { policy = \"drop\"; rules = ( %s ); }; };",
			 cases[i].rule, cases[i].rule);
		fr = rules_of(text);
		CU_ASSERT_EQUAL(fr->established_forward != NULL, cases[i].fast);
		CU_ASSERT_EQUAL(fr->established_input != NULL, cases[i].fast);
		if (cases[i].fast)
			CU_ASSERT_PTR_EQUAL(fr->established_forward, &fr->forward->rules[0]);
		filter_rules_free(fr);
	}
}

/* The shortcut counts on the rule of the hook the connection took, and
 * only once the connection has been seen there. */
static void test_established_shortcut(void)
{
	struct filter_rules *fr = rules_of(
		"filter: { forward: { policy = \"drop\"; rules = ( "
		"{ ct_state = \"established\"; action = \"accept\"; } ); }; "
		"input: { policy = \"drop\"; rules = ( { proto = \"tcp\"; action = \"accept\"; } ); }; };");
	struct ct_entry e;
	struct queue_stats stats;

	memset(&e, 0, sizeof(e));
	memset(&stats, 0, sizeof(stats));
	CU_ASSERT_FALSE(filter_established_shortcut(fr, &e, 100, &stats));
	filter_note_hook(&e, NF_INET_LOCAL_IN);
	CU_ASSERT_FALSE(filter_established_shortcut(fr, &e, 100, &stats));  /* input: no */
	filter_note_hook(&e, NF_INET_FORWARD);
	CU_ASSERT_TRUE(filter_established_shortcut(fr, &e, 100, &stats));
	CU_ASSERT_TRUE(filter_established_shortcut(fr, &e, 50, &stats));
	CU_ASSERT_EQUAL(atomic_load(&fr->forward->rules[0].packets), 2);
	CU_ASSERT_EQUAL(atomic_load(&fr->forward->rules[0].bytes), 150);
	CU_ASSERT_EQUAL(stat_read(&stats.filter_accepted), 2);
	filter_rules_free(fr);
}

static void set_counts(struct rules_rule *r, uint64_t packets, uint64_t bytes)
{
	atomic_store(&r->packets, packets);
	atomic_store(&r->bytes, bytes);
}

static const char old_text[] =
	"filter: {\n"
	"  forward: { policy = \"drop\"; rules = (\n"
	"    { ct_state = \"established,related\"; action = \"accept\"; },\n"
	"    { proto = \"tcp\"; dport = \"80\"; action = \"accept\"; },\n"
	"    { proto = \"tcp\"; dport = \"22\"; action = \"accept\"; },\n"
	"    { proto = \"tcp\"; dport = \"22\"; action = \"accept\"; },\n"
	"    { src = \"@bad\"; action = \"drop\"; log = \"BAD \"; },\n"
	"    { proto = \"icmp\"; limit = \"5/second\"; action = \"accept\"; },\n"
	"    { proto = \"icmp\"; limit = \"9/second\"; action = \"accept\"; }\n"
	"  ); };\n"
	"  input: { policy = \"accept\"; rules = ( { jump = \"guard\"; } ); };\n"
	"  guard: { rules = ( { proto = \"icmp\"; action = \"drop\"; } ); };\n"
	"};\n"
	"sets = ( { name = \"bad\"; type = \"ipv4_addr\"; elements = [ \"203.0.113.0/24\" ]; } );\n";

/* Reordered, one rule changed (port 80 -> 8080), one duplicate dropped, a
 * log prefix changed, a new rule, the input policy changed. */
static const char new_text[] =
	"filter: {\n"
	"  forward: { policy = \"drop\"; rules = (\n"
	"    { proto = \"tcp\"; dport = \"22\"; action = \"accept\"; },\n"
	"    { ct_state = \"established,related\"; action = \"accept\"; },\n"
	"    { proto = \"tcp\"; dport = \"8080\"; action = \"accept\"; },\n"
	"    { src = \"@bad\"; action = \"drop\"; log = \"WORSE \"; },\n"
	"    { proto = \"udp\"; action = \"accept\"; },\n"
	"    { proto = \"icmp\"; limit = \"5/second\"; action = \"accept\"; },\n"
	"    { proto = \"icmp\"; limit = \"9/minute\"; action = \"accept\"; }\n"
	"  ); };\n"
	"  input: { policy = \"drop\"; rules = ( { jump = \"guard\"; } ); };\n"
	"  guard: { rules = ( { proto = \"icmp\"; action = \"drop\"; } ); };\n"
	"};\n"
	"sets = ( { name = \"bad\"; type = \"ipv4_addr\"; elements = [ \"203.0.113.0/24\" ]; } );\n";

static void test_inherit_counters(void)
{
	struct rules_set *prev = load(old_text), *next = load(new_text);
	struct rules_chain *pf = rules_chain_find(prev, "forward");
	struct rules_chain *pi = rules_chain_find(prev, "input");
	struct rules_chain *pg = rules_chain_find(prev, "guard");
	struct rules_chain *nf = rules_chain_find(next, "forward");
	struct rules_chain *ni = rules_chain_find(next, "input");
	struct rules_chain *ng = rules_chain_find(next, "guard");

	for (uint32_t i = 0; i < pf->n_rules; i++)
		set_counts(&pf->rules[i], 10 * (i + 1), 1000 * (i + 1));
	set_counts(&pi->rules[0], 7, 700);
	set_counts(&pg->rules[0], 3, 300);
	atomic_store(&pf->policy_packets, 99);
	atomic_store(&pf->policy_bytes, 9900);
	atomic_store(&pi->policy_packets, 5);
	/* What the new ruleset counted between the swap and the grace period. */
	set_counts(&nf->rules[1], 1, 100);

	filter_inherit_counters(next, prev);
	CU_ASSERT_EQUAL(atomic_load(&nf->rules[0].packets), 30);   /* first dport 22 */
	CU_ASSERT_EQUAL(atomic_load(&nf->rules[1].packets), 11);   /* established + own */
	CU_ASSERT_EQUAL(atomic_load(&nf->rules[1].bytes), 1100);
	CU_ASSERT_EQUAL(atomic_load(&nf->rules[2].packets), 0);    /* 8080: changed */
	CU_ASSERT_EQUAL(atomic_load(&nf->rules[3].packets), 0);    /* log prefix changed */
	CU_ASSERT_EQUAL(atomic_load(&nf->rules[4].packets), 0);    /* new */
	CU_ASSERT_EQUAL(atomic_load(&nf->rules[5].packets), 60);   /* same limit */
	CU_ASSERT_EQUAL(atomic_load(&nf->rules[6].packets), 0);    /* limit changed */
	CU_ASSERT_EQUAL(atomic_load(&nf->policy_packets), 99);
	CU_ASSERT_EQUAL(atomic_load(&nf->policy_bytes), 9900);
	CU_ASSERT_EQUAL(atomic_load(&ni->rules[0].packets), 7);    /* jump guard */
	CU_ASSERT_EQUAL(atomic_load(&ni->policy_packets), 0);      /* policy changed */
	CU_ASSERT_EQUAL(atomic_load(&ng->rules[0].packets), 3);
	rules_set_free(prev);
	rules_set_free(next);
}

/* 10,000 rules of which every other one changes: sorted, not quadratic,
 * and each unchanged rule finds its own counters. */
static void test_inherit_many(void)
{
	enum { N = 10000 };
	struct rules_set *prev = rules_set_new(), *next = rules_set_new();
	struct rules_chain *pc = rules_chain_add(prev, "forward", true, RULES_DROP);
	struct rules_chain *nc = rules_chain_add(next, "forward", true, RULES_DROP);

	CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nc);
	for (uint32_t i = 0; i < N; i++) {
		struct rules_rule r = { .action = RULES_ACT_ACCEPT };

		r.m.has = RULES_M_PROTO | RULES_M_DPORT;
		r.m.proto = 6;
		r.m.dport.n = 1;
		r.m.dport.r[0].lo = r.m.dport.r[0].hi = (uint16_t)(i + 1);
		CU_ASSERT_EQUAL_FATAL(rules_chain_append(pc, &r), 0);
		if (i % 2)
			r.m.dport.r[0].lo = r.m.dport.r[0].hi = (uint16_t)(i + 30000);
		CU_ASSERT_EQUAL_FATAL(rules_chain_append(nc, &r), 0);
	}
	for (uint32_t i = 0; i < N; i++)
		set_counts(&pc->rules[i], i + 1, 0);
	filter_inherit_counters(next, prev);
	for (uint32_t i = 0; i < N; i++)
		if (atomic_load(&nc->rules[i].packets) != (i % 2 ? 0 : i + 1)) {
			CU_FAIL("wrong counter");
			break;
		}
	rules_set_free(prev);
	rules_set_free(next);
}

/* The swap: workers see the new ruleset, the old one's counters move over
 * once the grace period has passed, and NULL (no rules) is a ruleset too. */
static void test_publish(void)
{
	struct filter f;
	struct filter_rules *a = rules_of(old_text), *b = rules_of(old_text);
	struct rules_chain *fa = rules_chain_find(a->rs, "forward");

	filter_init(&f, NULL, NULL);
	CU_ASSERT_PTR_NULL(filter_current(&f));
	filter_publish(&f, a);
	ct_read_lock();
	CU_ASSERT_PTR_EQUAL(filter_current(&f), a);
	ct_read_unlock();
	set_counts(&fa->rules[1], 42, 4200);
	filter_publish(&f, b);     /* frees a */
	CU_ASSERT_PTR_EQUAL(filter_current(&f), b);
	CU_ASSERT_EQUAL(atomic_load(&rules_chain_find(b->rs, "forward")->rules[1].packets), 42);
	filter_publish(&f, NULL);
	CU_ASSERT_PTR_NULL(filter_current(&f));
	filter_destroy(&f);
}

static const struct unit_test publish_tests[] = {
	{ "packets come back after routing only when needed", test_after_routing },
	{ "base chains found", test_chains_found },
	{ "established-accept first rules", test_established_rule },
	{ "established shortcut at prerouting", test_established_shortcut },
	{ "counters of unchanged rules kept", test_inherit_counters },
	{ "10,000 rules inherit by sorting", test_inherit_many },
	{ "publish and swap", test_publish },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "filter publish", publish_tests },
	{ NULL, NULL },
};

UNIT_MAIN_WITH(suites, ct_thread_register, ct_thread_unregister)
