/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The `metrics` command: every counter of `stats` in the Prometheus text
 * exposition format (version 0.0.4), ready for node_exporter's textfile
 * collector or a scrape through a small wrapper. One series per queue
 * (label queue="N"), no totals: sum() in a query makes them. Counters end in
 * _total; what can go down (entries, packets waiting) is a gauge. With json
 * the same families and samples come as a JSON document. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/ct.h"
#include "nfqfw/ctl_cmd.h"
#include "nfqfw/kstats.h"

/* ---- the writer: families and samples, as text or JSON ---- */

enum ctl_metric_type {
	CTL_METRIC_COUNTER,
	CTL_METRIC_GAUGE,
};

struct ctl_label {
	const char *name;
	const char *value;          /* NULL is written as "" */
};

struct ctl_metrics {
	struct ctl_buf *b;
	bool json;
	struct ctl_json j;
	const char *family;         /* the open family, NULL if none */
};

/* S escaped as the format wants: backslash and newline always, the double
 * quote inside label values (QUOTED); invalid UTF-8 as U+FFFD. */
static void ctl_metrics_put_escaped(struct ctl_buf *b, const char *s, bool quoted)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		size_t n = ctl_utf8_len(p);

		if (*p == '\\')
			ctl_buf_puts(b, "\\\\");
		else if (*p == '\n')
			ctl_buf_puts(b, "\\n");
		else if (*p == '"' && quoted)
			ctl_buf_puts(b, "\\\"");
		else if (n == 0)
			ctl_buf_puts(b, "\xef\xbf\xbd");
		else
			ctl_buf_put(b, p, n);
		p += n ? n : 1;
	}
}

static void ctl_metrics_init(struct ctl_metrics *m, struct ctl_buf *b, bool json)
{
	memset(m, 0, sizeof(*m));
	m->b = b;
	m->json = json;
	if (json) {
		ctl_json_init(&m->j, b);
		ctl_json_object_begin(&m->j, NULL);
		ctl_json_array_begin(&m->j, "metrics");
	}
}

static void ctl_metrics_family_end(struct ctl_metrics *m)
{
	if (m->family && m->json) {
		ctl_json_array_end(&m->j);
		ctl_json_object_end(&m->j);
	}
	m->family = NULL;
}

/* Starts the family NAME: its HELP and TYPE lines come before any sample,
 * as the format requires. */
static void ctl_metrics_family(struct ctl_metrics *m, const char *name,
			       enum ctl_metric_type type, const char *help)
{
	const char *tname = type == CTL_METRIC_COUNTER ? "counter" : "gauge";

	ctl_metrics_family_end(m);
	m->family = name;
	if (m->json) {
		ctl_json_object_begin(&m->j, NULL);
		ctl_json_str(&m->j, "name", name);
		ctl_json_str(&m->j, "type", tname);
		ctl_json_str(&m->j, "help", help);
		ctl_json_array_begin(&m->j, "samples");
		return;
	}
	ctl_buf_printf(m->b, "# HELP %s ", name);
	ctl_metrics_put_escaped(m->b, help, false);
	ctl_buf_printf(m->b, "\n# TYPE %s %s\n", name, tname);
}

/* One sample of the open family, with N labels. */
static void ctl_metrics_sample(struct ctl_metrics *m, const struct ctl_label *labels,
			       unsigned int n, uint64_t value)
{
	if (!m->family) {
		m->b->failed = true;   /* a sample outside a family: a bug here */
		return;
	}
	if (m->json) {
		ctl_json_object_begin(&m->j, NULL);
		ctl_json_object_begin(&m->j, "labels");
		for (unsigned int i = 0; i < n; i++)
			ctl_json_str(&m->j, labels[i].name, labels[i].value ? labels[i].value : "");
		ctl_json_object_end(&m->j);
		ctl_json_u64(&m->j, "value", value);
		ctl_json_object_end(&m->j);
		return;
	}
	ctl_buf_puts(m->b, m->family);
	for (unsigned int i = 0; i < n; i++) {
		ctl_buf_printf(m->b, "%c%s=\"", i ? ',' : '{', labels[i].name);
		ctl_metrics_put_escaped(m->b, labels[i].value, true);
		ctl_buf_puts(m->b, "\"");
	}
	ctl_buf_printf(m->b, "%s %" PRIu64 "\n", n ? "}" : "", value);
}

