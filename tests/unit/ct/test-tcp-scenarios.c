/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the TCP tracker on whole connections: handshakes (normal,
 * simultaneous, retransmitted), data, closes from either side, RSTs in and
 * out of window, SYNs in ESTABLISHED and the resynchronisation on them,
 * reuse of a closed connection, mid-stream pickup, invalid flags, and the
 * ops around the state machine (tuples, names, early drop). */
#include <limits.h>
#include <netinet/in.h>
#include <string.h>

#include "unit.h"
#include "tcp-harness.h"
#include "pkt/pktbuild.h"

#define ORIG CT_DIR_ORIGINAL
#define REPL CT_DIR_REPLY
#define C0 100000u
#define S0 500000u
#define WIN 8000

static void test_handshake(void)
{
	struct th h;
	char buf[32];

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	CU_ASSERT_EQUAL(h.last, TH_T_SYN_SENT);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_SYN_SENT);
	CU_ASSERT_FALSE(th_assured(&h));
	CU_ASSERT_EQUAL(th_send(&h, REPL, S | A, S0, C0 + 1, WIN, 0, NULL),
			TH_T_SYN_RECV);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_SYN_RECV);
	/* the SYN/ACK alone does not assure the connection */
	CU_ASSERT_FALSE(th_assured(&h));
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	CU_ASSERT_TRUE(th_assured(&h));
	CU_ASSERT_EQUAL(ct_l4proto_tcp.print_state(&h.ct, buf, sizeof(buf)), 11);
	CU_ASSERT_STRING_EQUAL(buf, "ESTABLISHED");
	th_fini(&h);
}

static void test_handshake_ipv6_with_data(void)
{
	struct th h;

	th_init(&h);
	h.family = 6;
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	CU_ASSERT_EQUAL(h.p.family, 6);
	/* data waiting for its ACK: the unacknowledged timeout */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, C0 + 1, S0 + 1, WIN, 1000, NULL),
			TH_T_UNACK);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, C0 + 1001);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1001, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	th_fini(&h);
}

/* Both SYNs cross; each side answers the other's with a SYN/ACK. */
static void test_simultaneous_open(void)
{
	struct th h;

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	/* no answer to the client's SYN yet: the timeout is not renewed */
	CU_ASSERT_EQUAL(th_send(&h, REPL, S, S0, 0, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_SYN_SENT2);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, S | A, C0, S0 + 1, WIN, 0, NULL),
			TH_T_SYN_RECV);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_SYN_RECV);
	/* the server's SYN/ACK is now a retransmission as far as the table
	 * knows: ignored */
	CU_ASSERT_EQUAL(th_send(&h, REPL, S | A, S0, C0 + 1, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_SYN_RECV);
	/* an ACK from the server completes a simultaneous open */
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	CU_ASSERT_TRUE(th_assured(&h));
	th_fini(&h);
}

/* Without a simultaneous open, the server's ACK in SYN_RECV does not. */
static void test_reply_ack_in_syn_recv(void)
{
	struct th h;

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	th_send(&h, REPL, S | A, S0, C0 + 1, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1, WIN, 0, NULL),
			TH_T_SYN_RECV);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_SYN_RECV);
	CU_ASSERT_FALSE(th_assured(&h));
	th_fini(&h);
}

static void test_simultaneous_open_client_acks(void)
{
	struct th h;

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	th_send(&h, REPL, S, S0, 0, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, S | A, C0, S0 + 1, WIN, 0, NULL),
			TH_T_SYN_RECV);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_TRUE(th_assured(&h));
	th_fini(&h);
}

static void test_retransmitted_syn(void)
{
	struct th h;

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	h.now_ns += 10000000000ull;
	CU_ASSERT_EQUAL(th_send(&h, ORIG, S, C0, 0, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "retransmitted SYN: timeout not renewed");
	CU_ASSERT_EQUAL(th_left(&h), TH_T_SYN_SENT - 10);
	/* a restarted client with a new ISN: the SYN re-initialises its side,
	 * so a SYN/ACK for the new ISN is in window */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, S, C0 + 5000, 0, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, C0 + 5001);
	CU_ASSERT_EQUAL(th_send(&h, REPL, S | A, S0, C0 + 5001, WIN, 0, NULL),
			TH_T_SYN_RECV);
	th_fini(&h);
}

