/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the expectation table (src/ct/expect.c): matching with and
 * without wildcards in both families and protocols, use-once, expiry,
 * refresh, the per-master limit, a full table, forgetting a master, NAT
 * data, bad arguments, a master from a real conntrack table, and four
 * threads adding and taking at once. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ct-test.h"
#include "nfqfw/ct_expect.h"
#include "unit.h"

/* A master connection as the table sees it: an id and an original tuple. */
static struct ct_entry *master(uint32_t id)
{
	static struct ct_entry m[64];
	struct ct_entry *e = &m[id % 64];

	memset(e, 0, sizeof(*e));
	e->id = id;
	e->tuple[CT_DIR_ORIGINAL].family = 4;
	e->tuple[CT_DIR_ORIGINAL].l4proto = IPPROTO_TCP;
	ctt_addr(4, CTT_A, &e->tuple[CT_DIR_ORIGINAL].src);
	ctt_addr(4, CTT_B, &e->tuple[CT_DIR_ORIGINAL].dst);
	e->tuple[CT_DIR_ORIGINAL].sport = (uint16_t)(40000 + id);
	e->tuple[CT_DIR_ORIGINAL].dport = 21;
	return e;
}

static struct ct_tuple tup(int family, uint8_t proto, enum ctt_host src, uint16_t sport,
			   enum ctt_host dst, uint16_t dport)
{
	struct ct_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = (uint8_t)family;
	t.l4proto = proto;
	ctt_addr(family, src, &t.src);
	ctt_addr(family, dst, &t.dst);
	t.sport = sport;
	t.dport = dport;
	return t;
}

static struct ct_expect_table *table(uint32_t max)
{
	struct ct_expect_table *et = ct_expect_table_create(max);

	CU_ASSERT_FATAL(et != NULL);
	return et;
}

static struct ct_expect_stats stats(const struct ct_expect_table *et)
{
	struct ct_expect_stats s;

	ct_expect_stats(et, &s);
	return s;
}

static int add(struct ct_expect_table *et, uint32_t master_id, const struct ct_tuple *t,
	       uint8_t wild, unsigned int max_per_master, uint32_t timeout_s, uint64_t now)
{
	return ct_expect_add(et, master(master_id), t, wild, max_per_master, timeout_s,
			     NULL, now);
}

/* Takes T at NOW; the master id found, or 0 if nothing matched. */
static uint32_t take(struct ct_expect_table *et, const struct ct_tuple *t, uint64_t now)
{
	struct ct_expect_match m;

	memset(&m, 0xa5, sizeof(m));
	if (!ct_expect_take(et, t, now, &m))
		return 0;
	return m.master_id;
}

