/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of reject_build(): every reply (TCP reset, the four ICMP and
 * ICMPv6 unreachables) is parsed back with pkt_parse() and checked field by
 * field, its checksums by the plain reference sums of pktbuild.c; every
 * case in which nothing may be sent; views that lie about their lengths;
 * pseudo-random mutations run under the sanitizers (fixed seed); and the
 * ICMP rate limiter, from several threads. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/csum.h"
#include "nfqfw/pkt.h"
#include "nfqfw/reject.h"
#include "pktbuild.h"
#include "reject-test.h"
#include "unit.h"

#define SEED 0x7e1ec7edu

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

/* The address the kernel would give an ICMP error (a gateway's), to wrap
 * our ICMP message in an IP header and parse it. */
static const uint8_t gw4[4] = { 203, 0, 113, 1 };
static const uint8_t gw6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x03, 0, 0,
				 0, 0, 0, 0, 0, 0, 0, 0x01 };

static const enum rules_reject icmp_kinds[] = {
	RULES_REJECT_PORT_UNREACH, RULES_REJECT_HOST_UNREACH,
	RULES_REJECT_NET_UNREACH, RULES_REJECT_ADMIN_PROHIBITED,
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void tcp_packet(struct pb *b, int family, uint32_t seq, uint32_t ack,
		       uint8_t flags, size_t payload)
{
	pb_init(b);
	if (family == 4)
		pb_ipv4(b, IPPROTO_TCP, NULL, 0);
	else
		pb_ipv6(b, IPPROTO_TCP);
	pb_tcp(b, 40000, 80, seq, ack, flags, 512, NULL, 0);
	pb_pattern(b, payload, 7);
	pb_finish(b);
}

static void udp_packet(struct pb *b, int family, size_t payload)
{
	pb_init(b);
	if (family == 4)
		pb_ipv4(b, IPPROTO_UDP, NULL, 0);
	else
		pb_ipv6(b, IPPROTO_UDP);
	pb_udp(b, 5353, 53);
	pb_pattern(b, payload, 3);
	pb_finish(b);
}

static void icmp_packet(struct pb *b, int family, uint8_t type, uint8_t code)
{
	pb_init(b);
	if (family == 4)
		pb_ipv4(b, IPPROTO_ICMP, NULL, 0);
	else
		pb_ipv6(b, IPPROTO_ICMPV6);
	pb_icmp(b, type, code, 0x1234, 1);
	pb_pattern(b, 28, 9);
	pb_finish(b);
}

/* Parses the first LEN bytes of B from an exact copy (ASan sees a read
 * past it), which stays until the next call. pb_parse() is kept for the
 * replies: its copy would be freed under the original's view. */
static enum pkt_error parse_as(struct pkt *p, const struct pb *b, size_t len,
			       unsigned int flags)
{
	static uint8_t *held;

	free(held);
	held = pb_exact_copy(b->buf, len);
	return pkt_parse(p, held, len, flags);
}

static void parse_ok(struct pkt *p, const struct pb *b)
{
	CU_ASSERT_EQUAL_FATAL(parse_as(p, b, b->len, 0), PKT_OK);
}

static enum reject_skip build(const struct pkt *p, enum rules_reject how,
			      struct reject_reply *r)
{
	memset(r, 0xa5, sizeof(*r));
	return reject_build(p, how, NULL, r);
}

/* The reset R answers P: parses as one 20-byte TCP segment, addresses and
 * ports swapped, lengths and checksums right. Returns its view in *RP,
 * pointing into R. */
static void check_reset_frame(const struct reject_reply *r, const struct pkt *p,
			      struct pkt *rp)
{
	size_t hl = p->family == 4 ? 20 : 40;
	const uint8_t *ip = r->bytes, *t = r->bytes + hl;

	CU_ASSERT_TRUE(r->whole_ip);
	CU_ASSERT_EQUAL(r->family, p->family);
	CU_ASSERT_EQUAL(r->len, hl + 20);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(rp, r->bytes, r->len, 0), PKT_OK);
	CU_ASSERT_EQUAL(rp->family, p->family);
	CU_ASSERT_EQUAL(rp->l4proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(rp->ip_len, hl + 20);
	CU_ASSERT_EQUAL(rp->l3_hdrlen, hl);
	CU_ASSERT_EQUAL(rp->ttl, REJECT_TTL);
	CU_ASSERT_EQUAL(rp->tos, 0);
	CU_ASSERT_FALSE(rp->is_fragment);
	CU_ASSERT_EQUAL(memcmp(rp->saddr.b, p->daddr.b, hl == 20 ? 4 : 16), 0);
	CU_ASSERT_EQUAL(memcmp(rp->daddr.b, p->saddr.b, hl == 20 ? 4 : 16), 0);
	CU_ASSERT_EQUAL(memcmp(r->dst.b, p->saddr.b, hl == 20 ? 4 : 16), 0);
	CU_ASSERT_EQUAL(rp->sport, p->dport);
	CU_ASSERT_EQUAL(rp->dport, p->sport);
	CU_ASSERT_EQUAL(rp->tcp.doff, 20);
	CU_ASSERT_EQUAL(rp->tcp.window, 0);
	CU_ASSERT_EQUAL(get16(t + 18), 0);              /* urgent pointer */
	CU_ASSERT_EQUAL(rp->payload_len, 0);
	if (hl == 20) {
		CU_ASSERT_EQUAL(get16(ip + 4), 0);      /* id: the kernel's */
		CU_ASSERT_EQUAL(get16(ip + 6), 0x4000); /* DF, no offset */
		CU_ASSERT_EQUAL(ref_fold(ref_sum(0, ip, 20)), 0);
		CU_ASSERT_TRUE(csum_ipv4_header_ok(ip, 20));
	} else {
		CU_ASSERT_EQUAL(ip[0], 0x60);           /* class, flow label 0 */
		CU_ASSERT_EQUAL(ip[1], 0);
		CU_ASSERT_EQUAL(get16(ip + 2), 0);
		CU_ASSERT_EQUAL(rp->ip_ext, 0);
	}
	CU_ASSERT_EQUAL(ref_l4_csum(p->family, rp->saddr.b, rp->daddr.b, IPPROTO_TCP, t, 20), 0);
	CU_ASSERT_EQUAL(csum_l4_verify(rp), 0);
}

/* RFC 9293 3.10.7.1 as nf_reject: to a segment with ACK, seq = its ack
 * and no ACK; otherwise seq 0 and ACK of everything it occupied. */
static void check_reset_numbers(const struct pkt *rp, uint32_t seq, uint32_t ack,
				uint8_t flags)
{
	CU_ASSERT_EQUAL(rp->tcp.flags, flags);
	CU_ASSERT_EQUAL(rp->tcp.seq, seq);
	CU_ASSERT_EQUAL(rp->tcp.ack, ack);
}

static void reset_case(int family, uint32_t seq, uint32_t ack, uint8_t flags,
		       size_t payload, uint32_t want_seq, uint32_t want_ack,
		       uint8_t want_flags)
{
	struct pb b;
	struct pkt p, rp;
	struct reject_reply r;

	tcp_packet(&b, family, seq, ack, flags, payload);
	parse_ok(&p, &b);
	CU_ASSERT_EQUAL_FATAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_OK);
	check_reset_frame(&r, &p, &rp);
	check_reset_numbers(&rp, want_seq, want_ack, want_flags);
}

