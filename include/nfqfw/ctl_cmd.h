/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control commands: a table of {name, handler, help} that later features
 * extend by adding entries, the dispatcher the socket server hands each
 * request line to, and the helpers handlers write text and JSON with. */
#ifndef NFQFW_CTL_CMD_H
#define NFQFW_CTL_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqfw/ctl.h"

#define CTL_REPLY_MAX (4u << 20)  /* bigger replies are refused, not cut */
#define CTL_MAX_ARGS 16           /* words after the command name */

/* A growing output buffer. Errors are sticky: after an allocation failure or
 * once LIMIT would be passed, writes are ignored and `failed` is set, so a
 * handler writes freely and the caller checks once. */
struct ctl_buf {
	char *data;                 /* NUL-terminated once anything was written */
	size_t len, cap, limit;
	bool failed;
};

void ctl_buf_init(struct ctl_buf *b, size_t limit);
void ctl_buf_free(struct ctl_buf *b);
void ctl_buf_reset(struct ctl_buf *b);   /* empties it, clears `failed` */
void ctl_buf_put(struct ctl_buf *b, const void *data, size_t len);
void ctl_buf_puts(struct ctl_buf *b, const char *s);
void ctl_buf_printf(struct ctl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* For text output: S with control characters and backslashes shown as \xNN,
 * so that a strange file name cannot play tricks on a terminal. NULL is "-". */
void ctl_buf_put_safe(struct ctl_buf *b, const char *s);
/* Length of the well-formed UTF-8 sequence at S (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if it is not one;
 * reads no further than a NUL. */
size_t ctl_utf8_len(const unsigned char *s);

/* A JSON string literal, quotes included. Invalid UTF-8 becomes U+FFFD.
 * NULL is written as null. */
void ctl_buf_put_json_string(struct ctl_buf *b, const char *s);

/* A JSON writer that places the commas itself. KEY is the member name inside
 * an object and must be NULL at the top level and inside arrays; misuse sets
 * the buffer's `failed`, so a broken handler cannot send broken JSON. */
#define CTL_JSON_MAX_DEPTH 16

struct ctl_json {
	struct ctl_buf *b;
	unsigned int depth;
	bool in_object[CTL_JSON_MAX_DEPTH];
	bool has_member[CTL_JSON_MAX_DEPTH];
	bool top_done;
};

void ctl_json_init(struct ctl_json *j, struct ctl_buf *b);
void ctl_json_object_begin(struct ctl_json *j, const char *key);
void ctl_json_object_end(struct ctl_json *j);
void ctl_json_array_begin(struct ctl_json *j, const char *key);
void ctl_json_array_end(struct ctl_json *j);
void ctl_json_str(struct ctl_json *j, const char *key, const char *value);
void ctl_json_u64(struct ctl_json *j, const char *key, uint64_t value);
void ctl_json_i64(struct ctl_json *j, const char *key, int64_t value);
void ctl_json_bool(struct ctl_json *j, const char *key, bool value);
void ctl_json_null(struct ctl_json *j, const char *key);
/* Ends the document with a newline; fails the buffer if it is unfinished. */
void ctl_json_finish(struct ctl_json *j);

/* A text table with columns as wide as their widest cell. Cells are added
 * left to right after ctl_table_row(); missing cells print empty. */
#define CTL_CELL_MAX 40

struct ctl_table {
	unsigned int ncols, nrows, cap, cur_col;
	const char *const *headers;
	const char *align;          /* per column: 'l' left, 'r' right */
	char (*cells)[CTL_CELL_MAX];
	bool failed;
};

void ctl_table_init(struct ctl_table *t, unsigned int ncols,
		    const char *const *headers, const char *align);
void ctl_table_row(struct ctl_table *t);
void ctl_table_cell(struct ctl_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Writes the header and the rows, each line starting with INDENT spaces
 * and columns two spaces apart, then frees the table. */
void ctl_table_render(struct ctl_table *t, struct ctl_buf *b, unsigned int indent);
void ctl_table_free(struct ctl_table *t);

enum ctl_format {
	CTL_FORMAT_TEXT,
	CTL_FORMAT_JSON,
};

/* One request on its way through a handler. */
struct ctl_call {
	const struct ctl_context *ctx;
	enum ctl_format format;
	unsigned int argc;          /* words after the command name */
	char *const *argv;
	struct ctl_buf *body;
	int status;                 /* set by ctl_call_fail() */
	char message[256];
};

/* Handlers return CTL_EXIT_OK after writing the body, or what
 * ctl_call_fail() returns; the body is then discarded. */
typedef int ctl_handler_fn(struct ctl_call *call);

struct ctl_command {
	const char *name;
	ctl_handler_fn *handler;
	const char *args;           /* synopsis of the arguments, "" if none */
	const char *help;           /* one line, for `help` */
	unsigned int min_args, max_args;
};

/* The table, ending with an entry whose name is NULL. */
extern const struct ctl_command ctl_commands[];

const struct ctl_command *ctl_command_find(const char *name);

/* Records the failure (CODE is CTL_EXIT_FAILURE or CTL_EXIT_USAGE) and
 * returns CODE. The message goes on the status line: keep it one line. */
int ctl_call_fail(struct ctl_call *call, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Handles one request line of LEN bytes (without its '\n') and writes the
 * whole reply, status line and body, into REPLY. Returns the status code
 * that was sent (CTL_EXIT_OK, CTL_EXIT_FAILURE or CTL_EXIT_USAGE). */
int ctl_handle_request(const struct ctl_context *ctx, const char *line,
		       size_t len, struct ctl_buf *reply);

/* The handlers of the table. */
int ctl_cmd_help(struct ctl_call *call);
int ctl_cmd_status(struct ctl_call *call);
int ctl_cmd_stats(struct ctl_call *call);
int ctl_cmd_conntrack(struct ctl_call *call);
int ctl_cmd_metrics(struct ctl_call *call);
int ctl_cmd_reload(struct ctl_call *call);
int ctl_cmd_rules(struct ctl_call *call);
/* The connection tracking part of stats (nothing without a table). */
void ctl_stats_ct_json(struct ctl_json *j, const struct ctl_context *ctx);
void ctl_stats_ct_text(struct ctl_buf *b, const struct ctl_context *ctx);

struct ct_entry;
/* One conntrack -L line for CT (no newline); returns the length. */
int ctl_ct_format_line(const struct ct_entry *ct, uint64_t now_ns,
		       char *buf, size_t size);

#endif
