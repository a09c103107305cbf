/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the ICMP error translation (src/nat/rewrite_icmp.c): on
 * random errors quoting TCP, UDP and ICMP echo packets, whole and cut, the
 * result must equal, byte for byte, the reference (the quoted packet
 * rewritten whole and recomputed, cut like the quote; the outer header set;
 * the error's checksum recomputed from scratch); refusals leave the packet
 * as it was; the header's recipe gives what the client must see. */
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

/* ICMP errors: the packets a quote may hold. */
static const struct rt_kind inner4[] = {
	{ IPPROTO_TCP }, { IPPROTO_UDP }, { IPPROTO_UDP, 0, true },
	{ IPPROTO_ICMP, 8 }, { IPPROTO_ICMP, 0 },
};

static const struct rt_kind inner6[] = {
	{ IPPROTO_TCP }, { IPPROTO_UDP },
	{ IPPROTO_ICMPV6, 128 }, { IPPROTO_ICMPV6, 129 },
};

/* What a quote must hold: both ports, the whole ICMP header, or (a later
 * fragment) the IP headers. */
static size_t quote_need(const struct rt_pkt *in)
{
	if (!in->l4_off)
		return in->l3_len;
	return in->l4_off + (rt_is_icmp(in) ? 8 : 4);
}

/* One translation to make and its reference. */
struct err_case {
	enum nat_manip om, im;
	union pkt_addr oaddr, iaddr;
	uint16_t iport;
	unsigned int flags;
};

static void rand_err_case(struct err_case *c, uint8_t family, enum rt_csum csum,
			  uint32_t *rng)
{
	c->om = (enum nat_manip)(pb_rand(rng) % 2);
	c->im = (enum nat_manip)(pb_rand(rng) % 2);
	rt_rand_addr(&c->oaddr, family, rng);
	rt_rand_addr(&c->iaddr, family, rng);
	c->iport = (uint16_t)pb_rand(rng);
	c->flags = csum == RT_CSUM_PARTIAL ? PARTIAL : 0;
}

/* The reference: the whole inner packet rewritten and recomputed, cut to
 * the quote (a transport checksum field the quote does not wholly hold
 * stays as it was), then the outer header, then the error's checksum. */
static void expect_error(struct rt_pkt *exp, const struct rt_pkt *err,
			 const struct rt_pkt *inner, size_t qlen,
			 const struct err_case *c)
{
	struct rt_pkt in = *inner;
	size_t coff = rt_csum_off(inner);

	rt_expect(&in, c->im, &c->iaddr, c->iport);
	if (coff && coff + 2 > qlen)
		memcpy(in.buf + coff, inner->buf + coff, 2);
	*exp = *err;
	memcpy(exp->buf + rt_quote_off(err), in.buf, qlen);
	rt_expect(exp, c->om, &c->oaddr, 0);
}

/* Translates an exact copy of ERR; returns the rc, leaves the result in
 * *OUT (a copy of ERR with the bytes replaced). */
static int run_error(struct rt_pkt *out, const struct rt_pkt *err,
		     const struct err_case *c)
{
	uint8_t *got = pb_exact_copy(err->buf, err->len);
	struct pkt p;
	int rc = -1;

	*out = *err;
	if (pkt_parse(&p, got, err->len, 0) != PKT_OK || !p.icmp.is_error) {
		RT_CHECK(false, "built error does not parse");
		goto out;
	}
	rc = nat_rewrite_icmp_error(got, err->len, &p, c->om, &c->oaddr, c->im,
				    &c->iaddr, c->iport, c->flags);
	memcpy(out->buf, got, err->len);
out:
	free(got);
	return rc;
}

static void one_error(const struct rt_spec *is, int cut, enum rt_csum csum,
		      uint32_t *rng)
{
	struct rt_pkt in, err, exp, got;
	struct err_case c;
	size_t need, qlen, qoff;
	int rc;

	rt_build(&in, is, rng, 200);
	need = quote_need(&in);
	switch (cut) {
	case 0:
		qlen = in.len;
		break;
	case 1:                 /* RFC 792: the IP header and 8 bytes */
		qlen = (in.l4_off ? in.l4_off : in.l3_len) + 8;
		break;
	case 2:
		qlen = need;
		break;
	default:
		qlen = need + pb_rand(rng) % (in.len - need + 1);
		break;
	}
	if (qlen > in.len)
		qlen = in.len;
	rt_build_error(&err, &in, qlen, csum, rng);
	rand_err_case(&c, is->family, csum, rng);
	expect_error(&exp, &err, &in, qlen, &c);
	rc = run_error(&got, &err, &c);
	rt_cases++;
	RT_CHECK(rc == 0, "rc %d", rc);
	RT_CHECK(memcmp(got.buf, exp.buf, err.len) == 0,
	      "family %u inner proto %u type %u frag %d cut %d (%zu of %zu) outer %s inner %s csum %d: differs",
	      is->family, is->proto, is->icmp_type, is->frag, cut, qlen, in.len,
	      rt_manip_name(c.om), rt_manip_name(c.im), csum);
	qoff = rt_quote_off(&err);
	if (is->family == 4)
		RT_CHECK(ref_fold(ref_sum(0, got.buf + qoff, (got.buf[qoff] & 0x0f) * 4u)) == 0,
		      "inner IPv4 header checksum");
	if (csum == RT_CSUM_FULL)
		RT_CHECK(rt_error_residue(&got) == 0, "ICMP checksum wrong on full recomputation");
}

/* Every family x quoted protocol x cut x checksum mode, random manips. */
static void test_error_random(void)
{
	uint32_t rng = 0x5eed0101;

	rt_start();
	for (int f = 0; f < 2; f++) {
		uint8_t family = f ? 6 : 4;
		const struct rt_kind *ks = f ? inner6 : inner4;
		size_t nk = f ? sizeof(inner6) / sizeof(inner6[0]) : sizeof(inner4) / sizeof(inner4[0]);

		for (size_t k = 0; k < nk; k++)
			for (int frag = RT_FRAG_NONE; frag <= RT_FRAG_LATER; frag++)
				for (int cut = 0; cut < 4; cut++)
					for (int csum = 0; csum < 2; csum++)
						for (int i = 0; i < 60; i++) {
							struct rt_spec s = rt_spec_of(family, &ks[k],
										   (enum rt_frag)frag,
										   RT_CSUM_FULL);

							one_error(&s, cut, (enum rt_csum)csum, &rng);
						}
	}
	rt_done(10000);
}

/* Every length of quote: long enough, translated like the reference;
 * shorter, refused with -EBADMSG and left alone. */
static void test_error_quote_lengths(void)
{
	uint32_t rng = 0x5eed0102;

	rt_start();
	for (int i = 0; i < 120; i++) {
		uint8_t family = i % 2 ? 6 : 4;
		const struct rt_kind *k = family == 4 ? &inner4[pb_rand(&rng) % 5] : &inner6[pb_rand(&rng) % 4];
		struct rt_spec s = rt_spec_of(family, k, (enum rt_frag)(i / 2 % 3), RT_CSUM_FULL);
		enum rt_csum csum = (enum rt_csum)(i / 6 % 2);
		struct rt_pkt in, err, exp, got;
		size_t need;

		rt_build(&in, &s, &rng, 60);
		need = quote_need(&in);
		for (size_t q = 0; q <= in.len; q++) {
			struct err_case c;
			int rc;

			rt_build_error(&err, &in, q, csum, &rng);
			rand_err_case(&c, family, csum, &rng);
			rc = run_error(&got, &err, &c);
			rt_cases++;
			if (q < need) {
				RT_CHECK(rc == -EBADMSG, "quote %zu < %zu: rc %d", q, need, rc);
				RT_CHECK(memcmp(got.buf, err.buf, err.len) == 0, "refused error changed");
				continue;
			}
			expect_error(&exp, &err, &in, q, &c);
			RT_CHECK(rc == 0, "quote %zu: rc %d", q, rc);
			RT_CHECK(memcmp(got.buf, exp.buf, err.len) == 0,
			      "quote %zu of %zu (proto %u frag %d): differs", q, in.len, s.proto, s.frag);
		}
	}
	rt_done(5000);
}

/* Runs the translation of ERR expecting WANT and an unchanged buffer, or
 * on success the reference (ERR quotes all of INNER). */
static void expect_error_refusal(const struct rt_pkt *err, const struct rt_pkt *inner,
				 size_t len, const struct err_case *c, int want)
{
	uint8_t *got = pb_exact_copy(err->buf, err->len);
	struct rt_pkt exp = *err;
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, got, err->len, 0), PKT_OK);
	CU_ASSERT_EQUAL(nat_rewrite_icmp_error(got, len, &p, c->om, &c->oaddr, c->im,
					       &c->iaddr, c->iport, c->flags), want);
	if (want == 0)
		expect_error(&exp, err, inner, inner->len, c);
	CU_ASSERT(memcmp(got, exp.buf, err->len) == 0);
	free(got);
}

