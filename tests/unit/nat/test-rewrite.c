/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the NAT rewrite (src/nat/rewrite.c, rewrite_icmp.c): on
 * random packets of every protocol, family, manip and checksum mode, the
 * rewritten packet must equal, byte for byte, the reference made by setting
 * the fields and recomputing every checksum from scratch; refusals leave
 * the packet as it was; no truncation reads or writes out of bounds (every
 * buffer is an exact-size heap block, for AddressSanitizer and valgrind). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/csum.h"
#include "nfqfw/nat_rewrite.h"
#include "nat/rwtest.h"
#include "unit.h"

#define PARTIAL NAT_REWRITE_CSUM_PARTIAL

/* Every kind of packet of a family: protocol and ICMP type. */
static const struct rt_kind kinds4[] = {
	{ IPPROTO_TCP }, { IPPROTO_UDP }, { IPPROTO_UDP, 0, true },
	{ IPPROTO_UDPLITE }, { IPPROTO_DCCP },
	{ IPPROTO_ICMP, 8 }, { IPPROTO_ICMP, 0 }, { IPPROTO_ICMP, 13 },
	{ IPPROTO_ICMP, 17 },
	{ IPPROTO_ICMP, 9 },            /* router advertisement: no identifier */
	{ IPPROTO_SCTP }, { IPPROTO_GRE },
	{ IPPROTO_ICMPV6 },             /* over IPv4: opaque */
};

static const struct rt_kind kinds6[] = {
	{ IPPROTO_TCP }, { IPPROTO_UDP }, { IPPROTO_UDPLITE }, { IPPROTO_DCCP },
	{ IPPROTO_ICMPV6, 128 }, { IPPROTO_ICMPV6, 129 },
	{ IPPROTO_ICMPV6, 135 },        /* neighbour solicitation */
	{ IPPROTO_SCTP }, { IPPROTO_GRE },
	{ IPPROTO_ICMP },               /* over IPv6: opaque */
};

#define N_KINDS4 (sizeof(kinds4) / sizeof(kinds4[0]))
#define N_KINDS6 (sizeof(kinds6) / sizeof(kinds6[0]))

/* Completes a partial checksum as the NIC does: the sum of the segment,
 * field included, complemented into the field. */
static void complete_partial(struct rt_pkt *t)
{
	size_t coff = rt_csum_off(t);
	uint16_t c = ref_fold(ref_sum(0, t->buf + t->l4_off, t->len - t->l4_off));

	if (t->spec.proto == IPPROTO_UDP || t->spec.proto == IPPROTO_UDPLITE)
		c = csum_udp_final(c);
	rt_put16(t->buf + coff, c);
}

/* One random rewrite: the result must be the reference; a complete packet
 * must then verify with src/pkt/csum.c too; a partial one, once completed,
 * must equal the fully computed reference. */
static void one_rewrite(const struct rt_spec *s, enum nat_manip m, uint32_t *rng)
{
	struct rt_pkt t, exp;
	union pkt_addr addr;
	uint16_t port = (uint16_t)pb_rand(rng);
	struct pkt p;
	uint8_t *orig, *got;
	int rc;

	rt_build(&t, s, rng, 300);
	rt_rand_addr(&addr, s->family, rng);
	if (pb_rand(rng) % 16 == 0)     /* sometimes the port stays */
		port = rt_port_off(&t, m) ? rt_get16(t.buf + rt_port_off(&t, m)) : port;
	exp = t;
	rt_expect(&exp, m, &addr, port);
	orig = pb_exact_copy(t.buf, t.len);
	got = pb_exact_copy(t.buf, t.len);
	/* P describes the original or the copy itself: both must work. */
	if (pkt_parse(&p, rt_cases % 2 ? orig : got, t.len, 0) != PKT_OK) {
		RT_CHECK(false, "built packet does not parse (proto %u)", s->proto);
		goto out;
	}
	rt_cases++;
	rc = nat_rewrite(got, t.len, &p, m, &addr, port, s->csum == RT_CSUM_PARTIAL ? PARTIAL : 0);
	RT_CHECK(rc == 0, "rc %d", rc);
	RT_CHECK(memcmp(got, exp.buf, t.len) == 0,
	      "family %u proto %u type %u frag %d manip %s csum %d: differs from reference",
	      s->family, s->proto, s->icmp_type, s->frag, rt_manip_name(m), s->csum);
	if (s->csum == RT_CSUM_FULL && s->frag == RT_FRAG_NONE) {
		struct pkt q;
		int v;

		RT_CHECK(pkt_parse(&q, got, t.len, 0) == PKT_OK, "result does not parse");
		v = csum_l4_verify(&q);
		RT_CHECK(v == 0 || (v == -EOPNOTSUPP && !q.has_l4), "csum_l4_verify %d", v);
	} else if (s->csum == RT_CSUM_PARTIAL && rt_csum_off(&t) &&
		   s->proto != IPPROTO_ICMP) {
		struct rt_pkt full = exp;

		memcpy(exp.buf, got, t.len);
		complete_partial(&exp);
		full.spec.csum = RT_CSUM_FULL;
		rt_finish(&full);
		RT_CHECK(memcmp(exp.buf, full.buf, t.len) == 0, "completed partial checksum wrong");
	}
out:
	free(orig);
	free(got);
}

