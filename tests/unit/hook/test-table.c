/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The batches that install, flush and remove our nftables table, parsed back
 * with libnftnl without a kernel: framing, message order, every table, chain
 * and rule, and each form of the queue verdict. */
#include <arpa/inet.h>        /* before the linux/ headers */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>

#include "nfqfw/hook.h"
#include "unit.h"

#define BUF_SIZE 32768
#define MAX_MSGS 40
#define SEQ0 1000u

static alignas(struct nlmsghdr) char batch_buf[BUF_SIZE];

/* The spec of our table, written out independently of src/hook/table.c. */
struct want_chain {
	const char *name;
	uint32_t hooknum;
	int32_t prio;
	bool pass_rule;
};

static const struct want_chain want_chains[] = {
	{ "prerouting",  NF_INET_PRE_ROUTING,  -300, false },
	{ "output",      NF_INET_LOCAL_OUT,    -300, false },
	{ "input",       NF_INET_LOCAL_IN,        0, true },
	{ "forward",     NF_INET_FORWARD,         0, true },
	{ "postrouting", NF_INET_POST_ROUTING,  300, true },
};
#define NCHAINS (sizeof(want_chains) / sizeof(want_chains[0]))

/* ---- walking a batch ---------------------------------------------------- */

struct walk {
	const struct nlmsghdr *msg[MAX_MSGS];
	unsigned int n;
};

/* Splits BUF into messages; fails the test if bytes are left over. */
static void walk_batch(const void *buf, size_t len, struct walk *w)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	w->n = 0;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		CU_ASSERT_FATAL(w->n < MAX_MSGS);
		w->msg[w->n++] = nlh;
	}
	CU_ASSERT_EQUAL(left, 0);
}

static const struct nfgenmsg *nfgen(const struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

/* BEGIN and END around nftables messages of family inet, each asking for
 * an ack, sequence numbers counting up from SEQ0 without a gap. */
static void check_framing(const struct walk *w)
{
	const struct nlmsghdr *begin, *end;

	CU_ASSERT_FATAL(w->n >= 3);
	begin = w->msg[0];
	end = w->msg[w->n - 1];
	CU_ASSERT_EQUAL(begin->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	CU_ASSERT_EQUAL(end->nlmsg_type, NFNL_MSG_BATCH_END);
	CU_ASSERT_EQUAL(nfgen(begin)->res_id, htons(NFNL_SUBSYS_NFTABLES));
	CU_ASSERT_EQUAL(nfgen(end)->res_id, htons(NFNL_SUBSYS_NFTABLES));
	for (unsigned int i = 0; i < w->n; i++)
		CU_ASSERT_EQUAL(w->msg[i]->nlmsg_seq, SEQ0 + i);
	for (unsigned int i = 1; i + 1 < w->n; i++) {
		const struct nlmsghdr *nlh = w->msg[i];

		CU_ASSERT_EQUAL(NFNL_SUBSYS_ID(nlh->nlmsg_type),
				NFNL_SUBSYS_NFTABLES);
		CU_ASSERT(nlh->nlmsg_flags & NLM_F_REQUEST);
		CU_ASSERT(nlh->nlmsg_flags & NLM_F_ACK);
		CU_ASSERT_EQUAL(nfgen(nlh)->nfgen_family, NFPROTO_INET);
	}
}

static uint16_t msg_type(const struct nlmsghdr *nlh)
{
	return NFNL_MSG_TYPE(nlh->nlmsg_type);
}

/* ---- tables, chains, rules ---------------------------------------------- */

static void check_table_msg(const struct nlmsghdr *nlh, uint16_t type,
			    const char *name)
{
	struct nftnl_table *t = nftnl_table_alloc();

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL(msg_type(nlh), type);
	if (type == NFT_MSG_NEWTABLE)
		CU_ASSERT(nlh->nlmsg_flags & NLM_F_CREATE);
	/* Never EXCL: the first add must succeed over a stale table. */
	CU_ASSERT_FALSE(nlh->nlmsg_flags & NLM_F_EXCL);
	CU_ASSERT_EQUAL(nftnl_table_nlmsg_parse(nlh, t), 0);
	CU_ASSERT_STRING_EQUAL(nftnl_table_get_str(t, NFTNL_TABLE_NAME), name);
	CU_ASSERT_EQUAL(nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY), NFPROTO_INET);
	nftnl_table_free(t);
}

static void check_chain_msg(const struct nlmsghdr *nlh, const char *table,
			    const struct want_chain *want)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL(msg_type(nlh), NFT_MSG_NEWCHAIN);
	CU_ASSERT(nlh->nlmsg_flags & NLM_F_CREATE);
	CU_ASSERT_EQUAL_FATAL(nftnl_chain_nlmsg_parse(nlh, c), 0);
	CU_ASSERT_STRING_EQUAL(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), table);
	CU_ASSERT_STRING_EQUAL(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME),
			       want->name);
	CU_ASSERT_STRING_EQUAL(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE),
			       "filter");
	CU_ASSERT_EQUAL(nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY),
			NFPROTO_INET);
	CU_ASSERT(nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM));
	CU_ASSERT_EQUAL(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM),
			want->hooknum);
	CU_ASSERT(nftnl_chain_is_set(c, NFTNL_CHAIN_PRIO));
	CU_ASSERT_EQUAL(nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO), want->prio);
	CU_ASSERT(nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY));
	CU_ASSERT_EQUAL(nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY), NF_ACCEPT);
	CU_ASSERT_FALSE(nftnl_chain_is_set(c, NFTNL_CHAIN_DEV));
	nftnl_chain_free(c);
}

