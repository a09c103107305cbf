/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TCP window tracking: which sequence and acknowledgement numbers a segment
 * may carry, given what both sides of the connection have shown so far.
 * After Guido van Rooij, "Real Stateful TCP Packet Filtering in IP Filter"
 * (SANE 2000), with the refinements the Linux kernel has made to it since
 * (net/netfilter/nf_conntrack_proto_tcp.c, tcp_in_window): segments only
 * need to intersect the window (RFC 793), SACK blocks count as
 * acknowledgements, window scaling (RFC 7323) applies only when both SYNs
 * asked for it, and old data or old ACKs are let through without being
 * learnt from instead of being refused. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tcp-internal.h"

/* How far below the receiver's highest sequence number an ACK may lag and
 * still be believed: the largest window the sender has offered, but never
 * less than a full unscaled window and a bit (the kernel's MAXACKWINDOW). */
#define CT_TCP_MAXACKWIN_MIN 66000u

/* The numbers of one segment, after the adjustments below. */
struct ct_tcp_nums {
	uint32_t seq, ack, end;
	uint32_t sack;          /* highest SACK right edge, at least ack */
	uint32_t win;           /* the raw window field */
};

static uint32_t max_ack_window(const struct ct_tcp_peer *sender)
{
	return sender->td_maxwin > CT_TCP_MAXACKWIN_MIN ? sender->td_maxwin
							: CT_TCP_MAXACKWIN_MIN;
}

/* Learns the options of a SYN or SYN/ACK. A header without options leaves
 * what an earlier SYN of the same side said (as the kernel does for a
 * retransmitted SYN that dropped its options). */
static void peer_options(struct ct_tcp_peer *peer, const struct pkt_tcp *tcp)
{
	if (tcp->doff <= 20)
		return;
	peer->td_scale = 0;
	peer->flags &= CT_TCP_F_BE_LIBERAL;
	if (tcp->sack_permitted)
		peer->flags |= CT_TCP_F_SACK_PERM;
	if (tcp->has_wscale) {
		peer->td_scale = tcp->wscale > CT_TCP_MAX_WSCALE ? CT_TCP_MAX_WSCALE
								 : tcp->wscale;
		peer->flags |= CT_TCP_F_WINDOW_SCALE;
	}
}

void ct_tcp_peer_reset(struct ct_tcp_peer *peer)
{
	peer->td_end = 0;
	peer->td_maxend = 0;
	peer->td_maxwin = 0;
	peer->td_maxack = 0;
	peer->td_scale = 0;
	peer->flags &= CT_TCP_F_BE_LIBERAL;
}

void ct_tcp_window_init_syn(struct ct_tcp_state *st, const struct ct_tcp_seg *seg)
{
	struct ct_tcp_peer *client = &st->seen[CT_DIR_ORIGINAL];

	client->td_end = seg->end;
	client->td_maxend = seg->end;
	client->td_maxwin = seg->tcp->window ? seg->tcp->window : 1;
	peer_options(client, seg->tcp);
}

/* The connection's history is lost to us: take the sender's numbers from the
 * packet. Its window scale is unknown (it was in the SYNs), so both sides are
 * marked liberal: the window checks then never refuse, they only keep the
 * numbers up to date (the kernel's choice for nf_conntrack_tcp_loose). */
void ct_tcp_window_init_pickup(struct ct_tcp_state *st, const struct ct_tcp_seg *seg)
{
	struct ct_tcp_peer *sender = &st->seen[CT_DIR_ORIGINAL];

	sender->td_end = seg->end;
	sender->td_maxwin = seg->tcp->window ? seg->tcp->window : 1;
	sender->td_maxend = seg->end + sender->td_maxwin;
	st->seen[CT_DIR_ORIGINAL].flags = CT_TCP_F_SACK_PERM | CT_TCP_F_BE_LIBERAL;
	st->seen[CT_DIR_REPLY].flags = CT_TCP_F_SACK_PERM | CT_TCP_F_BE_LIBERAL;
}

/* First SYN/ACK of the reply side, the reply SYN of a simultaneous open, or
 * a SYN that reinitialises its side (RFC 793: a restarted TCP only needs
 * higher sequence numbers). Window scaling is used in neither direction
 * unless both SYNs carried the option (RFC 7323, section 2.2). */
