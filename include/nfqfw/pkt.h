/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One bounds-checked view of a packet as NFQUEUE hands it over (starting at
 * the IP header). Parsing never reads past the buffer; what it cannot make
 * sense of is reported as one of the reasons below. */
#ifndef NFQFW_PKT_H
#define NFQFW_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a packet is malformed. Order is part of the stats output; append only. */
enum pkt_error {
	PKT_OK = 0,
	PKT_ERR_EMPTY,              /* no bytes at all */
	PKT_ERR_IP_VERSION,         /* neither 4 nor 6 */
	PKT_ERR_IPV4_TRUNCATED,     /* shorter than the fixed IPv4 header */
	PKT_ERR_IPV4_IHL,           /* IHL < 5 or past the buffer */
	PKT_ERR_IPV4_TOTLEN,        /* total length < IHL or > buffer */
	PKT_ERR_IPV4_OPTIONS,       /* option list overruns the header */
	PKT_ERR_IPV6_TRUNCATED,     /* shorter than the fixed IPv6 header */
	PKT_ERR_IPV6_PAYLOAD_LEN,   /* payload length > buffer */
	PKT_ERR_IPV6_EXTHDR,        /* extension header truncated or malformed */
	PKT_ERR_IPV6_EXTHDR_CHAIN,  /* too many extension headers */
	PKT_ERR_TCP_TRUNCATED,      /* shorter than the fixed TCP header */
	PKT_ERR_TCP_DOFF,           /* data offset < 5 or past the segment */
	PKT_ERR_TCP_OPTIONS,        /* an option overruns the option space */
	PKT_ERR_UDP_TRUNCATED,      /* shorter than the UDP header */
	PKT_ERR_UDP_LENGTH,         /* UDP length field < 8 or > datagram */
	PKT_ERR_ICMP_TRUNCATED,     /* shorter than the ICMP/ICMPv6 header */
	PKT_ERR_FRAG_OVERSIZE,      /* fragment ends past the 65535-byte limit */
	PKT_ERR_FRAG_LENGTH,        /* non-last fragment not a multiple of 8 bytes */
	PKT_ERR_COUNT
};

/* Short snake_case name of a reason ("ipv4_ihl"), for stats and logs. */
const char *pkt_error_name(enum pkt_error err);
/* ERR says a TCP or UDP header was cut short or inconsistent, after the IP
 * part of the view (family, addresses, l4proto, l4_off, fragment) was
 * filled: what is there of it (the ports, in a quoted packet) is still
 * worth reading. */
bool pkt_error_in_transport(enum pkt_error err);

/* Flags for pkt_parse(). */
enum {
	/* The buffer is a truncated copy (NFQA_CAP_LEN < packet length): an
	 * IP length larger than the buffer is not an error, the payload is just
	 * not all there. */
	PKT_PARSE_TRUNCATED_COPY = 1u << 0,
};

/* A GSO packet larger than 64 KiB (BIG TCP) carries 0 in its IPv4 total
 * length or IPv6 payload length; the kernel hands it over as a truncated copy.
 * With PKT_PARSE_TRUNCATED_COPY such a packet parses, with ip_len set to this
 * value ("more than the buffer, exact size unknown"). */
#define PKT_IP_LEN_BIG UINT32_MAX

union pkt_addr {
	uint8_t  b[16];
	uint32_t v4;            /* network order, IPv4 only */
};

#define PKT_TCP_MAX_SACK 4

/* More IPv6 extension headers than this and the packet is refused
 * (PKT_ERR_IPV6_EXTHDR_CHAIN): a legitimate packet carries two or three. */
#define PKT_IPV6_MAX_EXTHDRS 8

/* Bits of struct pkt::ip_ext: what the IP header carried besides the basics. */
enum {
	PKT_EXT_IPV4_OPTIONS = 1u << 0,  /* IPv4 header longer than 20 bytes */
	PKT_EXT_SOURCE_ROUTE = 1u << 1,  /* IPv4 LSRR/SSRR option, or an IPv6
					  * routing header with segments left:
					  * daddr is not the final destination */
	PKT_EXT_HOPOPTS      = 1u << 2,  /* IPv6 hop-by-hop options */
	PKT_EXT_ROUTING      = 1u << 3,  /* IPv6 routing header */
	PKT_EXT_FRAGMENT     = 1u << 4,  /* IPv6 fragment header (even atomic) */
	PKT_EXT_DSTOPTS      = 1u << 5,  /* IPv6 destination options */
	PKT_EXT_AH           = 1u << 6,  /* IPv6 authentication header */
};