struct parsed_rule {
	struct nftnl_rule *rule;
	struct nftnl_expr *expr[8];
	unsigned int nexpr;
};

static int collect_expr(struct nftnl_expr *e, void *data)
{
	struct parsed_rule *p = data;

	if (p->nexpr == sizeof(p->expr) / sizeof(p->expr[0]))
		return -1;
	p->expr[p->nexpr++] = e;
	return 0;
}

/* Parses a rule message of TABLE and CHAIN; the caller frees p->rule. */
static void parse_rule_msg(const struct nlmsghdr *nlh, const char *table,
			   const char *chain, struct parsed_rule *p)
{
	memset(p, 0, sizeof(*p));
	p->rule = nftnl_rule_alloc();
	CU_ASSERT_FATAL(p->rule != NULL);
	CU_ASSERT_EQUAL_FATAL(nftnl_rule_nlmsg_parse(nlh, p->rule), 0);
	CU_ASSERT_STRING_EQUAL(nftnl_rule_get_str(p->rule, NFTNL_RULE_TABLE),
			       table);
	CU_ASSERT_STRING_EQUAL(nftnl_rule_get_str(p->rule, NFTNL_RULE_CHAIN),
			       chain);
	CU_ASSERT_EQUAL(nftnl_rule_get_u32(p->rule, NFTNL_RULE_FAMILY),
			NFPROTO_INET);
	/* The kernel picks the handle; we never name one. */
	CU_ASSERT_FALSE(nftnl_rule_is_set(p->rule, NFTNL_RULE_HANDLE));
	CU_ASSERT_FALSE(nftnl_rule_is_set(p->rule, NFTNL_RULE_POSITION));
	CU_ASSERT_EQUAL(nftnl_expr_foreach(p->rule, collect_expr, p), 0);
}

static void check_name(const struct nftnl_expr *e, const char *name)
{
	CU_ASSERT_STRING_EQUAL(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), name);
}

static void check_u32_data(const struct nftnl_expr *e, uint16_t attr,
			   uint32_t want)
{
	uint32_t len = 0;
	const void *data = nftnl_expr_get(e, attr, &len);

	CU_ASSERT_FATAL(data != NULL);
	CU_ASSERT_EQUAL(len, sizeof(want));
	CU_ASSERT(len == sizeof(want) && memcmp(data, &want, len) == 0);
}

