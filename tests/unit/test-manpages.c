/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manual pages against the code: every option letter of nfqfwd and
 * nfqfwctl (their getopt strings and long option tables, read from the
 * sources) is an entry of the OPTIONS section of its page, every command of
 * ctl_commands[] an entry of COMMANDS in nfqfwctl(8), every key of
 * conf_schema[] an entry of its section in nfqfw.conf(5); and, the other way
 * round, no page documents an option, command or key that does not exist.
 *
 * An "entry" is the tag line of a .TP (or .TQ) paragraph at the section's
 * top level (nested .RS lists, like the metric names under `metrics`, are
 * not entries). The sources are found in $NFQFW_SRCDIR, or else in the
 * source tree this program was built from. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-internal.h"
#include "nfqfw/ctl_cmd.h"
#include "unit.h"

#ifndef MANTEST_SRCDIR
#define MANTEST_SRCDIR "."
#endif

#define MAN_NAME_MAX 64
#define MAN_MAX_LONG 64

/* ---- reading files ---- */

static const char *srcdir(void)
{
	const char *d = getenv("NFQFW_SRCDIR");

	return d && *d ? d : MANTEST_SRCDIR;
}

/* The whole file SRCDIR/REL, NUL-terminated; NULL (and why, on stderr) if
 * it cannot be read. */
static char *read_source(const char *rel)
{
	char path[4096];
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", srcdir(), rel);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "\ncannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *more = realloc(text, cap + 65536);

			if (!more)
				break;
			text = more;
			cap += 65536;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	if (text)
		text[len] = '\0';
	return text;
}

/* ---- the man page model: section, subsection, depth and tag lines ---- */

struct man_tag {
	char sh[MAN_NAME_MAX];      /* .SH it is under */
	char ss[MAN_NAME_MAX];      /* .SS it is under, "" if none */
	unsigned int depth;         /* .RS nesting: 0 is the section's own list */
	unsigned int line;
	char text[512];
};

struct man_page {
	struct man_tag *tags;
	size_t n, cap;
};

/* Is LINE the request .NAME (alone or followed by a blank)? */
static bool man_is_request(const char *line, const char *name)
{
	size_t n = strlen(name);

	return (line[0] == '.' || line[0] == '\'') && strncmp(line + 1, name, n) == 0 &&
	       (line[n + 1] == '\0' || line[n + 1] == ' ' || line[n + 1] == '\t');
}

