/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the checksum helpers: known vectors (RFC 1071's example,
 * packets captured from a Linux 6.x kernel), every protocol against a plain
 * reference implementation, the UDP rules, csum_l4_verify(), and RFC 1624
 * incremental updates against full recomputation on pseudo-random packets
 * (fixed seed). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/csum.h"
#include "nfqfw/pkt.h"
#include "pktbuild.h"
#include "unit.h"

#define SEED 0x5eed1234u

/* RFC 1071 section 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0x2ddf0,
 * which folds to 0xddf2; the checksum is its complement. */
static void test_rfc1071_example(void)
{
	static const uint8_t bytes[8] = { 0x00, 0x01, 0xf2, 0x03,
					  0xf4, 0xf5, 0xf6, 0xf7 };
	uint32_t sum = csum_add(0, bytes, sizeof(bytes));

	CU_ASSERT_EQUAL((uint16_t)~csum_fold(sum), 0xddf2);
	CU_ASSERT_EQUAL(csum_fold(sum), 0x220d);
	/* The same in two chunks, and word by word. */
	sum = csum_add(csum_add(0, bytes, 2), bytes + 2, 6);
	CU_ASSERT_EQUAL(csum_fold(sum), 0x220d);
	sum = csum_add16(csum_add16(csum_add16(csum_add16(0, 0x0001), 0xf203),
				    0xf4f5), 0xf6f7);
	CU_ASSERT_EQUAL(csum_fold(sum), 0x220d);
	CU_ASSERT_EQUAL(csum_fold(csum_add32(csum_add32(0, 0x0001f203),
					     0xf4f5f6f7)), 0x220d);
}

/* An odd trailing byte is the high byte of a word padded with zero. */
static void test_odd_lengths(void)
{
	static const uint8_t one[1] = { 0x01 };
	static const uint8_t three[3] = { 0xab, 0xcd, 0xef };

	CU_ASSERT_EQUAL(csum_fold(csum_add(0, one, 1)), 0xfeff);
	/* 0xabcd + 0xef00 = 0x19acd, folded 0x9ace. */
	CU_ASSERT_EQUAL(csum_fold(csum_add(0, three, 3)), 0x6531);
	CU_ASSERT_EQUAL(csum_fold(csum_add(0, three, 0)), 0xffff);
}

/* Any length, any alignment, any chunking into even pieces: the same as
 * the reference. */
static void test_against_reference(void)
{
	static uint8_t buf[1600];
	uint32_t rnd = SEED;

	for (int iter = 0; iter < 2000; iter++) {
		size_t off = pb_rand(&rnd) % 8;
		size_t len = pb_rand(&rnd) % (sizeof(buf) - 8);
		uint16_t want;
		uint32_t sum = 0;
		size_t done = 0;

		for (size_t i = 0; i < off + len; i++)
			buf[i] = (uint8_t)pb_rand(&rnd);
		want = ref_fold(ref_sum(0, buf + off, len));
		CU_ASSERT_EQUAL(csum_fold(csum_add(0, buf + off, len)), want);
		while (done < len) {
			size_t chunk = 2 * (pb_rand(&rnd) % 40);

			if (chunk == 0 || chunk > len - done)
				chunk = len - done;
			sum = csum_add(sum, buf + off + done, chunk);
			done += chunk;
		}
		CU_ASSERT_EQUAL(csum_fold(sum), want);
	}
}

/* The deferred carries of a whole 64 KiB of 0xff bytes, and a sum carried
 * over from a near-full accumulator. */
static void test_no_overflow(void)
{
	static uint8_t ff[65536];
	uint32_t sum;

	memset(ff, 0xff, sizeof(ff));
	CU_ASSERT_EQUAL(csum_fold(csum_add(0, ff, sizeof(ff))),
			ref_fold(ref_sum(0, ff, sizeof(ff))));
	sum = csum_add(0xfffffff0u, ff, 65535);
	CU_ASSERT(sum < 0x20000);
	/* 0xfffffff0 is 0xffff + 0xfff0 once folded; the reference's own
	 * 32 bits could not hold it plus 64 KiB. */
	CU_ASSERT_EQUAL(csum_fold(sum), ref_fold(ref_sum(0xffff + 0xfff0, ff, 65535)));
}

