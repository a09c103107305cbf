/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The FTP helper's parser: PORT and EPRT lines from the client, 227 and
 * 229 replies from the server (RFC 959 4.1.2, RFC 1123 4.1.2.6, RFC 2428),
 * the replacement text for NAT, and the per-direction stream state that
 * assembles lines split across TCP segments.
 *
 * Strictness: a client line is either exactly "PORT h,h,h,h,p,p" or
 * "EPRT <d>proto<d>addr<d>port<d>", or it is malformed (and the helper
 * refuses it), because a server that reads a malformed command more
 * leniently than we do could be bounced to an address we never checked.
 * Replies are read as leniently as the kernel's nf_conntrack_ftp: the 227
 * numbers may sit anywhere after "227 " (RFC 1123 4.1.2.6), with or without
 * parentheses; the 229 port follows the first '('. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nfqfw/alg_ftp.h"

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(uint8_t c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* Case-insensitive comparison of the 4-letter word at S with W (upper). */
static bool word_is(const uint8_t *s, const char *w)
{
	for (int k = 0; k < 4; k++)
		if ((s[k] & ~0x20) != (uint8_t)w[k])
			return false;
	return true;
}

/* Reads the decimal number at S[*I] (before LEN): one or more digits, no
 * leading zero, at most MAX. Stops at the first non-digit, or as soon as
 * the value is over MAX, so the work is a few bytes. */
static enum alg_reason read_number(const uint8_t *s, size_t len, size_t *i,
				   unsigned int max, unsigned int *out)
{
	unsigned int v = 0;

	if (*i >= len || !is_digit(s[*i]))
		return ALG_R_FTP_SYNTAX;
	if (s[*i] == '0' && *i + 1 < len && is_digit(s[*i + 1]))
		return ALG_R_FTP_LEADING_ZERO;
	while (*i < len && is_digit(s[*i])) {
		v = v * 10 + (unsigned int)(s[*i] - '0');
		if (v > max)
			return ALG_R_FTP_RANGE;
		(*i)++;
	}
	*out = v;
	return ALG_R_NONE;
}

static enum alg_reason expect_char(const uint8_t *s, size_t len, size_t *i,
				   uint8_t c)
{
	if (*i >= len || s[*i] != c)
		return ALG_R_FTP_SYNTAX;
	(*i)++;
	return ALG_R_NONE;
}

/* "h1,h2,h3,h4,p1,p2": the IPv4 address and a non-zero port. */
static enum alg_reason read_hostport(const uint8_t *s, size_t len, size_t *i,
				     struct alg_ftp_match *m)
{
	unsigned int v[6];
	enum alg_reason r;

	for (int k = 0; k < 6; k++) {
		if (k > 0 && (r = expect_char(s, len, i, ',')))
			return r;
		if ((r = read_number(s, len, i, 255, &v[k])))
			return r;
	}
	for (int k = 0; k < 4; k++)
		m->addr.b[k] = (uint8_t)v[k];
	m->port = (uint16_t)(v[4] << 8 | v[5]);
	m->family = 4;
	return m->port ? ALG_R_NONE : ALG_R_FTP_RANGE;
}

/* A dotted-quad IPv4 address filling all of S[0..LEN). */
static enum alg_reason read_ipv4(const uint8_t *s, size_t len, union pkt_addr *a)
{
	size_t i = 0;
	unsigned int v;
	enum alg_reason r;

	for (int k = 0; k < 4; k++) {
		if (k > 0 && expect_char(s, len, &i, '.'))
			return ALG_R_FTP_ADDR;
		r = read_number(s, len, &i, 255, &v);
		if (r)
			return r == ALG_R_FTP_SYNTAX ? ALG_R_FTP_ADDR : r;
		a->b[k] = (uint8_t)v;
	}
	return i == len ? ALG_R_NONE : ALG_R_FTP_ADDR;
}

/* An IPv6 address (RFC 4291 2.2 text, no zone) filling all of S[0..LEN). */
static enum alg_reason read_ipv6(const uint8_t *s, size_t len, union pkt_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(buf))
		return ALG_R_FTP_ADDR;
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i]) && s[i] != ':' && s[i] != '.' &&
		    !((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f'))
			return ALG_R_FTP_ADDR;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, a->b) == 1 ? ALG_R_NONE : ALG_R_FTP_ADDR;
}

/* The EPRT/EPSV delimiter (RFC 2428 2: ASCII 33..126); digits refused as
 * the kernel does, since they make the fields ambiguous. */
