/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ring of recent INVALID verdicts: order, wrap-around, and that a
 * writer finding it busy skips instead of waiting. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "nfqfw/invalid_log.h"
#include "unit.h"

static struct invalid_log ring;

static void add(unsigned int i)
{
	struct invalid_record r = { .when_ns = i, .sport = (uint16_t)i };

	snprintf(r.reason, sizeof(r.reason), "reason %u", i);
	invalid_log_add(&ring, &r);
}

static void test_empty(void)
{
	struct invalid_record out[INVALID_LOG_SIZE];
	uint64_t skipped = 99;

	invalid_log_init(&ring);
	CU_ASSERT_EQUAL(invalid_log_read(&ring, out, &skipped), 0);
	CU_ASSERT_EQUAL(skipped, 0);
	invalid_log_destroy(&ring);
}

static void test_order_before_wrap(void)
{
	struct invalid_record out[INVALID_LOG_SIZE];
	uint64_t skipped;

	invalid_log_init(&ring);
	for (unsigned int i = 1; i <= 5; i++)
		add(i);
	CU_ASSERT_EQUAL_FATAL(invalid_log_read(&ring, out, &skipped), 5);
	for (unsigned int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(out[i].sport, i + 1);
		CU_ASSERT_EQUAL(out[i].when_ns, i + 1);
	}
	CU_ASSERT_STRING_EQUAL(out[4].reason, "reason 5");
	invalid_log_destroy(&ring);
}

/* After more records than slots, the last INVALID_LOG_SIZE remain, oldest
 * first. */
static void test_wrap_keeps_latest(void)
{
	struct invalid_record out[INVALID_LOG_SIZE];
	uint64_t skipped;
	unsigned int total = INVALID_LOG_SIZE * 3 + 7;

	invalid_log_init(&ring);
	for (unsigned int i = 1; i <= total; i++)
		add(i);
	CU_ASSERT_EQUAL_FATAL(invalid_log_read(&ring, out, &skipped), INVALID_LOG_SIZE);
	for (unsigned int i = 0; i < INVALID_LOG_SIZE; i++)
		CU_ASSERT_EQUAL(out[i].when_ns, total - INVALID_LOG_SIZE + 1 + i);
	invalid_log_destroy(&ring);
}

/* A writer never waits: while the ring is held, records are skipped and
 * counted. */
static void test_busy_ring_skips(void)
{
	struct invalid_record out[INVALID_LOG_SIZE];
	uint64_t skipped;

	invalid_log_init(&ring);
	add(1);
	pthread_mutex_lock(&ring.lock);
	add(2);
	add(3);
	pthread_mutex_unlock(&ring.lock);
	CU_ASSERT_EQUAL(invalid_log_read(&ring, out, &skipped), 1);
	CU_ASSERT_EQUAL(skipped, 2);
	CU_ASSERT_EQUAL(out[0].when_ns, 1);
	invalid_log_destroy(&ring);
}

static const struct unit_test tests[] = {
	{ "empty", test_empty },
	{ "records in order", test_order_before_wrap },
	{ "wrap keeps the latest", test_wrap_keeps_latest },
	{ "a busy ring skips, never waits", test_busy_ring_skips },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "invalid_log", tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
