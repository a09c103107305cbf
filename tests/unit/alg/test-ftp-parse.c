/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the FTP helper: the line parser on every kind of line the
 * kernel accepts and on hostile ones (each reason), the replacement text,
 * the stream state across segments (every split point, retransmissions,
 * gaps, overlong lines), the helper's expectations, rewrites and refusals,
 * and a fixed-seed fuzz loop. Every input lives in a heap buffer of exactly
 * its size, so that a read past the end is an ASan error. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/alg_ftp.h"
#include "unit.h"

/* --- the line parser ------------------------------------------------- */

static union pkt_addr addr_of(uint8_t family, const char *text)
{
	union pkt_addr a;

	memset(&a, 0, sizeof(a));
	CU_ASSERT_FATAL(inet_pton(family == 4 ? AF_INET : AF_INET6, text, a.b) == 1);
	return a;
}

static uint8_t *heap_copy(const void *data, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	CU_ASSERT_FATAL(p != NULL);
	memcpy(p, data, len);
	return p;
}

/* Parses LEN bytes of TEXT from an exactly-sized heap copy. */
static enum alg_ftp_result parse_n(const char *text, size_t len, enum ct_dir dir,
				   uint8_t family, const char *sender,
				   struct alg_ftp_match *m, enum alg_reason *why)
{
	union pkt_addr s = addr_of(family, sender);
	uint8_t *buf = heap_copy(text, len);
	enum alg_ftp_result r = alg_ftp_parse_line(buf, len, dir, family, &s, m, why);

	free(buf);
	return r;
}

static enum alg_ftp_result parse(const char *text, enum ct_dir dir, uint8_t family,
				 const char *sender, struct alg_ftp_match *m,
				 enum alg_reason *why)
{
	return parse_n(text, strlen(text), dir, family, sender, m, why);
}

#define CLIENT4 "192.0.2.10"
#define SERVER4 "198.51.100.20"
#define CLIENT6 "2001:db8::10"
#define SERVER6 "2001:db8:1::20"

struct good_line {
	const char *line;
	enum ct_dir dir;
	uint8_t family;
	enum alg_ftp_cmd cmd;
	const char *addr;
	uint16_t port;
	const char *text;       /* what off/len must cover */
};

static const struct good_line good_lines[] = {
	{ "PORT 192,0,2,10,4,1\r", CT_DIR_ORIGINAL, 4, ALG_FTP_PORT, CLIENT4, 1025, "192,0,2,10,4,1" },
	{ "port 192,0,2,10,4,1", CT_DIR_ORIGINAL, 4, ALG_FTP_PORT, CLIENT4, 1025, "192,0,2,10,4,1" },
	{ "PoRt 192,0,2,10,0,21\r", CT_DIR_ORIGINAL, 4, ALG_FTP_PORT, CLIENT4, 21, "192,0,2,10,0,21" },
	{ "PORT 192,0,2,10,255,255", CT_DIR_ORIGINAL, 4, ALG_FTP_PORT, CLIENT4, 65535, "192,0,2,10,255,255" },
	{ "EPRT |1|192.0.2.10|1025|\r", CT_DIR_ORIGINAL, 4, ALG_FTP_EPRT, CLIENT4, 1025, "|1|192.0.2.10|1025|" },
	{ "eprt !1!192.0.2.10!65535!", CT_DIR_ORIGINAL, 4, ALG_FTP_EPRT, CLIENT4, 65535, "!1!192.0.2.10!65535!" },
	{ "EPRT ~1~192.0.2.10~1~", CT_DIR_ORIGINAL, 4, ALG_FTP_EPRT, CLIENT4, 1, "~1~192.0.2.10~1~" },
	{ "EPRT |2|2001:db8::10|5282|\r", CT_DIR_ORIGINAL, 6, ALG_FTP_EPRT, CLIENT6, 5282, "|2|2001:db8::10|5282|" },
	{ "EPRT |2|2001:DB8:0:0:0:0:0:10|5282|", CT_DIR_ORIGINAL, 6, ALG_FTP_EPRT, CLIENT6, 5282, "|2|2001:DB8:0:0:0:0:0:10|5282|" },
	{ "227 Entering Passive Mode (198,51,100,20,195,80).\r", CT_DIR_REPLY, 4, ALG_FTP_PASV, SERVER4, 50000, "198,51,100,20,195,80" },
	{ "227 Entering Passive Mode 198,51,100,20,195,80", CT_DIR_REPLY, 4, ALG_FTP_PASV, SERVER4, 50000, "198,51,100,20,195,80" },
	{ "227 =198,51,100,20,195,80", CT_DIR_REPLY, 4, ALG_FTP_PASV, SERVER4, 50000, "198,51,100,20,195,80" },
	{ "227 (198,51,100,20,0,1)", CT_DIR_REPLY, 4, ALG_FTP_PASV, SERVER4, 1, "198,51,100,20,0,1" },
	{ "227 entering passive mode (198,51,100,20,4,1) ok\r", CT_DIR_REPLY, 4, ALG_FTP_PASV, SERVER4, 1025, "198,51,100,20,4,1" },
	{ "229 Entering Extended Passive Mode (|||50000|)\r", CT_DIR_REPLY, 4, ALG_FTP_EPSV, SERVER4, 50000, "|||50000|" },
	{ "229 Entering Extended Passive Mode (|||50000|)", CT_DIR_REPLY, 6, ALG_FTP_EPSV, SERVER6, 50000, "|||50000|" },
	{ "229 ok (!!!6446!)", CT_DIR_REPLY, 4, ALG_FTP_EPSV, SERVER4, 6446, "!!!6446!" },
	{ "229 (|||1|", CT_DIR_REPLY, 6, ALG_FTP_EPSV, SERVER6, 1, "|||1|" },
};

