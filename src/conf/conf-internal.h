/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the configuration loader: the error collector, the pre-scan of the
 * file's text, and the schema (sections -> keys) that the checker walks. */
#ifndef NFQFW_CONF_INTERNAL_H
#define NFQFW_CONF_INTERNAL_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nfqfw/conf.h"

/* libconfig 1.5 keeps a setting's line in an unsigned short, so a longer
 * file would get wrong line numbers in its messages. */
#define CONF_MAX_LINES 65535u
/* Read limit: a configuration file is small; this stops a mistaken path
 * (a log, a device) from being read into memory. */
#define CONF_MAX_BYTES (1024u * 1024u)

struct conf_msg {
	unsigned int line;   /* 0: about the whole file */
	size_t seq;          /* order of reporting, to keep the sort stable */
	char *text;
};

/* One run of conf_load: where errors go and which lines hold an integer
 * literal that libconfig cannot represent (already reported, so the
 * checker stays quiet about the garbage value libconfig made of it). */
struct conf_ctx {
	const char *path;
	FILE *err;
	int errors;
	struct conf_msg *msgs;
	size_t n_msgs;
	size_t cap_msgs;
	uint64_t bad_int_lines[(CONF_MAX_LINES + 64) / 64];
};

/* conf-report.c */
void conf_report(struct conf_ctx *ctx, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void conf_report_at(struct conf_ctx *ctx, const config_setting_t *where,
		    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes the collected messages, sorted by line, and frees them.
 * Returns the number of errors. */
int conf_flush(struct conf_ctx *ctx);
void conf_mark_bad_int_line(struct conf_ctx *ctx, unsigned int line);
bool conf_is_bad_int_line(const struct conf_ctx *ctx, unsigned int line);
/* Copies LEN bytes of SRC into DST for a message: non-printable bytes as
 * \xHH, cut with "..." when longer than fits. */
void conf_quote(char *dst, size_t size, const char *src, size_t len);
/* Optimal string alignment distance (insert, delete, substitute, swap two
 * neighbours), saturated at CONF_DISTANCE_MAX. */
#define CONF_DISTANCE_MAX 255u
unsigned int conf_edit_distance(const char *a, const char *b);

/* conf-scan.c */
/* Checks the raw text for what libconfig 1.5 gets silently wrong and
 * returns a copy for config_read_string() in *out: integer literals outside
 * 32 bits get an "L" so that libconfig keeps their value instead of
 * truncating it, @include directives are blanked (and reported). Line
 * numbers stay the same. Returns 0 or -ENOMEM. */
int conf_prescan(struct conf_ctx *ctx, const char *text, size_t len, char **out);

/* conf-schema.c */
enum conf_kind {
	CONF_BOOL,
	CONF_INT,      /* int or int64 (L), checked against [min, max] */
	CONF_STRING,
	CONF_ENUM,     /* a string from names[] */
};

struct conf_enum_name {
	const char *name;
	int value;
};

union conf_value {
	bool b;
	int64_t i;
	const char *s;
};

/* A value of the right type, on its way into the configuration. */
struct conf_item {
	const config_setting_t *setting;
	const char *path;         /* "section.key", for messages */
	union conf_value value;   /* for CONF_ENUM: .i is the name's value */
};

/* Stores ITEM in FIELD (conf + key offset) after any check of its own;
 * returns 0, or -EINVAL once the problem is reported. */
typedef int conf_setter_fn(struct conf_ctx *ctx, const struct conf_item *item,
			   void *field);

struct conf_key {
	const char *name;
	enum conf_kind kind;
	int64_t min, max;                     /* CONF_INT */
	const struct conf_enum_name *names;   /* CONF_ENUM, ends with NULL */
	size_t offset;                        /* of the field in nfqfw_conf */
	conf_setter_fn *set;
};

/* Checks that involve several keys of a section, after all of them are set. */
typedef void conf_section_check_fn(struct conf_ctx *ctx,
				   const config_setting_t *group,
				   const struct nfqfw_conf *conf);

struct conf_section {
	const char *name;
	const struct conf_key *keys;          /* ends with { NULL } */
	conf_section_check_fn *check;         /* may be NULL */
};

extern const struct conf_section conf_schema[];   /* ends with { NULL } */

#endif
