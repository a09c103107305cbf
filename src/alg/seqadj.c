/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sequence number adjustment after payload length changes (see
 * include/nfqfw/seqadj.h): a short list of correction points per
 * direction, and the in-place rewrite of seq, ack and SACK blocks with
 * incremental checksum updates (RFC 1624). */
#include <errno.h>

#include "nfqfw/bytes.h"
#include "nfqfw/csum.h"
#include "nfqfw/seqadj.h"

enum {
	TCP_OFF_SEQ = 4,
	TCP_OFF_ACK = 8,
	TCP_OFF_FLAGS = 13,
	TCP_OFF_CSUM = 16,
	TCP_HDR_MIN = 20,
	TCP_FLAG_ACK = 0x10,
	TCP_OPT_EOL = 0,
	TCP_OPT_NOP = 1,
	TCP_OPT_SACK = 5,
};

/* RFC 1982: A comes after B. */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* Offset of the bytes before point I. */
static int32_t offset_before(const struct seqadj_dir *d, unsigned int i)
{
	return i ? d->point[i - 1].after : d->base;
}

int seqadj_record(struct seqadj *s, enum ct_dir dir, uint32_t seq_of_rewrite,
		  int32_t delta)
{
	struct seqadj_dir *d;
	struct seqadj_point *last;

	if ((unsigned int)dir >= CT_DIR_COUNT || delta > SEQADJ_DELTA_MAX ||
	    delta < -SEQADJ_DELTA_MAX)
		return -EINVAL;
	if (delta == 0)
		return 0;
	d = &s->dir[dir];
	for (unsigned int i = 0; i < d->count; i++)
		if (d->point[i].pos == seq_of_rewrite)
			return (uint32_t)d->point[i].after -
			       (uint32_t)offset_before(d, i) == (uint32_t)delta
			       ? 0 : -EINVAL;
	last = d->count ? &d->point[d->count - 1] : NULL;
	if (last && !seq_after(seq_of_rewrite, last->pos))
		return -ERANGE;
	if (d->count == SEQADJ_POINTS) {
		d->base = d->point[0].after;
		for (unsigned int i = 1; i < SEQADJ_POINTS; i++)
			d->point[i - 1] = d->point[i];
		d->count--;
	}
	d->point[d->count].pos = seq_of_rewrite;
	d->point[d->count].after = (int32_t)((uint32_t)offset_before(d, d->count) +
					     (uint32_t)delta);
	d->count++;
	return 0;
}

uint32_t seqadj_seq(const struct seqadj_dir *d, uint32_t seq)
{
	for (unsigned int i = d->count; i-- > 0;)
		if (seq_after(seq, d->point[i].pos))
			return seq + (uint32_t)d->point[i].after;
	return seq + (uint32_t)d->base;
}

/* The kernel's test: the ack, taken back by the offset before a point,
 * lies after that point. */
uint32_t seqadj_ack(const struct seqadj_dir *d, uint32_t ack)
{
	for (unsigned int i = d->count; i-- > 0;)
		if (seq_after(ack - (uint32_t)offset_before(d, i), d->point[i].pos))
			return ack - (uint32_t)d->point[i].after;
	return ack - (uint32_t)d->base;
}

static bool seqadj_dir_active(const struct seqadj_dir *d)
{
	return d->count || d->base;
}

bool seqadj_active(const struct seqadj *s)
{
	return seqadj_dir_active(&s->dir[0]) || seqadj_dir_active(&s->dir[1]);
}

/* Stores V at TH[OFF] and, unless PARTIAL, updates the checksum word by
 * word over the 16-bit-aligned span around it: options may put a SACK
 * edge at an odd offset. */
static void seqadj_store32(uint8_t *th, size_t off, uint32_t v, bool partial)
{
	size_t lo = off & ~(size_t)1, hi = (off + 5) & ~(size_t)1;
	uint16_t old[3], csum = be_get16(th + TCP_OFF_CSUM);

	for (size_t w = lo; w < hi; w += 2)
		old[(w - lo) / 2] = be_get16(th + w);
	for (int k = 0; k < 4; k++)
		th[off + (size_t)k] = (uint8_t)(v >> (24 - 8 * k));
	if (partial)
		return;
	for (size_t w = lo; w < hi; w += 2)
		csum = csum_update16(csum, old[(w - lo) / 2], be_get16(th + w));
	be_put16(th + TCP_OFF_CSUM, csum);
}

/* The SACK blocks of the options in TH[20..DOFF): edges in the other
 * direction's adjusted numbering, taken back by OTHER. */
static void seqadj_sack(const struct seqadj_dir *other, uint8_t *th,
			size_t doff, bool partial)
{
	size_t i = TCP_HDR_MIN;

	while (i < doff && th[i] != TCP_OPT_EOL) {
		size_t olen;

		if (th[i] == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= doff)
			return;
		olen = th[i + 1];
		if (olen < 2 || i + olen > doff)
			return;
		if (th[i] == TCP_OPT_SACK && olen >= 10 && (olen - 2) % 8 == 0)
			for (size_t e = i + 2; e < i + olen; e += 4)
				seqadj_store32(th, e, seqadj_ack(other, be_get32(th + e)), partial);
		i += olen;
	}
}

void seqadj_apply(const struct seqadj *s, enum ct_dir dir, uint8_t *th,
		  size_t tcp_len, bool csum_partial)
{
	const struct seqadj_dir *mine, *other;
	size_t doff;
	uint32_t v;

	if ((unsigned int)dir >= CT_DIR_COUNT || tcp_len < TCP_HDR_MIN)
		return;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < TCP_HDR_MIN || doff > tcp_len)
		return;
	mine = &s->dir[dir];
	other = &s->dir[!dir];
	if (seqadj_dir_active(mine)) {
		v = be_get32(th + TCP_OFF_SEQ);
		seqadj_store32(th, TCP_OFF_SEQ, seqadj_seq(mine, v), csum_partial);
	}
	if (!seqadj_dir_active(other))
		return;
	if (th[TCP_OFF_FLAGS] & TCP_FLAG_ACK) {
		v = be_get32(th + TCP_OFF_ACK);
		seqadj_store32(th, TCP_OFF_ACK, seqadj_ack(other, v), csum_partial);
	}
	seqadj_sack(other, th, doff, csum_partial);
}
