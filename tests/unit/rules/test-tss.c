/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compiled matcher (Tuple Space Search) against the naive evaluator:
 * thousands of random rulesets and random packets drawn from the same small
 * pools of values (so that rules do match), fixed seed; both must agree on
 * verdict, reject type, deciding rule and chain, mark, and logs. Also the
 * shape of what the compiler builds: few shapes for many rules, and what
 * goes to the residual list. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/rules_internal.h"
#include "unit.h"

/* xorshift64*: the same sequence on every machine. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32) % n;
}

static const char *const addr4[] = {
	"192.0.2.1", "192.0.2.2", "192.0.2.130", "198.51.100.7", "203.0.113.9",
};
static const char *const addr6[] = {
	"2001:db8::1", "2001:db8::2", "2001:db8:1::80", "2001:db8:ffff::1",
};
static const uint16_t ports[] = { 22, 53, 80, 443, 1000, 1500, 2000, 8080, 65535 };
static const char *const ifaces[] = { "lan0", "lan1", "wan0", "dmz0" };
static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6,
				  IPPROTO_GRE };

static void random_addr(struct rules_addr_match *a, uint8_t family,
			struct rules_addrset *const sets[2])
{
	static const uint8_t plens4[] = { 32, 32, 24, 25, 16, 0 };
	static const uint8_t plens6[] = { 128, 128, 64, 48, 32, 0 };
	const char *s = family == 4 ? addr4[rnd(5)] : addr6[rnd(4)];
	union pkt_addr full = { 0 };

	memset(a, 0, sizeof(*a));
	a->neg = rnd(6) == 0;
	if (rnd(8) == 0) {
		a->set = sets[family == 6];
		return;
	}
	inet_pton(family == 4 ? AF_INET : AF_INET6, s, full.b);
	a->family = family;
	a->plen = family == 4 ? plens4[rnd(6)] : plens6[rnd(6)];
	rules_addr_mask(&a->addr, &full, a->plen);
}

static void random_ports(struct rules_port_match *m)
{
	m->n = (uint8_t)(1 + rnd(3));
	m->neg = rnd(8) == 0;
	for (unsigned int i = 0; i < m->n; i++) {
		uint16_t a = ports[rnd(9)], b = ports[rnd(9)];

		if (rnd(2))
			b = a;
		m->r[i] = (struct rules_port_range){ a < b ? a : b, a < b ? b : a };
	}
	if (rnd(10) == 0)    /* a wide range: expands to many prefixes */
		m->r[0] = (struct rules_port_range){ 1, 65534 };
}

static void random_iface(struct rules_iface_match *m)
{
	strcpy(m->name, ifaces[rnd(4)]);
	m->wildcard = rnd(3) == 0;
	if (m->wildcard)
		m->name[3] = '\0';
	m->neg = rnd(6) == 0;
}

