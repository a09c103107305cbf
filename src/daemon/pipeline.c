/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-packet path: every packet is parsed into a bounds-checked view
 * first; a packet that does not parse gets the configured verdict for
 * malformed packets and a per-reason counter. */
#include "config.h"

#include <linux/netfilter.h>

#include "nfqfw/log.h"
#include "nfqfw/pipeline.h"
#include "nfqfw/pkt.h"

static struct log_ratelimit malformed_rl = LOG_RATELIMIT_INIT(5, 10);

static uint32_t pipeline_verdict_of(enum conf_verdict v)
{
	return v == CONF_VERDICT_ACCEPT ? NF_ACCEPT : NF_DROP;
}

void pipeline_init(struct pipeline *pl, const struct nfqfw_conf *conf)
{
	atomic_init(&pl->malformed_verdict, pipeline_verdict_of(conf->packet.malformed));
	pl->pass_mark = conf->queue.pass_mark;
}

void pipeline_apply_reload(struct pipeline *pl, const struct nfqfw_conf *conf)
{
	atomic_store_explicit(&pl->malformed_verdict,
			      pipeline_verdict_of(conf->packet.malformed),
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

static void pipeline_decide(void *ctx, const struct queue_packet *qp,
			    struct queue_verdict *vd, struct queue_stats *stats)
{
	struct pipeline *pl = ctx;
	unsigned int flags = qp->wire_len > qp->len ? PKT_PARSE_TRUNCATED_COPY : 0;
	struct pkt p;
	enum pkt_error err = pkt_parse(&p, qp->data, qp->len, flags);

	if (err != PKT_OK)
		pipeline_malformed(pl, qp, err, vd, stats);
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

const struct queue_handler pipeline_handler = {
	.decide = pipeline_decide,
};
