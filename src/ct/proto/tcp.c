/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TCP tracker: the state machine of a connection as the middle box sees
 * it, and the ct_l4proto ops that run it for every segment. The table is
 * the seeds' (the kernel's of 2.6) updated to what the kernel does today;
 * the window checks it relies on are in tcp_window.c. */
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tcp-internal.h"

#define CT_TCP_NS_PER_S 1000000000ull

static const char *const ct_tcp_state_names[CT_TCP_STATE_COUNT] = {
	[CT_TCP_NONE]        = "NONE",
	[CT_TCP_SYN_SENT]    = "SYN_SENT",
	[CT_TCP_SYN_RECV]    = "SYN_RECV",
	[CT_TCP_ESTABLISHED] = "ESTABLISHED",
	[CT_TCP_FIN_WAIT]    = "FIN_WAIT",
	[CT_TCP_CLOSE_WAIT]  = "CLOSE_WAIT",
	[CT_TCP_LAST_ACK]    = "LAST_ACK",
	[CT_TCP_TIME_WAIT]   = "TIME_WAIT",
	[CT_TCP_CLOSE]       = "CLOSE",
	[CT_TCP_SYN_SENT2]   = "SYN_SENT2",
};

static const char *const ct_tcp_class_names[CT_TCP_CLASS_COUNT] = {
	[CT_TCP_CLASS_SYN]    = "SYN",
	[CT_TCP_CLASS_SYNACK] = "SYN/ACK",
	[CT_TCP_CLASS_FIN]    = "FIN",
	[CT_TCP_CLASS_ACK]    = "ACK",
	[CT_TCP_CLASS_RST]    = "RST",
	[CT_TCP_CLASS_NONE]   = "segment without SYN/FIN/ACK/RST",
};

const char *ct_tcp_state_name(enum ct_tcp_state_id s)
{
	return (unsigned int)s < CT_TCP_STATE_COUNT ? ct_tcp_state_names[s] : "UNKNOWN";
}

const char *ct_tcp_class_name(enum ct_tcp_class cls)
{
	return (unsigned int)cls < CT_TCP_CLASS_COUNT ? ct_tcp_class_names[cls] : "?";
}

static const char *dir_name(enum ct_dir dir)
{
	return dir == CT_DIR_ORIGINAL ? "original" : "reply";
}

enum ct_tcp_class ct_tcp_class_of(uint8_t flags)
{
	if (flags & CT_TCPH_RST)
		return CT_TCP_CLASS_RST;
	if (flags & CT_TCPH_SYN)
		return flags & CT_TCPH_ACK ? CT_TCP_CLASS_SYNACK : CT_TCP_CLASS_SYN;
	if (flags & CT_TCPH_FIN)
		return CT_TCP_CLASS_FIN;
	if (flags & CT_TCPH_ACK)
		return CT_TCP_CLASS_ACK;
	return CT_TCP_CLASS_NONE;
}

/*
 * The state table: [direction][flag class][old state] -> new state.
 *
 * We sit between the two ends and see every packet, but a packet we pass
 * may still be lost before it arrives; so the table guesses what the
 * sender of each packet believes, and a packet only moves the state once
 * the window checks (tcp_window.c) found it in window. sIV marks packets
 * no correct stack sends in that state: INVALID. sIG marks packets that
 * may be right or wrong depending on what we missed: they pass without
 * moving the state, and the answer of the other end (a SYN/ACK, a RST, a
 * challenge ACK) tells which (see ct_tcp_ignore() and ct_tcp_rst()).
 *
 * Differences from the seeds' table (column J there was LISTEN, a state
 * the kernel never used; it became SYN_SENT2, the simultaneous open), each
 * marked [seed: ...] below where it happens:
 *   original SYN/ACK in SYN_RECV   sIV -> sSR
 *   reply SYN in SYN_SENT          sIV -> sS2
 *   reply SYN in TIME_WAIT         sIV -> sSS
 *   reply SYN/ACK in SYN_RECV      sSR -> sIG
 *   the whole sS2 column.
 */