static void random_match(struct rules_match *m, struct rules_addrset *const sets[2])
{
	uint8_t family = rnd(3) ? 4 : 6;

	memset(m, 0, sizeof(*m));
	if (rnd(4) == 0)
		m->has |= RULES_M_FAMILY, m->family = family;
	if (rnd(2))
		m->has |= RULES_M_PROTO, m->proto = protos[rnd(5)], m->proto_neg = rnd(8) == 0;
	if (rnd(2))
		m->has |= RULES_M_SRC, random_addr(&m->src, family, sets);
	if (rnd(2))
		m->has |= RULES_M_DST, random_addr(&m->dst, family, sets);
	if (rnd(4) == 0)
		m->has |= RULES_M_SPORT, random_ports(&m->sport);
	if (rnd(2))
		m->has |= RULES_M_DPORT, random_ports(&m->dport);
	if (rnd(5) == 0)
		m->has |= RULES_M_IN, random_iface(&m->in);
	if (rnd(5) == 0)
		m->has |= RULES_M_OUT, random_iface(&m->out);
	if (rnd(3) == 0)
		m->has |= RULES_M_CT_STATE, m->ct_states = (uint8_t)(1 + rnd(31));
	if (rnd(6) == 0)
		m->has |= RULES_M_CT_DIR, m->ct_dir = (uint8_t)rnd(2);
	if (rnd(6) == 0) {
		m->has |= RULES_M_TCP_FLAGS;
		m->tcp_mask = (uint8_t)rnd(64);
		m->tcp_value = (uint8_t)(rnd(64) & m->tcp_mask);
		m->tcp_neg = rnd(6) == 0;
	}
	if (rnd(8) == 0) {
		m->has |= RULES_M_ICMP;
		m->icmp_family = family;
		m->icmp_type = (uint8_t)(family == 4 ? rnd(2) * 8 : 128 + rnd(2));
		m->icmp_code = (int16_t)(rnd(2) ? -1 : (int)rnd(2));
	}
	if (rnd(6) == 0) {
		m->has |= RULES_M_MARK;
		m->mark_mask = rnd(2) ? 0xff : 0xffffffff;
		m->mark_value = rnd(4);
		m->mark_neg = rnd(6) == 0;
	}
	if (rnd(8) == 0) {
		m->has |= RULES_M_LENGTH;
		m->len_lo = rnd(1000);
		m->len_hi = m->len_lo + rnd(1000);
		m->len_neg = rnd(4) == 0;
	}
}

/* Jumps and gotos only go to later user chains: no loops. */
static void random_rule(struct rules_rule *r, struct rules_set *rs, size_t chain,
			struct rules_addrset *const sets[2])
{
	size_t n = rules_chain_count(rs);
	uint32_t a = rnd(100);

	memset(r, 0, sizeof(*r));
	if (rnd(5))
		random_match(&r->m, sets);
	if (a < 30)
		r->action = RULES_ACT_CONTINUE;
	else if (a < 45)
		r->action = RULES_ACT_ACCEPT;
	else if (a < 60)
		r->action = RULES_ACT_DROP;
	else if (a < 68)
		r->action = RULES_ACT_REJECT, r->reject = (enum rules_reject)(1 + rnd(5));
	else if (a < 76)
		r->action = RULES_ACT_RETURN;
	else if (chain + 1 < n)
		r->action = a < 90 ? RULES_ACT_JUMP : RULES_ACT_GOTO,
		r->target = rules_chain_at(rs, chain + 1 + rnd((uint32_t)(n - chain - 1)));
	else
		r->action = RULES_ACT_CONTINUE;
	if (rnd(5) == 0)
		r->has_log = true, r->log.level = (uint8_t)rnd(8);
	if (rnd(5) == 0)
		r->has_mark_set = true, r->mark_set_value = rnd(4),
		r->mark_set_mask = rnd(2) ? 0xff : 0xffffffff;
}

static struct rules_set *random_set(unsigned int max_rules)
{
	struct rules_set *rs = rules_set_new();
	struct rules_addrset *sets[2];
	unsigned int n_user = rnd(4);
	union pkt_addr a = { 0 };

	CU_ASSERT_FATAL(rs != NULL);
	sets[0] = rules_addrset_add(rs, "s4", 4);
	sets[1] = rules_addrset_add(rs, "s6", 6);
	inet_pton(AF_INET, "192.0.2.0", a.b);
	rules_addrset_insert(sets[0], &a, 25);
	inet_pton(AF_INET, "203.0.113.9", a.b);
	rules_addrset_insert(sets[0], &a, 32);
	inet_pton(AF_INET6, "2001:db8:1::", a.b);
	rules_addrset_insert(sets[1], &a, 48);
	rules_chain_add(rs, "forward", true, rnd(2) ? RULES_DROP : RULES_ACCEPT);
	for (unsigned int i = 0; i < n_user; i++) {
		char name[16];

		snprintf(name, sizeof(name), "u%u", i);
		rules_chain_add(rs, name, false, RULES_ACCEPT);
	}
	for (size_t c = 0; c < rules_chain_count(rs); c++) {
		unsigned int n = rnd(max_rules + 1);

		for (unsigned int i = 0; i < n; i++) {
			struct rules_rule r;

			random_rule(&r, rs, c, sets);
			CU_ASSERT_EQUAL_FATAL(rules_chain_append(rules_chain_at(rs, c), &r), 0);
		}
	}
	CU_ASSERT_EQUAL_FATAL(rules_compile(rs), 0);
	return rs;
}

