/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the UDP, ICMP, ICMPv6 and generic trackers through
 * ct_process(), with synthetic times: UDP's unreplied and stream timeouts
 * and when it becomes ASSURED (the kernel 6.x rule: a reply seen, and
 * still active two seconds after the first packet); ICMP queries and
 * their replies, replies without a request, unknown types, neighbour
 * discovery; other protocols; fragments. */
#include <string.h>

#include "ct-test.h"
#include "unit.h"

static bool assured(const struct ct_entry *ct)
{
	return atomic_load(&((struct ct_entry *)ct)->status) & CT_S_ASSURED;
}

static void check_udp_stream(int family)
{
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt o, rep;
	struct ct_result r;
	struct ct_entry *ct;

	ctt_udp(&o, family, CTT_A, CTT_B, 33000, 53);
	ctt_udp(&rep, family, CTT_B, CTT_A, 53, 33000);
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(0), &r), CT_INFO_NEW);
	ct = r.ct;
	CU_ASSERT_EQUAL(ct_entry_timeout_left(ct, CTT_AT(0)), 30);
	/* Unreplied: each packet renews 30 s. */
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(10), &r), CT_INFO_NEW);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(ct, CTT_AT(10)), 30);
	/* The first reply is still "unreplied" to the tracker: it had seen no
	 * reply before it. */
	CU_ASSERT_EQUAL(ctt_run(t, &rep, CTT_AT(11), &r), CT_INFO_ESTABLISHED);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(ct, CTT_AT(11)), 30);
	CU_ASSERT_FALSE(assured(ct));
	CU_ASSERT_FALSE(ct->proto.udp.replied_both);
	/* Replied, and two seconds have passed since the first packet: a
	 * stream, 120 s, ASSURED. */
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(12), &r), CT_INFO_ESTABLISHED);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(ct, CTT_AT(12)), 120);
	CU_ASSERT_TRUE(assured(ct));
	CU_ASSERT_TRUE(ct->proto.udp.replied_both);
	CU_ASSERT_EQUAL(ctt_run(t, &rep, CTT_AT(100), &r), CT_INFO_ESTABLISHED);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(ct, CTT_AT(100)), 120);
	/* Quiet for 120 s: gone. */
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(220), &r), CT_INFO_NEW);
	CU_ASSERT_TRUE(r.created);
	ct_table_destroy(t);
}

static void test_udp_stream(void)
{
	check_udp_stream(4);
	check_udp_stream(6);
}

/* A quick query and answer (DNS) stays at 30 s and unassured: the stream
 * clock needs more than two seconds since the first packet. */
static void test_udp_quick_exchange(void)
{
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt o, rep;
	struct ct_result r;
	struct ct_entry *ct;

	ctt_udp(&o, 4, CTT_A, CTT_B, 33001, 53);
	ctt_udp(&rep, 4, CTT_B, CTT_A, 53, 33001);
	ctt_run(t, &o, CTT_AT(0), &r);
	ct = r.ct;
	ctt_run(t, &rep, CTT_AT(0.05), &r);
	ctt_run(t, &o, CTT_AT(1), &r);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(ct, CTT_AT(1)), 30);
	CU_ASSERT_FALSE(assured(ct));
	/* Exactly two seconds is not after two seconds. */
	ctt_run(t, &rep, CTT_AT(2), &r);
	CU_ASSERT_FALSE(assured(ct));
	ctt_run(t, &rep, CTT_AT(2.001), &r);
	CU_ASSERT_TRUE(assured(ct));
	CU_ASSERT_EQUAL(ct_entry_timeout_left(ct, CTT_AT(2.001)), 120);
	ct_table_destroy(t);
}

/* The stream clock starts at the first packet's verdict: packets that
 * arrive while the entry is unconfirmed restart it, as in the kernel. */
static void test_udp_stream_clock_unconfirmed(void)
{
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt o, rep;
	struct ct_result r1, r;

	ctt_udp(&o, 4, CTT_A, CTT_B, 33002, 53);
	ctt_udp(&rep, 4, CTT_B, CTT_A, 53, 33002);
	ctt_run_unconfirmed(t, &o, CTT_AT(0), &r1);
	ctt_run(t, &o, CTT_AT(5), &r);          /* on the unconfirmed entry */
	ct_read_lock();
	CU_ASSERT_EQUAL(ct_confirm(t, r1.ct, CTT_AT(5)), 0);
	ct_read_unlock();
	ctt_run(t, &rep, CTT_AT(6), &r);
	ctt_run(t, &o, CTT_AT(6.5), &r);
	CU_ASSERT_FALSE(assured(r1.ct));        /* 1.5 s after the restart */
	ctt_run(t, &o, CTT_AT(7.5), &r);
	CU_ASSERT_TRUE(assured(r1.ct));
	ct_table_destroy(t);
}

