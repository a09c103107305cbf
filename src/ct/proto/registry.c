/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which tracker a protocol gets: an explicit table per family (no
 * constructor magic), everything not in it gets the generic tracker. ICMP
 * is a protocol of IPv4 and ICMPv6 of IPv6 only, as in the kernel. */
#include <netinet/in.h>

#include "../internal.h"

static const struct ct_l4proto *const ct_l4protos[2][256] = {
	[0] = {                 /* IPv4 */
		[IPPROTO_TCP] = &ct_l4proto_tcp,
		[IPPROTO_UDP] = &ct_l4proto_udp,
		[IPPROTO_ICMP] = &ct_l4proto_icmp,
	},
	[1] = {                 /* IPv6 */
		[IPPROTO_TCP] = &ct_l4proto_tcp,
		[IPPROTO_UDP] = &ct_l4proto_udp,
		[IPPROTO_ICMPV6] = &ct_l4proto_icmpv6,
	},
};

const struct ct_l4proto *ct_l4proto_find(uint8_t family, uint8_t l4proto)
{
	const struct ct_l4proto *l4 = NULL;

	if (family == 4 || family == 6)
		l4 = ct_l4protos[family == 6][l4proto];
	return l4 ? l4 : &ct_l4proto_generic;
}
