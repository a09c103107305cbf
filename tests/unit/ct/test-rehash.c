/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of ct_table_set_reply(), the move of an entry's reply tuple
 * that NAT makes: both tuples findable after a move and the old one gone,
 * clashes refused with nothing changed, removal, expiry and flush of moved
 * entries, moves within one bucket; and under threads: readers looking
 * entries up by their original, old and new reply tuples (and by torn
 * mixtures of the two, which nobody holds) while writers move them back and
 * forth, and while a third removes and recreates them. Meant to be run under
 * ThreadSanitizer too. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ct-test.h"
#include "internal.h"
#include "unit.h"

static struct ct_stats stats_of(struct ct_table *t)
{
	struct ct_stats s;

	ct_table_stats(t, &s);
	return s;
}

/* The tuple of a UDP packet FAM SRC:SPORT -> DST:DPORT. */
static void udp_tuple(struct ct_tuple *tu, int fam, enum ctt_host src, uint16_t sport,
		      enum ctt_host dst, uint16_t dport)
{
	struct ctt_pkt k;

	ctt_udp(&k, fam, src, dst, sport, dport);
	CU_ASSERT_FATAL(ct_tuple_from_pkt(&k.p, &ct_l4proto_udp, tu));
}

static struct ct_entry *find(struct ct_table *t, const struct ct_tuple *tu, uint64_t now,
			     enum ct_dir *dir)
{
	struct ct_entry *ct;

	ct_read_lock();
	ct = ct_table_find(t, tu, now, dir);
	ct_read_unlock();
	return ct;
}

static int set_reply(struct ct_table *t, struct ct_entry *ct, const struct ct_tuple *r)
{
	int err;

	ct_read_lock();
	err = ct_table_set_reply(t, ct, r);
	ct_read_unlock();
	return err;
}

/* A confirmed UDP connection A:SPORT -> B:53 (or unconfirmed). */
static struct ct_entry *udp_conn(struct ct_table *t, int fam, uint16_t sport, bool confirm)
{
	struct ct_result r;
	struct ctt_pkt k;
	enum ct_info info;

	ctt_udp(&k, fam, CTT_A, CTT_B, sport, 53);
	info = confirm ? ctt_run(t, &k, CTT_AT(0), &r) : ctt_run_unconfirmed(t, &k, CTT_AT(0), &r);
	CU_ASSERT_EQUAL(info, CT_INFO_NEW);
	CU_ASSERT_FATAL(r.ct != NULL);
	return r.ct;
}

static void test_move_and_find(void)
{
	for (int fam = 4; fam <= 6; fam += 2) {
		struct ct_table *t = ctt_table(0);
		struct ct_entry *ct = udp_conn(t, fam, 1000, true);
		struct ct_tuple orig, old, snat, copy;
		enum ct_dir dir;

		udp_tuple(&orig, fam, CTT_A, 1000, CTT_B, 53);
		udp_tuple(&old, fam, CTT_B, 53, CTT_A, 1000);
		udp_tuple(&snat, fam, CTT_B, 53, CTT_C, 40000);
		CU_ASSERT_EQUAL(set_reply(t, ct, &snat), 0);
		CU_ASSERT_PTR_EQUAL(find(t, &orig, CTT_AT(1), &dir), ct);
		CU_ASSERT_EQUAL(dir, CT_DIR_ORIGINAL);
		CU_ASSERT_PTR_EQUAL(find(t, &snat, CTT_AT(1), &dir), ct);
		CU_ASSERT_EQUAL(dir, CT_DIR_REPLY);
		CU_ASSERT_PTR_NULL(find(t, &old, CTT_AT(1), &dir));
		CU_ASSERT(ct_tuple_equal(&ct->tuple[CT_DIR_REPLY], &snat));
		ct_entry_tuple(ct, CT_DIR_REPLY, &copy);
		CU_ASSERT(ct_tuple_equal(&copy, &snat));
		ct_entry_tuple(ct, CT_DIR_ORIGINAL, &copy);
		CU_ASSERT(ct_tuple_equal(&copy, &orig));
		CU_ASSERT_EQUAL(ctt_count(t), 1);
		CU_ASSERT_EQUAL(stats_of(t).count, 1);
		/* The same tuple again: nothing to do. Then back. */
		CU_ASSERT_EQUAL(set_reply(t, ct, &snat), 0);
		CU_ASSERT_PTR_EQUAL(find(t, &snat, CTT_AT(1), &dir), ct);
		CU_ASSERT_EQUAL(set_reply(t, ct, &old), 0);
		CU_ASSERT_PTR_EQUAL(find(t, &old, CTT_AT(1), &dir), ct);
		CU_ASSERT_EQUAL(dir, CT_DIR_REPLY);
		CU_ASSERT_PTR_NULL(find(t, &snat, CTT_AT(1), &dir));
		CU_ASSERT_EQUAL(ctt_count(t), 1);
		ct_table_destroy(t);
	}
}

