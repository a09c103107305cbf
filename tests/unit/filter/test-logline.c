/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the LOG-target line: hand-built packets of every protocol
 * and flag give the kernel's fields (nf_log_syslog.c) in the kernel's
 * order; every packet cut at every length is read only up to its end (each
 * cut its own heap block, for AddressSanitizer and valgrind) and says
 * INCOMPLETE or TRUNCATED where the kernel does; MARK= last when the mark
 * is not 0, and not where the kernel's line stops early; the snprintf
 * contract at every buffer size. */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/logline.h"
#include "pkt/pktbuild.h"
#include "unit.h"

/* The fixed part of every packet pktbuild makes. */
#define SRC4 "SRC=192.0.2.1 DST=198.51.100.2 "
#define REV4 "SRC=198.51.100.2 DST=192.0.2.1 "
#define IP4(len) SRC4 "LEN=" #len " TOS=0x10 PREC=0x00 TTL=64 ID=4660 DF "
#define SRC6 "SRC=2001:0db8:0000:0000:0000:0000:0000:0001 " \
	     "DST=2001:0db8:0002:0000:0000:0000:0000:beef "
#define IP6(len) SRC6 "LEN=" #len " TC=184 HOPLIMIT=64 FLOWLBL=74565 "
#define IFS "IN=lan0 OUT=wan0 "

static char line[2048];

/* The line for the first N bytes of B with mark MARK, from a view of
 * exactly those bytes in their own heap block. */
static const char *log_marked(const struct pb *b, size_t n, const char *prefix,
			      uint32_t mark)
{
	uint8_t *copy = pb_exact_copy(b->buf, n);
	struct pkt p = { .data = copy, .len = n, .family = (uint8_t)b->family };
	size_t len = filter_log_line(line, sizeof(line), prefix, "lan0", "wan0", &p, mark);

	CU_ASSERT_EQUAL(len, strlen(line));
	free(copy);
	return line;
}

static const char *log_cut(const struct pb *b, size_t n, const char *prefix)
{
	return log_marked(b, n, prefix, 0);
}

/* B's line from the parser's view, as the daemon has it. */
static const char *log_parsed(const struct pb *b)
{
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, b, b->len, 0), PKT_OK);
	CU_ASSERT_EQUAL(filter_log_line(line, sizeof(line), "", "lan0", "wan0", &p, 0),
			strlen(line));
	return line;
}

static void same(const char *got, const char *want)
{
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want))
		printf("\n    got  '%s'\n    want '%s'\n", got, want);
}

/* B logs as IFS WANT, from the parser's view and from the raw bytes; and
 * every shorter cut of it is read without a byte past its end. */
static void expect(const struct pb *b, const char *want)
{
	char full[1024];

	snprintf(full, sizeof(full), IFS "%s", want);
	same(log_parsed(b), full);
	same(log_cut(b, b->len, ""), full);
	for (size_t n = 0; n < b->len; n++)
		log_cut(b, n, "");
}

/* B logs as expected without the parser (it would refuse it). */
static void expect_raw(const struct pb *b, const char *want)
{
	char full[1024];

	snprintf(full, sizeof(full), IFS "%s", want);
	same(log_cut(b, b->len, ""), full);
	for (size_t n = 0; n < b->len; n++)
		log_cut(b, n, "");
}

/* The first N bytes of B log as IFS WANT. */
static void expect_cut(const struct pb *b, size_t n, const char *want)
{
	char full[1024];

	snprintf(full, sizeof(full), IFS "%s", want);
	same(log_cut(b, n, ""), full);
}

static void tcp4(struct pb *b, uint8_t flags)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_TCP, NULL, 0);
	pb_tcp(b, 40000, 80, 1000, 0, flags, 64240, NULL, 0);
	pb_finish(b);
}

static void test_tcp(void)
{
	struct pb b;

	tcp4(&b, 0x02);
	expect(&b, IP4(40) "PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0");
	tcp4(&b, 0x12);
	expect(&b, IP4(40) "PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 ACK SYN URGP=0");
	tcp4(&b, 0x00);
	expect(&b, IP4(40) "PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 URGP=0");
	/* Every flag, AE, the three reserved bits and the urgent pointer. */
	tcp4(&b, 0xff);
	b.buf[20 + 12] |= 0x0f;
	pb_put16(&b, 20 + 18, 7);
	expect_raw(&b, IP4(40) "PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x38 AE CWR "
		   "ECE URG ACK PSH RST SYN FIN URGP=7");
	tcp4(&b, 0x01);
	b.buf[20 + 12] |= 0x04;
	expect_raw(&b, IP4(40) "PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x10 FIN URGP=0");
	/* With options and payload: the kernel shows neither. */
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	pb_tcp(&b, 1, 65535, 0, 0, 0x18, 0, (const uint8_t[]){ 1, 1, 1, 0 }, 4);
	pb_pattern(&b, 100, 0);
	pb_finish(&b);
	expect(&b, IP4(144) "PROTO=TCP SPT=1 DPT=65535 WINDOW=0 RES=0x00 ACK PSH URGP=0");
}