/* A retransmitted SYN without options keeps what the first one asked for
 * (window scale, SACK). */
static void test_retransmitted_syn_keeps_options(void)
{
	struct th_opts o;
	struct th h;

	th_init(&h);
	th_opts_init(&o);
	th_opts_wscale(&o, 3);
	th_opts_sack_perm(&o);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, &o));
	CU_ASSERT_EQUAL(th_send(&h, ORIG, S, C0 + 5000, 0, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	th_opts_init(&o);
	th_opts_wscale(&o, 6);
	CU_ASSERT_EQUAL(th_send(&h, REPL, S | A, S0, C0 + 5001, WIN, 0, &o),
			TH_T_SYN_RECV);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_scale, 3);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[REPL].td_scale, 6);
	CU_ASSERT_TRUE(h.ct.proto.tcp.seen[ORIG].flags & CT_TCP_F_SACK_PERM);
	th_fini(&h);
}

static void test_retransmitted_synack_ignored(void)
{
	struct th h;

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	th_send(&h, REPL, S | A, S0, C0 + 1, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, REPL, S | A, S0, C0 + 1, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "SYN/ACK in the reply direction ignored in state SYN_RECV");
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	th_fini(&h);
}

static void test_data_both_ways(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P, C0 + 1, S0 + 1, WIN, 500, NULL),
			TH_T_UNACK);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A | P, S0 + 1, C0 + 501, WIN, 300, NULL),
			TH_T_UNACK);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 501, S0 + 301, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	th_fini(&h);
}

/* The seeds' D3 -> E10 -> F9 -> G4: the client closes first. */
static void test_close_from_client(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	CU_ASSERT_FALSE(ct_l4proto_tcp.can_early_drop(&h.ct));
	CU_ASSERT_EQUAL(th_send(&h, ORIG, F | A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_FIN_WAIT);
	CU_ASSERT_TRUE(h.ct.proto.tcp.seen[ORIG].flags & CT_TCP_F_CLOSE_INIT);
	CU_ASSERT_FALSE(h.ct.proto.tcp.seen[REPL].flags & CT_TCP_F_CLOSE_INIT);
	CU_ASSERT_TRUE(ct_l4proto_tcp.can_early_drop(&h.ct));
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 2, WIN, 0, NULL),
			TH_T_CLOSE_WAIT);
	CU_ASSERT_EQUAL(th_send(&h, REPL, F | A, S0 + 1, C0 + 2, WIN, 0, NULL),
			TH_T_LAST_ACK);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 2, S0 + 2, WIN, 0, NULL),
			TH_T_TIME_WAIT);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_TIME_WAIT);
	CU_ASSERT_TRUE(ct_l4proto_tcp.can_early_drop(&h.ct));
	th_fini(&h);
}

static void test_close_from_server(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	CU_ASSERT_EQUAL(th_send(&h, REPL, F | A, S0 + 1, C0 + 1, WIN, 0, NULL),
			TH_T_FIN_WAIT);
	CU_ASSERT_TRUE(h.ct.proto.tcp.seen[REPL].flags & CT_TCP_F_CLOSE_INIT);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 2, WIN, 0, NULL),
			TH_T_CLOSE_WAIT);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, F | A, C0 + 1, S0 + 2, WIN, 0, NULL),
			TH_T_LAST_ACK);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 2, C0 + 2, WIN, 0, NULL),
			TH_T_TIME_WAIT);
	th_fini(&h);
}

/* D3 -> E9: both FINs cross. */
static void test_close_simultaneous(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, F | A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_FIN_WAIT);
	CU_ASSERT_EQUAL(th_send(&h, REPL, F | A, S0 + 1, C0 + 1, WIN, 0, NULL),
			TH_T_LAST_ACK);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 2, S0 + 2, WIN, 0, NULL),
			TH_T_TIME_WAIT);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 2, C0 + 2, WIN, 0, NULL),
			TH_T_TIME_WAIT);
	th_fini(&h);
}

static void test_rst_in_window(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	CU_ASSERT_EQUAL(th_send(&h, REPL, R | A, S0 + 1, C0 + 1, 0, 0, NULL), TH_T_CLOSE);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_CLOSE);
	th_fini(&h);
}

