/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of pkt_parse() on well-formed packets of every kind: IPv4 and
 * IPv6 with TCP, UDP, ICMP, ICMPv6 and opaque protocols, padding, truncated
 * copies, fragments; and of pkt_error_name(). Malformed packets are in
 * test-malformed.c, options and extension headers in test-options.c and
 * test-ipv6.c. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/csum.h"
#include "nfqfw/pkt.h"
#include "pktbuild.h"
#include "unit.h"

#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define TCP_PSH 0x08

/* A Linux-style SYN option block: MSS 1460, SACK permitted, timestamps,
 * NOP, window scale 7. */
static const uint8_t syn_opts[20] = {
	2, 4, 0x05, 0xb4,
	4, 2,
	8, 10, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0,
	1,
	3, 3, 7,
};

static void build_tcp4_syn(struct pb *b)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_TCP, NULL, 0);
	pb_tcp(b, 40000, 443, 0x01020304, 0, TCP_SYN, 64240,
	       syn_opts, sizeof(syn_opts));
	pb_finish(b);
}

static void test_names(void)
{
	for (int e = 0; e < PKT_ERR_COUNT; e++) {
		const char *name = pkt_error_name((enum pkt_error)e);

		CU_ASSERT_PTR_NOT_NULL_FATAL(name);
		CU_ASSERT_STRING_NOT_EQUAL(name, "unknown");
		CU_ASSERT(strlen(name) > 0);
		CU_ASSERT(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
			  strlen(name));
		for (int other = 0; other < e; other++)
			CU_ASSERT_STRING_NOT_EQUAL(name,
				pkt_error_name((enum pkt_error)other));
	}
	/* Names are part of the stats output: these must never change. */
	CU_ASSERT_STRING_EQUAL(pkt_error_name(PKT_OK), "ok");
	CU_ASSERT_STRING_EQUAL(pkt_error_name(PKT_ERR_IPV4_IHL), "ipv4_ihl");
	CU_ASSERT_STRING_EQUAL(pkt_error_name(PKT_ERR_IPV6_EXTHDR_CHAIN),
			       "ipv6_exthdr_chain");
	CU_ASSERT_STRING_EQUAL(pkt_error_name(PKT_ERR_TCP_OPTIONS), "tcp_options");
	CU_ASSERT_STRING_EQUAL(pkt_error_name(PKT_ERR_FRAG_LENGTH), "frag_length");
	CU_ASSERT_STRING_EQUAL(pkt_error_name(PKT_ERR_COUNT), "unknown");
	CU_ASSERT_STRING_EQUAL(pkt_error_name((enum pkt_error)-1), "unknown");
}

