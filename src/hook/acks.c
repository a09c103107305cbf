/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the kernel's answers to one nfnetlink batch: which messages have
 * been answered, which failed first, and whether the batch failed because
 * the kernel lacks the native queue expression. */
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "internal.h"

static int hook_len_to_int(size_t len)
{
	return len > INT32_MAX ? INT32_MAX : (int)len;
}

/* Our batches number their messages consecutively from BEGIN to END;
 * anything else did not come from hook_build_*_batch(). */
int hook_acks_init(struct hook_acks *acks, const void *batch, size_t len)
{
	const struct nlmsghdr *nlh = batch;
	int left = hook_len_to_int(len);
	bool ended = false;

	memset(acks, 0, sizeof(*acks));
	if (!batch || !mnl_nlmsg_ok(nlh, left) ||
	    nlh->nlmsg_type != NFNL_MSG_BATCH_BEGIN)
		return -EINVAL;
	acks->begin_seq = nlh->nlmsg_seq;
	for (nlh = mnl_nlmsg_next(nlh, &left); mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		if (ended || nlh->nlmsg_seq != acks->begin_seq + 1 + acks->nmsgs)
			return -EINVAL;
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_END) {
			ended = true;
			continue;
		}
		if (acks->nmsgs == HOOK_BATCH_MAX_MSGS)
			return -E2BIG;
		if (nlh->nlmsg_flags & NLM_F_ACK)
			acks->expected |= UINT64_C(1) << acks->nmsgs;
		acks->nmsgs++;
	}
	/* Trailing bytes that are no whole message mean a corrupt batch. */
	return ended && left == 0 ? 0 : -EINVAL;
}

/* Keeps the error of the earliest message; offsets from BEGIN survive a
 * wrap of the sequence numbers. */
static void hook_acks_error(struct hook_acks *acks, uint32_t seq, int error)
{
	if (acks->error == 0 ||
	    seq - acks->begin_seq < acks->error_seq - acks->begin_seq) {
		acks->error = error;
		acks->error_seq = seq;
	}
}

static int hook_acks_one(struct hook_acks *acks, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err;
	uint32_t index;

	if (nlh->nlmsg_type != NLMSG_ERROR)
		return 0;        /* we asked for nothing else; not ours */
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
		return -EBADMSG;
	err = mnl_nlmsg_get_payload(nlh);
	/* The kernel reports errors as negative numbers; a positive one would
	 * be a corrupt reply, and is counted as a failure all the same. */
	if (nlh->nlmsg_seq == acks->begin_seq) {
		if (err->error != 0) {
			acks->batch_failed = true;
			hook_acks_error(acks, nlh->nlmsg_seq,
					err->error < 0 ? err->error : -EPROTO);
		}
		return 0;
	}
	index = nlh->nlmsg_seq - acks->begin_seq - 1;
	if (index >= acks->nmsgs)
		return 0;        /* an answer to an earlier batch */
	acks->answered |= UINT64_C(1) << index;
	if (err->error != 0)
		hook_acks_error(acks, nlh->nlmsg_seq,
				err->error < 0 ? err->error : -EPROTO);
	return 0;
}

int hook_acks_feed(struct hook_acks *acks, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = hook_len_to_int(len);

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		int err = hook_acks_one(acks, nlh);

		if (err < 0)
			return err;
	}
	return left == 0 ? 0 : -EBADMSG;
}

bool hook_acks_complete(const struct hook_acks *acks)
{
	return acks->batch_failed ||
	       (acks->answered & acks->expected) == acks->expected;
}

bool hook_native_queue_missing(const struct hook_acks *acks,
			       const void *batch, size_t len)
{
	struct hook_msg_info info;

	if (acks->batch_failed || acks->error != -ENOENT)
		return false;
	if (hook_batch_msg_info(batch, len, acks->error_seq, &info) < 0)
		return false;
	return info.type == NFT_MSG_NEWRULE && info.queue_expr;
}