static void test_error_refusals(void)
{
	static const uint8_t lsrr[8] = { 1, 131, 7, 4, 198, 51, 100, 9 };
	struct rt_spec tcp4 = { .family = 4, .proto = IPPROTO_TCP };
	struct rt_spec tcp6 = { .family = 6, .proto = IPPROTO_TCP };
	struct rt_spec echo4 = { .family = 4, .proto = IPPROTO_ICMP, .icmp_type = 8 };
	struct rt_spec echo6 = { .family = 6, .proto = IPPROTO_ICMPV6, .icmp_type = 128 };
	uint32_t rng = 0x5eed0103;
	struct rt_pkt in, err, in6, err2;
	struct err_case c;
	struct pb b;

	rt_build(&in, &tcp4, &rng, 40);
	rt_build_error(&err, &in, in.len, RT_CSUM_FULL, &rng);
	rand_err_case(&c, 4, RT_CSUM_FULL, &rng);
	expect_error_refusal(&err, NULL, err.len - 1, &c, -EINVAL);
	c.om = (enum nat_manip)3;
	expect_error_refusal(&err, NULL, err.len, &c, -EINVAL);
	c.om = NAT_MANIP_DST;
	c.im = (enum nat_manip)-1;
	expect_error_refusal(&err, NULL, err.len, &c, -EINVAL);
	c.im = NAT_MANIP_SRC;
	c.flags = 0x80;
	expect_error_refusal(&err, NULL, err.len, &c, -EINVAL);
	c.flags = 0;
	expect_error_refusal(&err, &in, err.len, &c, 0);
	/* Not an error: queries and TCP segments are nat_rewrite()'s. */
	rt_build(&in, &echo4, &rng, 40);
	expect_error_refusal(&in, NULL, in.len, &c, -EINVAL);
	rt_build(&in, &tcp4, &rng, 40);
	expect_error_refusal(&in, NULL, in.len, &c, -EINVAL);
	rt_build(&in6, &echo6, &rng, 40);
	rand_err_case(&c, 6, RT_CSUM_FULL, &rng);
	expect_error_refusal(&in6, NULL, in6.len, &c, -EINVAL);
	/* An error about an error; a quote of the other family. */
	rt_build(&in6, &tcp6, &rng, 40);
	rt_build_error(&err, &in6, in6.len, RT_CSUM_FULL, &rng);
	rt_build_error(&err2, &err, err.len, RT_CSUM_FULL, &rng);
	expect_error_refusal(&err2, NULL, err2.len, &c, -EINVAL);
	rt_build(&in, &tcp4, &rng, 40);
	rt_build_error(&err, &in, in.len, RT_CSUM_FULL, &rng);
	rt_build_error(&err2, &err, err.l4_off + 8, RT_CSUM_FULL, &rng);
	rand_err_case(&c, 4, RT_CSUM_FULL, &rng);
	expect_error_refusal(&err2, NULL, err2.len, &c, -EINVAL);
	in6.spec.family = 4;            /* an IPv6 packet quoted by ICMPv4 */
	rt_build_error(&err, &in6, in6.len, RT_CSUM_FULL, &rng);
	expect_error_refusal(&err, NULL, err.len, &c, -EINVAL);
	/* A quoted source route: no destination rewrite. */
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, lsrr, sizeof(lsrr));
	pb_udp(&b, 1000, 2000);
	pb_pattern(&b, 20, 3);
	in = (struct rt_pkt){ .len = pb_finish(&b), .spec = { .family = 4, .proto = IPPROTO_UDP } };
	memcpy(in.buf, b.buf, in.len);
	in.l3_len = in.l4_off = 28;
	rt_build_error(&err, &in, in.len, RT_CSUM_FULL, &rng);
	c.im = NAT_MANIP_DST;
	expect_error_refusal(&err, NULL, err.len, &c, -EOPNOTSUPP);
	c.im = NAT_MANIP_SRC;
	expect_error_refusal(&err, &in, err.len, &c, 0);
}