static void test_ip4_header(void)
{
	struct pb b;

	/* TOS keeps bits 1-4, PREC the top three; the ECN bits show in neither. */
	tcp4(&b, 0x02);
	b.buf[1] = 0xbb;
	b.buf[8] = 1;
	pb_put16(&b, 4, 0);
	pb_put16(&b, 6, 0);
	expect(&b, SRC4 "LEN=40 TOS=0x1A PREC=0xA0 TTL=1 ID=0 "
	       "PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0");
	b.buf[1] = 0xff;
	b.buf[8] = 255;
	pb_put16(&b, 4, 65535);
	expect(&b, SRC4 "LEN=40 TOS=0x1E PREC=0xE0 TTL=255 ID=65535 "
	       "PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0");
	/* The evil bit is "CE" to the kernel. */
	pb_put16(&b, 6, 0xc000);
	expect_raw(&b, SRC4 "LEN=40 TOS=0x1E PREC=0xE0 TTL=255 ID=65535 CE DF "
		   "PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0");
	/* Options are skipped (no --log-ip-options), the L4 header found. */
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, (const uint8_t[]){ 1, 1, 1, 0, 7, 3, 4, 0 }, 8);
	pb_udp(&b, 53, 1053);
	pb_finish(&b);
	expect(&b, IP4(36) "PROTO=UDP SPT=53 DPT=1053 LEN=8");
}

static void test_udp(void)
{
	struct pb b;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_udp(&b, 5353, 53);
	pb_pattern(&b, 10, 0);
	pb_finish(&b);
	expect(&b, IP4(38) "PROTO=UDP SPT=5353 DPT=53 LEN=18");
	expect_cut(&b, 27, IP4(38) "PROTO=UDP INCOMPLETE [7 bytes]");
	expect_cut(&b, 28, IP4(38) "PROTO=UDP SPT=5353 DPT=53 LEN=18");

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDPLITE, NULL, 0);
	pb_bytes(&b, (const uint8_t[]){ 0x04, 0xd2, 0x16, 0x2e, 0, 8, 0, 0 }, 8);
	pb_finish(&b);
	expect(&b, IP4(28) "PROTO=UDPLITE SPT=1234 DPT=5678 LEN=8");
}

static void icmp4(struct pb *b, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
	pb_init(b);
	pb_ipv4(b, IPPROTO_ICMP, NULL, 0);
	pb_icmp(b, type, code, id, seq);
}

static void test_icmp(void)
{
	struct pb b;

	icmp4(&b, 8, 0, 4321, 7);
	pb_pattern(&b, 56, 0);
	pb_finish(&b);
	expect(&b, IP4(84) "PROTO=ICMP TYPE=8 CODE=0 ID=4321 SEQ=7");
	expect_cut(&b, 27, IP4(84) "PROTO=ICMP INCOMPLETE [7 bytes]");
	icmp4(&b, 0, 0, 65535, 65535);
	pb_finish(&b);
	expect(&b, IP4(28) "PROTO=ICMP TYPE=0 CODE=0 ID=65535 SEQ=65535");
	/* A timestamp needs 20 bytes, an address mask 12. */
	icmp4(&b, 13, 0, 1, 2);
	pb_finish(&b);
	expect(&b, IP4(28) "PROTO=ICMP TYPE=13 CODE=0 INCOMPLETE [8 bytes]");
	pb_pattern(&b, 12, 0);
	pb_finish(&b);
	expect(&b, IP4(40) "PROTO=ICMP TYPE=13 CODE=0");
	icmp4(&b, 17, 0, 1, 2);
	pb_pattern(&b, 3, 0);
	pb_finish(&b);
	expect(&b, IP4(31) "PROTO=ICMP TYPE=17 CODE=0 INCOMPLETE [11 bytes]");
	icmp4(&b, 42, 9, 1, 2);
	pb_finish(&b);
	expect(&b, IP4(28) "PROTO=ICMP TYPE=42 CODE=9");
	/* Parameter problem: the pointer is the first byte after the code. */
	icmp4(&b, 12, 0, 0x1400, 0);
	pb_finish(&b);
	expect(&b, IP4(28) "PROTO=ICMP TYPE=12 CODE=0 INCOMPLETE [8 bytes]");
}

