/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the connection table and ct_process() itself: an entry's
 * life (created unconfirmed, confirmed or aborted, removed), directions
 * and NEW/ESTABLISHED, what the core does with each answer of a tracker,
 * listings and removal, expiry (lazy and by the sweep), a full table
 * (early drop and refusal), insertion clashes, and the counters. */
#include <errno.h>
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

static void test_create_confirm_abort(void)
{
	struct ct_table *t = ctt_table(0);
	struct ct_result r;
	struct ctt_pkt k;

	ctt_udp(&k, 4, CTT_A, CTT_B, 1000, 53);
	CU_ASSERT_EQUAL(ctt_run_unconfirmed(t, &k, CTT_AT(0), &r), CT_INFO_NEW);
	CU_ASSERT_FATAL(r.created && r.ct);
	CU_ASSERT_EQUAL(r.dir, CT_DIR_ORIGINAL);
	CU_ASSERT_FALSE(atomic_load(&r.ct->status) & CT_S_CONFIRMED);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(r.ct, CTT_AT(0)), 30);  /* unconfirmed */
	CU_ASSERT_EQUAL(ctt_count(t), 1);
	CU_ASSERT_EQUAL(stats_of(t).count, 1);
	CU_ASSERT_EQUAL(stats_of(t).insert, 0);

	/* The first packet was dropped: no entry is left. */
	ct_read_lock();
	ct_abort(t, r.ct);
	ct_read_unlock();
	CU_ASSERT_EQUAL(ctt_count(t), 0);
	CU_ASSERT_EQUAL(stats_of(t).count, 0);
	CU_ASSERT_PTR_NULL(ctt_find(t, &k, CTT_AT(0), &r.dir));

	/* It comes again and is accepted: confirmed, counted once. */
	CU_ASSERT_EQUAL(ctt_run_unconfirmed(t, &k, CTT_AT(1), &r), CT_INFO_NEW);
	CU_ASSERT_FATAL(r.created);
	ct_read_lock();
	CU_ASSERT_EQUAL(ct_confirm(t, r.ct, CTT_AT(1)), 0);
	CU_ASSERT(atomic_load(&r.ct->status) & CT_S_CONFIRMED);
	CU_ASSERT_EQUAL(ct_confirm(t, r.ct, CTT_AT(1)), 0);
	CU_ASSERT_EQUAL(stats_of(t).insert, 1);
	/* Aborting a confirmed entry does nothing. */
	ct_abort(t, r.ct);
	ct_abort(t, NULL);
	CU_ASSERT_EQUAL(ct_confirm(t, NULL, CTT_AT(1)), -EINVAL);
	ct_read_unlock();
	CU_ASSERT_EQUAL(ctt_count(t), 1);
	CU_ASSERT_PTR_NOT_NULL(ctt_find(t, &k, CTT_AT(2), &r.dir));
	ct_table_destroy(t);
}

/* An entry flushed before its first packet's verdict cannot be confirmed. */
static void test_confirm_removed(void)
{
	struct ct_table *t = ctt_table(0);
	struct ct_result r;
	struct ctt_pkt k;

	ctt_udp(&k, 6, CTT_A, CTT_B, 1000, 53);
	ct_read_lock();
	ct_process(t, &k.p, CTT_AT(0), &r);
	CU_ASSERT_FATAL(r.created);
	CU_ASSERT_EQUAL(ct_table_remove_if(t, NULL, NULL), 1);
	CU_ASSERT_EQUAL(ct_confirm(t, r.ct, CTT_AT(0)), -ENOENT);
	CU_ASSERT_FALSE(atomic_load(&r.ct->status) & CT_S_CONFIRMED);
	ct_read_unlock();
	CU_ASSERT_EQUAL(stats_of(t).insert, 0);
	CU_ASSERT_EQUAL(stats_of(t).insert_failed, 1);
	CU_ASSERT_EQUAL(stats_of(t).count, 0);
	ct_table_destroy(t);
}

