/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A pass over the configuration text before libconfig sees it. libconfig
 * 1.5 silently truncates integer literals to 32 bits ("count =
 * 4294967298;" reads as 2), so literals outside 32 bits get an "L" that
 * makes libconfig keep them whole, and those that do not fit in 64 bits
 * either are reported here. @include is refused, so that every value of
 * the configuration is in the one file that was checked and named in the
 * messages. The scanner follows libconfig's own tokens (comments, strings,
 * names, numbers) so that it only touches real literals. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf-internal.h"

struct conf_scan {
	struct conf_ctx *ctx;
	const char *in;      /* NUL-terminated at len (and maybe before) */
	size_t len;
	size_t i;
	char *out;
	size_t o;
	unsigned int line;
	bool line_start;     /* only blanks since the last newline */
	bool nul_reported;
	bool lines_reported;
};

/* Copies one byte, keeping the line count. */
static void scan_put(struct conf_scan *sc)
{
	char c = sc->in[sc->i++];

	if (sc->line > CONF_MAX_LINES && !sc->lines_reported) {
		conf_report(sc->ctx, 0, "the file has more than %u lines",
			    CONF_MAX_LINES);
		sc->lines_reported = true;
	}
	if (c == '\0') {
		/* config_read_string() would stop here and quietly ignore
		 * the rest of the file. */
		if (!sc->nul_reported)
			conf_report(sc->ctx, sc->line, "the file contains a NUL byte");
		sc->nul_reported = true;
		c = ' ';
	}
	sc->out[sc->o++] = c;
	if (c == '\n') {
		sc->line++;
		sc->line_start = true;
	} else if (c != ' ' && c != '\t') {
		sc->line_start = false;
	}
}

static bool scan_at(const struct conf_scan *sc, const char *s)
{
	size_t n = strlen(s);

	return sc->len - sc->i >= n && memcmp(sc->in + sc->i, s, n) == 0;
}

static void scan_line_comment(struct conf_scan *sc)
{
	while (sc->i < sc->len && sc->in[sc->i] != '\n')
		scan_put(sc);
}

static void scan_block_comment(struct conf_scan *sc)
{
	scan_put(sc);
	scan_put(sc);
	while (sc->i < sc->len) {
		if (scan_at(sc, "*/")) {
			scan_put(sc);
			scan_put(sc);
			return;
		}
		scan_put(sc);
	}
}

/* From the opening quote to the closing one; a backslash always takes the
 * next byte with it, which covers \" and \\. */
static void scan_string(struct conf_scan *sc)
{
	scan_put(sc);
	while (sc->i < sc->len && sc->in[sc->i] != '"') {
		if (sc->in[sc->i] == '\\' && sc->i + 1 < sc->len)
			scan_put(sc);
		scan_put(sc);
	}
	if (sc->i < sc->len)
		scan_put(sc);
}

/* libconfig's directive is ^[ \t]*@include[ \t]+" at the start of a line. */
static bool scan_at_include(const struct conf_scan *sc)
{
	size_t p = sc->i + strlen("@include");

	if (!sc->line_start || !scan_at(sc, "@include"))
		return false;
	if (p >= sc->len || (sc->in[p] != ' ' && sc->in[p] != '\t'))
		return false;
	while (p < sc->len && (sc->in[p] == ' ' || sc->in[p] == '\t'))
		p++;
	return p < sc->len && sc->in[p] == '"';
}

/* Reports the directive and turns it into blanks (newlines stay). */
static void scan_include(struct conf_scan *sc)
{
	size_t from = sc->o;

	conf_report(sc->ctx, sc->line,
		    "@include is not supported: put every setting in this file");
	while (sc->in[sc->i] != '"')
		scan_put(sc);
	scan_string(sc);
	for (size_t k = from; k < sc->o; k++)
		if (sc->out[k] != '\n')
			sc->out[k] = ' ';
}

static bool scan_is_name_start(char c)
{
	return isalpha((unsigned char)c) || c == '*';
}

static bool scan_is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '*' || c == '-' || c == '_';
}

static void scan_name(struct conf_scan *sc)
{
	scan_put(sc);
	while (sc->i < sc->len && scan_is_name_char(sc->in[sc->i]))
		scan_put(sc);
}

/* Length of a float's tail at P (after its leading digits), 0 if the
 * number is an integer: ".[0-9]*" and/or "[eE][-+]?[0-9]+". */
