/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IP layer of pkt_parse(): the IPv4 header with its options (RFC 791)
 * and the IPv6 header with its extension header chain (RFC 8200, AH from
 * RFC 4302), down to where the transport header starts. */
#include <netinet/in.h>
#include <netinet/ip.h>
#include <string.h>

#include "internal.h"

#define IPV4_MIN_HDRLEN 20
#define IPV6_HDRLEN 40
#define IPV6_FRAGHDR_LEN 8

/* The largest payload a reassembled datagram may have: IPv4 counts its
 * (smallest, 20-byte) header in the 16-bit total length, IPv6 does not. */
#define IPV4_MAX_FRAG_END (65535 - IPV4_MIN_HDRLEN)
#define IPV6_MAX_FRAG_END 65535

/* Checks the fragment a header describes: it must not end past what a
 * datagram can hold (the "ping of death"), and all but the last must carry
 * a multiple of 8 bytes, else the next offset could not follow it. RFC 8200
 * section 4.5 says to discard both kinds; for IPv4 (where Linux trims the
 * odd bytes instead) no sender makes them either. DATA_LEN is what the IP
 * length claims, not what a truncated copy holds. */
static enum pkt_error check_fragment(const struct pkt *p, uint32_t data_len,
				     uint32_t max_end)
{
	if (p->frag_offset + data_len > max_end)
		return PKT_ERR_FRAG_OVERSIZE;
	if (p->more_fragments && data_len % 8)
		return PKT_ERR_FRAG_LENGTH;
	return PKT_OK;
}

/* Record route, source routes and timestamp carry a pointer (third byte)
 * whose smallest legal value is one past their fixed part; while the pointer
 * is inside the option a whole 4-byte slot must follow (RFC 791; Linux's
 * ip_options_compile() checks the same, and 8-byte slots for timestamps
 * with addresses, which we need not: 4 keep every read in bounds). */
static bool ipv4_option_pointer_ok(const uint8_t *opt, uint8_t olen,
				   uint8_t min_len, uint8_t min_ptr)
{
	uint8_t ptr;

	if (olen < min_len)
		return false;
	ptr = opt[2];
	if (ptr < min_ptr)
		return false;
	return ptr > olen || ptr + 3 <= olen;
}

/* Validates one option whose length byte has already been checked to lie
 * within the option space. Unknown options are skipped by length. */
static bool ipv4_option_ok(struct pkt *p, const uint8_t *opt, uint8_t olen)
{
	switch (opt[0]) {
	case IPOPT_LSRR:
	case IPOPT_SSRR:
		/* Only one source route may be given. */
		if (p->ip_ext & PKT_EXT_SOURCE_ROUTE)
			return false;
		p->ip_ext |= PKT_EXT_SOURCE_ROUTE;
		return ipv4_option_pointer_ok(opt, olen, 3, 4);
	case IPOPT_RR:
		return ipv4_option_pointer_ok(opt, olen, 3, 4);
	case IPOPT_TS:
		return ipv4_option_pointer_ok(opt, olen, 4, 5);
	case IPOPT_RA:
		return olen == 4;   /* RFC 2113 */
	default:
		return true;
	}
}

/* Walks the option list: EOL ends it (the rest is padding), NOP is one byte,
 * every other option has a length byte that counts the type and itself, so
 * below 2 the walk would stand still or land on the length byte. */
