/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the configuration checker: the exact "FILE:LINE: message"
 * of every kind of mistake in sections, keys, types, ranges and strings,
 * all of them reported in one run, and the caller's configuration left
 * alone whenever a file is refused. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfqfw/conf.h"
#include "conf-test.h"

/* Errors: names */

static void test_unknown_section(void)
{
	test_expect("firewall: { };\n", 1, "test.conf:1: unknown section 'firewall'\n");
	test_expect("\nquue: { count = 2; };\n", 1,
		    "test.conf:2: unknown section 'quue' (did you mean 'queue'?)\n");
	test_expect("lgo = 5;\n", 1,
		    "test.conf:1: unknown section 'lgo' (did you mean 'log'?)\n");
}

static void test_unknown_key(void)
{
	test_expect("queue: {\n  fail_opn = true;\n};\n", 1,
		    "test.conf:2: unknown key 'fail_opn' in section 'queue' "
		    "(did you mean 'fail_open'?)\n");
	/* Two neighbours swapped count as one edit. */
	test_expect("queue: { cuont = 2; };\n", 1,
		    "test.conf:1: unknown key 'cuont' in section 'queue' "
		    "(did you mean 'count'?)\n");
	/* Two edits still get a hint, three do not. */
	test_expect("queue: { fal_opn = true; };\n", 1,
		    "test.conf:1: unknown key 'fal_opn' in section 'queue' "
		    "(did you mean 'fail_open'?)\n");
	test_expect("queue: { fl_opn = true; };\n", 1,
		    "test.conf:1: unknown key 'fl_opn' in section 'queue'\n");
	/* A hint is never a rewrite of the whole name: "me" is two edits
	 * from "mode", but so is any other two-letter word. */
	test_expect("control: { me = \"0600\"; };\nxg = 1;\n", 2,
		    "test.conf:1: unknown key 'me' in section 'control'\n"
		    "test.conf:2: unknown section 'xg'\n");
	/* Keys of another section are not known here. */
	test_expect("log: { count = 1; };\n", 1,
		    "test.conf:1: unknown key 'count' in section 'log'\n");
}

static void test_section_not_group(void)
{
	test_expect("queue = 1;\npacket = \"drop\";\nnftables = [ 1, 2 ];\n"
		    "control = ( \"a\" );\nlog = true;\n", 5,
		    "test.conf:1: queue: expected a group { ... }, got an integer\n"
		    "test.conf:2: packet: expected a group { ... }, got a string\n"
		    "test.conf:3: nftables: expected a group { ... }, got an array\n"
		    "test.conf:4: control: expected a group { ... }, got a list\n"
		    "test.conf:5: log: expected a group { ... }, got a boolean\n");
}

/* Errors: types */

static void test_wrong_types(void)
{
	test_expect("queue: {\n"
		    "  count = \"2\";\n"
		    "  first = 1.0;\n"
		    "  max_len = true;\n"
		    "  socket_buffer = [ 65536 ];\n"
		    "  pass_mark = ( 1 );\n"
		    "  fail_open = 1;\n"
		    "  accept_when_full = \"yes\";\n"
		    "};\n"
		    "packet: { malformed = false; };\n"
		    "nftables: { table = 5; };\n"
		    "control: { mode = 0600; socket = { }; group = 0L; };\n", 12,
		    "test.conf:2: queue.count: expected an integer, got a string\n"
		    "test.conf:3: queue.first: expected an integer, got a float\n"
		    "test.conf:4: queue.max_len: expected an integer, got a boolean\n"
		    "test.conf:5: queue.socket_buffer: expected an integer, got an array\n"
		    "test.conf:6: queue.pass_mark: expected an integer, got a list\n"
		    "test.conf:7: queue.fail_open: expected a boolean, got an integer\n"
		    "test.conf:8: queue.accept_when_full: expected a boolean, got a string\n"
		    "test.conf:10: packet.malformed: expected a string, got a boolean\n"
		    "test.conf:11: nftables.table: expected a string, got an integer\n"
		    "test.conf:12: control.mode: expected a string, got an integer\n"
		    "test.conf:12: control.socket: expected a string, got a group\n"
		    "test.conf:12: control.group: expected a string, got an integer\n");
	test_expect("log: { level = 7; };\n", 1,
		    "test.conf:1: log.level: expected a string, got an integer\n");
}