static void random_packet(struct pkt *p, struct rules_packet *rp)
{
	uint8_t family = rnd(3) ? 4 : 6;
	int af = family == 4 ? AF_INET : AF_INET6;

	memset(p, 0, sizeof(*p));
	p->family = family;
	inet_pton(af, family == 4 ? addr4[rnd(5)] : addr6[rnd(4)], p->saddr.b);
	inet_pton(af, family == 4 ? addr4[rnd(5)] : addr6[rnd(4)], p->daddr.b);
	p->l4proto = protos[rnd(5)];
	p->has_l4 = p->l4proto != IPPROTO_GRE && rnd(10);
	if (p->has_l4 && (p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP)) {
		p->sport = rnd(3) ? ports[rnd(9)] : (uint16_t)rnd(65536);
		p->dport = rnd(3) ? ports[rnd(9)] : (uint16_t)rnd(65536);
	}
	if (p->l4proto == IPPROTO_TCP)
		p->tcp.flags = (uint8_t)rnd(64);
	if (p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6) {
		p->icmp.type = (uint8_t)(family == 4 ? rnd(2) * 8 : 128 + rnd(2));
		p->icmp.code = (uint8_t)rnd(2);
	}
	*rp = (struct rules_packet){
		.p = p, .ct = (enum ct_info)rnd(CT_INFO_COUNT), .dir = (enum ct_dir)rnd(2),
		.in = rnd(8) ? ifaces[rnd(4)] : NULL, .out = rnd(8) ? ifaces[rnd(4)] : NULL,
		.mark = rnd(3) ? rnd(4) : rnd(1000), .len = rnd(2000),
	};
}

static bool same_result(const struct rules_result *a, const struct rules_result *b)
{
	return a->verdict == b->verdict && a->reject == b->reject && a->rule == b->rule &&
	       a->chain == b->chain && a->mark_set == b->mark_set && a->mark == b->mark &&
	       a->n_logs == b->n_logs && a->logs_lost == b->logs_lost &&
	       memcmp(a->logs, b->logs, a->n_logs * sizeof(a->logs[0])) == 0 &&
	       a->depth_exceeded == b->depth_exceeded;
}

/* Runs N_SETS rulesets x N_PKTS packets; returns how many decisions were by
 * a rule (not the policy), to show the pools do make rules match. */
