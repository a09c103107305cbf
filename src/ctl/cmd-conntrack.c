/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `conntrack`: the connection table as `conntrack -L` prints it (so that
 * operators' habits and scripts carry over), or as JSON; `conntrack flush`
 * and `conntrack delete` with the same filters. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/ct.h"
#include "nfqfw/ctl_cmd.h"
#include "nfqfw/invalid_log.h"
#include "nfqfw/log.h"

/* A filter: every field that is set must match the original tuple
 * (`addr` matches any address of either tuple). */
struct ct_filter {
	bool has_proto, has_src, has_dst, has_addr, has_sport, has_dport;
	uint8_t proto;
	struct ct_tuple src, dst, addr;   /* family + address used */
	uint16_t sport, dport;
};

static bool ct_filter_parse_addr(const char *s, struct ct_tuple *t)
{
	memset(t, 0, sizeof(*t));
	if (inet_pton(AF_INET, s, &t->src.v4) == 1) {
		t->family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, t->src.b) == 1) {
		t->family = 6;
		return true;
	}
	return false;
}

static bool ct_filter_parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static bool ct_filter_parse_proto(const char *s, uint8_t *proto)
{
	static const struct { const char *name; uint8_t num; } names[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
	};
	char *end;
	unsigned long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*proto = names[i].num;
			return true;
		}
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v > 255)
		return false;
	*proto = (uint8_t)v;
	return true;
}

/* Parses WORD ("key=value") into F. Returns false if it is not one. */
static bool ct_filter_add(struct ct_filter *f, const char *word)
{
	const char *eq = strchr(word, '=');
	char key[16];

	if (!eq || eq == word || (size_t)(eq - word) >= sizeof(key))
		return false;
	memcpy(key, word, (size_t)(eq - word));
	key[eq - word] = '\0';
	if (strcmp(key, "proto") == 0)
		return f->has_proto = ct_filter_parse_proto(eq + 1, &f->proto);
	if (strcmp(key, "src") == 0)
		return f->has_src = ct_filter_parse_addr(eq + 1, &f->src);
	if (strcmp(key, "dst") == 0)
		return f->has_dst = ct_filter_parse_addr(eq + 1, &f->dst);
	if (strcmp(key, "addr") == 0)
		return f->has_addr = ct_filter_parse_addr(eq + 1, &f->addr);
	if (strcmp(key, "sport") == 0)
		return f->has_sport = ct_filter_parse_port(eq + 1, &f->sport);
	if (strcmp(key, "dport") == 0)
		return f->has_dport = ct_filter_parse_port(eq + 1, &f->dport);
	return false;
}

static bool ct_addr_is(const union pkt_addr *a, uint8_t family,
		       const struct ct_tuple *want)
{
	if (family != want->family)
		return false;
	return family == 4 ? a->v4 == want->src.v4 : memcmp(a->b, want->src.b, 16) == 0;
}

static bool ct_filter_match(const struct ct_entry *ct, void *arg)
{
	const struct ct_filter *f = arg;
	const struct ct_tuple *o = &ct->tuple[CT_DIR_ORIGINAL];
	const struct ct_tuple *r = &ct->tuple[CT_DIR_REPLY];

	if (f->has_proto && o->l4proto != f->proto)
		return false;
	if (f->has_src && !ct_addr_is(&o->src, o->family, &f->src))
		return false;
	if (f->has_dst && !ct_addr_is(&o->dst, o->family, &f->dst))
		return false;
	if (f->has_addr && !ct_addr_is(&o->src, o->family, &f->addr) &&
	    !ct_addr_is(&o->dst, o->family, &f->addr) &&
	    !ct_addr_is(&r->src, r->family, &f->addr) &&
	    !ct_addr_is(&r->dst, r->family, &f->addr))
		return false;
	if (f->has_sport && o->sport != f->sport)
		return false;
	if (f->has_dport && o->dport != f->dport)
		return false;
	return true;
}

static bool ct_is_icmp(uint8_t l4proto)
{
	return l4proto == IPPROTO_ICMP || l4proto == IPPROTO_ICMPV6;
}

static bool ct_has_ports(uint8_t l4proto)
{
	return l4proto == IPPROTO_TCP || l4proto == IPPROTO_UDP ||
	       l4proto == IPPROTO_SCTP || l4proto == IPPROTO_UDPLITE ||
	       l4proto == IPPROTO_DCCP;
}