/* An ICMP error of TYPE/CODE (rest of header ID, SEQ) quoting the first
 * QUOTE bytes of INNER. */
static void icmp4_error(struct pb *b, uint8_t type, uint8_t code, uint16_t id, uint16_t seq,
			const struct pb *inner, size_t quote)
{
	icmp4(b, type, code, id, seq);
	pb_bytes(b, inner->buf, quote);
	pb_finish(b);
}

static void test_icmp_errors(void)
{
	struct pb in, b;

	pb_init(&in);
	pb_ipv4(&in, IPPROTO_UDP, NULL, 0);
	pb_udp(&in, 5353, 53);
	pb_pattern(&in, 10, 0);
	pb_finish(&in);
	icmp4_error(&b, 3, 3, 0, 0, &in, 28);
	expect(&b, IP4(56) "PROTO=ICMP TYPE=3 CODE=3 [" IP4(38)
	       "PROTO=UDP SPT=5353 DPT=53 LEN=18 ]");
	/* An error needs 28 bytes, so the quoted IP header is whole. */
	expect_cut(&b, 47, IP4(56) "PROTO=ICMP TYPE=3 CODE=3 INCOMPLETE [27 bytes]");
	expect_cut(&b, 50, IP4(56) "PROTO=ICMP TYPE=3 CODE=3 [" IP4(38)
		   "PROTO=UDP INCOMPLETE [2 bytes] ]");
	icmp4_error(&b, 11, 0, 0, 0, &in, 28);
	expect(&b, IP4(56) "PROTO=ICMP TYPE=11 CODE=0 [" IP4(38)
	       "PROTO=UDP SPT=5353 DPT=53 LEN=18 ]");
	icmp4_error(&b, 4, 0, 0, 0, &in, 28);
	expect(&b, IP4(56) "PROTO=ICMP TYPE=4 CODE=0 [" IP4(38)
	       "PROTO=UDP SPT=5353 DPT=53 LEN=18 ]");
	icmp4_error(&b, 5, 1, 0xcb00, 0x7101, &in, 28);
	expect(&b, IP4(56) "PROTO=ICMP TYPE=5 CODE=1 GATEWAY=203.0.113.1 [" IP4(38)
	       "PROTO=UDP SPT=5353 DPT=53 LEN=18 ]");
	icmp4_error(&b, 12, 0, 0x0900, 0, &in, 28);
	expect(&b, IP4(56) "PROTO=ICMP TYPE=12 CODE=0 PARAMETER=9");

	/* Fragmentation needed: MTU, and a quoted TCP header of 8 bytes. */
	tcp4(&in, 0x10);
	icmp4_error(&b, 3, 4, 0, 1400, &in, 28);
	expect(&b, IP4(56) "PROTO=ICMP TYPE=3 CODE=4 [" IP4(40)
	       "PROTO=TCP INCOMPLETE [8 bytes] ] MTU=1400");
	/* Too short for an error (28 bytes needed): no quote. */
	icmp4_error(&b, 3, 1, 0, 0, &in, 19);
	expect(&b, IP4(47) "PROTO=ICMP TYPE=3 CODE=1 INCOMPLETE [27 bytes]");

	/* A quoted ICMP error is not opened again; a quoted header with a
	 * header length past the quote has nothing after it (not a wrap). */
	icmp4_error(&in, 3, 3, 0, 0, &b, 28);
	icmp4_error(&b, 11, 0, 0, 0, &in, 48);
	expect(&b, IP4(76) "PROTO=ICMP TYPE=11 CODE=0 [" IP4(56)
	       "PROTO=ICMP TYPE=3 CODE=3 ]");
	icmp4_error(&b, 3, 0, 0, 0, &in, 20);
	b.buf[28] = 0x4f;
	expect_raw(&b, IP4(48) "PROTO=ICMP TYPE=3 CODE=0 [" SRC4 "LEN=56 TOS=0x10 PREC=0x00 "
		   "TTL=64 ID=4660 DF PROTO=ICMP INCOMPLETE [0 bytes] ]");
}

