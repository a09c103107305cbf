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

/* Connection tracking happens where the kernel does it: at the entry
 * hooks. A packet the host sends to itself is seen at output and again at
 * prerouting on lo; the second time is not a new packet. */
static bool pipeline_tracks(const struct pipeline *pl, const struct queue_packet *qp)
{
	if (!pl->ct)
		return false;
	if (qp->hook == NF_INET_LOCAL_OUT)
		return true;
	return qp->hook == NF_INET_PRE_ROUTING && qp->indev != PIPELINE_LOOPBACK_IFINDEX;
}

static void pipeline_conntrack(struct pipeline *pl, const struct pkt *p,
			       const struct queue_packet *qp,
			       struct queue_verdict *vd, struct queue_stats *stats)
{
	struct ct_result res;

	ct_process(pl->ct, p, qp->now_ns, &res);
	stat_inc(&stats->ct_by_info[res.info]);
	if (res.info == CT_INFO_INVALID) {
		vd->verdict = atomic_load_explicit(&pl->invalid_verdict, memory_order_relaxed);
		pipeline_log_invalid(p, qp, &res, vd->verdict);
		pipeline_record_invalid(pl, p, qp, &res, vd->verdict);
	} else {
		vd->verdict = NF_ACCEPT;
	}
	if (!res.created)
		return;
	if (vd->verdict != NF_ACCEPT)
		ct_abort(pl->ct, res.ct);
	else if (ct_confirm(pl->ct, res.ct, qp->now_ns) < 0)
		/* Removed (flushed) before its first packet's verdict: the
		 * kernel drops such a packet too, the flow starts over. */
		vd->verdict = NF_DROP;
}

static void pipeline_decide(void *ctx, const struct queue_packet *qp,
			    struct queue_verdict *vd, struct queue_stats *stats)
{
	struct pipeline *pl = ctx;
	unsigned int flags = qp->wire_len > qp->len ? PKT_PARSE_TRUNCATED_COPY : 0;
	struct pkt p;
	enum pkt_error err = pkt_parse(&p, qp->data, qp->len, flags);

	if (err != PKT_OK)
		pipeline_malformed(pl, qp, err, vd, stats);
	else if (pipeline_tracks(pl, qp))
		pipeline_conntrack(pl, &p, qp, vd, stats);
	else
		vd->verdict = NF_ACCEPT;
	/* Nothing is left for the later chains to do with an accepted packet:
	 * mark it so that they let it pass without queueing it again. */
	if (vd->verdict == NF_ACCEPT && pl->pass_mark &&
	    (qp->mark & pl->pass_mark) != pl->pass_mark) {
		vd->set_mark = true;
		vd->mark = qp->mark | pl->pass_mark;
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
