/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the TCP window tracking: each of the four bounds just
 * inside and just outside, sequence numbers wrapping through 2^32, window
 * scaling on both sides or one, SACK blocks, retransmissions and the
 * timeouts they lead to, zero windows, and tcp_be_liberal. The expected
 * numbers are worked out here from the handshake each test makes. */
#include <string.h>

#include "unit.h"
#include "tcp-harness.h"

#define ORIG CT_DIR_ORIGINAL
#define REPL CT_DIR_REPLY
#define C0 100000u
#define S0 500000u
#define WIN 8000

/* After th_handshake(C0, S0, 8000, 8000), no options:
 *   client: td_end = C0 + 1, td_maxend = C0 + 1 + 8000, td_maxwin = 8000
 *   server: td_end = S0 + 1, td_maxend = S0 + 1 + 8000, td_maxwin = 8000 */
static void base(struct th *h)
{
	th_init(h);
	th_handshake(h, C0, S0, WIN, WIN, NULL, NULL);
	CU_ASSERT_EQUAL_FATAL(h->ct.proto.tcp.seen[ORIG].td_end, C0 + 1);
	CU_ASSERT_EQUAL_FATAL(h->ct.proto.tcp.seen[ORIG].td_maxend, C0 + 1 + WIN);
	CU_ASSERT_EQUAL_FATAL(h->ct.proto.tcp.seen[REPL].td_maxwin, WIN);
}

/* I. seq <= sender.td_maxend */
static void test_seq_upper_bound(void)
{
	struct th h;

	base(&h);
	/* exactly at the right edge */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, 108001, S0 + 1, WIN, 0, NULL), TH_T_UNACK);
	th_fini(&h);

	/* starting inside, ending past it: the receiver's window must have
	 * been larger than we knew, by the excess */
	base(&h);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, 107901, S0 + 1, WIN, 500, NULL),
			TH_T_UNACK);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[REPL].td_maxwin, WIN + 400);
	th_fini(&h);

	/* one past it: a stack overshooting the window a little, let through
	 * without moving anything but the sender's end */
	base(&h);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, 108002, S0 + 1, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "SEQ is 2 bytes over the window of the receiver (let through): ",
		      "seq=108002 end=108002 maxend=108001");
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, 108002);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_maxend, 108001);
	th_fini(&h);

	/* the overshoot tolerated is the receiver's largest window */
	base(&h);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, 116000, S0 + 1, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "SEQ is 8000 bytes over");
	th_fini(&h);

	base(&h);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, 116001, S0 + 1, WIN, 0, NULL),
			CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "SEQ is over the upper bound (over the window of the receiver): ",
		      "seq=116001 end=116001 maxend=108001");
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, C0 + 1);
	th_fini(&h);
}

/* Out-of-window packets do not move the state. */
static void test_out_of_window_fin_keeps_state(void)
{
	struct th h;

	base(&h);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, F | A, 120000, S0 + 1, WIN, 0, NULL),
			CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "SEQ is over the upper bound");
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	CU_ASSERT_FALSE(h.ct.proto.tcp.seen[ORIG].flags & CT_TCP_F_CLOSE_INIT);
	/* the FIN in window still closes */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, F | A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_FIN_WAIT);
	th_fini(&h);
}

/* III. sack <= receiver.td_end */
static void test_ack_upper_bound(void)
{
	struct th h;

	base(&h);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, C0 + 1, S0 + 1, WIN, 1000, NULL),
			TH_T_UNACK);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1002, WIN, 0, NULL),
			CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "ACK is over the upper bound (ACKed data not seen yet): ",
		      "ack=101002 end=101001");
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1001, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	th_fini(&h);
}

/* II. end >= sender.td_end - receiver.td_maxwin: older data is a
 * retransmission of what was acknowledged; let through, not learnt. */
static void test_seq_lower_bound(void)
{
	struct th h;

	base(&h);
	th_send(&h, ORIG, A | P, C0 + 1, S0 + 1, WIN, 3000, NULL);
	th_send(&h, ORIG, A | P, C0 + 3001, S0 + 1, WIN, 2000, NULL);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, 105001, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	/* lower bound: 105001 - 8000 = 97001 */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, 96001, S0 + 1, WIN, 1000, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, 96000, S0 + 1, WIN, 1000, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "SEQ is under the lower bound (already ACKed data retransmitted): ",
		      "seq=96000 end=97000 lower=97001");
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, 105001);
	th_fini(&h);
}

