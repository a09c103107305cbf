/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for `metrics`: the output is read back by a strict parser of the
 * Prometheus text format (prom-check.h, itself tested here on good and bad
 * documents), every family the command must have is there with its type,
 * and every value is traced to a counter set in a fake daemon context. The
 * JSON form must say the same as the text. */
#include "config.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "json-check.h"
#include "nfqfw/ct.h"
#include "nfqfw/ctl_cmd.h"
#include "prom-check.h"
#include "unit.h"

/* ---- what the command must show (the specification, written here) ---- */

static const struct {
	size_t offset;
	const char *name;
} fields[] = {
#define FIELD(f, n) { offsetof(struct queue_stats, f), n }
	FIELD(received, "nfqfw_packets_received_total"),
	FIELD(bytes, "nfqfw_received_bytes_total"),
	FIELD(accepted, "nfqfw_packets_accepted_total"),
	FIELD(dropped, "nfqfw_packets_dropped_total"),
	FIELD(malformed, "nfqfw_packets_malformed_total"),
	FIELD(enobufs, "nfqfw_netlink_enobufs_total"),
	FIELD(recv_errors, "nfqfw_netlink_receive_errors_total"),
	FIELD(verdict_errors, "nfqfw_verdict_errors_total"),
	FIELD(verdict_messages, "nfqfw_verdict_messages_total"),
	FIELD(batched, "nfqfw_packets_batched_total"),
	FIELD(gso, "nfqfw_packets_gso_total"),
	FIELD(csum_not_ready, "nfqfw_packets_csum_not_ready_total"),
	FIELD(truncated_copies, "nfqfw_packets_truncated_copies_total"),
	FIELD(filter_accepted, "nfqfw_filter_accepted_total"),
	FIELD(filter_dropped, "nfqfw_filter_dropped_total"),
	FIELD(filter_rejected, "nfqfw_filter_rejected_total"),
	FIELD(rejects_sent, "nfqfw_rejects_sent_total"),
	FIELD(rejects_not_sent, "nfqfw_rejects_not_sent_total"),
	FIELD(filter_logged, "nfqfw_filter_log_lines_total"),
	FIELD(nat_bound, "nfqfw_nat_bindings_total"),
	FIELD(nat_rewritten, "nfqfw_nat_packets_translated_total"),
	FIELD(nat_exhausted, "nfqfw_nat_exhausted_total"),
	FIELD(nat_invalid, "nfqfw_nat_invalid_dropped_total"),
	FIELD(nat_failed, "nfqfw_nat_failed_total"),
	FIELD(alg_expected, "nfqfw_alg_expectations_total"),
	FIELD(alg_related, "nfqfw_alg_related_total"),
	FIELD(alg_refused, "nfqfw_alg_refused_total"),
	FIELD(alg_malformed, "nfqfw_alg_malformed_total"),
#undef FIELD
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *const hook_names[STATS_HOOK_COUNT] = {
	"prerouting", "input", "forward", "output", "postrouting",
};

static const char *const state_names[CT_INFO_COUNT] = {
	"new", "established", "related", "invalid", "untracked",
};

/* conntrack -S figures: metric name and the internal counter behind it. */
static const struct {
	const char *name;
	enum ct_stat_id id;
} ct_counters[] = {
	{ "nfqfw_conntrack_found_total", CT_STAT_FOUND },
	{ "nfqfw_conntrack_invalid_total", CT_STAT_INVALID },
	{ "nfqfw_conntrack_insert_total", CT_STAT_INSERT },
	{ "nfqfw_conntrack_insert_failed_total", CT_STAT_INSERT_FAILED },
	{ "nfqfw_conntrack_drop_total", CT_STAT_DROP },
	{ "nfqfw_conntrack_early_drop_total", CT_STAT_EARLY_DROP },
	{ "nfqfw_conntrack_searched_total", CT_STAT_SEARCHED },
	{ "nfqfw_conntrack_expired_total", CT_STAT_EXPIRED },
	{ "nfqfw_conntrack_clash_resolve_total", CT_STAT_CLASH_RESOLVE },
};
#define NCT_COUNTERS (sizeof(ct_counters) / sizeof(ct_counters[0]))

/* Every family other than the per-field ones and the ct counters, with its
 * type and how many series it has with two workers and a table. */
static const struct {
	const char *name;
	const char *type;
	unsigned int series;
} other_families[] = {
	{ "nfqfw_info", "gauge", 1 },
	{ "nfqfw_start_time_seconds", "gauge", 1 },
	{ "nfqfw_workers", "gauge", 1 },
	{ "nfqfw_packets_malformed_by_reason_total", "counter", 2 * (PKT_ERR_COUNT - 1) },
	{ "nfqfw_packets_by_hook_total", "counter", 2 * STATS_HOOK_COUNT },
	{ "nfqfw_queue_bound", "gauge", 2 },
	{ "nfqfw_queue_waiting", "gauge", 1 },          /* queue 3 is not bound */
	{ "nfqfw_queue_full_dropped_total", "counter", 1 },
	{ "nfqfw_queue_user_dropped_total", "counter", 1 },
	{ "nfqfw_queue_id_sequence", "gauge", 1 },
	{ "nfqfw_conntrack_entries", "gauge", 1 },
	{ "nfqfw_conntrack_entries_max", "gauge", 1 },
	{ "nfqfw_conntrack_entry_size_bytes", "gauge", 1 },
	{ "nfqfw_conntrack_memory_bytes", "gauge", 1 },
	{ "nfqfw_conntrack_packets_total", "counter", 2 * CT_INFO_COUNT },
};
#define NOTHER (sizeof(other_families) / sizeof(other_families[0]))

/* ---- the fake daemon ---- */

#define CT_ENTRIES 37u
#define CT_MAX 2048u
#define STARTED 1700000000

static struct queue_stats qstats[2];
static struct ctl_worker_info workers[2] = {
	{ .queue = 2, .stats = &qstats[0] },
	{ .queue = 3, .stats = &qstats[1] },
};
static struct ctl_context ctx;
static struct ct_table *table;
static char kpath[64];
static struct ctl_buf reply;
static struct prom_doc *doc;

static stat_counter *field(struct queue_stats *s, size_t i)
{
	return (stat_counter *)((char *)s + fields[i].offset);
}

/* Distinct values everywhere, so that a counter shown under the wrong name
 * or label cannot go unnoticed. */
static uint64_t v_field(unsigned int q, size_t i) { return 1000 * (q + 1) + i; }
static uint64_t v_reason(unsigned int q, unsigned int r) { return 5000 + 100 * q + r; }
static uint64_t v_hook(unsigned int q, unsigned int h) { return 7000 + 100 * q + h; }
static uint64_t v_state(unsigned int q, unsigned int s) { return 9000 + 100 * q + s; }
static uint64_t v_ct(size_t i) { return 300 + 11 * i; }

static void fill_counters(void)
{
	memset(qstats, 0, sizeof(qstats));
	for (unsigned int q = 0; q < 2; q++) {
		for (size_t i = 0; i < NFIELDS; i++)
			stat_set(field(&qstats[q], i), v_field(q, i));
		for (unsigned int r = 0; r < PKT_ERR_COUNT; r++)
			stat_set(&qstats[q].malformed_by[r], v_reason(q, r));
		for (unsigned int h = 0; h < STATS_HOOK_COUNT; h++)
			stat_set(&qstats[q].by_hook[h], v_hook(q, h));
		for (unsigned int s = 0; s < CT_INFO_COUNT; s++)
			stat_set(&qstats[q].ct_by_info[s], v_state(q, s));
	}
}

static void write_kernel_file(const char *text)
{
	FILE *f = fopen(kpath, "w");

	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* Two workers (queues 2 and 3), queue 2 bound in the kernel, a connection
 * table with counters set through the table's own counter slots. */
static void setup(void)
{
	struct ct_settings s;
	int fd;

	fill_counters();
	if (!kpath[0]) {
		snprintf(kpath, sizeof(kpath), "/tmp/nfqfw-metrics-kq-XXXXXX");
		fd = mkstemp(kpath);
		CU_ASSERT_FATAL(fd >= 0);
		close(fd);
	}
	write_kernel_file("    2   4242     1 2 65535    17    19    88888  1\n");
	ct_settings_defaults(&s);
	s.max_entries = CT_MAX;
	table = ct_table_create(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(table);
	for (size_t i = 0; i < NCT_COUNTERS; i++)
		ct_stat_add(table, ct_counters[i].id, v_ct(i));
	atomic_store(&table->count, CT_ENTRIES);
	ctx = (struct ctl_context){
		.version = "0.1.0-test",
		.conf_path = "/etc/nfqfw/test.conf",
		.pid = 4321,
		.started = STARTED,
		.hook_kind = "compat",
		.table = "nfqfw",
		.nworkers = 2,
		.workers = workers,
		.proc_queue_path = kpath,
		.ct = table,
	};
	ctl_buf_init(&reply, CTL_REPLY_MAX);
	doc = NULL;
}

static void teardown(void)
{
	prom_free(doc);
	doc = NULL;
	ctl_buf_free(&reply);
	if (table) {
		atomic_store(&table->count, 0);   /* the entries were never there */
		ct_table_destroy(table);
		table = NULL;
	}
}

static int request(const char *line)
{
	ctl_buf_reset(&reply);
	return ctl_handle_request(&ctx, line, strlen(line), &reply);
}

static const char *ok_body(void)
{
	if (reply.failed || !reply.data || strncmp(reply.data, "OK\n", 3) != 0)
		return NULL;
	return reply.data + 3;
}

/* Runs "text metrics" and parses it; the parse must succeed. */
static const struct prom_doc *text_metrics(void)
{
	const char *body;

	CU_ASSERT_EQUAL_FATAL(request("text metrics"), CTL_EXIT_OK);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	prom_free(doc);
	doc = prom_parse(body);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	if (!doc->ok)
		fprintf(stderr, "\nline %u: %s\n", doc->error_line, doc->error);
	CU_ASSERT_TRUE_FATAL(doc->ok);
	return doc;
}

/* Is NAME{LABELS} exactly WANT? */
static bool series_is(const char *name, const char *labels, uint64_t want)
{
	uint64_t v;

	if (!prom_u64(doc, name, labels, &v)) {
		fprintf(stderr, "\nmissing: %s{%s}\n", name, labels);
		return false;
	}
	if (v != want)
		fprintf(stderr, "\n%s{%s}: %" PRIu64 ", wanted %" PRIu64 "\n", name, labels,
			v, want);
	return v == want;
}

static bool family_is(const char *name, const char *type, unsigned int series)
{
	const struct prom_family *f = prom_family_get(doc, name);

	if (!f) {
		fprintf(stderr, "\nno family %s\n", name);
		return false;
	}
	return strcmp(f->type, type) == 0 && f->has_help && f->nsamples == series;
}

/* ---- the parser itself: it must reject what the format forbids ---- */

static bool parses(const char *text)
{
	struct prom_doc *d = prom_parse(text);
	bool ok = d && d->ok;

	prom_free(d);
	return ok;
}

#define HT(n, t) "# HELP " n " Some help.\n# TYPE " n " " t "\n"

static void test_parser_good(void)
{
	static const char good[] =
		"# a plain comment\n"
		"\n"
		"# HELP a_total Help with \\\\ and \\n escapes.\n"
		"# TYPE a_total counter\n"
		"a_total{x=\"1\",y=\"q\\\"uo\\\\te\\n\"} 3\n"
		"a_total{y=\"2\", x=\"1\",} 4e3 1700000000000\n"
		"a_total 0\n"
		"# TYPE b:c gauge\n"
		"# HELP b:c Gauge \xc3\xa9.\n"
		"b:c{l=\"\xe2\x82\xac\"} -1.5\n"
		"b:c{l=\"nan\"} NaN\n"
		"b:c{l=\"inf\"} +Inf\n";
	struct prom_doc *d = prom_parse(good);
	uint64_t v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	if (!d->ok)
		fprintf(stderr, "\nline %u: %s\n", d->error_line, d->error);
	CU_ASSERT_TRUE(d->ok);
	CU_ASSERT_EQUAL(d->nfam, 2);
	CU_ASSERT_EQUAL(d->nser, 6);
	CU_ASSERT_TRUE(prom_u64(d, "a_total", "x=\"1\",y=\"q\\\"uo\\\\te\\n\"", &v) && v == 3);
	/* labels are compared in name order, whatever order they came in */
	CU_ASSERT_PTR_NOT_NULL(prom_find(d, "a_total", "x=\"1\",y=\"2\""));
	CU_ASSERT_TRUE(prom_u64(d, "a_total", "", &v) && v == 0);
	CU_ASSERT_FALSE(prom_u64(d, "b:c", "l=\"nan\"", &v));
	CU_ASSERT_PTR_NULL(prom_find(d, "a_total", "x=\"2\""));
	prom_free(d);
}

static void test_parser_bad(void)
{
	static const char *const bad[] = {
		"# TYPE a gauge\na 1\n",                          /* no HELP */
		"# HELP a Help.\na 1\n",                          /* no TYPE */
		"a 1\n",                                          /* neither */
		HT("a", "gauge") "a 1\n# TYPE a gauge\n",         /* TYPE after samples */
		HT("a", "gauge") "# HELP a Again.\na 1\n",        /* second HELP */
		HT("a", "gauge") "# TYPE a counter\na 1\n",       /* second TYPE */
		"# HELP a \n# TYPE a gauge\na 1\n",               /* empty HELP */
		"# HELP a Bad \\t escape.\n# TYPE a gauge\na 1\n",
		HT("1a", "gauge") "1a 1\n",                       /* name starts with a digit */
		HT("a-b", "gauge") "a-b 1\n",
		HT("a", "gauge") "a{1x=\"1\"} 1\n",               /* bad label name */
		HT("a", "gauge") "a{x:y=\"1\"} 1\n",              /* ':' in a label name */
		HT("a", "gauge") "a{__x=\"1\"} 1\n",              /* reserved label name */
		HT("a", "gauge") "a{x=\"1\",x=\"2\"} 1\n",        /* label twice */
		HT("a", "gauge") "a{x=1} 1\n",                    /* value not quoted */
		HT("a", "gauge") "a{x=\"1} 1\n",                  /* unterminated */
		HT("a", "gauge") "a{x=\"\\t\"} 1\n",              /* bad escape */
		HT("a", "gauge") "a{x=\"\xff\"} 1\n",             /* not UTF-8 */
		HT("a", "gauge") "a{x=\"1\" y=\"2\"} 1\n",        /* no comma */
		HT("a", "gauge") "a{x=\"1\"}1\n",                 /* no blank before the value */
		HT("a", "gauge") "a abc\n",                       /* bad value */
		HT("a", "gauge") "a 0x10\n",
		HT("a", "gauge") "a nan\n",
		HT("a", "gauge") "a\n",                           /* no value */
		HT("a", "gauge") "a 1 2 3\n",                     /* junk after the timestamp */
		HT("a", "gauge") "a 1 soon\n",                    /* bad timestamp */
		HT("a_total", "counter") "a_total -1\n",          /* negative counter */
		HT("a_total", "counter") "a_total NaN\n",
		HT("a", "counter") "a 1\n",                       /* counter without _total */
		HT("a_total", "gauge") "a_total 1\n",             /* gauge named _total */
		HT("a", "gaug") "a 1\n",                          /* unknown type */
		HT("a", "gauge") "a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n",  /* twice */
		HT("a", "gauge") "a 1\na 2\n",                    /* twice, no labels */
		HT("a", "gauge") "a{x=\"1\"} 1\n" HT("b", "gauge") "b 1\na{x=\"2\"} 1\n",
		HT("a", "gauge") "a 1\n" HT("b", "gauge") "b 1\n# HELP a More.\n",
		HT("a", "gauge") "a 1",                           /* no final newline */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool ok = parses(bad[i]);

		if (ok)
			fprintf(stderr, "\naccepted bad document %zu:\n%s\n", i, bad[i]);
		CU_ASSERT_FALSE(ok);
	}
	CU_ASSERT_TRUE(parses(HT("a", "gauge") "a 1\n"));   /* the shape they break */
}

/* ---- the command ---- */

/* Every family is there with its type and its number of series, and
 * nothing else is. */
static void test_families(void)
{
	unsigned int want_series = 0;

	setup();
	text_metrics();
	for (size_t i = 0; i < NFIELDS; i++)
		CU_ASSERT_TRUE(family_is(fields[i].name, "counter", 2));
	for (size_t i = 0; i < NCT_COUNTERS; i++)
		CU_ASSERT_TRUE(family_is(ct_counters[i].name, "counter", 1));
	for (size_t i = 0; i < NOTHER; i++) {
		CU_ASSERT_TRUE(family_is(other_families[i].name, other_families[i].type,
					 other_families[i].series));
		want_series += other_families[i].series;
	}
	want_series += 2 * NFIELDS + NCT_COUNTERS;
	CU_ASSERT_EQUAL(doc->nfam, NFIELDS + NCT_COUNTERS + NOTHER);
	CU_ASSERT_EQUAL(doc->nser, want_series);
	teardown();
}

static void test_queue_values(void)
{
	static const char *const q[2] = { "queue=\"2\"", "queue=\"3\"" };
	char labels[128];

	setup();
	text_metrics();
	for (unsigned int w = 0; w < 2; w++) {
		for (size_t i = 0; i < NFIELDS; i++)
			CU_ASSERT_TRUE(series_is(fields[i].name, q[w], v_field(w, i)));
		for (unsigned int r = 1; r < PKT_ERR_COUNT; r++) {
			snprintf(labels, sizeof(labels), "%s,reason=\"%s\"", q[w],
				 pkt_error_name((enum pkt_error)r));
			CU_ASSERT_TRUE(series_is("nfqfw_packets_malformed_by_reason_total",
						 labels, v_reason(w, r)));
		}
		for (unsigned int h = 0; h < STATS_HOOK_COUNT; h++) {
			snprintf(labels, sizeof(labels), "hook=\"%s\",%s", hook_names[h], q[w]);
			CU_ASSERT_TRUE(series_is("nfqfw_packets_by_hook_total", labels,
						 v_hook(w, h)));
		}
		for (unsigned int s = 0; s < CT_INFO_COUNT; s++) {
			snprintf(labels, sizeof(labels), "%s,state=\"%s\"", q[w], state_names[s]);
			CU_ASSERT_TRUE(series_is("nfqfw_conntrack_packets_total", labels,
						 v_state(w, s)));
		}
	}
	/* PKT_OK is not a reason */
	CU_ASSERT_PTR_NULL(prom_find(doc, "nfqfw_packets_malformed_by_reason_total",
				     "queue=\"2\",reason=\"ok\""));
	teardown();
}

/* Queue 2's line in the kernel's file: portid 4242, 1 waiting, 17 dropped
 * because full, 19 by overrun, last id 88888. Queue 3 has no line. */
static void test_kernel_values(void)
{
	setup();
	text_metrics();
	CU_ASSERT_TRUE(series_is("nfqfw_queue_bound", "queue=\"2\"", 1));
	CU_ASSERT_TRUE(series_is("nfqfw_queue_bound", "queue=\"3\"", 0));
	CU_ASSERT_TRUE(series_is("nfqfw_queue_waiting", "queue=\"2\"", 1));
	CU_ASSERT_TRUE(series_is("nfqfw_queue_full_dropped_total", "queue=\"2\"", 17));
	CU_ASSERT_TRUE(series_is("nfqfw_queue_user_dropped_total", "queue=\"2\"", 19));
	CU_ASSERT_TRUE(series_is("nfqfw_queue_id_sequence", "queue=\"2\"", 88888));
	/* an unbound queue has no kernel figures rather than false zeros */
	CU_ASSERT_PTR_NULL(prom_find(doc, "nfqfw_queue_waiting", "queue=\"3\""));
	CU_ASSERT_PTR_NULL(prom_find(doc, "nfqfw_queue_full_dropped_total", "queue=\"3\""));

	/* the file gone: nothing is bound, the rest is still valid */
	ctx.proc_queue_path = "/nonexistent/nfnetlink_queue";
	text_metrics();
	CU_ASSERT_TRUE(series_is("nfqfw_queue_bound", "queue=\"2\"", 0));
	CU_ASSERT_PTR_NULL(prom_find(doc, "nfqfw_queue_waiting", "queue=\"2\""));
	CU_ASSERT_TRUE(series_is("nfqfw_packets_received_total", "queue=\"2\"", v_field(0, 0)));
	teardown();
}

static void test_daemon_and_conntrack_values(void)
{
	struct ct_stats s;

	setup();
	text_metrics();
	CU_ASSERT_TRUE(series_is("nfqfw_info",
				 "queue_form=\"compat\",table=\"nfqfw\",version=\"0.1.0-test\"", 1));
	CU_ASSERT_TRUE(series_is("nfqfw_start_time_seconds", "", STARTED));
	CU_ASSERT_TRUE(series_is("nfqfw_workers", "", 2));
	for (size_t i = 0; i < NCT_COUNTERS; i++)
		CU_ASSERT_TRUE(series_is(ct_counters[i].name, "", v_ct(i)));
	ct_table_stats(table, &s);
	CU_ASSERT_EQUAL(s.entry_size, sizeof(struct ct_conn));
	CU_ASSERT_TRUE(series_is("nfqfw_conntrack_entries", "", CT_ENTRIES));
	CU_ASSERT_TRUE(series_is("nfqfw_conntrack_entries_max", "", CT_MAX));
	CU_ASSERT_TRUE(series_is("nfqfw_conntrack_entry_size_bytes", "", sizeof(struct ct_conn)));
	CU_ASSERT_TRUE(series_is("nfqfw_conntrack_memory_bytes", "",
				 CT_ENTRIES * sizeof(struct ct_conn)));
	teardown();
}

/* The text is exactly what the format expects, line by line, for a few
 * samples: HELP, TYPE, then name{labels} value. */
static void test_text_shape(void)
{
	const char *body;

	setup();
	CU_ASSERT_EQUAL(request("text metrics"), CTL_EXIT_OK);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(body,
		"# HELP nfqfw_packets_received_total Packets the worker read from its queue.\n"
		"# TYPE nfqfw_packets_received_total counter\n"
		"nfqfw_packets_received_total{queue=\"2\"} 1000\n"
		"nfqfw_packets_received_total{queue=\"3\"} 2000\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\n# TYPE nfqfw_queue_waiting gauge\n"
				      "nfqfw_queue_waiting{queue=\"2\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\nnfqfw_workers 2\n"));
	CU_ASSERT_EQUAL(body[strlen(body) - 1], '\n');
	teardown();
}

/* Label values with the characters the format escapes, and bytes that are
 * not UTF-8 (U+FFFD instead). */
static void test_label_escaping(void)
{
	const char *body;

	setup();
	ctx.version = "1.0 \"beta\" C:\\new\nline \xff!";
	ctx.table = "";
	ctx.hook_kind = NULL;
	text_metrics();
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL(strstr(body,
		"\nnfqfw_info{version=\"1.0 \\\"beta\\\" C:\\\\new\\nline \xef\xbf\xbd!\","
		"table=\"\",queue_form=\"\"} 1\n"));
	CU_ASSERT_TRUE(series_is("nfqfw_info", "queue_form=\"\",table=\"\","
				 "version=\"1.0 \\\"beta\\\" C:\\\\new\\nline \xef\xbf\xbd!\"", 1));

	CU_ASSERT_EQUAL(request("json metrics"), CTL_EXIT_OK);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE(json_valid(body));
	CU_ASSERT_TRUE(json_is(body, "metrics.0.samples.0.labels.version",
			       "\"1.0 \\\"beta\\\" C:\\\\new\\nline \\ufffd!\""));
	teardown();
}

/* Values need all 64 bits. */
static void test_large_values(void)
{
	uint64_t v;

	setup();
	stat_set(&qstats[1].received, UINT64_MAX);
	text_metrics();
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(),
		"\nnfqfw_packets_received_total{queue=\"3\"} 18446744073709551615\n"));
	CU_ASSERT_TRUE(series_is("nfqfw_packets_received_total", "queue=\"3\"", UINT64_MAX));
	CU_ASSERT_EQUAL(request("json metrics"), CTL_EXIT_OK);
	CU_ASSERT_TRUE(json_get_u64(ok_body(), "metrics.3.samples.1.value", &v));
	CU_ASSERT_EQUAL(v, UINT64_MAX);
	teardown();
}

