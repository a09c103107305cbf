/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for the reader of /proc/net/netfilter/nfnetlink_queue, on files
 * written here: good lines, every kind of bad line, and missing files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfqfw/kstats.h"
#include "unit.h"

static char tmp_path[64];

/* Writes LEN bytes of DATA to a fresh temporary file; returns its path. */
static const char *write_file(const char *data, size_t len)
{
	int fd;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/nfqfw-kstats-XXXXXX");
	fd = mkstemp(tmp_path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, data, len) == (ssize_t)len);
	close(fd);
	return tmp_path;
}

static const char *write_text(const char *text)
{
	return write_file(text, strlen(text));
}

/* The format the kernel prints: "%5u %6u %5u %1u %5u %5u %5u %8u %2d". */
static const char two_queues[] =
	"    0   1234     3 2 65531     7     9     1000  1\n"
	"    1 4294967295     0 2  0xffff     0     0        0  1\n"
	"    1   5678     2 2 65531    11    13     2000  1\n";

static void test_reads_the_line_of_the_queue(void)
{
	struct queue_kstats ks;
	const char *path = write_text(two_queues);

	CU_ASSERT_EQUAL(queue_kstats_read(path, 0, &ks), 0);
	CU_ASSERT_TRUE(ks.present);
	CU_ASSERT_EQUAL(ks.queue, 0);
	CU_ASSERT_EQUAL(ks.portid, 1234);
	CU_ASSERT_EQUAL(ks.waiting, 3);
	CU_ASSERT_EQUAL(ks.copy_mode, 2);
	CU_ASSERT_EQUAL(ks.copy_range, 65531);
	CU_ASSERT_EQUAL(ks.queue_dropped, 7);
	CU_ASSERT_EQUAL(ks.user_dropped, 9);
	CU_ASSERT_EQUAL(ks.id_sequence, 1000);
	/* the malformed "1 ... 0xffff" line is skipped, the next one counts */
	CU_ASSERT_EQUAL(queue_kstats_read(path, 1, &ks), 0);
	CU_ASSERT_EQUAL(ks.queue, 1);
	CU_ASSERT_EQUAL(ks.portid, 5678);
	CU_ASSERT_EQUAL(ks.waiting, 2);
	CU_ASSERT_EQUAL(ks.queue_dropped, 11);
	CU_ASSERT_EQUAL(ks.user_dropped, 13);
	CU_ASSERT_EQUAL(ks.id_sequence, 2000);
	unlink(path);
}

static void test_queue_without_line_is_enoent(void)
{
	struct queue_kstats ks;
	const char *path = write_text(two_queues);

	memset(&ks, 0xa5, sizeof(ks));
	CU_ASSERT_EQUAL(queue_kstats_read(path, 2, &ks), -ENOENT);
	CU_ASSERT_FALSE(ks.present);
	CU_ASSERT_EQUAL(ks.queue, 2);
	CU_ASSERT_EQUAL(ks.portid, 0);
	CU_ASSERT_EQUAL(ks.waiting, 0);
	CU_ASSERT_EQUAL(ks.id_sequence, 0);
	unlink(path);
}

static void test_empty_file_is_enoent(void)
{
	struct queue_kstats ks;
	const char *path = write_text("");

	CU_ASSERT_EQUAL(queue_kstats_read(path, 0, &ks), -ENOENT);
	CU_ASSERT_FALSE(ks.present);
	unlink(path);
}

static void test_missing_file_is_enoent(void)
{
	struct queue_kstats ks;

	CU_ASSERT_EQUAL(queue_kstats_read("/nonexistent/nfnetlink_queue", 0, &ks), -ENOENT);
	CU_ASSERT_FALSE(ks.present);
}

static void test_unreadable_file_is_an_error(void)
{
	struct queue_kstats ks;
	int ret = queue_kstats_read("/tmp", 0, &ks);   /* a directory */

	CU_ASSERT(ret < 0);
	CU_ASSERT_NOT_EQUAL(ret, -ENOENT);
	CU_ASSERT_FALSE(ks.present);
}

