/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of pkt_parse() on IPv4 options and TCP options: every kind
 * the parser knows, unknown ones skipped by length, EOL, and known kinds
 * with a wrong length (ignored). Refused option lists are in
 * test-malformed.c. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/csum.h"
#include "nfqfw/pkt.h"
#include "pktbuild.h"
#include "unit.h"

static enum pkt_error parse_ipv4_opts(struct pkt *p, const uint8_t *opts,
				      size_t n)
{
	struct pb b;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, opts, n);
	pb_udp(&b, 1111, 2222);
	pb_pattern(&b, 3, 0);
	pb_finish(&b);
	return pb_parse(p, &b, b.len, 0);
}

static enum pkt_error parse_tcp_opts(struct pkt *p, const uint8_t *opts,
				     size_t n)
{
	struct pb b;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	pb_tcp(&b, 1, 2, 3, 4, 0x10, 5, opts, n);
	pb_pattern(&b, 2, 0);
	pb_finish(&b);
	return pb_parse(p, &b, b.len, 0);
}

static void assert_ipv4_opts_ok(const uint8_t *opts, size_t n, uint8_t ext)
{
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_ipv4_opts(&p, opts, n), PKT_OK);
	CU_ASSERT_EQUAL(p.l3_hdrlen, 20 + n);
	CU_ASSERT_EQUAL(p.l4_off, 20 + n);
	CU_ASSERT_EQUAL(p.ip_ext, ext);
	CU_ASSERT_EQUAL(p.sport, 1111);
	CU_ASSERT_EQUAL(p.dport, 2222);
	CU_ASSERT_EQUAL(p.payload_len, 3);
}

static void test_ipv4_options_valid(void)
{
	/* NOP, record route with two empty slots, EOL and padding. */
	static const uint8_t rr[16] = { 1, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0,
					0, 0, 0, 0 };
	/* Record route already full: the pointer is past the option. */
	static const uint8_t rr_full[8] = { 7, 7, 8, 192, 0, 2, 1, 0 };
	/* Timestamps with addresses, one slot used. */
	static const uint8_t ts[12] = { 68, 12, 13, 0x01, 192, 0, 2, 7,
					0, 0, 1, 0 };
	/* Router alert, then an unknown option (stream id) by length. */
	static const uint8_t ra_sid[8] = { 148, 4, 0, 0, 136, 4, 0x12, 0x34 };
	/* EOL: what follows is padding, whatever its bytes. */
	static const uint8_t eol_junk[4] = { 0, 0xff, 0x07, 0x01 };
	/* The largest header: record route with 9 slots filling 40 bytes. */
	uint8_t rr_max[40] = { 7, 39, 4 };

	assert_ipv4_opts_ok(rr, sizeof(rr), PKT_EXT_IPV4_OPTIONS);
	assert_ipv4_opts_ok(rr_full, sizeof(rr_full), PKT_EXT_IPV4_OPTIONS);
	assert_ipv4_opts_ok(ts, sizeof(ts), PKT_EXT_IPV4_OPTIONS);
	assert_ipv4_opts_ok(ra_sid, sizeof(ra_sid), PKT_EXT_IPV4_OPTIONS);
	assert_ipv4_opts_ok(eol_junk, sizeof(eol_junk), PKT_EXT_IPV4_OPTIONS);
	assert_ipv4_opts_ok(rr_max, sizeof(rr_max),
			    PKT_EXT_IPV4_OPTIONS);
}

/* Loose and strict source routes are flagged: the destination in the
 * header is the next hop, not the final one. */
static void test_ipv4_source_routes(void)
{
	static const uint8_t lsrr[8] = { 131, 7, 4, 198, 51, 100, 9, 1 };
	static const uint8_t ssrr[12] = { 1, 137, 11, 8, 192, 0, 2, 5,
					  203, 0, 113, 5 };
	struct pkt p;

	assert_ipv4_opts_ok(lsrr, sizeof(lsrr),
			    PKT_EXT_IPV4_OPTIONS | PKT_EXT_SOURCE_ROUTE);
	assert_ipv4_opts_ok(ssrr, sizeof(ssrr),
			    PKT_EXT_IPV4_OPTIONS | PKT_EXT_SOURCE_ROUTE);
	CU_ASSERT_EQUAL_FATAL(parse_ipv4_opts(&p, lsrr, sizeof(lsrr)), PKT_OK);
	CU_ASSERT_EQUAL(csum_l4_verify(&p), -EOPNOTSUPP);
}

