/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The three nfnetlink batches we send (install, flush, remove), built into a
 * caller's buffer so that they can be checked without a kernel, and the way
 * back from a sequence number to the message it belongs to. */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>

#include "internal.h"

/* The largest message we build: a rule with the longest table name (255),
 * a chain name and at most four small expressions stays under 1 KiB, so
 * this leaves a wide margin. libnftnl writes without bounds checks, so
 * every message is built here first and copied only if it fits. */
#define HOOK_MSG_MAX 4096

/* A batch being written into the caller's buffer. Once a message does not
 * fit, `full` sticks and the batch is worthless. */
struct hook_batch {
	char *buf;
	size_t size;
	size_t len;
	uint32_t seq;       /* of the next message */
	bool full;
};

/* Scratch space with the alignment netlink messages need. */
struct hook_scratch {
	alignas(struct nlmsghdr) char buf[HOOK_MSG_MAX];
};

static void hook_batch_append(struct hook_batch *b, const struct nlmsghdr *nlh)
{
	size_t msg_len = NLMSG_ALIGN(nlh->nlmsg_len);

	if (b->full || msg_len > b->size - b->len) {
		b->full = true;
		return;
	}
	memcpy(b->buf + b->len, nlh, msg_len);
	b->len += msg_len;
	b->seq++;
}

static void hook_batch_begin(struct hook_batch *b)
{
	struct hook_scratch s = { 0 };

	hook_batch_append(b, nftnl_batch_begin(s.buf, b->seq));
}

static void hook_batch_end(struct hook_batch *b)
{
	struct hook_scratch s = { 0 };

	hook_batch_append(b, nftnl_batch_end(s.buf, b->seq));
}

/* Every message asks for an ack, so that the reader knows when the kernel
 * has answered all of them. */
static struct nlmsghdr *hook_msg_hdr(struct hook_scratch *s, uint16_t type,
				     uint16_t flags, uint32_t seq)
{
	return nftnl_nlmsg_build_hdr(s->buf, type, NFPROTO_INET,
				     flags | NLM_F_ACK, seq);
}

static void hook_batch_table(struct hook_batch *b, uint16_t type,
			     uint16_t flags, const struct hook_config *cfg)
{
	struct nftnl_table *t = hook_table_new(cfg);
	struct hook_scratch s = { 0 };
	struct nlmsghdr *nlh;

	if (!t) {
		b->full = true;
		return;
	}
	nlh = hook_msg_hdr(&s, type, flags, b->seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	hook_batch_append(b, nlh);
}

static void hook_batch_chain(struct hook_batch *b,
			     const struct hook_config *cfg,
			     const struct hook_chain_def *def)
{
	struct nftnl_chain *c = hook_chain_new(cfg, def);
	struct hook_scratch s = { 0 };
	struct nlmsghdr *nlh;

	if (!c) {
		b->full = true;
		return;
	}
	nlh = hook_msg_hdr(&s, NFT_MSG_NEWCHAIN, NLM_F_CREATE, b->seq);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	hook_batch_append(b, nlh);
}

/* Takes R (NULL: out of memory, the batch fails). */
static void hook_batch_rule(struct hook_batch *b, uint16_t type,
			    uint16_t flags, struct nftnl_rule *r)
{
	struct hook_scratch s = { 0 };
	struct nlmsghdr *nlh;

	if (!r) {
		b->full = true;
		return;
	}
	nlh = hook_msg_hdr(&s, type, flags, b->seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	hook_batch_append(b, nlh);
}

static size_t hook_batch_finish(struct hook_batch *b)
{
	hook_batch_end(b);
	return b->full ? 0 : b->len;
}

/* The add-delete-add of the table makes the install replace a stale table
 * of ours (from a run that crashed) in the same transaction: the first add
 * cannot fail on an existing table, the delete then always finds one. */
size_t hook_build_install_batch(void *buf, size_t size,
				const struct hook_config *cfg,
				enum hook_queue_kind kind, uint32_t seq)
{
	struct hook_batch b = { .buf = buf, .size = size, .seq = seq };

	if (!buf || !hook_config_valid(cfg))
		return 0;
	hook_batch_begin(&b);
	hook_batch_table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE, cfg);
	hook_batch_table(&b, NFT_MSG_DELTABLE, 0, cfg);
	hook_batch_table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE, cfg);
	for (size_t i = 0; i < HOOK_CHAIN_COUNT; i++)
		hook_batch_chain(&b, cfg, &hook_chain_defs[i]);
	for (size_t i = 0; i < HOOK_CHAIN_COUNT; i++) {
		const struct hook_chain_def *def = &hook_chain_defs[i];
		const uint16_t append = NLM_F_CREATE | NLM_F_APPEND;

		if (def->pass_rule && cfg->pass_mark != 0)
			hook_batch_rule(&b, NFT_MSG_NEWRULE, append,
					hook_pass_rule_new(cfg, def->name));
		hook_batch_rule(&b, NFT_MSG_NEWRULE, append,
				hook_queue_rule_new(cfg, def->name, kind));
	}
	return hook_batch_finish(&b);
}

