/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of sequence number adjustment: one and several rewrites,
 * wrap-around at 2^32, retransmissions of rewritten segments, acks and
 * SACK blocks of the other direction (SACK at even and odd offsets), the
 * bounded list of points, partial checksums, malformed headers; every
 * checksum verified by full recomputation after the rewrite. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/csum.h"
#include "nfqfw/seqadj.h"
#include "unit.h"

static const uint8_t saddr[4] = { 192, 0, 2, 10 }, daddr[4] = { 198, 51, 100, 20 };

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A segment: header with NOPAD NOPs then a SACK option of NSACK blocks
 * (padded to a multiple of 4 with EOL), PAYLOAD bytes of payload, right
 * checksum. Returns its length. */
struct seg {
	uint8_t b[128];
	size_t len;
	size_t sack_off;        /* offset of the first SACK edge */
};

static void seg_build(struct seg *s, uint32_t seq, uint32_t ack, bool ackflag,
		      unsigned int nopad, unsigned int nsack, const uint32_t *sack,
		      size_t payload)
{
	size_t opt = 20, doff;
	uint16_t c;

	memset(s, 0, sizeof(*s));
	s->b[0] = 0x9c;
	s->b[1] = 0x40;
	s->b[3] = 21;
	put32(s->b + 4, seq);
	put32(s->b + 8, ack);
	s->b[13] = (uint8_t)(0x08 | (ackflag ? 0x10 : 0));
	s->b[14] = 0xff;
	for (unsigned int k = 0; k < nopad; k++)
		s->b[opt++] = 1;
	if (nsack) {
		s->b[opt++] = 5;
		s->b[opt++] = (uint8_t)(2 + 8 * nsack);
		s->sack_off = opt;
		for (unsigned int k = 0; k < 2 * nsack; k++, opt += 4)
			put32(s->b + opt, sack[k]);
	}
	doff = (opt + 3) & ~(size_t)3;
	s->b[12] = (uint8_t)(doff / 4 << 4);
	for (size_t k = 0; k < payload; k++)
		s->b[doff + k] = (uint8_t)(k * 7 + 1);
	s->len = doff + payload;
	c = csum_ipv4_l4(saddr, daddr, IPPROTO_TCP, s->b, s->len);
	s->b[16] = (uint8_t)(c >> 8);
	s->b[17] = (uint8_t)c;
}

static bool seg_csum_ok(const struct seg *s)
{
	return csum_ipv4_l4(saddr, daddr, IPPROTO_TCP, s->b, s->len) == 0;
}

/* Applies S in DIR to a segment with SEQ/ACK and returns both after. */
static void adjust(const struct seqadj *s, enum ct_dir dir, uint32_t seq, uint32_t ack,
		   uint32_t *seq_out, uint32_t *ack_out)
{
	struct seg g;

	seg_build(&g, seq, ack, true, 0, 0, NULL, 10);
	seqadj_apply(s, dir, g.b, g.len, false);
	CU_ASSERT(seg_csum_ok(&g));
	*seq_out = get32(g.b + 4);
	*ack_out = get32(g.b + 8);
}

#define ORIG CT_DIR_ORIGINAL
#define REPL CT_DIR_REPLY

static void check(const struct seqadj *s, enum ct_dir dir, uint32_t seq, uint32_t ack,
		  uint32_t want_seq, uint32_t want_ack)
{
	uint32_t so, ao;

	adjust(s, dir, seq, ack, &so, &ao);
	CU_ASSERT_EQUAL(so, want_seq);
	CU_ASSERT_EQUAL(ao, want_ack);
}

static void test_none(void)
{
	struct seqadj s;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_FALSE(seqadj_active(&s));
	check(&s, ORIG, 1000, 5000, 1000, 5000);
	check(&s, REPL, 5000, 1000, 5000, 1000);
}

