/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper of the TCP tracker (see tcp-harness.h). */
#include <CUnit/CUnit.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp-harness.h"
#include "pkt/pktbuild.h"

#define NS 1000000000ull
#define CLIENT_PORT 40000
#define SERVER_PORT 80

void th_opts_init(struct th_opts *o)
{
	memset(o, 0, sizeof(*o));
}

static void put(struct th_opts *o, const uint8_t *b, size_t n)
{
	if (o->n + n > sizeof(o->b)) {
		fprintf(stderr, "tcp-harness: options too long\n");
		abort();
	}
	memcpy(o->b + o->n, b, n);
	o->n += n;
}

void th_opts_mss(struct th_opts *o, uint16_t mss)
{
	const uint8_t b[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };

	put(o, b, sizeof(b));
}

void th_opts_wscale(struct th_opts *o, uint8_t shift)
{
	const uint8_t b[4] = { 1, 3, 3, shift };

	put(o, b, sizeof(b));
}

void th_opts_sack_perm(struct th_opts *o)
{
	const uint8_t b[4] = { 1, 1, 4, 2 };

	put(o, b, sizeof(b));
}

void th_opts_sack(struct th_opts *o, const uint32_t (*blocks)[2], unsigned int count)
{
	const uint8_t head[4] = { 1, 1, 5, (uint8_t)(2 + 8 * count) };

	put(o, head, sizeof(head));
	for (unsigned int i = 0; i < count; i++)
		for (unsigned int j = 0; j < 2; j++) {
			const uint8_t b[4] = {
				(uint8_t)(blocks[i][j] >> 24), (uint8_t)(blocks[i][j] >> 16),
				(uint8_t)(blocks[i][j] >> 8), (uint8_t)blocks[i][j],
			};

			put(o, b, sizeof(b));
		}
}

void th_init(struct th *h)
{
	memset(h, 0, sizeof(*h));
	pthread_spin_init(&h->ct.lock, PTHREAD_PROCESS_PRIVATE);
	h->ct.l4 = &ct_l4proto_tcp;
	h->family = 4;
	h->now_ns = 1000 * NS;
	h->cfg.tcp_timeout[CT_TCP_SYN_SENT] = TH_T_SYN_SENT;
	h->cfg.tcp_timeout[CT_TCP_SYN_RECV] = TH_T_SYN_RECV;
	h->cfg.tcp_timeout[CT_TCP_ESTABLISHED] = TH_T_ESTABLISHED;
	h->cfg.tcp_timeout[CT_TCP_FIN_WAIT] = TH_T_FIN_WAIT;
	h->cfg.tcp_timeout[CT_TCP_CLOSE_WAIT] = TH_T_CLOSE_WAIT;
	h->cfg.tcp_timeout[CT_TCP_LAST_ACK] = TH_T_LAST_ACK;
	h->cfg.tcp_timeout[CT_TCP_TIME_WAIT] = TH_T_TIME_WAIT;
	h->cfg.tcp_timeout[CT_TCP_CLOSE] = TH_T_CLOSE;
	h->cfg.tcp_timeout[CT_TCP_SYN_SENT2] = TH_T_SYN_SENT2;
	h->cfg.tcp_timeout_max_retrans = TH_T_MAX_RETRANS;
	h->cfg.tcp_timeout_unacknowledged = TH_T_UNACK;
	h->cfg.tcp_max_retrans = 3;
	h->cfg.tcp_loose = true;
	h->cfg.tcp_be_liberal = false;
}

void th_fini(struct th *h)
{
	pthread_spin_destroy(&h->ct.lock);
}

void th_build(struct th *h, enum ct_dir dir, uint8_t flags, uint32_t seq,
	      uint32_t ack, uint16_t win, uint16_t len, const struct th_opts *o)
{
	bool orig = dir == CT_DIR_ORIGINAL;
	struct pb b;
	size_t n;

	pb_init(&b);
	if (h->family == 6)
		pb_ipv6(&b, IPPROTO_TCP);
	else
		pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	pb_tcp(&b, orig ? CLIENT_PORT : SERVER_PORT, orig ? SERVER_PORT : CLIENT_PORT,
	       seq, ack, flags, win, o ? o->b : NULL, 0);
	if (o && o->n) {
		/* pb_tcp wants whole words: pad with NOPs, then fix doff */
		uint8_t opts[40];
		size_t words = (o->n + 3) / 4 * 4;

		memset(opts, 1, sizeof(opts));
		memcpy(opts, o->b, o->n);
		pb_bytes(&b, opts, words);
		b.buf[b.l4_off + 12] = (uint8_t)((20 + words) / 4 << 4);
	}
	pb_pattern(&b, len, (uint8_t)seq);
	n = pb_finish(&b);
	if (pb_parse(&h->p, &b, n, 0) != PKT_OK) {
		fprintf(stderr, "tcp-harness: built segment does not parse\n");
		abort();
	}
}

