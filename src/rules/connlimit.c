/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connlimit match: more than N connections from one source (network),
 * to one destination, or through the rule at all; iptables' connlimit
 * --connlimit-above and nftables' `ct count over`.
 *
 * As the kernel's nf_conncount does it: every key keeps a short list of
 * the connections seen through the rule (their original tuple and entry
 * id), and each check looks every listed connection up in the conntrack
 * table, forgetting those that are gone (no entry, or another entry with
 * the same tuple). No timer and no scan of the table are needed; the cost
 * of a check is one lookup per live connection of its key, at most N + 1,
 * as a list never grows past that (N + 1 already says "over").
 *
 * Keys live in a fixed table of groups of RULES_PER_WAYS slots. A key
 * whose connections are all gone is the same as no key: its slot is taken
 * by a new key. When every slot of its group holds live connections, the
 * packet is taken as over the limit (fail closed) and counted. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "nfqfw/rules_internal.h"

struct connlimit_conn {
	struct ct_tuple tuple;         /* original direction */
	uint32_t id;                   /* struct ct_entry::id */
};

struct connlimit_slot {
	struct rules_per_key key;
	bool used;
	uint32_t n, cap;
	struct connlimit_conn *conns;  /* kept when the slot changes key */
};

struct connlimit_group {
	pthread_spinlock_t lock;
	struct connlimit_slot slot[RULES_PER_WAYS];
};

struct rules_connlimit {
	uint32_t over;
	struct rules_per per;
	_Atomic uint64_t table_full;
	uint64_t seed;
	uint32_t n_groups;
	struct connlimit_group *groups;
};

/* A TCP connection in TIME_WAIT or CLOSE is over even though its entry
 * stays a while: the kernel's nf_conncount does not count it either. Read
 * without the entry's lock: a stale state only delays the forgetting. */
static bool connlimit_closed(const struct ct_entry *e)
{
	uint8_t st;

	if (!e->l4 || e->l4->l4proto != IPPROTO_TCP)
		return false;
	st = __atomic_load_n(&e->proto.tcp.state, __ATOMIC_RELAXED);
	return st == CT_TCP_TIME_WAIT || st == CT_TCP_CLOSE;
}

/* Forgets the connections of S that are gone; *MINE: whether the packet's
 * own connection (ENTRY, may be NULL) is among the others. */
static void connlimit_prune(struct connlimit_slot *s, const struct rules_packet *rp,
			    const struct ct_entry *entry, bool *mine)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < s->n; i++) {
		const struct connlimit_conn *c = &s->conns[i];
		enum ct_dir dir;
		struct ct_entry *e = ct_table_find(rp->ct_table, &c->tuple, rp->now_ns, &dir);

		if (!e || e->id != c->id || dir != CT_DIR_ORIGINAL || connlimit_closed(e))
			continue;
		if (entry && e->id == entry->id &&
		    ct_tuple_equal(&c->tuple, &entry->tuple[CT_DIR_ORIGINAL]))
			*mine = true;
		s->conns[kept++] = *c;
	}
	s->n = kept;
	if (!kept)
		s->used = false;
}

/* The slot of K in G, or one free or freed by pruning (taken for K); NULL
 * when every slot holds live connections of other keys. */
static struct connlimit_slot *connlimit_slot_of(struct connlimit_group *g,
						const struct rules_per_key *k,
						const struct rules_packet *rp, bool *mine)
{
	struct connlimit_slot *s;
	unsigned int i;

	for (i = 0; i < RULES_PER_WAYS; i++) {
		s = &g->slot[i];
		if (s->used && rules_per_key_equal(&s->key, k)) {
			connlimit_prune(s, rp, rp->entry, mine);
			s->used = true;
			return s;
		}
	}
	for (i = 0; i < RULES_PER_WAYS; i++) {
		s = &g->slot[i];
		if (s->used)
			connlimit_prune(s, rp, NULL, mine);
		if (!s->used) {
			s->key = *k;
			s->used = true;
			s->n = 0;
			return s;
		}
	}
	return NULL;
}

