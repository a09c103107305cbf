/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The `rules` command: every chain of the running ruleset with its rules
 * and counters, as `iptables -L -v -n` shows them, in the configuration's
 * own words (and the line each rule came from). */
#include "config.h"

#include <inttypes.h>

#include "nfqfw/ctl_cmd.h"
#include "nfqfw/ct.h"
#include "nfqfw/filter.h"
#include "nfqfw/rules_print.h"

/* A rule's text: matches and action. Long enough for the longest rule
 * (15 port ranges, two IPv6 networks, both interfaces, a log prefix and
 * every limit and connlimit key: about 1,100 bytes). */
#define CTL_RULE_TEXT_MAX 1536

static void ctl_rule_text(const struct rules_rule *r, char *buf, size_t size)
{
	int n = rules_format_match(r, buf, size);

	if (n < 0 || (size_t)n >= size - 1)
		return;
	if (n > 0)
		buf[n++] = ' ';
	rules_format_action(r, buf + n, size - (size_t)n);
}

static uint64_t ctl_load(const _Atomic uint64_t *c)
{
	return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

static void ctl_rules_text_chain(struct ctl_buf *b, const struct rules_chain *c)
{
	char text[CTL_RULE_TEXT_MAX];

	if (c->base)
		ctl_buf_printf(b, "chain %s (policy %s %" PRIu64 " packets, %" PRIu64 " bytes)\n",
			       c->name, rules_verdict_name(c->policy),
			       ctl_load(&c->policy_packets), ctl_load(&c->policy_bytes));
	else
		ctl_buf_printf(b, "chain %s\n", c->name);
	ctl_buf_printf(b, "%10s %12s %6s  %s\n", "pkts", "bytes", "line", "rule");
	for (uint32_t i = 0; i < c->n_rules; i++) {
		const struct rules_rule *r = &c->rules[i];

		ctl_rule_text(r, text, sizeof(text));
		ctl_buf_printf(b, "%10" PRIu64 " %12" PRIu64 " %6u  ", ctl_load(&r->packets),
			       ctl_load(&r->bytes), r->line);
		ctl_buf_put_safe(b, text);
		ctl_buf_puts(b, "\n");
	}
}

static void ctl_rules_text(struct ctl_buf *b, const struct rules_set *rs)
{
	if (!rs || rules_chain_count(rs) == 0) {
		ctl_buf_puts(b, "no filter rules: every packet conntrack lets through is accepted\n");
		return;
	}
	for (size_t i = 0; i < rules_chain_count(rs); i++) {
		if (i)
			ctl_buf_puts(b, "\n");
		ctl_rules_text_chain(b, rules_chain_at(rs, i));
	}
}

static void ctl_rules_json_chain(struct ctl_json *j, const struct rules_chain *c)
{
	char text[CTL_RULE_TEXT_MAX];

	ctl_json_object_begin(j, NULL);
	ctl_json_str(j, "name", c->name);
	if (c->base) {
		ctl_json_str(j, "policy", rules_verdict_name(c->policy));
		ctl_json_u64(j, "policy_packets", ctl_load(&c->policy_packets));
		ctl_json_u64(j, "policy_bytes", ctl_load(&c->policy_bytes));
	}
	ctl_json_array_begin(j, "rules");
	for (uint32_t i = 0; i < c->n_rules; i++) {
		const struct rules_rule *r = &c->rules[i];

		ctl_json_object_begin(j, NULL);
		ctl_json_u64(j, "line", r->line);
		ctl_json_u64(j, "packets", ctl_load(&r->packets));
		ctl_json_u64(j, "bytes", ctl_load(&r->bytes));
		rules_format_match(r, text, sizeof(text));
		ctl_json_str(j, "match", text);
		rules_format_action(r, text, sizeof(text));
		ctl_json_str(j, "action", text);
		ctl_json_object_end(j);
	}
	ctl_json_array_end(j);
	ctl_json_object_end(j);
}

static void ctl_rules_json(struct ctl_buf *b, const struct rules_set *rs)
{
	struct ctl_json j;

	ctl_json_init(&j, b);
	ctl_json_object_begin(&j, NULL);
	ctl_json_array_begin(&j, "chains");
	for (size_t i = 0; rs && i < rules_chain_count(rs); i++)
		ctl_rules_json_chain(&j, rules_chain_at(rs, i));
	ctl_json_array_end(&j);
	ctl_json_object_end(&j);
	ctl_json_finish(&j);
}

int ctl_cmd_rules(struct ctl_call *call)
{
	const struct filter_rules *fr;

	if (!call->ctx->filter)
		return ctl_call_fail(call, CTL_EXIT_FAILURE, "this daemon has no filter stage");
	/* The ruleset cannot be freed by a reload while we read it. */
	ct_read_lock();
	fr = filter_current(call->ctx->filter);
	if (call->format == CTL_FORMAT_JSON)
		ctl_rules_json(call->body, fr ? fr->rs : NULL);
	else
		ctl_rules_text(call->body, fr ? fr->rs : NULL);
	ct_read_unlock();
	return CTL_EXIT_OK;
}
