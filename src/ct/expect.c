/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The expectation table (nfqfw/ct_expect.h): fixed-size, allocated once.
 *
 * Layout. Slots live in one array. A pending slot is in two lists, both
 * threaded through slot indices:
 * - a bucket chain, hashed (SipHash, secret key) on what is never wild:
 *   family, protocol, destination address and port. ct_expect_take() is
 *   one bucket under its spinlock; with at least as many buckets as slots
 *   a chain holds one or two slots on average, and nobody can lengthen one
 *   on purpose without the key.
 * - its master's chain: a directory of list heads indexed by a Fibonacci
 *   hash of the master id (ids are sequential, so they spread evenly), a
 *   doubly linked list through the slots. The per-master limit and
 *   ct_expect_forget_master() walk the master's expectations and those of
 *   the few masters sharing its head, never the table.
 *
 * Locking. The per-packet path (take) takes one bucket lock. Writers (add,
 * forget) are rare, one per helper command or ended helper connection:
 * they are serialised by one mutex, which guards the master chains, the
 * free list and the age counter, and take bucket locks inside it (order:
 * writer mutex, then a bucket). Take only unlinks a slot from its bucket
 * and marks it DEAD: the slot stays in its master's chain until a writer,
 * which alone may touch master chains, gives it back to the free list
 * (when it walks that master, or when the free list runs dry).
 *
 * Running dry. When no slot is free, add sweeps the whole table once for
 * DEAD and expired slots (all of them are freed at once, so the sweep is
 * paid for by the adds it makes possible). A sweep that frees nothing
 * records when the earliest pending expectation expires; until then, and
 * unless a take left a DEAD slot, a full table answers -ENOSPC without a
 * sweep, so a helper flooding a full table costs O(1) per try. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "internal.h"
#include "nfqfw/ct_expect.h"

#define EXP_NONE UINT32_MAX
#define EXP_BUCKETS_MIN 16u

enum exp_state {
	EXP_FREE,       /* in the free list */
	EXP_PENDING,    /* in a bucket chain and its master's chain */
	EXP_DEAD,       /* taken or expired: only in its master's chain */
};

struct exp_slot {
	struct ct_tuple tuple;          /* wild fields and padding zero */
	struct ct_tuple master_tuple;
	struct ct_expect_nat nat;
	uint64_t expires_ns;            /* written by writers only */
	uint64_t age;                   /* larger: newer; writers only */
	uint32_t master_id;
	uint32_t next;                  /* bucket chain, or free list */
	uint32_t mnext, mprev;          /* master chain (writers only) */
	uint32_t bucket;
	uint8_t wild;
	bool has_nat;
	_Atomic uint8_t state;          /* enum exp_state */
};

struct exp_bucket {
	pthread_spinlock_t lock;
	uint32_t head;
};

enum exp_counter {
	EXP_C_ADDED, EXP_C_REFRESHED, EXP_C_REPLACED, EXP_C_FULL, EXP_C_BUSY,
	EXP_C_TAKEN, EXP_C_EXPIRED, EXP_C_FORGOTTEN, EXP_C_COUNT
};

struct ct_expect_table {
	uint64_t key[2];                /* SipHash key, from getrandom() */
	uint32_t max, bucket_mask;
	unsigned int dir_bits;
	struct exp_bucket *buckets;
	uint32_t *mhead;                /* master directory: 1 << dir_bits heads */
	struct exp_slot *slots;
	pthread_mutex_t writer;
	uint32_t free_head;             /* under writer */
	uint64_t age;                   /* under writer */
	uint64_t sweep_after_ns;        /* under writer: see "Running dry" */
	_Atomic uint32_t count;         /* PENDING slots */
	_Atomic uint32_t dead;          /* DEAD slots */
	_Atomic uint64_t counters[EXP_C_COUNT];
};

static void exp_count(struct ct_expect_table *et, enum exp_counter c)
{
	atomic_fetch_add_explicit(&et->counters[c], 1, memory_order_relaxed);
}