static void check_directions(int family)
{
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt o, rep;
	struct ct_result r1, r;

	ctt_udp(&o, family, CTT_A, CTT_B, 40000, 4000);
	ctt_udp(&rep, family, CTT_B, CTT_A, 4000, 40000);
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(0), &r1), CT_INFO_NEW);
	CU_ASSERT_FATAL(r1.ct != NULL);
	/* Before any reply, the original direction stays NEW. */
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(0.1), &r), CT_INFO_NEW);
	CU_ASSERT_PTR_EQUAL(r.ct, r1.ct);
	CU_ASSERT_FALSE(r.created);
	CU_ASSERT_EQUAL(r.dir, CT_DIR_ORIGINAL);
	CU_ASSERT_FALSE(atomic_load(&r1.ct->status) & CT_S_SEEN_REPLY);
	CU_ASSERT_EQUAL(ctt_run(t, &rep, CTT_AT(0.2), &r), CT_INFO_ESTABLISHED);
	CU_ASSERT_PTR_EQUAL(r.ct, r1.ct);
	CU_ASSERT_EQUAL(r.dir, CT_DIR_REPLY);
	CU_ASSERT(atomic_load(&r1.ct->status) & CT_S_SEEN_REPLY);
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(0.3), &r), CT_INFO_ESTABLISHED);
	CU_ASSERT_EQUAL(r.dir, CT_DIR_ORIGINAL);
	CU_ASSERT_EQUAL(atomic_load(&r1.ct->packets[CT_DIR_ORIGINAL]), 3);
	CU_ASSERT_EQUAL(atomic_load(&r1.ct->packets[CT_DIR_REPLY]), 1);
	CU_ASSERT_EQUAL(atomic_load(&r1.ct->bytes[CT_DIR_ORIGINAL]), 3 * o.b.len);
	CU_ASSERT_EQUAL(atomic_load(&r1.ct->bytes[CT_DIR_REPLY]), rep.b.len);
	CU_ASSERT_EQUAL(stats_of(t).found, 3);
	CU_ASSERT_EQUAL(stats_of(t).count, 1);
	ct_table_destroy(t);
}

static void test_directions(void)
{
	check_directions(4);
	check_directions(6);
}

/* The reply may come on another queue before the first packet's verdict:
 * it finds the unconfirmed entry rather than making a second one. */
static void test_reply_before_confirm(void)
{
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt o, rep;
	struct ct_result r1, r;

	ctt_udp(&o, 4, CTT_A, CTT_B, 40000, 4000);
	ctt_udp(&rep, 4, CTT_B, CTT_A, 4000, 40000);
	ct_read_lock();
	ct_process(t, &o.p, CTT_AT(0), &r1);
	CU_ASSERT_FATAL(r1.created);
	ct_process(t, &rep.p, CTT_AT(0), &r);
	CU_ASSERT_EQUAL(r.info, CT_INFO_ESTABLISHED);
	CU_ASSERT_PTR_EQUAL(r.ct, r1.ct);
	CU_ASSERT_FALSE(r.created);
	CU_ASSERT_EQUAL(r.dir, CT_DIR_REPLY);
	CU_ASSERT_EQUAL(ct_confirm(t, r1.ct, CTT_AT(0)), 0);
	ct_read_unlock();
	CU_ASSERT_EQUAL(ctt_count(t), 1);
	ct_table_destroy(t);
}

/* ---- what the core does with each answer of a tracker ------------------ */

static int fake_answer;
static bool fake_droppable;

static int fake_packet(struct ct_entry *ct, const struct pkt *p, enum ct_dir dir,
		       const struct ct_settings *cfg, struct ct_reason *why)
{
	(void)ct;
	(void)p;
	(void)dir;
	(void)cfg;
	ct_why(why, "fake tracker says %d", fake_answer);
	return fake_answer;
}

static bool fake_can_early_drop(const struct ct_entry *ct)
{
	(void)ct;
	return fake_droppable;
}

/* The UDP tracker with packet() and can_early_drop() replaced: tests put
 * it into an entry to see what the core does with each answer. */
static struct ct_l4proto fake;

static const struct ct_l4proto *fake_udp(void)
{
	fake = ct_l4proto_udp;
	fake.name = "fake";
	fake.packet = fake_packet;
	fake.can_early_drop = fake_can_early_drop;
	return &fake;
}

