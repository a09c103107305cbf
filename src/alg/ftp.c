/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The FTP helper (RFC 959, RFC 2428): announces the data connection that
 * a PORT, EPRT, 227 or 229 line names and, under NAT, rewrites the line's
 * address and port into what the other side must use. The parsing is in
 * ftp_parse.c; this file is the policy.
 *
 * - PORT/EPRT naming another host than the client, or malformed, is
 *   refused (the packet dropped): a server reading it more leniently than
 *   we do could be made to connect anywhere (the FTP bounce attack).
 * - 227 naming another host than the server gets no expectation (as the
 *   kernel without "loose"); malformed replies get none either. Both pass.
 * - A rewrite happens only when the text to replace lies entirely in the
 *   current segment. When the line began in an earlier segment whose bytes
 *   are already gone, but the address/port text itself is in this one, it
 *   is still rewritten (the kernel rewrites only lines that start and end
 *   in one segment). When the text itself straddles segments it cannot be:
 *   the expectation is made all the same, and ALG_R_FTP_SPLIT_NOT_REWRITTEN
 *   counted.
 * - Each rewrite is remembered (ALG_FTP_REDO per direction); a
 *   retransmission that carries the same old text at the same sequence
 *   number is rewritten the same way, and never parsed again. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "nfqfw/alg_ftp.h"

/* One packet on its way through the helper. Rewrites are collected here
 * and only remembered in the state when the whole packet passed. */
struct ftp_pkt {
	struct alg_ctx *ctx;
	struct alg_ftp_dir *st;
	enum ct_dir dir;
	uint32_t seq;
	size_t len;
	unsigned int nredo;
	struct alg_ftp_redo redo[ALG_FTP_REDO];
};

static void ftp_note(void *arg, enum alg_reason r)
{
	struct ftp_pkt *fp = arg;

	alg_note(fp->ctx, r);
}

/* Keeps the rewrite of OLD (at SEQ) into NEW to redo it, the last
 * ALG_FTP_REDO of the packet if there are more. */
static void ftp_pending_redo(struct ftp_pkt *fp, uint32_t seq,
			     const uint8_t *old, size_t old_len,
			     const char *new, size_t new_len)
{
	struct alg_ftp_redo *r;

	if (fp->nredo == ALG_FTP_REDO) {
		memmove(&fp->redo[0], &fp->redo[1],
			sizeof(fp->redo[0]) * (ALG_FTP_REDO - 1));
		fp->nredo--;
	}
	r = &fp->redo[fp->nredo++];
	r->seq = seq;
	r->old_len = (uint8_t)old_len;
	r->new_len = (uint8_t)new_len;
	r->valid = true;
	memcpy(r->old_text, old, old_len);
	memcpy(r->new_text, new, new_len);
}

static void ftp_commit_redo(struct ftp_pkt *fp)
{
	struct alg_ftp_dir *st = fp->st;

	for (unsigned int k = 0; k < fp->nredo; k++) {
		st->redo[st->redo_next] = fp->redo[k];
		st->redo_next = (uint8_t)((st->redo_next + 1) % ALG_FTP_REDO);
	}
}

/* After expect() said how the receiver must see the endpoint: rewrite the
 * text if that differs from what the sender wrote. */
static int ftp_translate(struct ftp_pkt *fp, const uint8_t *line,
			 uint32_t line_seq, const struct alg_ftp_match *m,
			 const struct alg_endpoint *seen)
{
	struct alg_ftp_match nm = *m;
	uint32_t text_seq = line_seq + m->off;
	int64_t off = (int32_t)(text_seq - fp->seq);
	char text[ALG_FTP_TEXT_MAX];
	int n, rc;

	if (seen->port == m->port &&
	    (m->cmd == ALG_FTP_EPSV ||
	     memcmp(&seen->addr, &m->addr, m->family == 4 ? 4 : 16) == 0))
		return 0;
	if (off < 0 || (uint64_t)off + m->len > fp->len || m->len > ALG_FTP_TEXT_MAX) {
		alg_note(fp->ctx, ALG_R_FTP_SPLIT_NOT_REWRITTEN);
		return 0;
	}
	nm.addr = seen->addr;
	nm.port = seen->port;
	n = alg_ftp_format(text, sizeof(text), &nm);
	if (n < 0)
		return n;
	rc = fp->ctx->rewrite(fp->ctx, (size_t)off, m->len, (const uint8_t *)text,
			      (size_t)n);
	if (rc < 0)
		return rc;
	ftp_pending_redo(fp, text_seq, line + m->off, m->len, text, (size_t)n);
	return 0;
}

