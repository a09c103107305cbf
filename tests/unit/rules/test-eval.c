/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of chain evaluation: every action, jump/goto/return, policies,
 * marks seen by later rules, logs, counters, the depth limit; limits spent
 * only by the rule the walk reaches. Each case runs through both
 * evaluators (naive and compiled), which must agree. */
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

/* Stateful rules: every packet goes to two copies of one set, the naive
 * evaluator on one and the compiled one on the other (each copy spends its
 * own tokens), and the two must decide alike, packet after packet. */
#define T0 (1000 * RULES_SECOND_NS)

typedef void build_fn(struct rules_set *rs);

struct twin {
	struct rules_set *rs[2];
};

static void twin_build(struct twin *tw, build_fn *build)
{
	for (int i = 0; i < 2; i++) {
		tw->rs[i] = rules_set_new();
		CU_ASSERT_PTR_NOT_NULL_FATAL(tw->rs[i]);
		build(tw->rs[i]);
		CU_ASSERT_EQUAL_FATAL(rules_compile(tw->rs[i]), 0);
	}
}

static void twin_free(struct twin *tw)
{
	rules_set_free(tw->rs[0]);
	rules_set_free(tw->rs[1]);
}

static int rule_index(const struct rules_rule *r)
{
	return r ? (int)r->index : -1;
}

/* Evaluates trp at NOW in chain CHAIN of both copies; returns the naive
 * one's result. */
static struct rules_result twin_eval(struct twin *tw, const char *chain, uint64_t now)
{
	struct rules_result a, b;

	trp.now_ns = now;
	rules_eval_naive(rules_chain_find(tw->rs[0], chain), &trp, &a);
	rules_eval(rules_chain_find(tw->rs[1], chain), &trp, &b);
	CU_ASSERT_EQUAL(a.verdict, b.verdict);
	CU_ASSERT_EQUAL(rule_index(a.rule), rule_index(b.rule));
	CU_ASSERT_STRING_EQUAL(a.chain->name, b.chain->name);
	CU_ASSERT_EQUAL(a.n_logs, b.n_logs);
	return a;
}

static struct rules_rule rule_limit(uint32_t rate, uint32_t burst, enum rules_action act)
{
	struct rules_rule r = { .action = act };

	r.m.has = RULES_M_LIMIT;
	r.limit_spec = (struct rules_limit_spec){ .rate = rate, .period_ns = RULES_SECOND_NS,
						  .burst = burst };
	return r;
}

/* input (drop): 0 drop 22; 1 limit 1/s burst 3: accept. */
static void build_reached(struct rules_set *rs)
{
	struct rules_chain *c = rules_chain_add(rs, "input", true, RULES_DROP);
	struct rules_rule r = rule_dport(22, RULES_ACT_DROP);

	append(c, &r);
	r = rule_limit(1, 3, RULES_ACT_ACCEPT);
	append(c, &r);
}

/* A packet an earlier rule decides takes no token from a later limit. */
static void test_stateful_reached(void)
{
	struct twin tw;
	struct rules_result res;
	int accepted = 0;

	twin_build(&tw, build_reached);
	tp_udp(22);
	for (int i = 0; i < 10; i++) {
		res = twin_eval(&tw, "input", T0);
		CU_ASSERT_EQUAL(res.verdict, RULES_DROP);
		CU_ASSERT_EQUAL(rule_index(res.rule), 0);
	}
	tp_udp(80);
	for (int i = 0; i < 5; i++) {
		res = twin_eval(&tw, "input", T0);
		accepted += res.verdict == RULES_ACCEPT;
		CU_ASSERT_EQUAL(rule_index(res.rule), i < 3 ? 1 : -1);
	}
	CU_ASSERT_EQUAL(accepted, 3);
	res = twin_eval(&tw, "input", T0 + RULES_SECOND_NS);
	CU_ASSERT_EQUAL(res.verdict, RULES_ACCEPT);
	for (int i = 0; i < 2; i++) {
		const struct rules_chain *c = rules_chain_find(tw.rs[i], "input");

		CU_ASSERT_EQUAL(atomic_load(&c->rules[1].packets), 4);
		CU_ASSERT_EQUAL(atomic_load(&c->policy_packets), 2);
	}
	twin_free(&tw);
}

