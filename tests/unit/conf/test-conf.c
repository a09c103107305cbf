/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the configuration loader: defaults, the shipped example,
 * every key set to a valid value, problems with the file as a whole
 * (unreadable, too big, syntax, duplicates, @include), and the helpers. */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "nfqfw/conf.h"
#include "nfqfw/log.h"
#include "conf-internal.h"
#include "conf-test.h"

#ifndef TOP_SRCDIR
#error "TOP_SRCDIR must name the source tree (see src/conf/Makemodule.am)"
#endif

/* Defaults */

static void test_defaults(void)
{
	struct nfqfw_conf c;

	memset(&c, 0x5a, sizeof(c));
	conf_defaults(&c);
	test_assert_defaults(&c);
	CU_ASSERT_STRING_EQUAL(c.path, "");
}

static void test_comments_only(void)
{
	struct nfqfw_conf c;

	test_load_ok("# nothing but comments\n"
		     "// queue: { count = 5; };\n"
		     "/* log: { level = \"debug\"; };\n"
		     "   still a comment */\n", &c);
	test_assert_defaults(&c);
	CU_ASSERT_STRING_EQUAL(c.path, TEST_FILE);
}

static void test_empty_file(void)
{
	struct nfqfw_conf c;

	test_load_ok("", &c);
	test_assert_defaults(&c);
}

static void test_empty_sections(void)
{
	struct nfqfw_conf c;

	test_load_ok("queue: {};\npacket: {};\nnftables: {};\ncontrol: {};\nlog: {};\n", &c);
	test_assert_defaults(&c);
}

/* A load replaces everything: a key missing from the new file goes back to
 * its default rather than keeping the previous file's value. */
static void test_reload_resets_missing_keys(void)
{
	struct nfqfw_conf c;
	char *out;

	test_load_ok("queue: { count = 4; };\n", &c);
	CU_ASSERT_EQUAL(c.queue.count, 4);
	test_write(TEST_FILE, "log: { level = \"debug\"; };\n");
	CU_ASSERT_EQUAL(test_load_path(TEST_FILE, &c, &out), 0);
	free(out);
	CU_ASSERT_EQUAL(c.queue.count, 1);
	CU_ASSERT_EQUAL(c.log.level, LOG_DEBUG);
}

/* The shipped example is the defaults, documents every key of the schema
 * right above it with a comment ending in "(default: VALUE)", and every key
 * has an entry in the man page. */
static void test_shipped_config_loads(void)
{
	struct nfqfw_conf c;
	char *out;

	conf_defaults(&c);
	c.queue.count = 7;
	CU_ASSERT_EQUAL(test_load_path(TOP_SRCDIR "/etc/nfqfw.conf", &c, &out), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	free(out);
	test_assert_defaults(&c);
}

static char *test_read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long size;

	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(fseek(f, 0, SEEK_END) == 0);
	size = ftell(f);
	CU_ASSERT_FATAL(size >= 0);
	rewind(f);
	buf = calloc(1, (size_t)size + 1);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_FATAL(fread(buf, 1, (size_t)size, f) == (size_t)size);
	fclose(f);
	return buf;
}

/* Finds "\tKEY = VALUE;" inside SECTION's block and checks the line above. */
static void test_shipped_key_documented(const char *text, const char *section,
					const char *key)
{
	char head[64], line[64], want[160];
	const char *sec, *end, *at, *prev_end, *prev;
	size_t vlen;

	snprintf(head, sizeof(head), "\n%s: {\n", section);
	sec = strstr(text, head);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sec);
	end = strstr(sec, "\n};\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	snprintf(line, sizeof(line), "\n\t%s = ", key);
	at = strstr(sec, line);
	if (!at || at >= end)
		fprintf(stderr, "\netc/nfqfw.conf lacks %s.%s\n", section, key);
	CU_ASSERT_FATAL(at != NULL && at < end);
	vlen = strcspn(at + strlen(line), ";\n");
	snprintf(want, sizeof(want), "(default: %.*s)", (int)vlen, at + strlen(line));
	prev_end = at;
	for (prev = prev_end - 1; prev > text && *prev != '\n'; prev--)
		;
	CU_ASSERT(strncmp(prev, "\n\t#", 3) == 0);
	CU_ASSERT((size_t)(prev_end - prev) >= strlen(want) &&
		  strncmp(prev_end - strlen(want), want, strlen(want)) == 0);
}

