/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMP and ICMPv6 messages that are not connections of their own, as the
 * kernel's nf_conntrack_icmpv4_error(), nf_conntrack_icmpv6_error() and
 * nf_conntrack_inet_error() treat them:
 * - an error (destination unreachable, source quench, redirect, time
 *   exceeded, parameter problem; ICMPv6 types below 128, packet too big
 *   among them) quotes the packet that caused it. That packet travelled the
 *   other way, so the inverse of its tuple is looked up: found, the error is
 *   RELATED to that connection in the direction of the tuple found; not
 *   found, it is INVALID. An error about an error quotes a message without
 *   a reply tuple, so it is INVALID too.
 * - ICMPv4 types above 18 are unknown (RFC 1122 3.2.2): INVALID.
 * - Neighbour discovery and MLD (ICMPv6 130-136, 143) are not tracked. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "internal.h"
#include "nfqfw/bytes.h"

#define ICMP_HIGHEST_TYPE 18    /* the kernel's NR_ICMP_TYPES */

/* ICMPv6 messages the kernel leaves untracked (noct_valid_new[]). */
static bool ct_icmpv6_untracked(uint8_t type)
{
	switch (type) {
	case 130:       /* multicast listener query */
	case 131:       /* multicast listener report */
	case 132:       /* multicast listener done */
	case 133:       /* router solicitation */
	case 134:       /* router advertisement */
	case 135:       /* neighbour solicitation */
	case 136:       /* neighbour advertisement */
	case 143:       /* MLDv2 report */
		return true;
	default:
		return false;
	}
}

static bool ct_addr_equal(const union pkt_addr *a, const union pkt_addr *b,
			  uint8_t family)
{
	return family == 4 ? a->v4 == b->v4 : memcmp(a->b, b->b, 16) == 0;
}

/* A quoted packet need only hold its transport header's first 8 bytes
 * (RFC 792), and the kernel reads no more than the ports of TCP and UDP:
 * where pkt_parse() stopped at the transport header for want of bytes,
 * the ports are taken from what is there. This relies on pkt_parse()
 * having filled the IP part (family, addresses, l4proto, l4_off) before it
 * looked at the transport header. */
static bool ct_inner_salvage(struct pkt *in, enum pkt_error err)
{
	const uint8_t *h;

	if (!pkt_error_in_transport(err))
		return false;
	if ((in->family != 4 && in->family != 6) || in->frag_offset ||
	    in->l4_off < 20 || (size_t)in->l4_off + 4 > in->len)
		return false;
	h = in->data + in->l4_off;
	in->sport = be_get16(h);
	in->dport = be_get16(h + 2);
	in->has_l4 = true;
	return true;
}

static const char *ct_icmp_name(uint8_t family)
{
	return family == 4 ? "ICMP" : "ICMPv6";
}

/* Parses the packet quoted by error P into *IN and takes its tuple. */
static bool ct_inner_tuple(const struct pkt *p, struct pkt *in, struct ct_tuple *tuple,
			   struct ct_reason *why)
{
	size_t off = p->icmp.inner_off;
	enum pkt_error err = pkt_parse(in, p->data + off, p->len - off,
				       PKT_PARSE_TRUNCATED_COPY);

	if (err != PKT_OK && !ct_inner_salvage(in, err)) {
		ct_why(why, "%s error quotes a packet that does not parse (%s)",
		       ct_icmp_name(p->family), pkt_error_name(err));
		return false;
	}
	if (in->family != p->family) {
		ct_why(why, "%s error quotes an IPv%u packet", ct_icmp_name(p->family),
		       in->family);
		return false;
	}
	if (!ct_tuple_from_pkt(in, ct_l4proto_find(in->family, in->l4proto), tuple)) {
		ct_why(why, "%s error quotes a packet without its transport header",
		       ct_icmp_name(p->family));
		return false;
	}
	return true;
}

static void ct_icmp_error(struct ct_table *t, const struct pkt *p, uint64_t now_ns,
			  struct ct_result *res)
{
	char outer[INET6_ADDRSTRLEN], inner[INET6_ADDRSTRLEN];
	int af = p->family == 4 ? AF_INET : AF_INET6;
	struct ct_tuple quoted, answer, found;
	struct ct_entry *ct;
	struct pkt in;
	enum ct_dir dir;

	if (!ct_inner_tuple(p, &in, &quoted, &res->reason))
		return;
	if (!ct_tuple_invert(&answer, &quoted)) {
		ct_why(&res->reason, "%s error quotes a message that is no connection (type %u)",
		       ct_icmp_name(p->family), quoted.dport >> 8);
		return;
	}
	ct = ct_table_find(t, &answer, now_ns, &dir);
	if (!ct) {
		ct_why(&res->reason, "%s error quotes no tracked connection",
		       ct_icmp_name(p->family));
		return;
	}
	/* The error goes where the quoted packet came from: to the
	 * destination of the tuple found (the kernel's check against errors
	 * sent to a third host in the name of a tracked connection). */
	ct_entry_tuple(ct, dir, &found);   /* a NAT binding may be moving it */
	if (!ct_addr_equal(&p->daddr, &found.dst, p->family)) {
		inet_ntop(af, p->daddr.b, outer, sizeof(outer));
		inet_ntop(af, found.dst.b, inner, sizeof(inner));
		ct_why(&res->reason, "%s error: outer daddr %s != inner %s",
		       ct_icmp_name(p->family), outer, inner);
		return;
	}
	res->ct = ct;
	res->dir = dir;
	res->info = CT_INFO_RELATED;
}

bool ct_icmp_special(struct ct_table *t, const struct pkt *p, uint64_t now_ns,
		     struct ct_result *res)
{
	if (!p->has_l4)
		return false;
	if (p->family == 4 && p->l4proto == IPPROTO_ICMP) {
		if (p->icmp.type > ICMP_HIGHEST_TYPE) {
			ct_why(&res->reason, "ICMP type %u is unknown (above %u)",
			       p->icmp.type, ICMP_HIGHEST_TYPE);
			res->info = CT_INFO_INVALID;
			ct_stat_add(t, CT_STAT_INVALID, 1);
			return true;
		}
	} else if (p->family == 6 && p->l4proto == IPPROTO_ICMPV6) {
		if (ct_icmpv6_untracked(p->icmp.type)) {
			ct_why(&res->reason, "ICMPv6 type %u (neighbour discovery or MLD) is not tracked",
			       p->icmp.type);
			res->info = CT_INFO_UNTRACKED;
			return true;
		}
	} else {
		return false;
	}
	if (!p->icmp.is_error)
		return false;
	ct_icmp_error(t, p, now_ns, res);
	if (res->info == CT_INFO_INVALID)
		ct_stat_add(t, CT_STAT_INVALID, 1);
	return true;
}