/* An option may end exactly at the end of the header, but not one past. */
static void test_ipv4_option_edges(void)
{
	uint8_t o[8] = { 1, 136, 6, 0, 0, 0, 0, 1 };
	struct pkt p;

	CU_ASSERT_EQUAL(parse_ipv4_opts(&p, o, sizeof(o)), PKT_OK);
	o[2] = 7;       /* ends at the last byte */
	CU_ASSERT_EQUAL(parse_ipv4_opts(&p, o, sizeof(o)), PKT_OK);
	o[2] = 8;       /* one past */
	CU_ASSERT_EQUAL(parse_ipv4_opts(&p, o, sizeof(o)), PKT_ERR_IPV4_OPTIONS);
}

static void test_tcp_timestamps(void)
{
	/* The aligned layout Linux sends on every segment. */
	static const uint8_t aligned[12] = { 1, 1, 8, 10, 0xa1, 0xb2, 0xc3, 0xd4,
					     0x01, 0x02, 0x03, 0x04 };
	/* The same option elsewhere, walked the long way. */
	static const uint8_t late[12] = { 8, 10, 0xa1, 0xb2, 0xc3, 0xd4,
					  0x01, 0x02, 0x03, 0x04, 1, 0 };
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, aligned, sizeof(aligned)), PKT_OK);
	CU_ASSERT_TRUE(p.tcp.has_timestamps);
	CU_ASSERT_EQUAL(p.tcp.ts_val, 0xa1b2c3d4);
	CU_ASSERT_EQUAL(p.tcp.ts_ecr, 0x01020304);
	CU_ASSERT_EQUAL(p.tcp.doff, 32);
	CU_ASSERT_EQUAL(p.payload_len, 2);
	CU_ASSERT_FALSE(p.tcp.has_mss);

	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, late, sizeof(late)), PKT_OK);
	CU_ASSERT_TRUE(p.tcp.has_timestamps);
	CU_ASSERT_EQUAL(p.tcp.ts_val, 0xa1b2c3d4);
	CU_ASSERT_EQUAL(p.tcp.ts_ecr, 0x01020304);
}

static void test_tcp_sack_blocks(void)
{
	for (int n = 1; n <= PKT_TCP_MAX_SACK; n++) {
		uint8_t o[36] = { 1, 1, 5, (uint8_t)(2 + 8 * n) };
		struct pkt p;

		for (int i = 0; i < 2 * n; i++) {
			o[4 + 4 * i] = (uint8_t)(0x10 * n);
			o[7 + 4 * i] = (uint8_t)i;
		}
		CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, o, 4 + 8 * (size_t)n),
				      PKT_OK);
		CU_ASSERT_EQUAL(p.tcp.sack_count, n);
		for (int i = 0; i < n; i++) {
			uint32_t base = (uint32_t)(0x10 * n) << 24;

			CU_ASSERT_EQUAL(p.tcp.sack[i][0], base | (uint32_t)(2 * i));
			CU_ASSERT_EQUAL(p.tcp.sack[i][1], base | (uint32_t)(2 * i + 1));
		}
	}
}

/* SACK with timestamps: the 40 bytes of a full option space. */
static void test_tcp_sack_and_timestamps(void)
{
	uint8_t o[40] = { 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8,
			  1, 1, 5, 26 };
	struct pkt p;

	for (int i = 0; i < 6; i++)
		o[19 + 4 * i] = (uint8_t)(100 + i);
	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, o, sizeof(o)), PKT_OK);
	CU_ASSERT_EQUAL(p.tcp.doff, 60);
	CU_ASSERT_TRUE(p.tcp.has_timestamps);
	CU_ASSERT_EQUAL(p.tcp.ts_val, 9);
	CU_ASSERT_EQUAL(p.tcp.ts_ecr, 8);
	CU_ASSERT_EQUAL(p.tcp.sack_count, 3);
	CU_ASSERT_EQUAL(p.tcp.sack[0][0], 100);
	CU_ASSERT_EQUAL(p.tcp.sack[2][1], 105);
}

/* EOL ends the list; the bytes after it are not options. */
static void test_tcp_eol(void)
{
	static const uint8_t o[8] = { 2, 4, 0x05, 0x78, 0, 3, 0, 0 };
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, o, sizeof(o)), PKT_OK);
	CU_ASSERT_TRUE(p.tcp.has_mss);
	CU_ASSERT_EQUAL(p.tcp.mss, 1400);
	CU_ASSERT_FALSE(p.tcp.has_wscale);
}

/* Unknown kinds (TCP-AO 29, experimental 254) are skipped by length, and
 * the options after them still read. */
