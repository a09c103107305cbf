/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by src/nat/rewrite.c and src/nat/rewrite_icmp.c only: one IP
 * packet to rewrite (a whole packet, or the packet an ICMP error quotes),
 * checked first so that a refusal leaves the buffer as it was, then
 * rewritten by a step that cannot fail. */
#ifndef NFQFW_NAT_REWRITE_INTERNAL_H
#define NFQFW_NAT_REWRITE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqfw/bytes.h"
#include "nfqfw/nat_rewrite.h"

struct nat_rw_pkt {
	uint8_t *ip;            /* the IP header */
	size_t   len;           /* bytes of the packet present at ip */
	uint8_t  family;        /* 4 or 6 */
	uint8_t  l4proto;
	uint16_t l4_off;        /* where the transport header is or would be */
	bool     l4_hdr;        /* it is there (not a later fragment), though
				 * a quote may hold only its first bytes */
	bool     source_route;  /* PKT_EXT_SOURCE_ROUTE */
	bool     quote;         /* inside an ICMP error: fields may be cut */
};

/* The view of the packet P describes, BUF holding its LEN bytes. -EINVAL,
 * -ENODATA as nat_rewrite() documents. */
int nat_rw_view(struct nat_rw_pkt *v, uint8_t *buf, size_t len,
		const struct pkt *p);

/* Whether V can take manip M: -EOPNOTSUPP for a destination rewrite of a
 * source-routed packet, -EBADMSG for a quote cut before the end of its
 * TCP/UDP ports or ICMP header, -EINVAL for a quoted ICMP error. */
int nat_rw_check(const struct nat_rw_pkt *v, enum nat_manip m);

/* Rewrites V (checked) as nat_rewrite() documents; PARTIAL is
 * NAT_REWRITE_CSUM_PARTIAL. */
void nat_rw_apply(const struct nat_rw_pkt *v, enum nat_manip m,
		  const union pkt_addr *addr, uint16_t port, bool partial);

#endif
