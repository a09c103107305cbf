/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the kernel's answers to a batch without a kernel: made-up acks and
 * errors fed to hook_acks_*, the way back from a sequence number to its
 * message, and the decision to fall back to the compat queue verdict. */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdalign.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>

#include "nfqfw/hook.h"
#include "unit.h"

#define BUF_SIZE 32768
#define SEQ0 5000u

static alignas(struct nlmsghdr) char batch[BUF_SIZE];
static alignas(struct nlmsghdr) char reply[BUF_SIZE];

static size_t build(enum hook_queue_kind kind, uint32_t mark, uint32_t seq)
{
	struct hook_config cfg = {
		.table = "nfqfw", .queue_first = 0, .queue_count = 2,
		.bypass = true, .pass_mark = mark,
	};
	size_t len = hook_build_install_batch(batch, sizeof(batch), &cfg, kind,
					      seq);

	CU_ASSERT_FATAL(len > 0);
	return len;
}

/* Appends one NLMSG_ERROR (error 0: an ack) for SEQ at OFF in reply[]. */
static size_t put_reply(size_t off, uint32_t seq, int error)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(reply + off);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = sizeof(e->msg);
	e->msg.nlmsg_seq = seq;
	return off + nlh->nlmsg_len;
}

static int feed_one(struct hook_acks *a, uint32_t seq, int error)
{
	size_t len = put_reply(0, seq, error);

	return hook_acks_feed(a, reply, len);
}

/* Acks every message of the batch except SKIP, each in its own datagram,
 * in order, as the kernel does. */
static void ack_all_but(struct hook_acks *a, uint32_t skip)
{
	for (uint32_t i = 0; i < a->nmsgs; i++) {
		uint32_t seq = a->begin_seq + 1 + i;

		if (seq != skip)
			CU_ASSERT_EQUAL(feed_one(a, seq, 0), 0);
	}
}

/* ---- hook_acks_init ----------------------------------------------------- */

static void test_init_install(void)
{
	size_t len = build(HOOK_QUEUE_NATIVE, 0x100, SEQ0);
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	/* 3 table, 5 chain, 8 rule messages */
	CU_ASSERT_EQUAL(a.nmsgs, 16);
	CU_ASSERT_EQUAL(a.begin_seq, SEQ0);
	CU_ASSERT_EQUAL(a.expected, (UINT64_C(1) << 16) - 1);
	CU_ASSERT_EQUAL(a.answered, 0);
	CU_ASSERT_EQUAL(a.error, 0);
	CU_ASSERT_FALSE(a.batch_failed);
	CU_ASSERT_FALSE(hook_acks_complete(&a));
}

static void test_init_flush_remove(void)
{
	struct hook_config cfg = { .table = "t", .queue_count = 1 };
	struct hook_acks a;
	size_t len;

	len = hook_build_flush_batch(batch, sizeof(batch), &cfg, 7);
	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	CU_ASSERT_EQUAL(a.nmsgs, 5);
	len = hook_build_remove_batch(batch, sizeof(batch), &cfg, 7);
	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	CU_ASSERT_EQUAL(a.nmsgs, 1);
	CU_ASSERT_EQUAL(a.expected, 1);
}

static void test_init_rejects(void)
{
	size_t len = build(HOOK_QUEUE_COMPAT, 0, SEQ0);
	const struct nlmsghdr *begin = (const void *)batch;
	size_t begin_len = NLMSG_ALIGN(begin->nlmsg_len);
	struct nlmsghdr *third;
	struct hook_acks a;

	CU_ASSERT_EQUAL(hook_acks_init(&a, NULL, len), -EINVAL);
	CU_ASSERT_EQUAL(hook_acks_init(&a, batch, 0), -EINVAL);
	CU_ASSERT_EQUAL(hook_acks_init(&a, batch, 10), -EINVAL);
	/* Without BEGIN. */
	CU_ASSERT_EQUAL(hook_acks_init(&a, batch + begin_len, len - begin_len),
			-EINVAL);
	/* Without END (20 bytes). */
	CU_ASSERT_EQUAL(hook_acks_init(&a, batch, len - 20), -EINVAL);
	/* Trailing bytes that are no message. */
	memset(batch + len, 0, 8);
	CU_ASSERT_EQUAL(hook_acks_init(&a, batch, len + 8), -EINVAL);
	/* A second batch after END. */
	memcpy(batch + len, batch, len);
	CU_ASSERT_EQUAL(hook_acks_init(&a, batch, 2 * len), -EINVAL);
	/* A gap in the sequence numbers. */
	third = (struct nlmsghdr *)(batch + begin_len +
				     NLMSG_ALIGN(((struct nlmsghdr *)(batch + begin_len))->nlmsg_len));
	third->nlmsg_seq += 1;
	CU_ASSERT_EQUAL(hook_acks_init(&a, batch, len), -EINVAL);
}