static void ctl_metrics_finish(struct ctl_metrics *m)
{
	ctl_metrics_family_end(m);
	if (m->json) {
		ctl_json_array_end(&m->j);
		ctl_json_object_end(&m->j);
		ctl_json_finish(&m->j);
	}
}

/* ---- what is measured ---- */

/* The plain counters of struct queue_stats (last_seen_ns is a time, not a
 * count, and stays out). */
static const struct ctl_metric_field {
	size_t offset;
	const char *name;
	const char *help;
} ctl_metric_fields[] = {
#define CTL_MF(f, n, h) { offsetof(struct queue_stats, f), n, h }
	CTL_MF(received, "nfqfw_packets_received_total",
	       "Packets the worker read from its queue."),
	CTL_MF(bytes, "nfqfw_received_bytes_total",
	       "Bytes of the packets the worker read, at their length on the wire."),
	CTL_MF(accepted, "nfqfw_packets_accepted_total", "Packets given an accept verdict."),
	CTL_MF(dropped, "nfqfw_packets_dropped_total", "Packets given a drop verdict."),
	CTL_MF(malformed, "nfqfw_packets_malformed_total",
	       "Packets that could not be parsed (by reason: nfqfw_packets_malformed_by_reason_total)."),
	CTL_MF(enobufs, "nfqfw_netlink_enobufs_total",
	       "Receive overruns reported by netlink (ENOBUFS): the kernel lost packets meant for the worker."),
	CTL_MF(recv_errors, "nfqfw_netlink_receive_errors_total",
	       "Other errors receiving from the queue's netlink socket."),
	CTL_MF(verdict_errors, "nfqfw_verdict_errors_total", "Verdicts the kernel refused."),
	CTL_MF(verdict_messages, "nfqfw_verdict_messages_total", "Verdict netlink messages sent."),
	CTL_MF(batched, "nfqfw_packets_batched_total", "Packets released by a batch verdict."),
	CTL_MF(gso, "nfqfw_packets_gso_total", "Packets handed over as GSO packets."),
	CTL_MF(csum_not_ready, "nfqfw_packets_csum_not_ready_total",
	       "Packets whose checksum was left to the kernel or the NIC."),
	CTL_MF(truncated_copies, "nfqfw_packets_truncated_copies_total",
	       "Packets handed over with a copy shorter than the packet."),
	CTL_MF(filter_accepted, "nfqfw_filter_accepted_total",
	       "Packets the filter rules accepted (input, forward and output chains)."),
	CTL_MF(filter_dropped, "nfqfw_filter_dropped_total", "Packets the filter rules dropped."),
	CTL_MF(filter_rejected, "nfqfw_filter_rejected_total", "Packets the filter rules rejected."),
	CTL_MF(rejects_sent, "nfqfw_rejects_sent_total",
	       "TCP resets and ICMP errors the daemon sent for rejected packets."),
	CTL_MF(rejects_not_sent, "nfqfw_rejects_not_sent_total",
	       "Rejected packets that got no answer (not allowed, e.g. to an ICMP error, or the send failed)."),
	CTL_MF(filter_logged, "nfqfw_filter_log_lines_total", "Log lines written by rules."),
	CTL_MF(nat_bound, "nfqfw_nat_bindings_total", "Connections given a NAT binding."),
	CTL_MF(nat_rewritten, "nfqfw_nat_packets_translated_total", "Packets translated by NAT."),
	CTL_MF(nat_exhausted, "nfqfw_nat_exhausted_total",
	       "New connections dropped because no address and port of the range was free."),
	CTL_MF(nat_invalid, "nfqfw_nat_invalid_dropped_total",
	       "INVALID packets of translated connections, dropped rather than let out untranslated."),
	CTL_MF(alg_expected, "nfqfw_alg_expectations_total",
	       "Connections ALG helpers announced (expectations made)."),
	CTL_MF(alg_related, "nfqfw_alg_related_total",
	       "New connections that fulfilled an expectation (RELATED to their master)."),
	CTL_MF(alg_refused, "nfqfw_alg_refused_total",
	       "Packets dropped or expectations refused by ALG helpers (e.g. an FTP bounce)."),
	CTL_MF(alg_malformed, "nfqfw_alg_malformed_total",
	       "Payloads an ALG helper could not use (malformed or split commands)."),
	CTL_MF(nat_failed, "nfqfw_nat_failed_total",
	       "Packets that could not be translated (e.g. a truncated copy) and were dropped."),
#undef CTL_MF
};

