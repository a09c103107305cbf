/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compiled matcher: Tuple Space Search (V. Srinivasan, S. Suri,
 * G. Varghese, "Packet Classification using Tuple Space Search", SIGCOMM
 * 1999), as Open vSwitch's classifier does it.
 *
 * Every rule of a chain becomes one or more (key, mask) pairs over a fixed
 * 48-byte key (addresses, ports, family, protocol, conntrack state and
 * direction, ICMP type and code, TCP flags, mark). Rules with the same mask
 * (their "shape") share a hash table keyed by the masked key. A lookup
 * masks the packet's key with each shape and probes that shape's table:
 * the cost grows with the number of shapes, not of rules.
 *
 * Invariant: a rule's keys are a necessary condition. If the rule matches
 * the packet, one of its keys equals the packet's key under its mask. What
 * cannot be put in a key (interfaces, length, negations, set lookups, port
 * lists that would expand too far) is left out of the mask, and every
 * candidate a probe finds is confirmed with rules_rule_matches(); a rule
 * with nothing in its key lands in the all-zero shape, which is the
 * "residual" linear list.
 *
 * Each entry keeps the indices of its rules in ascending order; the lookup
 * asks for the first matching rule at index >= FROM (evaluation continues
 * after non-terminal rules) and keeps the lowest over all shapes. Shapes
 * are sorted by their lowest rule index, so the scan stops at the first
 * shape that cannot beat the best found. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "nfqfw/rules_internal.h"

#define TSS_WORDS 6

union tss_key {
	uint64_t w[TSS_WORDS];
	struct {
		uint8_t saddr[16], daddr[16];
		uint16_t sport, dport;
		uint8_t family, proto, ct, dir;
		uint8_t icmp_type, icmp_code, tcp_flags, l4;
		uint32_t mark;
	} f;
};

static_assert(sizeof(union tss_key) == TSS_WORDS * 8, "tss key has no holes");

/* A port range expands to at most this many (value, mask) pairs, a whole
 * rule (ports times conntrack states) to RULES_TSS_MAX_EXPAND keys; past
 * that the field is left to the confirmation. */
#define TSS_MAX_PORT_KEYS 16
#define TSS_SMALL_RANGE 8      /* ranges this small go value by value */
#define TSS_MAX_EXPAND 64

/* Bits of the key's l4 byte: what the packet has. */
#define TSS_L4_PORTS 0x01u

/* In an entry's index list: the key alone proves the match (every match
 * of the rule is in its key), so the rule need not be asked again. */
#define TSS_EXACT (1u << 31)

struct tss_entry {
	union tss_key key;
	uint32_t n, cap;
	uint32_t *idx;              /* rule indices, ascending, | TSS_EXACT */
};

struct tss_shape {
	union tss_key mask;
	uint8_t words[TSS_WORDS];   /* indices of the mask's non-zero words */
	uint8_t n_words;
	uint32_t min_idx, max_idx;
	uint32_t *slots;            /* 0: empty, else entry index + 1 */
	size_t slot_mask;
	struct tss_entry *entries;
	uint32_t n_entries, cap_entries;
};

struct rules_tss {
	struct tss_shape *shapes;
	uint32_t n_shapes, cap_shapes;
	uint32_t n_residual;        /* rules in the all-zero shape */
};

struct tss_port_key {
	uint16_t value, mask;
};

static void tss_mask_key(union tss_key *out, const union tss_key *in,
			 const struct tss_shape *s)
{
	for (unsigned int i = 0; i < s->n_words; i++) {
		unsigned int w = s->words[i];

		out->w[w] = in->w[w] & s->mask.w[w];
	}
}

static uint64_t tss_hash(const union tss_key *k, const struct tss_shape *s)
{
	uint64_t h = 0;

	for (unsigned int i = 0; i < s->n_words; i++)
		h = rules_hash_word(h, k->w[s->words[i]]);
	return h;
}

static bool tss_key_equal(const union tss_key *a, const union tss_key *b,
			  const struct tss_shape *s)
{
	for (unsigned int i = 0; i < s->n_words; i++)
		if (a->w[s->words[i]] != b->w[s->words[i]])
			return false;
	return true;
}