/* IV. sack >= receiver.td_end - max(sender.td_maxwin, 66000) */
static void test_ack_lower_bound(void)
{
	struct th h;

	base(&h);
	/* 100001 - 66000 */
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, 34001, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, 34000, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "ACK is under the lower bound (possibly overly delayed): ",
		      "ack=34000 lower=34001");
	th_fini(&h);
}

/* With a window larger than 66000 the ACK may lag by that window. */
static void test_ack_lower_bound_large_window(void)
{
	const uint32_t c0 = 1000000, s0 = 5000000;
	struct th_opts ws;
	struct th h;

	th_init(&h);
	th_opts_init(&ws);
	th_opts_wscale(&ws, 7);
	CU_ASSERT_TRUE(th_open(&h, S, c0, 0, 65535, 0, &ws));
	th_send(&h, REPL, S | A, s0, c0 + 1, 65535, 0, &ws);
	th_send(&h, ORIG, A, c0 + 1, s0 + 1, 1000, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, s0 + 1, c0 + 1, 1000, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[REPL].td_maxwin, 128000);
	/* 1000001 - 128000 */
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, s0 + 1, 872001, 1000, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, s0 + 1, 872000, 1000, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "ACK is under the lower bound", "ack=872000 lower=872001");
	th_fini(&h);
}

/* Sequence numbers crossing 2^32 in the middle of the data. */
static void test_wrapping(void)
{
	const uint32_t c0 = 0xfffff000u;    /* 4294963200 */
	struct th h;

	th_init(&h);
	th_handshake(&h, c0, S0, WIN, WIN, NULL, NULL);
	/* right edge past 2^32: 4294963201 + 8000 - 2^32 = 3905 */
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_maxend, 3905u);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, c0 + 1, S0 + 1, WIN, 4000, NULL),
			TH_T_UNACK);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, 0xffffffa1u);
	/* 4294967201 + 3000 wraps to 2905 */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, 0xffffffa1u, S0 + 1, WIN, 3000, NULL),
			TH_T_UNACK);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, 2905u);
	/* ACKs before and after the wrap; one past the data is refused */
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, 0xffffffa1u, WIN, 0, NULL),
			TH_T_UNACK);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, 2906, WIN, 0, NULL),
			CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "ACK is over the upper bound", "ack=2906 end=2905");
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, 2905, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	/* right edge now 2905 + 8000; overshooting by the window is refused */
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_maxend, 10905u);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, 18906, S0 + 1, WIN, 0, NULL),
			CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "SEQ is over the upper bound", "seq=18906 end=18906 maxend=10905");
	/* lower bound 2905 - 8000 = 4294962201, before the wrap */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, 4294961201u, S0 + 1, WIN, 1000, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, 4294961200u, S0 + 1, WIN, 1000, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "SEQ is under the lower bound", "end=4294962200 lower=4294962201");
	th_fini(&h);
}

/* Handshake with windows of 1000 in the SYNs, the client asking for scale
 * CS and the server for SS (-1: no option); then the server announces a
 * window field of 1000. */
static void scaled(struct th *h, int cs, int ss)
{
	struct th_opts co, so;

	th_init(h);
	th_opts_init(&co);
	th_opts_init(&so);
	th_opts_mss(&co, 1460);
	th_opts_mss(&so, 1460);
	if (cs >= 0)
		th_opts_wscale(&co, (uint8_t)cs);
	if (ss >= 0)
		th_opts_wscale(&so, (uint8_t)ss);
	CU_ASSERT_TRUE_FATAL(th_open(h, S, C0, 0, 1000, 0, &co));
	CU_ASSERT_EQUAL_FATAL(th_send(h, REPL, S | A, S0, C0 + 1, 1000, 0, &so),
			      TH_T_SYN_RECV);
	CU_ASSERT_EQUAL_FATAL(th_send(h, ORIG, A, C0 + 1, S0 + 1, 1000, 0, NULL),
			      TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL_FATAL(th_send(h, REPL, A, S0 + 1, C0 + 1, 1000, 0, NULL),
			      TH_T_ESTABLISHED);
}

static void test_scaled_both(void)
{
	struct th h;

	scaled(&h, 2, 7);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_scale, 2);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[REPL].td_scale, 7);
	/* the server's 1000 means 128000 bytes */
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_maxend, C0 + 1 + 128000);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[REPL].td_maxwin, 128000);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1 + 128000, S0 + 1, 1000, 0, NULL),
			TH_T_UNACK);
	th_fini(&h);
}