static void test_good_lines(void)
{
	for (size_t k = 0; k < sizeof(good_lines) / sizeof(good_lines[0]); k++) {
		const struct good_line *g = &good_lines[k];
		struct alg_ftp_match m;
		enum alg_reason why = ALG_R_COUNT;
		union pkt_addr want = addr_of(g->family, g->addr);

		CU_ASSERT_EQUAL_FATAL(parse(g->line, g->dir, g->family, g->addr, &m, &why),
				      ALG_FTP_MATCH);
		CU_ASSERT_EQUAL(why, ALG_R_NONE);
		CU_ASSERT_EQUAL(m.cmd, g->cmd);
		CU_ASSERT_EQUAL(m.family, g->family);
		CU_ASSERT(memcmp(m.addr.b, want.b, 16) == 0);
		CU_ASSERT_EQUAL(m.port, g->port);
		CU_ASSERT_EQUAL(m.len, strlen(g->text));
		CU_ASSERT_FATAL(m.off + m.len <= strlen(g->line));
		CU_ASSERT(memcmp(g->line + m.off, g->text, m.len) == 0);
	}
}

struct bad_line {
	const char *line;
	size_t len;             /* 0: strlen */
	enum ct_dir dir;
	uint8_t family;
	enum alg_reason why;
};

#define O CT_DIR_ORIGINAL
#define R CT_DIR_REPLY
static const struct bad_line bad_lines[] = {
	{ "PORT 192,0,2,300,4,1", 0, O, 4, ALG_R_FTP_RANGE },
	{ "PORT 192,0,2,10,4,256", 0, O, 4, ALG_R_FTP_RANGE },
	{ "PORT 99999999999999999999,0,2,10,4,1", 0, O, 4, ALG_R_FTP_RANGE },
	{ "PORT 192,0,2,10,0,0", 0, O, 4, ALG_R_FTP_RANGE },
	{ "PORT 192,0,2,10,4", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT 192,0,2,10,4,", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT 192,0,2,10,4,1,7", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT ", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT192,0,2,10,4,1", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT 192,0,2,010,4,1", 0, O, 4, ALG_R_FTP_LEADING_ZERO },
	{ "PORT 192,0,2,10,4,00", 0, O, 4, ALG_R_FTP_LEADING_ZERO },
	{ "PORT +192,0,2,10,4,1", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT 192,-0,2,10,4,1", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT 192, 0,2,10,4,1", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT  192,0,2,10,4,1", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT\t192,0,2,10,4,1", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ " PORT 192,0,2,10,4,1", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT 192,0,2,10,4,1 ", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT 192,0,2,10,4,1x", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT 192,0,2,10,4,1\r\r", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT 0x7f,0,2,10,4,1", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "PORT 192,0\0,2,10,4,1", 21, O, 4, ALG_R_FTP_NUL },
	{ "PORT 192,0,2,10,4,1\0", 20, O, 4, ALG_R_FTP_NUL },
	{ "PORT 192,0,2,10,4,1", 0, O, 6, ALG_R_FTP_FAMILY },
	{ "EPRT |3|192.0.2.10|1025|", 0, O, 4, ALG_R_FTP_PROTO },
	{ "EPRT |0|192.0.2.10|1025|", 0, O, 4, ALG_R_FTP_PROTO },
	{ "EPRT |01|192.0.2.10|1025|", 0, O, 4, ALG_R_FTP_LEADING_ZERO },
	{ "EPRT ||192.0.2.10|1025|", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "EPRT 111192.0.2.10110251", 0, O, 4, ALG_R_FTP_DELIM },
	{ "EPRT \x7f" "1\x7f" "192.0.2.10\x7f" "1025\x7f", 0, O, 4, ALG_R_FTP_DELIM },
	{ "EPRT  |1|192.0.2.10|1025|", 0, O, 4, ALG_R_FTP_DELIM },
	{ "EPRT |1|192.0.2|1025|", 0, O, 4, ALG_R_FTP_ADDR },
	{ "EPRT |1|192.0.2.10.1|1025|", 0, O, 4, ALG_R_FTP_ADDR },
	{ "EPRT |1||1025|", 0, O, 4, ALG_R_FTP_ADDR },
	{ "EPRT |1|192.0.2.010|1025|", 0, O, 4, ALG_R_FTP_LEADING_ZERO },
	{ "EPRT |1|192.0.2.256|1025|", 0, O, 4, ALG_R_FTP_RANGE },
	{ "EPRT |1|192.0.2.10|65536|", 0, O, 4, ALG_R_FTP_RANGE },
	{ "EPRT |1|192.0.2.10|0|", 0, O, 4, ALG_R_FTP_RANGE },
	{ "EPRT |1|192.0.2.10|01025|", 0, O, 4, ALG_R_FTP_LEADING_ZERO },
	{ "EPRT |1|192.0.2.10|1025", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "EPRT |1|192.0.2.10|1025|x", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "EPRT |1|192.0.2.10", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "EPRT |1|192.0.2.10|+1025|", 0, O, 4, ALG_R_FTP_SYNTAX },
	{ "EPRT |2|2001:db8::10::1|1025|", 0, O, 6, ALG_R_FTP_ADDR },
	{ "EPRT |2|2001:db8::10%eth0|1025|", 0, O, 6, ALG_R_FTP_ADDR },
	{ "EPRT |2| 2001:db8::10|1025|", 0, O, 6, ALG_R_FTP_ADDR },
	{ "EPRT |2|2001:db8:0:0:0:0:0:0:10|1025|", 0, O, 6, ALG_R_FTP_ADDR },
	{ "EPRT |2|2001:db8:0000:0000:0000:0000:0000:0000:0010|1025|", 0, O, 6, ALG_R_FTP_ADDR },
	{ "EPRT |1|192.0.2.10|1025|", 0, O, 6, ALG_R_FTP_FAMILY },
	{ "EPRT |2|2001:db8::10|1025|", 0, O, 4, ALG_R_FTP_FAMILY },
	{ "EPRT |1|192.0.2.10|10\0" "25|", 25, O, 4, ALG_R_FTP_NUL },
	{ "227 Entering Passive Mode (198,51,100,20,195)", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "227 Entering Passive Mode", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "227 ", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "227 (198,51,100,20,256,1)", 0, R, 4, ALG_R_FTP_RANGE },
	{ "227 (198,51,100,20,0,0)", 0, R, 4, ALG_R_FTP_RANGE },
	{ "227 (198,51,100,020,4,1)", 0, R, 4, ALG_R_FTP_LEADING_ZERO },
	{ "227 (198,51,100,20,4,1,9)", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "227 (198,51, 100,20,4,1)", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "227 Mode 2 (198,51,100,20,4,1)", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "227 (198,51,100,20,4,1)", 0, R, 6, ALG_R_FTP_FAMILY },
	{ "227 (198,51\0,100,20,4,1)", 24, R, 4, ALG_R_FTP_NUL },
	{ "229 Entering Extended Passive Mode (|||0|)", 0, R, 4, ALG_R_FTP_RANGE },
	{ "229 Entering Extended Passive Mode (|||70000|)", 0, R, 4, ALG_R_FTP_RANGE },
	{ "229 Entering Extended Passive Mode (|||050000|)", 0, R, 4, ALG_R_FTP_LEADING_ZERO },
	{ "229 Entering Extended Passive Mode (||50000|)", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "229 Entering Extended Passive Mode (|||50000)", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "229 Entering Extended Passive Mode (|||50000", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "229 Entering Extended Passive Mode (||| 50000|)", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "229 Entering Extended Passive Mode |||50000|", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "229 Entering Extended Passive Mode (", 0, R, 4, ALG_R_FTP_SYNTAX },
	{ "229 (1115001)", 0, R, 4, ALG_R_FTP_DELIM },
	{ "229 ( ||50000|)", 0, R, 4, ALG_R_FTP_DELIM },
	{ "229 (\0||50000|)", 15, R, 4, ALG_R_FTP_NUL },
};
#undef O
#undef R

static void test_bad_lines(void)
{
	for (size_t k = 0; k < sizeof(bad_lines) / sizeof(bad_lines[0]); k++) {
		const struct bad_line *b = &bad_lines[k];
		size_t len = b->len ? b->len : strlen(b->line);
		const char *sender = b->family == 4 ? (b->dir == CT_DIR_ORIGINAL ? CLIENT4 : SERVER4)
						    : (b->dir == CT_DIR_ORIGINAL ? CLIENT6 : SERVER6);
		struct alg_ftp_match m;
		enum alg_reason why = ALG_R_NONE;
		enum alg_ftp_result r = parse_n(b->line, len, b->dir, b->family, sender, &m, &why);

		if (r != ALG_FTP_MALFORMED || why != b->why)
			fprintf(stderr, "\n  line %zu \"%s\": result %d reason %s, want reason %s\n",
				k, b->line, r, alg_reason_name(why), alg_reason_name(b->why));
		CU_ASSERT_EQUAL(r, ALG_FTP_MALFORMED);
		CU_ASSERT_EQUAL(why, b->why);
	}
}

static void test_not_ours(void)
{
	static const struct { const char *line; enum ct_dir dir; } lines[] = {
		{ "PORTS 192,0,2,10,4,1", CT_DIR_ORIGINAL },
		{ "PORTAL 192,0,2,10,4,1", CT_DIR_ORIGINAL },
		{ "EPRTX |1|192.0.2.10|1025|", CT_DIR_ORIGINAL },
		{ "POR 192,0,2,10,4,1", CT_DIR_ORIGINAL },
		{ "USER anonymous\r", CT_DIR_ORIGINAL },
		{ "PASV", CT_DIR_ORIGINAL },
		{ "STOR PORT 192,0,2,10,4,1", CT_DIR_ORIGINAL },
		{ "", CT_DIR_ORIGINAL },
		{ "\r", CT_DIR_ORIGINAL },
		{ "227 Entering Passive Mode (198,51,100,20,4,1)", CT_DIR_ORIGINAL },
		{ "PORT 192,0,2,10,4,1", CT_DIR_REPLY },
		{ "EPRT |1|192.0.2.10|1025|", CT_DIR_REPLY },
		{ "227-Entering Passive Mode (198,51,100,20,4,1)", CT_DIR_REPLY },
		{ "228 Entering Long Passive Mode", CT_DIR_REPLY },
		{ "2270 (198,51,100,20,4,1)", CT_DIR_REPLY },
		{ "227", CT_DIR_REPLY },
		{ "229", CT_DIR_REPLY },
		{ " 227 (198,51,100,20,4,1)", CT_DIR_REPLY },
		{ "200 PORT command successful", CT_DIR_REPLY },
	};

	for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
		struct alg_ftp_match m;
		enum alg_reason why = ALG_R_COUNT;
		const char *sender = lines[k].dir == CT_DIR_ORIGINAL ? CLIENT4 : SERVER4;

		CU_ASSERT_EQUAL(parse(lines[k].line, lines[k].dir, 4, sender, &m, &why),
				ALG_FTP_NO_MATCH);
		CU_ASSERT_EQUAL(why, ALG_R_NONE);
	}
}

