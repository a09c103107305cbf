/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NAT header rewrite: a new source or destination address and port (or
 * ICMP identifier) with the checksums that cover them updated in place by
 * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), summed over every 16-bit word
 * that changes. Updating rather than recomputing needs none of the data
 * (so first fragments and cut quotes work) and keeps a wrong checksum
 * wrong. The rules per protocol follow the kernel's nf_nat_proto.c. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/csum.h"
#include "rewrite_internal.h"

#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

/* ICMPv4 types with an identifier: echo, timestamp, information, address
 * mask and their replies (RFC 792, RFC 950), as the parser counts them. */
#define ICMP_QUERY_TYPES \
	(1u << 0 | 1u << 8 | 1u << 13 | 1u << 14 | 1u << 15 | 1u << 16 | \
	 1u << 17 | 1u << 18)
/* ICMPv4 errors (Linux's icmp_is_err()); ICMPv6 errors are types < 128. */
#define ICMP_ERROR_TYPES \
	(1u << 3 | 1u << 4 | 1u << 5 | 1u << 11 | 1u << 12)

/* Where the fields are in the transport header; -1: none. */
struct nat_rw_fields {
	int  port;      /* port or ICMP identifier */
	int  csum;
	bool pseudo;    /* the checksum covers the pseudo-header */
	bool udp_zero;  /* 0 means "no checksum"; a computed 0 is sent 0xffff */
};

static bool icmpv4_has_id(uint8_t type)
{
	return type < 32 && (ICMP_QUERY_TYPES & 1u << type);
}

static bool icmp_is_error(uint8_t family, uint8_t type)
{
	if (family == 6)
		return type < 128;
	return type < 32 && (ICMP_ERROR_TYPES & 1u << type);
}

/* The ICMP type, or 0xff (no identifier, not an error) if not present. */
static uint8_t rw_icmp_type(const struct nat_rw_pkt *v)
{
	return v->l4_off < v->len ? v->ip[v->l4_off] : 0xff;
}

/* ICMP over IPv6 and ICMPv6 over IPv4 are nobody's protocol: opaque, as
 * the parser treats them. */