/* RFC 7323 2.2: one side alone asking for scaling gets none either way. */
static void test_scaled_one_side(void)
{
	for (int server = 0; server < 2; server++) {
		struct th h;

		scaled(&h, server ? -1 : 2, server ? 7 : -1);
		CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_scale, 0);
		CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[REPL].td_scale, 0);
		CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_maxend, C0 + 1 + 1000);
		/* what was fine with scaling is far out now */
		CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1 + 128000, S0 + 1, 1000, 0, NULL),
				CT_PACKET_INVALID);
		TH_ASSERT_WHY(&h, "SEQ is over the upper bound", "maxend=101001");
		th_fini(&h);
	}
}

/* RFC 7323 2.3: shifts above 14 count as 14. */
static void test_scale_capped(void)
{
	struct th h;

	scaled(&h, 15, 200);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_scale, 14);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[REPL].td_scale, 14);
	th_fini(&h);
}

/* Client sends 3000 bytes after a handshake where both allowed SACK (or
 * only the server did, if CLIENT_SACK is false). */
static void sack_setup(struct th *h, bool client_sack)
{
	struct th_opts co, so;

	th_init(h);
	th_opts_init(&co);
	th_opts_init(&so);
	if (client_sack)
		th_opts_sack_perm(&co);
	th_opts_sack_perm(&so);
	th_handshake(h, C0, S0, WIN, WIN, &co, &so);
	CU_ASSERT_EQUAL_FATAL(th_send(h, ORIG, A | P, C0 + 1, S0 + 1, WIN, 3000, NULL),
			      TH_T_UNACK);
}

static void test_sack_raises_ack(void)
{
	const uint32_t ok[2][2] = { { 102001, 103001 }, { 101001, 101501 } };
	const uint32_t over[1][2] = { { 101001, 103002 } };
	struct th_opts o;
	struct th h;

	sack_setup(&h, true);
	th_opts_init(&o);
	th_opts_sack(&o, ok, 2);
	/* the highest right edge counts; it also widens the server's window */
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1, WIN, 0, &o), TH_T_UNACK);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[REPL].td_maxwin, WIN + 3000);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_maxend, 103001 + WIN);
	th_opts_init(&o);
	th_opts_sack(&o, over, 1);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1, WIN, 0, &o),
			CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "ACK is over the upper bound", "ack=103002 end=103001");
	th_fini(&h);
}

/* An old ACK whose SACK edge is recent passes the lower bound. */
static void test_sack_passes_lower_bound(void)
{
	const uint32_t blk[1][2] = { { 101001, 103001 } };
	struct th_opts o;
	struct th h;

	sack_setup(&h, true);
	/* lower bound 103001 - 66000 = 37001 */
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, 30000, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "ACK is under the lower bound", "ack=30000 lower=37001");
	th_opts_init(&o);
	th_opts_sack(&o, blk, 1);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, 30000, WIN, 0, &o), TH_T_UNACK);
	th_fini(&h);
}

/* SACK blocks only count if the data's sender allowed SACK in its SYN. */
static void test_sack_not_permitted(void)
{
	const uint32_t over[1][2] = { { 101001, 103002 } };
	struct th_opts o;
	struct th h;

	sack_setup(&h, false);
	th_opts_init(&o);
	th_opts_sack(&o, over, 1);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1, WIN, 0, &o), TH_T_UNACK);
	th_fini(&h);
}

/* The same ACK over and over: after tcp_max_retrans of them the
 * connection gets tcp_timeout_max_retrans. */
