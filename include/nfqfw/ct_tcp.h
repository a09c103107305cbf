/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TCP connection tracking state: the state machine's states and the window
 * tracking data of each direction (after Guido van Rooij, "Real Stateful TCP
 * Packet Filtering in IP Filter"), kept inside every TCP entry. The tracker
 * itself is src/ct/proto/tcp.c (state machine) and tcp_window.c (windows). */
#ifndef NFQFW_CT_TCP_H
#define NFQFW_CT_TCP_H

#include <stdint.h>

/* The order is the kernel's (enum tcp_conntrack), so that numbers seen in
 * the kernel's logs and in ours mean the same state. */
enum ct_tcp_state_id {
	CT_TCP_NONE,
	CT_TCP_SYN_SENT,
	CT_TCP_SYN_RECV,
	CT_TCP_ESTABLISHED,
	CT_TCP_FIN_WAIT,
	CT_TCP_CLOSE_WAIT,
	CT_TCP_LAST_ACK,
	CT_TCP_TIME_WAIT,
	CT_TCP_CLOSE,
	CT_TCP_SYN_SENT2,       /* simultaneous open */
	CT_TCP_STATE_COUNT
};

/* The name `conntrack -L` prints ("ESTABLISHED"); "UNKNOWN" out of range. */
const char *ct_tcp_state_name(enum ct_tcp_state_id s);

/* Bits of struct ct_tcp_peer::flags: what one side has shown of itself. */
enum {
	CT_TCP_F_WINDOW_SCALE  = 1u << 0,  /* its SYN carried a window scale */
	CT_TCP_F_SACK_PERM     = 1u << 1,  /* its SYN allowed SACK */
	CT_TCP_F_CLOSE_INIT    = 1u << 2,  /* it sent the first FIN */
	CT_TCP_F_BE_LIBERAL    = 1u << 3,  /* window only guessed (picked up
					    * mid-stream): checks never refuse */
	CT_TCP_F_DATA_UNACKED  = 1u << 4,  /* it sent data not acknowledged yet */
	CT_TCP_F_MAXACK_SET    = 1u << 5,  /* td_maxack holds a value */
};

/* Window tracking data of one direction ("sender" when its packet is being
 * looked at, "receiver" when the other side's is). Sequence numbers are
 * compared in serial arithmetic (RFC 1982): they wrap through 2^32. */
struct ct_tcp_peer {
	uint32_t td_end;        /* highest seq + len sent */
	uint32_t td_maxend;     /* highest ack + window the other side allowed:
				 * the right edge this side may send up to */
	uint32_t td_maxwin;     /* largest window (scaled) this side offered,
				 * 0 while nothing has been seen from it */
	uint32_t td_maxack;     /* highest ack this side sent */
	uint8_t  td_scale;      /* window scale factor (0..14) */
	uint8_t  flags;         /* CT_TCP_F_* */
};

/* Bits of struct ct_tcp_state::last_flags. */
enum {
	CT_TCP_LF_WINDOW_SCALE   = 1u << 0,  /* the ignored SYN had a window scale */
	CT_TCP_LF_SACK_PERM      = 1u << 1,  /* the ignored SYN allowed SACK */
	CT_TCP_LF_CHALLENGE_ACK  = 1u << 2,  /* an RFC 5961 challenge ACK may follow */
	CT_TCP_LF_SIMULTANEOUS   = 1u << 3,  /* SYN_SENT2 was passed through */
};

struct ct_tcp_state {
	struct ct_tcp_peer seen[2];  /* indexed by enum ct_dir */
	uint8_t  state;         /* enum ct_tcp_state_id */
	/* The last packet that got past the state machine (or was ignored):
	 * its direction and flag class, and what is needed to resynchronise
	 * on it (an ignored SYN) or to count retransmissions (ACKs). */
	uint8_t  last_dir;
	uint8_t  last_index;    /* flag class, see tcp.c */
	uint8_t  retrans;       /* identical ACK segments in a row */
	uint32_t last_seq, last_ack, last_end;
	uint16_t last_win;
	uint8_t  last_wscale, last_flags;
};

#endif