static enum pkt_error parse_ipv4_options(struct pkt *p, const uint8_t *opt,
					 size_t len)
{
	size_t i = 0;

	p->ip_ext |= PKT_EXT_IPV4_OPTIONS;
	while (i < len) {
		uint8_t olen;

		if (opt[i] == IPOPT_EOL)
			break;
		if (opt[i] == IPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return PKT_ERR_IPV4_OPTIONS;
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return PKT_ERR_IPV4_OPTIONS;
		if (!ipv4_option_ok(p, opt + i, olen))
			return PKT_ERR_IPV4_OPTIONS;
		i += olen;
	}
	return PKT_OK;
}

static enum pkt_error parse_ipv4(struct pkt *p, size_t buflen,
				 unsigned int flags)
{
	const uint8_t *h = p->data;
	unsigned int ihl;
	uint16_t frag;

	if (buflen < IPV4_MIN_HDRLEN)
		return PKT_ERR_IPV4_TRUNCATED;
	p->family = 4;
	p->tos = h[1];
	p->ttl = h[8];
	p->l4proto = h[9];
	memcpy(&p->saddr.v4, h + 12, 4);
	memcpy(&p->daddr.v4, h + 16, 4);

	ihl = (h[0] & 0x0f) * 4u;
	if (ihl < IPV4_MIN_HDRLEN || ihl > buflen)
		return PKT_ERR_IPV4_IHL;
	p->ip_len = be_get16(h + 2);
	if (p->ip_len == 0 && (flags & PKT_PARSE_TRUNCATED_COPY))
		p->ip_len = PKT_IP_LEN_BIG;
	if (p->ip_len < ihl)
		return PKT_ERR_IPV4_TOTLEN;
	if (p->ip_len > buflen && !(flags & PKT_PARSE_TRUNCATED_COPY))
		return PKT_ERR_IPV4_TOTLEN;
	if (p->ip_len < buflen)
		p->len = p->ip_len;
	p->l3_hdrlen = (uint16_t)ihl;
	p->l4_off = (uint16_t)ihl;

	if (ihl > IPV4_MIN_HDRLEN) {
		enum pkt_error err = parse_ipv4_options(p, h + IPV4_MIN_HDRLEN,
							ihl - IPV4_MIN_HDRLEN);
		if (err != PKT_OK)
			return err;
	}

	frag = be_get16(h + 6);
	p->frag_id = be_get16(h + 4);
	p->more_fragments = frag & IP_MF;
	p->frag_offset = (uint16_t)((frag & IP_OFFMASK) * 8u);
	p->is_fragment = p->more_fragments || p->frag_offset;
	if (!p->is_fragment)
		return PKT_OK;
	return check_fragment(p, p->ip_len - ihl, IPV4_MAX_FRAG_END);
}

/* Hop-by-hop and destination options are type-length-value records after
 * the 2-byte header; Pad1 is the one option without a length byte. Only the
 * framing is checked: what an option means is for the node it is for. */
static bool ipv6_options_ok(const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (opt[i] == 0) {          /* Pad1 */
			i++;
			continue;
		}
		if (len - i < 2 || (size_t)opt[i + 1] + 2 > len - i)
			return false;
		i += (size_t)opt[i + 1] + 2;
	}
	return true;
}

/* Reads the fragment header at H (8 bytes, present) at offset OFF. Sets
 * *STOP for a later fragment: only a first fragment holds the headers that
 * follow. */
static enum pkt_error parse_ipv6_fraghdr(struct pkt *p, const uint8_t *h,
					 size_t off, bool *stop)
{
	uint16_t frag = be_get16(h + 2);

	/* A second fragment header would mean fragmenting a fragment. */
	if (p->ip_ext & PKT_EXT_FRAGMENT)
		return PKT_ERR_IPV6_EXTHDR;
	p->ip_ext |= PKT_EXT_FRAGMENT;
	p->frag_offset = frag & 0xfff8;
	p->more_fragments = frag & 1;
	p->frag_id = be_get32(h + 4);
	/* Offset 0 without M is an atomic fragment (RFC 6946): a whole packet
	 * that carries the header anyway, not a fragment. */
	p->is_fragment = p->more_fragments || p->frag_offset;
	*stop = p->frag_offset != 0;
	if (!p->is_fragment)
		return PKT_OK;
	/* The unfragmentable headers count towards the reassembled payload
	 * length too: offset + ip_len - 40 - 8 in all. */
	return check_fragment(p, p->ip_len - (uint32_t)(off + IPV6_FRAGHDR_LEN),
			      IPV6_MAX_FRAG_END -
			      (uint32_t)(off - IPV6_HDRLEN));
}

static bool ipv6_is_exthdr(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_AH ||
	       nh == IPPROTO_FRAGMENT;
}

/* Length of the extension header NH at H (2 bytes present). AH counts
 * 4-byte words minus 2, the others 8-byte units minus 1; the fragment
 * header's length byte is reserved, its length fixed. */
static size_t ipv6_exthdr_len(uint8_t nh, const uint8_t *h)
{
	if (nh == IPPROTO_AH)
		return ((size_t)h[1] + 2) * 4;
	if (nh == IPPROTO_FRAGMENT)
		return IPV6_FRAGHDR_LEN;
	return ((size_t)h[1] + 1) * 8;
}

/* Checks the contents of one extension header of HLEN bytes at H (all
 * present) at offset OFF; sets *STOP after a later fragment's header. */