/* PORT/EPRT naming another host: a bounce, refused; 227 naming another
 * host: foreign, no expectation. The endpoint is still reported. */
static void test_bounce(void)
{
	struct alg_ftp_match m;
	enum alg_reason why;
	union pkt_addr victim4 = addr_of(4, "203.0.113.7"), victim6 = addr_of(6, "2001:db8:2::7");

	CU_ASSERT_EQUAL(parse("PORT 203,0,113,7,0,25\r", CT_DIR_ORIGINAL, 4, CLIENT4, &m, &why),
			ALG_FTP_BOUNCE);
	CU_ASSERT_EQUAL(why, ALG_R_FTP_BOUNCE);
	CU_ASSERT(memcmp(m.addr.b, victim4.b, 4) == 0);
	CU_ASSERT_EQUAL(m.port, 25);
	CU_ASSERT_EQUAL(parse("EPRT |1|203.0.113.7|25|", CT_DIR_ORIGINAL, 4, CLIENT4, &m, &why),
			ALG_FTP_BOUNCE);
	CU_ASSERT_EQUAL(why, ALG_R_FTP_BOUNCE);
	CU_ASSERT_EQUAL(parse("EPRT |2|2001:db8:2::7|25|", CT_DIR_ORIGINAL, 6, CLIENT6, &m, &why),
			ALG_FTP_BOUNCE);
	CU_ASSERT(memcmp(m.addr.b, victim6.b, 16) == 0);
	/* one bit off in the last byte of a v6 address is another host */
	CU_ASSERT_EQUAL(parse("EPRT |2|2001:db8::11|25|", CT_DIR_ORIGINAL, 6, CLIENT6, &m, &why),
			ALG_FTP_BOUNCE);
	CU_ASSERT_EQUAL(parse("227 (203,0,113,7,0,25)", CT_DIR_REPLY, 4, SERVER4, &m, &why),
			ALG_FTP_FOREIGN_PASV);
	CU_ASSERT_EQUAL(why, ALG_R_FTP_PASV_ADDR);
	/* the same lines from the right host are matches */
	CU_ASSERT_EQUAL(parse("PORT 203,0,113,7,0,25", CT_DIR_ORIGINAL, 4, "203.0.113.7", &m, &why),
			ALG_FTP_MATCH);
	CU_ASSERT_EQUAL(parse("227 (203,0,113,7,0,25)", CT_DIR_REPLY, 4, "203.0.113.7", &m, &why),
			ALG_FTP_MATCH);
}

