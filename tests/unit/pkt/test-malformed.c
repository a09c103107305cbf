/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of pkt_parse() on malformed packets: a table of broken
 * packets, each with the one reason it must be refused for, and a check
 * that every reason in enum pkt_error is produced by at least one of them. */
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/pkt.h"
#include "pktbuild.h"
#include "unit.h"

struct bad_case {
	const char *what;
	size_t (*build)(struct pb *b);  /* returns the bytes to parse */
	unsigned int flags;
	enum pkt_error want;
};

static size_t tcp4(struct pb *b, const uint8_t *opts, size_t n, size_t data)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_TCP, NULL, 0);
	pb_tcp(b, 1000, 80, 1, 0, 0x02, 1024, opts, n);
	pb_pattern(b, data, 0);
	return pb_finish(b);
}

static size_t ipv4_opts(struct pb *b, const uint8_t *opts, size_t n)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_UDP, opts, n);
	pb_udp(b, 1, 2);
	return pb_finish(b);
}

static size_t udp6(struct pb *b, size_t data)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_UDP);
	pb_udp(b, 1, 2);
	pb_pattern(b, data, 0);
	return pb_finish(b);
}

static size_t empty(struct pb *b) { pb_init(b); return 0; }

static size_t version5(struct pb *b)
{
	size_t len = tcp4(b, NULL, 0, 0);

	b->buf[0] = 0x55;
	return len;
}

static size_t version0(struct pb *b)
{
	size_t len = udp6(b, 0);

	b->buf[0] = 0x05;
	return len;
}

static size_t ipv4_19(struct pb *b) { tcp4(b, NULL, 0, 0); return 19; }

static size_t ihl_4(struct pb *b)
{
	size_t len = tcp4(b, NULL, 0, 0);

	b->buf[0] = 0x44;
	return len;
}

static size_t ihl_past_buffer(struct pb *b)
{
	size_t len = tcp4(b, NULL, 0, 0);  /* 40 bytes */

	b->buf[0] = 0x4f;                  /* 60-byte header */
	return len;
}

static size_t totlen_below_ihl(struct pb *b)
{
	static const uint8_t nops[4] = { 1, 1, 1, 1 };
	size_t len = ipv4_opts(b, nops, sizeof(nops));

	pb_put16(b, 2, 23);                /* IHL is 24 */
	return len;
}

static size_t totlen_past_buffer(struct pb *b)
{
	size_t len = tcp4(b, NULL, 0, 10);

	pb_put16(b, 2, (uint16_t)(len + 1));
	return len;
}

static size_t opt_overrun(struct pb *b)
{
	static const uint8_t o[8] = { 136, 12, 0, 0, 0, 0, 0, 0 };

	return ipv4_opts(b, o, sizeof(o));
}

static size_t opt_zero_len(struct pb *b)
{
	static const uint8_t o[4] = { 136, 0, 0, 0 };

	return ipv4_opts(b, o, sizeof(o));
}

static size_t opt_len_one(struct pb *b)
{
	static const uint8_t o[4] = { 1, 136, 1, 0 };

	return ipv4_opts(b, o, sizeof(o));
}

static size_t opt_no_len_byte(struct pb *b)
{
	static const uint8_t o[4] = { 1, 1, 1, 136 };

	return ipv4_opts(b, o, sizeof(o));
}

static size_t opt_two_source_routes(struct pb *b)
{
	static const uint8_t o[16] = { 131, 7, 4, 192, 0, 2, 9,
				       137, 7, 4, 192, 0, 2, 10, 0, 0 };

	return ipv4_opts(b, o, sizeof(o));
}

static size_t opt_rr_pointer_low(struct pb *b)
{
	static const uint8_t o[8] = { 7, 7, 3, 0, 0, 0, 0, 0 };

	return ipv4_opts(b, o, sizeof(o));
}

static size_t opt_rr_no_room(struct pb *b)
{
	static const uint8_t o[8] = { 7, 7, 5, 0, 0, 0, 0, 0 };

	return ipv4_opts(b, o, sizeof(o));
}

static size_t opt_ts_short(struct pb *b)
{
	static const uint8_t o[4] = { 68, 3, 5, 0 };

	return ipv4_opts(b, o, sizeof(o));
}