static size_t scan_float_tail(const char *p)
{
	size_t n = 0;

	if (p[n] == '.') {
		n++;
		while (isdigit((unsigned char)p[n]))
			n++;
	}
	if (p[n] == 'e' || p[n] == 'E') {
		size_t e = n + 1;

		if (p[e] == '+' || p[e] == '-')
			e++;
		if (isdigit((unsigned char)p[e])) {
			while (isdigit((unsigned char)p[e]))
				e++;
			n = e;
		}
	}
	return n;
}

/* Value of the digits in [p, end) in BASE; false on overflow of 64 bits. */
static bool scan_digits(const char *p, const char *end, unsigned int base,
			uint64_t *value)
{
	uint64_t v = 0;

	for (; p < end; p++) {
		unsigned int d = isdigit((unsigned char)*p) ? (unsigned int)(*p - '0')
			: (unsigned int)(tolower((unsigned char)*p) - 'a' + 10);

		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*value = v;
	return true;
}

/* Whether a literal's magnitude fits libconfig's int (32 bits; a hex
 * literal is taken as its bit pattern) and its int64. */
static void scan_fits(bool neg, bool hex, bool ok, uint64_t mag,
		      bool *fits32, bool *fits64)
{
	uint64_t max32 = hex ? UINT32_MAX : (neg ? UINT64_C(1) << 31 : INT32_MAX);
	uint64_t max64 = neg ? UINT64_C(1) << 63 : INT64_MAX;

	*fits64 = ok && mag <= max64;
	*fits32 = ok && mag <= max32;
}

static void scan_integer(struct conf_scan *sc, size_t start, size_t digits,
			 size_t end, bool hex)
{
	const char *in = sc->in;
	bool neg = in[start] == '-', ok, fits32, fits64, has_l;
	uint64_t mag = 0;
	size_t stop = end;
	char text[48];

	has_l = in[stop] == 'L';
	if (has_l)
		stop += in[stop + 1] == 'L' ? 2 : 1;
	ok = scan_digits(in + digits, in + end, hex ? 16 : 10, &mag);
	scan_fits(neg, hex, ok, mag, &fits32, &fits64);
	if (!fits64) {
		conf_quote(text, sizeof(text), in + start, stop - start);
		conf_report(sc->ctx, sc->line,
			    "integer %s does not fit in a signed 64-bit integer", text);
		conf_mark_bad_int_line(sc->ctx, sc->line);
	}
	while (sc->i < stop)
		scan_put(sc);
	if (fits64 && !fits32 && !has_l)
		sc->out[sc->o++] = 'L';
}

/* At a digit, a sign or a dot: an integer, a float, or a lone character. */
static void scan_number(struct conf_scan *sc)
{
	const char *in = sc->in;
	size_t start = sc->i, p = start, digits, tail;

	if (in[p] == '0' && (in[p + 1] == 'x' || in[p + 1] == 'X') &&
	    isxdigit((unsigned char)in[p + 2])) {
		p += 2;
		digits = p;
		while (isxdigit((unsigned char)in[p]))
			p++;
		scan_integer(sc, start, digits, p, true);
		return;
	}
	if (in[p] == '+' || in[p] == '-')
		p++;
	digits = p;
	while (isdigit((unsigned char)in[p]))
		p++;
	tail = scan_float_tail(in + p);
	if (tail || p == digits) {
		/* A float is copied as it is; so is a sign or dot that starts
		 * nothing (libconfig decides what it makes of it). */
		size_t stop = tail ? p + tail : start + 1;

		while (sc->i < stop)
			scan_put(sc);
		return;
	}
	scan_integer(sc, start, digits, p, false);
}

static bool scan_is_number_start(const char *p)
{
	if (*p == '+' || *p == '-')
		p++;
	return isdigit((unsigned char)*p) || *p == '.';
}

static void scan_token(struct conf_scan *sc)
{
	const char *p = sc->in + sc->i;

	if (*p == '#' || scan_at(sc, "//"))
		scan_line_comment(sc);
	else if (scan_at(sc, "/*"))
		scan_block_comment(sc);
	else if (*p == '"')
		scan_string(sc);
	else if (*p == '@' && scan_at_include(sc))
		scan_include(sc);
	else if (scan_is_name_start(*p))
		scan_name(sc);
	else if (scan_is_number_start(p))
		scan_number(sc);
	else
		scan_put(sc);
}

int conf_prescan(struct conf_ctx *ctx, const char *text, size_t len, char **out)
{
	/* Each integer literal grows by at most one byte. */
	struct conf_scan sc = {
		.ctx = ctx, .in = text, .len = len, .line = 1, .line_start = true,
		.out = malloc(2 * len + 1),
	};

	if (!sc.out)
		return -ENOMEM;
	while (sc.i < sc.len)
		scan_token(&sc);
	sc.out[sc.o] = '\0';
	*out = sc.out;
	return 0;
}