/* "src=A dst=B sport=X dport=Y" as conntrack -L writes a tuple. */
static int ctl_ct_format_tuple(const struct ct_tuple *t, char *buf, size_t size)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int af = t->family == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, t->src.b, src, sizeof(src));
	inet_ntop(af, t->dst.b, dst, sizeof(dst));
	if (ct_is_icmp(t->l4proto))
		return snprintf(buf, size, "src=%s dst=%s type=%u code=%u id=%u",
				src, dst, t->dport >> 8, t->dport & 0xff, t->sport);
	if (ct_has_ports(t->l4proto))
		return snprintf(buf, size, "src=%s dst=%s sport=%u dport=%u",
				src, dst, t->sport, t->dport);
	return snprintf(buf, size, "src=%s dst=%s", src, dst);
}

/* One line in conntrack -L's format: protocol name (padded to 8) and
 * number, seconds left, state, original tuple, [UNREPLIED], reply tuple,
 * [ASSURED], mark, use. Returns the length. */
int ctl_ct_format_line(const struct ct_entry *ct, uint64_t now_ns,
		       char *buf, size_t size)
{
	uint32_t status = atomic_load_explicit(&((struct ct_entry *)ct)->status,
					       memory_order_relaxed);
	char state[32] = "", orig[160], reply[160];

	if (ct->l4->print_state && ct->l4->print_state(ct, state, sizeof(state)) > 0)
		strcat(state, " ");
	ctl_ct_format_tuple(&ct->tuple[CT_DIR_ORIGINAL], orig, sizeof(orig));
	ctl_ct_format_tuple(&ct->tuple[CT_DIR_REPLY], reply, sizeof(reply));
	return snprintf(buf, size, "%-8s %u %u %s%s %s%s%s mark=%u use=1",
			ct->l4->name, ct->tuple[CT_DIR_ORIGINAL].l4proto,
			ct_entry_timeout_left(ct, now_ns), state, orig,
			status & CT_S_SEEN_REPLY ? "" : "[UNREPLIED] ", reply,
			status & CT_S_ASSURED ? " [ASSURED]" : "",
			atomic_load_explicit(&((struct ct_entry *)ct)->mark,
					     memory_order_relaxed));
}

struct ct_list_walk {
	struct ctl_call *call;
	struct ctl_json json;
	struct ct_filter *filter;
	uint64_t now_ns;
	unsigned int count;
};

static void ct_json_tuple(struct ctl_json *j, const char *key, const struct ct_tuple *t)
{
	char addr[INET6_ADDRSTRLEN];
	int af = t->family == 4 ? AF_INET : AF_INET6;

	ctl_json_object_begin(j, key);
	ctl_json_str(j, "src", inet_ntop(af, t->src.b, addr, sizeof(addr)));
	ctl_json_str(j, "dst", inet_ntop(af, t->dst.b, addr, sizeof(addr)));
	if (ct_is_icmp(t->l4proto)) {
		ctl_json_u64(j, "type", t->dport >> 8);
		ctl_json_u64(j, "code", t->dport & 0xff);
		ctl_json_u64(j, "id", t->sport);
	} else if (ct_has_ports(t->l4proto)) {
		ctl_json_u64(j, "sport", t->sport);
		ctl_json_u64(j, "dport", t->dport);
	}
	ctl_json_object_end(j);
}

static void ct_json_entry(struct ct_list_walk *w, const struct ct_entry *ct)
{
	struct ctl_json *j = &w->json;
	uint32_t status = atomic_load_explicit(&((struct ct_entry *)ct)->status,
					       memory_order_relaxed);
	char state[32] = "";

	if (ct->l4->print_state)
		ct->l4->print_state(ct, state, sizeof(state));
	ctl_json_object_begin(j, NULL);
	ctl_json_u64(j, "id", ct->id);
	ctl_json_str(j, "family", ct->tuple[0].family == 4 ? "ipv4" : "ipv6");
	ctl_json_str(j, "proto", ct->l4->name);
	ctl_json_u64(j, "protonum", ct->tuple[0].l4proto);
	ctl_json_u64(j, "timeout", ct_entry_timeout_left(ct, w->now_ns));
	if (state[0])
		ctl_json_str(j, "state", state);
	else
		ctl_json_null(j, "state");
	ct_json_tuple(j, "orig", &ct->tuple[CT_DIR_ORIGINAL]);
	ct_json_tuple(j, "reply", &ct->tuple[CT_DIR_REPLY]);
	ctl_json_bool(j, "unreplied", !(status & CT_S_SEEN_REPLY));
	ctl_json_bool(j, "assured", status & CT_S_ASSURED);
	ctl_json_u64(j, "mark", atomic_load_explicit(&((struct ct_entry *)ct)->mark,
						     memory_order_relaxed));
	ctl_json_u64(j, "packets_orig", atomic_load_explicit(&((struct ct_entry *)ct)->packets[0], memory_order_relaxed));
	ctl_json_u64(j, "packets_reply", atomic_load_explicit(&((struct ct_entry *)ct)->packets[1], memory_order_relaxed));
	ctl_json_u64(j, "bytes_orig", atomic_load_explicit(&((struct ct_entry *)ct)->bytes[0], memory_order_relaxed));
	ctl_json_u64(j, "bytes_reply", atomic_load_explicit(&((struct ct_entry *)ct)->bytes[1], memory_order_relaxed));
	ctl_json_object_end(j);
}