/* A batch of N plain messages, by hand; FLAGS for each. */
static size_t build_n(unsigned int n, uint16_t flags, uint32_t seq)
{
	size_t off = 0;

	off += NLMSG_ALIGN(nftnl_batch_begin(batch, seq++)->nlmsg_len);
	for (unsigned int i = 0; i < n; i++) {
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(batch + off,
							     NFT_MSG_NEWTABLE,
							     NFPROTO_INET,
							     flags, seq++);

		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	off += NLMSG_ALIGN(nftnl_batch_end(batch + off, seq)->nlmsg_len);
	return off;
}

static void test_init_limits(void)
{
	struct hook_acks a;

	CU_ASSERT_EQUAL(hook_acks_init(&a, batch, build_n(HOOK_BATCH_MAX_MSGS,
							  NLM_F_ACK, 1)), 0);
	CU_ASSERT_EQUAL(a.expected, UINT64_MAX);
	CU_ASSERT_EQUAL(hook_acks_init(&a, batch,
				       build_n(HOOK_BATCH_MAX_MSGS + 1,
					       NLM_F_ACK, 1)), -E2BIG);
	CU_ASSERT_EQUAL(hook_acks_init(&a, batch, build_n(0, NLM_F_ACK, 1)), 0);
	CU_ASSERT_EQUAL(a.nmsgs, 0);
	/* Nothing to wait for. */
	CU_ASSERT(hook_acks_complete(&a));
}

/* Messages that did not ask for an ack are not waited for. */
static void test_no_ack_flag(void)
{
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, build_n(3, 0, 10)), 0);
	CU_ASSERT_EQUAL(a.nmsgs, 3);
	CU_ASSERT_EQUAL(a.expected, 0);
	CU_ASSERT(hook_acks_complete(&a));
}

/* ---- hook_acks_feed ----------------------------------------------------- */

static void test_all_acked(void)
{
	size_t len = build(HOOK_QUEUE_NATIVE, 0, SEQ0);
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	for (uint32_t i = 0; i < a.nmsgs; i++) {
		CU_ASSERT_FALSE(hook_acks_complete(&a));
		CU_ASSERT_EQUAL(feed_one(&a, SEQ0 + 1 + i, 0), 0);
	}
	CU_ASSERT(hook_acks_complete(&a));
	CU_ASSERT_EQUAL(a.error, 0);
	CU_ASSERT_FALSE(a.batch_failed);
}

/* Several answers in one datagram, in any order; duplicates harmless. */
static void test_one_datagram(void)
{
	size_t len = build(HOOK_QUEUE_NATIVE, 0, SEQ0), off = 0;
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	for (uint32_t i = a.nmsgs; i > 1; i--)
		off = put_reply(off, SEQ0 + i, 0);
	off = put_reply(off, SEQ0 + 2, 0);
	CU_ASSERT_EQUAL(hook_acks_feed(&a, reply, off), 0);
	CU_ASSERT_FALSE(hook_acks_complete(&a));   /* SEQ0 + 1 missing */
	CU_ASSERT_EQUAL(feed_one(&a, SEQ0 + 1, 0), 0);
	CU_ASSERT(hook_acks_complete(&a));
}

static void test_error_on_message(void)
{
	size_t len = build(HOOK_QUEUE_NATIVE, 0, SEQ0);
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	ack_all_but(&a, SEQ0 + 9);
	CU_ASSERT_FALSE(hook_acks_complete(&a));
	CU_ASSERT_EQUAL(feed_one(&a, SEQ0 + 9, -ENOENT), 0);
	CU_ASSERT(hook_acks_complete(&a));
	CU_ASSERT_EQUAL(a.error, -ENOENT);
	CU_ASSERT_EQUAL(a.error_seq, SEQ0 + 9);
	CU_ASSERT_FALSE(a.batch_failed);
}