static void test_reset_syn(void)
{
	for (int f = 4; f <= 6; f += 2)
		reset_case(f, 1000, 0, F_SYN, 0, 0, 1001, F_RST | F_ACK);
}

static void test_reset_ack(void)
{
	for (int f = 4; f <= 6; f += 2) {
		reset_case(f, 1000, 777777, F_ACK | F_PSH, 100, 777777, 0, F_RST);
		/* A SYN-ACK too: ACK rules. */
		reset_case(f, 5, 0xfffffff0u, F_SYN | F_ACK, 0, 0xfffffff0u, 0, F_RST);
	}
}

/* SYN, FIN and every payload byte count; options do not; the sum wraps. */
static void test_reset_no_ack_counts(void)
{
	for (int f = 4; f <= 6; f += 2) {
		reset_case(f, 0xfffffff0u, 0, F_SYN | F_FIN, 30, 0,
			   0xfffffff0u + 30 + 2, F_RST | F_ACK);
		reset_case(f, 42, 0, F_FIN, 0, 0, 43, F_RST | F_ACK);
		reset_case(f, 42, 0, 0, 0, 0, 42, F_RST | F_ACK);
	}
}

static void test_reset_options_and_exthdrs(void)
{
	static const uint8_t tcpopts[12] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 };
	static const uint8_t ipopts[4] = { 1, 1, 1, 0 };   /* NOPs, end */
	struct pb b;
	struct pkt p, rp;
	struct reject_reply r;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, ipopts, sizeof(ipopts));
	pb_tcp(&b, 1234, 22, 100, 0, F_SYN, 512, tcpopts, sizeof(tcpopts));
	pb_pattern(&b, 9, 1);
	pb_finish(&b);
	parse_ok(&p, &b);
	CU_ASSERT_EQUAL_FATAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_OK);
	check_reset_frame(&r, &p, &rp);       /* 20-byte IP header: no options */
	check_reset_numbers(&rp, 0, 100 + 1 + 9, F_RST | F_ACK);

	pb_init(&b);
	pb_ipv6(&b, 60);                      /* destination options */
	pb_dstopts(&b, IPPROTO_TCP, 16);
	pb_tcp(&b, 1234, 22, 100, 0, F_SYN, 512, tcpopts, sizeof(tcpopts));
	pb_pattern(&b, 9, 1);
	pb_finish(&b);
	parse_ok(&p, &b);
	CU_ASSERT_EQUAL_FATAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_OK);
	check_reset_frame(&r, &p, &rp);       /* no extension header */
	check_reset_numbers(&rp, 0, 100 + 1 + 9, F_RST | F_ACK);
}

