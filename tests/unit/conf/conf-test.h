/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the configuration tests (conf-test.c). */
#ifndef NFQFW_TESTS_CONF_TEST_H
#define NFQFW_TESTS_CONF_TEST_H

#include <stddef.h>

#include "nfqfw/conf.h"
#include "unit.h"

#define TEST_FILE "test.conf"

/* Moves into a fresh temporary directory (once; removed again at exit). */
void test_enter_dir(void);
void test_write_bytes(const char *name, const char *text, size_t len);
void test_write(const char *name, const char *text);
/* Loads PATH into *CONF; *OUT receives everything written as errors. */
int test_load_path(const char *path, struct nfqfw_conf *conf, char **out);
int test_load_bytes(const char *text, size_t len, struct nfqfw_conf *conf,
		    char **out);
/* Loads TEXT that must be valid; returns the result in *CONF. */
void test_load_ok(const char *text, struct nfqfw_conf *conf);
/* Loads LEN bytes of TEXT that must fail with exactly EXPECTED (N lines),
 * and checks that the caller's configuration was not touched. */
void test_expect_bytes(const char *text, size_t len, int n, const char *expected);
void test_expect(const char *text, int n, const char *expected);
void test_assert_defaults(const struct nfqfw_conf *c);

#endif