/* The earliest message's error is the cause; later ones are follow-ups. */
static void test_first_error_kept(void)
{
	size_t len = build(HOOK_QUEUE_NATIVE, 0, SEQ0);
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	CU_ASSERT_EQUAL(feed_one(&a, SEQ0 + 10, -EINVAL), 0);
	CU_ASSERT_EQUAL(feed_one(&a, SEQ0 + 4, -ENOENT), 0);
	CU_ASSERT_EQUAL(feed_one(&a, SEQ0 + 12, -EEXIST), 0);
	CU_ASSERT_EQUAL(a.error, -ENOENT);
	CU_ASSERT_EQUAL(a.error_seq, SEQ0 + 4);
}

/* An error addressed to BEGIN: refused as a whole (EPERM, commit failure),
 * nothing more to wait for. */
static void test_batch_refused(void)
{
	size_t len = build(HOOK_QUEUE_COMPAT, 0, SEQ0);
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	CU_ASSERT_EQUAL(feed_one(&a, SEQ0 + 3, -ENOENT), 0);
	CU_ASSERT_EQUAL(feed_one(&a, SEQ0, -EPERM), 0);
	CU_ASSERT(a.batch_failed);
	CU_ASSERT(hook_acks_complete(&a));
	CU_ASSERT_EQUAL(a.error, -EPERM);
	CU_ASSERT_EQUAL(a.error_seq, SEQ0);
}

/* A plain ack of BEGIN (newer kernels, if asked) is no failure. */
static void test_begin_ack(void)
{
	size_t len = build(HOOK_QUEUE_COMPAT, 0, SEQ0);
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	CU_ASSERT_EQUAL(feed_one(&a, SEQ0, 0), 0);
	CU_ASSERT_FALSE(a.batch_failed);
	CU_ASSERT_FALSE(hook_acks_complete(&a));
	CU_ASSERT_EQUAL(a.error, 0);
}

/* Answers to an earlier batch on the same socket, or to END, count for
 * nothing. */
static void test_foreign_seqs(void)
{
	size_t len = build(HOOK_QUEUE_NATIVE, 0, SEQ0);
	uint32_t end_seq;
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	end_seq = SEQ0 + a.nmsgs + 1;
	CU_ASSERT_EQUAL(feed_one(&a, SEQ0 - 3, -ENOENT), 0);
	CU_ASSERT_EQUAL(feed_one(&a, end_seq, -EINVAL), 0);
	CU_ASSERT_EQUAL(feed_one(&a, end_seq + 100, -EINVAL), 0);
	CU_ASSERT_EQUAL(a.answered, 0);
	CU_ASSERT_EQUAL(a.error, 0);
	CU_ASSERT_FALSE(hook_acks_complete(&a));
}

static void test_bad_replies(void)
{
	size_t len = build(HOOK_QUEUE_NATIVE, 0, SEQ0), off;
	struct nlmsghdr *nlh;
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	/* An NLMSG_ERROR too short for struct nlmsgerr. */
	nlh = mnl_nlmsg_put_header(reply);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = SEQ0 + 1;
	mnl_nlmsg_put_extra_header(nlh, 4);
	CU_ASSERT_EQUAL(hook_acks_feed(&a, reply, nlh->nlmsg_len), -EBADMSG);
	CU_ASSERT_EQUAL(a.answered, 0);
	/* A good ack followed by half a header. */
	off = put_reply(0, SEQ0 + 1, 0);
	CU_ASSERT_EQUAL(hook_acks_feed(&a, reply, off + 8), -EBADMSG);
	/* A positive error number is corrupt, but still a failure. */
	CU_ASSERT_EQUAL(feed_one(&a, SEQ0 + 2, 5), 0);
	CU_ASSERT_EQUAL(a.error, -EPROTO);
	/* Nothing at all. */
	CU_ASSERT_EQUAL(hook_acks_feed(&a, reply, 0), 0);
}