static enum alg_reason read_delim(const uint8_t *s, size_t len, size_t i,
				  struct alg_ftp_match *m)
{
	if (i >= len)
		return ALG_R_FTP_SYNTAX;
	if (s[i] < 33 || s[i] > 126 || is_digit(s[i]))
		return ALG_R_FTP_DELIM;
	m->delim = (char)s[i];
	return ALG_R_NONE;
}

/* "<d>proto<d>addr<d>port<d>" from S[*I] to the end of the line. */
static enum alg_reason read_eprt(const uint8_t *s, size_t len, size_t *i,
				 struct alg_ftp_match *m)
{
	const uint8_t *end;
	unsigned int proto, port;
	size_t alen;
	enum alg_reason r;

	if ((r = read_delim(s, len, *i, m)))
		return r;
	(*i)++;
	if ((r = read_number(s, len, i, 255, &proto)))
		return r;
	if (proto != 1 && proto != 2)
		return ALG_R_FTP_PROTO;
	if ((r = expect_char(s, len, i, (uint8_t)m->delim)))
		return r;
	end = memchr(s + *i, m->delim, len - *i);
	if (!end)
		return ALG_R_FTP_SYNTAX;
	alen = (size_t)(end - (s + *i));
	r = proto == 1 ? read_ipv4(s + *i, alen, &m->addr)
		       : read_ipv6(s + *i, alen, &m->addr);
	if (r)
		return r;
	m->family = proto == 1 ? 4 : 6;
	*i += alen + 1;
	if ((r = read_number(s, len, i, 65535, &port)))
		return r;
	if (port == 0)
		return ALG_R_FTP_RANGE;
	m->port = (uint16_t)port;
	return expect_char(s, len, i, (uint8_t)m->delim);
}

static bool addr_equal(uint8_t family, const union pkt_addr *a,
		       const union pkt_addr *b)
{
	return memcmp(a->b, b->b, family == 4 ? 4 : 16) == 0;
}

/* The address check shared by every command: right family, and the
 * sender's own address for PORT/EPRT/227. */
static enum alg_ftp_result check_addr(struct alg_ftp_match *m, uint8_t family,
				      const union pkt_addr *sender,
				      enum alg_reason *why)
{
	if (m->family != family) {
		*why = ALG_R_FTP_FAMILY;
		return ALG_FTP_MALFORMED;
	}
	if (addr_equal(family, &m->addr, sender))
		return ALG_FTP_MATCH;
	if (m->cmd == ALG_FTP_PASV) {
		*why = ALG_R_FTP_PASV_ADDR;
		return ALG_FTP_FOREIGN_PASV;
	}
	*why = ALG_R_FTP_BOUNCE;
	return ALG_FTP_BOUNCE;
}

static enum alg_ftp_result malformed(enum alg_reason r, enum alg_reason *why)
{
	*why = r;
	return ALG_FTP_MALFORMED;
}

/* Client lines: "PORT" or "EPRT", a single space, the argument, the end.
 * A line whose first word is one of them in any other shape (leading
 * blanks, tab, missing or extra fields) is malformed. */
static enum alg_ftp_result parse_client(const uint8_t *s, size_t len,
					uint8_t family,
					const union pkt_addr *sender,
					struct alg_ftp_match *m,
					enum alg_reason *why)
{
	size_t lead = 0, i;
	enum alg_reason r;

	while (lead < len && (s[lead] == ' ' || s[lead] == '\t'))
		lead++;
	if (len - lead < 4 || (len - lead > 4 && is_alpha(s[lead + 4])))
		return ALG_FTP_NO_MATCH;
	if (word_is(s + lead, "PORT"))
		m->cmd = ALG_FTP_PORT;
	else if (word_is(s + lead, "EPRT"))
		m->cmd = ALG_FTP_EPRT;
	else
		return ALG_FTP_NO_MATCH;
	if (memchr(s, '\0', len))
		return malformed(ALG_R_FTP_NUL, why);
	if (lead)
		return malformed(ALG_R_FTP_SYNTAX, why);
	i = 4;
	if ((r = expect_char(s, len, &i, ' ')))
		return malformed(r, why);
	m->off = (uint16_t)i;
	r = m->cmd == ALG_FTP_PORT ? read_hostport(s, len, &i, m)
				   : read_eprt(s, len, &i, m);
	if (!r && i != len)
		r = ALG_R_FTP_SYNTAX;
	if (r)
		return malformed(r, why);
	m->len = (uint16_t)(i - m->off);
	return check_addr(m, family, sender, why);
}