static struct tss_entry *tss_probe(const struct tss_shape *s, const union tss_key *k)
{
	for (size_t i = tss_hash(k, s) & s->slot_mask;; i = (i + 1) & s->slot_mask) {
		uint32_t e = s->slots[i];

		if (!e)
			return NULL;
		if (tss_key_equal(&s->entries[e - 1].key, k, s))
			return &s->entries[e - 1];
	}
}

/* Building. */

static void tss_put_slot(struct tss_shape *s, uint32_t e)
{
	size_t i = tss_hash(&s->entries[e].key, s) & s->slot_mask;

	while (s->slots[i])
		i = (i + 1) & s->slot_mask;
	s->slots[i] = e + 1;
}

/* Makes room for one more entry: the slot table stays at most half full. */
static int tss_grow_slots(struct tss_shape *s)
{
	size_t n = s->slots ? s->slot_mask + 1 : 0, want = n ? n : 16;

	while (2 * ((size_t)s->n_entries + 1) > want)
		want *= 2;
	if (want == n)
		return 0;
	free(s->slots);
	s->slots = calloc(want, sizeof(*s->slots));
	if (!s->slots)
		return -ENOMEM;
	s->slot_mask = want - 1;
	for (uint32_t e = 0; e < s->n_entries; e++)
		tss_put_slot(s, e);
	return 0;
}

static int tss_entry_add_rule(struct tss_entry *e, uint32_t index)
{
	/* Rules are added in order; one rule may give the same key twice. */
	if (e->n && (e->idx[e->n - 1] & ~TSS_EXACT) == (index & ~TSS_EXACT))
		return 0;
	if (e->n == e->cap) {
		uint32_t cap = e->cap ? 2 * e->cap : 2;
		uint32_t *idx = realloc(e->idx, cap * sizeof(*idx));

		if (!idx)
			return -ENOMEM;
		e->idx = idx;
		e->cap = cap;
	}
	e->idx[e->n++] = index;
	return 0;
}

static int tss_shape_insert(struct tss_shape *s, const union tss_key *k, uint32_t index)
{
	struct tss_entry *e = s->slots ? tss_probe(s, k) : NULL;

	if (!e) {
		if (tss_grow_slots(s) < 0)
			return -ENOMEM;
		if (s->n_entries == s->cap_entries) {
			uint32_t cap = s->cap_entries ? 2 * s->cap_entries : 8;
			struct tss_entry *entries = realloc(s->entries, cap * sizeof(*entries));

			if (!entries)
				return -ENOMEM;
			s->entries = entries;
			s->cap_entries = cap;
		}
		e = &s->entries[s->n_entries];
		*e = (struct tss_entry){ .key = *k };
		tss_put_slot(s, s->n_entries++);
	}
	if ((index & ~TSS_EXACT) < s->min_idx)
		s->min_idx = index & ~TSS_EXACT;
	if ((index & ~TSS_EXACT) > s->max_idx)
		s->max_idx = index & ~TSS_EXACT;
	return tss_entry_add_rule(e, index);
}

static struct tss_shape *tss_shape_get(struct rules_tss *t, const union tss_key *mask)
{
	struct tss_shape *s;

	for (uint32_t i = 0; i < t->n_shapes; i++)
		if (memcmp(&t->shapes[i].mask, mask, sizeof(*mask)) == 0)
			return &t->shapes[i];
	if (t->n_shapes == t->cap_shapes) {
		uint32_t cap = t->cap_shapes ? 2 * t->cap_shapes : 4;
		struct tss_shape *shapes = realloc(t->shapes, cap * sizeof(*shapes));

		if (!shapes)
			return NULL;
		t->shapes = shapes;
		t->cap_shapes = cap;
	}
	s = &t->shapes[t->n_shapes++];
	*s = (struct tss_shape){ .mask = *mask, .min_idx = UINT32_MAX };
	for (unsigned int w = 0; w < TSS_WORDS; w++)
		if (mask->w[w])
			s->words[s->n_words++] = (uint8_t)w;
	return s;
}

