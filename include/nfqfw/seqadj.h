/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sequence number adjustment after a helper changed the length of a TCP
 * payload (the kernel's nf_conntrack_seqadj): for the rest of the
 * connection, later bytes of that direction sit DELTA further on, so their
 * sequence numbers move by DELTA, and the other direction's acknowledgement
 * numbers and SACK blocks (RFC 2018) move back by it.
 *
 * Where the kernel keeps one correction point per direction (the offsets
 * before and after it), this keeps the last SEQADJ_POINTS points, so that a
 * retransmission of a segment from before any of the recent rewrites still
 * gets the numbers it had. All arithmetic is modulo 2^32 (RFC 1982 serial
 * numbers): a connection may wrap. */
#ifndef NFQFW_SEQADJ_H
#define NFQFW_SEQADJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqfw/ct.h"

#define SEQADJ_POINTS 4
/* Largest length change one rewrite may make. */
#define SEQADJ_DELTA_MAX 65535

/* One rewrite: bytes after POS (the sender's own numbering) move by AFTER,
 * the sum of all changes up to and including this one. */
struct seqadj_point {
	uint32_t pos;
	int32_t after;
};

struct seqadj_dir {
	int32_t base;               /* offset of bytes before point[0] */
	uint8_t count;              /* points in use, ascending pos */
	struct seqadj_point point[SEQADJ_POINTS];
};

/* Per connection, zeroed: no adjustment. */
struct seqadj {
	struct seqadj_dir dir[CT_DIR_COUNT];
};

/* Records that a rewrite in direction DIR, whose first changed byte has
 * sequence number SEQ_OF_REWRITE (as the sender numbered it: before
 * adjustment), changed the payload's length by DELTA. Recording the same
 * point again (a retransmission rewritten the same way) changes nothing.
 * Returns 0; -EINVAL for a bad DIR, |DELTA| > SEQADJ_DELTA_MAX or a known
 * point with another delta; -ERANGE for a point before the last one (the
 * stream cannot be rewritten backwards). DELTA 0 records nothing. When
 * SEQADJ_POINTS are in use the oldest is folded into base: bytes from
 * before it are then taken as after it. */
int seqadj_record(struct seqadj *s, enum ct_dir dir, uint32_t seq_of_rewrite,
		  int32_t delta);

/* Rewrites, in place, the TCP header at TCP_HEADER (TCP_LEN bytes
 * available, at least its data offset) of a packet travelling in DIR:
 * its sequence number by s->dir[DIR], its acknowledgement number (when ACK
 * is set) and SACK blocks by the other direction's. The checksum is updated
 * incrementally (RFC 1624), unless CSUM_PARTIAL: then the field holds only
 * the pseudo-header sum (the kernel completes it), which these fields are
 * not part of. A header too short or with a bad data offset is left alone;
 * options after a malformed one are not looked at. */
void seqadj_apply(const struct seqadj *s, enum ct_dir dir, uint8_t *tcp_header,
		  size_t tcp_len, bool csum_partial);

/* The sequence number SEQ (sender's numbering) as the receiver sees it. */
uint32_t seqadj_seq(const struct seqadj_dir *d, uint32_t seq);
/* The acknowledgement (or SACK edge) ACK, in the receiver's numbering of
 * the adjusted direction D, back in the sender's numbering. */
uint32_t seqadj_ack(const struct seqadj_dir *d, uint32_t ack);

/* True if any packet of the connection needs seqadj_apply(). */
bool seqadj_active(const struct seqadj *s);

#endif