#define CTL_METRIC_NFIELDS (sizeof(ctl_metric_fields) / sizeof(ctl_metric_fields[0]))

static const char *const ctl_metric_states[CT_INFO_COUNT] = {
	[CT_INFO_NEW] = "new",
	[CT_INFO_ESTABLISHED] = "established",
	[CT_INFO_RELATED] = "related",
	[CT_INFO_INVALID] = "invalid",
	[CT_INFO_UNTRACKED] = "untracked",
};

/* One worker's counters, copied once so that every family shows the same
 * moment, and the kernel's line for its queue. */
struct ctl_metrics_queue {
	char label[8];              /* the queue number, for queue="N" */
	uint64_t field[CTL_METRIC_NFIELDS];
	uint64_t malformed_by[PKT_ERR_COUNT];
	uint64_t by_hook[STATS_HOOK_COUNT];
	uint64_t by_state[CT_INFO_COUNT];
	struct queue_kstats k;
	int kerr;                   /* queue_kstats_read()'s result */
};

struct ctl_metrics_snap {
	unsigned int n;
	struct ctl_metrics_queue *q;
	bool has_ct;
	struct ct_stats ct;
};

static void ctl_metrics_read_queue(struct ctl_metrics_queue *q,
				   const struct ctl_worker_info *w, const char *kpath)
{
	const struct queue_stats *s = w->stats;

	snprintf(q->label, sizeof(q->label), "%u", (unsigned int)w->queue);
	q->kerr = queue_kstats_read(kpath, w->queue, &q->k);
	if (!s)
		return;
	for (unsigned int i = 0; i < CTL_METRIC_NFIELDS; i++)
		q->field[i] = stat_read((const stat_counter *)
					((const char *)s + ctl_metric_fields[i].offset));
	for (unsigned int i = 0; i < PKT_ERR_COUNT; i++)
		q->malformed_by[i] = stat_read(&s->malformed_by[i]);
	for (unsigned int i = 0; i < STATS_HOOK_COUNT; i++)
		q->by_hook[i] = stat_read(&s->by_hook[i]);
	for (unsigned int i = 0; i < CT_INFO_COUNT; i++)
		q->by_state[i] = stat_read(&s->ct_by_info[i]);
}

static int ctl_metrics_snap_take(struct ctl_metrics_snap *snap,
				 const struct ctl_context *ctx)
{
	const char *kpath = ctx->proc_queue_path ? ctx->proc_queue_path : QUEUE_KSTATS_PATH;

	memset(snap, 0, sizeof(*snap));
	snap->n = ctx->workers ? ctx->nworkers : 0;
	snap->q = calloc(snap->n ? snap->n : 1, sizeof(*snap->q));
	if (!snap->q)
		return -ENOMEM;
	for (unsigned int i = 0; i < snap->n; i++)
		ctl_metrics_read_queue(&snap->q[i], &ctx->workers[i], kpath);
	snap->has_ct = ctx->ct != NULL;
	if (snap->has_ct)
		ct_table_stats(ctx->ct, &snap->ct);
	return 0;
}

/* ---- the families ---- */

static void ctl_metrics_daemon(struct ctl_metrics *m, const struct ctl_context *ctx)
{
	const struct ctl_label info[] = {
		{ "version", ctx->version },
		{ "table", ctx->table },
		{ "queue_form", ctx->hook_kind },
	};

	ctl_metrics_family(m, "nfqfw_info", CTL_METRIC_GAUGE,
			   "Always 1; the labels say which daemon answers.");
	ctl_metrics_sample(m, info, 3, 1);
	ctl_metrics_family(m, "nfqfw_start_time_seconds", CTL_METRIC_GAUGE,
			   "When the daemon started, in seconds since the Unix epoch.");
	ctl_metrics_sample(m, NULL, 0, ctx->started > 0 ? (uint64_t)ctx->started : 0);
	ctl_metrics_family(m, "nfqfw_workers", CTL_METRIC_GAUGE,
			   "Worker threads, one per queue.");
	ctl_metrics_sample(m, NULL, 0, ctx->workers ? ctx->nworkers : 0);
}

