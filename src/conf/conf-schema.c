/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The schema of the configuration file: every section, every key with its
 * type, range and setter. Adding a key is one row here (and one line in
 * etc/nfqfw.conf and man/nfqfw.conf.5); the checker in conf.c is generic. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>

#include "conf-internal.h"
#include "nfqfw/account.h"

#define CONF_OFFSET(member) offsetof(struct nfqfw_conf, member)
#define CONF_FIELD_SIZE(member) sizeof(((struct nfqfw_conf *)NULL)->member)

/* Value setters. The generic checker has already checked the type, the
 * range (which each row keeps within its field's type) and enum names. */

static int conf_set_bool(struct conf_ctx *ctx, const struct conf_item *item,
			 void *field)
{
	(void)ctx;
	*(bool *)field = item->value.b;
	return 0;
}

static int conf_set_u16(struct conf_ctx *ctx, const struct conf_item *item,
			void *field)
{
	(void)ctx;
	*(uint16_t *)field = (uint16_t)item->value.i;
	return 0;
}

static int conf_set_u32(struct conf_ctx *ctx, const struct conf_item *item,
			void *field)
{
	(void)ctx;
	*(uint32_t *)field = (uint32_t)item->value.i;
	return 0;
}

static int conf_set_int(struct conf_ctx *ctx, const struct conf_item *item,
			void *field)
{
	(void)ctx;
	*(int *)field = (int)item->value.i;
	return 0;
}

static int conf_set_verdict(struct conf_ctx *ctx, const struct conf_item *item,
			    void *field)
{
	(void)ctx;
	*(enum conf_verdict *)field = (enum conf_verdict)item->value.i;
	return 0;
}

/* Strings that need checks of their own. */

static void conf_quote_value(char *dst, size_t size, const struct conf_item *item)
{
	conf_quote(dst, size, item->value.s, strlen(item->value.s));
}

static int conf_check_length(struct conf_ctx *ctx, const struct conf_item *item,
			     size_t size, const char *what, const char *unit)
{
	size_t len = strlen(item->value.s);

	if (len < size)
		return 0;
	conf_report_at(ctx, item->setting, "%s: the %s is %zu %s long (at most %zu)",
		       item->path, what, len, unit, size - 1);
	return -EINVAL;
}

static bool conf_is_table_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int conf_set_table(struct conf_ctx *ctx, const struct conf_item *item,
			  void *field)
{
	const char *s = item->value.s;
	char quoted[80];

	if (!*s) {
		conf_report_at(ctx, item->setting, "%s: the name is empty", item->path);
		return -EINVAL;
	}
	if (conf_check_length(ctx, item, CONF_FIELD_SIZE(nftables.table),
			      "name", "characters"))
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (conf_is_table_char(*p))
			continue;
		conf_quote_value(quoted, sizeof(quoted), item);
		conf_report_at(ctx, item->setting,
			       "%s: '%s' may only contain A-Z a-z 0-9 _ -",
			       item->path, quoted);
		return -EINVAL;
	}
	strcpy(field, s);
	return 0;
}

static int conf_set_socket(struct conf_ctx *ctx, const struct conf_item *item,
			   void *field)
{
	const char *s = item->value.s;
	size_t len = strlen(s);
	char quoted[80];

	conf_quote_value(quoted, sizeof(quoted), item);
	if (s[0] != '/') {
		conf_report_at(ctx, item->setting, "%s: '%s' is not an absolute path",
			       item->path, quoted);
		return -EINVAL;
	}
	/* sun_path has room for 107 bytes and the terminating NUL. */
	if (conf_check_length(ctx, item, CONF_FIELD_SIZE(control.socket),
			      "path", "bytes"))
		return -EINVAL;
	if (s[len - 1] == '/') {
		conf_report_at(ctx, item->setting, "%s: '%s' names a directory, not a socket",
			       item->path, quoted);
		return -EINVAL;
	}
	strcpy(field, s);
	return 0;
}

/* "0660", "660", "00660": octal digits only (at most 8, which is plenty
 * for any mode and keeps strtoul far from overflow). */
static bool conf_parse_mode(const char *s, unsigned long *mode)
{
	size_t len = strspn(s, "01234567");

	if (len == 0 || len > 8 || s[len] != '\0')
		return false;
	*mode = strtoul(s, NULL, 8);
	return true;
}

