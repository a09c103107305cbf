/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ruleset the workers use, and its replacement on reload: published
 * with RCU (the same liburcu flavour as the connection table, whose read
 * side every worker holds for a burst), so a worker never sees half a
 * ruleset and never waits for a reload. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <urcu.h>

#include "nfqfw/filter.h"

/* A chain that accepts everything (no rules, policy accept) needs no
 * evaluation; packets then need not come back after routing for it. */
static bool filter_chain_filters(const struct rules_chain *c)
{
	return c && (c->n_rules > 0 || c->policy != RULES_ACCEPT);
}

/* CHAIN's first rule, if it accepts every ESTABLISHED packet and does
 * nothing else. */
static const struct rules_rule *filter_established_rule(const struct rules_chain *c)
{
	const struct rules_rule *r;

	if (!c || c->n_rules == 0)
		return NULL;
	r = &c->rules[0];
	if (r->m.has != RULES_M_CT_STATE || !(r->m.ct_states & RULES_CT_BIT(CT_INFO_ESTABLISHED)))
		return NULL;
	if (r->action != RULES_ACT_ACCEPT || r->has_log || r->has_mark_set)
		return NULL;
	return r;
}

int filter_rules_new(struct filter_rules **out, struct rules_set *rs)
{
	struct filter_rules *fr = calloc(1, sizeof(*fr));

	if (!fr)
		return -ENOMEM;
	fr->rs = rs;
	if (rs) {
		fr->input = rules_chain_find(rs, "input");
		fr->forward = rules_chain_find(rs, "forward");
		fr->output = rules_chain_find(rs, "output");
	}
	fr->filter_after_routing = filter_chain_filters(fr->input) ||
				   filter_chain_filters(fr->forward);
	if (rs) {
		fr->nat_prerouting = rules_chain_find_in(rs, RULES_TABLE_NAT, "prerouting");
		fr->nat_postrouting = rules_chain_find_in(rs, RULES_TABLE_NAT, "postrouting");
		fr->nat_output = rules_chain_find_in(rs, RULES_TABLE_NAT, "output");
		fr->nat_input = rules_chain_find_in(rs, RULES_TABLE_NAT, "input");
	}
	fr->has_nat = fr->nat_prerouting || fr->nat_postrouting || fr->nat_output ||
		      fr->nat_input;
	fr->established_input = filter_established_rule(fr->input);
	fr->established_forward = filter_established_rule(fr->forward);
	*out = fr;
	return 0;
}

void filter_rules_free(struct filter_rules *fr)
{
	if (!fr)
		return;
	rules_set_free(fr->rs);
	free(fr);
}

void filter_init(struct filter *f, struct iface_names *ifnames,
		 struct reject_sender *reject)
{
	atomic_init(&f->current, NULL);
	f->ifnames = ifnames;
	f->reject = reject;
	/* Rule log lines: like the kernel's LOG target with its usual
	 * `-m limit` companion, a flood cannot fill the journal. */
	f->log_rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(50, 200);
}

const struct filter_rules *filter_current(const struct filter *f)
{
	return atomic_load_explicit((struct filter_rules *_Atomic *)&f->current,
				    memory_order_acquire);
}

void filter_publish(struct filter *f, struct filter_rules *next)
{
	struct filter_rules *prev = atomic_exchange_explicit(&f->current, next,
							     memory_order_acq_rel);

	if (!prev)
		return;
	/* Once every reader has left its burst, PREV's counters are final. */
	synchronize_rcu();
	if (next)
		filter_inherit_counters(next->rs, prev->rs);
	filter_rules_free(prev);
}

void filter_destroy(struct filter *f)
{
	filter_publish(f, NULL);
}