/* Every family x protocol x fragment kind x manip x checksum mode, 50
 * random packets each. */
static void test_random(void)
{
	uint32_t rng = 0x5eed0001;

	rt_start();
	for (int f = 0; f < 2; f++) {
		uint8_t family = f ? 6 : 4;
		const struct rt_kind *ks = f ? kinds6 : kinds4;
		size_t nk = f ? N_KINDS6 : N_KINDS4;

		for (size_t k = 0; k < nk; k++)
			for (int frag = RT_FRAG_NONE; frag <= RT_FRAG_LATER; frag++)
				for (int m = 0; m < 2; m++)
					for (int c = 0; c < 2; c++)
						for (int i = 0; i < 50; i++) {
							struct rt_spec s = rt_spec_of(family, &ks[k],
										   (enum rt_frag)frag,
										   (enum rt_csum)c);

							one_rewrite(&s, (enum nat_manip)m, &rng);
						}
	}
	rt_done(10000);
}

/* The same address and port again: not a bit changes (no 0/0xffff flip). */
static void test_noop(void)
{
	uint32_t rng = 0x5eed0002;

	rt_start();
	for (int i = 0; i < 2000; i++) {
		uint8_t family = i % 2 ? 6 : 4;
		const struct rt_kind *k = family == 4 ? &kinds4[pb_rand(&rng) % N_KINDS4]
						   : &kinds6[pb_rand(&rng) % N_KINDS6];
		struct rt_spec s = rt_spec_of(family, k, RT_FRAG_NONE, (enum rt_csum)(i / 2 % 2));
		enum nat_manip m = (enum nat_manip)(i / 4 % 2);
		size_t aoff = family == 4 ? (m == NAT_MANIP_SRC ? 12 : 16) : (m == NAT_MANIP_SRC ? 8 : 24);
		struct rt_pkt t;
		union pkt_addr addr;
		uint16_t port;
		struct pkt p;

		rt_build(&t, &s, &rng, 100);
		memset(&addr, 0, sizeof(addr));
		memcpy(addr.b, t.buf + aoff, family == 4 ? 4 : 16);
		port = rt_port_off(&t, m) ? rt_get16(t.buf + rt_port_off(&t, m)) : 0;
		uint8_t *got = pb_exact_copy(t.buf, t.len);

		RT_CHECK(pkt_parse(&p, got, t.len, 0) == PKT_OK, "parse");
		RT_CHECK(nat_rewrite(got, t.len, &p, m, &addr, port,
				  s.csum == RT_CSUM_PARTIAL ? PARTIAL : 0) == 0, "rc");
		RT_CHECK(memcmp(got, t.buf, t.len) == 0, "no-op rewrite changed proto %u", s.proto);
		free(got);
		rt_cases++;
	}
	rt_done(2000);
}

/* UDP without a checksum (IPv4: none; IPv6: invalid) keeps 0 whatever
 * changes; the checksum is 0 before and after, explicitly. */