static void init_sender(struct ct_tcp_state *st, const struct ct_tcp_nums *n,
			const struct pkt_tcp *tcp, enum ct_dir dir)
{
	struct ct_tcp_peer *sender = &st->seen[dir];
	struct ct_tcp_peer *receiver = &st->seen[!dir];

	sender->td_end = n->end;
	sender->td_maxend = n->end;
	sender->td_maxwin = n->win ? n->win : 1;
	peer_options(sender, tcp);
	if (dir == CT_DIR_REPLY &&
	    !(sender->flags & receiver->flags & CT_TCP_F_WINDOW_SCALE)) {
		sender->td_scale = 0;
		receiver->td_scale = 0;
	}
}

/* A side seen for the first time without a SYN (the reply side of a
 * connection picked up mid-stream): start from its packet, and make the
 * other side's end agree with this ACK so that checks III and IV pass. */
static void init_midstream(struct ct_tcp_state *st, const struct ct_tcp_nums *n,
			   enum ct_dir dir)
{
	struct ct_tcp_peer *sender = &st->seen[dir];
	struct ct_tcp_peer *receiver = &st->seen[!dir];
	uint32_t swin = n->win << sender->td_scale;

	sender->td_end = n->end;
	sender->td_maxwin = swin ? swin : 1;
	sender->td_maxend = n->end + sender->td_maxwin;
	if (receiver->td_maxwin == 0) {
		receiver->td_end = n->sack;
		receiver->td_maxend = n->sack;
	} else if (n->sack == receiver->td_end + 1) {
		/* most likely the answer to a keep-alive probe */
		receiver->td_end++;
	}
}

static uint32_t highest_sack(const struct pkt_tcp *tcp, uint32_t ack)
{
	unsigned int count = tcp->sack_count < PKT_TCP_MAX_SACK ? tcp->sack_count
								 : PKT_TCP_MAX_SACK;
	uint32_t sack = ack;

	for (unsigned int i = 0; i < count; i++)
		if (ct_tcp_after(tcp->sack[i][1], sack))
			sack = tcp->sack[i][1];
	return sack;
}

/* A failed check: VERDICT with its reason, unless the connection is
 * liberal (tcp_be_liberal, or picked up mid-stream), in which case the
 * packet is accepted as it is, without learning from it (the kernel). */
static enum ct_tcp_win __attribute__((format(printf, 5, 6)))
refuse(const struct ct_tcp_peer *sender, const struct ct_settings *cfg,
       enum ct_tcp_win verdict, struct ct_reason *why, const char *fmt, ...)
{
	va_list ap;

	if (cfg->tcp_be_liberal || (sender->flags & CT_TCP_F_BE_LIBERAL))
		return CT_TCP_WIN_ACCEPT;
	if (why) {
		va_start(ap, fmt);
		vsnprintf(why->text, sizeof(why->text), fmt, ap);
		va_end(ap);
	}
	return verdict;
}

/* Check I failed. Some stacks send a little more than the window allows;
 * if that is the only fault, the data is remembered (so that the ACK for it
 * passes check III later) and the packet let through unlearnt. */
static enum ct_tcp_win over_window(struct ct_tcp_peer *sender,
				   const struct ct_tcp_peer *receiver,
				   const struct ct_tcp_nums *n,
				   const struct ct_settings *cfg, struct ct_reason *why)
{
	uint32_t overshot = n->end - sender->td_maxend + 1;
	bool in_recv_win, ack_ok;

	in_recv_win = receiver->td_maxwin &&
		      ct_tcp_after(n->end, sender->td_end - receiver->td_maxwin - 1);
	ack_ok = ct_tcp_after(n->sack, receiver->td_end - max_ack_window(sender) - 1) &&
		 ct_tcp_before(n->sack, receiver->td_end + 1);
	if (in_recv_win && ack_ok && overshot <= receiver->td_maxwin) {
		sender->td_end = n->end;
		sender->flags |= CT_TCP_F_DATA_UNACKED;
		return refuse(sender, cfg, CT_TCP_WIN_IGNORE, why,
			      "SEQ is %u bytes over the window of the receiver (let through): "
			      "seq=%u end=%u maxend=%u", overshot, n->seq, n->end,
			      sender->td_maxend);
	}
	return refuse(sender, cfg, CT_TCP_WIN_INVALID, why,
		      "SEQ is over the upper bound (over the window of the receiver): "
		      "seq=%u end=%u maxend=%u", n->seq, n->end, sender->td_maxend);
}