/* Truncated copies of errors are refused; a bad ICMP checksum stays bad
 * by exactly as much. */
static void test_error_truncated_and_bad(void)
{
	uint32_t rng = 0x5eed0104;

	rt_start();
	for (int i = 0; i < 200; i++) {
		uint8_t family = i % 2 ? 6 : 4;
		struct rt_spec s = rt_spec_of(family, family == 4 ? &inner4[i / 2 % 5] : &inner6[i / 2 % 4],
					   RT_FRAG_NONE, RT_CSUM_FULL);
		struct rt_pkt in, err, got;
		struct err_case c;
		uint16_t residue;
		size_t coff;

		rt_build(&in, &s, &rng, 80);
		rt_build_error(&err, &in, in.len, RT_CSUM_FULL, &rng);
		rand_err_case(&c, family, RT_CSUM_FULL, &rng);
		for (size_t l = 0; l < err.len; l++) {
			uint8_t *cp = pb_exact_copy(err.buf, l);
			struct pkt p;

			if (pkt_parse(&p, cp, l, PKT_PARSE_TRUNCATED_COPY) == PKT_OK) {
				int rc = nat_rewrite_icmp_error(cp, l, &p, c.om, &c.oaddr, c.im,
								&c.iaddr, c.iport, 0);

				RT_CHECK(rc == -ENODATA || (rc == -EINVAL && !p.icmp.is_error),
				      "len %zu of %zu: rc %d", l, err.len, rc);
				RT_CHECK(memcmp(cp, err.buf, l) == 0, "refused copy changed");
				rt_cases++;
			}
			free(cp);
		}
		coff = err.l4_off + 2;
		rt_put16(err.buf + coff, csum_update16(rt_get16(err.buf + coff), 0,
						    (uint16_t)(1 + pb_rand(&rng) % 0xfffe)));
		residue = rt_error_residue(&err);
		RT_CHECK(residue != 0, "corruption did not show");
		RT_CHECK(run_error(&got, &err, &c) == 0, "rc");
		RT_CHECK(rt_error_residue(&got) == residue, "residue %#x became %#x",
		      residue, rt_error_residue(&got));
	}
	rt_done(5000);
}

