/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the limit match (src/rules/limit.c) with a fake clock: the
 * burst, then exactly the rate; refill capped at the burst; threads that
 * together never take more than the budget; per-source buckets, prefix
 * grouping, eviction of refilled buckets, the full table failing closed;
 * and the parsers of limit and limit_per. */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <string.h>

#include "nfqfw/rules_internal.h"
#include "unit.h"

#define T0 (1000 * RULES_SECOND_NS)    /* the fake clock starts here */
#define MS (RULES_SECOND_NS / 1000)

static struct rules_limit_spec spec_of(const char *text, const char *per, uint32_t slots)
{
	struct rules_limit_spec s = { 0 };
	char why[200] = "";

	CU_ASSERT_EQUAL_FATAL(rules_limit_parse(text, &s, why, sizeof(why)), 0);
	if (per)
		CU_ASSERT_EQUAL_FATAL(rules_per_parse(per, &s.per, why, sizeof(why)), 0);
	s.per.slots = slots;
	return s;
}

static struct rules_limit *limit_of(const char *text, const char *per, uint32_t slots)
{
	struct rules_limit_spec s = spec_of(text, per, slots);
	struct rules_limit *l = NULL;

	CU_ASSERT_EQUAL_FATAL(rules_limit_create(&l, &s), 0);
	return l;
}

/* A UDP packet from SRC (IPv4 or IPv6 text) at NOW. */
struct tpkt {
	struct pkt p;
	struct rules_packet rp;
};

static void tp(struct tpkt *t, const char *src, uint64_t now)
{
	int af = strchr(src, ':') ? AF_INET6 : AF_INET;

	memset(t, 0, sizeof(*t));
	t->p.family = af == AF_INET ? 4 : 6;
	CU_ASSERT_EQUAL_FATAL(inet_pton(af, src, t->p.saddr.b), 1);
	CU_ASSERT_EQUAL_FATAL(inet_pton(af, af == AF_INET ? "198.51.100.1" : "2001:db8:ff::1",
					t->p.daddr.b), 1);
	t->p.l4proto = IPPROTO_UDP;
	t->p.has_l4 = true;
	t->rp = (struct rules_packet){ .p = &t->p, .ct = CT_INFO_NEW, .len = 60,
				       .now_ns = now };
}

/* How many of N packets from SRC at NOW pass L. */
static unsigned int passes(struct rules_limit *l, const char *src, uint64_t now,
			   unsigned int n)
{
	struct tpkt t;
	unsigned int ok = 0;

	tp(&t, src, now);
	for (unsigned int i = 0; i < n; i++)
		ok += rules_limit_take(l, &t.rp);
	return ok;
}

