/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A strict reader of the Prometheus text exposition format (0.0.4) for the
 * metrics tests: prom_parse() checks a document against the format's rules
 * and this project's naming rules, and keeps every series so that tests
 * can look values up by name and labels without trusting the writer.
 *
 * Checked: lines end with '\n'; HELP and TYPE come once per metric and
 * before its first sample; a metric's lines form one group; metric names
 * match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and do
 * not start with "__"; a label appears once per sample; label values are
 * UTF-8 with only \\, \" and \n escaped; values parse as floats; counters
 * are not negative; no series (name and label set) appears twice. Our own
 * rules on top: every metric has a non-empty HELP, counters are named
 * ..._total and gauges are not. */
#ifndef NFQFW_TESTS_PROM_CHECK_H
#define NFQFW_TESTS_PROM_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-check.h"   /* json_utf8_len() */

#define PROM_NAME_MAX 128
#define PROM_LABELS_MAX 512
#define PROM_LINE_MAX 4096
#define PROM_MAX_LABELS 16

struct prom_family {
	char name[PROM_NAME_MAX];
	char type[16];              /* "" until its TYPE line */
	bool has_help;
	unsigned int nsamples;
};

struct prom_series {
	unsigned int family;        /* index in prom_doc.fam */
	char labels[PROM_LABELS_MAX];   /* canonical: sorted, name="raw value",... */
	char value[64];             /* the value as written */
};

struct prom_doc {
	bool ok;
	unsigned int error_line;
	char error[256];
	struct prom_family *fam;
	unsigned int nfam, cap_fam;
	struct prom_series *ser;
	unsigned int nser, cap_ser;
	int current;                /* the family whose group is open, -1 if none */
};

static inline bool prom_fail(struct prom_doc *d, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline bool prom_fail(struct prom_doc *d, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	if (!d->ok)
		return false;
	d->ok = false;
	d->error_line = line;
	va_start(ap, fmt);
	vsnprintf(d->error, sizeof(d->error), fmt, ap);
	va_end(ap);
	return false;
}

static inline bool prom_is_name_char(char c, bool first, bool colon)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return true;
	if (c == ':')
		return colon;
	return !first && c >= '0' && c <= '9';
}

/* Length of the name at P (metric names may hold ':', label names not). */
static inline size_t prom_name_len(const char *p, bool colon)
{
	size_t n = 0;

	while (prom_is_name_char(p[n], n == 0, colon))
		n++;
	return n;
}

/* Checks the escapes and the UTF-8 of TEXT up to END (or the NUL);
 * QUOTED: a label value, where \" is allowed too. Returns where it stopped
 * (at END, the NUL, or for a label value at its closing quote), or NULL. */
static inline const char *prom_check_text(const char *p, bool quoted)
{
	while (*p && !(quoted && *p == '"')) {
		size_t n;

		if (*p == '\\') {
			if (p[1] == '\\' || p[1] == 'n' || (quoted && p[1] == '"')) {
				p += 2;
				continue;
			}
			return NULL;
		}
		n = json_utf8_len((const unsigned char *)p);
		if (n == 0 || *p == '\n')
			return NULL;
		p += n;
	}
	return p;
}