static void test_overlong_line(void)
{
	char line[ALG_FTP_LINE_MAX + 2];
	struct alg_ftp_match m;
	enum alg_reason why;

	memset(line, ' ', sizeof(line));
	memcpy(line, "PORT 192,0,2,10,4,1", 19);
	/* exactly the limit with its \r: parsed (and refused for the spaces) */
	CU_ASSERT_EQUAL(parse_n(line, ALG_FTP_LINE_MAX, CT_DIR_ORIGINAL, 4, CLIENT4, &m, &why),
			ALG_FTP_MALFORMED);
	CU_ASSERT_EQUAL(why, ALG_R_FTP_SYNTAX);
	CU_ASSERT_EQUAL(parse_n(line, ALG_FTP_LINE_MAX + 1, CT_DIR_ORIGINAL, 4, CLIENT4, &m, &why),
			ALG_FTP_NO_MATCH);
	CU_ASSERT_EQUAL(why, ALG_R_FTP_LINE_TOO_LONG);
}

static void check_format(enum alg_ftp_cmd cmd, uint8_t family, const char *addr,
			 uint16_t port, char delim, const char *want)
{
	struct alg_ftp_match m;
	char buf[ALG_FTP_TEXT_MAX];

	memset(&m, 0, sizeof(m));
	m.cmd = cmd;
	m.family = family;
	m.addr = addr_of(family, addr);
	m.port = port;
	m.delim = delim;
	CU_ASSERT_EQUAL(alg_ftp_format(buf, sizeof(buf), &m), (int)strlen(want));
	CU_ASSERT_STRING_EQUAL(buf, want);
	/* one byte short of the text and its NUL */
	CU_ASSERT_EQUAL(alg_ftp_format(buf, strlen(want), &m), -ENOSPC);
}

static void test_format(void)
{
	struct alg_ftp_match m;
	char buf[ALG_FTP_TEXT_MAX];

	check_format(ALG_FTP_PORT, 4, "203.0.113.5", 5000, 0, "203,0,113,5,19,136");
	check_format(ALG_FTP_PASV, 4, "203.0.113.5", 65535, 0, "203,0,113,5,255,255");
	check_format(ALG_FTP_EPRT, 4, "203.0.113.5", 5000, '|', "|1|203.0.113.5|5000|");
	check_format(ALG_FTP_EPRT, 4, "203.0.113.5", 5000, '!', "!1!203.0.113.5!5000!");
	check_format(ALG_FTP_EPRT, 6, "2001:db8::5", 1, 0, "|2|2001:db8::5|1|");
	check_format(ALG_FTP_EPRT, 6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, '|',
		     "|2|ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff|65535|");
	check_format(ALG_FTP_EPSV, 6, "2001:db8::5", 50000, '|', "|||50000|");
	memset(&m, 0, sizeof(m));
	m.cmd = ALG_FTP_PORT;
	m.family = 6;
	m.port = 1;
	CU_ASSERT_EQUAL(alg_ftp_format(buf, sizeof(buf), &m), -EINVAL);
	m.cmd = 0;
	m.family = 4;
	CU_ASSERT_EQUAL(alg_ftp_format(buf, sizeof(buf), &m), -EINVAL);
}

/* --- the helper over a stream of segments ---------------------------- */

struct rewrite {
	size_t off, old_len;
	char text[ALG_FTP_TEXT_MAX];
	size_t text_len;
};

struct fake {
	struct alg_ctx ctx;
	struct ct_tuple tuple[CT_DIR_COUNT];
	bool nat;                          /* expect() translates to xlate */
	struct alg_endpoint xlate;
	int expect_rc, rewrite_rc;
	unsigned int nexp, nrw;
	struct alg_expect exp[8];
	struct rewrite rw[8];
	unsigned int notes[ALG_R_COUNT];
};

static int fake_expect(struct alg_ctx *ctx, const struct alg_expect *exp,
		       struct alg_endpoint *seen)
{
	struct fake *f = ctx->user;

	if (f->expect_rc)
		return f->expect_rc;
	CU_ASSERT_FATAL(f->nexp < 8);
	f->exp[f->nexp++] = *exp;
	if (f->nat)
		*seen = f->xlate;
	return 0;
}

static int fake_rewrite(struct alg_ctx *ctx, size_t off, size_t old_len,
			const uint8_t *text, size_t text_len)
{
	struct fake *f = ctx->user;
	struct rewrite *r;

	if (f->rewrite_rc)
		return f->rewrite_rc;
	CU_ASSERT_FATAL(f->nrw < 8);
	CU_ASSERT_FATAL(text_len < ALG_FTP_TEXT_MAX);
	r = &f->rw[f->nrw++];
	r->off = off;
	r->old_len = old_len;
	memcpy(r->text, text, text_len);
	r->text[text_len] = '\0';
	r->text_len = text_len;
	return 0;
}