static void test_rst_over_window_invalid(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	/* the client may send up to C0 + 1 + 8000 (+ the window it is
	 * tolerated to overshoot, 8000) */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R, C0 + 1 + 16001, 0, 0, 0, NULL),
			CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "SEQ is over the upper bound (over the window of the receiver): ",
		      "seq=116002 end=116002 maxend=108001");
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	th_fini(&h);
}

static void test_rst_under_maxack_invalid(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	/* the server has acknowledged C0 + 1: a RST before it is stale */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R, C0, 0, 0, 0, NULL), CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "RST is under the lower bound (before what the other side "
		      "acknowledged): ", "seq=100000 maxack=100001");
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	/* tcp_be_liberal does not change that */
	h.cfg.tcp_be_liberal = true;
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R, C0, 0, 0, 0, NULL), CT_PACKET_INVALID);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	th_fini(&h);
}

/* RFC 5961 3.2: a RST in window whose seq is not the expected one draws a
 * challenge ACK; the connection is not over yet. */
static void test_rst_inexact_keeps_established(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R, C0 + 101, 0, 0, 0, NULL), TH_T_CLOSE);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	th_fini(&h);
}

/* Data, then a RST right after it: the end of a train, accepted. */
static void test_rst_after_data_train(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	th_send(&h, ORIG, A | P, C0 + 1, S0 + 1, WIN, 100, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R, C0 + 101, 0, 0, 0, NULL), TH_T_CLOSE);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_CLOSE);
	th_fini(&h);
}

/* Once closing, the ports may already carry a new connection: any RST
 * is accepted. */
static void test_rst_when_closing_not_checked(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	th_send(&h, ORIG, F | A, C0 + 1, S0 + 1, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, REPL, R, S0 + 3000000, 0, 0, 0, NULL), TH_T_CLOSE);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_CLOSE);
	th_fini(&h);
}

/* Connection refused: the server's RST (seq 0, ACK of the SYN). */
static void test_rst_refused_kills(void)
{
	struct th h;

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	CU_ASSERT_EQUAL(th_send(&h, REPL, R | A, 0, C0 + 1, 0, 0, NULL), 0);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_CLOSE);
	TH_ASSERT_WHY(&h, "RST before any reply");
	/* a RST that acknowledges something never sent is refused (one
	 * more than the SYN would pass: taken for a keep-alive answer) */
	th_fini(&h);
	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	CU_ASSERT_EQUAL(th_send(&h, REPL, R | A, 0, C0 + 3, 0, 0, NULL),
			CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "ACK is over the upper bound (ACKed data not seen yet): ",
		      "ack=100003 end=100001");
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_SYN_SENT);
	th_fini(&h);
}

/* The client's RST answering a challenge ACK the server sent to its SYN
 * (RFC 5961: the server still had an old connection on these ports) is
 * accepted where it lands: at the sequence number the server asked for. */
static void test_rst_answering_challenge_ack_in_syn_sent(void)
{
	struct th h;

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0, 777777, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "ACK in the reply direction ignored in state SYN_SENT");
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R, 777777, 0, 0, 0, NULL), TH_T_CLOSE);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_CLOSE);
	th_fini(&h);

	/* elsewhere that RST would be far out of window */
	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	th_send(&h, REPL, A, S0, 777777, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R, 777778, 0, 0, 0, NULL), CT_PACKET_INVALID);
	th_fini(&h);
}

/* A half-open server answers the SYN with a bare ACK (ignored); the
 * client's RST for that ACK acknowledges its end and is accepted without
 * window checks. */
static void test_rst_answering_half_open_ack(void)
{
	struct th h;

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	th_send(&h, REPL, A, S0, 777777, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R | A, 5, S0, 0, 0, NULL), TH_T_CLOSE);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_CLOSE);
	th_fini(&h);

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	th_send(&h, REPL, A, S0, 777777, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R | A, 5, S0 + 1, 0, 0, NULL),
			CT_PACKET_INVALID);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_SYN_SENT);
	th_fini(&h);
}

/* The highest ACK a side sent never goes back: an older ACK does not
 * lower the bar for RSTs. */
