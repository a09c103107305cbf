/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the connlimit match (src/rules/connlimit.c) against a real
 * conntrack table: connections are counted per source, source network,
 * destination or rule; connections that end (removed, expired, dropped
 * before confirmation, replaced by another with the same tuple) are
 * forgotten; a full key table fails closed; threads never let more than N
 * through; and through the chain walk, connlimit with limit and the
 * parser. */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "ct-test.h"
#include "nfqfw/rules_internal.h"
#include "unit.h"

/* A UDP connection from host A to host B (both families), the last byte
 * of the source address replaced by SRC_LAST (and, for IPv6, byte 7 by
 * NET, to put it in another /64), from SPORT. */
static void conn_pkt(struct ctt_pkt *k, int family, uint8_t src_last, uint8_t net,
		     uint16_t sport)
{
	ctt_udp(k, family, CTT_A, CTT_B, sport, 53);
	k->p.saddr.b[family == 4 ? 3 : 15] = src_last;
	if (family == 6)
		k->p.saddr.b[7] = net;
}

/* Tracks K at NOW, asks C, then keeps the connection (confirms it) or
 * drops the packet (aborts it), all inside one read section as the
 * daemon does. */
static bool over_then(struct rules_connlimit *c, struct ct_table *t, struct ctt_pkt *k,
		      uint64_t now, bool keep)
{
	struct ct_result r;
	struct rules_packet rp;
	bool over;

	ct_read_lock();
	ct_process(t, &k->p, now, &r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.ct);
	rp = (struct rules_packet){ .p = &k->p, .ct = r.info, .dir = r.dir, .len = 60,
				    .now_ns = now, .ct_table = t, .entry = r.ct };
	over = rules_connlimit_over(c, &rp);
	if (r.created && keep) {
		CU_ASSERT_EQUAL(ct_confirm(t, r.ct, now), 0);
	} else if (r.created) {
		ct_abort(t, r.ct);
	}
	ct_read_unlock();
	return over;
}

static bool over(struct rules_connlimit *c, struct ct_table *t, struct ctt_pkt *k,
		 uint64_t now)
{
	return over_then(c, t, k, now, true);
}

/* Removes K's connection (conntrack -D). */
static void conn_remove(struct ct_table *t, const struct ctt_pkt *k, uint64_t now)
{
	struct ct_tuple tuple;
	struct ct_entry *e;
	enum ct_dir dir;

	CU_ASSERT_TRUE_FATAL(ct_tuple_from_pkt(&k->p, ct_l4proto_find(k->p.family,
								      k->p.l4proto), &tuple));
	ct_read_lock();
	e = ct_table_find(t, &tuple, now, &dir);
	CU_ASSERT_PTR_NOT_NULL(e);
	if (e)
		CU_ASSERT_TRUE(ct_remove(t, e));
	ct_read_unlock();
}

static struct rules_connlimit *connlimit_of(const char *text, const char *per,
					    uint32_t slots)
{
	struct rules_connlimit_spec s = { 0 };
	struct rules_connlimit *c = NULL;
	char why[200];

	CU_ASSERT_EQUAL_FATAL(rules_connlimit_parse(text, &s.over, why, sizeof(why)), 0);
	if (per)
		CU_ASSERT_EQUAL_FATAL(rules_per_parse(per, &s.per, why, sizeof(why)), 0);
	s.per.slots = slots;
	CU_ASSERT_EQUAL_FATAL(rules_connlimit_create(&c, &s), 0);
	return c;
}