/* Messages other than NLMSG_ERROR are not answers to us. */
static void test_other_messages(void)
{
	size_t len = build(HOOK_QUEUE_NATIVE, 0, SEQ0);
	struct nlmsghdr *nlh;
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	nlh = mnl_nlmsg_put_header(reply);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_seq = SEQ0 + 1;
	CU_ASSERT_EQUAL(hook_acks_feed(&a, reply, nlh->nlmsg_len), 0);
	CU_ASSERT_EQUAL(a.answered, 0);
}

/* Sequence numbers that wrap past 2^32 inside one batch. */
static void test_seq_wrap(void)
{
	const uint32_t seq = UINT32_MAX - 3;
	size_t len = build(HOOK_QUEUE_NATIVE, 0, seq);
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	CU_ASSERT_EQUAL(feed_one(&a, 5, -EINVAL), 0);              /* index 8 */
	CU_ASSERT_EQUAL(feed_one(&a, UINT32_MAX - 1, -ENOENT), 0); /* index 1 */
	CU_ASSERT_EQUAL(a.error, -ENOENT);
	CU_ASSERT_EQUAL(a.error_seq, UINT32_MAX - 1);
	ack_all_but(&a, seq);      /* BEGIN: skips nothing */
	CU_ASSERT(hook_acks_complete(&a));
}

/* ---- hook_batch_msg_info ------------------------------------------------ */

static void test_msg_info(void)
{
	static const char *const chains[] = {
		"prerouting", "output", "input", "forward", "postrouting",
	};
	size_t len = build(HOOK_QUEUE_NATIVE, 0x4, SEQ0);
	struct hook_msg_info info;
	uint32_t seq = SEQ0 + 1;

	CU_ASSERT_EQUAL(hook_batch_msg_info(batch, len, seq++, &info), 0);
	CU_ASSERT_EQUAL(info.type, NFT_MSG_NEWTABLE);
	CU_ASSERT_STRING_EQUAL(info.chain, "");
	CU_ASSERT_EQUAL(hook_batch_msg_info(batch, len, seq++, &info), 0);
	CU_ASSERT_EQUAL(info.type, NFT_MSG_DELTABLE);
	CU_ASSERT_EQUAL(hook_batch_msg_info(batch, len, seq++, &info), 0);
	CU_ASSERT_EQUAL(info.type, NFT_MSG_NEWTABLE);
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(hook_batch_msg_info(batch, len, seq++, &info), 0);
		CU_ASSERT_EQUAL(info.type, NFT_MSG_NEWCHAIN);
		CU_ASSERT_STRING_EQUAL(info.chain, chains[i]);
		CU_ASSERT_FALSE(info.queue_expr);
	}
	for (int i = 0; i < 5; i++) {
		if (i >= 2) {   /* the pass rule comes first */
			CU_ASSERT_EQUAL(hook_batch_msg_info(batch, len, seq++,
							    &info), 0);
			CU_ASSERT_EQUAL(info.type, NFT_MSG_NEWRULE);
			CU_ASSERT_STRING_EQUAL(info.chain, chains[i]);
			CU_ASSERT_FALSE(info.queue_expr);
		}
		CU_ASSERT_EQUAL(hook_batch_msg_info(batch, len, seq++, &info), 0);
		CU_ASSERT_EQUAL(info.type, NFT_MSG_NEWRULE);
		CU_ASSERT_STRING_EQUAL(info.chain, chains[i]);
		CU_ASSERT(info.queue_expr);
	}
	/* BEGIN and END are no nftables messages; past END there is none. */
	CU_ASSERT_EQUAL(hook_batch_msg_info(batch, len, SEQ0, &info), -EINVAL);
	CU_ASSERT_EQUAL(hook_batch_msg_info(batch, len, seq, &info), -EINVAL);
	CU_ASSERT_EQUAL(hook_batch_msg_info(batch, len, seq + 1, &info), -ENOENT);
	CU_ASSERT_EQUAL(hook_batch_msg_info(batch, 0, SEQ0 + 1, &info), -ENOENT);
}