static void test_udp_zero(void)
{
	uint32_t rng = 0x5eed0003;

	rt_start();
	for (int i = 0; i < 400; i++) {
		uint8_t family = i % 2 ? 6 : 4;
		struct rt_spec s = { .family = family, .proto = IPPROTO_UDP };
		enum nat_manip m = (enum nat_manip)(i / 2 % 2);
		struct rt_pkt t;
		union pkt_addr addr;
		struct pkt p;

		rt_build(&t, &s, &rng, 64);
		rt_put16(t.buf + t.l4_off + 6, 0);
		rt_rand_addr(&addr, family, &rng);
		uint8_t *got = pb_exact_copy(t.buf, t.len);

		RT_CHECK(pkt_parse(&p, got, t.len, 0) == PKT_OK, "parse");
		RT_CHECK(nat_rewrite(got, t.len, &p, m, &addr, (uint16_t)(pb_rand(&rng) | 1), 0) == 0, "rc");
		RT_CHECK(rt_get16(got + t.l4_off + 6) == 0, "UDP checksum 0 became %#x",
		      rt_get16(got + t.l4_off + 6));
		RT_CHECK(memcmp(got + (family == 4 ? 12 : 8) + (m == NAT_MANIP_SRC ? 0 : (family == 4 ? 4 : 16)),
			     addr.b, family == 4 ? 4 : 16) == 0, "address not set");
		free(got);
		rt_cases++;
	}
	rt_done(400);
}

/* The port that makes the full checksum come out 0 after the rewrite: the
 * reference sum of everything else, with the new address. */
static uint16_t port_for_zero(const struct rt_pkt *t, enum nat_manip m,
			      const union pkt_addr *addr)
{
	struct rt_pkt z = *t;
	size_t alen = t->spec.family == 4 ? 4 : 16;
	size_t aoff = t->spec.family == 4 ? (m == NAT_MANIP_SRC ? 12 : 16) : (m == NAT_MANIP_SRC ? 8 : 24);
	const uint8_t *s = z.buf + (t->spec.family == 4 ? 12 : 8);
	uint32_t sum;

	memcpy(z.buf + aoff, addr->b, alen);
	rt_put16(z.buf + rt_port_off(&z, m), 0);
	rt_put16(z.buf + rt_csum_off(&z), 0);
	sum = rt_pseudo_sum(t->spec.family, s, s + alen, t->spec.proto,
			    (uint32_t)(z.len - z.l4_off));
	sum = ref_sum(sum, z.buf + z.l4_off, z.len - z.l4_off);
	return (uint16_t)(0xffff - (uint16_t)~ref_fold(sum));
}

/* A UDP checksum that comes out 0 is sent 0xffff (RFC 768); a TCP one is 0. */
static void test_becomes_zero(void)
{
	uint32_t rng = 0x5eed0004;

	rt_start();
	for (int i = 0; i < 400; i++) {
		uint8_t family = i % 2 ? 6 : 4;
		uint8_t proto = i / 2 % 2 ? IPPROTO_TCP : IPPROTO_UDP;
		enum nat_manip m = (enum nat_manip)(i / 4 % 2);
		struct rt_spec s = { .family = family, .proto = proto };
		struct rt_pkt t, exp;
		union pkt_addr addr;
		uint16_t port;
		struct pkt p;

		rt_build(&t, &s, &rng, 64);
		rt_rand_addr(&addr, family, &rng);
		port = port_for_zero(&t, m, &addr);
		exp = t;
		rt_expect(&exp, m, &addr, port);
		uint8_t *got = pb_exact_copy(t.buf, t.len);

		RT_CHECK(pkt_parse(&p, got, t.len, 0) == PKT_OK, "parse");
		RT_CHECK(nat_rewrite(got, t.len, &p, m, &addr, port, 0) == 0, "rc");
		RT_CHECK(rt_get16(got + rt_csum_off(&t)) == (proto == IPPROTO_UDP ? 0xffff : 0),
		      "proto %u: computed 0 written %#x", proto, rt_get16(got + rt_csum_off(&t)));
		RT_CHECK(memcmp(got, exp.buf, t.len) == 0, "differs from reference");
		free(got);
		rt_cases++;
	}
	rt_done(400);
}

/* Sets an IPv4 header's length, fragment fields (DF kept) and checksum. */
static void ipv4_fix(uint8_t *h, size_t len, bool more, uint16_t offset)
{
	rt_put16(h + 2, (uint16_t)len);
	rt_put16(h + 6, (uint16_t)((rt_get16(h + 6) & 0x4000) | (more ? 0x2000 : 0) | offset / 8));
	rt_put16(h + 10, 0);
	rt_put16(h + 10, ref_fold(ref_sum(0, h, (h[0] & 0x0f) * 4u)));
}

/* A datagram cut into two IPv4 fragments, both rewritten the same way:
 * the checksum in the first stays right for the whole reassembled datagram,
 * though neither rewrite saw all of it. */
