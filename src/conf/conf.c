/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading the configuration: read the file, pre-scan it, let libconfig
 * parse it, then walk the tree against the schema (conf-schema.c) into a
 * scratch copy that replaces the caller's only when nothing was wrong. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf-internal.h"
#include "nfqfw/rules.h"

void conf_defaults(struct nfqfw_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->queue = (struct conf_queue){
		.first = 0,
		.count = 1,
		.fail_open = false,
		.accept_when_full = false,
		.max_len = 4096,
		.socket_buffer = 8u * 1024 * 1024,
		.pass_mark = 0x00100000,
		.state_mark = 0x00e00000,
	};
	conf->packet.malformed = CONF_VERDICT_DROP;
	strcpy(conf->nftables.table, "nfqfw");
	strcpy(conf->control.socket, "/run/nfqfw/nfqfw.sock");
	conf->control.mode = 0600;
	conf->log.level = LOG_INFO;
	ct_settings_defaults(&conf->conntrack.ct);
	conf->conntrack.invalid = CONF_VERDICT_DROP;
}

/* Reads the whole file, NUL-terminated. Returns 0 or a negative errno. */
static int conf_read_text(const char *path, char **text, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (!buf || n == cap) {
			char *bigger;

			if (buf && cap > CONF_MAX_BYTES) {
				ret = -EFBIG;
				goto err_free_buf;
			}
			if (buf)
				cap = 2 * cap > CONF_MAX_BYTES ? CONF_MAX_BYTES + 1 : 2 * cap;
			bigger = realloc(buf, cap + 1);
			if (!bigger) {
				ret = -ENOMEM;
				goto err_free_buf;
			}
			buf = bigger;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto err_free_buf;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;

err_free_buf:
	free(buf);
	close(fd);
	return ret;
}

/* The generic part of the checker: type, range, enum names. */

static const char *const conf_type_names[] = {
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

static const char *conf_type_name(const config_setting_t *s)
{
	unsigned int type = (unsigned int)config_setting_type(s);

	if (type < sizeof(conf_type_names) / sizeof(conf_type_names[0]) &&
	    conf_type_names[type])
		return conf_type_names[type];
	return "a value of unknown type";
}

static void conf_format_int(char *buf, size_t size, int64_t v, bool hex)
{
	if (!hex)
		snprintf(buf, size, "%" PRId64, v);
	else if (v < 0)
		snprintf(buf, size, "-0x%" PRIx64, -(uint64_t)v);
	else
		snprintf(buf, size, "0x%" PRIx64, (uint64_t)v);
}

static int conf_read_bool(struct conf_ctx *ctx, const struct conf_key *key,
			  struct conf_item *item)
{
	(void)ctx;
	(void)key;
	item->value.b = config_setting_get_bool(item->setting);
	return 0;
}

static int conf_read_int(struct conf_ctx *ctx, const struct conf_key *key,
			 struct conf_item *item)
{
	const config_setting_t *s = item->setting;
	bool hex = config_setting_get_format(s) == CONFIG_FORMAT_HEX;
	char v[32], min[32], max[32];
	int64_t i;

	/* The pre-scan reported a literal libconfig cannot hold. */
	if (conf_is_bad_int_line(ctx, config_setting_source_line(s)))
		return -EINVAL;
	if (config_setting_type(s) == CONFIG_TYPE_INT64)
		i = config_setting_get_int64(s);
	else if (hex)   /* a 32-bit hex literal is a bit pattern: 0xffffffff */
		i = (uint32_t)config_setting_get_int(s);
	else
		i = config_setting_get_int(s);
	item->value.i = i;
	if (i >= key->min && i <= key->max)
		return 0;
	conf_format_int(v, sizeof(v), i, hex);
	conf_format_int(min, sizeof(min), key->min, hex);
	conf_format_int(max, sizeof(max), key->max, hex);
	conf_report_at(ctx, s, "%s: %s is out of range (%s..%s)", item->path, v, min, max);
	return -EINVAL;
}

static int conf_read_string(struct conf_ctx *ctx, const struct conf_key *key,
			    struct conf_item *item)
{
	(void)ctx;
	(void)key;
	item->value.s = config_setting_get_string(item->setting);
	return 0;
}

static int conf_read_enum(struct conf_ctx *ctx, const struct conf_key *key,
			  struct conf_item *item)
{
	const char *s = config_setting_get_string(item->setting);
	char quoted[80], allowed[256] = "";
	size_t used = 0;

	for (const struct conf_enum_name *n = key->names; n->name; n++) {
		if (strcmp(s, n->name) == 0) {
			item->value.i = n->value;
			return 0;
		}
		used += (size_t)snprintf(allowed + used, sizeof(allowed) - used, "%s%s",
					 n == key->names ? "" : ", ", n->name);
		if (used >= sizeof(allowed))
			used = sizeof(allowed) - 1;
	}
	conf_quote(quoted, sizeof(quoted), s, strlen(s));
	conf_report_at(ctx, item->setting, "%s: unknown value '%s' (allowed: %s)",
		       item->path, quoted, allowed);
	return -EINVAL;
}

#define CONF_TYPE_BIT(t) (1u << (t))

static const struct {
	const char *expected;
	unsigned int types;     /* CONF_TYPE_BIT()s libconfig may give */
	int (*read)(struct conf_ctx *ctx, const struct conf_key *key,
		    struct conf_item *item);
} conf_kinds[] = {
	[CONF_BOOL] = { "a boolean", CONF_TYPE_BIT(CONFIG_TYPE_BOOL), conf_read_bool },
	[CONF_INT] = { "an integer",
		       CONF_TYPE_BIT(CONFIG_TYPE_INT) | CONF_TYPE_BIT(CONFIG_TYPE_INT64),
		       conf_read_int },
	[CONF_STRING] = { "a string", CONF_TYPE_BIT(CONFIG_TYPE_STRING), conf_read_string },
	[CONF_ENUM] = { "a string", CONF_TYPE_BIT(CONFIG_TYPE_STRING), conf_read_enum },
};

static void conf_apply_key(struct conf_ctx *ctx, const struct conf_section *sec,
			   const struct conf_key *key, const config_setting_t *s,
			   struct nfqfw_conf *conf)
{
	char path[128];
	struct conf_item item = { .setting = s, .path = path };

	snprintf(path, sizeof(path), "%s.%s", sec->name, key->name);
	if (!(conf_kinds[key->kind].types & CONF_TYPE_BIT(config_setting_type(s)))) {
		conf_report_at(ctx, s, "%s: expected %s, got %s", path,
			       conf_kinds[key->kind].expected, conf_type_name(s));
		return;
	}
	if (conf_kinds[key->kind].read(ctx, key, &item) < 0)
		return;
	key->set(ctx, &item, (char *)conf + key->offset);
}

/* Unknown names: say so, with the closest known name when it is near. */

struct conf_guess {
	const char *name;
	unsigned int distance;
};

static void conf_consider(struct conf_guess *g, const char *name, const char *known)
{
	unsigned int d = conf_edit_distance(name, known);

	/* Within 2 edits, and not a rewrite of the whole (short) name. */
	if (d <= 2 && d < strlen(name) && d < g->distance) {
		g->name = known;
		g->distance = d;
	}
}

static void conf_unknown(struct conf_ctx *ctx, const config_setting_t *s,
			 const char *what, const char *in, const struct conf_guess *g)
{
	const char *name = config_setting_name(s);
	char quoted[80], hint[96] = "";

	conf_quote(quoted, sizeof(quoted), name, strlen(name));
	if (g->name)
		snprintf(hint, sizeof(hint), " (did you mean '%s'?)", g->name);
	conf_report_at(ctx, s, "unknown %s '%s'%s%s", what, quoted, in, hint);
}

static void conf_walk_section(struct conf_ctx *ctx, const struct conf_section *sec,
			      const config_setting_t *group, struct nfqfw_conf *conf)
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned int)i);
		const char *name = config_setting_name(s);
		struct conf_guess guess = { NULL, CONF_DISTANCE_MAX };
		const struct conf_key *key;
		char in[96];

		for (key = sec->keys; key->name; key++)
			if (strcmp(name, key->name) == 0)
				break;
		if (key->name) {
			conf_apply_key(ctx, sec, key, s, conf);
			continue;
		}
		for (key = sec->keys; key->name; key++)
			conf_consider(&guess, name, key->name);
		snprintf(in, sizeof(in), " in section '%s'", sec->name);
		conf_unknown(ctx, s, "key", in, &guess);
	}
	if (sec->check)
		sec->check(ctx, group, conf);
}