/* An echo request and its IPv4 header as a 6.x kernel sent them (ping from
 * 192.0.2.1 to 192.0.2.2 over veth, captured with tcpdump): both checksums
 * were computed by the kernel in software. */
static const uint8_t captured_ping4[36] = {
	0x45, 0x00, 0x00, 0x24, 0x83, 0xb0, 0x40, 0x00,
	0x40, 0x01, 0x33, 0x25, 0xc0, 0x00, 0x02, 0x01,
	0xc0, 0x00, 0x02, 0x02,
	0x08, 0x00, 0xd3, 0xa3, 0x18, 0x4b, 0x00, 0x01,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
};

/* The same for ICMPv6, 2001:db8::1 to 2001:db8::2: a pseudo-header sum. */
static const uint8_t captured_ping6[56] = {
	0x60, 0x05, 0xe4, 0x71, 0x00, 0x10, 0x3a, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x80, 0x00, 0xff, 0xe2, 0x18, 0x4c, 0x00, 0x01,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
};

static void test_captured_ipv4(void)
{
	uint8_t pkt[sizeof(captured_ping4)];
	struct pkt p;

	memcpy(pkt, captured_ping4, sizeof(pkt));
	CU_ASSERT_TRUE(csum_ipv4_header_ok(pkt, 20));
	CU_ASSERT_EQUAL(csum_ipv4_header(pkt, 20), 0);
	CU_ASSERT_EQUAL(csum_icmpv4(pkt + 20, 16), 0);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, pkt, sizeof(pkt), 0), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);

	pkt[10] = pkt[11] = 0;
	CU_ASSERT_EQUAL(csum_ipv4_header(pkt, 20), 0x3325);
	CU_ASSERT_FALSE(csum_ipv4_header_ok(pkt, 20));
	pkt[22] = pkt[23] = 0;
	CU_ASSERT_EQUAL(csum_icmpv4(pkt + 20, 16), 0xd3a3);

	memcpy(pkt, captured_ping4, sizeof(pkt));
	pkt[8] = 63;            /* a TTL changed behind the checksum's back */
	CU_ASSERT_FALSE(csum_ipv4_header_ok(pkt, 20));
	pkt[35] ^= 0x40;        /* one bit of the echo data */
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, pkt, sizeof(pkt), 0), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -EBADMSG);
}

static void test_captured_icmpv6(void)
{
	uint8_t pkt[sizeof(captured_ping6)];
	struct pkt p;

	memcpy(pkt, captured_ping6, sizeof(pkt));
	CU_ASSERT_EQUAL(csum_ipv6_l4(pkt + 8, pkt + 24, IPPROTO_ICMPV6,
				     pkt + 40, 16), 0);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, pkt, sizeof(pkt), 0), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
	pkt[42] = pkt[43] = 0;
	CU_ASSERT_EQUAL(csum_ipv6_l4(pkt + 8, pkt + 24, IPPROTO_ICMPV6,
				     pkt + 40, 16), 0xffe2);
	/* Without the pseudo-header it would be something else. */
	CU_ASSERT_NOT_EQUAL(csum_icmpv4(pkt + 40, 16), 0xffe2);

	memcpy(pkt, captured_ping6, sizeof(pkt));
	pkt[39] = 3;            /* another destination: pseudo-header differs */
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, pkt, sizeof(pkt), 0), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -EBADMSG);
}

/* Random TCP and UDP segments over IPv4 and IPv6, and ICMP messages, each
 * computed with the field zeroed and compared with the reference; stored,
 * the packet verifies. */
