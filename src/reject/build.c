/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Builds the reply of the reject action: a whole IPv4/IPv6 packet holding a
 * TCP reset, or an ICMP/ICMPv6 "destination unreachable" message for the
 * kernel to wrap in an IP header. Decides first whether any reply may be
 * sent at all. Everything is read from the parser's view (struct pkt), which
 * is checked for consistency before its offsets are trusted. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/bytes.h"
#include "nfqfw/csum.h"
#include "nfqfw/reject.h"

#define IPV4_HDRLEN 20
#define IPV6_HDRLEN 40
#define TCP_HDRLEN 20
#define ICMP_HDRLEN 8

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define ICMP_DEST_UNREACH 3
#define ICMP_LAST_KNOWN_TYPE 18         /* the kernel answers none above it */
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_INFO_FIRST 128            /* below: error messages */
#define ICMPV6_REDIRECT 137

/* The quote may fill the rest of the 576-byte datagram (RFC 1812 4.3.2.3)
 * or of the 1280-byte minimum IPv6 MTU (RFC 4443 2.4(c)). */
#define ICMP4_QUOTE_MAX (REJECT_ICMP4_DATAGRAM_MAX - IPV4_HDRLEN - ICMP_HDRLEN)
#define ICMP6_QUOTE_MAX (REJECT_REPLY_MAX - ICMP_HDRLEN)

static const char *const reject_skip_names[] = {
	[REJECT_OK] = "ok",
	[REJECT_SKIP_NONE] = "none",
	[REJECT_SKIP_NOT_TCP] = "not_tcp",
	[REJECT_SKIP_RST] = "rst",
	[REJECT_SKIP_FRAGMENT] = "fragment",
	[REJECT_SKIP_LENGTH] = "length",
	[REJECT_SKIP_ICMP_ERROR] = "icmp_error",
	[REJECT_SKIP_SRC_ADDR] = "src_addr",
	[REJECT_SKIP_DST_ADDR] = "dst_addr",
	[REJECT_SKIP_BAD_CSUM] = "bad_csum",
	[REJECT_SKIP_MALFORMED] = "malformed",
	[REJECT_SKIP_RATE_LIMIT] = "rate_limit",
};

const char *reject_skip_name(enum reject_skip skip)
{
	if ((unsigned int)skip >= REJECT_SKIP_COUNT)
		return "unknown";
	return reject_skip_names[skip];
}

/* The offsets a reply reads through must lie inside the buffer: pkt_parse()
 * promises it, but a view built or altered elsewhere must not make us read
 * past the end. */
static bool view_ok(const struct pkt *p)
{
	size_t min_l3 = p->family == 4 ? IPV4_HDRLEN : IPV6_HDRLEN;

	if (!p->data || (p->family != 4 && p->family != 6))
		return false;
	if (p->l3_hdrlen < min_l3 || p->l3_hdrlen > p->len)
		return false;
	if (p->ip_len < p->len)
		return false;
	if (!p->has_l4)
		return true;
	if (p->l4_off < p->l3_hdrlen || p->l4_off > p->len)
		return false;
	if (p->l4proto == IPPROTO_TCP)
		return p->tcp.doff >= TCP_HDRLEN && p->l4_off + (size_t)p->tcp.doff <= p->len;
	/* UDP and ICMP headers are 8 bytes; csum_l4_verify() sums the bytes
	 * the UDP length names. */
	if (p->l4_off + (size_t)ICMP_HDRLEN > p->len)
		return false;
	if (p->l4proto == IPPROTO_UDP) {
		const uint8_t *u = p->data + p->l4_off;

		return p->is_fragment || p->len < p->ip_len ||
		       (size_t)(u[4] << 8 | u[5]) <= p->len - p->l4_off;
	}
	return true;
}

/* RFC 1122 3.2.2 and RFC 1812 4.3.2.7: no reply to a source that does not
 * name one host: "this network" (0/8), multicast (224/4), class E and the
 * limited broadcast (240/4). Loopback is allowed: such a packet only exists
 * on lo, where a locally generated connection is being rejected. */
static bool v4_src_ok(const union pkt_addr *a)
{
	uint8_t first = a->b[0];

	return first != 0 && first < 224;
}

/* Nor to a packet sent to multicast or the limited broadcast. A directed
 * (subnet) broadcast cannot be told from the packet: that needs the routing
 * table, which the kernel's REJECT consults and we do not. */
static bool v4_dst_ok(const union pkt_addr *a)
{
	static const uint8_t bcast[4] = { 255, 255, 255, 255 };

	return (a->b[0] & 0xf0) != 224 && memcmp(a->b, bcast, 4) != 0;
}

/* RFC 4443 2.4(e.3, e.6), and nf_send_reset6() which answers only unicast
 * to unicast: not the unspecified address, not multicast (ff00::/8), not
 * an IPv4-mapped address (never on the wire, RFC 4291 2.5.5.2). */
static bool v6_unicast(const union pkt_addr *a)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->b[0] == 0xff)
		return false;
	if (memcmp(a->b, zero, 16) == 0)
		return false;
	return memcmp(a->b, mapped, 12) != 0;
}