static inline int prom_family_find(const struct prom_doc *d, const char *name, size_t len)
{
	for (unsigned int i = 0; i < d->nfam; i++)
		if (strlen(d->fam[i].name) == len && strncmp(d->fam[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* The family NAME, made if new. A known family whose group was left
 * (another metric's lines came since) cannot take more lines. */
static inline int prom_family_enter(struct prom_doc *d, unsigned int line,
				    const char *name, size_t len)
{
	int i = prom_family_find(d, name, len);

	if (len >= PROM_NAME_MAX)
		return prom_fail(d, line, "metric name too long"), -1;
	if (i >= 0 && i != d->current)
		return prom_fail(d, line, "lines of %s are not grouped together",
				 d->fam[i].name), -1;
	if (i < 0) {
		if (d->nfam == d->cap_fam) {
			void *n = realloc(d->fam, (d->cap_fam * 2 + 16) * sizeof(*d->fam));

			if (!n)
				return prom_fail(d, line, "out of memory"), -1;
			d->fam = n;
			d->cap_fam = d->cap_fam * 2 + 16;
		}
		i = (int)d->nfam++;
		memset(&d->fam[i], 0, sizeof(d->fam[i]));
		memcpy(d->fam[i].name, name, len);
	}
	d->current = i;
	return i;
}

static inline bool prom_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static inline bool prom_type_ok(const char *t)
{
	static const char *const types[] = { "counter", "gauge", "histogram", "summary",
					     "untyped" };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i]) == 0)
			return true;
	return false;
}

/* "# HELP name text" or "# TYPE name type"; other comments are ignored. */
static inline bool prom_comment(struct prom_doc *d, unsigned int line, const char *p)
{
	bool help;
	size_t n;
	int f;

	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "HELP ", 5) == 0)
		help = true;
	else if (strncmp(p, "TYPE ", 5) == 0)
		help = false;
	else
		return true;
	p += 5;
	while (*p == ' ' || *p == '\t')
		p++;
	n = prom_name_len(p, true);
	if (n == 0 || (p[n] != ' ' && p[n] != '\0'))
		return prom_fail(d, line, "bad metric name in %s line", help ? "HELP" : "TYPE");
	f = prom_family_enter(d, line, p, n);
	if (f < 0)
		return false;
	if (d->fam[f].nsamples)
		return prom_fail(d, line, "%s of %s after its samples", help ? "HELP" : "TYPE",
				 d->fam[f].name);
	p += n;
	while (*p == ' ' || *p == '\t')
		p++;
	if (help) {
		if (d->fam[f].has_help)
			return prom_fail(d, line, "second HELP for %s", d->fam[f].name);
		if (!*p)
			return prom_fail(d, line, "empty HELP for %s", d->fam[f].name);
		if (!prom_check_text(p, false))
			return prom_fail(d, line, "bad escape or UTF-8 in HELP of %s", d->fam[f].name);
		d->fam[f].has_help = true;
		return true;
	}
	if (d->fam[f].type[0])
		return prom_fail(d, line, "second TYPE for %s", d->fam[f].name);
	if (strlen(p) >= sizeof(d->fam[f].type) || !prom_type_ok(p))
		return prom_fail(d, line, "unknown type '%s'", p);
	strcpy(d->fam[f].type, p);
	if (strcmp(p, "counter") == 0 && !prom_ends_with(d->fam[f].name, "_total"))
		return prom_fail(d, line, "counter %s is not named ..._total", d->fam[f].name);
	if (strcmp(p, "counter") != 0 && prom_ends_with(d->fam[f].name, "_total"))
		return prom_fail(d, line, "%s %s is named like a counter", p, d->fam[f].name);
	return true;
}

struct prom_label {
	char name[PROM_NAME_MAX];
	const char *value;
	size_t len;
};

static inline int prom_label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct prom_label *)a)->name, ((const struct prom_label *)b)->name);
}

/* Reads "{a="x",b="y"}" at *PP into LABELS; returns how many, or -1. */
static inline int prom_labels(struct prom_doc *d, unsigned int line, const char **pp,
			      struct prom_label *labels)
{
	const char *p = *pp + 1;
	int n = 0;

	for (;;) {
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '}')
			break;
		len = prom_name_len(p, false);
		if (len == 0 || len >= PROM_NAME_MAX)
			return prom_fail(d, line, "bad label name"), -1;
		if (strncmp(p, "__", 2) == 0)
			return prom_fail(d, line, "label names starting with __ are reserved"), -1;
		if (n == PROM_MAX_LABELS)
			return prom_fail(d, line, "too many labels"), -1;
		memcpy(labels[n].name, p, len);
		labels[n].name[len] = '\0';
		for (int i = 0; i < n; i++)
			if (strcmp(labels[i].name, labels[n].name) == 0)
				return prom_fail(d, line, "label %s twice", labels[n].name), -1;
		p += len;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '=')
			return prom_fail(d, line, "no '=' after label %s", labels[n].name), -1;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '"')
			return prom_fail(d, line, "label value not quoted"), -1;
		labels[n].value = p;
		p = prom_check_text(p, true);
		if (!p || *p != '"')
			return prom_fail(d, line, "bad label value of %s", labels[n].name), -1;
		labels[n].len = (size_t)(p - labels[n].value);
		p++;
		n++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			return prom_fail(d, line, "expected ',' or '}' in labels"), -1;
	}
	*pp = p + 1;
	return n;
}

static inline bool prom_value_ok(const char *v, bool counter)
{
	char *end;
	double x;

	if (strcmp(v, "NaN") == 0)
		return !counter;
	if (strcmp(v, "+Inf") == 0)
		return true;
	if (strcmp(v, "-Inf") == 0)
		return !counter;
	if (!strpbrk(v, "0123456789") || strpbrk(v, "xXnN"))
		return false;   /* no hex floats, no "nan"/"inf" spellings */
	x = strtod(v, &end);
	return *end == '\0' && !(counter && x < 0);
}

static inline bool prom_series_add(struct prom_doc *d, unsigned int line, int f,
				   struct prom_label *labels, int n, const char *value)
{
	struct prom_series *s;
	size_t used = 0;