/* Ranges in (value, mask) pairs: value by value when the list is small,
 * else each range as its aligned power-of-two blocks. Returns how many, or
 * 0 when there would be more than TSS_MAX_PORT_KEYS (the field is then
 * left out of the key). */
static unsigned int tss_port_keys(const struct rules_port_match *m,
				  struct tss_port_key *out)
{
	uint32_t total = 0;
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->n; i++)
		total += (uint32_t)m->r[i].hi - m->r[i].lo + 1;
	for (unsigned int i = 0; i < m->n; i++) {
		uint32_t lo = m->r[i].lo, hi = m->r[i].hi;

		while (lo <= hi) {
			uint32_t size = 1;

			if (total > TSS_SMALL_RANGE)
				while (size < 65536 && lo % (2 * size) == 0 &&
				       lo + 2 * size - 1 <= hi)
					size *= 2;
			if (n == TSS_MAX_PORT_KEYS)
				return 0;
			out[n++] = (struct tss_port_key){
				(uint16_t)lo, (uint16_t)~(size - 1),
			};
			lo += size;
		}
	}
	return n;
}

static void tss_set_addr(uint8_t *key, uint8_t *mask, const struct rules_addr_match *a)
{
	union pkt_addr ones;

	memset(&ones, 0xff, sizeof(ones));
	rules_addr_mask((union pkt_addr *)(void *)mask, &ones, a->plen);
	memcpy(key, a->addr.b, 16);
}

/* The part of R's key that does not expand. */
static void tss_base_key(const struct rules_match *m, union tss_key *key,
			 union tss_key *mask)
{
	memset(key, 0, sizeof(*key));
	memset(mask, 0, sizeof(*mask));
	if (m->has & RULES_M_FAMILY)
		key->f.family = m->family, mask->f.family = 0xff;
	if ((m->has & RULES_M_PROTO) && !m->proto_neg)
		key->f.proto = m->proto, mask->f.proto = 0xff;
	if ((m->has & RULES_M_SRC) && !m->src.neg && !m->src.set) {
		tss_set_addr(key->f.saddr, mask->f.saddr, &m->src);
		key->f.family = m->src.family, mask->f.family = 0xff;
	}
	if ((m->has & RULES_M_DST) && !m->dst.neg && !m->dst.set) {
		tss_set_addr(key->f.daddr, mask->f.daddr, &m->dst);
		key->f.family = m->dst.family, mask->f.family = 0xff;
	}
	if (m->has & (RULES_M_SPORT | RULES_M_DPORT))
		key->f.l4 |= TSS_L4_PORTS, mask->f.l4 |= TSS_L4_PORTS;
	if (m->has & RULES_M_CT_DIR)
		key->f.dir = m->ct_dir, mask->f.dir = 0xff;
	if (m->has & RULES_M_ICMP) {
		key->f.icmp_type = m->icmp_type, mask->f.icmp_type = 0xff;
		if (m->icmp_code >= 0)
			key->f.icmp_code = (uint8_t)m->icmp_code, mask->f.icmp_code = 0xff;
	}
	if ((m->has & RULES_M_TCP_FLAGS) && !m->tcp_neg) {
		key->f.tcp_flags = m->tcp_value & m->tcp_mask;
		mask->f.tcp_flags = m->tcp_mask;
	}
	if ((m->has & RULES_M_MARK) && !m->mark_neg) {
		key->f.mark = m->mark_value & m->mark_mask;
		mask->f.mark = m->mark_mask;
	}
}

/* The fields that expand: source and destination ports, conntrack states. */
struct tss_expansion {
	struct tss_port_key sport[TSS_MAX_PORT_KEYS], dport[TSS_MAX_PORT_KEYS];
	uint8_t ct[CT_INFO_COUNT];
	unsigned int n_sport, n_dport, n_ct;   /* 0: wildcard */
};

