/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the TCP state machine: every cell of the table, twice.
 * First as data: the seeds' table, changed by the deltas the kernel has
 * made since (each written down with its reason), must be the tracker's
 * table. Then as behaviour: for every old state, a connection is driven
 * there by real segments, and a segment of every flag class in either
 * direction must give the outcome written in the table below (which
 * includes the rules the table alone does not say: reopening, the RST
 * rules, SYN retransmissions, killing a refused connection). */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "tcp-harness.h"
#include "tcp-internal.h"   /* src/ct/proto: the table itself */

/* The seeds' table (seeds/000, rows 1-12, columns A-J) as printed there.
 * Its last column is LISTEN, a state the kernel never used; the same slot
 * holds SYN_SENT2 today. */
static const uint8_t seed_table[2][CT_TCP_CLASS_COUNT][CT_TCP_STATE_COUNT] = {
	{
/*               sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sLI */
/* 1 syn    */ { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sIV },
/* 2 synack */ { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
/* 3 fin    */ { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/* 4 ack    */ { sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV },
/* 5 rst    */ { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sIV },
/* 6 none   */ { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	}, {
/* 7 syn    */ { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
/* 8 synack */ { sIV, sSR, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIV },
/* 9 fin    */ { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/* 10 ack   */ { sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIV },
/* 11 rst   */ { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sIV },
/* 12 none  */ { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
};

#define ORIG CT_DIR_ORIGINAL
#define REPL CT_DIR_REPLY
#define C_SYN CT_TCP_CLASS_SYN
#define C_SYNACK CT_TCP_CLASS_SYNACK
#define C_FIN CT_TCP_CLASS_FIN
#define C_ACK CT_TCP_CLASS_ACK
#define C_RST CT_TCP_CLASS_RST
#define C_NONE CT_TCP_CLASS_NONE

/* What the current kernel (6.x nf_conntrack_proto_tcp.c) does differently. */
static const struct delta {
	uint8_t dir, cls, state, from, to;
} deltas[] = {
	/* Simultaneous open (SYN_SENT2, in the old LISTEN column): */
	/* the client retransmits its SYN while both SYNs cross */
	{ ORIG, C_SYN,    sS2, sIV, sS2 },
	/* the client answers the server's SYN with a SYN/ACK */
	{ ORIG, C_SYNACK, sS2, sIV, sSR },
	/* either side may abort it */
	{ ORIG, C_RST,    sS2, sIV, sCL },
	/* the server retransmits its SYN */
	{ REPL, C_SYN,    sS2, sIV, sS2 },
	/* the server answers the client's SYN with a SYN/ACK */
	{ REPL, C_SYNACK, sS2, sIV, sSR },
	/* an ACK from the server is as doubtful as in SYN_SENT */
	{ REPL, C_ACK,    sS2, sIV, sIG },
	{ REPL, C_RST,    sS2, sIV, sCL },
	/* the server's SYN crossing the client's: simultaneous open */
	{ REPL, C_SYN,    sSS, sIV, sS2 },
	/* a late retransmitted SYN/ACK of the client in a simultaneous
	 * open, which reached SYN_RECV by the server's SYN/ACK */
	{ ORIG, C_SYNACK, sSR, sIV, sSR },
	/* the server reopens the ports towards the client (roles swap) */
	{ REPL, C_SYN,    sTW, sIV, sSS },
	/* a retransmitted SYN/ACK is let through without being learnt
	 * from, so that it cannot move the window data */
	{ REPL, C_SYNACK, sSR, sSR, sIG },
};

static uint8_t expected_cell[2][CT_TCP_CLASS_COUNT][CT_TCP_STATE_COUNT];

static void build_expected_table(void)
{
	memcpy(expected_cell, seed_table, sizeof(expected_cell));
	for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
		const struct delta *d = &deltas[i];

		/* each delta changes what the seed really says */
		CU_ASSERT_EQUAL(seed_table[d->dir][d->cls][d->state], d->from);
		CU_ASSERT_NOT_EQUAL(d->from, d->to);
		expected_cell[d->dir][d->cls][d->state] = d->to;
	}
}

static void test_table_is_seed_plus_deltas(void)
{
	unsigned int cells = 0, differ = 0;

	build_expected_table();
	for (int dir = 0; dir < 2; dir++)
		for (int cls = 0; cls < CT_TCP_CLASS_COUNT; cls++)
			for (int s = 0; s < CT_TCP_STATE_COUNT; s++) {
				uint8_t got = ct_tcp_next_state((enum ct_dir)dir,
								(enum ct_tcp_class)cls,
								(enum ct_tcp_state_id)s);

				cells++;
				if (got != expected_cell[dir][cls][s])
					fprintf(stderr, "\n  cell %d/%d/%d: %u, expected %u",
						dir, cls, s, got, expected_cell[dir][cls][s]);
				CU_ASSERT_EQUAL(got, expected_cell[dir][cls][s]);
				if (got != seed_table[dir][cls][s])
					differ++;
			}
	CU_ASSERT_EQUAL(cells, 2 * 6 * 10);
	CU_ASSERT_EQUAL(differ, sizeof(deltas) / sizeof(deltas[0]));
}

static void test_table_out_of_range(void)
{
	CU_ASSERT_EQUAL(ct_tcp_next_state(CT_DIR_COUNT, C_ACK, sES), sIV);
	CU_ASSERT_EQUAL(ct_tcp_next_state(ORIG, CT_TCP_CLASS_COUNT, sES), sIV);
	CU_ASSERT_EQUAL(ct_tcp_next_state(ORIG, C_ACK, CT_TCP_STATE_COUNT), sIV);
}

static void test_flag_classes(void)
{
	CU_ASSERT_EQUAL(ct_tcp_class_of(S), C_SYN);
	CU_ASSERT_EQUAL(ct_tcp_class_of(S | A), C_SYNACK);
	CU_ASSERT_EQUAL(ct_tcp_class_of(F | A), C_FIN);
	CU_ASSERT_EQUAL(ct_tcp_class_of(A | P), C_ACK);
	CU_ASSERT_EQUAL(ct_tcp_class_of(R | A), C_RST);
	/* RST wins over everything, SYN over FIN */
	CU_ASSERT_EQUAL(ct_tcp_class_of(R | S | A), C_RST);
	CU_ASSERT_EQUAL(ct_tcp_class_of(S | F), C_SYN);
	CU_ASSERT_EQUAL(ct_tcp_class_of(P), C_NONE);
	CU_ASSERT_EQUAL(ct_tcp_class_of(0), C_NONE);
}

/* ------------------------------------------------------------------ */
/* Behaviour of every cell. */

#define C0 100000u      /* client ISN */
#define S0 500000u      /* server ISN */
#define WIN 8000

/* Drives H to STATE by real segments; the next sequence number of each
 * side goes to *CN and *SN. */
static void reach(struct th *h, uint8_t state, uint32_t *cn, uint32_t *sn)
{
	*cn = C0 + 1;
	*sn = S0 + 1;
	switch (state) {
	case sNO:
		/* new_conn() has run, packet() not yet: the only moment a
		 * packet() call can meet state NONE */
		th_build(h, ORIG, S, C0, 0, WIN, 0, NULL);
		CU_ASSERT_TRUE_FATAL(ct_l4proto_tcp.new_conn(&h->ct, &h->p, &h->cfg, &h->why));
		*cn = C0;
		*sn = S0;
		return;
	case sSS:
		CU_ASSERT_TRUE_FATAL(th_open(h, S, C0, 0, WIN, 0, NULL));
		*sn = S0;
		return;
	case sS2:
		CU_ASSERT_TRUE_FATAL(th_open(h, S, C0, 0, WIN, 0, NULL));
		th_send(h, REPL, S, S0, 0, WIN, 0, NULL);
		break;
	case sCL:
		th_handshake(h, C0, S0, WIN, WIN, NULL, NULL);
		th_send(h, ORIG, R, C0 + 1, 0, 0, 0, NULL);
		break;
	default:
		CU_ASSERT_TRUE_FATAL(th_open(h, S, C0, 0, WIN, 0, NULL));
		th_send(h, REPL, S | A, S0, C0 + 1, WIN, 0, NULL);
		if (state == sSR)
			break;
		th_send(h, ORIG, A, C0 + 1, S0 + 1, WIN, 0, NULL);
		if (state == sES)
			break;
		th_send(h, ORIG, F | A, C0 + 1, S0 + 1, WIN, 0, NULL);
		*cn = C0 + 2;
		if (state == sFW)
			break;
		th_send(h, REPL, A, S0 + 1, C0 + 2, WIN, 0, NULL);
		if (state == sCW)
			break;
		th_send(h, REPL, F | A, S0 + 1, C0 + 2, WIN, 0, NULL);
		*sn = S0 + 2;
		if (state == sLA)
			break;
		th_send(h, ORIG, A, C0 + 2, S0 + 2, WIN, 0, NULL);
		break;
	}
	CU_ASSERT_EQUAL_FATAL(th_state(h), state);
}

/* The segment of each class: the sender's next sequence number, and the
 * receiver's next as ACK where the class carries one. The RST carries no
 * ACK (a sender's abort, RFC 793 "Reset Generation" group 3); the class
 * without SYN/FIN/ACK/RST is a bare PSH. */
static const uint8_t class_flags[CT_TCP_CLASS_COUNT] = {
	[C_SYN] = S, [C_SYNACK] = S | A, [C_FIN] = F | A, [C_ACK] = A,
	[C_RST] = R, [C_NONE] = P,
};

enum outcome {
	MOVE,           /* accepted, new state, that timeout */
	KEEP,           /* accepted, new state, timeout not renewed */
	IGN,            /* ignored: accepted, state unchanged, timeout kept */
	INV,            /* INVALID, state unchanged */
	REO,            /* CT_PACKET_REOPEN, state unchanged */
	REF,            /* new_conn() refuses: no connection */
};

struct cell {
	uint8_t outcome;
	uint8_t state;
	int timeout;
};

#define M(st, t) { MOVE, st, t }
#define K(st)    { KEEP, st, CT_PACKET_KEEP_TIMEOUT }
#define IG       { IGN, 0, CT_PACKET_KEEP_TIMEOUT }
#define IV       { INV, 0, CT_PACKET_INVALID }
#define RO       { REO, 0, CT_PACKET_REOPEN }
#define RF       { REF, 0, 0 }

/* Moved to a state, with that state's timeout. */
#define mSS M(sSS, TH_T_SYN_SENT)
#define mSR M(sSR, TH_T_SYN_RECV)
#define mES M(sES, TH_T_ESTABLISHED)
#define mFW M(sFW, TH_T_FIN_WAIT)
#define mCW M(sCW, TH_T_CLOSE_WAIT)
#define mLA M(sLA, TH_T_LAST_ACK)
#define mTW M(sTW, TH_T_TIME_WAIT)
#define mCL M(sCL, TH_T_CLOSE)
#define mS2 M(sS2, TH_T_SYN_SENT2)
/* The exceptions (see the notes below the table). */
#define kSS K(sSS)                      /* a) */
#define kS2 K(sS2)                      /* a) */
#define dCL M(sCL, 0)                   /* b) */
#define pES M(sES, TH_T_MAX_RETRANS)    /* c) */

/*
 * [direction][class][old state]. Notes on the cells that are not simply
 * the table's state with its timeout:
 *  a) orig SYN in SYN_SENT (a retransmission) and the reply SYN turning it
 *     into SYN_SENT2: no answer seen yet, so the timeout is not renewed.
 *  b) a RST before any reply: the kernel kills the entry: timeout 0.
 *  c) orig ACK in NONE (picked up): ESTABLISHED, but the timeout is the
 *     retransmission one (301): the packet passes the guessed window
 *     liberally without being learnt from, so the zero "last window"
 *     applies; the kernel's two timeouts are equal (300), ours differ.
 *  d) a RST in FIN_WAIT and later is accepted without window checks.
 *  e) a SYN in TIME_WAIT after a FIN, or in CLOSE after our own RST,
 *     reopens (RO); the server's SYN in TIME_WAIT too (roles swap).
 *  f) a reply ACK in SYN_RECV stays in SYN_RECV (no simultaneous open).
 *  g) the reply row of NONE: the only way to meet it is a reply packet
 *     after new_conn() and before the first packet(): all INVALID.
 *  h) the class without SYN/FIN/ACK/RST never reaches the table: its
 *     flags are no valid combination.
 *  RF: new_conn() refuses to open a connection with it.
 */
static const struct cell behaviour[2][CT_TCP_CLASS_COUNT][CT_TCP_STATE_COUNT] = {
	{ /* ORIGINAL */
/*                sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
/* syn    */ {    mSS, kSS, IG,  IG,  IG,  IG,  IG,  RO,  RO,  mS2 },
/* synack */ {    RF,  IV,  mSR, IV,  IV,  IV,  IV,  IV,  IV,  mSR },
/* fin    */ {    RF,  IV,  mFW, mFW, mLA, mLA, mLA, mTW, mCL, IV  },
/* ack    */ {    pES, IV,  mES, mES, mCW, mCW, mTW, mTW, mCL, IV  },
/* rst    */ {    RF,  dCL, mCL, mCL, mCL, mCL, mCL, mCL, mCL, mCL },
/* none   */ {    RF,  IV,  IV,  IV,  IV,  IV,  IV,  IV,  IV,  IV  },
	}, { /* REPLY */
/* syn    */ {    IV,  kS2, IV,  IV,  IV,  IV,  IV,  RO,  IV,  mS2 },
/* synack */ {    IV,  mSR, IG,  IG,  IG,  IG,  IG,  IG,  IG,  mSR },
/* fin    */ {    IV,  IV,  mFW, mFW, mLA, mLA, mLA, mTW, mCL, IV  },
/* ack    */ {    IV,  IG,  mSR, mES, mCW, mCW, mTW, mTW, mCL, IG  },
/* rst    */ {    IV,  dCL, mCL, mCL, mCL, mCL, mCL, mCL, mCL, mCL },
/* none   */ {    IV,  IV,  IV,  IV,  IV,  IV,  IV,  IV,  IV,  IV  },
	},
};

static const char *const state_names[CT_TCP_STATE_COUNT] = {
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
	"LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
};
static const char *const class_names[CT_TCP_CLASS_COUNT] = {
	"SYN", "SYN/ACK", "FIN", "ACK", "RST", "segment without SYN/FIN/ACK/RST",
};

/* The reason a refused or ignored cell must give. */
static void check_reason(const struct th *h, int dir, int cls, int old, uint8_t outcome)
{
	char want[160];
	const char *dn = dir == ORIG ? "original" : "reply";

	if (cls == C_NONE) {
		TH_ASSERT_WHY(h, "invalid TCP flag combination: flags=0x08");
		return;
	}
	switch (outcome) {
	case INV:
		snprintf(want, sizeof(want), "%s in the %s direction is invalid in state %s",
			 class_names[cls], dn, state_names[old]);
		break;
	case IGN:
		snprintf(want, sizeof(want), "%s in the %s direction ignored in state %s",
			 class_names[cls], dn, state_names[old]);
		break;
	case REO:
		snprintf(want, sizeof(want), "SYN in the %s direction opens a new "
			 "connection over one in state %s", dn, state_names[old]);
		break;
	case REF:
		snprintf(want, sizeof(want), "%s cannot open a connection", class_names[cls]);
		break;
	default:
		return;
	}
	TH_ASSERT_WHY(h, want);
}

static void check_cell(int dir, int cls, int old)
{
	const struct cell *c = &behaviour[dir][cls][old];
	uint32_t cn, sn, seq, ack;
	bool has_ack = class_flags[cls] & A;
	struct th h;
	int r;

	th_init(&h);
	if (dir == ORIG && old == sNO) {
		bool ok = th_open(&h, class_flags[cls], C0, has_ack ? S0 : 0, WIN, 0, NULL);

		CU_ASSERT_EQUAL(ok, c->outcome != REF);
		if (ok) {
			CU_ASSERT_EQUAL(h.last, c->timeout);
			CU_ASSERT_EQUAL(th_state(&h), c->state);
		} else {
			check_reason(&h, dir, cls, old, c->outcome);
		}
		th_fini(&h);
		return;
	}
	reach(&h, (uint8_t)old, &cn, &sn);
	seq = dir == ORIG ? cn : sn;
	ack = has_ack ? (dir == ORIG ? sn : cn) : 0;
	r = th_send(&h, (enum ct_dir)dir, class_flags[cls], seq, ack, WIN, 0, NULL);
	if (r != c->timeout || (c->outcome <= KEEP && th_state(&h) != c->state) ||
	    (c->outcome > KEEP && th_state(&h) != old))
		fprintf(stderr, "\n  %s %s in %s: returned %d, state %s (%s)",
			dir == ORIG ? "orig" : "reply", class_names[cls], state_names[old],
			r, state_names[th_state(&h)], h.why.text);
	CU_ASSERT_EQUAL(r, c->timeout);
	if (c->outcome <= KEEP) {
		CU_ASSERT_EQUAL(th_state(&h), c->state);
	} else {
		CU_ASSERT_EQUAL(th_state(&h), old);
	}
	check_reason(&h, dir, cls, old, c->outcome);
	th_fini(&h);
}

static void check_row(int dir, int cls)
{
	for (int s = 0; s < CT_TCP_STATE_COUNT; s++)
		check_cell(dir, cls, s);
}

static void test_orig_syn(void)    { check_row(ORIG, C_SYN); }
static void test_orig_synack(void) { check_row(ORIG, C_SYNACK); }
static void test_orig_fin(void)    { check_row(ORIG, C_FIN); }
static void test_orig_ack(void)    { check_row(ORIG, C_ACK); }
static void test_orig_rst(void)    { check_row(ORIG, C_RST); }
static void test_orig_none(void)   { check_row(ORIG, C_NONE); }
static void test_reply_syn(void)    { check_row(REPL, C_SYN); }
static void test_reply_synack(void) { check_row(REPL, C_SYNACK); }
static void test_reply_fin(void)    { check_row(REPL, C_FIN); }
static void test_reply_ack(void)    { check_row(REPL, C_ACK); }
static void test_reply_rst(void)    { check_row(REPL, C_RST); }
static void test_reply_none(void)   { check_row(REPL, C_NONE); }

/* The behaviour table itself agrees with the state table wherever no
 * special rule applies: a guard against typing errors in either. */
static void test_behaviour_matches_table(void)
{
	build_expected_table();
	for (int dir = 0; dir < 2; dir++)
		for (int cls = 0; cls < C_NONE; cls++)
			for (int s = 1; s < CT_TCP_STATE_COUNT; s++) {
				const struct cell *c = &behaviour[dir][cls][s];
				uint8_t t = expected_cell[dir][cls][s];

				if (c->outcome == MOVE || c->outcome == KEEP) {
					CU_ASSERT_EQUAL(c->state, t);
				} else if (c->outcome == INV) {
					CU_ASSERT_EQUAL(t, sIV);
				} else if (c->outcome == IGN) {
					CU_ASSERT_TRUE(t == sIG || t == sSS);
				} else if (c->outcome == REO) {
					CU_ASSERT_EQUAL(t, sSS);
				}
			}
}

static const struct unit_test table_tests[] = {
	{ "table = seeds' table + kernel deltas", test_table_is_seed_plus_deltas },
	{ "table lookups out of range are invalid", test_table_out_of_range },
	{ "flag classes", test_flag_classes },
	{ "behaviour table agrees with the table", test_behaviour_matches_table },
	{ NULL, NULL }
};

static const struct unit_test cell_tests[] = {
	{ "original SYN in every state", test_orig_syn },
	{ "original SYN/ACK in every state", test_orig_synack },
	{ "original FIN in every state", test_orig_fin },
	{ "original ACK in every state", test_orig_ack },
	{ "original RST in every state", test_orig_rst },
	{ "original no-flag segment in every state", test_orig_none },
	{ "reply SYN in every state", test_reply_syn },
	{ "reply SYN/ACK in every state", test_reply_synack },
	{ "reply FIN in every state", test_reply_fin },
	{ "reply ACK in every state", test_reply_ack },
	{ "reply RST in every state", test_reply_rst },
	{ "reply no-flag segment in every state", test_reply_none },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "tcp state table", table_tests },
	{ "tcp state cells", cell_tests },
	{ NULL, NULL }
};

UNIT_MAIN(suites)