static int conf_set_mode(struct conf_ctx *ctx, const struct conf_item *item,
			 void *field)
{
	unsigned long mode;
	char quoted[80];

	conf_quote_value(quoted, sizeof(quoted), item);
	if (!conf_parse_mode(item->value.s, &mode)) {
		conf_report_at(ctx, item->setting,
			       "%s: '%s' is not an octal mode such as \"0660\"",
			       item->path, quoted);
		return -EINVAL;
	}
	if (mode > 0777) {
		conf_report_at(ctx, item->setting, "%s: '%s' is above 0777",
			       item->path, quoted);
		return -EINVAL;
	}
	/* Anyone who can write to the socket can command the firewall. */
	if (mode & S_IWOTH) {
		conf_report_at(ctx, item->setting,
			       "%s: '%s' would make the socket world-writable",
			       item->path, quoted);
		return -EINVAL;
	}
	*(mode_t *)field = (mode_t)mode;
	return 0;
}

/* Returns 0 if NAME is a user (IS_USER) or a group, -ENOENT if not,
 * another negative errno if the account database could not be read. */
static int conf_account_exists(const char *name, bool is_user)
{
	uid_t uid;
	gid_t gid;

	return account_lookup(name, is_user, &uid, &gid);
}

/* A user or group name: empty, or one that exists now. */
static int conf_set_account(struct conf_ctx *ctx, const struct conf_item *item,
			    void *field, size_t size, bool is_user)
{
	const char *what = is_user ? "user" : "group";
	char quoted[80];
	int ret;

	if (conf_check_length(ctx, item, size, "name", "characters"))
		return -EINVAL;
	if (*item->value.s) {
		ret = conf_account_exists(item->value.s, is_user);
		conf_quote_value(quoted, sizeof(quoted), item);
		if (ret == -ENOENT) {
			conf_report_at(ctx, item->setting, "%s: no %s named '%s'",
				       item->path, what, quoted);
			return ret;
		}
		if (ret < 0) {
			conf_report_at(ctx, item->setting, "%s: cannot look up %s '%s': %s",
				       item->path, what, quoted, strerror(-ret));
			return ret;
		}
	}
	strcpy(field, item->value.s);
	return 0;
}

static int conf_set_group(struct conf_ctx *ctx, const struct conf_item *item,
			  void *field)
{
	return conf_set_account(ctx, item, field, CONF_FIELD_SIZE(control.group), false);
}

static int conf_set_daemon_user(struct conf_ctx *ctx, const struct conf_item *item,
				void *field)
{
	return conf_set_account(ctx, item, field, CONF_FIELD_SIZE(daemon.user), true);
}

static int conf_set_daemon_group(struct conf_ctx *ctx, const struct conf_item *item,
				 void *field)
{
	return conf_set_account(ctx, item, field, CONF_FIELD_SIZE(daemon.group), false);
}

/* Checks across keys. */

/* The state field carries a packet's conntrack state (0..4, plus one)
 * from the entry hook to the filter hooks: three contiguous bits at least,
 * apart from the pass mark. */
static void conf_check_state_mark(struct conf_ctx *ctx, const config_setting_t *group,
				  const struct conf_queue *q)
{
	const config_setting_t *where = config_setting_get_member(group, "state_mark");
	uint32_t m = q->state_mark, low;

	if (!where || m == 0)
		return;
	low = m & -m;
	if (((m + low) & m) != 0 || (m >> __builtin_ctz(m)) < 7)
		conf_report_at(ctx, where, "queue.state_mark: 0x%08x is not a run of "
			       "at least 3 contiguous bits", m);
	else if (m & q->pass_mark)
		conf_report_at(ctx, where, "queue.state_mark: 0x%08x overlaps "
			       "queue.pass_mark 0x%08x", m, q->pass_mark);
}

/* Queue numbers are 16 bits: the last of the range must exist. The message
 * goes to the line of count (or first), where the range was made. */