/* The PORT segment at 1000, its text at 1005 grows by 3 bytes. */
static void test_one_rewrite(void)
{
	struct seqadj s;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 1005, 3), 0);
	CU_ASSERT_TRUE(seqadj_active(&s));
	check(&s, ORIG, 1000, 7000, 1000, 7000);   /* the rewritten segment itself */
	check(&s, ORIG, 900, 7000, 900, 7000);     /* earlier data */
	check(&s, ORIG, 1030, 7000, 1033, 7000);   /* later data */
	check(&s, REPL, 7000, 1033, 7000, 1030);   /* ack of everything */
	check(&s, REPL, 7000, 1005, 7000, 1005);   /* ack up to the rewrite */
	check(&s, REPL, 7000, 1000, 7000, 1000);
	/* the other direction's own numbers are untouched */
	check(&s, REPL, 7000, 990, 7000, 990);
}

static void test_two_rewrites(void)
{
	struct seqadj s;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 1005, 3), 0);
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 2005, -2), 0);
	check(&s, ORIG, 1000, 1, 1000, 1);
	check(&s, ORIG, 1500, 1, 1503, 1);
	check(&s, ORIG, 2000, 1, 2003, 1);         /* retransmission of the second */
	check(&s, ORIG, 2100, 1, 2101, 1);
	check(&s, REPL, 1, 2101, 1, 2100);
	check(&s, REPL, 1, 1503, 1, 1500);
	check(&s, REPL, 1, 2008, 1, 2005);         /* up to the second rewrite */
	check(&s, REPL, 1, 1005, 1, 1005);
	/* and both directions at once */
	CU_ASSERT_EQUAL(seqadj_record(&s, REPL, 9005, 10), 0);
	check(&s, REPL, 9100, 2101, 9110, 2100);
	check(&s, ORIG, 2100, 9110, 2101, 9100);
}

static void test_wrap(void)
{
	struct seqadj s;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 0xfffffff0u, 10), 0);
	check(&s, ORIG, 0xffffffe0u, 0, 0xffffffe0u, 0);
	check(&s, ORIG, 0x10, 0, 0x1a, 0);
	check(&s, ORIG, 0xfffffffau, 0, 0x4, 0);
	check(&s, REPL, 0, 0x1a, 0, 0x10);
	check(&s, REPL, 0, 0x4, 0, 0xfffffffau);
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 0x20, -4), 0);
	check(&s, ORIG, 0x30, 0, 0x36, 0);
	check(&s, REPL, 0, 0x36, 0, 0x30);
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 0xfffffff8u, 1), -ERANGE);
}

static void test_record_rules(void)
{
	struct seqadj s;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 100, 0), 0);
	CU_ASSERT_FALSE(seqadj_active(&s));
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 100, 5), 0);
	/* the retransmission rewritten the same way: no change */
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 100, 5), 0);
	CU_ASSERT_EQUAL(s.dir[ORIG].count, 1);
	check(&s, ORIG, 200, 0, 205, 0);
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 100, 6), -EINVAL);
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 50, 1), -ERANGE);
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 300, SEQADJ_DELTA_MAX + 1), -EINVAL);
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 300, -SEQADJ_DELTA_MAX - 1), -EINVAL);
	CU_ASSERT_EQUAL(seqadj_record(&s, (enum ct_dir)2, 300, 1), -EINVAL);
	CU_ASSERT_EQUAL(s.dir[ORIG].count, 1);
	check(&s, ORIG, 200, 0, 205, 0);
	/* a second point, then the first one's retransmission again */
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 300, 2), 0);
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 100, 5), 0);
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 300, 2), 0);
	check(&s, ORIG, 400, 0, 407, 0);
	check(&s, ORIG, 100, 0, 100, 0);
}

/* More rewrites than points: the oldest folds into base; retransmissions
 * of the kept ones still get their own numbers. */
