/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connection table: a fixed array of buckets, each a chain that readers
 * walk under RCU alone and writers change under the bucket's own lock. An
 * entry sits in two chains, one for the tuple of each direction, as in the
 * kernel's nf_conntrack_hash. Entries are never moved or reused while
 * linked, and are freed only after an RCU grace period (call_rcu), so a
 * reader that reached an entry may keep following its links: they lead
 * back into the chain, or past removed entries that still point onward. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "internal.h"

#ifdef CT_TSAN
char ct_tsan_grace_period;
#endif

/* ---- RCU ---------------------------------------------------------------- */

void ct_thread_register(void)
{
	rcu_register_thread();
}

void ct_thread_unregister(void)
{
	rcu_unregister_thread();
}

void ct_read_lock(void)
{
	rcu_read_lock();
}

void ct_read_unlock(void)
{
	CT_TSAN_RELEASE();
	rcu_read_unlock();
}

/* ---- counters ----------------------------------------------------------- */

/* Slot + 1 of this thread's counters, 0 until its first count. */
static _Thread_local unsigned int ct_stat_my_slot;
static _Atomic unsigned int ct_stat_next_slot;

void ct_stat_add(struct ct_table *t, enum ct_stat_id id, uint64_t n)
{
	if (!ct_stat_my_slot)
		ct_stat_my_slot = atomic_fetch_add_explicit(&ct_stat_next_slot, 1,
							    memory_order_relaxed) %
				  CT_STAT_SLOTS + 1;
	atomic_fetch_add_explicit(&t->stats[ct_stat_my_slot - 1].v[id], n,
				  memory_order_relaxed);
}

void ct_table_stats(const struct ct_table *t, struct ct_stats *out)
{
	uint64_t sum[CT_STAT_COUNT] = { 0 };

	for (unsigned int s = 0; s < CT_STAT_SLOTS; s++)
		for (unsigned int i = 0; i < CT_STAT_COUNT; i++)
			sum[i] += atomic_load_explicit(&t->stats[s].v[i],
						       memory_order_relaxed);
	*out = (struct ct_stats){
		.found = sum[CT_STAT_FOUND],
		.invalid = sum[CT_STAT_INVALID],
		.insert = sum[CT_STAT_INSERT],
		.insert_failed = sum[CT_STAT_INSERT_FAILED],
		.drop = sum[CT_STAT_DROP],
		.early_drop = sum[CT_STAT_EARLY_DROP],
		.searched = sum[CT_STAT_SEARCHED],
		.expired = sum[CT_STAT_EXPIRED],
		.clash_resolve = sum[CT_STAT_CLASH_RESOLVE],
		.count = atomic_load_explicit(&t->count, memory_order_relaxed),
		.max = t->cfg.max_entries,
		.entry_size = sizeof(struct ct_conn),
	};
}

/* ---- create, destroy ---------------------------------------------------- */

static uint32_t ct_bucket_count(uint32_t max_entries)
{
	uint32_t want = max_entries / 2 + max_entries % 2;
	uint32_t n = CT_BUCKETS_MIN;

	while (n < want && n < CT_BUCKETS_MAX)
		n <<= 1;
	return n;
}

