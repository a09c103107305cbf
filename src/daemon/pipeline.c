/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-packet path: every packet is parsed into a bounds-checked view
 * first (a packet that does not parse gets the configured verdict for
 * malformed packets and a per-reason counter), then connection tracking
 * gives it a state at the entry hooks, as the kernel does at prerouting and
 * output; an INVALID packet gets the configured verdict, and the entry a
 * first packet created is confirmed only when that packet is accepted. */
#include "config.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <string.h>

#include "nfqfw/log.h"
#include "nfqfw/nat.h"
#include "nfqfw/pipeline.h"
#include "nfqfw/pkt.h"

static struct log_ratelimit malformed_rl = LOG_RATELIMIT_INIT(5, 10);
static struct log_ratelimit invalid_rl = LOG_RATELIMIT_INIT(5, 10);

/* In every network namespace the loopback device is ifindex 1. */
#define PIPELINE_LOOPBACK_IFINDEX 1

static uint32_t pipeline_verdict_of(enum conf_verdict v)
{
	return v == CONF_VERDICT_ACCEPT ? NF_ACCEPT : NF_DROP;
}

void pipeline_init(struct pipeline *pl, const struct nfqfw_conf *conf,
		   struct ct_table *ct)
{
	atomic_init(&pl->malformed_verdict, pipeline_verdict_of(conf->packet.malformed));
	atomic_init(&pl->invalid_verdict, pipeline_verdict_of(conf->conntrack.invalid));
	pl->pass_mark = conf->queue.pass_mark;
	pl->state_mark = conf->queue.state_mark;
	pl->ct = ct;
	invalid_log_init(&pl->invalid);
}

void pipeline_apply_reload(struct pipeline *pl, const struct nfqfw_conf *conf)
{
	atomic_store_explicit(&pl->malformed_verdict,
			      pipeline_verdict_of(conf->packet.malformed),
			      memory_order_relaxed);
	atomic_store_explicit(&pl->invalid_verdict,
			      pipeline_verdict_of(conf->conntrack.invalid),
			      memory_order_relaxed);
}

static void pipeline_malformed(struct pipeline *pl, const struct queue_packet *qp,
			       enum pkt_error err, struct queue_verdict *vd,
			       struct queue_stats *stats)
{
	uint32_t verdict = atomic_load_explicit(&pl->malformed_verdict,
						memory_order_relaxed);

	stat_inc(&stats->malformed);
	stat_inc(&stats->malformed_by[err]);
	log_msg_ratelimited(&malformed_rl, LOG_NOTICE,
			    "malformed packet (%s): hook=%s in=%u out=%u len=%u: %s",
			    pkt_error_name(err), stats_hook_name(qp->hook),
			    qp->indev, qp->outdev, qp->wire_len,
			    verdict == NF_ACCEPT ? "accepted" : "dropped");
	vd->verdict = verdict;
}

static void pipeline_record_invalid(struct pipeline *pl, const struct pkt *p,
				    const struct queue_packet *qp,
				    const struct ct_result *res, uint32_t verdict)
{
	struct invalid_record rec = {
		.when_ns = qp->now_ns, .family = p->family, .l4proto = p->l4proto,
		.hook = qp->hook, .dropped = verdict != NF_ACCEPT,
		.saddr = p->saddr, .daddr = p->daddr,
		.sport = p->sport, .dport = p->dport,
	};

	memcpy(rec.reason, res->reason.text, sizeof(rec.reason));
	rec.reason[sizeof(rec.reason) - 1] = '\0';
	invalid_log_add(&pl->invalid, &rec);
}

static void pipeline_log_invalid(const struct pkt *p, const struct queue_packet *qp,
				 const struct ct_result *res, uint32_t verdict)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int af = p->family == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, p->saddr.b, src, sizeof(src));
	inet_ntop(af, p->daddr.b, dst, sizeof(dst));
	log_msg_ratelimited(&invalid_rl, LOG_NOTICE,
			    "INVALID proto=%u %s:%u -> %s:%u hook=%s in=%u out=%u: %s: %s",
			    p->l4proto, src, p->sport, dst, p->dport,
			    stats_hook_name(qp->hook), qp->indev, qp->outdev,
			    res->reason.text[0] ? res->reason.text : "no reason given",
			    verdict == NF_ACCEPT ? "accepted" : "dropped");
}