static void conf_check_queue(struct conf_ctx *ctx, const config_setting_t *group,
			     const struct nfqfw_conf *conf)
{
	const config_setting_t *where;
	unsigned long last = (unsigned long)conf->queue.first + conf->queue.count - 1;

	conf_check_state_mark(ctx, group, &conf->queue);
	if (last <= UINT16_MAX)
		return;
	where = config_setting_get_member(group, "count");
	if (!where)
		where = config_setting_get_member(group, "first");
	if (!where)
		where = group;
	conf_report_at(ctx, where,
		       "queue.first = %u with queue.count = %u ends at queue %lu, above %u",
		       conf->queue.first, conf->queue.count, last, UINT16_MAX);
}

/* daemon.group picks the group of the user the daemon switches to: alone
 * it would do nothing, which is more likely a mistake than a wish. A user
 * key that was refused has been reported already. */
static void conf_check_daemon(struct conf_ctx *ctx, const config_setting_t *group,
			      const struct nfqfw_conf *conf)
{
	const config_setting_t *user = config_setting_get_member(group, "user");
	const config_setting_t *where = config_setting_get_member(group, "group");
	const char *name = user ? config_setting_get_string(user) : "";
	char quoted[80];

	if (!conf->daemon.group[0] || !name || *name)
		return;
	conf_quote(quoted, sizeof(quoted), conf->daemon.group, strlen(conf->daemon.group));
	conf_report_at(ctx, where ? where : group,
		       "daemon.group: '%s' needs daemon.user (it is that user's group)",
		       quoted);
}

/* The tables. */

static const struct conf_enum_name conf_verdict_names[] = {
	{ "drop", CONF_VERDICT_DROP },
	{ "accept", CONF_VERDICT_ACCEPT },
	{ NULL, 0 },
};

/* The names of log_priority_from_name() that make sense as a daemon's
 * threshold (the test checks that both agree). */
