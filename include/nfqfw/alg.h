/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Application-level gateway helpers: protocols whose payload names further
 * connections (FTP, TFTP). A helper reads the payload of its connection,
 * announces the related connection it expects and asks for the payload
 * text to be rewritten where NAT changed what it names. Shaped like the
 * kernel's nf_conntrack_helper and our struct ct_l4proto: one ops struct
 * per protocol, one file each in src/alg/, an explicit registry.
 *
 * The contract with the caller (the pipeline, which owns conntrack,
 * expectations and NAT):
 * - A helper is attached to a connection by configuration only ("helper
 *   ftp on port 21"): none is active on any port by default. The caller
 *   then reserves helper->state_size bytes for the connection (once, when
 *   the entry is made: nothing is allocated per packet), zeroed, and
 *   calls helper->init on them if it is set.
 * - For every packet of the connection that will be accepted (after the
 *   filter: the helper has the last word, as the kernel's helper hook runs
 *   just before confirmation) and that carries payload, the caller calls
 *   helper->payload() with the payload AS THE SENDER SENT IT: before any
 *   NAT payload change and before seqadj_apply(). For TCP, SEQ is the
 *   packet's raw sequence number.
 * - payload() returns 0: let the packet go (with the rewrites it asked
 *   for applied). A negative errno: drop it. -EPERM means refused by the
 *   helper's policy (e.g. an FTP bounce, the reason noted); anything else
 *   is what a ctx callback returned. After a drop the helper's state is
 *   as if the packet had never been seen, so its retransmission is judged
 *   (and refused) again; announced expectations may then be announced a
 *   second time: expect() must treat an identical one as success.
 * - Work per packet is bounded by the payload length; helpers never
 *   allocate, never block and make no system calls. */
#ifndef NFQFW_ALG_H
#define NFQFW_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqfw/ct.h"
#include "nfqfw/pkt.h"

/* Why a helper did not do its job on a payload. Counted per reason.
 * Order is part of the stats output; append only. */
enum alg_reason {
	ALG_R_NONE = 0,
	/* FTP (src/alg/ftp_parse.c, src/alg/ftp.c) */
	ALG_R_FTP_LINE_TOO_LONG,      /* line over ALG_FTP_LINE_MAX: not parsed */
	ALG_R_FTP_NUL,                /* NUL byte in a PORT/EPRT/227/229 line */
	ALG_R_FTP_SYNTAX,             /* missing field, unexpected character,
				       * sign, whitespace, trailing garbage */
	ALG_R_FTP_RANGE,              /* number > 255, port 0 or > 65535 */
	ALG_R_FTP_LEADING_ZERO,       /* "010": ambiguous, some read it as octal */
	ALG_R_FTP_DELIM,              /* EPRT/EPSV delimiter not in 33..126 or a digit */
	ALG_R_FTP_PROTO,              /* EPRT protocol neither 1 nor 2 */
	ALG_R_FTP_ADDR,               /* address text not an IPv4/IPv6 address */
	ALG_R_FTP_FAMILY,             /* address family differs from the
				       * control connection's */
	ALG_R_FTP_BOUNCE,             /* PORT/EPRT names another host than the
				       * client: refused */
	ALG_R_FTP_PASV_ADDR,          /* 227 names another host than the
				       * server: no expectation */
	ALG_R_FTP_SPLIT_NOT_REWRITTEN,/* text to rewrite began in an earlier
				       * segment: expectation made, text kept */
	ALG_R_FTP_GAP,                /* segment ahead of the parse point
				       * (reordering, loss): resynchronised */
	ALG_R_FTP_RETRANS_NOT_REWRITTEN, /* retransmission covers a rewritten
				       * text only partly, or with other bytes */
	/* TFTP (src/alg/tftp.c) */
	ALG_R_TFTP_SHORT,             /* shorter than an opcode */
	ALG_R_TFTP_OPCODE,            /* not RRQ or WRQ */
	ALG_R_TFTP_FILENAME,          /* empty or unterminated filename */
	ALG_R_TFTP_MODE,              /* unterminated or unknown mode */
	ALG_R_TFTP_OPTIONS,           /* malformed RFC 2347 option list */
	ALG_R_TFTP_TOO_LONG,          /* request over 512 bytes (RFC 2347) */
	ALG_R_COUNT
};

/* Short snake_case name of a reason ("ftp_bounce"), for stats and logs. */
const char *alg_reason_name(enum alg_reason r);

/* Bits of alg_expect.wild: fields of the expected tuple that match
 * anything (they are 0 in the tuple). */
enum {
	ALG_EXPECT_ANY_SPORT = 1u << 0,
	ALG_EXPECT_ANY_SADDR = 1u << 1,
};

/* A connection a helper expects. TUPLE is the original direction of the
 * expected connection (its first packet), in the addresses of the SENDER
 * of the announcing packet, i.e. as in ct_entry.tuple[dir] of the master:
 * its source is always the master packet's receiver (tuple[dir].dst) and
 * its destination is the endpoint the payload names, which lies on the
 * sender's side. DIR is the direction of that announcing packet: NAT must
 * translate the destination the way it translates the sender's side. */
struct alg_expect {
	struct ct_tuple tuple;
	uint8_t wild;              /* ALG_EXPECT_* */
	enum ct_dir dir;
};

/* An address and port, as one side of a connection sees them. */
struct alg_endpoint {
	union pkt_addr addr;
	uint16_t port;             /* host order */
};

/* What a helper gets for one packet. The caller fills every field before
 * payload(); the helper only reads them (and its own STATE). */
struct alg_ctx {
	const struct alg_helper *helper;
	void *state;                     /* helper->state_size bytes, per connection */
	const struct ct_tuple *tuple;    /* the master's tuple in the packet's
					  * direction: ct_entry.tuple[dir] */
	void *user;                      /* the caller's: entry, NAT binding, packet */
	/* Announces EXP (see struct alg_expect). The caller checks
	 * helper->max_expected, sets helper->expect_timeout and, when the
	 * master is NATed, binds the expected connection. It writes into
	 * *SEEN (which holds the destination of EXP on entry) that endpoint as
	 * the packet's receiver must be told it: unchanged without NAT; under
	 * NAT the translated address and a port that makes the expected tuple
	 * unique. 0, or a negative errno: the packet is dropped. */
	int (*expect)(struct alg_ctx *ctx, const struct alg_expect *exp,
		      struct alg_endpoint *seen);
	/* Asks that the OLD_LEN bytes at OFF of the payload (offsets into the
	 * payload as given to payload(), before any change) be replaced by the
	 * TEXT_LEN bytes at TEXT. Calls for one packet come in increasing,
	 * non-overlapping OFF order. The caller applies them, fixes lengths
	 * and checksums, and for TCP records the length change with
	 * seqadj_record(dir, SEQ + OFF, TEXT_LEN - OLD_LEN) (idempotent for a
	 * retransmission, which asks for the same rewrite again). 0, or a
	 * negative errno: the packet is dropped. */
	int (*rewrite)(struct alg_ctx *ctx, size_t off, size_t old_len,
		       const uint8_t *text, size_t text_len);
	/* Counts REASON (NULL: not counted). */
	void (*note)(struct alg_ctx *ctx, enum alg_reason reason);
};

static inline void alg_note(struct alg_ctx *ctx, enum alg_reason reason)
{
	if (ctx->note)
		ctx->note(ctx, reason);
}

#define ALG_HELPER_PORTS 2

/* One per protocol. */
struct alg_helper {
	const char *name;                  /* "ftp", "tftp": the config's name */
	uint8_t l4proto;                   /* IPPROTO_TCP, IPPROTO_UDP */
	/* Well-known server ports (0: unused slot), for documentation and
	 * for a config that names the helper without a port. Never enabled
	 * by themselves. */
	uint16_t default_ports[ALG_HELPER_PORTS];
	unsigned int max_expected;         /* pending expectations per master */
	unsigned int expect_timeout;       /* seconds an expectation waits */
	size_t state_size;                 /* per-connection state, 0: none */
	void (*init)(void *state);         /* NULL: zeroed is initial */
	/* One packet's payload (DATA, LEN bytes) travelling in direction DIR;
	 * SEQ: TCP sequence number of DATA[0] (ignored for UDP). See the
	 * contract at the top. */
	int (*payload)(struct alg_ctx *ctx, const uint8_t *data, size_t len,
		       enum ct_dir dir, uint32_t seq);
};

extern const struct alg_helper alg_helper_ftp, alg_helper_tftp;

/* The helper called NAME for protocol L4PROTO; NULL if none. */
const struct alg_helper *alg_helper_find(const char *name, uint8_t l4proto);

#endif