static void test_retransmissions(void)
{
	struct th h;

	base(&h);
	/* the handshake's ACK again: retransmissions 1 and 2 */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.retrans, 2);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_MAX_RETRANS);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_MAX_RETRANS);
	/* an answer ends the series */
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.retrans, 0);
	th_fini(&h);

	/* a different window is a different segment */
	base(&h);
	th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL);
	th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN - 1, 0, NULL),
			TH_T_ESTABLISHED);
	th_fini(&h);

	/* tcp_max_retrans = 5 */
	base(&h);
	h.cfg.tcp_max_retrans = 5;
	for (int i = 1; i <= 4; i++)
		CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL),
				TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_MAX_RETRANS);
	th_fini(&h);
}

/* Unacknowledged data retransmitted: the unacknowledged timeout, then the
 * retransmission one once tcp_max_retrans copies have gone by. */
static void test_data_retransmissions(void)
{
	struct th h;

	base(&h);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, C0 + 1, S0 + 1, WIN, 100, NULL),
			TH_T_UNACK);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, C0 + 1, S0 + 1, WIN, 100, NULL),
			TH_T_UNACK);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, C0 + 1, S0 + 1, WIN, 100, NULL),
			TH_T_UNACK);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, C0 + 1, S0 + 1, WIN, 100, NULL),
			TH_T_MAX_RETRANS);
	th_fini(&h);
}

/* A zero window: the connection may stall, so the retransmission timeout;
 * and only a one-byte probe fits. */
static void test_zero_window(void)
{
	struct th h;

	base(&h);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1, 0, 0, NULL),
			TH_T_MAX_RETRANS);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	th_fini(&h);

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	th_send(&h, REPL, S | A, S0, C0 + 1, 0, 0, NULL);
	/* right edge C0 + 1 + 0, plus one for the probe */
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_maxend, C0 + 2);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 2, S0 + 1, WIN, 0, NULL), TH_T_UNACK);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 4, S0 + 1, WIN, 0, NULL),
			CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "SEQ is over the upper bound", "maxend=100002");
	th_fini(&h);
}

/* tcp_be_liberal: window failures pass (not learnt from); only a RST under
 * the other side's ACK stays invalid. */
static void test_be_liberal(void)
{
	struct th h;

	base(&h);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 50000, S0 + 1, WIN, 0, NULL),
			CT_PACKET_INVALID);
	h.cfg.tcp_be_liberal = true;
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 50000, S0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, C0 + 1);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 900, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, 1, WIN, 0, NULL), TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R, C0, 0, 0, 0, NULL), CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "RST is under the lower bound");
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	th_fini(&h);
}

static const struct unit_test bound_tests[] = {
	{ "I. seq upper bound", test_seq_upper_bound },
	{ "II. seq lower bound", test_seq_lower_bound },
	{ "III. ack upper bound", test_ack_upper_bound },
	{ "IV. ack lower bound", test_ack_lower_bound },
	{ "IV. with a window over 66000", test_ack_lower_bound_large_window },
	{ "out-of-window FIN keeps the state", test_out_of_window_fin_keeps_state },
	{ "wrapping through 2^32", test_wrapping },
	{ NULL, NULL }
};

static const struct unit_test option_tests[] = {
	{ "window scale on both sides", test_scaled_both },
	{ "window scale on one side", test_scaled_one_side },
	{ "window scale capped at 14", test_scale_capped },
	{ "SACK raises the ack", test_sack_raises_ack },
	{ "SACK passes the lower bound", test_sack_passes_lower_bound },
	{ "SACK not permitted", test_sack_not_permitted },
	{ NULL, NULL }
};

static const struct unit_test timeout_tests[] = {
	{ "retransmitted ACKs", test_retransmissions },
	{ "retransmitted data", test_data_retransmissions },
	{ "zero window", test_zero_window },
	{ "tcp_be_liberal", test_be_liberal },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "tcp window bounds", bound_tests },
	{ "tcp window options", option_tests },
	{ "tcp window timeouts", timeout_tests },
	{ NULL, NULL }
};

UNIT_MAIN(suites)