static void test_udp_timeouts_configured(void)
{
	struct ct_settings s;
	struct ct_table *t;
	struct ctt_pkt o, rep;
	struct ct_result r;

	ct_settings_defaults(&s);
	s.udp_timeout = 5;
	s.udp_timeout_stream = 500;
	t = ct_table_create(&s);
	CU_ASSERT_FATAL(t != NULL);
	ctt_udp(&o, 6, CTT_A, CTT_B, 1, 2);
	ctt_udp(&rep, 6, CTT_B, CTT_A, 2, 1);
	ctt_run(t, &o, CTT_AT(0), &r);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(r.ct, CTT_AT(0)), 5);
	ctt_run(t, &rep, CTT_AT(1), &r);
	ctt_run(t, &rep, CTT_AT(3), &r);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(r.ct, CTT_AT(3)), 500);
	ct_table_destroy(t);
}

static void check_icmp_query(int family, uint8_t req, uint8_t rep_type)
{
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt q, a, other_id;
	struct ct_result r1, r;

	ctt_icmp(&q, family, CTT_A, CTT_B, req, 0, 0x4242);
	ctt_icmp(&a, family, CTT_B, CTT_A, rep_type, 0, 0x4242);
	ctt_icmp(&other_id, family, CTT_B, CTT_A, rep_type, 0, 0x4243);
	CU_ASSERT_EQUAL(ctt_run(t, &q, CTT_AT(0), &r1), CT_INFO_NEW);
	CU_ASSERT_FATAL(r1.created);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(r1.ct, CTT_AT(0)), 30);
	CU_ASSERT_FALSE(assured(r1.ct));
	CU_ASSERT_EQUAL(ctt_run(t, &a, CTT_AT(1), &r), CT_INFO_ESTABLISHED);
	CU_ASSERT_PTR_EQUAL(r.ct, r1.ct);
	CU_ASSERT_EQUAL(r.dir, CT_DIR_REPLY);
	CU_ASSERT_EQUAL(ct_entry_timeout_left(r1.ct, CTT_AT(1)), 30);
	/* The next request of the same id: the same connection. */
	CU_ASSERT_EQUAL(ctt_run(t, &q, CTT_AT(2), &r), CT_INFO_ESTABLISHED);
	CU_ASSERT_PTR_EQUAL(r.ct, r1.ct);
	/* A reply with another id answers nothing. */
	CU_ASSERT_EQUAL(ctt_run(t, &other_id, CTT_AT(2), &r), CT_INFO_INVALID);
	CU_ASSERT_PTR_NULL(r.ct);
	CU_ASSERT_EQUAL(ctt_count(t), 1);
	/* 30 s after the last packet, gone. */
	CU_ASSERT_EQUAL(ctt_run(t, &a, CTT_AT(32), &r), CT_INFO_INVALID);
	ct_table_destroy(t);
}

static void test_icmp_queries(void)
{
	check_icmp_query(4, 8, 0);
	check_icmp_query(4, 13, 14);
	check_icmp_query(4, 15, 16);
	check_icmp_query(4, 17, 18);
	check_icmp_query(6, 128, 129);
	check_icmp_query(6, 139, 140);
}

/* A reply that finds no request is INVALID (the kernel creates no entry
 * for it), and leaves nothing. */
static void test_icmp_reply_without_request(void)
{
	static const struct { int family; uint8_t type; } replies[] = {
		{ 4, 0 }, { 4, 14 }, { 4, 16 }, { 4, 18 }, { 6, 129 }, { 6, 140 },
	};
	struct ct_table *t = ctt_table(0);
	struct ct_result r;
	struct ctt_pkt k;

	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		ctt_icmp(&k, replies[i].family, CTT_B, CTT_A, replies[i].type, 0, 9);
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), &r), CT_INFO_INVALID);
		CU_ASSERT_PTR_NULL(r.ct);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.reason.text, "with no request"));
	}
	CU_ASSERT_EQUAL(ctt_count(t), 0);
	{
		struct ct_stats s;

		ct_table_stats(t, &s);
		CU_ASSERT_EQUAL(s.invalid, sizeof(replies) / sizeof(replies[0]));
		CU_ASSERT_EQUAL(s.count, 0);
	}
	ct_table_destroy(t);
}

/* Messages that are neither errors nor queries nor replies: ICMPv4 types
 * above 18 are unknown, the others have no reply; both INVALID. Neighbour
 * discovery and MLD are not tracked at all. */
