/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The NAT stage (include/nfqfw/nat.h): asking the nat chains for a
 * binding on a connection's first packet, and translating every packet of
 * a bound connection from the tuples on its entry. Which side a hook
 * translates follows the kernel: destinations before routing, sources
 * after; a reply is turned back by the opposite manipulation. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "nfqfw/bytes.h"
#include "nfqfw/csum.h"
#include "nfqfw/iface.h"
#include "nfqfw/nat.h"
#include "nfqfw/nat_alloc.h"
#include "nfqfw/nat_rewrite.h"

void nat_init(struct nat_stage *ns, struct iface_names *ifnames)
{
	ns->ifnames = ifnames;
	nat_midway_init(ns);
	if (getrandom(&ns->seed, sizeof(ns->seed), 0) != sizeof(ns->seed))
		ns->seed = 0x9e3779b9u;   /* spreading only, not a secret */
}

static uint8_t nat_bits(const struct ct_entry *e)
{
	return atomic_load_explicit(&((struct ct_entry *)e)->nat, memory_order_acquire);
}

/* Does a packet of E in DIR get manipulation M? Destination: the
 * original direction of a DNAT'd connection, replies of an SNAT'd one;
 * source: the other way round. */
static bool nat_manip_needed(const struct ct_entry *e, enum ct_dir dir, enum nat_manip m)
{
	uint8_t nat = nat_bits(e);
	uint8_t own = m == NAT_MANIP_DST ? CT_NAT_DST : CT_NAT_SRC;
	uint8_t other = m == NAT_MANIP_DST ? CT_NAT_SRC : CT_NAT_DST;

	return (dir == CT_DIR_ORIGINAL && (nat & own)) || (dir == CT_DIR_REPLY && (nat & other));
}

bool nat_pending_after_routing(const struct ct_entry *entry, enum ct_dir dir, bool has_chain)
{
	if (!entry)
		return false;
	if (nat_manip_needed(entry, dir, NAT_MANIP_SRC))
		return true;
	return has_chain && dir == CT_DIR_ORIGINAL && !(nat_bits(entry) & CT_NAT_SRC_DONE);
}

bool nat_must_drop_invalid(const struct ct_entry *entry)
{
	return entry && (nat_bits(entry) & (CT_NAT_SRC | CT_NAT_DST));
}

/* The rule of CHAIN that translates NP's connection, or NULL. */
static const struct rules_rule *nat_lookup(struct nat_stage *ns, const struct rules_chain *chain,
					   const struct nat_packet *np)
{
	char in_buf[IFACE_NAMSIZ], out_buf[IFACE_NAMSIZ];
	const struct queue_packet *qp = np->qp;
	struct rules_packet rp = {
		.p = np->p, .ct = np->info, .dir = np->dir, .mark = qp->mark,
		.len = qp->wire_len, .now_ns = qp->now_ns, .ct_table = np->ct,
		.entry = np->entry,
	};
	struct rules_result res;

	if (ns->ifnames) {
		rp.in = iface_name(ns->ifnames, qp->indev, in_buf);
		rp.out = iface_name(ns->ifnames, qp->outdev, out_buf);
	}
	rules_eval(chain, &rp, &res);
	if (res.rule && rules_action_is_nat(res.rule->action))
		return res.rule;
	return NULL;
}

static void nat_range_ports(const struct rules_rule *r, struct nat_range *range)
{
	range->has_ports = r->nat.has_ports;
	range->min_port = r->nat.min_port;
	range->max_port = r->nat.max_port;
}

/* The address masquerade (the outgoing interface's) or redirect (the
 * incoming one's; the host itself for its own packets) translates to. */
static int nat_iface_addr(struct nat_stage *ns, const struct nat_packet *np,
			  const struct rules_rule *r, union pkt_addr *out)
{
	const struct pkt *p = np->p;
	int af = p->family == 4 ? AF_INET : AF_INET6;

	memset(out, 0, sizeof(*out));
	if (r->action == RULES_ACT_REDIRECT && np->qp->indev == 0) {
		if (p->family == 4) {
			out->b[0] = 127;
			out->b[3] = 1;
		} else {
			out->b[15] = 1;
		}
		return 0;
	}
	if (!ns->ifnames)
		return -EADDRNOTAVAIL;
	if (r->action == RULES_ACT_MASQUERADE)
		return iface_primary_addr(ns->ifnames, np->qp->outdev, (uint8_t)af, &p->daddr, out)
		       ? 0 : -EADDRNOTAVAIL;
	return iface_primary_addr(ns->ifnames, np->qp->indev, (uint8_t)af, &p->saddr, out)
	       ? 0 : -EADDRNOTAVAIL;
}

static int nat_range_of(struct nat_stage *ns, const struct nat_packet *np,
			const struct rules_rule *r, struct nat_range *range)
{
	memset(range, 0, sizeof(*range));
	range->family = np->p->family;
	nat_range_ports(r, range);
	if (r->nat.has_addr) {
		range->min_addr = r->nat.min_addr;
		range->max_addr = r->nat.max_addr;
		return 0;
	}
	if (nat_iface_addr(ns, np, r, &range->min_addr) < 0)
		return -EADDRNOTAVAIL;
	range->max_addr = range->min_addr;
	return 0;
}

/* Asks CHAIN once per connection and side; binds when a rule says so. */
static enum nat_outcome nat_bind_by(struct nat_stage *ns, const struct rules_chain *chain,
				    struct nat_packet *np, enum nat_alloc_manip m,
				    struct queue_stats *stats)
{
	uint8_t done = m == NAT_ALLOC_DST ? CT_NAT_DST_DONE : CT_NAT_SRC_DONE;
	const struct rules_rule *r;
	struct nat_range range;
	int err;