static void test_l4_against_reference(void)
{
	uint32_t rnd = SEED ^ 0x1111;

	for (int iter = 0; iter < 1000; iter++) {
		static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
						  IPPROTO_ICMP };
		uint8_t proto = protos[pb_rand(&rnd) % 3];
		int family = pb_rand(&rnd) % 2 ? 4 : 6;
		size_t data = pb_rand(&rnd) % 300;
		struct pb b;
		struct pkt p;
		uint16_t want, got;
		size_t field;

		pb_init(&b);
		if (family == 4)
			pb_ipv4(&b, proto, NULL, 0);
		else
			pb_ipv6(&b, proto == IPPROTO_ICMP ? IPPROTO_ICMPV6 : proto);
		if (proto == IPPROTO_TCP)
			pb_tcp(&b, (uint16_t)pb_rand(&rnd), 80, pb_rand(&rnd),
			       pb_rand(&rnd), 0x18, 1000, NULL, 0);
		else if (proto == IPPROTO_UDP)
			pb_udp(&b, (uint16_t)pb_rand(&rnd), 53);
		else
			pb_icmp(&b, 8, 0, (uint16_t)pb_rand(&rnd), 1);
		for (size_t i = 0; i < data; i++)
			pb_pattern(&b, 1, (uint8_t)pb_rand(&rnd));
		pb_finish(&b);
		CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
		CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);

		field = b.l4_off + (proto == IPPROTO_TCP ? 16 :
				    proto == IPPROTO_UDP ? 6 : 2);
		want = (uint16_t)(b.buf[field] << 8 | b.buf[field + 1]);
		pb_put16(&b, field, 0);
		if (family == 4 && proto == IPPROTO_ICMP)
			got = csum_icmpv4(b.buf + b.l4_off, b.len - b.l4_off);
		else if (family == 4)
			got = csum_ipv4_l4(pb_src4, pb_dst4, proto,
					   b.buf + b.l4_off, b.len - b.l4_off);
		else
			got = csum_ipv6_l4(pb_src6, pb_dst6, b.l4proto,
					   b.buf + b.l4_off, b.len - b.l4_off);
		if (proto == IPPROTO_UDP)
			got = csum_udp_final(got);
		CU_ASSERT_EQUAL(got, want);
	}
}

/* A TCP/IPv6 segment whose checksum the test computes by hand: the
 * pseudo-header (addresses, 32-bit length, 3 zero bytes, next header 6)
 * and the segment laid out as one array and summed by the reference. */
static void test_tcp6_by_hand(void)
{
	uint8_t seg[33] = { 0xc3, 0x50, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0,
			    0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
			    'h', 'e', 'l', 'l', 'o', ',', ' ', 'w', 'o', 'r',
			    'l', 'd', '!' };
	uint8_t whole[40 + sizeof(seg)] = { 0 };
	uint16_t want;

	memcpy(whole, pb_src6, 16);
	memcpy(whole + 16, pb_dst6, 16);
	whole[35] = sizeof(seg);
	whole[39] = IPPROTO_TCP;
	memcpy(whole + 40, seg, sizeof(seg));
	want = ref_fold(ref_sum(0, whole, sizeof(whole)));
	CU_ASSERT_EQUAL(csum_ipv6_l4(pb_src6, pb_dst6, IPPROTO_TCP, seg,
				     sizeof(seg)), want);
	CU_ASSERT_EQUAL(csum_fold(csum_add(csum_pseudo_ipv6(pb_src6, pb_dst6,
							    IPPROTO_TCP,
							    sizeof(seg)),
					   seg, sizeof(seg))), want);
	seg[16] = (uint8_t)(want >> 8);
	seg[17] = (uint8_t)want;
	CU_ASSERT_EQUAL(csum_ipv6_l4(pb_src6, pb_dst6, IPPROTO_TCP, seg,
				     sizeof(seg)), 0);
}

/* Makes the 2 bytes at WORD of B's UDP datagram such that its checksum
 * computes to 0, and stores FIELD as its checksum. */