static void test_shipped_config_documents_schema(void)
{
	char *text = test_read_all(TOP_SRCDIR "/etc/nfqfw.conf");
	char *man = test_read_all(TOP_SRCDIR "/man/nfqfw.conf.5");

	for (const struct conf_section *s = conf_schema; s->name; s++) {
		char head[64], entry[64];
		const char *sec, *next;

		snprintf(head, sizeof(head), "\n.SS %s\n", s->name);
		sec = strstr(man, head);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sec);
		next = strstr(sec + 1, "\n.S");   /* next .SS or .SH */
		for (const struct conf_key *k = s->keys; k->name; k++) {
			const char *at;

			test_shipped_key_documented(text, s->name, k->name);
			snprintf(entry, sizeof(entry), "\n.TP\n.B %s\n", k->name);
			at = strstr(sec, entry);
			CU_ASSERT(at != NULL && (!next || at < next));
		}
	}
	free(man);
	free(text);
}

/* Valid values */

static void test_full_file(void)
{
	struct nfqfw_conf c;
	const struct group *gr = getgrgid(0);
	const struct passwd *pw = getpwuid(0);
	char text[1024];

	CU_ASSERT_PTR_NOT_NULL_FATAL(gr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pw);

	snprintf(text, sizeof(text),
		 "queue: {\n"
		 "  first = 100;\n"
		 "  count = 4;\n"
		 "  fail_open = true;\n"
		 "  accept_when_full = TRUE;\n"
		 "  max_len = 1024;\n"
		 "  socket_buffer = 16777216L;\n"
		 "  pass_mark = 0x80000000;\n"
		 "};\n"
		 "packet: { malformed = \"accept\"; };\n"
		 "nftables: { table = \"my_fw-2\"; };\n"
		 "control: {\n"
		 "  socket = \"/var/run/fw.sock\";\n"
		 "  mode = \"0660\";\n"
		 "  group = \"%s\";\n"
		 "};\n"
		 "log = { level = \"debug\"; };\n"
		 "daemon: { user = \"%s\"; group = \"%s\"; };\n",
		 gr->gr_name, pw->pw_name, gr->gr_name);
	test_load_ok(text, &c);
	CU_ASSERT_EQUAL(c.queue.first, 100);
	CU_ASSERT_EQUAL(c.queue.count, 4);
	CU_ASSERT_TRUE(c.queue.fail_open);
	CU_ASSERT_TRUE(c.queue.accept_when_full);
	CU_ASSERT_EQUAL(c.queue.max_len, 1024);
	CU_ASSERT_EQUAL(c.queue.socket_buffer, 16777216);
	CU_ASSERT_EQUAL(c.queue.pass_mark, 0x80000000u);
	CU_ASSERT_EQUAL(c.packet.malformed, CONF_VERDICT_ACCEPT);
	CU_ASSERT_STRING_EQUAL(c.nftables.table, "my_fw-2");
	CU_ASSERT_STRING_EQUAL(c.control.socket, "/var/run/fw.sock");
	CU_ASSERT_EQUAL(c.control.mode, 0660);
	CU_ASSERT_STRING_EQUAL(c.control.group, gr->gr_name);
	CU_ASSERT_EQUAL(c.log.level, LOG_DEBUG);
	CU_ASSERT_STRING_EQUAL(c.daemon.user, pw->pw_name);
	CU_ASSERT_STRING_EQUAL(c.daemon.group, gr->gr_name);
	CU_ASSERT_STRING_EQUAL(c.path, TEST_FILE);
}

static void test_int_bounds(void)
{
	struct nfqfw_conf c;

	test_load_ok("queue: { first = 0; count = 1; max_len = 1; "
		     "socket_buffer = 65536; pass_mark = 0; };", &c);
	CU_ASSERT_EQUAL(c.queue.first, 0);
	CU_ASSERT_EQUAL(c.queue.count, 1);
	CU_ASSERT_EQUAL(c.queue.max_len, 1);
	CU_ASSERT_EQUAL(c.queue.socket_buffer, 65536);
	CU_ASSERT_EQUAL(c.queue.pass_mark, 0);

	test_load_ok("queue: { first = 65472; count = 64; max_len = 1048576; "
		     "socket_buffer = 1073741824; pass_mark = 0xFFFFFFFF; };", &c);
	CU_ASSERT_EQUAL(c.queue.first, 65472);
	CU_ASSERT_EQUAL(c.queue.count, 64);
	CU_ASSERT_EQUAL(c.queue.max_len, 1048576);
	CU_ASSERT_EQUAL(c.queue.socket_buffer, 1073741824);
	CU_ASSERT_EQUAL(c.queue.pass_mark, 0xffffffffu);

	test_load_ok("queue: { first = 65535; };", &c);
	CU_ASSERT_EQUAL(c.queue.first, 65535);
}