static void tss_expand(const struct rules_match *m, struct tss_expansion *x)
{
	memset(x, 0, sizeof(*x));
	if ((m->has & RULES_M_SPORT) && !m->sport.neg)
		x->n_sport = tss_port_keys(&m->sport, x->sport);
	if ((m->has & RULES_M_DPORT) && !m->dport.neg)
		x->n_dport = tss_port_keys(&m->dport, x->dport);
	if (m->has & RULES_M_CT_STATE)
		for (unsigned int i = 0; i < CT_INFO_COUNT; i++)
			if (m->ct_states & RULES_CT_BIT(i))
				x->ct[x->n_ct++] = (uint8_t)i;
	/* Too many keys: give up the widest field until it fits. */
	for (;;) {
		unsigned int a = x->n_sport ? x->n_sport : 1, b = x->n_dport ? x->n_dport : 1,
			     c = x->n_ct ? x->n_ct : 1;

		if (a * b * c <= TSS_MAX_EXPAND)
			break;
		if (a >= b && a >= c)
			x->n_sport = 0;
		else if (b >= c)
			x->n_dport = 0;
		else
			x->n_ct = 0;
	}
}

static bool tss_addr_exact(const struct rules_addr_match *a, uint8_t *family)
{
	if (a->neg || a->set || (*family && *family != a->family))
		return false;
	*family = a->family;
	return true;
}

/* True if a key equal to the packet's under the mask proves that the rule
 * matches: nothing of the rule was left out of its key, and nothing in it
 * contradicts itself (an IPv4 source with an IPv6 destination). */
static bool tss_exact(const struct rules_match *m, const struct tss_expansion *x)
{
	const uint32_t keyed = RULES_M_FAMILY | RULES_M_PROTO | RULES_M_SRC |
			       RULES_M_DST | RULES_M_SPORT | RULES_M_DPORT |
			       RULES_M_CT_STATE | RULES_M_CT_DIR | RULES_M_MARK;
	uint8_t family = m->has & RULES_M_FAMILY ? m->family : 0;

	if ((m->has & ~keyed) || ((m->has & RULES_M_PROTO) && m->proto_neg))
		return false;
	if ((m->has & RULES_M_SPORT) && (m->sport.neg || !x->n_sport))
		return false;
	if ((m->has & RULES_M_DPORT) && (m->dport.neg || !x->n_dport))
		return false;
	if ((m->has & RULES_M_CT_STATE) && !x->n_ct)
		return false;
	if ((m->has & RULES_M_MARK) && (m->mark_neg || (m->mark_value & ~m->mark_mask)))
		return false;
	if ((m->has & RULES_M_SRC) && !tss_addr_exact(&m->src, &family))
		return false;
	if ((m->has & RULES_M_DST) && !tss_addr_exact(&m->dst, &family))
		return false;
	return true;
}

static int tss_add_rule(struct rules_tss *t, const struct rules_rule *r)
{
	unsigned int ns, nd, nc;
	union tss_key key, mask;
	uint32_t index;
	struct tss_expansion x;

	tss_base_key(&r->m, &key, &mask);
	tss_expand(&r->m, &x);
	index = r->index | (tss_exact(&r->m, &x) ? TSS_EXACT : 0);
	ns = x.n_sport ? x.n_sport : 1;
	nd = x.n_dport ? x.n_dport : 1;
	nc = x.n_ct ? x.n_ct : 1;
	for (unsigned int i = 0; i < ns; i++)
		for (unsigned int j = 0; j < nd; j++)
			for (unsigned int k = 0; k < nc; k++) {
				union tss_key kk = key, mm = mask;
				struct tss_shape *s;

				if (x.n_sport)
					kk.f.sport = x.sport[i].value & x.sport[i].mask,
					mm.f.sport = x.sport[i].mask;
				if (x.n_dport)
					kk.f.dport = x.dport[j].value & x.dport[j].mask,
					mm.f.dport = x.dport[j].mask;
				if (x.n_ct)
					kk.f.ct = x.ct[k], mm.f.ct = 0xff;
				for (unsigned int w = 0; w < TSS_WORDS; w++)
					kk.w[w] &= mm.w[w];
				s = tss_shape_get(t, &mm);
				if (!s || tss_shape_insert(s, &kk, index) < 0)
					return -ENOMEM;
			}
	return 0;
}