static void test_create_bad(void)
{
	errno = 0;
	CU_ASSERT_PTR_NULL(ct_expect_table_create(0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(ct_expect_table_create(CT_EXPECT_MAX_SLOTS + 1));
	CU_ASSERT_EQUAL(errno, EINVAL);
	ct_expect_table_destroy(NULL);
	ct_expect_table_destroy(table(1));
}

static void test_add_bad(void)
{
	struct ct_expect_table *et = table(8);
	struct ct_tuple t = tup(4, IPPROTO_TCP, CTT_B, 20, CTT_A, 5000), bad = t;
	struct ct_expect_match m;

	CU_ASSERT_EQUAL(ct_expect_add(NULL, master(1), &t, 0, 1, 10, NULL, CTT_T0), -EINVAL);
	CU_ASSERT_EQUAL(ct_expect_add(et, NULL, &t, 0, 1, 10, NULL, CTT_T0), -EINVAL);
	CU_ASSERT_EQUAL(ct_expect_add(et, master(1), NULL, 0, 1, 10, NULL, CTT_T0), -EINVAL);
	CU_ASSERT_EQUAL(add(et, 1, &t, 0x04, 1, 10, CTT_T0), -EINVAL);
	CU_ASSERT_EQUAL(add(et, 1, &t, 0x80, 1, 10, CTT_T0), -EINVAL);
	CU_ASSERT_EQUAL(add(et, 1, &t, 0, 0, 10, CTT_T0), -EINVAL);
	CU_ASSERT_EQUAL(add(et, 1, &t, 0, 1, 0, CTT_T0), -EINVAL);
	bad.family = 0;
	CU_ASSERT_EQUAL(add(et, 1, &bad, 0, 1, 10, CTT_T0), -EINVAL);
	bad.family = 5;
	CU_ASSERT_EQUAL(add(et, 1, &bad, 0, 1, 10, CTT_T0), -EINVAL);
	CU_ASSERT_EQUAL(stats(et).added, 0);
	CU_ASSERT_EQUAL(stats(et).count, 0);
	/* Nothing was added: nothing is taken, and bad take arguments are no. */
	CU_ASSERT_EQUAL(take(et, &t, CTT_T0), 0);
	CU_ASSERT_EQUAL(add(et, 1, &t, 0, 1, 10, CTT_T0), 0);
	CU_ASSERT_FALSE(ct_expect_take(NULL, &t, CTT_T0, &m));
	CU_ASSERT_FALSE(ct_expect_take(et, NULL, CTT_T0, &m));
	CU_ASSERT_FALSE(ct_expect_take(et, &t, CTT_T0, NULL));
	CU_ASSERT_FALSE(ct_expect_take(et, &bad, CTT_T0, &m));
	CU_ASSERT_EQUAL(take(et, &t, CTT_T0), 1);
	ct_expect_table_destroy(et);
}

/* An exact expectation in each family and protocol: its tuple matches
 * once, with the master's id and tuple, and nothing else matches it. */
static void exact_case(int family, uint8_t proto)
{
	struct ct_expect_table *et = table(64);
	struct ct_tuple t = tup(family, proto, CTT_B, 20, CTT_A, 5000), o;
	struct ct_expect_match m;

	CU_ASSERT_EQUAL(add(et, 7, &t, 0, 1, 30, CTT_T0), 0);
	CU_ASSERT_EQUAL(stats(et).count, 1);
	o = t; o.dport = 5001;
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
	o = t; o.sport = 21;
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
	o = t; ctt_addr(family, CTT_C, &o.src);
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
	o = t; ctt_addr(family, CTT_C, &o.dst);
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
	o = t; o.l4proto = proto == IPPROTO_TCP ? IPPROTO_UDP : IPPROTO_TCP;
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
	o = tup(family == 4 ? 6 : 4, proto, CTT_B, 20, CTT_A, 5000);
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
	/* The misses left it in place; the reply direction is no match. */
	CU_ASSERT_TRUE(ct_tuple_invert(&o, &t));
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
	CU_ASSERT_EQUAL(stats(et).count, 1);

	CU_ASSERT_TRUE_FATAL(ct_expect_take(et, &t, CTT_AT(29.9), &m));
	CU_ASSERT_EQUAL(m.master_id, 7);
	CU_ASSERT_TRUE(ct_tuple_equal(&m.master_tuple, &master(7)->tuple[CT_DIR_ORIGINAL]));
	CU_ASSERT_TRUE(ct_tuple_equal(&m.tuple, &t));
	CU_ASSERT_EQUAL(m.wild, 0);
	CU_ASSERT_FALSE(m.has_nat);
	/* Used up. */
	CU_ASSERT_EQUAL(take(et, &t, CTT_T0), 0);
	CU_ASSERT_EQUAL(stats(et).taken, 1);
	CU_ASSERT_EQUAL(stats(et).count, 0);
	ct_expect_table_destroy(et);
}

static void test_exact_v4_tcp(void) { exact_case(4, IPPROTO_TCP); }
static void test_exact_v4_udp(void) { exact_case(4, IPPROTO_UDP); }
static void test_exact_v6_tcp(void) { exact_case(6, IPPROTO_TCP); }
static void test_exact_v6_udp(void) { exact_case(6, IPPROTO_UDP); }

/* FTP passive mode: the client connects from any port. */
static void wild_sport_case(int family, uint8_t proto)
{
	struct ct_expect_table *et = table(64);
	struct ct_tuple t = tup(family, proto, CTT_A, 0, CTT_B, 50000), o = t;

	o.sport = 33333;
	CU_ASSERT_EQUAL(add(et, 3, &o, CT_EXPECT_ANY_SPORT, 1, 30, CTT_T0), 0);
	o = t; ctt_addr(family, CTT_C, &o.src); o.sport = 40000;
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);          /* source address counts */
	o = t; o.sport = 40000; o.dport = 50001;
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
	o = t; o.sport = 40000;
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 3);
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
	ct_expect_table_destroy(et);
}

static void test_wild_sport_v4_tcp(void) { wild_sport_case(4, IPPROTO_TCP); }
static void test_wild_sport_v6_udp(void) { wild_sport_case(6, IPPROTO_UDP); }