static int ct_table_key(struct ct_table *t)
{
	uint8_t *k = (uint8_t *)t->key;
	size_t got = 0;

	while (got < sizeof(t->key)) {
		ssize_t n = getrandom(k + got, sizeof(t->key) - got, 0);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

static void *ct_zalloc_aligned(size_t size)
{
	size_t rounded = (size + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, rounded);

	if (p)
		memset(p, 0, rounded);
	return p;
}

struct ct_table *ct_table_create(const struct ct_settings *settings)
{
	struct ct_table *t;
	int err = -ENOMEM;

	if (settings->max_entries == 0) {
		errno = EINVAL;
		return NULL;
	}
	t = ct_zalloc_aligned(sizeof(*t));
	if (!t)
		goto err_out;
	t->cfg = *settings;
	t->nbuckets = ct_bucket_count(settings->max_entries);
	t->stats = ct_zalloc_aligned(CT_STAT_SLOTS * sizeof(*t->stats));
	if (!t->stats)
		goto err_free_table;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets)
		goto err_free_stats;
	for (uint32_t i = 0; i < t->nbuckets; i++)
		pthread_spin_init(&t->buckets[i].lock, PTHREAD_PROCESS_PRIVATE);
	err = ct_table_key(t);
	if (err)
		goto err_free_buckets;
	atomic_init(&t->next_id, 1);
	return t;

err_free_buckets:
	free(t->buckets);
err_free_stats:
	free(t->stats);
err_free_table:
	free(t);
err_out:
	errno = -err;
	return NULL;
}

static void ct_conn_free(struct ct_conn *c)
{
	pthread_spin_destroy(&c->e.lock);
	free(c);
}

static void ct_conn_free_rcu(struct rcu_head *head)
{
	CT_TSAN_ACQUIRE();
	ct_conn_free((struct ct_conn *)((uintptr_t)head - offsetof(struct ct_conn, rcu)));
}

/* No thread uses the table any more: entries still linked are freed at
 * once. Each is collected through its original-direction link (every linked
 * entry has exactly one) into a list threaded through priv, and freed only
 * after the walk, which may still pass through it from another chain. */
void ct_table_destroy(struct ct_table *t)
{
	struct ct_entry *doomed = NULL;

	if (!t)
		return;
	for (uint32_t b = 0; b < t->nbuckets; b++) {
		uintptr_t v = atomic_load_explicit(&t->buckets[b].head, memory_order_acquire);

		while (v) {
			struct ct_entry *e = (struct ct_entry *)(v & ~(uintptr_t)1);
			unsigned int d = v & 1;

			v = atomic_load_explicit(&e->next[d], memory_order_acquire);
			if (d == CT_DIR_ORIGINAL) {
				e->priv = doomed;
				doomed = e;
			}
		}
		pthread_spin_destroy(&t->buckets[b].lock);
	}
	while (doomed) {
		struct ct_entry *next = doomed->priv;

		ct_conn_free(ct_conn_of(doomed));
		doomed = next;
	}
	/* Entries removed earlier wait for their grace period in liburcu's
	 * queue: let them go before the caller counts its memory. */
	rcu_barrier();
	free(t->buckets);
	free(t->stats);
	free(t);
}

/* ---- chains ------------------------------------------------------------- */

static inline struct ct_entry *ct_link_entry(uintptr_t v)
{
	return (struct ct_entry *)(v & ~(uintptr_t)1);
}

bool ct_entry_expired(const struct ct_entry *ct, uint64_t now_ns)
{
	return atomic_load_explicit(&((struct ct_entry *)ct)->expires_ns,
				    memory_order_relaxed) <= now_ns;
}

struct ct_entry *ct_bucket_find(struct ct_table *t, uint32_t b,
				const struct ct_tuple *tuple, enum ct_dir *dir,
				unsigned int *passed)
{
	uintptr_t v = atomic_load_explicit(&t->buckets[b].head, memory_order_acquire);

	while (v) {
		struct ct_entry *e = ct_link_entry(v);
		unsigned int d = v & 1;

		if (ct_tuple_equal(&e->tuple[d], tuple) &&
		    !(atomic_load_explicit(&e->status, memory_order_relaxed) & CT_S_DYING)) {
			*dir = (enum ct_dir)d;
			return e;
		}
		(*passed)++;
		v = atomic_load_explicit(&e->next[d], memory_order_acquire);
	}
	return NULL;
}

int ct_bucket_walk(struct ct_table *t, uint32_t b, bool only_orig,
		   int (*fn)(struct ct_table *t, struct ct_entry *ct, void *arg),
		   void *arg)
{
	uintptr_t v = atomic_load_explicit(&t->buckets[b].head, memory_order_acquire);

	while (v) {
		struct ct_entry *e = ct_link_entry(v);
		unsigned int d = v & 1;
		int r;

		/* FN may unlink E: its own links stay as they were, so reading
		 * them afterwards still leads on through the chain. */
		if (!only_orig || d == CT_DIR_ORIGINAL) {
			r = fn(t, e, arg);
			if (r)
				return r;
		}
		v = atomic_load_explicit(&e->next[d], memory_order_acquire);
	}
	return 0;
}

/* Takes the locks of both buckets of C, the lower index first, so that two
 * writers never wait for each other crosswise; one lock if they coincide. */
static void ct_lock_pair(struct ct_table *t, const struct ct_conn *c)
{
	uint32_t lo = c->bucket[0] < c->bucket[1] ? c->bucket[0] : c->bucket[1];
	uint32_t hi = c->bucket[0] ^ c->bucket[1] ^ lo;

	pthread_spin_lock(&t->buckets[lo].lock);
	if (hi != lo)
		pthread_spin_lock(&t->buckets[hi].lock);
}

static void ct_unlock_pair(struct ct_table *t, const struct ct_conn *c)
{
	pthread_spin_unlock(&t->buckets[c->bucket[0]].lock);
	if (c->bucket[1] != c->bucket[0])
		pthread_spin_unlock(&t->buckets[c->bucket[1]].lock);
}

/* The entry is complete before it is published: the release store of the
 * head pairs with the acquire loads of the readers. */
static void ct_chain_push(struct ct_bucket *b, struct ct_entry *e, unsigned int d)
{
	atomic_store_explicit(&e->next[d],
			      atomic_load_explicit(&b->head, memory_order_relaxed),
			      memory_order_relaxed);
	atomic_store_explicit(&b->head, (uintptr_t)e | d, memory_order_release);
}

static void ct_chain_unlink(struct ct_bucket *b, struct ct_entry *e, unsigned int d)
{
	_Atomic uintptr_t *link = &b->head;
	uintptr_t want = (uintptr_t)e | d;

	for (;;) {
		uintptr_t v = atomic_load_explicit(link, memory_order_relaxed);

		if (v == want) {
			atomic_store_explicit(link,
					      atomic_load_explicit(&e->next[d], memory_order_relaxed),
					      memory_order_release);
			return;
		}
		if (!v)
			return;
		link = &ct_link_entry(v)->next[v & 1];
	}
}

int ct_table_insert(struct ct_table *t, struct ct_conn *c)
{
	struct ct_entry *e = &c->e;
	unsigned int passed = 0;
	enum ct_dir dir;
	int err = 0;

	ct_lock_pair(t, c);
	if (ct_bucket_find(t, c->bucket[0], &e->tuple[0], &dir, &passed) ||
	    ct_bucket_find(t, c->bucket[1], &e->tuple[1], &dir, &passed)) {
		err = -EEXIST;
	} else {
		ct_chain_push(&t->buckets[c->bucket[1]], e, CT_DIR_REPLY);
		ct_chain_push(&t->buckets[c->bucket[0]], e, CT_DIR_ORIGINAL);
	}
	ct_unlock_pair(t, c);
	return err;
}

bool ct_table_unlink(struct ct_table *t, struct ct_conn *c)
{
	struct ct_entry *e = &c->e;
	uint32_t old;

	ct_lock_pair(t, c);
	old = atomic_fetch_or_explicit(&e->status, CT_S_DYING, memory_order_relaxed);
	if (!(old & CT_S_DYING)) {
		ct_chain_unlink(&t->buckets[c->bucket[0]], e, CT_DIR_ORIGINAL);
		ct_chain_unlink(&t->buckets[c->bucket[1]], e, CT_DIR_REPLY);
	}
	ct_unlock_pair(t, c);
	if (old & CT_S_DYING)
		return false;
	atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
	CT_TSAN_RELEASE();
	call_rcu(&c->rcu, ct_conn_free_rcu);
	return true;
}

/* ---- lookups and iteration ---------------------------------------------- */

struct ct_entry *ct_table_find(struct ct_table *t, const struct ct_tuple *tuple,
			       uint64_t now_ns, enum ct_dir *dir)
{
	unsigned int passed = 0;
	struct ct_entry *ct = ct_bucket_find(t, ct_table_bucket(t, tuple), tuple,
					     dir, &passed);

	if (passed)
		ct_stat_add(t, CT_STAT_SEARCHED, passed);
	if (!ct)
		return NULL;
	/* Lazy expiry: an entry past its time is gone for whoever finds it. */
	if (ct_entry_expired(ct, now_ns)) {
		ct_expire(t, ct);
		return NULL;
	}
	ct_stat_add(t, CT_STAT_FOUND, 1);
	return ct;
}

bool ct_remove(struct ct_table *t, struct ct_entry *ct)
{
	return ct_table_unlink(t, ct_conn_of(ct));
}

struct ct_foreach_walk {
	int (*cb)(const struct ct_entry *ct, void *arg);
	void *arg;
};

static int ct_foreach_one(struct ct_table *t, struct ct_entry *ct, void *arg)
{
	struct ct_foreach_walk *w = arg;
	uint32_t st = atomic_load_explicit(&ct->status, memory_order_relaxed);
	int r;

	(void)t;
	if (!(st & CT_S_CONFIRMED) || (st & CT_S_DYING))
		return 0;
	pthread_spin_lock(&ct->lock);
	r = w->cb(ct, w->arg);
	pthread_spin_unlock(&ct->lock);
	return r;
}

int ct_table_foreach(struct ct_table *t, int (*cb)(const struct ct_entry *ct, void *arg),
		     void *arg)
{
	struct ct_foreach_walk w = { cb, arg };
	int r = 0;

	ct_read_lock();
	for (uint32_t b = 0; b < t->nbuckets && !r; b++)
		r = ct_bucket_walk(t, b, true, ct_foreach_one, &w);
	ct_read_unlock();
	return r;
}

struct ct_remove_walk {
	bool (*match)(const struct ct_entry *ct, void *arg);
	void *arg;
	unsigned int removed;
};

static int ct_remove_one(struct ct_table *t, struct ct_entry *ct, void *arg)
{
	struct ct_remove_walk *w = arg;
	bool match = true;

	if (atomic_load_explicit(&ct->status, memory_order_relaxed) & CT_S_DYING)
		return 0;
	if (w->match) {
		pthread_spin_lock(&ct->lock);
		match = w->match(ct, w->arg);
		pthread_spin_unlock(&ct->lock);
	}
	if (match && ct_table_unlink(t, ct_conn_of(ct)))
		w->removed++;
	return 0;
}

unsigned int ct_table_remove_if(struct ct_table *t,
				bool (*match)(const struct ct_entry *ct, void *arg),
				void *arg)
{
	struct ct_remove_walk w = { match, arg, 0 };

	ct_read_lock();
	for (uint32_t b = 0; b < t->nbuckets; b++)
		ct_bucket_walk(t, b, true, ct_remove_one, &w);
	ct_read_unlock();
	return w.removed;
}