static void test_ipv4_tcp_syn(void)
{
	struct pb b;
	struct pkt p;

	build_tcp4_syn(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.len, 60);
	CU_ASSERT_EQUAL(p.ip_len, 60);
	CU_ASSERT_EQUAL(p.l4proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(p.ttl, 64);
	CU_ASSERT_EQUAL(p.tos, 0x10);
	CU_ASSERT(memcmp(&p.saddr.v4, pb_src4, 4) == 0);
	CU_ASSERT(memcmp(&p.daddr.v4, pb_dst4, 4) == 0);
	CU_ASSERT_EQUAL(p.l3_hdrlen, 20);
	CU_ASSERT_EQUAL(p.ip_ext, 0);
	CU_ASSERT_FALSE(p.is_fragment);
	CU_ASSERT_FALSE(p.more_fragments);
	CU_ASSERT_EQUAL(p.frag_offset, 0);
	CU_ASSERT_EQUAL(p.frag_id, 0x1234);
	CU_ASSERT_TRUE(p.has_l4);
	CU_ASSERT_EQUAL(p.l4_off, 20);
	CU_ASSERT_EQUAL(p.payload_off, 60);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	CU_ASSERT_EQUAL(p.sport, 40000);
	CU_ASSERT_EQUAL(p.dport, 443);
	CU_ASSERT_EQUAL(p.tcp.seq, 0x01020304);
	CU_ASSERT_EQUAL(p.tcp.ack, 0);
	CU_ASSERT_EQUAL(p.tcp.flags, TCP_SYN);
	CU_ASSERT_EQUAL(p.tcp.window, 64240);
	CU_ASSERT_EQUAL(p.tcp.doff, 40);
	CU_ASSERT_TRUE(p.tcp.has_mss);
	CU_ASSERT_EQUAL(p.tcp.mss, 1460);
	CU_ASSERT_TRUE(p.tcp.sack_permitted);
	CU_ASSERT_TRUE(p.tcp.has_timestamps);
	CU_ASSERT_EQUAL(p.tcp.ts_val, 0x11223344);
	CU_ASSERT_EQUAL(p.tcp.ts_ecr, 0);
	CU_ASSERT_TRUE(p.tcp.has_wscale);
	CU_ASSERT_EQUAL(p.tcp.wscale, 7);
	CU_ASSERT_EQUAL(p.tcp.sack_count, 0);
	/* The builder's reference checksum and ours agree. */
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
	CU_ASSERT_TRUE(csum_ipv4_header_ok(p.data, p.l3_hdrlen));
}

static void test_ipv4_tcp_data(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	pb_tcp(&b, 443, 40000, 0xfffffff0, 0x01020305, TCP_ACK | TCP_PSH, 501,
	       NULL, 0);
	pb_pattern(&b, 100, 7);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.tcp.doff, 20);
	CU_ASSERT_EQUAL(p.tcp.seq, 0xfffffff0);
	CU_ASSERT_EQUAL(p.tcp.ack, 0x01020305);
	CU_ASSERT_EQUAL(p.tcp.flags, TCP_ACK | TCP_PSH);
	CU_ASSERT_FALSE(p.tcp.has_mss || p.tcp.has_wscale ||
			p.tcp.sack_permitted || p.tcp.has_timestamps);
	CU_ASSERT_EQUAL(p.payload_off, 40);
	CU_ASSERT_EQUAL(p.payload_len, 100);
	CU_ASSERT_EQUAL(p.data[p.payload_off], 7);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
}

static void test_ipv4_udp(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_udp(&b, 5353, 53);
	pb_pattern(&b, 33, 1);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.l4proto, IPPROTO_UDP);
	CU_ASSERT_TRUE(p.has_l4);
	CU_ASSERT_EQUAL(p.sport, 5353);
	CU_ASSERT_EQUAL(p.dport, 53);
	CU_ASSERT_EQUAL(p.l4_off, 20);
	CU_ASSERT_EQUAL(p.payload_off, 28);
	CU_ASSERT_EQUAL(p.payload_len, 33);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
}

/* A UDP length below the IP payload is legal: the bytes after the datagram
 * are not its payload. */
static void test_udp_shorter_than_ip(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_udp(&b, 1000, 2000);
	pb_pattern(&b, 30, 1);
	b.udp_len = 8 + 10;
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.ip_len, 58);
	CU_ASSERT_EQUAL(p.payload_len, 10);
}

static void test_ipv4_icmp_echo(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_ICMP, NULL, 0);
	pb_icmp(&b, 8, 0, 0x4242, 17);
	pb_pattern(&b, 56, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_TRUE(p.has_l4);
	CU_ASSERT_EQUAL(p.icmp.type, 8);
	CU_ASSERT_EQUAL(p.icmp.code, 0);
	CU_ASSERT_EQUAL(p.icmp.id, 0x4242);
	CU_ASSERT_EQUAL(p.icmp.seq, 17);
	CU_ASSERT_FALSE(p.icmp.is_error);
	CU_ASSERT_EQUAL(p.icmp.inner_off, 0);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.dport, 0);
	CU_ASSERT_EQUAL(p.payload_off, 28);
	CU_ASSERT_EQUAL(p.payload_len, 56);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
}