/* TFTP-like: anyone, from any port, to the announced endpoint. */
static void wild_saddr_case(int family, uint8_t proto)
{
	struct ct_expect_table *et = table(64);
	struct ct_tuple t = tup(family, proto, CTT_C, 69, CTT_A, 6000), o;

	CU_ASSERT_EQUAL(add(et, 4, &t, CT_EXPECT_ANY_SADDR | CT_EXPECT_ANY_SPORT,
			    1, 30, CTT_T0), 0);
	o = tup(family, proto, CTT_B, 1234, CTT_C, 6000);    /* other destination */
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
	o = tup(family, proto, CTT_B, 1234, CTT_A, 6000);
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 4);
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);

	/* Any address but a fixed port: the port still counts. */
	CU_ASSERT_EQUAL(add(et, 5, &t, CT_EXPECT_ANY_SADDR, 1, 30, CTT_T0), 0);
	o = tup(family, proto, CTT_B, 1234, CTT_A, 6000);
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
	o.sport = 69;
	CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 5);
	ct_expect_table_destroy(et);
}

static void test_wild_saddr_v4_udp(void) { wild_saddr_case(4, IPPROTO_UDP); }
static void test_wild_saddr_v6_tcp(void) { wild_saddr_case(6, IPPROTO_TCP); }

/* Of two expectations that both match, the more specific one is used. */
static void test_most_specific(void)
{
	struct ct_expect_table *et = table(64);
	struct ct_tuple t = tup(4, IPPROTO_TCP, CTT_B, 20, CTT_A, 7000);

	CU_ASSERT_EQUAL(add(et, 1, &t, CT_EXPECT_ANY_SADDR | CT_EXPECT_ANY_SPORT, 1, 30, CTT_T0), 0);
	CU_ASSERT_EQUAL(add(et, 2, &t, 0, 1, 30, CTT_T0), 0);
	CU_ASSERT_EQUAL(add(et, 3, &t, CT_EXPECT_ANY_SPORT, 1, 30, CTT_T0), 0);
	CU_ASSERT_EQUAL(take(et, &t, CTT_T0), 2);
	CU_ASSERT_EQUAL(take(et, &t, CTT_T0), 3);
	CU_ASSERT_EQUAL(take(et, &t, CTT_T0), 1);
	CU_ASSERT_EQUAL(take(et, &t, CTT_T0), 0);
	ct_expect_table_destroy(et);
}

/* Family, protocol and destination are hashed, so a miss on them usually
 * looks in another bucket; in a table of one slot (16 buckets) 256 ports
 * make sure that some misses share the bucket and must be told apart by
 * the comparison itself (the chance that none does is 1e-7). */
static void test_same_bucket_misses(void)
{
	struct ct_expect_table *et = table(1);

	for (uint32_t p = 0; p < 256; p++) {
		struct ct_tuple t = tup(4, IPPROTO_TCP, CTT_B, 20, CTT_A, (uint16_t)(9000 + p));
		struct ct_tuple o = t;

		CU_ASSERT_EQUAL(add(et, p + 1, &t, 0, 1, 10, CTT_T0), 0);
		o.l4proto = IPPROTO_UDP;
		CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
		o = t;
		ctt_addr(4, CTT_C, &o.dst);
		CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
		o = t;
		o.family = 6;
		CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
		o.dport = (uint16_t)(9000 + (p + 1) % 256);
		o.family = 4;
		CU_ASSERT_EQUAL(take(et, &o, CTT_T0), 0);
		CU_ASSERT_EQUAL(take(et, &t, CTT_T0), p + 1);
	}
	CU_ASSERT_EQUAL(stats(et).taken, 256);
	ct_expect_table_destroy(et);
}

static void test_expiry(void)
{
	struct ct_expect_table *et = table(64);
	struct ct_tuple t = tup(4, IPPROTO_TCP, CTT_B, 20, CTT_A, 5000);

	CU_ASSERT_EQUAL(add(et, 1, &t, 0, 1, 5, CTT_T0), 0);
	CU_ASSERT_EQUAL(take(et, &t, CTT_AT(5)), 0);
	CU_ASSERT_EQUAL(stats(et).expired, 1);
	CU_ASSERT_EQUAL(stats(et).count, 0);
	CU_ASSERT_EQUAL(stats(et).taken, 0);
	/* A new one for the same tuple works, just before its end. */
	CU_ASSERT_EQUAL(add(et, 1, &t, 0, 1, 5, CTT_AT(6)), 0);
	CU_ASSERT_EQUAL(take(et, &t, CTT_AT(10.999)), 1);
	ct_expect_table_destroy(et);
}

