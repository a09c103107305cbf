/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names for the counters' dimensions. */
#include "config.h"

#include "nfqfw/stats.h"

static const char *const stats_hook_names[STATS_HOOK_COUNT] = {
	[STATS_HOOK_PREROUTING] = "prerouting",
	[STATS_HOOK_INPUT] = "input",
	[STATS_HOOK_FORWARD] = "forward",
	[STATS_HOOK_OUTPUT] = "output",
	[STATS_HOOK_POSTROUTING] = "postrouting",
};

const char *stats_hook_name(enum stats_hook hook)
{
	if ((unsigned int)hook >= STATS_HOOK_COUNT)
		return "unknown";
	return stats_hook_names[hook];
}
