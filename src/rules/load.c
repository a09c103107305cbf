/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading the ruleset from the configuration: the address sets (inline or
 * from a file), the chains of the `filter` group and their rules
 * (load-rule.c), then the checks over the whole: jump loops (a depth-first
 * search over the jump/goto graph) and rules that can never be reached.
 * Every message carries its file and line; all of them are reported, and
 * the ruleset is only handed over when there was no error. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/rules_load.h"

/* Messages. */

void rules_report(struct rules_ctx *ctx, const char *file, unsigned int line,
		  bool warning, const char *fmt, ...)
{
	struct rules_msg *m;
	va_list ap;
	char *text;
	int ret;

	if (!warning)
		ctx->errors++;
	va_start(ap, fmt);
	ret = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (ret < 0)
		text = NULL;
	if (ctx->n_msgs == ctx->cap_msgs) {
		size_t cap = ctx->cap_msgs ? 2 * ctx->cap_msgs : 16;

		m = realloc(ctx->msgs, cap * sizeof(*m));
		if (!m) {
			/* No room to keep it: out of order beats lost. */
			if (ctx->err)
				fprintf(ctx->err, "%s:%u: %s\n", file, line,
					text ? text : "(out of memory)");
			free(text);
			return;
		}
		ctx->msgs = m;
		ctx->cap_msgs = cap;
	}
	ctx->msgs[ctx->n_msgs] = (struct rules_msg){
		.file = file, .line = line, .seq = ctx->n_msgs, .warning = warning,
		.text = text,
	};
	ctx->n_msgs++;
}

void rules_error(struct rules_ctx *ctx, const config_setting_t *s, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rules_report(ctx, ctx->path, config_setting_source_line(s), false, "%s", text);
}

static void rules_warning(struct rules_ctx *ctx, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rules_warning(struct rules_ctx *ctx, unsigned int line, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rules_report(ctx, ctx->path, line, true, "%s", text);
}

/* The configuration's own messages first, by line; then each set file's. */
static const char *rules_sort_path;

static int rules_msg_cmp(const void *a, const void *b)
{
	const struct rules_msg *x = a, *y = b;
	bool xo = x->file != rules_sort_path, yo = y->file != rules_sort_path;
	int c;

	if (xo != yo)
		return xo ? 1 : -1;
	if (xo && (c = strcmp(x->file, y->file)) != 0)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void rules_flush(struct rules_ctx *ctx)
{
	rules_sort_path = ctx->path;
	if (ctx->n_msgs)
		qsort(ctx->msgs, ctx->n_msgs, sizeof(*ctx->msgs), rules_msg_cmp);
	for (size_t i = 0; i < ctx->n_msgs; i++) {
		const struct rules_msg *m = &ctx->msgs[i];

		if (ctx->err)
			fprintf(ctx->err, "%s:%u: %s%s\n", m->file, m->line,
				m->warning ? "warning: " : "",
				m->text ? m->text : "(out of memory)");
		free(m->text);
	}
	free(ctx->msgs);
	if (ctx->err)
		fflush(ctx->err);
}

static const char *const rules_type_names[] = {
	[CONFIG_TYPE_NONE] = "nothing",
	[CONFIG_TYPE_GROUP] = "a group",
	[CONFIG_TYPE_INT] = "an integer",
	[CONFIG_TYPE_INT64] = "an integer",
	[CONFIG_TYPE_FLOAT] = "a float",
	[CONFIG_TYPE_STRING] = "a string",
	[CONFIG_TYPE_BOOL] = "a boolean",
	[CONFIG_TYPE_ARRAY] = "an array",
	[CONFIG_TYPE_LIST] = "a list",
};

const char *rules_type_name(const config_setting_t *s)
{
	unsigned int t = (unsigned int)config_setting_type(s);

	if (t < sizeof(rules_type_names) / sizeof(rules_type_names[0]) && rules_type_names[t])
		return rules_type_names[t];
	return "a value of unknown type";
}

/* Names of chains and sets: letters, digits, '_' and '-'. */
static bool rules_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len < RULES_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_-") == len;
}

/* Sets. */

static void rules_set_element(struct rules_ctx *ctx, struct rules_addrset *set,
			      const char *name, const char *text, const char *file,
			      unsigned int line)
{
	union pkt_addr a;
	uint8_t family, plen;

	if (rules_parse_addr(text, &family, &a, &plen, true) < 0)
		rules_report(ctx, file, line, false, "set '%s': bad address '%s'", name, text);
	else if (family != rules_addrset_family(set))
		rules_report(ctx, file, line, false, "set '%s': '%s' is not an IPv%u address",
			     name, text, rules_addrset_family(set));
	else if (rules_addrset_insert(set, &a, plen) < 0)
		rules_report(ctx, file, line, false, "set '%s': out of memory", name);
}

static void rules_set_inline(struct rules_ctx *ctx, struct rules_addrset *set,
			     const char *name, const config_setting_t *elems)
{
	int n;

	if (config_setting_type(elems) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(elems) != CONFIG_TYPE_LIST) {
		rules_error(ctx, elems, "set '%s': elements: expected an array [ ... ], got %s",
			    name, rules_type_name(elems));
		return;
	}
	n = config_setting_length(elems);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(elems, (unsigned int)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			rules_error(ctx, e, "set '%s': elements: expected strings, got %s",
				    name, rules_type_name(e));
		else
			rules_set_element(ctx, set, name, config_setting_get_string(e),
					  ctx->path, config_setting_source_line(e));
	}
}

/* One address or network a line; '#' starts a comment. The file's path is
 * kept for messages as long as the context lives (it is the setting's
 * string, owned by the configuration). */
static void rules_set_file(struct rules_ctx *ctx, struct rules_addrset *set,
			   const char *name, const config_setting_t *fs)
{
	const char *file = config_setting_get_string(fs);
	unsigned int line = 0;
	char buf[256];
	FILE *f;

	f = fopen(file, "re");
	if (!f) {
		rules_error(ctx, fs, "set '%s': cannot read '%s': %s", name, file,
			    strerror(errno));
		return;
	}
	while (fgets(buf, sizeof(buf), f)) {
		size_t len = strcspn(buf, "#\r\n");
		char *start = buf;

		line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			int c;

			rules_report(ctx, file, line, false, "set '%s': line too long", name);
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
			len--;
		buf[len] = '\0';
		start += strspn(start, " \t");
		if (*start)
			rules_set_element(ctx, set, name, start, file, line);
	}
	fclose(f);
}

static const char *rules_set_string(struct rules_ctx *ctx, const config_setting_t *g,
				    const char *key, bool required)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (!s) {
		if (required)
			rules_error(ctx, g, "set: '%s' is missing", key);
		return NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		rules_error(ctx, s, "set: %s: expected a string, got %s", key,
			    rules_type_name(s));
		return NULL;
	}
	return config_setting_get_string(s);
}