static void check_pass_rule(const struct parsed_rule *p, uint32_t mark)
{
	CU_ASSERT_EQUAL_FATAL(p->nexpr, 4);
	check_name(p->expr[0], "meta");
	CU_ASSERT_EQUAL(nftnl_expr_get_u32(p->expr[0], NFTNL_EXPR_META_KEY),
			NFT_META_MARK);
	CU_ASSERT_EQUAL(nftnl_expr_get_u32(p->expr[0], NFTNL_EXPR_META_DREG),
			NFT_REG_1);
	CU_ASSERT_FALSE(nftnl_expr_is_set(p->expr[0], NFTNL_EXPR_META_SREG));

	check_name(p->expr[1], "bitwise");
	CU_ASSERT_EQUAL(nftnl_expr_get_u32(p->expr[1], NFTNL_EXPR_BITWISE_SREG),
			NFT_REG_1);
	CU_ASSERT_EQUAL(nftnl_expr_get_u32(p->expr[1], NFTNL_EXPR_BITWISE_DREG),
			NFT_REG_1);
	CU_ASSERT_EQUAL(nftnl_expr_get_u32(p->expr[1], NFTNL_EXPR_BITWISE_LEN),
			4);
	check_u32_data(p->expr[1], NFTNL_EXPR_BITWISE_MASK, mark);
	check_u32_data(p->expr[1], NFTNL_EXPR_BITWISE_XOR, 0);

	check_name(p->expr[2], "cmp");
	CU_ASSERT_EQUAL(nftnl_expr_get_u32(p->expr[2], NFTNL_EXPR_CMP_SREG),
			NFT_REG_1);
	CU_ASSERT_EQUAL(nftnl_expr_get_u32(p->expr[2], NFTNL_EXPR_CMP_OP),
			NFT_CMP_EQ);
	check_u32_data(p->expr[2], NFTNL_EXPR_CMP_DATA, mark);

	check_name(p->expr[3], "immediate");
	CU_ASSERT_EQUAL(nftnl_expr_get_u32(p->expr[3], NFTNL_EXPR_IMM_DREG),
			NFT_REG_VERDICT);
	CU_ASSERT_EQUAL(nftnl_expr_get_u32(p->expr[3], NFTNL_EXPR_IMM_VERDICT),
			NF_ACCEPT);
}

static void check_native_queue(const struct parsed_rule *p,
			       const struct hook_config *cfg)
{
	const struct nftnl_expr *e = p->expr[0];

	CU_ASSERT_EQUAL_FATAL(p->nexpr, 1);
	check_name(e, "queue");
	CU_ASSERT_EQUAL(nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_NUM),
			cfg->queue_first);
	CU_ASSERT_EQUAL(nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_TOTAL),
			cfg->queue_count);
	CU_ASSERT(nftnl_expr_is_set(e, NFTNL_EXPR_QUEUE_FLAGS));
	/* Bypass or nothing: never CPU fanout. */
	CU_ASSERT_EQUAL(nftnl_expr_get_u16(e, NFTNL_EXPR_QUEUE_FLAGS),
			cfg->bypass ? NFT_QUEUE_FLAG_BYPASS : 0);
	CU_ASSERT_FALSE(nftnl_expr_is_set(e, NFTNL_EXPR_QUEUE_SREG_QNUM));
}

static void check_compat_queue(const struct parsed_rule *p,
			       const struct hook_config *cfg)
{
	/* struct xt_NFQ_info_v3 padded to XT_ALIGN (8 bytes), host order. */
	unsigned char want[8] = { 0 };
	struct xt_NFQ_info_v3 info = {
		.queuenum = cfg->queue_first,
		.queues_total = cfg->queue_count,
		.flags = cfg->bypass ? NFQ_FLAG_BYPASS : 0,
	};
	const struct nftnl_expr *e = p->expr[0];
	const void *data;
	uint32_t len = 0;

	memcpy(want, &info, sizeof(info));
	CU_ASSERT_EQUAL_FATAL(p->nexpr, 1);
	check_name(e, "target");
	CU_ASSERT_STRING_EQUAL(nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME),
			       "NFQUEUE");
	CU_ASSERT_EQUAL(nftnl_expr_get_u32(e, NFTNL_EXPR_TG_REV), 3);
	data = nftnl_expr_get(e, NFTNL_EXPR_TG_INFO, &len);
	CU_ASSERT_FATAL(data != NULL);
	CU_ASSERT_EQUAL(len, sizeof(want));
	CU_ASSERT(len == sizeof(want) && memcmp(data, want, len) == 0);
}

/* ---- the install batch -------------------------------------------------- */

static unsigned int want_rule_count(const struct hook_config *cfg)
{
	unsigned int n = 0;

	for (size_t i = 0; i < NCHAINS; i++)
		n += 1 + (want_chains[i].pass_rule && cfg->pass_mark != 0);
	return n;
}

static void check_rules(const struct walk *w, unsigned int first,
			const struct hook_config *cfg,
			enum hook_queue_kind kind)
{
	unsigned int m = first;