/* A packet the host sends to itself is seen at output and again at
 * prerouting on lo; the second time is not a new packet. */
static bool pipeline_is_loopback_in(const struct queue_packet *qp)
{
	return qp->hook == NF_INET_PRE_ROUTING && qp->indev == PIPELINE_LOOPBACK_IFINDEX;
}

/* Tracks the packet; false when it got its final verdict here (an INVALID
 * packet dropped). */
static bool pipeline_conntrack(struct pipeline *pl, const struct pkt *p,
			       const struct queue_packet *qp, struct ct_result *res,
			       struct queue_verdict *vd, struct queue_stats *stats)
{
	ct_process(pl->ct, p, qp->now_ns, res);
	stat_inc(&stats->ct_by_info[res->info]);
	if (res->info != CT_INFO_INVALID)
		return true;
	vd->verdict = atomic_load_explicit(&pl->invalid_verdict, memory_order_relaxed);
	if (nat_must_drop_invalid(res->ct)) {
		stat_inc(&stats->nat_invalid);
		vd->verdict = NF_DROP;
	}
	pipeline_log_invalid(p, qp, res, vd->verdict);
	pipeline_record_invalid(pl, p, qp, res, vd->verdict);
	if (vd->verdict == NF_ACCEPT)
		return true;
	if (res->created)
		ct_abort(pl->ct, res->ct);
	return false;
}

/* The first packet's verdict decides whether its entry stays. */
static void pipeline_settle(struct pipeline *pl, struct ct_entry *ct, uint64_t now_ns,
			    struct queue_verdict *vd)
{
	if (vd->verdict != NF_ACCEPT)
		ct_abort(pl->ct, ct);
	else if (ct_confirm(pl->ct, ct, now_ns) < 0)
		/* Removed (flushed) before its first packet's verdict: the
		 * kernel drops such a packet too, the flow starts over. */
		vd->verdict = NF_DROP;
}

static unsigned int pipeline_state_shift(const struct pipeline *pl)
{
	return (unsigned int)__builtin_ctz(pl->state_mark);
}

/* The mark leaving an entry hook for a packet that comes back at input or
 * forward: no pass mark, the conntrack state in the state field. */
static uint32_t pipeline_mark_for_filter(const struct pipeline *pl, uint32_t mark,
					 enum ct_info info)
{
	mark &= ~pl->pass_mark;
	if (pl->state_mark)
		mark = (mark & ~pl->state_mark) |
		       ((uint32_t)(info + 1) << pipeline_state_shift(pl));
	return mark;
}

/* The mark of a packet that is done: later chains let it pass. */
static uint32_t pipeline_mark_done(const struct pipeline *pl, uint32_t mark)
{
	return (mark & ~pl->state_mark) | pl->pass_mark;
}

/* The worker's own copy of the packet, which NAT rewrites in place and
 * the verdict hands back. */
static uint8_t *pipeline_packet_buf(const struct queue_packet *qp)
{
	return (uint8_t *)qp->data;
}

static struct nat_packet pipeline_nat_packet(struct pipeline *pl, struct pkt *p,
					     const struct queue_packet *qp,
					     struct ct_entry *entry, enum ct_dir dir,
					     enum ct_info info, bool created)
{
	return (struct nat_packet){ .buf = pipeline_packet_buf(qp), .p = p, .qp = qp,
				    .entry = entry, .dir = dir, .info = info,
				    .created = created, .ct = pl->ct };
}

/* Runs a NAT step; false when the packet is dropped. A rewritten packet
 * goes back with the verdict, and *P is parsed again from it. */
static bool pipeline_nat_step(enum nat_outcome out, struct pkt *p,
			      const struct queue_packet *qp, struct queue_verdict *vd)
{
	unsigned int flags = qp->wire_len > qp->len ? PKT_PARSE_TRUNCATED_COPY : 0;

	if (out == NAT_DROP) {
		vd->verdict = NF_DROP;
		return false;
	}
	if (out == NAT_REWRITTEN) {
		vd->payload = pipeline_packet_buf(qp);
		vd->payload_len = qp->len;
		if (pkt_parse(p, qp->data, qp->len, flags) != PKT_OK)
			vd->verdict = NF_DROP;   /* cannot happen: counted as nat_failed */
	}
	return vd->verdict == NF_ACCEPT;
}

