/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of chain evaluation: every action, jump/goto/return, policies,
 * marks seen by later rules, logs, counters, the depth limit. Each case runs
 * through both evaluators (naive and compiled), which must agree. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/rules_internal.h"
#include "unit.h"

static struct pkt tpkt;
static struct rules_packet trp;

static void tp_udp(uint16_t dport)
{
	memset(&tpkt, 0, sizeof(tpkt));
	tpkt.family = 4;
	inet_pton(AF_INET, "192.0.2.1", tpkt.saddr.b);
	inet_pton(AF_INET, "198.51.100.1", tpkt.daddr.b);
	tpkt.l4proto = IPPROTO_UDP;
	tpkt.has_l4 = true;
	tpkt.sport = 5000;
	tpkt.dport = dport;
	trp = (struct rules_packet){ .p = &tpkt, .ct = CT_INFO_NEW, .in = "lan0",
				     .out = "wan0", .len = 60 };
}

static struct rules_rule rule_dport(uint16_t port, enum rules_action act)
{
	struct rules_rule r = { .action = act };

	r.m.has = RULES_M_DPORT;
	r.m.dport.n = 1;
	r.m.dport.r[0] = (struct rules_port_range){ port, port };
	return r;
}

static void append(struct rules_chain *c, const struct rules_rule *r)
{
	CU_ASSERT_EQUAL_FATAL(rules_chain_append(c, r), 0);
}

/* Evaluates with both evaluators, checks they agree, returns the result. */
static struct rules_result eval_both(struct rules_set *rs, const struct rules_chain *c)
{
	struct rules_result a, b;

	if (!c->tss)
		CU_ASSERT_EQUAL_FATAL(rules_compile(rs), 0);
	rules_eval_naive(c, &trp, &a);
	rules_eval(c, &trp, &b);
	CU_ASSERT_EQUAL(a.verdict, b.verdict);
	CU_ASSERT_EQUAL(a.reject, b.reject);
	CU_ASSERT_PTR_EQUAL(a.rule, b.rule);
	CU_ASSERT_PTR_EQUAL(a.chain, b.chain);
	CU_ASSERT_EQUAL(a.mark_set, b.mark_set);
	CU_ASSERT_EQUAL(a.mark, b.mark);
	CU_ASSERT_EQUAL(a.n_logs, b.n_logs);
	CU_ASSERT_EQUAL(a.logs_lost, b.logs_lost);
	CU_ASSERT_EQUAL(memcmp(a.logs, b.logs, sizeof(a.logs)), 0);
	return b;
}

static void test_policy(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_chain *in = rules_chain_add(rs, "input", true, RULES_DROP);
	struct rules_chain *out = rules_chain_add(rs, "output", true, RULES_ACCEPT);
	struct rules_result res;

	CU_ASSERT_FATAL(in && out);
	CU_ASSERT_PTR_NULL(rules_chain_add(rs, "input", true, RULES_ACCEPT));
	CU_ASSERT_PTR_NULL(rules_chain_add(rs, "a_name_much_too_long_for_a_chain_x", false, 0));
	CU_ASSERT_PTR_EQUAL(rules_chain_find(rs, "output"), out);
	CU_ASSERT_PTR_NULL(rules_chain_find(rs, "nope"));
	CU_ASSERT_EQUAL(rules_chain_count(rs), 2);
	tp_udp(53);
	res = eval_both(rs, in);
	CU_ASSERT_EQUAL(res.verdict, RULES_DROP);
	CU_ASSERT_PTR_NULL(res.rule);
	CU_ASSERT_PTR_EQUAL(res.chain, in);
	res = eval_both(rs, out);
	CU_ASSERT_EQUAL(res.verdict, RULES_ACCEPT);
	CU_ASSERT_EQUAL(atomic_load(&in->policy_packets), 2);
	CU_ASSERT_EQUAL(atomic_load(&in->policy_bytes), 120);
	/* Compiled: no more rules. */
	{
		struct rules_rule r = { .action = RULES_ACT_ACCEPT };

		CU_ASSERT_EQUAL(rules_chain_append(in, &r), -EBUSY);
	}
	rules_set_free(rs);
}