static void force_udp_zero(struct pb *b, size_t word, uint16_t field)
{
	uint8_t *l4 = b->buf + b->l4_off;
	size_t len = b->len - b->l4_off;
	const uint8_t *s = b->family == 4 ? pb_src4 : pb_src6;
	const uint8_t *d = b->family == 4 ? pb_dst4 : pb_dst6;
	uint16_t c;

	pb_put16(b, b->l4_off + 6, 0);
	pb_put16(b, word, 0);
	c = ref_l4_csum(b->family, s, d, IPPROTO_UDP, l4, len);
	pb_put16(b, word, c);       /* sum + ~sum = negative zero */
	CU_ASSERT_EQUAL_FATAL(ref_l4_csum(b->family, s, d, IPPROTO_UDP, l4, len), 0);
	pb_put16(b, b->l4_off + 6, field);
}

static void build_udp(struct pb *b, int family)
{
	pb_init(b);
	if (family == 4)
		pb_ipv4(b, IPPROTO_UDP, NULL, 0);
	else
		pb_ipv6(b, IPPROTO_UDP);
	pb_udp(b, 1000, 2000);
	pb_pattern(b, 10, 0x30);
	pb_finish(b);
}

/* A computed 0 is sent as 0xffff; a 0 in the field is "none" over IPv4
 * and invalid over IPv6. */
static void test_udp_zero_rules(void)
{
	struct pb b;
	struct pkt p;

	CU_ASSERT_EQUAL(csum_udp_final(0), 0xffff);
	CU_ASSERT_EQUAL(csum_udp_final(0x1234), 0x1234);
	CU_ASSERT_EQUAL(csum_udp_final(0xffff), 0xffff);

	for (int family = 4; family <= 6; family += 2) {
		build_udp(&b, family);
		force_udp_zero(&b, b.l4_off + 8, 0);
		if (family == 4) {
			CU_ASSERT_EQUAL(csum_ipv4_l4(pb_src4, pb_dst4, IPPROTO_UDP,
						     b.buf + b.l4_off, 18), 0);
		} else {
			CU_ASSERT_EQUAL(csum_ipv6_l4(pb_src6, pb_dst6, IPPROTO_UDP,
						     b.buf + b.l4_off, 18), 0);
		}
		pb_put16(&b, b.l4_off + 6, 0xffff);
		CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
		CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
		pb_put16(&b, b.l4_off + 6, 0);
		CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
		CU_ASSERT_EQUAL(csum_l4_verify(&p), family == 4 ? 0 : -EBADMSG);
	}

	/* An IPv4 datagram without checksum verifies whatever its bytes. */
	build_udp(&b, 4);
	pb_put16(&b, b.l4_off + 6, 0);
	b.buf[b.len - 1] ^= 0xff;
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
}

/* The UDP checksum covers the UDP length, not the IP payload after it. */
static void test_udp_length_coverage(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_udp(&b, 1, 2);
	pb_pattern(&b, 20, 0);
	b.udp_len = 8 + 12;
	pb_finish(&b);
	/* pb_finish summed all 28 bytes; redo it over the 20 of the UDP length. */
	pb_put16(&b, 26, 0);
	pb_put16(&b, 26, csum_udp_final(ref_l4_csum(4, pb_src4, pb_dst4,
						    IPPROTO_UDP, b.buf + 20, 20)));
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
	b.buf[b.len - 1] ^= 0x55;       /* past the UDP length: not covered */
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
	b.buf[30] ^= 0x55;              /* inside: covered */
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -EBADMSG);
}

static void test_verify_refusals(void)
{
	struct pb b;
	struct pkt p;

	/* Each protocol notices a flipped bit. */
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_TCP);
	pb_tcp(&b, 1, 2, 3, 4, 0x10, 5, NULL, 0);
	pb_pattern(&b, 9, 0);
	pb_finish(&b);
	b.buf[b.len - 1] ^= 1;
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -EBADMSG);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len - 4,
				       PKT_PARSE_TRUNCATED_COPY), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -ENODATA);

	build_udp(&b, 6);
	b.buf[43] ^= 1;                 /* the destination port */
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -EBADMSG);

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_ICMPV6);
	pb_icmp(&b, 128, 0, 1, 2);
	pb_finish(&b);
	b.buf[8] ^= 0x80;               /* the source address */
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -EBADMSG);
}