static void test_tracker_answers(void)
{
	struct ct_table *t = ctt_table(0);
	const struct ct_l4proto *fake_l4 = fake_udp();
	struct ctt_pkt o, rep;
	struct ct_result r1, r;
	struct ct_entry *ct;
	uint32_t id;

	ctt_udp(&o, 4, CTT_A, CTT_B, 40000, 4000);
	ctt_udp(&rep, 4, CTT_B, CTT_A, 4000, 40000);
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(0), &r1), CT_INFO_NEW);
	ct = r1.ct;
	id = ct->id;
	ct->l4 = fake_l4;

	/* -1: INVALID with the tracker's reason; the entry is untouched (no
	 * counters, no reply bit, same expiry). */
	fake_answer = CT_PACKET_INVALID;
	CU_ASSERT_EQUAL(ctt_run(t, &rep, CTT_AT(5), &r), CT_INFO_INVALID);
	CU_ASSERT_PTR_EQUAL(r.ct, ct);    /* its connection, for NAT */
	CU_ASSERT_EQUAL(r.dir, CT_DIR_REPLY);
	CU_ASSERT_STRING_EQUAL(r.reason.text, "fake tracker says -1");
	CU_ASSERT_FALSE(atomic_load(&ct->status) & CT_S_SEEN_REPLY);
	CU_ASSERT_EQUAL(atomic_load(&ct->packets[CT_DIR_REPLY]), 0);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(ct, CTT_AT(5)), 25);
	CU_ASSERT_EQUAL(stats_of(t).invalid, 1);
	/* Any other negative answer is refused too. */
	fake_answer = -7;
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(5), &r), CT_INFO_INVALID);

	/* -3: accepted, counted, but the timeout is not renewed. */
	fake_answer = CT_PACKET_KEEP_TIMEOUT;
	CU_ASSERT_EQUAL(ctt_run(t, &rep, CTT_AT(6), &r), CT_INFO_ESTABLISHED);
	CU_ASSERT_PTR_EQUAL(r.ct, ct);
	CU_ASSERT_EQUAL(atomic_load(&ct->packets[CT_DIR_REPLY]), 1);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(ct, CTT_AT(6)), 24);

	/* A timeout: from now. */
	fake_answer = 100;
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(7), &r), CT_INFO_ESTABLISHED);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(ct, CTT_AT(7)), 100);

	/* -2: the old connection goes, the packet opens a new one (which the
	 * real UDP tracker handles). */
	fake_answer = CT_PACKET_REOPEN;
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(8), &r), CT_INFO_NEW);
	CU_ASSERT_TRUE(r.created);
	CU_ASSERT_FATAL(r.ct != NULL);
	CU_ASSERT_NOT_EQUAL(r.ct->id, id);
	CU_ASSERT_PTR_EQUAL(r.ct->l4, &ct_l4proto_udp);
	CU_ASSERT_EQUAL(ctt_count(t), 1);
	CU_ASSERT_EQUAL(stats_of(t).count, 1);

	/* 0: accepted, and the connection is over at once. */
	r.ct->l4 = fake_l4;
	id = r.ct->id;
	fake_answer = 0;
	CU_ASSERT_EQUAL(ctt_run(t, &rep, CTT_AT(9), &r), CT_INFO_ESTABLISHED);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(r.ct, CTT_AT(9)), 0);
	CU_ASSERT_PTR_NULL(ctt_find(t, &o, CTT_AT(9), &r.dir));
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(9), &r), CT_INFO_NEW);
	CU_ASSERT_TRUE(r.created);
	CU_ASSERT_NOT_EQUAL(r.ct->id, id);
	ct_table_destroy(t);
}

/* A first packet the tracker refuses leaves nothing behind. */
static void test_first_packet_refused(void)
{
	struct ct_table *t = ctt_table(0);
	struct ct_result r;
	struct ctt_pkt k;

	ctt_icmp(&k, 4, CTT_B, CTT_A, 0, 0, 77);        /* echo reply */
	CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), &r), CT_INFO_INVALID);
	CU_ASSERT_PTR_NULL(r.ct);
	CU_ASSERT_FALSE(r.created);
	CU_ASSERT(strlen(r.reason.text) > 0);
	CU_ASSERT_EQUAL(ctt_count(t), 0);
	CU_ASSERT_EQUAL(stats_of(t).count, 0);
	CU_ASSERT_EQUAL(stats_of(t).invalid, 1);
	ct_table_destroy(t);
}

/* ---- listings and removal ------------------------------------------------ */

struct seen {
	unsigned int n;
	uint32_t ids[64];
	int stop_after;
};