static void test_msg_info_compat_and_flush(void)
{
	struct hook_config cfg = { .table = "t", .queue_count = 1 };
	size_t len = build(HOOK_QUEUE_COMPAT, 0, SEQ0);
	struct hook_msg_info info;

	for (uint32_t seq = SEQ0 + 1; seq <= SEQ0 + 13; seq++) {
		CU_ASSERT_EQUAL(hook_batch_msg_info(batch, len, seq, &info), 0);
		CU_ASSERT_FALSE(info.queue_expr);
	}
	len = hook_build_flush_batch(batch, sizeof(batch), &cfg, SEQ0);
	CU_ASSERT_EQUAL(hook_batch_msg_info(batch, len, SEQ0 + 4, &info), 0);
	CU_ASSERT_EQUAL(info.type, NFT_MSG_DELRULE);
	CU_ASSERT_STRING_EQUAL(info.chain, "forward");
}

/* ---- hook_native_queue_missing ------------------------------------------ */

/* Feeds acks for a batch of LEN bytes with ERROR on message SEQ. */
static bool missing_after(size_t len, uint32_t seq, int error)
{
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	ack_all_but(&a, seq);
	CU_ASSERT_EQUAL(feed_one(&a, seq, error), 0);
	CU_ASSERT(hook_acks_complete(&a));
	return hook_native_queue_missing(&a, batch, len);
}

static void test_native_missing(void)
{
	/* With pass mark 1: table 1-3, chains 4-8, rules 9 (pre queue),
	 * 10 (out queue), 11 (in pass), 12 (in queue), ... */
	size_t len = build(HOOK_QUEUE_NATIVE, 1, SEQ0);

	CU_ASSERT(missing_after(len, SEQ0 + 9, -ENOENT));
	CU_ASSERT(missing_after(len, SEQ0 + 12, -ENOENT));
	CU_ASSERT_FALSE(missing_after(len, SEQ0 + 11, -ENOENT)); /* pass rule */
	CU_ASSERT_FALSE(missing_after(len, SEQ0 + 2, -ENOENT));  /* DELTABLE */
	CU_ASSERT_FALSE(missing_after(len, SEQ0 + 5, -ENOENT));  /* chain */
	CU_ASSERT_FALSE(missing_after(len, SEQ0 + 9, -EOPNOTSUPP));
	CU_ASSERT_FALSE(missing_after(len, SEQ0 + 9, -EINVAL));
	CU_ASSERT_FALSE(missing_after(len, SEQ0 + 9, 0));        /* success */
}

static void test_native_missing_not_compat(void)
{
	size_t len = build(HOOK_QUEUE_COMPAT, 0, SEQ0);

	/* The compat form has nothing to fall back to. */
	CU_ASSERT_FALSE(missing_after(len, SEQ0 + 9, -ENOENT));
}

static void test_native_missing_batch_refused(void)
{
	size_t len = build(HOOK_QUEUE_NATIVE, 0, SEQ0);
	struct hook_acks a;

	CU_ASSERT_EQUAL_FATAL(hook_acks_init(&a, batch, len), 0);
	CU_ASSERT_EQUAL(feed_one(&a, SEQ0, -ENOENT), 0);
	CU_ASSERT_FALSE(hook_native_queue_missing(&a, batch, len));
}

static const struct unit_test init_tests[] = {
	{ "install batch", test_init_install },
	{ "flush and remove batches", test_init_flush_remove },
	{ "malformed batches", test_init_rejects },
	{ "64 messages and no more", test_init_limits },
	{ "messages without NLM_F_ACK", test_no_ack_flag },
	{ NULL, NULL },
};

static const struct unit_test feed_tests[] = {
	{ "every message acked", test_all_acked },
	{ "answers in one datagram", test_one_datagram },
	{ "error on one message", test_error_on_message },
	{ "earliest error kept", test_first_error_kept },
	{ "batch refused as a whole", test_batch_refused },
	{ "ack of BEGIN", test_begin_ack },
	{ "answers to other batches", test_foreign_seqs },
	{ "truncated and corrupt replies", test_bad_replies },
	{ "non-error messages", test_other_messages },
	{ "sequence wrap", test_seq_wrap },
	{ NULL, NULL },
};

static const struct unit_test fallback_tests[] = {
	{ "message info, native install", test_msg_info },
	{ "message info, compat and flush", test_msg_info_compat_and_flush },
	{ "native queue missing", test_native_missing },
	{ "no fallback from compat", test_native_missing_not_compat },
	{ "no fallback when refused whole", test_native_missing_batch_refused },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "hook acks: reading a batch", init_tests },
	{ "hook acks: kernel answers", feed_tests },
	{ "hook acks: native to compat fallback", fallback_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