struct pkt_tcp {
	uint32_t seq, ack;      /* host order */
	uint16_t window;        /* raw, unscaled */
	uint8_t  flags;         /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
	uint8_t  doff;          /* header length in bytes */
	bool     has_mss, has_wscale, sack_permitted, has_timestamps;
	uint16_t mss;
	uint8_t  wscale;
	uint8_t  sack_count;
	uint32_t sack[PKT_TCP_MAX_SACK][2];  /* left, right edges, host order */
	uint32_t ts_val, ts_ecr;
};

struct pkt_icmp {
	uint8_t  type, code;
	uint16_t id, seq;       /* queries and their replies (echo; ICMPv4 also
				 * timestamp, information, address mask), host order */
	bool     is_error;      /* destination unreachable, time exceeded, ... */
	uint16_t inner_off;     /* errors: offset of the quoted IP header */
};

struct pkt {
	const uint8_t *data;    /* the buffer, starting at the IP header */
	size_t   len;           /* bytes available in data */
	uint8_t  family;        /* 4 or 6 */
	uint8_t  l4proto;       /* IPPROTO_* after the extension headers */
	uint8_t  ttl;           /* TTL or hop limit */
	uint8_t  tos;           /* DSCP+ECN / traffic class */
	union pkt_addr saddr, daddr;
	uint16_t l3_hdrlen;     /* IPv4 IHL*4, IPv6 40 + extension headers */
	uint32_t ip_len;        /* length the IP header claims (whole packet),
				   or PKT_IP_LEN_BIG (see below) */
	/* fragments: IPv4 flags/offset or IPv6 fragment header */
	bool     is_fragment;   /* any fragment (MF set or offset != 0) */
	bool     more_fragments;
	uint16_t frag_offset;   /* in bytes */
	uint32_t frag_id;
	bool     has_l4;        /* L4 header parsed (false for later fragments) */
	uint16_t l4_off;        /* offset of the L4 header in data */
	uint16_t payload_off;   /* offset of the L4 payload in data */
	uint32_t payload_len;   /* L4 payload bytes present in data */
	uint16_t sport, dport;  /* host order; 0 if the protocol has none */
	struct pkt_tcp tcp;     /* valid if l4proto == IPPROTO_TCP && has_l4 */
	struct pkt_icmp icmp;   /* valid for ICMP and ICMPv6 */
	uint8_t  ip_ext;        /* PKT_EXT_* bits */
};

/* Parses BUF (LEN bytes, starting at the IP header) into *P. Returns PKT_OK
 * or the first reason the packet is malformed; *P is then partially filled
 * (family and addresses when the IP header itself was sound).
 *
 * Details of the view (the pkt stage's contract):
 * - No allocation, no copy: P->data points into BUF, which must outlive P.
 * - P->len is LEN trimmed to the IP length: bytes after it (link padding)
 *   are not part of the packet. With PKT_PARSE_TRUNCATED_COPY it may be
 *   less than ip_len; payload_len then counts only the bytes present.
 * - On error, family, addresses, ttl and tos are set whenever the fixed
 *   IPv4/IPv6 header (20/40 bytes) was present; nothing else is promised.
 * - has_l4 is true only for TCP, UDP, ICMP over IPv4 and ICMPv6 over IPv6
 *   whose header is in a first (or only) fragment. For any other protocol
 *   (ESP, IPv6 no-next-header, GRE, SCTP, ICMP over IPv6, ...) and for later
 *   fragments, has_l4 is false, l4proto is still set (for a later IPv6
 *   fragment: the fragment header's next header), and l4_off = payload_off =
 *   the first byte after the IP headers, payload_len = the bytes after it.
 * - A first fragment's UDP length describes the whole datagram, so it may
 *   exceed what this fragment carries.
 * - For ICMP errors inner_off = l4_off + 8; the quoted packet itself is not
 *   checked (parse it with PKT_PARSE_TRUNCATED_COPY; it may be short or
 *   absent: inner_off == len).
 * - Known TCP options with a wrong length are ignored as the Linux stack
 *   ignores them; window scale is given raw (RFC 7323 caps it at 14).
 * - IPv6 jumbograms (payload length 0) are not supported: malformed. */
enum pkt_error pkt_parse(struct pkt *p, const uint8_t *buf, size_t len,
			 unsigned int flags);

#endif