/* A truncated copy (NFQA_CAP_LEN) still tells the segment's length. */
static void test_reset_truncated_copy(void)
{
	for (int f = 4; f <= 6; f += 2) {
		size_t hl = f == 4 ? 20 : 40;
		struct pb b;
		struct pkt p, rp;
		struct reject_reply r;

		tcp_packet(&b, f, 5000, 0, F_SYN, 300);
		CU_ASSERT_EQUAL_FATAL(parse_as(&p, &b, hl + 20 + 10, PKT_PARSE_TRUNCATED_COPY), PKT_OK);
		CU_ASSERT_EQUAL_FATAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_OK);
		check_reset_frame(&r, &p, &rp);
		check_reset_numbers(&rp, 0, 5000 + 1 + 300, F_RST | F_ACK);
	}
}

/* First fragments: with ACK the reset needs no length; without, it does. */
static void test_reset_first_fragment(void)
{
	struct pb b;
	struct pkt p, rp;
	struct reject_reply r;

	for (int ack = 0; ack <= 1; ack++) {
		pb_init(&b);
		pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
		pb_ipv4_frag(&b, 7, true, 0);
		pb_tcp(&b, 1, 2, 10, 99, ack ? F_ACK : F_SYN, 0, NULL, 0);
		pb_pattern(&b, 20, 0);
		pb_finish(&b);
		parse_ok(&p, &b);
		CU_ASSERT_TRUE_FATAL(p.is_fragment);
		if (ack) {
			CU_ASSERT_EQUAL_FATAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_OK);
			check_reset_frame(&r, &p, &rp);
			check_reset_numbers(&rp, 99, 0, F_RST);
		} else {
			CU_ASSERT_EQUAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_SKIP_LENGTH);
		}

		pb_init(&b);
		pb_ipv6(&b, 44);
		pb_frag6(&b, IPPROTO_TCP, 0, true, 0xabcd);
		pb_tcp(&b, 1, 2, 10, 99, ack ? F_ACK : F_SYN, 0, NULL, 0);
		pb_pattern(&b, 20, 0);
		pb_finish(&b);
		parse_ok(&p, &b);
		CU_ASSERT_TRUE_FATAL(p.is_fragment);
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_TCP_RESET, &r),
				ack ? REJECT_OK : REJECT_SKIP_LENGTH);
	}
}

/* Checks the ICMP message R answering P with the given type and code, by
 * wrapping it in the header the kernel would add and parsing that. */
static void check_unreach(const struct reject_reply *r, const struct pkt *p,
			  uint8_t type, uint8_t code)
{
	size_t room = p->family == 4 ? 576 - 20 - 8 : 1280 - 40 - 8;
	size_t quote = p->len < room ? p->len : room;
	struct pb w;
	struct pkt wp, inner;

	CU_ASSERT_FALSE(r->whole_ip);
	CU_ASSERT_EQUAL(r->family, p->family);
	CU_ASSERT_EQUAL_FATAL(r->len, 8 + quote);
	CU_ASSERT_EQUAL(memcmp(r->dst.b, p->saddr.b, p->family == 4 ? 4 : 16), 0);
	CU_ASSERT_EQUAL(r->bytes[0], type);
	CU_ASSERT_EQUAL(r->bytes[1], code);
	CU_ASSERT_EQUAL(get16(r->bytes + 4), 0);       /* unused */
	CU_ASSERT_EQUAL(get16(r->bytes + 6), 0);
	CU_ASSERT_EQUAL(memcmp(r->bytes + 8, p->data, quote), 0);
	if (p->family == 4) {
		CU_ASSERT_EQUAL(ref_fold(ref_sum(0, r->bytes, r->len)), 0);
		CU_ASSERT_EQUAL(csum_icmpv4(r->bytes, r->len), 0);
	} else {
		CU_ASSERT_EQUAL(get16(r->bytes + 2), 0);  /* the kernel's job */
	}

	pb_init(&w);
	if (p->family == 4)
		pb_ipv4(&w, IPPROTO_ICMP, NULL, 0);
	else
		pb_ipv6(&w, IPPROTO_ICMPV6);
	pb_bytes(&w, r->bytes, r->len);
	pb_finish(&w);
	memcpy(w.buf + (p->family == 4 ? 12 : 8), p->family == 4 ? gw4 : gw6,
	       p->family == 4 ? 4 : 16);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&wp, &w, w.len, 0), PKT_OK);
	CU_ASSERT_TRUE(wp.has_l4);
	CU_ASSERT_TRUE(wp.icmp.is_error);
	CU_ASSERT_EQUAL(wp.icmp.type, type);
	CU_ASSERT_EQUAL(wp.icmp.code, code);
	if (p->family == 4) {
		CU_ASSERT_EQUAL(csum_l4_verify(&wp), 0);
		CU_ASSERT(w.len <= 576);
	} else {
		CU_ASSERT(w.len <= 1280);
	}
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&inner, wp.data + wp.icmp.inner_off,
					wp.len - wp.icmp.inner_off,
					PKT_PARSE_TRUNCATED_COPY), PKT_OK);
	CU_ASSERT_EQUAL(memcmp(inner.saddr.b, p->saddr.b, p->family == 4 ? 4 : 16), 0);
	CU_ASSERT_EQUAL(memcmp(inner.daddr.b, p->daddr.b, p->family == 4 ? 4 : 16), 0);
	CU_ASSERT_EQUAL(inner.l4proto, p->l4proto);
	CU_ASSERT_EQUAL(inner.sport, p->sport);
	CU_ASSERT_EQUAL(inner.dport, p->dport);
}