static void test_ah_esp_other(void)
{
	struct pb b;

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_AH, NULL, 0);
	pb_ah(&b, IPPROTO_TCP, 12);
	pb_finish(&b);
	expect(&b, IP4(44) "PROTO=AH SPI=0xdeadbeef");
	expect_cut(&b, 31, IP4(44) "PROTO=AH INCOMPLETE [11 bytes]");
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_ESP, NULL, 0);
	pb_bytes(&b, (const uint8_t[]){ 0, 0, 1, 0, 0, 0, 0, 1 }, 8);
	pb_pattern(&b, 16, 0);
	pb_finish(&b);
	expect(&b, IP4(44) "PROTO=ESP SPI=0x100");
	expect_cut(&b, 27, IP4(44) "PROTO=ESP INCOMPLETE [7 bytes]");
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_GRE, NULL, 0);
	pb_pattern(&b, 4, 0);
	pb_finish(&b);
	expect(&b, IP4(24) "PROTO=47");
	pb_init(&b);
	pb_ipv4(&b, 0, NULL, 0);
	pb_finish(&b);
	expect(&b, IP4(20) "PROTO=0");
}

static void test_fragments4(void)
{
	struct pb b;

	/* A first fragment shows its L4 header; later ones only the protocol. */
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	pb_tcp(&b, 40000, 80, 1000, 0, 0x10, 64240, NULL, 0);
	pb_pattern(&b, 4, 0);
	pb_ipv4_frag(&b, 777, true, 0);
	pb_finish(&b);
	expect(&b, SRC4 "LEN=44 TOS=0x10 PREC=0x00 TTL=64 ID=777 MF "
	       "PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 ACK URGP=0");
	pb_ipv4_frag(&b, 777, true, 1480);
	pb_finish(&b);
	expect(&b, SRC4 "LEN=44 TOS=0x10 PREC=0x00 TTL=64 ID=777 MF FRAG:185 PROTO=TCP");
	pb_ipv4_frag(&b, 777, false, 65528);
	pb_finish(&b);
	expect_raw(&b, SRC4 "LEN=44 TOS=0x10 PREC=0x00 TTL=64 ID=777 FRAG:8191 PROTO=TCP");
	b.buf[9] = IPPROTO_UDP;
	pb_ipv4_frag(&b, 1, false, 8);
	expect_raw(&b, SRC4 "LEN=44 TOS=0x10 PREC=0x00 TTL=64 ID=1 FRAG:1 PROTO=UDP");
	b.buf[9] = IPPROTO_ICMP;
	expect_raw(&b, SRC4 "LEN=44 TOS=0x10 PREC=0x00 TTL=64 ID=1 FRAG:1 PROTO=ICMP");
	b.buf[9] = IPPROTO_ESP;
	expect_raw(&b, SRC4 "LEN=44 TOS=0x10 PREC=0x00 TTL=64 ID=1 FRAG:1 PROTO=ESP");
	/* A later AH fragment does not even name its protocol. */
	b.buf[9] = IPPROTO_AH;
	expect_raw(&b, SRC4 "LEN=44 TOS=0x10 PREC=0x00 TTL=64 ID=1 FRAG:1");
	b.buf[9] = IPPROTO_GRE;
	expect_raw(&b, SRC4 "LEN=44 TOS=0x10 PREC=0x00 TTL=64 ID=1 FRAG:1 PROTO=47");
}

static void tcp6(struct pb *b, uint8_t flags)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_TCP);
	pb_tcp(b, 40000, 443, 1, 2, flags, 65535, NULL, 0);
	pb_finish(b);
}

static void test_ipv6(void)
{
	struct pb b;

	tcp6(&b, 0x02);
	expect(&b, IP6(60) "PROTO=TCP SPT=40000 DPT=443 WINDOW=65535 RES=0x00 SYN URGP=0");
	expect_cut(&b, 59, IP6(60) "PROTO=TCP INCOMPLETE [19 bytes]");
	expect_cut(&b, 39, "TRUNCATED");
	/* Traffic class and flow label at their extremes. */
	b.buf[0] = 0x6f;
	b.buf[1] = 0xff;
	b.buf[2] = 0xff;
	b.buf[3] = 0xff;
	b.buf[7] = 0;
	expect(&b, SRC6 "LEN=60 TC=255 HOPLIMIT=0 FLOWLBL=1048575 "
	       "PROTO=TCP SPT=40000 DPT=443 WINDOW=65535 RES=0x00 SYN URGP=0");
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_UDP);
	pb_udp(&b, 546, 547);
	pb_pattern(&b, 4, 0);
	pb_finish(&b);
	expect(&b, IP6(52) "PROTO=UDP SPT=546 DPT=547 LEN=12");
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_GRE);
	pb_pattern(&b, 4, 0);
	pb_finish(&b);
	expect(&b, IP6(44) "PROTO=47");
	pb_init(&b);
	pb_ipv6(&b, 59);
	pb_finish(&b);
	expect(&b, IP6(40) "PROTO=59");
}

