/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TCP connection tracking state: the state machine's states and the window
 * tracking data of each direction (after Guido van Rooij, "Real Stateful TCP
 * Packet Filtering in IP Filter"). */
#ifndef NFQFW_CT_TCP_H
#define NFQFW_CT_TCP_H

#include <stdint.h>

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

const char *ct_tcp_state_name(enum ct_tcp_state_id s);

/* What one direction has shown of itself. */
struct ct_tcp_peer {
	uint32_t td_end;        /* max of seq + len */
	uint32_t td_maxend;     /* max of ack + max(win, 1) */
	uint32_t td_maxwin;     /* max(win) */
	uint8_t  td_scale;      /* window scale factor */
	uint8_t  flags;         /* CT_TCP_F_* */
};

struct ct_tcp_state {
	struct ct_tcp_peer seen[2];
	uint8_t  state;         /* enum ct_tcp_state_id */
	uint8_t  last_dir;
	uint8_t  retrans;
	uint8_t  last_index;
	uint32_t last_seq, last_ack, last_end;
	uint16_t last_win;
	uint8_t  last_wscale, last_flags;
};

#endif