static void test_fragments_reassemble(void)
{
	uint32_t rng = 0x5eed0005;

	rt_start();
	for (int i = 0; i < 400; i++) {
		uint8_t proto = i % 2 ? IPPROTO_TCP : IPPROTO_UDP;
		enum nat_manip m = (enum nat_manip)(i / 2 % 2);
		struct rt_spec s = { .family = 4, .proto = proto };
		struct rt_pkt t, exp;
		uint8_t f1[PB_MAX], f2[PB_MAX], re[PB_MAX];
		union pkt_addr addr;
		uint16_t port = (uint16_t)pb_rand(&rng);
		size_t hl, cut, l1, l2;
		struct pkt p;

		do
			rt_build(&t, &s, &rng, 400);
		while (t.len - t.l4_off < 80);
		rt_rand_addr(&addr, 4, &rng);
		exp = t;
		rt_expect(&exp, m, &addr, port);
		hl = t.l4_off;
		/* The first fragment holds the whole transport header. */
		cut = 8 * (8 + pb_rand(&rng) % ((t.len - hl) / 8 - 8));
		l1 = hl + cut;
		l2 = t.len - cut;
		memcpy(f1, t.buf, l1);
		ipv4_fix(f1, l1, true, 0);
		memcpy(f2, t.buf, hl);
		memcpy(f2 + hl, t.buf + l1, t.len - l1);
		ipv4_fix(f2, l2, false, (uint16_t)cut);
		uint8_t *g1 = pb_exact_copy(f1, l1), *g2 = pb_exact_copy(f2, l2);

		RT_CHECK(pkt_parse(&p, g1, l1, 0) == PKT_OK && p.has_l4, "first fragment");
		RT_CHECK(nat_rewrite(g1, l1, &p, m, &addr, port, 0) == 0, "rc first");
		RT_CHECK(pkt_parse(&p, g2, l2, 0) == PKT_OK && !p.has_l4, "later fragment");
		RT_CHECK(nat_rewrite(g2, l2, &p, m, &addr, port, 0) == 0, "rc later");
		RT_CHECK(csum_ipv4_header_ok(g2, hl), "later fragment header checksum");
		RT_CHECK(memcmp(g2 + hl, f2 + hl, l2 - hl) == 0, "later fragment data changed");
		memcpy(re, g1, l1);
		memcpy(re + l1, g2 + hl, l2 - hl);
		ipv4_fix(re, t.len, false, 0);
		RT_CHECK(memcmp(re, exp.buf, t.len) == 0, "reassembled datagram differs from reference");
		free(g1);
		free(g2);
		rt_cases++;
	}
	rt_done(400);
}

/* Every truncated copy is refused (-ENODATA) and left alone; a whole packet
 * with link padding after it is rewritten and the padding left alone. */
static void test_truncated(void)
{
	uint32_t rng = 0x5eed0006;

	rt_start();
	for (int i = 0; i < 300; i++) {
		uint8_t family = i % 2 ? 6 : 4;
		const struct rt_kind *k = family == 4 ? &kinds4[pb_rand(&rng) % N_KINDS4]
						   : &kinds6[pb_rand(&rng) % N_KINDS6];
		struct rt_spec s = rt_spec_of(family, k, (enum rt_frag)(pb_rand(&rng) % 3),
					   (enum rt_csum)(pb_rand(&rng) % 2));
		enum nat_manip m = (enum nat_manip)(pb_rand(&rng) % 2);
		unsigned int fl = s.csum == RT_CSUM_PARTIAL ? PARTIAL : 0;
		struct rt_pkt t, exp;
		union pkt_addr addr;
		struct pkt p;

		rt_build(&t, &s, &rng, 120);
		rt_rand_addr(&addr, family, &rng);
		for (size_t l = 0; l <= t.len; l++) {
			uint8_t *got = pb_exact_copy(t.buf, l);

			if (pkt_parse(&p, got, l, PKT_PARSE_TRUNCATED_COPY) == PKT_OK) {
				int rc = nat_rewrite(got, l, &p, m, &addr, 1234, fl);

				RT_CHECK(rc == (l == t.len ? 0 : -ENODATA), "len %zu of %zu: rc %d", l, t.len, rc);
				RT_CHECK(l == t.len || memcmp(got, t.buf, l) == 0, "refused copy changed");
				rt_cases++;
			}
			free(got);
		}
		exp = t;
		rt_expect(&exp, m, &addr, 1234);
		memset(t.buf + t.len, 0xa5, 7);
		uint8_t *got = pb_exact_copy(t.buf, t.len + 7);

		RT_CHECK(pkt_parse(&p, got, t.len + 7, 0) == PKT_OK, "padded parse");
		RT_CHECK(nat_rewrite(got, t.len + 7, &p, m, &addr, 1234, fl) == 0, "padded rc");
		RT_CHECK(memcmp(got, exp.buf, t.len) == 0, "padded packet differs");
		RT_CHECK(memcmp(got + t.len, t.buf + t.len, 7) == 0, "padding changed");
		free(got);
	}
	rt_done(10000);
}