/* A moved unconfirmed entry is confirmed, or aborted, like any other. */
static void test_move_unconfirmed(void)
{
	struct ct_table *t = ctt_table(0);
	struct ct_entry *a = udp_conn(t, 4, 1000, false), *b = udp_conn(t, 4, 1001, false);
	struct ct_tuple ra, rb;
	enum ct_dir dir;

	udp_tuple(&ra, 4, CTT_B, 53, CTT_C, 50000);
	udp_tuple(&rb, 4, CTT_B, 53, CTT_C, 50001);
	CU_ASSERT_EQUAL(set_reply(t, a, &ra), 0);
	CU_ASSERT_EQUAL(set_reply(t, b, &rb), 0);
	ct_read_lock();
	CU_ASSERT_EQUAL(ct_confirm(t, a, CTT_AT(0)), 0);
	ct_abort(t, b);
	ct_read_unlock();
	CU_ASSERT_PTR_EQUAL(find(t, &ra, CTT_AT(1), &dir), a);
	CU_ASSERT_PTR_NULL(find(t, &rb, CTT_AT(1), &dir));
	CU_ASSERT_EQUAL(ctt_count(t), 1);
	CU_ASSERT_EQUAL(stats_of(t).count, 1);
	ct_table_destroy(t);
}

static void test_clash(void)
{
	struct ct_table *t = ctt_table(0);
	struct ct_entry *x = udp_conn(t, 4, 1000, true), *y = udp_conn(t, 4, 1001, true);
	struct ct_tuple xo, xr, yo, yr, other;
	struct ctt_pkt k;
	enum ct_dir dir;

	udp_tuple(&xo, 4, CTT_A, 1000, CTT_B, 53);
	udp_tuple(&xr, 4, CTT_B, 53, CTT_A, 1000);
	udp_tuple(&yo, 4, CTT_A, 1001, CTT_B, 53);
	udp_tuple(&yr, 4, CTT_B, 53, CTT_A, 1001);
	/* Held by Y's reply, by Y's original, by X's own original. */
	CU_ASSERT_EQUAL(set_reply(t, x, &yr), -EEXIST);
	CU_ASSERT_EQUAL(set_reply(t, x, &yo), -EEXIST);
	CU_ASSERT_EQUAL(set_reply(t, x, &xo), -EEXIST);
	CU_ASSERT(ct_tuple_equal(&x->tuple[CT_DIR_REPLY], &xr));
	CU_ASSERT_PTR_EQUAL(find(t, &xr, CTT_AT(1), &dir), x);
	CU_ASSERT_PTR_EQUAL(find(t, &yr, CTT_AT(1), &dir), y);
	CU_ASSERT_PTR_EQUAL(find(t, &yo, CTT_AT(1), &dir), y);
	CU_ASSERT_EQUAL(ctt_count(t), 2);

	/* Another family or protocol is no reply of X. */
	udp_tuple(&other, 6, CTT_B, 53, CTT_A, 1000);
	CU_ASSERT_EQUAL(set_reply(t, x, &other), -EINVAL);
	other = xr;
	other.l4proto = IPPROTO_TCP;
	CU_ASSERT_EQUAL(set_reply(t, x, &other), -EINVAL);
	CU_ASSERT_EQUAL(set_reply(t, NULL, &xr), -EINVAL);
	CU_ASSERT_EQUAL(set_reply(t, x, NULL), -EINVAL);

	/* The tuple X moved to is X's: a new connection whose reply it
	 * would be is refused (the insertion sees the moved link). */
	udp_tuple(&other, 4, CTT_B, 53, CTT_C, 40000);
	CU_ASSERT_EQUAL(set_reply(t, x, &other), 0);
	ctt_udp(&k, 4, CTT_C, CTT_B, 40000, 53);
	CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(1), NULL), CT_INFO_INVALID);
	CU_ASSERT_EQUAL(ctt_count(t), 2);
	CU_ASSERT_EQUAL(set_reply(t, y, &other), -EEXIST);

	/* A removed entry cannot be moved. */
	ct_read_lock();
	CU_ASSERT(ct_remove(t, y));
	CU_ASSERT_EQUAL(ct_table_set_reply(t, y, &yo), -ENOENT);
	ct_read_unlock();
	ct_table_destroy(t);
}