static void test_parse(void)
{
	struct rules_limit_spec s = spec_of("10/second", NULL, 0);
	struct rules_per per;
	char why[200];

	CU_ASSERT_EQUAL(s.rate, 10);
	CU_ASSERT_EQUAL(s.period_ns, RULES_SECOND_NS);
	CU_ASSERT_EQUAL(s.burst, RULES_LIMIT_BURST_DEFAULT);
	CU_ASSERT_EQUAL(s.per.addr, RULES_PER_RULE);
	s = spec_of("3/minute  burst   10 ", NULL, 0);
	CU_ASSERT_EQUAL(s.rate, 3);
	CU_ASSERT_EQUAL(s.period_ns, 60 * RULES_SECOND_NS);
	CU_ASSERT_EQUAL(s.burst, 10);
	s = spec_of("1/hour burst 100000", NULL, 0);
	CU_ASSERT_EQUAL(s.period_ns, 3600 * RULES_SECOND_NS);
	CU_ASSERT_EQUAL(s.burst, 100000);
	s = spec_of("1000000000/day", NULL, 0);
	CU_ASSERT_EQUAL(s.rate, 1000000000);
	CU_ASSERT_EQUAL(s.period_ns, RULES_DAY_NS);

	CU_ASSERT_EQUAL(rules_per_parse("src", &per, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(per.addr, RULES_PER_SRC);
	CU_ASSERT_EQUAL(per.plen4, 32);
	CU_ASSERT_EQUAL(per.plen6, 128);
	CU_ASSERT_EQUAL(rules_per_parse("dst/24", &per, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(per.addr, RULES_PER_DST);
	CU_ASSERT_EQUAL(per.plen4, 24);
	CU_ASSERT_EQUAL(per.plen6, 128);
	CU_ASSERT_EQUAL(rules_per_parse("src/0,48", &per, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(per.plen4, 0);
	CU_ASSERT_EQUAL(per.plen6, 48);

	/* The messages themselves are asserted by test-load; here, that bad
	 * input is refused whatever the spelling. */
	static const char *const bad_limits[] = {
		"", "10", "10/", "/second", "0/second", "1000000001/second",
		"99999999999999999999999/second", "10/seconds", "10/second burst",
		"10/second burst 0", "10/second burst 100001", "10/second burst x",
		"10/second bursts 3", "10/second 20", "-1/second", "10 /second",
		"10/second burst 20 x", NULL,
	};
	static const char *const bad_pers[] = {
		"", "source", "src/", "src/33", "src/24,", "src/24,129", "src/,64",
		"srcx", "src/24/64", "src/-1", "dst 24", NULL,
	};
	for (const char *const *b = bad_limits; *b; b++) {
		why[0] = '\0';
		CU_ASSERT_EQUAL(rules_limit_parse(*b, &s, why, sizeof(why)), -EINVAL);
		CU_ASSERT_NOT_EQUAL(why[0], '\0');
	}
	for (const char *const *b = bad_pers; *b; b++) {
		why[0] = '\0';
		CU_ASSERT_EQUAL(rules_per_parse(*b, &per, why, sizeof(why)), -EINVAL);
		CU_ASSERT_NOT_EQUAL(why[0], '\0');
	}
}

static void test_create_refuses(void)
{
	struct rules_limit_spec s = spec_of("10/second", NULL, 0);
	struct rules_limit *l = NULL;

	s.rate = 0;
	CU_ASSERT_EQUAL(rules_limit_create(&l, &s), -EINVAL);
	s = spec_of("10/second", NULL, 0);
	s.burst = RULES_LIMIT_BURST_MAX + 1;
	CU_ASSERT_EQUAL(rules_limit_create(&l, &s), -EINVAL);
	s = spec_of("10/second", NULL, 0);
	s.period_ns = RULES_SECOND_NS - 1;
	CU_ASSERT_EQUAL(rules_limit_create(&l, &s), -EINVAL);
	s = spec_of("10/second", "src", RULES_PER_SLOTS_MAX + 1);
	CU_ASSERT_EQUAL(rules_limit_create(&l, &s), -EINVAL);
	CU_ASSERT_PTR_NULL(l);
}

/* Burst at once, then exactly one token per 1/rate, never more than the
 * burst however long the bucket rests. */
static void check_exact(const char *per)
{
	struct rules_limit *l = limit_of("10/second burst 20", per, 0);
	uint64_t now = T0;

	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", now, 100), 20);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", now + 100 * MS - 1, 5), 0);
	for (unsigned int k = 1; k <= 50; k++)
		CU_ASSERT_EQUAL(passes(l, "192.0.2.1", now + k * 100 * MS, 5), 1);
	now += 50 * 100 * MS;
	/* 1.05 s more: 10 tokens, the half token stays for later. */
	now += 1050 * MS;
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", now, 100), 10);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", now + 50 * MS, 5), 1);
	/* An hour of rest refills the burst and no more. */
	now += 3600 * RULES_SECOND_NS;
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", now, 100), 20);
	/* A clock reading older than the last one takes nothing extra. */
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", now - 10 * RULES_SECOND_NS, 5), 0);
	rules_limit_free(l);
}

static void test_exact_shared(void)
{
	check_exact(NULL);
}

static void test_exact_per_source(void)
{
	check_exact("src");
}

/* A rate that does not divide the period: rounded so that it is never
 * exceeded, and lost by less than one token over the time. */
static void test_rounding(void)
{
	struct rules_limit *l = limit_of("3/second burst 1", NULL, 0);
	unsigned int ok = passes(l, "192.0.2.1", T0, 10);

	for (uint64_t t = 1; t <= 10000; t++)
		ok += passes(l, "192.0.2.1", T0 + t * MS, 3);
	/* 10 s: 1 (burst) + 30 tokens at the most. */
	CU_ASSERT(ok <= 31);
	CU_ASSERT(ok >= 30);
	rules_limit_free(l);
	l = limit_of("6/minute burst 1", NULL, 0);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0, 3), 1);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0 + 10 * RULES_SECOND_NS - 1, 3), 0);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0 + 10 * RULES_SECOND_NS, 3), 1);
	rules_limit_free(l);
	l = limit_of("2/day burst 1", NULL, 0);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0, 3), 1);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0 + 43199 * RULES_SECOND_NS, 3), 0);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0 + 43200 * RULES_SECOND_NS, 3), 1);
	rules_limit_free(l);
}