/* The argument of a request line, without blanks and quotes around it. */
static void man_request_arg(const char *line, char *out, size_t size)
{
	const char *p = line + strcspn(line, " \t");
	size_t len;

	p += strspn(p, " \t\"");
	len = strcspn(p, "\"");
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

static bool man_add_tag(struct man_page *m, const struct man_tag *t)
{
	if (m->n == m->cap) {
		struct man_tag *more = realloc(m->tags, (m->cap * 2 + 32) * sizeof(*more));

		if (!more)
			return false;
		m->tags = more;
		m->cap = m->cap * 2 + 32;
	}
	m->tags[m->n++] = *t;
	return true;
}

/* Collects the tag lines of TEXT: the first line after .TP or .TQ that is
 * not a comment. */
static bool man_parse(struct man_page *m, const char *text)
{
	struct man_tag cur = { .line = 0 };
	bool want_tag = false;
	char line[512];

	memset(m, 0, sizeof(*m));
	while (*text) {
		size_t len = strcspn(text, "\n");

		cur.line++;
		snprintf(line, sizeof(line), "%.*s", (int)len, text);
		text += len + (text[len] == '\n');
		if (strncmp(line, ".\\\"", 3) == 0 || strncmp(line, "'\\\"", 3) == 0)
			continue;
		if (want_tag) {
			snprintf(cur.text, sizeof(cur.text), "%s", line);
			if (!man_add_tag(m, &cur))
				return false;
			want_tag = false;
		} else if (man_is_request(line, "SH")) {
			man_request_arg(line, cur.sh, sizeof(cur.sh));
			cur.ss[0] = '\0';
			cur.depth = 0;
		} else if (man_is_request(line, "SS")) {
			man_request_arg(line, cur.ss, sizeof(cur.ss));
		} else if (man_is_request(line, "RS")) {
			cur.depth++;
		} else if (man_is_request(line, "RE")) {
			cur.depth -= cur.depth > 0;
		} else if (man_is_request(line, "TP") || man_is_request(line, "TQ")) {
			want_tag = true;
		}
	}
	return true;
}

static bool man_load(struct man_page *m, const char *rel)
{
	char *text = read_source(rel);
	bool ok = text && man_parse(m, text);

	free(text);
	return ok;
}

/* The first word of a tag: ".BR conntrack \" [\" list" -> "conntrack". */
static void man_tag_word(const char *tag, char *out, size_t size)
{
	const char *p = tag;
	size_t len;

	if (*p == '.')
		p += strcspn(p, " \t");
	p += strspn(p, " \t\"");
	len = strcspn(p, " \t\"\\");
	if (len >= size)
		len = size - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

/* Does the page have a top-level entry whose first word is WORD, in section
 * SH (NULL: any) and subsection SS (NULL: any)? */
static bool man_has_entry(const struct man_page *m, const char *sh, const char *ss,
			  const char *word)
{
	char w[MAN_NAME_MAX];

	for (size_t i = 0; i < m->n; i++) {
		const struct man_tag *t = &m->tags[i];

		if (t->depth || (sh && strcmp(t->sh, sh) != 0) || (ss && strcmp(t->ss, ss) != 0))
			continue;
		man_tag_word(t->text, w, sizeof(w));
		if (strcmp(w, word) == 0)
			return true;
	}
	return false;
}

/* Options named in a roff line: "\-x" (a letter or digit alone) and
 * "\-\-name". */
struct opt_set {
	bool shorts[128];
	char longs[MAN_MAX_LONG][MAN_NAME_MAX];
	size_t nlong;
};

static void opt_add_long(struct opt_set *o, const char *name, size_t len)
{
	if (o->nlong == MAN_MAX_LONG || len == 0 || len >= MAN_NAME_MAX)
		return;
	memcpy(o->longs[o->nlong], name, len);
	o->longs[o->nlong++][len] = '\0';
}

static bool opt_has_long(const struct opt_set *o, const char *name)
{
	for (size_t i = 0; i < o->nlong; i++)
		if (strcmp(o->longs[i], name) == 0)
			return true;
	return false;
}

static void man_line_options(const char *p, struct opt_set *o)
{
	while (*p) {
		if (strncmp(p, "\\-\\-", 4) == 0) {
			size_t len = strspn(p + 4, "abcdefghijklmnopqrstuvwxyz"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

			opt_add_long(o, p + 4, len);
			p += 4 + len;
		} else if (strncmp(p, "\\-", 2) == 0 && isalnum((unsigned char)p[2]) &&
			   !isalnum((unsigned char)p[3])) {
			o->shorts[(unsigned char)p[2]] = true;
			p += 3;
		} else {
			p++;
		}
	}
}

/* The options the page's OPTIONS section documents. */
static void man_options(const struct man_page *m, struct opt_set *o)
{
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < m->n; i++)
		if (m->tags[i].depth == 0 && strcmp(m->tags[i].sh, "OPTIONS") == 0)
			man_line_options(m->tags[i].text, o);
}

/* ---- the sources: getopt strings and long option tables ---- */

/* The first string literal at or after P, into OUT. */
static bool src_string_after(const char *p, char *out, size_t size)
{
	size_t len = 0;

	p = strchr(p, '"');
	if (!p)
		return false;
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (len + 1 < size)
			out[len++] = *p;
	}
	out[len] = '\0';
	return *p == '"';
}

/* The option letters of the first getopt() or getopt_long() call in TEXT
 * and the names of its struct option table. False if there is no call. */
static bool src_options(const char *text, struct opt_set *o)
{
	const char *call = strstr(text, "getopt_long(");
	const char *table, *end;
	char spec[128];

	memset(o, 0, sizeof(*o));
	if (!call)
		call = strstr(text, "getopt(");
	if (!call || !src_string_after(call, spec, sizeof(spec)))
		return false;
	for (const char *c = spec; *c; c++)
		if (isalnum((unsigned char)*c))
			o->shorts[(unsigned char)*c] = true;
	table = strstr(text, "struct option");
	if (!table)
		return true;
	end = strstr(table, "};");
	for (const char *p = strchr(table, '{'); p && end && p < end; p = strchr(p + 1, '{')) {
		const char *q = p + 1 + strspn(p + 1, " \t\n");

		if (*q == '"')
			opt_add_long(o, q + 1, strcspn(q + 1, "\""));
	}
	return true;
}

static size_t opt_count(const struct opt_set *o)
{
	size_t n = o->nlong;

	for (unsigned int c = 0; c < 128; c++)
		n += o->shorts[c];
	return n;
}

static void opt_report(FILE *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void opt_report(FILE *out, const char *fmt, ...)
{
	va_list ap;

	if (!out)
		return;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

/* Every option of CODE is in MAN and every one of MAN is in CODE; what
 * differs is written to OUT (NULL: nowhere). */
static bool opt_sets_match(FILE *out, const char *page, const struct opt_set *code,
			   const struct opt_set *man)
{
	bool ok = true;

	for (unsigned int c = 0; c < 128; c++) {
		if (code->shorts[c] && !man->shorts[c])
			opt_report(out, "\n%s: option -%c is not documented under OPTIONS", page, c);
		if (man->shorts[c] && !code->shorts[c])
			opt_report(out, "\n%s: documents option -%c, which the code lacks", page, c);
		ok = ok && code->shorts[c] == man->shorts[c];
	}
	for (size_t i = 0; i < code->nlong; i++)
		if (!opt_has_long(man, code->longs[i])) {
			opt_report(out, "\n%s: option --%s is not documented under OPTIONS",
				   page, code->longs[i]);
			ok = false;
		}
	for (size_t i = 0; i < man->nlong; i++)
		if (!opt_has_long(code, man->longs[i])) {
			opt_report(out, "\n%s: documents option --%s, which the code lacks",
				   page, man->longs[i]);
			ok = false;
		}
	return ok;
}

static void check_program_options(const char *source, const char *page, bool has_long)
{
	struct opt_set code, doc;
	struct man_page m;
	char *text = read_source(source);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_TRUE(src_options(text, &code));
	free(text);
	CU_ASSERT_TRUE(opt_count(&code) > 0);
	CU_ASSERT_EQUAL(code.nlong > 0, has_long);
	CU_ASSERT_TRUE_FATAL(man_load(&m, page));
	man_options(&m, &doc);
	CU_ASSERT_TRUE(opt_sets_match(stderr, page, &code, &doc));
	free(m.tags);
}

/* ---- the checks ---- */

static void test_nfqfwd_options(void)
{
	check_program_options("src/daemon/main.c", "man/nfqfwd.8", false);
}

static void test_nfqfwctl_options(void)
{
	check_program_options("tools/nfqfwctl.c", "man/nfqfwctl.8", true);
}

static bool command_exists(const char *name)
{
	return ctl_command_find(name) != NULL;
}

static void test_commands(void)
{
	struct man_page m;
	char w[MAN_NAME_MAX];
	unsigned int n = 0;

	CU_ASSERT_TRUE_FATAL(man_load(&m, "man/nfqfwctl.8"));
	for (const struct ctl_command *c = ctl_commands; c->name; c++, n++)
		if (!man_has_entry(&m, "COMMANDS", NULL, c->name)) {
			fprintf(stderr, "\nnfqfwctl.8: command '%s' is not documented under "
				"COMMANDS", c->name);
			CU_FAIL("a command is not documented");
		}
	CU_ASSERT_TRUE(n > 0);
	for (size_t i = 0; i < m.n; i++) {
		if (m.tags[i].depth || strcmp(m.tags[i].sh, "COMMANDS") != 0)
			continue;
		man_tag_word(m.tags[i].text, w, sizeof(w));
		if (!command_exists(w)) {
			fprintf(stderr, "\nnfqfwctl.8:%u: documents command '%s', which the "
				"daemon lacks", m.tags[i].line, w);
			CU_FAIL("a documented command does not exist");
		}
	}
	free(m.tags);
}

static const struct conf_section *schema_section(const char *name)
{
	for (const struct conf_section *s = conf_schema; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static bool schema_has_key(const struct conf_section *s, const char *key)
{
	for (const struct conf_key *k = s->keys; k->name; k++)
		if (strcmp(k->name, key) == 0)
			return true;
	return false;
}

static void test_config_keys(void)
{
	struct man_page m;
	char w[MAN_NAME_MAX];
	unsigned int n = 0;

	CU_ASSERT_TRUE_FATAL(man_load(&m, "man/nfqfw.conf.5"));
	for (const struct conf_section *s = conf_schema; s->name; s++)
		for (const struct conf_key *k = s->keys; k->name; k++, n++)
			if (!man_has_entry(&m, NULL, s->name, k->name)) {
				fprintf(stderr, "\nnfqfw.conf.5: key %s.%s is not documented "
					"(an entry under .SS %s)", s->name, k->name, s->name);
				CU_FAIL("a configuration key is not documented");
			}
	CU_ASSERT_TRUE(n > 0);
	for (size_t i = 0; i < m.n; i++) {
		const struct conf_section *s = schema_section(m.tags[i].ss);

		if (m.tags[i].depth || !s)
			continue;
		man_tag_word(m.tags[i].text, w, sizeof(w));
		if (!schema_has_key(s, w)) {
			fprintf(stderr, "\nnfqfw.conf.5:%u: documents key %s.%s, which the "
				"schema lacks", m.tags[i].line, s->name, w);
			CU_FAIL("a documented key does not exist");
		}
	}
	free(m.tags);
}

/* ---- the readers above, on text made here ---- */

static void test_man_reader(void)
{
	static const char page[] =
		".\\\" a comment\n"
		".SH OPTIONS\n"
		".TP\n"
		".\\\" a comment between .TP and its tag\n"
		".BI \\-c \" file\"\n"
		"Text mentioning \\-x is not an entry.\n"
		".TP\n"
		".BR \\-o \" text|json\" \", \" \\-\\-output=text|json\n"
		".RS\n"
		".TP\n"
		".B \\-z\n"
		".RE\n"
		".TP\n"
		".B \\-V\n"
		".SH \"COMMANDS\"\n"
		".TP\n"
		".BR status \" [\" now ]\n"
		".TQ\n"
		".B stats\n"
		".SH KEYS\n"
		".SS queue\n"
		".TP\n"
		".B first\n";
	struct man_page m;
	struct opt_set o;

	CU_ASSERT_TRUE_FATAL(man_parse(&m, page));
	man_options(&m, &o);
	CU_ASSERT_TRUE(o.shorts['c'] && o.shorts['o'] && o.shorts['V']);
	CU_ASSERT_FALSE(o.shorts['x']);    /* in the text, not a tag */
	CU_ASSERT_FALSE(o.shorts['z']);    /* nested list */
	CU_ASSERT_FALSE(o.shorts['-']);
	CU_ASSERT_EQUAL(opt_count(&o), 4);
	CU_ASSERT_TRUE(opt_has_long(&o, "output"));
	CU_ASSERT_TRUE(man_has_entry(&m, "COMMANDS", NULL, "status"));
	CU_ASSERT_TRUE(man_has_entry(&m, "COMMANDS", NULL, "stats"));
	CU_ASSERT_FALSE(man_has_entry(&m, "COMMANDS", NULL, "now"));
	CU_ASSERT_FALSE(man_has_entry(&m, "OPTIONS", NULL, "status"));
	CU_ASSERT_TRUE(man_has_entry(&m, NULL, "queue", "first"));
	CU_ASSERT_FALSE(man_has_entry(&m, NULL, "log", "first"));
	free(m.tags);
}

static void test_source_reader(void)
{
	static const char with_long[] =
		"#include <getopt.h>\n"
		"static const struct option longopts[] = {\n"
		"\t{ \"socket\",  required_argument, NULL, 's' },\n"
		"\t{\"help\", no_argument, NULL, 'h' },\n"
		"\t{ NULL, 0, NULL, 0 },\n"
		"};\n"
		"/* { \"after\", the table */\n"
		"while ((opt = getopt_long(argc, argv, \"+s:o::hV\", longopts, NULL)) != -1)\n";
	static const char plain[] = "c = getopt(argc, argv, \"c:ft\");\n";
	struct opt_set o, doc;

	CU_ASSERT_TRUE_FATAL(src_options(with_long, &o));
	CU_ASSERT_TRUE(o.shorts['s'] && o.shorts['o'] && o.shorts['h'] && o.shorts['V']);
	CU_ASSERT_FALSE(o.shorts['+'] || o.shorts[':']);
	CU_ASSERT_EQUAL(o.nlong, 2);
	CU_ASSERT_TRUE(opt_has_long(&o, "socket") && opt_has_long(&o, "help"));
	CU_ASSERT_FALSE(opt_has_long(&o, "after"));
	CU_ASSERT_TRUE_FATAL(src_options(plain, &o));
	CU_ASSERT_EQUAL(opt_count(&o), 3);

	/* a letter or a long name missing on either side is a mismatch */
	memset(&doc, 0, sizeof(doc));
	doc.shorts['c'] = doc.shorts['f'] = doc.shorts['t'] = true;
	CU_ASSERT_TRUE(opt_sets_match(NULL, "test", &o, &doc));
	doc.shorts['t'] = false;
	CU_ASSERT_FALSE(opt_sets_match(NULL, "test", &o, &doc));
	doc.shorts['t'] = doc.shorts['q'] = true;
	CU_ASSERT_FALSE(opt_sets_match(NULL, "test", &o, &doc));
	doc.shorts['q'] = false;
	opt_add_long(&doc, "output", 6);
	CU_ASSERT_FALSE(opt_sets_match(NULL, "test", &o, &doc));
	opt_add_long(&o, "output", 6);
	CU_ASSERT_TRUE(opt_sets_match(NULL, "test", &o, &doc));
	opt_add_long(&o, "socket", 6);
	CU_ASSERT_FALSE(opt_sets_match(NULL, "test", &o, &doc));

	CU_ASSERT_FALSE(src_options("int main(void) { return 0; }\n", &o));
}

static const struct unit_test reader_tests[] = {
	{ "man page reader", test_man_reader },
	{ "source reader", test_source_reader },
	{ NULL, NULL },
};

static const struct unit_test page_tests[] = {
	{ "nfqfwd options in nfqfwd(8)", test_nfqfwd_options },
	{ "nfqfwctl options in nfqfwctl(8)", test_nfqfwctl_options },
	{ "control commands in nfqfwctl(8)", test_commands },
	{ "configuration keys in nfqfw.conf(5)", test_config_keys },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "readers", reader_tests },
	{ "pages", page_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