/* Errors: ranges */

static void test_out_of_range(void)
{
	test_expect("queue: {\n"
		    "  first = -1;\n"
		    "  count = 0;\n"
		    "  max_len = 0;\n"
		    "  socket_buffer = 65535;\n"
		    "  pass_mark = -1;\n"
		    "};\n", 5,
		    "test.conf:2: queue.first: -1 is out of range (0..65535)\n"
		    "test.conf:3: queue.count: 0 is out of range (1..64)\n"
		    "test.conf:4: queue.max_len: 0 is out of range (1..1048576)\n"
		    "test.conf:5: queue.socket_buffer: 65535 is out of range (65536..1073741824)\n"
		    "test.conf:6: queue.pass_mark: -1 is out of range (0..4294967295)\n");
	test_expect("queue: {\n"
		    "  first = 65536;\n"
		    "  count = 65;\n"
		    "  max_len = 1048577;\n"
		    "  socket_buffer = 1073741825;\n"
		    "  pass_mark = 4294967296;\n"
		    "};\n", 5,
		    "test.conf:2: queue.first: 65536 is out of range (0..65535)\n"
		    "test.conf:3: queue.count: 65 is out of range (1..64)\n"
		    "test.conf:4: queue.max_len: 1048577 is out of range (1..1048576)\n"
		    "test.conf:5: queue.socket_buffer: 1073741825 is out of range (65536..1073741824)\n"
		    "test.conf:6: queue.pass_mark: 4294967296 is out of range (0..4294967295)\n");
}

/* Values that libconfig 1.5 alone would truncate to 32 bits and accept:
 * 4294967298 would be 2, 4295032832 would be 65536. */
static void test_no_silent_truncation(void)
{
	test_expect("queue: {\n"
		    "  count = 4294967298;\n"
		    "  socket_buffer = 4295032832;\n"
		    "  first = -4294967296;\n"
		    "  pass_mark = 0x100000000;\n"
		    "  max_len = 0x100000001L;\n"
		    "};\n", 5,
		    "test.conf:2: queue.count: 4294967298 is out of range (1..64)\n"
		    "test.conf:3: queue.socket_buffer: 4295032832 is out of range (65536..1073741824)\n"
		    "test.conf:4: queue.first: -4294967296 is out of range (0..65535)\n"
		    "test.conf:5: queue.pass_mark: 0x100000000 is out of range (0x0..0xffffffff)\n"
		    "test.conf:6: queue.max_len: 0x100000001 is out of range (0x1..0x100000)\n");
}

/* Beyond 64 bits: one error, not a second one about the garbage value. */
static void test_integer_beyond_64_bits(void)
{
	test_expect("queue: {\n"
		    "  count = 99999999999999999999;\n"
		    "  first = -9223372036854775809L;\n"
		    "  pass_mark = 0x8000000000000000;\n"
		    "  max_len = 9223372036854775807;\n"
		    "};\n", 4,
		    "test.conf:2: integer 99999999999999999999 does not fit in a signed 64-bit integer\n"
		    "test.conf:3: integer -9223372036854775809L does not fit in a signed 64-bit integer\n"
		    "test.conf:4: integer 0x8000000000000000 does not fit in a signed 64-bit integer\n"
		    "test.conf:5: queue.max_len: 9223372036854775807 is out of range (1..1048576)\n");
}