/* A helper announcing the same again renews it: one slot, later end. */
static void test_refresh(void)
{
	struct ct_expect_table *et = table(64);
	struct ct_tuple t = tup(6, IPPROTO_TCP, CTT_B, 20, CTT_A, 5000), o = t;
	struct ct_expect_nat nat = { .dnat = true, .port = 2121 };

	o.sport = 999;   /* wild: ignored, so identical */
	CU_ASSERT_EQUAL(add(et, 1, &t, CT_EXPECT_ANY_SPORT, 1, 10, CTT_T0), 0);
	CU_ASSERT_EQUAL(ct_expect_add(et, master(1), &o, CT_EXPECT_ANY_SPORT, 1, 10, &nat,
				      CTT_AT(8)), 0);
	CU_ASSERT_EQUAL(stats(et).added, 1);
	CU_ASSERT_EQUAL(stats(et).refreshed, 1);
	CU_ASSERT_EQUAL(stats(et).replaced, 0);
	CU_ASSERT_EQUAL(stats(et).count, 1);
	{
		struct ct_expect_match m;

		CU_ASSERT_TRUE_FATAL(ct_expect_take(et, &t, CTT_AT(15), &m));
		CU_ASSERT_TRUE(m.has_nat);          /* the latest announcement's */
		CU_ASSERT_EQUAL(m.nat.port, 2121);
	}
	CU_ASSERT_EQUAL(take(et, &t, CTT_AT(15)), 0);
	/* Same tuple, other wildcards: a different expectation. */
	CU_ASSERT_EQUAL(add(et, 1, &t, 0, 2, 10, CTT_AT(20)), 0);
	CU_ASSERT_EQUAL(add(et, 1, &t, CT_EXPECT_ANY_SPORT, 2, 10, CTT_AT(20)), 0);
	CU_ASSERT_EQUAL(stats(et).added, 3);
	CU_ASSERT_EQUAL(stats(et).count, 2);
	ct_expect_table_destroy(et);
}

/* Another master may not expect the very same connection. */
static void test_busy(void)
{
	struct ct_expect_table *et = table(64);
	struct ct_tuple t = tup(4, IPPROTO_TCP, CTT_B, 20, CTT_A, 5000);

	CU_ASSERT_EQUAL(add(et, 1, &t, 0, 1, 10, CTT_T0), 0);
	CU_ASSERT_EQUAL(add(et, 2, &t, 0, 1, 10, CTT_T0), -EBUSY);
	CU_ASSERT_EQUAL(stats(et).busy, 1);
	CU_ASSERT_EQUAL(take(et, &t, CTT_T0), 1);
	/* Once the first is used up or expired, the second may. */
	CU_ASSERT_EQUAL(add(et, 2, &t, 0, 1, 10, CTT_T0), 0);
	CU_ASSERT_EQUAL(add(et, 3, &t, 0, 1, 10, CTT_AT(10)), 0);
	CU_ASSERT_EQUAL(take(et, &t, CTT_AT(10)), 3);
	ct_expect_table_destroy(et);
}

static void test_per_master_limit(void)
{
	struct ct_expect_table *et = table(64);
	struct ct_tuple t[4];

	for (int i = 0; i < 4; i++)
		t[i] = tup(4, IPPROTO_TCP, CTT_B, 20, CTT_A, (uint16_t)(5000 + i));
	CU_ASSERT_EQUAL(add(et, 1, &t[0], 0, 2, 30, CTT_AT(0)), 0);
	CU_ASSERT_EQUAL(add(et, 1, &t[1], 0, 2, 30, CTT_AT(1)), 0);
	CU_ASSERT_EQUAL(add(et, 9, &t[3], 0, 2, 30, CTT_AT(1)), 0);   /* other master */
	CU_ASSERT_EQUAL(add(et, 1, &t[2], 0, 2, 30, CTT_AT(2)), 0);
	CU_ASSERT_EQUAL(stats(et).replaced, 1);
	CU_ASSERT_EQUAL(stats(et).count, 3);
	CU_ASSERT_EQUAL(take(et, &t[0], CTT_AT(3)), 0);              /* the oldest went */
	CU_ASSERT_EQUAL(take(et, &t[1], CTT_AT(3)), 1);
	CU_ASSERT_EQUAL(take(et, &t[2], CTT_AT(3)), 1);
	CU_ASSERT_EQUAL(take(et, &t[3], CTT_AT(3)), 9);

	/* A refresh makes it the newest: the other one is replaced. */
	CU_ASSERT_EQUAL(add(et, 2, &t[0], 0, 2, 30, CTT_AT(10)), 0);
	CU_ASSERT_EQUAL(add(et, 2, &t[1], 0, 2, 30, CTT_AT(11)), 0);
	CU_ASSERT_EQUAL(add(et, 2, &t[0], 0, 2, 30, CTT_AT(12)), 0);
	CU_ASSERT_EQUAL(add(et, 2, &t[2], 0, 2, 30, CTT_AT(13)), 0);
	CU_ASSERT_EQUAL(take(et, &t[1], CTT_AT(14)), 0);
	CU_ASSERT_EQUAL(take(et, &t[0], CTT_AT(14)), 2);
	CU_ASSERT_EQUAL(take(et, &t[2], CTT_AT(14)), 2);

	/* Taken and expired ones do not count against the limit. */
	CU_ASSERT_EQUAL(add(et, 3, &t[0], 0, 1, 5, CTT_AT(20)), 0);
	CU_ASSERT_EQUAL(take(et, &t[0], CTT_AT(20)), 3);
	CU_ASSERT_EQUAL(add(et, 3, &t[1], 0, 1, 5, CTT_AT(20)), 0);
	CU_ASSERT_EQUAL(add(et, 3, &t[2], 0, 1, 5, CTT_AT(30)), 0);
	CU_ASSERT_EQUAL(stats(et).replaced, 2);
	CU_ASSERT_EQUAL(stats(et).expired, 1);
	CU_ASSERT_EQUAL(take(et, &t[2], CTT_AT(31)), 3);
	ct_expect_table_destroy(et);
}