/* input (accept): 0 dport 80 from 192.0.2.0/24, limit 1/s burst 2:
 * accept (its keyed part alone would be an exact TSS key); 1 dport 80:
 * reject. */
static void build_other_matches(struct rules_set *rs)
{
	struct rules_chain *c = rules_chain_add(rs, "input", true, RULES_ACCEPT);
	struct rules_rule r = rule_dport(80, RULES_ACT_ACCEPT);

	r.m.has |= RULES_M_SRC | RULES_M_LIMIT;
	CU_ASSERT_EQUAL(rules_parse_addr("192.0.2.0/24", &r.m.src.family, &r.m.src.addr,
					 &r.m.src.plen, true), 0);
	r.limit_spec = rule_limit(1, 2, RULES_ACT_ACCEPT).limit_spec;
	append(c, &r);
	r = rule_dport(80, RULES_ACT_REJECT);
	r.reject = RULES_REJECT_PORT_UNREACH;
	append(c, &r);
}

/* Only packets that match the rest of the rule take tokens; one over the
 * limit goes on to the next rule. */
static void test_stateful_other_matches(void)
{
	struct twin tw;
	struct rules_result res;

	twin_build(&tw, build_other_matches);
	tp_udp(53);
	for (int i = 0; i < 10; i++)
		CU_ASSERT_PTR_NULL(twin_eval(&tw, "input", T0).rule);
	tp_udp(80);
	inet_pton(AF_INET, "198.51.100.7", tpkt.saddr.b);
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(rule_index(twin_eval(&tw, "input", T0).rule), 1);
	tp_udp(80);
	for (int i = 0; i < 3; i++) {
		res = twin_eval(&tw, "input", T0);
		CU_ASSERT_EQUAL(res.verdict, i < 2 ? RULES_ACCEPT : RULES_REJECT);
		CU_ASSERT_EQUAL(rule_index(res.rule), i < 2 ? 0 : 1);
	}
	twin_free(&tw);
}

/* input (drop): 0 in lan0, dport 80: drop (the interface is left to the
 * confirmation, so the compiled matcher finds rule 1 as a candidate too);
 * 1 dport 80, limit 1/s burst 2: accept. */
static void build_candidates(struct rules_set *rs)
{
	struct rules_chain *c = rules_chain_add(rs, "input", true, RULES_DROP);
	struct rules_rule r = rule_dport(80, RULES_ACT_DROP);

	r.m.has |= RULES_M_IN;
	strcpy(r.m.in.name, "lan0");
	append(c, &r);
	r = rule_dport(80, RULES_ACT_ACCEPT);
	r.m.has |= RULES_M_LIMIT;
	r.limit_spec = rule_limit(1, 2, RULES_ACT_ACCEPT).limit_spec;
	append(c, &r);
}

static void test_stateful_candidates(void)
{
	struct twin tw;

	twin_build(&tw, build_candidates);
	tp_udp(80);
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(rule_index(twin_eval(&tw, "input", T0).rule), 0);
	trp.in = "wan0";
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(rule_index(twin_eval(&tw, "input", T0).rule), i < 2 ? 1 : -1);
	twin_free(&tw);
}

/* forward (drop): 0 jump u; 1 accept.  u: 0 limit burst 2: return;
 * 1 drop. */
static void build_jump(struct rules_set *rs)
{
	struct rules_chain *fw = rules_chain_add(rs, "forward", true, RULES_DROP);
	struct rules_chain *u = rules_chain_add(rs, "u", false, RULES_ACCEPT);
	struct rules_rule r = { .action = RULES_ACT_JUMP, .target = u };

	append(fw, &r);
	append(fw, &(struct rules_rule){ .action = RULES_ACT_ACCEPT });
	r = rule_limit(1, 2, RULES_ACT_RETURN);
	append(u, &r);
	append(u, &(struct rules_rule){ .action = RULES_ACT_DROP });
}

