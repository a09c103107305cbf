/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Counters across a reload: a rule of the new ruleset that is the same as
 * one of the old (same chain, same matches, same action) keeps counting
 * from where the old one was, as `iptables -L -v` after `iptables-restore
 * --counters` would show; so does a chain's policy. Rules are told apart by
 * a canonical byte string of what they do, so a reload of 10,000 rules
 * costs a sort, not 10,000 x 10,000 comparisons. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nfqfw/filter.h"
#include "nfqfw/rules_internal.h"

/* Field by field, so that padding and pointers never make two equal rules
 * differ: sets and chains by name. */
struct filter_rule_key {
	unsigned char b[512];
	size_t len;
};

static void key_put(struct filter_rule_key *k, const void *v, size_t n)
{
	if (k->len + n > sizeof(k->b))
		n = sizeof(k->b) - k->len;
	memcpy(k->b + k->len, v, n);
	k->len += n;
}

#define KEY_PUT(k, field) key_put((k), &(field), sizeof(field))

static void key_put_str(struct filter_rule_key *k, const char *s)
{
	key_put(k, s, strlen(s) + 1);
}

static void key_put_addr(struct filter_rule_key *k, const struct rules_addr_match *a)
{
	KEY_PUT(k, a->family);
	KEY_PUT(k, a->plen);
	KEY_PUT(k, a->neg);
	KEY_PUT(k, a->addr);
	key_put_str(k, a->set ? rules_addrset_name(a->set) : "");
}

static void key_put_ports(struct filter_rule_key *k, const struct rules_port_match *p)
{
	KEY_PUT(k, p->n);
	KEY_PUT(k, p->neg);
	for (unsigned int i = 0; i < p->n && i < RULES_MAX_PORT_RANGES; i++) {
		KEY_PUT(k, p->r[i].lo);
		KEY_PUT(k, p->r[i].hi);
	}
}

static void key_put_iface(struct filter_rule_key *k, const struct rules_iface_match *i)
{
	key_put_str(k, i->name);
	KEY_PUT(k, i->wildcard);
	KEY_PUT(k, i->neg);
}

static void key_put_match(struct filter_rule_key *k, const struct rules_match *m)
{
	KEY_PUT(k, m->has);
	KEY_PUT(k, m->family);
	KEY_PUT(k, m->proto);
	KEY_PUT(k, m->proto_neg);
	key_put_addr(k, &m->src);
	key_put_addr(k, &m->dst);
	key_put_ports(k, &m->sport);
	key_put_ports(k, &m->dport);
	key_put_iface(k, &m->in);
	key_put_iface(k, &m->out);
	KEY_PUT(k, m->ct_states);
	KEY_PUT(k, m->ct_dir);
	KEY_PUT(k, m->tcp_mask);
	KEY_PUT(k, m->tcp_value);
	KEY_PUT(k, m->tcp_neg);
	KEY_PUT(k, m->icmp_family);
	KEY_PUT(k, m->icmp_type);
	KEY_PUT(k, m->icmp_code);
	KEY_PUT(k, m->mark_value);
	KEY_PUT(k, m->mark_mask);
	KEY_PUT(k, m->mark_neg);
	KEY_PUT(k, m->len_lo);
	KEY_PUT(k, m->len_hi);
	KEY_PUT(k, m->len_neg);
}

static void key_put_per(struct filter_rule_key *k, const struct rules_per *p)
{
	KEY_PUT(k, p->addr);
	KEY_PUT(k, p->plen4);
	KEY_PUT(k, p->plen6);
	KEY_PUT(k, p->slots);
}

static void key_put_stateful(struct filter_rule_key *k, const struct rules_rule *r)
{
	if (r->m.has & RULES_M_LIMIT) {
		KEY_PUT(k, r->limit_spec.rate);
		KEY_PUT(k, r->limit_spec.period_ns);
		KEY_PUT(k, r->limit_spec.burst);
		key_put_per(k, &r->limit_spec.per);
	}
	if (r->m.has & RULES_M_CONNLIMIT) {
		KEY_PUT(k, r->connlimit_spec.over);
		key_put_per(k, &r->connlimit_spec.per);
	}
}

