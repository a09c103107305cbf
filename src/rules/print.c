/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rules written back as the configuration says them, for `nfqfwctl rules`:
 * each match as `key value` with the values the loader (load-rule.c)
 * accepts, so that an operator finds their own rule in the listing. The
 * loader does not keep the order keys had in the file, so the order is the
 * fixed one of nfqfw.conf(5). */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>

#include "nfqfw/rules_print.h"

/* snprintf into the rest of BUF; LEN counts what the whole text needs, so
 * a cut text still reports its full length. */
struct print_buf {
	char *buf;
	size_t size;
	size_t len;
};

static void print_add(struct print_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void print_add(struct print_buf *b, const char *fmt, ...)
{
	bool room = b->len < b->size;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? b->buf + b->len : NULL, room ? b->size - b->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

/* A new `key`, with the space that separates it from what came before. */
static void print_key(struct print_buf *b, const char *key, bool neg)
{
	print_add(b, "%s%s %s", b->len ? " " : "", key, neg ? "!" : "");
}

/* A word that stands alone ("accept"). */
static void print_word(struct print_buf *b, const char *word)
{
	print_add(b, "%s%s", b->len ? " " : "", word);
}

static int print_done(const struct print_buf *b)
{
	return b->len > INT_MAX ? INT_MAX : (int)b->len;
}

struct print_name {
	unsigned int value;
	const char *name;
};

/* The first name of VALUE in NAMES (ends with a NULL name), or NULL. */
static const char *print_lookup(const struct print_name *names, unsigned int value)
{
	for (; names->name; names++)
		if (names->value == value)
			return names->name;
	return NULL;
}

/* The loader's names (load-rule.c); the unit test loads every one of them
 * and expects it back, so the two tables cannot drift apart unnoticed. */
static const struct print_name print_protos[] = {
	{ IPPROTO_TCP, "tcp" }, { IPPROTO_UDP, "udp" }, { IPPROTO_ICMP, "icmp" },
	{ IPPROTO_ICMPV6, "icmpv6" }, { IPPROTO_GRE, "gre" }, { IPPROTO_ESP, "esp" },
	{ IPPROTO_AH, "ah" }, { IPPROTO_SCTP, "sctp" }, { IPPROTO_UDPLITE, "udplite" },
	{ 0, NULL },
};

static const struct print_name print_ct_states[] = {
	{ CT_INFO_NEW, "new" }, { CT_INFO_ESTABLISHED, "established" },
	{ CT_INFO_RELATED, "related" }, { CT_INFO_INVALID, "invalid" },
	{ CT_INFO_UNTRACKED, "untracked" }, { 0, NULL },
};

static const struct print_name print_tcp_flags[] = {
	{ RULES_TCP_FIN, "fin" }, { RULES_TCP_SYN, "syn" }, { RULES_TCP_RST, "rst" },
	{ RULES_TCP_PSH, "psh" }, { RULES_TCP_ACK, "ack" }, { RULES_TCP_URG, "urg" },
	{ RULES_TCP_ECE, "ece" }, { RULES_TCP_CWR, "cwr" }, { 0, NULL },
};

static const struct print_name print_icmp_types[] = {
	{ 0, "echo-reply" }, { 3, "destination-unreachable" }, { 4, "source-quench" },
	{ 5, "redirect" }, { 8, "echo-request" }, { 9, "router-advertisement" },
	{ 10, "router-solicitation" }, { 11, "time-exceeded" },
	{ 12, "parameter-problem" }, { 13, "timestamp-request" },
	{ 14, "timestamp-reply" }, { 0, NULL },
};

static const struct print_name print_icmpv6_types[] = {
	{ 1, "destination-unreachable" }, { 2, "packet-too-big" },
	{ 3, "time-exceeded" }, { 4, "parameter-problem" }, { 128, "echo-request" },
	{ 129, "echo-reply" }, { 130, "mld-listener-query" },
	{ 133, "nd-router-solicit" }, { 134, "nd-router-advert" },
	{ 135, "nd-neighbor-solicit" }, { 136, "nd-neighbor-advert" },
	{ 137, "nd-redirect" }, { 0, NULL },
};

/* Indexed by syslog priority (LOG_EMERG 0 .. LOG_DEBUG 7). */
static const char *const print_levels[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static void print_proto(struct print_buf *b, const struct rules_match *m)
{
	const char *name = print_lookup(print_protos, m->proto);

	print_key(b, "proto", m->proto_neg);
	if (name)
		print_add(b, "%s", name);
	else
		print_add(b, "%u", m->proto);
}

/* "198.51.100.10", "2001:db8::/32", "@blocklist". */
static void print_addr(struct print_buf *b, const char *key, const struct rules_addr_match *a)
{
	char text[INET6_ADDRSTRLEN];
	int af = a->family == 4 ? AF_INET : AF_INET6;

	print_key(b, key, a->neg);
	if (a->set) {
		print_add(b, "@%s", rules_addrset_name(a->set));
		return;
	}
	if (!inet_ntop(af, a->addr.b, text, sizeof(text))) {
		print_add(b, "?");
		return;
	}
	print_add(b, "%s", text);
	if (a->plen != (a->family == 4 ? 32 : 128))
		print_add(b, "/%u", a->plen);
}

/* "22", "80,443,8000-8080". */
static void print_ports(struct print_buf *b, const char *key, const struct rules_port_match *p)
{
	print_key(b, key, p->neg);
	for (unsigned int i = 0; i < p->n && i < RULES_MAX_PORT_RANGES; i++) {
		print_add(b, "%s%u", i ? "," : "", p->r[i].lo);
		if (p->r[i].hi != p->r[i].lo)
			print_add(b, "-%u", p->r[i].hi);
	}
}

static void print_iface(struct print_buf *b, const char *key, const struct rules_iface_match *i)
{
	print_key(b, key, i->neg);
	print_add(b, "%.*s%s", RULES_IFNAMSIZ - 1, i->name, i->wildcard ? "+" : "");
}

/* Bits of BITS named by NAMES, comma-separated, in the table's order. */
static void print_bits(struct print_buf *b, const struct print_name *names, unsigned int bits)
{
	bool first = true;

	for (; names->name; names++)
		if (bits & names->value) {
			print_add(b, "%s%s", first ? "" : ",", names->name);
			first = false;
		}
}

static void print_ct_state(struct print_buf *b, uint8_t states)
{
	bool first = true;

	print_key(b, "ct_state", false);
	for (const struct print_name *n = print_ct_states; n->name; n++)
		if (states & RULES_CT_BIT(n->value)) {
			print_add(b, "%s%s", first ? "" : ",", n->name);
			first = false;
		}
}

/* "syn" as the loader's shorthand (SYN of SYN,ACK,RST,FIN), else
 * "MASK/SET" with "none" for an empty SET. */
static void print_tcp(struct print_buf *b, const struct rules_match *m)
{
	const uint8_t syn_mask = RULES_TCP_SYN | RULES_TCP_ACK | RULES_TCP_RST | RULES_TCP_FIN;

	print_key(b, "tcp_flags", m->tcp_neg);
	if (m->tcp_mask == syn_mask && m->tcp_value == RULES_TCP_SYN) {
		print_add(b, "syn");
		return;
	}
	print_bits(b, print_tcp_flags, m->tcp_mask);
	print_add(b, "/");
	if (m->tcp_value)
		print_bits(b, print_tcp_flags, m->tcp_value);
	else
		print_add(b, "none");
}

static void print_icmp(struct print_buf *b, const struct rules_match *m)
{
	bool v4 = m->icmp_family == 4;
	const char *name = print_lookup(v4 ? print_icmp_types : print_icmpv6_types,
					m->icmp_type);

	print_key(b, v4 ? "icmp_type" : "icmpv6_type", false);
	if (name)
		print_add(b, "%s", name);
	else
		print_add(b, "%u", m->icmp_type);
	if (m->icmp_code >= 0) {
		print_key(b, v4 ? "icmp_code" : "icmpv6_code", false);
		print_add(b, "%d", m->icmp_code);
	}
}

/* "0x1/0xff"; a full mask is left out, as the configuration may. */
static void print_value_mask(struct print_buf *b, uint32_t value, uint32_t mask)
{
	print_add(b, "0x%x", value);
	if (mask != UINT32_MAX)
		print_add(b, "/0x%x", mask);
}

static void print_length(struct print_buf *b, const struct rules_match *m)
{
	print_key(b, "length", m->len_neg);
	print_add(b, "%u", m->len_lo);
	if (m->len_hi != m->len_lo)
		print_add(b, "-%u", m->len_hi);
}

/* "src", "dst/24", "src/32,64": the prefixes the loader takes as its
 * defaults (32, 128) are left out, so that what an operator wrote short
 * comes back short. A key the loader cannot make prints "?". */
static void print_per(struct print_buf *b, const char *key, const struct rules_per *per)
{
	print_key(b, key, false);
	if (per->addr != RULES_PER_SRC && per->addr != RULES_PER_DST) {
		print_add(b, "?");
		return;
	}
	print_add(b, "%s", per->addr == RULES_PER_SRC ? "src" : "dst");
	if (per->plen6 != 128)
		print_add(b, "/%u,%u", per->plen4, per->plen6);
	else if (per->plen4 != 32)
		print_add(b, "/%u", per->plen4);
}

/* `limit_per` and `limit_sources` (or the connlimit ones): nothing for a
 * count of the whole rule, the table size only when it is not the
 * default, as the loader refuses a sources key without its per key. */
static void print_per_keys(struct print_buf *b, const char *per_key, const char *sources_key,
			   const struct rules_per *per)
{
	if (per->addr == RULES_PER_RULE)
		return;
	print_per(b, per_key, per);
	if (per->slots && per->slots != RULES_PER_SLOTS_DEFAULT) {
		print_key(b, sources_key, false);
		print_add(b, "%u", per->slots);
	}
}

static const struct {
	uint64_t ns;
	const char *name;
} print_units[] = {
	{ RULES_SECOND_NS, "second" }, { 60 * RULES_SECOND_NS, "minute" },
	{ 3600 * RULES_SECOND_NS, "hour" }, { RULES_DAY_NS, "day" },
};

/* "10/second burst 5": the burst always, default or not, so that the
 * listing shows the whole bucket. */
static void print_limit(struct print_buf *b, const struct rules_limit_spec *l)
{
	const char *unit = "?";

	for (size_t i = 0; i < sizeof(print_units) / sizeof(print_units[0]); i++)
		if (print_units[i].ns == l->period_ns)
			unit = print_units[i].name;
	print_key(b, "limit", false);
	print_add(b, "%u/%s burst %u", l->rate, unit, l->burst);
	print_per_keys(b, "limit_per", "limit_sources", &l->per);
}

static void print_connlimit(struct print_buf *b, const struct rules_connlimit_spec *c)
{
	print_key(b, "connlimit", false);
	print_add(b, "over %u", c->over);
	print_per_keys(b, "connlimit_per", "connlimit_sources", &c->per);
}

int rules_format_match(const struct rules_rule *r, char *buf, size_t size)
{
	struct print_buf b = { .buf = buf, .size = size };
	const struct rules_match *m = &r->m;

	if (size)
		buf[0] = '\0';
	if (m->has & RULES_M_FAMILY) {
		print_key(&b, "family", false);
		print_add(&b, "ipv%u", m->family);
	}
	if (m->has & RULES_M_PROTO)
		print_proto(&b, m);
	if (m->has & RULES_M_SRC)
		print_addr(&b, "src", &m->src);
	if (m->has & RULES_M_DST)
		print_addr(&b, "dst", &m->dst);
	if (m->has & RULES_M_SPORT)
		print_ports(&b, "sport", &m->sport);
	if (m->has & RULES_M_DPORT)
		print_ports(&b, "dport", &m->dport);
	if (m->has & RULES_M_IN)
		print_iface(&b, "in", &m->in);
	if (m->has & RULES_M_OUT)
		print_iface(&b, "out", &m->out);
	if (m->has & RULES_M_CT_STATE)
		print_ct_state(&b, m->ct_states);
	if (m->has & RULES_M_CT_DIR) {
		print_key(&b, "ct_dir", false);
		print_add(&b, "%s", m->ct_dir == CT_DIR_ORIGINAL ? "original" : "reply");
	}
	if (m->has & RULES_M_TCP_FLAGS)
		print_tcp(&b, m);
	if (m->has & RULES_M_ICMP)
		print_icmp(&b, m);
	if (m->has & RULES_M_MARK) {
		print_key(&b, "mark", m->mark_neg);
		print_value_mask(&b, m->mark_value, m->mark_mask);
	}
	if (m->has & RULES_M_LENGTH)
		print_length(&b, m);
	if (m->has & RULES_M_LIMIT)
		print_limit(&b, &r->limit_spec);
	if (m->has & RULES_M_CONNLIMIT)
		print_connlimit(&b, &r->connlimit_spec);
	return print_done(&b);
}

/* The prefix between double quotes, escaped as a libconfig string would
 * be, so that a quote or a control character in it cannot make the line
 * ambiguous. */
static void print_prefix(struct print_buf *b, const char *prefix)
{
	print_add(b, "\"");
	for (size_t i = 0; i < RULES_LOG_PREFIX_MAX && prefix[i]; i++) {
		unsigned char c = (unsigned char)prefix[i];

		if (c == '"' || c == '\\')
			print_add(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			print_add(b, "\\x%02x", c);
		else
			print_add(b, "%c", c);
	}
	print_add(b, "\"");
}

static void print_verdict(struct print_buf *b, const struct rules_rule *r)
{
	switch (r->action) {
	case RULES_ACT_CONTINUE:
		if (!r->has_log && !r->has_mark_set)
			print_word(b, "continue");
		break;
	case RULES_ACT_ACCEPT:
		print_word(b, "accept");
		break;
	case RULES_ACT_DROP:
		print_word(b, "drop");
		break;
	case RULES_ACT_REJECT:
		print_key(b, "reject", false);
		print_add(b, "%s", rules_reject_name(r->reject));
		break;
	case RULES_ACT_JUMP:
	case RULES_ACT_GOTO:
		print_key(b, r->action == RULES_ACT_JUMP ? "jump" : "goto", false);
		print_add(b, "%.*s", RULES_NAME_MAX - 1, r->target ? r->target->name : "?");
		break;
	case RULES_ACT_RETURN:
		print_word(b, "return");
		break;
	default:
		print_word(b, "?");
		break;
	}
}

int rules_format_action(const struct rules_rule *r, char *buf, size_t size)
{
	struct print_buf b = { .buf = buf, .size = size };

	if (size)
		buf[0] = '\0';
	if (r->has_log) {
		print_key(&b, "log", false);
		print_prefix(&b, r->log.prefix);
		print_key(&b, "level", false);
		if (r->log.level < sizeof(print_levels) / sizeof(print_levels[0]))
			print_add(&b, "%s", print_levels[r->log.level]);
		else
			print_add(&b, "%u", r->log.level);
	}
	if (r->has_mark_set) {
		print_key(&b, "set_mark", false);
		print_value_mask(&b, r->mark_set_value, r->mark_set_mask);
	}
	print_verdict(&b, r);
	return print_done(&b);
}
