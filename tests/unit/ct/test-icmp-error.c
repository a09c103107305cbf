/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of ICMP and ICMPv6 errors: an error quoting a packet of a
 * tracked connection (TCP, UDP, ICMP echo; IPv4 and IPv6; sent either way)
 * is RELATED to it in the right direction; one quoting nothing we track,
 * an error, a packet of the other family, too little of a packet, or sent
 * to a host the quoted packet did not come from, is INVALID. */
#include <string.h>

#include "ct-test.h"
#include "unit.h"

/* Error types per family: destination unreachable, time exceeded,
 * parameter problem, and the ones only one family has. */
struct err_type {
	uint8_t type, code;
};

static const struct err_type errors4[] = {
	{ 3, 1 }, { 3, 4 }, { 11, 0 }, { 12, 0 }, { 4, 0 }, { 5, 1 },
};
static const struct err_type errors6[] = {
	{ 1, 4 }, { 2, 0 }, { 3, 0 }, { 4, 1 },
};

static const struct err_type *errors_of(int family, size_t *n)
{
	*n = family == 4 ? sizeof(errors4) / sizeof(errors4[0])
			 : sizeof(errors6) / sizeof(errors6[0]);
	return family == 4 ? errors4 : errors6;
}

static struct ct_stats stats_of(struct ct_table *t)
{
	struct ct_stats s;

	ct_table_stats(t, &s);
	return s;
}

/* The flow FIRST opens (A to B) is RELATED to an error from C that quotes
 * FIRST (going back to A: reply direction) or quotes ANSWER (going back to
 * B: original direction). */
static void check_related(struct ctt_pkt *first, struct ctt_pkt *answer)
{
	int f = first->p.family;
	struct ct_table *t = ctt_table(0);
	struct ct_result r1, r;
	const struct err_type *e;
	struct ctt_pkt err;
	uint64_t packets, expires;
	size_t n;

	CU_ASSERT_EQUAL_FATAL(ctt_run(t, first, CTT_AT(0), &r1), CT_INFO_NEW);
	packets = atomic_load(&r1.ct->packets[0]) + atomic_load(&r1.ct->packets[1]);
	expires = atomic_load(&r1.ct->expires_ns);
	e = errors_of(f, &n);
	for (size_t i = 0; i < n; i++) {
		ctt_icmp_error(&err, f, CTT_C, CTT_A, e[i].type, e[i].code, first, 0);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(1), &r), CT_INFO_RELATED);
		CU_ASSERT_PTR_EQUAL(r.ct, r1.ct);
		CU_ASSERT_EQUAL(r.dir, CT_DIR_REPLY);
		CU_ASSERT_FALSE(r.created);

		ctt_icmp_error(&err, f, CTT_C, CTT_B, e[i].type, e[i].code, answer, 0);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(1), &r), CT_INFO_RELATED);
		CU_ASSERT_PTR_EQUAL(r.ct, r1.ct);
		CU_ASSERT_EQUAL(r.dir, CT_DIR_ORIGINAL);
	}
	/* Errors neither count as packets of the connection nor renew it. */
	CU_ASSERT_EQUAL(atomic_load(&r1.ct->packets[0]) + atomic_load(&r1.ct->packets[1]),
			packets);
	CU_ASSERT_EQUAL(atomic_load(&r1.ct->expires_ns), expires);
	CU_ASSERT_EQUAL(ctt_count(t), 1);
	CU_ASSERT_EQUAL(stats_of(t).invalid, 0);

	/* Sent to a third host: not where the quoted packet came from. */
	ctt_icmp_error(&err, f, CTT_B, CTT_C, e[0].type, e[0].code, first, 0);
	CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(1), &r), CT_INFO_INVALID);
	CU_ASSERT_PTR_NULL(r.ct);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.reason.text, "outer daddr"));
	CU_ASSERT_EQUAL(stats_of(t).invalid, 1);

	/* Once the connection has expired, errors about it are INVALID. */
	ctt_icmp_error(&err, f, CTT_C, CTT_A, e[0].type, e[0].code, first, 0);
	CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(1e6), &r), CT_INFO_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.reason.text, "no tracked connection"));
	ct_table_destroy(t);
}