static void test_queue_range_overflow(void)
{
	test_expect("queue: {\n  first = 65535;\n  count = 2;\n};\n", 1,
		    "test.conf:3: queue.first = 65535 with queue.count = 2 ends at "
		    "queue 65536, above 65535\n");
	test_expect("queue: {\n  count = 64;\n  first = 65500;\n};\n", 1,
		    "test.conf:2: queue.first = 65500 with queue.count = 64 ends at "
		    "queue 65563, above 65535\n");
	/* An invalid count is reported once, not again as an overflow. */
	test_expect("queue: { first = 65535; count = 100; };\n", 1,
		    "test.conf:1: queue.count: 100 is out of range (1..64)\n");
}

/* Errors: strings */

static void test_bad_enum(void)
{
	test_expect("packet: { malformed = \"reject\"; };\nlog: { level = \"warn\"; };\n", 2,
		    "test.conf:1: packet.malformed: unknown value 'reject' (allowed: drop, accept)\n"
		    "test.conf:2: log.level: unknown value 'warn' "
		    "(allowed: err, warning, notice, info, debug)\n");
	test_expect("packet: { malformed = \"DROP\"; };\n", 1,
		    "test.conf:1: packet.malformed: unknown value 'DROP' (allowed: drop, accept)\n");
}

static void test_bad_table(void)
{
	char text[256];

	test_expect("nftables: { table = \"\"; };\n", 1,
		    "test.conf:1: nftables.table: the name is empty\n");
	test_expect("nftables: { table = \"a b\"; };\n", 1,
		    "test.conf:1: nftables.table: 'a b' may only contain A-Z a-z 0-9 _ -\n");
	test_expect("nftables: { table = \"x\\ny\"; };\n", 1,
		    "test.conf:1: nftables.table: 'x\\x0ay' may only contain A-Z a-z 0-9 _ -\n");
	test_expect("nftables: { table = \"fw.1\"; };\n", 1,
		    "test.conf:1: nftables.table: 'fw.1' may only contain A-Z a-z 0-9 _ -\n");
	snprintf(text, sizeof(text), "nftables: { table = \"%064d\"; };\n", 0);
	test_expect(text, 1,
		    "test.conf:1: nftables.table: the name is 64 characters long (at most 63)\n");
}

static void test_bad_socket(void)
{
	char text[512], want[512], longest[200];

	test_expect("control: { socket = \"run/nfqfw.sock\"; };\n", 1,
		    "test.conf:1: control.socket: 'run/nfqfw.sock' is not an absolute path\n");
	test_expect("control: { socket = \"\"; };\n", 1,
		    "test.conf:1: control.socket: '' is not an absolute path\n");
	test_expect("control: { socket = \"/run/nfqfw/\"; };\n", 1,
		    "test.conf:1: control.socket: '/run/nfqfw/' names a directory, not a socket\n");
	memset(longest, 's', 108);
	longest[0] = '/';
	longest[108] = '\0';
	snprintf(text, sizeof(text), "control: { socket = \"%s\"; };\n", longest);
	test_expect(text, 1,
		    "test.conf:1: control.socket: the path is 108 bytes long (at most 107)\n");
	/* A long value is cut in the message. */
	memset(longest, 'r', 150);
	longest[150] = '\0';
	snprintf(text, sizeof(text), "control: { socket = \"%s\"; };\n", longest);
	snprintf(want, sizeof(want),
		 "test.conf:1: control.socket: '%.76s...' is not an absolute path\n", longest);
	test_expect(text, 1, want);
}

