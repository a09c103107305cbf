/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the two halves of the TCP tracker share: the state machine (tcp.c)
 * hands each segment, reduced to the numbers that matter, to the window
 * tracking (tcp_window.c). Not for use outside src/ct/proto/tcp*.c and their
 * unit tests. */
#ifndef NFQFW_CT_PROTO_TCP_INTERNAL_H
#define NFQFW_CT_PROTO_TCP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "nfqfw/ct.h"
#include "nfqfw/ct_tcp.h"
#include "nfqfw/pkt.h"

/* TCP header flag bits as struct pkt_tcp carries them. */
enum {
	CT_TCPH_FIN = 0x01,
	CT_TCPH_SYN = 0x02,
	CT_TCPH_RST = 0x04,
	CT_TCPH_PSH = 0x08,
	CT_TCPH_ACK = 0x10,
	CT_TCPH_URG = 0x20,
	CT_TCPH_ECE = 0x40,
	CT_TCPH_CWR = 0x80,
};

/* RFC 7323, section 2.3: a shift count above 14 is treated as 14. */
#define CT_TCP_MAX_WSCALE 14u

/* The flag class of a segment: the middle index of the state table. RST
 * wins over SYN, SYN over FIN, FIN over ACK (the kernel's order). */
enum ct_tcp_class {
	CT_TCP_CLASS_SYN,
	CT_TCP_CLASS_SYNACK,
	CT_TCP_CLASS_FIN,
	CT_TCP_CLASS_ACK,
	CT_TCP_CLASS_RST,
	CT_TCP_CLASS_NONE,
	CT_TCP_CLASS_COUNT
};

/* Results of the state table besides a state: the cell's alias in the
 * table is sIV (invalid) or sIG (ignored). */
enum {
	CT_TCP_INVALID = CT_TCP_STATE_COUNT,
	CT_TCP_IGNORE,
};

/* One segment, as the tracker sees it. */
struct ct_tcp_seg {
	const struct pkt_tcp *tcp;  /* flags, window, options, SACK blocks */
	uint32_t seq, ack;
	uint32_t end;               /* seq + payload + 1 for SYN + 1 for FIN */
	uint8_t cls;                /* enum ct_tcp_class */
};

/* Window tracking verdicts (the kernel's nf_ct_tcp_action). */
enum ct_tcp_win {
	CT_TCP_WIN_ACCEPT,          /* in window: the state may move */
	CT_TCP_WIN_IGNORE,          /* let through, nothing learnt from it */
	CT_TCP_WIN_INVALID,         /* out of window */
};

static inline bool ct_tcp_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool ct_tcp_after(uint32_t a, uint32_t b)
{
	return ct_tcp_before(b, a);
}

enum ct_tcp_class ct_tcp_class_of(uint8_t flags);
/* The three-letter aliases of the state table and its comments (the
 * seeds' notation, as the kernel's table uses too). */
#define sNO CT_TCP_NONE
#define sSS CT_TCP_SYN_SENT
#define sSR CT_TCP_SYN_RECV
#define sES CT_TCP_ESTABLISHED
#define sFW CT_TCP_FIN_WAIT
#define sCW CT_TCP_CLOSE_WAIT
#define sLA CT_TCP_LAST_ACK
#define sTW CT_TCP_TIME_WAIT
#define sCL CT_TCP_CLOSE
#define sS2 CT_TCP_SYN_SENT2
#define sIV CT_TCP_INVALID
#define sIG CT_TCP_IGNORE

/* The state table's cell: a state, CT_TCP_INVALID or CT_TCP_IGNORE. */
uint8_t ct_tcp_next_state(enum ct_dir dir, enum ct_tcp_class cls,
			  enum ct_tcp_state_id old);
const char *ct_tcp_class_name(enum ct_tcp_class cls);

/* Window setup for the first packet of an entry: a SYN (the client's
 * window and options) or, for a connection picked up mid-stream, any
 * other packet (both directions then liberal, as the kernel does). */
void ct_tcp_window_init_syn(struct ct_tcp_state *st, const struct ct_tcp_seg *seg);
void ct_tcp_window_init_pickup(struct ct_tcp_state *st, const struct ct_tcp_seg *seg);
/* Forgets what one direction has shown (keeps only BE_LIBERAL). */
void ct_tcp_peer_reset(struct ct_tcp_peer *peer);

/* Checks SEG against the windows of both directions and, when it is in
 * window, learns from it. DIR is the direction SEG travels. */
enum ct_tcp_win ct_tcp_in_window(struct ct_tcp_state *st, const struct ct_tcp_seg *seg,
				 enum ct_dir dir, const struct ct_settings *cfg,
				 struct ct_reason *why);

#endif