/* Removal of a moved entry in each way leaves nothing behind. */
static void test_remove_after_move(void)
{
	struct ct_tuple orig, moved;
	struct ct_table *t;
	struct ct_entry *ct;
	enum ct_dir dir;

	for (int how = 0; how < 4; how++) {
		t = ctt_table(0);
		ct = udp_conn(t, 4, 1000, true);
		udp_conn(t, 4, 1001, true);     /* a neighbour that stays */
		udp_tuple(&orig, 4, CTT_A, 1000, CTT_B, 53);
		udp_tuple(&moved, 4, CTT_B, 53, CTT_C, 40000);
		CU_ASSERT_EQUAL_FATAL(set_reply(t, ct, &moved), 0);
		switch (how) {
		case 0:
			ct_read_lock();
			CU_ASSERT(ct_remove(t, ct));
			ct_read_unlock();
			break;
		case 1:         /* lazily, by a lookup after the UDP timeout */
			CU_ASSERT_PTR_NULL(find(t, &moved, CTT_AT(1000), &dir));
			break;
		case 2:
			CU_ASSERT_EQUAL(ct_gc_step(t, CTT_AT(1000), t->nbuckets), 2);
			break;
		case 3:
			CU_ASSERT_EQUAL(ct_table_remove_if(t, NULL, NULL), 2);
			break;
		}
		CU_ASSERT_PTR_NULL(find(t, &orig, CTT_AT(0), &dir));
		CU_ASSERT_PTR_NULL(find(t, &moved, CTT_AT(0), &dir));
		CU_ASSERT_EQUAL(ctt_count(t), how < 2 ? 1 : 0);
		CU_ASSERT_EQUAL(stats_of(t).count, how < 2 ? 1 : 0);
		ct_table_destroy(t);
	}
}

/* A port P of C whose reply tuple B:53 -> C:P falls in bucket B (from
 * START on), or 0. */
static uint16_t port_in_bucket(struct ct_table *t, uint32_t b, uint16_t start)
{
	struct ct_tuple r;

	for (uint32_t p = start; p < 65536; p++) {
		udp_tuple(&r, 4, CTT_B, 53, CTT_C, (uint16_t)p);
		if (ct_table_bucket(t, &r) == b)
			return (uint16_t)p;
	}
	return 0;
}

/* Moves into the chain of the entry's own original tuple (one chain holds
 * it twice), within one chain, and out again. */