/* Timestamp requests carry id and sequence too; errors do not. */
static void test_ipv4_icmp_kinds(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_ICMP, NULL, 0);
	pb_icmp(&b, 13, 0, 7, 9);
	pb_pattern(&b, 12, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.icmp.id, 7);
	CU_ASSERT_EQUAL(p.icmp.seq, 9);
	CU_ASSERT_FALSE(p.icmp.is_error);

	/* Redirect: the 4 bytes are a gateway address, not id/seq. */
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_ICMP, NULL, 0);
	pb_icmp(&b, 5, 1, 0xc000, 0x0201);
	pb_pattern(&b, 28, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_TRUE(p.icmp.is_error);
	CU_ASSERT_EQUAL(p.icmp.id, 0);
	CU_ASSERT_EQUAL(p.icmp.seq, 0);
	CU_ASSERT_EQUAL(p.icmp.inner_off, 28);

	/* A type above 31 is neither. */
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_ICMP, NULL, 0);
	pb_icmp(&b, 200, 0, 1, 2);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_FALSE(p.icmp.is_error);
	CU_ASSERT_EQUAL(p.icmp.id, 0);
}

/* Destination unreachable quoting the first 8 bytes of a UDP datagram: the
 * quoted header is found at inner_off and parses as a truncated copy. */
static void test_ipv4_icmp_error(void)
{
	struct pb inner, b;
	struct pkt p, q;

	pb_init(&inner);
	pb_ipv4(&inner, IPPROTO_UDP, NULL, 0);
	pb_udp(&inner, 33434, 53);
	pb_pattern(&inner, 100, 0);
	pb_finish(&inner);

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_ICMP, NULL, 0);
	pb_icmp(&b, 3, 3, 0, 0);
	pb_bytes(&b, inner.buf, 28);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_TRUE(p.icmp.is_error);
	CU_ASSERT_EQUAL(p.icmp.type, 3);
	CU_ASSERT_EQUAL(p.icmp.code, 3);
	CU_ASSERT_EQUAL(p.icmp.inner_off, 28);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);

	CU_ASSERT_EQUAL(pkt_parse(&q, p.data + p.icmp.inner_off,
				  p.len - p.icmp.inner_off, 0),
			PKT_ERR_IPV4_TOTLEN);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&q, p.data + p.icmp.inner_off,
					p.len - p.icmp.inner_off,
					PKT_PARSE_TRUNCATED_COPY), PKT_OK);
	CU_ASSERT_EQUAL(q.sport, 33434);
	CU_ASSERT_EQUAL(q.dport, 53);
	CU_ASSERT_EQUAL(q.ip_len, 128);
	CU_ASSERT_EQUAL(q.payload_len, 0);
}

/* GRE, and ICMPv6 where IPv4 would carry ICMP: opaque, has_l4 false. */
static void test_ipv4_other(void)
{
	static const uint8_t protos[] = { 47, IPPROTO_ICMPV6, IPPROTO_ESP };
	struct pb b;
	struct pkt p;

	for (size_t i = 0; i < sizeof(protos); i++) {
		pb_init(&b);
		pb_ipv4(&b, protos[i], NULL, 0);
		pb_pattern(&b, 4, 0);      /* too short for any header */
		pb_finish(&b);
		CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
		CU_ASSERT_EQUAL(p.l4proto, protos[i]);
		CU_ASSERT_FALSE(p.has_l4);
		CU_ASSERT_EQUAL(p.l4_off, 20);
		CU_ASSERT_EQUAL(p.payload_off, 20);
		CU_ASSERT_EQUAL(p.payload_len, 4);
		CU_ASSERT_EQUAL(p.sport, 0);
		CU_ASSERT_EQUAL(csum_l4_verify(&p), -EOPNOTSUPP);
	}
}

/* Ethernet pads short frames to 60 bytes: the padding is not packet. */
static void test_padding_trimmed(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	pb_tcp(&b, 1, 2, 3, 4, TCP_ACK, 5, NULL, 0);
	pb_finish(&b);
	pb_pattern(&b, 20, 0xee);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.len, 40);
	CU_ASSERT_EQUAL(p.ip_len, 40);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
}

/* An IP length past the buffer is malformed, unless the buffer is known to
 * be a truncated copy: then what is there is parsed. */