static int ct_list_one(const struct ct_entry *ct, void *arg)
{
	struct ct_list_walk *w = arg;
	char line[512];

	/* Expired but not collected yet: gone, as far as anyone can tell. */
	if (!ct_filter_match(ct, w->filter) || ct_entry_timeout_left(ct, w->now_ns) == 0)
		return 0;
	w->count++;
	if (w->call->format == CTL_FORMAT_JSON) {
		ct_json_entry(w, ct);
	} else {
		ctl_ct_format_line(ct, w->now_ns, line, sizeof(line));
		ctl_buf_puts(w->call->body, line);
		ctl_buf_puts(w->call->body, "\n");
	}
	/* A reply that grows past the limit stops the walk; the caller
	 * reports it instead of sending half a table. */
	return w->call->body->failed ? 1 : 0;
}

static int ct_cmd_list(struct ctl_call *call, struct ct_table *t, struct ct_filter *f)
{
	struct ct_list_walk w = { .call = call, .filter = f, .now_ns = log_now_ns() };

	if (call->format == CTL_FORMAT_JSON) {
		ctl_json_init(&w.json, call->body);
		ctl_json_object_begin(&w.json, NULL);
		ctl_json_array_begin(&w.json, "connections");
	}
	ct_read_lock();
	ct_table_foreach(t, ct_list_one, &w);
	ct_read_unlock();
	if (call->format == CTL_FORMAT_JSON) {
		ctl_json_array_end(&w.json);
		ctl_json_u64(&w.json, "count", w.count);
		ctl_json_object_end(&w.json);
		ctl_json_finish(&w.json);
	} else {
		ctl_buf_printf(call->body, "conntrack: %u flow entries have been shown.\n",
			       w.count);
	}
	if (call->body->failed)
		return ctl_call_fail(call, CTL_EXIT_FAILURE,
				     "the connection table is too large to list in one reply; use filters");
	return CTL_EXIT_OK;
}

static int ct_cmd_remove(struct ctl_call *call, struct ct_table *t, struct ct_filter *f,
			 const char *what)
{
	unsigned int n;

	ct_read_lock();
	n = ct_table_remove_if(t, ct_filter_match, f);
	ct_read_unlock();
	if (call->format == CTL_FORMAT_JSON) {
		struct ctl_json j;

		ctl_json_init(&j, call->body);
		ctl_json_object_begin(&j, NULL);
		ctl_json_u64(&j, what, n);
		ctl_json_object_end(&j);
		ctl_json_finish(&j);
	} else {
		ctl_buf_printf(call->body, "conntrack: %u flow entries have been %s.\n", n, what);
	}
	return CTL_EXIT_OK;
}

static const char *ct_proto_name(uint8_t l4proto, char *buf, size_t size)
{
	switch (l4proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	default:
		snprintf(buf, size, "%u", l4proto);
		return buf;
	}
}

/* "[2001:db8::1]:80" or "192.0.2.1:80" */
static void ct_format_endpoint(const struct invalid_record *r, bool source,
			       char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	int af = r->family == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, source ? r->saddr.b : r->daddr.b, addr, sizeof(addr));
	snprintf(buf, size, af == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		 source ? r->sport : r->dport);
}