static void test_terminal_actions(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_chain *c = rules_chain_add(rs, "forward", true, RULES_ACCEPT);
	struct rules_rule r;
	struct rules_result res;

	append(c, &(struct rules_rule){ .action = RULES_ACT_CONTINUE });
	r = rule_dport(22, RULES_ACT_DROP);
	append(c, &r);
	r = rule_dport(23, RULES_ACT_REJECT);
	r.reject = RULES_REJECT_ADMIN_PROHIBITED;
	append(c, &r);
	r = rule_dport(80, RULES_ACT_ACCEPT);
	append(c, &r);
	r = rule_dport(22, RULES_ACT_ACCEPT);   /* shadowed by rule 1 */
	append(c, &r);
	tp_udp(22);
	res = eval_both(rs, c);
	CU_ASSERT_EQUAL(res.verdict, RULES_DROP);
	CU_ASSERT_PTR_EQUAL(res.rule, &c->rules[1]);
	CU_ASSERT_EQUAL(res.reject, RULES_REJECT_NONE);
	tp_udp(23);
	res = eval_both(rs, c);
	CU_ASSERT_EQUAL(res.verdict, RULES_REJECT);
	CU_ASSERT_EQUAL(res.reject, RULES_REJECT_ADMIN_PROHIBITED);
	CU_ASSERT_PTR_EQUAL(res.rule, &c->rules[2]);
	tp_udp(80);
	res = eval_both(rs, c);
	CU_ASSERT_EQUAL(res.verdict, RULES_ACCEPT);
	CU_ASSERT_PTR_EQUAL(res.rule, &c->rules[3]);
	/* Counters: rule 0 saw all six evaluations, rule 1 two, rule 4 none. */
	CU_ASSERT_EQUAL(atomic_load(&c->rules[0].packets), 6);
	CU_ASSERT_EQUAL(atomic_load(&c->rules[0].bytes), 360);
	CU_ASSERT_EQUAL(atomic_load(&c->rules[1].packets), 2);
	CU_ASSERT_EQUAL(atomic_load(&c->rules[4].packets), 0);
	CU_ASSERT_EQUAL(c->rules[3].index, 3);
	CU_ASSERT_PTR_EQUAL(c->rules[3].chain, c);
	CU_ASSERT_STRING_EQUAL(rules_verdict_name(RULES_REJECT), "reject");
	CU_ASSERT_STRING_EQUAL(rules_reject_name(RULES_REJECT_TCP_RESET), "tcp-reset");
	rules_set_free(rs);
}

static void test_log_and_mark(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_chain *c = rules_chain_add(rs, "forward", true, RULES_DROP);
	struct rules_rule r = { .action = RULES_ACT_CONTINUE, .has_log = true };
	struct rules_result res;

	strcpy(r.log.prefix, "first ");
	append(c, &r);
	r = (struct rules_rule){ .action = RULES_ACT_CONTINUE, .has_mark_set = true,
				 .mark_set_value = 0x20, .mark_set_mask = 0xf0 };
	append(c, &r);
	/* Sees the mark set just above. */
	r = (struct rules_rule){ .action = RULES_ACT_ACCEPT, .has_log = true };
	r.m.has = RULES_M_MARK;
	r.m.mark_value = 0x20;
	r.m.mark_mask = 0xf0;
	strcpy(r.log.prefix, "marked ");
	append(c, &r);
	tp_udp(1);
	trp.mark = 0x1234;
	res = eval_both(rs, c);
	CU_ASSERT_EQUAL(res.verdict, RULES_ACCEPT);
	CU_ASSERT_TRUE(res.mark_set);
	CU_ASSERT_EQUAL(res.mark, 0x1224);
	CU_ASSERT_EQUAL_FATAL(res.n_logs, 2);
	CU_ASSERT_STRING_EQUAL(res.logs[0]->log.prefix, "first ");
	CU_ASSERT_STRING_EQUAL(res.logs[1]->log.prefix, "marked ");
	CU_ASSERT_PTR_EQUAL(res.rule, &c->rules[2]);
	rules_set_free(rs);
}

