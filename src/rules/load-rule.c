/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One rule of the configuration: `{ proto = "tcp"; dport = "80,443";
 * action = "accept"; }`. A table of keys, one parser each; then the checks
 * that involve several keys (a port needs tcp or udp, a tcp-reset needs
 * tcp, IPv4 and IPv6 do not mix). Every problem is reported, none stops
 * the others from being found. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "nfqfw/rules_load.h"

struct rule_state {
	struct rules_ctx *ctx;
	const struct rules_chain *chain;
	struct rules_rule *r;
	const char *key;                 /* the key being parsed */
	const config_setting_t *action, *jump, *reject_with, *log_level, *icmp_code;
	const config_setting_t *icmp_type;
	const config_setting_t *limit, *limit_per, *limit_sources;
	const config_setting_t *connlimit, *connlimit_per, *connlimit_sources;
	const config_setting_t *to, *to_ports;
	const char *target;
	bool bad;
};

static void rule_bad(struct rule_state *st, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rule_bad(struct rule_state *st, const config_setting_t *s, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rules_error(st->ctx, s, "%s: %s", st->key, text);
	st->bad = true;
}

/* The string of S, or NULL (reported) when it is not one. */
static const char *rule_string(struct rule_state *st, const config_setting_t *s)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		return config_setting_get_string(s);
	rule_bad(st, s, "expected a string, got %s", rules_type_name(s));
	return NULL;
}

/* "!" in front negates; spaces after it are allowed. */
static const char *rule_neg(const char *s, bool *neg)
{
	*neg = s[0] == '!';
	if (*neg)
		for (s++; *s == ' '; s++)
			;
	return s;
}

/* A whole unsigned number in [0, max] (decimal or 0x hex). */
static bool rule_number(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	char buf[24];
	char *end;

	if (len == 0 || len >= sizeof(buf) || s[0] < '0' || s[0] > '9')
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtoul(buf, &end, 0);
	return !errno && *end == '\0' && *out <= max;
}

/* An integer setting in [0, max]; hex literals are bit patterns. */
static bool rule_int(struct rule_state *st, const config_setting_t *s, uint64_t max,
		     uint64_t *out)
{
	int64_t v;

	if (config_setting_type(s) == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(s);
	else if (config_setting_get_format(s) == CONFIG_FORMAT_HEX)
		v = (uint32_t)config_setting_get_int(s);
	else
		v = config_setting_get_int(s);
	if (v < 0 || (uint64_t)v > max) {
		rule_bad(st, s, "%lld is out of range (0..%llu)", (long long)v,
			 (unsigned long long)max);
		return false;
	}
	*out = (uint64_t)v;
	return true;
}

static bool rule_is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	       config_setting_type(s) == CONFIG_TYPE_INT64;
}

struct rule_name {
	const char *name;
	unsigned int value;
};

static bool rule_lookup(const struct rule_name *names, const char *s, size_t len,
			unsigned int *out)
{
	for (const struct rule_name *n = names; n->name; n++)
		if (strlen(n->name) == len && strncmp(n->name, s, len) == 0) {
			*out = n->value;
			return true;
		}
	return false;
}

/* The keys. */

static void key_family(struct rule_state *st, const config_setting_t *s)
{
	const char *v = rule_string(st, s);

	if (!v)
		return;
	if (strcmp(v, "ipv4") && strcmp(v, "ipv6")) {
		rule_bad(st, s, "unknown family '%s' (ipv4 or ipv6)", v);
		return;
	}
	st->r->m.has |= RULES_M_FAMILY;
	st->r->m.family = v[3] == '4' ? 4 : 6;
}

static const struct rule_name rule_protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 }, { "ipv6-icmp", IPPROTO_ICMPV6 },
	{ "gre", IPPROTO_GRE }, { "esp", IPPROTO_ESP }, { "ah", IPPROTO_AH },
	{ "sctp", IPPROTO_SCTP }, { "udplite", IPPROTO_UDPLITE }, { NULL, 0 },
};

static void key_proto(struct rule_state *st, const config_setting_t *s)
{
	struct rules_match *m = &st->r->m;
	unsigned long n;
	unsigned int v;
	uint64_t i;
	const char *str;

	if (rule_is_int(s)) {
		if (!rule_int(st, s, 255, &i))
			return;
		m->proto = (uint8_t)i;
	} else if ((str = rule_string(st, s))) {
		str = rule_neg(str, &m->proto_neg);
		if (rule_lookup(rule_protos, str, strlen(str), &v))
			m->proto = (uint8_t)v;
		else if (rule_number(str, strlen(str), 255, &n))
			m->proto = (uint8_t)n;
		else {
			rule_bad(st, s, "unknown protocol '%s'", str);
			return;
		}
	} else
		return;
	m->has |= RULES_M_PROTO;
}