	for (size_t i = 0; i < NCHAINS; i++) {
		const struct want_chain *ch = &want_chains[i];
		struct parsed_rule p;

		if (ch->pass_rule && cfg->pass_mark != 0) {
			CU_ASSERT_EQUAL_FATAL(msg_type(w->msg[m]), NFT_MSG_NEWRULE);
			parse_rule_msg(w->msg[m++], cfg->table, ch->name, &p);
			check_pass_rule(&p, cfg->pass_mark);
			nftnl_rule_free(p.rule);
		}
		CU_ASSERT_EQUAL_FATAL(msg_type(w->msg[m]), NFT_MSG_NEWRULE);
		/* Appended, so that the pass rule stays in front. */
		CU_ASSERT(w->msg[m]->nlmsg_flags & NLM_F_APPEND);
		CU_ASSERT(w->msg[m]->nlmsg_flags & NLM_F_CREATE);
		parse_rule_msg(w->msg[m++], cfg->table, ch->name, &p);
		if (kind == HOOK_QUEUE_NATIVE)
			check_native_queue(&p, cfg);
		else
			check_compat_queue(&p, cfg);
		nftnl_rule_free(p.rule);
	}
	CU_ASSERT_EQUAL(m, first + want_rule_count(cfg));
}

static void check_install(const struct hook_config *cfg,
			  enum hook_queue_kind kind)
{
	size_t len;
	struct walk w;

	memset(batch_buf, 0, sizeof(batch_buf));
	len = hook_build_install_batch(batch_buf, sizeof(batch_buf), cfg, kind,
				       SEQ0);
	CU_ASSERT_FATAL(len > 0);
	walk_batch(batch_buf, len, &w);
	check_framing(&w);
	/* BEGIN, 3 table messages, 5 chains, the rules, END */
	CU_ASSERT_EQUAL_FATAL(w.n, 1 + 3 + NCHAINS + want_rule_count(cfg) + 1);
	check_table_msg(w.msg[1], NFT_MSG_NEWTABLE, cfg->table);
	check_table_msg(w.msg[2], NFT_MSG_DELTABLE, cfg->table);
	check_table_msg(w.msg[3], NFT_MSG_NEWTABLE, cfg->table);
	for (size_t i = 0; i < NCHAINS; i++)
		check_chain_msg(w.msg[4 + i], cfg->table, &want_chains[i]);
	check_rules(&w, 4 + NCHAINS, cfg, kind);
}

static struct hook_config make_cfg(uint16_t first, uint16_t count,
				   bool bypass, uint32_t mark)
{
	struct hook_config cfg = {
		.table = "nfqfw", .queue_first = first, .queue_count = count,
		.bypass = bypass, .pass_mark = mark,
	};
	return cfg;
}

/* Every range and pass mark for one form and one bypass setting. */
static void check_ranges_and_marks(enum hook_queue_kind kind, bool bypass)
{
	static const struct { uint16_t first, count; } ranges[] = {
		{ 0, 1 }, { 4, 1 }, { 0, 2 }, { 10, 4 }, { 65532, 4 },
	};
	static const uint32_t marks[] = { 0, 0x1, 0x100, 0x80000000, 0xffffffff };

	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
			struct hook_config cfg = make_cfg(ranges[r].first,
							  ranges[r].count,
							  bypass, marks[m]);

			check_install(&cfg, kind);
		}
	}
}

/* Every combination of bypass, pass mark and range size, in both forms. */
static void test_install_matrix(void)
{
	check_ranges_and_marks(HOOK_QUEUE_NATIVE, false);
	check_ranges_and_marks(HOOK_QUEUE_NATIVE, true);
	check_ranges_and_marks(HOOK_QUEUE_COMPAT, false);
	check_ranges_and_marks(HOOK_QUEUE_COMPAT, true);
}

static void test_install_native_no_pass_mark(void)
{
	struct hook_config cfg = make_cfg(0, 1, false, 0);

	check_install(&cfg, HOOK_QUEUE_NATIVE);
	CU_ASSERT_EQUAL(want_rule_count(&cfg), 5);
}

static void test_install_compat_pass_mark(void)
{
	struct hook_config cfg = make_cfg(3, 2, true, 0x10);

	check_install(&cfg, HOOK_QUEUE_COMPAT);
	CU_ASSERT_EQUAL(want_rule_count(&cfg), 8);
}

