/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Walking the chains for one packet, with iptables' semantics: rules in
 * order; log, mark and counter apply and evaluation goes on; accept, drop
 * and reject end it; jump pushes a return point (return, or the end of a
 * user chain, comes back to it); goto replaces the current chain without
 * pushing; the end of the base chain (or a return in it) applies its
 * policy. The walk asks a matcher for "the first matching rule at or after
 * index i"; the naive matcher here and the compiled one (tss.c) answer the
 * same question, so the two evaluators cannot differ anywhere else. */
#include "config.h"

#include "nfqfw/rules_internal.h"

uint32_t rules_find_naive(const struct rules_chain *chain, uint32_t from,
			  const struct rules_packet *rp)
{
	for (uint32_t i = from; i < chain->n_rules; i++)
		if (rules_rule_matches(&chain->rules[i], rp))
			return i;
	return chain->n_rules;
}

struct rules_frame {
	const struct rules_chain *chain;
	uint32_t next;
};

void rules_rule_count(const struct rules_rule *r, uint32_t len)
{
	struct rules_rule *w = (struct rules_rule *)r;   /* counters only */

	atomic_fetch_add_explicit(&w->packets, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->bytes, len, memory_order_relaxed);
}

static void rules_policy(const struct rules_chain *base, uint32_t len,
			 struct rules_result *res)
{
	struct rules_chain *w = (struct rules_chain *)base;   /* counters only */

	atomic_fetch_add_explicit(&w->policy_packets, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->policy_bytes, len, memory_order_relaxed);
	res->verdict = base->policy;
	res->chain = base;
}

/* The non-terminal parts of R, which apply whatever its action. */
static void rules_apply(const struct rules_rule *r, struct rules_packet *cur,
			struct rules_result *res)
{
	if (r->has_log) {
		if (res->n_logs < RULES_MAX_LOGS)
			res->logs[res->n_logs++] = r;
		else
			res->logs_lost++;
	}
	if (r->has_mark_set) {
		cur->mark = (cur->mark & ~r->mark_set_mask) | r->mark_set_value;
		res->mark_set = true;
		res->mark = cur->mark;
	}
}

static void rules_decide(const struct rules_rule *r, struct rules_result *res)
{
	static const enum rules_verdict verdicts[] = {
		[RULES_ACT_ACCEPT] = RULES_ACCEPT,
		[RULES_ACT_DROP] = RULES_DROP,
		[RULES_ACT_REJECT] = RULES_REJECT,
		/* A NAT action binds the connection and lets it pass. */
		[RULES_ACT_SNAT] = RULES_ACCEPT,
		[RULES_ACT_DNAT] = RULES_ACCEPT,
		[RULES_ACT_MASQUERADE] = RULES_ACCEPT,
		[RULES_ACT_REDIRECT] = RULES_ACCEPT,
	};

	res->verdict = verdicts[r->action];
	res->reject = r->action == RULES_ACT_REJECT ? r->reject : RULES_REJECT_NONE;
	res->rule = r;
	res->chain = r->chain;
}

/* The stateful matches of R, asked only once the rest of R matched and
 * only for the rule the walk reaches (a matcher may confirm rules that a
 * lower index then beats): they count what passes, so asking them for any
 * other rule would spend tokens and list connections for nothing.
 * Connlimit first: it only remembers the connection; limit then takes a
 * token only from a packet that passed everything else. */
static bool rules_stateful_pass(const struct rules_rule *r, const struct rules_packet *rp)
{
	uint32_t has = r->m.has;

	if (!(has & (RULES_M_LIMIT | RULES_M_CONNLIMIT)))
		return true;
	if ((has & RULES_M_CONNLIMIT) &&
	    (!r->connlimit || !rules_connlimit_over(r->connlimit, rp)))
		return false;
	if ((has & RULES_M_LIMIT) && (!r->limit || !rules_limit_take(r->limit, rp)))
		return false;
	return true;
}

/* The first rule of C at or after FROM that matches RP, stateful matches
 * included. */
static uint32_t rules_next(const struct rules_chain *c, uint32_t from,
			   const struct rules_packet *rp, rules_find_fn *find)
{
	uint32_t j = find(c, from, rp);

	while (j < c->n_rules && !rules_stateful_pass(&c->rules[j], rp))
		j = find(c, j + 1, rp);
	return j;
}

void rules_walk(const struct rules_chain *chain, const struct rules_packet *rp,
		struct rules_result *res, rules_find_fn *find)
{
	struct rules_frame stack[RULES_MAX_DEPTH];
	struct rules_packet cur = *rp;     /* a mark set is seen by later rules */
	const struct rules_chain *c = chain;
	unsigned int depth = 0;
	uint32_t i = 0;

	memset(res, 0, sizeof(*res));
	for (;;) {
		uint32_t j = rules_next(c, i, &cur, find);
		const struct rules_rule *r;

		if (j >= c->n_rules || c->rules[j].action == RULES_ACT_RETURN) {
			if (j < c->n_rules) {
				rules_rule_count(&c->rules[j], rp->len);
				rules_apply(&c->rules[j], &cur, res);
			}
			if (depth == 0) {
				rules_policy(chain, rp->len, res);
				return;
			}
			depth--;
			c = stack[depth].chain;
			i = stack[depth].next;
			continue;
		}
		r = &c->rules[j];
		rules_rule_count(r, rp->len);
		rules_apply(r, &cur, res);
		switch (r->action) {
		case RULES_ACT_CONTINUE:
			i = j + 1;
			break;
		case RULES_ACT_JUMP:
			if (depth == RULES_MAX_DEPTH) {
				/* Internal limit: a firewall drops. */
				res->verdict = RULES_DROP;
				res->rule = r;
				res->chain = c;
				res->depth_exceeded = true;
				return;
			}
			stack[depth++] = (struct rules_frame){ c, j + 1 };
			c = r->target;
			i = 0;
			break;
		case RULES_ACT_GOTO:
			c = r->target;
			i = 0;
			break;
		default:
			rules_decide(r, res);
			return;
		}
	}
}

void rules_eval(const struct rules_chain *chain, const struct rules_packet *rp,
		struct rules_result *res)
{
	rules_walk(chain, rp, res, rules_find_tss);
}

void rules_eval_naive(const struct rules_chain *chain, const struct rules_packet *rp,
		      struct rules_result *res)
{
	rules_walk(chain, rp, res, rules_find_naive);
}