/* Four slots: a fifth is refused until one expires or is used up, and a
 * refused add does not disturb the others. */
static void test_full(void)
{
	struct ct_expect_table *et = table(4);
	struct ct_tuple t[8];

	for (int i = 0; i < 8; i++)
		t[i] = tup(4, IPPROTO_UDP, CTT_B, 20, CTT_A, (uint16_t)(6000 + i));
	for (uint32_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(add(et, i + 1, &t[i], 0, 1, 10, CTT_AT(0)), 0);
	CU_ASSERT_EQUAL(add(et, 5, &t[4], 0, 1, 10, CTT_AT(1)), -ENOSPC);
	CU_ASSERT_EQUAL(add(et, 5, &t[4], 0, 1, 10, CTT_AT(2)), -ENOSPC);
	CU_ASSERT_EQUAL(stats(et).full, 2);
	CU_ASSERT_EQUAL(stats(et).count, 4);
	/* A used-up slot is free again at once. */
	CU_ASSERT_EQUAL(take(et, &t[0], CTT_AT(3)), 1);
	CU_ASSERT_EQUAL(add(et, 5, &t[4], 0, 1, 10, CTT_AT(3)), 0);
	CU_ASSERT_EQUAL(add(et, 6, &t[5], 0, 1, 10, CTT_AT(3)), -ENOSPC);
	/* At 10 s the first three expire: their slots are reused. */
	CU_ASSERT_EQUAL(add(et, 6, &t[5], 0, 1, 10, CTT_AT(10)), 0);
	CU_ASSERT_EQUAL(add(et, 7, &t[6], 0, 1, 10, CTT_AT(10)), 0);
	CU_ASSERT_EQUAL(add(et, 8, &t[7], 0, 1, 10, CTT_AT(10)), 0);
	CU_ASSERT_EQUAL(add(et, 9, &t[0], 0, 1, 10, CTT_AT(10)), -ENOSPC);
	CU_ASSERT_EQUAL(stats(et).expired, 3);
	CU_ASSERT_EQUAL(stats(et).count, 4);
	CU_ASSERT_EQUAL(take(et, &t[1], CTT_AT(10)), 0);
	CU_ASSERT_EQUAL(take(et, &t[4], CTT_AT(10)), 5);
	for (uint32_t i = 5; i < 8; i++)
		CU_ASSERT_EQUAL(take(et, &t[i], CTT_AT(10)), i + 1);
	CU_ASSERT_EQUAL(stats(et).count, 0);
	ct_expect_table_destroy(et);
}

/* A full table learns when its first slot will expire and does not look
 * before; one added later with a shorter timeout moves that time. */
static void test_full_short_timeout(void)
{
	struct ct_expect_table *et = table(2);
	struct ct_tuple t[4];

	for (int i = 0; i < 4; i++)
		t[i] = tup(4, IPPROTO_UDP, CTT_B, 20, CTT_A, (uint16_t)(6000 + i));
	CU_ASSERT_EQUAL(add(et, 1, &t[0], 0, 1, 300, CTT_AT(0)), 0);
	CU_ASSERT_EQUAL(add(et, 2, &t[1], 0, 1, 300, CTT_AT(0)), 0);
	CU_ASSERT_EQUAL(add(et, 3, &t[2], 0, 1, 5, CTT_AT(1)), -ENOSPC);
	CU_ASSERT_EQUAL(ct_expect_forget_master(et, 2), 1);
	CU_ASSERT_EQUAL(add(et, 3, &t[2], 0, 1, 5, CTT_AT(2)), 0);
	CU_ASSERT_EQUAL(add(et, 4, &t[3], 0, 1, 5, CTT_AT(6.5)), -ENOSPC);
	CU_ASSERT_EQUAL(add(et, 4, &t[3], 0, 1, 5, CTT_AT(7)), 0);
	CU_ASSERT_EQUAL(take(et, &t[3], CTT_AT(7)), 4);
	CU_ASSERT_EQUAL(take(et, &t[0], CTT_AT(7)), 1);
	ct_expect_table_destroy(et);
}

/* Every slot used, all taken, every slot used again: chains and the free
 * list hold up under a table full of distinct tuples. */
static void test_fill_drain(void)
{
	enum { N = 1024 };
	struct ct_expect_table *et = table(N);

	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < N; i++) {
			struct ct_tuple t = tup(6, IPPROTO_TCP, CTT_B, 20, CTT_A,
						(uint16_t)(10000 + i));

			CU_ASSERT_EQUAL(add(et, i + 1, &t, 0, 1, 10, CTT_AT(round)), 0);
		}
		CU_ASSERT_EQUAL(stats(et).count, N);
		for (uint32_t i = 0; i < N; i++) {
			struct ct_tuple t = tup(6, IPPROTO_TCP, CTT_B, 20, CTT_A,
						(uint16_t)(10000 + i));

			CU_ASSERT_EQUAL(take(et, &t, CTT_AT(round)), i + 1);
		}
		CU_ASSERT_EQUAL(stats(et).count, 0);
	}
	CU_ASSERT_EQUAL(stats(et).full, 0);
	CU_ASSERT_EQUAL(stats(et).taken, 2 * N);
	ct_expect_table_destroy(et);
}