static const struct conf_enum_name conf_log_level_names[] = {
	{ "err", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
	{ NULL, 0 },
};

static const struct conf_key conf_queue_keys[] = {
	{ .name = "first", .kind = CONF_INT, .min = 0, .max = UINT16_MAX,
	  .offset = CONF_OFFSET(queue.first), .set = conf_set_u16 },
	{ .name = "count", .kind = CONF_INT, .min = 1, .max = 64,
	  .offset = CONF_OFFSET(queue.count), .set = conf_set_u16 },
	{ .name = "fail_open", .kind = CONF_BOOL,
	  .offset = CONF_OFFSET(queue.fail_open), .set = conf_set_bool },
	{ .name = "accept_when_full", .kind = CONF_BOOL,
	  .offset = CONF_OFFSET(queue.accept_when_full), .set = conf_set_bool },
	{ .name = "max_len", .kind = CONF_INT, .min = 1, .max = 1048576,
	  .offset = CONF_OFFSET(queue.max_len), .set = conf_set_u32 },
	{ .name = "socket_buffer", .kind = CONF_INT, .min = 65536, .max = 1073741824,
	  .offset = CONF_OFFSET(queue.socket_buffer), .set = conf_set_u32 },
	{ .name = "pass_mark", .kind = CONF_INT, .min = 0, .max = UINT32_MAX,
	  .offset = CONF_OFFSET(queue.pass_mark), .set = conf_set_u32 },
	{ .name = "state_mark", .kind = CONF_INT, .min = 0, .max = UINT32_MAX,
	  .offset = CONF_OFFSET(queue.state_mark), .set = conf_set_u32 },
	{ NULL },
};

static const struct conf_key conf_packet_keys[] = {
	{ .name = "malformed", .kind = CONF_ENUM, .names = conf_verdict_names,
	  .offset = CONF_OFFSET(packet.malformed), .set = conf_set_verdict },
	{ NULL },
};

static const struct conf_key conf_nftables_keys[] = {
	{ .name = "table", .kind = CONF_STRING,
	  .offset = CONF_OFFSET(nftables.table), .set = conf_set_table },
	{ NULL },
};

static const struct conf_key conf_control_keys[] = {
	{ .name = "socket", .kind = CONF_STRING,
	  .offset = CONF_OFFSET(control.socket), .set = conf_set_socket },
	{ .name = "mode", .kind = CONF_STRING,
	  .offset = CONF_OFFSET(control.mode), .set = conf_set_mode },
	{ .name = "group", .kind = CONF_STRING,
	  .offset = CONF_OFFSET(control.group), .set = conf_set_group },
	{ NULL },
};

#define CT_TIMEOUT_MAX (366 * 24 * 3600)
#define CT_KEY_TIMEOUT(key, member) \
	{ .name = key, .kind = CONF_INT, .min = 1, .max = CT_TIMEOUT_MAX, \
	  .offset = CONF_OFFSET(conntrack.ct.member), .set = conf_set_u32 }

/* Names follow the kernel's nf_conntrack sysctls, so that what an operator
 * knows from there carries over. */
static const struct conf_key conf_conntrack_keys[] = {
	{ .name = "max_entries", .kind = CONF_INT, .min = 1024, .max = 16777216,
	  .offset = CONF_OFFSET(conntrack.ct.max_entries), .set = conf_set_u32 },
	{ .name = "invalid", .kind = CONF_ENUM, .names = conf_verdict_names,
	  .offset = CONF_OFFSET(conntrack.invalid), .set = conf_set_verdict },
	{ .name = "tcp_loose", .kind = CONF_BOOL,
	  .offset = CONF_OFFSET(conntrack.ct.tcp_loose), .set = conf_set_bool },
	{ .name = "tcp_be_liberal", .kind = CONF_BOOL,
	  .offset = CONF_OFFSET(conntrack.ct.tcp_be_liberal), .set = conf_set_bool },
	{ .name = "tcp_max_retrans", .kind = CONF_INT, .min = 0, .max = 255,
	  .offset = CONF_OFFSET(conntrack.ct.tcp_max_retrans), .set = conf_set_u32 },
	CT_KEY_TIMEOUT("tcp_timeout_syn_sent", tcp_timeout[CT_TCP_SYN_SENT]),
	CT_KEY_TIMEOUT("tcp_timeout_syn_recv", tcp_timeout[CT_TCP_SYN_RECV]),
	CT_KEY_TIMEOUT("tcp_timeout_established", tcp_timeout[CT_TCP_ESTABLISHED]),
	CT_KEY_TIMEOUT("tcp_timeout_fin_wait", tcp_timeout[CT_TCP_FIN_WAIT]),
	CT_KEY_TIMEOUT("tcp_timeout_close_wait", tcp_timeout[CT_TCP_CLOSE_WAIT]),
	CT_KEY_TIMEOUT("tcp_timeout_last_ack", tcp_timeout[CT_TCP_LAST_ACK]),
	CT_KEY_TIMEOUT("tcp_timeout_time_wait", tcp_timeout[CT_TCP_TIME_WAIT]),
	CT_KEY_TIMEOUT("tcp_timeout_close", tcp_timeout[CT_TCP_CLOSE]),
	CT_KEY_TIMEOUT("tcp_timeout_max_retrans", tcp_timeout_max_retrans),
	CT_KEY_TIMEOUT("tcp_timeout_unacknowledged", tcp_timeout_unacknowledged),
	CT_KEY_TIMEOUT("udp_timeout", udp_timeout),
	CT_KEY_TIMEOUT("udp_timeout_stream", udp_timeout_stream),
	CT_KEY_TIMEOUT("icmp_timeout", icmp_timeout),
	CT_KEY_TIMEOUT("generic_timeout", generic_timeout),
	{ NULL },
};

static const struct conf_key conf_log_keys[] = {
	{ .name = "level", .kind = CONF_ENUM, .names = conf_log_level_names,
	  .offset = CONF_OFFSET(log.level), .set = conf_set_int },
	{ NULL },
};

static const struct conf_key conf_daemon_keys[] = {
	{ .name = "user", .kind = CONF_STRING,
	  .offset = CONF_OFFSET(daemon.user), .set = conf_set_daemon_user },
	{ .name = "group", .kind = CONF_STRING,
	  .offset = CONF_OFFSET(daemon.group), .set = conf_set_daemon_group },
	{ NULL },
};

const struct conf_section conf_schema[] = {
	{ "queue", conf_queue_keys, conf_check_queue },
	{ "packet", conf_packet_keys, NULL },
	{ "nftables", conf_nftables_keys, NULL },
	{ "control", conf_control_keys, NULL },
	{ "conntrack", conf_conntrack_keys, NULL },
	{ "log", conf_log_keys, NULL },
	{ "daemon", conf_daemon_keys, conf_check_daemon },
	{ NULL, NULL, NULL },
};