static void key_addr(struct rule_state *st, const config_setting_t *s,
		     struct rules_addr_match *a, uint32_t bit)
{
	const char *v = rule_string(st, s);

	if (!v)
		return;
	v = rule_neg(v, &a->neg);
	if (v[0] == '@') {
		a->set = rules_addrset_find(st->ctx->rs, v + 1);
		if (!a->set) {
			rule_bad(st, s, "unknown set '%s'", v + 1);
			return;
		}
		a->family = rules_addrset_family(a->set);
	} else if (rules_parse_addr(v, &a->family, &a->addr, &a->plen, true) < 0) {
		rule_bad(st, s, "bad address '%s' (an IPv4 or IPv6 address, "
			 "ADDR/PREFIX without host bits, or @set)", v);
		return;
	}
	st->r->m.has |= bit;
}

static void key_src(struct rule_state *st, const config_setting_t *s)
{
	key_addr(st, s, &st->r->m.src, RULES_M_SRC);
}

static void key_dst(struct rule_state *st, const config_setting_t *s)
{
	key_addr(st, s, &st->r->m.dst, RULES_M_DST);
}

/* "22", "1024-65535", "80,443,8000-8080". */
static bool rule_ports(struct rule_state *st, const config_setting_t *s, const char *v,
		       struct rules_port_match *m)
{
	while (*v) {
		size_t len;
		const char *dash;

		v += strspn(v, " ");
		len = strcspn(v, ",");
		dash = memchr(v, '-', len);
		unsigned long lo, hi;

		if (!dash ? !rule_number(v, len, 65535, &lo) :
		    !rule_number(v, (size_t)(dash - v), 65535, &lo) ||
		    !rule_number(dash + 1, len - (size_t)(dash - v) - 1, 65535, &hi)) {
			rule_bad(st, s, "bad port '%.*s' (0..65535, or LOW-HIGH)", (int)len, v);
			return false;
		}
		if (!dash)
			hi = lo;
		if (lo > hi) {
			rule_bad(st, s, "range '%.*s' is reversed", (int)len, v);
			return false;
		}
		if (m->n == RULES_MAX_PORT_RANGES) {
			rule_bad(st, s, "more than %d ports or ranges", RULES_MAX_PORT_RANGES);
			return false;
		}
		m->r[m->n++] = (struct rules_port_range){ (uint16_t)lo, (uint16_t)hi };
		v += len;
		if (*v == ',' && *++v == '\0') {
			rule_bad(st, s, "list ends with ','");
			return false;
		}
	}
	if (m->n)
		return true;
	rule_bad(st, s, "empty");
	return false;
}

static void key_port(struct rule_state *st, const config_setting_t *s,
		     struct rules_port_match *m, uint32_t bit)
{
	const char *v;
	uint64_t i;

	if (rule_is_int(s)) {
		if (!rule_int(st, s, 65535, &i))
			return;
		m->n = 1;
		m->r[0] = (struct rules_port_range){ (uint16_t)i, (uint16_t)i };
	} else if ((v = rule_string(st, s))) {
		if (!rule_ports(st, s, rule_neg(v, &m->neg), m))
			return;
	} else
		return;
	st->r->m.has |= bit;
}

static void key_sport(struct rule_state *st, const config_setting_t *s)
{
	key_port(st, s, &st->r->m.sport, RULES_M_SPORT);
}

static void key_dport(struct rule_state *st, const config_setting_t *s)
{
	key_port(st, s, &st->r->m.dport, RULES_M_DPORT);
}

static void key_iface(struct rule_state *st, const config_setting_t *s,
		      struct rules_iface_match *m, uint32_t bit)
{
	const char *v = rule_string(st, s);
	size_t len;

	if (!v)
		return;
	v = rule_neg(v, &m->neg);
	len = strlen(v);
	m->wildcard = len && v[len - 1] == '+';
	len -= m->wildcard;
	if ((len == 0 && !m->wildcard) || len >= RULES_IFNAMSIZ ||
	    strcspn(v, "/ \t:+") < len) {
		rule_bad(st, s, "bad interface name '%s'", v);
		return;
	}
	memcpy(m->name, v, len);
	m->name[len] = '\0';
	st->r->m.has |= bit;
}

static void key_in(struct rule_state *st, const config_setting_t *s)
{
	key_iface(st, s, &st->r->m.in, RULES_M_IN);
}

static void key_out(struct rule_state *st, const config_setting_t *s)
{
	key_iface(st, s, &st->r->m.out, RULES_M_OUT);
}

static const struct rule_name rule_ct_states[] = {
	{ "new", CT_INFO_NEW }, { "established", CT_INFO_ESTABLISHED },
	{ "related", CT_INFO_RELATED }, { "invalid", CT_INFO_INVALID },
	{ "untracked", CT_INFO_UNTRACKED }, { NULL, 0 },
};