static void rules_load_set(struct rules_ctx *ctx, const config_setting_t *g)
{
	static const char *const keys[] = { "name", "type", "elements", "file", "comment", NULL };
	const config_setting_t *elems = config_setting_get_member(g, "elements");
	const config_setting_t *file = config_setting_get_member(g, "file");
	const char *name, *type;
	struct rules_addrset *set;
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned int)i);
		const char *const *k;

		for (k = keys; *k && strcmp(*k, config_setting_name(s)); k++)
			;
		if (!*k)
			rules_error(ctx, s, "unknown key '%s' in a set", config_setting_name(s));
	}
	name = rules_set_string(ctx, g, "name", true);
	type = rules_set_string(ctx, g, "type", true);
	if (!name || !type)
		return;
	if (!rules_name_ok(name)) {
		rules_error(ctx, g, "set: bad name '%s' (letters, digits, '_', '-'; "
			    "at most %d)", name, RULES_NAME_MAX - 1);
		return;
	}
	if (rules_addrset_find(ctx->rs, name)) {
		rules_error(ctx, g, "set '%s' is defined twice", name);
		return;
	}
	if (strcmp(type, "ipv4_addr") && strcmp(type, "ipv6_addr")) {
		rules_error(ctx, config_setting_get_member(g, "type"),
			    "set '%s': unknown type '%s' (ipv4_addr or ipv6_addr)", name, type);
		return;
	}
	if (!elems == !file) {
		rules_error(ctx, g, "set '%s': needs one of 'elements' and 'file'", name);
		return;
	}
	if (file && config_setting_type(file) != CONFIG_TYPE_STRING) {
		rules_error(ctx, file, "set '%s': file: expected a string, got %s", name,
			    rules_type_name(file));
		return;
	}
	set = rules_addrset_add(ctx->rs, name, type[3] == '4' ? 4 : 6);
	if (!set) {
		rules_error(ctx, g, "set '%s': out of memory", name);
		return;
	}
	if (elems)
		rules_set_inline(ctx, set, name, elems);
	else
		rules_set_file(ctx, set, name, file);
}