/* Lists the packet's connection in S. False: no memory for it. */
static bool connlimit_add(struct rules_connlimit *c, struct connlimit_slot *s,
			  const struct ct_entry *entry)
{
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? 2 * s->cap : 4;
		struct connlimit_conn *conns;

		if (cap > c->over + 1)
			cap = c->over + 1;
		conns = realloc(s->conns, cap * sizeof(*conns));
		if (!conns)
			return false;
		s->conns = conns;
		s->cap = cap;
	}
	s->conns[s->n++] = (struct connlimit_conn){
		.tuple = entry->tuple[CT_DIR_ORIGINAL], .id = entry->id,
	};
	return true;
}

bool rules_connlimit_over(struct rules_connlimit *c, const struct rules_packet *rp)
{
	struct rules_per_key k;
	struct connlimit_group *g;
	struct connlimit_slot *s;
	bool mine = false, full = false;
	uint32_t count = 0;

	if (!rp->entry || !rp->ct_table)
		return false;
	rules_per_key_of(&c->per, rp, &k);
	g = &c->groups[rules_per_hash(c->seed, &k) & (c->n_groups - 1)];
	pthread_spin_lock(&g->lock);
	s = connlimit_slot_of(g, &k, rp, &mine);
	if (!s)
		full = true;
	else if (mine || s->n > c->over)
		count = s->n + !mine;
	else if (!connlimit_add(c, s, rp->entry))
		full = true;
	else
		count = s->n;
	pthread_spin_unlock(&g->lock);
	if (full)
		atomic_fetch_add_explicit(&c->table_full, 1, memory_order_relaxed);
	return full || count > c->over;
}

uint64_t rules_connlimit_table_full(const struct rules_rule *r)
{
	return r->connlimit ?
	       atomic_load_explicit(&r->connlimit->table_full, memory_order_relaxed) : 0;
}

int rules_connlimit_create(struct rules_connlimit **out,
			   const struct rules_connlimit_spec *spec)
{
	struct rules_connlimit *c;
	uint32_t i;

	if (spec->over > RULES_CONNLIMIT_MAX || spec->per.plen4 > 32 ||
	    spec->per.plen6 > 128 || spec->per.slots > RULES_PER_SLOTS_MAX)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->over = spec->over;
	c->per = spec->per;
	atomic_init(&c->table_full, 0);
	c->seed = rules_per_seed();
	c->n_groups = rules_per_groups(&spec->per);
	c->groups = calloc(c->n_groups, sizeof(*c->groups));
	if (!c->groups)
		goto err_free_connlimit;
	for (i = 0; i < c->n_groups; i++)
		if (pthread_spin_init(&c->groups[i].lock, PTHREAD_PROCESS_PRIVATE))
			goto err_destroy_locks;
	*out = c;
	return 0;

err_destroy_locks:
	while (i--)
		pthread_spin_destroy(&c->groups[i].lock);
	free(c->groups);
err_free_connlimit:
	free(c);
	return -ENOMEM;
}

void rules_connlimit_free(struct rules_connlimit *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->n_groups; i++) {
		for (unsigned int j = 0; j < RULES_PER_WAYS; j++)
			free(c->groups[i].slot[j].conns);
		pthread_spin_destroy(&c->groups[i].lock);
	}
	free(c->groups);
	free(c);
}

int rules_connlimit_parse(const char *s, uint32_t *over, char *why, size_t size)
{
	const char *p = s;
	unsigned long v;
	char *end;
	size_t n;

	if (strncmp(p, "over", 4) || p[4] != ' ')
		goto bad;
	p += 4 + strspn(p + 4, " ");
	n = strspn(p, "0123456789");
	if (!n || p[n + strspn(p + n, " ")])
		goto bad;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || v > RULES_CONNLIMIT_MAX) {
		snprintf(why, size, "%.*s is out of range (0..%u)", (int)n, p,
			 RULES_CONNLIMIT_MAX);
		return -EINVAL;
	}
	*over = (uint32_t)v;
	return 0;
bad:
	snprintf(why, size, "bad connlimit '%s' (\"over N\": matches above N connections)", s);
	return -EINVAL;
}