static size_t opt_ra_len(struct pb *b)
{
	static const uint8_t o[8] = { 148, 6, 0, 0, 0, 0, 0, 0 };

	return ipv4_opts(b, o, sizeof(o));
}

static size_t ipv6_39(struct pb *b) { udp6(b, 10); return 39; }

static size_t ipv6_plen_past(struct pb *b) { return udp6(b, 10) - 1; }

static size_t ext_one_byte(struct pb *b)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_DSTOPTS);
	pb_pattern(b, 1, IPPROTO_UDP);
	return pb_finish(b);
}

static size_t ext_past_payload(struct pb *b)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_DSTOPTS);
	pb_dstopts(b, IPPROTO_UDP, 16);
	pb_finish(b);
	pb_put16(b, 4, 8);              /* only half the header is payload */
	return b->len;
}

static size_t hopopts_not_first(struct pb *b)
{
	static const uint8_t pad[6] = { 1, 4, 0, 0, 0, 0 };

	pb_init(b);
	pb_ipv6(b, IPPROTO_DSTOPTS);
	pb_dstopts(b, IPPROTO_HOPOPTS, 8);
	pb_ext(b, IPPROTO_UDP, pad, sizeof(pad));
	pb_udp(b, 1, 2);
	return pb_finish(b);
}

static size_t ext_option_overrun(struct pb *b)
{
	static const uint8_t body[6] = { 1, 10, 0, 0, 0, 0 };

	pb_init(b);
	pb_ipv6(b, IPPROTO_HOPOPTS);
	pb_ext(b, IPPROTO_UDP, body, sizeof(body));
	pb_udp(b, 1, 2);
	return pb_finish(b);
}

static size_t ext_option_no_len(struct pb *b)
{
	static const uint8_t body[6] = { 0, 0, 0, 0, 0, 5 };  /* Pad1 x5 */

	pb_init(b);
	pb_ipv6(b, IPPROTO_DSTOPTS);
	pb_ext(b, IPPROTO_UDP, body, sizeof(body));
	pb_udp(b, 1, 2);
	return pb_finish(b);
}

static size_t two_frag_headers(struct pb *b)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_FRAGMENT);
	pb_frag6(b, IPPROTO_FRAGMENT, 0, true, 1);
	pb_frag6(b, IPPROTO_UDP, 0, true, 2);
	pb_udp(b, 1, 2);
	pb_pattern(b, 16, 0);
	return pb_finish(b);
}

static size_t ah_too_short(struct pb *b)
{
	static const uint8_t ah[8] = { IPPROTO_UDP, 0, 0, 0, 1, 2, 3, 4 };

	pb_init(b);
	pb_ipv6(b, IPPROTO_AH);
	pb_bytes(b, ah, sizeof(ah));
	pb_udp(b, 1, 2);
	return pb_finish(b);
}

static size_t nine_exthdrs(struct pb *b)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_DSTOPTS);
	for (int i = 0; i < 8; i++)
		pb_dstopts(b, IPPROTO_DSTOPTS, 8);
	pb_dstopts(b, IPPROTO_UDP, 8);
	pb_udp(b, 1, 2);
	return pb_finish(b);
}

static size_t tcp_19(struct pb *b)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_TCP, NULL, 0);
	pb_pattern(b, 19, 0);
	return pb_finish(b);
}

/* 60-byte header, copy ends within its options. */
static size_t tcp_header_cut(struct pb *b)
{
	uint8_t opts[40];

	memset(opts, 1, sizeof(opts));
	tcp4(b, opts, sizeof(opts), 100);
	return 20 + 50;
}

static size_t tcp_doff_4(struct pb *b)
{
	size_t len = tcp4(b, NULL, 0, 10);

	b->buf[32] = 4 << 4;
	return len;
}

static size_t tcp_doff_past(struct pb *b)
{
	size_t len = tcp4(b, NULL, 0, 0);

	b->buf[32] = 6 << 4;
	return len;
}

static size_t tcp_opt_zero_len(struct pb *b)
{
	static const uint8_t o[4] = { 2, 0, 5, 0xb4 };

	return tcp4(b, o, sizeof(o), 0);
}

