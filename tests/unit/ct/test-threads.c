/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the table under several threads at once: workers create,
 * confirm, abort, look up and remove entries of overlapping flows from both
 * directions while another lists and sweeps; afterwards the counters add
 * up and every entry is found, once, by both its tuples. And two or four
 * workers that see the first packets of one flow at the same instant (its
 * two directions on two queues) end up with one entry. Meant to be run
 * under ThreadSanitizer too. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct-test.h"
#include "internal.h"
#include "unit.h"

#define MIX_THREADS 6
#define MIX_FLOWS 192
#define MIX_ROUNDS 20000

struct mix {
	struct ct_table *t;
	struct ctt_pkt pkts[MIX_FLOWS][2];      /* per flow: original, reply */
	pthread_barrier_t start;
};

struct mix_worker {
	struct mix *m;
	unsigned int seed;
	bool lister;
	unsigned long confirmed, aborted, removed, bad;
};

/* One packet, with the checks every result must pass. */
static void mix_one(struct mix_worker *w, uint32_t *rnd, unsigned int round)
{
	uint32_t x = pb_rand(rnd);
	unsigned int flow = x % MIX_FLOWS, d = (x >> 16) & 1;
	const struct ctt_pkt *k = &w->m->pkts[flow][d];
	uint64_t now = CTT_AT(round * 1e-6);
	struct ct_tuple tuple;
	struct ct_result r;

	ct_tuple_from_pkt(&k->p, ct_l4proto_find(k->p.family, k->p.l4proto), &tuple);
	ct_read_lock();
	ct_process(w->m->t, &k->p, now, &r);
	if (!r.ct || !ct_tuple_equal(&r.ct->tuple[r.dir], &tuple) ||
	    (r.info != CT_INFO_NEW && r.info != CT_INFO_ESTABLISHED))
		w->bad++;
	if (r.created) {
		if (x % 10 == 0) {
			ct_abort(w->m->t, r.ct);
			w->aborted++;
		} else if (ct_confirm(w->m->t, r.ct, now) == 0) {
			w->confirmed++;
		}
	} else if (r.ct && x % 64 == 1 && ct_remove(w->m->t, r.ct)) {
		w->removed++;
	}
	ct_read_unlock();
}

static int count_cb(const struct ct_entry *ct, void *arg)
{
	(void)ct;
	(*(unsigned int *)arg)++;
	return 0;
}

static void *mix_thread(void *arg)
{
	struct mix_worker *w = arg;
	uint32_t rnd = w->seed;
	unsigned int listed = 0;

	ct_thread_register();
	pthread_barrier_wait(&w->m->start);
	for (unsigned int i = 0; i < MIX_ROUNDS; i++) {
		mix_one(w, &rnd, i);
		if (w->lister && i % 1000 == 0) {
			ct_read_lock();
			ct_table_foreach(w->m->t, count_cb, &listed);
			ct_read_unlock();
			ct_gc_step(w->m->t, CTT_AT(1), 64);     /* nothing is due */
		}
	}
	ct_thread_unregister();
	return NULL;
}

struct check_walk {
	struct ct_table *t;
	unsigned int entries, bad;
};

static int check_entry(struct ct_table *t, struct ct_entry *ct, void *arg)
{
	struct check_walk *w = arg;
	enum ct_dir dir;

	(void)t;
	if (atomic_load(&ct->status) & CT_S_DYING)
		return 0;
	w->entries++;
	if (ct_table_find(w->t, &ct->tuple[0], CTT_AT(1), &dir) != ct || dir != CT_DIR_ORIGINAL)
		w->bad++;
	if (ct_table_find(w->t, &ct->tuple[1], CTT_AT(1), &dir) != ct || dir != CT_DIR_REPLY)
		w->bad++;
	if (atomic_load(&ct->packets[0]) == 0)
		w->bad++;
	return 0;
}

static void test_mixed(void)
{
	struct mix *m = calloc(1, sizeof(*m));
	struct mix_worker w[MIX_THREADS];
	pthread_t th[MIX_THREADS];
	unsigned long confirmed = 0, bad = 0, aborted = 0, removed = 0;
	struct check_walk cw = { 0 };
	struct ct_stats s;

	CU_ASSERT_FATAL(m != NULL);
	m->t = ctt_table(4096);
	for (unsigned int f = 0; f < MIX_FLOWS; f++) {
		int fam = f % 3 ? 4 : 6;
		uint16_t port = (uint16_t)(20000 + f);

		if (f % 5 == 0) {
			ctt_icmp(&m->pkts[f][0], fam, CTT_A, CTT_B, fam == 4 ? 8 : 128, 0, port);
			ctt_icmp(&m->pkts[f][1], fam, CTT_B, CTT_A, fam == 4 ? 0 : 129, 0, port);
		} else {
			ctt_udp(&m->pkts[f][0], fam, CTT_A, CTT_B, port, 53);
			ctt_udp(&m->pkts[f][1], fam, CTT_B, CTT_A, 53, port);
		}
	}
	pthread_barrier_init(&m->start, NULL, MIX_THREADS);
	for (unsigned int i = 0; i < MIX_THREADS; i++) {
		w[i] = (struct mix_worker){ .m = m, .seed = 0x9e3779b9u * (i + 1), .lister = i == 0 };
		CU_ASSERT_FATAL(pthread_create(&th[i], NULL, mix_thread, &w[i]) == 0);
	}
	for (unsigned int i = 0; i < MIX_THREADS; i++) {
		pthread_join(th[i], NULL);
		confirmed += w[i].confirmed;
		aborted += w[i].aborted;
		removed += w[i].removed;
		bad += w[i].bad;
	}
	pthread_barrier_destroy(&m->start);

	/* Replies whose flow has no entry are INVALID (ICMP), so only the
	 * results that had an entry are checked: they were all right. */
	ct_table_stats(m->t, &s);
	CU_ASSERT(aborted > 0 && removed > 0 && confirmed > 0);
	CU_ASSERT_EQUAL(s.insert, confirmed);
	cw.t = m->t;
	ct_read_lock();
	for (uint32_t b = 0; b < m->t->nbuckets; b++)
		ct_bucket_walk(m->t, b, true, check_entry, &cw);
	ct_read_unlock();
	CU_ASSERT_EQUAL(cw.bad, 0);
	CU_ASSERT(cw.entries > 0 && cw.entries <= MIX_FLOWS);
	CU_ASSERT_EQUAL(s.count, cw.entries);
	/* ICMP replies that came before their request are the only misses. */
	CU_ASSERT_EQUAL(bad, s.invalid);
	ct_table_destroy(m->t);
	free(m);
}

