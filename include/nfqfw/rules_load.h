/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the rules loader: the message collector (every problem, with its
 * file and line, reported at once and sorted) and the rule parser that
 * load.c calls for each `{ ... }` of a chain's rules. */
#ifndef NFQFW_RULES_LOAD_H
#define NFQFW_RULES_LOAD_H

#include <libconfig.h>

#include "nfqfw/rules_internal.h"

struct rules_msg {
	const char *file;     /* the configuration or a set's file */
	unsigned int line;
	size_t seq;
	bool warning;
	char *text;
};

struct rules_ctx {
	const char *path;
	FILE *err;
	int errors;
	struct rules_msg *msgs;
	size_t n_msgs, cap_msgs;
	struct rules_set *rs;
};

void rules_report(struct rules_ctx *ctx, const char *file, unsigned int line,
		  bool warning, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* An error at setting S of the configuration. */
void rules_error(struct rules_ctx *ctx, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "a string", "an integer", ...: for "expected X, got Y". */
const char *rules_type_name(const config_setting_t *s);

/* load-nat.c: "N" or "N-M" ports; a NAT action's `to`. On error -EINVAL
 * and *WHY says what is wrong. */
int rules_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi);
int rules_parse_nat_to(const char *s, struct rules_nat *nat, const char **why);

/* Parses one rule group G of CHAIN into R (the target chain resolved).
 * Returns 0, or -EINVAL once every problem of it is reported. */
int rules_parse_rule(struct rules_ctx *ctx, const config_setting_t *g,
		     const struct rules_chain *chain, struct rules_rule *r);

#endif