	atomic_fetch_or_explicit(&np->entry->nat, done, memory_order_acq_rel);
	r = nat_lookup(ns, chain, np);
	if (!r)
		return NAT_UNCHANGED;
	err = nat_range_of(ns, np, r, &range);
	if (err == 0)
		err = nat_bind(np->ct, np->entry, m, &range, ns->seed);
	if (err < 0) {
		stat_inc(err == -EADDRNOTAVAIL ? &stats->nat_exhausted : &stats->nat_failed);
		/* The connection must not go on untranslated: it is forgotten
		 * (even if confirmed at prerouting), so its next packet asks
		 * for a binding again. */
		ct_remove(np->ct, np->entry);
		return NAT_DROP;
	}
	stat_inc(&stats->nat_bound);
	if ((nat_bits(np->entry) & (CT_NAT_SRC | CT_NAT_DST)) == (CT_NAT_SRC | CT_NAT_DST))
		nat_midway_note(ns, np->entry);
	return NAT_UNCHANGED;
}

/* An ICMP error about the connection travels in NP->dir: its outer
 * header is translated like a packet of that direction, the packet it
 * quotes (which went the other way) by the opposite manipulation. */
static int nat_translate_error(struct nat_packet *np, enum nat_manip m,
			       const struct ct_tuple *target, unsigned int flags)
{
	return nat_rewrite_icmp_error_target(np->buf, np->qp->len, np->p, m, target, flags);
}

/* A packet handed over with its transport checksum not computed yet
 * (NFQA_SKB_CSUMNOTREADY: the field holds the pseudo-header sum, for the
 * NIC to finish) goes back marked as complete: nfnetlink_queue sets
 * CHECKSUM_NONE on every packet whose payload a verdict replaces. So a
 * translated one gets its whole checksum computed here. */
static void nat_complete_csum(uint8_t *buf, const struct pkt *p)
{
	const uint8_t *src = p->family == 4 ? buf + 12 : buf + 8;
	const uint8_t *dst = p->family == 4 ? buf + 16 : buf + 24;
	size_t l4_len = p->len - p->l4_off;
	uint8_t *l4 = buf + p->l4_off;
	size_t field;
	uint16_t sum;

	if (!p->has_l4 || p->is_fragment)
		return;
	if (p->l4proto == IPPROTO_TCP)
		field = 16;
	else if (p->l4proto == IPPROTO_UDP)
		field = 6;
	else if (p->l4proto == IPPROTO_ICMPV6)
		field = 2;
	else
		return;
	if (l4_len < field + 2)
		return;
	l4[field] = l4[field + 1] = 0;
	sum = p->family == 4 ? csum_ipv4_l4(src, dst, p->l4proto, l4, l4_len)
			     : csum_ipv6_l4(src, dst, p->l4proto, l4, l4_len);
	if (p->l4proto == IPPROTO_UDP)
		sum = csum_udp_final(sum);
	be_put16(l4 + field, sum);
}

static enum nat_outcome nat_apply(struct nat_packet *np, enum nat_manip m,
				  struct queue_stats *stats)
{
	const struct queue_packet *qp = np->qp;
	unsigned int flags = (qp->skb_info & NFQA_SKB_CSUMNOTREADY) ? NAT_REWRITE_CSUM_PARTIAL : 0;
	struct ct_tuple target;
	int err;

	if (!nat_manip_needed(np->entry, np->dir, m))
		return NAT_UNCHANGED;
	/* Only the whole packet can be given back. */
	if (qp->len < qp->wire_len) {
		stat_inc(&stats->nat_failed);
		return NAT_DROP;
	}
	nat_target(np->entry, np->dir, &target);
	if (np->info == CT_INFO_RELATED && np->p->icmp.is_error &&
	    (np->p->l4proto == IPPROTO_ICMP || np->p->l4proto == IPPROTO_ICMPV6))
		err = nat_translate_error(np, m, &target, flags);
	else
		err = nat_rewrite(np->buf, qp->len, np->p, m, nat_tuple_addr(&target, m),
				  nat_tuple_port(&target, m), flags);
	if (err < 0) {
		stat_inc(&stats->nat_failed);
		return NAT_DROP;
	}
	if (flags & NAT_REWRITE_CSUM_PARTIAL)
		nat_complete_csum(np->buf, np->p);
	stat_inc(&stats->nat_rewritten);
	return NAT_REWRITTEN;
}

enum nat_outcome nat_before_routing(struct nat_stage *ns, const struct rules_chain *chain,
				    struct nat_packet *np, struct queue_stats *stats)
{
	if (!np->entry)
		return NAT_UNCHANGED;
	if (chain && np->created && np->dir == CT_DIR_ORIGINAL &&
	    !(nat_bits(np->entry) & CT_NAT_DST_DONE) &&
	    nat_bind_by(ns, chain, np, NAT_ALLOC_DST, stats) == NAT_DROP)
		return NAT_DROP;
	return nat_apply(np, NAT_MANIP_DST, stats);
}

enum nat_outcome nat_after_routing(struct nat_stage *ns, const struct rules_chain *chain,
				   struct nat_packet *np, struct queue_stats *stats)
{
	if (!np->entry)
		return NAT_UNCHANGED;
	if (chain && np->dir == CT_DIR_ORIGINAL && np->info != CT_INFO_RELATED &&
	    !(nat_bits(np->entry) & CT_NAT_SRC_DONE) &&
	    nat_bind_by(ns, chain, np, NAT_ALLOC_SRC, stats) == NAT_DROP)
		return NAT_DROP;
	return nat_apply(np, NAT_MANIP_SRC, stats);
}