static void test_same_bucket(void)
{
	struct ct_table *t = ctt_table(2048);     /* 1024 buckets: ports hit each */
	struct ct_entry *ct = udp_conn(t, 4, 1000, true);
	struct ct_conn *c = ct_conn_of(ct);
	struct ct_tuple orig, r1, r2, r3;
	uint16_t p1, p2;
	enum ct_dir dir;

	udp_tuple(&orig, 4, CTT_A, 1000, CTT_B, 53);
	p1 = port_in_bucket(t, c->bucket[CT_DIR_ORIGINAL], 1024);
	p2 = port_in_bucket(t, c->bucket[CT_DIR_ORIGINAL], (uint16_t)(p1 + 1));
	CU_ASSERT_FATAL(p1 && p2);
	udp_tuple(&r1, 4, CTT_B, 53, CTT_C, p1);
	udp_tuple(&r2, 4, CTT_B, 53, CTT_C, p2);
	udp_tuple(&r3, 4, CTT_B, 53, CTT_C, (uint16_t)(p2 + 1));
	CU_ASSERT_EQUAL(set_reply(t, ct, &r1), 0);
	CU_ASSERT_EQUAL(c->bucket[CT_DIR_REPLY], c->bucket[CT_DIR_ORIGINAL]);
	CU_ASSERT_EQUAL(set_reply(t, ct, &r2), 0);
	CU_ASSERT_PTR_EQUAL(find(t, &orig, CTT_AT(1), &dir), ct);
	CU_ASSERT_EQUAL(dir, CT_DIR_ORIGINAL);
	CU_ASSERT_PTR_EQUAL(find(t, &r2, CTT_AT(1), &dir), ct);
	CU_ASSERT_EQUAL(dir, CT_DIR_REPLY);
	CU_ASSERT_PTR_NULL(find(t, &r1, CTT_AT(1), &dir));
	CU_ASSERT_EQUAL(ctt_count(t), 1);
	CU_ASSERT_EQUAL(set_reply(t, ct, &r3), 0);
	CU_ASSERT_PTR_EQUAL(find(t, &r3, CTT_AT(1), &dir), ct);
	CU_ASSERT_PTR_NULL(find(t, &r2, CTT_AT(1), &dir));
	CU_ASSERT_PTR_EQUAL(find(t, &orig, CTT_AT(1), &dir), ct);
	ct_read_lock();
	CU_ASSERT(ct_remove(t, ct));
	ct_read_unlock();
	CU_ASSERT_EQUAL(ctt_count(t), 0);
	ct_table_destroy(t);
}

/* ---- threads ------------------------------------------------------------ */

#define RH_FLOWS 4096
#define RH_ROUNDS 12
#define RH_READERS 3

/* Flow I: A:(10000+I) -> B:53; its reply tuples R0 (B:53 -> A:10000+I,
 * the plain inverse) and R1 (B:53 -> C:30000+I); M0 and M1 mix the
 * address of one with the port of the other: nobody holds them. */
struct rh {
	struct ct_table *t;
	struct ct_tuple orig[RH_FLOWS], r[RH_FLOWS][2], mix[RH_FLOWS][2];
	_Atomic bool stop;
	bool churn;                     /* a third thread removes and recreates */
	pthread_barrier_t start;
};

struct rh_worker {
	struct rh *h;
	unsigned int n;
	unsigned long moved, gone, bad, lookups, missed_orig;
};

static struct rh *rh_new(bool churn)
{
	struct rh *h = calloc(1, sizeof(*h));

	CU_ASSERT_FATAL(h != NULL);
	h->t = ctt_table(RH_FLOWS);     /* 2048 buckets: chains of 4 links */
	h->churn = churn;
	for (unsigned int i = 0; i < RH_FLOWS; i++) {
		uint16_t cp = (uint16_t)(10000 + i), np = (uint16_t)(30000 + i);

		udp_tuple(&h->orig[i], 4, CTT_A, cp, CTT_B, 53);
		udp_tuple(&h->r[i][0], 4, CTT_B, 53, CTT_A, cp);
		udp_tuple(&h->r[i][1], 4, CTT_B, 53, CTT_C, np);
		udp_tuple(&h->mix[i][0], 4, CTT_B, 53, CTT_A, np);
		udp_tuple(&h->mix[i][1], 4, CTT_B, 53, CTT_C, cp);
		udp_conn(h->t, 4, cp, true);
	}
	return h;
}

