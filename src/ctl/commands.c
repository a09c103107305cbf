/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol's request side: splits a request line into format,
 * command and arguments, checks them against the command table, and runs the
 * handler. Also the small commands: help and status. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nfqfw/ctl_cmd.h"

/* The commands. New features add their line here and a handler elsewhere. */
const struct ctl_command ctl_commands[] = {
	{ "conntrack", ctl_cmd_conntrack, "[list|flush|delete|invalid] [proto=P] [src=A] [dst=A] [addr=A] [sport=N] [dport=N]",
	  "the connection table, as conntrack -L prints it; flush or delete entries; the latest INVALID packets and why", 0, 7 },
	{ "help",   ctl_cmd_help,   "", "list the commands", 0, 0 },
	{ "metrics", ctl_cmd_metrics, "", "every counter of stats in the Prometheus text format", 0, 0 },
	{ "reload", ctl_cmd_reload, "", "re-read the configuration (as SIGHUP); a file with errors is refused", 0, 0 },
	{ "rules",  ctl_cmd_rules,  "", "the filter chains with their rules and counters, like iptables -L -v -n", 0, 0 },
	{ "stats",  ctl_cmd_stats,  "", "packet counters per queue, with the kernel's own", 0, 0 },
	{ "status", ctl_cmd_status, "", "version, uptime and the settings in force", 0, 0 },
	{ NULL, NULL, NULL, NULL, 0, 0 },
};

const struct ctl_command *ctl_command_find(const char *name)
{
	for (const struct ctl_command *c = ctl_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int ctl_call_fail(struct ctl_call *call, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call->message, sizeof(call->message), fmt, ap);
	va_end(ap);
	call->status = code;
	return code;
}

/* The words of a request, split in place. */
struct ctl_words {
	char line[CTL_REQUEST_MAX];
	unsigned int n;
	char *w[CTL_MAX_ARGS + 2];  /* format, command, arguments */
};

static bool ctl_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Copies LINE (without its '\n'; a '\r' before it is dropped) and splits it
 * into words. Control characters, NUL included, make the request invalid. */
static int ctl_split(struct ctl_call *call, struct ctl_words *words,
		     const char *line, size_t len)
{
	char *p;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= sizeof(words->line))
		return ctl_call_fail(call, CTL_EXIT_USAGE, "request line too long (max %d bytes)",
				     CTL_REQUEST_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return ctl_call_fail(call, CTL_EXIT_USAGE,
					     "request contains control characters");
	}
	memcpy(words->line, line, len);
	words->line[len] = '\0';
	words->n = 0;
	for (p = words->line; *p;) {
		while (ctl_is_blank(*p))
			*p++ = '\0';
		if (!*p)
			break;
		if (words->n == CTL_MAX_ARGS + 2)
			return ctl_call_fail(call, CTL_EXIT_USAGE,
					     "too many arguments (max %d)", CTL_MAX_ARGS);
		words->w[words->n++] = p;
		while (*p && !ctl_is_blank(*p))
			p++;
	}
	return CTL_EXIT_OK;
}

static int ctl_parse_format(struct ctl_call *call, const char *word)
{
	if (strcmp(word, "text") == 0)
		call->format = CTL_FORMAT_TEXT;
	else if (strcmp(word, "json") == 0)
		call->format = CTL_FORMAT_JSON;
	else
		return ctl_call_fail(call, CTL_EXIT_USAGE,
				     "unknown output format (text or json)");
	return CTL_EXIT_OK;
}