static void test_icmp_other_types(void)
{
	static const uint8_t invalid4[] = { 9, 10, 1, 2, 6, 7, 19, 30, 42, 255 };
	static const uint8_t invalid6[] = { 137, 138, 141, 142, 144, 200, 255 };
	static const uint8_t untracked6[] = { 130, 131, 132, 133, 134, 135, 136, 143 };
	struct ct_table *t = ctt_table(0);
	struct ct_result r;
	struct ctt_pkt k;

	for (size_t i = 0; i < sizeof(invalid4); i++) {
		ctt_icmp(&k, 4, CTT_A, CTT_B, invalid4[i], 0, 1);
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), &r), CT_INFO_INVALID);
		CU_ASSERT(strlen(r.reason.text) > 0);
	}
	ctt_icmp(&k, 4, CTT_A, CTT_B, 42, 0, 1);
	ctt_run(t, &k, CTT_AT(0), &r);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.reason.text, "unknown"));
	for (size_t i = 0; i < sizeof(invalid6); i++) {
		ctt_icmp(&k, 6, CTT_A, CTT_B, invalid6[i], 0, 1);
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), &r), CT_INFO_INVALID);
	}
	for (size_t i = 0; i < sizeof(untracked6); i++) {
		ctt_icmp(&k, 6, CTT_A, CTT_B, untracked6[i], 0, 1);
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), &r), CT_INFO_UNTRACKED);
		CU_ASSERT_PTR_NULL(r.ct);
	}
	CU_ASSERT_EQUAL(ctt_count(t), 0);
	ct_table_destroy(t);
}

static void test_generic(void)
{
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt o, rep;
	struct ct_result r1, r;

	for (int f = 4; f <= 6; f += 2) {
		ctt_proto(&o, f, CTT_A, CTT_C, 50);     /* ESP */
		ctt_proto(&rep, f, CTT_C, CTT_A, 50);
		CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(0), &r1), CT_INFO_NEW);
		CU_ASSERT_PTR_EQUAL(r1.ct->l4, &ct_l4proto_generic);
		CU_ASSERT_EQUAL(ct_entry_timeout_left(r1.ct, CTT_AT(0)), 600);
		CU_ASSERT_EQUAL(ctt_run(t, &rep, CTT_AT(1), &r), CT_INFO_ESTABLISHED);
		CU_ASSERT_PTR_EQUAL(r.ct, r1.ct);
		CU_ASSERT_EQUAL(r.dir, CT_DIR_REPLY);
		CU_ASSERT_FALSE(assured(r1.ct));        /* never, as in the kernel */
	}
	/* ICMP inside IPv6 is nobody's protocol: generic. */
	ctt_proto(&o, 6, CTT_A, CTT_B, 1);
	CU_ASSERT_EQUAL(ctt_run(t, &o, CTT_AT(0), &r), CT_INFO_NEW);
	CU_ASSERT_PTR_EQUAL(r.ct->l4, &ct_l4proto_generic);
	CU_ASSERT_EQUAL(ctt_count(t), 3);
	ct_table_destroy(t);
}

/* Later fragments cannot be tracked: UNTRACKED with the reason; first
 * fragments carry the header and are tracked. */
static void test_fragments(void)
{
	struct ct_table *t = ctt_table(0);
	struct ct_result r;
	struct ctt_pkt k;

	for (int f = 4; f <= 6; f += 2) {
		ctt_udp(&k, f, CTT_A, CTT_B, 7000, 7001);
		ctt_fragment(&k, 1480, false);
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), &r), CT_INFO_UNTRACKED);
		CU_ASSERT_PTR_NULL(r.ct);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.reason.text, "offset 1480"));
		ctt_icmp(&k, f, CTT_A, CTT_B, f == 4 ? 8 : 128, 0, 5);
		ctt_fragment(&k, 8, false);
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), &r), CT_INFO_UNTRACKED);
		ctt_tcp(&k, f, CTT_A, CTT_B, 7000, 7001, CTT_ACK);
		ctt_fragment(&k, 8, false);
		CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), &r), CT_INFO_UNTRACKED);
	}
	CU_ASSERT_EQUAL(ctt_count(t), 0);
	/* A first fragment (16 bytes of UDP: a multiple of 8) is tracked. */
	ctt_udp(&k, 4, CTT_A, CTT_B, 7000, 7001);
	ctt_fragment(&k, 0, true);
	CU_ASSERT_TRUE(k.p.has_l4);
	CU_ASSERT_EQUAL(ctt_run(t, &k, CTT_AT(0), &r), CT_INFO_NEW);
	ct_table_destroy(t);
}

static const struct unit_test udp_tests[] = {
	{ "unreplied, replied, stream", test_udp_stream },
	{ "a quick exchange is no stream", test_udp_quick_exchange },
	{ "stream clock while unconfirmed", test_udp_stream_clock_unconfirmed },
	{ "configured timeouts", test_udp_timeouts_configured },
	{ NULL, NULL }
};

static const struct unit_test icmp_tests[] = {
	{ "queries and replies", test_icmp_queries },
	{ "reply without request", test_icmp_reply_without_request },
	{ "unknown types, neighbour discovery", test_icmp_other_types },
	{ NULL, NULL }
};

static const struct unit_test other_tests[] = {
	{ "generic protocols", test_generic },
	{ "fragments", test_fragments },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "ct udp", udp_tests },
	{ "ct icmp queries", icmp_tests },
	{ "ct other protocols", other_tests },
	{ NULL, NULL }
};

UNIT_MAIN_WITH(suites, ct_thread_register, ct_thread_unregister)