static void fake_note(struct alg_ctx *ctx, enum alg_reason reason)
{
	struct fake *f = ctx->user;

	CU_ASSERT_FATAL(reason < ALG_R_COUNT);
	f->notes[reason]++;
}

/* A v4 (or v6) control connection client:40000 -> server:21, with the
 * helper's state in a heap block of exactly state_size bytes. */
static struct fake *fake_new(uint8_t family)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ct_tuple *o, *r;

	CU_ASSERT_FATAL(f != NULL);
	o = &f->tuple[CT_DIR_ORIGINAL];
	r = &f->tuple[CT_DIR_REPLY];
	o->family = r->family = family;
	o->l4proto = r->l4proto = IPPROTO_TCP;
	o->src = r->dst = addr_of(family, family == 4 ? CLIENT4 : CLIENT6);
	o->dst = r->src = addr_of(family, family == 4 ? SERVER4 : SERVER6);
	o->sport = r->dport = 40000;
	o->dport = r->sport = 21;
	f->ctx.helper = &alg_helper_ftp;
	f->ctx.state = calloc(1, alg_helper_ftp.state_size);
	CU_ASSERT_FATAL(f->ctx.state != NULL);
	f->ctx.user = f;
	f->ctx.expect = fake_expect;
	f->ctx.rewrite = fake_rewrite;
	f->ctx.note = fake_note;
	return f;
}

static void fake_free(struct fake *f)
{
	free(f->ctx.state);
	free(f);
}

/* Feeds LEN bytes of TEXT at SEQ in DIR from an exactly-sized heap copy. */
static int feed(struct fake *f, enum ct_dir dir, const char *text, size_t len,
		uint32_t seq)
{
	uint8_t *buf = heap_copy(text, len);
	int rc;

	f->ctx.tuple = &f->tuple[dir];
	rc = alg_helper_ftp.payload(&f->ctx, buf, len, dir, seq);
	free(buf);
	return rc;
}

static int feed_str(struct fake *f, enum ct_dir dir, const char *text, uint32_t seq)
{
	return feed(f, dir, text, strlen(text), seq);
}

/* The payload of a segment with the rewrites since FIRST applied. */
static size_t apply_rewrites(const struct fake *f, unsigned int first,
			     const char *seg, size_t len, char *out)
{
	size_t o = 0, at = 0;

	for (unsigned int k = first; k < f->nrw; k++) {
		const struct rewrite *r = &f->rw[k];

		CU_ASSERT_FATAL(r->off >= at && r->off + r->old_len <= len);
		memcpy(out + o, seg + at, r->off - at);
		o += r->off - at;
		memcpy(out + o, r->text, r->text_len);
		o += r->text_len;
		at = r->off + r->old_len;
	}
	memcpy(out + o, seg + at, len - at);
	return o + len - at;
}

static void check_expect(const struct alg_expect *e, uint8_t family, const char *src,
			 const char *dst, uint16_t dport, enum ct_dir dir)
{
	union pkt_addr s = addr_of(family, src), d = addr_of(family, dst);

	CU_ASSERT_EQUAL(e->tuple.family, family);
	CU_ASSERT_EQUAL(e->tuple.l4proto, IPPROTO_TCP);
	CU_ASSERT(memcmp(e->tuple.src.b, s.b, 16) == 0);
	CU_ASSERT(memcmp(e->tuple.dst.b, d.b, 16) == 0);
	CU_ASSERT_EQUAL(e->tuple.sport, 0);
	CU_ASSERT_EQUAL(e->tuple.dport, dport);
	CU_ASSERT_EQUAL(e->wild, ALG_EXPECT_ANY_SPORT);
	CU_ASSERT_EQUAL(e->dir, dir);
}

static void test_helper_expectations(void)
{
	const char *reply = "200 OK\r\n227 Entering Passive Mode (198,51,100,20,195,80)\r\n";
	struct fake *f = fake_new(4);

	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "USER anonymous\r\nPORT 192,0,2,10,4,1\r\n", 1000), 0);
	CU_ASSERT_EQUAL_FATAL(f->nexp, 1);
	check_expect(&f->exp[0], 4, SERVER4, CLIENT4, 1025, CT_DIR_ORIGINAL);
	CU_ASSERT_EQUAL(f->nrw, 0);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_REPLY, reply, 5000), 0);
	CU_ASSERT_EQUAL_FATAL(f->nexp, 2);
	check_expect(&f->exp[1], 4, CLIENT4, SERVER4, 50000, CT_DIR_REPLY);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_REPLY, "229 Entering Extended Passive Mode (|||50001|)\n",
				 5000 + (uint32_t)strlen(reply)), 0);
	CU_ASSERT_EQUAL_FATAL(f->nexp, 3);
	check_expect(&f->exp[2], 4, CLIENT4, SERVER4, 50001, CT_DIR_REPLY);
	CU_ASSERT_EQUAL(f->nrw, 0);
	fake_free(f);

	f = fake_new(6);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "EPRT |2|2001:db8::10|5282|\r\n", 1), 0);
	CU_ASSERT_EQUAL_FATAL(f->nexp, 1);
	check_expect(&f->exp[0], 6, SERVER6, CLIENT6, 5282, CT_DIR_ORIGINAL);
	fake_free(f);
}

/* Under NAT each kind of line is rewritten into the translated endpoint. */
static void check_nat(uint8_t family, enum ct_dir dir, const char *seg,
		      const char *xaddr, uint16_t xport, const char *want)
{
	struct fake *f = fake_new(family);
	char out[256];
	size_t n;

	f->nat = true;
	f->xlate.addr = addr_of(family, xaddr);
	f->xlate.port = xport;
	CU_ASSERT_EQUAL(feed_str(f, dir, seg, 7), 0);
	CU_ASSERT_EQUAL(f->nexp, 1);
	CU_ASSERT_EQUAL_FATAL(f->nrw, 1);
	n = apply_rewrites(f, 0, seg, strlen(seg), out);
	out[n] = '\0';
	CU_ASSERT_STRING_EQUAL(out, want);
	fake_free(f);
}