static void rules_load_sets(struct rules_ctx *ctx, const config_setting_t *list)
{
	int n;

	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		rules_error(ctx, list, "sets: expected a list ( { ... }, ... ), got %s",
			    rules_type_name(list));
		return;
	}
	n = config_setting_length(list);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);

		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			rules_error(ctx, g, "sets: a set is a group { ... }, got %s",
				    rules_type_name(g));
		else
			rules_load_set(ctx, g);
	}
}

/* Chains. */

static bool rules_is_base(enum rules_table table, const char *name)
{
	if (table == RULES_TABLE_NAT)
		return !strcmp(name, "prerouting") || !strcmp(name, "postrouting") ||
		       !strcmp(name, "output") || !strcmp(name, "input");
	return !strcmp(name, "input") || !strcmp(name, "forward") || !strcmp(name, "output");
}

/* First pass: every chain exists before any rule names one. */
static void rules_declare_chains(struct rules_ctx *ctx, const config_setting_t *filter,
				 enum rules_table table)
{
	int n = config_setting_length(filter);

	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(filter, (unsigned int)i);
		const char *name = config_setting_name(g);

		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			rules_error(ctx, g, "chain '%s': expected a group { ... }, got %s",
				    name, rules_type_name(g));
		else if (!rules_name_ok(name))
			rules_error(ctx, g, "bad chain name '%s' (at most %d characters)",
				    name, RULES_NAME_MAX - 1);
		else if (!rules_chain_add_in(ctx->rs, table, name, rules_is_base(table, name),
					     RULES_ACCEPT))
			rules_error(ctx, g, "chain '%s': out of memory", name);
	}
}

static void rules_load_policy(struct rules_ctx *ctx, const config_setting_t *s,
			      struct rules_chain *c)
{
	const char *v;

	if (c->table == RULES_TABLE_NAT) {
		rules_error(ctx, s, "nat chain '%s': nat chains have no policy (a packet no "
			    "rule translates goes on as it is)", c->name);
		return;
	}
	if (!c->base) {
		rules_error(ctx, s, "chain '%s': only base chains (input, forward, output) "
			    "have a policy", c->name);
		return;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		rules_error(ctx, s, "chain '%s': policy: expected a string, got %s", c->name,
			    rules_type_name(s));
		return;
	}
	v = config_setting_get_string(s);
	if (!strcmp(v, "accept"))
		c->policy = RULES_ACCEPT;
	else if (!strcmp(v, "drop"))
		c->policy = RULES_DROP;
	else
		rules_error(ctx, s, "chain '%s': unknown policy '%s' (accept or drop)",
			    c->name, v);
}

static void rules_load_rules(struct rules_ctx *ctx, const config_setting_t *list,
			     struct rules_chain *c)
{
	int n;

	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		rules_error(ctx, list, "chain '%s': rules: expected a list ( { ... }, ... ), "
			    "got %s", c->name, rules_type_name(list));
		return;
	}
	n = config_setting_length(list);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);
		struct rules_rule r;

		if (rules_parse_rule(ctx, g, c, &r) == 0 && rules_chain_append(c, &r) < 0)
			rules_error(ctx, g, "out of memory");
	}
}

static void rules_load_chain(struct rules_ctx *ctx, const config_setting_t *g,
			     struct rules_chain *c)
{
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned int)i);
		const char *key = config_setting_name(s);

		if (!strcmp(key, "policy"))
			rules_load_policy(ctx, s, c);
		else if (!strcmp(key, "rules"))
			rules_load_rules(ctx, s, c);
		else if (strcmp(key, "comment"))
			rules_error(ctx, s, "chain '%s': unknown key '%s' (policy, rules, "
				    "comment)", c->name, key);
	}
}

/* Jump loops: depth-first search over jump and goto edges; a rule whose
 * target is on the current path closes a loop. */
enum { RULES_WHITE, RULES_GREY, RULES_BLACK };

struct rules_dfs {
	struct rules_ctx *ctx;
	unsigned char *colour;
	const struct rules_chain **path;
	size_t depth;
};

static size_t rules_chain_pos(const struct rules_set *rs, const struct rules_chain *c)
{
	size_t i = 0;

	while (rules_chain_at(rs, i) != c)
		i++;
	return i;
}

static void rules_loop_report(struct rules_dfs *d, const struct rules_rule *r)
{
	char text[256] = "";
	size_t used = 0, from = 0;

	while (d->path[from] != r->target)
		from++;
	for (size_t i = from; i < d->depth && used < sizeof(text); i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s -> ",
					 d->path[i]->name);
	if (used < sizeof(text))
		snprintf(text + used, sizeof(text) - used, "%s", r->target->name);
	rules_report(d->ctx, d->ctx->path, r->line, false, "jump loop: %s", text);
}