/* The rules: the `filter` and `nat` groups and the `sets` list, which the
 * rules loader checks (src/rules/load.c). */
struct conf_rules_src {
	const config_setting_t *filter, *nat, *sets, *helpers;
};

static const char *const conf_rules_sections[] = { "filter", "nat", "sets", "helpers", NULL };

static bool conf_take_rules_section(const config_setting_t *s,
				    struct conf_rules_src *src)
{
	const char *name = config_setting_name(s);

	if (strcmp(name, "filter") == 0)
		src->filter = s;
	else if (strcmp(name, "nat") == 0)
		src->nat = s;
	else if (strcmp(name, "sets") == 0)
		src->sets = s;
	else if (strcmp(name, "helpers") == 0)
		src->helpers = s;
	else
		return false;
	return true;
}

static void conf_walk(struct conf_ctx *ctx, const config_setting_t *root,
		      struct nfqfw_conf *conf, struct conf_rules_src *src)
{
	int n = config_setting_length(root);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned int)i);
		const char *name = config_setting_name(s);
		struct conf_guess guess = { NULL, CONF_DISTANCE_MAX };
		const struct conf_section *sec;

		if (conf_take_rules_section(s, src))
			continue;
		for (sec = conf_schema; sec->name; sec++)
			if (strcmp(name, sec->name) == 0)
				break;
		if (!sec->name) {
			for (sec = conf_schema; sec->name; sec++)
				conf_consider(&guess, name, sec->name);
			for (const char *const *r = conf_rules_sections; *r; r++)
				conf_consider(&guess, name, *r);
			conf_unknown(ctx, s, "section", "", &guess);
		} else if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			conf_report_at(ctx, s, "%s: expected a group { ... }, got %s",
				       sec->name, conf_type_name(s));
		} else {
			conf_walk_section(ctx, sec, s, conf);
		}
	}
}