static size_t tcp_opt_len_one(struct pb *b)
{
	static const uint8_t o[4] = { 3, 1, 1, 1 };

	return tcp4(b, o, sizeof(o), 0);
}

static size_t tcp_opt_overrun(struct pb *b)
{
	static const uint8_t o[4] = { 1, 1, 8, 10 };

	return tcp4(b, o, sizeof(o), 0);
}

static size_t tcp_opt_no_len_byte(struct pb *b)
{
	static const uint8_t o[4] = { 1, 1, 1, 5 };

	return tcp4(b, o, sizeof(o), 0);
}

static size_t udp_7(struct pb *b)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_UDP, NULL, 0);
	pb_pattern(b, 7, 0);
	return pb_finish(b);
}

static size_t udp_len_7(struct pb *b)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_UDP, NULL, 0);
	pb_udp(b, 1, 2);
	b->udp_len = 7;
	pb_pattern(b, 10, 0);
	return pb_finish(b);
}

static size_t udp_len_past(struct pb *b)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_UDP, NULL, 0);
	pb_udp(b, 1, 2);
	b->udp_len = 8 + 23;
	pb_pattern(b, 22, 0);
	return pb_finish(b);
}

/* A jumbogram's UDP length 0, without the jumbo payload option. */
static size_t udp6_len_0(struct pb *b)
{
	size_t len = udp6(b, 10);

	pb_put16(b, 44, 0);
	return len;
}

static size_t icmp_7(struct pb *b)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_ICMP, NULL, 0);
	pb_pattern(b, 7, 0);
	return pb_finish(b);
}

static size_t icmp6_4(struct pb *b)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_ICMPV6);
	pb_pattern(b, 4, 128);
	return pb_finish(b);
}

static size_t frag4_oversize(struct pb *b)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_UDP, NULL, 0);
	pb_ipv4_frag(b, 1, false, 65512);
	pb_pattern(b, 4, 0);            /* ends at 65516 > 65535 - 20 */
	return pb_finish(b);
}

static size_t frag6_oversize(struct pb *b)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_FRAGMENT);
	pb_frag6(b, IPPROTO_UDP, 65528, false, 1);
	pb_pattern(b, 16, 0);
	return pb_finish(b);
}

/* Fits by itself (65520 + 8), not with the 8 unfragmentable bytes. */
static size_t frag6_oversize_unfrag(struct pb *b)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_DSTOPTS);
	pb_dstopts(b, IPPROTO_FRAGMENT, 8);
	pb_frag6(b, IPPROTO_UDP, 65520, false, 1);
	pb_pattern(b, 8, 0);
	return pb_finish(b);
}

static size_t frag4_odd(struct pb *b)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_UDP, NULL, 0);
	pb_ipv4_frag(b, 1, true, 1480);
	pb_pattern(b, 13, 0);
	return pb_finish(b);
}

static size_t frag6_odd(struct pb *b)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_FRAGMENT);
	pb_frag6(b, IPPROTO_UDP, 0, true, 1);
	pb_udp(b, 1, 2);
	pb_pattern(b, 5, 0);            /* 13 bytes in the fragment */
	return pb_finish(b);
}

#define TC PKT_PARSE_TRUNCATED_COPY

