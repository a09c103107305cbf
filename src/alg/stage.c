/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ALG stage (include/nfqfw/alg_stage.h). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/alg_stage.h"
#include "nfqfw/seqadj.h"

_Static_assert((int)ALG_EXPECT_ANY_SPORT == (int)CT_EXPECT_ANY_SPORT &&
	       (int)ALG_EXPECT_ANY_SADDR == (int)CT_EXPECT_ANY_SADDR,
	       "helpers and the expectation table agree on wildcards");

/* What a connection with a helper carries (ct_entry.help). */
struct alg_help {
	const struct alg_helper *helper;
	struct seqadj seqadj;
	_Alignas(max_align_t) unsigned char state[];
};

int alg_stage_init(struct alg_stage *as)
{
	as->expect = ct_expect_table_create(ALG_EXPECT_TABLE_SIZE);
	return as->expect ? 0 : -ENOMEM;
}

void alg_stage_destroy(struct alg_stage *as)
{
	ct_expect_table_destroy(as->expect);
	as->expect = NULL;
}

static void alg_attach(struct ct_entry *entry, const struct alg_helper *h,
		       struct queue_stats *stats)
{
	struct alg_help *help = calloc(1, sizeof(*help) + h->state_size);

	if (!help) {
		stat_inc(&stats->alg_refused);   /* the connection goes on without */
		return;
	}
	help->helper = h;
	if (h->init)
		h->init(help->state);
	entry->help = help;
}

void alg_new_connection(struct alg_stage *as, const struct alg_config *cfg,
			struct ct_entry *entry, enum ct_info *info, uint64_t now_ns,
			struct queue_stats *stats)
{
	const struct ct_tuple *orig = &entry->tuple[CT_DIR_ORIGINAL];
	const struct alg_helper *h;
	struct ct_expect_match m;

	if (as->expect && ct_expect_take(as->expect, orig, now_ns, &m)) {
		atomic_fetch_or_explicit(&entry->status, CT_S_RELATED, memory_order_relaxed);
		*info = CT_INFO_RELATED;
		stat_inc(&stats->alg_related);
		return;
	}
	if (!cfg || cfg->n == 0 || orig->l4proto == IPPROTO_ICMP ||
	    orig->l4proto == IPPROTO_ICMPV6)
		return;
	h = alg_config_find(cfg, orig->l4proto, orig->dport);
	if (h)
		alg_attach(entry, h, stats);
}

struct alg_call {
	struct alg_stage *as;
	struct ct_entry *entry;
	uint64_t now_ns;
	struct queue_stats *stats;
};

static int alg_expect_cb(struct alg_ctx *ctx, const struct alg_expect *exp,
			 struct alg_endpoint *seen)
{
	struct alg_call *c = ctx->user;
	int err;

	/* Under NAT the receiver must be told the translated endpoint, which
	 * needs the payload rewrite that is not wired yet: no expectation. */
	if (atomic_load_explicit(&c->entry->nat, memory_order_acquire) &
	    (CT_NAT_SRC | CT_NAT_DST)) {
		stat_inc(&c->stats->alg_refused);
		return 0;
	}
	(void)seen;   /* unchanged without NAT */
	err = ct_expect_add(c->as->expect, c->entry, &exp->tuple, exp->wild,
			    ctx->helper->max_expected, ctx->helper->expect_timeout, NULL,
			    c->now_ns);
	if (err == 0)
		stat_inc(&c->stats->alg_expected);
	else
		stat_inc(&c->stats->alg_refused);
	return 0;   /* the control connection goes on either way */
}

static int alg_rewrite_cb(struct alg_ctx *ctx, size_t off, size_t old_len,
			  const uint8_t *text, size_t text_len)
{
	(void)ctx; (void)off; (void)old_len; (void)text; (void)text_len;
	return -EOPNOTSUPP;   /* only under NAT, refused in alg_expect_cb */
}

static void alg_note_cb(struct alg_ctx *ctx, enum alg_reason reason)
{
	struct alg_call *c = ctx->user;

	(void)reason;
	stat_inc(&c->stats->alg_malformed);
}

bool alg_payload(struct alg_stage *as, struct ct_entry *entry, enum ct_dir dir,
		 const struct pkt *p, uint64_t now_ns, struct queue_stats *stats)
{
	struct alg_help *help = entry->help;
	struct alg_call call = { as, entry, now_ns, stats };
	struct alg_ctx ctx;
	int ret;

	if (!help || !p->has_l4 || p->payload_len == 0 || p->payload_off + p->payload_len > p->len)
		return true;
	ctx = (struct alg_ctx){
		.helper = help->helper, .state = help->state, .tuple = &entry->tuple[dir],
		.user = &call, .expect = alg_expect_cb, .rewrite = alg_rewrite_cb,
		.note = alg_note_cb,
	};
	/* The two directions may be on two workers: the helper's state is
	 * the connection's, taken under its lock (bounded work per packet). */
	pthread_spin_lock(&entry->lock);
	ret = help->helper->payload(&ctx, p->data + p->payload_off, p->payload_len, dir,
				    p->l4proto == IPPROTO_TCP ? p->tcp.seq : 0);
	pthread_spin_unlock(&entry->lock);
	if (ret < 0) {
		stat_inc(&stats->alg_refused);
		return false;
	}
	return true;
}