static void test_stateful_jump_return(void)
{
	struct twin tw;
	struct rules_result res;

	twin_build(&tw, build_jump);
	tp_udp(1);
	for (int i = 0; i < 3; i++) {
		res = twin_eval(&tw, "forward", T0);
		CU_ASSERT_EQUAL(res.verdict, i < 2 ? RULES_ACCEPT : RULES_DROP);
		CU_ASSERT_STRING_EQUAL(res.chain->name, i < 2 ? "forward" : "u");
	}
	res = twin_eval(&tw, "forward", T0 + RULES_SECOND_NS);
	CU_ASSERT_EQUAL(res.verdict, RULES_ACCEPT);
	twin_free(&tw);
}

/* Not compiled: the state does not exist, and the limit never matches. */
static void test_stateful_uncompiled(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_chain *c = rules_chain_add(rs, "input", true, RULES_DROP);
	struct rules_rule r = rule_limit(1, 5, RULES_ACT_ACCEPT);
	struct rules_result res;

	append(c, &r);
	CU_ASSERT_PTR_NULL(c->rules[0].limit);
	tp_udp(1);
	rules_eval_naive(c, &trp, &res);
	CU_ASSERT_EQUAL(res.verdict, RULES_DROP);
	CU_ASSERT_EQUAL(rules_limit_table_full(&c->rules[0]), 0);
	CU_ASSERT_EQUAL(rules_connlimit_table_full(&c->rules[0]), 0);
	/* A spec out of range is refused by the compiler. */
	r.limit_spec.burst = 0;
	append(c, &r);
	CU_ASSERT_EQUAL(rules_compile(rs), -EINVAL);
	rules_set_free(rs);
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* Forty random rules on ports, sources and limits (shared or per source);
 * the same seed builds both copies. */
static void build_random(struct rules_set *rs)
{
	static const enum rules_action acts[] = {
		RULES_ACT_ACCEPT, RULES_ACT_DROP, RULES_ACT_CONTINUE, RULES_ACT_REJECT,
	};
	struct rules_chain *c = rules_chain_add(rs, "input", true, RULES_DROP);

	rnd_state = 777;
	for (int i = 0; i < 40; i++) {
		struct rules_rule r = rule_dport((uint16_t)(1 + rnd(8)), acts[rnd(4)]);

		if (rnd(3) == 0)
			r.m.has = 0;
		if (rnd(2)) {
			union pkt_addr a = { .b = { 192, 0, 2, (uint8_t)(rnd(4) * 64) } };

			r.m.has |= RULES_M_SRC;
			r.m.src = (struct rules_addr_match){ .family = 4, .plen = 26, .addr = a };
		}
		if (rnd(2)) {
			r.m.has |= RULES_M_LIMIT;
			r.limit_spec = rule_limit(1 + rnd(20), 1 + rnd(5), r.action).limit_spec;
			if (rnd(2))
				r.limit_spec.per = (struct rules_per){ .addr = RULES_PER_SRC,
								       .plen4 = 32, .plen6 = 128 };
		}
		append(c, &r);
	}
}

static void test_stateful_random(void)
{
	struct twin tw;
	unsigned int verdicts[3] = { 0 };

	twin_build(&tw, build_random);
	rnd_state = 99;
	for (int i = 0; i < 20000; i++) {
		tp_udp((uint16_t)(1 + rnd(10)));
		tpkt.saddr.b[3] = (uint8_t)rnd(256);
		verdicts[twin_eval(&tw, "input", T0 + (uint64_t)i * 5 * RULES_SECOND_NS / 1000).verdict]++;
	}
	/* The sequence exercised every outcome. */
	CU_ASSERT(verdicts[RULES_ACCEPT] > 0);
	CU_ASSERT(verdicts[RULES_DROP] > 0);
	CU_ASSERT(verdicts[RULES_REJECT] > 0);
	twin_free(&tw);
}

static const struct unit_test stateful_tests[] = {
	{ "tokens only for the rule reached", test_stateful_reached },
	{ "tokens only when the rest matched; over goes on", test_stateful_other_matches },
	{ "candidates that lose take no token", test_stateful_candidates },
	{ "limit on return in a user chain", test_stateful_jump_return },
	{ "not compiled; bad spec", test_stateful_uncompiled },
	{ "naive and compiled agree, random", test_stateful_random },
	{ NULL, NULL },
};

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
	{ "stateful matches in the walk", stateful_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