static void unreach_codes(int family, const struct pb *b)
{
	static const uint8_t code4[] = { 3, 1, 0, 13 }, code6[] = { 4, 3, 0, 1 };
	struct pkt p;
	struct reject_reply r;

	parse_ok(&p, b);
	for (size_t i = 0; i < sizeof(icmp_kinds) / sizeof(icmp_kinds[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(build(&p, icmp_kinds[i], &r), REJECT_OK);
		if (family == 4)
			check_unreach(&r, &p, 3, code4[i]);
		else
			check_unreach(&r, &p, 1, code6[i]);
	}
}

static void test_unreach_udp(void)
{
	struct pb b;

	for (int f = 4; f <= 6; f += 2) {
		udp_packet(&b, f, 12);
		unreach_codes(f, &b);
	}
}

static void test_unreach_tcp_and_echo(void)
{
	struct pb b;

	for (int f = 4; f <= 6; f += 2) {
		tcp_packet(&b, f, 1, 0, F_SYN, 0);
		unreach_codes(f, &b);
		icmp_packet(&b, f, f == 4 ? 8 : 128, 0);   /* echo request */
		unreach_codes(f, &b);
	}
}

/* The quote fills the 576-byte datagram / 1280-byte minimum MTU, no more;
 * every size around the limits. */
static void test_unreach_quote_capped(void)
{
	static const size_t sizes[] = { 0, 1, 500, 519, 520, 521, 1000, 1163,
					1164, 1165, 1192, 1193, 1300, 1400 };

	for (int f = 4; f <= 6; f += 2) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct pb b;
			struct pkt p;
			struct reject_reply r;

			udp_packet(&b, f, sizes[i]);
			parse_ok(&p, &b);
			CU_ASSERT_EQUAL_FATAL(build(&p, RULES_REJECT_PORT_UNREACH, &r), REJECT_OK);
			check_unreach(&r, &p, f == 4 ? 3 : 1, f == 4 ? 3 : 4);
			if (b.len >= (f == 4 ? 548u : 1232u))
				CU_ASSERT_EQUAL(r.len, f == 4 ? 556u : 1240u);
		}
	}
}

/* A truncated copy is quoted as far as it goes. */
static void test_unreach_truncated_copy(void)
{
	struct pb b;
	struct pkt p;
	struct reject_reply r;

	udp_packet(&b, 6, 1000);
	CU_ASSERT_EQUAL_FATAL(parse_as(&p, &b, 100, PKT_PARSE_TRUNCATED_COPY), PKT_OK);
	CU_ASSERT_EQUAL_FATAL(build(&p, RULES_REJECT_HOST_UNREACH, &r), REJECT_OK);
	CU_ASSERT_EQUAL(r.len, 108);
	check_unreach(&r, &p, 1, 3);
}

/* A first fragment is answered with a quote of what it holds. */
static void test_unreach_first_fragment(void)
{
	struct pb b;
	struct pkt p;
	struct reject_reply r;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_ipv4_frag(&b, 9, true, 0);
	pb_udp(&b, 1, 2);
	b.udp_len = 2000;
	pb_pattern(&b, 64, 0);
	pb_finish(&b);
	parse_ok(&p, &b);
	CU_ASSERT_EQUAL_FATAL(build(&p, RULES_REJECT_NET_UNREACH, &r), REJECT_OK);
	check_unreach(&r, &p, 3, 0);
}

/* The scope of a link-local destination is the origin's interface. */
static void test_scope_id(void)
{
	static const uint8_t ll[16] = { 0xfe, 0x80, [15] = 0x42 };
	struct reject_origin o = { .ifindex = 7 };
	struct pb b;
	struct pkt p;
	struct reject_reply r;

	udp_packet(&b, 6, 4);
	pb_readdress(&b, ll, pb_dst6);
	parse_ok(&p, &b);
	CU_ASSERT_EQUAL_FATAL(reject_build(&p, RULES_REJECT_PORT_UNREACH, &o, &r), REJECT_OK);
	CU_ASSERT_EQUAL(r.scope_id, 7);
	CU_ASSERT_EQUAL(memcmp(r.dst.b, ll, 16), 0);
	CU_ASSERT_EQUAL_FATAL(reject_build(&p, RULES_REJECT_PORT_UNREACH, NULL, &r), REJECT_OK);
	CU_ASSERT_EQUAL(r.scope_id, 0);

	tcp_packet(&b, 6, 1, 0, F_SYN, 0);
	pb_readdress(&b, ll, pb_dst6);
	parse_ok(&p, &b);
	CU_ASSERT_EQUAL_FATAL(reject_build(&p, RULES_REJECT_TCP_RESET, &o, &r), REJECT_OK);
	CU_ASSERT_EQUAL(r.scope_id, 7);
	tcp_packet(&b, 6, 1, 0, F_SYN, 0);     /* global: no scope */
	parse_ok(&p, &b);
	CU_ASSERT_EQUAL_FATAL(reject_build(&p, RULES_REJECT_TCP_RESET, &o, &r), REJECT_OK);
	CU_ASSERT_EQUAL(r.scope_id, 0);
}

