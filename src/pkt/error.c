/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names of the reasons a packet is malformed. They appear in stats output
 * and logs, so once given a name is never changed. */
#include "nfqfw/pkt.h"

static const char *const error_names[PKT_ERR_COUNT] = {
	[PKT_OK]                    = "ok",
	[PKT_ERR_EMPTY]             = "empty",
	[PKT_ERR_IP_VERSION]        = "ip_version",
	[PKT_ERR_IPV4_TRUNCATED]    = "ipv4_truncated",
	[PKT_ERR_IPV4_IHL]          = "ipv4_ihl",
	[PKT_ERR_IPV4_TOTLEN]       = "ipv4_totlen",
	[PKT_ERR_IPV4_OPTIONS]      = "ipv4_options",
	[PKT_ERR_IPV6_TRUNCATED]    = "ipv6_truncated",
	[PKT_ERR_IPV6_PAYLOAD_LEN]  = "ipv6_payload_len",
	[PKT_ERR_IPV6_EXTHDR]       = "ipv6_exthdr",
	[PKT_ERR_IPV6_EXTHDR_CHAIN] = "ipv6_exthdr_chain",
	[PKT_ERR_TCP_TRUNCATED]     = "tcp_truncated",
	[PKT_ERR_TCP_DOFF]          = "tcp_doff",
	[PKT_ERR_TCP_OPTIONS]       = "tcp_options",
	[PKT_ERR_UDP_TRUNCATED]     = "udp_truncated",
	[PKT_ERR_UDP_LENGTH]        = "udp_length",
	[PKT_ERR_ICMP_TRUNCATED]    = "icmp_truncated",
	[PKT_ERR_FRAG_OVERSIZE]     = "frag_oversize",
	[PKT_ERR_FRAG_LENGTH]       = "frag_length",
};

/* A value added to the enum without a name here fails the build. */
_Static_assert(PKT_ERR_FRAG_LENGTH + 1 == PKT_ERR_COUNT,
	       "every enum pkt_error value needs a name in error_names");

bool pkt_error_in_transport(enum pkt_error err)
{
	switch (err) {
	case PKT_ERR_TCP_TRUNCATED:
	case PKT_ERR_TCP_DOFF:
	case PKT_ERR_TCP_OPTIONS:
	case PKT_ERR_UDP_TRUNCATED:
	case PKT_ERR_UDP_LENGTH:
		return true;
	default:
		return false;
	}
}

const char *pkt_error_name(enum pkt_error err)
{
	if ((unsigned int)err >= PKT_ERR_COUNT || !error_names[err])
		return "unknown";
	return error_names[err];
}