/* "227 <text>h1,h2,h3,h4,p1,p2<text>": the first digit after "227 "
 * starts the numbers; after them anything but another ",". */
static enum alg_ftp_result parse_227(const uint8_t *s, size_t len,
				     uint8_t family,
				     const union pkt_addr *sender,
				     struct alg_ftp_match *m,
				     enum alg_reason *why)
{
	size_t i = 4;
	enum alg_reason r;

	while (i < len && !is_digit(s[i]))
		i++;
	if (i == len)
		return malformed(ALG_R_FTP_SYNTAX, why);
	m->off = (uint16_t)i;
	if ((r = read_hostport(s, len, &i, m)))
		return malformed(r, why);
	if (i < len && s[i] == ',')
		return malformed(ALG_R_FTP_SYNTAX, why);
	m->len = (uint16_t)(i - m->off);
	return check_addr(m, family, sender, why);
}

/* "229 <text>(<d><d><d>port<d>...": the address is the server's own. */
static enum alg_ftp_result parse_229(const uint8_t *s, size_t len,
				     uint8_t family,
				     const union pkt_addr *sender,
				     struct alg_ftp_match *m,
				     enum alg_reason *why)
{
	const uint8_t *paren = memchr(s + 4, '(', len - 4);
	unsigned int port;
	size_t i;
	enum alg_reason r;

	if (!paren)
		return malformed(ALG_R_FTP_SYNTAX, why);
	i = (size_t)(paren - s) + 1;
	if ((r = read_delim(s, len, i, m)))
		return malformed(r, why);
	m->off = (uint16_t)i;
	for (int k = 0; k < 3; k++)
		if ((r = expect_char(s, len, &i, (uint8_t)m->delim)))
			return malformed(r, why);
	if ((r = read_number(s, len, &i, 65535, &port)))
		return malformed(r, why);
	if (port == 0)
		return malformed(ALG_R_FTP_RANGE, why);
	if ((r = expect_char(s, len, &i, (uint8_t)m->delim)))
		return malformed(r, why);
	m->len = (uint16_t)(i - m->off);
	m->port = (uint16_t)port;
	m->family = family;
	m->addr = *sender;
	return ALG_FTP_MATCH;
}

static enum alg_ftp_result parse_server(const uint8_t *s, size_t len,
					uint8_t family,
					const union pkt_addr *sender,
					struct alg_ftp_match *m,
					enum alg_reason *why)
{
	if (len < 4 || s[3] != ' ' || s[0] != '2' || s[1] != '2')
		return ALG_FTP_NO_MATCH;
	if (s[2] == '7')
		m->cmd = ALG_FTP_PASV;
	else if (s[2] == '9')
		m->cmd = ALG_FTP_EPSV;
	else
		return ALG_FTP_NO_MATCH;
	if (memchr(s, '\0', len))
		return malformed(ALG_R_FTP_NUL, why);
	if (m->cmd == ALG_FTP_PASV)
		return parse_227(s, len, family, sender, m, why);
	return parse_229(s, len, family, sender, m, why);
}

enum alg_ftp_result alg_ftp_parse_line(const uint8_t *line, size_t len,
				       enum ct_dir dir, uint8_t family,
				       const union pkt_addr *sender,
				       struct alg_ftp_match *m,
				       enum alg_reason *why)
{
	memset(m, 0, sizeof(*m));
	*why = ALG_R_NONE;
	if (len > ALG_FTP_LINE_MAX) {
		*why = ALG_R_FTP_LINE_TOO_LONG;
		return ALG_FTP_NO_MATCH;
	}
	if (len && line[len - 1] == '\r')
		len--;
	if (dir == CT_DIR_ORIGINAL)
		return parse_client(line, len, family, sender, m, why);
	return parse_server(line, len, family, sender, m, why);
}

int alg_ftp_format(char *buf, size_t size, const struct alg_ftp_match *m)
{
	char addr[INET6_ADDRSTRLEN];
	char d = m->delim ? m->delim : '|';
	const uint8_t *b = m->addr.b;
	int n;

	switch (m->cmd) {
	case ALG_FTP_PORT:
	case ALG_FTP_PASV:
		if (m->family != 4)
			return -EINVAL;
		n = snprintf(buf, size, "%u,%u,%u,%u,%u,%u", b[0], b[1], b[2],
			     b[3], m->port >> 8, m->port & 0xff);
		break;
	case ALG_FTP_EPRT:
		if ((m->family != 4 && m->family != 6) ||
		    !inet_ntop(m->family == 4 ? AF_INET : AF_INET6, b, addr,
			       sizeof(addr)))
			return -EINVAL;
		n = snprintf(buf, size, "%c%c%c%s%c%u%c", d,
			     m->family == 4 ? '1' : '2', d, addr, d, m->port, d);
		break;
	case ALG_FTP_EPSV:
		n = snprintf(buf, size, "%c%c%c%u%c", d, d, d, m->port, d);
		break;
	default:
		return -EINVAL;
	}
	if (n < 0)
		return -EINVAL;
	return (size_t)n < size ? n : -ENOSPC;
}

