/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Getting rid of entries: expiry and early drop. Nothing here runs per
 * packet of a known connection. An entry's time is a single store on each
 * packet (expires_ns); whoever meets an expired entry removes it: a lookup
 * (lazily, ct_table_find()), the timer's incremental sweep (ct_gc_step(),
 * a budget of buckets per call, like the kernel's gc_worker), or a full
 * table looking for room (ct_early_drop(), the kernel's early_drop()). */
#include "internal.h"

void ct_expire(struct ct_table *t, struct ct_entry *ct)
{
	if (ct_table_unlink(t, ct_conn_of(ct)))
		ct_stat_add(t, CT_STAT_EXPIRED, 1);
}

struct ct_gc_walk {
	uint64_t now_ns;
	unsigned int removed;
};

static int ct_gc_one(struct ct_table *t, struct ct_entry *ct, void *arg)
{
	struct ct_gc_walk *w = arg;

	if (ct_entry_expired(ct, w->now_ns) && ct_table_unlink(t, ct_conn_of(ct))) {
		ct_stat_add(t, CT_STAT_EXPIRED, 1);
		w->removed++;
	}
	return 0;
}

unsigned int ct_gc_step(struct ct_table *t, uint64_t now_ns, unsigned int budget)
{
	struct ct_gc_walk w = { now_ns, 0 };

	if (budget > t->nbuckets)
		budget = t->nbuckets;
	ct_read_lock();
	for (unsigned int i = 0; i < budget; i++) {
		uint32_t b = atomic_fetch_add_explicit(&t->gc_cursor, 1,
						       memory_order_relaxed) &
			     (t->nbuckets - 1);

		/* Every linked entry has one original-direction link: visiting
		 * those alone sees each entry once per sweep. */
		ct_bucket_walk(t, b, true, ct_gc_one, &w);
	}
	ct_read_unlock();
	return w.removed;
}

/* May CT go to make room? Only confirmed entries (the kernel's table holds
 * no others), and only those not ASSURED, unless their tracker says the
 * connection is as good as over (TCP closing states). */
static bool ct_droppable(struct ct_entry *ct, uint32_t st)
{
	bool ok;

	if ((st & (CT_S_CONFIRMED | CT_S_DYING)) != CT_S_CONFIRMED)
		return false;
	if (!(st & CT_S_ASSURED))
		return true;
	if (!ct->l4->can_early_drop)
		return false;
	pthread_spin_lock(&ct->lock);
	ok = ct->l4->can_early_drop(ct);
	pthread_spin_unlock(&ct->lock);
	return ok;
}

struct ct_drop_walk {
	uint64_t now_ns;
};

static int ct_drop_one(struct ct_table *t, struct ct_entry *ct, void *arg)
{
	struct ct_drop_walk *w = arg;
	uint32_t st = atomic_load_explicit(&ct->status, memory_order_relaxed);

	if (st & CT_S_DYING)
		return 0;
	if (ct_entry_expired(ct, w->now_ns)) {
		if (!ct_table_unlink(t, ct_conn_of(ct)))
			return 0;
		ct_stat_add(t, CT_STAT_EXPIRED, 1);
		return 1;
	}
	if (!ct_droppable(ct, st) || !ct_table_unlink(t, ct_conn_of(ct)))
		return 0;
	ct_stat_add(t, CT_STAT_EARLY_DROP, 1);
	return 1;
}

bool ct_early_drop(struct ct_table *t, uint32_t b, uint64_t now_ns)
{
	struct ct_drop_walk w = { now_ns };
	int found = 0;

	ct_read_lock();
	for (uint32_t i = 0; i < CT_EVICTION_RANGE && !found; i++)
		found = ct_bucket_walk(t, (b + i) & (t->nbuckets - 1), false,
				       ct_drop_one, &w);
	ct_read_unlock();
	return found;
}