static void test_maxack_only_grows(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	th_send(&h, ORIG, A | P, C0 + 1, S0 + 1, WIN, 1000, NULL);
	th_send(&h, REPL, A, S0 + 1, C0 + 1001, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 500, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[REPL].td_maxack, C0 + 1001);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R, C0 + 600, 0, 0, 0, NULL), CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "RST is under the lower bound", "seq=100600 maxack=101001");
	th_fini(&h);
}

/* Before the connection is sure, a RST with seq 0 is not held against
 * the other side's ACK (it most likely answers a SYN we let through). */
static void test_rst_seq_zero_before_established(void)
{
	struct th h;

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, 10, 0, WIN, 0, NULL));
	th_send(&h, REPL, S | A, S0, 11, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R, 0, 0, 0, 0, NULL), TH_T_CLOSE);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_CLOSE);
	th_fini(&h);

	/* once ESTABLISHED and assured it is */
	th_init(&h);
	th_handshake(&h, 10, S0, WIN, WIN, NULL, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, R, 0, 0, 0, 0, NULL), CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "RST is under the lower bound", "seq=0 maxack=11");
	th_fini(&h);
}

/* A RST with seq 0 answering the SYN counts as sent at the server's end,
 * even when a refused SYN/ACK had set that end up. */
static void test_rst_seq_zero_after_bad_synack(void)
{
	struct th h;

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	CU_ASSERT_EQUAL(th_send(&h, REPL, S | A, S0, C0 + 7, WIN, 0, NULL),
			CT_PACKET_INVALID);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_SYN_SENT);
	CU_ASSERT_EQUAL(th_send(&h, REPL, R | A, 0, C0 + 1, 0, 0, NULL), 0);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_CLOSE);
	th_fini(&h);
}

/* The answer to a keep-alive probe (one below the sender's next byte) of
 * a picked-up connection acks one more than we saw sent. */
static void test_pickup_keepalive_answer(void)
{
	struct th h;

	th_init(&h);
	h.cfg.tcp_be_liberal = false;
	CU_ASSERT_TRUE(th_open(&h, A, C0, S0 + 1, WIN, 0, NULL));
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, C0);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1, WIN, 0, NULL), TH_T_UNACK);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, C0 + 1);
	th_fini(&h);
}

static void test_timeout_clamped(void)
{
	struct th h;

	th_init(&h);
	h.cfg.tcp_timeout[CT_TCP_ESTABLISHED] = UINT32_MAX;
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	th_send(&h, REPL, S | A, S0, C0 + 1, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL), INT_MAX);
	th_fini(&h);
}

/* A SYN in ESTABLISHED is let through; if the server's SYN/ACK answers
 * it, both ends restarted and we follow them. */
static void test_syn_in_established_then_resync(void)
{
	struct th_opts co, so;
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	th_opts_init(&co);
	th_opts_wscale(&co, 3);
	th_opts_sack_perm(&co);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, S, 900000, 0, 4000, 0, &co),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "SYN in the original direction ignored in state ESTABLISHED");
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	/* a SYN/ACK for something else does not resynchronise */
	CU_ASSERT_EQUAL(th_send(&h, REPL, S | A, 700000, 800001, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	/* the SYN again, and the SYN/ACK that acknowledges it */
	th_send(&h, ORIG, S, 900000, 0, 4000, 0, &co);
	th_opts_init(&so);
	th_opts_wscale(&so, 5);
	CU_ASSERT_EQUAL(th_send(&h, REPL, S | A, 700000, 900001, WIN, 0, &so),
			TH_T_SYN_RECV);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_SYN_RECV);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, 900001);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_scale, 3);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[REPL].td_scale, 5);
	CU_ASSERT_TRUE(h.ct.proto.tcp.seen[ORIG].flags & CT_TCP_F_SACK_PERM);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, 900001, 700001, 500, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	th_fini(&h);
}

/* A SYN in ESTABLISHED that the server refuses: the RST answering it
 * closes the entry without window checks. */
static void test_syn_in_established_then_rst(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	th_send(&h, ORIG, S, 900000, 0, 4000, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, REPL, R | A, 0, 900001, 0, 0, NULL), TH_T_CLOSE);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_CLOSE);
	th_fini(&h);
}