/* The ALG helpers, where conntrack runs: a new connection may be an
 * expected one (RELATED) or get a helper; a helper sees its connection's
 * payloads as their sender sent them. False: the packet is dropped. */
static bool pipeline_alg(struct pipeline *pl, const struct filter_rules *fr,
			 const struct pkt *p, const struct queue_packet *qp,
			 struct ct_result *res, struct queue_verdict *vd,
			 struct queue_stats *stats)
{
	if (!res->ct || res->info == CT_INFO_INVALID)
		return true;
	if (res->created)
		alg_new_connection(&pl->alg, fr ? &fr->helpers : NULL, res->ct, &res->info,
				   qp->now_ns, stats);
	if (!res->ct->help || alg_payload(&pl->alg, res->ct, res->dir, p, qp->now_ns, stats))
		return true;
	vd->verdict = NF_DROP;
	if (res->created)
		ct_abort(pl->ct, res->ct);
	return false;
}

static void pipeline_prerouting(struct pipeline *pl, const struct filter_rules *fr,
				struct pkt *p, const struct queue_packet *qp,
				uint32_t *mark, struct queue_verdict *vd,
				struct queue_stats *stats)
{
	bool after_routing = fr && fr->filter_after_routing, nat_after;
	struct ct_result res = { .info = CT_INFO_UNTRACKED };
	struct nat_packet np;

	vd->verdict = NF_ACCEPT;
	if (pipeline_is_loopback_in(qp)) {
		/* State from the output hook is still in the mark. */
		if (!after_routing)
			*mark = pipeline_mark_done(pl, *mark);
		return;
	}
	if (pl->ct && !pipeline_conntrack(pl, p, qp, &res, vd, stats))
		return;
	if (!pipeline_alg(pl, fr, p, qp, &res, vd, stats))
		return;
	np = pipeline_nat_packet(pl, p, qp, res.ct, res.dir, res.info, res.created);
	if (!pipeline_nat_step(nat_before_routing(&pl->nat, fr ? fr->nat_prerouting : NULL,
						  &np, stats), p, qp, vd)) {
		if (res.created)
			ct_abort(pl->ct, res.ct);
		return;
	}
	/* A source still to translate: the packet comes back after routing. */
	nat_after = nat_pending_after_routing(res.ct, res.dir, fr && (fr->nat_postrouting ||
								     fr->nat_input));
	if (after_routing && !nat_after && res.info == CT_INFO_ESTABLISHED && res.ct &&
	    !res.created && filter_established_shortcut(fr, res.ct, qp->wire_len, stats)) {
		*mark = pipeline_mark_done(pl, *mark);
		return;
	}
	if (after_routing) {
		/* The entry is confirmed (or dropped) at input or forward,
		 * once the rules there have decided, as the kernel does. */
		*mark = pipeline_mark_for_filter(pl, *mark, res.info);
		return;
	}
	if (res.created)
		pipeline_settle(pl, res.ct, qp->now_ns, vd);
	*mark = nat_after ? pipeline_mark_for_filter(pl, *mark, res.info)
			  : pipeline_mark_done(pl, *mark);
}

static void pipeline_output(struct pipeline *pl, const struct filter_rules *fr,
			    struct pkt *p, const struct queue_packet *qp,
			    uint32_t *mark, struct queue_verdict *vd,
			    struct queue_stats *stats)
{
	struct ct_result res = { .info = CT_INFO_UNTRACKED };
	struct filter_packet fp = { .p = p, .qp = qp, .ct_table = pl->ct };
	struct nat_packet np;
	bool nat_after;

	vd->verdict = NF_ACCEPT;
	/* A reset or ICMP error the daemon sent itself. */
	if (pl->pass_mark && (qp->mark & pl->pass_mark) == pl->pass_mark)
		return;
	if (pl->ct && !pipeline_conntrack(pl, p, qp, &res, vd, stats))
		return;
	if (!pipeline_alg(pl, fr, p, qp, &res, vd, stats))
		return;
	np = pipeline_nat_packet(pl, p, qp, res.ct, res.dir, res.info, res.created);
	pipeline_nat_step(nat_before_routing(&pl->nat, fr ? fr->nat_output : NULL, &np, stats),
			  p, qp, vd);
	fp.ct = res.info;
	fp.dir = res.dir;
	fp.entry = res.ct;
	if (vd->verdict == NF_ACCEPT && fr && fr->output)
		filter_run(&pl->filter, fr->output, &fp, mark, vd, stats);
	if (res.created)
		pipeline_settle(pl, res.ct, qp->now_ns, vd);
	nat_after = nat_pending_after_routing(res.ct, res.dir, fr && fr->nat_postrouting);
	/* To this host itself: the input chain has its say after lo. */
	if (nat_after ||
	    (fr && fr->filter_after_routing && qp->outdev == PIPELINE_LOOPBACK_IFINDEX))
		*mark = pipeline_mark_for_filter(pl, *mark, res.info);
	else
		*mark = pipeline_mark_done(pl, *mark);
}

