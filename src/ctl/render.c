/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Output helpers for the control commands: a bounded growing buffer, a JSON
 * writer that cannot emit invalid JSON (it fails instead), and aligned text
 * tables. Errors are sticky so that handlers need not check every write. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/ctl_cmd.h"

void ctl_buf_init(struct ctl_buf *b, size_t limit)
{
	*b = (struct ctl_buf){ .limit = limit };
}

void ctl_buf_free(struct ctl_buf *b)
{
	free(b->data);
	*b = (struct ctl_buf){ .limit = b->limit };
}

void ctl_buf_reset(struct ctl_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

/* Makes room for EXTRA more bytes plus the terminating NUL. */
static bool ctl_buf_reserve(struct ctl_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return false;
	if (extra > b->limit || b->len > b->limit - extra) {
		b->failed = true;
		return false;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 1024;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void ctl_buf_put(struct ctl_buf *b, const void *data, size_t len)
{
	if (!ctl_buf_reserve(b, len))
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void ctl_buf_puts(struct ctl_buf *b, const char *s)
{
	ctl_buf_put(b, s, strlen(s));
}

void ctl_buf_printf(struct ctl_buf *b, const char *fmt, ...)
{
	va_list ap;
	bool fitted;
	int n;

	if (!ctl_buf_reserve(b, 0))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	fitted = n >= 0 && (size_t)n < b->cap - b->len;
	if (n < 0 || !ctl_buf_reserve(b, (size_t)n)) {
		b->failed = true;
		b->data[b->len] = '\0';   /* drop what did not fit the limit */
		return;
	}
	if (!fitted) {
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void ctl_buf_put_safe(struct ctl_buf *b, const char *s)
{
	if (!s) {
		ctl_buf_puts(b, "-");
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			ctl_buf_printf(b, "\\x%02x", c);
		else
			ctl_buf_put(b, s, 1);
	}
}

/* Length of the well-formed UTF-8 sequence at S (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if it is not one. */
size_t ctl_utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;   /* also stops at the NUL */
	return n;
}

void ctl_buf_put_json_string(struct ctl_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		ctl_buf_puts(b, "null");
		return;
	}
	ctl_buf_puts(b, "\"");
	while (*p) {
		size_t n = ctl_utf8_len(p);

		if (*p == '"' || *p == '\\') {
			ctl_buf_printf(b, "\\%c", *p);
		} else if (*p == '\n') {
			ctl_buf_puts(b, "\\n");
		} else if (*p == '\t') {
			ctl_buf_puts(b, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			ctl_buf_printf(b, "\\u%04x", *p);
		} else if (n == 0) {
			ctl_buf_puts(b, "\\ufffd");
			n = 1;
		} else {
			ctl_buf_put(b, p, n);
		}
		p += n ? n : 1;
	}
	ctl_buf_puts(b, "\"");
}

void ctl_json_init(struct ctl_json *j, struct ctl_buf *b)
{
	*j = (struct ctl_json){ .b = b };
}

static void ctl_json_misuse(struct ctl_json *j)
{
	j->b->failed = true;
}

/* Writes what comes before a value: the comma, the key. */
static bool ctl_json_member(struct ctl_json *j, const char *key)
{
	unsigned int d;

	if (j->b->failed)
		return false;
	if (j->depth == 0) {
		if (key || j->top_done) {
			ctl_json_misuse(j);
			return false;
		}
		return true;
	}
	d = j->depth - 1;
	if (j->in_object[d] != (key != NULL)) {
		ctl_json_misuse(j);
		return false;
	}
	if (j->has_member[d])
		ctl_buf_puts(j->b, ",");
	j->has_member[d] = true;
	if (key) {
		ctl_buf_put_json_string(j->b, key);
		ctl_buf_puts(j->b, ":");
	}
	return true;
}

static void ctl_json_scalar_done(struct ctl_json *j)
{
	if (j->depth == 0)
		j->top_done = true;
}

static void ctl_json_open(struct ctl_json *j, const char *key, bool object)
{
	if (!ctl_json_member(j, key))
		return;
	if (j->depth == CTL_JSON_MAX_DEPTH) {
		ctl_json_misuse(j);
		return;
	}
	ctl_buf_puts(j->b, object ? "{" : "[");
	j->in_object[j->depth] = object;
	j->has_member[j->depth] = false;
	j->depth++;
}

static void ctl_json_close(struct ctl_json *j, bool object)
{
	if (j->b->failed)
		return;
	if (j->depth == 0 || j->in_object[j->depth - 1] != object) {
		ctl_json_misuse(j);
		return;
	}
	ctl_buf_puts(j->b, object ? "}" : "]");
	j->depth--;
	ctl_json_scalar_done(j);
}

void ctl_json_object_begin(struct ctl_json *j, const char *key)
{
	ctl_json_open(j, key, true);
}

void ctl_json_object_end(struct ctl_json *j)
{
	ctl_json_close(j, true);
}

void ctl_json_array_begin(struct ctl_json *j, const char *key)
{
	ctl_json_open(j, key, false);
}

void ctl_json_array_end(struct ctl_json *j)
{
	ctl_json_close(j, false);
}

void ctl_json_str(struct ctl_json *j, const char *key, const char *value)
{
	if (!ctl_json_member(j, key))
		return;
	ctl_buf_put_json_string(j->b, value);
	ctl_json_scalar_done(j);
}

void ctl_json_u64(struct ctl_json *j, const char *key, uint64_t value)
{
	if (!ctl_json_member(j, key))
		return;
	ctl_buf_printf(j->b, "%llu", (unsigned long long)value);
	ctl_json_scalar_done(j);
}

void ctl_json_i64(struct ctl_json *j, const char *key, int64_t value)
{
	if (!ctl_json_member(j, key))
		return;
	ctl_buf_printf(j->b, "%lld", (long long)value);
	ctl_json_scalar_done(j);
}

void ctl_json_bool(struct ctl_json *j, const char *key, bool value)
{
	if (!ctl_json_member(j, key))
		return;
	ctl_buf_puts(j->b, value ? "true" : "false");
	ctl_json_scalar_done(j);
}

void ctl_json_null(struct ctl_json *j, const char *key)
{
	if (!ctl_json_member(j, key))
		return;
	ctl_buf_puts(j->b, "null");
	ctl_json_scalar_done(j);
}

void ctl_json_finish(struct ctl_json *j)
{
	if (j->depth != 0 || !j->top_done) {
		ctl_json_misuse(j);
		return;
	}
	ctl_buf_puts(j->b, "\n");
}

void ctl_table_init(struct ctl_table *t, unsigned int ncols,
		    const char *const *headers, const char *align)
{
	*t = (struct ctl_table){
		.ncols = ncols,
		.headers = headers,
		.align = align,
		.failed = ncols == 0 || strlen(align) != ncols,
	};
}

void ctl_table_row(struct ctl_table *t)
{
	if (t->failed)
		return;
	if (t->nrows == t->cap) {
		unsigned int cap = t->cap ? t->cap * 2 : 8;
		void *p = reallocarray(t->cells, (size_t)cap * t->ncols,
				       sizeof(*t->cells));

		if (!p) {
			t->failed = true;
			return;
		}
		t->cells = p;
		t->cap = cap;
	}
	memset(t->cells[(size_t)t->nrows * t->ncols], 0,
	       sizeof(*t->cells) * t->ncols);
	t->nrows++;
	t->cur_col = 0;
}

void ctl_table_cell(struct ctl_table *t, const char *fmt, ...)
{
	va_list ap;

	if (t->failed)
		return;
	if (t->nrows == 0 || t->cur_col == t->ncols) {
		t->failed = true;   /* more cells than columns: a bug */
		return;
	}
	va_start(ap, fmt);
	vsnprintf(t->cells[(size_t)(t->nrows - 1) * t->ncols + t->cur_col],
		  CTL_CELL_MAX, fmt, ap);
	va_end(ap);
	t->cur_col++;
}

/* Appends one line: cells padded to WIDTHS, trailing blanks trimmed. */
static void ctl_table_line(const struct ctl_table *t, struct ctl_buf *b,
			   unsigned int indent, const size_t *widths,
			   const char *const *cells)
{
	size_t start = b->len;

	ctl_buf_printf(b, "%*s", (int)indent, "");
	for (unsigned int c = 0; c < t->ncols; c++) {
		int w = (int)widths[c];
		const char *s = cells[c] ? cells[c] : "";

		ctl_buf_printf(b, c == 0 ? "%*s" : "  %*s",
			       t->align[c] == 'l' ? -w : w, s);
	}
	while (!b->failed && b->len > start && b->data[b->len - 1] == ' ')
		b->data[--b->len] = '\0';
	ctl_buf_puts(b, "\n");
}

void ctl_table_render(struct ctl_table *t, struct ctl_buf *b, unsigned int indent)
{
	size_t *widths = NULL;
	const char **cells = NULL;

	if (t->failed)
		goto fail_buffer;
	widths = calloc(t->ncols, sizeof(*widths));
	cells = calloc(t->ncols, sizeof(*cells));
	if (!widths || !cells)
		goto fail_buffer;
	for (unsigned int c = 0; c < t->ncols; c++) {
		widths[c] = strlen(t->headers[c]);
		for (unsigned int r = 0; r < t->nrows; r++) {
			size_t n = strlen(t->cells[(size_t)r * t->ncols + c]);

			if (n > widths[c])
				widths[c] = n;
		}
	}
	ctl_table_line(t, b, indent, widths, t->headers);
	for (unsigned int r = 0; r < t->nrows; r++) {
		for (unsigned int c = 0; c < t->ncols; c++)
			cells[c] = t->cells[(size_t)r * t->ncols + c];
		ctl_table_line(t, b, indent, widths, cells);
	}
	goto free_table;

fail_buffer:
	b->failed = true;
free_table:
	free(cells);
	free(widths);
	ctl_table_free(t);
}

void ctl_table_free(struct ctl_table *t)
{
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}