static int tss_shape_cmp(const void *a, const void *b)
{
	const struct tss_shape *x = a, *y = b;

	return x->min_idx < y->min_idx ? -1 : x->min_idx > y->min_idx;
}

void rules_tss_free(struct rules_tss *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->n_shapes; i++) {
		struct tss_shape *s = &t->shapes[i];

		for (uint32_t e = 0; e < s->n_entries; e++)
			free(s->entries[e].idx);
		free(s->entries);
		free(s->slots);
	}
	free(t->shapes);
	free(t);
}

int rules_tss_build(struct rules_chain *chain)
{
	struct rules_tss *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (uint32_t i = 0; i < chain->n_rules; i++) {
		if (tss_add_rule(t, &chain->rules[i]) < 0) {
			rules_tss_free(t);
			return -ENOMEM;
		}
	}
	for (uint32_t i = 0; i < t->n_shapes; i++)
		if (t->shapes[i].n_words == 0)
			t->n_residual = t->shapes[i].entries[0].n;
	if (t->n_shapes)
		qsort(t->shapes, t->n_shapes, sizeof(*t->shapes), tss_shape_cmp);
	rules_tss_free(chain->tss);
	chain->tss = t;
	return 0;
}

size_t rules_tss_shapes(const struct rules_tss *t)
{
	return t->n_shapes;
}

size_t rules_tss_residual(const struct rules_tss *t)
{
	return t->n_residual;
}

/* Lookup. */

static void tss_packet_key(const struct rules_packet *rp, union tss_key *k)
{
	const struct pkt *p = rp->p;

	memset(k, 0, sizeof(*k));
	memcpy(k->f.saddr, p->saddr.b, p->family == 4 ? 4 : 16);
	memcpy(k->f.daddr, p->daddr.b, p->family == 4 ? 4 : 16);
	k->f.sport = p->sport;
	k->f.dport = p->dport;
	k->f.family = p->family;
	k->f.proto = p->l4proto;
	k->f.ct = (uint8_t)rp->ct;
	k->f.dir = (uint8_t)rp->dir;
	if (p->has_l4 && (p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6)) {
		k->f.icmp_type = p->icmp.type;
		k->f.icmp_code = p->icmp.code;
	}
	if (p->has_l4 && p->l4proto == IPPROTO_TCP)
		k->f.tcp_flags = p->tcp.flags;
	if (p->has_l4 && (p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP))
		k->f.l4 = TSS_L4_PORTS;
	k->f.mark = rp->mark;
}

/* First index >= FROM (and < BEST) in E whose rule matches, or BEST. */
static uint32_t tss_entry_first(const struct rules_chain *chain, const struct tss_entry *e,
				uint32_t from, uint32_t best, const struct rules_packet *rp)
{
	uint32_t lo = 0, hi = e->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if ((e->idx[mid] & ~TSS_EXACT) < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = lo; i < e->n; i++) {
		uint32_t index = e->idx[i] & ~TSS_EXACT;

		if (index >= best)
			break;
		if ((e->idx[i] & TSS_EXACT) || rules_rule_matches(&chain->rules[index], rp))
			return index;
	}
	return best;
}

uint32_t rules_find_tss(const struct rules_chain *chain, uint32_t from,
			const struct rules_packet *rp)
{
	const struct rules_tss *t = chain->tss;
	uint32_t best = chain->n_rules;
	union tss_key pk, k;

	tss_packet_key(rp, &pk);
	for (uint32_t i = 0; i < t->n_shapes; i++) {
		const struct tss_shape *s = &t->shapes[i];
		const struct tss_entry *e;

		if (s->min_idx >= best)
			break;          /* sorted: no later shape can do better */
		if (s->max_idx < from)
			continue;
		tss_mask_key(&k, &pk, s);
		e = tss_probe(s, &k);
		if (e)
			best = tss_entry_first(chain, e, from, best, rp);
	}
	return best;
}
