/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Translation of ICMP and ICMPv6 errors about a NAT'd flow (RFC 5508
 * section 4.2, the kernel's nf_nat_icmp_reply_translation()): the quoted
 * packet is rewritten like a packet of the flow going the other way, then
 * the outer header, and the error's checksum follows both. The kernel
 * recomputes that checksum over the whole message; we update it by the
 * difference of the quote's sums before and after, which needs no more
 * than the quote and keeps a wrong checksum wrong. */
#include <errno.h>
#include <netinet/in.h>

#include "nfqfw/csum.h"
#include "rewrite_internal.h"

/* The quote parses as a packet cut short: a transport header cut before its
 * end is still worth its first bytes (see nat_rw_check()). Relies, as
 * src/ct/icmp_error.c does, on pkt_parse() having filled the IP part
 * (family, len, l4proto, l4_off, fragment) before it looked at the
 * transport header. */
static bool quote_cut_in_l4(enum pkt_error err)
{
	return pkt_error_in_transport(err) || err == PKT_ERR_ICMP_TRUNCATED;
}

/* The view of the quoted packet: Q, QLEN bytes, in an error of FAMILY. */
static int quote_view(struct nat_rw_pkt *v, uint8_t *q, size_t qlen,
		      uint8_t family)
{
	struct pkt in;
	enum pkt_error err = pkt_parse(&in, q, qlen, PKT_PARSE_TRUNCATED_COPY);

	if (err != PKT_OK && !quote_cut_in_l4(err))
		return -EBADMSG;
	if (in.family != family)
		return -EINVAL;
	if (in.len > qlen || in.l4_off > in.len)
		return -EBADMSG;        /* cannot happen; keeps reads in bounds */
	*v = (struct nat_rw_pkt){
		.ip = q,
		.len = in.len,
		.family = in.family,
		.l4proto = in.l4proto,
		.l4_off = in.l4_off,
		.l4_hdr = in.frag_offset == 0,
		.source_route = in.ip_ext & PKT_EXT_SOURCE_ROUTE,
		.quote = true,
	};
	return 0;
}

static bool is_icmp_error(const struct pkt *p)
{
	return p->has_l4 && p->icmp.is_error &&
	       p->l4proto == (p->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
}

/* One's complement sum of N bytes at B, folded, not complemented. */
static uint16_t quote_sum(const uint8_t *b, size_t n)
{
	return (uint16_t)~csum_fold(csum_add(0, b, n));
}

int nat_rewrite_icmp_error(uint8_t *buf, size_t len, const struct pkt *p,
			   enum nat_manip outer_m,
			   const union pkt_addr *outer_addr,
			   enum nat_manip inner_m,
			   const union pkt_addr *inner_addr,
			   uint16_t inner_port, unsigned int flags)
{
	struct nat_rw_pkt outer, inner;
	uint8_t *quote, *field;
	size_t qlen;
	uint16_t before;
	int err;

	if (!buf || !p || !outer_addr || !inner_addr ||
	    flags & ~NAT_REWRITE_CSUM_PARTIAL)
		return -EINVAL;
	err = nat_rw_view(&outer, buf, len, p);
	if (err)
		return err;
	if (!is_icmp_error(p) || p->icmp.inner_off > p->len)
		return -EINVAL;
	/* The quote starts 8 bytes into the message: its words are the
	 * message's words, so its sum is the message's share. */
	quote = buf + p->icmp.inner_off;
	qlen = p->len - p->icmp.inner_off;
	err = quote_view(&inner, quote, qlen, p->family);
	if (!err)
		err = nat_rw_check(&inner, inner_m);
	if (!err)
		err = nat_rw_check(&outer, outer_m);
	if (err)
		return err;
	before = quote_sum(quote, qlen);
	nat_rw_apply(&inner, inner_m, inner_addr, inner_port, false);
	/* A partial checksum is completed over the quote as it leaves. */
	if (!(flags & NAT_REWRITE_CSUM_PARTIAL)) {
		uint32_t delta = csum_add16(csum_add16(0, (uint16_t)~before),
					    quote_sum(quote, qlen));

		field = buf + p->l4_off + 2;
		be_put16(field, csum_fold(csum_add16(delta,
						      (uint16_t)~be_get16(field))));
	}
	nat_rw_apply(&outer, outer_m, outer_addr, 0,
		     flags & NAT_REWRITE_CSUM_PARTIAL);
	return 0;
}
