/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the TFTP helper: well-formed read and write requests (with
 * and without RFC 2347 options) announce the transfer, malformed ones
 * announce nothing and are counted by reason; replies are ignored; the
 * helper registry and the reason names. Every request lives in a heap
 * buffer of exactly its size. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/alg_tftp.h"
#include "unit.h"

struct fake {
	struct alg_ctx ctx;
	struct ct_tuple tuple[CT_DIR_COUNT];
	int expect_rc;
	unsigned int nexp;
	struct alg_expect exp;
	unsigned int notes[ALG_R_COUNT];
};

static int fake_expect(struct alg_ctx *ctx, const struct alg_expect *exp,
		       struct alg_endpoint *seen)
{
	struct fake *f = ctx->user;

	(void)seen;
	if (f->expect_rc)
		return f->expect_rc;
	f->nexp++;
	f->exp = *exp;
	return 0;
}

static int fake_rewrite(struct alg_ctx *ctx, size_t off, size_t old_len,
			const uint8_t *text, size_t text_len)
{
	(void)ctx; (void)off; (void)old_len; (void)text; (void)text_len;
	CU_FAIL("TFTP never rewrites");
	return -EINVAL;
}

static void fake_note(struct alg_ctx *ctx, enum alg_reason reason)
{
	struct fake *f = ctx->user;

	CU_ASSERT_FATAL(reason < ALG_R_COUNT);
	f->notes[reason]++;
}

/* Client 192.0.2.10:40000 (or 2001:db8::10) to the server's port 69. */
static void fake_init(struct fake *f, uint8_t family)
{
	struct ct_tuple *o = &f->tuple[CT_DIR_ORIGINAL], *r = &f->tuple[CT_DIR_REPLY];

	memset(f, 0, sizeof(*f));
	o->family = r->family = family;
	o->l4proto = r->l4proto = IPPROTO_UDP;
	inet_pton(family == 4 ? AF_INET : AF_INET6, family == 4 ? "192.0.2.10" : "2001:db8::10", o->src.b);
	inet_pton(family == 4 ? AF_INET : AF_INET6, family == 4 ? "198.51.100.20" : "2001:db8:1::20", o->dst.b);
	r->src = o->dst;
	r->dst = o->src;
	o->sport = r->dport = 40000;
	o->dport = r->sport = 69;
	f->ctx.helper = &alg_helper_tftp;
	f->ctx.user = f;
	f->ctx.expect = fake_expect;
	f->ctx.rewrite = fake_rewrite;
	f->ctx.note = fake_note;
}

static int feed(struct fake *f, enum ct_dir dir, const void *data, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	int rc;

	CU_ASSERT_FATAL(buf != NULL);
	memcpy(buf, data, len);
	f->ctx.tuple = &f->tuple[dir];
	rc = alg_helper_tftp.payload(&f->ctx, buf, len, dir, 0);
	free(buf);
	return rc;
}

#define REQ(s) { s, sizeof(s) - 1 }

struct req {
	const char *data;
	size_t len;
};

static const struct req good[] = {
	REQ("\0\1file.txt\0octet\0"),
	REQ("\0\2upload.bin\0netascii\0"),
	REQ("\0\1f\0OCTET\0"),
	REQ("\0\1f\0Mail\0"),
	REQ("\0\1/srv/tftp/pxelinux.0\0octet\0blksize\0" "1428\0tsize\0" "0\0"),
};