static void ct_invalid_json(struct ctl_call *call, const struct invalid_record *recs,
			    unsigned int n, uint64_t skipped, uint64_t now_ns)
{
	struct ctl_json j;
	char from[64], to[64], pbuf[8];

	ctl_json_init(&j, call->body);
	ctl_json_object_begin(&j, NULL);
	ctl_json_array_begin(&j, "invalid");
	for (unsigned int i = 0; i < n; i++) {
		const struct invalid_record *r = &recs[i];

		ct_format_endpoint(r, true, from, sizeof(from));
		ct_format_endpoint(r, false, to, sizeof(to));
		ctl_json_object_begin(&j, NULL);
		ctl_json_u64(&j, "age_ms", (now_ns - r->when_ns) / 1000000u);
		ctl_json_str(&j, "hook", stats_hook_name(r->hook));
		ctl_json_str(&j, "proto", ct_proto_name(r->l4proto, pbuf, sizeof(pbuf)));
		ctl_json_str(&j, "from", from);
		ctl_json_str(&j, "to", to);
		ctl_json_str(&j, "verdict", r->dropped ? "dropped" : "accepted");
		ctl_json_str(&j, "reason", r->reason);
		ctl_json_object_end(&j);
	}
	ctl_json_array_end(&j);
	ctl_json_u64(&j, "not_recorded", skipped);
	ctl_json_object_end(&j);
	ctl_json_finish(&j);
}

static void ct_invalid_text(struct ctl_call *call, const struct invalid_record *recs,
			    unsigned int n, uint64_t skipped, uint64_t now_ns)
{
	char from[64], to[64], pbuf[8];

	for (unsigned int i = 0; i < n; i++) {
		const struct invalid_record *r = &recs[i];

		ct_format_endpoint(r, true, from, sizeof(from));
		ct_format_endpoint(r, false, to, sizeof(to));
		ctl_buf_printf(call->body, "%7.1fs ago  %-11s %-6s %s -> %s %s: ",
			       (double)(now_ns - r->when_ns) / 1e9,
			       stats_hook_name(r->hook),
			       ct_proto_name(r->l4proto, pbuf, sizeof(pbuf)), from, to,
			       r->dropped ? "dropped" : "accepted");
		ctl_buf_put_safe(call->body, r->reason[0] ? r->reason : "no reason given");
		ctl_buf_puts(call->body, "\n");
	}
	ctl_buf_printf(call->body, "conntrack: the last %u INVALID packets%s.\n", n,
		       skipped ? " (some were not recorded while the list was busy)" : "");
}

/* The latest INVALID verdicts, oldest first, each with its reason. */
static int ct_cmd_invalid(struct ctl_call *call)
{
	static struct invalid_record recs[INVALID_LOG_SIZE];
	uint64_t skipped, now_ns = log_now_ns();
	unsigned int n;

	if (!call->ctx->invalid)
		return ctl_call_fail(call, CTL_EXIT_FAILURE, "no record of INVALID packets is kept");
	n = invalid_log_read(call->ctx->invalid, recs, &skipped);
	if (call->format == CTL_FORMAT_JSON)
		ct_invalid_json(call, recs, n, skipped, now_ns);
	else
		ct_invalid_text(call, recs, n, skipped, now_ns);
	return CTL_EXIT_OK;
}

int ctl_cmd_conntrack(struct ctl_call *call)
{
	struct ct_table *t = call->ctx->ct;
	struct ct_filter f = { 0 };
	const char *sub = call->argc > 0 ? call->argv[0] : "list";

	if (strcmp(sub, "invalid") == 0) {
		if (call->argc > 1)
			return ctl_call_fail(call, CTL_EXIT_USAGE, "invalid takes no filter");
		return ct_cmd_invalid(call);
	}
	if (!t)
		return ctl_call_fail(call, CTL_EXIT_FAILURE, "connection tracking is not running");
	for (unsigned int i = 1; i < call->argc; i++)
		if (!ct_filter_add(&f, call->argv[i]))
			return ctl_call_fail(call, CTL_EXIT_USAGE,
					     "bad filter '%s' (use proto=, src=, dst=, addr=, sport=, dport=)",
					     call->argv[i]);
	if (strcmp(sub, "list") == 0)
		return ct_cmd_list(call, t, &f);
	if (strcmp(sub, "flush") == 0) {
		if (call->argc > 1)
			return ctl_call_fail(call, CTL_EXIT_USAGE, "flush takes no filter; use delete");
		return ct_cmd_remove(call, t, &f, "deleted");
	}
	if (strcmp(sub, "delete") == 0) {
		if (call->argc < 2)
			return ctl_call_fail(call, CTL_EXIT_USAGE,
					     "delete needs at least one filter; flush deletes everything");
		return ct_cmd_remove(call, t, &f, "deleted");
	}
	return ctl_call_fail(call, CTL_EXIT_USAGE,
			     "unknown conntrack command '%s' (list, flush, delete, invalid)", sub);
}