/* The JSON form holds the same families in the same order, with the same
 * types, labels and values as the text. */
static void test_json_matches_text(void)
{
	char path[128], want[PROM_NAME_MAX + 4], *json;
	unsigned int si = 0;

	setup();
	text_metrics();
	CU_ASSERT_EQUAL_FATAL(request("json metrics"), CTL_EXIT_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ok_body());
	json = strdup(ok_body());
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_TRUE_FATAL(json_valid(json));
	for (unsigned int f = 0; f < doc->nfam; f++) {
		snprintf(path, sizeof(path), "metrics.%u.name", f);
		snprintf(want, sizeof(want), "\"%s\"", doc->fam[f].name);
		CU_ASSERT_TRUE(json_is(json, path, want));
		snprintf(path, sizeof(path), "metrics.%u.type", f);
		snprintf(want, sizeof(want), "\"%s\"", doc->fam[f].type);
		CU_ASSERT_TRUE(json_is(json, path, want));
		snprintf(path, sizeof(path), "metrics.%u.help", f);
		CU_ASSERT_PTR_NOT_NULL(json_find(json, path));
		for (unsigned int s = 0; s < doc->fam[f].nsamples; s++, si++) {
			const struct prom_series *ps = &doc->ser[si];
			const char *q = strstr(ps->labels, "queue=\"");
			uint64_t v, tv = strtoull(ps->value, NULL, 10);

			snprintf(path, sizeof(path), "metrics.%u.samples.%u.value", f, s);
			CU_ASSERT_TRUE(json_get_u64(json, path, &v) && v == tv);
			if (!q)
				continue;
			snprintf(path, sizeof(path), "metrics.%u.samples.%u.labels.queue", f, s);
			snprintf(want, sizeof(want), "\"%c\"", q[7]);
			CU_ASSERT_TRUE(json_is(json, path, want));
		}
		snprintf(path, sizeof(path), "metrics.%u.samples.%u", f, doc->fam[f].nsamples);
		CU_ASSERT_PTR_NULL(json_find(json, path));
	}
	snprintf(path, sizeof(path), "metrics.%u", doc->nfam);
	CU_ASSERT_PTR_NULL(json_find(json, path));
	free(json);
	teardown();
}