/* Returns a random even offset within LEN bytes that leaves SPAN bytes
 * and does not overlap the checksum field at FIELD. */
static size_t pick_word(uint32_t *rnd, size_t len, size_t span, size_t field)
{
	for (;;) {
		size_t off = 2 * (pb_rand(rnd) % ((len - span) / 2 + 1));

		if (off + span <= field || off >= field + 2)
			return off;
	}
}

/* One random segment (TCP-like: field at 16, or UDP: field at 6) over a
 * random IPv4 or IPv6 address pair, and one of four changes to it: a
 * 16-bit word, a 32-bit word, the source address, or a 16-bit word chosen
 * so that the new checksum is 0. Incremental and full must agree. */
static void one_incremental_case(uint32_t *rnd, int iter)
{
	int family = pb_rand(rnd) % 2 ? 4 : 6;
	bool udp = pb_rand(rnd) % 2;
	uint8_t proto = udp ? IPPROTO_UDP : IPPROTO_TCP;
	size_t alen = family == 4 ? 4 : 16;
	size_t len = 20 + pb_rand(rnd) % 200, field = udp ? 6 : 16;
	uint8_t seg[220], saddr[16], daddr[16], nsaddr[16];
	uint16_t csum, inc, full;
	size_t off;

	for (size_t i = 0; i < len; i++)
		seg[i] = (uint8_t)pb_rand(rnd);
	for (size_t i = 0; i < 16; i++) {
		saddr[i] = (uint8_t)pb_rand(rnd);
		daddr[i] = (uint8_t)pb_rand(rnd);
		nsaddr[i] = (uint8_t)pb_rand(rnd);
	}
	seg[field] = seg[field + 1] = 0;
	csum = ref_l4_csum(family, saddr, daddr, proto, seg, len);
	if (udp)
		csum = csum_udp_final(csum);
	seg[field] = (uint8_t)(csum >> 8);
	seg[field + 1] = (uint8_t)csum;

	switch (iter % 4) {
	case 0:
	case 3: {
		uint16_t from, to;

		off = pick_word(rnd, len, 2, field);
		from = (uint16_t)(seg[off] << 8 | seg[off + 1]);
		to = (uint16_t)pb_rand(rnd);
		if (iter % 4 == 3)      /* aim at a checksum of 0 */
			to = csum_fold((uint16_t)~csum + (uint16_t)~from);
		seg[off] = (uint8_t)(to >> 8);
		seg[off + 1] = (uint8_t)to;
		inc = udp ? csum_udp_update16(csum, from, to)
			  : csum_update16(csum, from, to);
		break;
	}
	case 1: {
		uint32_t from, to = pb_rand(rnd);

		off = pick_word(rnd, len, 4, field);
		from = (uint32_t)seg[off] << 24 | (uint32_t)seg[off + 1] << 16 |
		       (uint32_t)seg[off + 2] << 8 | seg[off + 3];
		for (int i = 0; i < 4; i++)
			seg[off + i] = (uint8_t)(to >> (24 - 8 * i));
		inc = udp ? csum_udp_update32(csum, from, to)
			  : csum_update32(csum, from, to);
		break;
	}
	default:
		if (family == 4) {
			uint32_t from = (uint32_t)saddr[0] << 24 |
					(uint32_t)saddr[1] << 16 |
					(uint32_t)saddr[2] << 8 | saddr[3];
			uint32_t to = (uint32_t)nsaddr[0] << 24 |
				      (uint32_t)nsaddr[1] << 16 |
				      (uint32_t)nsaddr[2] << 8 | nsaddr[3];

			inc = udp ? csum_udp_update32(csum, from, to)
				  : csum_update32(csum, from, to);
		} else {
			inc = udp ? csum_udp_update_addr6(csum, saddr, nsaddr)
				  : csum_update_addr6(csum, saddr, nsaddr);
		}
		memcpy(saddr, nsaddr, alen);
		break;
	}

	seg[field] = seg[field + 1] = 0;
	full = ref_l4_csum(family, saddr, daddr, proto, seg, len);
	if (iter % 4 == 3) {
		CU_ASSERT_EQUAL(full, 0);       /* the edge was reached */
	}
	if (udp)
		full = csum_udp_final(full);
	CU_ASSERT_EQUAL(inc, full);
}

