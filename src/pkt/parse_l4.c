/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The transport layer of pkt_parse(): TCP with its options (RFC 9293,
 * RFC 7323, RFC 2018), UDP (RFC 768), ICMP (RFC 792) and ICMPv6 (RFC 4443).
 * Everything else is passed on as an opaque payload. */
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "internal.h"

#define TCP_MIN_HDRLEN 20
#define UDP_HDRLEN 8
#define ICMP_HDRLEN 8           /* type, code, checksum, 4 bytes of rest */

/* ICMPv4 types (RFC 792, 950) by what they carry: errors quote the packet
 * that caused them (the same set as Linux's icmp_is_err()); queries and
 * their replies carry an identifier and a sequence number. */
#define ICMP_ERROR_TYPES \
	(1u << 3 | 1u << 4 | 1u << 5 | 1u << 11 | 1u << 12)
#define ICMP_QUERY_TYPES \
	(1u << 0 | 1u << 8 | 1u << 13 | 1u << 14 | 1u << 15 | 1u << 16 | \
	 1u << 17 | 1u << 18)

#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

/* One option of a known kind. A wrong length makes the option absent, as
 * it is to the Linux stack (tcp_parse_options()), rather than the segment
 * malformed. */
static void parse_tcp_option(struct pkt_tcp *t, const uint8_t *o, uint8_t olen)
{
	switch (o[0]) {
	case TCPOPT_MAXSEG:
		if (olen == 4) {
			t->has_mss = true;
			t->mss = be_get16(o + 2);
		}
		break;
	case TCPOPT_WINDOW:
		if (olen == 3) {
			t->has_wscale = true;
			t->wscale = o[2];
		}
		break;
	case TCPOPT_SACK_PERMITTED:
		if (olen == 2)
			t->sack_permitted = true;
		break;
	case TCPOPT_SACK:
		/* 2 + 8n bytes; 40 bytes of option space hold 4 blocks. */
		if (olen >= 10 && (olen - 2) % 8 == 0) {
			uint8_t n = (uint8_t)((olen - 2) / 8);

			if (n > PKT_TCP_MAX_SACK)
				n = PKT_TCP_MAX_SACK;
			for (uint8_t i = 0; i < n; i++) {
				t->sack[i][0] = be_get32(o + 2 + 8 * i);
				t->sack[i][1] = be_get32(o + 6 + 8 * i);
			}
			t->sack_count = n;
		}
		break;
	case TCPOPT_TIMESTAMP:
		if (olen == 10) {
			t->has_timestamps = true;
			t->ts_val = be_get32(o + 2);
			t->ts_ecr = be_get32(o + 6);
		}
		break;
	default:
		break;
	}
}

/* Walks LEN bytes of options at O. EOL ends the list, NOP is one byte, any
 * other option needs a length byte of at least 2 (it counts kind and
 * itself; less would loop) that stays within the option space. */
static enum pkt_error parse_tcp_options(struct pkt_tcp *t, const uint8_t *o,
					size_t len)
{
	size_t i = 0;

	/* Most segments of an established connection carry just NOP, NOP,
	 * timestamps (RFC 7323 appendix A), as Linux sends them. */
	if (len == 12 && o[0] == TCPOPT_NOP && o[1] == TCPOPT_NOP &&
	    o[2] == TCPOPT_TIMESTAMP && o[3] == 10) {
		t->has_timestamps = true;
		t->ts_val = be_get32(o + 4);
		t->ts_ecr = be_get32(o + 8);
		return PKT_OK;
	}
	while (i < len) {
		uint8_t olen;

		if (o[i] == TCPOPT_EOL)
			break;
		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return PKT_ERR_TCP_OPTIONS;
		olen = o[i + 1];
		if (olen < 2 || olen > len - i)
			return PKT_ERR_TCP_OPTIONS;
		parse_tcp_option(t, o + i, olen);
		i += olen;
	}
	return PKT_OK;
}

/* AVAIL bytes are present at H, CLAIMED (>= AVAIL) are what the IP length
 * gives the segment. A data offset beyond CLAIMED is malformed; within it
 * but beyond AVAIL only our copy is short. */