static void key_ct_state(struct rule_state *st, const config_setting_t *s)
{
	const char *v = rule_string(st, s);
	uint8_t bits = 0;

	if (!v)
		return;
	while (*v) {
		size_t len = strcspn(v, ",");
		unsigned int info;

		while (*v == ' ')
			v++, len--;
		if (!rule_lookup(rule_ct_states, v, len, &info)) {
			rule_bad(st, s, "unknown state '%.*s' (new, established, related, "
				 "invalid, untracked)", (int)len, v);
			return;
		}
		bits |= (uint8_t)RULES_CT_BIT(info);
		v += len + (v[len] == ',');
	}
	if (!bits) {
		rule_bad(st, s, "empty");
		return;
	}
	st->r->m.has |= RULES_M_CT_STATE;
	st->r->m.ct_states = bits;
}

static void key_ct_dir(struct rule_state *st, const config_setting_t *s)
{
	const char *v = rule_string(st, s);

	if (!v)
		return;
	if (strcmp(v, "original") && strcmp(v, "reply")) {
		rule_bad(st, s, "unknown direction '%s' (original or reply)", v);
		return;
	}
	st->r->m.has |= RULES_M_CT_DIR;
	st->r->m.ct_dir = v[0] == 'o' ? CT_DIR_ORIGINAL : CT_DIR_REPLY;
}

static const struct rule_name rule_tcp_flags[] = {
	{ "fin", RULES_TCP_FIN }, { "syn", RULES_TCP_SYN }, { "rst", RULES_TCP_RST },
	{ "psh", RULES_TCP_PSH }, { "ack", RULES_TCP_ACK }, { "urg", RULES_TCP_URG },
	{ "ece", RULES_TCP_ECE }, { "cwr", RULES_TCP_CWR }, { NULL, 0 },
};

/* "syn,ack" (or "none" for 0) into *BITS. */
static bool rule_flag_list(const char *v, size_t len, uint8_t *bits)
{
	*bits = 0;
	if (len == 4 && strncmp(v, "none", 4) == 0)
		return true;
	while (len) {
		size_t n = strcspn(v, ",");
		unsigned int f;

		if (n > len)
			n = len;
		if (!rule_lookup(rule_tcp_flags, v, n, &f))
			return false;
		*bits |= (uint8_t)f;
		if (n < len && n + 1 == len)
			return false;          /* trailing comma */
		v += n + (n < len);
		len -= n + (n < len);
	}
	return *bits != 0;
}

/* "syn" (SYN set, ACK RST FIN clear, as iptables' --syn), or "MASK/SET"
 * with flag lists: "syn,ack/syn" examines SYN and ACK and wants SYN only. */
static void key_tcp_flags(struct rule_state *st, const config_setting_t *s)
{
	struct rules_match *m = &st->r->m;
	const char *v = rule_string(st, s), *slash;

	if (!v)
		return;
	v = rule_neg(v, &m->tcp_neg);
	slash = strchr(v, '/');
	if (strcmp(v, "syn") == 0) {
		m->tcp_mask = RULES_TCP_SYN | RULES_TCP_ACK | RULES_TCP_RST | RULES_TCP_FIN;
		m->tcp_value = RULES_TCP_SYN;
	} else if (!slash || !rule_flag_list(v, (size_t)(slash - v), &m->tcp_mask) ||
		   !rule_flag_list(slash + 1, strlen(slash + 1), &m->tcp_value)) {
		rule_bad(st, s, "bad flags '%s' (\"syn\", or MASK/SET such as "
			 "\"syn,ack,rst,fin/syn\")", v);
		return;
	} else if (m->tcp_value & ~m->tcp_mask) {
		rule_bad(st, s, "'%s' wants flags outside its mask", v);
		return;
	}
	m->has |= RULES_M_TCP_FLAGS;
}

static const struct rule_name rule_icmp_types[] = {
	{ "echo-reply", 0 }, { "destination-unreachable", 3 }, { "source-quench", 4 },
	{ "redirect", 5 }, { "echo-request", 8 }, { "router-advertisement", 9 },
	{ "router-solicitation", 10 }, { "time-exceeded", 11 },
	{ "parameter-problem", 12 }, { "timestamp-request", 13 },
	{ "timestamp-reply", 14 }, { NULL, 0 },
};

static const struct rule_name rule_icmpv6_types[] = {
	{ "destination-unreachable", 1 }, { "packet-too-big", 2 },
	{ "time-exceeded", 3 }, { "parameter-problem", 4 }, { "echo-request", 128 },
	{ "echo-reply", 129 }, { "mld-listener-query", 130 },
	{ "nd-router-solicit", 133 }, { "nd-router-advert", 134 },
	{ "nd-neighbor-solicit", 135 }, { "nd-neighbor-advert", 136 },
	{ "nd-redirect", 137 }, { NULL, 0 },
};