/* 64-bit and hex spellings: an L suffix, a decimal pass_mark above 2^31
 * (libconfig would truncate it without the pre-scan), hex with L. */
static void test_int_spellings(void)
{
	struct nfqfw_conf c;

	test_load_ok("queue: { socket_buffer = 1073741824L; max_len = 0x10; "
		     "pass_mark = 4294967295; first = 0x10LL; };", &c);
	CU_ASSERT_EQUAL(c.queue.socket_buffer, 1073741824);
	CU_ASSERT_EQUAL(c.queue.max_len, 16);
	CU_ASSERT_EQUAL(c.queue.pass_mark, 0xffffffffu);
	CU_ASSERT_EQUAL(c.queue.first, 16);

	test_load_ok("queue: { pass_mark = 0x80000000L; count = +3; };", &c);
	CU_ASSERT_EQUAL(c.queue.pass_mark, 0x80000000u);
	CU_ASSERT_EQUAL(c.queue.count, 3);
}

static void test_log_levels(void)
{
	static const struct { const char *name; int level; } levels[] = {
		{ "err", LOG_ERR }, { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		struct nfqfw_conf c;
		char text[64];

		snprintf(text, sizeof(text), "log: { level = \"%s\"; };", levels[i].name);
		test_load_ok(text, &c);
		CU_ASSERT_EQUAL(c.log.level, levels[i].level);
		CU_ASSERT_EQUAL(c.log.level, log_priority_from_name(levels[i].name));
	}
}

static void test_verdicts(void)
{
	struct nfqfw_conf c;

	test_load_ok("packet: { malformed = \"accept\"; };", &c);
	CU_ASSERT_EQUAL(c.packet.malformed, CONF_VERDICT_ACCEPT);
	test_load_ok("packet: { malformed = \"drop\"; };", &c);
	CU_ASSERT_EQUAL(c.packet.malformed, CONF_VERDICT_DROP);
}

static void test_modes(void)
{
	static const struct { const char *text; mode_t mode; } modes[] = {
		{ "0660", 0660 }, { "660", 0660 }, { "0", 0 }, { "0750", 0750 },
		{ "0604", 0604 }, { "00640", 0640 }, { "0775", 0775 },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct nfqfw_conf c;
		char text[64];

		snprintf(text, sizeof(text), "control: { mode = \"%s\"; };", modes[i].text);
		test_load_ok(text, &c);
		CU_ASSERT_EQUAL(c.control.mode, modes[i].mode);
	}
}

/* The longest names that fit the fields. */
static void test_longest_strings(void)
{
	struct nfqfw_conf c;
	char table[64], sock[108], text[512];

	memset(table, 't', 63);
	table[63] = '\0';
	memset(sock, 's', 107);
	sock[0] = '/';
	sock[107] = '\0';
	snprintf(text, sizeof(text),
		 "nftables: { table = \"%s\"; };\ncontrol: { socket = \"%s\"; group = \"\"; };",
		 table, sock);
	test_load_ok(text, &c);
	CU_ASSERT_STRING_EQUAL(c.nftables.table, table);
	CU_ASSERT_STRING_EQUAL(c.control.socket, sock);
	CU_ASSERT_STRING_EQUAL(c.control.group, "");
}

/* Syntax that the pre-scan must leave alone: names with digits and '-',
 * numbers in strings and comments, floats, strings with escapes. */
static void test_prescan_leaves_other_tokens(void)
{
	struct nfqfw_conf c;

	test_load_ok("# count = 99999999999999999999\n"
		     "/* 4294967298 */ queue: { count = 2; };\n"
		     "control: { socket = \"/run/x-4294967298\\\"#.sock\"; };\n", &c);
	CU_ASSERT_EQUAL(c.queue.count, 2);
	CU_ASSERT_STRING_EQUAL(c.control.socket, "/run/x-4294967298\"#.sock");
}

/* The pre-scan must know where comments and strings end, or it misses the
 * literal after them and libconfig truncates it (4294967298 -> 2). */
static void test_prescan_follows_comments_and_strings(void)
{
	static const char *const texts[] = {
		"// an odd \" quote in a comment\nqueue: { count = 4294967298; };\n",
		"# an odd \" quote in a comment\nqueue: { count = 4294967298; };\n",
		"/* an odd \" quote\n in a comment */ queue: { count = 4294967298; };\n",
		"control: { socket = \"/x\\\"y\"; };\nqueue: { count = 4294967298; };\n",
		"control: { socket = \"/x\\\\\"; };\nqueue: { count = 4294967298; };\n",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		test_expect(texts[i], 1,
			    "test.conf:2: queue.count: 4294967298 is out of range (1..64)\n");
}

static void test_last_line_allowed(void)
{
	size_t pad = CONF_MAX_LINES - 1;
	const char *tail = "queue: { count = 3; };\n";
	char *text = malloc(pad + strlen(tail) + 1);
	struct nfqfw_conf c;
	char *out;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	memset(text, '\n', pad);
	strcpy(text + pad, tail);
	conf_defaults(&c);
	CU_ASSERT_EQUAL(test_load_bytes(text, strlen(text), &c, &out), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(c.queue.count, 3);
	free(out);

	/* An error there still carries its true line number. */
	strcpy(text + pad, "queue: { count = 0; };\n");
	test_expect(text, 1, "test.conf:65535: queue.count: 0 is out of range (1..64)\n");
	free(text);
}

static void test_largest_file_allowed(void)
{
	char *text = malloc(CONF_MAX_BYTES);
	struct nfqfw_conf c;
	char *out;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	memset(text, ' ', CONF_MAX_BYTES);
	memcpy(text, "log: { level = \"err\"; };", 24);
	conf_defaults(&c);
	CU_ASSERT_EQUAL(test_load_bytes(text, CONF_MAX_BYTES, &c, &out), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(c.log.level, LOG_ERR);
	free(out);
	free(text);
}

static void test_null_err_stream(void)
{
	struct nfqfw_conf c;

	conf_defaults(&c);
	test_write(TEST_FILE, "queue: { count = 0; first = -1; };");
	CU_ASSERT_EQUAL(conf_load(&c, TEST_FILE, NULL), 2);
	CU_ASSERT_EQUAL(c.queue.count, 1);
	unlink(TEST_FILE);
}

/* Errors: the file itself */

static void test_missing_file(void)
{
	struct nfqfw_conf c, before;
	char *out;

	test_enter_dir();
	conf_defaults(&c);
	before = c;
	CU_ASSERT_EQUAL(test_load_path("missing.conf", &c, &out), 1);
	CU_ASSERT_STRING_EQUAL(out, "missing.conf: cannot read: No such file or directory\n");
	CU_ASSERT(memcmp(&c, &before, sizeof(c)) == 0);
	free(out);
}

static void test_directory(void)
{
	struct nfqfw_conf c;
	char *out;

	test_enter_dir();
	CU_ASSERT_FATAL(mkdir("dir.conf", 0700) == 0);
	conf_defaults(&c);
	CU_ASSERT_EQUAL(test_load_path("dir.conf", &c, &out), 1);
	CU_ASSERT_STRING_EQUAL(out, "dir.conf: cannot read: Is a directory\n");
	free(out);
	rmdir("dir.conf");
}

static void test_path_too_long(void)
{
	char path[5000], want[5100];
	struct nfqfw_conf c;
	char *out;

	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	snprintf(want, sizeof(want), "%s: cannot read: File name too long\n", path);
	conf_defaults(&c);
	CU_ASSERT_EQUAL(test_load_path(path, &c, &out), 1);
	CU_ASSERT_STRING_EQUAL(out, want);
	free(out);
}

static void test_file_too_large(void)
{
	char *text = malloc(CONF_MAX_BYTES + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	memset(text, ' ', CONF_MAX_BYTES + 1);
	test_expect_bytes(text, CONF_MAX_BYTES + 1, 1,
			  "test.conf: cannot read: File too large\n");
	free(text);
}

static void test_too_many_lines(void)
{
	size_t pad = CONF_MAX_LINES;
	char *text = malloc(pad + 32);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	memset(text, '\n', pad);
	strcpy(text + pad, "queue: { count = 3; };\n");
	test_expect(text, 1, "test.conf: the file has more than 65535 lines\n");
	free(text);
}

static void test_nul_byte(void)
{
	static const char text[] = "# a\0b\nqueue: { count = 2; };\n\0";

	test_expect_bytes(text, sizeof(text) - 1, 1,
			  "test.conf:1: the file contains a NUL byte\n");
}

static void test_include_refused(void)
{
	/* other.conf exists and is broken: it must not even be opened. */
	test_write("other.conf", "this is { not libconfig");
	test_expect("# @include \"other.conf\" in a comment is fine\n"
		    "  @include \"other.conf\"\n"
		    "queue: { count = 2; };\n", 1,
		    "test.conf:2: @include is not supported: put every setting in this file\n");
	unlink("other.conf");
}

/* Errors: syntax (libconfig's own messages) */

static void test_syntax_error(void)
{
	test_expect("queue: {\n  count = ;\n};\n", 1, "test.conf:2: syntax error\n");
	test_expect("queue: {\n  count = 2;\n", 1, "test.conf:3: syntax error\n");
	test_expect("queue: { first = -0x10; };\n", 1, "test.conf:1: syntax error\n");
}

static void test_duplicate_key(void)
{
	test_expect("queue: {\n  count = 1;\n  count = 2;\n};\n", 1,
		    "test.conf:3: duplicate setting name\n");
}

static void test_duplicate_section(void)
{
	test_expect("log: { level = \"err\"; };\n\nlog: { level = \"err\"; };\n", 1,
		    "test.conf:3: duplicate setting name\n");
}

/* Helpers of conf-report.c */

static void test_edit_distance(void)
{
	CU_ASSERT_EQUAL(conf_edit_distance("", ""), 0);
	CU_ASSERT_EQUAL(conf_edit_distance("queue", "queue"), 0);
	CU_ASSERT_EQUAL(conf_edit_distance("", "log"), 3);
	CU_ASSERT_EQUAL(conf_edit_distance("count", "cuont"), 1);
	CU_ASSERT_EQUAL(conf_edit_distance("kitten", "sitting"), 3);
	CU_ASSERT_EQUAL(conf_edit_distance("ca", "abc"), 3);   /* OSA, not Damerau */
	CU_ASSERT_EQUAL(conf_edit_distance("fail_opn", "fail_open"), 1);
	CU_ASSERT_EQUAL(conf_edit_distance(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a"),
		CONF_DISTANCE_MAX);
}

static void test_quote(void)
{
	char buf[8];

	conf_quote(buf, sizeof(buf), "abc", 3);
	CU_ASSERT_STRING_EQUAL(buf, "abc");
	conf_quote(buf, sizeof(buf), "abcdefg", 7);
	CU_ASSERT_STRING_EQUAL(buf, "abcdefg");
	conf_quote(buf, sizeof(buf), "abcdefgh", 8);
	CU_ASSERT_STRING_EQUAL(buf, "abcd...");
	conf_quote(buf, sizeof(buf), "a\tb", 3);
	CU_ASSERT_STRING_EQUAL(buf, "a\\x09b");
	conf_quote(buf, sizeof(buf), "\\\\", 2);
	CU_ASSERT_STRING_EQUAL(buf, "\\x5c...");
}

static const struct unit_test defaults_tests[] = {
	{ "conf_defaults", test_defaults },
	{ "comments only", test_comments_only },
	{ "empty file", test_empty_file },
	{ "empty sections", test_empty_sections },
	{ "reload resets missing keys", test_reload_resets_missing_keys },
	{ "shipped config loads as defaults", test_shipped_config_loads },
	{ "shipped config and man page document the schema",
	  test_shipped_config_documents_schema },
	{ NULL, NULL },
};

static const struct unit_test value_tests[] = {
	{ "full file", test_full_file },
	{ "integer bounds", test_int_bounds },
	{ "integer spellings", test_int_spellings },
	{ "log levels", test_log_levels },
	{ "verdicts", test_verdicts },
	{ "modes", test_modes },
	{ "longest strings", test_longest_strings },
	{ "pre-scan leaves other tokens", test_prescan_leaves_other_tokens },
	{ "pre-scan follows comments and strings",
	  test_prescan_follows_comments_and_strings },
	{ "line 65535", test_last_line_allowed },
	{ "1 MiB file", test_largest_file_allowed },
	{ "NULL error stream", test_null_err_stream },
	{ NULL, NULL },
};

static const struct unit_test file_error_tests[] = {
	{ "missing file", test_missing_file },
	{ "directory", test_directory },
	{ "path too long", test_path_too_long },
	{ "file too large", test_file_too_large },
	{ "too many lines", test_too_many_lines },
	{ "NUL byte", test_nul_byte },
	{ "@include refused", test_include_refused },
	{ "syntax error", test_syntax_error },
	{ "duplicate key", test_duplicate_key },
	{ "duplicate section", test_duplicate_section },
	{ NULL, NULL },
};

static const struct unit_test helper_tests[] = {
	{ "edit distance", test_edit_distance },
	{ "quote", test_quote },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "conf defaults", defaults_tests },
	{ "conf values", value_tests },
	{ "conf file errors", file_error_tests },
	{ "conf helpers", helper_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