/* The data connection M names: from the receiver of this line, any source
 * port, to M's endpoint, TCP. */
static int ftp_expect(struct ftp_pkt *fp, const uint8_t *line,
		      uint32_t line_seq, const struct alg_ftp_match *m)
{
	const struct ct_tuple *t = fp->ctx->tuple;
	struct alg_expect exp;
	struct alg_endpoint seen;
	int rc;

	memset(&exp, 0, sizeof(exp));
	exp.tuple.family = t->family;
	exp.tuple.l4proto = IPPROTO_TCP;
	exp.tuple.src = t->dst;
	exp.tuple.dst = m->addr;
	exp.tuple.dport = m->port;
	exp.wild = ALG_EXPECT_ANY_SPORT;
	exp.dir = fp->dir;
	memset(&seen, 0, sizeof(seen));
	seen.addr = m->addr;
	seen.port = m->port;
	rc = fp->ctx->expect(fp->ctx, &exp, &seen);
	if (rc < 0)
		return rc;
	return ftp_translate(fp, line, line_seq, m, &seen);
}

static int ftp_line(void *arg, const uint8_t *line, size_t len, uint32_t line_seq)
{
	struct ftp_pkt *fp = arg;
	const struct ct_tuple *t = fp->ctx->tuple;
	struct alg_ftp_match m;
	enum alg_reason why;

	switch (alg_ftp_parse_line(line, len, fp->dir, t->family, &t->src, &m, &why)) {
	case ALG_FTP_NO_MATCH:
		return 0;
	case ALG_FTP_MATCH:
		return ftp_expect(fp, line, line_seq, &m);
	case ALG_FTP_BOUNCE:
		alg_note(fp->ctx, why);
		return -EPERM;
	case ALG_FTP_FOREIGN_PASV:
		alg_note(fp->ctx, why);
		return 0;
	case ALG_FTP_MALFORMED:
		alg_note(fp->ctx, why);
		return fp->dir == CT_DIR_ORIGINAL ? -EPERM : 0;
	}
	return -EINVAL;
}

/* Redoes the remembered rewrites whose old text this segment carries
 * again, in sequence order (the ring is oldest first from redo_next). */
static int ftp_redo(struct ftp_pkt *fp, const uint8_t *data)
{
	const struct alg_ftp_dir *st = fp->st;

	for (unsigned int k = 0; k < ALG_FTP_REDO; k++) {
		const struct alg_ftp_redo *r = &st->redo[(st->redo_next + k) % ALG_FTP_REDO];
		int64_t off = (int32_t)(r->seq - fp->seq);
		int64_t end = off + r->old_len;
		int rc;

		if (!r->valid || end <= 0 || off >= (int64_t)fp->len ||
		    !alg_ftp_stream_seen(st, r->seq, r->old_len))
			continue;
		if (off < 0 || (uint64_t)end > fp->len ||
		    memcmp(data + off, r->old_text, r->old_len) != 0) {
			alg_note(fp->ctx, ALG_R_FTP_RETRANS_NOT_REWRITTEN);
			continue;
		}
		rc = fp->ctx->rewrite(fp->ctx, (size_t)off, r->old_len,
				      r->new_text, r->new_len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int ftp_payload(struct alg_ctx *ctx, const uint8_t *data, size_t len,
		       enum ct_dir dir, uint32_t seq)
{
	struct alg_ftp_state *s = ctx->state;
	struct ftp_pkt fp = {
		.ctx = ctx, .st = &s->dir[dir], .dir = dir, .seq = seq, .len = len,
	};
	int rc;

	if (len == 0 || dir >= CT_DIR_COUNT)
		return 0;
	rc = ftp_redo(&fp, data);
	if (rc < 0)
		return rc;
	rc = alg_ftp_stream(fp.st, data, len, seq, ftp_line, ftp_note, &fp);
	if (rc < 0)
		return rc;
	ftp_commit_redo(&fp);
	return 0;
}

const struct alg_helper alg_helper_ftp = {
	.name = "ftp",
	.l4proto = IPPROTO_TCP,
	.default_ports = { 21 },
	.max_expected = 1,
	.expect_timeout = 300,
	.state_size = sizeof(struct alg_ftp_state),
	.payload = ftp_payload,
};