static void test_bad_mode(void)
{
	test_expect("control: {\n"
		    "  mode = \"rw-------\";\n"
		    "};\n"
		    "control2: { };\n", 2,
		    "test.conf:2: control.mode: 'rw-------' is not an octal mode such as \"0660\"\n"
		    "test.conf:4: unknown section 'control2' (did you mean 'control'?)\n");
	test_expect("control: { mode = \"\"; };\n", 1,
		    "test.conf:1: control.mode: '' is not an octal mode such as \"0660\"\n");
	test_expect("control: { mode = \"0x180\"; };\n", 1,
		    "test.conf:1: control.mode: '0x180' is not an octal mode such as \"0660\"\n");
	test_expect("control: { mode = \"0680\"; };\n", 1,
		    "test.conf:1: control.mode: '0680' is not an octal mode such as \"0660\"\n");
	test_expect("control: { mode = \"-600\"; };\n", 1,
		    "test.conf:1: control.mode: '-600' is not an octal mode such as \"0660\"\n");
	test_expect("control: { mode = \"000000600\"; };\n", 1,
		    "test.conf:1: control.mode: '000000600' is not an octal mode such as \"0660\"\n");
	test_expect("control: { mode = \"1770\"; };\n", 1,
		    "test.conf:1: control.mode: '1770' is above 0777\n");
	test_expect("control: { mode = \"0666\"; };\n", 1,
		    "test.conf:1: control.mode: '0666' would make the socket world-writable\n");
	test_expect("control: { mode = \"0602\"; };\n", 1,
		    "test.conf:1: control.mode: '0602' would make the socket world-writable\n");
	test_expect("control: { mode = \"0777\"; };\n", 1,
		    "test.conf:1: control.mode: '0777' would make the socket world-writable\n");
}

static void test_bad_group(void)
{
	char text[256];

	test_expect("control: { group = \"nfqfw-no-such-group\"; };\n", 1,
		    "test.conf:1: control.group: no group named 'nfqfw-no-such-group'\n");
	snprintf(text, sizeof(text), "control: { group = \"%064d\"; };\n", 0);
	test_expect(text, 1,
		    "test.conf:1: control.group: the name is 64 characters long (at most 63)\n");
}

/* daemon.user and daemon.group: existing accounts only, a group only
 * with a user, and the usual checks of type, length and names. */
static void test_bad_daemon(void)
{
	char text[256];

	test_expect("daemon: { user = \"nfqfw-no-such-user\"; };\n", 1,
		    "test.conf:1: daemon.user: no user named 'nfqfw-no-such-user'\n");
	test_expect("daemon: {\n  user = \"root\";\n  group = \"nfqfw-no-such-group\";\n};\n", 1,
		    "test.conf:3: daemon.group: no group named 'nfqfw-no-such-group'\n");
	test_expect("daemon: { user = \"nfqfw\\x01x\"; };\n", 1,
		    "test.conf:1: daemon.user: no user named 'nfqfw\\x01x'\n");
	snprintf(text, sizeof(text), "daemon: { user = \"%064d\"; };\n", 0);
	test_expect(text, 1,
		    "test.conf:1: daemon.user: the name is 64 characters long (at most 63)\n");
	snprintf(text, sizeof(text), "daemon: { user = \"root\"; group = \"%064d\"; };\n", 0);
	test_expect(text, 1,
		    "test.conf:1: daemon.group: the name is 64 characters long (at most 63)\n");
	test_expect("daemon: { user = 0; group = false; };\n", 2,
		    "test.conf:1: daemon.user: expected a string, got an integer\n"
		    "test.conf:1: daemon.group: expected a string, got a boolean\n");
	test_expect("daemon: { usr = \"root\"; };\n", 1,
		    "test.conf:1: unknown key 'usr' in section 'daemon' (did you mean 'user'?)\n");
	test_expect("deamon: { user = \"root\"; };\n", 1,
		    "test.conf:1: unknown section 'deamon' (did you mean 'daemon'?)\n");
	test_expect("daemon = \"root\";\n", 1,
		    "test.conf:1: daemon: expected a group { ... }, got a string\n");
}

/* A group alone would change nothing; with a refused user it is not
 * reported a second time. */
static void test_daemon_group_needs_user(void)
{
	test_expect("daemon: {\n  group = \"root\";\n};\n", 1,
		    "test.conf:2: daemon.group: 'root' needs daemon.user (it is that user's group)\n");
	test_expect("daemon: { user = \"\"; group = \"root\"; };\n", 1,
		    "test.conf:1: daemon.group: 'root' needs daemon.user (it is that user's group)\n");
	test_expect("daemon: { user = \"nfqfw-no-such-user\"; group = \"root\"; };\n", 1,
		    "test.conf:1: daemon.user: no user named 'nfqfw-no-such-user'\n");
	test_expect("daemon: { user = 7; group = \"root\"; };\n", 1,
		    "test.conf:1: daemon.user: expected a string, got an integer\n");
}