/* Checks the request and runs its handler. */
static int ctl_run(struct ctl_call *call, struct ctl_words *words)
{
	const struct ctl_command *cmd;
	int ret;

	if (words->n == 0)
		return ctl_call_fail(call, CTL_EXIT_USAGE, "empty request");
	ret = ctl_parse_format(call, words->w[0]);
	if (ret)
		return ret;
	if (words->n == 1)
		return ctl_call_fail(call, CTL_EXIT_USAGE, "no command; try 'help'");
	cmd = ctl_command_find(words->w[1]);
	if (!cmd)
		return ctl_call_fail(call, CTL_EXIT_USAGE,
				     "unknown command '%.64s'; try 'help'", words->w[1]);
	call->argc = words->n - 2;
	call->argv = &words->w[2];
	if (call->argc < cmd->min_args || call->argc > cmd->max_args) {
		if (cmd->args[0])
			return ctl_call_fail(call, CTL_EXIT_USAGE, "usage: %s %s",
					     cmd->name, cmd->args);
		return ctl_call_fail(call, CTL_EXIT_USAGE, "'%s' takes no arguments",
				     cmd->name);
	}
	return cmd->handler(call);
}

/* The status line's message: one line of printable characters. */
static void ctl_put_message(struct ctl_buf *reply, const char *msg)
{
	for (const char *p = msg; *p; p++) {
		unsigned char c = (unsigned char)*p;

		ctl_buf_put(reply, (c < 0x20 || c == 0x7f) ? "?" : p, 1);
	}
}

int ctl_handle_request(const struct ctl_context *ctx, const char *line,
		       size_t len, struct ctl_buf *reply)
{
	struct ctl_words words;
	struct ctl_buf body;
	struct ctl_call call = { .ctx = ctx, .body = &body };
	int status;

	/* leaves room for the status line in front of the body */
	ctl_buf_init(&body, reply->limit > 16 ? reply->limit - 16 : 0);
	status = ctl_split(&call, &words, line, len);
	if (status == CTL_EXIT_OK)
		status = ctl_run(&call, &words);
	if (status == CTL_EXIT_OK && body.failed)
		status = ctl_call_fail(&call, CTL_EXIT_FAILURE, "reply too large");
	if (status != CTL_EXIT_OK && status != CTL_EXIT_USAGE)
		status = CTL_EXIT_FAILURE;   /* only codes a client knows */
	if (status != CTL_EXIT_OK && !call.message[0])
		snprintf(call.message, sizeof(call.message), "failed");

	ctl_buf_reset(reply);
	if (status == CTL_EXIT_OK) {
		ctl_buf_puts(reply, "OK\n");
		ctl_buf_put(reply, body.data ? body.data : "", body.len);
	} else {
		ctl_buf_printf(reply, "ERR %d ", status);
		ctl_put_message(reply, call.message);
		ctl_buf_puts(reply, "\n");
	}
	ctl_buf_free(&body);
	return status;
}

int ctl_cmd_help(struct ctl_call *call)
{
	struct ctl_json j;
	size_t width = 0;

	if (call->format == CTL_FORMAT_JSON) {
		ctl_json_init(&j, call->body);
		ctl_json_object_begin(&j, NULL);
		ctl_json_array_begin(&j, "commands");
		for (const struct ctl_command *c = ctl_commands; c->name; c++) {
			ctl_json_object_begin(&j, NULL);
			ctl_json_str(&j, "name", c->name);
			ctl_json_str(&j, "args", c->args);
			ctl_json_str(&j, "help", c->help);
			ctl_json_object_end(&j);
		}
		ctl_json_array_end(&j);
		ctl_json_object_end(&j);
		ctl_json_finish(&j);
		return CTL_EXIT_OK;
	}
	for (const struct ctl_command *c = ctl_commands; c->name; c++) {
		size_t n = strlen(c->name) + (c->args[0] ? 1 + strlen(c->args) : 0);

		if (n > width)
			width = n;
	}
	ctl_buf_puts(call->body, "Commands:\n");
	for (const struct ctl_command *c = ctl_commands; c->name; c++) {
		char synopsis[128];

		snprintf(synopsis, sizeof(synopsis), "%s%s%s", c->name,
			 c->args[0] ? " " : "", c->args);
		ctl_buf_printf(call->body, "  %-*s  %s\n", (int)width, synopsis, c->help);
	}
	return CTL_EXIT_OK;
}