static enum pkt_error parse_ipv6_exthdr(struct pkt *p, uint8_t nh,
					const uint8_t *h, size_t hlen,
					size_t off, bool *stop)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
		/* RFC 8200 4.3: only right after the IPv6 header. */
		if (off != IPV6_HDRLEN)
			return PKT_ERR_IPV6_EXTHDR;
		p->ip_ext |= PKT_EXT_HOPOPTS;
		return ipv6_options_ok(h + 2, hlen - 2) ? PKT_OK : PKT_ERR_IPV6_EXTHDR;
	case IPPROTO_DSTOPTS:
		p->ip_ext |= PKT_EXT_DSTOPTS;
		return ipv6_options_ok(h + 2, hlen - 2) ? PKT_OK : PKT_ERR_IPV6_EXTHDR;
	case IPPROTO_ROUTING:
		p->ip_ext |= PKT_EXT_ROUTING;
		if (h[3] != 0)              /* segments left */
			p->ip_ext |= PKT_EXT_SOURCE_ROUTE;
		return PKT_OK;
	case IPPROTO_AH:
		/* SPI and sequence number make 12 bytes at least (RFC 4302). */
		p->ip_ext |= PKT_EXT_AH;
		return hlen >= 12 ? PKT_OK : PKT_ERR_IPV6_EXTHDR;
	default:                        /* IPPROTO_FRAGMENT */
		return parse_ipv6_fraghdr(p, h, off, stop);
	}
}

/* Walks the extension headers from the one named in the IPv6 header. ESP,
 * no-next-header and any upper-layer protocol end the walk, as in Linux's
 * ipv6_skip_exthdr(). */
static enum pkt_error walk_ipv6_exthdrs(struct pkt *p, uint8_t nh)
{
	size_t off = IPV6_HDRLEN;
	unsigned int count = 0;
	bool stop = false;

	while (!stop && ipv6_is_exthdr(nh)) {
		const uint8_t *h = p->data + off;
		enum pkt_error err;
		size_t hlen;

		if (++count > PKT_IPV6_MAX_EXTHDRS)
			return PKT_ERR_IPV6_EXTHDR_CHAIN;
		if (p->len - off < 2)
			return PKT_ERR_IPV6_EXTHDR;
		hlen = ipv6_exthdr_len(nh, h);
		if (hlen > p->len - off)
			return PKT_ERR_IPV6_EXTHDR;
		err = parse_ipv6_exthdr(p, nh, h, hlen, off, &stop);
		if (err != PKT_OK)
			return err;
		nh = h[0];
		off += hlen;
	}
	p->l4proto = nh;
	/* At most 40 + 8 * 2048 bytes, so the offset fits its 16 bits. */
	p->l3_hdrlen = (uint16_t)off;
	p->l4_off = (uint16_t)off;
	return PKT_OK;
}

static enum pkt_error parse_ipv6(struct pkt *p, size_t buflen,
				 unsigned int flags)
{
	const uint8_t *h = p->data;

	if (buflen < IPV6_HDRLEN)
		return PKT_ERR_IPV6_TRUNCATED;
	p->family = 6;
	p->tos = (uint8_t)((h[0] & 0x0f) << 4 | h[1] >> 4);
	p->ttl = h[7];
	p->l4proto = h[6];
	memcpy(p->saddr.b, h + 8, 16);
	memcpy(p->daddr.b, h + 24, 16);

	p->ip_len = IPV6_HDRLEN + (uint32_t)be_get16(h + 4);
	if (p->ip_len == IPV6_HDRLEN && (flags & PKT_PARSE_TRUNCATED_COPY))
		p->ip_len = PKT_IP_LEN_BIG;
	if (p->ip_len > buflen && !(flags & PKT_PARSE_TRUNCATED_COPY))
		return PKT_ERR_IPV6_PAYLOAD_LEN;
	if (p->ip_len < buflen)
		p->len = p->ip_len;
	return walk_ipv6_exthdrs(p, h[6]);
}

enum pkt_error pkt_parse(struct pkt *p, const uint8_t *buf, size_t len,
			 unsigned int flags)
{
	/* Copying a blank view compiles to a few vector stores; gcc makes a
	 * memset() of this size a "rep stos", which doubled the parse time. */
	static const struct pkt blank;
	enum pkt_error err;

	*p = blank;
	p->data = buf;
	p->len = len;
	if (len == 0)
		return PKT_ERR_EMPTY;
	switch (buf[0] >> 4) {
	case 4:
		err = parse_ipv4(p, len, flags);
		break;
	case 6:
		err = parse_ipv6(p, len, flags);
		break;
	default:
		return PKT_ERR_IP_VERSION;
	}
	if (err != PKT_OK)
		return err;
	return pkt_parse_l4(p);
}