/* Serial-number comparison (RFC 1982): A comes after B. */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

bool alg_ftp_stream_seen(const struct alg_ftp_dir *st, uint32_t seq, size_t len)
{
	return st->synced && !seq_after(seq + (uint32_t)len, st->next_seq);
}

/* The parse position, changed on a copy and written back only when the
 * whole segment went through. */
struct ftp_cursor {
	uint32_t next_seq, line_seq;
	uint16_t line_len;
	bool skipping;
};

static void stream_note(void (*note)(void *, enum alg_reason), void *arg,
			enum alg_reason r)
{
	if (note)
		note(arg, r);
}

/* The line ending at DATA[END] ('\n'), whose bytes in this segment start
 * at DATA[I]: straight from the segment, or completed in ST's buffer. */
static int stream_line(struct alg_ftp_dir *st, struct ftp_cursor *c,
		       const uint8_t *data, size_t i, size_t end, uint32_t seq,
		       alg_ftp_line_fn fn,
		       void (*note)(void *, enum alg_reason), void *arg)
{
	size_t piece = end - i;
	int rc = 0;

	if (c->skipping)
		c->skipping = false;    /* the '\n' of a line we gave up on */
	else if (c->line_len == 0 && piece <= ALG_FTP_LINE_MAX)
		rc = fn(arg, data + i, piece, seq + (uint32_t)i);
	else if (c->line_len + piece > ALG_FTP_LINE_MAX)
		stream_note(note, arg, ALG_R_FTP_LINE_TOO_LONG);
	else {
		memcpy(st->line + c->line_len, data + i, piece);
		rc = fn(arg, st->line, c->line_len + piece, c->line_seq);
	}
	c->line_len = 0;
	return rc;
}

/* The start of an unfinished line, kept for the next segment. */
static void stream_tail(struct alg_ftp_dir *st, struct ftp_cursor *c,
			const uint8_t *data, size_t i, size_t len, uint32_t seq,
			void (*note)(void *, enum alg_reason), void *arg)
{
	size_t piece = len - i;

	if (c->skipping)
		return;
	if (c->line_len == 0)
		c->line_seq = seq + (uint32_t)i;
	if (c->line_len + piece > ALG_FTP_LINE_MAX) {
		stream_note(note, arg, ALG_R_FTP_LINE_TOO_LONG);
		c->skipping = true;
		c->line_len = 0;
		return;
	}
	memcpy(st->line + c->line_len, data + i, piece);
	c->line_len = (uint16_t)(c->line_len + piece);
}

int alg_ftp_stream(struct alg_ftp_dir *st, const uint8_t *data, size_t len,
		   uint32_t seq, alg_ftp_line_fn fn,
		   void (*note)(void *, enum alg_reason), void *arg)
{
	struct ftp_cursor c = {
		.next_seq = st->next_seq, .line_seq = st->line_seq,
		.line_len = st->line_len, .skipping = st->skipping,
	};
	size_t i = 0;

	if (len == 0)
		return 0;
	if (!st->synced) {
		c = (struct ftp_cursor){ .next_seq = seq, .line_seq = seq };
	} else if (seq_after(seq, c.next_seq)) {
		stream_note(note, arg, ALG_R_FTP_GAP);
		c.line_len = 0;
		c.skipping = true;
	} else {
		uint32_t behind = c.next_seq - seq;

		if (behind >= len)
			return 0;       /* all seen before */
		i = behind;
	}
	while (i < len) {
		const uint8_t *nl = memchr(data + i, '\n', len - i);
		size_t end;
		int rc;

		if (!nl) {
			stream_tail(st, &c, data, i, len, seq, note, arg);
			break;
		}
		end = (size_t)(nl - data);
		rc = stream_line(st, &c, data, i, end, seq, fn, note, arg);
		if (rc < 0)
			return rc;
		i = end + 1;
	}
	st->synced = true;
	st->next_seq = seq + (uint32_t)len;
	st->line_seq = c.line_seq;
	st->line_len = c.line_len;
	st->skipping = c.skipping;
	return 0;
}
