/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Verdict batching: the messages queue_verdicts produces, parsed back. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "nfqfw/queue.h"
#include "unit.h"

struct sent_msg {
	int type;             /* NFQNL_MSG_VERDICT or NFQNL_MSG_VERDICT_BATCH */
	uint16_t queue;
	uint32_t id, verdict;
	bool has_mark;
	uint32_t mark;
	uint32_t payload_len;
	uint8_t payload[64];
};

static struct sent_msg sent[64];
static unsigned int nsent, nsends;
static int send_result;

static int parse_verdict_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= NFQA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static int capture_send(void *ctx, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int remaining = (int)len;

	(void)ctx;
	nsends++;
	for (; mnl_nlmsg_ok(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
		const struct nlattr *tb[NFQA_MAX + 1] = { NULL };
		const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
		const struct nfqnl_msg_verdict_hdr *vh;
		struct sent_msg *m = &sent[nsent++];

		CU_ASSERT_FATAL(nsent < 64);
		memset(m, 0, sizeof(*m));
		CU_ASSERT_EQUAL(nlh->nlmsg_type >> 8, NFNL_SUBSYS_QUEUE);
		m->type = nlh->nlmsg_type & 0xff;
		m->queue = ntohs(nfg->res_id);
		mnl_attr_parse(nlh, sizeof(*nfg), parse_verdict_attr, tb);
		CU_ASSERT_PTR_NOT_NULL_FATAL(tb[NFQA_VERDICT_HDR]);
		vh = mnl_attr_get_payload(tb[NFQA_VERDICT_HDR]);
		m->id = ntohl(vh->id);
		m->verdict = ntohl(vh->verdict);
		if (tb[NFQA_MARK]) {
			m->has_mark = true;
			m->mark = ntohl(mnl_attr_get_u32(tb[NFQA_MARK]));
		}
		if (tb[NFQA_PAYLOAD]) {
			m->payload_len = mnl_attr_get_payload_len(tb[NFQA_PAYLOAD]);
			if (m->payload_len <= sizeof(m->payload))
				memcpy(m->payload, mnl_attr_get_payload(tb[NFQA_PAYLOAD]),
				       m->payload_len);
		}
	}
	CU_ASSERT_EQUAL(remaining, 0);
	return send_result;
}

static struct queue_stats stats;

static void setup(struct queue_verdicts *v, size_t size)
{
	nsent = nsends = 0;
	send_result = 0;
	memset(&stats, 0, sizeof(stats));
	CU_ASSERT_EQUAL_FATAL(queue_verdicts_init(v, 7, size, capture_send, NULL, &stats), 0);
}

static const struct queue_verdict accept_v = { .verdict = NF_ACCEPT };
static const struct queue_verdict drop_v = { .verdict = NF_DROP };

static void test_single_packet_plain_verdict(void)
{
	struct queue_verdicts v;

	setup(&v, 4096);
	CU_ASSERT_EQUAL(queue_verdicts_add(&v, 42, &accept_v), 0);
	CU_ASSERT_EQUAL(nsends, 0);            /* nothing sent before flush */
	CU_ASSERT_EQUAL(queue_verdicts_flush(&v), 0);
	CU_ASSERT_EQUAL(nsends, 1);
	CU_ASSERT_EQUAL_FATAL(nsent, 1);
	CU_ASSERT_EQUAL(sent[0].type, NFQNL_MSG_VERDICT);
	CU_ASSERT_EQUAL(sent[0].queue, 7);
	CU_ASSERT_EQUAL(sent[0].id, 42);
	CU_ASSERT_EQUAL(sent[0].verdict, NF_ACCEPT);
	CU_ASSERT_FALSE(sent[0].has_mark);
	CU_ASSERT_EQUAL(stat_read(&stats.batched), 0);
	queue_verdicts_free(&v);
}

static void test_run_folds_into_batch(void)
{
	struct queue_verdicts v;

	setup(&v, 4096);
	for (uint32_t id = 10; id < 15; id++)
		CU_ASSERT_EQUAL(queue_verdicts_add(&v, id, &accept_v), 0);
	queue_verdicts_flush(&v);
	CU_ASSERT_EQUAL_FATAL(nsent, 1);
	CU_ASSERT_EQUAL(sent[0].type, NFQNL_MSG_VERDICT_BATCH);
	CU_ASSERT_EQUAL(sent[0].id, 14);        /* releases 10..14 */
	CU_ASSERT_EQUAL(sent[0].verdict, NF_ACCEPT);
	CU_ASSERT_EQUAL(stat_read(&stats.batched), 5);
	CU_ASSERT_EQUAL(stat_read(&stats.verdict_messages), 1);
	queue_verdicts_free(&v);
}

/* A different verdict in the middle must end the run before it, or the
 * batch would release the dropped packet as accepted. */
static void test_different_verdict_splits_run(void)
{
	struct queue_verdicts v;

	setup(&v, 4096);
	queue_verdicts_add(&v, 1, &accept_v);
	queue_verdicts_add(&v, 2, &accept_v);
	queue_verdicts_add(&v, 3, &drop_v);
	queue_verdicts_add(&v, 4, &accept_v);
	queue_verdicts_add(&v, 5, &accept_v);
	queue_verdicts_flush(&v);
	CU_ASSERT_EQUAL_FATAL(nsent, 3);
	CU_ASSERT_EQUAL(sent[0].type, NFQNL_MSG_VERDICT_BATCH);
	CU_ASSERT_EQUAL(sent[0].id, 2);
	CU_ASSERT_EQUAL(sent[1].type, NFQNL_MSG_VERDICT);
	CU_ASSERT_EQUAL(sent[1].id, 3);
	CU_ASSERT_EQUAL(sent[1].verdict, NF_DROP);
	CU_ASSERT_EQUAL(sent[2].type, NFQNL_MSG_VERDICT_BATCH);
	CU_ASSERT_EQUAL(sent[2].id, 5);
	CU_ASSERT_EQUAL(nsends, 1);   /* all three in one send */
	queue_verdicts_free(&v);
}

static void test_mark_is_part_of_the_run(void)
{
	struct queue_verdicts v;
	struct queue_verdict m1 = { .verdict = NF_ACCEPT, .set_mark = true, .mark = 0x100000 };
	struct queue_verdict m2 = { .verdict = NF_ACCEPT, .set_mark = true, .mark = 0x100001 };

	setup(&v, 4096);
	queue_verdicts_add(&v, 1, &m1);
	queue_verdicts_add(&v, 2, &m1);
	queue_verdicts_add(&v, 3, &m2);
	queue_verdicts_add(&v, 4, &accept_v);
	queue_verdicts_flush(&v);
	CU_ASSERT_EQUAL_FATAL(nsent, 3);
	CU_ASSERT_EQUAL(sent[0].type, NFQNL_MSG_VERDICT_BATCH);
	CU_ASSERT_TRUE(sent[0].has_mark);
	CU_ASSERT_EQUAL(sent[0].mark, 0x100000);
	CU_ASSERT_EQUAL(sent[1].id, 3);
	CU_ASSERT_EQUAL(sent[1].mark, 0x100001);
	CU_ASSERT_EQUAL(sent[2].id, 4);
	CU_ASSERT_FALSE(sent[2].has_mark);
	queue_verdicts_free(&v);
}

/* Ids with a gap are not folded: the batch would also cover a packet whose
 * verdict we have not decided. */
static void test_gap_in_ids_not_folded(void)
{
	struct queue_verdicts v;

	setup(&v, 4096);
	queue_verdicts_add(&v, 1, &accept_v);
	queue_verdicts_add(&v, 3, &accept_v);
	queue_verdicts_flush(&v);
	CU_ASSERT_EQUAL_FATAL(nsent, 2);
	CU_ASSERT_EQUAL(sent[0].type, NFQNL_MSG_VERDICT);
	CU_ASSERT_EQUAL(sent[0].id, 1);
	CU_ASSERT_EQUAL(sent[1].type, NFQNL_MSG_VERDICT);
	CU_ASSERT_EQUAL(sent[1].id, 3);
	queue_verdicts_free(&v);
}

static void test_payload_verdict_carries_packet(void)
{
	struct queue_verdicts v;
	uint8_t data[40];
	struct queue_verdict pv = { .verdict = NF_ACCEPT, .payload = data,
				    .payload_len = sizeof(data), .set_mark = true,
				    .mark = 5 };

	for (unsigned int i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	setup(&v, 4096);
	queue_verdicts_add(&v, 1, &accept_v);
	queue_verdicts_add(&v, 2, &pv);
	queue_verdicts_add(&v, 3, &accept_v);
	queue_verdicts_flush(&v);
	CU_ASSERT_EQUAL_FATAL(nsent, 3);
	CU_ASSERT_EQUAL(sent[0].id, 1);
	CU_ASSERT_EQUAL(sent[1].type, NFQNL_MSG_VERDICT);
	CU_ASSERT_EQUAL(sent[1].id, 2);
	CU_ASSERT_EQUAL(sent[1].payload_len, sizeof(data));
	CU_ASSERT_EQUAL(memcmp(sent[1].payload, data, sizeof(data)), 0);
	CU_ASSERT_EQUAL(sent[1].mark, 5);
	CU_ASSERT_EQUAL(sent[2].id, 3);
	CU_ASSERT_EQUAL(sent[2].payload_len, 0);
	queue_verdicts_free(&v);
}

/* A small buffer is sent when full, and nothing is lost on the way. */
static void test_full_buffer_sends_early(void)
{
	struct queue_verdicts v;

	setup(&v, 256);
	for (uint32_t id = 1; id <= 20; id++)
		CU_ASSERT_EQUAL(queue_verdicts_add(&v, id, id % 2 ? &accept_v : &drop_v), 0);
	queue_verdicts_flush(&v);
	CU_ASSERT_EQUAL_FATAL(nsent, 20);
	CU_ASSERT_TRUE(nsends > 1);
	for (unsigned int i = 0; i < 20; i++) {
		CU_ASSERT_EQUAL(sent[i].id, i + 1);
		CU_ASSERT_EQUAL(sent[i].verdict, (i + 1) % 2 ? NF_ACCEPT : NF_DROP);
	}
	queue_verdicts_free(&v);
}

/* Sends never exceed what the socket takes (netlink refuses a longer
 * message, and the verdicts in it would be lost), whatever the buffer. */
static size_t largest_send;

static int capture_send_size(void *ctx, const void *buf, size_t len)
{
	if (len > largest_send)
		largest_send = len;
	return capture_send(ctx, buf, len);
}

static void test_send_max_respected(void)
{
	struct queue_verdicts v;
	uint8_t data[400] = { 0 };
	struct queue_verdict pv = { .verdict = NF_ACCEPT, .payload = data,
				    .payload_len = sizeof(data) };

	nsent = nsends = 0;
	largest_send = 0;
	CU_ASSERT_EQUAL_FATAL(queue_verdicts_init(&v, 7, 16384, capture_send_size, NULL,
						  &stats), 0);
	queue_verdicts_set_send_max(&v, 1200);
	for (uint32_t id = 1; id <= 12; id++)
		CU_ASSERT_EQUAL(queue_verdicts_add(&v, id, &pv), 0);
	queue_verdicts_flush(&v);
	CU_ASSERT_EQUAL_FATAL(nsent, 12);
	CU_ASSERT_TRUE(largest_send <= 1200);
	CU_ASSERT_TRUE(nsends >= 4);
	for (unsigned int i = 0; i < 12; i++)
		CU_ASSERT_EQUAL(sent[i].payload_len, sizeof(data));
	/* A cap above the buffer is the buffer. */
	queue_verdicts_set_send_max(&v, 1u << 30);
	CU_ASSERT_EQUAL(v.send_max, 16384);
	queue_verdicts_free(&v);
}

static void test_payload_larger_than_buffer_refused(void)
{
	struct queue_verdicts v;
	uint8_t data[300] = { 0 };
	struct queue_verdict pv = { .verdict = NF_ACCEPT, .payload = data,
				    .payload_len = sizeof(data) };

	setup(&v, 256);
	CU_ASSERT_EQUAL(queue_verdicts_add(&v, 1, &pv), -EMSGSIZE);
	queue_verdicts_free(&v);
}

static void test_send_failure_counted(void)
{
	struct queue_verdicts v;

	setup(&v, 4096);
	send_result = -ENOBUFS;
	queue_verdicts_add(&v, 1, &accept_v);
	CU_ASSERT_EQUAL(queue_verdicts_flush(&v), -ENOBUFS);
	CU_ASSERT_EQUAL(stat_read(&stats.verdict_errors), 1);
	queue_verdicts_free(&v);
}

static void test_flush_with_nothing_sends_nothing(void)
{
	struct queue_verdicts v;

	setup(&v, 4096);
	CU_ASSERT_EQUAL(queue_verdicts_flush(&v), 0);
	CU_ASSERT_EQUAL(nsends, 0);
	queue_verdicts_free(&v);
}

static const struct unit_test verdict_tests[] = {
	{ "single packet gets a plain verdict", test_single_packet_plain_verdict },
	{ "consecutive equal verdicts fold into a batch", test_run_folds_into_batch },
	{ "a different verdict splits the run", test_different_verdict_splits_run },
	{ "the mark is part of what must be equal", test_mark_is_part_of_the_run },
	{ "a gap in ids is not folded", test_gap_in_ids_not_folded },
	{ "a payload verdict carries the packet", test_payload_verdict_carries_packet },
	{ "a full buffer is sent early", test_full_buffer_sends_early },
	{ "sends capped at what the socket takes", test_send_max_respected },
	{ "a payload larger than the buffer is refused", test_payload_larger_than_buffer_refused },
	{ "a failed send is counted", test_send_failure_counted },
	{ "flush with nothing sends nothing", test_flush_with_nothing_sends_nothing },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "queue_verdicts", verdict_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