/* Sets the addresses and the ports (ICMP: the identifier) of T as a tuple
 * would have them, and recomputes its checksums. */
static void set_flow(struct rt_pkt *t, const union pkt_addr *s, const union pkt_addr *d,
		     uint16_t sport, uint16_t dport)
{
	size_t alen = t->spec.family == 4 ? 4 : 16, base = t->spec.family == 4 ? 12 : 8;

	memcpy(t->buf + base, s->b, alen);
	memcpy(t->buf + base + alen, d->b, alen);
	if (rt_is_icmp(t)) {
		rt_put16(t->buf + t->l4_off + 4, sport);
	} else {
		rt_put16(t->buf + t->l4_off, sport);
		rt_put16(t->buf + t->l4_off + 2, dport);
	}
	rt_finish(t);
}

static union pkt_addr addr_of(uint8_t family, const char *text)
{
	union pkt_addr a;

	memset(&a, 0, sizeof(a));
	CU_ASSERT_FATAL(inet_pton(family == 4 ? AF_INET : AF_INET6, text, a.b) == 1);
	return a;
}

/* One scenario of the header's recipe: the error from R to TO quotes the
 * packet QS:QSPORT -> QD:QDPORT (as it left the gateway); translated at a
 * hook of manip M with target T it must become an error from FROM2 to TO2
 * quoting WS:WSPORT -> WD:WDPORT. run_recipe() quotes it whole (L4_CUT 0)
 * or up to L4_CUT bytes of its transport header. */
struct recipe {
	uint8_t family, proto, type;
	const char *r, *to, *from2, *to2;
	const char *qs, *qd;            /* quoted packet: source, destination */
	uint16_t qsport, qdport;
	const char *ws, *wd;            /* quoted packet after translation */
	uint16_t wsport, wdport;
	enum nat_manip m;
	struct ct_tuple t;              /* addresses filled from ts, td */
	const char *ts, *td;
};