static void rules_dfs_visit(struct rules_dfs *d, const struct rules_chain *c)
{
	size_t pos = rules_chain_pos(d->ctx->rs, c);

	d->colour[pos] = RULES_GREY;
	d->path[d->depth++] = c;
	for (uint32_t i = 0; i < c->n_rules; i++) {
		const struct rules_rule *r = &c->rules[i];
		size_t t;

		if (r->action != RULES_ACT_JUMP && r->action != RULES_ACT_GOTO)
			continue;
		t = rules_chain_pos(d->ctx->rs, r->target);
		if (d->colour[t] == RULES_GREY)
			rules_loop_report(d, r);
		else if (d->colour[t] == RULES_WHITE)
			rules_dfs_visit(d, r->target);
	}
	d->depth--;
	d->colour[pos] = RULES_BLACK;
}

static void rules_check_loops(struct rules_ctx *ctx)
{
	size_t n = rules_chain_count(ctx->rs);
	struct rules_dfs d = { .ctx = ctx };

	d.colour = calloc(n ? n : 1, 1);
	d.path = calloc(n ? n : 1, sizeof(*d.path));
	if (!d.colour || !d.path) {
		rules_report(ctx, ctx->path, 0, false, "out of memory");
		goto out_free;
	}
	for (size_t i = 0; i < n; i++)
		if (d.colour[i] == RULES_WHITE)
			rules_dfs_visit(&d, rules_chain_at(ctx->rs, i));
out_free:
	free(d.colour);
	free(d.path);
}

/* A rule without matches whose action always ends the chain hides every
 * rule after it: a warning, once per chain. */
static void rules_check_unreachable(struct rules_ctx *ctx, const struct rules_chain *c)
{
	for (uint32_t i = 0; i + 1 < c->n_rules; i++) {
		const struct rules_rule *r = &c->rules[i];

		if (r->m.has || r->action == RULES_ACT_CONTINUE || r->action == RULES_ACT_JUMP)
			continue;
		rules_warning(ctx, c->rules[i + 1].line, "chain '%s': rule is unreachable "
			      "(the rule at line %u always ends the chain)", c->name, r->line);
		return;
	}
}

/* The chains of GROUP (the `filter` or `nat` group) in TABLE. */
static void rules_load_group(struct rules_ctx *ctx, const config_setting_t *group,
			     enum rules_table table)
{
	if (config_setting_type(group) != CONFIG_TYPE_GROUP) {
		rules_error(ctx, group, "%s: expected a group { ... }, got %s",
			    config_setting_name(group), rules_type_name(group));
		return;
	}
	rules_declare_chains(ctx, group, table);
	for (size_t i = 0; i < rules_chain_count(ctx->rs); i++) {
		struct rules_chain *c = rules_chain_at(ctx->rs, i);

		if (c->table != table)
			continue;
		rules_load_chain(ctx, config_setting_get_member(group, c->name), c);
		rules_check_unreachable(ctx, c);
	}
}

int rules_load_all(struct rules_set **out, const config_setting_t *filter_group,
		   const config_setting_t *nat_group, const config_setting_t *sets_list,
		   const char *path, FILE *err)
{
	struct rules_ctx ctx = { .path = path, .err = err };
	int errors;

	ctx.rs = rules_set_new();
	if (!ctx.rs) {
		if (err)
			fprintf(err, "%s: out of memory\n", path);
		return 1;
	}
	if (sets_list)
		rules_load_sets(&ctx, sets_list);
	if (filter_group)
		rules_load_group(&ctx, filter_group, RULES_TABLE_FILTER);
	if (nat_group)
		rules_load_group(&ctx, nat_group, RULES_TABLE_NAT);
	rules_check_loops(&ctx);
	if (ctx.errors == 0 && rules_compile(ctx.rs) < 0)
		rules_report(&ctx, path, 0, false, "out of memory");
	errors = ctx.errors;
	rules_flush(&ctx);
	if (errors) {
		rules_set_free(ctx.rs);
		return errors;
	}
	*out = ctx.rs;
	return 0;
}

int rules_load(struct rules_set **out, const config_setting_t *filter_group,
	       const config_setting_t *sets_list, const char *path, FILE *err)
{
	return rules_load_all(out, filter_group, NULL, sets_list, path, err);
}