/* Everything at once: all reported, in line order, none stopping the rest. */
static void test_many_errors(void)
{
	test_expect("# a file with one mistake per line\n"
		    "queue: {\n"
		    "  first = 70000;\n"
		    "  count = \"two\";\n"
		    "  fail_opn = true;\n"
		    "  max_len = 4096;\n"
		    "};\n"
		    "packet: { malformed = \"maybe\"; };\n"
		    "nftables: { table = \"bad name\"; tabel = \"x\"; };\n"
		    "control: { socket = \"x.sock\"; mode = \"0777\"; group = \"nfqfw-no-such-group\"; };\n"
		    "log: { level = \"loud\"; };\n"
		    "extra: { };\n"
		    "queue2 = 99999999999999999999;\n", 13,
		    "test.conf:3: queue.first: 70000 is out of range (0..65535)\n"
		    "test.conf:4: queue.count: expected an integer, got a string\n"
		    "test.conf:5: unknown key 'fail_opn' in section 'queue' (did you mean 'fail_open'?)\n"
		    "test.conf:8: packet.malformed: unknown value 'maybe' (allowed: drop, accept)\n"
		    "test.conf:9: nftables.table: 'bad name' may only contain A-Z a-z 0-9 _ -\n"
		    "test.conf:9: unknown key 'tabel' in section 'nftables' (did you mean 'table'?)\n"
		    "test.conf:10: control.socket: 'x.sock' is not an absolute path\n"
		    "test.conf:10: control.mode: '0777' would make the socket world-writable\n"
		    "test.conf:10: control.group: no group named 'nfqfw-no-such-group'\n"
		    "test.conf:11: log.level: unknown value 'loud' (allowed: err, warning, notice, info, debug)\n"
		    "test.conf:12: unknown section 'extra'\n"
		    "test.conf:13: integer 99999999999999999999 does not fit in a signed 64-bit integer\n"
		    "test.conf:13: unknown section 'queue2' (did you mean 'queue'?)\n");
}

/* A refused file leaves the previous configuration in place. */
static void test_failure_keeps_previous(void)
{
	struct nfqfw_conf c, before;
	char *out;

	test_load_ok("queue: { count = 8; };\nlog: { level = \"debug\"; };\n", &c);
	before = c;
	test_write(TEST_FILE, "queue: { count = 2; first = 1; };\nlog: { level = \"x\"; };\n");
	CU_ASSERT_EQUAL(test_load_path(TEST_FILE, &c, &out), 1);
	free(out);
	CU_ASSERT(memcmp(&c, &before, sizeof(c)) == 0);
	CU_ASSERT_EQUAL(c.queue.count, 8);
	CU_ASSERT_EQUAL(c.queue.first, 0);
	unlink(TEST_FILE);
}

static const struct unit_test check_error_tests[] = {
	{ "unknown section", test_unknown_section },
	{ "unknown key", test_unknown_key },
	{ "section not a group", test_section_not_group },
	{ "wrong types", test_wrong_types },
	{ "out of range", test_out_of_range },
	{ "no silent 32-bit truncation", test_no_silent_truncation },
	{ "integer beyond 64 bits", test_integer_beyond_64_bits },
	{ "queue range overflow", test_queue_range_overflow },
	{ "bad enum", test_bad_enum },
	{ "bad table", test_bad_table },
	{ "bad socket", test_bad_socket },
	{ "bad mode", test_bad_mode },
	{ "bad group", test_bad_group },
	{ "bad daemon user or group", test_bad_daemon },
	{ "daemon group needs a user", test_daemon_group_needs_user },
	{ "many errors", test_many_errors },
	{ "failure keeps previous", test_failure_keeps_previous },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "conf check errors", check_error_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