#define N_THREADS 4
#define TRIES 20000

struct hammer {
	struct rules_limit *l;
	uint64_t now;
	const char *src;
	unsigned int ok;
	pthread_barrier_t *start;
};

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;

	pthread_barrier_wait(h->start);     /* all at once: they contend */
	h->ok = passes(h->l, h->src, h->now, TRIES);
	return NULL;
}

/* N_THREADS threads at once, each from SRCS[i]; the sum of what passed. */
static unsigned int hammer(struct rules_limit *l, uint64_t now, const char *const *srcs,
			   unsigned int *each)
{
	pthread_t th[N_THREADS];
	struct hammer h[N_THREADS];
	pthread_barrier_t start;
	unsigned int sum = 0;

	CU_ASSERT_EQUAL_FATAL(pthread_barrier_init(&start, NULL, N_THREADS), 0);
	for (int i = 0; i < N_THREADS; i++) {
		h[i] = (struct hammer){ .l = l, .now = now, .src = srcs[i], .start = &start };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	}
	for (int i = 0; i < N_THREADS; i++) {
		pthread_join(th[i], NULL);
		sum += h[i].ok;
		if (each)
			each[i] = h[i].ok;
	}
	pthread_barrier_destroy(&start);
	return sum;
}

static void check_threads(const char *per)
{
	static const char *const same[N_THREADS] = {
		"192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.1",
	};
	struct rules_limit *l = limit_of("1000/second burst 500", per, 0);

	CU_ASSERT_EQUAL(hammer(l, T0, same, NULL), 500);
	for (uint64_t k = 1; k <= 20; k++)
		CU_ASSERT_EQUAL(hammer(l, T0 + k * 7 * MS, same, NULL), 7);
	rules_limit_free(l);
	/* Most tries succeed here, so that the threads really race for the
	 * bucket: not one token more than the burst. */
	for (int round = 0; round < 5; round++) {
		l = limit_of("1/second burst 50000", per, 0);
		CU_ASSERT_EQUAL(hammer(l, T0, same, NULL), 50000);
		rules_limit_free(l);
	}
}

static void test_threads_shared(void)
{
	check_threads(NULL);
}

static void test_threads_same_source(void)
{
	check_threads("src");
}

static void test_threads_sources(void)
{
	static const char *const srcs[N_THREADS] = {
		"192.0.2.1", "192.0.2.2", "2001:db8::1", "2001:db8::2",
	};
	struct rules_limit *l = limit_of("100/second burst 30", "src", 0);
	unsigned int each[N_THREADS];

	CU_ASSERT_EQUAL(hammer(l, T0, srcs, each), 4 * 30);
	for (int i = 0; i < N_THREADS; i++)
		CU_ASSERT_EQUAL(each[i], 30);
	CU_ASSERT_EQUAL(hammer(l, T0 + 100 * MS, srcs, each), 4 * 10);
	for (int i = 0; i < N_THREADS; i++)
		CU_ASSERT_EQUAL(each[i], 10);
	rules_limit_free(l);
}

