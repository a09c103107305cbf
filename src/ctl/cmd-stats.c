/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The `stats` command: every worker's counters next to the kernel's own for
 * the same queue, so that a packet lost before it reached us still shows.
 * The counters are copied once (snapshot) and everything, totals included,
 * is rendered from that copy, so the totals always add up. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/ctl_cmd.h"
#include "nfqfw/kstats.h"

/* The plain counters of struct queue_stats, in output order. */
enum ctl_field {
	CTL_F_RECEIVED,
	CTL_F_BYTES,
	CTL_F_ACCEPTED,
	CTL_F_DROPPED,
	CTL_F_MALFORMED,
	CTL_F_ENOBUFS,
	CTL_F_RECV_ERRORS,
	CTL_F_VERDICT_ERRORS,
	CTL_F_VERDICT_MESSAGES,
	CTL_F_BATCHED,
	CTL_F_GSO,
	CTL_F_CSUM_NOT_READY,
	CTL_F_TRUNCATED_COPIES,
	CTL_F_FILTER_ACCEPTED,
	CTL_F_FILTER_DROPPED,
	CTL_F_FILTER_REJECTED,
	CTL_F_REJECTS_SENT,
	CTL_F_REJECTS_NOT_SENT,
	CTL_F_FILTER_LOGGED,
	CTL_F_NAT_BOUND,
	CTL_F_NAT_REWRITTEN,
	CTL_F_NAT_EXHAUSTED,
	CTL_F_NAT_INVALID,
	CTL_F_NAT_FAILED,
	CTL_F_ALG_EXPECTED,
	CTL_F_ALG_RELATED,
	CTL_F_ALG_REFUSED,
	CTL_F_ALG_MALFORMED,
	CTL_F_COUNT
};

static const struct {
	const char *name;
	size_t offset;
} ctl_fields[CTL_F_COUNT] = {
#define CTL_FIELD(e, f) [e] = { #f, offsetof(struct queue_stats, f) }
	CTL_FIELD(CTL_F_RECEIVED, received),
	CTL_FIELD(CTL_F_BYTES, bytes),
	CTL_FIELD(CTL_F_ACCEPTED, accepted),
	CTL_FIELD(CTL_F_DROPPED, dropped),
	CTL_FIELD(CTL_F_MALFORMED, malformed),
	CTL_FIELD(CTL_F_ENOBUFS, enobufs),
	CTL_FIELD(CTL_F_RECV_ERRORS, recv_errors),
	CTL_FIELD(CTL_F_VERDICT_ERRORS, verdict_errors),
	CTL_FIELD(CTL_F_VERDICT_MESSAGES, verdict_messages),
	CTL_FIELD(CTL_F_BATCHED, batched),
	CTL_FIELD(CTL_F_GSO, gso),
	CTL_FIELD(CTL_F_CSUM_NOT_READY, csum_not_ready),
	CTL_FIELD(CTL_F_TRUNCATED_COPIES, truncated_copies),
	CTL_FIELD(CTL_F_FILTER_ACCEPTED, filter_accepted),
	CTL_FIELD(CTL_F_FILTER_DROPPED, filter_dropped),
	CTL_FIELD(CTL_F_FILTER_REJECTED, filter_rejected),
	CTL_FIELD(CTL_F_REJECTS_SENT, rejects_sent),
	CTL_FIELD(CTL_F_REJECTS_NOT_SENT, rejects_not_sent),
	CTL_FIELD(CTL_F_FILTER_LOGGED, filter_logged),
	CTL_FIELD(CTL_F_NAT_BOUND, nat_bound),
	CTL_FIELD(CTL_F_NAT_REWRITTEN, nat_rewritten),
	CTL_FIELD(CTL_F_NAT_EXHAUSTED, nat_exhausted),
	CTL_FIELD(CTL_F_NAT_INVALID, nat_invalid),
	CTL_FIELD(CTL_F_NAT_FAILED, nat_failed),
	CTL_FIELD(CTL_F_ALG_EXPECTED, alg_expected),
	CTL_FIELD(CTL_F_ALG_RELATED, alg_related),
	CTL_FIELD(CTL_F_ALG_REFUSED, alg_refused),
	CTL_FIELD(CTL_F_ALG_MALFORMED, alg_malformed),
#undef CTL_FIELD
};