static void test_parse(void)
{
	static const char *const bad[] = {
		"", "over", "over ", "10", "above 10", "over10", "over -1", "over 65536",
		"over 99999999999999999999999", "over 1 2", "over x", "over 0x10", NULL,
	};
	struct rules_connlimit_spec s = { 0 };
	struct rules_connlimit *c = NULL;
	uint32_t n = 7;
	char why[200];

	CU_ASSERT_EQUAL(rules_connlimit_parse("over 10", &n, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(n, 10);
	CU_ASSERT_EQUAL(rules_connlimit_parse("over   0 ", &n, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(rules_connlimit_parse("over 65535", &n, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(n, 65535);
	for (const char *const *b = bad; *b; b++) {
		n = 7;
		why[0] = '\0';
		CU_ASSERT_EQUAL(rules_connlimit_parse(*b, &n, why, sizeof(why)), -EINVAL);
		CU_ASSERT_EQUAL(n, 7);
		CU_ASSERT_NOT_EQUAL(why[0], '\0');
	}
	s.over = RULES_CONNLIMIT_MAX + 1;
	CU_ASSERT_EQUAL(rules_connlimit_create(&c, &s), -EINVAL);
	s.over = 1;
	s.per.plen4 = 33;
	CU_ASSERT_EQUAL(rules_connlimit_create(&c, &s), -EINVAL);
	CU_ASSERT_PTR_NULL(c);
}

/* Over 2 from one source: the third connection is over, and stays over on
 * its later packets; dropped connections do not count; a removed one
 * makes room. */
static void test_counting(void)
{
	struct ct_table *t = ctt_table(0);
	struct rules_connlimit *c = connlimit_of("over 2", "src", 0);
	struct ctt_pkt k[6];

	for (int i = 0; i < 6; i++)
		conn_pkt(&k[i], 4, 1, 0, (uint16_t)(1000 + i));
	CU_ASSERT_FALSE(over(c, t, &k[0], CTT_AT(0)));
	CU_ASSERT_FALSE(over(c, t, &k[1], CTT_AT(1)));
	/* More packets of counted connections change nothing. */
	CU_ASSERT_FALSE(over(c, t, &k[0], CTT_AT(2)));
	CU_ASSERT_FALSE(over(c, t, &k[1], CTT_AT(2)));
	CU_ASSERT_TRUE(over(c, t, &k[2], CTT_AT(3)));
	CU_ASSERT_TRUE(over(c, t, &k[2], CTT_AT(3)));
	CU_ASSERT_TRUE(over(c, t, &k[3], CTT_AT(4)));
	/* The count is the source's, whichever of its connections asks. */
	CU_ASSERT_TRUE(over(c, t, &k[0], CTT_AT(4)));
	/* A firewall drops the connections over the limit. */
	conn_remove(t, &k[2], CTT_AT(5));
	conn_remove(t, &k[3], CTT_AT(5));
	CU_ASSERT_FALSE(over(c, t, &k[0], CTT_AT(5)));
	/* Dropped before confirmation: the entry goes, and so does the count
	 * (the same tuple again is a new connection each time). */
	CU_ASSERT_TRUE(over_then(c, t, &k[4], CTT_AT(6), false));
	CU_ASSERT_TRUE(over_then(c, t, &k[4], CTT_AT(6), false));
	CU_ASSERT_FALSE(over(c, t, &k[1], CTT_AT(6)));
	/* One of the two ends: a new one fits, then the list is full again. */
	conn_remove(t, &k[0], CTT_AT(7));
	CU_ASSERT_FALSE(over(c, t, &k[4], CTT_AT(8)));
	CU_ASSERT_TRUE(over_then(c, t, &k[5], CTT_AT(8), false));
	CU_ASSERT_FALSE(over(c, t, &k[1], CTT_AT(8)));
	rules_connlimit_free(c);
	ct_table_destroy(t);
}

/* Unreplied UDP expires after 30 s: the connections are forgotten. */
static void test_expiry(void)
{
	struct ct_table *t = ctt_table(0);
	struct rules_connlimit *c = connlimit_of("over 2", "src", 0);
	struct ctt_pkt k[4];

	for (int i = 0; i < 4; i++)
		conn_pkt(&k[i], 6, 1, 0, (uint16_t)(2000 + i));
	CU_ASSERT_FALSE(over(c, t, &k[0], CTT_AT(0)));     /* expires at 30 s */
	CU_ASSERT_FALSE(over(c, t, &k[1], CTT_AT(10)));    /* at 40 s */
	/* Three connections but for k[0]'s expiry. */
	CU_ASSERT_FALSE(over(c, t, &k[2], CTT_AT(35)));    /* at 65 s */
	CU_ASSERT_TRUE(over(c, t, &k[3], CTT_AT(36)));     /* at 66 s */
	/* All gone: k[3]'s next packet opens a new connection, alone. */
	CU_ASSERT_FALSE(over(c, t, &k[3], CTT_AT(100)));
	rules_connlimit_free(c);
	ct_table_destroy(t);
}

/* A new connection with the tuple of a gone one is a new connection: the
 * old one is not counted as well. */
static void test_same_tuple_new_entry(void)
{
	struct ct_table *t = ctt_table(0);
	struct rules_connlimit *c = connlimit_of("over 1", "src", 0);
	struct ctt_pkt k[2];

	conn_pkt(&k[0], 4, 1, 0, 3000);
	conn_pkt(&k[1], 4, 1, 0, 3001);
	CU_ASSERT_FALSE(over(c, t, &k[0], CTT_AT(0)));
	conn_remove(t, &k[0], CTT_AT(1));
	CU_ASSERT_FALSE(over(c, t, &k[0], CTT_AT(2)));
	CU_ASSERT_FALSE(over(c, t, &k[0], CTT_AT(3)));
	CU_ASSERT_TRUE(over(c, t, &k[1], CTT_AT(4)));
	/* The listed k[0] ends and another k[0] starts without passing the
	 * rule: the listing is of the old entry, which is gone. */
	conn_remove(t, &k[1], CTT_AT(5));
	conn_remove(t, &k[0], CTT_AT(5));
	CU_ASSERT_EQUAL(ctt_run(t, &k[0], CTT_AT(5), NULL), CT_INFO_NEW);
	CU_ASSERT_FALSE(over(c, t, &k[1], CTT_AT(6)));
	rules_connlimit_free(c);
	ct_table_destroy(t);
}

static void test_sources_and_networks(void)
{
	struct ct_table *t = ctt_table(0);
	struct rules_connlimit *c = connlimit_of("over 1", "src/24,64", 0);
	struct ctt_pkt k;

	/* 192.0.2.1 and 192.0.2.77: one /24. */
	conn_pkt(&k, 4, 1, 0, 4000);
	CU_ASSERT_FALSE(over(c, t, &k, CTT_AT(0)));
	conn_pkt(&k, 4, 77, 0, 4000);
	CU_ASSERT_TRUE(over(c, t, &k, CTT_AT(0)));
	/* 2001:db8::1 and 2001:db8::2: one /64; 2001:db8:0:5::2 another. */
	conn_pkt(&k, 6, 1, 0, 4000);
	CU_ASSERT_FALSE(over(c, t, &k, CTT_AT(0)));
	conn_pkt(&k, 6, 2, 0, 4000);
	CU_ASSERT_TRUE(over(c, t, &k, CTT_AT(0)));
	conn_pkt(&k, 6, 2, 5, 4000);
	CU_ASSERT_FALSE(over(c, t, &k, CTT_AT(0)));
	rules_connlimit_free(c);

	/* Per address: the same hosts count apart. */
	c = connlimit_of("over 1", "src", 0);
	conn_pkt(&k, 4, 1, 0, 4100);
	CU_ASSERT_FALSE(over(c, t, &k, CTT_AT(1)));
	conn_pkt(&k, 4, 77, 0, 4100);
	CU_ASSERT_FALSE(over(c, t, &k, CTT_AT(1)));
	conn_pkt(&k, 4, 77, 0, 4101);
	CU_ASSERT_TRUE(over(c, t, &k, CTT_AT(1)));
	rules_connlimit_free(c);

	/* Per destination: every connection here goes to host B. */
	c = connlimit_of("over 1", "dst", 0);
	conn_pkt(&k, 4, 1, 0, 4200);
	CU_ASSERT_FALSE(over(c, t, &k, CTT_AT(2)));
	conn_pkt(&k, 4, 77, 0, 4200);
	CU_ASSERT_TRUE(over(c, t, &k, CTT_AT(2)));
	rules_connlimit_free(c);

	/* Whole rule: every connection, both families. */
	c = connlimit_of("over 2", NULL, 0);
	conn_pkt(&k, 4, 1, 0, 4300);
	CU_ASSERT_FALSE(over(c, t, &k, CTT_AT(3)));
	conn_pkt(&k, 6, 9, 3, 4300);
	CU_ASSERT_FALSE(over(c, t, &k, CTT_AT(3)));
	conn_pkt(&k, 4, 200, 0, 4300);
	CU_ASSERT_TRUE(over(c, t, &k, CTT_AT(3)));
	rules_connlimit_free(c);
	ct_table_destroy(t);
}

/* "over 0": any connection is over. No connection (untracked, or no
 * table): never. */
static void test_over_zero_and_untracked(void)
{
	struct ct_table *t = ctt_table(0);
	struct rules_connlimit *c = connlimit_of("over 0", "src", 0);
	struct rules_packet rp;
	struct ctt_pkt k;

	conn_pkt(&k, 4, 1, 0, 5000);
	CU_ASSERT_TRUE(over(c, t, &k, CTT_AT(0)));
	rp = (struct rules_packet){ .p = &k.p, .ct = CT_INFO_UNTRACKED, .now_ns = CTT_AT(0),
				    .ct_table = t };
	ct_read_lock();
	CU_ASSERT_FALSE(rules_connlimit_over(c, &rp));
	ct_read_unlock();
	rules_connlimit_free(c);
	ct_table_destroy(t);
}

/* Eight slots: a ninth source with live connections everywhere fails
 * closed (counted); a source whose connections are gone frees its slot. */
static void test_full_table(void)
{
	struct ct_table *t = ctt_table(0);
	struct rules_connlimit *c = connlimit_of("over 3", "src", 8);
	struct rules_rule r = { .connlimit = c };
	struct ctt_pkt k;

	for (uint8_t i = 1; i <= 8; i++) {
		conn_pkt(&k, 4, i, 0, 6000);
		CU_ASSERT_FALSE(over(c, t, &k, CTT_AT(0)));
	}
	conn_pkt(&k, 4, 9, 0, 6000);
	CU_ASSERT_TRUE(over(c, t, &k, CTT_AT(1)));
	CU_ASSERT_EQUAL(rules_connlimit_table_full(&r), 1);
	conn_pkt(&k, 4, 9, 0, 6001);
	CU_ASSERT_TRUE(over_then(c, t, &k, CTT_AT(1), false));
	CU_ASSERT_EQUAL(rules_connlimit_table_full(&r), 2);
	/* Source 5's only connection ends: 9 takes its slot. */
	conn_pkt(&k, 4, 5, 0, 6000);
	conn_remove(t, &k, CTT_AT(2));
	conn_pkt(&k, 4, 9, 0, 6000);
	CU_ASSERT_FALSE(over(c, t, &k, CTT_AT(3)));
	CU_ASSERT_EQUAL(rules_connlimit_table_full(&r), 2);
	/* And 5 is the one without a slot now. */
	conn_pkt(&k, 4, 5, 0, 6002);
	CU_ASSERT_TRUE(over_then(c, t, &k, CTT_AT(4), false));
	CU_ASSERT_EQUAL(rules_connlimit_table_full(&r), 3);
	/* Known sources are still counted right. */
	for (uint16_t p = 6001; p <= 6003; p++) {
		conn_pkt(&k, 4, 1, 0, p);
		CU_ASSERT_EQUAL(over(c, t, &k, CTT_AT(5)), p == 6003);
	}
	rules_connlimit_free(c);
	ct_table_destroy(t);
}

#define N_THREADS 4
#define PER_THREAD 600

struct worker {
	struct rules_connlimit *c;
	struct ct_table *t;
	pthread_barrier_t *start;
	unsigned int id, not_over, bad;
};

/* No CUnit asserts in threads: problems are counted and checked after. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct ctt_pkt k;

	ct_thread_register();
	pthread_barrier_wait(w->start);
	for (unsigned int i = 0; i < PER_THREAD; i++) {
		struct rules_packet rp;
		struct ct_result r;

		conn_pkt(&k, 4, 1, 0, (uint16_t)(10000 + w->id * 1000 + i));
		ct_read_lock();
		ct_process(w->t, &k.p, CTT_AT(0), &r);
		if (!r.ct || !r.created) {
			w->bad++;
		} else {
			rp = (struct rules_packet){ .p = &k.p, .ct = r.info, .dir = r.dir,
						    .now_ns = CTT_AT(0), .ct_table = w->t,
						    .entry = r.ct };
			w->not_over += !rules_connlimit_over(w->c, &rp);
			w->bad += ct_confirm(w->t, r.ct, CTT_AT(0)) != 0;
		}
		ct_read_unlock();
	}
	ct_thread_unregister();
	return NULL;
}

/* Four threads open 2400 connections from one source at once: exactly
 * the first 1000 are not over. */
static void test_threads(void)
{
	struct ct_table *t = ctt_table(0);
	struct rules_connlimit *c = connlimit_of("over 1000", "src", 0);
	pthread_t th[N_THREADS];
	struct worker w[N_THREADS];
	pthread_barrier_t start;
	unsigned int sum = 0;

	CU_ASSERT_EQUAL_FATAL(pthread_barrier_init(&start, NULL, N_THREADS), 0);
	for (unsigned int i = 0; i < N_THREADS; i++) {
		w[i] = (struct worker){ .c = c, .t = t, .id = i, .start = &start };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (unsigned int i = 0; i < N_THREADS; i++) {
		pthread_join(th[i], NULL);
		sum += w[i].not_over;
		CU_ASSERT_EQUAL(w[i].bad, 0);
	}
	CU_ASSERT_EQUAL(sum, 1000);
	pthread_barrier_destroy(&start);
	rules_connlimit_free(c);
	ct_table_destroy(t);
}

/* One packet through CHAIN, tracked at NOW: confirmed if accepted,
 * aborted if not. */
static enum rules_verdict walk(const struct rules_chain *chain, struct ct_table *t,
			       struct ctt_pkt *k, uint64_t now, const struct rules_rule **by)
{
	struct rules_packet rp;
	struct rules_result res;
	struct ct_result cr;

	ct_read_lock();
	ct_process(t, &k->p, now, &cr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cr.ct);
	rp = (struct rules_packet){ .p = &k->p, .ct = cr.info, .dir = cr.dir, .len = 60,
				    .now_ns = now, .ct_table = t, .entry = cr.ct };
	rules_eval(chain, &rp, &res);
	if (cr.created && res.verdict == RULES_ACCEPT) {
		CU_ASSERT_EQUAL(ct_confirm(t, cr.ct, now), 0);
	} else if (cr.created) {
		ct_abort(t, cr.ct);
	}
	ct_read_unlock();
	*by = res.rule;
	return res.verdict;
}

static const struct rules_per per_src = { .addr = RULES_PER_SRC, .plen4 = 32, .plen6 = 128 };

/* Policy drop; 0: more than 2 connections per source: drop; 1: new
 * connections at 1/second: accept. A connection over the limit takes no
 * token; one without a token is not counted (it is dropped). */
static void test_walk(void)
{
	struct ct_table *t = ctt_table(0);
	struct rules_set *rs = rules_set_new();
	struct rules_chain *ch = rules_chain_add(rs, "input", true, RULES_DROP);
	struct rules_rule r = { .action = RULES_ACT_DROP };
	const struct rules_rule *by;
	struct ctt_pkt k[5];

	CU_ASSERT_FATAL(rs && ch);
	r.m.has = RULES_M_CONNLIMIT;
	r.connlimit_spec = (struct rules_connlimit_spec){ .over = 2, .per = per_src };
	r.connlimit = (struct rules_connlimit *)&r;    /* ignored: made by compile */
	CU_ASSERT_EQUAL_FATAL(rules_chain_append(ch, &r), 0);
	CU_ASSERT_PTR_NULL(ch->rules[0].connlimit);
	r = (struct rules_rule){ .action = RULES_ACT_ACCEPT };
	r.m.has = RULES_M_LIMIT;
	r.limit_spec = (struct rules_limit_spec){ .rate = 1, .period_ns = RULES_SECOND_NS,
						  .burst = 1 };
	CU_ASSERT_EQUAL_FATAL(rules_chain_append(ch, &r), 0);
	CU_ASSERT_EQUAL_FATAL(rules_compile(rs), 0);
	CU_ASSERT_PTR_NOT_NULL(ch->rules[0].connlimit);
	CU_ASSERT_PTR_NOT_NULL(ch->rules[1].limit);

	for (int i = 0; i < 4; i++)
		conn_pkt(&k[i], 4, 1, 0, (uint16_t)(7000 + i));
	conn_pkt(&k[4], 4, 2, 0, 7000);
	CU_ASSERT_EQUAL(walk(ch, t, &k[0], CTT_AT(0), &by), RULES_ACCEPT);
	CU_ASSERT_PTR_EQUAL(by, &ch->rules[1]);
	CU_ASSERT_EQUAL(walk(ch, t, &k[1], CTT_AT(0), &by), RULES_DROP);
	CU_ASSERT_PTR_NULL(by);                        /* the policy */
	CU_ASSERT_EQUAL(walk(ch, t, &k[1], CTT_AT(5), &by), RULES_ACCEPT);
	/* At 6 s there is a token again, but k[2] is over: dropped by rule 0,
	 * which leaves the token for someone else. */
	CU_ASSERT_EQUAL(walk(ch, t, &k[2], CTT_AT(6), &by), RULES_DROP);
	CU_ASSERT_PTR_EQUAL(by, &ch->rules[0]);
	CU_ASSERT_EQUAL(walk(ch, t, &k[4], CTT_AT(6), &by), RULES_ACCEPT);
	CU_ASSERT_PTR_EQUAL(by, &ch->rules[1]);
	CU_ASSERT_EQUAL(atomic_load(&ch->rules[0].packets), 1);
	CU_ASSERT_EQUAL(atomic_load(&ch->rules[1].packets), 3);
	CU_ASSERT_EQUAL(atomic_load(&ch->policy_packets), 1);
	rules_set_free(rs);
	ct_table_destroy(t);
}

/* Both on one rule: connlimit is asked first and a limit token is taken
 * only when it matched. 0: over 1 per source and 1/second: drop;
 * 1: accept (a drop of over-limit connections that is itself limited). */
static void test_walk_both(void)
{
	struct ct_table *t = ctt_table(0);
	struct rules_set *rs = rules_set_new();
	struct rules_chain *ch = rules_chain_add(rs, "input", true, RULES_DROP);
	struct rules_rule r = { .action = RULES_ACT_DROP };
	const struct rules_rule *by;
	struct ctt_pkt k[3];

	CU_ASSERT_FATAL(rs && ch);
	r.m.has = RULES_M_CONNLIMIT | RULES_M_LIMIT;
	r.connlimit_spec = (struct rules_connlimit_spec){ .over = 1, .per = per_src };
	r.limit_spec = (struct rules_limit_spec){ .rate = 1, .period_ns = RULES_SECOND_NS,
						  .burst = 1 };
	CU_ASSERT_EQUAL_FATAL(rules_chain_append(ch, &r), 0);
	CU_ASSERT_EQUAL_FATAL(rules_chain_append(ch, &(struct rules_rule){
		.action = RULES_ACT_ACCEPT }), 0);
	CU_ASSERT_EQUAL_FATAL(rules_compile(rs), 0);
	for (int i = 0; i < 3; i++)
		conn_pkt(&k[i], 4, 1, 0, (uint16_t)(8000 + i));
	/* Not over: rule 0 does not match, and takes no token ... */
	CU_ASSERT_EQUAL(walk(ch, t, &k[0], CTT_AT(0), &by), RULES_ACCEPT);
	CU_ASSERT_PTR_EQUAL(by, &ch->rules[1]);
	/* ... so the first one over finds it. */
	CU_ASSERT_EQUAL(walk(ch, t, &k[1], CTT_AT(0), &by), RULES_DROP);
	CU_ASSERT_PTR_EQUAL(by, &ch->rules[0]);
	/* Over again, but no token left in this second. */
	CU_ASSERT_EQUAL(walk(ch, t, &k[2], CTT_AT(0), &by), RULES_ACCEPT);
	CU_ASSERT_PTR_EQUAL(by, &ch->rules[1]);
	rules_set_free(rs);
	ct_table_destroy(t);
}

/* A TCP connection in TIME_WAIT or CLOSE is over, as for the kernel's
 * nf_conncount, though its entry stays for a while; other states count. */
static void test_closed_tcp(void)
{
	static const uint8_t closed[] = { CT_TCP_TIME_WAIT, CT_TCP_CLOSE };
	struct ct_table *t = ctt_table(0);
	struct rules_connlimit *c = connlimit_of("over 1", "src", 0);
	struct ctt_pkt k[4];
	struct ct_entry *e;
	enum ct_dir dir;

	for (int i = 0; i < 4; i++)
		ctt_tcp(&k[i], 4, CTT_A, CTT_B, (uint16_t)(3000 + i), 22, RULES_TCP_SYN);
	CU_ASSERT_FALSE(over(c, t, &k[0], CTT_AT(0)));
	CU_ASSERT_TRUE(over_then(c, t, &k[1], CTT_AT(1), false));
	for (size_t i = 0; i < sizeof(closed); i++) {
		ct_read_lock();
		e = ctt_find(t, &k[i == 0 ? 0 : 2], CTT_AT(2), &dir);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		e->proto.tcp.state = closed[i];
		ct_read_unlock();
		/* The closed one no longer counts: a new one fits ... */
		CU_ASSERT_FALSE(over(c, t, &k[i == 0 ? 2 : 3], CTT_AT(3)));
	}
	/* ... and the live one still does. */
	CU_ASSERT_TRUE(over_then(c, t, &k[1], CTT_AT(4), false));
	rules_connlimit_free(c);
	ct_table_destroy(t);
}

static const struct unit_test connlimit_tests[] = {
	{ "parser", test_parse },
	{ "counting, dropped and ended connections", test_counting },
	{ "expired connections are forgotten", test_expiry },
	{ "closed TCP connections are forgotten", test_closed_tcp },
	{ "same tuple, new entry", test_same_tuple_new_entry },
	{ "sources, networks, destination, whole rule", test_sources_and_networks },
	{ "over 0; untracked packets", test_over_zero_and_untracked },
	{ "full table fails closed", test_full_table },
	{ "threads", test_threads },
	{ "through the walk, before a limit rule", test_walk },
	{ "through the walk, with limit on one rule", test_walk_both },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "connlimit", connlimit_tests },
	{ NULL, NULL },
};

UNIT_MAIN_WITH(suites, ct_thread_register, ct_thread_unregister)