static void icmp6(struct pb *b, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
	pb_init(b);
	pb_ipv6(b, IPPROTO_ICMPV6);
	pb_icmp(b, type, code, id, seq);
}

static void test_icmpv6(void)
{
	struct pb in, b;

	icmp6(&b, 128, 0, 99, 1);
	pb_finish(&b);
	expect(&b, IP6(48) "PROTO=ICMPv6 TYPE=128 CODE=0 ID=99 SEQ=1");
	expect_cut(&b, 47, IP6(48) "PROTO=ICMPv6 INCOMPLETE [7 bytes]");
	icmp6(&b, 129, 0, 99, 1);
	pb_finish(&b);
	expect(&b, IP6(48) "PROTO=ICMPv6 TYPE=129 CODE=0 ID=99 SEQ=1");
	icmp6(&b, 135, 0, 0, 0);
	pb_pattern(&b, 16, 0);
	pb_finish(&b);
	expect(&b, IP6(64) "PROTO=ICMPv6 TYPE=135 CODE=0");
	icmp6(&b, 130, 0, 0, 0);
	pb_finish(&b);
	expect(&b, IP6(48) "PROTO=ICMPv6 TYPE=130 CODE=0");

	pb_init(&in);
	pb_ipv6(&in, IPPROTO_UDP);
	pb_udp(&in, 1000, 2000);
	pb_pattern(&in, 1232, 0);
	pb_finish(&in);
	icmp6(&b, 2, 0, 0, 1280);
	pb_bytes(&b, in.buf, 56);
	pb_finish(&b);
	expect(&b, IP6(104) "PROTO=ICMPv6 TYPE=2 CODE=0 [" IP6(1280)
	       "PROTO=UDP SPT=1000 DPT=2000 LEN=1240 ] MTU=1280");
	expect_cut(&b, 87, IP6(104) "PROTO=ICMPv6 TYPE=2 CODE=0 [TRUNCATED] MTU=1280");
	icmp6(&b, 1, 4, 0, 0);
	pb_bytes(&b, in.buf, 40);
	pb_finish(&b);
	expect(&b, IP6(88) "PROTO=ICMPv6 TYPE=1 CODE=4 [" IP6(1280)
	       "PROTO=UDP INCOMPLETE [0 bytes] ]");
	icmp6(&b, 3, 1, 0, 0);
	pb_bytes(&b, in.buf, 48);
	pb_finish(&b);
	expect(&b, IP6(96) "PROTO=ICMPv6 TYPE=3 CODE=1 [" IP6(1280)
	       "PROTO=UDP SPT=1000 DPT=2000 LEN=1240 ]");
	icmp6(&b, 4, 1, 0, 40);
	pb_bytes(&b, in.buf, 48);
	pb_finish(&b);
	expect(&b, IP6(96) "PROTO=ICMPv6 TYPE=4 CODE=1 POINTER=00000028 [" IP6(1280)
	       "PROTO=UDP SPT=1000 DPT=2000 LEN=1240 ]");
	/* A quoted error is not opened again. */
	pb_init(&in);
	pb_bytes(&in, b.buf, b.len);
	icmp6(&b, 1, 0, 0, 0);
	pb_bytes(&b, in.buf, 56);
	pb_finish(&b);
	expect(&b, IP6(104) "PROTO=ICMPv6 TYPE=1 CODE=0 [" IP6(96)
	       "PROTO=ICMPv6 TYPE=4 CODE=1 POINTER=00000028 ]");
}

static void test_ipv6_ext(void)
{
	struct pb b;

	/* Hop-by-hop, destination options and routing: nothing written. */
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_HOPOPTS);
	pb_dstopts(&b, IPPROTO_DSTOPTS, 8);
	pb_dstopts(&b, IPPROTO_UDP, 16);
	pb_udp(&b, 7, 9);
	pb_finish(&b);
	expect(&b, IP6(72) "PROTO=UDP SPT=7 DPT=9 LEN=8");
	expect_cut(&b, 41, IP6(72) "TRUNCATED");
	expect_cut(&b, 48, IP6(72) "TRUNCATED");
	/* The UDP header would start past the end: 0 bytes (the kernel
	 * would print its unsigned difference). */
	expect_cut(&b, 63, IP6(72) "PROTO=UDP INCOMPLETE [0 bytes]");
	/* AH is skipped by its own length unit. */
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_AH);
	pb_ah(&b, IPPROTO_TCP, 12);
	pb_tcp(&b, 1, 2, 0, 0, 0x04, 0, NULL, 0);
	pb_finish(&b);
	expect(&b, IP6(84) "PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 RST URGP=0");
	/* ESP ends the line right after the IPv6 fields. */
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_ESP);
	pb_pattern(&b, 24, 0);
	pb_finish(&b);
	expect(&b, SRC6 "LEN=64 TC=184 HOPLIMIT=64 FLOWLBL=74565");
}