/* Every kind the packet gets WANT for (NONE for "all kinds"). */
static void expect_all(const struct pb *b, enum reject_skip want_reset,
		       enum reject_skip want_icmp)
{
	struct pkt p;
	struct reject_reply r;

	parse_ok(&p, b);
	CU_ASSERT_EQUAL(build(&p, RULES_REJECT_TCP_RESET, &r), want_reset);
	for (size_t i = 0; i < sizeof(icmp_kinds) / sizeof(icmp_kinds[0]); i++)
		CU_ASSERT_EQUAL(build(&p, icmp_kinds[i], &r), want_icmp);
}

static void test_no_reset_to_rst(void)
{
	struct pb b;

	for (int f = 4; f <= 6; f += 2) {
		tcp_packet(&b, f, 1, 2, F_RST, 0);
		expect_all(&b, REJECT_SKIP_RST, REJECT_OK);
		tcp_packet(&b, f, 1, 2, F_RST | F_ACK, 0);
		expect_all(&b, REJECT_SKIP_RST, REJECT_OK);
	}
}

static void test_reset_needs_tcp(void)
{
	struct pb b;

	for (int f = 4; f <= 6; f += 2) {
		udp_packet(&b, f, 8);
		expect_all(&b, REJECT_SKIP_NOT_TCP, REJECT_OK);
		icmp_packet(&b, f, f == 4 ? 8 : 128, 0);
		expect_all(&b, REJECT_SKIP_NOT_TCP, REJECT_OK);
	}
}

static void test_no_reply_to_later_fragment(void)
{
	struct pb b;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	pb_ipv4_frag(&b, 7, false, 1480);
	pb_pattern(&b, 40, 0);
	pb_finish(&b);
	expect_all(&b, REJECT_SKIP_FRAGMENT, REJECT_SKIP_FRAGMENT);

	pb_init(&b);
	pb_ipv6(&b, 44);
	pb_frag6(&b, IPPROTO_UDP, 1232, true, 0xabcd);
	pb_pattern(&b, 40, 0);
	pb_finish(&b);
	expect_all(&b, REJECT_SKIP_FRAGMENT, REJECT_SKIP_FRAGMENT);
}

/* RFC 1122 3.2.2, RFC 4443 2.4(e): errors, redirects, unknown ICMPv4
 * types are not answered; queries are. */
static void test_no_error_about_error(void)
{
	static const struct { int f; uint8_t type; enum reject_skip want; } cases[] = {
		{ 4, 3, REJECT_SKIP_ICMP_ERROR }, { 4, 11, REJECT_SKIP_ICMP_ERROR },
		{ 4, 12, REJECT_SKIP_ICMP_ERROR }, { 4, 5, REJECT_SKIP_ICMP_ERROR },
		{ 4, 4, REJECT_SKIP_ICMP_ERROR }, { 4, 19, REJECT_SKIP_ICMP_ERROR },
		{ 4, 42, REJECT_SKIP_ICMP_ERROR }, { 4, 0, REJECT_OK },
		{ 4, 8, REJECT_OK }, { 4, 13, REJECT_OK }, { 4, 18, REJECT_OK },
		{ 6, 1, REJECT_SKIP_ICMP_ERROR }, { 6, 2, REJECT_SKIP_ICMP_ERROR },
		{ 6, 3, REJECT_SKIP_ICMP_ERROR }, { 6, 4, REJECT_SKIP_ICMP_ERROR },
		{ 6, 127, REJECT_SKIP_ICMP_ERROR }, { 6, 137, REJECT_SKIP_ICMP_ERROR },
		{ 6, 128, REJECT_OK }, { 6, 129, REJECT_OK }, { 6, 135, REJECT_OK },
	};
	struct pb b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		icmp_packet(&b, cases[i].f, cases[i].type, 0);
		expect_all(&b, REJECT_SKIP_NOT_TCP, cases[i].want);
	}
}

static void addr_case(int family, const uint8_t *src, const uint8_t *dst,
		      enum reject_skip want)
{
	struct pb b;

	tcp_packet(&b, family, 1, 0, F_SYN, 0);
	pb_readdress(&b, src, dst);
	expect_all(&b, want, want);
	udp_packet(&b, family, 3);
	pb_readdress(&b, src, dst);
	expect_all(&b, REJECT_SKIP_NOT_TCP, want);   /* not TCP comes first */
}