/* The flow whose original tuple CT has, or -1. */
static int rh_flow_of(const struct rh *h, const struct ct_entry *ct)
{
	unsigned int i = (unsigned int)ct->tuple[CT_DIR_ORIGINAL].sport - 10000;

	return i < RH_FLOWS && ct_tuple_equal(&ct->tuple[0], &h->orig[i]) ? (int)i : -1;
}

/* Writer N moves the flows i % 2 == N back and forth. */
static void *rh_writer(void *arg)
{
	struct rh_worker *w = arg;
	struct rh *h = w->h;
	enum ct_dir dir;

	ct_thread_register();
	pthread_barrier_wait(&h->start);
	for (unsigned int round = 0; round < RH_ROUNDS; round++) {
		for (unsigned int i = w->n; i < RH_FLOWS; i += 2) {
			struct ct_entry *ct;
			int err;

			ct_read_lock();
			ct = ct_table_find(h->t, &h->orig[i], CTT_AT(1), &dir);
			err = ct ? ct_table_set_reply(h->t, ct, &h->r[i][(round + 1) & 1]) : -ENOENT;
			ct_read_unlock();
			if (err == 0)
				w->moved++;
			else if (err == -ENOENT && h->churn)
				w->gone++;
			else
				w->bad++;
		}
	}
	ct_thread_unregister();
	return NULL;
}

/* One lookup of each kind for flow I, with what each may find. */
static void rh_look(struct rh_worker *w, unsigned int i)
{
	struct rh *h = w->h;
	struct ct_entry *o, *ct;
	struct ct_tuple copy;
	enum ct_dir dir;

	ct_read_lock();
	o = ct_table_find(h->t, &h->orig[i], CTT_AT(1), &dir);
	if (!o)
		w->missed_orig++;
	else if (dir != CT_DIR_ORIGINAL || rh_flow_of(h, o) != (int)i)
		w->bad++;
	for (int k = 0; k < 2; k++) {
		ct = ct_table_find(h->t, &h->r[i][k], CTT_AT(1), &dir);
		if (ct && (dir != CT_DIR_REPLY || rh_flow_of(h, ct) != (int)i))
			w->bad++;
		if (ct_table_find(h->t, &h->mix[i][k], CTT_AT(1), &dir))
			w->bad++;
	}
	if (o) {
		ct_entry_tuple(o, CT_DIR_REPLY, &copy);
		if (!ct_tuple_equal(&copy, &h->r[i][0]) && !ct_tuple_equal(&copy, &h->r[i][1]))
			w->bad++;
	}
	ct_read_unlock();
	w->lookups++;
}

/* Listings read the reply tuple under the entry's lock. */
static int rh_list_one(const struct ct_entry *ct, void *arg)
{
	struct rh_worker *w = arg;
	int i = rh_flow_of(w->h, ct);

	if (i < 0 || (!ct_tuple_equal(&ct->tuple[1], &w->h->r[i][0]) &&
		      !ct_tuple_equal(&ct->tuple[1], &w->h->r[i][1])))
		w->bad++;
	return 0;
}

static void *rh_reader(void *arg)
{
	struct rh_worker *w = arg;
	uint32_t rnd = 0x12345u * (w->n + 1);

	ct_thread_register();
	pthread_barrier_wait(&w->h->start);
	while (!atomic_load(&w->h->stop)) {
		for (unsigned int j = 0; j < 256; j++)
			rh_look(w, pb_rand(&rnd) % RH_FLOWS);
		if (w->n == 0) {
			ct_table_foreach(w->h->t, rh_list_one, w);
			ct_gc_step(w->h->t, CTT_AT(1), 256);    /* nothing is due */
		}
	}
	ct_thread_unregister();
	return NULL;
}