static void test_last_line_without_newline(void)
{
	struct queue_kstats ks;
	const char *path = write_text("0 1 2 3 4 5 6 7 1\n9 10 11 2 12 13 14 15 1");

	CU_ASSERT_EQUAL(queue_kstats_read(path, 9, &ks), 0);
	CU_ASSERT_EQUAL(ks.portid, 10);
	CU_ASSERT_EQUAL(ks.id_sequence, 15);
	unlink(path);
}

static void test_64_bit_counters(void)
{
	struct queue_kstats ks;

	CU_ASSERT_TRUE(queue_kstats_parse_line(
		"3 1 0 2 0 4294967296 18446744073709551615 8589934592 1\n", &ks));
	CU_ASSERT_EQUAL(ks.queue_dropped, 4294967296ull);
	CU_ASSERT_EQUAL(ks.user_dropped, UINT64_MAX);
	CU_ASSERT_EQUAL(ks.id_sequence, 8589934592ull);
}

static void test_blanks_and_extra_fields(void)
{
	struct queue_kstats ks;

	CU_ASSERT_TRUE(queue_kstats_parse_line("\t7\t8 \t9 1 10 11 12 13 1 99 100", &ks));
	CU_ASSERT_EQUAL(ks.queue, 7);
	CU_ASSERT_EQUAL(ks.portid, 8);
	CU_ASSERT_EQUAL(ks.waiting, 9);
	CU_ASSERT_EQUAL(ks.id_sequence, 13);
	/* eight fields are enough: the trailing "1" is not needed */
	CU_ASSERT_TRUE(queue_kstats_parse_line("7 8 9 1 10 11 12 13", &ks));
	CU_ASSERT_EQUAL(ks.id_sequence, 13);
}

static void test_malformed_lines_rejected(void)
{
	static const char *const bad[] = {
		"",
		"\n",
		"   \n",
		"0 1 2 3 4 5 6\n",                       /* too few fields */
		"-1 1 2 3 4 5 6 7 1\n",                  /* sign */
		"+1 1 2 3 4 5 6 7 1\n",
		"0 0x10 2 3 4 5 6 7 1\n",                /* hex */
		"0 1 2 3 4 5 6 7a 1\n",                  /* trailing junk */
		"0 1 2 3 4 5 6 7 x\n",                   /* non-numeric extra */
		"65536 1 2 3 4 5 6 7 1\n",               /* queue > 16 bits */
		"0 4294967296 2 3 4 5 6 7 1\n",          /* portid > 32 bits */
		"0 1 4294967296 3 4 5 6 7 1\n",          /* waiting > 32 bits */
		"0 1 2 3 4 5 18446744073709551616 7 1\n",/* > 64 bits */
		"0 1 2 3 4 5 6 7 1 1 1 1 1 1 1 1 1\n",   /* 17 fields */
		"0 1 2\n3 4 5 6 7 1\n",                  /* two lines in one */
		"0,1,2,3,4,5,6,7,1\n",
	};
	struct queue_kstats ks;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&ks, 0, sizeof(ks));
		CU_ASSERT_FALSE(queue_kstats_parse_line(bad[i], &ks));
		CU_ASSERT_FALSE(ks.present);
	}
}

/* A file where every line for queue 5 is broken in some way, then one
 * good line: only the good one may be read. */
static void test_malformed_lines_skipped_in_file(void)
{
	static const char text[] =
		"5 1 2 3 4 5 6\n"
		"5 1 2 3 4 5 6 7 1 junk\n"
		"5 -1 2 3 4 5 6 7 1\n"
		"garbage\n"
		"\n"
		"5 42 1 2 0 0 0 77 1\n";
	struct queue_kstats ks;
	const char *path = write_text(text);

	CU_ASSERT_EQUAL(queue_kstats_read(path, 5, &ks), 0);
	CU_ASSERT_EQUAL(ks.portid, 42);
	CU_ASSERT_EQUAL(ks.id_sequence, 77);
	unlink(path);
}

/* A line longer than the reader's buffer is skipped whole: its tail, which
 * looks like a line for queue 7, must not be read as one. */
