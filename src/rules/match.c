/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The meaning of every match, one predicate each: the reference both
 * evaluators rely on (the compiled matcher only narrows down which rules
 * to ask). A match on a field the packet does not have (ports of an ICMP
 * packet, an IPv6 address of an IPv4 packet) fails, negated or not, as in
 * nftables. */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "nfqfw/rules_internal.h"

static bool rules_addr_in(const struct rules_addr_match *m, uint8_t family,
			  const union pkt_addr *a)
{
	union pkt_addr masked;

	if (m->set)
		return rules_addrset_contains(m->set, family, a);
	if (family != m->family)
		return false;
	rules_addr_mask(&masked, a, m->plen);
	return memcmp(&masked, &m->addr, sizeof(masked)) == 0;
}

static bool rules_match_addr(const struct rules_addr_match *m, const struct pkt *p,
			     const union pkt_addr *a)
{
	uint8_t family = m->set ? rules_addrset_family(m->set) : m->family;

	if (p->family != family)
		return false;
	return rules_addr_in(m, p->family, a) != m->neg;
}

static bool rules_has_ports(const struct pkt *p)
{
	return p->has_l4 && (p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP);
}

static bool rules_match_port(const struct rules_port_match *m, const struct pkt *p,
			     uint16_t port)
{
	bool in = false;

	if (!rules_has_ports(p))
		return false;
	for (unsigned int i = 0; i < m->n && !in; i++)
		in = port >= m->r[i].lo && port <= m->r[i].hi;
	return in != m->neg;
}

static bool rules_match_iface(const struct rules_iface_match *m, const char *name)
{
	bool eq;

	if (!name)
		name = "";
	if (m->wildcard)
		eq = strncmp(name, m->name, strlen(m->name)) == 0;
	else
		eq = strcmp(name, m->name) == 0;
	return eq != m->neg;
}

static bool rules_match_icmp(const struct rules_match *m, const struct pkt *p)
{
	uint8_t proto = m->icmp_family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;

	if (p->family != m->icmp_family || p->l4proto != proto || !p->has_l4)
		return false;
	return p->icmp.type == m->icmp_type &&
	       (m->icmp_code < 0 || p->icmp.code == m->icmp_code);
}

static bool rules_match_tcp_flags(const struct rules_match *m, const struct pkt *p)
{
	if (p->l4proto != IPPROTO_TCP || !p->has_l4)
		return false;
	return ((p->tcp.flags & m->tcp_mask) == m->tcp_value) != m->tcp_neg;
}

/* Cheap, common matches first: most rules fail on one of them. */
bool rules_rule_matches(const struct rules_rule *r, const struct rules_packet *rp)
{
	const struct rules_match *m = &r->m;
	const struct pkt *p = rp->p;
	uint32_t has = m->has;

	if ((has & RULES_M_FAMILY) && p->family != m->family)
		return false;
	if ((has & RULES_M_PROTO) && (p->l4proto == m->proto) == m->proto_neg)
		return false;
	if ((has & RULES_M_CT_STATE) && !(m->ct_states & RULES_CT_BIT(rp->ct)))
		return false;
	if ((has & RULES_M_CT_DIR) && rp->dir != m->ct_dir)
		return false;
	if ((has & RULES_M_SRC) && !rules_match_addr(&m->src, p, &p->saddr))
		return false;
	if ((has & RULES_M_DST) && !rules_match_addr(&m->dst, p, &p->daddr))
		return false;
	if ((has & RULES_M_SPORT) && !rules_match_port(&m->sport, p, p->sport))
		return false;
	if ((has & RULES_M_DPORT) && !rules_match_port(&m->dport, p, p->dport))
		return false;
	if ((has & RULES_M_IN) && !rules_match_iface(&m->in, rp->in))
		return false;
	if ((has & RULES_M_OUT) && !rules_match_iface(&m->out, rp->out))
		return false;
	if ((has & RULES_M_TCP_FLAGS) && !rules_match_tcp_flags(m, p))
		return false;
	if ((has & RULES_M_ICMP) && !rules_match_icmp(m, p))
		return false;
	if ((has & RULES_M_MARK) &&
	    ((rp->mark & m->mark_mask) == m->mark_value) == m->mark_neg)
		return false;
	if ((has & RULES_M_LENGTH) &&
	    (rp->len >= m->len_lo && rp->len <= m->len_hi) == m->len_neg)
		return false;
	return true;
}