static void test_logs_bounded(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_chain *c = rules_chain_add(rs, "input", true, RULES_DROP);
	struct rules_rule r = { .action = RULES_ACT_CONTINUE, .has_log = true };
	struct rules_result res;

	for (int i = 0; i < RULES_MAX_LOGS + 3; i++)
		append(c, &r);
	tp_udp(1);
	res = eval_both(rs, c);
	CU_ASSERT_EQUAL(res.n_logs, RULES_MAX_LOGS);
	CU_ASSERT_EQUAL(res.logs_lost, 3);
	CU_ASSERT_PTR_EQUAL(res.logs[RULES_MAX_LOGS - 1], &c->rules[RULES_MAX_LOGS - 1]);
	CU_ASSERT_EQUAL(res.verdict, RULES_DROP);
	CU_ASSERT_FALSE(res.mark_set);
	rules_set_free(rs);
}

/* forward: jump a; accept 80.  a: drop 22; return on 23; goto b on 24;
 * (end).  b: reject 24; accept 25 (end). */
static void test_jump_goto_return(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_chain *fw = rules_chain_add(rs, "forward", true, RULES_DROP);
	struct rules_chain *a = rules_chain_add(rs, "a", false, RULES_ACCEPT);
	struct rules_chain *b = rules_chain_add(rs, "b", false, RULES_ACCEPT);
	struct rules_rule r = { .action = RULES_ACT_JUMP, .target = a };
	struct rules_result res;

	append(fw, &r);
	r = rule_dport(80, RULES_ACT_ACCEPT);
	append(fw, &r);
	r = rule_dport(23, RULES_ACT_ACCEPT);    /* after return: 23 accepted here */
	append(fw, &r);
	r = rule_dport(22, RULES_ACT_DROP);
	append(a, &r);
	r = rule_dport(23, RULES_ACT_RETURN);
	append(a, &r);
	r = rule_dport(24, RULES_ACT_GOTO);
	r.target = b;
	append(a, &r);
	r = rule_dport(80, RULES_ACT_DROP);      /* 80 never gets past chain a */
	r.m.dport.neg = true;
	r.action = RULES_ACT_CONTINUE;
	append(a, &r);
	r = rule_dport(24, RULES_ACT_REJECT);
	r.m.has = 0;
	r.reject = RULES_REJECT_TCP_RESET;
	r.m.has = RULES_M_SRC;
	CU_ASSERT_EQUAL(rules_parse_addr("203.0.113.0/24", &r.m.src.family, &r.m.src.addr,
					 &r.m.src.plen, true), 0);
	append(b, &r);

	tp_udp(22);
	res = eval_both(rs, fw);
	CU_ASSERT_EQUAL(res.verdict, RULES_DROP);
	CU_ASSERT_PTR_EQUAL(res.rule, &a->rules[0]);
	CU_ASSERT_PTR_EQUAL(res.chain, a);
	tp_udp(23);
	res = eval_both(rs, fw);
	CU_ASSERT_EQUAL(res.verdict, RULES_ACCEPT);
	CU_ASSERT_PTR_EQUAL(res.rule, &fw->rules[2]);
	tp_udp(80);                          /* end of a returns to forward */
	res = eval_both(rs, fw);
	CU_ASSERT_EQUAL(res.verdict, RULES_ACCEPT);
	CU_ASSERT_PTR_EQUAL(res.rule, &fw->rules[1]);
	/* goto b: the end of b returns to forward's caller (none): policy. */
	tp_udp(24);
	res = eval_both(rs, fw);
	CU_ASSERT_EQUAL(res.verdict, RULES_DROP);
	CU_ASSERT_PTR_NULL(res.rule);
	CU_ASSERT_PTR_EQUAL(res.chain, fw);
	inet_pton(AF_INET, "203.0.113.5", tpkt.saddr.b);
	res = eval_both(rs, fw);
	CU_ASSERT_EQUAL(res.verdict, RULES_REJECT);
	CU_ASSERT_EQUAL(res.reject, RULES_REJECT_TCP_RESET);
	CU_ASSERT_PTR_EQUAL(res.rule, &b->rules[0]);
	rules_set_free(rs);
}