/* Runs nat_rewrite() on an exact copy of T expecting WANT and, on error, an
 * unchanged buffer; on success the reference. */
static void expect_refusal(const struct rt_pkt *t, size_t len, enum nat_manip m,
			   const union pkt_addr *addr, unsigned int flags, int want)
{
	uint8_t *got = pb_exact_copy(t->buf, t->len);
	struct rt_pkt exp = *t;
	struct pkt p;
	int rc;

	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, got, t->len, 0), PKT_OK);
	rc = nat_rewrite(got, len, &p, m, addr, 80, flags);
	CU_ASSERT_EQUAL(rc, want);
	if (want == 0)
		rt_expect(&exp, m, addr, 80);
	CU_ASSERT(memcmp(got, exp.buf, t->len) == 0);
	free(got);
}

static void test_refusals(void)
{
	static const uint8_t lsrr[8] = { 1, 131, 7, 4, 198, 51, 100, 9 };
	uint8_t rh[22] = { 0, 1 };      /* routing type 0, 1 segment left */
	uint32_t rng = 0x5eed0007;
	struct rt_spec tcp4 = { .family = 4, .proto = IPPROTO_TCP };
	struct rt_spec err4 = { .family = 4, .proto = IPPROTO_ICMP, .icmp_type = 3 };
	struct rt_spec err6 = { .family = 6, .proto = IPPROTO_ICMPV6, .icmp_type = 2 };
	struct rt_pkt t;
	union pkt_addr addr;
	struct pb b;
	struct pkt p;

	rt_rand_addr(&addr, 4, &rng);
	rt_build(&t, &tcp4, &rng, 50);
	expect_refusal(&t, t.len - 1, NAT_MANIP_SRC, &addr, 0, -EINVAL);
	expect_refusal(&t, t.len, (enum nat_manip)2, &addr, 0, -EINVAL);
	expect_refusal(&t, t.len, NAT_MANIP_SRC, NULL, 0, -EINVAL);
	expect_refusal(&t, t.len, NAT_MANIP_SRC, &addr, 1u << 5, -EINVAL);
	expect_refusal(&t, t.len, NAT_MANIP_DST, &addr, 0, 0);
	/* ICMP errors go through nat_rewrite_icmp_error(). */
	rt_build(&t, &err4, &rng, 50);
	expect_refusal(&t, t.len, NAT_MANIP_DST, &addr, 0, -EINVAL);
	rt_rand_addr(&addr, 6, &rng);
	rt_build(&t, &err6, &rng, 50);
	expect_refusal(&t, t.len, NAT_MANIP_DST, &addr, 0, -EINVAL);

	/* Source routes: the pseudo-header holds the final destination. */
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, lsrr, sizeof(lsrr));
	pb_udp(&b, 1000, 2000);
	pb_pattern(&b, 20, 3);
	t = (struct rt_pkt){ .len = pb_finish(&b), .spec = { .family = 4, .proto = IPPROTO_UDP } };
	memcpy(t.buf, b.buf, t.len);
	t.l3_len = t.l4_off = 28;
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, t.buf, t.len, 0), PKT_OK);
	CU_ASSERT(p.ip_ext & PKT_EXT_SOURCE_ROUTE);
	rt_rand_addr(&addr, 4, &rng);
	expect_refusal(&t, t.len, NAT_MANIP_DST, &addr, 0, -EOPNOTSUPP);
	expect_refusal(&t, t.len, NAT_MANIP_SRC, &addr, 0, 0);

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_ROUTING);
	pb_ext(&b, IPPROTO_TCP, rh, sizeof(rh));
	pb_tcp(&b, 1000, 2000, 1, 2, 0x10, 100, NULL, 0);
	t = (struct rt_pkt){ .len = pb_finish(&b), .spec = { .family = 6, .proto = IPPROTO_TCP } };
	memcpy(t.buf, b.buf, t.len);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, t.buf, t.len, 0), PKT_OK);
	CU_ASSERT(p.ip_ext & PKT_EXT_SOURCE_ROUTE);
	rt_rand_addr(&addr, 6, &rng);
	expect_refusal(&t, t.len, NAT_MANIP_DST, &addr, 0, -EOPNOTSUPP);
}

