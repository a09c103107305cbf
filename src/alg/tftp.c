/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TFTP helper (RFC 1350): a read or write request from the client to
 * the server's port announces the transfer, which the server answers from
 * a new port of its own (its transfer identifier) to the client's port.
 * So a well-formed RRQ/WRQ makes an expectation: server address, any
 * source port, to the client's address and port, UDP. Nothing in the
 * payload names an address, so NAT needs no rewrite: the caller NATs the
 * expected connection like its master (the kernel's nf_nat_tftp). */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "nfqfw/alg_tftp.h"

enum {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
};

/* The NUL-terminated string at DATA[*POS]: non-empty and terminated
 * before LEN. Moves *POS past its NUL; *START, *SLEN: the string. */
static bool tftp_string(const uint8_t *data, size_t len, size_t *pos,
			const uint8_t **start, size_t *slen)
{
	const uint8_t *nul;

	if (*pos >= len)
		return false;
	nul = memchr(data + *pos, '\0', len - *pos);
	if (!nul || nul == data + *pos)
		return false;
	*start = data + *pos;
	*slen = (size_t)(nul - *start);
	*pos += *slen + 1;
	return true;
}

static bool tftp_mode_known(const uint8_t *s, size_t len)
{
	static const char *const modes[] = { "netascii", "octet", "mail" };

	for (size_t k = 0; k < sizeof(modes) / sizeof(modes[0]); k++)
		if (len == strlen(modes[k]) &&
		    strncasecmp((const char *)s, modes[k], len) == 0)
			return true;
	return false;
}

enum alg_reason alg_tftp_check_request(const uint8_t *data, size_t len)
{
	const uint8_t *s;
	size_t pos = 2, slen;
	unsigned int opcode;

	if (len < 2)
		return ALG_R_TFTP_SHORT;
	opcode = (unsigned int)data[0] << 8 | data[1];
	if (opcode != TFTP_RRQ && opcode != TFTP_WRQ)
		return ALG_R_TFTP_OPCODE;
	if (len > ALG_TFTP_REQUEST_MAX)
		return ALG_R_TFTP_TOO_LONG;
	if (!tftp_string(data, len, &pos, &s, &slen))
		return ALG_R_TFTP_FILENAME;
	if (!tftp_string(data, len, &pos, &s, &slen) || !tftp_mode_known(s, slen))
		return ALG_R_TFTP_MODE;
	while (pos < len)
		if (!tftp_string(data, len, &pos, &s, &slen) ||
		    !tftp_string(data, len, &pos, &s, &slen))
			return ALG_R_TFTP_OPTIONS;
	return ALG_R_NONE;
}

static int tftp_payload(struct alg_ctx *ctx, const uint8_t *data, size_t len,
			enum ct_dir dir, uint32_t seq)
{
	const struct ct_tuple *t = ctx->tuple;
	struct alg_expect exp;
	struct alg_endpoint seen;
	enum alg_reason why;

	(void)seq;
	if (dir != CT_DIR_ORIGINAL)
		return 0;
	why = alg_tftp_check_request(data, len);
	if (why != ALG_R_NONE) {
		alg_note(ctx, why);
		return 0;
	}
	memset(&exp, 0, sizeof(exp));
	exp.tuple.family = t->family;
	exp.tuple.l4proto = IPPROTO_UDP;
	exp.tuple.src = t->dst;
	exp.tuple.dst = t->src;
	exp.tuple.dport = t->sport;
	exp.wild = ALG_EXPECT_ANY_SPORT;
	exp.dir = dir;
	memset(&seen, 0, sizeof(seen));
	seen.addr = t->src;
	seen.port = t->sport;
	return ctx->expect(ctx, &exp, &seen);
}

const struct alg_helper alg_helper_tftp = {
	.name = "tftp",
	.l4proto = IPPROTO_UDP,
	.default_ports = { 69 },
	.max_expected = 1,
	.expect_timeout = 300,
	.payload = tftp_payload,
};