struct ctl_counts {
	uint64_t f[CTL_F_COUNT];
	uint64_t malformed_by[PKT_ERR_COUNT];
	uint64_t by_hook[STATS_HOOK_COUNT];
};

struct ctl_queue_snap {
	uint16_t queue;
	struct ctl_counts c;
	struct queue_kstats k;
	int kerr;                   /* queue_kstats_read()'s result */
};

struct ctl_snapshot {
	unsigned int n;
	struct ctl_queue_snap *q;
	struct ctl_counts total;
	uint64_t k_waiting, k_queue_dropped, k_user_dropped;
	const char *kpath;
};

static void ctl_counts_read(struct ctl_counts *c, const struct queue_stats *s)
{
	memset(c, 0, sizeof(*c));
	if (!s)
		return;
	for (unsigned int i = 0; i < CTL_F_COUNT; i++)
		c->f[i] = stat_read((const stat_counter *)
				    ((const char *)s + ctl_fields[i].offset));
	for (unsigned int i = 0; i < PKT_ERR_COUNT; i++)
		c->malformed_by[i] = stat_read(&s->malformed_by[i]);
	for (unsigned int i = 0; i < STATS_HOOK_COUNT; i++)
		c->by_hook[i] = stat_read(&s->by_hook[i]);
}

static void ctl_counts_add(struct ctl_counts *sum, const struct ctl_counts *c)
{
	for (unsigned int i = 0; i < CTL_F_COUNT; i++)
		sum->f[i] += c->f[i];
	for (unsigned int i = 0; i < PKT_ERR_COUNT; i++)
		sum->malformed_by[i] += c->malformed_by[i];
	for (unsigned int i = 0; i < STATS_HOOK_COUNT; i++)
		sum->by_hook[i] += c->by_hook[i];
}

static int ctl_snapshot_take(struct ctl_snapshot *snap, const struct ctl_context *ctx)
{
	memset(snap, 0, sizeof(*snap));
	snap->kpath = ctx->proc_queue_path ? ctx->proc_queue_path : QUEUE_KSTATS_PATH;
	snap->n = ctx->workers ? ctx->nworkers : 0;
	snap->q = calloc(snap->n ? snap->n : 1, sizeof(*snap->q));
	if (!snap->q)
		return -ENOMEM;
	for (unsigned int i = 0; i < snap->n; i++) {
		struct ctl_queue_snap *q = &snap->q[i];

		q->queue = ctx->workers[i].queue;
		ctl_counts_read(&q->c, ctx->workers[i].stats);
		ctl_counts_add(&snap->total, &q->c);
		q->kerr = queue_kstats_read(snap->kpath, q->queue, &q->k);
		if (q->kerr == 0) {
			snap->k_waiting += q->k.waiting;
			snap->k_queue_dropped += q->k.queue_dropped;
			snap->k_user_dropped += q->k.user_dropped;
		}
	}
	return 0;
}

static const char *ctl_reason_name(unsigned int r, char *buf, size_t size)
{
	const char *name = pkt_error_name((enum pkt_error)r);

	if (name)
		return name;
	snprintf(buf, size, "reason_%u", r);
	return buf;
}

static const char *ctl_hook_name(unsigned int h, char *buf, size_t size)
{
	const char *name = stats_hook_name((enum stats_hook)h);

	if (name)
		return name;
	snprintf(buf, size, "hook_%u", h);
	return buf;
}

/* ---- JSON ---- */

static void ctl_stats_json_counts(struct ctl_json *j, const struct ctl_counts *c)
{
	char buf[32];

	for (unsigned int i = 0; i < CTL_F_COUNT; i++)
		ctl_json_u64(j, ctl_fields[i].name, c->f[i]);
	ctl_json_object_begin(j, "malformed_by");
	for (unsigned int r = 1; r < PKT_ERR_COUNT; r++)
		ctl_json_u64(j, ctl_reason_name(r, buf, sizeof(buf)), c->malformed_by[r]);
	ctl_json_object_end(j);
	ctl_json_object_begin(j, "by_hook");
	for (unsigned int h = 0; h < STATS_HOOK_COUNT; h++)
		ctl_json_u64(j, ctl_hook_name(h, buf, sizeof(buf)), c->by_hook[h]);
	ctl_json_object_end(j);
}