static void test_good(void)
{
	for (uint8_t family = 4; family <= 6; family += 2)
		for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
			struct fake f;

			fake_init(&f, family);
			CU_ASSERT_EQUAL(alg_tftp_check_request((const uint8_t *)good[k].data,
							       good[k].len), ALG_R_NONE);
			CU_ASSERT_EQUAL(feed(&f, CT_DIR_ORIGINAL, good[k].data, good[k].len), 0);
			CU_ASSERT_EQUAL_FATAL(f.nexp, 1);
			CU_ASSERT_EQUAL(f.exp.tuple.family, family);
			CU_ASSERT_EQUAL(f.exp.tuple.l4proto, IPPROTO_UDP);
			CU_ASSERT(memcmp(&f.exp.tuple.src, &f.tuple[0].dst, sizeof(f.exp.tuple.src)) == 0);
			CU_ASSERT(memcmp(&f.exp.tuple.dst, &f.tuple[0].src, sizeof(f.exp.tuple.dst)) == 0);
			CU_ASSERT_EQUAL(f.exp.tuple.sport, 0);
			CU_ASSERT_EQUAL(f.exp.tuple.dport, 40000);
			CU_ASSERT_EQUAL(f.exp.wild, ALG_EXPECT_ANY_SPORT);
			CU_ASSERT_EQUAL(f.exp.dir, CT_DIR_ORIGINAL);
			for (unsigned int r = 0; r < ALG_R_COUNT; r++)
				CU_ASSERT_EQUAL(f.notes[r], 0);
		}
}

struct bad {
	struct req req;
	enum alg_reason why;
};

static const struct bad bad[] = {
	{ REQ(""), ALG_R_TFTP_SHORT },
	{ REQ("\0"), ALG_R_TFTP_SHORT },
	{ REQ("\0\3\0\1data"), ALG_R_TFTP_OPCODE },        /* DATA */
	{ REQ("\0\4\0\1"), ALG_R_TFTP_OPCODE },            /* ACK */
	{ REQ("\0\5\0\1oops\0"), ALG_R_TFTP_OPCODE },      /* ERROR */
	{ REQ("\1\1f\0octet\0"), ALG_R_TFTP_OPCODE },
	{ REQ("\0\0f\0octet\0"), ALG_R_TFTP_OPCODE },
	{ REQ("\0\1"), ALG_R_TFTP_FILENAME },
	{ REQ("\0\1\0octet\0"), ALG_R_TFTP_FILENAME },
	{ REQ("\0\1file.txt"), ALG_R_TFTP_FILENAME },
	{ REQ("\0\1file.txt\0"), ALG_R_TFTP_MODE },
	{ REQ("\0\1file.txt\0\0"), ALG_R_TFTP_MODE },
	{ REQ("\0\1file.txt\0octet"), ALG_R_TFTP_MODE },
	{ REQ("\0\1file.txt\0binary\0"), ALG_R_TFTP_MODE },
	{ REQ("\0\1file.txt\0octets\0"), ALG_R_TFTP_MODE },
	{ REQ("\0\1file.txt\0octe\0"), ALG_R_TFTP_MODE },
	{ REQ("\0\1file.txt\0octet\0blksize\0"), ALG_R_TFTP_OPTIONS },
	{ REQ("\0\1file.txt\0octet\0blksize\0" "1428"), ALG_R_TFTP_OPTIONS },
	{ REQ("\0\1file.txt\0octet\0\0" "1428\0"), ALG_R_TFTP_OPTIONS },
	{ REQ("\0\1file.txt\0octet\0blksize\0\0"), ALG_R_TFTP_OPTIONS },
	{ REQ("\0\1file.txt\0octet\0\0"), ALG_R_TFTP_OPTIONS },
};

static void test_bad(void)
{
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct fake f;

		fake_init(&f, 4);
		CU_ASSERT_EQUAL(alg_tftp_check_request((const uint8_t *)bad[k].req.data,
						       bad[k].req.len), bad[k].why);
		CU_ASSERT_EQUAL(feed(&f, CT_DIR_ORIGINAL, bad[k].req.data, bad[k].req.len), 0);
		CU_ASSERT_EQUAL(f.nexp, 0);
		CU_ASSERT_EQUAL(f.notes[bad[k].why], 1);
	}
}

