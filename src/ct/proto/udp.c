/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UDP tracker, after the kernel's nf_conntrack_proto_udp.c (6.x): a
 * connection is its ports; it lives udp_timeout (30 s) after each packet
 * until it has seen a reply and is still active two seconds after it began,
 * then udp_timeout_stream (120 s) and ASSURED, so that a lone DNS
 * exchange goes soon and a stream is kept (the kernel's 2021 change "set on
 * IPS_ASSURED if flows enters internal stream state"). */
#include "../internal.h"

/* How long after its first packet a replied flow becomes a stream. */
#define CT_UDP_STREAM_DELAY_NS (2 * CT_NS_PER_SEC)

static bool udp_pkt_to_tuple(const struct pkt *p, struct ct_tuple *t)
{
	if (!p->has_l4)
		return false;   /* a later fragment: no ports */
	t->sport = p->sport;
	t->dport = p->dport;
	return true;
}

static bool udp_invert_tuple(struct ct_tuple *inv, const struct ct_tuple *orig)
{
	inv->sport = orig->dport;
	inv->dport = orig->sport;
	return true;
}

static bool udp_new_conn(struct ct_entry *ct, const struct pkt *p,
			 const struct ct_settings *cfg, struct ct_reason *why)
{
	(void)p;
	(void)cfg;
	(void)why;
	ct->proto.udp.replied_both = false;
	ct->proto.udp.stream_ns = ct->last_ns + CT_UDP_STREAM_DELAY_NS;
	return true;
}

/* CT_S_SEEN_REPLY means a reply was accepted BEFORE this packet: the first
 * reply itself still gets the unreplied timeout, as in the kernel. */
static int udp_packet(struct ct_entry *ct, const struct pkt *p, enum ct_dir dir,
		      const struct ct_settings *cfg, struct ct_reason *why)
{
	uint32_t st = atomic_load_explicit(&ct->status, memory_order_relaxed);

	(void)p;
	(void)dir;
	(void)why;
	/* Until the verdict on the first packet, the stream clock restarts
	 * with every packet (the kernel sets stream_ts while unconfirmed). */
	if (!(st & CT_S_CONFIRMED))
		ct->proto.udp.stream_ns = ct->last_ns + CT_UDP_STREAM_DELAY_NS;
	if (!(st & CT_S_SEEN_REPLY) || ct->last_ns <= ct->proto.udp.stream_ns)
		return (int)cfg->udp_timeout;
	if (!ct->proto.udp.replied_both) {
		ct->proto.udp.replied_both = true;
		atomic_fetch_or_explicit(&ct->status, CT_S_ASSURED, memory_order_relaxed);
	}
	return (int)cfg->udp_timeout_stream;
}

const struct ct_l4proto ct_l4proto_udp = {
	.name = "udp",
	.l4proto = IPPROTO_UDP,
	.pkt_to_tuple = udp_pkt_to_tuple,
	.invert_tuple = udp_invert_tuple,
	.new_conn = udp_new_conn,
	.packet = udp_packet,
	.print_state = ct_l4_print_nothing,
	.can_early_drop = NULL,
};