/* Forgetting a master drops its own expectations only, also those of
 * masters whose ids share its place in the master index (a small table
 * has 16 places: 40 masters must share). */
static void test_forget_master(void)
{
	struct ct_expect_table *et = table(16);
	struct ct_tuple t[40];

	for (uint32_t i = 0; i < 40; i++)
		t[i] = tup(4, IPPROTO_TCP, CTT_B, 20, CTT_A, (uint16_t)(5000 + i));
	CU_ASSERT_EQUAL(add(et, 7, &t[0], 0, 4, 10, CTT_T0), 0);
	CU_ASSERT_EQUAL(add(et, 7, &t[1], 0, 4, 10, CTT_T0), 0);
	CU_ASSERT_EQUAL(add(et, 7, &t[2], CT_EXPECT_ANY_SADDR, 4, 10, CTT_T0), 0);
	for (uint32_t i = 3; i < 16; i++)
		CU_ASSERT_EQUAL(add(et, 100 + i, &t[i], 0, 4, 10, CTT_T0), 0);
	CU_ASSERT_EQUAL(take(et, &t[1], CTT_T0), 7);      /* one used up already */
	CU_ASSERT_EQUAL(ct_expect_forget_master(et, 7), 2);
	CU_ASSERT_EQUAL(stats(et).forgotten, 2);
	CU_ASSERT_EQUAL(take(et, &t[0], CTT_T0), 0);
	CU_ASSERT_EQUAL(take(et, &t[2], CTT_T0), 0);
	CU_ASSERT_EQUAL(ct_expect_forget_master(et, 7), 0);
	CU_ASSERT_EQUAL(ct_expect_forget_master(et, 12345), 0);
	CU_ASSERT_EQUAL(ct_expect_forget_master(NULL, 7), 0);
	CU_ASSERT_EQUAL(stats(et).count, 13);
	/* The slots are free: three more fit, then the table is full. */
	for (uint32_t i = 16; i < 19; i++)
		CU_ASSERT_EQUAL(add(et, 100 + i, &t[i], 0, 4, 10, CTT_T0), 0);
	CU_ASSERT_EQUAL(add(et, 200, &t[19], 0, 4, 10, CTT_T0), -ENOSPC);
	for (uint32_t i = 3; i < 19; i++) {
		CU_ASSERT_EQUAL(ct_expect_forget_master(et, 100 + i), 1);
		CU_ASSERT_EQUAL(take(et, &t[i], CTT_T0), 0);
		CU_ASSERT_EQUAL(stats(et).count, 18 - i);
	}
	CU_ASSERT_EQUAL(stats(et).forgotten, 18);
	ct_expect_table_destroy(et);
}