static void filter_rule_key(const struct rules_rule *r, struct filter_rule_key *k)
{
	k->len = 0;
	key_put_match(k, &r->m);
	key_put_stateful(k, r);
	KEY_PUT(k, r->action);
	KEY_PUT(k, r->reject);
	key_put_str(k, r->target ? r->target->name : "");
	KEY_PUT(k, r->has_log);
	if (r->has_log) {
		key_put_str(k, r->log.prefix);
		KEY_PUT(k, r->log.level);
	}
	KEY_PUT(k, r->has_mark_set);
	KEY_PUT(k, r->mark_set_value);
	KEY_PUT(k, r->mark_set_mask);
}

struct filter_keyed {
	uint64_t hash;
	uint32_t index;
	bool used;
};

static uint64_t filter_key_hash(const struct filter_rule_key *k)
{
	uint64_t h = k->len, w;
	size_t i;

	for (i = 0; i + 8 <= k->len; i += 8) {
		memcpy(&w, k->b + i, 8);
		h = rules_hash_word(h, w);
	}
	w = 0;
	memcpy(&w, k->b + i, k->len - i);
	return rules_hash_word(h, w);
}

static int filter_keyed_cmp(const void *a, const void *b)
{
	const struct filter_keyed *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static bool filter_rules_same(const struct rules_rule *a, const struct rules_rule *b)
{
	struct filter_rule_key ka, kb;

	filter_rule_key(a, &ka);
	filter_rule_key(b, &kb);
	return ka.len == kb.len && memcmp(ka.b, kb.b, ka.len) == 0;
}

static void filter_add_counters(struct rules_rule *to, const struct rules_rule *from)
{
	atomic_fetch_add(&to->packets, atomic_load(&from->packets));
	atomic_fetch_add(&to->bytes, atomic_load(&from->bytes));
}

/* The first unused rule of PREV (sorted by hash in KEYED) equal to R. */
static struct filter_keyed *filter_find_same(const struct rules_chain *prev,
					     struct filter_keyed *keyed,
					     const struct rules_rule *r, uint64_t hash)
{
	size_t lo = 0, hi = prev->n_rules;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (keyed[mid].hash < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < prev->n_rules && keyed[lo].hash == hash; lo++)
		if (!keyed[lo].used && filter_rules_same(&prev->rules[keyed[lo].index], r))
			return &keyed[lo];
	return NULL;
}

static void filter_inherit_chain(struct rules_chain *next, const struct rules_chain *prev)
{
	struct filter_keyed *keyed = calloc(prev->n_rules ? prev->n_rules : 1, sizeof(*keyed));
	struct filter_rule_key k;

	if (next->base && prev->base && next->policy == prev->policy) {
		atomic_fetch_add(&next->policy_packets, atomic_load(&prev->policy_packets));
		atomic_fetch_add(&next->policy_bytes, atomic_load(&prev->policy_bytes));
	}
	if (!keyed)
		return;    /* counters restart: nothing else is lost */
	for (uint32_t i = 0; i < prev->n_rules; i++) {
		filter_rule_key(&prev->rules[i], &k);
		keyed[i] = (struct filter_keyed){ filter_key_hash(&k), i, false };
	}
	qsort(keyed, prev->n_rules, sizeof(*keyed), filter_keyed_cmp);
	for (uint32_t i = 0; i < next->n_rules; i++) {
		struct filter_keyed *same;

		filter_rule_key(&next->rules[i], &k);
		same = filter_find_same(prev, keyed, &next->rules[i], filter_key_hash(&k));
		if (!same)
			continue;
		same->used = true;
		filter_add_counters(&next->rules[i], &prev->rules[same->index]);
	}
	free(keyed);
}

void filter_inherit_counters(struct rules_set *next, const struct rules_set *prev)
{
	if (!next || !prev)
		return;
	for (size_t c = 0; c < rules_chain_count(next); c++) {
		struct rules_chain *nc = rules_chain_at(next, c);
		const struct rules_chain *pc = rules_chain_find(prev, nc->name);

		if (pc)
			filter_inherit_chain(nc, pc);
	}
}