static const uint8_t ct_tcp_table[CT_DIR_COUNT][CT_TCP_CLASS_COUNT][CT_TCP_STATE_COUNT] = {
	[CT_DIR_ORIGINAL] = {
/*                          sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
[CT_TCP_CLASS_SYN]    = { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2 },
/*
 * sNO -> sSS  The client opens a connection.
 * sSS -> sSS  It retransmits its SYN (the timeout is not renewed, so a
 *             client or NAT reusing the port cannot keep the entry alive).
 * sSR, sES, sFW, sCW, sLA -> sIG  A SYN inside a live connection: either
 *             both ends restarted and we missed the end of the old one, or
 *             it is junk the server answers with a RST or challenge ACK.
 *             Let it pass and remember it; if the server's SYN/ACK
 *             acknowledges it we resynchronise on it.
 * sTW, sCL -> sSS  A new connection on the same ports (RFC 1122 4.2.2.13).
 *             If the old one really ended (a FIN was seen, or the last RST
 *             came from this side) the entry is replaced: CT_PACKET_REOPEN;
 *             otherwise the SYN is ignored as above.
 * sS2 -> sS2  The client retransmits its SYN in a simultaneous open.
 *             [seed: column LISTEN, sIV]
 */
[CT_TCP_CLASS_SYNACK] = { sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR },
/*
 * sNO -> sIV  A SYN/ACK cannot open a connection.
 * sSS -> sIV  The client cannot answer its own SYN.
 * sSR -> sSR  A late retransmission of the client's SYN/ACK in a
 *             simultaneous open. [seed: sIV, before simultaneous open was
 *             tracked]
 * sES, sFW, sCW, sLA, sTW, sCL -> sIV  The client sends no SYN/ACK once
 *             the handshake is over.
 * sS2 -> sSR  The client answers the server's SYN in a simultaneous open.
 *             [seed: LISTEN, sIV]
 */
[CT_TCP_CLASS_FIN]    = { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/*
 * sNO -> sIV  A FIN does not open a connection, even mid-stream.
 * sSS -> sIV  The client must see the SYN/ACK before it may close.
 * sSR, sES -> sFW  The client starts closing.
 * sFW -> sLA  FIN from both sides now (or the client's own FIN again: the
 *             table cannot tell), waiting for the last ACK.
 * sCW -> sLA  The server's FIN was acknowledged; now the client closes.
 * sLA -> sLA  A retransmitted FIN.
 * sTW, sCL -> same  A late FIN changes nothing.
 * sS2 -> sIV  No FIN before the simultaneous open is complete.
 */
[CT_TCP_CLASS_ACK]    = { sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV },
/*
 * sNO -> sES  An ACK with no entry: a connection picked up mid-stream (the
 *             seeds' A4), only with tcp_loose.
 * sSS -> sIV  Nothing to acknowledge yet: no SYN/ACK seen.
 * sSR -> sES  The third packet of the handshake.
 * sES -> sES  Data and acknowledgements.
 * sFW -> sCW  The first FIN is acknowledged.
 * sCW -> sCW  More data from the side that has not closed.
 * sLA -> sTW  The last FIN is acknowledged (unless it is an RFC 5961
 *             challenge ACK answering a SYN we let through).
 * sTW -> sTW  A retransmitted last ACK.
 * sCL -> sCL  Late ACKs after a RST.
 * sS2 -> sIV  In a simultaneous open the client answers with a SYN/ACK.
 */
[CT_TCP_CLASS_RST]    = { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/*
 * sNO -> sIV  A RST does not open a connection.
 * others -> sCL  The client aborts. Only a RST in window counts, and in
 *             ESTABLISHED one whose seq is not exactly the expected one
 *             keeps the state (the other end will send a challenge ACK,
 *             RFC 5961); see ct_tcp_rst(). [seed: LISTEN, sIV]
 */
[CT_TCP_CLASS_NONE]   = { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
/*
 * all -> sIV  No stack sends a segment without SYN, FIN, ACK or RST.
 */
	},
	[CT_DIR_REPLY] = {
/*                          sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
[CT_TCP_CLASS_SYN]    = { sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2 },
/*
 * sNO -> sIV  Never reached: an entry starts with an original packet.
 * sSS -> sS2  Simultaneous open: both ends sent a SYN. [seed: sIV]
 * sSR, sES, sFW, sCW, sLA -> sIV  The server sends no bare SYN after its
 *             SYN/ACK.
 * sTW -> sSS  The server opens a new connection to the client on the same
 *             ports: roles swap, the entry is replaced (CT_PACKET_REOPEN)
 *             and the new one's original direction is the server's.
 *             [seed: sIV]
 * sCL -> sIV  After a RST only the client may reopen.
 * sS2 -> sS2  The server retransmits its SYN in a simultaneous open.
 *             [seed: LISTEN, sIV]
 */
[CT_TCP_CLASS_SYNACK] = { sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR },
/*
 * sNO -> sIV  Never reached.
 * sSS -> sSR  The second packet of the handshake.
 * sSR -> sIG  A retransmitted SYN/ACK: let through, not learnt from.
 *             [seed: sSR]
 * sES, sFW, sCW, sLA, sTW, sCL -> sIG  A late SYN/ACK, or the answer to a
 *             SYN we ignored: if it acknowledges that SYN, both ends are in
 *             step and we are not, so we resynchronise (SYN_RECV).
 * sS2 -> sSR  Simultaneous open: the server answers the client's SYN.
 *             [seed: LISTEN, sIV]
 */
[CT_TCP_CLASS_FIN]    = { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/*
 * sNO -> sIV  Never reached.
 * sSS -> sIV  The server cannot close before its SYN/ACK.
 * sSR, sES -> sFW  The server starts closing.
 * sFW, sCW -> sLA  FIN from both sides now, waiting for the last ACK.
 * sLA -> sLA  A retransmitted FIN.
 * sTW, sCL -> same  A late FIN changes nothing.
 * sS2 -> sIV  No FIN before the simultaneous open is complete.
 */
[CT_TCP_CLASS_ACK]    = { sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG },
/*
 * sNO -> sIV  Never reached.
 * sSS -> sIG  An ACK answering a SYN: a half-open connection on the
 *             server, or its challenge ACK. Let through and remembered, so
 *             that the client's RST answering it is accepted.
 * sSR -> sSR  The server acknowledges a late retransmitted SYN; in a
 *             simultaneous open this ACK completes the handshake instead
 *             (ESTABLISHED).
 * sES -> sES  Data and acknowledgements.
 * sFW -> sCW  The first FIN is acknowledged.
 * sCW -> sCW  More data from the side that has not closed.
 * sLA -> sTW  The last FIN is acknowledged (but see sLA above).
 * sTW -> sTW  A retransmitted last ACK.
 * sCL -> sCL  Late ACKs after a RST.
 * sS2 -> sIG  Like sSS. [seed: LISTEN, sIV]
 */
[CT_TCP_CLASS_RST]    = { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/*
 * sNO -> sIV  Never reached.
 * others -> sCL  The server aborts or refuses; the same checks as for the
 *             client's RST. [seed: LISTEN, sIV]
 */
[CT_TCP_CLASS_NONE]   = { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
/*
 * all -> sIV  As in the original direction.
 */
	},
};

uint8_t ct_tcp_next_state(enum ct_dir dir, enum ct_tcp_class cls,
			  enum ct_tcp_state_id old)
{
	if ((unsigned int)dir >= CT_DIR_COUNT || (unsigned int)cls >= CT_TCP_CLASS_COUNT ||
	    (unsigned int)old >= CT_TCP_STATE_COUNT)
		return CT_TCP_INVALID;
	return ct_tcp_table[dir][cls][old];
}

/* Flag combinations that stacks send, with any of PSH, ECE and CWR added
 * (the kernel's tcp_valid_flags). Anything else (SYN+FIN, FIN without ACK,
 * no flags at all, ...) is INVALID before the state machine sees it. */
#define CT_TCP_FLAG_MASK (CT_TCPH_FIN | CT_TCPH_SYN | CT_TCPH_RST | CT_TCPH_ACK | \
			  CT_TCPH_URG)
static const bool ct_tcp_valid_flags[CT_TCP_FLAG_MASK + 1] = {
	[CT_TCPH_SYN]                             = true,
	[CT_TCPH_SYN | CT_TCPH_URG]               = true,
	[CT_TCPH_SYN | CT_TCPH_ACK]               = true,
	[CT_TCPH_RST]                             = true,
	[CT_TCPH_RST | CT_TCPH_ACK]               = true,
	[CT_TCPH_FIN | CT_TCPH_ACK]               = true,
	[CT_TCPH_FIN | CT_TCPH_ACK | CT_TCPH_URG] = true,
	[CT_TCPH_ACK]                             = true,
	[CT_TCPH_ACK | CT_TCPH_URG]               = true,
};

/* Bytes of payload the segment carries. The IP length is believed over
 * what was copied, so that a truncated copy (NFQA_CAP_LEN) still counts its
 * whole segment; a BIG TCP packet of unknown length counts what we have. */
static uint32_t segment_payload(const struct pkt *p)
{
	uint32_t hdrs = (uint32_t)p->l4_off + p->tcp.doff;

	if (p->ip_len != PKT_IP_LEN_BIG && p->ip_len >= hdrs)
		return p->ip_len - hdrs;
	return p->payload_len;
}

/* Reduces P to the numbers the tracker needs; false (with the reason) for
 * what is no trackable TCP segment. */
static bool ct_tcp_segment(const struct pkt *p, struct ct_tcp_seg *seg,
			   struct ct_reason *why)
{
	uint8_t flags = p->tcp.flags;

	if (p->l4proto != IPPROTO_TCP || !p->has_l4) {
		ct_why(why, "not a TCP segment with its header");
		return false;
	}
	if (!ct_tcp_valid_flags[flags & CT_TCP_FLAG_MASK]) {
		ct_why(why, "invalid TCP flag combination: flags=0x%02x", flags);
		return false;
	}
	seg->tcp = &p->tcp;
	seg->seq = p->tcp.seq;
	seg->ack = p->tcp.ack;
	seg->end = p->tcp.seq + segment_payload(p) + !!(flags & CT_TCPH_SYN) +
		   !!(flags & CT_TCPH_FIN);
	seg->cls = (uint8_t)ct_tcp_class_of(flags);
	return true;
}

static bool ct_tcp_pkt_to_tuple(const struct pkt *p, struct ct_tuple *tuple)
{
	if (p->l4proto != IPPROTO_TCP || !p->has_l4)
		return false;
	tuple->sport = p->sport;
	tuple->dport = p->dport;
	return true;
}

static bool ct_tcp_invert_tuple(struct ct_tuple *inv, const struct ct_tuple *orig)
{
	inv->sport = orig->dport;
	inv->dport = orig->sport;
	return true;
}

/* A SYN opens a connection (SYN_SENT); with tcp_loose a plain ACK picks one
 * up mid-stream (ESTABLISHED once packet() has run); nothing else may. */
static bool ct_tcp_new_conn(struct ct_entry *ct, const struct pkt *p,
			    const struct ct_settings *cfg, struct ct_reason *why)
{
	struct ct_tcp_state *st = &ct->proto.tcp;
	struct ct_tcp_seg seg;
	uint8_t next;

	if (!ct_tcp_segment(p, &seg, why))
		return false;
	next = ct_tcp_next_state(CT_DIR_ORIGINAL, seg.cls, CT_TCP_NONE);
	if (next == CT_TCP_INVALID) {
		ct_why(why, "%s cannot open a connection",
			   ct_tcp_class_name(seg.cls));
		return false;
	}
	if (next != CT_TCP_SYN_SENT && !cfg->tcp_loose) {
		ct_why(why, "%s without SYN cannot open a connection "
			   "(mid-stream pickup is off: tcp_loose)",
			   ct_tcp_class_name(seg.cls));
		return false;
	}
	memset(st, 0, sizeof(*st));
	if (next == CT_TCP_SYN_SENT)
		ct_tcp_window_init_syn(st, &seg);
	else
		ct_tcp_window_init_pickup(st, &seg);
	st->last_index = CT_TCP_CLASS_NONE;
	return true;
}

/* Where a packet goes after the state machine has looked at it. */
enum ct_tcp_step {
	CT_TCP_STEP_CHECK_WINDOW,   /* to the window checks, then accept */
	CT_TCP_STEP_ACCEPT,         /* accept without window checks */
	CT_TCP_STEP_DONE,           /* decided: *result holds the answer */
};

/* The transition being made; the special cases may change both ends. */
struct ct_tcp_move {
	uint8_t old, next;
	enum ct_dir dir;
	const struct ct_tcp_seg *seg;
	int result;                 /* CT_PACKET_* when CT_TCP_STEP_DONE */
};

static enum ct_tcp_step done(struct ct_tcp_move *mv, int result)
{
	mv->result = result;
	return CT_TCP_STEP_DONE;
}

static bool ct_tcp_assured_established(const struct ct_entry *ct)
{
	return ct->proto.tcp.state == CT_TCP_ESTABLISHED &&
	       (atomic_load(&ct->status) & CT_S_ASSURED);
}

/* FIN_WAIT and later: the connection is ending. */
static bool ct_tcp_closing(uint8_t state)
{
	switch (state) {
	case CT_TCP_FIN_WAIT:
	case CT_TCP_CLOSE_WAIT:
	case CT_TCP_LAST_ACK:
	case CT_TCP_TIME_WAIT:
	case CT_TCP_CLOSE:
		return true;
	default:
		return false;
	}
}

/* The ignored SYN we remembered was right: the server's SYN/ACK acknowledges
 * it. Take the client's side from the remembered SYN and let the SYN/ACK
 * (whose own side is forgotten) set up the server's, as in a handshake. */
static void ct_tcp_resync(struct ct_tcp_state *st, struct ct_tcp_move *mv)
{
	struct ct_tcp_peer *client = &st->seen[st->last_dir];

	mv->old = CT_TCP_SYN_SENT;
	mv->next = CT_TCP_SYN_RECV;
	client->td_end = st->last_end;
	client->td_maxend = st->last_end;
	client->td_maxwin = st->last_win ? st->last_win : 1;
	client->td_scale = st->last_wscale;
	client->flags = 0;
	if (st->last_flags & CT_TCP_LF_WINDOW_SCALE)
		client->flags |= CT_TCP_F_WINDOW_SCALE;
	if (st->last_flags & CT_TCP_LF_SACK_PERM)
		client->flags |= CT_TCP_F_SACK_PERM;
	st->last_flags &= (uint8_t)~CT_TCP_LF_CHALLENGE_ACK;
	ct_tcp_peer_reset(&st->seen[mv->dir]);
}

/* Remembers what an ignored original SYN asked for, for ct_tcp_resync(). */
static void ct_tcp_note_syn(struct ct_tcp_state *st, const struct pkt_tcp *tcp,
			    uint8_t old)
{
	st->last_flags = 0;
	st->last_wscale = 0;
	if (tcp->has_wscale) {
		st->last_flags |= CT_TCP_LF_WINDOW_SCALE;
		st->last_wscale = tcp->wscale > CT_TCP_MAX_WSCALE ? CT_TCP_MAX_WSCALE
								  : tcp->wscale;
	}
	if (tcp->sack_permitted)
		st->last_flags |= CT_TCP_LF_SACK_PERM;
	/* the server may answer with a challenge ACK (RFC 5961), which in
	 * LAST_ACK would look like the final ACK */
	if (old == CT_TCP_LAST_ACK)
		st->last_flags |= CT_TCP_LF_CHALLENGE_ACK;
}

/* sIG: let the packet through without moving the state, and remember it,
 * so that the other end's answer can tell us whether it was right:
 *  a) an original SYN: a SYN/ACK acknowledging it resynchronises us;
 *  b) a reply SYN/ACK that acknowledges such a SYN: resynchronise now;
 *  c) a reply ACK in SYN_SENT: the client's RST answering it is accepted. */
static enum ct_tcp_step ct_tcp_ignore(struct ct_tcp_state *st, struct ct_tcp_move *mv,
				      struct ct_reason *why)
{
	const struct ct_tcp_seg *seg = mv->seg;

	if (seg->cls == CT_TCP_CLASS_SYNACK && st->last_index == CT_TCP_CLASS_SYN &&
	    st->last_dir != mv->dir && seg->ack == st->last_end) {
		ct_tcp_resync(st, mv);
		return CT_TCP_STEP_CHECK_WINDOW;
	}
	st->last_index = seg->cls;
	st->last_dir = (uint8_t)mv->dir;
	st->last_seq = seg->seq;
	st->last_end = seg->end;
	st->last_win = seg->tcp->window;
	if (seg->cls == CT_TCP_CLASS_SYN && mv->dir == CT_DIR_ORIGINAL)
		ct_tcp_note_syn(st, seg->tcp, mv->old);
	if (mv->old == CT_TCP_SYN_SENT && seg->cls == CT_TCP_CLASS_ACK &&
	    mv->dir == CT_DIR_REPLY)
		st->last_ack = seg->ack;
	ct_why(why, "%s in the %s direction ignored in state %s",
		   ct_tcp_class_name(seg->cls), dir_name(mv->dir),
		   ct_tcp_state_name(mv->old));
	return done(mv, CT_PACKET_KEEP_TIMEOUT);
}

/* A RST that the table sends to CLOSE (RFC 5961 and the kernel's rules). */
static enum ct_tcp_step ct_tcp_rst(struct ct_entry *ct, struct ct_tcp_move *mv,
				   struct ct_reason *why)
{
	struct ct_tcp_state *st = &ct->proto.tcp;
	const struct ct_tcp_peer *peer = &st->seen[!mv->dir];
	const struct ct_tcp_seg *seg = mv->seg;
	uint32_t status = atomic_load(&ct->status);

	/* Closing already: the ports may be in use by a new connection whose
	 * numbers we do not know; accept the RST as it is. */
	if (ct_tcp_closing(mv->old))
		return CT_TCP_STEP_ACCEPT;
	if ((peer->flags & CT_TCP_F_MAXACK_SET) && st->last_index != CT_TCP_CLASS_SYN) {
		/* seq 0 before the connection is sure: answers a SYN we passed */
		if (seg->seq == 0 && !ct_tcp_assured_established(ct))
			return CT_TCP_STEP_CHECK_WINDOW;
		if (ct_tcp_before(seg->seq, peer->td_maxack)) {
			ct_why(why, "RST is under the lower bound (before what the "
				   "other side acknowledged): seq=%u maxack=%u",
				   seg->seq, peer->td_maxack);
			return done(mv, CT_PACKET_INVALID);
		}
		if (!ct_tcp_assured_established(ct) || seg->seq == peer->td_maxack)
			return CT_TCP_STEP_CHECK_WINDOW;
		/* the last of a train: data, then a RST right after it */
		if (st->last_index == CT_TCP_CLASS_ACK && st->last_dir == mv->dir &&
		    seg->seq == st->last_end)
			return CT_TCP_STEP_CHECK_WINDOW;
		/* in window but not exact: the other end answers with a
		 * challenge ACK (RFC 5961 3.2); the connection lives on */
		mv->next = mv->old;
	}
	/* The RST answers a SYN (a) or ACK (c) we let through: it closes
	 * whatever we thought, without window checks. */
	if ((((status & CT_S_SEEN_REPLY) && st->last_index == CT_TCP_CLASS_SYN) ||
	     (!(status & CT_S_ASSURED) && st->last_index == CT_TCP_CLASS_ACK)) &&
	    seg->ack == st->last_end)
		return CT_TCP_STEP_ACCEPT;
	/* the client's RST answering the server's challenge ACK */
	if (mv->old == CT_TCP_SYN_SENT && st->last_index == CT_TCP_CLASS_ACK &&
	    st->last_dir == CT_DIR_REPLY && seg->seq == st->last_ack)
		return CT_TCP_STEP_ACCEPT;
	return CT_TCP_STEP_CHECK_WINDOW;
}

/* SYN in TIME_WAIT or CLOSE: a new connection if the old one is over. */
static enum ct_tcp_step ct_tcp_reopen(struct ct_tcp_state *st, struct ct_tcp_move *mv,
				      struct ct_reason *why)
{
	uint8_t flags = st->seen[0].flags | st->seen[1].flags;

	if ((flags & CT_TCP_F_CLOSE_INIT) ||
	    (st->last_dir == mv->dir && st->last_index == CT_TCP_CLASS_RST)) {
		ct_why(why, "SYN in the %s direction opens a new connection "
			   "over one in state %s", dir_name(mv->dir),
			   ct_tcp_state_name(mv->old));
		return done(mv, CT_PACKET_REOPEN);
	}
	return ct_tcp_ignore(st, mv, why);
}

/* The cases the table alone cannot decide. */
static enum ct_tcp_step ct_tcp_special(struct ct_entry *ct, struct ct_tcp_move *mv,
				       struct ct_reason *why)
{
	struct ct_tcp_state *st = &ct->proto.tcp;
	uint8_t cls = mv->seg->cls;

	switch (mv->next) {
	case CT_TCP_SYN_SENT:
		if (mv->old < CT_TCP_TIME_WAIT)
			return CT_TCP_STEP_CHECK_WINDOW;
		return ct_tcp_reopen(st, mv, why);
	case CT_TCP_IGNORE:
		return ct_tcp_ignore(st, mv, why);
	case CT_TCP_INVALID:
		ct_why(why, "%s in the %s direction is invalid in state %s",
			   ct_tcp_class_name(cls), dir_name(mv->dir),
			   ct_tcp_state_name(mv->old));
		return done(mv, CT_PACKET_INVALID);
	case CT_TCP_TIME_WAIT:
		/* an ACK answering the SYN we let through in LAST_ACK is a
		 * challenge ACK (RFC 5961 4), not the last ACK */
		if (mv->old == CT_TCP_LAST_ACK && cls == CT_TCP_CLASS_ACK &&
		    st->last_dir != mv->dir && st->last_index == CT_TCP_CLASS_SYN &&
		    (st->last_flags & CT_TCP_LF_CHALLENGE_ACK)) {
			st->last_flags &= (uint8_t)~CT_TCP_LF_CHALLENGE_ACK;
			ct_why(why, "challenge ACK in the %s direction ignored "
				   "in state LAST_ACK", dir_name(mv->dir));
			return done(mv, CT_PACKET_KEEP_TIMEOUT);
		}
		return CT_TCP_STEP_CHECK_WINDOW;
	case CT_TCP_SYN_SENT2:
		/* the table cannot remember that the open was simultaneous */
		st->last_flags |= CT_TCP_LF_SIMULTANEOUS;
		return CT_TCP_STEP_CHECK_WINDOW;
	case CT_TCP_SYN_RECV:
		if (mv->dir == CT_DIR_REPLY && cls == CT_TCP_CLASS_ACK &&
		    (st->last_flags & CT_TCP_LF_SIMULTANEOUS))
			mv->next = CT_TCP_ESTABLISHED;
		return CT_TCP_STEP_CHECK_WINDOW;
	case CT_TCP_CLOSE:
		if (cls != CT_TCP_CLASS_RST)
			return CT_TCP_STEP_CHECK_WINDOW;
		return ct_tcp_rst(ct, mv, why);
	default:
		return CT_TCP_STEP_CHECK_WINDOW;
	}
}

/* The seconds the entry lives on after this packet. */
static uint32_t ct_tcp_timeout(const struct ct_tcp_state *st, uint8_t cls, uint8_t next,
			       const struct ct_settings *cfg)
{
	uint32_t t = cfg->tcp_timeout[next];
	uint8_t flags = st->seen[0].flags | st->seen[1].flags;

	/* the same segment again and again: the other end may be gone */
	if (st->retrans >= cfg->tcp_max_retrans && t > cfg->tcp_timeout_max_retrans)
		return cfg->tcp_timeout_max_retrans;
	if (cls == CT_TCP_CLASS_RST)
		return cfg->tcp_timeout[CT_TCP_CLOSE];
	if ((flags & CT_TCP_F_DATA_UNACKED) && t > cfg->tcp_timeout_unacknowledged)
		return cfg->tcp_timeout_unacknowledged;
	/* a zero window: the same reasoning as for retransmissions */
	if (st->last_win == 0 && t > cfg->tcp_timeout_max_retrans)
		return cfg->tcp_timeout_max_retrans;
	return t;
}

static int ct_tcp_seconds(uint32_t t)
{
	return t > INT_MAX ? INT_MAX : (int)t;
}

/* The packet is accepted: the state moves, ASSURED when the handshake (or
 * the other side of a picked-up connection) has answered. */
static int ct_tcp_accept(struct ct_entry *ct, const struct ct_tcp_move *mv,
			 const struct ct_settings *cfg, struct ct_reason *why)
{
	struct ct_tcp_state *st = &ct->proto.tcp;
	uint8_t cls = mv->seg->cls;
	uint32_t status = atomic_load(&ct->status);
	uint32_t t;

	st->last_index = cls;
	st->last_dir = (uint8_t)mv->dir;
	st->state = mv->next;
	if (mv->old != mv->next && mv->next == CT_TCP_FIN_WAIT)
		st->seen[mv->dir].flags |= CT_TCP_F_CLOSE_INIT;
	t = ct_tcp_timeout(st, cls, mv->next, cfg);
	if (!(status & CT_S_SEEN_REPLY)) {
		/* refused (or aborted) before any answer: gone at once */
		if (cls == CT_TCP_CLASS_RST) {
			ct_why(why, "RST before any reply: the connection is over");
			return 0;
		}
		if (cls == CT_TCP_CLASS_SYN && mv->old == CT_TCP_SYN_SENT) {
			ct_why(why, "retransmitted SYN: timeout not renewed");
			return CT_PACKET_KEEP_TIMEOUT;
		}
		/* picked up mid-stream, no answer yet */
		if (mv->next == CT_TCP_ESTABLISHED && t > cfg->tcp_timeout_unacknowledged)
			t = cfg->tcp_timeout_unacknowledged;
	} else if (!(status & CT_S_ASSURED) && mv->next == CT_TCP_ESTABLISHED &&
		   (mv->old == CT_TCP_SYN_RECV || mv->old == CT_TCP_ESTABLISHED)) {
		atomic_fetch_or(&ct->status, CT_S_ASSURED);
	}
	return ct_tcp_seconds(t);
}

/* An out-of-window FIN or RST on an assured connection. If the other side
 * sent one just before, both ends have given up on a connection we still
 * think ESTABLISHED: shorten its life to the unacknowledged-data timeout
 * (when it had more than two minutes left). Otherwise remember it. As the
 * kernel's nf_tcp_handle_invalid(). */
static void ct_tcp_note_invalid(struct ct_entry *ct, const struct ct_tcp_move *mv,
				const struct ct_settings *cfg)
{
	struct ct_tcp_state *st = &ct->proto.tcp;
	uint8_t cls = mv->seg->cls;
	uint64_t expires, left, shorter;

	if (!(atomic_load(&ct->status) & CT_S_ASSURED))
		return;
	if (cls != CT_TCP_CLASS_FIN && cls != CT_TCP_CLASS_RST)
		return;
	if (st->last_dir == mv->dir || (st->last_index != CT_TCP_CLASS_FIN &&
					st->last_index != CT_TCP_CLASS_RST)) {
		st->last_index = cls;
		st->last_dir = (uint8_t)mv->dir;
		return;
	}
	expires = atomic_load(&ct->expires_ns);
	left = expires > ct->last_ns ? expires - ct->last_ns : 0;
	shorter = (uint64_t)cfg->tcp_timeout_unacknowledged * CT_TCP_NS_PER_S;
	if (left >= 120 * CT_TCP_NS_PER_S && left > shorter)
		atomic_store(&ct->expires_ns, ct->last_ns + shorter);
}

static int ct_tcp_packet(struct ct_entry *ct, const struct pkt *p, enum ct_dir dir,
			 const struct ct_settings *cfg, struct ct_reason *why)
{
	struct ct_tcp_state *st = &ct->proto.tcp;
	struct ct_tcp_seg seg;
	struct ct_tcp_move mv = { .dir = dir, .seg = &seg };
	enum ct_tcp_step step;

	if ((unsigned int)dir >= CT_DIR_COUNT) {
		ct_why(why, "no such direction: %d", (int)dir);
		return CT_PACKET_INVALID;
	}
	if (!ct_tcp_segment(p, &seg, why))
		return CT_PACKET_INVALID;
	mv.old = st->state;
	mv.next = ct_tcp_next_state(dir, seg.cls, st->state);
	step = ct_tcp_special(ct, &mv, why);
	if (step == CT_TCP_STEP_DONE)
		return mv.result;
	if (step == CT_TCP_STEP_CHECK_WINDOW) {
		switch (ct_tcp_in_window(st, &seg, dir, cfg, why)) {
		case CT_TCP_WIN_ACCEPT:
			break;
		case CT_TCP_WIN_IGNORE:
			return CT_PACKET_KEEP_TIMEOUT;
		case CT_TCP_WIN_INVALID:
			ct_tcp_note_invalid(ct, &mv, cfg);
			return CT_PACKET_INVALID;
		}
	}
	return ct_tcp_accept(ct, &mv, cfg, why);
}

static int ct_tcp_print_state(const struct ct_entry *ct, char *buf, size_t size)
{
	return snprintf(buf, size, "%s", ct_tcp_state_name(ct->proto.tcp.state));
}

/* Asked about ASSURED entries only (the core may always drop the others):
 * those that are closing anyway may go too (the kernel's
 * tcp_can_early_drop). */
static bool ct_tcp_can_early_drop(const struct ct_entry *ct)
{
	return ct_tcp_closing(ct->proto.tcp.state);
}

const struct ct_l4proto ct_l4proto_tcp = {
	.name           = "tcp",
	.l4proto        = IPPROTO_TCP,
	.pkt_to_tuple   = ct_tcp_pkt_to_tuple,
	.invert_tuple   = ct_tcp_invert_tuple,
	.new_conn       = ct_tcp_new_conn,
	.packet         = ct_tcp_packet,
	.print_state    = ct_tcp_print_state,
	.can_early_drop = ct_tcp_can_early_drop,
};