static void run_recipe(const struct recipe *r, size_t l4_cut, uint32_t *rng)
{
	struct rt_spec s = { .family = r->family, .proto = r->proto, .icmp_type = r->type };
	struct rt_pkt in, want_in, err, want;
	union pkt_addr a, b;
	struct ct_tuple t = r->t;
	struct pkt p;
	size_t cut;

	rt_build(&in, &s, rng, 40);
	a = addr_of(r->family, r->qs);
	b = addr_of(r->family, r->qd);
	set_flow(&in, &a, &b, r->qsport, r->qdport);
	want_in = in;
	a = addr_of(r->family, r->ws);
	b = addr_of(r->family, r->wd);
	set_flow(&want_in, &a, &b, r->wsport, r->wdport);
	cut = l4_cut ? in.l4_off + l4_cut : in.len;
	rt_build_error(&err, &in, cut, RT_CSUM_FULL, rng);
	a = addr_of(r->family, r->r);
	b = addr_of(r->family, r->to);
	set_flow(&err, &a, &b, 0, 0);
	want = err;
	a = addr_of(r->family, r->from2);
	b = addr_of(r->family, r->to2);
	memcpy(want.buf + rt_quote_off(&err), want_in.buf, cut);
	if (rt_csum_off(&in) + 2 > cut)  /* a cut checksum field stays */
		memcpy(want.buf + rt_quote_off(&err) + rt_csum_off(&in),
		       in.buf + rt_csum_off(&in), 2);
	set_flow(&want, &a, &b, 0, 0);
	t.src = addr_of(r->family, r->ts);
	t.dst = addr_of(r->family, r->td);
	uint8_t *got = pb_exact_copy(err.buf, err.len);

	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, got, err.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(nat_rewrite_icmp_error_target(got, err.len, &p, r->m, &t, 0), 0);
	CU_ASSERT(memcmp(got, want.buf, err.len) == 0);
	free(got);
}

/* The header's recipe on real flows, whole and cut quotes: an SNAT'd TCP
 * flow (error towards the client, before routing), an SNAT'd ping over
 * IPv6 (the identifier), a DNAT'd UDP service over IPv6 (error towards the
 * client, after routing: the quote's destination becomes the public one). */
static void test_error_recipe(void)
{
	static const struct recipe rs[] = {
		{ 4, IPPROTO_TCP, 0, "203.0.113.99", "198.51.100.1", "203.0.113.99", "192.0.2.10",
		  "198.51.100.1", "203.0.113.5", 61000, 80,
		  "192.0.2.10", "203.0.113.5", 40000, 80,
		  NAT_MANIP_DST, { .sport = 80, .dport = 40000, .family = 4, .l4proto = IPPROTO_TCP },
		  "203.0.113.5", "192.0.2.10" },
		{ 6, IPPROTO_ICMPV6, 128, "2001:db8:2::99", "2001:db8:1::1", "2001:db8:2::99", "2001:db8::10",
		  "2001:db8:1::1", "2001:db8:2::5", 0x2222, 0,
		  "2001:db8::10", "2001:db8:2::5", 0x1111, 0,
		  NAT_MANIP_DST, { .sport = 0x1111, .dport = 129 << 8, .family = 6,
				   .l4proto = IPPROTO_ICMPV6 },
		  "2001:db8:2::5", "2001:db8::10" },
		{ 6, IPPROTO_UDP, 0, "2001:db8:4::1", "2001:db8:3::7", "2001:db8:1::1", "2001:db8:3::7",
		  "2001:db8:3::7", "2001:db8:4::9", 5000, 5353,
		  "2001:db8:3::7", "2001:db8:1::1", 5000, 53,
		  NAT_MANIP_SRC, { .sport = 53, .dport = 5000, .family = 6, .l4proto = IPPROTO_UDP },
		  "2001:db8:1::1", "2001:db8:3::7" },
	};
	uint32_t rng = 0x5eed0105;

	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
		run_recipe(&rs[i], 0, &rng);
		run_recipe(&rs[i], 8, &rng);
	}
}

static const struct unit_test icmp_error_tests[] = {
	{ "random errors, every quoted protocol, cut, checksum mode", test_error_random },
	{ "every quote length", test_error_quote_lengths },
	{ "bad arguments, non-errors, errors about errors, families", test_error_refusals },
	{ "truncated copies refused, a bad checksum stays bad", test_error_truncated_and_bad },
	{ "the header's recipe on SNAT and DNAT flows", test_error_recipe },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "nat_rewrite_icmp_error", icmp_error_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