static void close_fully(struct th *h)
{
	th_handshake(h, C0, S0, WIN, WIN, NULL, NULL);
	th_send(h, ORIG, F | A, C0 + 1, S0 + 1, WIN, 0, NULL);
	th_send(h, REPL, F | A, S0 + 1, C0 + 2, WIN, 0, NULL);
	th_send(h, ORIG, A, C0 + 2, S0 + 2, WIN, 0, NULL);
	CU_ASSERT_EQUAL_FATAL(th_state(h), CT_TCP_TIME_WAIT);
}

static void test_time_wait_reused_by_client(void)
{
	struct th h;

	th_init(&h);
	close_fully(&h);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, S, C0 + 100000, 0, WIN, 0, NULL),
			CT_PACKET_REOPEN);
	TH_ASSERT_WHY(&h, "SYN in the original direction opens a new connection over "
		      "one in state TIME_WAIT");
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_TIME_WAIT);
	CU_ASSERT_TRUE(th_replace(&h));
	CU_ASSERT_EQUAL(h.last, TH_T_SYN_SENT);
	CU_ASSERT_EQUAL(th_send(&h, REPL, S | A, S0, C0 + 100001, WIN, 0, NULL),
			TH_T_SYN_RECV);
	th_fini(&h);
}

static void test_time_wait_reused_by_server(void)
{
	struct th h;

	th_init(&h);
	close_fully(&h);
	CU_ASSERT_EQUAL(th_send(&h, REPL, S, S0 + 100000, 0, WIN, 0, NULL),
			CT_PACKET_REOPEN);
	/* the new connection's client is the old server */
	CU_ASSERT_TRUE(th_replace(&h));
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_SYN_SENT);
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[ORIG].td_end, S0 + 100001);
	th_fini(&h);
}

static void test_close_after_own_rst_reopens(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	th_send(&h, ORIG, R, C0 + 1, 0, 0, 0, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, S, C0 + 50000, 0, WIN, 0, NULL),
			CT_PACKET_REOPEN);
	th_fini(&h);
}

/* After the server's RST the client's SYN is only ignored: the server's
 * SYN/ACK then resynchronises. */
static void test_close_after_server_rst_resyncs(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	th_send(&h, REPL, R, S0 + 1, 0, 0, 0, NULL);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_CLOSE);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, S, C0 + 50000, 0, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "SYN in the original direction ignored in state CLOSE");
	CU_ASSERT_EQUAL(th_send(&h, REPL, S | A, S0 + 90000, C0 + 50001, WIN, 0, NULL),
			TH_T_SYN_RECV);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 50001, S0 + 90001, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	th_fini(&h);
}

/* RFC 5961 4: a SYN in LAST_ACK draws a challenge ACK, which must not be
 * taken for the last ACK. */
static void test_challenge_ack_in_last_ack(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	th_send(&h, ORIG, F | A, C0 + 1, S0 + 1, WIN, 0, NULL);
	th_send(&h, REPL, A, S0 + 1, C0 + 2, WIN, 0, NULL);
	th_send(&h, REPL, F | A, S0 + 1, C0 + 2, WIN, 0, NULL);
	CU_ASSERT_EQUAL_FATAL(th_state(&h), CT_TCP_LAST_ACK);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, S, C0 + 9999, 0, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 2, C0 + 2, WIN, 0, NULL),
			CT_PACKET_KEEP_TIMEOUT);
	TH_ASSERT_WHY(&h, "challenge ACK in the reply direction ignored in state LAST_ACK");
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_LAST_ACK);
	/* the real last ACK */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 2, S0 + 2, WIN, 0, NULL),
			TH_T_TIME_WAIT);
	th_fini(&h);

	/* if the server takes the SYN (SYN/ACK), no challenge ACK follows */
	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	th_send(&h, ORIG, F | A, C0 + 1, S0 + 1, WIN, 0, NULL);
	th_send(&h, REPL, A, S0 + 1, C0 + 2, WIN, 0, NULL);
	th_send(&h, REPL, F | A, S0 + 1, C0 + 2, WIN, 0, NULL);
	th_send(&h, ORIG, S, C0 + 9999, 0, WIN, 0, NULL);
	CU_ASSERT_TRUE(h.ct.proto.tcp.last_flags & CT_TCP_LF_CHALLENGE_ACK);
	CU_ASSERT_EQUAL(th_send(&h, REPL, S | A, S0 + 7777, C0 + 10000, WIN, 0, NULL),
			TH_T_SYN_RECV);
	CU_ASSERT_FALSE(h.ct.proto.tcp.last_flags & CT_TCP_LF_CHALLENGE_ACK);
	th_fini(&h);
}