static int collect(const struct ct_entry *ct, void *arg)
{
	struct seen *s = arg;

	if (s->n < 64)
		s->ids[s->n] = ct->id;
	s->n++;
	return s->stop_after && (int)s->n == s->stop_after ? 42 : 0;
}

static bool dport_is(const struct ct_entry *ct, void *arg)
{
	return ct->tuple[CT_DIR_ORIGINAL].dport == *(uint16_t *)arg;
}

static void test_foreach_remove(void)
{
	struct ct_table *t = ctt_table(0);
	struct seen s = { 0 };
	struct ct_result r;
	struct ctt_pkt k;
	uint16_t port = 53;

	for (uint16_t i = 0; i < 10; i++) {
		ctt_udp(&k, i % 2 ? 6 : 4, CTT_A, CTT_B, (uint16_t)(2000 + i), i < 4 ? 53 : 123);
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), NULL), CT_INFO_NEW);
	}
	ctt_udp(&k, 4, CTT_A, CTT_C, 9999, 53);         /* left unconfirmed */
	CU_ASSERT_EQUAL(ctt_run_unconfirmed(t, &k, CTT_AT(0), &r), CT_INFO_NEW);

	/* Confirmed entries only, each once. */
	ct_read_lock();
	CU_ASSERT_EQUAL(ct_table_foreach(t, collect, &s), 0);
	ct_read_unlock();
	CU_ASSERT_EQUAL_FATAL(s.n, 10);
	for (unsigned int i = 0; i < 10; i++)
		for (unsigned int j = 0; j < i; j++)
			CU_ASSERT_NOT_EQUAL(s.ids[i], s.ids[j]);
	/* The callback's non-zero stops the walk and is returned. */
	s = (struct seen){ .stop_after = 3 };
	CU_ASSERT_EQUAL(ct_table_foreach(t, collect, &s), 42);
	CU_ASSERT_EQUAL(s.n, 3);

	/* Delete by port: the four DNS flows and the unconfirmed one. */
	CU_ASSERT_EQUAL(ct_table_remove_if(t, dport_is, &port), 5);
	CU_ASSERT_EQUAL(ctt_count(t), 6);
	CU_ASSERT_EQUAL(stats_of(t).count, 6);
	CU_ASSERT_EQUAL(ct_table_remove_if(t, dport_is, &port), 0);

	/* One by one, then all. */
	ctt_udp(&k, 4, CTT_A, CTT_B, 2004, 123);
	ct_read_lock();
	r.ct = ct_table_find(t, &(struct ct_tuple){ 0 }, CTT_AT(0), &r.dir);
	CU_ASSERT_PTR_NULL(r.ct);
	ct_read_unlock();
	r.ct = ctt_find(t, &k, CTT_AT(0), &r.dir);
	CU_ASSERT_FATAL(r.ct != NULL);
	ct_read_lock();
	CU_ASSERT_TRUE(ct_remove(t, r.ct));
	CU_ASSERT_FALSE(ct_remove(t, r.ct));
	ct_read_unlock();
	CU_ASSERT_PTR_NULL(ctt_find(t, &k, CTT_AT(0), &r.dir));
	CU_ASSERT_EQUAL(ct_table_remove_if(t, NULL, NULL), 5);
	CU_ASSERT_EQUAL(ctt_count(t), 0);
	CU_ASSERT_EQUAL(stats_of(t).count, 0);
	ct_table_destroy(t);
}

/* ---- expiry -------------------------------------------------------------- */

static void test_lazy_expiry(void)
{
	struct ct_table *t = ctt_table(0);
	struct ct_result r1, r;
	enum ct_dir dir;
	struct ctt_pkt k;

	ctt_udp(&k, 4, CTT_A, CTT_B, 1000, 53);
	CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), &r1), CT_INFO_NEW);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(r1.ct, CTT_AT(0)), 30);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(r1.ct, CTT_AT(29.5)), 0);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(r1.ct, CTT_AT(10)), 20);
	CU_ASSERT_PTR_EQUAL(ctt_find(t, &k, CTT_AT(29.9), &dir), r1.ct);
	CU_ASSERT_EQUAL(stats_of(t).expired, 0);
	/* At its expiry time it is gone, and the packet starts over. */
	CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(30), &r), CT_INFO_NEW);
	CU_ASSERT_TRUE(r.created);
	CU_ASSERT_EQUAL(stats_of(t).expired, 1);
	CU_ASSERT_EQUAL(ctt_count(t), 1);
	CU_ASSERT_EQUAL(stats_of(t).count, 1);
	ct_table_destroy(t);
}