static void key_icmp_type_of(struct rule_state *st, const config_setting_t *s,
			     uint8_t family)
{
	struct rules_match *m = &st->r->m;
	const char *v;
	unsigned int t;
	uint64_t i;

	if (st->icmp_type) {
		rule_bad(st, s, "only one of icmp_type and icmpv6_type");
		return;
	}
	if (rule_is_int(s)) {
		if (!rule_int(st, s, 255, &i))
			return;
		t = (unsigned int)i;
	} else if ((v = rule_string(st, s))) {
		if (!rule_lookup(family == 4 ? rule_icmp_types : rule_icmpv6_types, v,
				 strlen(v), &t)) {
			rule_bad(st, s, "unknown type '%s'", v);
			return;
		}
	} else
		return;
	st->icmp_type = s;
	m->has |= RULES_M_ICMP;
	m->icmp_family = family;
	m->icmp_type = (uint8_t)t;
	if (!st->icmp_code)
		m->icmp_code = -1;
}

static void key_icmp_type(struct rule_state *st, const config_setting_t *s)
{
	key_icmp_type_of(st, s, 4);
}

static void key_icmpv6_type(struct rule_state *st, const config_setting_t *s)
{
	key_icmp_type_of(st, s, 6);
}

static void key_icmp_code(struct rule_state *st, const config_setting_t *s)
{
	uint64_t i;

	if (!rule_is_int(s)) {
		rule_bad(st, s, "expected an integer, got %s", rules_type_name(s));
		return;
	}
	if (rule_int(st, s, 255, &i)) {
		st->icmp_code = s;
		st->r->m.icmp_code = (int16_t)i;
	}
}

/* "V" or "V/M", numbers decimal or 0x hex, or an integer setting. */
static bool rule_value_mask(struct rule_state *st, const config_setting_t *s,
			    bool *neg, uint32_t *value, uint32_t *mask)
{
	const char *v, *slash;
	unsigned long a, b = UINT32_MAX;
	uint64_t i;

	*neg = false;
	if (rule_is_int(s)) {
		if (!rule_int(st, s, UINT32_MAX, &i))
			return false;
		*value = (uint32_t)i;
		*mask = UINT32_MAX;
		return true;
	}
	v = rule_string(st, s);
	if (!v)
		return false;
	v = rule_neg(v, neg);
	slash = strchr(v, '/');
	if (!rule_number(v, slash ? (size_t)(slash - v) : strlen(v), UINT32_MAX, &a) ||
	    (slash && !rule_number(slash + 1, strlen(slash + 1), UINT32_MAX, &b))) {
		rule_bad(st, s, "bad value '%s' (VALUE or VALUE/MASK, 32 bits)", v);
		return false;
	}
	*value = (uint32_t)a;
	*mask = (uint32_t)b;
	return true;
}

static void key_mark(struct rule_state *st, const config_setting_t *s)
{
	struct rules_match *m = &st->r->m;

	if (!rule_value_mask(st, s, &m->mark_neg, &m->mark_value, &m->mark_mask))
		return;
	if (m->mark_value & ~m->mark_mask) {
		rule_bad(st, s, "value has bits outside the mask: it never matches");
		return;
	}
	m->has |= RULES_M_MARK;
}

static void key_set_mark(struct rule_state *st, const config_setting_t *s)
{
	struct rules_rule *r = st->r;
	bool neg;

	if (!rule_value_mask(st, s, &neg, &r->mark_set_value, &r->mark_set_mask))
		return;
	if (neg || (r->mark_set_value & ~r->mark_set_mask)) {
		rule_bad(st, s, "%s", neg ? "cannot be negated" : "value has bits outside the mask");
		return;
	}
	r->has_mark_set = true;
}

/* "64", "64-1500" (bytes, IP header included). */
static void key_length(struct rule_state *st, const config_setting_t *s)
{
	struct rules_match *m = &st->r->m;
	const char *v, *dash;
	unsigned long lo, hi;
	uint64_t i;

	if (rule_is_int(s)) {
		if (!rule_int(st, s, 65535, &i))
			return;
		m->len_lo = m->len_hi = (uint32_t)i;
	} else if ((v = rule_string(st, s))) {
		v = rule_neg(v, &m->len_neg);
		dash = strchr(v, '-');
		if (!rule_number(v, dash ? (size_t)(dash - v) : strlen(v), 65535, &lo) ||
		    (dash && !rule_number(dash + 1, strlen(dash + 1), 65535, &hi))) {
			rule_bad(st, s, "bad length '%s' (0..65535, or LOW-HIGH)", v);
			return;
		}
		if (!dash)
			hi = lo;
		if (lo > hi) {
			rule_bad(st, s, "range '%s' is reversed", v);
			return;
		}
		m->len_lo = (uint32_t)lo;
		m->len_hi = (uint32_t)hi;
	} else
		return;
	m->has |= RULES_M_LENGTH;
}