static size_t exp_addr_len(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

static bool exp_expired(const struct exp_slot *s, uint64_t now_ns)
{
	return now_ns >= s->expires_ns;
}

/* What is never wild, packed without padding, hashed with the key. */
static uint32_t exp_bucket_of(const struct ct_expect_table *et,
			      const struct ct_tuple *t)
{
	struct {
		uint8_t dst[16];
		uint16_t dport;
		uint8_t family, l4proto;
	} k;

	memset(&k, 0, sizeof(k));
	memcpy(k.dst, t->dst.b, exp_addr_len(t->family));
	k.dport = t->dport;
	k.family = t->family;
	k.l4proto = t->l4proto;
	return (uint32_t)ct_siphash24(et->key, &k, sizeof(k)) & et->bucket_mask;
}

static uint32_t *exp_mhead(struct ct_expect_table *et, uint32_t master_id)
{
	uint64_t h = (uint64_t)master_id * 0x9e3779b97f4a7c15ull;

	return &et->mhead[h >> (64 - et->dir_bits)];
}

/* Does the new connection's tuple ORIG fall under S? */
static bool exp_matches(const struct exp_slot *s, const struct ct_tuple *orig)
{
	size_t alen = exp_addr_len(orig->family);

	if (s->tuple.family != orig->family || s->tuple.l4proto != orig->l4proto ||
	    s->tuple.dport != orig->dport ||
	    memcmp(s->tuple.dst.b, orig->dst.b, alen) != 0)
		return false;
	if (!(s->wild & CT_EXPECT_ANY_SPORT) && s->tuple.sport != orig->sport)
		return false;
	if (!(s->wild & CT_EXPECT_ANY_SADDR) &&
	    memcmp(s->tuple.src.b, orig->src.b, alen) != 0)
		return false;
	return true;
}

static unsigned int exp_wild_bits(uint8_t wild)
{
	return (unsigned int)__builtin_popcount(wild);
}

/* Bucket lock held: S (at *LINK in the chain) leaves the bucket. Its slot
 * stays in the master chain until a writer frees it. */
static void exp_unlink_locked(struct ct_expect_table *et, uint32_t *link,
			      struct exp_slot *s)
{
	*link = s->next;
	s->next = EXP_NONE;
	atomic_fetch_sub_explicit(&et->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&et->dead, 1, memory_order_relaxed);
	atomic_store_explicit(&s->state, EXP_DEAD, memory_order_release);
}

bool ct_expect_take(struct ct_expect_table *et, const struct ct_tuple *orig,
		    uint64_t now_ns, struct ct_expect_match *out)
{
	uint32_t *best_link = NULL, *link;
	struct exp_bucket *bk;
	struct exp_slot *s;

	if (!et || !orig || !out || (orig->family != 4 && orig->family != 6))
		return false;
	/* Most new connections meet an empty table: no hash, no lock. */
	if (atomic_load_explicit(&et->count, memory_order_acquire) == 0)
		return false;
	bk = &et->buckets[exp_bucket_of(et, orig)];
	pthread_spin_lock(&bk->lock);
	for (link = &bk->head; *link != EXP_NONE;) {
		s = &et->slots[*link];
		if (exp_expired(s, now_ns)) {
			exp_unlink_locked(et, link, s);
			exp_count(et, EXP_C_EXPIRED);
			continue;
		}
		if (exp_matches(s, orig) &&
		    (!best_link || exp_wild_bits(s->wild) <
				   exp_wild_bits(et->slots[*best_link].wild)))
			best_link = link;
		link = &s->next;
	}
	if (best_link) {
		s = &et->slots[*best_link];
		out->master_id = s->master_id;
		out->master_tuple = s->master_tuple;
		out->tuple = s->tuple;
		out->wild = s->wild;
		out->has_nat = s->has_nat;
		out->nat = s->nat;
		exp_unlink_locked(et, best_link, s);
		exp_count(et, EXP_C_TAKEN);
	}
	pthread_spin_unlock(&bk->lock);
	return best_link != NULL;
}

/* Writer: slot I (DEAD or never linked) leaves its master's chain and
 * goes back to the free list. */
static void exp_release(struct ct_expect_table *et, uint32_t i)
{
	struct exp_slot *s = &et->slots[i];

	if (s->mprev != EXP_NONE)
		et->slots[s->mprev].mnext = s->mnext;
	else
		*exp_mhead(et, s->master_id) = s->mnext;
	if (s->mnext != EXP_NONE)
		et->slots[s->mnext].mprev = s->mprev;
	if (atomic_load_explicit(&s->state, memory_order_acquire) == EXP_DEAD)
		atomic_fetch_sub_explicit(&et->dead, 1, memory_order_relaxed);
	atomic_store_explicit(&s->state, EXP_FREE, memory_order_relaxed);
	s->next = et->free_head;
	et->free_head = i;
}

/* Writer: removes slot I from its bucket if it is still there (a take may
 * have beaten us to it) and frees it. True if it was still pending. */
static bool exp_remove(struct ct_expect_table *et, uint32_t i)
{
	struct exp_slot *s = &et->slots[i];
	struct exp_bucket *bk = &et->buckets[s->bucket];
	bool pending = false;

	pthread_spin_lock(&bk->lock);
	if (atomic_load_explicit(&s->state, memory_order_relaxed) == EXP_PENDING) {
		uint32_t *link = &bk->head;

		while (*link != i)
			link = &et->slots[*link].next;
		exp_unlink_locked(et, link, s);
		pending = true;
	}
	pthread_spin_unlock(&bk->lock);
	exp_release(et, i);
	return pending;
}

/* Writer: a pending slot whose time is up, or a dead one, is freed.
 * True if slot I was one of those. */
static bool exp_reap(struct ct_expect_table *et, uint32_t i, uint64_t now_ns)
{
	struct exp_slot *s = &et->slots[i];
	uint8_t state = atomic_load_explicit(&s->state, memory_order_acquire);

	if (state == EXP_PENDING && !exp_expired(s, now_ns))
		return false;
	if (state == EXP_PENDING && exp_remove(et, i))
		exp_count(et, EXP_C_EXPIRED);
	else if (state == EXP_DEAD)
		exp_release(et, i);
	return true;
}

/* Writer: the pending expectations of MASTER_ID after reaping the rest;
 * *OLDEST: the oldest of them (EXP_NONE if none). */
static unsigned int exp_master_pending(struct ct_expect_table *et, uint32_t master_id,
				       uint64_t now_ns, uint32_t *oldest)
{
	unsigned int n = 0;
	uint32_t i, next;

	*oldest = EXP_NONE;
	for (i = *exp_mhead(et, master_id); i != EXP_NONE; i = next) {
		const struct exp_slot *s = &et->slots[i];

		next = s->mnext;
		if (s->master_id != master_id || exp_reap(et, i, now_ns))
			continue;
		n++;
		if (*oldest == EXP_NONE || s->age < et->slots[*oldest].age)
			*oldest = i;
	}
	return n;
}

/* Writer: the free list is empty. Sweeps the table unless that is known
 * to free nothing (see "Running dry" at the top). */
static void exp_sweep(struct ct_expect_table *et, uint64_t now_ns)
{
	uint64_t earliest = UINT64_MAX;

	if (atomic_load_explicit(&et->dead, memory_order_relaxed) == 0 &&
	    now_ns < et->sweep_after_ns)
		return;
	for (uint32_t i = 0; i < et->max; i++) {
		const struct exp_slot *s = &et->slots[i];

		if (atomic_load_explicit(&s->state, memory_order_acquire) == EXP_FREE ||
		    exp_reap(et, i, now_ns))
			continue;
		if (s->expires_ns < earliest)
			earliest = s->expires_ns;
	}
	et->sweep_after_ns = earliest;
}

/* Writer, bucket B locked: an expectation already pending with TUPLE and
 * WILD (expired ones met on the way are unlinked, to be reaped later). */
static struct exp_slot *exp_find_same(struct ct_expect_table *et, uint32_t b,
				      const struct ct_tuple *tuple, uint8_t wild,
				      uint64_t now_ns)
{
	uint32_t *link = &et->buckets[b].head;

	while (*link != EXP_NONE) {
		struct exp_slot *s = &et->slots[*link];

		if (exp_expired(s, now_ns)) {
			exp_unlink_locked(et, link, s);
			exp_count(et, EXP_C_EXPIRED);
			continue;
		}
		if (s->wild == wild && memcmp(&s->tuple, tuple, sizeof(*tuple)) == 0)
			return s;
		link = &s->next;
	}
	return NULL;
}

/* The expected tuple as stored: wild fields, unused address bytes and
 * padding zero, so that identical expectations compare equal as bytes. */
static void exp_normalise(struct ct_tuple *n, const struct ct_tuple *t, uint8_t wild)
{
	size_t alen = exp_addr_len(t->family);

	memset(n, 0, sizeof(*n));
	n->family = t->family;
	n->l4proto = t->l4proto;
	n->dport = t->dport;
	memcpy(n->dst.b, t->dst.b, alen);
	if (!(wild & CT_EXPECT_ANY_SPORT))
		n->sport = t->sport;
	if (!(wild & CT_EXPECT_ANY_SADDR))
		memcpy(n->src.b, t->src.b, alen);
}

static void exp_set_nat(struct exp_slot *s, const struct ct_expect_nat *nat)
{
	s->has_nat = nat != NULL;
	if (nat)
		s->nat = *nat;
	else
		memset(&s->nat, 0, sizeof(s->nat));
}

/* Writer: 1 if an identical expectation was refreshed, -EBUSY if another
 * master holds the same, 0 if there is none. */
static int exp_refresh(struct ct_expect_table *et, const struct ct_entry *master,
		       const struct ct_tuple *tuple, uint8_t wild, uint64_t expires_ns,
		       const struct ct_expect_nat *nat, uint64_t now_ns)
{
	uint32_t b = exp_bucket_of(et, tuple);
	struct exp_bucket *bk = &et->buckets[b];
	struct exp_slot *s;
	int ret = 0;

	pthread_spin_lock(&bk->lock);
	s = exp_find_same(et, b, tuple, wild, now_ns);
	if (s && s->master_id != master->id) {
		ret = -EBUSY;
	} else if (s) {
		s->expires_ns = expires_ns;
		s->age = ++et->age;
		exp_set_nat(s, nat);
		ret = 1;
	}
	pthread_spin_unlock(&bk->lock);
	return ret;
}

/* Writer: makes room under the per-master limit, replacing the oldest. */
static void exp_master_limit(struct ct_expect_table *et, uint32_t master_id,
			     unsigned int max_per_master, uint64_t now_ns)
{
	uint32_t oldest;

	while (exp_master_pending(et, master_id, now_ns, &oldest) >= max_per_master)
		if (exp_remove(et, oldest))
			exp_count(et, EXP_C_REPLACED);
}

/* Writer: a free slot, sweeping if need be; EXP_NONE if the table is full. */
static uint32_t exp_alloc(struct ct_expect_table *et, uint64_t now_ns)
{
	uint32_t i;

	if (et->free_head == EXP_NONE)
		exp_sweep(et, now_ns);
	i = et->free_head;
	if (i != EXP_NONE)
		et->free_head = et->slots[i].next;
	return i;
}

/* Writer: fills slot I and links it into its master's chain and bucket. */
static void exp_link(struct ct_expect_table *et, uint32_t i,
		     const struct ct_entry *master, const struct ct_tuple *tuple,
		     uint8_t wild, uint64_t expires_ns, const struct ct_expect_nat *nat)
{
	struct exp_slot *s = &et->slots[i];
	uint32_t *mhead = exp_mhead(et, master->id);
	struct exp_bucket *bk;

	s->tuple = *tuple;
	s->master_tuple = master->tuple[CT_DIR_ORIGINAL];
	exp_set_nat(s, nat);
	s->expires_ns = expires_ns;
	if (expires_ns < et->sweep_after_ns)
		et->sweep_after_ns = expires_ns;   /* a sweep frees it from then on */
	s->age = ++et->age;
	s->master_id = master->id;
	s->wild = wild;
	s->bucket = exp_bucket_of(et, tuple);
	s->mprev = EXP_NONE;
	s->mnext = *mhead;
	if (*mhead != EXP_NONE)
		et->slots[*mhead].mprev = i;
	*mhead = i;
	bk = &et->buckets[s->bucket];
	pthread_spin_lock(&bk->lock);
	s->next = bk->head;
	bk->head = i;
	atomic_store_explicit(&s->state, EXP_PENDING, memory_order_relaxed);
	atomic_fetch_add_explicit(&et->count, 1, memory_order_release);
	pthread_spin_unlock(&bk->lock);
}

int ct_expect_add(struct ct_expect_table *et, const struct ct_entry *master,
		  const struct ct_tuple *tuple, uint8_t wild,
		  unsigned int max_per_master, uint32_t timeout_s,
		  const struct ct_expect_nat *nat, uint64_t now_ns)
{
	uint64_t expires_ns = now_ns + (uint64_t)timeout_s * CT_NS_PER_SEC;
	struct ct_tuple norm;
	uint32_t i;
	int ret;

	if (!et || !master || !tuple || (tuple->family != 4 && tuple->family != 6) ||
	    (wild & ~CT_EXPECT_WILD_MASK) || max_per_master == 0 || timeout_s == 0)
		return -EINVAL;
	exp_normalise(&norm, tuple, wild);
	pthread_mutex_lock(&et->writer);
	ret = exp_refresh(et, master, &norm, wild, expires_ns, nat, now_ns);
	if (ret != 0) {
		exp_count(et, ret > 0 ? EXP_C_REFRESHED : EXP_C_BUSY);
		goto out_unlock;
	}
	exp_master_limit(et, master->id, max_per_master, now_ns);
	i = exp_alloc(et, now_ns);
	if (i == EXP_NONE) {
		exp_count(et, EXP_C_FULL);
		ret = -ENOSPC;
		goto out_unlock;
	}
	exp_link(et, i, master, &norm, wild, expires_ns, nat);
	exp_count(et, EXP_C_ADDED);
out_unlock:
	pthread_mutex_unlock(&et->writer);
	return ret < 0 ? ret : 0;
}

unsigned int ct_expect_forget_master(struct ct_expect_table *et, uint32_t master_id)
{
	unsigned int n = 0;
	uint32_t i, next;

	if (!et)
		return 0;
	pthread_mutex_lock(&et->writer);
	for (i = *exp_mhead(et, master_id); i != EXP_NONE; i = next) {
		next = et->slots[i].mnext;
		if (et->slots[i].master_id == master_id && exp_remove(et, i)) {
			exp_count(et, EXP_C_FORGOTTEN);
			n++;
		}
	}
	pthread_mutex_unlock(&et->writer);
	return n;
}

void ct_expect_stats(const struct ct_expect_table *et, struct ct_expect_stats *out)
{
	uint64_t c[EXP_C_COUNT];

	memset(out, 0, sizeof(*out));
	if (!et)
		return;
	for (int k = 0; k < EXP_C_COUNT; k++)
		c[k] = atomic_load_explicit(&et->counters[k], memory_order_relaxed);
	out->added = c[EXP_C_ADDED];
	out->refreshed = c[EXP_C_REFRESHED];
	out->replaced = c[EXP_C_REPLACED];
	out->full = c[EXP_C_FULL];
	out->busy = c[EXP_C_BUSY];
	out->taken = c[EXP_C_TAKEN];
	out->expired = c[EXP_C_EXPIRED];
	out->forgotten = c[EXP_C_FORGOTTEN];
	out->count = atomic_load_explicit(&et->count, memory_order_relaxed);
	out->max = et->max;
}

static int exp_key(uint64_t key[2])
{
	uint8_t *k = (uint8_t *)key;
	size_t got = 0;

	while (got < 2 * sizeof(uint64_t)) {
		ssize_t n = getrandom(k + got, 2 * sizeof(uint64_t) - got, 0);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

/* Buckets: a power of two, at least one per slot. Free list: every slot,
 * in index order. */
static int exp_arrays(struct ct_expect_table *et)
{
	uint32_t nb = EXP_BUCKETS_MIN;

	et->dir_bits = 4;
	while (nb < et->max) {
		nb <<= 1;
		et->dir_bits++;
	}
	et->bucket_mask = nb - 1;
	et->buckets = calloc(nb, sizeof(*et->buckets));
	et->mhead = calloc(nb, sizeof(*et->mhead));
	et->slots = calloc(et->max, sizeof(*et->slots));
	if (!et->buckets || !et->mhead || !et->slots)
		return -ENOMEM;
	for (uint32_t b = 0; b < nb; b++) {
		pthread_spin_init(&et->buckets[b].lock, PTHREAD_PROCESS_PRIVATE);
		et->buckets[b].head = EXP_NONE;
		et->mhead[b] = EXP_NONE;
	}
	for (uint32_t i = 0; i < et->max; i++) {
		et->slots[i].next = i + 1 < et->max ? i + 1 : EXP_NONE;
		atomic_init(&et->slots[i].state, EXP_FREE);
	}
	et->free_head = 0;
	return 0;
}

static void exp_free_arrays(struct ct_expect_table *et)
{
	/* The locks were initialised only if every array was allocated. */
	if (et->buckets && et->mhead && et->slots)
		for (uint32_t b = 0; b <= et->bucket_mask; b++)
			pthread_spin_destroy(&et->buckets[b].lock);
	free(et->buckets);
	free(et->mhead);
	free(et->slots);
}

struct ct_expect_table *ct_expect_table_create(uint32_t max_expectations)
{
	struct ct_expect_table *et;
	int err = -EINVAL;

	if (max_expectations == 0 || max_expectations > CT_EXPECT_MAX_SLOTS)
		goto err_out;
	err = -ENOMEM;
	et = calloc(1, sizeof(*et));
	if (!et)
		goto err_out;
	et->max = max_expectations;
	err = exp_arrays(et);
	if (err)
		goto err_free_arrays;
	err = exp_key(et->key);
	if (err)
		goto err_free_arrays;
	pthread_mutex_init(&et->writer, NULL);
	return et;

err_free_arrays:
	exp_free_arrays(et);
	free(et);
err_out:
	errno = -err;
	return NULL;
}

void ct_expect_table_destroy(struct ct_expect_table *et)
{
	if (!et)
		return;
	pthread_mutex_destroy(&et->writer);
	exp_free_arrays(et);
	free(et);
}