static void test_overlong_line_skipped_whole(void)
{
	char text[1024];
	struct queue_kstats ks;
	const char *path;

	memset(text, 'x', 600);
	snprintf(text + 600, sizeof(text) - 600, " 7 1 0 2 65535 0 0 9 1\n8 2 0 2 0 0 0 3 1\n");
	path = write_text(text);
	CU_ASSERT_EQUAL(queue_kstats_read(path, 7, &ks), -ENOENT);
	CU_ASSERT_EQUAL(queue_kstats_read(path, 8, &ks), 0);
	CU_ASSERT_EQUAL(ks.id_sequence, 3);
	unlink(path);
}

/* A NUL byte inside a line makes that line malformed, not the file. */
static void test_nul_byte_in_line(void)
{
	static const char data[] = "4 1 2\0 3 4 5 6 7 1\n4 9 0 2 0 0 0 5 1\n";
	struct queue_kstats ks;
	const char *path = write_file(data, sizeof(data) - 1);

	CU_ASSERT_EQUAL(queue_kstats_read(path, 4, &ks), 0);
	CU_ASSERT_EQUAL(ks.portid, 9);
	CU_ASSERT_EQUAL(ks.id_sequence, 5);
	unlink(path);
}

/* A kept file is read through its descriptor, from offset 0 each time:
 * its name may go (as access to /proc does for a daemon that gave up root)
 * and every read sees the text of the moment. Other paths still open by
 * name. Last in the suite: the kept descriptor stays. */
static void test_kept_open_file(void)
{
	static const char seq7[] = "    3  100     0 2 65531     0     0       7  1\n";
	static const char seq9[] = "    3  100     0 2 65531     0     0       9  1\n";
	struct queue_kstats ks;
	char kept[64];
	int fd;

	snprintf(kept, sizeof(kept), "%s", write_text(seq7));
	CU_ASSERT_EQUAL_FATAL(queue_kstats_keep_open(kept), 0);
	fd = open(kept, O_WRONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(unlink(kept), 0);
	CU_ASSERT_EQUAL(queue_kstats_read(kept, 3, &ks), 0);
	CU_ASSERT_EQUAL(ks.id_sequence, 7);
	CU_ASSERT_EQUAL(pwrite(fd, seq9, strlen(seq9), 0), (ssize_t)strlen(seq9));
	CU_ASSERT_EQUAL(queue_kstats_read(kept, 3, &ks), 0);
	CU_ASSERT_EQUAL(ks.id_sequence, 9);
	CU_ASSERT_EQUAL(queue_kstats_read(kept, 4, &ks), -ENOENT);
	CU_ASSERT_EQUAL(ftruncate(fd, 0), 0);
	CU_ASSERT_EQUAL(queue_kstats_read(kept, 3, &ks), -ENOENT);
	CU_ASSERT_FALSE(ks.present);
	close(fd);
	CU_ASSERT_EQUAL(queue_kstats_read("/nonexistent/nfqfw-kstats", 3, &ks), -ENOENT);
	CU_ASSERT_EQUAL(queue_kstats_keep_open("/nonexistent/nfqfw-kstats"), -ENOENT);
}

static const struct unit_test kstats_tests[] = {
	{ "reads the line of the queue", test_reads_the_line_of_the_queue },
	{ "queue without a line is -ENOENT", test_queue_without_line_is_enoent },
	{ "empty file is -ENOENT", test_empty_file_is_enoent },
	{ "missing file is -ENOENT", test_missing_file_is_enoent },
	{ "unreadable file is an error", test_unreadable_file_is_an_error },
	{ "last line without newline", test_last_line_without_newline },
	{ "64-bit counters", test_64_bit_counters },
	{ "blanks and extra fields", test_blanks_and_extra_fields },
	{ "malformed lines rejected", test_malformed_lines_rejected },
	{ "malformed lines skipped in a file", test_malformed_lines_skipped_in_file },
	{ "overlong line skipped whole", test_overlong_line_skipped_whole },
	{ "NUL byte in a line", test_nul_byte_in_line },
	{ "kept open file", test_kept_open_file },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "kstats", kstats_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