static void test_helper_nat(void)
{
	check_nat(4, CT_DIR_ORIGINAL, "PORT 192,0,2,10,4,1\r\n", "203.0.113.5", 5000,
		  "PORT 203,0,113,5,19,136\r\n");
	check_nat(4, CT_DIR_ORIGINAL, "EPRT |1|192.0.2.10|1025|\r\n", "203.0.113.5", 5000,
		  "EPRT |1|203.0.113.5|5000|\r\n");
	check_nat(6, CT_DIR_ORIGINAL, "EPRT |2|2001:db8::10|1025|\r\n", "2001:db8:ffff::1", 1025,
		  "EPRT |2|2001:db8:ffff::1|1025|\r\n");
	check_nat(4, CT_DIR_REPLY, "227 Entering Passive Mode (198,51,100,20,195,80).\r\n",
		  "203.0.113.9", 50000, "227 Entering Passive Mode (203,0,113,9,195,80).\r\n");
	check_nat(4, CT_DIR_REPLY, "229 Entering Extended Passive Mode (|||50000|)\r\n",
		  "203.0.113.9", 6000, "229 Entering Extended Passive Mode (|||6000|)\r\n");
}

/* 229 names no address: an address-only translation needs no rewrite. */
static void test_helper_epsv_address_only(void)
{
	struct fake *f = fake_new(4);

	f->nat = true;
	f->xlate.addr = addr_of(4, "203.0.113.9");
	f->xlate.port = 50000;
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_REPLY, "229 x (|||50000|)\r\n", 1), 0);
	CU_ASSERT_EQUAL(f->nexp, 1);
	CU_ASSERT_EQUAL(f->nrw, 0);
	fake_free(f);
}

static const char stream_text[] = "USER anonymous\r\nPORT 192,0,2,10,4,1\r\nNOOP\r\n";

/* The stream cut at every byte: one expectation, and a rewrite whenever
 * the address text lies in one segment, which reassembles into the
 * stream rewritten as a whole. */
static void test_split_every_byte(void)
{
	const size_t len = strlen(stream_text);
	const size_t text_off = strlen("USER anonymous\r\nPORT ");
	const size_t text_end = text_off + strlen("192,0,2,10,4,1");
	const size_t line_end = text_end + 2;   /* after its '\n' */
	const char *want = "USER anonymous\r\nPORT 203,0,113,5,19,136\r\nNOOP\r\n";

	for (size_t k = 1; k < len; k++) {
		struct fake *f = fake_new(4);
		uint32_t seq = 0xfffffff0u;     /* and the numbers wrap */
		char out[128];
		size_t n;
		bool rewritable = k <= text_off || k >= line_end;

		f->nat = true;
		f->xlate.addr = addr_of(4, "203.0.113.5");
		f->xlate.port = 5000;
		CU_ASSERT_EQUAL(feed(f, CT_DIR_ORIGINAL, stream_text, k, seq), 0);
		n = apply_rewrites(f, 0, stream_text, k, out);
		CU_ASSERT_EQUAL(f->nexp, k >= line_end);
		{
			unsigned int first = f->nrw;

			CU_ASSERT_EQUAL(feed(f, CT_DIR_ORIGINAL, stream_text + k, len - k,
					     seq + (uint32_t)k), 0);
			n += apply_rewrites(f, first, stream_text + k, len - k, out + n);
		}
		out[n] = '\0';
		CU_ASSERT_EQUAL(f->nexp, 1);
		CU_ASSERT_EQUAL(f->nrw, rewritable);
		CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_SPLIT_NOT_REWRITTEN], !rewritable);
		if (rewritable)
			CU_ASSERT_STRING_EQUAL(out, want);
		fake_free(f);
	}
}

/* Cut in three at every pair of points: still exactly one expectation. */
static void test_split_three_ways(void)
{
	const size_t len = strlen(stream_text);

	for (size_t a = 1; a < len; a++)
		for (size_t b = a; b < len; b++) {
			struct fake *f = fake_new(4);

			CU_ASSERT_EQUAL(feed(f, CT_DIR_ORIGINAL, stream_text, a, 100), 0);
			CU_ASSERT_EQUAL(feed(f, CT_DIR_ORIGINAL, stream_text + a, b - a,
					     100 + (uint32_t)a), 0);
			CU_ASSERT_EQUAL(feed(f, CT_DIR_ORIGINAL, stream_text + b, len - b,
					     100 + (uint32_t)b), 0);
			CU_ASSERT_EQUAL(f->nexp, 1);
			CU_ASSERT_EQUAL(f->exp[0].tuple.dport, 1025);
			fake_free(f);
		}
}

/* A retransmission is not parsed again, but rewritten the same way, even
 * when it is cut differently from the original. */
static void test_retransmission(void)
{
	const char *seg = "PORT 192,0,2,10,4,1\r\n";
	struct fake *f = fake_new(4);

	f->nat = true;
	f->xlate.addr = addr_of(4, "203.0.113.5");
	f->xlate.port = 5000;
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, seg, 500), 0);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, seg, 500), 0);
	CU_ASSERT_EQUAL(f->nexp, 1);
	CU_ASSERT_EQUAL_FATAL(f->nrw, 2);
	CU_ASSERT_EQUAL(f->rw[1].off, f->rw[0].off);
	CU_ASSERT_EQUAL(f->rw[1].old_len, f->rw[0].old_len);
	CU_ASSERT_STRING_EQUAL(f->rw[1].text, f->rw[0].text);
	/* the text alone, from a segment starting at it */
	CU_ASSERT_EQUAL(feed(f, CT_DIR_ORIGINAL, seg + 5, strlen(seg) - 5, 505), 0);
	CU_ASSERT_EQUAL_FATAL(f->nrw, 3);
	CU_ASSERT_EQUAL(f->rw[2].off, 0);
	CU_ASSERT_STRING_EQUAL(f->rw[2].text, "203,0,113,5,19,136");
	/* a piece that covers only part of the text: cannot be rewritten */
	CU_ASSERT_EQUAL(feed(f, CT_DIR_ORIGINAL, seg, 10, 500), 0);
	CU_ASSERT_EQUAL(f->nrw, 3);
	CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_RETRANS_NOT_REWRITTEN], 1);
	/* other bytes at the same numbers: not rewritten either */
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 192,0,2,10,4,2\r\n", 500), 0);
	CU_ASSERT_EQUAL(f->nrw, 3);
	CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_RETRANS_NOT_REWRITTEN], 2);
	CU_ASSERT_EQUAL(f->nexp, 1);
	/* new data after the retransmitted part of a segment is parsed */
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 192,0,2,10,4,1\r\nPORT 192,0,2,10,4,3\r\n", 500), 0);
	CU_ASSERT_EQUAL_FATAL(f->nexp, 2);
	CU_ASSERT_EQUAL(f->exp[1].tuple.dport, 1027);
	CU_ASSERT_EQUAL_FATAL(f->nrw, 5);    /* the redo, then the new line */
	CU_ASSERT_EQUAL(f->rw[3].off, 5);
	CU_ASSERT_EQUAL(f->rw[4].off, strlen(seg) + 5);
	fake_free(f);
}