static void test_fragments6(void)
{
	struct pb b;

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_FRAGMENT);
	pb_frag6(&b, IPPROTO_UDP, 0, true, 0xabcdef01);
	pb_udp(&b, 5000, 6000);
	pb_pattern(&b, 16, 0);
	b.udp_len = 3000;
	pb_finish(&b);
	expect(&b, IP6(72) "FRAG:0 INCOMPLETE ID:abcdef01 PROTO=UDP SPT=5000 DPT=6000 LEN=3000");
	expect_cut(&b, 47, IP6(72) "FRAG:TRUNCATED");
	expect_cut(&b, 41, IP6(72) "TRUNCATED");

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_FRAGMENT);
	pb_frag6(&b, IPPROTO_UDP, 1232, false, 7);
	pb_pattern(&b, 16, 0);
	pb_finish(&b);
	expect(&b, IP6(64) "FRAG:1232 ID:00000007 PROTO=UDP");
	b.buf[40] = IPPROTO_TCP;
	expect(&b, IP6(64) "FRAG:1232 ID:00000007 PROTO=TCP");
	b.buf[40] = IPPROTO_ICMPV6;
	expect(&b, IP6(64) "FRAG:1232 ID:00000007 PROTO=ICMPv6");
	/* An options header after a later fragment ends the line. */
	b.buf[40] = IPPROTO_DSTOPTS;
	expect_raw(&b, IP6(64) "FRAG:1232 ID:00000007");
	/* AH is walked over even in a later fragment. */
	b.buf[40] = IPPROTO_AH;
	b.buf[48] = IPPROTO_TCP;
	b.buf[49] = 0;
	expect_raw(&b, IP6(64) "FRAG:1232 ID:00000007 PROTO=TCP");
}

/* The first N bytes of B logged with MARK read IFS WANT. */
static void expect_mark(const struct pb *b, size_t n, uint32_t mark, const char *want)
{
	char full[1024];

	snprintf(full, sizeof(full), IFS "%s", want);
	same(log_marked(b, n, "", mark), full);
}

#define TCP_SYN "PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0"

static void test_mark_written(void)
{
	struct pb in, b;

	tcp4(&b, 0x02);
	expect_mark(&b, b.len, 0, IP4(40) TCP_SYN);
	expect_mark(&b, b.len, 1, IP4(40) TCP_SYN " MARK=0x1");
	expect_mark(&b, b.len, 0xffffffff, IP4(40) TCP_SYN " MARK=0xffffffff");
	expect_mark(&b, b.len, 0x80000000, IP4(40) TCP_SYN " MARK=0x80000000");
	pb_init(&b);
	pb_ipv6(&b, IPPROTO_UDP);
	pb_udp(&b, 7, 9);
	pb_finish(&b);
	expect_mark(&b, b.len, 0x2a, IP6(48) "PROTO=UDP SPT=7 DPT=9 LEN=8 MARK=0x2a");
	expect_mark(&b, b.len, 0, IP6(48) "PROTO=UDP SPT=7 DPT=9 LEN=8");

	/* After an ICMP error's quoted packet and MTU, once: a quoted packet
	 * has no mark of its own, even when its own header is cut. */
	tcp4(&in, 0x10);
	icmp4_error(&b, 3, 4, 0, 1400, &in, 28);
	expect_mark(&b, b.len, 0x10, IP4(56) "PROTO=ICMP TYPE=3 CODE=4 [" IP4(40)
		    "PROTO=TCP INCOMPLETE [8 bytes] ] MTU=1400 MARK=0x10");
	pb_init(&in);
	pb_ipv6(&in, IPPROTO_UDP);
	pb_udp(&in, 1000, 2000);
	pb_finish(&in);
	icmp6(&b, 2, 0, 0, 1280);
	pb_bytes(&b, in.buf, 48);
	pb_finish(&b);
	expect_mark(&b, b.len, 0x10, IP6(96) "PROTO=ICMPv6 TYPE=2 CODE=0 [" IP6(48)
		    "PROTO=UDP SPT=1000 DPT=2000 LEN=8 ] MTU=1280 MARK=0x10");
}

/* Where the kernel's dump goes on to its end (a cut ICMP, AH or ESP
 * header, a later fragment) the mark is written; where it returns early
 * (a cut TCP, UDP or ICMPv6 header, TRUNCATED, ESP or an option header
 * after a fragment in IPv6) it is not. */