static void test_sources_independent(void)
{
	struct rules_limit *l = limit_of("1/second burst 3", "src", 0);
	struct rules_rule r = { .limit = l };

	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0, 10), 3);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.2", T0, 10), 3);
	CU_ASSERT_EQUAL(passes(l, "203.0.113.9", T0, 10), 3);
	CU_ASSERT_EQUAL(passes(l, "2001:db8::1", T0, 10), 3);
	CU_ASSERT_EQUAL(passes(l, "2001:db8::2", T0, 10), 3);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0 + RULES_SECOND_NS, 10), 1);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.2", T0 + RULES_SECOND_NS, 10), 1);
	CU_ASSERT_EQUAL(rules_limit_table_full(&r), 0);
	rules_limit_free(l);
}

/* A shared bucket: every source draws from it. */
static void test_shared_bucket(void)
{
	struct rules_limit *l = limit_of("1/second burst 3", NULL, 0);

	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0, 2), 2);
	CU_ASSERT_EQUAL(passes(l, "2001:db8::1", T0, 10), 1);
	CU_ASSERT_EQUAL(passes(l, "203.0.113.1", T0, 10), 0);
	rules_limit_free(l);
}

static void test_prefix_grouping(void)
{
	struct rules_limit *l = limit_of("1/second burst 2", "src/24,64", 0);

	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0, 1), 1);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.250", T0, 10), 1);
	CU_ASSERT_EQUAL(passes(l, "198.51.100.1", T0, 10), 2);
	CU_ASSERT_EQUAL(passes(l, "2001:db8::1", T0, 1), 1);
	CU_ASSERT_EQUAL(passes(l, "2001:db8::ffff:1", T0, 10), 1);
	CU_ASSERT_EQUAL(passes(l, "2001:db8:0:1::1", T0, 10), 2);
	rules_limit_free(l);

	/* IPv4 /24 alone: IPv6 sources stay one bucket each. */
	l = limit_of("1/second burst 2", "src/24", 0);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0, 1), 1);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.7", T0, 10), 1);
	CU_ASSERT_EQUAL(passes(l, "2001:db8::1", T0, 10), 2);
	CU_ASSERT_EQUAL(passes(l, "2001:db8::2", T0, 10), 2);
	rules_limit_free(l);

	/* /0: one bucket per family. */
	l = limit_of("1/second burst 2", "src/0,0", 0);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0, 1), 1);
	CU_ASSERT_EQUAL(passes(l, "203.0.113.7", T0, 10), 1);
	CU_ASSERT_EQUAL(passes(l, "2001:db8::1", T0, 10), 2);
	rules_limit_free(l);
}

/* Keyed by destination: every packet here goes to the same one. */
static void test_per_destination(void)
{
	struct rules_limit *l = limit_of("1/second burst 2", "dst", 0);
	struct tpkt t;

	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0, 1), 1);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.2", T0, 10), 1);
	tp(&t, "192.0.2.3", T0);
	inet_pton(AF_INET, "203.0.113.5", t.p.daddr.b);
	CU_ASSERT_TRUE(rules_limit_take(l, &t.rp));
	CU_ASSERT_TRUE(rules_limit_take(l, &t.rp));
	CU_ASSERT_FALSE(rules_limit_take(l, &t.rp));
	rules_limit_free(l);
}

/* Eight slots (one group): a ninth busy source has no slot and is refused
 * (counted); once a bucket has refilled, its slot is free again, and the
 * source it held loses nothing by being forgotten. */