static void ctl_metrics_fields(struct ctl_metrics *m, const struct ctl_metrics_snap *s)
{
	for (unsigned int f = 0; f < CTL_METRIC_NFIELDS; f++) {
		ctl_metrics_family(m, ctl_metric_fields[f].name, CTL_METRIC_COUNTER,
				   ctl_metric_fields[f].help);
		for (unsigned int i = 0; i < s->n; i++) {
			const struct ctl_label l = { "queue", s->q[i].label };

			ctl_metrics_sample(m, &l, 1, s->q[i].field[f]);
		}
	}
}

/* Every reason and hook has a name (pkt_error_name() and stats_hook_name()
 * never return NULL), and every one is shown, zeros included, so that a
 * rate() has a series to start from. */
static void ctl_metrics_reasons(struct ctl_metrics *m, const struct ctl_metrics_snap *s)
{
	ctl_metrics_family(m, "nfqfw_packets_malformed_by_reason_total", CTL_METRIC_COUNTER,
			   "Packets that could not be parsed, by the first check they failed.");
	for (unsigned int i = 0; i < s->n; i++)
		for (unsigned int r = 1; r < PKT_ERR_COUNT; r++) {
			const struct ctl_label l[] = {
				{ "queue", s->q[i].label },
				{ "reason", pkt_error_name((enum pkt_error)r) },
			};

			ctl_metrics_sample(m, l, 2, s->q[i].malformed_by[r]);
		}
}

static void ctl_metrics_hooks(struct ctl_metrics *m, const struct ctl_metrics_snap *s)
{
	ctl_metrics_family(m, "nfqfw_packets_by_hook_total", CTL_METRIC_COUNTER,
			   "Packets received, by the netfilter hook that queued them.");
	for (unsigned int i = 0; i < s->n; i++)
		for (unsigned int h = 0; h < STATS_HOOK_COUNT; h++) {
			const struct ctl_label l[] = {
				{ "queue", s->q[i].label },
				{ "hook", stats_hook_name((enum stats_hook)h) },
			};

			ctl_metrics_sample(m, l, 2, s->q[i].by_hook[h]);
		}
}

/* The kernel's counters of each queue from /proc/net/netfilter/
 * nfnetlink_queue. A queue without a line there has nfqfw_queue_bound 0
 * and no other sample: a missing series says "unknown", a 0 would lie. */
enum ctl_kfield {
	CTL_K_WAITING,
	CTL_K_QUEUE_DROPPED,
	CTL_K_USER_DROPPED,
	CTL_K_ID_SEQUENCE,
	CTL_K_COUNT
};

static const struct {
	const char *name;
	enum ctl_metric_type type;
	const char *help;
} ctl_kfields[CTL_K_COUNT] = {
	[CTL_K_WAITING] = { "nfqfw_queue_waiting", CTL_METRIC_GAUGE,
		"Packets in the kernel's queue waiting for a verdict." },
	[CTL_K_QUEUE_DROPPED] = { "nfqfw_queue_full_dropped_total", CTL_METRIC_COUNTER,
		"Packets the kernel dropped because the queue was full." },
	[CTL_K_USER_DROPPED] = { "nfqfw_queue_user_dropped_total", CTL_METRIC_COUNTER,
		"Packets the kernel dropped because the worker's netlink socket overran." },
	[CTL_K_ID_SEQUENCE] = { "nfqfw_queue_id_sequence", CTL_METRIC_GAUGE,
		"Id of the last packet the kernel queued (one more per packet, wraps at 2^32)." },
};

static uint64_t ctl_kfield_value(const struct queue_kstats *k, enum ctl_kfield f)
{
	switch (f) {
	case CTL_K_WAITING:
		return k->waiting;
	case CTL_K_QUEUE_DROPPED:
		return k->queue_dropped;
	case CTL_K_USER_DROPPED:
		return k->user_dropped;
	case CTL_K_ID_SEQUENCE:
		return k->id_sequence;
	case CTL_K_COUNT:
		break;
	}
	return 0;
}

static void ctl_metrics_kernel(struct ctl_metrics *m, const struct ctl_metrics_snap *s)
{
	ctl_metrics_family(m, "nfqfw_queue_bound", CTL_METRIC_GAUGE,
			   "1 if the kernel lists the queue as bound, 0 if not (or unreadable).");
	for (unsigned int i = 0; i < s->n; i++) {
		const struct ctl_label l = { "queue", s->q[i].label };

		ctl_metrics_sample(m, &l, 1, s->q[i].kerr == 0);
	}
	for (unsigned int f = 0; f < CTL_K_COUNT; f++) {
		ctl_metrics_family(m, ctl_kfields[f].name, ctl_kfields[f].type,
				   ctl_kfields[f].help);
		for (unsigned int i = 0; i < s->n; i++) {
			const struct ctl_label l = { "queue", s->q[i].label };

			if (s->q[i].kerr == 0)
				ctl_metrics_sample(m, &l, 1,
						   ctl_kfield_value(&s->q[i].k, (enum ctl_kfield)f));
		}
	}
}