static enum reject_skip check_addresses(const struct pkt *p)
{
	if (p->family == 4) {
		if (!v4_src_ok(&p->saddr))
			return REJECT_SKIP_SRC_ADDR;
		return v4_dst_ok(&p->daddr) ? REJECT_OK : REJECT_SKIP_DST_ADDR;
	}
	if (!v6_unicast(&p->saddr))
		return REJECT_SKIP_SRC_ADDR;
	return v6_unicast(&p->daddr) ? REJECT_OK : REJECT_SKIP_DST_ADDR;
}

/* As nf_reject_ip_tcphdr_get() and reject6_csum_ok(): a packet whose
 * transport checksum is wrong may not be what it says, so it gets no
 * answer. One that cannot be verified (a fragment, a truncated copy, a
 * checksum the sender's offload has not filled in yet) does. */
static bool csum_acceptable(const struct pkt *p, const struct reject_origin *o)
{
	if (o && o->csum_not_ready)
		return true;
	return csum_l4_verify(p) != -EBADMSG;
}

static void reply_init(struct reject_reply *r, const struct pkt *p,
		       const struct reject_origin *o, bool whole_ip)
{
	r->family = p->family;
	r->whole_ip = whole_ip;
	r->dst = p->saddr;
	/* fe80::/10 means nothing without its interface. */
	r->scope_id = 0;
	if (p->family == 6 && p->saddr.b[0] == 0xfe && (p->saddr.b[1] & 0xc0) == 0x80 && o)
		r->scope_id = o->ifindex;
}

/* nf_reject_ip_tcphdr_put(): ports swapped; if the segment acknowledged
 * something, the reset takes that as its sequence number and carries no
 * ACK (RFC 9293 3.10.7.1: the peer accepts it as in window); otherwise it
 * acknowledges all the segment occupied, so that a SYN-SENT peer
 * accepts it. */
static void put_tcp_reset(uint8_t *t, const struct pkt *p, uint32_t seg_len)
{
	const struct pkt_tcp *o = &p->tcp;

	memset(t, 0, TCP_HDRLEN);
	be_put16(t, p->dport);
	be_put16(t + 2, p->sport);
	t[12] = (TCP_HDRLEN / 4) << 4;
	if (o->flags & TCP_ACK) {
		be_put32(t + 4, o->ack);
		t[13] = TCP_RST;
	} else {
		uint32_t ack = o->seq + seg_len + !!(o->flags & TCP_SYN) + !!(o->flags & TCP_FIN);

		be_put32(t + 8, ack);
		t[13] = TCP_RST | TCP_ACK;
	}
}

/* nf_reject_iphdr_put(): TOS 0, id 0 (the kernel picks one for a raw
 * header with id 0), DF, the addresses swapped. */
static void put_reset4(struct reject_reply *r, const struct pkt *p, uint32_t seg_len)
{
	uint8_t *ip = r->bytes, *t = r->bytes + IPV4_HDRLEN;

	memset(ip, 0, IPV4_HDRLEN);
	ip[0] = 0x45;
	be_put16(ip + 2, IPV4_HDRLEN + TCP_HDRLEN);
	be_put16(ip + 6, 0x4000);
	ip[8] = REJECT_TTL;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, p->daddr.b, 4);
	memcpy(ip + 16, p->saddr.b, 4);
	be_put16(ip + 10, csum_ipv4_header(ip, IPV4_HDRLEN));
	put_tcp_reset(t, p, seg_len);
	be_put16(t + 16, csum_ipv4_l4(ip + 12, ip + 16, IPPROTO_TCP, t, TCP_HDRLEN));
	r->len = IPV4_HDRLEN + TCP_HDRLEN;
}

/* nf_reject_ip6hdr_put(): traffic class and flow label 0. */
static void put_reset6(struct reject_reply *r, const struct pkt *p, uint32_t seg_len)
{
	uint8_t *ip = r->bytes, *t = r->bytes + IPV6_HDRLEN;

	memset(ip, 0, IPV6_HDRLEN);
	ip[0] = 0x60;
	be_put16(ip + 4, TCP_HDRLEN);
	ip[6] = IPPROTO_TCP;
	ip[7] = REJECT_TTL;
	memcpy(ip + 8, p->daddr.b, 16);
	memcpy(ip + 24, p->saddr.b, 16);
	put_tcp_reset(t, p, seg_len);
	be_put16(t + 16, csum_ipv6_l4(ip + 8, ip + 24, IPPROTO_TCP, t, TCP_HDRLEN));
	r->len = IPV6_HDRLEN + TCP_HDRLEN;
}

static enum reject_skip build_reset(const struct pkt *p, const struct reject_origin *o,
				    struct reject_reply *r)
{
	uint32_t seg_len = 0;
	enum reject_skip skip;