/* ---- the same first packet on several queues at once ------------------- */

#define CLASH_ROUNDS 3000
#define CLASH_THREADS 4

struct clash {
	struct ct_table *t;
	pthread_barrier_t go, done;
	uint32_t ids[CLASH_THREADS];
	bool created[CLASH_THREADS];
	unsigned int round;
};

struct clash_worker {
	struct clash *c;
	unsigned int n;
};

static void *clash_thread(void *arg)
{
	struct clash_worker *w = arg;
	struct clash *c = w->c;

	ct_thread_register();
	for (unsigned int round = 0; round < CLASH_ROUNDS; round++) {
		uint16_t port = (uint16_t)(10000 + round);
		struct ct_result r;
		struct ctt_pkt k;

		/* Half of the workers see the original direction, half the
		 * reply: the first packet of either direction makes the entry. */
		if (w->n % 2)
			ctt_udp(&k, 4, CTT_B, CTT_A, 53, port);
		else
			ctt_udp(&k, 4, CTT_A, CTT_B, port, 53);
		pthread_barrier_wait(&c->go);
		ct_read_lock();
		ct_process(c->t, &k.p, CTT_AT(0), &r);
		c->ids[w->n] = r.ct ? r.ct->id : 0;
		c->created[w->n] = r.created;
		if (r.created)
			ct_confirm(c->t, r.ct, CTT_AT(0));
		ct_read_unlock();
		pthread_barrier_wait(&c->done);
		/* Worker 0 checks the round while the others wait for the next. */
		if (w->n == 0) {
			unsigned int made = 0;

			for (unsigned int i = 0; i < CLASH_THREADS; i++) {
				made += c->created[i];
				if (c->ids[i] == 0 || c->ids[i] != c->ids[0])
					c->round = round + 1;   /* first bad round + 1 */
			}
			if (made != 1 && !c->round)
				c->round = round + 1;
		}
	}
	ct_thread_unregister();
	return NULL;
}

static void test_clash(void)
{
	struct clash c = { .t = ctt_table(0) };
	struct clash_worker w[CLASH_THREADS];
	pthread_t th[CLASH_THREADS];
	struct ct_stats s;

	pthread_barrier_init(&c.go, NULL, CLASH_THREADS);
	pthread_barrier_init(&c.done, NULL, CLASH_THREADS);
	for (unsigned int i = 0; i < CLASH_THREADS; i++) {
		w[i] = (struct clash_worker){ &c, i };
		CU_ASSERT_FATAL(pthread_create(&th[i], NULL, clash_thread, &w[i]) == 0);
	}
	for (unsigned int i = 0; i < CLASH_THREADS; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT_EQUAL(c.round, 0);
	CU_ASSERT_EQUAL(ctt_count(c.t), CLASH_ROUNDS);
	ct_table_stats(c.t, &s);
	CU_ASSERT_EQUAL(s.count, CLASH_ROUNDS);
	CU_ASSERT_EQUAL(s.insert, CLASH_ROUNDS);
	CU_ASSERT_EQUAL(s.invalid + s.insert_failed + s.drop, 0);
	/* Each round: one creation; the others found it, some of them only
	 * after losing the race to insert (clash_resolve). */
	CU_ASSERT_EQUAL(s.found, (uint64_t)CLASH_ROUNDS * (CLASH_THREADS - 1));
	CU_ASSERT(s.clash_resolve <= s.found);
	if (getenv("CT_TEST_VERBOSE"))
		fprintf(stderr, "clashes resolved: %llu of %u rounds\n",
			(unsigned long long)s.clash_resolve, CLASH_ROUNDS);
	pthread_barrier_destroy(&c.go);
	pthread_barrier_destroy(&c.done);
	ct_table_destroy(c.t);
}

static const struct unit_test thread_tests[] = {
	{ "workers on overlapping flows", test_mixed },
	{ "one flow's first packets on four queues", test_clash },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "ct threads", thread_tests },
	{ NULL, NULL }
};

UNIT_MAIN_WITH(suites, ct_thread_register, ct_thread_unregister)