static void test_many_rewrites(void)
{
	struct seqadj s;

	memset(&s, 0, sizeof(s));
	for (uint32_t k = 0; k < SEQADJ_POINTS + 2; k++)
		CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 1000 * (k + 1) + 5, 1), 0);
	CU_ASSERT_EQUAL(s.dir[ORIG].count, SEQADJ_POINTS);
	CU_ASSERT_EQUAL(s.dir[ORIG].base, 2);
	for (uint32_t k = 2; k < SEQADJ_POINTS + 2; k++) {
		/* the segment of rewrite k starts before it: k rewrites before */
		check(&s, ORIG, 1000 * (k + 1), 0, 1000 * (k + 1) + k, 0);
		check(&s, REPL, 0, 1000 * (k + 1) + 500 + k + 1, 0, 1000 * (k + 1) + 500);
	}
	check(&s, ORIG, 99000, 0, 99000 + SEQADJ_POINTS + 2, 0);
}

static void test_sack(void)
{
	const uint32_t sack[4] = { 2100, 2200, 1500, 1600 };
	struct seqadj s;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 1005, 3), 0);
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 2005, 10), 0);
	for (unsigned int nopad = 0; nopad < 4; nopad++) {
		struct seg g;

		seg_build(&g, 7000, 1400, true, nopad, 2, sack, 5);
		CU_ASSERT_FATAL(seg_csum_ok(&g));
		seqadj_apply(&s, REPL, g.b, g.len, false);
		CU_ASSERT(seg_csum_ok(&g));
		CU_ASSERT_EQUAL(get32(g.b + 4), 7000);
		CU_ASSERT_EQUAL(get32(g.b + 8), 1397);
		CU_ASSERT_EQUAL(get32(g.b + g.sack_off), 2087);
		CU_ASSERT_EQUAL(get32(g.b + g.sack_off + 4), 2187);
		CU_ASSERT_EQUAL(get32(g.b + g.sack_off + 8), 1497);
		CU_ASSERT_EQUAL(get32(g.b + g.sack_off + 12), 1597);
	}
	/* SACK blocks of the adjusted direction's own packets: left alone */
	{
		struct seg g;

		seg_build(&g, 2100, 7000, true, 2, 1, sack, 0);
		seqadj_apply(&s, ORIG, g.b, g.len, false);
		CU_ASSERT(seg_csum_ok(&g));
		CU_ASSERT_EQUAL(get32(g.b + 4), 2113);
		CU_ASSERT_EQUAL(get32(g.b + g.sack_off), 2100);
	}
}

/* Without ACK the ack field means nothing and is left as it is; with a
 * partial checksum only the numbers change. */
static void test_flags_and_partial(void)
{
	struct seqadj s;
	struct seg g;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 1005, 3), 0);
	seg_build(&g, 7000, 1400, false, 0, 0, NULL, 4);
	seqadj_apply(&s, REPL, g.b, g.len, false);
	CU_ASSERT_EQUAL(get32(g.b + 8), 1400);
	CU_ASSERT(seg_csum_ok(&g));

	seg_build(&g, 1400, 7000, true, 0, 0, NULL, 4);
	g.b[16] = 0x12;
	g.b[17] = 0x34;
	seqadj_apply(&s, ORIG, g.b, g.len, true);
	CU_ASSERT_EQUAL(get32(g.b + 4), 1403);
	CU_ASSERT_EQUAL(g.b[16], 0x12);
	CU_ASSERT_EQUAL(g.b[17], 0x34);
}