static void test_truncated_copy(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_udp(&b, 1, 2);
	pb_pattern(&b, 172, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL(pb_parse(&p, &b, 100, 0), PKT_ERR_IPV4_TOTLEN);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT(memcmp(&p.saddr.v4, pb_src4, 4) == 0);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, 100, PKT_PARSE_TRUNCATED_COPY),
			      PKT_OK);
	CU_ASSERT_EQUAL(p.ip_len, 200);
	CU_ASSERT_EQUAL(p.len, 100);
	CU_ASSERT_EQUAL(p.payload_len, 72);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -ENODATA);

	/* The same flag on a complete packet changes nothing. */
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, PKT_PARSE_TRUNCATED_COPY),
			      PKT_OK);
	CU_ASSERT_EQUAL(p.len, 200);
	CU_ASSERT_EQUAL(p.payload_len, 172);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
}

/* BIG TCP: a GSO packet over 64 KiB has 0 in its length field and comes as
 * a truncated copy; it parses as such. A zero length in a complete copy is
 * still malformed. */
static void test_big_gso_length_zero(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	pb_tcp(&b, 40000, 443, 1, 2, 0x10, 1000, NULL, 0);
	pb_pattern(&b, 200, 3);
	pb_finish(&b);
	pb_put16(&b, 2, 0);
	CU_ASSERT_EQUAL(pb_parse(&p, &b, b.len, 0), PKT_ERR_IPV4_TOTLEN);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, PKT_PARSE_TRUNCATED_COPY), PKT_OK);
	CU_ASSERT_EQUAL(p.ip_len, PKT_IP_LEN_BIG);
	CU_ASSERT_EQUAL(p.len, b.len);
	CU_ASSERT_EQUAL(p.dport, 443);
	CU_ASSERT_EQUAL(p.payload_len, 200);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -ENODATA);

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_TCP);
	pb_tcp(&b, 40000, 443, 1, 2, 0x10, 1000, NULL, 0);
	pb_pattern(&b, 100, 3);
	pb_finish(&b);
	pb_put16(&b, 4, 0);
	/* Complete copy: the header says 40 bytes, so the TCP header is cut off. */
	CU_ASSERT_EQUAL(pb_parse(&p, &b, b.len, 0), PKT_ERR_TCP_TRUNCATED);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, PKT_PARSE_TRUNCATED_COPY), PKT_OK);
	CU_ASSERT_EQUAL(p.ip_len, PKT_IP_LEN_BIG);
	CU_ASSERT_EQUAL(p.payload_len, 100);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -ENODATA);
}

static void test_ipv4_first_fragment(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_ipv4_frag(&b, 0xbeef, true, 0);
	pb_udp(&b, 4000, 5000);
	pb_pattern(&b, 1472, 0);
	b.udp_len = 3000;       /* the whole datagram, longer than this part */
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_TRUE(p.is_fragment);
	CU_ASSERT_TRUE(p.more_fragments);
	CU_ASSERT_EQUAL(p.frag_offset, 0);
	CU_ASSERT_EQUAL(p.frag_id, 0xbeef);
	CU_ASSERT_TRUE(p.has_l4);
	CU_ASSERT_EQUAL(p.sport, 4000);
	CU_ASSERT_EQUAL(p.dport, 5000);
	CU_ASSERT_EQUAL(p.payload_len, 1472);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -ENODATA);
}

