/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper of the reject stage (see reject-test.h). */
#include <netinet/in.h>
#include <string.h>

#include "reject-test.h"

static size_t csum_field(const struct pb *b)
{
	switch (b->l4proto) {
	case IPPROTO_TCP:
		return b->l4_off + 16;
	case IPPROTO_UDP:
		return b->l4_off + 6;
	default:
		return b->l4_off + 2;   /* ICMP, ICMPv6 */
	}
}

void pb_readdress(struct pb *b, const uint8_t *src, const uint8_t *dst)
{
	size_t alen = b->family == 4 ? 4 : 16, at = b->family == 4 ? 12 : 8;
	uint16_t c;

	memcpy(b->buf + at, src, alen);
	memcpy(b->buf + at + alen, dst, alen);
	if (b->l4_off) {
		pb_put16(b, csum_field(b), 0);
		c = ref_l4_csum(b->family, src, dst, b->l4proto, b->buf + b->l4_off,
				b->len - b->l4_off);
		if (b->l4proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		pb_put16(b, csum_field(b), c);
	}
	if (b->family == 4) {
		pb_put16(b, 10, 0);
		pb_put16(b, 10, ref_fold(ref_sum(0, b->buf, (b->buf[0] & 0x0f) * 4u)));
	}
}