	if (d->nser == d->cap_ser) {
		void *m = realloc(d->ser, (d->cap_ser * 2 + 64) * sizeof(*d->ser));

		if (!m)
			return prom_fail(d, line, "out of memory");
		d->ser = m;
		d->cap_ser = d->cap_ser * 2 + 64;
	}
	s = &d->ser[d->nser];
	memset(s, 0, sizeof(*s));
	s->family = (unsigned int)f;
	qsort(labels, (size_t)n, sizeof(*labels), prom_label_cmp);
	for (int i = 0; i < n; i++) {
		int w = snprintf(s->labels + used, sizeof(s->labels) - used, "%s%s=\"%.*s\"",
				 i ? "," : "", labels[i].name, (int)labels[i].len, labels[i].value);

		if (w < 0 || (size_t)w >= sizeof(s->labels) - used)
			return prom_fail(d, line, "labels too long");
		used += (size_t)w;
	}
	if (strlen(value) >= sizeof(s->value))
		return prom_fail(d, line, "value too long");
	strcpy(s->value, value);
	for (unsigned int i = 0; i < d->nser; i++)
		if (d->ser[i].family == s->family && strcmp(d->ser[i].labels, s->labels) == 0)
			return prom_fail(d, line, "series %s{%s} twice", d->fam[f].name, s->labels);
	d->nser++;
	d->fam[f].nsamples++;
	return true;
}

/* "name{labels} value [timestamp]". */
static inline bool prom_sample(struct prom_doc *d, unsigned int line, const char *p)
{
	struct prom_label labels[PROM_MAX_LABELS];
	char value[64];
	size_t n = prom_name_len(p, true), vlen;
	int f, nl = 0;

	if (n == 0)
		return prom_fail(d, line, "bad metric name");
	f = prom_family_find(d, p, n);
	if (f < 0 || f != d->current || !d->fam[f].type[0] || !d->fam[f].has_help)
		return prom_fail(d, line, "sample of %.*s without HELP and TYPE just before it",
				 (int)n, p);
	p += n;
	if (*p == '{') {
		nl = prom_labels(d, line, &p, labels);
		if (nl < 0)
			return false;
	}
	if (*p != ' ' && *p != '\t')
		return prom_fail(d, line, "no blank before the value");
	while (*p == ' ' || *p == '\t')
		p++;
	vlen = strcspn(p, " \t");
	if (vlen == 0 || vlen >= sizeof(value))
		return prom_fail(d, line, "missing or long value");
	memcpy(value, p, vlen);
	value[vlen] = '\0';
	if (!prom_value_ok(value, strcmp(d->fam[f].type, "counter") == 0))
		return prom_fail(d, line, "bad value '%s'", value);
	p += vlen;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p) {   /* a timestamp: an integer in milliseconds */
		char *end;

		strtoll(p, &end, 10);
		if (end == p || *end)
			return prom_fail(d, line, "bad timestamp");
	}
	return prom_series_add(d, line, f, labels, nl, value);
}

static inline void prom_free(struct prom_doc *d)
{
	if (!d)
		return;
	free(d->fam);
	free(d->ser);
	free(d);
}

/* Parses TEXT; the result says ok or why not (error, error_line). NULL
 * only when out of memory. */
static inline struct prom_doc *prom_parse(const char *text)
{
	struct prom_doc *d = calloc(1, sizeof(*d));
	char line[PROM_LINE_MAX];
	unsigned int no = 0;

	if (!d)
		return NULL;
	d->ok = true;
	d->current = -1;
	while (d->ok && *text) {
		const char *nl = strchr(text, '\n');
		size_t len;

		no++;
		if (!nl)
			return prom_fail(d, no, "last line does not end with a newline"), d;
		len = (size_t)(nl - text);
		if (len >= sizeof(line))
			return prom_fail(d, no, "line too long"), d;
		memcpy(line, text, len);
		line[len] = '\0';
		text = nl + 1;
		if (memchr(line, '\0', len))
			prom_fail(d, no, "NUL in a line");
		else if (line[0] == '#')
			prom_comment(d, no, line);
		else if (line[strspn(line, " \t")] != '\0')
			prom_sample(d, no, line + strspn(line, " \t"));
	}
	return d;
}

/* The series NAME{LABELS} (LABELS canonical: sorted by name, raw values,
 * e.g. "hook=\"input\",queue=\"2\""; "" for none), or NULL. */
static inline const struct prom_series *prom_find(const struct prom_doc *d, const char *name,
						  const char *labels)
{
	for (unsigned int i = 0; i < d->nser; i++)
		if (strcmp(d->fam[d->ser[i].family].name, name) == 0 &&
		    strcmp(d->ser[i].labels, labels) == 0)
			return &d->ser[i];
	return NULL;
}

/* The value of NAME{LABELS} as an exact unsigned integer; false if there
 * is no such series or its value is not one. */
static inline bool prom_u64(const struct prom_doc *d, const char *name, const char *labels,
			    uint64_t *v)
{
	const struct prom_series *s = prom_find(d, name, labels);
	char *end;

	if (!s || s->value[0] < '0' || s->value[0] > '9')
		return false;
	*v = strtoull(s->value, &end, 10);
	return *end == '\0';
}

static inline const struct prom_family *prom_family_get(const struct prom_doc *d,
							const char *name)
{
	int f = prom_family_find(d, name, strlen(name));

	return f < 0 ? NULL : &d->fam[f];
}

#endif