static void test_ipv4_later_fragments(void)
{
	struct pb b;
	struct pkt p;

	/* A middle fragment: bytes 1480.. of the datagram, no L4 header. */
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_ipv4_frag(&b, 0xbeef, true, 1480);
	pb_pattern(&b, 1480, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_TRUE(p.is_fragment);
	CU_ASSERT_TRUE(p.more_fragments);
	CU_ASSERT_EQUAL(p.frag_offset, 1480);
	CU_ASSERT_EQUAL(p.l4proto, IPPROTO_UDP);
	CU_ASSERT_FALSE(p.has_l4);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.l4_off, 20);
	CU_ASSERT_EQUAL(p.payload_off, 20);
	CU_ASSERT_EQUAL(p.payload_len, 1480);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -ENODATA);

	/* The last one may have any length, and no MF. */
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	pb_ipv4_frag(&b, 0xbeef, false, 2960);
	pb_pattern(&b, 13, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_TRUE(p.is_fragment);
	CU_ASSERT_FALSE(p.more_fragments);
	CU_ASSERT_EQUAL(p.frag_offset, 2960);
	CU_ASSERT_FALSE(p.has_l4);
	CU_ASSERT_EQUAL(p.payload_len, 13);

	/* The largest end a fragment may have: 65535 - 20 bytes of data. */
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_ipv4_frag(&b, 1, false, 65512);
	pb_pattern(&b, 3, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
}

static void test_ipv6_tcp(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_TCP);
	pb_tcp(&b, 50000, 22, 1, 2, TCP_SYN | TCP_ACK, 65535,
	       syn_opts, sizeof(syn_opts));
	pb_pattern(&b, 5, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(p.ip_len, 85);
	CU_ASSERT_EQUAL(p.len, 85);
	CU_ASSERT_EQUAL(p.ttl, 64);
	CU_ASSERT_EQUAL(p.tos, 0xb8);
	CU_ASSERT(memcmp(p.saddr.b, pb_src6, 16) == 0);
	CU_ASSERT(memcmp(p.daddr.b, pb_dst6, 16) == 0);
	CU_ASSERT_EQUAL(p.l3_hdrlen, 40);
	CU_ASSERT_EQUAL(p.ip_ext, 0);
	CU_ASSERT_FALSE(p.is_fragment);
	CU_ASSERT_EQUAL(p.frag_id, 0);
	CU_ASSERT_TRUE(p.has_l4);
	CU_ASSERT_EQUAL(p.l4_off, 40);
	CU_ASSERT_EQUAL(p.payload_off, 80);
	CU_ASSERT_EQUAL(p.payload_len, 5);
	CU_ASSERT_EQUAL(p.sport, 50000);
	CU_ASSERT_EQUAL(p.dport, 22);
	CU_ASSERT_EQUAL(p.tcp.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(p.tcp.mss, 1460);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
}

static void test_ipv6_udp(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_UDP);
	pb_udp(&b, 546, 547);
	pb_pattern(&b, 41, 3);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.l4proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(p.sport, 546);
	CU_ASSERT_EQUAL(p.dport, 547);
	CU_ASSERT_EQUAL(p.payload_off, 48);
	CU_ASSERT_EQUAL(p.payload_len, 41);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
}

static void test_ipv6_icmp(void)
{
	struct pb b, inner;
	struct pkt p, q;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_ICMPV6);
	pb_icmp(&b, 129, 0, 99, 100);
	pb_pattern(&b, 16, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.l4proto, IPPROTO_ICMPV6);
	CU_ASSERT_TRUE(p.has_l4);
	CU_ASSERT_EQUAL(p.icmp.type, 129);
	CU_ASSERT_EQUAL(p.icmp.id, 99);
	CU_ASSERT_EQUAL(p.icmp.seq, 100);
	CU_ASSERT_FALSE(p.icmp.is_error);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);

	/* Neighbour solicitation: informational, no id/seq. */
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_ICMPV6);
	pb_icmp(&b, 135, 0, 0x1111, 0x2222);
	pb_pattern(&b, 16, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_FALSE(p.icmp.is_error);
	CU_ASSERT_EQUAL(p.icmp.id, 0);
	CU_ASSERT_EQUAL(p.icmp.seq, 0);

	/* Packet too big (type 2) quoting an IPv6/TCP packet. */
	pb_init(&inner);
	pb_ipv6(&inner, IPPROTO_TCP);
	pb_tcp(&inner, 443, 50000, 7, 8, TCP_ACK, 9, NULL, 0);
	pb_pattern(&inner, 1400, 0);
	pb_finish(&inner);
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_ICMPV6);
	pb_icmp(&b, 2, 0, 0, 1280);
	pb_bytes(&b, inner.buf, 1232);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_TRUE(p.icmp.is_error);
	CU_ASSERT_EQUAL(p.icmp.inner_off, 48);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&q, p.data + p.icmp.inner_off,
					p.len - p.icmp.inner_off,
					PKT_PARSE_TRUNCATED_COPY), PKT_OK);
	CU_ASSERT_EQUAL(q.sport, 443);
	CU_ASSERT_EQUAL(q.tcp.seq, 7);
}