static void test_addresses_v4(void)
{
	static const uint8_t zero[4], this_net[4] = { 0, 1, 2, 3 },
		mcast[4] = { 224, 0, 0, 1 }, mcast2[4] = { 239, 255, 255, 250 },
		bcast[4] = { 255, 255, 255, 255 }, class_e[4] = { 240, 0, 0, 1 },
		loop[4] = { 127, 0, 0, 1 }, top[4] = { 223, 255, 255, 254 };

	addr_case(4, zero, pb_dst4, REJECT_SKIP_SRC_ADDR);
	addr_case(4, this_net, pb_dst4, REJECT_SKIP_SRC_ADDR);
	addr_case(4, mcast, pb_dst4, REJECT_SKIP_SRC_ADDR);
	addr_case(4, bcast, pb_dst4, REJECT_SKIP_SRC_ADDR);
	addr_case(4, class_e, pb_dst4, REJECT_SKIP_SRC_ADDR);
	addr_case(4, pb_src4, mcast, REJECT_SKIP_DST_ADDR);
	addr_case(4, pb_src4, mcast2, REJECT_SKIP_DST_ADDR);
	addr_case(4, pb_src4, bcast, REJECT_SKIP_DST_ADDR);
	addr_case(4, loop, loop, REJECT_OK);
	addr_case(4, top, pb_dst4, REJECT_OK);
	addr_case(4, pb_src4, class_e, REJECT_OK);
}

static void test_addresses_v6(void)
{
	static const uint8_t any[16], mcast[16] = { 0xff, 0x02, [15] = 1 },
		mcast_g[16] = { 0xff, 0x0e, [15] = 0x33 },
		mapped[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 },
		loop[16] = { [15] = 1 }, ll[16] = { 0xfe, 0x80, [15] = 9 };

	addr_case(6, any, pb_dst6, REJECT_SKIP_SRC_ADDR);
	addr_case(6, mcast, pb_dst6, REJECT_SKIP_SRC_ADDR);
	addr_case(6, mapped, pb_dst6, REJECT_SKIP_SRC_ADDR);
	addr_case(6, pb_src6, mcast, REJECT_SKIP_DST_ADDR);
	addr_case(6, pb_src6, mcast_g, REJECT_SKIP_DST_ADDR);
	addr_case(6, pb_src6, any, REJECT_SKIP_DST_ADDR);
	addr_case(6, loop, loop, REJECT_OK);
	addr_case(6, ll, pb_dst6, REJECT_OK);
}

/* A wrong transport checksum gets no reply, unless the checksum is not
 * computed yet (NFQA_SKB_CSUMNOTREADY); a UDP datagram without one does. */
static void test_bad_checksum(void)
{
	struct reject_origin notready = { .csum_not_ready = true };

	for (int f = 4; f <= 6; f += 2) {
		struct pb b;
		struct pkt p;
		struct reject_reply r;

		tcp_packet(&b, f, 1, 0, F_SYN, 4);
		b.buf[b.len - 1] ^= 0x01;
		expect_all(&b, REJECT_SKIP_BAD_CSUM, REJECT_SKIP_BAD_CSUM);
		parse_ok(&p, &b);
		CU_ASSERT_EQUAL(reject_build(&p, RULES_REJECT_TCP_RESET, &notready, &r), REJECT_OK);
		CU_ASSERT_EQUAL(reject_build(&p, RULES_REJECT_PORT_UNREACH, &notready, &r), REJECT_OK);

		udp_packet(&b, f, 4);
		b.buf[b.len - 1] ^= 0x80;
		expect_all(&b, REJECT_SKIP_NOT_TCP, REJECT_SKIP_BAD_CSUM);

		icmp_packet(&b, f, f == 4 ? 8 : 128, 0);
		b.buf[b.len - 2] ^= 0x10;
		expect_all(&b, REJECT_SKIP_NOT_TCP, REJECT_SKIP_BAD_CSUM);
	}
	{
		struct pb b;

		udp_packet(&b, 4, 4);
		pb_put16(&b, 20 + 6, 0);          /* IPv4: no checksum */
		expect_all(&b, REJECT_SKIP_NOT_TCP, REJECT_OK);
	}
}

static void test_kind_none(void)
{
	struct pb b;
	struct pkt p;
	struct reject_reply r;

	tcp_packet(&b, 4, 1, 0, F_SYN, 0);
	parse_ok(&p, &b);
	CU_ASSERT_EQUAL(build(&p, RULES_REJECT_NONE, &r), REJECT_SKIP_NONE);
	CU_ASSERT_EQUAL(build(&p, (enum rules_reject)99, &r), REJECT_SKIP_NONE);
}

