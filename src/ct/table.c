/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connection table: a fixed array of buckets, each a chain that readers
 * walk under RCU alone and writers change under the bucket's own lock. An
 * entry sits in two chains, one for the tuple of each direction, as in the
 * kernel's nf_conntrack_hash. Entries are never reused while linked, and
 * are freed only after an RCU grace period (call_rcu), so a reader that
 * reached an entry may keep following its links: they lead back into the
 * chain, or past removed entries that still point onward. The one move is
 * NAT's: ct_table_set_reply() relinks an entry's reply link into another
 * chain (see there what a reader standing on it meets). */
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
	free(c->e.help);
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

static inline uint32_t ct_conn_bucket(const struct ct_conn *c, enum ct_dir d)
{
	return atomic_load_explicit((_Atomic uint32_t *)&c->bucket[d], memory_order_relaxed);
}

bool ct_entry_expired(const struct ct_entry *ct, uint64_t now_ns)
{
	return atomic_load_explicit(&((struct ct_entry *)ct)->expires_ns,
				    memory_order_relaxed) <= now_ns;
}

/* ---- the reply tuple, which NAT rewrites -------------------------------- */

/* The reply tuple is written (ct_reply_write()) while lock-free readers may
 * be comparing it, so both sides access it in 32-bit words with atomic
 * loads and stores (a tuple is 4-byte aligned, its size a multiple of 4),
 * and readers check the entry's sequence count around their copy: a copy
 * made while the count was odd or changed is torn and thrown away. */
typedef uint32_t __attribute__((may_alias)) ct_tuple_word;

#define CT_TUPLE_WORDS (sizeof(struct ct_tuple) / sizeof(ct_tuple_word))

_Static_assert(sizeof(struct ct_tuple) % sizeof(ct_tuple_word) == 0 &&
	       alignof(struct ct_tuple) >= alignof(ct_tuple_word),
	       "a tuple is copied in aligned 32-bit words");