static void test_pickup_loose(void)
{
	struct th h;

	th_init(&h);
	CU_ASSERT_TRUE(th_open(&h, A, C0 + 1, S0 + 1, WIN, 0, NULL));
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	/* no answer yet: a short timeout (see test-tcp-states.c, note c) */
	CU_ASSERT_EQUAL(h.last, TH_T_MAX_RETRANS);
	CU_ASSERT_FALSE(th_assured(&h));
	CU_ASSERT_TRUE(h.ct.proto.tcp.seen[ORIG].flags & CT_TCP_F_BE_LIBERAL);
	CU_ASSERT_TRUE(h.ct.proto.tcp.seen[REPL].flags & CT_TCP_F_BE_LIBERAL);
	/* the first answer: still not assured, still short */
	CU_ASSERT_EQUAL(th_send(&h, REPL, A, S0 + 1, C0 + 1, WIN, 0, NULL), TH_T_UNACK);
	CU_ASSERT_FALSE(th_assured(&h));
	CU_ASSERT_EQUAL(h.ct.proto.tcp.seen[REPL].td_end, S0 + 1);
	/* answered both ways: assured, the full timeout */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_TRUE(th_assured(&h));
	/* the window was guessed: nothing is refused for being outside it */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A, C0 + 5000000, S0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	th_fini(&h);
}

static void test_pickup_strict(void)
{
	struct th h;

	th_init(&h);
	h.cfg.tcp_loose = false;
	CU_ASSERT_FALSE(th_open(&h, A, C0 + 1, S0 + 1, WIN, 0, NULL));
	TH_ASSERT_WHY(&h, "ACK without SYN cannot open a connection "
		      "(mid-stream pickup is off: tcp_loose)");
	CU_ASSERT_TRUE(th_open(&h, S, C0, 0, WIN, 0, NULL));
	th_fini(&h);
}

/* Only a plain ACK picks up: not a FIN, RST or SYN/ACK, loose or not. */
static void test_pickup_refuses_other_flags(void)
{
	static const uint8_t refused[] = { F | A, R, R | A, S | A };
	struct th h;

	for (size_t i = 0; i < sizeof(refused); i++) {
		th_init(&h);
		CU_ASSERT_FALSE(th_open(&h, refused[i], C0, S0, WIN, 0, NULL));
		TH_ASSERT_WHY(&h, "", "cannot open a connection");
		th_fini(&h);
	}
}

static void test_invalid_flag_combinations(void)
{
	static const uint8_t bad[] = { S | F, F, 0, S | R, S | A | U, R | F | A, U, P };
	struct th h;

	for (size_t i = 0; i < sizeof(bad); i++) {
		char hex[32];

		th_init(&h);
		CU_ASSERT_FALSE(th_open(&h, bad[i], C0, 0, WIN, 0, NULL));
		snprintf(hex, sizeof(hex), "flags=0x%02x", bad[i]);
		TH_ASSERT_WHY(&h, "invalid TCP flag combination: ", hex);
		th_fini(&h);
	}
	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, F, C0 + 1, 0, WIN, 0, NULL), CT_PACKET_INVALID);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	/* PSH, ECE and CWR may come with any valid combination */
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | P | 0x40 | 0x80, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, A | U, C0 + 1, S0 + 1, WIN, 0, NULL),
			TH_T_ESTABLISHED);
	th_fini(&h);
}

