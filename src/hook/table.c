/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shape of our nftables table: five base chains, one per netfilter hook a
 * packet of a gateway can cross, and the rule that lets a packet the daemon
 * already finished at an entry point pass the later chains. */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>   /* libnftnl/expr.h needs FILE */
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>

#include "internal.h"

/* prerouting and output are where a packet first meets us (raw priority,
 * before the kernel's conntrack and NAT); input and forward see it again
 * once routing knows its interfaces; postrouting at 300 runs after the
 * kernel's source NAT, when the egress interface is final. */
const struct hook_chain_def hook_chain_defs[HOOK_CHAIN_COUNT] = {
	{ "prerouting",  NF_INET_PRE_ROUTING,  -300, false },
	{ "output",      NF_INET_LOCAL_OUT,    -300, false },
	{ "input",       NF_INET_LOCAL_IN,        0, true },
	{ "forward",     NF_INET_FORWARD,         0, true },
	{ "postrouting", NF_INET_POST_ROUTING,  300, true },
};

const char *hook_queue_kind_name(enum hook_queue_kind kind)
{
	switch (kind) {
	case HOOK_QUEUE_NATIVE:
		return "native queue expression";
	case HOOK_QUEUE_COMPAT:
		return "xt NFQUEUE target (compat)";
	}
	return "unknown";
}

bool hook_config_valid(const struct hook_config *cfg)
{
	size_t name_len;

	if (!cfg || !cfg->table)
		return false;
	name_len = strnlen(cfg->table, NFT_TABLE_MAXNAMELEN);
	if (name_len == 0 || name_len >= NFT_TABLE_MAXNAMELEN)
		return false;
	/* Both forms of the verdict refuse an empty range and one that runs
	 * past queue 65535. */
	if (cfg->queue_count == 0)
		return false;
	return (uint32_t)cfg->queue_first + cfg->queue_count - 1 <= UINT16_MAX;
}

struct nftnl_table *hook_table_new(const struct hook_config *cfg)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		return NULL;
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	if (nftnl_table_set_str(t, NFTNL_TABLE_NAME, cfg->table) < 0) {
		nftnl_table_free(t);
		return NULL;
	}
	return t;
}

struct nftnl_chain *hook_chain_new(const struct hook_config *cfg,
				   const struct hook_chain_def *def)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		return NULL;
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, def->hooknum);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, def->priority);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	if (nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, cfg->table) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, def->name) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter") < 0) {
		nftnl_chain_free(c);
		return NULL;
	}
	return c;
}

struct nftnl_rule *hook_rule_new(const struct hook_config *cfg,
				 const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (nftnl_rule_set_str(r, NFTNL_RULE_TABLE, cfg->table) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain) < 0) {
		nftnl_rule_free(r);
		return NULL;
	}
	return r;
}

/* Adds E to R, or frees R when E could not be allocated, so that callers
 * can chain the steps and check once. */
static struct nftnl_rule *hook_rule_add(struct nftnl_rule *r,
					struct nftnl_expr *e)
{
	if (!r || !e) {
		if (e)
			nftnl_expr_free(e);
		if (r)
			nftnl_rule_free(r);
		return NULL;
	}
	nftnl_rule_add_expr(r, e);
	return r;
}

static struct nftnl_expr *hook_meta_mark_expr(void)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_MARK);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return e;
}

/* reg1 = reg1 & mask ^ 0. The mark is a host-order u32 in the register,
 * so mask and xor are host order too. */
static struct nftnl_expr *hook_and_expr(uint32_t mask)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	uint32_t xor = 0;

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor, sizeof(xor));
	return e;
}

static struct nftnl_expr *hook_cmp_eq_expr(uint32_t value)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &value, sizeof(value));
	return e;
}

static struct nftnl_expr *hook_accept_expr(void)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
	return e;
}

struct nftnl_rule *hook_pass_rule_new(const struct hook_config *cfg,
				      const char *chain)
{
	struct nftnl_rule *r = hook_rule_new(cfg, chain);

	r = hook_rule_add(r, hook_meta_mark_expr());
	r = hook_rule_add(r, hook_and_expr(cfg->pass_mark));
	r = hook_rule_add(r, hook_cmp_eq_expr(cfg->pass_mark));
	return hook_rule_add(r, hook_accept_expr());
}