/* No workers and no connection table: still a valid document, the
 * per-queue families empty, no conntrack families at all. */
static void test_empty_daemon(void)
{
	setup();
	ctx.workers = NULL;
	ctx.nworkers = 0;
	ctx.ct = NULL;
	text_metrics();
	CU_ASSERT_TRUE(series_is("nfqfw_workers", "", 0));
	CU_ASSERT_TRUE(family_is("nfqfw_packets_received_total", "counter", 0));
	CU_ASSERT_TRUE(family_is("nfqfw_queue_bound", "gauge", 0));
	CU_ASSERT_EQUAL(doc->nser, 3);   /* info, start time, workers */
	for (unsigned int f = 0; f < doc->nfam; f++)
		CU_ASSERT_PTR_NULL(strstr(doc->fam[f].name, "conntrack"));
	CU_ASSERT_EQUAL(request("json metrics"), CTL_EXIT_OK);
	CU_ASSERT_TRUE(json_valid(ok_body()));
	teardown();
}

static void test_arguments(void)
{
	setup();
	CU_ASSERT_PTR_NOT_NULL(ctl_command_find("metrics"));
	CU_ASSERT_EQUAL(request("text metrics all"), CTL_EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(reply.data, "'metrics' takes no arguments"));
	CU_ASSERT_EQUAL(request("text help"), CTL_EXIT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "\n  metrics "));
	teardown();
}

static const struct unit_test parser_tests[] = {
	{ "accepts the format's corners", test_parser_good },
	{ "rejects what the format forbids", test_parser_bad },
	{ NULL, NULL },
};

static const struct unit_test metrics_tests[] = {
	{ "every family, with its type and series", test_families },
	{ "per-queue counters, reasons, hooks, states", test_queue_values },
	{ "kernel queue counters", test_kernel_values },
	{ "daemon and conntrack figures", test_daemon_and_conntrack_values },
	{ "text shape", test_text_shape },
	{ "label values escaped", test_label_escaping },
	{ "64-bit values", test_large_values },
	{ "json says the same as text", test_json_matches_text },
	{ "no workers, no table", test_empty_daemon },
	{ "arguments and help", test_arguments },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "prom-check", parser_tests },
	{ "metrics", metrics_tests },
	{ NULL, NULL },
};

static void remove_kernel_file(void)
{
	if (kpath[0])
		unlink(kpath);
}

int main(void)
{
	int status = unit_run(suites);

	remove_kernel_file();
	return status;
}