/* A wrong checksum stays exactly as wrong: the rewrite never launders it. */
static void test_bad_csum_kept(void)
{
	uint32_t rng = 0x5eed0008;

	rt_start();
	for (int i = 0; i < 400; i++) {
		uint8_t family = i % 2 ? 6 : 4;
		struct rt_spec s = { .family = family, .proto = i / 2 % 2 ? IPPROTO_TCP : IPPROTO_UDP };
		enum nat_manip m = (enum nat_manip)(i / 4 % 2);
		struct rt_pkt t, exp;
		union pkt_addr addr;
		uint16_t port = (uint16_t)pb_rand(&rng), err = (uint16_t)(1 + pb_rand(&rng) % 0xfffe);
		size_t coff;
		struct pkt p;

		rt_build(&t, &s, &rng, 64);
		coff = rt_csum_off(&t);
		rt_rand_addr(&addr, family, &rng);
		exp = t;
		rt_expect(&exp, m, &addr, port);
		/* The same error in the one's complement sum before and after. */
		rt_put16(t.buf + coff, csum_update16(rt_get16(t.buf + coff), 0, err));
		rt_put16(exp.buf + coff, csum_update16(rt_get16(exp.buf + coff), 0, err));
		uint8_t *got = pb_exact_copy(t.buf, t.len);

		RT_CHECK(pkt_parse(&p, got, t.len, 0) == PKT_OK, "parse");
		if (rt_get16(t.buf + coff) == 0 || rt_get16(exp.buf + coff) == 0) {
			free(got);          /* UDP "no checksum": another rule */
			continue;
		}
		RT_CHECK(nat_rewrite(got, t.len, &p, m, &addr, port, 0) == 0, "rc");
		RT_CHECK(pkt_parse(&p, got, t.len, 0) == PKT_OK && csum_l4_verify(&p) == -EBADMSG,
		      "bad checksum became good");
		RT_CHECK(rt_get16(got + coff) == csum_udp_final(rt_get16(exp.buf + coff)) ||
		      rt_get16(got + coff) == rt_get16(exp.buf + coff), "error not kept");
		free(got);
		rt_cases++;
	}
	rt_done(350);
}

/* The tuple helpers give what the header tells callers to pass. */
static void test_tuple_helpers(void)
{
	struct ct_tuple t = { .sport = 1111, .dport = 2222, .family = 4,
			      .l4proto = IPPROTO_TCP };

	t.src.v4 = 1;
	t.dst.v4 = 2;
	CU_ASSERT_EQUAL(nat_tuple_port(&t, NAT_MANIP_SRC), 1111);
	CU_ASSERT_EQUAL(nat_tuple_port(&t, NAT_MANIP_DST), 2222);
	CU_ASSERT_PTR_EQUAL(nat_tuple_addr(&t, NAT_MANIP_SRC), &t.src);
	CU_ASSERT_PTR_EQUAL(nat_tuple_addr(&t, NAT_MANIP_DST), &t.dst);
	t.l4proto = IPPROTO_ICMP;
	t.dport = 0 << 8;               /* echo reply */
	CU_ASSERT_EQUAL(nat_tuple_port(&t, NAT_MANIP_SRC), 1111);
	CU_ASSERT_EQUAL(nat_tuple_port(&t, NAT_MANIP_DST), 1111);
	t.l4proto = IPPROTO_ICMPV6;
	t.dport = 129 << 8;
	CU_ASSERT_EQUAL(nat_tuple_port(&t, NAT_MANIP_DST), 1111);
}

static const struct unit_test rewrite_tests[] = {
	{ "random packets, every protocol, family, manip, checksum mode", test_random },
	{ "the same address and port change nothing", test_noop },
	{ "UDP without checksum keeps 0", test_udp_zero },
	{ "computed 0: UDP 0xffff, TCP 0", test_becomes_zero },
	{ "fragments rewritten alike reassemble right", test_fragments_reassemble },
	{ "truncated copies refused, padding kept", test_truncated },
	{ "bad arguments, errors, source routes", test_refusals },
	{ "a bad checksum stays bad", test_bad_csum_kept },
	{ "tuple helpers", test_tuple_helpers },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "nat_rewrite", rewrite_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