static const struct rule_name rule_actions[] = {
	{ "accept", RULES_ACT_ACCEPT }, { "drop", RULES_ACT_DROP },
	{ "reject", RULES_ACT_REJECT }, { "return", RULES_ACT_RETURN },
	{ "continue", RULES_ACT_CONTINUE }, { "snat", RULES_ACT_SNAT },
	{ "dnat", RULES_ACT_DNAT }, { "masquerade", RULES_ACT_MASQUERADE },
	{ "redirect", RULES_ACT_REDIRECT }, { NULL, 0 },
};

static void key_action(struct rule_state *st, const config_setting_t *s)
{
	const char *v = rule_string(st, s);
	unsigned int a;

	if (!v)
		return;
	if (!rule_lookup(rule_actions, v, strlen(v), &a)) {
		rule_bad(st, s, "unknown action '%s' (accept, drop, reject, return, "
			 "continue, snat, dnat, masquerade, redirect; or jump/goto = "
			 "\"chain\")", v);
		return;
	}
	st->action = s;
	st->r->action = (enum rules_action)a;
}

static void key_jump_goto(struct rule_state *st, const config_setting_t *s,
			  enum rules_action action)
{
	const char *v = rule_string(st, s);
	struct rules_chain *target;

	if (!v)
		return;
	if (st->jump) {
		rule_bad(st, s, "only one of jump and goto");
		return;
	}
	st->jump = s;
	target = rules_chain_find_in(st->ctx->rs, (enum rules_table)st->chain->table, v);
	if (!target) {
		rule_bad(st, s, "unknown chain '%s'", v);
		return;
	}
	if (target->base) {
		rule_bad(st, s, "'%s' is a base chain; only user chains can be jumped to", v);
		return;
	}
	st->r->target = target;
	st->r->action = action;
}

static void key_to(struct rule_state *st, const config_setting_t *s)
{
	const char *v = rule_string(st, s), *why;

	if (!v)
		return;
	st->to = s;
	if (rules_parse_nat_to(v, &st->r->nat, &why) < 0)
		rule_bad(st, s, "bad address '%s': %s (ADDR[-ADDR][:PORT[-PORT]], IPv6 "
			 "in brackets before a port)", v, why);
}

static void key_to_ports(struct rule_state *st, const config_setting_t *s)
{
	const char *v = rule_string(st, s);

	if (!v)
		return;
	st->to_ports = s;
	if (rules_parse_port_range(v, &st->r->nat.min_port, &st->r->nat.max_port) < 0)
		rule_bad(st, s, "bad port range '%s' (PORT or PORT-PORT, 1..65535)", v);
	else
		st->r->nat.has_ports = true;
}

static void key_jump(struct rule_state *st, const config_setting_t *s)
{
	key_jump_goto(st, s, RULES_ACT_JUMP);
}

static void key_goto(struct rule_state *st, const config_setting_t *s)
{
	key_jump_goto(st, s, RULES_ACT_GOTO);
}

static const struct rule_name rule_rejects[] = {
	{ "tcp-reset", RULES_REJECT_TCP_RESET },
	{ "icmp-port-unreachable", RULES_REJECT_PORT_UNREACH },
	{ "icmp-host-unreachable", RULES_REJECT_HOST_UNREACH },
	{ "icmp-net-unreachable", RULES_REJECT_NET_UNREACH },
	{ "icmp-admin-prohibited", RULES_REJECT_ADMIN_PROHIBITED }, { NULL, 0 },
};

static void key_reject_with(struct rule_state *st, const config_setting_t *s)
{
	const char *v = rule_string(st, s);
	unsigned int t;

	if (!v)
		return;
	if (!rule_lookup(rule_rejects, v, strlen(v), &t)) {
		rule_bad(st, s, "unknown type '%s' (tcp-reset, icmp-port-unreachable, "
			 "icmp-host-unreachable, icmp-net-unreachable, "
			 "icmp-admin-prohibited)", v);
		return;
	}
	st->reject_with = s;
	st->r->reject = (enum rules_reject)t;
}

static void key_log(struct rule_state *st, const config_setting_t *s)
{
	const char *v = rule_string(st, s);

	if (!v)
		return;
	if (strlen(v) >= RULES_LOG_PREFIX_MAX) {
		rule_bad(st, s, "prefix longer than %d characters", RULES_LOG_PREFIX_MAX - 1);
		return;
	}
	strcpy(st->r->log.prefix, v);
	st->r->has_log = true;
}

