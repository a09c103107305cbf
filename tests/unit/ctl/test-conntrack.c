/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `conntrack` over the control protocol: a real connection table filled by
 * ct_process() with built packets, listed in conntrack -L's format and as
 * JSON, filtered, deleted and flushed. */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "json-check.h"
#include "nfqfw/ct.h"
#include "nfqfw/ctl_cmd.h"
#include "nfqfw/invalid_log.h"
#include "nfqfw/log.h"
#include "pktbuild.h"
#include "unit.h"


static struct ct_table *table;
static struct ctl_context ctx;
static struct ctl_buf reply;
/* Listings use the real clock, so the entries are made "now". */
static uint64_t now_ns;

static int request(const char *line)
{
	ctl_buf_reset(&reply);
	return ctl_handle_request(&ctx, line, strlen(line), &reply);
}

static const char *ok_body(void)
{
	if (reply.failed || !reply.data || strncmp(reply.data, "OK\n", 3) != 0)
		return NULL;
	return reply.data + 3;
}

/* Runs one built packet through the table, confirming what it creates. */
static enum ct_info track(struct pb *b, uint64_t now)
{
	struct pkt p;
	struct ct_result res;

	pb_finish(b);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, b->buf, b->len, 0), PKT_OK);
	ct_read_lock();
	ct_process(table, &p, now, &res);
	if (res.created)
		CU_ASSERT_EQUAL(ct_confirm(table, res.ct, now), 0);
	ct_read_unlock();
	return res.info;
}

static void tcp4(bool reply_dir, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct pb b;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	if (reply_dir) {
		memcpy(b.buf + 12, pb_dst4, 4);
		memcpy(b.buf + 16, pb_src4, 4);
		pb_tcp(&b, 80, 40000, seq, ack, flags, 64000, NULL, 0);
	} else {
		pb_tcp(&b, 40000, 80, seq, ack, flags, 64000, NULL, 0);
	}
	track(&b, now_ns);
}

static void udp6_one_way(void)
{
	struct pb b;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_UDP);
	pb_udp(&b, 5353, 53);
	pb_pattern(&b, 10, 1);
	CU_ASSERT_EQUAL(track(&b, now_ns), CT_INFO_NEW);
}

static void echo4_request(void)
{
	struct pb b;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_ICMP, NULL, 0);
	pb_icmp(&b, 8, 0, 777, 1);
	CU_ASSERT_EQUAL(track(&b, now_ns), CT_INFO_NEW);
}

/* A TCP handshake, a one-way UDP/IPv6 flow and an ICMP echo request. */
static void setup(void)
{
	struct ct_settings s;

	now_ns = log_now_ns();
	ct_settings_defaults(&s);
	s.max_entries = 1024;
	table = ct_table_create(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(table);
	memset(&ctx, 0, sizeof(ctx));
	ctx.ct = table;
	ctl_buf_init(&reply, CTL_REPLY_MAX);
	tcp4(false, 0x02, 1000, 0);
	tcp4(true, 0x12, 5000, 1001);
	tcp4(false, 0x10, 1001, 5001);
	udp6_one_way();
	echo4_request();
}

static void teardown(void)
{
	ctl_buf_free(&reply);
	ct_table_destroy(table);
	table = NULL;
}

static void test_list_text(void)
{
	const char *body;

	setup();
	CU_ASSERT_EQUAL(request("text conntrack"), CTL_EXIT_OK);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT(strstr(body, "tcp      6 431999 ESTABLISHED") != NULL ||
		  strstr(body, "tcp      6 432000 ESTABLISHED") != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, " ESTABLISHED src=192.0.2.1 dst=198.51.100.2 "
				      "sport=40000 dport=80 src=198.51.100.2 dst=192.0.2.1 "
				      "sport=80 dport=40000 [ASSURED] mark=0 use=1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "tcp      6 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "udp      17 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, " src=2001:db8::1 dst=2001:db8:2::beef sport=5353 "
				      "dport=53 [UNREPLIED] src=2001:db8:2::beef dst=2001:db8::1 "
				      "sport=53 dport=5353 mark=0 use=1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "icmp     1 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, " src=192.0.2.1 dst=198.51.100.2 type=8 code=0 id=777 "
				      "[UNREPLIED] src=198.51.100.2 dst=192.0.2.1 type=0 code=0 "
				      "id=777 mark=0 use=1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "conntrack: 3 flow entries have been shown.\n"));
	teardown();
}

static void test_list_json(void)
{
	const char *body;

	setup();
	CU_ASSERT_EQUAL(request("json conntrack list"), CTL_EXIT_OK);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE(json_valid(body));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"count\":3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"state\":\"ESTABLISHED\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"assured\":true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"family\":\"ipv6\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"type\":8,\"code\":0,\"id\":777"));
	teardown();
}

static void test_filters(void)
{
	const char *body;

	setup();
	CU_ASSERT_EQUAL(request("text conntrack list proto=udp"), CTL_EXIT_OK);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "udp      17 "));
	CU_ASSERT_PTR_NULL(strstr(body, "tcp      6 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "1 flow entries have been shown"));

	CU_ASSERT_EQUAL(request("text conntrack list src=192.0.2.1 dport=80"), CTL_EXIT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "1 flow entries have been shown"));
	/* addr= matches either end, in either tuple */
	CU_ASSERT_EQUAL(request("text conntrack list addr=198.51.100.2"), CTL_EXIT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "2 flow entries have been shown"));
	CU_ASSERT_EQUAL(request("text conntrack list dst=192.0.2.99"), CTL_EXIT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "0 flow entries have been shown"));
	teardown();
}

