/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for the request dispatcher and the help, status and stats commands,
 * run on a fake daemon context with counters set here, so every number in
 * the output can be traced back to an input. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json-check.h"
#include "nfqfw/ctl_cmd.h"
#include "nfqfw/kstats.h"
#include "unit.h"

/* The counters the stats command must show, named as in the brief. */
static const struct {
	const char *name;
	size_t offset;
} fields[] = {
#define FIELD(f) { #f, offsetof(struct queue_stats, f) }
	FIELD(received), FIELD(bytes), FIELD(accepted), FIELD(dropped),
	FIELD(malformed), FIELD(enobufs), FIELD(recv_errors), FIELD(verdict_errors),
	FIELD(verdict_messages), FIELD(batched), FIELD(gso), FIELD(csum_not_ready),
	FIELD(truncated_copies), FIELD(filter_accepted), FIELD(filter_dropped),
	FIELD(filter_rejected), FIELD(rejects_sent), FIELD(rejects_not_sent),
	FIELD(filter_logged), FIELD(nat_bound), FIELD(nat_rewritten), FIELD(nat_exhausted),
	FIELD(nat_invalid), FIELD(nat_failed), FIELD(alg_expected), FIELD(alg_related),
	FIELD(alg_refused), FIELD(alg_malformed),
#undef FIELD
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *const hook_names[STATS_HOOK_COUNT] = {
	"prerouting", "input", "forward", "output", "postrouting",
};

static struct queue_stats qstats[2];
static struct ctl_worker_info workers[2] = {
	{ .queue = 2, .stats = &qstats[0] },
	{ .queue = 3, .stats = &qstats[1] },
};
static struct nfqfw_conf conf;
static struct ctl_context ctx;
static char kpath[64];
static struct ctl_buf reply;

/* Does S start with PREFIX? */
static bool has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static stat_counter *field(struct queue_stats *s, size_t i)
{
	return (stat_counter *)((char *)s + fields[i].offset);
}

static void write_kernel_file(const char *text)
{
	FILE *f = fopen(kpath, "w");

	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* Queue 2 is bound in the kernel, queue 3 is not. */
static void setup(void)
{
	int fd;

	memset(qstats, 0, sizeof(qstats));
	memset(&conf, 0, sizeof(conf));
	snprintf(conf.path, sizeof(conf.path), "/etc/nfqfw/test.conf");
	snprintf(conf.nftables.table, sizeof(conf.nftables.table), "nfqfw");
	conf.queue.first = 2;
	conf.queue.count = 2;
	conf.queue.fail_open = true;
	conf.queue.accept_when_full = false;
	if (!kpath[0]) {
		snprintf(kpath, sizeof(kpath), "/tmp/nfqfw-ctl-kq-XXXXXX");
		fd = mkstemp(kpath);
		CU_ASSERT_FATAL(fd >= 0);
		close(fd);
	}
	write_kernel_file("    2   4242     1 2 65535    17    19    88888  1\n");
	ctx = (struct ctl_context){
		.version = "0.1.0-test",
		.conf_path = conf.path,
		.pid = 4321,
		.started = time(NULL) - 93784,   /* 1d 02:03:04 */
		.hook_kind = "compat",
		.table = conf.nftables.table,
		.conf = &conf,
		.nworkers = 2,
		.workers = workers,
		.proc_queue_path = kpath,
	};
	ctl_buf_free(&reply);
	ctl_buf_init(&reply, CTL_REPLY_MAX);
}

static int request(const char *line)
{
	return ctl_handle_request(&ctx, line, strlen(line), &reply);
}

/* The body after "OK\n", or NULL if the reply is not OK. */
static const char *ok_body(void)
{
	if (reply.failed || !reply.data || strncmp(reply.data, "OK\n", 3) != 0)
		return NULL;
	return reply.data + 3;
}

/* ---- dispatcher ---- */

static void check_usage_error(const char *line, size_t len, const char *msg)
{
	setup();
	CU_ASSERT_EQUAL(ctl_handle_request(&ctx, line, len, &reply), CTL_EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(reply.data);
	CU_ASSERT_TRUE(has_prefix(reply.data, "ERR 2 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply.data, msg));
	/* the status line is the whole reply: one line, no body */
	CU_ASSERT_PTR_EQUAL(strchr(reply.data, '\n'), reply.data + reply.len - 1);
}

static void test_bad_requests(void)
{
	char many[256] = "text status";
	char longline[CTL_REQUEST_MAX + 8];

	check_usage_error("", 0, "empty request");
	check_usage_error("   \t ", 5, "empty request");
	check_usage_error("xml status", 10, "unknown output format");
	check_usage_error("JSON status", 11, "unknown output format");
	check_usage_error("text", 4, "no command");
	check_usage_error("text frobnicate", 15, "unknown command 'frobnicate'");
	check_usage_error("json Status", 11, "unknown command 'Status'");
	check_usage_error("text status now", 15, "'status' takes no arguments");
	check_usage_error("text stats -a", 13, "'stats' takes no arguments");
	check_usage_error("text\x01status", 11, "control characters");
	check_usage_error("text status\x1b[2J", 15, "control characters");
	check_usage_error("text sta\0tus", 12, "control characters");
	check_usage_error("text status\n", 12, "control characters");
	for (int i = 0; i < CTL_MAX_ARGS + 1; i++)
		strcat(many, " x");
	check_usage_error(many, strlen(many), "too many arguments");
	memset(longline, ' ', sizeof(longline));
	memcpy(longline, "text status", 11);
	check_usage_error(longline, CTL_REQUEST_MAX, "too long");
}

/* The longest line allowed (1023 bytes and its '\n'), a '\r' before the
 * '\n', and words separated by several blanks are all fine. */
static void test_good_request_shapes(void)
{
	char line[CTL_REQUEST_MAX];

	setup();
	memset(line, ' ', sizeof(line));
	memcpy(line, "text status", 11);
	CU_ASSERT_EQUAL(ctl_handle_request(&ctx, line, CTL_REQUEST_MAX - 1, &reply), 0);
	CU_ASSERT_PTR_NOT_NULL(ok_body());
	CU_ASSERT_EQUAL(ctl_handle_request(&ctx, "text status\r", 12, &reply), 0);
	CU_ASSERT_PTR_NOT_NULL(ok_body());
	CU_ASSERT_EQUAL(request(" \tjson  \t status\t"), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ok_body());
	CU_ASSERT_TRUE(json_valid(ok_body()));
}

static void test_command_table(void)
{
	unsigned int n = 0;

	for (const struct ctl_command *c = ctl_commands; c->name; c++, n++) {
		CU_ASSERT_PTR_EQUAL(ctl_command_find(c->name), c);
		CU_ASSERT_PTR_NOT_NULL(c->handler);
		CU_ASSERT_PTR_NOT_NULL(c->help);
		CU_ASSERT_PTR_NOT_NULL(c->args);
		CU_ASSERT(c->min_args <= c->max_args && c->max_args <= CTL_MAX_ARGS);
	}
	CU_ASSERT(n >= 3);
	CU_ASSERT_PTR_NOT_NULL(ctl_command_find("status"));
	CU_ASSERT_PTR_NOT_NULL(ctl_command_find("stats"));
	CU_ASSERT_PTR_NOT_NULL(ctl_command_find("help"));
	CU_ASSERT_PTR_NULL(ctl_command_find("stat"));
	CU_ASSERT_PTR_NULL(ctl_command_find(""));
}

static void test_call_fail(void)
{
	struct ctl_call call = { 0 };

	CU_ASSERT_EQUAL(ctl_call_fail(&call, CTL_EXIT_FAILURE, "no %s here", "queue"),
			CTL_EXIT_FAILURE);
	CU_ASSERT_EQUAL(call.status, CTL_EXIT_FAILURE);
	CU_ASSERT_STRING_EQUAL(call.message, "no queue here");
}

/* A body over the reply's limit becomes an error, never a cut reply. */
static void test_reply_too_large(void)
{
	setup();
	ctl_buf_free(&reply);
	ctl_buf_init(&reply, 1024);
	CU_ASSERT_EQUAL(request("text stats"), CTL_EXIT_FAILURE);
	CU_ASSERT_FALSE(reply.failed);
	CU_ASSERT_STRING_EQUAL(reply.data, "ERR 1 reply too large\n");
	CU_ASSERT_EQUAL(request("json stats"), CTL_EXIT_FAILURE);
	CU_ASSERT_STRING_EQUAL(reply.data, "ERR 1 reply too large\n");
	/* while a small reply still fits */
	CU_ASSERT_EQUAL(request("json help"), CTL_EXIT_OK);
	CU_ASSERT_TRUE(json_valid(ok_body()));
}

/* ---- help ---- */

static void test_help(void)
{
	const char *body;
	char path[32];

	setup();
	CU_ASSERT_EQUAL(request("text help"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE(has_prefix(body, "Commands:\n"));
	for (const struct ctl_command *c = ctl_commands; c->name; c++) {
		char line[64];

		snprintf(line, sizeof(line), "\n  %s ", c->name);
		CU_ASSERT_PTR_NOT_NULL(strstr(body, line));
		CU_ASSERT_PTR_NOT_NULL(strstr(body, c->help));
	}

	CU_ASSERT_EQUAL(request("json help"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE(json_valid(body));
	for (unsigned int i = 0; ctl_commands[i].name; i++) {
		char want[64];

		snprintf(path, sizeof(path), "commands.%u.name", i);
		snprintf(want, sizeof(want), "\"%s\"", ctl_commands[i].name);
		CU_ASSERT_TRUE(json_is(body, path, want));
	}
}

/* ---- status ---- */

static void test_status_text(void)
{
	const char *body;

	setup();
	CU_ASSERT_EQUAL(request("text status"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE(has_prefix(body,
		"version           0.1.0-test\n"
		"pid               4321\n"));
	/* 1d 02:03:04, or a second more if the clock ticked meanwhile */
	CU_ASSERT(strstr(body, "\nuptime            1d 02:03:04\n") ||
		  strstr(body, "\nuptime            1d 02:03:05\n"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(body, "config"));
	CU_ASSERT_STRING_EQUAL(strstr(body, "config"),
		"config            /etc/nfqfw/test.conf\n"
		"table             nfqfw\n"
		"queue form        compat\n"
		"queues            2-3\n"
		"fail_open         yes\n"
		"accept_when_full  no\n"
		"workers           2\n");
}

static void test_status_single_queue_and_short_uptime(void)
{
	const char *body;

	setup();
	conf.queue.first = 7;
	conf.queue.count = 1;
	conf.queue.fail_open = false;
	conf.queue.accept_when_full = true;
	ctx.started = time(NULL) + 100;     /* clock stepped back: not negative */
	CU_ASSERT_EQUAL(request("text status"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\nqueues            7\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\nuptime            00:00:00\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\nfail_open         no\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\naccept_when_full  yes\n"));
	ctx.started = time(NULL) - 3725;
	CU_ASSERT_EQUAL(request("text status"), 0);
	CU_ASSERT(strstr(ok_body(), "\nuptime            01:02:05\n") ||
		  strstr(ok_body(), "\nuptime            01:02:06\n"));
}

static void test_status_json(void)
{
	const char *body;
	uint64_t v;

	setup();
	CU_ASSERT_EQUAL(request("json status"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE_FATAL(json_valid(body));
	CU_ASSERT_TRUE(json_is(body, "version", "\"0.1.0-test\""));
	CU_ASSERT_TRUE(json_get_u64(body, "pid", &v) && v == 4321);
	CU_ASSERT_TRUE(json_get_u64(body, "uptime", &v) && (v == 93784 || v == 93785));
	CU_ASSERT_TRUE(json_get_u64(body, "started", &v) && v == (uint64_t)ctx.started);
	CU_ASSERT_TRUE(json_is(body, "config", "\"/etc/nfqfw/test.conf\""));
	CU_ASSERT_TRUE(json_is(body, "table", "\"nfqfw\""));
	CU_ASSERT_TRUE(json_is(body, "queue_form", "\"compat\""));
	CU_ASSERT_TRUE(json_get_u64(body, "queues.first", &v) && v == 2);
	CU_ASSERT_TRUE(json_get_u64(body, "queues.count", &v) && v == 2);
	CU_ASSERT_TRUE(json_is(body, "fail_open", "true"));
	CU_ASSERT_TRUE(json_is(body, "accept_when_full", "false"));
	CU_ASSERT_TRUE(json_get_u64(body, "workers", &v) && v == 2);
}

/* Names from the configuration reach the output escaped, never raw. */
static void test_status_strange_names(void)
{
	const char *body;

	setup();
	ctx.conf_path = "/tmp/we\"ird\\\n\x01\xff.conf";
	ctx.version = NULL;
	CU_ASSERT_EQUAL(request("json status"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE(json_valid(body));
	CU_ASSERT_TRUE(json_is(body, "config", "\"/tmp/we\\\"ird\\\\\\n\\u0001\\ufffd.conf\""));
	CU_ASSERT_TRUE(json_is(body, "version", "null"));
	CU_ASSERT_EQUAL(request("text status"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\nconfig            /tmp/we\"ird\\x5c\\x0a\\x01\xff.conf\n"));
	CU_ASSERT_TRUE(has_prefix(body, "version           -\n"));
}

static void test_status_without_conf(void)
{
	const char *body;

	setup();
	ctx.conf = NULL;
	CU_ASSERT_EQUAL(request("json status"), 0);
	body = ok_body();
	CU_ASSERT_TRUE(json_valid(body));
	CU_ASSERT_TRUE(json_is(body, "queues", "null"));
	CU_ASSERT_EQUAL(request("text status"), 0);
	CU_ASSERT_PTR_NULL(strstr(ok_body(), "queues"));
}

/* ---- stats ---- */

/* Every counter of every queue gets its own value: queue q, field i is
 * 1000 * (q + 1) + i + 1, so a value in the wrong place shows. */
static void fill_distinct(void)
{
	for (unsigned int q = 0; q < 2; q++) {
		for (size_t i = 0; i < NFIELDS; i++)
			stat_set(field(&qstats[q], i), 1000 * (q + 1) + i + 1);
		for (unsigned int r = 0; r < PKT_ERR_COUNT; r++)
			stat_set(&qstats[q].malformed_by[r], r ? 100 * (q + 1) + r : 0);
		for (unsigned int h = 0; h < STATS_HOOK_COUNT; h++)
			stat_set(&qstats[q].by_hook[h], 10 * (q + 1) + h);
	}
}

static void check_u64(const char *doc, const char *path, uint64_t want)
{
	uint64_t v = ~want;

	CU_ASSERT_TRUE(json_get_u64(doc, path, &v));
	CU_ASSERT_EQUAL(v, want);
	if (v != want)
		fprintf(stderr, "\n    %s: %llu, want %llu", path,
			(unsigned long long)v, (unsigned long long)want);
}

static void test_stats_json_every_counter(void)
{
	const char *body;
	char path[128];

	setup();
	fill_distinct();
	CU_ASSERT_EQUAL(request("json stats"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE_FATAL(json_valid(body));
	for (unsigned int q = 0; q < 2; q++) {
		snprintf(path, sizeof(path), "queues.%u.queue", q);
		check_u64(body, path, workers[q].queue);
		for (size_t i = 0; i < NFIELDS; i++) {
			snprintf(path, sizeof(path), "queues.%u.%s", q, fields[i].name);
			check_u64(body, path, 1000 * (q + 1) + i + 1);
		}
		/* all reasons, zero or not */
		for (unsigned int r = 1; r < PKT_ERR_COUNT; r++) {
			snprintf(path, sizeof(path), "queues.%u.malformed_by.%s", q,
				 pkt_error_name((enum pkt_error)r));
			check_u64(body, path, 100 * (q + 1) + r);
		}
		for (unsigned int h = 0; h < STATS_HOOK_COUNT; h++) {
			snprintf(path, sizeof(path), "queues.%u.by_hook.%s", q, hook_names[h]);
			check_u64(body, path, 10 * (q + 1) + h);
		}
	}
	for (size_t i = 0; i < NFIELDS; i++) {
		snprintf(path, sizeof(path), "total.%s", fields[i].name);
		check_u64(body, path, 1000 + i + 1 + 2000 + i + 1);
	}
	for (unsigned int r = 1; r < PKT_ERR_COUNT; r++) {
		snprintf(path, sizeof(path), "total.malformed_by.%s",
			 pkt_error_name((enum pkt_error)r));
		check_u64(body, path, 100 + r + 200 + r);
	}
	for (unsigned int h = 0; h < STATS_HOOK_COUNT; h++) {
		snprintf(path, sizeof(path), "total.by_hook.%s", hook_names[h]);
		check_u64(body, path, 10 + h + 20 + h);
	}
	CU_ASSERT_PTR_NULL(json_find(body, "queues.2"));
}

static void test_stats_json_kernel(void)
{
	const char *body;
	char want[96];

	setup();
	CU_ASSERT_EQUAL(request("json stats"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE_FATAL(json_valid(body));
	check_u64(body, "queues.0.kernel.portid", 4242);
	check_u64(body, "queues.0.kernel.waiting", 1);
	check_u64(body, "queues.0.kernel.copy_mode", 2);
	check_u64(body, "queues.0.kernel.copy_range", 65535);
	check_u64(body, "queues.0.kernel.queue_dropped", 17);
	check_u64(body, "queues.0.kernel.user_dropped", 19);
	check_u64(body, "queues.0.kernel.id_sequence", 88888);
	CU_ASSERT_TRUE(json_is(body, "queues.1.kernel", "null"));
	CU_ASSERT_PTR_NULL(json_find(body, "queues.1.kernel_error"));
	check_u64(body, "total.kernel.waiting", 1);
	check_u64(body, "total.kernel.queue_dropped", 17);
	check_u64(body, "total.kernel.user_dropped", 19);
	snprintf(want, sizeof(want), "\"%s\"", kpath);
	CU_ASSERT_TRUE(json_is(body, "kernel_source", want));

	/* read at request time: a change in the file shows at once */
	write_kernel_file("2 4242 5 2 65535 18 19 90000 1\n3 77 0 2 65535 1 2 3 1\n");
	CU_ASSERT_EQUAL(request("json stats"), 0);
	body = ok_body();
	CU_ASSERT_TRUE_FATAL(json_valid(body));
	check_u64(body, "queues.0.kernel.waiting", 5);
	check_u64(body, "queues.1.kernel.portid", 77);
	check_u64(body, "total.kernel.waiting", 5);
	check_u64(body, "total.kernel.queue_dropped", 19);
	check_u64(body, "total.kernel.user_dropped", 21);
}

/* The file cannot be read: counters still come, the kernel's are null
 * with the reason. */
static void test_stats_kernel_unreadable(void)
{
	const char *body;

	setup();
	ctx.proc_queue_path = "/tmp";
	CU_ASSERT_EQUAL(request("json stats"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE_FATAL(json_valid(body));
	CU_ASSERT_TRUE(json_is(body, "queues.0.kernel", "null"));
	CU_ASSERT_PTR_NOT_NULL(json_find(body, "queues.0.kernel_error"));
	check_u64(body, "total.kernel.waiting", 0);
	CU_ASSERT_EQUAL(request("text stats"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "  queue 2: cannot read the counters: "));
}

static void test_stats_no_workers(void)
{
	const char *body;

	setup();
	ctx.nworkers = 0;
	ctx.workers = NULL;
	CU_ASSERT_EQUAL(request("json stats"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE_FATAL(json_valid(body));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"queues\":[]"));
	check_u64(body, "total.received", 0);
	CU_ASSERT_EQUAL(request("text stats"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(ok_body(), "\n  total  "));
}

/* Values a reader can check by hand. */
static void fill_readable(void)
{
	stat_set(&qstats[0].received, 1200);
	stat_set(&qstats[0].bytes, 1500000);
	stat_set(&qstats[0].accepted, 1190);
	stat_set(&qstats[0].dropped, 10);
	stat_set(&qstats[0].malformed, 8);
	stat_set(&qstats[0].malformed_by[PKT_ERR_IPV4_IHL], 3);
	stat_set(&qstats[0].malformed_by[PKT_ERR_TCP_DOFF], 5);
	stat_set(&qstats[0].by_hook[STATS_HOOK_FORWARD], 1200);
	stat_set(&qstats[1].received, 5);
	stat_set(&qstats[1].bytes, 420);
	stat_set(&qstats[1].accepted, 5);
	stat_set(&qstats[1].by_hook[STATS_HOOK_INPUT], 5);
	stat_set(&qstats[1].gso, 2);
	stat_set(&qstats[0].filter_accepted, 1100);
	stat_set(&qstats[0].filter_dropped, 60);
	stat_set(&qstats[0].filter_rejected, 40);
	stat_set(&qstats[0].rejects_sent, 39);
	stat_set(&qstats[0].rejects_not_sent, 1);
	stat_set(&qstats[1].filter_logged, 7);
}

static void test_stats_text(void)
{
	static const char head[] =
		"Packets\n"
		"  queue  received    bytes  accepted  dropped  malformed\n"
		"  2          1200  1500000      1190       10          8\n"
		"  3             5      420         5        0          0\n"
		"  total      1205  1500420      1195       10          8\n"
		"\n"
		"Malformed packets by reason\n"
		"  queue  reason    packets\n"
		"  2      ipv4_ihl        3\n"
		"         tcp_doff        5\n"
		"  total  ipv4_ihl        3\n"
		"         tcp_doff        5\n"
		"\n"
		"Packets by hook\n"
		"  queue  prerouting  input  forward  output  postrouting\n"
		"  2               0      0     1200       0            0\n"
		"  3               0      5        0       0            0\n"
		"  total           0      5     1200       0            0\n"
		"\n";
	const char *body;

	setup();
	fill_readable();
	CU_ASSERT_EQUAL(request("text stats"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_TRUE(has_prefix(body, head));
	CU_ASSERT_PTR_NOT_NULL(strstr(body,
		"Packet handover\n"
		"  queue  gso  csum_not_ready  truncated_copies\n"
		"  2        0               0                 0\n"
		"  3        2               0                 0\n"
		"  total    2               0                 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body,
		"Filter rules (input, forward, output)\n"
		"  queue  filter_accepted  filter_dropped  filter_rejected  rejects_sent  rejects_not_sent  filter_logged\n"
		"  2                 1100              60               40            39                 1              0\n"
		"  3                    0               0                0             0                 0              7\n"
		"  total             1100              60               40            39                 1              7\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body,
		"  queue  verdict_messages  batched  verdict_errors  recv_errors  enobufs\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body,
		"  queue  portid  waiting  queue_dropped  user_dropped  id_sequence\n"
		"  2        4242        1             17            19        88888\n"
		"  3           -        -              -             -            -\n"
		"  total                1             17            19\n"
		"  queue 3: not bound in the kernel\n"));
	/* only the reasons that happened */
	CU_ASSERT_PTR_NULL(strstr(body, "ipv6_exthdr"));
	CU_ASSERT_PTR_NULL(strstr(body, "udp_length"));
}

static void test_stats_text_no_malformed(void)
{
	const char *body;

	setup();
	CU_ASSERT_EQUAL(request("text stats"), 0);
	body = ok_body();
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "Malformed packets by reason\n  none\n"));
}

static const struct unit_test dispatch_tests[] = {
	{ "bad requests are usage errors", test_bad_requests },
	{ "good request shapes", test_good_request_shapes },
	{ "command table", test_command_table },
	{ "ctl_call_fail", test_call_fail },
	{ "reply too large", test_reply_too_large },
	{ NULL, NULL },
};

static const struct unit_test command_tests[] = {
	{ "help", test_help },
	{ "status text", test_status_text },
	{ "status single queue, short uptime", test_status_single_queue_and_short_uptime },
	{ "status json", test_status_json },
	{ "status strange names", test_status_strange_names },
	{ "status without conf", test_status_without_conf },
	{ "stats json every counter", test_stats_json_every_counter },
	{ "stats json kernel counters", test_stats_json_kernel },
	{ "stats kernel file unreadable", test_stats_kernel_unreadable },
	{ "stats without workers", test_stats_no_workers },
	{ "stats text", test_stats_text },
	{ "stats text without malformed", test_stats_text_no_malformed },
	{ NULL, NULL },
};

static void test_cleanup(void)
{
	ctl_buf_free(&reply);
	if (kpath[0])
		CU_ASSERT_EQUAL(unlink(kpath), 0);
}

static const struct unit_test cleanup_tests[] = {
	{ "cleanup", test_cleanup },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "dispatch", dispatch_tests },
	{ "commands", command_tests },
	{ "cleanup", cleanup_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