static enum pkt_error parse_tcp(struct pkt *p, const uint8_t *h, size_t avail,
				size_t claimed)
{
	struct pkt_tcp *t = &p->tcp;
	unsigned int doff;

	if (avail < TCP_MIN_HDRLEN)
		return PKT_ERR_TCP_TRUNCATED;
	p->sport = be_get16(h);
	p->dport = be_get16(h + 2);
	t->seq = be_get32(h + 4);
	t->ack = be_get32(h + 8);
	t->flags = h[13];
	t->window = be_get16(h + 14);
	doff = (h[12] >> 4) * 4u;
	if (doff < TCP_MIN_HDRLEN || doff > claimed)
		return PKT_ERR_TCP_DOFF;
	if (doff > avail)
		return PKT_ERR_TCP_TRUNCATED;
	t->doff = (uint8_t)doff;
	if (doff > TCP_MIN_HDRLEN) {
		enum pkt_error err = parse_tcp_options(t, h + TCP_MIN_HDRLEN,
						       doff - TCP_MIN_HDRLEN);
		if (err != PKT_OK)
			return err;
	}
	p->payload_off = (uint16_t)(p->l4_off + doff);
	p->payload_len = (uint32_t)(avail - doff);
	return PKT_OK;
}

/* The UDP length covers header and data and may stop short of the IP
 * payload. In a first fragment it describes the reassembled datagram, so
 * only its lower bound can be checked. */
static enum pkt_error parse_udp(struct pkt *p, const uint8_t *h, size_t avail,
				size_t claimed)
{
	uint16_t ulen;

	if (avail < UDP_HDRLEN)
		return PKT_ERR_UDP_TRUNCATED;
	p->sport = be_get16(h);
	p->dport = be_get16(h + 2);
	ulen = be_get16(h + 4);
	if (ulen < UDP_HDRLEN)
		return PKT_ERR_UDP_LENGTH;
	if (ulen > claimed && !p->more_fragments)
		return PKT_ERR_UDP_LENGTH;
	p->payload_off = (uint16_t)(p->l4_off + UDP_HDRLEN);
	p->payload_len = (uint32_t)((ulen < avail ? ulen : avail) - UDP_HDRLEN);
	return PKT_OK;
}

static void classify_icmpv4(struct pkt_icmp *ic)
{
	uint32_t bit = ic->type < 32 ? 1u << ic->type : 0;

	ic->is_error = bit & ICMP_ERROR_TYPES;
	if (!(bit & ICMP_QUERY_TYPES))
		ic->id = ic->seq = 0;
}

/* RFC 4443 2.1: every type below 128 is an error message. */
static void classify_icmpv6(struct pkt_icmp *ic)
{
	ic->is_error = ic->type < 128;
	if (ic->type != ICMPV6_ECHO_REQUEST && ic->type != ICMPV6_ECHO_REPLY)
		ic->id = ic->seq = 0;
}

static enum pkt_error parse_icmp(struct pkt *p, const uint8_t *h, size_t avail)
{
	struct pkt_icmp *ic = &p->icmp;

	if (avail < ICMP_HDRLEN)
		return PKT_ERR_ICMP_TRUNCATED;
	ic->type = h[0];
	ic->code = h[1];
	ic->id = be_get16(h + 4);
	ic->seq = be_get16(h + 6);
	if (p->family == 4)
		classify_icmpv4(ic);
	else
		classify_icmpv6(ic);
	if (ic->is_error)
		ic->inner_off = (uint16_t)(p->l4_off + ICMP_HDRLEN);
	p->payload_off = (uint16_t)(p->l4_off + ICMP_HDRLEN);
	p->payload_len = (uint32_t)(avail - ICMP_HDRLEN);
	return PKT_OK;
}

/* ICMP over IPv6 and ICMPv6 over IPv4 are nobody's protocol: opaque. */
static bool icmp_matches_family(const struct pkt *p)
{
	return p->l4proto == (p->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
}

enum pkt_error pkt_parse_l4(struct pkt *p)
{
	const uint8_t *h = p->data + p->l4_off;
	size_t avail = p->len - p->l4_off;
	size_t claimed = p->ip_len - p->l4_off;
	enum pkt_error err;

	/* Until a header says otherwise, everything after the IP headers is
	 * payload: the view of other protocols and of later fragments. */
	p->payload_off = p->l4_off;
	p->payload_len = (uint32_t)avail;
	if (p->frag_offset != 0)
		return PKT_OK;
	switch (p->l4proto) {
	case IPPROTO_TCP:
		err = parse_tcp(p, h, avail, claimed);
		break;
	case IPPROTO_UDP:
		err = parse_udp(p, h, avail, claimed);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (!icmp_matches_family(p))
			return PKT_OK;
		err = parse_icmp(p, h, avail);
		break;
	default:
		return PKT_OK;
	}
	if (err != PKT_OK)
		return err;
	p->has_l4 = true;
	return PKT_OK;
}
