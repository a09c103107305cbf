/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tracker of every protocol we know nothing about (the kernel's
 * nf_conntrack_proto_generic.c): a connection is a pair of addresses and a
 * protocol number, alive for generic_timeout after its last packet, never
 * ASSURED. Also ICMP over IPv6 and ICMPv6 over IPv4, which are nobody's. */
#include "../internal.h"

int ct_l4_print_nothing(const struct ct_entry *ct, char *buf, size_t size)
{
	(void)ct;
	if (size)
		buf[0] = '\0';
	return 0;
}

static bool generic_pkt_to_tuple(const struct pkt *p, struct ct_tuple *t)
{
	(void)p;
	(void)t;        /* no ports: they stay 0 */
	return true;
}

static bool generic_invert_tuple(struct ct_tuple *inv, const struct ct_tuple *orig)
{
	(void)inv;
	(void)orig;
	return true;
}

static bool generic_new_conn(struct ct_entry *ct, const struct pkt *p,
			     const struct ct_settings *cfg, struct ct_reason *why)
{
	(void)ct;
	(void)p;
	(void)cfg;
	(void)why;
	return true;
}

static int generic_packet(struct ct_entry *ct, const struct pkt *p, enum ct_dir dir,
			  const struct ct_settings *cfg, struct ct_reason *why)
{
	(void)ct;
	(void)p;
	(void)dir;
	(void)why;
	return (int)cfg->generic_timeout;
}

const struct ct_l4proto ct_l4proto_generic = {
	.name = "unknown",
	.l4proto = 0,
	.pkt_to_tuple = generic_pkt_to_tuple,
	.invert_tuple = generic_invert_tuple,
	.new_conn = generic_new_conn,
	.packet = generic_packet,
	.print_state = ct_l4_print_nothing,
	.can_early_drop = NULL,
};