static void ctl_stats_json_kernel(struct ctl_json *j, const struct ctl_queue_snap *q)
{
	if (q->kerr != 0) {
		ctl_json_null(j, "kernel");
		if (q->kerr != -ENOENT)
			ctl_json_str(j, "kernel_error", strerror(-q->kerr));
		return;
	}
	ctl_json_object_begin(j, "kernel");
	ctl_json_u64(j, "portid", q->k.portid);
	ctl_json_u64(j, "waiting", q->k.waiting);
	ctl_json_u64(j, "copy_mode", q->k.copy_mode);
	ctl_json_u64(j, "copy_range", q->k.copy_range);
	ctl_json_u64(j, "queue_dropped", q->k.queue_dropped);
	ctl_json_u64(j, "user_dropped", q->k.user_dropped);
	ctl_json_u64(j, "id_sequence", q->k.id_sequence);
	ctl_json_object_end(j);
}

static void ctl_stats_json(struct ctl_buf *b, const struct ctl_snapshot *snap,
			   const struct ctl_context *ctx)
{
	struct ctl_json j;

	ctl_json_init(&j, b);
	ctl_json_object_begin(&j, NULL);
	ctl_json_array_begin(&j, "queues");
	for (unsigned int i = 0; i < snap->n; i++) {
		ctl_json_object_begin(&j, NULL);
		ctl_json_u64(&j, "queue", snap->q[i].queue);
		ctl_stats_json_counts(&j, &snap->q[i].c);
		ctl_stats_json_kernel(&j, &snap->q[i]);
		ctl_json_object_end(&j);
	}
	ctl_json_array_end(&j);
	ctl_json_object_begin(&j, "total");
	ctl_stats_json_counts(&j, &snap->total);
	ctl_json_object_begin(&j, "kernel");
	ctl_json_u64(&j, "waiting", snap->k_waiting);
	ctl_json_u64(&j, "queue_dropped", snap->k_queue_dropped);
	ctl_json_u64(&j, "user_dropped", snap->k_user_dropped);
	ctl_json_object_end(&j);
	ctl_json_object_end(&j);
	ctl_json_str(&j, "kernel_source", snap->kpath);
	ctl_stats_ct_json(&j, ctx);
	ctl_json_object_end(&j);
	ctl_json_finish(&j);
}

/* ---- text ---- */

/* One table whose columns are some of the plain counters, a row per queue
 * and a total. */
static void ctl_stats_text_fields(struct ctl_buf *b, const struct ctl_snapshot *snap,
				  const char *title, const enum ctl_field *cols,
				  unsigned int ncols)
{
	const char *headers[CTL_F_COUNT + 1] = { "queue" };
	char align[CTL_F_COUNT + 2] = "l";
	struct ctl_table t;

	for (unsigned int c = 0; c < ncols; c++) {
		headers[c + 1] = ctl_fields[cols[c]].name;
		align[c + 1] = 'r';
	}
	ctl_table_init(&t, ncols + 1, headers, align);
	for (unsigned int i = 0; i <= snap->n; i++) {
		const struct ctl_counts *c = i < snap->n ? &snap->q[i].c : &snap->total;

		ctl_table_row(&t);
		if (i < snap->n)
			ctl_table_cell(&t, "%u", snap->q[i].queue);
		else
			ctl_table_cell(&t, "total");
		for (unsigned int k = 0; k < ncols; k++)
			ctl_table_cell(&t, "%" PRIu64, c->f[cols[k]]);
	}
	ctl_buf_printf(b, "%s\n", title);
	ctl_table_render(&t, b, 2);
}