static void test_not_tcp(void)
{
	struct ct_tuple t;
	struct pb b;
	struct th h;
	size_t n;

	th_init(&h);
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
	pb_udp(&b, 1000, 53);
	n = pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&h.p, &b, n, 0), PKT_OK);
	CU_ASSERT_FALSE(ct_l4proto_tcp.pkt_to_tuple(&h.p, &t));
	CU_ASSERT_FALSE(ct_l4proto_tcp.new_conn(&h.ct, &h.p, &h.cfg, &h.why));
	TH_ASSERT_WHY(&h, "not a TCP segment with its header");
	/* a later fragment of a TCP segment carries no TCP header */
	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	pb_ipv4_frag(&b, 7, false, 64);
	pb_pattern(&b, 40, 0);
	n = pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pb_parse(&h.p, &b, n, 0), PKT_OK);
	CU_ASSERT_FALSE(h.p.has_l4);
	CU_ASSERT_FALSE(ct_l4proto_tcp.pkt_to_tuple(&h.p, &t));
	CU_ASSERT_EQUAL(th_send_built(&h, ORIG), CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "not a TCP segment with its header");
	th_fini(&h);
}

static void test_bad_direction(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	th_build(&h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL);
	CU_ASSERT_EQUAL(th_send_built(&h, CT_DIR_COUNT), CT_PACKET_INVALID);
	TH_ASSERT_WHY(&h, "no such direction: 2");
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	th_fini(&h);
}

static void test_tuples(void)
{
	struct ct_tuple t, inv;
	struct th h;

	th_init(&h);
	th_build(&h, ORIG, S, C0, 0, WIN, 0, NULL);
	memset(&t, 0, sizeof(t));
	CU_ASSERT_TRUE(ct_l4proto_tcp.pkt_to_tuple(&h.p, &t));
	CU_ASSERT_EQUAL(t.sport, 40000);
	CU_ASSERT_EQUAL(t.dport, 80);
	memset(&inv, 0, sizeof(inv));
	CU_ASSERT_TRUE(ct_l4proto_tcp.invert_tuple(&inv, &t));
	CU_ASSERT_EQUAL(inv.sport, 80);
	CU_ASSERT_EQUAL(inv.dport, 40000);
	CU_ASSERT_STRING_EQUAL(ct_l4proto_tcp.name, "tcp");
	CU_ASSERT_EQUAL(ct_l4proto_tcp.l4proto, IPPROTO_TCP);
	th_fini(&h);
}

static void test_state_names(void)
{
	static const char *const names[CT_TCP_STATE_COUNT] = {
		"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
		"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
	};
	char buf[8];
	struct th h;

	for (int s = 0; s < CT_TCP_STATE_COUNT; s++)
		CU_ASSERT_STRING_EQUAL(ct_tcp_state_name((enum ct_tcp_state_id)s), names[s]);
	CU_ASSERT_STRING_EQUAL(ct_tcp_state_name(CT_TCP_STATE_COUNT), "UNKNOWN");
	th_init(&h);
	h.ct.proto.tcp.state = CT_TCP_CLOSE_WAIT;
	/* like snprintf: cut to the buffer, the full length returned */
	CU_ASSERT_EQUAL(ct_l4proto_tcp.print_state(&h.ct, buf, sizeof(buf)), 10);
	CU_ASSERT_STRING_EQUAL(buf, "CLOSE_W");
	memset(buf, 'x', sizeof(buf));
	CU_ASSERT_EQUAL(ct_l4proto_tcp.print_state(&h.ct, buf, 0), 10);
	CU_ASSERT_EQUAL(buf[0], 'x');
	th_fini(&h);
}

/* Out-of-window FIN from one side, then RST from the other, on an assured
 * connection: both ends gave up, so the entry's life is shortened. */