static void test_nat_returned(void)
{
	struct ct_expect_table *et = table(8);
	struct ct_tuple t = tup(4, IPPROTO_TCP, CTT_C, 0, CTT_B, 61000);
	struct ct_expect_nat nat = { .dnat = true, .port = 50000 };
	struct ct_expect_match m;

	ctt_addr(4, CTT_A, &nat.addr);
	CU_ASSERT_EQUAL(ct_expect_add(et, master(3), &t, CT_EXPECT_ANY_SPORT, 1, 10, &nat,
				      CTT_T0), 0);
	t.sport = 41000;
	CU_ASSERT_TRUE_FATAL(ct_expect_take(et, &t, CTT_T0, &m));
	CU_ASSERT_EQUAL(m.master_id, 3);
	CU_ASSERT_TRUE(m.has_nat);
	CU_ASSERT_TRUE(m.nat.dnat);
	CU_ASSERT_EQUAL(m.nat.port, 50000);
	CU_ASSERT_EQUAL(memcmp(&m.nat.addr, &nat.addr, sizeof(nat.addr)), 0);
	CU_ASSERT_EQUAL(m.wild, CT_EXPECT_ANY_SPORT);
	CU_ASSERT_EQUAL(m.tuple.sport, 0);                /* wild fields stored as 0 */

	nat.dnat = false;
	nat.port = 0;
	t.sport = 0;
	CU_ASSERT_EQUAL(ct_expect_add(et, master(4), &t, CT_EXPECT_ANY_SPORT, 1, 10, &nat,
				      CTT_T0), 0);
	t.sport = 41001;
	CU_ASSERT_TRUE_FATAL(ct_expect_take(et, &t, CTT_T0, &m));
	CU_ASSERT_TRUE(m.has_nat);
	CU_ASSERT_FALSE(m.nat.dnat);
	ct_expect_table_destroy(et);
}

/* The master comes from a real conntrack table, the expected connection's
 * tuple from a real packet (FTP passive mode, IPv6). */
static void test_real_master(void)
{
	struct ct_table *ct = ctt_table(0);
	struct ct_expect_table *et = table(64);
	struct ctt_pkt ctl, data;
	struct ct_expect_match m;
	struct ct_tuple exp, orig;
	struct ct_result r;

	ctt_tcp(&ctl, 6, CTT_A, CTT_B, 40000, 21, CTT_SYN);
	CU_ASSERT_EQUAL_FATAL(ctt_run(ct, &ctl, CTT_T0, &r), CT_INFO_NEW);
	exp = tup(6, IPPROTO_TCP, CTT_A, 0, CTT_B, 50000);
	CU_ASSERT_EQUAL(ct_expect_add(et, r.ct, &exp, CT_EXPECT_ANY_SPORT, 1, 300, NULL,
				      CTT_T0), 0);
	ctt_tcp(&data, 6, CTT_A, CTT_B, 40001, 50000, CTT_SYN);
	CU_ASSERT_TRUE_FATAL(ct_tuple_from_pkt(&data.p, &ct_l4proto_tcp, &orig));
	CU_ASSERT_TRUE_FATAL(ct_expect_take(et, &orig, CTT_AT(1), &m));
	CU_ASSERT_EQUAL(m.master_id, r.ct->id);
	CU_ASSERT_TRUE(ct_tuple_equal(&m.master_tuple, &r.ct->tuple[CT_DIR_ORIGINAL]));
	ct_expect_table_destroy(et);
	ct_table_destroy(ct);
}

/* Four threads add their share of items and take items at random, all
 * of them at the same time; then the main thread takes what is left.
 * Every item was added once and must have been taken exactly once. The
 * table is smaller than the items, so adds meet a full table too. */
#define THR_N 4
#define THR_ITEMS (THR_N * 3000)

struct thr_shared {
	struct ct_expect_table *et;
	_Atomic unsigned int taken[THR_ITEMS];
	_Atomic unsigned int bad;
	pthread_barrier_t start;
};

struct thr_arg {
	struct thr_shared *sh;
	unsigned int id;
};

static struct ct_tuple thr_tuple(uint32_t i, bool for_take)
{
	struct ct_tuple t = tup(4, IPPROTO_UDP, CTT_A, 20, CTT_C, (uint16_t)(1000 + i));

	if (for_take && i % 2)
		t.sport = (uint16_t)(30000 + i);     /* odd items: any source port */
	return t;
}

static void thr_take(struct thr_shared *sh, uint32_t i)
{
	struct ct_tuple t = thr_tuple(i, true);
	struct ct_expect_match m;

	if (!ct_expect_take(sh->et, &t, CTT_T0, &m))
		return;
	if (m.master_id != i + 1 || m.wild != (i % 2 ? CT_EXPECT_ANY_SPORT : 0))
		atomic_fetch_add(&sh->bad, 1);
	atomic_fetch_add(&sh->taken[i], 1);
}

