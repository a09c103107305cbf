/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A few lines shared by every CUnit test program: a table of suites in,
 * CUnit's verbose run and summary out, exit status = failures > 0. */
#ifndef NFQFW_TESTS_UNIT_H
#define NFQFW_TESTS_UNIT_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>

struct unit_test {
	const char *name;
	CU_TestFunc fn;
};

struct unit_suite {
	const char *name;
	const struct unit_test *tests;  /* ends with { NULL, NULL } */
};

static inline int unit_run(const struct unit_suite *suites)
{
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (const struct unit_suite *s = suites; s->name; s++) {
		CU_pSuite cs = CU_add_suite(s->name, NULL, NULL);

		if (!cs)
			return 2;
		for (const struct unit_test *t = s->tests; t->name; t++)
			if (!CU_add_test(cs, t->name, t->fn))
				return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0)
		failures = 1;   /* a test program that ran nothing has failed */
	CU_cleanup_registry();
	return failures ? 1 : 0;
}

#define UNIT_MAIN(suite_table) \
	int main(void) { return unit_run(suite_table); }

/* The same, with process-wide set-up and tear-down around the run (e.g.
 * registering the main thread as an RCU reader). */
#define UNIT_MAIN_WITH(suite_table, setup, teardown) \
	int main(void) \
	{ \
		int rc; \
		setup(); \
		rc = unit_run(suite_table); \
		teardown(); \
		return rc; \
	}

#endif