static void ctl_stats_text_hooks(struct ctl_buf *b, const struct ctl_snapshot *snap)
{
	const char *headers[STATS_HOOK_COUNT + 1] = { "queue" };
	char names[STATS_HOOK_COUNT][32];
	struct ctl_table t;

	for (unsigned int h = 0; h < STATS_HOOK_COUNT; h++)
		headers[h + 1] = ctl_hook_name(h, names[h], sizeof(names[h]));
	ctl_table_init(&t, STATS_HOOK_COUNT + 1, headers, "lrrrrr");
	for (unsigned int i = 0; i <= snap->n; i++) {
		const struct ctl_counts *c = i < snap->n ? &snap->q[i].c : &snap->total;

		ctl_table_row(&t);
		if (i < snap->n)
			ctl_table_cell(&t, "%u", snap->q[i].queue);
		else
			ctl_table_cell(&t, "total");
		for (unsigned int h = 0; h < STATS_HOOK_COUNT; h++)
			ctl_table_cell(&t, "%" PRIu64, c->by_hook[h]);
	}
	ctl_buf_puts(b, "Packets by hook\n");
	ctl_table_render(&t, b, 2);
}

/* Rows "queue reason packets" for the reasons that are not zero. */
static void ctl_stats_text_malformed_rows(struct ctl_table *t, const char *label,
					  const struct ctl_counts *c)
{
	char buf[32];
	bool first = true;

	for (unsigned int r = 1; r < PKT_ERR_COUNT; r++) {
		if (!c->malformed_by[r])
			continue;
		ctl_table_row(t);
		ctl_table_cell(t, "%s", first ? label : "");
		ctl_table_cell(t, "%s", ctl_reason_name(r, buf, sizeof(buf)));
		ctl_table_cell(t, "%" PRIu64, c->malformed_by[r]);
		first = false;
	}
}

static bool ctl_counts_any_reason(const struct ctl_counts *c)
{
	for (unsigned int r = 1; r < PKT_ERR_COUNT; r++)
		if (c->malformed_by[r])
			return true;
	return false;
}

static void ctl_stats_text_malformed(struct ctl_buf *b, const struct ctl_snapshot *snap)
{
	static const char *const headers[] = { "queue", "reason", "packets" };
	struct ctl_table t;
	char label[8];

	ctl_buf_puts(b, "Malformed packets by reason\n");
	if (!ctl_counts_any_reason(&snap->total)) {
		ctl_buf_puts(b, "  none\n");
		return;
	}
	ctl_table_init(&t, 3, headers, "llr");
	for (unsigned int i = 0; i < snap->n; i++) {
		snprintf(label, sizeof(label), "%u", snap->q[i].queue);
		ctl_stats_text_malformed_rows(&t, label, &snap->q[i].c);
	}
	ctl_stats_text_malformed_rows(&t, "total", &snap->total);
	ctl_table_render(&t, b, 2);
}

/* The kernel's counters; a queue without a line shows dashes and a note. */
static void ctl_stats_text_kernel(struct ctl_buf *b, const struct ctl_snapshot *snap)
{
	static const char *const headers[] = {
		"queue", "portid", "waiting", "queue_dropped", "user_dropped", "id_sequence",
	};
	struct ctl_table t;

	ctl_table_init(&t, 6, headers, "lrrrrr");
	for (unsigned int i = 0; i < snap->n; i++) {
		const struct ctl_queue_snap *q = &snap->q[i];

		ctl_table_row(&t);
		ctl_table_cell(&t, "%u", q->queue);
		if (q->kerr != 0) {
			for (unsigned int c = 1; c < 6; c++)
				ctl_table_cell(&t, "-");
			continue;
		}
		ctl_table_cell(&t, "%" PRIu32, q->k.portid);
		ctl_table_cell(&t, "%" PRIu32, q->k.waiting);
		ctl_table_cell(&t, "%" PRIu64, q->k.queue_dropped);
		ctl_table_cell(&t, "%" PRIu64, q->k.user_dropped);
		ctl_table_cell(&t, "%" PRIu64, q->k.id_sequence);
	}
	ctl_table_row(&t);
	ctl_table_cell(&t, "total");
	ctl_table_cell(&t, "%s", "");
	ctl_table_cell(&t, "%" PRIu64, snap->k_waiting);
	ctl_table_cell(&t, "%" PRIu64, snap->k_queue_dropped);
	ctl_table_cell(&t, "%" PRIu64, snap->k_user_dropped);

	ctl_buf_puts(b, "Kernel queue counters (");
	ctl_buf_put_safe(b, snap->kpath);
	ctl_buf_puts(b, ")\n");
	ctl_table_render(&t, b, 2);
	for (unsigned int i = 0; i < snap->n; i++) {
		const struct ctl_queue_snap *q = &snap->q[i];

		if (q->kerr == -ENOENT)
			ctl_buf_printf(b, "  queue %u: not bound in the kernel\n", q->queue);
		else if (q->kerr != 0)
			ctl_buf_printf(b, "  queue %u: cannot read the counters: %s\n",
				       q->queue, strerror(-q->kerr));
	}
}