static unsigned long differential(unsigned int n_sets, unsigned int n_pkts,
				  unsigned int max_rules)
{
	unsigned long by_rule = 0, mismatches = 0;

	for (unsigned int s = 0; s < n_sets; s++) {
		struct rules_set *rs = random_set(max_rules);
		const struct rules_chain *fw = rules_chain_find(rs, "forward");

		for (unsigned int i = 0; i < n_pkts; i++) {
			struct rules_result a, b;
			struct rules_packet rp;
			struct pkt p;

			random_packet(&p, &rp);
			rules_eval_naive(fw, &rp, &a);
			rules_eval(fw, &rp, &b);
			if (!same_result(&a, &b)) {
				if (mismatches++ < 5)
					printf("\n    mismatch: set %u packet %u: naive %s rule %d, "
					       "tss %s rule %d", s, i, rules_verdict_name(a.verdict),
					       a.rule ? (int)a.rule->index : -1,
					       rules_verdict_name(b.verdict),
					       b.rule ? (int)b.rule->index : -1);
			}
			by_rule += a.rule != NULL;
		}
		rules_set_free(rs);
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	return by_rule;
}

static void test_random_small(void)
{
	unsigned long by_rule;

	rng_state = 0x5eed0001;
	by_rule = differential(3000, 100, 12);
	/* A third or more of the decisions were made by rules. */
	CU_ASSERT(by_rule > 3000 * 100 / 3);
}

static void test_random_large(void)
{
	rng_state = 0x5eed0002;
	CU_ASSERT(differential(40, 2000, 400) > 0);
}

/* 3000 rules of three shapes (host + dport, /24 + proto, host pair) compile
 * to three shapes, none residual; negation and interfaces do not change a
 * shape; a rule with nothing hashable is residual. */
static void test_shapes(void)
{
	struct rules_set *rs = rules_set_new();
	struct rules_chain *c = rules_chain_add(rs, "forward", true, RULES_DROP);
	struct rules_rule r;

	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t a = htonl(0xc0000200u + (i & 0xff));   /* 192.0.2.x */

		memset(&r, 0, sizeof(r));
		r.action = RULES_ACT_ACCEPT;
		r.m.has = RULES_M_DST | RULES_M_DPORT | RULES_M_PROTO | RULES_M_IN;
		r.m.proto = IPPROTO_TCP;
		r.m.dst.family = 4;
		r.m.dst.plen = 32;
		memcpy(r.m.dst.addr.b, &a, 4);
		r.m.dport.n = 1;
		r.m.dport.r[0] = (struct rules_port_range){ (uint16_t)(i + 1), (uint16_t)(i + 1) };
		strcpy(r.m.in.name, "lan0");
		CU_ASSERT_EQUAL_FATAL(rules_chain_append(c, &r), 0);
		r.m.has = RULES_M_SRC | RULES_M_PROTO;
		r.m.src = r.m.dst;
		r.m.src.plen = 24;
		r.m.src.addr.b[3] = 0;
		r.m.src.addr.b[2] = (uint8_t)i;
		CU_ASSERT_EQUAL_FATAL(rules_chain_append(c, &r), 0);
		r.m.has = RULES_M_SRC | RULES_M_DST | RULES_M_DPORT;
		r.m.src.plen = 32;
		r.m.dport.neg = true;
		CU_ASSERT_EQUAL_FATAL(rules_chain_append(c, &r), 0);
	}
	CU_ASSERT_EQUAL_FATAL(rules_compile(rs), 0);
	CU_ASSERT_EQUAL(rules_tss_shapes(c->tss), 3);
	CU_ASSERT_EQUAL(rules_tss_residual(c->tss), 0);
	rules_set_free(rs);

	rs = rules_set_new();
	c = rules_chain_add(rs, "forward", true, RULES_DROP);
	memset(&r, 0, sizeof(r));
	r.m.has = RULES_M_PROTO | RULES_M_LENGTH;
	r.m.proto_neg = true;
	r.m.len_hi = 100;
	CU_ASSERT_EQUAL_FATAL(rules_chain_append(c, &r), 0);
	CU_ASSERT_EQUAL_FATAL(rules_chain_append(c, &r), 0);
	CU_ASSERT_EQUAL_FATAL(rules_compile(rs), 0);
	CU_ASSERT_EQUAL(rules_tss_shapes(c->tss), 1);
	CU_ASSERT_EQUAL(rules_tss_residual(c->tss), 2);
	rules_set_free(rs);
}

static const struct unit_test tss_tests[] = {
	{ "shapes and residual", test_shapes },
	{ "3000 random rulesets (up to 12 rules/chain) x 100 packets", test_random_small },
	{ "40 random rulesets (up to 400 rules/chain) x 2000 packets", test_random_large },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "rules compiled matcher vs naive", tss_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