static void *thr_main(void *p)
{
	struct thr_arg *a = p;
	struct thr_shared *sh = a->sh;
	uint32_t rnd = 0x9e3779b9u * (a->id + 1);

	pthread_barrier_wait(&sh->start);
	for (uint32_t i = a->id; i < THR_ITEMS; i += THR_N) {
		struct ct_tuple t = thr_tuple(i, false);
		struct ct_entry m;
		int err;

		memset(&m, 0, sizeof(m));
		m.id = i + 1;
		while ((err = ct_expect_add(sh->et, &m, &t, i % 2 ? CT_EXPECT_ANY_SPORT : 0,
					    1, 60, NULL, CTT_T0)) == -ENOSPC) {
			rnd = rnd * 1103515245u + 12345u;
			thr_take(sh, (rnd >> 8) % THR_ITEMS);
		}
		if (err)
			atomic_fetch_add(&sh->bad, 1);
		rnd = rnd * 1103515245u + 12345u;
		thr_take(sh, (rnd >> 8) % THR_ITEMS);
	}
	return NULL;
}

static void test_threads(void)
{
	struct thr_shared *sh = calloc(1, sizeof(*sh));
	struct thr_arg args[THR_N];
	pthread_t th[THR_N];
	struct ct_expect_stats s;
	unsigned int once = 0;

	CU_ASSERT_FATAL(sh != NULL);
	sh->et = table(512);
	pthread_barrier_init(&sh->start, NULL, THR_N);
	for (unsigned int k = 0; k < THR_N; k++) {
		args[k] = (struct thr_arg){ .sh = sh, .id = k };
		CU_ASSERT_FATAL(pthread_create(&th[k], NULL, thr_main, &args[k]) == 0);
	}
	for (unsigned int k = 0; k < THR_N; k++)
		pthread_join(th[k], NULL);
	for (uint32_t i = 0; i < THR_ITEMS; i++)
		thr_take(sh, i);
	for (uint32_t i = 0; i < THR_ITEMS; i++)
		once += atomic_load(&sh->taken[i]) == 1;
	CU_ASSERT_EQUAL(once, THR_ITEMS);
	CU_ASSERT_EQUAL(atomic_load(&sh->bad), 0);
	s = stats(sh->et);
	CU_ASSERT_EQUAL(s.added, THR_ITEMS);
	CU_ASSERT_EQUAL(s.taken, THR_ITEMS);
	CU_ASSERT_EQUAL(s.count, 0);
	CU_ASSERT_EQUAL(s.replaced + s.expired + s.busy + s.refreshed, 0);
	CU_ASSERT(s.full > 0);          /* the full table was met and got over */
	pthread_barrier_destroy(&sh->start);
	ct_expect_table_destroy(sh->et);
	free(sh);
}

static const struct unit_test match_tests[] = {
	{ "exact IPv4 TCP", test_exact_v4_tcp },
	{ "exact IPv4 UDP", test_exact_v4_udp },
	{ "exact IPv6 TCP", test_exact_v6_tcp },
	{ "exact IPv6 UDP", test_exact_v6_udp },
	{ "any source port IPv4 TCP", test_wild_sport_v4_tcp },
	{ "any source port IPv6 UDP", test_wild_sport_v6_udp },
	{ "any source address IPv4 UDP", test_wild_saddr_v4_udp },
	{ "any source address IPv6 TCP", test_wild_saddr_v6_tcp },
	{ "most specific wins", test_most_specific },
	{ "misses in the same bucket", test_same_bucket_misses },
	{ "NAT data returned", test_nat_returned },
	{ "master from a conntrack table", test_real_master },
	{ NULL, NULL }
};

static const struct unit_test life_tests[] = {
	{ "bad create", test_create_bad },
	{ "bad add and take arguments", test_add_bad },
	{ "expiry", test_expiry },
	{ "refresh of an identical one", test_refresh },
	{ "another master's same tuple: busy", test_busy },
	{ "per-master limit replaces the oldest", test_per_master_limit },
	{ "full table, slots reused", test_full },
	{ "full table, shorter timeout added later", test_full_short_timeout },
	{ "fill and drain twice", test_fill_drain },
	{ "forget a master", test_forget_master },
	{ NULL, NULL }
};

static const struct unit_test thread_tests[] = {
	{ "four threads add and take", test_threads },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "expect match", match_tests },
	{ "expect life", life_tests },
	{ "expect threads", thread_tests },
	{ NULL, NULL }
};

UNIT_MAIN_WITH(suites, ct_thread_register, ct_thread_unregister)