static const struct bad_case cases[] = {
	{ "no bytes", empty, 0, PKT_ERR_EMPTY },
	{ "no bytes, truncated copy", empty, TC, PKT_ERR_EMPTY },
	{ "version 5", version5, 0, PKT_ERR_IP_VERSION },
	{ "version 0", version0, 0, PKT_ERR_IP_VERSION },
	{ "IPv4 in 19 bytes", ipv4_19, TC, PKT_ERR_IPV4_TRUNCATED },
	{ "IHL 4", ihl_4, 0, PKT_ERR_IPV4_IHL },
	{ "IHL past the buffer", ihl_past_buffer, TC, PKT_ERR_IPV4_IHL },
	{ "total length below IHL", totlen_below_ihl, TC, PKT_ERR_IPV4_TOTLEN },
	{ "total length past the buffer", totlen_past_buffer, 0,
	  PKT_ERR_IPV4_TOTLEN },
	{ "IPv4 option overruns", opt_overrun, 0, PKT_ERR_IPV4_OPTIONS },
	{ "IPv4 option length 0", opt_zero_len, 0, PKT_ERR_IPV4_OPTIONS },
	{ "IPv4 option length 1", opt_len_one, 0, PKT_ERR_IPV4_OPTIONS },
	{ "IPv4 option without length", opt_no_len_byte, 0,
	  PKT_ERR_IPV4_OPTIONS },
	{ "two source routes", opt_two_source_routes, 0, PKT_ERR_IPV4_OPTIONS },
	{ "record route pointer 3", opt_rr_pointer_low, 0, PKT_ERR_IPV4_OPTIONS },
	{ "record route slot cut", opt_rr_no_room, 0, PKT_ERR_IPV4_OPTIONS },
	{ "timestamp option length 3", opt_ts_short, 0, PKT_ERR_IPV4_OPTIONS },
	{ "router alert length 6", opt_ra_len, 0, PKT_ERR_IPV4_OPTIONS },
	{ "IPv6 in 39 bytes", ipv6_39, TC, PKT_ERR_IPV6_TRUNCATED },
	{ "payload length past the buffer", ipv6_plen_past, 0,
	  PKT_ERR_IPV6_PAYLOAD_LEN },
	{ "extension header in 1 byte", ext_one_byte, 0, PKT_ERR_IPV6_EXTHDR },
	{ "extension header past payload", ext_past_payload, 0,
	  PKT_ERR_IPV6_EXTHDR },
	{ "extension header past copy", ext_past_payload, TC,
	  PKT_ERR_IPV6_EXTHDR },
	{ "hop-by-hop not first", hopopts_not_first, 0, PKT_ERR_IPV6_EXTHDR },
	{ "hop-by-hop option overruns", ext_option_overrun, 0,
	  PKT_ERR_IPV6_EXTHDR },
	{ "destination option without length", ext_option_no_len, 0,
	  PKT_ERR_IPV6_EXTHDR },
	{ "two fragment headers", two_frag_headers, 0, PKT_ERR_IPV6_EXTHDR },
	{ "AH of 8 bytes", ah_too_short, 0, PKT_ERR_IPV6_EXTHDR },
	{ "nine extension headers", nine_exthdrs, 0, PKT_ERR_IPV6_EXTHDR_CHAIN },
	{ "TCP in 19 bytes", tcp_19, 0, PKT_ERR_TCP_TRUNCATED },
	{ "TCP options cut by the copy", tcp_header_cut, TC,
	  PKT_ERR_TCP_TRUNCATED },
	{ "TCP data offset 4", tcp_doff_4, 0, PKT_ERR_TCP_DOFF },
	{ "TCP data offset past segment", tcp_doff_past, 0, PKT_ERR_TCP_DOFF },
	{ "TCP data offset past segment, copy", tcp_doff_past, TC,
	  PKT_ERR_TCP_DOFF },
	{ "TCP option length 0", tcp_opt_zero_len, 0, PKT_ERR_TCP_OPTIONS },
	{ "TCP option length 1", tcp_opt_len_one, 0, PKT_ERR_TCP_OPTIONS },
	{ "TCP option overruns", tcp_opt_overrun, 0, PKT_ERR_TCP_OPTIONS },
	{ "TCP option without length", tcp_opt_no_len_byte, 0,
	  PKT_ERR_TCP_OPTIONS },
	{ "UDP in 7 bytes", udp_7, 0, PKT_ERR_UDP_TRUNCATED },
	{ "UDP length 7", udp_len_7, 0, PKT_ERR_UDP_LENGTH },
	{ "UDP length past datagram", udp_len_past, 0, PKT_ERR_UDP_LENGTH },
	{ "UDP length past datagram, copy", udp_len_past, TC,
	  PKT_ERR_UDP_LENGTH },
	{ "UDP/IPv6 length 0", udp6_len_0, 0, PKT_ERR_UDP_LENGTH },
	{ "ICMP in 7 bytes", icmp_7, 0, PKT_ERR_ICMP_TRUNCATED },
	{ "ICMPv6 in 4 bytes", icmp6_4, 0, PKT_ERR_ICMP_TRUNCATED },
	{ "IPv4 fragment past 65535", frag4_oversize, 0, PKT_ERR_FRAG_OVERSIZE },
	{ "IPv6 fragment past 65535", frag6_oversize, 0, PKT_ERR_FRAG_OVERSIZE },
	{ "IPv6 fragment past 65535 with unfragmentable part",
	  frag6_oversize_unfrag, 0, PKT_ERR_FRAG_OVERSIZE },
	{ "IPv4 non-last fragment of 13 bytes", frag4_odd, 0,
	  PKT_ERR_FRAG_LENGTH },
	{ "IPv6 non-last fragment of 13 bytes", frag6_odd, 0,
	  PKT_ERR_FRAG_LENGTH },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void test_each_case(void)
{
	for (size_t i = 0; i < NCASES; i++) {
		struct pb b;
		struct pkt p;
		size_t len = cases[i].build(&b);
		enum pkt_error err = pb_parse(&p, &b, len, cases[i].flags);

		if (err != cases[i].want)
			fprintf(stderr, "\n  %s: got %s, want %s", cases[i].what,
				pkt_error_name(err), pkt_error_name(cases[i].want));
		CU_ASSERT_EQUAL(err, cases[i].want);
	}
}

static void test_every_reason_covered(void)
{
	bool seen[PKT_ERR_COUNT] = { false };

	for (size_t i = 0; i < NCASES; i++)
		seen[cases[i].want] = true;
	for (int e = PKT_OK + 1; e < PKT_ERR_COUNT; e++) {
		if (!seen[e])
			fprintf(stderr, "\n  no case for %s",
				pkt_error_name((enum pkt_error)e));
		CU_ASSERT_TRUE(seen[e]);
	}
}

/* Each broken packet, once repaired, parses: the case tests what it says
 * and not some other flaw of its builder. Repairs cannot be generic, so
 * this covers the cases whose flaw is one byte of a field. */
static void test_repaired_cases_parse(void)
{
	struct pb b;
	struct pkt p;
	size_t len;

	len = version5(&b);
	b.buf[0] = 0x45;
	CU_ASSERT_EQUAL(pb_parse(&p, &b, len, 0), PKT_OK);
	len = ihl_4(&b);
	b.buf[0] = 0x45;
	CU_ASSERT_EQUAL(pb_parse(&p, &b, len, 0), PKT_OK);
	len = totlen_below_ihl(&b);
	pb_put16(&b, 2, (uint16_t)len);
	CU_ASSERT_EQUAL(pb_parse(&p, &b, len, 0), PKT_OK);
	len = tcp_doff_4(&b);
	b.buf[32] = 5 << 4;
	CU_ASSERT_EQUAL(pb_parse(&p, &b, len, 0), PKT_OK);
	len = opt_rr_pointer_low(&b);
	b.buf[22] = 4;
	CU_ASSERT_EQUAL(pb_parse(&p, &b, len, 0), PKT_OK);
	len = opt_zero_len(&b);
	b.buf[21] = 4;
	CU_ASSERT_EQUAL(pb_parse(&p, &b, len, 0), PKT_OK);
	len = tcp_opt_zero_len(&b);
	b.buf[41] = 4;
	CU_ASSERT_EQUAL(pb_parse(&p, &b, len, 0), PKT_OK);
	CU_ASSERT_EQUAL(p.tcp.mss, 1460);
	len = udp_len_7(&b);
	pb_put16(&b, 24, 8);
	CU_ASSERT_EQUAL(pb_parse(&p, &b, len, 0), PKT_OK);
	len = frag4_odd(&b);
	CU_ASSERT_EQUAL(pb_parse(&p, &b, len - 5, 0), PKT_ERR_IPV4_TOTLEN);
	pb_put16(&b, 2, (uint16_t)(len - 5));
	CU_ASSERT_EQUAL(pb_parse(&p, &b, len - 5, 0), PKT_OK);
}

static const struct unit_test malformed_tests[] = {
	{ "each broken packet gives its reason", test_each_case },
	{ "every reason has a broken packet", test_every_reason_covered },
	{ "repaired packets parse", test_repaired_cases_parse },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "pkt_parse malformed", malformed_tests },
	{ NULL, NULL }
};

UNIT_MAIN(suites)