static void test_eviction(void)
{
	struct rules_limit *l = limit_of("1/second burst 2", "src", 8);
	struct rules_rule r = { .limit = l };
	char src[32];

	for (int i = 1; i <= 8; i++) {
		snprintf(src, sizeof(src), "192.0.2.%d", i);
		CU_ASSERT_EQUAL(passes(l, src, T0, 1), 1);
	}
	CU_ASSERT_EQUAL(passes(l, "198.51.100.9", T0, 3), 0);
	CU_ASSERT_EQUAL(rules_limit_table_full(&r), 3);
	/* Known sources still have their slot and their last token. */
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0, 3), 1);
	CU_ASSERT_EQUAL(rules_limit_table_full(&r), 3);
	/* Half a second: 192.0.2.2..8 are at 1.5 tokens (not full); still no room. */
	CU_ASSERT_EQUAL(passes(l, "198.51.100.9", T0 + 500 * MS, 1), 0);
	CU_ASSERT_EQUAL(rules_limit_table_full(&r), 4);
	/* One second: 192.0.2.2..8 are full again, so the newcomer gets a slot
	 * and its whole burst; 192.0.2.1 (at 1 token) kept its slot. */
	CU_ASSERT_EQUAL(passes(l, "198.51.100.9", T0 + RULES_SECOND_NS, 5), 2);
	CU_ASSERT_EQUAL(passes(l, "192.0.2.1", T0 + RULES_SECOND_NS, 5), 1);
	/* A forgotten source comes back with a full bucket, as if never seen,
	 * taking the slot of the next refilled one ... */
	for (int i = 2; i <= 7; i++) {
		snprintf(src, sizeof(src), "192.0.2.%d", i);
		CU_ASSERT_EQUAL(passes(l, src, T0 + RULES_SECOND_NS, 5), 2);
	}
	CU_ASSERT_EQUAL(rules_limit_table_full(&r), 4);
	/* ... until nine busy sources share eight slots. */
	CU_ASSERT_EQUAL(passes(l, "192.0.2.8", T0 + RULES_SECOND_NS, 5), 0);
	CU_ASSERT_EQUAL(rules_limit_table_full(&r), 9);
	rules_limit_free(l);
}

static void test_table_size(void)
{
	struct rules_per per = { .addr = RULES_PER_SRC, .slots = 1 };

	CU_ASSERT_EQUAL(rules_per_groups(&per), 1);
	per.slots = 9;
	CU_ASSERT_EQUAL(rules_per_groups(&per), 2);
	per.slots = 65536;
	CU_ASSERT_EQUAL(rules_per_groups(&per), 65536 / RULES_PER_WAYS);
	per.slots = 0;
	CU_ASSERT_EQUAL(rules_per_groups(&per), RULES_PER_SLOTS_DEFAULT / RULES_PER_WAYS);
	per.slots = 65537;
	CU_ASSERT_EQUAL(rules_per_groups(&per), 2 * 65536 / RULES_PER_WAYS);
	per.addr = RULES_PER_RULE;
	CU_ASSERT_EQUAL(rules_per_groups(&per), 1);
}

/* Many sources through a big table: every one gets its own burst. */
static void test_many_sources(void)
{
	struct rules_limit *l = limit_of("1/minute burst 1", "src", 65536);
	struct rules_rule r = { .limit = l };
	unsigned int ok = 0;
	char src[32];

	for (int i = 0; i < 1000; i++) {
		snprintf(src, sizeof(src), "2001:db8::%x", i);
		ok += passes(l, src, T0, 2);
	}
	CU_ASSERT_EQUAL(ok, 1000);
	CU_ASSERT_EQUAL(rules_limit_table_full(&r), 0);
	rules_limit_free(l);
}

static const struct unit_test limit_tests[] = {
	{ "parsers", test_parse },
	{ "create refuses bad specs", test_create_refuses },
	{ "shared bucket: burst, then exactly the rate", test_exact_shared },
	{ "per-source bucket: burst, then exactly the rate", test_exact_per_source },
	{ "rates that do not divide the period", test_rounding },
	{ "threads on a shared bucket", test_threads_shared },
	{ "threads on one source's bucket", test_threads_same_source },
	{ "threads on their own sources", test_threads_sources },
	{ "sources are independent", test_sources_independent },
	{ "a shared bucket is shared", test_shared_bucket },
	{ "prefix grouping", test_prefix_grouping },
	{ "per destination", test_per_destination },
	{ "eviction of refilled buckets; full table fails closed", test_eviction },
	{ "table size", test_table_size },
	{ "a thousand sources", test_many_sources },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "limit", limit_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