static void test_gc_step(void)
{
	struct ct_table *t = ctt_table(2048);   /* 1024 buckets */
	unsigned int removed, first;
	struct ctt_pkt k;
	enum ct_dir dir;

	for (uint16_t i = 0; i < 200; i++) {
		ctt_udp(&k, 4, CTT_A, CTT_B, (uint16_t)(1000 + i), 53);
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), NULL), CT_INFO_NEW);
	}
	for (uint8_t i = 0; i < 50; i++) {
		ctt_proto(&k, 6, CTT_A, CTT_B, (uint8_t)(140 + i));
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), NULL), CT_INFO_NEW);
	}
	ctt_udp(&k, 4, CTT_C, CTT_B, 1, 2);              /* never confirmed */
	CU_ASSERT_EQUAL(ctt_run_unconfirmed(t, &k, CTT_AT(0), NULL), CT_INFO_NEW);
	CU_ASSERT_EQUAL(ctt_count(t), 251);

	/* Nothing is due yet. */
	CU_ASSERT_EQUAL(ct_gc_step(t, CTT_AT(29), 5000), 0);
	CU_ASSERT_EQUAL(ctt_count(t), 251);
	/* One bucket per call: at most what one bucket holds. */
	first = ct_gc_step(t, CTT_AT(31), 1);
	CU_ASSERT(first <= 10);
	/* A whole sweep takes the rest of the UDP flows and the unconfirmed one. */
	removed = ct_gc_step(t, CTT_AT(31), 1024);
	CU_ASSERT_EQUAL(first + removed, 201);
	CU_ASSERT_EQUAL(ctt_count(t), 50);
	CU_ASSERT_EQUAL(stats_of(t).count, 50);
	CU_ASSERT_EQUAL(stats_of(t).expired, 201);
	for (uint8_t i = 0; i < 50; i++) {
		ctt_proto(&k, 6, CTT_A, CTT_B, (uint8_t)(140 + i));
		CU_ASSERT_PTR_NOT_NULL(ctt_find(t, &k, CTT_AT(31), &dir));
	}
	/* The generic timeout is 600 s. */
	CU_ASSERT_EQUAL(ct_gc_step(t, CTT_AT(599), 1024), 0);
	CU_ASSERT_EQUAL(ct_gc_step(t, CTT_AT(600), 1 << 20), 50);
	CU_ASSERT_EQUAL(ctt_count(t), 0);
	ct_table_destroy(t);
}

/* ---- a full table --------------------------------------------------------- */

/* The source port of a UDP flow A:port -> B:53 whose original tuple falls
 * in one of the buckets B0 .. B0 + N - 1 (or, if OUTSIDE is set, neither of
 * whose tuples does), starting the search at FROM. */
static uint16_t port_near(struct ct_table *t, uint32_t b0, uint32_t n, bool outside,
			  uint16_t from)
{
	uint32_t mask = t->nbuckets - 1;
	struct ct_tuple tu, inv;
	struct ctt_pkt k;

	ctt_udp(&k, 4, CTT_A, CTT_B, 1, 53);
	CU_ASSERT_FATAL(ct_tuple_from_pkt(&k.p, &ct_l4proto_udp, &tu));
	for (uint32_t port = from; port < 65536; port++) {
		bool orig_in, reply_in;

		tu.sport = (uint16_t)port;
		if (!ct_tuple_invert(&inv, &tu))
			CU_FAIL_FATAL("UDP tuple without inverse");
		orig_in = ((ct_table_bucket(t, &tu) - b0) & mask) < n;
		reply_in = ((ct_table_bucket(t, &inv) - b0) & mask) < n;
		if (outside ? !orig_in && !reply_in : orig_in)
			return (uint16_t)port;
	}
	CU_FAIL_FATAL("no port found");
	return 0;
}

static uint32_t bucket_of_port(struct ct_table *t, uint16_t port)
{
	struct ctt_pkt k;
	struct ct_tuple tu;

	ctt_udp(&k, 4, CTT_A, CTT_B, port, 53);
	CU_ASSERT_FATAL(ct_tuple_from_pkt(&k.p, &ct_l4proto_udp, &tu));
	return ct_table_bucket(t, &tu);
}