/* A DELRULE naming only table and chain deletes every rule of the chain. */
size_t hook_build_flush_batch(void *buf, size_t size,
			      const struct hook_config *cfg, uint32_t seq)
{
	struct hook_batch b = { .buf = buf, .size = size, .seq = seq };

	if (!buf || !hook_config_valid(cfg))
		return 0;
	hook_batch_begin(&b);
	for (size_t i = 0; i < HOOK_CHAIN_COUNT; i++)
		hook_batch_rule(&b, NFT_MSG_DELRULE, 0,
				hook_rule_new(cfg, hook_chain_defs[i].name));
	return hook_batch_finish(&b);
}

size_t hook_build_remove_batch(void *buf, size_t size,
			       const struct hook_config *cfg, uint32_t seq)
{
	struct hook_batch b = { .buf = buf, .size = size, .seq = seq };

	if (!buf || !hook_config_valid(cfg))
		return 0;
	hook_batch_begin(&b);
	hook_batch_table(&b, NFT_MSG_DELTABLE, 0, cfg);
	return hook_batch_finish(&b);
}

static const struct nlmsghdr *hook_batch_find(const void *batch, size_t len,
					      uint32_t seq)
{
	const struct nlmsghdr *nlh = batch;
	int left = len > INT32_MAX ? INT32_MAX : (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		if (nlh->nlmsg_seq == seq)
			return nlh;
	return NULL;
}

static int hook_rule_info(const struct nlmsghdr *nlh,
			  struct hook_msg_info *info)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	int err = -EINVAL;

	if (!r)
		return -ENOMEM;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out_free_rule;
	if (nftnl_rule_is_set(r, NFTNL_RULE_CHAIN))
		snprintf(info->chain, sizeof(info->chain), "%s",
			 nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	it = nftnl_expr_iter_create(r);
	if (!it) {
		err = -ENOMEM;
		goto out_free_rule;
	}
	while ((e = nftnl_expr_iter_next(it)))
		if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "queue") == 0)
			info->queue_expr = true;
	nftnl_expr_iter_destroy(it);
	err = 0;
out_free_rule:
	nftnl_rule_free(r);
	return err;
}

static int hook_chain_info(const struct nlmsghdr *nlh,
			   struct hook_msg_info *info)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	int err = -EINVAL;

	if (!c)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0) {
		if (nftnl_chain_is_set(c, NFTNL_CHAIN_NAME))
			snprintf(info->chain, sizeof(info->chain), "%s",
				 nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
		err = 0;
	}
	nftnl_chain_free(c);
	return err;
}

int hook_batch_msg_info(const void *batch, size_t len, uint32_t seq,
			struct hook_msg_info *info)
{
	const struct nlmsghdr *nlh = hook_batch_find(batch, len, seq);

	memset(info, 0, sizeof(*info));
	if (!nlh)
		return -ENOENT;
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return -EINVAL;
	info->type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	switch (info->type) {
	case NFT_MSG_NEWRULE:
	case NFT_MSG_DELRULE:
		return hook_rule_info(nlh, info);
	case NFT_MSG_NEWCHAIN:
		return hook_chain_info(nlh, info);
	default:
		return 0;
	}
}
