/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper of the NAT rewrite: random packets and the reference rewrite
 * (see rwtest.h). Headers come from the pkt stage's builder; the transport
 * headers it does not know (UDP-Lite, DCCP, opaque protocols) are raw bytes. */
#include <netinet/in.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "rwtest.h"

#define R(rng) pb_rand(rng)

unsigned int rt_failures, rt_cases;

void rt_start(void)
{
	rt_failures = rt_cases = 0;
}

void rt_done(unsigned int min_cases)
{
	CU_ASSERT_EQUAL(rt_failures, 0);
	CU_ASSERT(rt_cases >= min_cases);
}

uint16_t rt_get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

void rt_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

const char *rt_manip_name(enum nat_manip m)
{
	return m == NAT_MANIP_SRC ? "src" : "dst";
}

struct rt_spec rt_spec_of(uint8_t family, const struct rt_kind *k,
			  enum rt_frag frag, enum rt_csum csum)
{
	return (struct rt_spec){
		.family = family, .proto = k->proto, .icmp_type = k->icmp_type,
		.frag = frag, .csum = csum,
		.udp_zero = k->udp_zero && csum == RT_CSUM_FULL,
	};
}

static size_t addr_off(uint8_t family, enum nat_manip m)
{
	if (family == 4)
		return m == NAT_MANIP_SRC ? 12 : 16;
	return m == NAT_MANIP_SRC ? 8 : 24;
}