static void test_mark_early_end(void)
{
	struct pb b;

	tcp4(&b, 0x02);
	expect_mark(&b, 39, 3, IP4(40) "PROTO=TCP INCOMPLETE [19 bytes]");
	expect_mark(&b, 19, 3, "TRUNCATED");
	expect_mark(&b, 0, 3, "TRUNCATED");
	pb_ipv4_frag(&b, 5, false, 8);
	pb_finish(&b);
	expect_mark(&b, b.len, 3, SRC4 "LEN=40 TOS=0x10 PREC=0x00 TTL=64 ID=5 FRAG:1 "
		    "PROTO=TCP MARK=0x3");
	b.buf[9] = IPPROTO_AH;
	expect_mark(&b, b.len, 3, SRC4 "LEN=40 TOS=0x10 PREC=0x00 TTL=64 ID=5 FRAG:1 MARK=0x3");

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_udp(&b, 5353, 53);
	pb_finish(&b);
	expect_mark(&b, 27, 3, IP4(28) "PROTO=UDP INCOMPLETE [7 bytes]");
	b.buf[9] = IPPROTO_ICMP;
	expect_mark(&b, 27, 3, IP4(28) "PROTO=ICMP INCOMPLETE [7 bytes] MARK=0x3");
	b.buf[9] = IPPROTO_AH;
	expect_mark(&b, 27, 3, IP4(28) "PROTO=AH INCOMPLETE [7 bytes] MARK=0x3");
	b.buf[9] = IPPROTO_ESP;
	expect_mark(&b, 27, 3, IP4(28) "PROTO=ESP INCOMPLETE [7 bytes] MARK=0x3");
	b.buf[9] = IPPROTO_GRE;
	expect_mark(&b, b.len, 3, IP4(28) "PROTO=47 MARK=0x3");

	icmp6(&b, 128, 0, 99, 1);
	pb_finish(&b);
	expect_mark(&b, 47, 3, IP6(48) "PROTO=ICMPv6 INCOMPLETE [7 bytes]");
	expect_mark(&b, b.len, 3, IP6(48) "PROTO=ICMPv6 TYPE=128 CODE=0 ID=99 SEQ=1 MARK=0x3");
	expect_mark(&b, 39, 3, "TRUNCATED");
	b.buf[6] = IPPROTO_ESP;
	expect_mark(&b, b.len, 3, SRC6 "LEN=48 TC=184 HOPLIMIT=64 FLOWLBL=74565");
	b.buf[6] = IPPROTO_DSTOPTS;
	expect_mark(&b, 41, 3, IP6(48) "TRUNCATED");
	b.buf[6] = 59;
	expect_mark(&b, b.len, 3, IP6(48) "PROTO=59 MARK=0x3");

	pb_init(&b);
	pb_ipv6(&b, IPPROTO_FRAGMENT);
	pb_frag6(&b, IPPROTO_ICMPV6, 1232, false, 7);
	pb_pattern(&b, 16, 0);
	pb_finish(&b);
	expect_mark(&b, b.len, 3, IP6(64) "FRAG:1232 ID:00000007 PROTO=ICMPv6 MARK=0x3");
	b.buf[40] = IPPROTO_UDP;
	expect_mark(&b, b.len, 3, IP6(64) "FRAG:1232 ID:00000007 PROTO=UDP MARK=0x3");
	b.buf[40] = IPPROTO_DSTOPTS;
	expect_mark(&b, b.len, 3, IP6(64) "FRAG:1232 ID:00000007");

	/* No family to dump: no mark either. */
	b.buf[0] = 0x55;
	b.family = 0;
	expect_mark(&b, b.len, 3, "TRUNCATED");
}