/* The entry of a packet seen after routing, whose tuple T may have been
 * translated at prerouting already: a destination translated there makes
 * T the inverse of the entry's reply tuple (DNAT: the original direction;
 * SNAT undone: a reply), found by looking T up inverted; a connection
 * translated on both sides (hairpin) by its midway tuple (src/nat). */
static struct ct_entry *pipeline_find_translated(struct pipeline *pl, const struct ct_tuple *t,
						 uint64_t now_ns, enum ct_dir *dir)
{
	struct ct_entry *e = ct_table_find(pl->ct, t, now_ns, dir);
	struct ct_tuple inv;

	if (e || !ct_tuple_invert(&inv, t))
		return e;
	e = ct_table_find(pl->ct, &inv, now_ns, dir);
	if (e) {
		*dir = *dir == CT_DIR_ORIGINAL ? CT_DIR_REPLY : CT_DIR_ORIGINAL;
		return e;
	}
	return nat_midway_find(&pl->nat, pl->ct, t, now_ns, dir);
}

/* The state of a packet seen after routing: from the state field the entry
 * hook wrote, the direction and entry from the table. */
static void pipeline_recall_state(struct pipeline *pl, const struct pkt *p,
				  const struct queue_packet *qp, struct filter_packet *fp)
{
	uint32_t field = pl->state_mark ? (qp->mark & pl->state_mark) >> pipeline_state_shift(pl) : 0;
	const struct ct_l4proto *l4 = ct_l4proto_find(p->family, p->l4proto);
	struct ct_tuple t;

	fp->ct = CT_INFO_INVALID;
	fp->dir = CT_DIR_ORIGINAL;
	fp->entry = NULL;
	if (pl->ct && ct_tuple_from_pkt(p, l4, &t))
		fp->entry = pipeline_find_translated(pl, &t, qp->now_ns, &fp->dir);
	if (field >= 1 && field <= CT_INFO_COUNT) {
		fp->ct = (enum ct_info)(field - 1);
	} else if (fp->entry) {
		uint32_t st = atomic_load_explicit(&fp->entry->status, memory_order_relaxed);

		if (fp->dir == CT_DIR_REPLY || (st & CT_S_SEEN_REPLY))
			fp->ct = CT_INFO_ESTABLISHED;
		else
			fp->ct = st & CT_S_RELATED ? CT_INFO_RELATED : CT_INFO_NEW;
	} else if (!pl->ct || !p->has_l4) {
		fp->ct = CT_INFO_UNTRACKED;
	}
}

static void pipeline_after_routing(struct pipeline *pl, const struct filter_rules *fr,
				   struct pkt *p, const struct queue_packet *qp,
				   uint32_t *mark, struct queue_verdict *vd,
				   struct queue_stats *stats)
{
	const struct rules_chain *chain = NULL;
	struct filter_packet fp = { .p = p, .qp = qp, .ct_table = pl->ct };
	struct nat_packet np;

