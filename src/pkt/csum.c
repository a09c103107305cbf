/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internet checksums (RFC 1071) and their incremental update (RFC 1624).
 * The one's complement sum does not depend on byte order (RFC 1071 2.B),
 * so bytes are summed as native words and swapped once at the end; and
 * carries can be deferred (2.C) and folded in at the end. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/csum.h"

/* Native-order sum of LEN bytes at P. 64-bit words are added with their
 * carries counted apart: a carry out of bit 63 is worth 2^64, which is 1 in
 * one's complement arithmetic (2^16 = 1 mod 0xffff). A trailing odd byte is
 * the first byte of a word whose second byte is 0, wherever the machine
 * keeps that byte. */
static uint64_t sum_native(const uint8_t *p, size_t len)
{
	uint64_t sum = 0, carries = 0;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		sum += w;
		carries += sum < w;
	}
	sum = (sum & 0xffffffff) + (sum >> 32) + carries;
	if (len >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		sum += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t w = 0;

		memcpy(&w, p, 1);
		sum += w;
	}
	return sum;
}

/* Folds a 64-bit sum of native words into 16 bits, without complement. */
static uint16_t fold_native(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	uint64_t s = (uint64_t)sum + ntohs(fold_native(sum_native(buf, len)));

	return (uint32_t)((s & 0xffff) + (s >> 16));
}

uint32_t csum_pseudo_ipv4(const void *saddr, const void *daddr, uint8_t proto,
			  uint32_t len)
{
	uint32_t sum = csum_add(0, saddr, 4);

	sum = csum_add(sum, daddr, 4);
	return csum_add32(csum_add16(sum, proto), len);
}

uint32_t csum_pseudo_ipv6(const void *saddr, const void *daddr, uint8_t proto,
			  uint32_t len)
{
	uint32_t sum = csum_add(0, saddr, 16);

	sum = csum_add(sum, daddr, 16);
	return csum_add32(csum_add16(sum, proto), len);
}

uint16_t csum_ipv4_header(const void *hdr, size_t hdrlen)
{
	return csum_fold(csum_add(0, hdr, hdrlen));
}

bool csum_ipv4_header_ok(const void *hdr, size_t hdrlen)
{
	return csum_ipv4_header(hdr, hdrlen) == 0;
}

uint16_t csum_ipv4_l4(const void *saddr, const void *daddr, uint8_t proto,
		      const void *l4, size_t len)
{
	uint32_t sum = csum_pseudo_ipv4(saddr, daddr, proto, (uint32_t)len);

	return csum_fold(csum_add(sum, l4, len));
}

uint16_t csum_ipv6_l4(const void *saddr, const void *daddr, uint8_t proto,
		      const void *l4, size_t len)
{
	uint32_t sum = csum_pseudo_ipv6(saddr, daddr, proto, (uint32_t)len);

	return csum_fold(csum_add(sum, l4, len));
}

uint16_t csum_icmpv4(const void *icmp, size_t len)
{
	return csum_fold(csum_add(0, icmp, len));
}

/* Bytes the checksum of a parsed UDP datagram covers: the UDP length,
 * which the parser has checked against the IP length. */
static size_t udp_length(const struct pkt *p)
{
	const uint8_t *h = p->data + p->l4_off;

	return (size_t)(h[4] << 8 | h[5]);
}

static uint16_t udp_field(const struct pkt *p)
{
	const uint8_t *h = p->data + p->l4_off;

	return (uint16_t)(h[6] << 8 | h[7]);
}

static uint16_t l4_csum_of(const struct pkt *p, size_t len)
{
	const uint8_t *l4 = p->data + p->l4_off;

	if (p->family == 4)
		return csum_ipv4_l4(p->saddr.b, p->daddr.b, p->l4proto, l4, len);
	return csum_ipv6_l4(p->saddr.b, p->daddr.b, p->l4proto, l4, len);
}

int csum_l4_verify(const struct pkt *p)
{
	size_t len = p->ip_len - p->l4_off;

	if (p->is_fragment || p->len < p->ip_len)
		return -ENODATA;
	if (!p->has_l4)
		return -EOPNOTSUPP;
	if (p->l4proto == IPPROTO_ICMP)
		return csum_icmpv4(p->data + p->l4_off, len) ? -EBADMSG : 0;
	if (p->ip_ext & PKT_EXT_SOURCE_ROUTE)
		return -EOPNOTSUPP;
	if (p->l4proto == IPPROTO_UDP) {
		if (udp_field(p) == 0)
			return p->family == 4 ? 0 : -EBADMSG;
		len = udp_length(p);
	}
	return l4_csum_of(p, len) ? -EBADMSG : 0;
}

uint16_t csum_update16(uint16_t csum, uint16_t from, uint16_t to)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~from;
	sum += to;
	return csum_fold(sum);
}

uint16_t csum_update32(uint16_t csum, uint32_t from, uint32_t to)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~(from >> 16) + (uint16_t)~from;
	sum += (to >> 16) + (to & 0xffff);
	return csum_fold(sum);
}

uint16_t csum_update_addr6(uint16_t csum, const void *from, const void *to)
{
	const uint8_t *f = from, *t = to;
	uint32_t sum = (uint16_t)~csum;

	for (int i = 0; i < 16; i += 2) {
		sum += (uint16_t)~(f[i] << 8 | f[i + 1]);
		sum += (uint32_t)(t[i] << 8 | t[i + 1]);
	}
	return csum_fold(sum);
}

uint16_t csum_udp_update16(uint16_t csum, uint16_t from, uint16_t to)
{
	return csum ? csum_udp_final(csum_update16(csum, from, to)) : 0;
}

uint16_t csum_udp_update32(uint16_t csum, uint32_t from, uint32_t to)
{
	return csum ? csum_udp_final(csum_update32(csum, from, to)) : 0;
}

uint16_t csum_udp_update_addr6(uint16_t csum, const void *from,
			       const void *to)
{
	return csum ? csum_udp_final(csum_update_addr6(csum, from, to)) : 0;
}