static void test_prefix_and_names(void)
{
	struct pb b;
	struct pkt p = { 0 };
	const char *want = "%s%n%x IN= OUT= " IP4(40) "PROTO=TCP SPT=40000 DPT=80 "
			   "WINDOW=64240 RES=0x00 SYN URGP=0";

	tcp4(&b, 0x02);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	/* The prefix is text, never a format. */
	CU_ASSERT_EQUAL(filter_log_line(line, sizeof(line), "%s%n%x ", NULL, NULL, &p, 0),
			strlen(want));
	same(line, want);
	filter_log_line(line, sizeof(line), "[INVALID] ", "veth-lan-000000", "", &p, 0);
	CU_ASSERT_EQUAL(strncmp(line, "[INVALID] IN=veth-lan-000000 OUT= SRC=", 38), 0);
	filter_log_line(line, sizeof(line), NULL, "lan0", "wan0", &p, 0);
	CU_ASSERT_EQUAL(strncmp(line, "IN=lan0 OUT=wan0 SRC=", 21), 0);

	/* A view whose family was not set: the version nibble decides. */
	p.family = 0;
	filter_log_line(line, sizeof(line), "", "a", "b", &p, 0);
	CU_ASSERT_EQUAL(strncmp(line, "IN=a OUT=b SRC=192.0.2.1 ", 25), 0);
	/* Nothing to read at all; no packet; an unknown version (a mark
	 * changes none of them). */
	p.len = 0;
	filter_log_line(line, sizeof(line), "X ", "a", "b", &p, 0);
	same(line, "X IN=a OUT=b TRUNCATED");
	filter_log_line(line, sizeof(line), "X ", "a", "b", NULL, 0);
	same(line, "X IN=a OUT=b TRUNCATED");
	filter_log_line(line, sizeof(line), "X ", "a", "b", NULL, 7);
	same(line, "X IN=a OUT=b TRUNCATED");
	b.buf[0] = 0x55;
	p = (struct pkt){ .data = b.buf, .len = b.len };
	filter_log_line(line, sizeof(line), "X ", "a", "b", &p, 7);
	same(line, "X IN=a OUT=b TRUNCATED");
	/* The family known, not one byte of header. */
	same(log_cut(&b, 0, "X "), "X IN=lan0 OUT=wan0 TRUNCATED");
}

static void check_sizes(const struct pkt *p, const char *prefix, uint32_t mark)
{
	char full[1024];
	size_t n = filter_log_line(full, sizeof(full), prefix, "lan0", "wan0", p, mark);

	CU_ASSERT_FATAL(n < sizeof(full));
	CU_ASSERT_EQUAL(n, strlen(full));
	for (size_t size = 0; size <= n + 2; size++) {
		char *buf = size ? malloc(size) : NULL;
		size_t kept = size ? (size - 1 < n ? size - 1 : n) : 0;

		CU_ASSERT_FATAL(size == 0 || buf != NULL);
		if (size)
			memset(buf, '#', size);
		CU_ASSERT_EQUAL(filter_log_line(buf, size, prefix, "lan0", "wan0", p, mark), n);
		if (size) {
			CU_ASSERT_EQUAL(strlen(buf), kept);
			CU_ASSERT_EQUAL(memcmp(buf, full, kept), 0);
		}
		free(buf);
	}
}

static void test_buffer_sizes(void)
{
	struct pb in, b;
	struct pkt p;

	/* The longest lines there are: an ICMPv6 error quoting an IPv6
	 * packet, and an ICMP redirect quoting a TCP SYN with every flag,
	 * with the longest mark and without one. */
	pb_init(&in);
	pb_ipv6(&in, IPPROTO_TCP);
	pb_tcp(&in, 65535, 65535, 0, 0, 0xff, 65535, NULL, 0);
	pb_finish(&in);
	icmp6(&b, 4, 255, 65535, 65535);
	pb_bytes(&b, in.buf, 60);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	check_sizes(&p, "29 characters of log prefix: ", 0xffffffff);
	check_sizes(&p, "29 characters of log prefix: ", 0);

	tcp4(&in, 0xff);
	icmp4_error(&b, 5, 3, 0xffff, 0xffff, &in, 40);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&p, &b, b.len, 0), PKT_OK);
	check_sizes(&p, "", 0xfedcba98);
	check_sizes(&p, "", 0);
}

static const struct unit_test ipv4_tests[] = {
	{ "tcp and its flags", test_tcp },
	{ "ip header fields", test_ip4_header },
	{ "udp and udplite", test_udp },
	{ "icmp queries", test_icmp },
	{ "icmp errors and quoted packets", test_icmp_errors },
	{ "ah, esp, other protocols", test_ah_esp_other },
	{ "fragments", test_fragments4 },
	{ NULL, NULL },
};

static const struct unit_test ipv6_tests[] = {
	{ "tcp, udp, other protocols", test_ipv6 },
	{ "icmpv6 and quoted packets", test_icmpv6 },
	{ "extension headers", test_ipv6_ext },
	{ "fragments", test_fragments6 },
	{ NULL, NULL },
};

static const struct unit_test line_tests[] = {
	{ "prefix and interface names", test_prefix_and_names },
	{ "mark written last", test_mark_written },
	{ "no mark where the kernel stops early", test_mark_early_end },
	{ "every buffer size", test_buffer_sizes },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "ipv4", ipv4_tests },
	{ "ipv6", ipv6_tests },
	{ "line", line_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