/* The two forms differ only in the queue expression. */
static void test_install_forms_differ(void)
{
	static alignas(struct nlmsghdr) char other[BUF_SIZE];
	struct hook_config cfg = make_cfg(1, 3, true, 0);
	size_t a, b;

	a = hook_build_install_batch(batch_buf, sizeof(batch_buf), &cfg,
				     HOOK_QUEUE_NATIVE, SEQ0);
	b = hook_build_install_batch(other, sizeof(other), &cfg,
				     HOOK_QUEUE_COMPAT, SEQ0);
	CU_ASSERT(a > 0 && b > 0);
	CU_ASSERT(a != b || memcmp(batch_buf, other, a) != 0);
}

static void test_install_table_name(void)
{
	char name[256];
	struct hook_config cfg = make_cfg(0, 1, true, 1);

	memset(name, 'x', 255);
	name[255] = '\0';
	cfg.table = name;       /* the longest the kernel takes */
	check_install(&cfg, HOOK_QUEUE_NATIVE);
	check_install(&cfg, HOOK_QUEUE_COMPAT);
	cfg.table = "a";
	check_install(&cfg, HOOK_QUEUE_COMPAT);
}

static void test_install_bad_kind(void)
{
	struct hook_config cfg = make_cfg(0, 1, true, 0);

	CU_ASSERT_EQUAL(hook_build_install_batch(batch_buf, sizeof(batch_buf),
						 &cfg, (enum hook_queue_kind)7,
						 SEQ0), 0);
}

/* ---- flush and remove --------------------------------------------------- */

static void test_flush_batch(void)
{
	struct hook_config cfg = make_cfg(0, 1, true, 0x100);
	size_t len;
	struct walk w;

	len = hook_build_flush_batch(batch_buf, sizeof(batch_buf), &cfg, SEQ0);
	CU_ASSERT_FATAL(len > 0);
	walk_batch(batch_buf, len, &w);
	check_framing(&w);
	CU_ASSERT_EQUAL_FATAL(w.n, 1 + NCHAINS + 1);
	for (size_t i = 0; i < NCHAINS; i++) {
		const struct nlmsghdr *nlh = w.msg[1 + i];
		struct parsed_rule p;

		CU_ASSERT_EQUAL(msg_type(nlh), NFT_MSG_DELRULE);
		/* Table and chain only: the kernel then deletes every rule. */
		parse_rule_msg(nlh, "nfqfw", want_chains[i].name, &p);
		CU_ASSERT_EQUAL(p.nexpr, 0);
		nftnl_rule_free(p.rule);
	}
}

static void test_remove_batch(void)
{
	struct hook_config cfg = make_cfg(0, 1, false, 0);
	size_t len;
	struct walk w;

	cfg.table = "mytable";
	len = hook_build_remove_batch(batch_buf, sizeof(batch_buf), &cfg, SEQ0);
	CU_ASSERT_FATAL(len > 0);
	walk_batch(batch_buf, len, &w);
	check_framing(&w);
	CU_ASSERT_EQUAL_FATAL(w.n, 3);
	check_table_msg(w.msg[1], NFT_MSG_DELTABLE, "mytable");
}

/* ---- buffers too small, bad configs ------------------------------------- */

typedef size_t (*simple_build_fn)(void *, size_t, const struct hook_config *,
				  uint32_t);

static size_t build_native(void *buf, size_t size,
			   const struct hook_config *cfg, uint32_t seq)
{
	return hook_build_install_batch(buf, size, cfg, HOOK_QUEUE_NATIVE, seq);
}

static size_t build_compat(void *buf, size_t size,
			   const struct hook_config *cfg, uint32_t seq)
{
	return hook_build_install_batch(buf, size, cfg, HOOK_QUEUE_COMPAT, seq);
}

static const simple_build_fn builders[] = {
	build_native, build_compat, hook_build_flush_batch,
	hook_build_remove_batch,
};
#define NBUILDERS (sizeof(builders) / sizeof(builders[0]))

/* Every size below the full length gives 0 and writes nothing past SIZE:
 * each buffer is allocated to its exact size for the sanitizers, and a
 * canary after it catches a write that stays inside the heap block. */