static void test_malformed_header(void)
{
	struct seqadj s;
	struct seg g, orig;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, 1005, 3), 0);
	CU_ASSERT_EQUAL(seqadj_record(&s, REPL, 7005, 3), 0);
	seg_build(&g, 2000, 8000, true, 0, 0, NULL, 0);
	orig = g;
	seqadj_apply(&s, ORIG, g.b, 19, false);          /* too short */
	CU_ASSERT(memcmp(g.b, orig.b, sizeof(g.b)) == 0);
	g.b[12] = 0x40;                                  /* doff 16 */
	orig = g;
	seqadj_apply(&s, ORIG, g.b, g.len, false);
	CU_ASSERT(memcmp(g.b, orig.b, sizeof(g.b)) == 0);
	g.b[12] = 0x60;                                  /* doff 24 > 20 given */
	orig = g;
	seqadj_apply(&s, ORIG, g.b, 20, false);
	CU_ASSERT(memcmp(g.b, orig.b, sizeof(g.b)) == 0);
	/* an option running past the header: numbers fixed, SACK not read */
	{
		const uint32_t sack[2] = { 7100, 7200 };

		seg_build(&g, 2000, 8000, true, 0, 1, sack, 0);
		g.b[21] = 40;                            /* SACK length too big */
		g.b[16] = g.b[17] = 0;
		{
			uint16_t c = csum_ipv4_l4(saddr, daddr, IPPROTO_TCP, g.b, g.len);

			g.b[16] = (uint8_t)(c >> 8);
			g.b[17] = (uint8_t)c;
		}
		seqadj_apply(&s, ORIG, g.b, g.len, false);
		CU_ASSERT(seg_csum_ok(&g));
		CU_ASSERT_EQUAL(get32(g.b + 4), 2003);
		CU_ASSERT_EQUAL(get32(g.b + 8), 7997);
		CU_ASSERT_EQUAL(get32(g.b + g.sack_off), 7100);
	}
}

/* Random points, headers and option layouts: checksums always right, and
 * an ack of an adjusted sequence number gives the original back. */
static void test_random(void)
{
	uint64_t x = 0x243f6a8885a308d3ull;

	for (unsigned int it = 0; it < 20000; it++) {
		struct seqadj s;
		struct seg g;
		uint32_t sack[8], base, seq;
		unsigned int nsack;

		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		memset(&s, 0, sizeof(s));
		base = (uint32_t)x;
		for (unsigned int k = 0; k < (x >> 32) % 7; k++)
			CU_ASSERT_EQUAL(seqadj_record(&s, ORIG, base + 1000 * k,
						      (int32_t)((x >> (k * 5)) % 200) - 100), 0);
		nsack = (unsigned int)(x >> 40) % 5;
		for (unsigned int k = 0; k < 2 * nsack; k++)
			sack[k] = base + (uint32_t)(x >> (k * 3)) % 8000;
		seq = base + 1000 * (uint32_t)((x >> 20) % 8) + 500;   /* away from the points */
		seg_build(&g, 5, seq, true, (unsigned int)(x >> 50) % 4, nsack, sack,
			  (size_t)(x >> 56) % 9);
		seqadj_apply(&s, REPL, g.b, g.len, false);
		CU_ASSERT_FATAL(seg_csum_ok(&g));
		seg_build(&g, seq, 5, true, 0, 0, NULL, 3);
		seqadj_apply(&s, ORIG, g.b, g.len, false);
		CU_ASSERT_FATAL(seg_csum_ok(&g));
		/* an ack of the end of the segment, 1 byte on, maps back */
		CU_ASSERT_EQUAL(seqadj_ack(&s.dir[ORIG], seqadj_seq(&s.dir[ORIG], seq + 1)), seq + 1);
	}
}

static const struct unit_test tests[] = {
	{ "no rewrite", test_none },
	{ "one rewrite", test_one_rewrite },
	{ "two rewrites, both directions", test_two_rewrites },
	{ "wrap at 2^32", test_wrap },
	{ "recording rules, retransmissions", test_record_rules },
	{ "more rewrites than points", test_many_rewrites },
	{ "SACK blocks", test_sack },
	{ "no ACK flag, partial checksum", test_flags_and_partial },
	{ "malformed headers", test_malformed_header },
	{ "random headers", test_random },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "seqadj", tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