/* Refused packets leave no trace: their retransmission is refused again. */
static void test_refusal_is_not_remembered(void)
{
	struct fake *f = fake_new(4);

	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 203,0,113,7,0,25\r\n", 1), -EPERM);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 203,0,113,7,0,25\r\n", 1), -EPERM);
	CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_BOUNCE], 2);
	CU_ASSERT_EQUAL(f->nexp, 0);
	fake_free(f);

	/* split: the first half passes, the second is refused, twice */
	f = fake_new(4);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 203,0,", 1), 0);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "113,7,0,25\r\n", 12), -EPERM);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "113,7,0,25\r\n", 12), -EPERM);
	CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_BOUNCE], 2);
	/* the sender may send the whole line again from its start */
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 203,0,113,7,0,25\r\n", 1), -EPERM);
	CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_BOUNCE], 3);
	fake_free(f);

	/* a malformed PORT is refused too; a malformed or foreign reply only
	 * counted, and the parse goes on after it */
	f = fake_new(4);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 192,0,2,10,4,01\r\n", 1), -EPERM);
	CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_LEADING_ZERO], 1);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_REPLY, "227 (198,51,100,20,4)\r\n", 1), 0);
	CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_SYNTAX], 1);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_REPLY, "227 (203,0,113,7,4,1)\r\n", 24), 0);
	CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_PASV_ADDR], 1);
	CU_ASSERT_EQUAL(f->nexp, 0);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_REPLY, "227 (198,51,100,20,4,1)\r\n", 47), 0);
	CU_ASSERT_EQUAL(f->nexp, 1);
	fake_free(f);

	/* a failing expect() drops the packet and is asked again next time */
	f = fake_new(4);
	f->expect_rc = -ENOSPC;
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 192,0,2,10,4,1\r\n", 1), -ENOSPC);
	f->expect_rc = 0;
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 192,0,2,10,4,1\r\n", 1), 0);
	CU_ASSERT_EQUAL(f->nexp, 1);
	/* and a failing rewrite likewise, with no redo remembered */
	f->nat = true;
	f->xlate.addr = addr_of(4, "203.0.113.5");
	f->xlate.port = 5000;
	f->rewrite_rc = -ENOMEM;
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 192,0,2,10,4,2\r\n", 22), -ENOMEM);
	CU_ASSERT_EQUAL(f->nexp, 2);
	f->rewrite_rc = 0;
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 192,0,2,10,4,2\r\n", 22), 0);
	CU_ASSERT_EQUAL(f->nexp, 3);
	CU_ASSERT_EQUAL(f->nrw, 1);
	fake_free(f);
}

/* A segment ahead of the parse point: its first (partial) line is
 * ignored, the lines after it are parsed; the missing bytes count as old. */
static void test_gap(void)
{
	struct fake *f = fake_new(4);

	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "USER a\r\n", 100), 0);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "RT 192,0,2,10,4,1\r\nPORT 192,0,2,10,4,2\r\n", 200), 0);
	CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_GAP], 1);
	CU_ASSERT_EQUAL_FATAL(f->nexp, 1);
	CU_ASSERT_EQUAL(f->exp[0].tuple.dport, 1026);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PORT 192,0,2,10,4,3\r\n", 108), 0);
	CU_ASSERT_EQUAL(f->nexp, 1);
	fake_free(f);
}

/* Lines over the limit are skipped up to their end, in one segment or
 * many; the line after them is parsed. */
static void test_overlong_stream(void)
{
	char big[ALG_FTP_LINE_MAX + 64];
	struct fake *f = fake_new(4);
	uint32_t seq = 1;

	memset(big, 'A', sizeof(big));
	memcpy(big, "PORT ", 5);
	CU_ASSERT_EQUAL(feed(f, CT_DIR_ORIGINAL, big, 300, seq), 0);
	seq += 300;
	CU_ASSERT_EQUAL(feed(f, CT_DIR_ORIGINAL, big + 300, sizeof(big) - 300, seq), 0);
	seq += (uint32_t)(sizeof(big) - 300);
	CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_LINE_TOO_LONG], 1);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "192,0,2,10,4,1\r\nPORT 192,0,2,10,4,2\r\n", seq), 0);
	CU_ASSERT_EQUAL_FATAL(f->nexp, 1);
	CU_ASSERT_EQUAL(f->exp[0].tuple.dport, 1026);
	fake_free(f);

	/* one segment: the overlong line with its end, then a good line */
	f = fake_new(4);
	{
		char seg[sizeof(big) + 32];

		memcpy(seg, big, sizeof(big));
		memcpy(seg + sizeof(big), "\r\nPORT 192,0,2,10,4,3\r\n", 23);
		CU_ASSERT_EQUAL(feed(f, CT_DIR_ORIGINAL, seg, sizeof(big) + 23, 1), 0);
	}
	CU_ASSERT_EQUAL(f->notes[ALG_R_FTP_LINE_TOO_LONG], 1);
	CU_ASSERT_EQUAL_FATAL(f->nexp, 1);
	CU_ASSERT_EQUAL(f->exp[0].tuple.dport, 1027);
	fake_free(f);
}