/* "3d 04:05:06" or "04:05:06". */
static void ctl_format_uptime(char *buf, size_t size, long long secs)
{
	long long days = secs / 86400;

	secs %= 86400;
	if (days)
		snprintf(buf, size, "%lldd %02lld:%02lld:%02lld", days,
			 secs / 3600, secs / 60 % 60, secs % 60);
	else
		snprintf(buf, size, "%02lld:%02lld:%02lld",
			 secs / 3600, secs / 60 % 60, secs % 60);
}

static long long ctl_uptime(const struct ctl_context *ctx)
{
	time_t now = time(NULL);

	return now > ctx->started ? (long long)(now - ctx->started) : 0;
}

static void ctl_status_json(struct ctl_call *call)
{
	const struct ctl_context *ctx = call->ctx;
	const struct nfqfw_conf *conf = ctx->conf;
	struct ctl_json j;

	ctl_json_init(&j, call->body);
	ctl_json_object_begin(&j, NULL);
	ctl_json_str(&j, "version", ctx->version);
	ctl_json_i64(&j, "pid", ctx->pid);
	ctl_json_i64(&j, "started", (int64_t)ctx->started);
	ctl_json_i64(&j, "uptime", ctl_uptime(ctx));
	ctl_json_str(&j, "config", ctx->conf_path);
	ctl_json_str(&j, "table", ctx->table);
	ctl_json_str(&j, "queue_form", ctx->hook_kind);
	if (conf) {
		ctl_json_object_begin(&j, "queues");
		ctl_json_u64(&j, "first", conf->queue.first);
		ctl_json_u64(&j, "count", conf->queue.count);
		ctl_json_object_end(&j);
		ctl_json_bool(&j, "fail_open", conf->queue.fail_open);
		ctl_json_bool(&j, "accept_when_full", conf->queue.accept_when_full);
	} else {
		ctl_json_null(&j, "queues");
		ctl_json_null(&j, "fail_open");
		ctl_json_null(&j, "accept_when_full");
	}
	ctl_json_u64(&j, "workers", ctx->nworkers);
	ctl_json_object_end(&j);
	ctl_json_finish(&j);
}

static void ctl_status_line(struct ctl_buf *b, const char *key, const char *value)
{
	ctl_buf_printf(b, "%-18s", key);
	ctl_buf_put_safe(b, value);
	ctl_buf_puts(b, "\n");
}

static void ctl_status_text(struct ctl_call *call)
{
	const struct ctl_context *ctx = call->ctx;
	const struct nfqfw_conf *conf = ctx->conf;
	struct ctl_buf *b = call->body;
	char v[64];

	ctl_status_line(b, "version", ctx->version);
	snprintf(v, sizeof(v), "%lld", (long long)ctx->pid);
	ctl_status_line(b, "pid", v);
	ctl_format_uptime(v, sizeof(v), ctl_uptime(ctx));
	ctl_status_line(b, "uptime", v);
	ctl_status_line(b, "config", ctx->conf_path);
	ctl_status_line(b, "table", ctx->table);
	ctl_status_line(b, "queue form", ctx->hook_kind);
	if (conf) {
		unsigned int last = conf->queue.first + conf->queue.count - 1u;

		if (conf->queue.count > 1)
			snprintf(v, sizeof(v), "%u-%u", conf->queue.first, last);
		else
			snprintf(v, sizeof(v), "%u", conf->queue.first);
		ctl_status_line(b, "queues", v);
		ctl_status_line(b, "fail_open", conf->queue.fail_open ? "yes" : "no");
		ctl_status_line(b, "accept_when_full",
				conf->queue.accept_when_full ? "yes" : "no");
	}
	snprintf(v, sizeof(v), "%u", ctx->nworkers);
	ctl_status_line(b, "workers", v);
}

int ctl_cmd_status(struct ctl_call *call)
{
	if (call->format == CTL_FORMAT_JSON)
		ctl_status_json(call);
	else
		ctl_status_text(call);
	return CTL_EXIT_OK;
}