/* The four bounds (see ct_tcp_in_window). False when one fails, with the
 * verdict in *VERDICT: ACCEPT for a liberal connection, which passes without
 * being learnt from. */
static bool within_bounds(struct ct_tcp_peer *sender, const struct ct_tcp_peer *receiver,
			  const struct ct_tcp_nums *n, const struct ct_settings *cfg,
			  struct ct_reason *why, enum ct_tcp_win *verdict)
{
	uint32_t lower;

	if (!ct_tcp_before(n->seq, sender->td_maxend + 1)) {
		*verdict = over_window(sender, receiver, n, cfg, why);
		return false;
	}
	if (!ct_tcp_before(n->sack, receiver->td_end + 1)) {
		*verdict = refuse(sender, cfg, CT_TCP_WIN_INVALID, why,
				  "ACK is over the upper bound (ACKed data not seen yet): "
				  "ack=%u end=%u", n->sack, receiver->td_end);
		return false;
	}
	lower = sender->td_end - receiver->td_maxwin;
	if (receiver->td_maxwin && !ct_tcp_after(n->end, lower - 1)) {
		*verdict = refuse(sender, cfg, CT_TCP_WIN_IGNORE, why,
				  "SEQ is under the lower bound (already ACKed data "
				  "retransmitted): seq=%u end=%u lower=%u",
				  n->seq, n->end, lower);
		return false;
	}
	lower = receiver->td_end - max_ack_window(sender);
	if (!ct_tcp_after(n->sack, lower - 1)) {
		*verdict = refuse(sender, cfg, CT_TCP_WIN_IGNORE, why,
				  "ACK is under the lower bound (possibly overly delayed): "
				  "ack=%u lower=%u", n->sack, lower);
		return false;
	}
	return true;
}

/* Counts identical ACK segments in a row: a peer that keeps sending the
 * same segment is not being answered (tcp_max_retrans). */
static void count_retrans(struct ct_tcp_state *st, const struct ct_tcp_nums *n,
			  enum ct_dir dir)
{
	if (st->last_dir == dir && st->last_seq == n->seq && st->last_ack == n->ack &&
	    st->last_end == n->end && st->last_win == n->win) {
		/* saturates where the kernel's counter would wrap to 0 */
		if (st->retrans < UINT8_MAX)
			st->retrans++;
		return;
	}
	st->last_dir = (uint8_t)dir;
	st->last_seq = n->seq;
	st->last_ack = n->ack;
	st->last_end = n->end;
	st->last_win = (uint16_t)n->win;
	st->retrans = 0;
}

/* Learns from an in-window segment. */
static void learn(struct ct_tcp_state *st, const struct ct_tcp_nums *n,
		  const struct ct_tcp_seg *seg, enum ct_dir dir)
{
	struct ct_tcp_peer *sender = &st->seen[dir];
	struct ct_tcp_peer *receiver = &st->seen[!dir];
	uint8_t flags = seg->tcp->flags;
	uint32_t win = n->win, swin;

	/* the window field of a SYN is never scaled */
	if (!(flags & CT_TCPH_SYN))
		win <<= sender->td_scale;
	swin = win + (n->sack - n->ack);
	if (sender->td_maxwin < swin)
		sender->td_maxwin = swin;
	if (ct_tcp_after(n->end, sender->td_end)) {
		sender->td_end = n->end;
		sender->flags |= CT_TCP_F_DATA_UNACKED;
	}
	if (flags & CT_TCPH_ACK) {
		if (!(sender->flags & CT_TCP_F_MAXACK_SET) ||
		    ct_tcp_after(n->ack, sender->td_maxack))
			sender->td_maxack = n->ack;
		sender->flags |= CT_TCP_F_MAXACK_SET;
	}
	/* data past the right edge it was allowed: the receiver's window
	 * must have been larger than we knew */
	if (receiver->td_maxwin != 0 && ct_tcp_after(n->end, sender->td_maxend))
		receiver->td_maxwin += n->end - sender->td_maxend;
	if (ct_tcp_after(n->sack + win, receiver->td_maxend - 1)) {
		receiver->td_maxend = n->sack + win;
		/* a zero window still admits a one-byte probe */
		if (win == 0)
			receiver->td_maxend++;
	}
	if (n->ack == receiver->td_end)
		receiver->flags &= ~CT_TCP_F_DATA_UNACKED;
	if (seg->cls == CT_TCP_CLASS_ACK)
		count_retrans(st, n, dir);
}