/* Directions have their own state: a half line in one does not join a
 * line of the other. */
static void test_directions_apart(void)
{
	struct fake *f = fake_new(4);

	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "PO", 1), 0);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_REPLY, "RT 192,0,2,10,4,1\r\n", 3), 0);
	CU_ASSERT_EQUAL(f->nexp, 0);
	CU_ASSERT_EQUAL(feed_str(f, CT_DIR_ORIGINAL, "RT 192,0,2,10,4,1\r\n", 3), 0);
	CU_ASSERT_EQUAL(f->nexp, 1);
	fake_free(f);
}

/* --- fuzz ------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static const char *const fuzz_seeds[] = {
	"PORT 192,0,2,10,4,1\r", "EPRT |1|192.0.2.10|1025|", "EPRT |2|2001:db8::10|5282|",
	"227 Entering Passive Mode (198,51,100,20,195,80).", "229 Entering Extended Passive Mode (|||50000|)",
	"227 =198,51,100,20,0,1", "EPRT !2!::ffff:192.0.2.10!1!",
};

/* A random line: random bytes, or a seed with a few bytes changed,
 * inserted or removed (from a small alphabet of the characters that
 * matter, or any byte). */
static size_t fuzz_line(uint8_t *buf, size_t size)
{
	static const char alphabet[] = "0123456789,.|:()! \r\n\0-+abcdefPORTEPRT227229";
	size_t len;

	if (rng() % 4 == 0) {
		len = rng() % 80;
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(rng() % 2 ? rng() : (uint32_t)alphabet[rng() % (sizeof(alphabet) - 1)]);
		return len;
	}
	{
		const char *s = fuzz_seeds[rng() % (sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]))];

		len = strlen(s);
		memcpy(buf, s, len);
	}
	for (unsigned int n = rng() % 4; n > 0; n--) {
		size_t at = len ? rng() % len : 0;
		uint8_t c = (uint8_t)(rng() % 3 ? (uint32_t)alphabet[rng() % (sizeof(alphabet) - 1)] : rng());

		switch (rng() % 3) {
		case 0:
			if (len)
				buf[at] = c;
			break;
		case 1:
			if (len + 1 < size) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = c;
				len++;
			}
			break;
		default:
			if (len) {
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
			}
		}
	}
	return len;
}

/* A match must point inside the line, name a port, and for the canonical
 * forms be exactly what alg_ftp_format() writes for it. */
static void fuzz_check_match(const uint8_t *line, size_t len, const struct alg_ftp_match *m)
{
	char text[ALG_FTP_TEXT_MAX];
	int n;

	CU_ASSERT_FATAL(m->len > 0 && (size_t)m->off + m->len <= len);
	CU_ASSERT_FATAL(m->port != 0);
	if (m->cmd == ALG_FTP_EPRT && m->family == 6)
		return;         /* v6 text has many spellings */
	n = alg_ftp_format(text, sizeof(text), m);
	CU_ASSERT_FATAL(n == m->len && memcmp(text, line + m->off, (size_t)n) == 0);
}

static void test_fuzz(void)
{
	uint8_t tmp[128];
	unsigned int matches = 0;
	struct fake *f = fake_new(4);
	uint32_t seq = 77;

	f->nat = true;
	f->xlate.addr = addr_of(4, "203.0.113.5");
	f->xlate.port = 5000;
	for (unsigned int it = 0; it < 100000; it++) {
		size_t len = fuzz_line(tmp, sizeof(tmp));
		uint8_t *buf = heap_copy(tmp, len);
		enum ct_dir dir = rng() % 2 ? CT_DIR_ORIGINAL : CT_DIR_REPLY;
		uint8_t family = rng() % 4 ? 4 : 6;
		union pkt_addr sender;
		struct alg_ftp_match m;
		enum alg_reason why;
		enum alg_ftp_result r;
		unsigned int first = f->nrw = 0;

		memset(&sender, 0, sizeof(sender));
		memcpy(sender.b, family == 4 ? "\xc0\x00\x02\x0a" : "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x10", family == 4 ? 4 : 16);
		r = alg_ftp_parse_line(buf, len, dir, family, &sender, &m, &why);
		CU_ASSERT_FATAL(why < ALG_R_COUNT);
		if (r == ALG_FTP_MATCH || r == ALG_FTP_BOUNCE || r == ALG_FTP_FOREIGN_PASV) {
			fuzz_check_match(buf, len, &m);
			matches++;
		}
		/* the same bytes through the helper's stream: rewrites stay in the segment */
		f->nexp = 0;
		(void)feed(f, dir, (const char *)buf, len, seq);
		if (len && feed(f, dir, (const char *)buf, len, seq) == 0)
			seq += (uint32_t)len;
		for (unsigned int k = first; k < f->nrw; k++)
			CU_ASSERT_FATAL(f->rw[k].off + f->rw[k].old_len <= len);
		free(buf);
	}
	CU_ASSERT(matches > 1000);   /* the mutations do reach the parser's insides */
	fake_free(f);
}

static const struct unit_test parse_tests[] = {
	{ "valid lines of every kind", test_good_lines },
	{ "malformed lines, each reason", test_bad_lines },
	{ "lines that are not ours", test_not_ours },
	{ "bounce and foreign 227", test_bounce },
	{ "overlong line", test_overlong_line },
	{ "replacement text", test_format },
	{ NULL, NULL },
};

static const struct unit_test helper_tests[] = {
	{ "expectations", test_helper_expectations },
	{ "NAT rewrites", test_helper_nat },
	{ "229 with address-only NAT", test_helper_epsv_address_only },
	{ "split at every byte", test_split_every_byte },
	{ "split three ways", test_split_three_ways },
	{ "retransmissions", test_retransmission },
	{ "refusals not remembered", test_refusal_is_not_remembered },
	{ "gap", test_gap },
	{ "overlong lines in the stream", test_overlong_stream },
	{ "directions apart", test_directions_apart },
	{ "fuzz", test_fuzz },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "ftp parse", parse_tests },
	{ "ftp helper", helper_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