/* ESP and no-next-header end the walk; ICMP (v4) over IPv6 is opaque. */
static void test_ipv6_other(void)
{
	static const uint8_t protos[] = { IPPROTO_ESP, IPPROTO_NONE,
					  IPPROTO_ICMP, 132 /* SCTP */ };
	struct pb b;
	struct pkt p;

	for (size_t i = 0; i < sizeof(protos); i++) {
		pb_init(&b);
		pb_ipv6(&b, protos[i]);
		pb_pattern(&b, 24, 0);
		pb_finish(&b);
		CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
		CU_ASSERT_EQUAL(p.l4proto, protos[i]);
		CU_ASSERT_FALSE(p.has_l4);
		CU_ASSERT_EQUAL(p.l4_off, 40);
		CU_ASSERT_EQUAL(p.payload_off, 40);
		CU_ASSERT_EQUAL(p.payload_len, 24);
		CU_ASSERT_EQUAL(csum_l4_verify(&p), -EOPNOTSUPP);
	}
}

static void test_ipv6_padding_and_truncation(void)
{
	struct pb b;
	struct pkt p;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_UDP);
	pb_udp(&b, 1, 2);
	pb_pattern(&b, 100, 0);
	pb_finish(&b);
	pb_pattern(&b, 7, 0xee);        /* trailer past the payload length */
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.len, 148);
	CU_ASSERT_EQUAL(p.payload_len, 100);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), 0);

	CU_ASSERT_EQUAL(pb_parse(&p, &b, 90, 0), PKT_ERR_IPV6_PAYLOAD_LEN);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT(memcmp(p.daddr.b, pb_dst6, 16) == 0);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, 90, PKT_PARSE_TRUNCATED_COPY),
			      PKT_OK);
	CU_ASSERT_EQUAL(p.ip_len, 148);
	CU_ASSERT_EQUAL(p.payload_len, 42);
}

static const struct unit_test name_tests[] = {
	{ "every reason has a stable snake_case name", test_names },
	{ NULL, NULL }
};

static const struct unit_test ipv4_tests[] = {
	{ "TCP SYN with options", test_ipv4_tcp_syn },
	{ "TCP segment with data", test_ipv4_tcp_data },
	{ "UDP", test_ipv4_udp },
	{ "UDP length shorter than IP payload", test_udp_shorter_than_ip },
	{ "ICMP echo", test_ipv4_icmp_echo },
	{ "ICMP timestamp, redirect, unknown type", test_ipv4_icmp_kinds },
	{ "ICMP error quoting UDP", test_ipv4_icmp_error },
	{ "other protocols are opaque", test_ipv4_other },
	{ "link padding is trimmed", test_padding_trimmed },
	{ "truncated copy", test_truncated_copy },
	{ "big GSO packet with length 0", test_big_gso_length_zero },
	{ "first fragment", test_ipv4_first_fragment },
	{ "later fragments", test_ipv4_later_fragments },
	{ NULL, NULL }
};

static const struct unit_test ipv6_tests[] = {
	{ "TCP", test_ipv6_tcp },
	{ "UDP", test_ipv6_udp },
	{ "ICMPv6 echo, informational, error", test_ipv6_icmp },
	{ "ESP, no next header, others", test_ipv6_other },
	{ "padding and truncated copy", test_ipv6_padding_and_truncation },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "pkt_error_name", name_tests },
	{ "pkt_parse IPv4", ipv4_tests },
	{ "pkt_parse IPv6", ipv6_tests },
	{ NULL, NULL }
};

UNIT_MAIN(suites)
