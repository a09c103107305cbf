/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `reload` over the control protocol, with a fake daemon behind it: the
 * outcome and the first error reach the caller. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-check.h"
#include "nfqfw/ctl_cmd.h"
#include "unit.h"

static struct ctl_context ctx;
static struct ctl_buf reply;
static int calls;
static int fake_result;
static const char *fake_errors;

static int fake_reload(void *arg, char **errors)
{
	calls++;
	CU_ASSERT_PTR_EQUAL(arg, &ctx);
	*errors = fake_errors ? strdup(fake_errors) : NULL;
	return fake_result;
}

static int request(const char *line)
{
	ctl_buf_reset(&reply);
	return ctl_handle_request(&ctx, line, strlen(line), &reply);
}

static void setup(int result, const char *errors)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf_path = "/etc/nfqfw/nfqfw.conf";
	ctx.reload = fake_reload;
	ctx.reload_arg = &ctx;
	calls = 0;
	fake_result = result;
	fake_errors = errors;
	ctl_buf_init(&reply, CTL_REPLY_MAX);
}

static void test_reload_ok(void)
{
	setup(0, NULL);
	CU_ASSERT_EQUAL(request("text reload"), CTL_EXIT_OK);
	CU_ASSERT_STRING_EQUAL(reply.data, "OK\nconfiguration reloaded from /etc/nfqfw/nfqfw.conf\n");
	CU_ASSERT_EQUAL(request("json reload"), CTL_EXIT_OK);
	CU_ASSERT_TRUE(json_valid(reply.data + 3));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply.data, "\"reloaded\":true"));
	CU_ASSERT_EQUAL(calls, 2);
	ctl_buf_free(&reply);
}

static void test_reload_refused(void)
{
	setup(2, "/etc/nfqfw/nfqfw.conf:7: unknown key 'fail_opn' in section 'queue'\n"
		 "/etc/nfqfw/nfqfw.conf:9: queue.count: 0 is out of range\n");
	CU_ASSERT_EQUAL(request("text reload"), CTL_EXIT_FAILURE);
	CU_ASSERT_STRING_EQUAL(reply.data,
			       "ERR 1 reload refused, the running configuration stays: "
			       "/etc/nfqfw/nfqfw.conf:7: unknown key 'fail_opn' in section "
			       "'queue' (and more: see nfqfwd -t)\n");
	ctl_buf_free(&reply);
	setup(1, "/etc/nfqfw/nfqfw.conf:3: syntax error\n");
	CU_ASSERT_EQUAL(request("text reload"), CTL_EXIT_FAILURE);
	CU_ASSERT_STRING_EQUAL(reply.data,
			       "ERR 1 reload refused, the running configuration stays: "
			       "/etc/nfqfw/nfqfw.conf:3: syntax error\n");
	ctl_buf_free(&reply);
}

static void test_reload_internal_error_and_none(void)
{
	setup(-ENOMEM, NULL);
	CU_ASSERT_EQUAL(request("text reload"), CTL_EXIT_FAILURE);
	CU_ASSERT_PTR_NOT_NULL(strstr(reply.data, "reload failed: Cannot allocate memory"));
	ctx.reload = NULL;
	CU_ASSERT_EQUAL(request("text reload"), CTL_EXIT_FAILURE);
	CU_ASSERT_PTR_NOT_NULL(strstr(reply.data, "cannot reload"));
	CU_ASSERT_EQUAL(request("text reload now"), CTL_EXIT_USAGE);
	ctl_buf_free(&reply);
}

static const struct unit_test tests[] = {
	{ "a good file reloads", test_reload_ok },
	{ "a bad file is refused with its first error", test_reload_refused },
	{ "internal errors and no reload support", test_reload_internal_error_and_none },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "ctl reload", tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