/* The numbers as the checks see them: the highest SACK edge (only if the
 * receiver allowed SACK) stands for the ACK; a segment without ACK, or a RST
 * with ACK set but 0 in it (broken stacks), is taken to acknowledge
 * everything; a RST with seq 0 answering a SYN is taken to be at the end. */
static void adjust_nums(const struct ct_tcp_state *st, const struct ct_tcp_seg *seg,
			enum ct_dir dir, struct ct_tcp_nums *n)
{
	const struct ct_tcp_peer *sender = &st->seen[dir];
	const struct ct_tcp_peer *receiver = &st->seen[!dir];
	uint8_t flags = seg->tcp->flags;

	if (!(flags & CT_TCPH_ACK) ||
	    ((flags & CT_TCPH_RST) && n->ack == 0)) {
		n->ack = receiver->td_end;
		n->sack = receiver->td_end;
	}
	if ((flags & CT_TCPH_RST) && n->seq == 0 && st->state == CT_TCP_SYN_SENT) {
		n->seq = sender->td_end;
		n->end = sender->td_end;
	}
}

/*
 * For the side sending a segment ("sender") and the other ("receiver"):
 *
 *   td_end    = max(seq + len)                     sent by the side
 *   td_maxend = max(sack + max(win, 1))            allowed by the other side
 *   td_maxwin = max(max(win, 1) + (sack - ack))    offered by the side, grown
 *               by seq + len - other.td_maxend when the other side sent
 *               past the right edge we knew
 *
 * A segment (seq, end = seq + len, sack = highest SACK edge or ack) is in
 * window when all four hold (serial arithmetic, so they survive wrapping):
 *
 *   I.   seq  <= sender.td_maxend                  upper bound for data
 *   II.  end  >= sender.td_end - receiver.td_maxwin  lower bound for data
 *   III. sack <= receiver.td_end                   upper bound for an ACK
 *   IV.  sack >= receiver.td_end - MAXACKWINDOW    lower bound for an ACK
 *
 * (MAXACKWINDOW = max(sender.td_maxwin, 66000)). Failing I or III makes the
 * segment INVALID. Failing II or IV means old data or an old ACK: it is let
 * through (IGNORE) but not learnt from, as the current kernel does.
 */
enum ct_tcp_win ct_tcp_in_window(struct ct_tcp_state *st, const struct ct_tcp_seg *seg,
				 enum ct_dir dir, const struct ct_settings *cfg,
				 struct ct_reason *why)
{
	struct ct_tcp_peer *sender = &st->seen[dir];
	struct ct_tcp_peer *receiver = &st->seen[!dir];
	const struct pkt_tcp *tcp = seg->tcp;
	bool syn = tcp->flags & CT_TCPH_SYN, ack = tcp->flags & CT_TCPH_ACK;
	struct ct_tcp_nums n = {
		.seq = seg->seq, .ack = seg->ack, .sack = seg->ack, .end = seg->end,
		.win = tcp->window,
	};
	enum ct_tcp_win verdict;

	if (receiver->flags & CT_TCP_F_SACK_PERM)
		n.sack = highest_sack(tcp, n.ack);
	if (sender->td_maxwin == 0) {
		if (syn) {
			init_sender(st, &n, tcp, dir);
			/* a SYN answering a SYN (simultaneous open) acks nothing */
			if (!ack)
				return CT_TCP_WIN_ACCEPT;
		} else {
			init_midstream(st, &n, dir);
		}
	} else if (syn && ct_tcp_after(n.end, sender->td_end) &&
		   (st->state == CT_TCP_SYN_SENT || st->state == CT_TCP_SYN_RECV)) {
		init_sender(st, &n, tcp, dir);
		if (dir == CT_DIR_REPLY && !ack)
			return CT_TCP_WIN_ACCEPT;
	}
	adjust_nums(st, seg, dir, &n);
	if (!within_bounds(sender, receiver, &n, cfg, why, &verdict))
		return verdict;
	learn(st, &n, seg, dir);
	return CT_TCP_WIN_ACCEPT;
}