/* A reject is sent from the daemon's own raw sockets with the pass mark,
 * which is how the daemon knows its own packets at the output hook. */
static int conf_check_rules(const struct nfqfw_conf *conf, FILE *err)
{
	const struct rules_set *rs = conf->rules;

	if (!rs || conf->queue.pass_mark)
		return 0;
	for (size_t c = 0; c < rules_chain_count(rs); c++) {
		const struct rules_chain *chain = rules_chain_at(rs, c);

		for (uint32_t i = 0; i < chain->n_rules; i++) {
			if (chain->rules[i].action != RULES_ACT_REJECT)
				continue;
			if (err)
				fprintf(err, "%s:%u: action \"reject\" needs queue.pass_mark "
					"(it marks the daemon's own rejects)\n",
					conf->path, chain->rules[i].line);
			return 1;
		}
	}
	return 0;
}

/* Parses the pre-scanned TEXT, checks it into CONF and loads the rules.
 * Returns the number of errors. */
static int conf_parse(struct conf_ctx *ctx, const char *text, struct nfqfw_conf *conf)
{
	struct conf_rules_src src = { NULL, NULL, NULL, NULL };
	int errors;
	config_t cf;

	config_init(&cf);
	if (config_read_string(&cf, text) == CONFIG_TRUE) {
		conf_walk(ctx, config_root_setting(&cf), conf, &src);
		/* SYN_SENT2 (simultaneous open) has no key of its own: like
		 * the kernel, it uses the SYN_SENT timeout. */
		conf->conntrack.ct.tcp_timeout[CT_TCP_SYN_SENT2] =
			conf->conntrack.ct.tcp_timeout[CT_TCP_SYN_SENT];
	} else
		conf_report(ctx, (unsigned int)config_error_line(&cf), "%s",
			    config_error_text(&cf) ? config_error_text(&cf) : "syntax error");
	errors = conf_flush(ctx);
	errors += alg_config_load(&conf->helpers, src.helpers, ctx->path, ctx->err);
	if (src.filter || src.nat || src.sets) {
		errors += rules_load_all(&conf->rules, src.filter, src.nat, src.sets,
					 ctx->path, ctx->err);
		errors += conf_check_rules(conf, ctx->err);
	}
	config_destroy(&cf);
	return errors;
}

void conf_release(struct nfqfw_conf *conf)
{
	rules_set_free(conf->rules);
	conf->rules = NULL;
}

int conf_load(struct nfqfw_conf *conf, const char *path, FILE *err)
{
	struct conf_ctx ctx = { .path = path, .err = err };
	struct nfqfw_conf tmp;
	char *text = NULL, *scanned = NULL;
	size_t len = 0;
	int ret, errors;

	conf_defaults(&tmp);
	if (strlen(path) >= sizeof(tmp.path))
		ret = -ENAMETOOLONG;
	else
		ret = conf_read_text(path, &text, &len);
	if (ret < 0) {
		conf_report(&ctx, 0, "cannot read: %s", strerror(-ret));
		return conf_flush(&ctx);
	}
	strcpy(tmp.path, path);
	if (conf_prescan(&ctx, text, len, &scanned) < 0) {
		conf_report(&ctx, 0, "cannot check: %s", strerror(ENOMEM));
		errors = conf_flush(&ctx);
	} else {
		errors = conf_parse(&ctx, scanned, &tmp);
	}
	free(scanned);
	free(text);
	if (errors == 0)
		*conf = tmp;
	else
		conf_release(&tmp);
	return errors;
}
