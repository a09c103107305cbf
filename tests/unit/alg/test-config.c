/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the `helpers` list: what it enables, and every mistake
 * with its FILE:LINE message. */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/alg_config.h"
#include "unit.h"

static char out_buf[2048];

static int load(const char *text, struct alg_config *c)
{
	config_t cf;
	char *msgs = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&msgs, &len);
	int n;

	CU_ASSERT_FATAL(err != NULL);
	config_init(&cf);
	CU_ASSERT_FATAL(config_read_string(&cf, text) == CONFIG_TRUE);
	n = alg_config_load(c, config_lookup(&cf, "helpers"), "test.conf", err);
	fclose(err);
	snprintf(out_buf, sizeof(out_buf), "%s", msgs ? msgs : "");
	free(msgs);
	config_destroy(&cf);
	return n;
}

static void test_enabled(void)
{
	struct alg_config c;

	CU_ASSERT_EQUAL(load("helpers = ( { name = \"ftp\"; port = 21; },\n"
			     "  { name = \"ftp\"; port = 2121; }, { name = \"tftp\"; port = 69; } );", &c), 0);
	CU_ASSERT_EQUAL(c.n, 3);
	CU_ASSERT_PTR_EQUAL(alg_config_find(&c, IPPROTO_TCP, 21), &alg_helper_ftp);
	CU_ASSERT_PTR_EQUAL(alg_config_find(&c, IPPROTO_TCP, 2121), &alg_helper_ftp);
	CU_ASSERT_PTR_EQUAL(alg_config_find(&c, IPPROTO_UDP, 69), &alg_helper_tftp);
	CU_ASSERT_PTR_NULL(alg_config_find(&c, IPPROTO_UDP, 21));   /* ftp is TCP */
	CU_ASSERT_PTR_NULL(alg_config_find(&c, IPPROTO_TCP, 22));
	/* None by default. */
	CU_ASSERT_EQUAL(load("other = 1;", &c), 0);
	CU_ASSERT_EQUAL(c.n, 0);
	CU_ASSERT_PTR_NULL(alg_config_find(&c, IPPROTO_TCP, 21));
}

static void test_errors(void)
{
	struct alg_config c;

	CU_ASSERT_EQUAL(load("helpers = ( { name = \"ftp\"; port = 21; },\n"
			     "  { name = \"sip\"; port = 5060; },\n"
			     "  { name = \"ftp\"; port = 70000; },\n"
			     "  { name = \"ftp\"; prot = 21; },\n"
			     "  { name = \"ftp\"; port = 21; },\n"
			     "  \"ftp\" );", &c), 5);
	CU_ASSERT_STRING_EQUAL(out_buf,
		"test.conf:2: helpers: unknown helper 'sip' (ftp, tftp)\n"
		"test.conf:3: helpers: a helper needs name and a port 1..65535\n"
		"test.conf:4: helpers: unknown or mistyped key 'prot' (name: a string, port: an integer)\n"
		"test.conf:5: helpers: two helpers on one port\n"
		"test.conf:6: helpers: each helper is a group { name; port; }\n");
	CU_ASSERT_EQUAL(load("helpers = { ftp = 21; };", &c), 1);
	CU_ASSERT_STRING_EQUAL(out_buf, "test.conf:1: helpers: expected a list ( { ... }, ... )\n");
}

static const struct unit_test config_tests[] = {
	{ "helpers enabled per port", test_enabled },
	{ "every error message", test_errors },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "alg config", config_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
