/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ICMP tracker (the kernel's nf_conntrack_proto_icmp.c): a query and
 * its reply are a connection, known by the identifier and the type and
 * code (RFC 792, RFC 950). Only a query opens one: a reply that finds no
 * entry is INVALID (the kernel: "can't create new conn with type"). Every
 * packet renews icmp_timeout (30 s). Errors never get here: they are
 * RELATED or INVALID (src/ct/icmp_error.c). The helpers below serve the
 * ICMPv6 tracker too. */
#include "../internal.h"

static const struct ct_icmp_pair ct_icmp_pairs[] = {
	{ 8, 0, "echo" },
	{ 13, 14, "timestamp" },
	{ 15, 16, "information" },
	{ 17, 18, "address mask" },
};

/* The identifier is read from its place in the header whatever the type,
 * as the kernel reads it (the parser gives it for queries only). */
bool ct_icmp_pkt_to_tuple(const struct pkt *p, struct ct_tuple *t)
{
	const uint8_t *h;

	if (!p->has_l4)
		return false;   /* a later fragment */
	h = p->data + p->l4_off;        /* has_l4: all 8 header bytes are there */
	t->sport = (uint16_t)(h[4] << 8 | h[5]);
	t->dport = (uint16_t)(p->icmp.type << 8 | p->icmp.code);
	return true;
}

static const struct ct_icmp_pair *ct_icmp_pair_of(const struct ct_icmp_pair *pairs,
						  size_t n, uint8_t type)
{
	for (size_t i = 0; i < n; i++)
		if (pairs[i].request == type || pairs[i].reply == type)
			return &pairs[i];
	return NULL;
}

bool ct_icmp_invert(const struct ct_icmp_pair *pairs, size_t n,
		    struct ct_tuple *inv, const struct ct_tuple *orig)
{
	uint8_t type = (uint8_t)(orig->dport >> 8);
	const struct ct_icmp_pair *pair = ct_icmp_pair_of(pairs, n, type);

	if (!pair)
		return false;
	type = type == pair->request ? pair->reply : pair->request;
	inv->sport = orig->sport;
	inv->dport = (uint16_t)(type << 8 | (orig->dport & 0xff));
	return true;
}

bool ct_icmp_new_conn(const struct ct_icmp_pair *pairs, size_t n,
		      const struct ct_entry *ct, struct ct_reason *why)
{
	const struct ct_tuple *t = &ct->tuple[CT_DIR_ORIGINAL];
	uint8_t type = (uint8_t)(t->dport >> 8);
	const struct ct_icmp_pair *pair = ct_icmp_pair_of(pairs, n, type);

	if (pair && pair->request == type)
		return true;
	ct_why(why, "%s %s reply (type %u, id %u) with no request: cannot open a connection",
	       ct->l4->name, pair ? pair->name : "?", type, t->sport);
	return false;
}

int ct_icmp_packet(struct ct_entry *ct, const struct pkt *p, enum ct_dir dir,
		   const struct ct_settings *cfg, struct ct_reason *why)
{
	(void)ct;
	(void)p;
	(void)dir;
	(void)why;
	return (int)cfg->icmp_timeout;
}

static bool icmp_invert_tuple(struct ct_tuple *inv, const struct ct_tuple *orig)
{
	return ct_icmp_invert(ct_icmp_pairs, sizeof(ct_icmp_pairs) / sizeof(ct_icmp_pairs[0]),
			      inv, orig);
}

static bool icmp_new_conn(struct ct_entry *ct, const struct pkt *p,
			  const struct ct_settings *cfg, struct ct_reason *why)
{
	(void)p;
	(void)cfg;
	return ct_icmp_new_conn(ct_icmp_pairs,
				sizeof(ct_icmp_pairs) / sizeof(ct_icmp_pairs[0]), ct, why);
}

const struct ct_l4proto ct_l4proto_icmp = {
	.name = "icmp",
	.l4proto = IPPROTO_ICMP,
	.pkt_to_tuple = ct_icmp_pkt_to_tuple,
	.invert_tuple = icmp_invert_tuple,
	.new_conn = icmp_new_conn,
	.packet = ct_icmp_packet,
	.print_state = ct_l4_print_nothing,
	.can_early_drop = NULL,
};
