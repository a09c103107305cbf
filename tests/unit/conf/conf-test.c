/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the configuration tests: test files are written into a
 * private temporary directory and named test.conf relative to it, so that
 * the expected "FILE:LINE: message" texts are plain literals. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf-test.h"

static char test_dir[] = "/tmp/nfqfw-test-conf-XXXXXX";

static void test_remove_dir(void)
{
	unlink(TEST_FILE);
	unlink("other.conf");
	rmdir("dir.conf");
	if (chdir("/") == 0)
		rmdir(test_dir);
}

/* Moves into a fresh directory once, removed again at exit. */
void test_enter_dir(void)
{
	static bool entered;

	if (entered)
		return;
	if (!mkdtemp(test_dir) || chdir(test_dir) != 0) {
		perror("test-conf: temporary directory");
		exit(2);
	}
	atexit(test_remove_dir);
	entered = true;
}

void test_write_bytes(const char *name, const char *text, size_t len)
{
	FILE *f;

	test_enter_dir();
	f = fopen(name, "w");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(fwrite(text, 1, len, f) == len);
	CU_ASSERT_FATAL(fclose(f) == 0);
}

void test_write(const char *name, const char *text)
{
	test_write_bytes(name, text, strlen(text));
}

/* Loads PATH into *CONF; *OUT receives everything written as errors. */
int test_load_path(const char *path, struct nfqfw_conf *conf, char **out)
{
	size_t size;
	FILE *err = open_memstream(out, &size);
	int n;

	CU_ASSERT_FATAL(err != NULL);
	n = conf_load(conf, path, err);
	CU_ASSERT_FATAL(fclose(err) == 0);
	return n;
}

int test_load_bytes(const char *text, size_t len, struct nfqfw_conf *conf,
			   char **out)
{
	int n;

	test_write_bytes(TEST_FILE, text, len);
	n = test_load_path(TEST_FILE, conf, out);
	unlink(TEST_FILE);
	return n;
}

/* Loads TEXT that must be valid; returns the result in *CONF. */
void test_load_ok(const char *text, struct nfqfw_conf *conf)
{
	char *out;
	int n;

	conf_defaults(conf);
	n = test_load_bytes(text, strlen(text), conf, &out);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	if (n != 0)
		fprintf(stderr, "\nunexpected errors for:\n%s\n%s", text, out);
	free(out);
}

/* Loads LEN bytes of TEXT that must fail with exactly EXPECTED (N lines),
 * and checks that the caller's configuration was not touched. */
void test_expect_bytes(const char *text, size_t len, int n,
			      const char *expected)
{
	struct nfqfw_conf conf, before;
	char *out;
	int got;

	memset(&before, 0xa5, sizeof(before));
	conf = before;
	got = test_load_bytes(text, len, &conf, &out);
	CU_ASSERT_EQUAL(got, n);
	CU_ASSERT_STRING_EQUAL(out, expected);
	CU_ASSERT(memcmp(&conf, &before, sizeof(conf)) == 0);
	if (got != n || strcmp(out, expected) != 0)
		fprintf(stderr, "\nfor:\n%s\nexpected %d:\n%sgot %d:\n%s", text, n,
			expected, got, out);
	free(out);
}

void test_expect(const char *text, int n, const char *expected)
{
	test_expect_bytes(text, strlen(text), n, expected);
}

void test_assert_defaults(const struct nfqfw_conf *c)
{
	CU_ASSERT_EQUAL(c->queue.first, 0);
	CU_ASSERT_EQUAL(c->queue.count, 1);
	CU_ASSERT_FALSE(c->queue.fail_open);
	CU_ASSERT_FALSE(c->queue.accept_when_full);
	CU_ASSERT_EQUAL(c->queue.max_len, 4096);
	CU_ASSERT_EQUAL(c->queue.socket_buffer, 8388608);
	CU_ASSERT_EQUAL(c->queue.pass_mark, 0x00100000);
	CU_ASSERT_EQUAL(c->packet.malformed, CONF_VERDICT_DROP);
	CU_ASSERT_STRING_EQUAL(c->nftables.table, "nfqfw");
	CU_ASSERT_EQUAL(c->nftables.priority_offset, 0);
	CU_ASSERT_STRING_EQUAL(c->control.socket, "/run/nfqfw/nfqfw.sock");
	CU_ASSERT_EQUAL(c->control.mode, 0600);
	CU_ASSERT_STRING_EQUAL(c->control.group, "");
	CU_ASSERT_EQUAL(c->log.level, LOG_INFO);
	CU_ASSERT_STRING_EQUAL(c->daemon.user, "");
	CU_ASSERT_STRING_EQUAL(c->daemon.group, "");
}