static void test_delete_and_flush(void)
{
	setup();
	CU_ASSERT_EQUAL(request("text conntrack delete proto=icmp"), CTL_EXIT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "1 flow entries have been deleted"));
	CU_ASSERT_EQUAL(request("text conntrack"), CTL_EXIT_OK);
	CU_ASSERT_PTR_NULL(strstr(ok_body(), "icmp"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "2 flow entries have been shown"));
	CU_ASSERT_EQUAL(request("json conntrack flush"), CTL_EXIT_OK);
	CU_ASSERT_TRUE(json_valid(ok_body()));
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "\"deleted\":2"));
	CU_ASSERT_EQUAL(request("text conntrack"), CTL_EXIT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "0 flow entries have been shown"));
	teardown();
}

static void test_errors(void)
{
	setup();
	CU_ASSERT_EQUAL(request("text conntrack list color=red"), CTL_EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(reply.data, "bad filter 'color=red'"));
	CU_ASSERT_EQUAL(request("text conntrack list src=300.1.1.1"), CTL_EXIT_USAGE);
	CU_ASSERT_EQUAL(request("text conntrack list sport=65536"), CTL_EXIT_USAGE);
	CU_ASSERT_EQUAL(request("text conntrack delete"), CTL_EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(reply.data, "delete needs at least one filter"));
	CU_ASSERT_EQUAL(request("text conntrack flush proto=tcp"), CTL_EXIT_USAGE);
	CU_ASSERT_EQUAL(request("text conntrack frob"), CTL_EXIT_USAGE);
	ctx.ct = NULL;
	CU_ASSERT_EQUAL(request("text conntrack"), CTL_EXIT_FAILURE);
	CU_ASSERT_PTR_NOT_NULL(strstr(reply.data, "connection tracking is not running"));
	teardown();
}

static void test_stats_section(void)
{
	const char *body;

	setup();
	CU_ASSERT_EQUAL(request("json stats"), CTL_EXIT_OK);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE(json_valid(body));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"conntrack\":{\"count\":3,\"max\":1024,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"insert\":3"));
	CU_ASSERT_EQUAL(request("text stats"), CTL_EXIT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "Connection tracking (as conntrack -S)\n"
				      "  entries 3 of 1024, "));
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), " insert=3 insert_failed=0 "));
	teardown();
}

/* An entry past its timeout but not collected yet is not listed. */
static void test_expired_not_listed(void)
{
	struct pb b;

	setup();
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_udp(&b, 6000, 7000);
	CU_ASSERT_EQUAL(track(&b, now_ns - 31ull * 1000000000ull), CT_INFO_NEW);
	CU_ASSERT_EQUAL(request("text conntrack list proto=udp"), CTL_EXIT_OK);
	CU_ASSERT_PTR_NULL(strstr(ok_body(), "dport=7000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "1 flow entries have been shown"));
	teardown();
}

static void test_invalid_list(void)
{
	struct invalid_log log;
	struct invalid_record r = {
		.family = 4, .l4proto = IPPROTO_TCP, .hook = 0, .dropped = true,
		.sport = 45678, .dport = 7100,
		.reason = "no connection and the packet cannot open one",
	};
	const char *body;

	setup();
	invalid_log_init(&log);
	ctx.invalid = &log;
	memcpy(&r.saddr.v4, pb_src4, 4);
	memcpy(&r.daddr.v4, pb_dst4, 4);
	r.when_ns = log_now_ns();
	invalid_log_add(&log, &r);
	CU_ASSERT_EQUAL(request("text conntrack invalid"), CTL_EXIT_OK);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "prerouting  tcp    192.0.2.1:45678 -> "
				      "198.51.100.2:7100 dropped: no connection and the "
				      "packet cannot open one\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "conntrack: the last 1 INVALID packets.\n"));
	CU_ASSERT_EQUAL(request("json conntrack invalid"), CTL_EXIT_OK);
	CU_ASSERT_TRUE(json_valid(ok_body()));
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "\"from\":\"192.0.2.1:45678\""));
	CU_ASSERT_EQUAL(request("text conntrack invalid src=192.0.2.1"), CTL_EXIT_USAGE);
	ctx.invalid = NULL;
	CU_ASSERT_EQUAL(request("text conntrack invalid"), CTL_EXIT_FAILURE);
	invalid_log_destroy(&log);
	teardown();
}

static const struct unit_test conntrack_tests[] = {
	{ "the latest INVALID packets with reasons", test_invalid_list },
	{ "expired entries are not listed", test_expired_not_listed },
	{ "list in conntrack -L format", test_list_text },
	{ "list as JSON", test_list_json },
	{ "filters", test_filters },
	{ "delete and flush", test_delete_and_flush },
	{ "bad arguments and no table", test_errors },
	{ "stats has the conntrack -S figures", test_stats_section },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "ctl conntrack", conntrack_tests },
	{ NULL, NULL },
};

UNIT_MAIN_WITH(suites, ct_thread_register, ct_thread_unregister)