	vd->verdict = NF_ACCEPT;
	if (fr)
		chain = qp->hook == NF_INET_FORWARD ? fr->forward : fr->input;
	/* Nothing to evaluate, nothing left unconfirmed at prerouting (the
	 * state field is set only when that happened), no NAT anywhere. */
	if (!chain && !(qp->mark & pl->state_mark) && pl->state_mark &&
	    !(fr && fr->has_nat)) {
		*mark = pipeline_mark_done(pl, *mark);
		return;
	}
	pipeline_recall_state(pl, p, qp, &fp);
	if (fp.entry)
		filter_note_hook((struct ct_entry *)fp.entry, qp->hook);
	if (chain)
		filter_run(&pl->filter, chain, &fp, mark, vd, stats);
	if (vd->verdict == NF_ACCEPT && qp->hook == NF_INET_LOCAL_IN) {
		/* Local delivery: sources are translated here. */
		np = pipeline_nat_packet(pl, p, qp, (struct ct_entry *)fp.entry, fp.dir, fp.ct,
					 false);
		pipeline_nat_step(nat_after_routing(&pl->nat, fr ? fr->nat_input : NULL, &np,
						    stats), p, qp, vd);
	}
	if (fp.entry && !(atomic_load_explicit(&fp.entry->status, memory_order_relaxed) &
			  CT_S_CONFIRMED))
		pipeline_settle(pl, (struct ct_entry *)fp.entry, qp->now_ns, vd);
	/* Forwarded with a source still to translate: on to postrouting. */
	if (qp->hook == NF_INET_FORWARD &&
	    nat_pending_after_routing(fp.entry, fp.dir, fr && fr->nat_postrouting))
		*mark &= ~(pl->pass_mark | pl->state_mark);
	else
		*mark = pipeline_mark_done(pl, *mark);
}

/* The last hook: sources of forwarded and local packets are translated. */
static void pipeline_postrouting(struct pipeline *pl, const struct filter_rules *fr,
				 struct pkt *p, const struct queue_packet *qp,
				 uint32_t *mark, struct queue_verdict *vd,
				 struct queue_stats *stats)
{
	struct filter_packet fp = { .p = p, .qp = qp, .ct_table = pl->ct };
	struct nat_packet np;

	vd->verdict = NF_ACCEPT;
	*mark = pipeline_mark_done(pl, *mark);
	if (!pl->ct || !(fr && fr->has_nat))
		return;
	pipeline_recall_state(pl, p, qp, &fp);
	np = pipeline_nat_packet(pl, p, qp, (struct ct_entry *)fp.entry, fp.dir, fp.ct, false);
	pipeline_nat_step(nat_after_routing(&pl->nat, fr->nat_postrouting, &np, stats),
			  p, qp, vd);
}

static void pipeline_decide(void *ctx, const struct queue_packet *qp,
			    struct queue_verdict *vd, struct queue_stats *stats)
{
	struct pipeline *pl = ctx;
	unsigned int flags = qp->wire_len > qp->len ? PKT_PARSE_TRUNCATED_COPY : 0;
	const struct filter_rules *fr = filter_current(&pl->filter);
	uint32_t mark = qp->mark;
	struct pkt p;
	enum pkt_error err = pkt_parse(&p, qp->data, qp->len, flags);

	if (err != PKT_OK) {
		pipeline_malformed(pl, qp, err, vd, stats);
		mark = pipeline_mark_done(pl, mark);
	} else if (qp->hook == NF_INET_PRE_ROUTING) {
		pipeline_prerouting(pl, fr, &p, qp, &mark, vd, stats);
	} else if (qp->hook == NF_INET_LOCAL_OUT) {
		pipeline_output(pl, fr, &p, qp, &mark, vd, stats);
	} else if (qp->hook == NF_INET_LOCAL_IN || qp->hook == NF_INET_FORWARD) {
		pipeline_after_routing(pl, fr, &p, qp, &mark, vd, stats);
	} else if (qp->hook == NF_INET_POST_ROUTING) {
		pipeline_postrouting(pl, fr, &p, qp, &mark, vd, stats);
	} else {
		vd->verdict = NF_ACCEPT;
		mark = pipeline_mark_done(pl, mark);
	}
	if (vd->verdict == NF_ACCEPT && mark != qp->mark) {
		vd->set_mark = true;
		vd->mark = mark;
	}
}

static void pipeline_thread_start(void *ctx)
{
	(void)ctx;
	ct_thread_register();
}

static void pipeline_thread_stop(void *ctx)
{
	(void)ctx;
	ct_thread_unregister();
}

/* One RCU read-side section per burst: entries a burst looks at cannot be
 * freed under it, and nothing is locked per packet for lookups. */
static void pipeline_burst_begin(void *ctx)
{
	(void)ctx;
	ct_read_lock();
}

static void pipeline_burst_end(void *ctx)
{
	(void)ctx;
	ct_read_unlock();
}

const struct queue_handler pipeline_handler = {
	.thread_start = pipeline_thread_start,
	.thread_stop = pipeline_thread_stop,
	.burst_begin = pipeline_burst_begin,
	.burst_end = pipeline_burst_end,
	.decide = pipeline_decide,
};