static void test_tcp_unknown_skipped(void)
{
	static const uint8_t o[16] = { 29, 6, 0xaa, 0xbb, 0xcc, 0xdd,
				       254, 4, 0xf9, 0x89,
				       3, 3, 14, 4, 2, 1 };
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, o, sizeof(o)), PKT_OK);
	CU_ASSERT_TRUE(p.tcp.has_wscale);
	CU_ASSERT_EQUAL(p.tcp.wscale, 14);
	CU_ASSERT_TRUE(p.tcp.sack_permitted);
	CU_ASSERT_EQUAL(p.tcp.doff, 36);
}

/* Known kinds with a wrong length are absent, as to the Linux stack; the
 * segment is not refused, and a following option still reads. */
static void test_tcp_wrong_lengths_ignored(void)
{
	static const uint8_t mss3[8] = { 2, 3, 5, 3, 3, 9, 1, 0 };
	static const uint8_t ws4[8] = { 3, 4, 7, 0, 2, 4, 0x02, 0x18 };
	static const uint8_t sackp3[4] = { 4, 3, 0, 0 };
	static const uint8_t ts8[8] = { 8, 8, 1, 2, 3, 4, 5, 6 };
	static const uint8_t sack9[12] = { 5, 9, 1, 2, 3, 4, 5, 6, 7, 1, 1, 1 };
	static const uint8_t sack12[12] = { 5, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, mss3, sizeof(mss3)), PKT_OK);
	CU_ASSERT_FALSE(p.tcp.has_mss);
	CU_ASSERT_TRUE(p.tcp.has_wscale);
	CU_ASSERT_EQUAL(p.tcp.wscale, 9);

	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, ws4, sizeof(ws4)), PKT_OK);
	CU_ASSERT_FALSE(p.tcp.has_wscale);
	CU_ASSERT_TRUE(p.tcp.has_mss);
	CU_ASSERT_EQUAL(p.tcp.mss, 536);

	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, sackp3, sizeof(sackp3)), PKT_OK);
	CU_ASSERT_FALSE(p.tcp.sack_permitted);

	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, ts8, sizeof(ts8)), PKT_OK);
	CU_ASSERT_FALSE(p.tcp.has_timestamps);

	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, sack9, sizeof(sack9)), PKT_OK);
	CU_ASSERT_EQUAL(p.tcp.sack_count, 0);
	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, sack12, sizeof(sack12)), PKT_OK);
	CU_ASSERT_EQUAL(p.tcp.sack_count, 0);
}

/* The window scale is reported raw, even past the RFC 7323 cap of 14. */
static void test_tcp_wscale_raw(void)
{
	static const uint8_t o[4] = { 1, 3, 3, 15 };
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_tcp_opts(&p, o, sizeof(o)), PKT_OK);
	CU_ASSERT_TRUE(p.tcp.has_wscale);
	CU_ASSERT_EQUAL(p.tcp.wscale, 15);
}

/* An option that ends exactly at the end of the option space is fine. */
static void test_tcp_option_edges(void)
{
	uint8_t o[8] = { 1, 1, 30, 6, 0, 0, 0, 0 };
	struct pkt p;

	CU_ASSERT_EQUAL(parse_tcp_opts(&p, o, sizeof(o)), PKT_OK);
	o[3] = 7;
	CU_ASSERT_EQUAL(parse_tcp_opts(&p, o, sizeof(o)), PKT_ERR_TCP_OPTIONS);
	o[3] = 2;       /* then NOPs: 0 is EOL, also fine */
	CU_ASSERT_EQUAL(parse_tcp_opts(&p, o, sizeof(o)), PKT_OK);
}

static const struct unit_test ipv4_tests[] = {
	{ "valid option lists", test_ipv4_options_valid },
	{ "source routes are flagged", test_ipv4_source_routes },
	{ "option ending at the header's end", test_ipv4_option_edges },
	{ NULL, NULL }
};

static const struct unit_test tcp_tests[] = {
	{ "timestamps, aligned and not", test_tcp_timestamps },
	{ "SACK with 1 to 4 blocks", test_tcp_sack_blocks },
	{ "SACK and timestamps in 40 bytes", test_tcp_sack_and_timestamps },
	{ "EOL ends the list", test_tcp_eol },
	{ "unknown kinds skipped by length", test_tcp_unknown_skipped },
	{ "known kinds with wrong length ignored", test_tcp_wrong_lengths_ignored },
	{ "window scale given raw", test_tcp_wscale_raw },
	{ "option ending at the option space's end", test_tcp_option_edges },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "IPv4 options", ipv4_tests },
	{ "TCP options", tcp_tests },
	{ NULL, NULL }
};

UNIT_MAIN(suites)
