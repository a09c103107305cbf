/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper of the pkt stage: the packet builder and the reference
 * checksum (see pktbuild.h). Aborts on misuse, which is a bug in a test. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktbuild.h"

const uint8_t pb_src4[4] = { 192, 0, 2, 1 };
const uint8_t pb_dst4[4] = { 198, 51, 100, 2 };
const uint8_t pb_src6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			      0, 0, 0, 0, 0, 0, 0, 0x01 };
const uint8_t pb_dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x02, 0, 0,
			      0, 0, 0, 0, 0, 0, 0xbe, 0xef };

static void need(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "pktbuild: %s\n", what);
		abort();
	}
}

void pb_init(struct pb *b)
{
	memset(b, 0, sizeof(*b));
}

void pb_bytes(struct pb *b, const void *data, size_t n)
{
	need(b->len + n <= PB_MAX, "packet too long");
	if (n)
		memcpy(b->buf + b->len, data, n);
	b->len += n;
}

void pb_pattern(struct pb *b, size_t n, uint8_t seed)
{
	need(b->len + n <= PB_MAX, "packet too long");
	for (size_t i = 0; i < n; i++)
		b->buf[b->len++] = (uint8_t)(i + seed);
}

void pb_put16(struct pb *b, size_t off, uint16_t v)
{
	b->buf[off] = (uint8_t)(v >> 8);
	b->buf[off + 1] = (uint8_t)v;
}

void pb_put32(struct pb *b, size_t off, uint32_t v)
{
	pb_put16(b, off, (uint16_t)(v >> 16));
	pb_put16(b, off + 2, (uint16_t)v);
}

void pb_ipv4(struct pb *b, uint8_t proto, const uint8_t *opts, size_t n)
{
	const uint8_t fixed[12] = {
		(uint8_t)(0x40 | (20 + n) / 4), 0x10, 0, 0,  /* length later */
		0x12, 0x34, 0x40, 0x00,                      /* id, DF */
		64, proto, 0, 0,                             /* csum later */
	};

	need(b->len == 0 && n % 4 == 0 && n <= 40, "bad IPv4 header");
	b->family = 4;
	pb_bytes(b, fixed, sizeof(fixed));
	pb_bytes(b, pb_src4, 4);
	pb_bytes(b, pb_dst4, 4);
	pb_bytes(b, opts, n);
}

void pb_ipv4_frag(struct pb *b, uint16_t id, bool more, uint16_t offset)
{
	need(b->family == 4 && offset % 8 == 0, "bad IPv4 fragment");
	pb_put16(b, 4, id);
	pb_put16(b, 6, (uint16_t)((more ? 0x2000 : 0) | offset / 8));
}

void pb_ipv6(struct pb *b, uint8_t nexthdr)
{
	const uint8_t fixed[8] = {
		0x6b, 0x81, 0x23, 0x45,   /* version 6, class 0xb8, flow label */
		0, 0, nexthdr, 64,        /* payload length later */
	};

	need(b->len == 0, "IPv6 header not first");
	b->family = 6;
	pb_bytes(b, fixed, sizeof(fixed));
	pb_bytes(b, pb_src6, 16);
	pb_bytes(b, pb_dst6, 16);
}

void pb_ext(struct pb *b, uint8_t nexthdr, const uint8_t *body, size_t n)
{
	uint8_t hdr[2] = { nexthdr, (uint8_t)((2 + n) / 8 - 1) };

	need((2 + n) % 8 == 0 && 2 + n <= 2048, "bad extension header");
	pb_bytes(b, hdr, 2);
	pb_bytes(b, body, n);
}

void pb_dstopts(struct pb *b, uint8_t nexthdr, size_t len)
{
	uint8_t body[2048] = { 1, (uint8_t)(len - 4) };   /* PadN */

	need(len >= 8 && len % 8 == 0 && len <= 2048, "bad options length");
	pb_ext(b, nexthdr, body, len - 2);
}

void pb_ah(struct pb *b, uint8_t nexthdr, size_t icv_len)
{
	size_t len = 12 + icv_len;
	uint8_t hdr[12] = { nexthdr, (uint8_t)(len / 4 - 2), 0, 0,
			    0xde, 0xad, 0xbe, 0xef,    /* SPI */
			    0, 0, 0, 7 };              /* sequence number */

	need(len % 4 == 0 && len / 4 >= 2, "bad AH length");
	pb_bytes(b, hdr, sizeof(hdr));
	pb_pattern(b, icv_len, 0xa0);
}

void pb_frag6(struct pb *b, uint8_t nexthdr, uint16_t offset, bool more,
	      uint32_t id)
{
	uint8_t hdr[8] = { nexthdr, 0 };

	need(offset % 8 == 0, "bad IPv6 fragment offset");
	pb_bytes(b, hdr, sizeof(hdr));
	pb_put16(b, b->len - 6, (uint16_t)(offset | (more ? 1 : 0)));
	pb_put32(b, b->len - 4, id);
}

