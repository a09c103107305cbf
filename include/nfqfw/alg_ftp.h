/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The FTP helper's parser: the lines that name data connections (PORT and
 * EPRT from the client, 227 and 229 replies from the server; RFC 959,
 * RFC 1123 4.1.2.6, RFC 2428), the text that replaces their address and
 * port under NAT, and the per-direction state that finds lines across TCP
 * segments. The helper itself (expectations, rewrites) is alg_helper_ftp.
 *
 * Input is hostile: lines are parsed strictly (each number in range, no
 * leading zeros, no signs or stray whitespace), work is bounded by the
 * line length, and nothing is read outside the bytes given. */
#ifndef NFQFW_ALG_FTP_H
#define NFQFW_ALG_FTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqfw/alg.h"
#include "nfqfw/ct.h"

/* Longest line looked at, terminator excluded; longer ones are skipped
 * (ALG_R_FTP_LINE_TOO_LONG). */
#define ALG_FTP_LINE_MAX 512
/* Room for the longest address/port text, accepted or written:
 * "|2|ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255|65535|" is 55 bytes. */
#define ALG_FTP_TEXT_MAX 64
/* Rewrites remembered per direction, to redo them on retransmissions. */
#define ALG_FTP_REDO 2

enum alg_ftp_cmd {
	ALG_FTP_PORT = 1,       /* PORT h1,h2,h3,h4,p1,p2 */
	ALG_FTP_EPRT,           /* EPRT |1|addr|port| or |2| */
	ALG_FTP_PASV,           /* 227 ... h1,h2,h3,h4,p1,p2 ... */
	ALG_FTP_EPSV,           /* 229 ... (|||port|) */
};

/* A recognised line: the endpoint it names and where its text is. */
struct alg_ftp_match {
	enum alg_ftp_cmd cmd;
	uint8_t family;          /* 4 or 6 */
	union pkt_addr addr;     /* EPSV: the sender's address (implicit) */
	uint16_t port;           /* host order, never 0 */
	uint16_t off, len;       /* the text to replace, in the line: the
				  * numbers for PORT/227, first to last
				  * delimiter for EPRT/229 */
	char delim;              /* EPRT/EPSV delimiter */
};

enum alg_ftp_result {
	ALG_FTP_NO_MATCH = 0,    /* not a line of ours: nothing to do */
	ALG_FTP_MATCH,           /* *M filled */
	ALG_FTP_BOUNCE,          /* PORT/EPRT naming another host than the
				  * sender: refuse it. *M filled */
	ALG_FTP_FOREIGN_PASV,    /* 227 naming another host than the sender
				  * (the server): no expectation. *M filled */
	ALG_FTP_MALFORMED,       /* our command or reply, badly formed: *WHY */
};

/* Parses one line (LINE, LEN bytes, without its '\n'; a final '\r' is
 * ignored) sent in direction DIR of a control connection of FAMILY whose
 * sender has address SENDER (tuple[dir].src). Client lines are looked at
 * for PORT/EPRT, server lines for 227/229. */
enum alg_ftp_result alg_ftp_parse_line(const uint8_t *line, size_t len,
				       enum ct_dir dir, uint8_t family,
				       const union pkt_addr *sender,
				       struct alg_ftp_match *m,
				       enum alg_reason *why);

/* Writes the text that replaces M's text (its cmd, family, delim with a
 * new addr and port): "a,b,c,d,p1,p2", "|1|addr|port|" / "|2|addr|port|"
 * with M's delimiter, or "|||port|". Returns its length (no NUL counted;
 * one is written), -ENOSPC if SIZE is too small, -EINVAL if the family
 * does not fit the command. */
int alg_ftp_format(char *buf, size_t size, const struct alg_ftp_match *m);

/* A rewrite done on a segment, kept to redo it on a retransmission. */
struct alg_ftp_redo {
	uint32_t seq;            /* sequence number of the old text */
	uint8_t old_len, new_len;
	bool valid;
	uint8_t old_text[ALG_FTP_TEXT_MAX];
	uint8_t new_text[ALG_FTP_TEXT_MAX];
};

/* Per direction: where the parse stands in the byte stream. Zeroed is
 * "not synchronised": the first segment with payload is taken to start a
 * line (the helper sees a connection from its first data byte on). */
struct alg_ftp_dir {
	uint32_t next_seq;       /* first byte not yet looked at */
	uint32_t line_seq;       /* sequence number of line[0] */
	uint16_t line_len;       /* bytes of an unfinished line in line[] */
	bool synced;
	bool skipping;           /* in an overlong line, or in a line whose
				  * start was lost: ignore up to its '\n' */
	uint8_t redo_next;       /* ring index in redo[] */
	struct alg_ftp_redo redo[ALG_FTP_REDO];
	uint8_t line[ALG_FTP_LINE_MAX];
};

/* The helper's per-connection state (alg_helper_ftp.state_size). */
struct alg_ftp_state {
	struct alg_ftp_dir dir[CT_DIR_COUNT];
};

/* Called by alg_ftp_stream() for each complete line (without '\n'), with
 * the sequence number of its first byte. LINE points into the segment or
 * into the state's buffer. A negative return stops the stream. */
typedef int (*alg_ftp_line_fn)(void *arg, const uint8_t *line, size_t len,
			       uint32_t line_seq);

/* Feeds the segment DATA (LEN bytes, first byte at sequence number SEQ)
 * to ST: bytes already seen (retransmissions) are skipped, complete lines
 * go to FN, an unfinished one is kept for the next segment. A segment
 * ahead of the parse point (a gap) restarts the parse at it: bytes up to
 * its first '\n' are ignored; the missing bytes, when they come, count as
 * old. Notes reasons through NOTE (may be NULL) with ARG. Returns 0, or
 * FN's negative return: ST is then left exactly as it was, so that a
 * retransmission of the refused segment is parsed again. */
int alg_ftp_stream(struct alg_ftp_dir *st, const uint8_t *data, size_t len,
		   uint32_t seq, alg_ftp_line_fn fn,
		   void (*note)(void *arg, enum alg_reason r), void *arg);

/* True if [SEQ, SEQ+LEN) was already fed to ST (it lies before next_seq). */
bool alg_ftp_stream_seen(const struct alg_ftp_dir *st, uint32_t seq, size_t len);

#endif