static void test_incremental_random(void)
{
	uint32_t rnd = SEED ^ 0x2222;

	for (int iter = 0; iter < 20000; iter++)
		one_incremental_case(&rnd, iter);
}

/* Decrementing the TTL of random IPv4 headers, as a router does. */
static void test_incremental_ttl(void)
{
	uint32_t rnd = SEED ^ 0x3333;

	for (int iter = 0; iter < 5000; iter++) {
		uint8_t h[20];
		uint16_t csum, from, to;

		for (int i = 0; i < 20; i++)
			h[i] = (uint8_t)pb_rand(&rnd);
		h[0] = 0x45;
		h[8] |= 1;              /* a TTL worth decrementing */
		h[10] = h[11] = 0;
		csum = ref_fold(ref_sum(0, h, 20));
		from = (uint16_t)(h[8] << 8 | h[9]);
		h[8]--;
		to = (uint16_t)(h[8] << 8 | h[9]);
		CU_ASSERT_EQUAL(csum_update16(csum, from, to),
				ref_fold(ref_sum(0, h, 20)));
		h[10] = (uint8_t)(csum_update16(csum, from, to) >> 8);
		h[11] = (uint8_t)csum_update16(csum, from, to);
		CU_ASSERT_TRUE(csum_ipv4_header_ok(h, 20));
	}
}

/* A UDP checksum of 0 is left alone: no checksum stays no checksum. */
static void test_udp_update_keeps_zero(void)
{
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	CU_ASSERT_EQUAL(csum_udp_update16(0, 53, 1053), 0);
	CU_ASSERT_EQUAL(csum_udp_update32(0, 0xc0000201, 0xcb007101), 0);
	CU_ASSERT_EQUAL(csum_udp_update_addr6(0, a, b), 0);
	/* The plain update would not keep it. */
	CU_ASSERT_NOT_EQUAL(csum_update16(0, 53, 1053), 0);
	/* Nothing changes: the checksum does not either. */
	CU_ASSERT_EQUAL(csum_update16(0x1234, 77, 77), 0x1234);
	CU_ASSERT_EQUAL(csum_update_addr6(0x1234, a, a), 0x1234);
}

static const struct unit_test sum_tests[] = {
	{ "RFC 1071 example", test_rfc1071_example },
	{ "odd lengths", test_odd_lengths },
	{ "random buffers against the reference", test_against_reference },
	{ "64 KiB without overflow", test_no_overflow },
	{ NULL, NULL }
};

static const struct unit_test proto_tests[] = {
	{ "captured IPv4 header and ICMP", test_captured_ipv4 },
	{ "captured ICMPv6", test_captured_icmpv6 },
	{ "TCP/UDP/ICMP against the reference", test_l4_against_reference },
	{ "TCP/IPv6 summed by hand", test_tcp6_by_hand },
	{ "UDP zero rules", test_udp_zero_rules },
	{ "UDP length coverage", test_udp_length_coverage },
	{ "verify refuses what it must", test_verify_refusals },
	{ NULL, NULL }
};

static const struct unit_test update_tests[] = {
	{ "random fields against full recomputation", test_incremental_random },
	{ "TTL decrement", test_incremental_ttl },
	{ "UDP keeps no checksum", test_udp_update_keeps_zero },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "csum RFC 1071 sum", sum_tests },
	{ "csum per protocol", proto_tests },
	{ "csum RFC 1624 update", update_tests },
	{ NULL, NULL }
};

UNIT_MAIN(suites)