static const struct rule_name rule_levels[] = {
	{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
	{ "err", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO }, { "debug", LOG_DEBUG }, { NULL, 0 },
};

static void key_log_level(struct rule_state *st, const config_setting_t *s)
{
	const char *v = rule_string(st, s);
	unsigned int level;

	if (!v)
		return;
	if (!rule_lookup(rule_levels, v, strlen(v), &level)) {
		rule_bad(st, s, "unknown level '%s' (emerg, alert, crit, err, warning, "
			 "notice, info, debug)", v);
		return;
	}
	st->log_level = s;
	st->r->log.level = (uint8_t)level;
}

/* Counters are always kept; the key is there for iptables habits. */
static void key_counter(struct rule_state *st, const config_setting_t *s)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		rule_bad(st, s, "expected a boolean, got %s", rules_type_name(s));
}

static void key_comment(struct rule_state *st, const config_setting_t *s)
{
	rule_string(st, s);
}

/* "10/second", "3/minute burst 10". */
static void key_limit(struct rule_state *st, const config_setting_t *s)
{
	const char *v = rule_string(st, s);
	char why[200];

	st->limit = s;
	if (!v)
		return;
	if (rules_limit_parse(v, &st->r->limit_spec, why, sizeof(why)) < 0) {
		rule_bad(st, s, "%s", why);
		return;
	}
	st->r->m.has |= RULES_M_LIMIT;
}

/* "over 10". */
static void key_connlimit(struct rule_state *st, const config_setting_t *s)
{
	const char *v = rule_string(st, s);
	char why[200];

	st->connlimit = s;
	if (!v)
		return;
	if (rules_connlimit_parse(v, &st->r->connlimit_spec.over, why, sizeof(why)) < 0) {
		rule_bad(st, s, "%s", why);
		return;
	}
	st->r->m.has |= RULES_M_CONNLIMIT;
}

/* "src", "src/24", "dst/32,64" into *PER (its slots untouched). */
static void rule_per(struct rule_state *st, const config_setting_t *s, struct rules_per *per)
{
	const char *v = rule_string(st, s);
	uint32_t slots = per->slots;
	char why[200];

	if (!v)
		return;
	if (rules_per_parse(v, per, why, sizeof(why)) < 0)
		rule_bad(st, s, "%s", why);
	per->slots = slots;
}

static void key_limit_per(struct rule_state *st, const config_setting_t *s)
{
	st->limit_per = s;
	rule_per(st, s, &st->r->limit_spec.per);
}

static void key_connlimit_per(struct rule_state *st, const config_setting_t *s)
{
	st->connlimit_per = s;
	rule_per(st, s, &st->r->connlimit_spec.per);
}

/* How many keys the table holds: 1..RULES_PER_SLOTS_MAX. */
static void rule_slots(struct rule_state *st, const config_setting_t *s, uint32_t *slots)
{
	int64_t v;

	if (!rule_is_int(s)) {
		rule_bad(st, s, "expected an integer, got %s", rules_type_name(s));
		return;
	}
	v = config_setting_get_int64(s);
	if (v < 1 || v > RULES_PER_SLOTS_MAX) {
		rule_bad(st, s, "%lld is out of range (1..%u)", (long long)v, RULES_PER_SLOTS_MAX);
		return;
	}
	*slots = (uint32_t)v;
}

static void key_limit_sources(struct rule_state *st, const config_setting_t *s)
{
	st->limit_sources = s;
	rule_slots(st, s, &st->r->limit_spec.per.slots);
}

static void key_connlimit_sources(struct rule_state *st, const config_setting_t *s)
{
	st->connlimit_sources = s;
	rule_slots(st, s, &st->r->connlimit_spec.per.slots);
}

static const struct rule_key {
	const char *name;
	void (*parse)(struct rule_state *st, const config_setting_t *s);
} rule_keys[] = {
	{ "family", key_family }, { "proto", key_proto },
	{ "src", key_src }, { "dst", key_dst },
	{ "sport", key_sport }, { "dport", key_dport },
	{ "in", key_in }, { "out", key_out },
	{ "ct_state", key_ct_state }, { "ct_dir", key_ct_dir },
	{ "tcp_flags", key_tcp_flags },
	{ "icmp_type", key_icmp_type }, { "icmpv6_type", key_icmpv6_type },
	{ "icmp_code", key_icmp_code }, { "icmpv6_code", key_icmp_code },
	{ "mark", key_mark }, { "length", key_length },
	{ "action", key_action }, { "jump", key_jump }, { "goto", key_goto },
	{ "to", key_to }, { "to_ports", key_to_ports },
	{ "reject_with", key_reject_with },
	{ "log", key_log }, { "log_level", key_log_level },
	{ "set_mark", key_set_mark }, { "counter", key_counter },
	{ "comment", key_comment },
	{ "limit", key_limit }, { "limit_per", key_limit_per },
	{ "limit_sources", key_limit_sources },
	{ "connlimit", key_connlimit }, { "connlimit_per", key_connlimit_per },
	{ "connlimit_sources", key_connlimit_sources },
	{ NULL, NULL },
};

/* Checks across keys. */