static void test_skip_names(void)
{
	for (int i = 0; i < REJECT_SKIP_COUNT; i++) {
		const char *n = reject_skip_name((enum reject_skip)i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		CU_ASSERT_STRING_NOT_EQUAL(n, "unknown");
		for (int j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(n, reject_skip_name((enum reject_skip)j));
	}
	CU_ASSERT_STRING_EQUAL(reject_skip_name(REJECT_SKIP_COUNT), "unknown");
	CU_ASSERT_STRING_EQUAL(reject_skip_name((enum reject_skip)-1), "unknown");
	CU_ASSERT_STRING_EQUAL(reject_skip_name(REJECT_SKIP_SRC_ADDR), "src_addr");
}

/* Views whose offsets point past their buffer are refused, never read. */
static void test_lying_views(void)
{
	struct pb b;
	struct pkt good, p;
	struct reject_reply r;

	for (int f = 4; f <= 6; f += 2) {
		tcp_packet(&b, f, 1, 0, F_SYN, 0);
		parse_ok(&good, &b);
		p = good;
		p.data = NULL;
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_SKIP_MALFORMED);
		p = good;
		p.family = 5;
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_PORT_UNREACH, &r), REJECT_SKIP_MALFORMED);
		p = good;
		p.l3_hdrlen = (uint16_t)(p.len + 1);
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_SKIP_MALFORMED);
		p = good;
		p.l3_hdrlen = 8;
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_PORT_UNREACH, &r), REJECT_SKIP_MALFORMED);
		p = good;
		p.tcp.doff = 60;
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_SKIP_MALFORMED);
		p = good;
		p.tcp.doff = 12;
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_SKIP_MALFORMED);
		p = good;
		p.l4_off = (uint16_t)(p.len + 4);
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_SKIP_MALFORMED);
		p = good;
		p.len -= 1;                /* claims the packet is all there */
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_TCP_RESET, &r), REJECT_SKIP_MALFORMED);
		p = good;
		p.ip_len = (uint32_t)p.len - 1;
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_PORT_UNREACH, &r), REJECT_SKIP_MALFORMED);

		udp_packet(&b, f, 0);
		parse_ok(&good, &b);
		p = good;
		p.len = p.l4_off + 4;      /* the UDP header cut short */
		p.ip_len = (uint32_t)p.len;
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_PORT_UNREACH, &r), REJECT_SKIP_MALFORMED);
		icmp_packet(&b, f, f == 4 ? 8 : 128, 0);
		parse_ok(&good, &b);
		p = good;
		p.len = p.l4_off + 4;      /* the ICMP header cut short */
		p.ip_len = (uint32_t)p.len;
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_PORT_UNREACH, &r), REJECT_SKIP_MALFORMED);
		p = good;
		p.has_l4 = false;
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_PORT_UNREACH, &r), REJECT_SKIP_MALFORMED);
	}
	/* A UDP length changed past the buffer after parsing: the checksum
	 * would be summed over it. */
	udp_packet(&b, 4, 4);
	{
		uint8_t *copy = pb_exact_copy(b.buf, b.len);

		CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, copy, b.len, 0), PKT_OK);
		copy[20 + 4] = 0x01;
		CU_ASSERT_EQUAL(build(&p, RULES_REJECT_PORT_UNREACH, &r), REJECT_SKIP_MALFORMED);
		free(copy);
	}
}

/* Every prefix of packets of each protocol parses as a truncated copy or
 * not; whatever parses gets a reply or a reason, built from exact-size
 * copies (a read past them fails under ASan and valgrind). */
static void test_prefixes(void)
{
	struct pb b;

	for (int f = 4; f <= 6; f += 2) {
		for (int kind = 0; kind < 3; kind++) {
			if (kind == 0)
				tcp_packet(&b, f, 1, 0, F_SYN, 40);
			else if (kind == 1)
				udp_packet(&b, f, 40);
			else
				icmp_packet(&b, f, f == 4 ? 8 : 128, 0);
			for (size_t len = 0; len <= b.len; len++) {
				struct pkt p;
				struct reject_reply r;

				if (parse_as(&p, &b, len, PKT_PARSE_TRUNCATED_COPY) != PKT_OK)
					continue;
				CU_ASSERT(build(&p, RULES_REJECT_TCP_RESET, &r) < REJECT_SKIP_COUNT);
				if (build(&p, RULES_REJECT_PORT_UNREACH, &r) == REJECT_OK)
					CU_ASSERT_EQUAL(r.len, 8 + len);
			}
		}
	}
}

/* Pseudo-random mutations of valid packets: whatever the parser accepts
 * gets either a well-formed reply or a reason. */
static void test_mutations(void)
{
	uint32_t rnd = SEED;

	for (int round = 0; round < 20000; round++) {
		int f = round & 1 ? 6 : 4;
		struct pb b;
		struct pkt p, rp;
		struct reject_reply r;
		unsigned int how = 1 + pb_rand(&rnd) % 5;

		switch (pb_rand(&rnd) % 3) {
		case 0: {
			/* One call per statement: the order is then fixed. */
			uint32_t seq = pb_rand(&rnd), ack = pb_rand(&rnd);
			uint8_t flags = (uint8_t)pb_rand(&rnd);

			tcp_packet(&b, f, seq, ack, flags, pb_rand(&rnd) % 64);
			break;
		}
		case 1:
			udp_packet(&b, f, pb_rand(&rnd) % 64);
			break;
		default:
			icmp_packet(&b, f, (uint8_t)pb_rand(&rnd), 0);
			break;
		}
		for (int n = pb_rand(&rnd) % 4; n >= 0; n--)
			b.buf[pb_rand(&rnd) % b.len] ^= (uint8_t)(1u << (pb_rand(&rnd) % 8));
		if (parse_as(&p, &b, b.len - pb_rand(&rnd) % 3, PKT_PARSE_TRUNCATED_COPY) != PKT_OK)
			continue;
		if (build(&p, (enum rules_reject)how, &r) != REJECT_OK)
			continue;
		CU_ASSERT_FATAL(r.len <= REJECT_REPLY_MAX);
		if (r.whole_ip) {
			CU_ASSERT_EQUAL(pkt_parse(&rp, r.bytes, r.len, 0), PKT_OK);
			CU_ASSERT_EQUAL(csum_l4_verify(&rp), 0);
			CU_ASSERT_TRUE(rp.tcp.flags & F_RST);
		} else if (r.family == 4) {
			CU_ASSERT_EQUAL(ref_fold(ref_sum(0, r.bytes, r.len)), 0);
		}
	}
}