static void test_related(void)
{
	for (int f = 4; f <= 6; f += 2) {
		struct ctt_pkt first, answer;

		ctt_tcp(&first, f, CTT_A, CTT_B, 40000, 80, CTT_SYN);
		ctt_tcp(&answer, f, CTT_B, CTT_A, 80, 40000, CTT_SYN | CTT_ACK);
		check_related(&first, &answer);
		ctt_udp(&first, f, CTT_A, CTT_B, 40000, 53);
		ctt_udp(&answer, f, CTT_B, CTT_A, 53, 40000);
		check_related(&first, &answer);
		ctt_icmp(&first, f, CTT_A, CTT_B, f == 4 ? 8 : 128, 0, 0x77);
		ctt_icmp(&answer, f, CTT_B, CTT_A, f == 4 ? 0 : 129, 0, 0x77);
		check_related(&first, &answer);
		ctt_proto(&first, f, CTT_A, CTT_B, 47);
		ctt_proto(&answer, f, CTT_B, CTT_A, 47);
		check_related(&first, &answer);
	}
}

/* Errors quoting flows nobody opened. */
static void test_unknown_flow(void)
{
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt q, err, live;
	struct ct_result r;
	unsigned int expect_invalid = 0;

	for (int f = 4; f <= 6; f += 2) {
		uint8_t type = f == 4 ? 3 : 1;

		ctt_udp(&live, f, CTT_A, CTT_B, 1111, 53);
		ctt_run(t, &live, CTT_AT(0), NULL);
		ctt_udp(&q, f, CTT_A, CTT_B, 1111, 54);         /* other port */
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &q, 0);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(1), &r), CT_INFO_INVALID);
		CU_ASSERT_PTR_NULL(r.ct);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.reason.text, "quotes no tracked connection"));
		ctt_tcp(&q, f, CTT_A, CTT_B, 1111, 53, CTT_SYN);  /* other protocol */
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &q, 0);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(1), &r), CT_INFO_INVALID);
		ctt_icmp(&q, f, CTT_A, CTT_B, f == 4 ? 8 : 128, 0, 1);
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &q, 0);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(1), &r), CT_INFO_INVALID);
		expect_invalid += 3;
	}
	CU_ASSERT_EQUAL(stats_of(t).invalid, expect_invalid);
	CU_ASSERT_EQUAL(ctt_count(t), 2);       /* nothing was created */
	ct_table_destroy(t);
}

/* An error about an error is INVALID even when the error it quotes was
 * itself RELATED. */
static void test_error_about_error(void)
{
	for (int f = 4; f <= 6; f += 2) {
		struct ct_table *t = ctt_table(0);
		uint8_t type = f == 4 ? 11 : 3;
		struct ctt_pkt first, err1, err2;
		struct ct_result r;

		ctt_udp(&first, f, CTT_A, CTT_B, 5000, 53);
		ctt_run(t, &first, CTT_AT(0), NULL);
		ctt_icmp_error(&err1, f, CTT_C, CTT_A, type, 0, &first, 0);
		CU_ASSERT_EQUAL(ctt_run(t, &err1, CTT_AT(0), &r), CT_INFO_RELATED);
		ctt_icmp_error(&err2, f, CTT_B, CTT_C, type, 0, &err1, 0);
		CU_ASSERT_EQUAL(ctt_run(t, &err2, CTT_AT(0), &r), CT_INFO_INVALID);
		CU_ASSERT_PTR_NULL(r.ct);
		ct_table_destroy(t);
	}
}

/* How much of the quoted packet is needed: its IP header and the first 4
 * bytes of TCP or UDP (the ports, all the kernel reads), 8 of ICMP. */