static void test_too_long(void)
{
	uint8_t req[ALG_TFTP_REQUEST_MAX + 1];
	struct fake f;

	/* a filename filling the request: 512 bytes are fine, 513 are not */
	memset(req, 'a', sizeof(req));
	req[0] = 0;
	req[1] = 1;
	memcpy(req + ALG_TFTP_REQUEST_MAX - 7, "\0octet\0", 7);
	CU_ASSERT_EQUAL(alg_tftp_check_request(req, ALG_TFTP_REQUEST_MAX), ALG_R_NONE);
	memcpy(req + ALG_TFTP_REQUEST_MAX - 6, "\0octet\0", 7);
	fake_init(&f, 4);
	CU_ASSERT_EQUAL(feed(&f, CT_DIR_ORIGINAL, req, sizeof(req)), 0);
	CU_ASSERT_EQUAL(f.nexp, 0);
	CU_ASSERT_EQUAL(f.notes[ALG_R_TFTP_TOO_LONG], 1);
}

/* Only client requests count: the same bytes from the server do nothing. */
static void test_reply_ignored(void)
{
	struct fake f;

	fake_init(&f, 4);
	CU_ASSERT_EQUAL(feed(&f, CT_DIR_REPLY, good[0].data, good[0].len), 0);
	CU_ASSERT_EQUAL(f.nexp, 0);
	CU_ASSERT_EQUAL(feed(&f, CT_DIR_REPLY, "\0\5\0\1x\0", 6), 0);
	for (unsigned int r = 0; r < ALG_R_COUNT; r++)
		CU_ASSERT_EQUAL(f.notes[r], 0);
}

static void test_expect_error(void)
{
	struct fake f;

	fake_init(&f, 4);
	f.expect_rc = -ENOSPC;
	CU_ASSERT_EQUAL(feed(&f, CT_DIR_ORIGINAL, good[0].data, good[0].len), -ENOSPC);
}

static void test_registry(void)
{
	CU_ASSERT_PTR_EQUAL(alg_helper_find("ftp", IPPROTO_TCP), &alg_helper_ftp);
	CU_ASSERT_PTR_EQUAL(alg_helper_find("tftp", IPPROTO_UDP), &alg_helper_tftp);
	CU_ASSERT_PTR_NULL(alg_helper_find("ftp", IPPROTO_UDP));
	CU_ASSERT_PTR_NULL(alg_helper_find("tftp", IPPROTO_TCP));
	CU_ASSERT_PTR_NULL(alg_helper_find("sip", IPPROTO_UDP));
	CU_ASSERT_PTR_NULL(alg_helper_find("FTP", IPPROTO_TCP));
	CU_ASSERT_EQUAL(alg_helper_ftp.default_ports[0], 21);
	CU_ASSERT_EQUAL(alg_helper_tftp.default_ports[0], 69);
	CU_ASSERT(alg_helper_ftp.state_size > 0);
	CU_ASSERT_EQUAL(alg_helper_tftp.state_size, 0);
	/* every reason has its own name */
	for (unsigned int a = 0; a < ALG_R_COUNT; a++) {
		CU_ASSERT_STRING_NOT_EQUAL(alg_reason_name(a), "unknown");
		for (unsigned int b = a + 1; b < ALG_R_COUNT; b++)
			CU_ASSERT_STRING_NOT_EQUAL(alg_reason_name(a), alg_reason_name(b));
	}
	CU_ASSERT_STRING_EQUAL(alg_reason_name(ALG_R_FTP_BOUNCE), "ftp_bounce");
	CU_ASSERT_STRING_EQUAL(alg_reason_name(ALG_R_COUNT), "unknown");
}

static const struct unit_test tests[] = {
	{ "well-formed requests", test_good },
	{ "malformed requests, each reason", test_bad },
	{ "request size limit", test_too_long },
	{ "replies ignored", test_reply_ignored },
	{ "expect() failure drops", test_expect_error },
	{ "helper registry and reason names", test_registry },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "tftp", tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
