/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `reload`: the same as SIGHUP, but the caller learns the outcome: a file
 * with errors is refused (the running configuration stays) and the first
 * error comes back on the status line, so scripts can stop there. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nfqfw/ctl_cmd.h"

int ctl_cmd_reload(struct ctl_call *call)
{
	char *errors = NULL;
	int nerr, ret;

	if (!call->ctx->reload)
		return ctl_call_fail(call, CTL_EXIT_FAILURE, "this daemon cannot reload");
	nerr = call->ctx->reload(call->ctx->reload_arg, &errors);
	if (nerr != 0) {
		char *nl = errors ? strchr(errors, '\n') : NULL;

		if (nl)
			*nl = '\0';
		if (nerr < 0)
			ret = ctl_call_fail(call, CTL_EXIT_FAILURE, "reload failed: %s",
					    strerror(-nerr));
		else
			ret = ctl_call_fail(call, CTL_EXIT_FAILURE,
					    "reload refused, the running configuration stays: %s%s",
					    errors && errors[0] ? errors : "errors in the file",
					    nerr > 1 ? " (and more: see nfqfwd -t)" : "");
		free(errors);
		return ret;
	}
	free(errors);
	if (call->format == CTL_FORMAT_JSON) {
		struct ctl_json j;

		ctl_json_init(&j, call->body);
		ctl_json_object_begin(&j, NULL);
		ctl_json_bool(&j, "reloaded", true);
		ctl_json_str(&j, "config", call->ctx->conf_path);
		ctl_json_object_end(&j);
		ctl_json_finish(&j);
	} else {
		ctl_buf_printf(call->body, "configuration reloaded from %s\n",
			       call->ctx->conf_path ? call->ctx->conf_path : "?");
	}
	return CTL_EXIT_OK;
}