void pb_tcp(struct pb *b, uint16_t sport, uint16_t dport, uint32_t seq,
	    uint32_t ack, uint8_t flags, uint16_t window,
	    const uint8_t *opts, size_t n)
{
	uint8_t hdr[20] = { 0 };

	need(n % 4 == 0 && n <= 40, "bad TCP options length");
	b->l4_off = b->len;
	b->l4proto = IPPROTO_TCP;
	pb_bytes(b, hdr, sizeof(hdr));
	pb_put16(b, b->l4_off, sport);
	pb_put16(b, b->l4_off + 2, dport);
	pb_put32(b, b->l4_off + 4, seq);
	pb_put32(b, b->l4_off + 8, ack);
	b->buf[b->l4_off + 12] = (uint8_t)((20 + n) / 4 << 4);
	b->buf[b->l4_off + 13] = flags;
	pb_put16(b, b->l4_off + 14, window);
	pb_bytes(b, opts, n);
}

void pb_udp(struct pb *b, uint16_t sport, uint16_t dport)
{
	uint8_t hdr[8] = { 0 };

	b->l4_off = b->len;
	b->l4proto = IPPROTO_UDP;
	pb_bytes(b, hdr, sizeof(hdr));
	pb_put16(b, b->l4_off, sport);
	pb_put16(b, b->l4_off + 2, dport);
}

void pb_icmp(struct pb *b, uint8_t type, uint8_t code, uint16_t id,
	     uint16_t seq)
{
	uint8_t hdr[8] = { type, code };

	b->l4_off = b->len;
	b->l4proto = b->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	pb_bytes(b, hdr, sizeof(hdr));
	pb_put16(b, b->l4_off + 4, id);
	pb_put16(b, b->l4_off + 6, seq);
}

uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n % 2)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t ref_l4_csum(int family, const uint8_t *saddr, const uint8_t *daddr,
		     uint8_t proto, const uint8_t *l4, size_t len)
{
	uint32_t sum = 0;

	if (family == 4 && proto != IPPROTO_ICMP) {
		sum = ref_sum(sum, saddr, 4);
		sum = ref_sum(sum, daddr, 4);
		sum += proto;
		sum += (uint32_t)len;
	} else if (family == 6) {
		uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
				    (uint8_t)(len >> 8), (uint8_t)len,
				    0, 0, 0, proto };

		sum = ref_sum(sum, saddr, 16);
		sum = ref_sum(sum, daddr, 16);
		sum = ref_sum(sum, tail, 8);
	}
	return ref_fold(ref_sum(sum, l4, len));
}

static size_t csum_field_off(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 16;
	case IPPROTO_UDP:
		return 6;
	default:
		return 2;        /* ICMP, ICMPv6 */
	}
}

static void finish_l4(struct pb *b)
{
	uint8_t *l4 = b->buf + b->l4_off;
	size_t len = b->len - b->l4_off;
	size_t field = b->l4_off + csum_field_off(b->l4proto);
	uint16_t csum;

	if (b->l4proto == IPPROTO_UDP)
		pb_put16(b, b->l4_off + 4, b->udp_len ? b->udp_len : (uint16_t)len);
	pb_put16(b, field, 0);
	if (b->family == 4)
		csum = ref_l4_csum(4, pb_src4, pb_dst4, b->l4proto, l4, len);
	else
		csum = ref_l4_csum(6, pb_src6, pb_dst6, b->l4proto, l4, len);
	if (b->l4proto == IPPROTO_UDP && csum == 0)
		csum = 0xffff;
	pb_put16(b, field, csum);
}

size_t pb_finish(struct pb *b)
{
	need(b->family == 4 || b->family == 6, "no IP header");
	if (b->l4_off)
		finish_l4(b);
	if (b->family == 4) {
		size_t ihl = (b->buf[0] & 0x0f) * 4u;

		pb_put16(b, 2, (uint16_t)b->len);
		pb_put16(b, 10, 0);
		pb_put16(b, 10, ref_fold(ref_sum(0, b->buf, ihl)));
	} else {
		pb_put16(b, 4, (uint16_t)(b->len - 40));
	}
	return b->len;
}

uint8_t *pb_exact_copy(const uint8_t *buf, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	need(copy != NULL, "out of memory");
	if (len)
		memcpy(copy, buf, len);
	return copy;
}

enum pkt_error pb_parse(struct pkt *p, const struct pb *b, size_t len,
			unsigned int flags)
{
	static uint8_t *held;

	free(held);
	held = pb_exact_copy(b->buf, len);
	return pkt_parse(p, held, len, flags);
}

uint32_t pb_rand(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}
