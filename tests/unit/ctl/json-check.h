/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A strict JSON reader for the control tests (RFC 8259): json_valid() says
 * whether a document is well formed, json_find() locates a value by a dotted
 * path ("queues.1.kernel.waiting"), so tests can check what the daemon said
 * without trusting the code that wrote it. */
#ifndef NFQFW_TESTS_JSON_CHECK_H
#define NFQFW_TESTS_JSON_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_reader {
	const char *p;
	int depth;
	const char *found;      /* start of the value at the searched path */
};

static inline bool json_value(struct json_reader *r, const char *path);

static inline void json_ws(struct json_reader *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

static inline bool json_hex4(const char *p)
{
	for (int i = 0; i < 4; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
		      (p[i] >= 'A' && p[i] <= 'F')))
			return false;
	return true;
}

/* Length of a well-formed UTF-8 sequence at P, 0 if there is none. */
static inline size_t json_utf8_len(const unsigned char *p)
{
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

/* Reads a string; if OUT is set, copies its raw contents (escapes kept). */
static inline bool json_string(struct json_reader *r, char *out, size_t size)
{
	const char *start;

	if (*r->p != '"')
		return false;
	start = ++r->p;
	while (*r->p != '"') {
		const unsigned char c = (unsigned char)*r->p;

		if (c < 0x20)
			return false;   /* raw control character, or the end */
		if (c == '\\') {
			r->p++;
			if (*r->p == 'u') {
				if (!json_hex4(r->p + 1))
					return false;
				r->p += 5;
			} else if (*r->p && strchr("\"\\/bfnrt", *r->p)) {
				r->p++;
			} else {
				return false;
			}
			continue;
		}
		size_t n = json_utf8_len((const unsigned char *)r->p);

		if (n == 0)
			return false;
		r->p += n;
	}
	if (out) {
		size_t len = (size_t)(r->p - start);

		if (len >= size)
			return false;
		memcpy(out, start, len);
		out[len] = '\0';
	}
	r->p++;
	return true;
}

static inline bool json_number(struct json_reader *r)
{
	const char *p = r->p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return false;
	if (*p == '.') {
		if (!(*++p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	r->p = p;
	return true;
}

/* The first component of PATH ("a.b.c" -> "a") is KEY? Returns the rest
 * ("b.c", or "" when it was the last), or NULL. */
static inline const char *json_path_next(const char *path, const char *key)
{
	size_t n;

	if (!path || !*path)
		return NULL;
	n = strcspn(path, ".");
	if (strlen(key) != n || strncmp(path, key, n) != 0)
		return NULL;
	return path[n] ? path + n + 1 : path + n;
}

static inline bool json_object(struct json_reader *r, const char *path)
{
	char key[256];

	r->p++;
	json_ws(r);
	if (*r->p == '}') {
		r->p++;
		return true;
	}
	for (;;) {
		json_ws(r);
		if (!json_string(r, key, sizeof(key)))
			return false;
		json_ws(r);
		if (*r->p++ != ':')
			return false;
		if (!json_value(r, json_path_next(path, key)))
			return false;
		json_ws(r);
		if (*r->p == '}') {
			r->p++;
			return true;
		}
		if (*r->p++ != ',')
			return false;
	}
}

static inline bool json_array(struct json_reader *r, const char *path)
{
	char idx[16];
	int i = 0;

	r->p++;
	json_ws(r);
	if (*r->p == ']') {
		r->p++;
		return true;
	}
	for (;; i++) {
		snprintf(idx, sizeof(idx), "%d", i);
		if (!json_value(r, json_path_next(path, idx)))
			return false;
		json_ws(r);
		if (*r->p == ']') {
			r->p++;
			return true;
		}
		if (*r->p++ != ',')
			return false;
	}
}

static inline bool json_value(struct json_reader *r, const char *path)
{
	bool ok;

	json_ws(r);
	if (path && !*path && !r->found)
		r->found = r->p;
	if (++r->depth > 64)
		return false;
	switch (*r->p) {
	case '{':
		ok = json_object(r, path);
		break;
	case '[':
		ok = json_array(r, path);
		break;
	case '"':
		ok = json_string(r, NULL, 0);
		break;
	case 't':
		ok = strncmp(r->p, "true", 4) == 0 && (r->p += 4);
		break;
	case 'f':
		ok = strncmp(r->p, "false", 5) == 0 && (r->p += 5);
		break;
	case 'n':
		ok = strncmp(r->p, "null", 4) == 0 && (r->p += 4);
		break;
	default:
		ok = json_number(r);
		break;
	}
	r->depth--;
	return ok;
}

/* Is DOC one well-formed JSON value, nothing else but blanks around it? */
static inline bool json_valid(const char *doc)
{
	struct json_reader r = { .p = doc };

	if (!json_value(&r, NULL))
		return false;
	json_ws(&r);
	return *r.p == '\0';
}

/* The text of the value at PATH in a valid DOC, or NULL. */
static inline const char *json_find(const char *doc, const char *path)
{
	struct json_reader r = { .p = doc };

	if (!json_value(&r, path))
		return NULL;
	return r.found;
}

/* The unsigned integer at PATH; false if absent or not one. */
static inline bool json_get_u64(const char *doc, const char *path, uint64_t *v)
{
	const char *p = json_find(doc, path);
	char *end;

	if (!p || *p < '0' || *p > '9')
		return false;
	*v = strtoull(p, &end, 10);
	return *end == ',' || *end == '}' || *end == ']' || *end == '\0' || *end == '\n';
}

/* Does the value at PATH start with the JSON text WANT (e.g. "null",
 * "\"native\"", "true")? */
static inline bool json_is(const char *doc, const char *path, const char *want)
{
	const char *p = json_find(doc, path);

	return p && strncmp(p, want, strlen(want)) == 0 &&
	       strchr(",}]\n", p[strlen(want)]) && p[strlen(want)] != '\0';
}

#endif