/* Makes the UDP flow of PORT a confirmed stream (ASSURED) at NOW. */
static void make_stream(struct ct_table *t, uint16_t port, double now)
{
	struct ctt_pkt o, rep;
	struct ct_result r;

	ctt_udp(&o, 4, CTT_A, CTT_B, port, 53);
	ctt_udp(&rep, 4, CTT_B, CTT_A, 53, port);
	ctt_run(t, &o, CTT_AT(now), &r);
	ctt_run(t, &rep, CTT_AT(now), &r);
	ctt_run(t, &o, CTT_AT(now + 3), &r);
	CU_ASSERT_FATAL(r.ct != NULL);
	CU_ASSERT(atomic_load(&r.ct->status) & CT_S_ASSURED);
}

static void test_full_early_drop(void)
{
	struct ct_table *t = ctt_table(3);
	uint16_t newp = 50000, p[4];
	uint32_t b = bucket_of_port(t, newp);
	struct ct_result r;
	struct ctt_pkt k;
	enum ct_dir dir;

	/* Three unassured flows in the buckets a full table searches. */
	p[0] = port_near(t, b, CT_EVICTION_RANGE, false, 1000);
	p[1] = port_near(t, b, CT_EVICTION_RANGE, false, (uint16_t)(p[0] + 1));
	p[2] = port_near(t, b, CT_EVICTION_RANGE, false, (uint16_t)(p[1] + 1));
	for (int i = 0; i < 3; i++) {
		ctt_udp(&k, 4, CTT_A, CTT_B, p[i], 53);
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), NULL), CT_INFO_NEW);
	}
	CU_ASSERT_EQUAL(stats_of(t).count, 3);
	/* A fourth: one of them makes room. */
	ctt_udp(&k, 4, CTT_A, CTT_B, newp, 53);
	CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(1), &r), CT_INFO_NEW);
	CU_ASSERT_TRUE(r.created);
	CU_ASSERT_EQUAL(stats_of(t).early_drop, 1);
	CU_ASSERT_EQUAL(stats_of(t).count, 3);
	CU_ASSERT_EQUAL(ctt_count(t), 3);
	CU_ASSERT_EQUAL(stats_of(t).drop, 0);
	ct_table_destroy(t);

	/* All assured: the new flow is refused, and counted. */
	t = ctt_table(3);
	b = bucket_of_port(t, newp);
	p[0] = port_near(t, b, CT_EVICTION_RANGE, false, 1000);
	p[1] = port_near(t, b, CT_EVICTION_RANGE, false, (uint16_t)(p[0] + 1));
	p[2] = port_near(t, b, CT_EVICTION_RANGE, true, 1000);
	for (int i = 0; i < 3; i++)
		make_stream(t, p[i], 0);
	ctt_udp(&k, 4, CTT_A, CTT_B, newp, 53);
	CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(4), &r), CT_INFO_INVALID);
	CU_ASSERT_PTR_NULL(r.ct);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.reason.text, "table full"));
	CU_ASSERT_EQUAL(stats_of(t).drop, 1);
	CU_ASSERT_EQUAL(stats_of(t).insert_failed, 1);
	CU_ASSERT_EQUAL(stats_of(t).invalid, 1);
	CU_ASSERT_EQUAL(stats_of(t).early_drop, 0);
	CU_ASSERT_EQUAL(stats_of(t).count, 3);
	CU_ASSERT_PTR_NULL(ctt_find(t, &k, CTT_AT(4), &dir));

	/* ... unless the tracker says an assured entry may go. */
	ctt_udp(&k, 4, CTT_A, CTT_B, p[0], 53);
	{
		struct ct_entry *ct = ctt_find(t, &k, CTT_AT(4), &dir);

		CU_ASSERT_FATAL(ct != NULL);
		ct->l4 = fake_udp();
		fake_droppable = false;
		ctt_udp(&k, 4, CTT_A, CTT_B, newp, 53);
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(4), &r), CT_INFO_INVALID);
		fake_droppable = true;
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(4), &r), CT_INFO_NEW);
		CU_ASSERT_EQUAL(stats_of(t).early_drop, 1);
		ctt_udp(&k, 4, CTT_A, CTT_B, p[0], 53);
		CU_ASSERT_PTR_NULL(ctt_find(t, &k, CTT_AT(4), &dir));
	}
	ct_table_destroy(t);
}