static void rule_check_l4(struct rule_state *st, const config_setting_t *g)
{
	const struct rules_match *m = &st->r->m;
	bool proto = (m->has & RULES_M_PROTO) && !m->proto_neg;

	if ((m->has & (RULES_M_SPORT | RULES_M_DPORT)) && proto &&
	    m->proto != IPPROTO_TCP && m->proto != IPPROTO_UDP)
		rules_error(st->ctx, g, "ports need proto tcp or udp"), st->bad = true;
	if ((m->has & RULES_M_TCP_FLAGS) && proto && m->proto != IPPROTO_TCP)
		rules_error(st->ctx, g, "tcp_flags needs proto tcp"), st->bad = true;
	if ((m->has & RULES_M_ICMP) && proto &&
	    m->proto != (m->icmp_family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6))
		rules_error(st->ctx, g, "%s needs proto %s",
			    m->icmp_family == 4 ? "icmp_type" : "icmpv6_type",
			    m->icmp_family == 4 ? "icmp" : "icmpv6"), st->bad = true;
	if (st->icmp_code && !st->icmp_type)
		rules_error(st->ctx, st->icmp_code, "icmp_code without icmp_type"), st->bad = true;
}

/* Notes FAMILY (4 or 6) from WHAT; reports the first that disagrees. */
static void rule_family(struct rule_state *st, const config_setting_t *g,
			uint8_t *family, const char **from, uint8_t f, const char *what)
{
	if (*family && *family != f && !st->bad) {
		rules_error(st->ctx, g, "mixes IPv%u (%s) and IPv%u (%s)", *family, *from,
			    f, what);
		st->bad = true;
	}
	if (!*family)
		*family = f, *from = what;
}

static void rule_check_family(struct rule_state *st, const config_setting_t *g)
{
	const struct rules_match *m = &st->r->m;
	const char *from = NULL;
	uint8_t family = 0;

	if (m->has & RULES_M_FAMILY)
		rule_family(st, g, &family, &from, m->family, "family");
	if (m->has & RULES_M_SRC)
		rule_family(st, g, &family, &from, m->src.family, "src");
	if (m->has & RULES_M_DST)
		rule_family(st, g, &family, &from, m->dst.family, "dst");
	if (m->has & RULES_M_ICMP)
		rule_family(st, g, &family, &from, m->icmp_family,
			    m->icmp_family == 4 ? "icmp_type" : "icmpv6_type");
}

static void rule_check_action(struct rule_state *st, const config_setting_t *g)
{
	struct rules_rule *r = st->r;

	if (st->action && st->jump)
		rules_error(st->ctx, st->jump, "%s: a rule has one action; drop 'action' "
			    "or '%s'", config_setting_name(st->jump),
			    config_setting_name(st->jump)), st->bad = true;
	if (st->reject_with && r->action != RULES_ACT_REJECT && !st->jump)
		rules_error(st->ctx, st->reject_with, "reject_with needs action \"reject\""),
			st->bad = true;
	if (r->action == RULES_ACT_REJECT && !st->reject_with)
		r->reject = RULES_REJECT_PORT_UNREACH;
	if (r->action == RULES_ACT_REJECT && r->reject == RULES_REJECT_TCP_RESET &&
	    (!(r->m.has & RULES_M_PROTO) || r->m.proto_neg || r->m.proto != IPPROTO_TCP))
		rules_error(st->ctx, g, "tcp-reset needs proto \"tcp\""), st->bad = true;
	if (st->log_level && !r->has_log)
		rules_error(st->ctx, st->log_level, "log_level without log"), st->bad = true;
	if (r->has_log && !st->log_level)
		r->log.level = LOG_WARNING;    /* the kernel LOG target's default */
}

/* The family the rule's matches imply (0: any). */
static uint8_t rule_match_family(const struct rules_match *m)
{
	if (m->has & RULES_M_FAMILY)
		return m->family;
	if (m->has & RULES_M_SRC)
		return m->src.family;
	if (m->has & RULES_M_DST)
		return m->dst.family;
	if (m->has & RULES_M_ICMP)
		return m->icmp_family;
	return 0;
}

/* Where each NAT action may stand and what it needs: translations of the
 * source belong after routing, of the destination before it (the
 * kernel's nat hooks); the nat group translates and does not filter. */
static void rule_check_nat_hook(struct rule_state *st, const config_setting_t *g)
{
	const struct rules_chain *c = st->chain;
	int a = st->r->action;
	bool src = a == RULES_ACT_SNAT || a == RULES_ACT_MASQUERADE;

	if (!c->base)
		return;
	if (src && strcmp(c->name, "postrouting") && strcmp(c->name, "input"))
		rules_error(st->ctx, g, "%s rewrites the source: only in nat chains "
			    "postrouting and input", a == RULES_ACT_SNAT ? "snat" : "masquerade"),
			st->bad = true;
	if (!src && strcmp(c->name, "prerouting") && strcmp(c->name, "output"))
		rules_error(st->ctx, g, "%s rewrites the destination: only in nat chains "
			    "prerouting and output", a == RULES_ACT_DNAT ? "dnat" : "redirect"),
			st->bad = true;
}