static void test_limit_window(void)
{
	struct reject_limit l = { .per_sec = 3 };
	const uint64_t s = 1000000000u;

	atomic_init(&l.window, 0);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_TRUE(reject_limit_allow(&l, 5 * s + (uint64_t)i));
	CU_ASSERT_FALSE(reject_limit_allow(&l, 5 * s + 999999999u));
	CU_ASSERT_FALSE(reject_limit_allow(&l, 5 * s + 999999999u));
	CU_ASSERT_TRUE(reject_limit_allow(&l, 6 * s));
	CU_ASSERT_TRUE(reject_limit_allow(&l, 6 * s + 1));
	CU_ASSERT_TRUE(reject_limit_allow(&l, 6 * s + 2));
	CU_ASSERT_FALSE(reject_limit_allow(&l, 6 * s + 3));
	/* A later second (not only the next) opens a new window. */
	CU_ASSERT_TRUE(reject_limit_allow(&l, 4000 * s));
	l.per_sec = 0;
	for (int i = 0; i < 10; i++)
		CU_ASSERT_TRUE(reject_limit_allow(&l, 4000 * s));
}

struct limit_run {
	struct reject_limit *l;
	unsigned int allowed;
};

static void *limit_thread(void *arg)
{
	struct limit_run *run = arg;

	for (int i = 0; i < 5000; i++)
		run->allowed += reject_limit_allow(run->l, 77u * 1000000000u);
	return NULL;
}

/* Four threads racing for one window: exactly the budget gets through. */
static void test_limit_threads(void)
{
	struct reject_limit l = { .per_sec = 1000 };
	struct limit_run runs[4];
	pthread_t t[4];
	unsigned int total = 0;

	atomic_init(&l.window, 0);
	for (int i = 0; i < 4; i++) {
		runs[i] = (struct limit_run){ .l = &l };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, limit_thread, &runs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += runs[i].allowed;
	}
	CU_ASSERT_EQUAL(total, 1000);
}

static const struct unit_test reset_tests[] = {
	{ "SYN: seq 0, ACK of seq + 1", test_reset_syn },
	{ "ACK: seq = ack, no ACK", test_reset_ack },
	{ "no ACK: SYN, FIN, payload counted, wraps", test_reset_no_ack_counts },
	{ "IP options, TCP options, extension headers", test_reset_options_and_exthdrs },
	{ "truncated copy: length from the IP header", test_reset_truncated_copy },
	{ "first fragment: only with ACK", test_reset_first_fragment },
	{ NULL, NULL },
};

static const struct unit_test unreach_tests[] = {
	{ "UDP: four codes, both families", test_unreach_udp },
	{ "TCP and echo request", test_unreach_tcp_and_echo },
	{ "quote capped at 576 / 1280", test_unreach_quote_capped },
	{ "truncated copy quoted as far as it goes", test_unreach_truncated_copy },
	{ "first fragment answered", test_unreach_first_fragment },
	{ "link-local destination scoped", test_scope_id },
	{ NULL, NULL },
};

static const struct unit_test refuse_tests[] = {
	{ "no reset to a reset", test_no_reset_to_rst },
	{ "reset only for TCP", test_reset_needs_tcp },
	{ "no reply to a later fragment", test_no_reply_to_later_fragment },
	{ "no error about an error or redirect", test_no_error_about_error },
	{ "IPv4 source and destination", test_addresses_v4 },
	{ "IPv6 source and destination", test_addresses_v6 },
	{ "bad checksum, unless not ready", test_bad_checksum },
	{ "kind none", test_kind_none },
	{ "reason names", test_skip_names },
	{ NULL, NULL },
};

static const struct unit_test malformed_tests[] = {
	{ "lying views refused", test_lying_views },
	{ "every prefix", test_prefixes },
	{ "mutations", test_mutations },
	{ NULL, NULL },
};

static const struct unit_test limit_tests[] = {
	{ "one-second window", test_limit_window },
	{ "threads share the budget", test_limit_threads },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "reject_reset", reset_tests },
	{ "reject_unreach", unreach_tests },
	{ "reject_refuse", refuse_tests },
	{ "reject_malformed", malformed_tests },
	{ "reject_limit", limit_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