static size_t addr_len(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

void rt_rand_addr(union pkt_addr *a, uint8_t family, uint32_t *rng)
{
	static const uint8_t nets[3][3] = {
		{ 192, 0, 2 }, { 198, 51, 100 }, { 203, 0, 113 },
	};

	memset(a, 0, sizeof(*a));
	if (family == 4) {
		memcpy(a->b, nets[R(rng) % 3], 3);
		a->b[3] = (uint8_t)R(rng);
		return;
	}
	a->b[0] = 0x20;
	a->b[1] = 0x01;
	a->b[2] = 0x0d;
	a->b[3] = 0xb8;
	for (int i = 4; i < 16; i++)
		a->b[i] = (uint8_t)R(rng);
}

/* IPv4 options: NOPs, sometimes after a router alert (RFC 2113). */
static size_t rand_ipv4_opts(uint8_t *opts, uint32_t *rng)
{
	size_t n = 4 * (R(rng) % 11);

	memset(opts, 1, n);
	if (n && R(rng) % 2) {
		opts[0] = 148;
		opts[1] = 4;
		opts[2] = opts[3] = 0;
	}
	return n;
}

static void build_ip(struct pb *b, const struct rt_spec *s, uint32_t *rng)
{
	uint16_t offset = (uint16_t)(8 * (1 + R(rng) % 1000));
	bool more = s->frag == RT_FRAG_FIRST || (s->frag == RT_FRAG_LATER && R(rng) % 2);
	uint8_t opts[40];

	if (s->frag != RT_FRAG_LATER)
		offset = 0;
	if (s->family == 4) {
		pb_ipv4(b, s->proto, opts, rand_ipv4_opts(opts, rng));
		if (s->frag != RT_FRAG_NONE)
			pb_ipv4_frag(b, (uint16_t)R(rng), more, offset);
		return;
	}
	uint8_t after_dst = s->frag != RT_FRAG_NONE ? IPPROTO_FRAGMENT : s->proto;
	bool dst = R(rng) % 3 == 0;

	pb_ipv6(b, dst ? IPPROTO_DSTOPTS : after_dst);
	if (dst)
		pb_dstopts(b, after_dst, 8 * (1 + R(rng) % 3));
	if (s->frag != RT_FRAG_NONE)
		pb_frag6(b, s->proto, offset, more, R(rng));
}

static void build_l4(struct pb *b, const struct rt_spec *s, uint32_t *rng)
{
	uint8_t opts[40], raw[16];
	size_t n = 4 * (R(rng) % 11);

	switch (s->proto) {
	case IPPROTO_TCP:
		memset(opts, 1, n);
		pb_tcp(b, (uint16_t)R(rng), (uint16_t)R(rng), R(rng), R(rng),
		       (uint8_t)R(rng), (uint16_t)R(rng), opts, n);
		return;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		pb_udp(b, (uint16_t)R(rng), (uint16_t)R(rng));
		return;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((s->proto == IPPROTO_ICMP) == (s->family == 4)) {
			pb_icmp(b, s->icmp_type, 0, (uint16_t)R(rng), (uint16_t)R(rng));
			return;
		}
		break;
	default:
		break;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)R(rng);
	if (s->proto == IPPROTO_DCCP) {
		raw[4] = 4;            /* data offset: 16 bytes */
		raw[5] &= 0xf0;        /* CsCov 0: the checksum covers it all */
	}
	pb_bytes(b, raw, sizeof(raw));
}

void rt_build(struct rt_pkt *t, const struct rt_spec *s, uint32_t *rng,
	      size_t payload_max)
{
	struct pb b;
	size_t plen = R(rng) % (payload_max + 1);
	union pkt_addr a;

	memset(t, 0, sizeof(*t));
	t->spec = *s;
	pb_init(&b);
	build_ip(&b, s, rng);
	t->l3_len = b.len;
	if (s->frag != RT_FRAG_LATER) {
		t->l4_off = b.len;
		build_l4(&b, s, rng);
	} else if (plen < 8) {
		plen = 8;
	}
	/* Every fragment but the last carries a multiple of 8 bytes. */
	if (s->frag != RT_FRAG_NONE)
		plen += (8 - (b.len - t->l3_len + plen) % 8) % 8;
	for (size_t i = 0; i < plen; i++) {
		uint8_t byte = (uint8_t)R(rng);

		pb_bytes(&b, &byte, 1);
	}
	b.l4_off = 0;           /* the transport checksum is ours to compute */
	t->len = pb_finish(&b);
	memcpy(t->buf, b.buf, t->len);
	rt_rand_addr(&a, s->family, rng);
	memcpy(t->buf + addr_off(s->family, NAT_MANIP_SRC), a.b, addr_len(s->family));
	rt_rand_addr(&a, s->family, rng);
	memcpy(t->buf + addr_off(s->family, NAT_MANIP_DST), a.b, addr_len(s->family));
	if (t->l4_off && (s->proto == IPPROTO_UDP || s->proto == IPPROTO_UDPLITE))
		rt_put16(t->buf + t->l4_off + 4, s->proto == IPPROTO_UDP ?
		      (uint16_t)(t->len - t->l4_off) : 0);
	if (rt_csum_off(t))     /* partial ICMPv4 keeps a random seed */
		rt_put16(t->buf + rt_csum_off(t), (uint16_t)R(rng));
	rt_finish(t);
}

bool rt_is_icmp(const struct rt_pkt *t)
{
	return t->spec.proto == (t->spec.family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
}

size_t rt_port_off(const struct rt_pkt *t, enum nat_manip m)
{
	uint8_t type;

	if (!t->l4_off)
		return 0;
	if (t->spec.proto == IPPROTO_TCP || t->spec.proto == IPPROTO_UDP)
		return t->l4_off + (m == NAT_MANIP_SRC ? 0 : 2);
	if (!rt_is_icmp(t))
		return 0;
	type = t->buf[t->l4_off];
	if (t->spec.family == 6)
		return type == 128 || type == 129 ? t->l4_off + 4 : 0;
	switch (type) {
	case 0: case 8: case 13: case 14: case 15: case 16: case 17: case 18:
		return t->l4_off + 4;
	default:
		return 0;
	}
}

size_t rt_csum_off(const struct rt_pkt *t)
{
	if (!t->l4_off)
		return 0;
	switch (t->spec.proto) {
	case IPPROTO_TCP:
		return t->l4_off + 16;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_DCCP:
		return t->l4_off + 6;
	default:
		return rt_is_icmp(t) ? t->l4_off + 2 : 0;
	}
}

uint32_t rt_pseudo_sum(uint8_t family, const uint8_t *saddr,
		       const uint8_t *daddr, uint8_t proto, uint32_t len)
{
	uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
			    (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, proto };
	size_t alen = addr_len(family);
	uint32_t sum = ref_sum(ref_sum(0, saddr, alen), daddr, alen);

	return family == 4 ? sum + proto + len : ref_sum(sum, tail, 8);
}

void rt_finish(struct rt_pkt *t)
{
	const uint8_t *s = t->buf + addr_off(t->spec.family, NAT_MANIP_SRC);
	const uint8_t *d = t->buf + addr_off(t->spec.family, NAT_MANIP_DST);
	size_t coff = rt_csum_off(t), l4len = t->len - t->l4_off;
	uint8_t proto = t->spec.proto;
	bool udp = proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE;
	uint16_t c;

	if (t->spec.family == 4) {
		rt_put16(t->buf + 10, 0);
		rt_put16(t->buf + 10, ref_fold(ref_sum(0, t->buf, (t->buf[0] & 0x0f) * 4u)));
	}
	if (!coff)
		return;
	if (t->spec.csum == RT_CSUM_PARTIAL) {
		if (proto != IPPROTO_ICMP)
			rt_put16(t->buf + coff, (uint16_t)~ref_fold(rt_pseudo_sum(
				t->spec.family, s, d, proto, (uint32_t)l4len)));
		return;
	}
	rt_put16(t->buf + coff, 0);
	if (t->spec.udp_zero && proto == IPPROTO_UDP)
		return;
	c = ref_l4_csum(t->spec.family, s, d, proto, t->buf + t->l4_off, l4len);
	rt_put16(t->buf + coff, udp && c == 0 ? 0xffff : c);
}

void rt_expect(struct rt_pkt *t, enum nat_manip m, const union pkt_addr *addr,
	       uint16_t port)
{
	size_t poff = rt_port_off(t, m);

	memcpy(t->buf + addr_off(t->spec.family, m), addr->b, addr_len(t->spec.family));
	if (poff)
		rt_put16(t->buf + poff, port);
	rt_finish(t);
}

void rt_build_error(struct rt_pkt *t, const struct rt_pkt *inner, size_t qlen,
		    enum rt_csum csum, uint32_t *rng)
{
	static const uint8_t types4[] = { 3, 11, 12 }, types6[] = { 1, 2, 3, 4 };
	uint8_t family = inner->spec.family, opts[40], type;
	struct pb b;
	union pkt_addr a;

	memset(t, 0, sizeof(*t));
	pb_init(&b);
	if (family == 4) {
		type = types4[R(rng) % sizeof(types4)];
		pb_ipv4(&b, IPPROTO_ICMP, opts, rand_ipv4_opts(opts, rng));
	} else {
		type = types6[R(rng) % sizeof(types6)];
		pb_ipv6(&b, IPPROTO_ICMPV6);
	}
	t->l3_len = t->l4_off = b.len;
	pb_icmp(&b, type, (uint8_t)(R(rng) % 4), (uint16_t)R(rng), (uint16_t)R(rng));
	pb_bytes(&b, inner->buf, qlen);
	b.l4_off = 0;
	t->len = pb_finish(&b);
	memcpy(t->buf, b.buf, t->len);
	t->spec = (struct rt_spec){
		.family = family,
		.proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6,
		.icmp_type = type,
		.csum = csum,
	};
	rt_rand_addr(&a, family, rng);
	memcpy(t->buf + addr_off(family, NAT_MANIP_SRC), a.b, addr_len(family));
	rt_rand_addr(&a, family, rng);
	memcpy(t->buf + addr_off(family, NAT_MANIP_DST), a.b, addr_len(family));
	rt_put16(t->buf + t->l4_off + 2, (uint16_t)R(rng));
	rt_finish(t);
}

size_t rt_quote_off(const struct rt_pkt *t)
{
	return t->l4_off + 8;
}

uint16_t rt_error_residue(const struct rt_pkt *t)
{
	return ref_l4_csum(t->spec.family,
			   t->buf + addr_off(t->spec.family, NAT_MANIP_SRC),
			   t->buf + addr_off(t->spec.family, NAT_MANIP_DST),
			   t->spec.proto, t->buf + t->l4_off, t->len - t->l4_off);
}