/* Only the buckets near the new tuple are searched, only confirmed entries
 * are dropped, and expired ones make room first. */
static void test_full_refusal(void)
{
	struct ct_table *t = ctt_table(2);
	uint16_t newp = 50000, far1, far2, near;
	uint32_t b = bucket_of_port(t, newp);
	struct ct_result r;
	struct ctt_pkt k;

	far1 = port_near(t, b, CT_EVICTION_RANGE, true, 1000);
	far2 = port_near(t, b, CT_EVICTION_RANGE, true, (uint16_t)(far1 + 1));
	ctt_udp(&k, 4, CTT_A, CTT_B, far1, 53);
	ctt_run(t, &k, CTT_AT(0), NULL);
	ctt_udp(&k, 4, CTT_A, CTT_B, far2, 53);
	ctt_run(t, &k, CTT_AT(0), NULL);
	ctt_udp(&k, 4, CTT_A, CTT_B, newp, 53);
	CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(1), &r), CT_INFO_INVALID);
	CU_ASSERT_EQUAL(stats_of(t).early_drop, 0);
	ct_table_destroy(t);

	/* An unconfirmed neighbour is not dropped. */
	t = ctt_table(1);
	b = bucket_of_port(t, newp);
	near = port_near(t, b, CT_EVICTION_RANGE, false, 1000);
	ctt_udp(&k, 4, CTT_A, CTT_B, near, 53);
	CU_ASSERT_EQUAL(ctt_run_unconfirmed(t, &k, CTT_AT(0), NULL), CT_INFO_NEW);
	ctt_udp(&k, 4, CTT_A, CTT_B, newp, 53);
	CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(1), &r), CT_INFO_INVALID);
	/* Once it has expired (30 s unconfirmed), it makes room. */
	CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(31), &r), CT_INFO_NEW);
	CU_ASSERT_EQUAL(stats_of(t).expired, 1);
	CU_ASSERT_EQUAL(stats_of(t).early_drop, 0);
	CU_ASSERT_EQUAL(stats_of(t).count, 1);
	ct_table_destroy(t);
}

/* ---- insertion clash ------------------------------------------------------ */

static struct ct_conn *conn_for(struct ct_table *t, const struct ctt_pkt *k)
{
	struct ct_conn *c = calloc(1, sizeof(*c));

	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_FATAL(ct_tuple_from_pkt(&k->p, &ct_l4proto_udp, &c->e.tuple[0]));
	CU_ASSERT_FATAL(ct_tuple_invert(&c->e.tuple[1], &c->e.tuple[0]));
	c->e.l4 = &ct_l4proto_udp;
	pthread_spin_init(&c->e.lock, PTHREAD_PROCESS_PRIVATE);
	atomic_store(&c->e.expires_ns, CTT_AT(100));
	c->bucket[0] = ct_table_bucket(t, &c->e.tuple[0]);
	c->bucket[1] = ct_table_bucket(t, &c->e.tuple[1]);
	return c;
}

static void free_conn(struct ct_conn *c)
{
	pthread_spin_destroy(&c->e.lock);
	free(c);
}

/* Whoever inserts a connection second, from either direction, is told. */
static void test_insert_clash(void)
{
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt o, rep, other;
	struct ct_conn *a, *b, *c, *d;
	enum ct_dir dir;

	ctt_udp(&o, 4, CTT_A, CTT_B, 1000, 53);
	ctt_udp(&rep, 4, CTT_B, CTT_A, 53, 1000);
	ctt_udp(&other, 4, CTT_A, CTT_B, 1001, 53);
	a = conn_for(t, &o);
	b = conn_for(t, &o);
	c = conn_for(t, &rep);
	d = conn_for(t, &other);
	CU_ASSERT_EQUAL(ct_table_insert(t, a), 0);
	CU_ASSERT_EQUAL(ct_table_insert(t, b), -EEXIST);
	CU_ASSERT_EQUAL(ct_table_insert(t, c), -EEXIST);
	CU_ASSERT_EQUAL(ct_table_insert(t, d), 0);
	CU_ASSERT_PTR_EQUAL(ctt_find(t, &o, CTT_AT(0), &dir), &a->e);
	CU_ASSERT_EQUAL(dir, CT_DIR_ORIGINAL);
	CU_ASSERT_PTR_EQUAL(ctt_find(t, &rep, CTT_AT(0), &dir), &a->e);
	CU_ASSERT_EQUAL(dir, CT_DIR_REPLY);
	free_conn(b);
	free_conn(c);
	ct_table_destroy(t);    /* frees a and d */
}

