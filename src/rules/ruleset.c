/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ruleset as data: chains, their rules, and the step that compiles
 * every chain for the fast matcher. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "nfqfw/rules_internal.h"

struct rules_set *rules_set_new(void)
{
	return calloc(1, sizeof(struct rules_set));
}

void rules_set_free(struct rules_set *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_chains; i++) {
		struct rules_chain *c = rs->chains[i];

		for (uint32_t j = 0; j < c->n_rules; j++) {
			rules_limit_free(c->rules[j].limit);
			rules_connlimit_free(c->rules[j].connlimit);
		}
		rules_tss_free(rs->chains[i]->tss);
		free(rs->chains[i]->rules);
		free(rs->chains[i]);
	}
	for (size_t i = 0; i < rs->n_sets; i++)
		rules_addrset_free(rs->sets[i]);
	free(rs->chains);
	free(rs->sets);
	free(rs);
}

struct rules_chain *rules_chain_add_in(struct rules_set *rs, enum rules_table table,
				       const char *name, bool base,
				       enum rules_verdict policy)
{
	struct rules_chain *c;

	if (rs->compiled || strlen(name) >= RULES_NAME_MAX ||
	    rules_chain_find_in(rs, table, name))
		return NULL;
	if (rs->n_chains == rs->cap_chains) {
		size_t cap = rs->cap_chains ? 2 * rs->cap_chains : 8;
		struct rules_chain **chains = realloc(rs->chains, cap * sizeof(*chains));

		if (!chains)
			return NULL;
		rs->chains = chains;
		rs->cap_chains = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	strcpy(c->name, name);
	c->table = (uint8_t)table;
	c->base = base;
	c->policy = policy;
	rs->chains[rs->n_chains++] = c;
	return c;
}

struct rules_chain *rules_chain_add(struct rules_set *rs, const char *name,
				    bool base, enum rules_verdict policy)
{
	return rules_chain_add_in(rs, RULES_TABLE_FILTER, name, base, policy);
}

struct rules_chain *rules_chain_find_in(const struct rules_set *rs, enum rules_table table,
					const char *name)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		if (rs->chains[i]->table == table && strcmp(rs->chains[i]->name, name) == 0)
			return rs->chains[i];
	return NULL;
}

struct rules_chain *rules_chain_find(const struct rules_set *rs, const char *name)
{
	return rules_chain_find_in(rs, RULES_TABLE_FILTER, name);
}

size_t rules_chain_count(const struct rules_set *rs)
{
	return rs->n_chains;
}

struct rules_chain *rules_chain_at(const struct rules_set *rs, size_t i)
{
	return i < rs->n_chains ? rs->chains[i] : NULL;
}

int rules_chain_append(struct rules_chain *chain, const struct rules_rule *rule)
{
	struct rules_rule *r;

	if (chain->tss)
		return -EBUSY;
	if (chain->n_rules == chain->cap_rules) {
		uint32_t cap = chain->cap_rules ? 2 * chain->cap_rules : 16;
		struct rules_rule *rules = realloc(chain->rules, cap * sizeof(*rules));

		if (!rules)
			return -ENOMEM;
		chain->rules = rules;
		chain->cap_rules = cap;
	}
	r = &chain->rules[chain->n_rules];
	memcpy(r, rule, sizeof(*r));
	r->chain = chain;
	r->index = chain->n_rules++;
	r->limit = NULL;              /* made by rules_compile() */
	r->connlimit = NULL;
	atomic_init(&r->packets, 0);
	atomic_init(&r->bytes, 0);
	return 0;
}

/* The state of the rules' limits and connlimits. */
static int rules_stateful_create(struct rules_chain *c)
{
	for (uint32_t j = 0; j < c->n_rules; j++) {
		struct rules_rule *r = &c->rules[j];
		int ret = 0;

		if ((r->m.has & RULES_M_LIMIT) && !r->limit)
			ret = rules_limit_create(&r->limit, &r->limit_spec);
		if (!ret && (r->m.has & RULES_M_CONNLIMIT) && !r->connlimit)
			ret = rules_connlimit_create(&r->connlimit, &r->connlimit_spec);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int rules_compile(struct rules_set *rs)
{
	for (size_t i = 0; i < rs->n_chains; i++) {
		int ret = rules_stateful_create(rs->chains[i]);

		if (ret == 0)
			ret = rules_tss_build(rs->chains[i]);
		if (ret < 0)
			return ret;
	}
	rs->compiled = true;
	return 0;
}

static const char *const rules_verdict_names[] = {
	[RULES_ACCEPT] = "accept",
	[RULES_DROP] = "drop",
	[RULES_REJECT] = "reject",
};

static const char *const rules_reject_names[] = {
	[RULES_REJECT_NONE] = "none",
	[RULES_REJECT_TCP_RESET] = "tcp-reset",
	[RULES_REJECT_PORT_UNREACH] = "icmp-port-unreachable",
	[RULES_REJECT_HOST_UNREACH] = "icmp-host-unreachable",
	[RULES_REJECT_NET_UNREACH] = "icmp-net-unreachable",
	[RULES_REJECT_ADMIN_PROHIBITED] = "icmp-admin-prohibited",
};

const char *rules_verdict_name(enum rules_verdict v)
{
	if ((unsigned int)v < sizeof(rules_verdict_names) / sizeof(rules_verdict_names[0]))
		return rules_verdict_names[v];
	return "?";
}

const char *rules_reject_name(enum rules_reject r)
{
	if ((unsigned int)r < sizeof(rules_reject_names) / sizeof(rules_reject_names[0]))
		return rules_reject_names[r];
	return "?";
}