static void rule_check_nat(struct rule_state *st, const config_setting_t *g)
{
	struct rules_rule *r = st->r;
	bool nat = rules_action_is_nat(r->action);

	if (st->chain->table == RULES_TABLE_FILTER) {
		if (nat) {
			rules_error(st->ctx, st->action, "action \"%s\" belongs in the nat group",
				    config_setting_get_string(st->action));
			st->bad = true;
			return;
		}
	} else if (r->action == RULES_ACT_DROP || r->action == RULES_ACT_REJECT) {
		rules_error(st->ctx, st->action, "the nat group translates and does not filter: "
			    "drop and reject belong in the filter group"), st->bad = true;
	}
	if ((st->to || st->to_ports) && !nat) {
		rules_error(st->ctx, st->to ? st->to : st->to_ports, "%s needs a NAT action",
			    st->to ? "to" : "to_ports"), st->bad = true;
		return;
	}
	if (!nat)
		return;
	rule_check_nat_hook(st, g);
	if ((r->action == RULES_ACT_SNAT || r->action == RULES_ACT_DNAT) && !st->to)
		rules_error(st->ctx, g, "%s needs to = \"ADDR[:PORT]\"",
			    r->action == RULES_ACT_SNAT ? "snat" : "dnat"), st->bad = true;
	if ((r->action == RULES_ACT_MASQUERADE || r->action == RULES_ACT_REDIRECT) && st->to)
		rules_error(st->ctx, st->to, "%s takes no address: to_ports only",
			    r->action == RULES_ACT_MASQUERADE ? "masquerade" : "redirect"),
			st->bad = true;
	if (st->to && st->to_ports)
		rules_error(st->ctx, st->to_ports, "to_ports and to: give the ports in to"),
			st->bad = true;
	/* An IPv4 `to` translates IPv4 packets only: the rule matches no
	 * others (a rule of another family is refused above). */
	if (r->nat.has_addr) {
		uint8_t f = rule_match_family(&r->m);

		if (f && f != r->nat.family)
			rules_error(st->ctx, st->to, "to is IPv%u, the rule matches IPv%u",
				    r->nat.family, f), st->bad = true;
		r->m.has |= RULES_M_FAMILY;
		r->m.family = r->nat.family;
	}
	if (r->nat.has_ports && (!(r->m.has & RULES_M_PROTO) || r->m.proto_neg ||
				 (r->m.proto != IPPROTO_TCP && r->m.proto != IPPROTO_UDP)))
		rules_error(st->ctx, g, "translating ports needs proto \"tcp\" or \"udp\""),
			st->bad = true;
}

/* A per or sources key needs the key it qualifies (present, whether it
 * parsed or not: a bad one is reported already). */
static void rule_check_stateful(struct rule_state *st)
{
	const struct { const config_setting_t *s, *needs; const char *msg; } deps[] = {
		{ st->limit_per, st->limit, "limit_per without limit" },
		{ st->limit_sources, st->limit_per, "limit_sources without limit_per" },
		{ st->connlimit_per, st->connlimit, "connlimit_per without connlimit" },
		{ st->connlimit_sources, st->connlimit_per,
		  "connlimit_sources without connlimit_per" },
	};

	for (size_t i = 0; i < sizeof(deps) / sizeof(deps[0]); i++)
		if (deps[i].s && !deps[i].needs)
			rules_error(st->ctx, deps[i].s, "%s", deps[i].msg), st->bad = true;
}

static const struct rule_key *rule_key_find(const char *name)
{
	for (const struct rule_key *k = rule_keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int rules_parse_rule(struct rules_ctx *ctx, const config_setting_t *g,
		     const struct rules_chain *chain, struct rules_rule *r)
{
	struct rule_state st = { .ctx = ctx, .chain = chain, .r = r };
	int n;

	memset(r, 0, sizeof(*r));
	r->line = config_setting_source_line(g);
	r->m.icmp_code = -1;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		rules_error(ctx, g, "a rule is a group { ... }, got %s", rules_type_name(g));
		return -EINVAL;
	}
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned int)i);
		const struct rule_key *k = rule_key_find(config_setting_name(s));

		if (!k) {
			rules_error(ctx, s, "unknown key '%s' in a rule",
				    config_setting_name(s));
			st.bad = true;
			continue;
		}
		st.key = k->name;
		k->parse(&st, s);
	}
	rule_check_l4(&st, g);
	rule_check_family(&st, g);
	rule_check_action(&st, g);
	rule_check_nat(&st, g);
	rule_check_stateful(&st);
	return st.bad ? -EINVAL : 0;
}