/* Removes flows and creates them again (unmoved) while they move. */
static void *rh_churner(void *arg)
{
	struct rh_worker *w = arg;
	struct rh *h = w->h;
	uint32_t rnd = 0xfeedu;
	enum ct_dir dir;

	ct_thread_register();
	pthread_barrier_wait(&h->start);
	while (!atomic_load(&h->stop)) {
		unsigned int i = pb_rand(&rnd) % RH_FLOWS;
		struct ct_entry *ct;

		ct_read_lock();
		ct = ct_table_find(h->t, &h->orig[i], CTT_AT(1), &dir);
		if (ct && ct_remove(h->t, ct))
			w->moved++;
		ct_read_unlock();
		udp_conn(h->t, 4, (uint16_t)(10000 + i), true);
	}
	ct_thread_unregister();
	return NULL;
}

/* After the threads: every flow is there once, by both its tuples. */
static void rh_check(struct rh *h)
{
	unsigned int bad = 0;
	enum ct_dir dir;

	for (unsigned int i = 0; i < RH_FLOWS; i++) {
		struct ct_entry *ct = find(h->t, &h->orig[i], CTT_AT(1), &dir);

		if (!ct) {
			bad++;
			continue;
		}
		if (find(h->t, &ct->tuple[CT_DIR_REPLY], CTT_AT(1), &dir) != ct ||
		    dir != CT_DIR_REPLY)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(ctt_count(h->t), RH_FLOWS);
	CU_ASSERT_EQUAL(stats_of(h->t).count, RH_FLOWS);
}

static void rh_run(bool churn)
{
	struct rh *h = rh_new(churn);
	unsigned int nthreads = 2 + RH_READERS + churn;
	struct rh_worker w[2 + RH_READERS + 1];
	pthread_t th[2 + RH_READERS + 1];
	unsigned long moved = 0, gone = 0, bad = 0, lookups = 0, missed = 0;

	pthread_barrier_init(&h->start, NULL, nthreads);
	for (unsigned int n = 0; n < nthreads; n++) {
		void *(*fn)(void *) = n < 2 ? rh_writer : n < 2 + RH_READERS ? rh_reader : rh_churner;

		w[n] = (struct rh_worker){ .h = h, .n = n < 2 ? n : n - 2 };
		CU_ASSERT_FATAL(pthread_create(&th[n], NULL, fn, &w[n]) == 0);
	}
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	atomic_store(&h->stop, true);
	for (unsigned int n = 2; n < nthreads; n++)
		pthread_join(th[n], NULL);
	for (unsigned int n = 0; n < nthreads; n++) {
		if (n < 2) {
			moved += w[n].moved;
			gone += w[n].gone;
		}
		bad += w[n].bad;
		lookups += w[n].lookups;
		missed += w[n].missed_orig;
	}
	pthread_barrier_destroy(&h->start);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(moved + gone, (unsigned long)RH_ROUNDS * RH_FLOWS);
	CU_ASSERT(lookups > 0);
	/* A lookup by the original tuple, whose link never moves, is not led
	 * astray by the reply links moving around it. Removed flows are
	 * missed for a moment, of course. */
	if (!churn) {
		CU_ASSERT_EQUAL(missed, 0);
		CU_ASSERT_EQUAL(moved, (unsigned long)RH_ROUNDS * RH_FLOWS);
	}
	rh_check(h);
	ct_table_destroy(h->t);
	free(h);
}

static void test_threads_move(void)
{
	rh_run(false);
}

static void test_threads_move_remove(void)
{
	rh_run(true);
}

/* ---- torn tuples --------------------------------------------------------- */

#define TORN_MOVES 200000

/* One entry moves between R0 = B:53 -> A:P and R1 = B:53 -> C:Q, where Q
 * is chosen so that MIX = B:53 -> C:P (R1's address, R0's port: what a
 * reader copying the tuple while it is written could see) shares R1's
 * bucket, so readers of MIX walk right over the entry as it changes. */
struct torn {
	struct ct_table *t;
	struct ct_entry *ct;
	struct ct_tuple r[2], mix;
	_Atomic bool stop;
	unsigned long matched, moves_failed;
};

static void *torn_writer(void *arg)
{
	struct torn *w = arg;

	ct_thread_register();
	for (unsigned int i = 0; i < TORN_MOVES; i++)
		if (set_reply(w->t, w->ct, &w->r[i & 1]))
			w->moves_failed++;
	atomic_store(&w->stop, true);
	ct_thread_unregister();
	return NULL;
}

static void *torn_reader(void *arg)
{
	struct torn *w = arg;
	enum ct_dir dir;

	ct_thread_register();
	while (!atomic_load(&w->stop))
		if (find(w->t, &w->mix, CTT_AT(1), &dir))
			w->matched++;
	ct_thread_unregister();
	return NULL;
}

/* Without the sequence count a reader does match MIX now and then. Also:
 * while the count is odd (a write in progress) the reply matches nothing. */
static void test_torn(void)
{
	struct torn w = { .t = ctt_table(2048) };
	uint16_t p = 1000, q;
	pthread_t th[2];
	enum ct_dir dir;

	w.ct = udp_conn(w.t, 4, p, true);
	udp_tuple(&w.r[0], 4, CTT_B, 53, CTT_A, p);
	udp_tuple(&w.mix, 4, CTT_B, 53, CTT_C, p);
	q = port_in_bucket(w.t, ct_table_bucket(w.t, &w.mix), (uint16_t)(p + 1));
	CU_ASSERT_FATAL(q != 0);
	udp_tuple(&w.r[1], 4, CTT_B, 53, CTT_C, q);

	atomic_fetch_add(&ct_conn_of(w.ct)->reply_seq, 1);
	CU_ASSERT_PTR_NULL(find(w.t, &w.r[0], CTT_AT(1), &dir));
	atomic_fetch_add(&ct_conn_of(w.ct)->reply_seq, 1);
	CU_ASSERT_PTR_EQUAL(find(w.t, &w.r[0], CTT_AT(1), &dir), w.ct);

	CU_ASSERT_FATAL(pthread_create(&th[0], NULL, torn_reader, &w) == 0);
	CU_ASSERT_FATAL(pthread_create(&th[1], NULL, torn_writer, &w) == 0);
	pthread_join(th[1], NULL);
	pthread_join(th[0], NULL);
	CU_ASSERT_EQUAL(w.moves_failed, 0);
	CU_ASSERT_EQUAL(w.matched, 0);
	CU_ASSERT_EQUAL(ctt_count(w.t), 1);
	ct_table_destroy(w.t);
}

static const struct unit_test rehash_tests[] = {
	{ "moved entry found by both tuples, old reply gone", test_move_and_find },
	{ "moved unconfirmed entry confirmed or aborted", test_move_unconfirmed },
	{ "clash refused, nothing changed; bad arguments", test_clash },
	{ "remove, expire, sweep, flush after a move", test_remove_after_move },
	{ "moves into its own and the same bucket", test_same_bucket },
	{ NULL, NULL }
};

static const struct unit_test rehash_thread_tests[] = {
	{ "readers while two writers move entries", test_threads_move },
	{ "readers while entries move and are removed", test_threads_move_remove },
	{ "a reply tuple being written matches nothing", test_torn },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "ct set_reply", rehash_tests },
	{ "ct set_reply threads", rehash_thread_tests },
	{ NULL, NULL }
};

UNIT_MAIN_WITH(suites, ct_thread_register, ct_thread_unregister)
