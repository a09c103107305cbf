/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error records of the configuration loader: collected with their line,
 * written sorted by line as "PATH:LINE: message", plus the helpers that
 * make messages readable (quoting, "did you mean" distance). */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-internal.h"

static void conf_print(const struct conf_ctx *ctx, unsigned int line,
		       const char *text)
{
	if (!ctx->err)
		return;
	if (line)
		fprintf(ctx->err, "%s:%u: %s\n", ctx->path, line, text);
	else
		fprintf(ctx->err, "%s: %s\n", ctx->path, text);
}

static int conf_msgs_grow(struct conf_ctx *ctx)
{
	struct conf_msg *msgs;
	size_t cap;

	if (ctx->n_msgs < ctx->cap_msgs)
		return 0;
	cap = ctx->cap_msgs ? 2 * ctx->cap_msgs : 16;
	msgs = realloc(ctx->msgs, cap * sizeof(*msgs));
	if (!msgs)
		return -1;
	ctx->msgs = msgs;
	ctx->cap_msgs = cap;
	return 0;
}

static void conf_vreport(struct conf_ctx *ctx, unsigned int line,
			 const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void conf_vreport(struct conf_ctx *ctx, unsigned int line,
			 const char *fmt, va_list ap)
{
	char *text;

	ctx->errors++;
	if (vasprintf(&text, fmt, ap) < 0) {
		conf_print(ctx, line, "(out of memory while reporting an error)");
		return;
	}
	/* Without room to keep it, the message is written at once: out of
	 * order is better than lost. */
	if (conf_msgs_grow(ctx) < 0) {
		conf_print(ctx, line, text);
		free(text);
		return;
	}
	ctx->msgs[ctx->n_msgs] = (struct conf_msg){
		.line = line, .seq = ctx->n_msgs, .text = text,
	};
	ctx->n_msgs++;
}

void conf_report(struct conf_ctx *ctx, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vreport(ctx, line, fmt, ap);
	va_end(ap);
}

void conf_report_at(struct conf_ctx *ctx, const config_setting_t *where,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vreport(ctx, config_setting_source_line(where), fmt, ap);
	va_end(ap);
}

static int conf_msg_cmp(const void *a, const void *b)
{
	const struct conf_msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int conf_flush(struct conf_ctx *ctx)
{
	if (ctx->n_msgs)
		qsort(ctx->msgs, ctx->n_msgs, sizeof(*ctx->msgs), conf_msg_cmp);
	for (size_t i = 0; i < ctx->n_msgs; i++) {
		conf_print(ctx, ctx->msgs[i].line, ctx->msgs[i].text);
		free(ctx->msgs[i].text);
	}
	free(ctx->msgs);
	ctx->msgs = NULL;
	ctx->n_msgs = ctx->cap_msgs = 0;
	if (ctx->err)
		fflush(ctx->err);
	return ctx->errors;
}

void conf_mark_bad_int_line(struct conf_ctx *ctx, unsigned int line)
{
	if (line <= CONF_MAX_LINES)
		ctx->bad_int_lines[line / 64] |= UINT64_C(1) << (line % 64);
}

bool conf_is_bad_int_line(const struct conf_ctx *ctx, unsigned int line)
{
	return line <= CONF_MAX_LINES &&
	       (ctx->bad_int_lines[line / 64] & (UINT64_C(1) << (line % 64)));
}

static size_t conf_quoted_len(unsigned char c)
{
	return isprint(c) && c != '\\' ? 1 : 4;
}

void conf_quote(char *dst, size_t size, const char *src, size_t len)
{
	static const char ellipsis[] = "...";
	size_t need = 0, room, o = 0;

	if (size < sizeof(ellipsis))
		return;
	for (size_t i = 0; i < len; i++)
		need += conf_quoted_len((unsigned char)src[i]);
	room = need < size ? size - 1 : size - sizeof(ellipsis);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (o + conf_quoted_len(c) > room)
			break;
		if (conf_quoted_len(c) == 1)
			dst[o++] = (char)c;
		else
			o += (size_t)snprintf(dst + o, 5, "\\x%02x", c);
	}
	if (need < size)
		dst[o] = '\0';
	else
		memcpy(dst + o, ellipsis, sizeof(ellipsis));
}

/* Names longer than this are never "close" to a schema name, which are all
 * much shorter; it bounds the rows below without a VLA. */
#define CONF_DISTANCE_LEN 48

unsigned int conf_edit_distance(const char *a, const char *b)
{
	unsigned int rows[3][CONF_DISTANCE_LEN + 1];
	unsigned int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	size_t la = strlen(a), lb = strlen(b);

	if (la > CONF_DISTANCE_LEN || lb > CONF_DISTANCE_LEN)
		return CONF_DISTANCE_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned int cost = a[i - 1] != b[j - 1];
			unsigned int d = prev[j - 1] + cost;

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		unsigned int *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb] < CONF_DISTANCE_MAX ? prev[lb] : CONF_DISTANCE_MAX;
}