static void ctl_stats_text(struct ctl_buf *b, const struct ctl_snapshot *snap,
			   const struct ctl_context *ctx)
{
	static const enum ctl_field packets[] = {
		CTL_F_RECEIVED, CTL_F_BYTES, CTL_F_ACCEPTED, CTL_F_DROPPED, CTL_F_MALFORMED,
	};
	static const enum ctl_field netlink[] = {
		CTL_F_VERDICT_MESSAGES, CTL_F_BATCHED, CTL_F_VERDICT_ERRORS,
		CTL_F_RECV_ERRORS, CTL_F_ENOBUFS,
	};
	static const enum ctl_field handover[] = {
		CTL_F_GSO, CTL_F_CSUM_NOT_READY, CTL_F_TRUNCATED_COPIES,
	};
	static const enum ctl_field filter[] = {
		CTL_F_FILTER_ACCEPTED, CTL_F_FILTER_DROPPED, CTL_F_FILTER_REJECTED,
		CTL_F_REJECTS_SENT, CTL_F_REJECTS_NOT_SENT, CTL_F_FILTER_LOGGED,
	};
	static const enum ctl_field nat[] = {
		CTL_F_NAT_BOUND, CTL_F_NAT_REWRITTEN, CTL_F_NAT_EXHAUSTED,
		CTL_F_NAT_INVALID, CTL_F_NAT_FAILED,
	};
	static const enum ctl_field alg[] = {
		CTL_F_ALG_EXPECTED, CTL_F_ALG_RELATED, CTL_F_ALG_REFUSED, CTL_F_ALG_MALFORMED,
	};

	ctl_stats_text_fields(b, snap, "Packets", packets, 5);
	ctl_buf_puts(b, "\n");
	ctl_stats_text_malformed(b, snap);
	ctl_buf_puts(b, "\n");
	ctl_stats_text_hooks(b, snap);
	ctl_buf_puts(b, "\n");
	ctl_stats_text_fields(b, snap, "Netlink", netlink, 5);
	ctl_buf_puts(b, "\n");
	ctl_stats_text_fields(b, snap, "Packet handover", handover, 3);
	ctl_buf_puts(b, "\n");
	ctl_stats_text_fields(b, snap, "Filter rules (input, forward, output)", filter, 6);
	ctl_buf_puts(b, "\n");
	ctl_stats_text_fields(b, snap, "NAT", nat, 5);
	ctl_buf_puts(b, "\n");
	ctl_stats_text_fields(b, snap, "ALG helpers", alg, 4);
	ctl_buf_puts(b, "\n");
	ctl_stats_text_kernel(b, snap);
	if (ctx->ct) {
		ctl_buf_puts(b, "\n");
		ctl_stats_ct_text(b, ctx);
	}
}

int ctl_cmd_stats(struct ctl_call *call)
{
	struct ctl_snapshot snap;

	if (ctl_snapshot_take(&snap, call->ctx) < 0)
		return ctl_call_fail(call, CTL_EXIT_FAILURE, "out of memory");
	if (call->format == CTL_FORMAT_JSON)
		ctl_stats_json(call->body, &snap, call->ctx);
	else
		ctl_stats_text(call->body, &snap, call->ctx);
	free(snap.q);
	return CTL_EXIT_OK;
}