/* conntrack -S's figures. */
static const struct {
	size_t offset;
	const char *name;
	const char *help;
} ctl_ct_counters[] = {
#define CTL_CTC(f, h) { offsetof(struct ct_stats, f), "nfqfw_conntrack_" #f "_total", h }
	CTL_CTC(found, "Lookups that found their connection."),
	CTL_CTC(invalid, "Packets the connection tracking found INVALID."),
	CTL_CTC(insert, "Connections entered in the table."),
	CTL_CTC(insert_failed, "First packets whose connection could not be entered."),
	CTL_CTC(drop, "Packets dropped because the table was full."),
	CTL_CTC(early_drop, "Entries dropped early to make room for a new connection."),
	CTL_CTC(searched, "Entries a lookup passed over before its match."),
	CTL_CTC(expired, "Entries removed when their timeout ran out."),
	CTL_CTC(clash_resolve, "First packets tracked on a connection another worker created meanwhile."),
#undef CTL_CTC
};

static void ctl_metrics_gauge1(struct ctl_metrics *m, const char *name, const char *help,
			       uint64_t value)
{
	ctl_metrics_family(m, name, CTL_METRIC_GAUGE, help);
	ctl_metrics_sample(m, NULL, 0, value);
}

static void ctl_metrics_conntrack(struct ctl_metrics *m, const struct ctl_metrics_snap *s)
{
	const struct ct_stats *ct = &s->ct;

	if (!s->has_ct)
		return;
	ctl_metrics_gauge1(m, "nfqfw_conntrack_entries", "Connections in the table.", ct->count);
	ctl_metrics_gauge1(m, "nfqfw_conntrack_entries_max",
			   "The most connections the table holds (conntrack.max_entries).", ct->max);
	ctl_metrics_gauge1(m, "nfqfw_conntrack_entry_size_bytes",
			   "Bytes of memory per connection.", ct->entry_size);
	ctl_metrics_gauge1(m, "nfqfw_conntrack_memory_bytes",
			   "Bytes of memory the connections in the table use.",
			   ct->count * ct->entry_size);
	for (size_t f = 0; f < sizeof(ctl_ct_counters) / sizeof(ctl_ct_counters[0]); f++) {
		ctl_metrics_family(m, ctl_ct_counters[f].name, CTL_METRIC_COUNTER,
				   ctl_ct_counters[f].help);
		ctl_metrics_sample(m, NULL, 0, *(const uint64_t *)
				   ((const char *)ct + ctl_ct_counters[f].offset));
	}
	ctl_metrics_family(m, "nfqfw_conntrack_packets_total", CTL_METRIC_COUNTER,
			   "Packets by what they were to their connection.");
	for (unsigned int i = 0; i < s->n; i++)
		for (unsigned int st = 0; st < CT_INFO_COUNT; st++) {
			const struct ctl_label l[] = {
				{ "queue", s->q[i].label },
				{ "state", ctl_metric_states[st] },
			};

			ctl_metrics_sample(m, l, 2, s->q[i].by_state[st]);
		}
}

int ctl_cmd_metrics(struct ctl_call *call)
{
	struct ctl_metrics_snap snap;
	struct ctl_metrics m;

	if (ctl_metrics_snap_take(&snap, call->ctx) < 0)
		return ctl_call_fail(call, CTL_EXIT_FAILURE, "out of memory");
	ctl_metrics_init(&m, call->body, call->format == CTL_FORMAT_JSON);
	ctl_metrics_daemon(&m, call->ctx);
	ctl_metrics_fields(&m, &snap);
	ctl_metrics_reasons(&m, &snap);
	ctl_metrics_hooks(&m, &snap);
	ctl_metrics_kernel(&m, &snap);
	ctl_metrics_conntrack(&m, &snap);
	ctl_metrics_finish(&m);
	free(snap.q);
	return CTL_EXIT_OK;
}
