/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connection tracking part of `stats`: conntrack -S's figures for the
 * table, its memory, and how many packets each worker classified as NEW,
 * ESTABLISHED, RELATED, INVALID or UNTRACKED. */
#include "config.h"

#include <inttypes.h>

#include "nfqfw/ct.h"
#include "nfqfw/ctl_cmd.h"

static const char *const ctl_ct_info_keys[CT_INFO_COUNT] = {
	[CT_INFO_NEW] = "new",
	[CT_INFO_ESTABLISHED] = "established",
	[CT_INFO_RELATED] = "related",
	[CT_INFO_INVALID] = "invalid",
	[CT_INFO_UNTRACKED] = "untracked",
};

static uint64_t ctl_ct_info_count(const struct ctl_context *ctx, unsigned int w,
				  unsigned int info)
{
	return stat_read(&ctx->workers[w].stats->ct_by_info[info]);
}

void ctl_stats_ct_json(struct ctl_json *j, const struct ctl_context *ctx)
{
	struct ct_stats s;

	if (!ctx->ct) {
		ctl_json_null(j, "conntrack");
		return;
	}
	ct_table_stats(ctx->ct, &s);
	ctl_json_object_begin(j, "conntrack");
	ctl_json_u64(j, "count", s.count);
	ctl_json_u64(j, "max", s.max);
	ctl_json_u64(j, "entry_size", s.entry_size);
	ctl_json_u64(j, "memory", s.count * s.entry_size);
	ctl_json_u64(j, "found", s.found);
	ctl_json_u64(j, "invalid", s.invalid);
	ctl_json_u64(j, "insert", s.insert);
	ctl_json_u64(j, "insert_failed", s.insert_failed);
	ctl_json_u64(j, "drop", s.drop);
	ctl_json_u64(j, "early_drop", s.early_drop);
	ctl_json_u64(j, "searched", s.searched);
	ctl_json_u64(j, "expired", s.expired);
	ctl_json_u64(j, "clash_resolve", s.clash_resolve);
	ctl_json_object_begin(j, "packets");
	for (unsigned int i = 0; i < CT_INFO_COUNT; i++) {
		uint64_t sum = 0;

		for (unsigned int w = 0; ctx->workers && w < ctx->nworkers; w++)
			sum += ctl_ct_info_count(ctx, w, i);
		ctl_json_u64(j, ctl_ct_info_keys[i], sum);
	}
	ctl_json_object_end(j);
	ctl_json_object_end(j);
}

static void ctl_stats_ct_text_table(struct ctl_buf *b, const struct ct_stats *s)
{
	ctl_buf_puts(b, "Connection tracking (as conntrack -S)\n");
	ctl_buf_printf(b, "  entries %" PRIu64 " of %" PRIu64 ", %zu bytes each, %" PRIu64
		       " KiB in use\n", s->count, s->max, s->entry_size,
		       s->count * s->entry_size / 1024);
	ctl_buf_printf(b, "  found=%" PRIu64 " invalid=%" PRIu64 " insert=%" PRIu64
		       " insert_failed=%" PRIu64 " drop=%" PRIu64 " early_drop=%" PRIu64
		       " searched=%" PRIu64 " expired=%" PRIu64 " clash_resolve=%" PRIu64 "\n",
		       s->found, s->invalid, s->insert, s->insert_failed, s->drop,
		       s->early_drop, s->searched, s->expired, s->clash_resolve);
}

void ctl_stats_ct_text(struct ctl_buf *b, const struct ctl_context *ctx)
{
	static const char *const headers[CT_INFO_COUNT + 1] = {
		"queue", "new", "established", "related", "invalid", "untracked",
	};
	uint64_t total[CT_INFO_COUNT] = { 0 };
	struct ct_stats s;
	struct ctl_table t;

	if (!ctx->ct)
		return;
	ct_table_stats(ctx->ct, &s);
	ctl_stats_ct_text_table(b, &s);
	ctl_buf_puts(b, "\nPackets by connection state\n");
	ctl_table_init(&t, CT_INFO_COUNT + 1, headers, "lrrrrr");
	for (unsigned int w = 0; ctx->workers && w < ctx->nworkers; w++) {
		ctl_table_row(&t);
		ctl_table_cell(&t, "%u", ctx->workers[w].queue);
		for (unsigned int i = 0; i < CT_INFO_COUNT; i++) {
			uint64_t v = ctl_ct_info_count(ctx, w, i);

			total[i] += v;
			ctl_table_cell(&t, "%" PRIu64, v);
		}
	}
	ctl_table_row(&t);
	ctl_table_cell(&t, "total");
	for (unsigned int i = 0; i < CT_INFO_COUNT; i++)
		ctl_table_cell(&t, "%" PRIu64, total[i]);
	ctl_table_render(&t, b, 2);
}