/* One try at a consistent copy of C's reply tuple; false if it was torn. */
static bool ct_reply_read(const struct ct_conn *c, struct ct_tuple *out)
{
	const ct_tuple_word *src = (const ct_tuple_word *)&c->e.tuple[CT_DIR_REPLY];
	ct_tuple_word *dst = (ct_tuple_word *)out;
	_Atomic uint32_t *seq = (_Atomic uint32_t *)&c->reply_seq;
	uint32_t before = atomic_load_explicit(seq, memory_order_acquire);

	if (before & 1)
		return false;
	for (size_t i = 0; i < CT_TUPLE_WORDS; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(seq, memory_order_relaxed) == before;
}

/* Writers are serialised by the lock of the bucket the reply link is in. */
static void ct_reply_write(struct ct_conn *c, const struct ct_tuple *reply)
{
	ct_tuple_word *dst = (ct_tuple_word *)&c->e.tuple[CT_DIR_REPLY];
	const ct_tuple_word *src = (const ct_tuple_word *)reply;
	uint32_t seq = atomic_load_explicit(&c->reply_seq, memory_order_relaxed);

	atomic_store_explicit(&c->reply_seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (size_t i = 0; i < CT_TUPLE_WORDS; i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
	atomic_store_explicit(&c->reply_seq, seq + 2, memory_order_release);
}

void ct_entry_tuple(const struct ct_entry *ct, enum ct_dir dir, struct ct_tuple *out)
{
	/* The original tuple never changes once the entry is published. */
	if (dir == CT_DIR_ORIGINAL) {
		*out = ct->tuple[CT_DIR_ORIGINAL];
		return;
	}
	/* A writer holds the count odd for ten stores: spinning is short. */
	while (!ct_reply_read(ct_conn_of(ct), out))
		caa_cpu_relax();
}

/* Does the tuple that linked E into a chain (direction D) equal TUPLE? A
 * reply tuple being rewritten matches nothing: the lookup misses E, as it
 * would had it come a moment later to the old chain or earlier to the new. */
static bool ct_link_matches(const struct ct_entry *e, unsigned int d,
			    const struct ct_tuple *tuple)
{
	struct ct_tuple reply;

	if (d == CT_DIR_ORIGINAL)
		return ct_tuple_equal(&e->tuple[CT_DIR_ORIGINAL], tuple);
	return ct_reply_read(ct_conn_of(e), &reply) && ct_tuple_equal(&reply, tuple);
}

/* What ct_link_next() returns when the reader was diverted: no link has
 * this value (bit 0 of a null entry address). */
#define CT_LINK_DIVERTED ((uintptr_t)1)

/* How often a lock-free walk of one chain starts over after a diversion
 * before it gives up on the rest of the chain. Each restart needs another
 * entry moved right where the reader stands: the bound only makes the walk
 * finite against a writer that never stops moving entries. */
#define CT_WALK_RESTARTS 8

/* The link after E's link of direction D in chain B, or CT_LINK_DIVERTED
 * if ct_table_set_reply() moved that reply link to another chain: its
 * next[1] may then lead into that chain, where the reader would miss the
 * rest of its own. The release store of next[1] in ct_reply_move() comes
 * after the store of the new bucket, so a reader that sees the new link
 * sees the new bucket too. A move within B is no diversion: the pushed
 * link leads on from B's head. */
static inline uintptr_t ct_link_next(const struct ct_entry *e, unsigned int d, uint32_t b)
{
	uintptr_t v = atomic_load_explicit(&((struct ct_entry *)e)->next[d],
					   memory_order_acquire);

	if (d == CT_DIR_REPLY && ct_conn_bucket(ct_conn_of(e), CT_DIR_REPLY) != b)
		return CT_LINK_DIVERTED;
	return v;
}

/* The first link of chain B, or (for a diverted walk) 0 once it has been
 * restarted too often. */
static inline uintptr_t ct_chain_first(struct ct_table *t, uint32_t b, unsigned int *restarts)
{
	if (*restarts && *restarts >= CT_WALK_RESTARTS)
		return 0;
	return atomic_load_explicit(&t->buckets[b].head, memory_order_acquire);
}

struct ct_entry *ct_bucket_find(struct ct_table *t, uint32_t b,
				const struct ct_tuple *tuple, enum ct_dir *dir,
				unsigned int *passed)
{
	unsigned int restarts = 0;
	uintptr_t v = ct_chain_first(t, b, &restarts);

	while (v) {
		struct ct_entry *e = ct_link_entry(v);
		unsigned int d = v & 1;

		if (ct_link_matches(e, d, tuple) &&
		    !(atomic_load_explicit(&e->status, memory_order_relaxed) & CT_S_DYING)) {
			*dir = (enum ct_dir)d;
			return e;
		}
		(*passed)++;
		v = ct_link_next(e, d, b);
		if (v == CT_LINK_DIVERTED) {
			restarts++;
			v = ct_chain_first(t, b, &restarts);
		}
	}
	return NULL;
}

/* A diverted walk starts the chain over, so FN may see an entry twice
 * while NAT moves entries (the kernel's listings do the same when their
 * hlist_nulls walk ends in another chain). */
int ct_bucket_walk(struct ct_table *t, uint32_t b, bool only_orig,
		   int (*fn)(struct ct_table *t, struct ct_entry *ct, void *arg),
		   void *arg)
{
	unsigned int restarts = 0;
	uintptr_t v = ct_chain_first(t, b, &restarts);

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
		v = ct_link_next(e, d, b);
		if (v == CT_LINK_DIVERTED) {
			restarts++;
			v = ct_chain_first(t, b, &restarts);
		}
	}
	return 0;
}

/* Takes the locks of buckets A and B, the lower index first: every writer
 * takes at most two bucket locks, always in increasing order, so no two
 * wait for each other crosswise. One lock if they coincide. An entry's own
 * lock is only ever taken inside them (ct_table_set_reply()), never the
 * other way round. */
static void ct_lock_buckets(struct ct_table *t, uint32_t a, uint32_t b)
{
	uint32_t lo = a < b ? a : b;
	uint32_t hi = a ^ b ^ lo;

	pthread_spin_lock(&t->buckets[lo].lock);
	if (hi != lo)
		pthread_spin_lock(&t->buckets[hi].lock);
}

static void ct_unlock_buckets(struct ct_table *t, uint32_t a, uint32_t b)
{
	pthread_spin_unlock(&t->buckets[a].lock);
	if (b != a)
		pthread_spin_unlock(&t->buckets[b].lock);
}

/* Locks C's reply bucket and bucket OTHER. The reply bucket may move until
 * its lock is held (only a holder of that lock moves it), so it is read
 * again under the locks and the locking retried if it moved. Returns the
 * reply bucket locked. */
static uint32_t ct_lock_reply_and(struct ct_table *t, const struct ct_conn *c,
				  uint32_t other)
{
	for (;;) {
		uint32_t r = ct_conn_bucket(c, CT_DIR_REPLY);

		ct_lock_buckets(t, r, other);
		if (ct_conn_bucket(c, CT_DIR_REPLY) == r)
			return r;
		ct_unlock_buckets(t, r, other);
	}
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

	uint32_t b0 = ct_conn_bucket(c, CT_DIR_ORIGINAL), b1 = ct_conn_bucket(c, CT_DIR_REPLY);

	/* Not yet published: nobody else can move its reply bucket. */
	ct_lock_buckets(t, b0, b1);
	if (ct_bucket_find(t, b0, &e->tuple[0], &dir, &passed) ||
	    ct_bucket_find(t, b1, &e->tuple[1], &dir, &passed)) {
		err = -EEXIST;
	} else {
		ct_chain_push(&t->buckets[b1], e, CT_DIR_REPLY);
		ct_chain_push(&t->buckets[b0], e, CT_DIR_ORIGINAL);
	}
	ct_unlock_buckets(t, b0, b1);
	return err;
}

bool ct_table_unlink(struct ct_table *t, struct ct_conn *c)
{
	struct ct_entry *e = &c->e;
	uint32_t b0 = ct_conn_bucket(c, CT_DIR_ORIGINAL), b1;
	uint32_t old;

	b1 = ct_lock_reply_and(t, c, b0);
	old = atomic_fetch_or_explicit(&e->status, CT_S_DYING, memory_order_relaxed);
	if (!(old & CT_S_DYING)) {
		ct_chain_unlink(&t->buckets[b0], e, CT_DIR_ORIGINAL);
		ct_chain_unlink(&t->buckets[b1], e, CT_DIR_REPLY);
	}
	ct_unlock_buckets(t, b1, b0);
	if (old & CT_S_DYING)
		return false;
	atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
	CT_TSAN_RELEASE();
	call_rcu(&c->rcu, ct_conn_free_rcu);
	return true;
}

/* ---- NAT: moving the reply link ----------------------------------------- */

/* Relinks C's reply link from bucket FROM to bucket TO with its new tuple,
 * both locks held. The tuple is written while the link is in no chain
 * (after the unlink, before the push), inside C's lock for the readers that
 * read it under that lock, and with the sequence count for the lock-free
 * ones still standing on C from the old chain: they match neither tuple
 * while it changes. Such a reader then follows next[1]: before the push it
 * leads on through the old chain; after it, ct_link_next() sees the new
 * bucket and the reader starts its chain over (ct_bucket_find()). Nothing
 * is freed under it, so it never crashes; a push puts C before the chain's
 * first entry, behind every reader already in it, and restarts are
 * bounded, so it never loops; it may miss C during the move (and, after
 * CT_WALK_RESTARTS moves under its feet, the rest of its chain).
 * The release store of next[1] publishes the new bucket and the entry it
 * leads to, as the head's does for new readers. */
static void ct_reply_move(struct ct_table *t, struct ct_conn *c, uint32_t from,
			  uint32_t to, const struct ct_tuple *reply)
{
	struct ct_entry *e = &c->e;
	struct ct_bucket *b = &t->buckets[to];

	ct_chain_unlink(&t->buckets[from], e, CT_DIR_REPLY);
	pthread_spin_lock(&e->lock);
	ct_reply_write(c, reply);
	pthread_spin_unlock(&e->lock);
	atomic_store_explicit(&c->bucket[CT_DIR_REPLY], to, memory_order_relaxed);
	atomic_store_explicit(&e->next[CT_DIR_REPLY],
			      atomic_load_explicit(&b->head, memory_order_relaxed),
			      memory_order_release);
	atomic_store_explicit(&b->head, (uintptr_t)e | CT_DIR_REPLY, memory_order_release);
}

int ct_table_set_reply(struct ct_table *t, struct ct_entry *ct,
		       const struct ct_tuple *reply)
{
	struct ct_conn *c;
	uint32_t to, from;
	unsigned int passed = 0;
	enum ct_dir dir;
	int err = 0;

	if (!t || !ct || !reply || reply->family != ct->tuple[CT_DIR_ORIGINAL].family ||
	    reply->l4proto != ct->tuple[CT_DIR_ORIGINAL].l4proto)
		return -EINVAL;
	c = ct_conn_of(ct);
	to = ct_table_bucket(t, reply);
	/* Every entry holding REPLY is in chain TO, and only holders of its
	 * lock link one there: the check and the move are one step. The old
	 * lock keeps other movers and ct_table_unlink() away from C. */
	from = ct_lock_reply_and(t, c, to);
	if (atomic_load_explicit(&ct->status, memory_order_relaxed) & CT_S_DYING)
		err = -ENOENT;
	else if (ct_tuple_equal(&ct->tuple[CT_DIR_REPLY], reply))
		err = 0;        /* the lock of FROM keeps it from changing */
	else if (ct_bucket_find(t, to, reply, &dir, &passed))
		err = -EEXIST;
	else
		ct_reply_move(t, c, from, to, reply);
	ct_unlock_buckets(t, from, to);
	return err;
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