static void test_buffer_too_small(void)
{
	struct hook_config cfg = make_cfg(2, 3, true, 0xf0);

	for (size_t b = 0; b < NBUILDERS; b++) {
		size_t full = builders[b](batch_buf, sizeof(batch_buf), &cfg, SEQ0);

		CU_ASSERT_FATAL(full > 0);
		for (size_t size = 0; size < full; size++) {
			unsigned char *buf = malloc(size + 64);
			bool canary_ok = true;

			CU_ASSERT_FATAL(buf != NULL);
			memset(buf, 0xa5, size + 64);
			CU_ASSERT_EQUAL(builders[b](buf, size, &cfg, SEQ0), 0);
			for (size_t i = size; i < size + 64; i++)
				canary_ok &= buf[i] == 0xa5;
			CU_ASSERT(canary_ok);
			free(buf);
		}
		/* The exact size is enough and gives the same bytes. */
		unsigned char *exact = malloc(full);

		CU_ASSERT_FATAL(exact != NULL);
		CU_ASSERT_EQUAL(builders[b](exact, full, &cfg, SEQ0), full);
		CU_ASSERT(memcmp(exact, batch_buf, full) == 0);
		free(exact);
	}
}

static void test_bad_configs(void)
{
	char long_name[257];
	struct hook_config bad[7];

	memset(long_name, 'y', 256);
	long_name[256] = '\0';
	for (size_t i = 0; i < 7; i++)
		bad[i] = make_cfg(0, 1, true, 0);
	bad[0].table = NULL;
	bad[1].table = "";
	bad[2].table = long_name;             /* 256 characters: too long */
	bad[3].queue_count = 0;
	bad[4].queue_first = 65535;
	bad[4].queue_count = 2;               /* runs past queue 65535 */
	bad[5].queue_first = 2;
	bad[5].queue_count = 65535;           /* up to 65536 */
	bad[6].queue_first = 65534;
	bad[6].queue_count = 3;

	for (size_t i = 0; i < 7; i++) {
		CU_ASSERT_FALSE(hook_config_valid(&bad[i]));
		for (size_t b = 0; b < NBUILDERS; b++)
			CU_ASSERT_EQUAL(builders[b](batch_buf, sizeof(batch_buf),
						    &bad[i], SEQ0), 0);
	}
	CU_ASSERT_FALSE(hook_config_valid(NULL));
	for (size_t b = 0; b < NBUILDERS; b++) {
		struct hook_config ok = make_cfg(0, 1, true, 0);

		CU_ASSERT_EQUAL(builders[b](batch_buf, sizeof(batch_buf), NULL,
					    SEQ0), 0);
		CU_ASSERT_EQUAL(builders[b](NULL, 4096, &ok, SEQ0), 0);
	}
}

static void test_good_configs(void)
{
	struct hook_config edge[] = {
		make_cfg(0, 1, false, 0),
		make_cfg(65535, 1, false, 0),     /* the last queue alone */
		make_cfg(0, 65535, false, 0),
		make_cfg(1, 65535, false, 0),     /* exactly up to 65535 */
		make_cfg(65532, 4, true, 1),
	};

	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		CU_ASSERT(hook_config_valid(&edge[i]));
		check_install(&edge[i], HOOK_QUEUE_NATIVE);
	}
}

static void test_kind_names(void)
{
	const char *native = hook_queue_kind_name(HOOK_QUEUE_NATIVE);
	const char *compat = hook_queue_kind_name(HOOK_QUEUE_COMPAT);

	CU_ASSERT_PTR_NOT_NULL_FATAL(native);
	CU_ASSERT_PTR_NOT_NULL_FATAL(compat);
	CU_ASSERT(strstr(native, "native") != NULL);
	CU_ASSERT(strstr(compat, "NFQUEUE") != NULL);
	CU_ASSERT_STRING_EQUAL(hook_queue_kind_name((enum hook_queue_kind)9),
			       "unknown");
}

static const struct unit_test install_tests[] = {
	{ "native, no pass mark, one queue", test_install_native_no_pass_mark },
	{ "compat, pass mark, bypass, range", test_install_compat_pass_mark },
	{ "all forms x bypass x range x mark", test_install_matrix },
	{ "native and compat differ", test_install_forms_differ },
	{ "table names 1 and 255 long", test_install_table_name },
	{ "unknown queue kind", test_install_bad_kind },
	{ NULL, NULL },
};

static const struct unit_test other_tests[] = {
	{ "flush batch", test_flush_batch },
	{ "remove batch", test_remove_batch },
	{ "buffer too small", test_buffer_too_small },
	{ "bad configs", test_bad_configs },
	{ "edge configs", test_good_configs },
	{ "kind names", test_kind_names },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "hook install batch", install_tests },
	{ "hook flush/remove batches and input checks", other_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
