/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verdict that hands a packet to our NFQUEUE range, in its two forms:
 * nftables' own `queue` expression, and the xtables NFQUEUE target run
 * through nft_compat for kernels built without the former. */
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <stdio.h>   /* libnftnl/expr.h needs FILE */
#include <stdlib.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "internal.h"

/* Revision 3 is the one with a flags word (bypass, CPU fanout); it is what
 * iptables-nft emits and what `nft list ruleset` translates back. */
#define HOOK_NFQUEUE_REVISION 3

/* No CPU fanout in either form: the kernel hashes flows across the range,
 * so both directions of a connection meet the same worker. */
static struct nftnl_expr *hook_native_queue_expr(const struct hook_config *cfg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("queue");

	if (!e)
		return NULL;
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, cfg->queue_first);
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, cfg->queue_count);
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS,
			   cfg->bypass ? NFT_QUEUE_FLAG_BYPASS : 0);
	return e;
}

static struct nftnl_expr *hook_compat_queue_expr(const struct hook_config *cfg)
{
	/* The kernel stores the info padded to XT_ALIGN and dumps it back at
	 * that size; iptables-nft sends it padded as well. */
	size_t info_len = XT_ALIGN(sizeof(struct xt_NFQ_info_v3));
	struct xt_NFQ_info_v3 *info;
	struct nftnl_expr *e;

	e = nftnl_expr_alloc("target");
	if (!e)
		return NULL;
	/* calloc: the padding goes to the kernel too, zeroed. libnftnl takes
	 * ownership of the info and frees it with the expression. */
	info = calloc(1, info_len);
	if (!info) {
		nftnl_expr_free(e);
		return NULL;
	}
	info->queuenum = cfg->queue_first;
	info->queues_total = cfg->queue_count;
	info->flags = cfg->bypass ? NFQ_FLAG_BYPASS : 0;
	if (nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE") < 0) {
		free(info);
		nftnl_expr_free(e);
		return NULL;
	}
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, HOOK_NFQUEUE_REVISION);
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, info_len);
	return e;
}

/* A compat rule needs no NFTA_RULE_COMPAT attributes here: the kernel only
 * uses them to fill in the layer 4 protocol of an ip, ip6 or bridge entry for
 * targets that require one, and NFQUEUE requires none (it registers for
 * NFPROTO_UNSPEC, so the inet family finds it too). Checked on the lab
 * kernel: the rule loads and lists as `queue num N bypass`. */
struct nftnl_rule *hook_queue_rule_new(const struct hook_config *cfg,
				       const char *chain,
				       enum hook_queue_kind kind)
{
	struct nftnl_rule *r;
	struct nftnl_expr *e;

	switch (kind) {
	case HOOK_QUEUE_NATIVE:
		e = hook_native_queue_expr(cfg);
		break;
	case HOOK_QUEUE_COMPAT:
		e = hook_compat_queue_expr(cfg);
		break;
	default:
		errno = EINVAL;
		return NULL;
	}
	if (!e)
		return NULL;
	r = hook_rule_new(cfg, chain);
	if (!r) {
		nftnl_expr_free(e);
		return NULL;
	}
	nftnl_rule_add_expr(r, e);
	return r;
}