	if (p->l4proto != IPPROTO_TCP || !p->has_l4)
		return REJECT_SKIP_NOT_TCP;
	if (p->tcp.flags & TCP_RST)
		return REJECT_SKIP_RST;
	skip = check_addresses(p);
	if (skip != REJECT_OK)
		return skip;
	/* Without ACK the reset acknowledges the whole segment, whose length
	 * a first fragment or a BIG TCP copy does not tell. */
	if (!(p->tcp.flags & TCP_ACK)) {
		if (p->more_fragments || p->ip_len == PKT_IP_LEN_BIG)
			return REJECT_SKIP_LENGTH;
		seg_len = p->ip_len - p->l4_off - p->tcp.doff;
	}
	if (!csum_acceptable(p, o))
		return REJECT_SKIP_BAD_CSUM;
	reply_init(r, p, o, true);
	if (p->family == 4)
		put_reset4(r, p, seg_len);
	else
		put_reset6(r, p, seg_len);
	return REJECT_OK;
}

/* RFC 1122 3.2.2, RFC 4443 2.4(e.1, e.2): no error about an error, nor
 * about a redirect. Like icmp_send(), ICMPv4 types past the last known one
 * are not answered either. A first fragment always carries the ICMP header
 * (pkt_parse() refuses it otherwise), so a missing one means a broken view. */
static enum reject_skip check_icmp(const struct pkt *p)
{
	if (p->family == 4 && p->l4proto == IPPROTO_ICMP) {
		if (!p->has_l4)
			return REJECT_SKIP_MALFORMED;
		if (p->icmp.is_error || p->icmp.type > ICMP_LAST_KNOWN_TYPE)
			return REJECT_SKIP_ICMP_ERROR;
	}
	if (p->family == 6 && p->l4proto == IPPROTO_ICMPV6) {
		if (!p->has_l4)
			return REJECT_SKIP_MALFORMED;
		if (p->icmp.type < ICMPV6_INFO_FIRST || p->icmp.type == ICMPV6_REDIRECT)
			return REJECT_SKIP_ICMP_ERROR;
	}
	return REJECT_OK;
}

/* Destination unreachable codes: RFC 792 / RFC 1812 5.2.7.1 for IPv4,
 * RFC 4443 3.1 for IPv6, paired as nftables' "icmpx" pairs them. */
static const uint8_t unreach_code[][2] = {
	[RULES_REJECT_PORT_UNREACH] = { 3, 4 },
	[RULES_REJECT_HOST_UNREACH] = { 1, 3 },
	[RULES_REJECT_NET_UNREACH] = { 0, 0 },
	[RULES_REJECT_ADMIN_PROHIBITED] = { 13, 1 },
};

/* The message: type, code, checksum, 4 unused bytes, then as much of the
 * packet as fits. The ICMPv6 checksum is left 0: the kernel computes it on
 * an IPPROTO_ICMPV6 raw socket, whose source address only it knows. */
static void put_unreach(struct reject_reply *r, const struct pkt *p, enum rules_reject how)
{
	size_t room = p->family == 4 ? ICMP4_QUOTE_MAX : ICMP6_QUOTE_MAX;
	size_t quote = p->len < room ? p->len : room;
	uint8_t *m = r->bytes;

	memset(m, 0, ICMP_HDRLEN);
	m[0] = p->family == 4 ? ICMP_DEST_UNREACH : ICMPV6_DEST_UNREACH;
	m[1] = unreach_code[how][p->family == 4 ? 0 : 1];
	memcpy(m + ICMP_HDRLEN, p->data, quote);
	r->len = ICMP_HDRLEN + quote;
	if (p->family == 4)
		be_put16(m + 2, csum_icmpv4(m, r->len));
}

static enum reject_skip build_unreach(const struct pkt *p, enum rules_reject how,
				      const struct reject_origin *o,
				      struct reject_reply *r)
{
	enum reject_skip skip = check_icmp(p);

	if (skip != REJECT_OK)
		return skip;
	skip = check_addresses(p);
	if (skip != REJECT_OK)
		return skip;
	if (!csum_acceptable(p, o))
		return REJECT_SKIP_BAD_CSUM;
	reply_init(r, p, o, false);
	put_unreach(r, p, how);
	return REJECT_OK;
}

enum reject_skip reject_build(const struct pkt *p, enum rules_reject how,
			      const struct reject_origin *origin,
			      struct reject_reply *r)
{
	if (!view_ok(p))
		return REJECT_SKIP_MALFORMED;
	/* RFC 1122 3.2.2 and 4.2.2: only the first fragment has the header
	 * the reply is about (nf_send_reset(), icmp_send()). */
	if (p->is_fragment && p->frag_offset != 0)
		return REJECT_SKIP_FRAGMENT;
	switch (how) {
	case RULES_REJECT_TCP_RESET:
		return build_reset(p, origin, r);
	case RULES_REJECT_PORT_UNREACH:
	case RULES_REJECT_HOST_UNREACH:
	case RULES_REJECT_NET_UNREACH:
	case RULES_REJECT_ADMIN_PROHIBITED:
		return build_unreach(p, how, origin, r);
	case RULES_REJECT_NONE:
		break;
	}
	return REJECT_SKIP_NONE;
}