/* A return in a base chain applies its policy; its own log still applies. */
static void test_return_in_base(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_chain *c = rules_chain_add(rs, "input", true, RULES_REJECT);
	struct rules_rule r = { .action = RULES_ACT_RETURN, .has_log = true };
	struct rules_result res;

	append(c, &r);
	r = (struct rules_rule){ .action = RULES_ACT_ACCEPT };
	append(c, &r);
	tp_udp(1);
	res = eval_both(rs, c);
	CU_ASSERT_EQUAL(res.verdict, RULES_REJECT);
	CU_ASSERT_EQUAL(res.n_logs, 1);
	CU_ASSERT_PTR_NULL(res.rule);
	CU_ASSERT_EQUAL(atomic_load(&c->rules[0].packets), 2);
	CU_ASSERT_EQUAL(atomic_load(&c->rules[1].packets), 0);
	rules_set_free(rs);
}

/* Built by hand (the loader refuses loops): a chain jumping to itself stops
 * at RULES_MAX_DEPTH with a drop. */
static void test_depth_limit(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_chain *c = rules_chain_add(rs, "input", true, RULES_ACCEPT);
	struct rules_chain *u = rules_chain_add(rs, "loop", false, RULES_ACCEPT);
	struct rules_rule r = { .action = RULES_ACT_JUMP, .target = u };
	struct rules_result res;

	append(c, &r);
	append(u, &r);
	tp_udp(1);
	res = eval_both(rs, c);
	CU_ASSERT_EQUAL(res.verdict, RULES_DROP);
	CU_ASSERT_TRUE(res.depth_exceeded);
	CU_ASSERT_PTR_EQUAL(res.rule, &u->rules[0]);
	/* Nested but within the limit: fine. */
	rules_set_free(rs);
	rs = rules_set_new();
	c = rules_chain_add(rs, "input", true, RULES_DROP);
	for (int i = 0; i < RULES_MAX_DEPTH; i++) {
		char name[16];

		snprintf(name, sizeof(name), "u%d", i);
		u = rules_chain_add(rs, name, false, RULES_ACCEPT);
		r = (struct rules_rule){ .action = RULES_ACT_JUMP, .target = u };
		append(c, &r);
		c = u;
	}
	r = (struct rules_rule){ .action = RULES_ACT_ACCEPT };
	append(c, &r);
	res = eval_both(rs, rules_chain_find(rs, "input"));
	CU_ASSERT_EQUAL(res.verdict, RULES_ACCEPT);
	CU_ASSERT_FALSE(res.depth_exceeded);
	CU_ASSERT_PTR_EQUAL(res.chain, c);
	rules_set_free(rs);
}

static const struct unit_test eval_tests[] = {
	{ "policies", test_policy },
	{ "accept, drop, reject; first match wins; counters", test_terminal_actions },
	{ "log and mark set, mark seen by later rules", test_log_and_mark },
	{ "logs bounded", test_logs_bounded },
	{ "jump, goto, return, end of user chain", test_jump_goto_return },
	{ "return in a base chain", test_return_in_base },
	{ "jump depth limit", test_depth_limit },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "rules evaluation", eval_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