static void test_short_quotes(void)
{
	for (int f = 4; f <= 6; f += 2) {
		struct ct_table *t = ctt_table(0);
		size_t ip = f == 4 ? 20 : 40;
		uint8_t type = f == 4 ? 3 : 1;
		struct ctt_pkt tcp, udp, echo, err;

		ctt_tcp(&tcp, f, CTT_A, CTT_B, 40000, 80, CTT_SYN);
		ctt_udp(&udp, f, CTT_A, CTT_B, 40001, 53);
		ctt_icmp(&echo, f, CTT_A, CTT_B, f == 4 ? 8 : 128, 0, 3);
		ctt_run(t, &tcp, CTT_AT(0), NULL);
		ctt_run(t, &udp, CTT_AT(0), NULL);
		ctt_run(t, &echo, CTT_AT(0), NULL);

		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &tcp, ip + 8);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), NULL), CT_INFO_RELATED);
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &tcp, ip + 4);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), NULL), CT_INFO_RELATED);
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &tcp, ip + 3);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), NULL), CT_INFO_INVALID);
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &udp, ip + 4);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), NULL), CT_INFO_RELATED);
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &udp, ip + 2);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), NULL), CT_INFO_INVALID);
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &echo, ip + 8);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), NULL), CT_INFO_RELATED);
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &echo, ip + 7);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), NULL), CT_INFO_INVALID);
		/* Only part of the IP header, or nothing at all. */
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &tcp, ip - 1);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), NULL), CT_INFO_INVALID);
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &tcp, 1);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), NULL), CT_INFO_INVALID);
		ctt_icmp_error(&err, f, CTT_C, CTT_A, type, 0, &tcp, 0);
		err.b.len = err.p.icmp.inner_off;     /* no quote */
		CU_ASSERT_EQUAL(pkt_parse(&err.p, err.b.buf, err.b.len, PKT_PARSE_TRUNCATED_COPY),
				PKT_OK);
		CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), NULL), CT_INFO_INVALID);
		ct_table_destroy(t);
	}
}

/* Quotes that are no packet of a connection. */
static void test_odd_quotes(void)
{
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt q4, q6, err;
	struct ct_result r;

	ctt_udp(&q4, 4, CTT_A, CTT_B, 1, 2);
	ctt_udp(&q6, 6, CTT_A, CTT_B, 1, 2);
	ctt_run(t, &q4, CTT_AT(0), NULL);
	ctt_run(t, &q6, CTT_AT(0), NULL);
	/* The other family's packet inside. */
	ctt_icmp_error(&err, 4, CTT_C, CTT_A, 3, 3, &q6, 0);
	CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), &r), CT_INFO_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.reason.text, "IPv6"));
	ctt_icmp_error(&err, 6, CTT_C, CTT_A, 1, 0, &q4, 0);
	CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), &r), CT_INFO_INVALID);
	/* A later fragment: no ports to look up. */
	ctt_udp(&q4, 4, CTT_A, CTT_B, 1, 2);
	ctt_fragment(&q4, 512, false);
	ctt_icmp_error(&err, 4, CTT_C, CTT_A, 11, 1, &q4, 0);
	CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), &r), CT_INFO_INVALID);
	ctt_udp(&q6, 6, CTT_A, CTT_B, 1, 2);
	ctt_fragment(&q6, 512, false);
	ctt_icmp_error(&err, 6, CTT_C, CTT_A, 3, 1, &q6, 0);
	CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), &r), CT_INFO_INVALID);
	/* An echo reply quoted: its answer (the request) is not tracked. */
	ctt_icmp(&q4, 4, CTT_B, CTT_A, 0, 0, 5);
	ctt_icmp_error(&err, 4, CTT_C, CTT_B, 3, 1, &q4, 0);
	CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), &r), CT_INFO_INVALID);
	CU_ASSERT_EQUAL(ctt_count(t), 2);
	ct_table_destroy(t);
}

/* A quoted TCP header whose data offset is garbage still has its ports. */
static void test_quote_bad_tcp_header(void)
{
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt tcp, err;

	ctt_tcp(&tcp, 4, CTT_A, CTT_B, 40000, 80, CTT_SYN);
	ctt_run(t, &tcp, CTT_AT(0), NULL);
	tcp.b.buf[20 + 12] = 0x10;      /* data offset 1 word */
	ctt_icmp_error(&err, 4, CTT_C, CTT_A, 3, 1, &tcp, 0);
	CU_ASSERT_EQUAL(ctt_run(t, &err, CTT_AT(0), NULL), CT_INFO_RELATED);
	ct_table_destroy(t);
}

static const struct unit_test error_tests[] = {
	{ "errors quoting live flows are RELATED", test_related },
	{ "errors quoting unknown flows are INVALID", test_unknown_flow },
	{ "an error about an error", test_error_about_error },
	{ "short quotes", test_short_quotes },
	{ "odd quotes", test_odd_quotes },
	{ "quoted TCP header with a bad data offset", test_quote_bad_tcp_header },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "ct icmp errors", error_tests },
	{ NULL, NULL }
};

UNIT_MAIN_WITH(suites, ct_thread_register, ct_thread_unregister)