/* Entries that share a bucket: a lookup passes over the others. */
static void test_searched(void)
{
	struct ct_table *t = ctt_table(2048);
	uint16_t p0 = 1000, p1;
	struct ctt_pkt k;
	enum ct_dir dir;

	p1 = port_near(t, bucket_of_port(t, p0), 1, false, (uint16_t)(p0 + 1));
	ctt_udp(&k, 4, CTT_A, CTT_B, p0, 53);
	ctt_run(t, &k, CTT_AT(0), NULL);
	ctt_udp(&k, 4, CTT_A, CTT_B, p1, 53);
	ctt_run(t, &k, CTT_AT(0), NULL);
	/* Newest first in the chain: looking up the older passes one. */
	ctt_udp(&k, 4, CTT_A, CTT_B, p0, 53);
	CU_ASSERT_PTR_NOT_NULL(ctt_find(t, &k, CTT_AT(0), &dir));
	CU_ASSERT(stats_of(t).searched >= 1);
	ct_table_destroy(t);
}

static void test_create_settings(void)
{
	struct ct_settings s;
	struct ct_table *t;
	struct ct_stats st;

	ct_settings_defaults(&s);
	s.max_entries = 0;
	errno = 0;
	CU_ASSERT_PTR_NULL(ct_table_create(&s));
	CU_ASSERT_EQUAL(errno, EINVAL);
	s.max_entries = 5000;
	s.udp_timeout = 7;
	t = ct_table_create(&s);
	CU_ASSERT_FATAL(t != NULL);
	ct_table_stats(t, &st);
	CU_ASSERT_EQUAL(st.max, 5000);
	CU_ASSERT_EQUAL(st.count, 0);
	CU_ASSERT_EQUAL(st.entry_size, sizeof(struct ct_conn));
	CU_ASSERT(st.entry_size > sizeof(struct ct_entry));
	CU_ASSERT_EQUAL(st.found + st.invalid + st.insert + st.insert_failed + st.drop +
			st.early_drop + st.searched + st.expired + st.clash_resolve, 0);
	/* The table uses its settings. */
	{
		struct ct_result r;
		struct ctt_pkt k;

		ctt_udp(&k, 4, CTT_A, CTT_B, 1, 2);
		ctt_run(t, &k, CTT_AT(0), &r);
		CU_ASSERT_EQUAL(ct_entry_timeout_left(r.ct, CTT_AT(0)), 7);
	}
	ct_table_destroy(t);
	ct_table_destroy(NULL);
}

static const struct unit_test life_tests[] = {
	{ "create, abort, confirm", test_create_confirm_abort },
	{ "confirm after removal", test_confirm_removed },
	{ "directions, NEW and ESTABLISHED, counters", test_directions },
	{ "reply before the first packet's verdict", test_reply_before_confirm },
	{ "the tracker's answers", test_tracker_answers },
	{ "first packet refused by the tracker", test_first_packet_refused },
	{ "listing and removal", test_foreach_remove },
	{ NULL, NULL }
};

static const struct unit_test expiry_tests[] = {
	{ "lazy expiry on lookup", test_lazy_expiry },
	{ "incremental sweep", test_gc_step },
	{ NULL, NULL }
};

static const struct unit_test full_tests[] = {
	{ "early drop of an unassured entry", test_full_early_drop },
	{ "refusal, neighbourhood, unconfirmed, expired", test_full_refusal },
	{ NULL, NULL }
};

static const struct unit_test table_tests[] = {
	{ "insertion clash", test_insert_clash },
	{ "searched counter", test_searched },
	{ "creation and settings", test_create_settings },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "ct entry lifecycle", life_tests },
	{ "ct expiry", expiry_tests },
	{ "ct full table", full_tests },
	{ "ct table", table_tests },
	{ NULL, NULL }
};

UNIT_MAIN_WITH(suites, ct_thread_register, ct_thread_unregister)
