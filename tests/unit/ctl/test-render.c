/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for the control output helpers: the bounded buffer, string escaping
 * for terminals and JSON, the JSON writer's refusal to write broken JSON,
 * and the aligned tables. */
#include <string.h>

#include "json-check.h"
#include "nfqfw/ctl_cmd.h"
#include "unit.h"

static void test_buf_grows_past_first_block(void)
{
	struct ctl_buf b;

	ctl_buf_init(&b, 1u << 20);
	for (int i = 0; i < 1000; i++)
		ctl_buf_printf(&b, "%04d,", i);
	CU_ASSERT_FALSE(b.failed);
	CU_ASSERT_EQUAL(b.len, 5000);
	CU_ASSERT_EQUAL(strlen(b.data), 5000);
	CU_ASSERT_NSTRING_EQUAL(b.data, "0000,0001,", 10);
	CU_ASSERT_STRING_EQUAL(b.data + 4990, "0998,0999,");
	ctl_buf_free(&b);
	CU_ASSERT_PTR_NULL(b.data);
}

/* One printf larger than what is free triggers the second vsnprintf. */
static void test_buf_printf_large(void)
{
	struct ctl_buf b;
	char big[3000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ctl_buf_init(&b, 1u << 20);
	ctl_buf_puts(&b, "<");
	ctl_buf_printf(&b, "%s>", big);
	CU_ASSERT_FALSE(b.failed);
	CU_ASSERT_EQUAL(b.len, 3001);
	CU_ASSERT_EQUAL(b.data[0], '<');
	CU_ASSERT_EQUAL(b.data[2999], 'q');
	CU_ASSERT_EQUAL(b.data[3000], '>');
	ctl_buf_free(&b);
}

static void test_buf_limit_is_sticky(void)
{
	struct ctl_buf b;

	ctl_buf_init(&b, 10);
	ctl_buf_puts(&b, "0123456789");
	CU_ASSERT_FALSE(b.failed);
	CU_ASSERT_EQUAL(b.len, 10);
	ctl_buf_puts(&b, "x");
	CU_ASSERT_TRUE(b.failed);
	CU_ASSERT_EQUAL(b.len, 10);
	ctl_buf_puts(&b, "");           /* ignored once failed */
	ctl_buf_printf(&b, "%d", 1);
	CU_ASSERT_TRUE(b.failed);
	CU_ASSERT_EQUAL(b.len, 10);
	ctl_buf_reset(&b);
	CU_ASSERT_FALSE(b.failed);
	CU_ASSERT_EQUAL(b.len, 0);
	ctl_buf_printf(&b, "%s", "ab");
	CU_ASSERT_STRING_EQUAL(b.data, "ab");
	ctl_buf_printf(&b, "%s", "0123456789");
	CU_ASSERT_TRUE(b.failed);
	ctl_buf_free(&b);
}

static void test_put_safe_escapes(void)
{
	struct ctl_buf b;

	ctl_buf_init(&b, 1024);
	ctl_buf_put_safe(&b, "a b\n\x1b[31m\\\x7f\xc3\xa9");
	CU_ASSERT_STRING_EQUAL(b.data, "a b\\x0a\\x1b[31m\\x5c\\x7f\xc3\xa9");
	ctl_buf_reset(&b);
	ctl_buf_put_safe(&b, NULL);
	CU_ASSERT_STRING_EQUAL(b.data, "-");
	ctl_buf_free(&b);
}

static void check_json_string(const char *in, const char *want)
{
	struct ctl_buf b;

	ctl_buf_init(&b, 1024);
	ctl_buf_put_json_string(&b, in);
	CU_ASSERT_FALSE(b.failed);
	CU_ASSERT_STRING_EQUAL(b.data, want);
	CU_ASSERT_TRUE(json_valid(b.data));
	ctl_buf_free(&b);
}

static void test_json_string_escapes(void)
{
	check_json_string("plain", "\"plain\"");
	check_json_string("", "\"\"");
	check_json_string("q\"b\\", "\"q\\\"b\\\\\"");
	check_json_string("a\nb\tc\rd\x01\x1f\x7f", "\"a\\nb\\tc\\u000dd\\u0001\\u001f\\u007f\"");
	check_json_string("/etc/nfqfw", "\"/etc/nfqfw\"");
	check_json_string(NULL, "null");
}

static void test_json_string_utf8(void)
{
	/* well-formed: 2, 3 and 4 bytes, and the largest code point */
	check_json_string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf",
			  "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"");
	/* stray bytes, overlong forms, surrogates, beyond U+10FFFF, cut short */
	check_json_string("a\xff" "b", "\"a\\ufffdb\"");
	check_json_string("\x80", "\"\\ufffd\"");
	check_json_string("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	check_json_string("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	check_json_string("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	check_json_string("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	check_json_string("\xf5\x80", "\"\\ufffd\\ufffd\"");
	check_json_string("x\xe2\x82", "\"x\\ufffd\\ufffd\"");
	check_json_string("\xe2\x82" "A", "\"\\ufffd\\ufffdA\"");
}

static void test_json_writer_nesting(void)
{
	struct ctl_buf b;
	struct ctl_json j;

	ctl_buf_init(&b, 4096);
	ctl_json_init(&j, &b);
	ctl_json_object_begin(&j, NULL);
	ctl_json_str(&j, "s", "x");
	ctl_json_u64(&j, "u", UINT64_MAX);
	ctl_json_i64(&j, "i", INT64_MIN);
	ctl_json_bool(&j, "t", true);
	ctl_json_bool(&j, "f", false);
	ctl_json_null(&j, "n");
	ctl_json_array_begin(&j, "a");
	ctl_json_u64(&j, NULL, 1);
	ctl_json_object_begin(&j, NULL);
	ctl_json_object_end(&j);
	ctl_json_array_begin(&j, NULL);
	ctl_json_array_end(&j);
	ctl_json_str(&j, NULL, "z");
	ctl_json_array_end(&j);
	ctl_json_object_begin(&j, "o");
	ctl_json_u64(&j, "k", 0);
	ctl_json_object_end(&j);
	ctl_json_object_end(&j);
	ctl_json_finish(&j);
	CU_ASSERT_FALSE(b.failed);
	CU_ASSERT_STRING_EQUAL(b.data,
		"{\"s\":\"x\",\"u\":18446744073709551615,\"i\":-9223372036854775808,"
		"\"t\":true,\"f\":false,\"n\":null,\"a\":[1,{},[],\"z\"],\"o\":{\"k\":0}}\n");
	CU_ASSERT_TRUE(json_valid(b.data));
	ctl_buf_free(&b);
}

/* Each misuse must fail the buffer rather than produce bad JSON. */
static void test_json_writer_misuse(void)
{
	struct ctl_buf b;
	struct ctl_json j;

	ctl_buf_init(&b, 4096);

	ctl_json_init(&j, &b);          /* value without key in an object */
	ctl_json_object_begin(&j, NULL);
	ctl_json_u64(&j, NULL, 1);
	CU_ASSERT_TRUE(b.failed);

	ctl_buf_reset(&b);              /* key inside an array */
	ctl_json_init(&j, &b);
	ctl_json_array_begin(&j, NULL);
	ctl_json_u64(&j, "k", 1);
	CU_ASSERT_TRUE(b.failed);

	ctl_buf_reset(&b);              /* key at the top level */
	ctl_json_init(&j, &b);
	ctl_json_object_begin(&j, "k");
	CU_ASSERT_TRUE(b.failed);

	ctl_buf_reset(&b);              /* closing the wrong kind */
	ctl_json_init(&j, &b);
	ctl_json_object_begin(&j, NULL);
	ctl_json_array_end(&j);
	CU_ASSERT_TRUE(b.failed);

	ctl_buf_reset(&b);              /* closing what was never opened */
	ctl_json_init(&j, &b);
	ctl_json_object_end(&j);
	CU_ASSERT_TRUE(b.failed);

	ctl_buf_reset(&b);              /* finishing an open object */
	ctl_json_init(&j, &b);
	ctl_json_object_begin(&j, NULL);
	ctl_json_finish(&j);
	CU_ASSERT_TRUE(b.failed);

	ctl_buf_reset(&b);              /* finishing nothing */
	ctl_json_init(&j, &b);
	ctl_json_finish(&j);
	CU_ASSERT_TRUE(b.failed);

	ctl_buf_reset(&b);              /* two top-level values */
	ctl_json_init(&j, &b);
	ctl_json_object_begin(&j, NULL);
	ctl_json_object_end(&j);
	ctl_json_u64(&j, NULL, 1);
	CU_ASSERT_TRUE(b.failed);

	ctl_buf_reset(&b);              /* too deep */
	ctl_json_init(&j, &b);
	for (int i = 0; i < CTL_JSON_MAX_DEPTH; i++)
		ctl_json_array_begin(&j, NULL);
	CU_ASSERT_FALSE(b.failed);
	ctl_json_array_begin(&j, NULL);
	CU_ASSERT_TRUE(b.failed);

	ctl_buf_free(&b);
}

static void test_json_top_level_scalar(void)
{
	struct ctl_buf b;
	struct ctl_json j;

	ctl_buf_init(&b, 64);
	ctl_json_init(&j, &b);
	ctl_json_u64(&j, NULL, 42);
	ctl_json_finish(&j);
	CU_ASSERT_FALSE(b.failed);
	CU_ASSERT_STRING_EQUAL(b.data, "42\n");
	ctl_buf_free(&b);
}

static void test_table_alignment(void)
{
	static const char *const headers[] = { "queue", "reason", "n" };
	struct ctl_table t;
	struct ctl_buf b;

	ctl_buf_init(&b, 4096);
	ctl_table_init(&t, 3, headers, "lrr");
	ctl_table_row(&t);
	ctl_table_cell(&t, "%d", 0);
	ctl_table_cell(&t, "%s", "ab");
	ctl_table_cell(&t, "%d", 12345);
	ctl_table_row(&t);
	ctl_table_cell(&t, "total");
	ctl_table_cell(&t, "%s", "longer-reason");
	ctl_table_cell(&t, "%d", 7);
	ctl_table_render(&t, &b, 2);
	CU_ASSERT_FALSE(b.failed);
	CU_ASSERT_STRING_EQUAL(b.data,
		"  queue         reason      n\n"
		"  0                 ab  12345\n"
		"  total  longer-reason      7\n");
	ctl_buf_free(&b);
}

/* A left-aligned last column and missing cells leave no trailing blanks. */
static void test_table_trailing_blanks(void)
{
	static const char *const headers[] = { "a", "bbbb" };
	struct ctl_table t;
	struct ctl_buf b;

	ctl_buf_init(&b, 4096);
	ctl_table_init(&t, 2, headers, "ll");
	ctl_table_row(&t);
	ctl_table_cell(&t, "xyz");
	ctl_table_row(&t);
	ctl_table_cell(&t, "1");
	ctl_table_cell(&t, "2");
	ctl_table_render(&t, &b, 0);
	CU_ASSERT_FALSE(b.failed);
	CU_ASSERT_STRING_EQUAL(b.data, "a    bbbb\nxyz\n1    2\n");
	ctl_buf_free(&b);
}

/* Many rows: the cell store grows past its first allocation. */
static void test_table_many_rows(void)
{
	static const char *const headers[] = { "q", "v" };
	struct ctl_table t;
	struct ctl_buf b;

	ctl_buf_init(&b, 1u << 20);
	ctl_table_init(&t, 2, headers, "lr");
	for (int i = 0; i < 100; i++) {
		ctl_table_row(&t);
		ctl_table_cell(&t, "%d", i);
		ctl_table_cell(&t, "%d", i * 1000);
	}
	ctl_table_render(&t, &b, 0);
	CU_ASSERT_FALSE(b.failed);
	CU_ASSERT_NSTRING_EQUAL(b.data, "q       v\n0       0\n1    1000\n", 30);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "\n99  99000\n"));
	ctl_buf_free(&b);
}

static void test_table_misuse_fails_buffer(void)
{
	static const char *const headers[] = { "a", "b" };
	struct ctl_table t;
	struct ctl_buf b;

	ctl_buf_init(&b, 4096);
	ctl_table_init(&t, 2, headers, "lr");
	ctl_table_row(&t);
	ctl_table_cell(&t, "1");
	ctl_table_cell(&t, "2");
	ctl_table_cell(&t, "3");        /* one too many */
	ctl_table_render(&t, &b, 0);
	CU_ASSERT_TRUE(b.failed);

	ctl_buf_reset(&b);
	ctl_table_init(&t, 2, headers, "l");   /* alignment for one column */
	ctl_table_row(&t);
	ctl_table_render(&t, &b, 0);
	CU_ASSERT_TRUE(b.failed);

	ctl_buf_reset(&b);
	ctl_table_init(&t, 2, headers, "lr");  /* a cell before any row */
	ctl_table_cell(&t, "1");
	ctl_table_render(&t, &b, 0);
	CU_ASSERT_TRUE(b.failed);
	ctl_buf_free(&b);
}

/* The checker itself: it must reject what the writer must never emit. */
static void test_json_checker_rejects(void)
{
	static const char *const bad[] = {
		"", "{", "{\"a\":1,}", "[1,]", "{'a':1}", "{\"a\" 1}", "[01]", "[1.]",
		"[-]", "\"\x01\"", "\"\\x\"", "\"\\u12g4\"", "\"\xff\"", "[1] [2]",
		"{\"a\":tru}", "nul", "[\"\xed\xa0\x80\"]",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_FALSE(json_valid(bad[i]));
	CU_ASSERT_TRUE(json_valid(" {\"a\":[1,-2.5e3,true,null,\"\\u00e9\"]}\n"));
}

static const struct unit_test render_tests[] = {
	{ "buffer grows past its first block", test_buf_grows_past_first_block },
	{ "buffer printf larger than free space", test_buf_printf_large },
	{ "buffer limit is sticky", test_buf_limit_is_sticky },
	{ "text escaping", test_put_safe_escapes },
	{ "JSON string escapes", test_json_string_escapes },
	{ "JSON string UTF-8", test_json_string_utf8 },
	{ "JSON writer nesting and commas", test_json_writer_nesting },
	{ "JSON writer misuse fails", test_json_writer_misuse },
	{ "JSON top-level scalar", test_json_top_level_scalar },
	{ "table alignment", test_table_alignment },
	{ "table trailing blanks", test_table_trailing_blanks },
	{ "table many rows", test_table_many_rows },
	{ "table misuse fails the buffer", test_table_misuse_fails_buffer },
	{ "JSON checker rejects bad documents", test_json_checker_rejects },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "render", render_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