static void test_invalid_fin_then_rst_shortens(void)
{
	struct th h;

	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	CU_ASSERT_EQUAL(th_left(&h), TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_send(&h, ORIG, F | A, C0 + 20000, S0 + 1, WIN, 0, NULL),
			CT_PACKET_INVALID);
	CU_ASSERT_EQUAL(th_left(&h), TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL(th_send(&h, REPL, R, S0 + 100000, 0, 0, 0, NULL),
			CT_PACKET_INVALID);
	CU_ASSERT_EQUAL(th_left(&h), TH_T_UNACK);
	CU_ASSERT_EQUAL(th_state(&h), CT_TCP_ESTABLISHED);
	th_fini(&h);

	/* the same from one side only: nothing shortened */
	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	th_send(&h, ORIG, F | A, C0 + 20000, S0 + 1, WIN, 0, NULL);
	th_send(&h, ORIG, R, C0 + 100000, 0, 0, 0, NULL);
	CU_ASSERT_EQUAL(th_left(&h), TH_T_ESTABLISHED);
	th_fini(&h);

	/* less than two minutes left: left alone */
	th_init(&h);
	th_handshake(&h, C0, S0, WIN, WIN, NULL, NULL);
	atomic_store(&h.ct.expires_ns, h.now_ns + 100 * 1000000000ull);
	th_send(&h, ORIG, F | A, C0 + 20000, S0 + 1, WIN, 0, NULL);
	th_send(&h, REPL, R, S0 + 100000, 0, 0, 0, NULL);
	CU_ASSERT_EQUAL(th_left(&h), 100);
	th_fini(&h);
}

static const struct unit_test open_tests[] = {
	{ "three-way handshake", test_handshake },
	{ "IPv6 handshake and data", test_handshake_ipv6_with_data },
	{ "simultaneous open, server ACK", test_simultaneous_open },
	{ "simultaneous open, client ACK", test_simultaneous_open_client_acks },
	{ "reply ACK in SYN_RECV stays", test_reply_ack_in_syn_recv },
	{ "retransmitted SYN", test_retransmitted_syn },
	{ "retransmitted SYN keeps options", test_retransmitted_syn_keeps_options },
	{ "retransmitted SYN/ACK ignored", test_retransmitted_synack_ignored },
	{ "data both ways", test_data_both_ways },
	{ "mid-stream pickup, tcp_loose on", test_pickup_loose },
	{ "mid-stream pickup, tcp_loose off", test_pickup_strict },
	{ "pickup only by a plain ACK", test_pickup_refuses_other_flags },
	{ "pickup, keep-alive answer", test_pickup_keepalive_answer },
	{ "timeout clamped to int", test_timeout_clamped },
	{ NULL, NULL }
};

static const struct unit_test close_tests[] = {
	{ "close from the client", test_close_from_client },
	{ "close from the server", test_close_from_server },
	{ "simultaneous close", test_close_simultaneous },
	{ "RST in window", test_rst_in_window },
	{ "RST over the window", test_rst_over_window_invalid },
	{ "RST under the peer's ACK", test_rst_under_maxack_invalid },
	{ "inexact RST keeps ESTABLISHED", test_rst_inexact_keeps_established },
	{ "RST after a data train", test_rst_after_data_train },
	{ "RST when closing", test_rst_when_closing_not_checked },
	{ "RST refusing a SYN kills", test_rst_refused_kills },
	{ "RST answering a challenge ACK", test_rst_answering_challenge_ack_in_syn_sent },
	{ "RST answering a half-open ACK", test_rst_answering_half_open_ack },
	{ "highest ACK only grows", test_maxack_only_grows },
	{ "RST with seq 0 before established", test_rst_seq_zero_before_established },
	{ "RST with seq 0 after a bad SYN/ACK", test_rst_seq_zero_after_bad_synack },
	{ "invalid FIN then RST shortens", test_invalid_fin_then_rst_shortens },
	{ NULL, NULL }
};

static const struct unit_test resync_tests[] = {
	{ "SYN in ESTABLISHED, then resync", test_syn_in_established_then_resync },
	{ "SYN in ESTABLISHED, then RST", test_syn_in_established_then_rst },
	{ "TIME_WAIT reused by the client", test_time_wait_reused_by_client },
	{ "TIME_WAIT reused by the server", test_time_wait_reused_by_server },
	{ "CLOSE after own RST reopens", test_close_after_own_rst_reopens },
	{ "CLOSE after server RST resyncs", test_close_after_server_rst_resyncs },
	{ "challenge ACK in LAST_ACK", test_challenge_ack_in_last_ack },
	{ NULL, NULL }
};

static const struct unit_test ops_tests[] = {
	{ "invalid flag combinations", test_invalid_flag_combinations },
	{ "not TCP", test_not_tcp },
	{ "bad direction", test_bad_direction },
	{ "tuples", test_tuples },
	{ "state names", test_state_names },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "tcp opening", open_tests },
	{ "tcp closing", close_tests },
	{ "tcp resynchronising", resync_tests },
	{ "tcp ops", ops_tests },
	{ NULL, NULL }
};

UNIT_MAIN(suites)
