/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tuples: a packet's addresses, protocol and ports (or ICMP identifier and
 * type) in the direction it travels, and the tuple of its answer. A tuple
 * is hashed and compared as its 40 bytes, so every byte that does not carry
 * information (the 12 unused bytes of an IPv4 address, the padding) is 0. */
#include <string.h>

#include "internal.h"

_Static_assert(sizeof(struct ct_tuple) == 40,
	       "struct ct_tuple is hashed and compared as 40 bytes without holes");

bool ct_tuple_equal(const struct ct_tuple *a, const struct ct_tuple *b)
{
	uint64_t x[5], y[5];

	/* Five word compares; memcpy() keeps the loads legal for any alignment
	 * and compiles to plain moves. */
	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) |
		(x[4] ^ y[4])) == 0;
}

bool ct_tuple_from_pkt(const struct pkt *p, const struct ct_l4proto *l4,
		       struct ct_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->family = p->family;
	t->l4proto = p->l4proto;
	if (p->family == 4) {
		t->src.v4 = p->saddr.v4;
		t->dst.v4 = p->daddr.v4;
	} else {
		t->src = p->saddr;
		t->dst = p->daddr;
	}
	return l4->pkt_to_tuple(p, t);
}

bool ct_tuple_invert(struct ct_tuple *inv, const struct ct_tuple *orig)
{
	const struct ct_l4proto *l4 = ct_l4proto_find(orig->family, orig->l4proto);

	memset(inv, 0, sizeof(*inv));
	inv->family = orig->family;
	inv->l4proto = orig->l4proto;
	inv->src = orig->dst;
	inv->dst = orig->src;
	return l4->invert_tuple(inv, orig);
}
