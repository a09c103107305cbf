/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ICMPv6 tracker (the kernel's nf_conntrack_proto_icmpv6.c): echo
 * (RFC 4443) and node information (RFC 4620) queries and their replies,
 * as the ICMP tracker does it; the timeout is icmp_timeout, as the kernel's
 * icmpv6 timeout has the same 30 s default. Errors, neighbour discovery and
 * MLD are handled in src/ct/icmp_error.c. */
#include "../internal.h"

static const struct ct_icmp_pair ct_icmpv6_pairs[] = {
	{ 128, 129, "echo" },
	{ 139, 140, "node information" },
};

static bool icmpv6_invert_tuple(struct ct_tuple *inv, const struct ct_tuple *orig)
{
	return ct_icmp_invert(ct_icmpv6_pairs,
			      sizeof(ct_icmpv6_pairs) / sizeof(ct_icmpv6_pairs[0]), inv, orig);
}

static bool icmpv6_new_conn(struct ct_entry *ct, const struct pkt *p,
			    const struct ct_settings *cfg, struct ct_reason *why)
{
	(void)p;
	(void)cfg;
	return ct_icmp_new_conn(ct_icmpv6_pairs,
				sizeof(ct_icmpv6_pairs) / sizeof(ct_icmpv6_pairs[0]), ct, why);
}

const struct ct_l4proto ct_l4proto_icmpv6 = {
	.name = "icmpv6",
	.l4proto = IPPROTO_ICMPV6,
	.pkt_to_tuple = ct_icmp_pkt_to_tuple,
	.invert_tuple = icmpv6_invert_tuple,
	.new_conn = icmpv6_new_conn,
	.packet = ct_icmp_packet,
	.print_state = ct_l4_print_nothing,
	.can_early_drop = NULL,
};