static int call_packet(struct th *h, enum ct_dir dir)
{
	int r;

	memset(&h->why, 0, sizeof(h->why));
	h->ct.last_ns = h->now_ns;
	pthread_spin_lock(&h->ct.lock);
	r = h->ct.l4->packet(&h->ct, &h->p, dir, &h->cfg, &h->why);
	pthread_spin_unlock(&h->ct.lock);
	h->last = r;
	if (r >= 0)
		atomic_store(&h->ct.expires_ns, h->now_ns + (uint64_t)r * NS);
	/* as the kernel: the first accepted reply marks the entry replied */
	if (dir == CT_DIR_REPLY && (r >= 0 || r == CT_PACKET_KEEP_TIMEOUT))
		atomic_fetch_or(&h->ct.status, CT_S_SEEN_REPLY);
	return r;
}

static bool call_new(struct th *h)
{
	bool ok;

	memset(&h->why, 0, sizeof(h->why));
	h->ct.last_ns = h->now_ns;
	pthread_spin_lock(&h->ct.lock);
	ok = h->ct.l4->new_conn(&h->ct, &h->p, &h->cfg, &h->why);
	pthread_spin_unlock(&h->ct.lock);
	if (!ok)
		return false;
	call_packet(h, CT_DIR_ORIGINAL);
	return true;
}

bool th_open(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack,
	     uint16_t win, uint16_t len, const struct th_opts *o)
{
	th_build(h, CT_DIR_ORIGINAL, flags, seq, ack, win, len, o);
	return call_new(h);
}

int th_send(struct th *h, enum ct_dir dir, uint8_t flags, uint32_t seq,
	    uint32_t ack, uint16_t win, uint16_t len, const struct th_opts *o)
{
	th_build(h, dir, flags, seq, ack, win, len, o);
	return call_packet(h, dir);
}

int th_send_built(struct th *h, enum ct_dir dir)
{
	return call_packet(h, dir);
}

bool th_replace(struct th *h)
{
	pthread_spin_destroy(&h->ct.lock);
	memset(&h->ct, 0, sizeof(h->ct));
	pthread_spin_init(&h->ct.lock, PTHREAD_PROCESS_PRIVATE);
	h->ct.l4 = &ct_l4proto_tcp;
	return call_new(h);
}

uint8_t th_state(const struct th *h)
{
	return h->ct.proto.tcp.state;
}

bool th_assured(const struct th *h)
{
	return atomic_load(&h->ct.status) & CT_S_ASSURED;
}

bool th_seen_reply(const struct th *h)
{
	return atomic_load(&h->ct.status) & CT_S_SEEN_REPLY;
}

uint64_t th_left(const struct th *h)
{
	uint64_t e = atomic_load(&h->ct.expires_ns);

	return e > h->now_ns ? (e - h->now_ns) / NS : 0;
}

void th_handshake(struct th *h, uint32_t ci, uint32_t si, uint16_t cw, uint16_t sw,
		  const struct th_opts *copts, const struct th_opts *sopts)
{
	CU_ASSERT_TRUE_FATAL(th_open(h, S, ci, 0, cw, 0, copts));
	CU_ASSERT_EQUAL_FATAL(h->last, TH_T_SYN_SENT);
	CU_ASSERT_EQUAL_FATAL(th_send(h, CT_DIR_REPLY, S | A, si, ci + 1, sw, 0, sopts),
			      TH_T_SYN_RECV);
	CU_ASSERT_EQUAL_FATAL(th_send(h, CT_DIR_ORIGINAL, A, ci + 1, si + 1, cw, 0, NULL),
			      TH_T_ESTABLISHED);
	CU_ASSERT_EQUAL_FATAL(th_state(h), CT_TCP_ESTABLISHED);
	CU_ASSERT_TRUE_FATAL(th_assured(h));
}

bool th_why_is(const struct th *h, const char *prefix, ...)
{
	const char *text = h->why.text;
	bool ok = strncmp(text, prefix, strlen(prefix)) == 0;
	const char *part;
	va_list ap;

	va_start(ap, prefix);
	while ((part = va_arg(ap, const char *)))
		if (!strstr(text, part))
			ok = false;
	va_end(ap);
	if (!ok)
		fprintf(stderr, "\n  reason was: \"%s\"\n", text);
	return ok;
}