static bool rw_is_icmp(const struct nat_rw_pkt *v)
{
	return v->l4proto == (v->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
}

static void rw_fields_of(const struct nat_rw_pkt *v, enum nat_manip m,
			 struct nat_rw_fields *f)
{
	uint8_t type;

	*f = (struct nat_rw_fields){ .port = -1, .csum = -1, .pseudo = true };
	if (!v->l4_hdr)
		return;
	switch (v->l4proto) {
	case IPPROTO_TCP:
		f->port = m == NAT_MANIP_SRC ? 0 : 2;
		f->csum = 16;
		return;
	case IPPROTO_UDP:
		f->port = m == NAT_MANIP_SRC ? 0 : 2;
		f->udp_zero = true;
		f->csum = 6;
		return;
	case IPPROTO_UDPLITE:   /* RFC 3828 3.1: a computed 0 is sent 0xffff */
		f->udp_zero = true;
		f->csum = 6;
		return;
	case IPPROTO_DCCP:      /* RFC 4340 9.1 */
		f->csum = 6;
		return;
	default:
		break;
	}
	if (!rw_is_icmp(v))
		return;
	type = rw_icmp_type(v);
	if (v->family == 4) {
		f->pseudo = false;
		if (icmpv4_has_id(type)) {
			f->port = 4;
			f->csum = 2;
		}
	} else {
		f->csum = 2;
		if (type == ICMPV6_ECHO_REQUEST || type == ICMPV6_ECHO_REPLY)
			f->port = 4;
	}
}

/* Whether the 2-byte field at OFF of the transport header is present. */
static bool rw_has(const struct nat_rw_pkt *v, int off)
{
	return off >= 0 && (size_t)v->l4_off + (size_t)off + 2 <= v->len;
}

int nat_rw_view(struct nat_rw_pkt *v, uint8_t *buf, size_t len,
		const struct pkt *p)
{
	size_t min = p->family == 4 ? 20 : 40;

	if ((p->family != 4 && p->family != 6) || len < p->len ||
	    p->len < min || p->l4_off < min || p->l4_off > p->len)
		return -EINVAL;
	if (p->len < p->ip_len)
		return -ENODATA;
	*v = (struct nat_rw_pkt){
		.ip = buf,
		.len = p->len,
		.family = p->family,
		.l4proto = p->l4proto,
		.l4_off = p->l4_off,
		.l4_hdr = p->frag_offset == 0,
		.source_route = p->ip_ext & PKT_EXT_SOURCE_ROUTE,
	};
	return 0;
}

int nat_rw_check(const struct nat_rw_pkt *v, enum nat_manip m)
{
	if (m != NAT_MANIP_SRC && m != NAT_MANIP_DST)
		return -EINVAL;
	if (m == NAT_MANIP_DST && v->source_route)
		return -EOPNOTSUPP;
	if (!v->quote || !v->l4_hdr)
		return 0;
	/* A quote must hold what identifies the flow, as conntrack needs it
	 * to call the error RELATED: both ports (RFC 792 promises 8 bytes,
	 * src/ct/icmp_error.c reads 4), or the whole ICMP header. */
	if (rw_is_icmp(v)) {
		if ((size_t)v->l4_off + 8 > v->len)
			return -EBADMSG;
		if (icmp_is_error(v->family, rw_icmp_type(v)))
			return -EINVAL;
		return 0;
	}
	if ((v->l4proto == IPPROTO_TCP || v->l4proto == IPPROTO_UDP) &&
	    (size_t)v->l4_off + 4 > v->len)
		return -EBADMSG;
	return 0;
}

/* Adds the change of N bytes (N even) from FROM to TO: ~m + m' per word. */
static uint32_t rw_delta(uint32_t d, const uint8_t *from, const uint8_t *to,
			 size_t n)
{
	for (size_t i = 0; i < n; i += 2) {
		d = csum_add16(d, (uint16_t)~be_get16(from + i));
		d = csum_add16(d, be_get16(to + i));
	}
	return d;
}

/* HC' = ~(~HC + delta). */
static uint16_t rw_update(uint16_t csum, uint32_t delta)
{
	return csum_fold(csum_add16(delta, (uint16_t)~csum));
}

/* The transport checksum after an address change of PSEUDO and a port or
 * identifier change of DATA. A partial checksum field holds the folded
 * pseudo-header sum itself, uncomplemented: only PSEUDO applies to it
 * (Linux's inet_proto_csum_replace*() with pseudohdr set). */
static void rw_l4_csum(uint8_t *field, const struct nat_rw_fields *f,
		       uint32_t pseudo, uint32_t data, bool partial)
{
	uint16_t c = be_get16(field);

	if (partial) {
		if (!f->pseudo)
			return;
		c = (uint16_t)~rw_update((uint16_t)~c, pseudo);
	} else {
		if (f->udp_zero && c == 0)
			return;
		c = rw_update(c, (f->pseudo ? pseudo : 0) + data);
	}
	if (f->udp_zero && c == 0)
		c = 0xffff;
	be_put16(field, c);
}

void nat_rw_apply(const struct nat_rw_pkt *v, enum nat_manip m,
		  const union pkt_addr *addr, uint16_t port, bool partial)
{
	size_t alen = v->family == 4 ? 4 : 16;
	size_t aoff = v->family == 4 ? (m == NAT_MANIP_SRC ? 12 : 16)
				     : (m == NAT_MANIP_SRC ? 8 : 24);
	uint8_t *l4 = v->ip + v->l4_off;
	struct nat_rw_fields f;
	uint32_t pseudo, data = 0;

	rw_fields_of(v, m, &f);     /* before the bytes change */
	pseudo = rw_delta(0, v->ip + aoff, addr->b, alen);
	memmove(v->ip + aoff, addr->b, alen);
	if (v->family == 4)
		be_put16(v->ip + 10, rw_update(be_get16(v->ip + 10), pseudo));
	if (rw_has(v, f.port)) {
		uint8_t to[2] = { (uint8_t)(port >> 8), (uint8_t)port };

		data = rw_delta(0, l4 + f.port, to, 2);
		memcpy(l4 + f.port, to, 2);
	}
	if (rw_has(v, f.csum))
		rw_l4_csum(l4 + f.csum, &f, pseudo, data, partial);
}

int nat_rewrite(uint8_t *buf, size_t len, const struct pkt *p,
		enum nat_manip m, const union pkt_addr *addr, uint16_t port,
		unsigned int flags)
{
	struct nat_rw_pkt v;
	int err;

	if (!buf || !p || !addr || flags & ~NAT_REWRITE_CSUM_PARTIAL)
		return -EINVAL;
	err = nat_rw_view(&v, buf, len, p);
	if (err)
		return err;
	if (v.l4_hdr && rw_is_icmp(&v) && icmp_is_error(v.family, rw_icmp_type(&v)))
		return -EINVAL;
	err = nat_rw_check(&v, m);
	if (err)
		return err;
	nat_rw_apply(&v, m, addr, port, flags & NAT_REWRITE_CSUM_PARTIAL);
	return 0;
}
