/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running a base chain for one packet and carrying out its verdict: the
 * interface names, the rules' log lines, the mark, and the reject the
 * daemon sends itself. */
#include "config.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <stdio.h>
#include <string.h>

#include "nfqfw/filter.h"
#include "nfqfw/iface.h"
#include "nfqfw/logline.h"
#include "nfqfw/reject.h"

/* A log line of the kernel's LOG target is at most about 400 bytes. */
#define FILTER_LOG_LINE_MAX 512

static void filter_log(struct filter *f, const struct rules_rule *r,
		       const struct filter_packet *fp, const char *in, const char *out,
		       uint32_t mark, struct queue_stats *stats)
{
	char line[FILTER_LOG_LINE_MAX];
	uint64_t suppressed;

	if (!log_ratelimit_allow(&f->log_rl, fp->qp->now_ns, &suppressed))
		return;
	filter_log_line(line, sizeof(line), r->log.prefix, in, out, fp->p, mark);
	if (suppressed)
		log_msg(r->log.level, "%s (%llu earlier rule log lines suppressed)", line,
			(unsigned long long)suppressed);
	else
		log_msg(r->log.level, "%s", line);
	stat_inc(&stats->filter_logged);
}

static void filter_reject(struct filter *f, const struct filter_packet *fp,
			  enum rules_reject how, struct queue_stats *stats)
{
	const struct queue_packet *qp = fp->qp;
	struct reject_origin origin = {
		.ifindex = qp->indev ? qp->indev : qp->outdev,
		.csum_not_ready = (qp->skb_info & NFQA_SKB_CSUMNOTREADY) != 0,
	};

	if (f->reject && reject_send(f->reject, fp->p, how, &origin) == 0)
		stat_inc(&stats->rejects_sent);
	else
		stat_inc(&stats->rejects_not_sent);
}

static void filter_count(enum rules_verdict v, struct queue_stats *stats)
{
	if (v == RULES_ACCEPT)
		stat_inc(&stats->filter_accepted);
	else if (v == RULES_DROP)
		stat_inc(&stats->filter_dropped);
	else
		stat_inc(&stats->filter_rejected);
}

void filter_run(struct filter *f, const struct rules_chain *chain,
		const struct filter_packet *fp, uint32_t *mark,
		struct queue_verdict *vd, struct queue_stats *stats)
{
	char in_buf[RULES_IFNAMSIZ], out_buf[RULES_IFNAMSIZ];
	const struct queue_packet *qp = fp->qp;
	struct rules_packet rp = {
		.p = fp->p, .ct = fp->ct, .dir = fp->dir, .mark = *mark,
		.len = qp->wire_len, .now_ns = qp->now_ns,
		.ct_table = fp->ct_table, .entry = fp->entry,
	};
	struct rules_result res;

	if (f->ifnames) {
		rp.in = iface_name(f->ifnames, qp->indev, in_buf);
		rp.out = iface_name(f->ifnames, qp->outdev, out_buf);
	}
	rules_eval(chain, &rp, &res);
	/* The mark logged is the one the packet entered the chain with: the
	 * result keeps only the final mark, so a log after a set_mark in the
	 * same walk shows the mark from before it (the kernel's LOG would show
	 * the new one). A log before any set_mark, the usual case, is exact. */
	for (unsigned int i = 0; i < res.n_logs; i++)
		filter_log(f, res.logs[i], fp, rp.in, rp.out, rp.mark, stats);
	if (res.mark_set)
		*mark = res.mark;
	filter_count(res.verdict, stats);
	if (res.verdict == RULES_REJECT)
		filter_reject(f, fp, res.reject, stats);
	vd->verdict = res.verdict == RULES_ACCEPT ? NF_ACCEPT : NF_DROP;
}

void filter_note_hook(struct ct_entry *entry, unsigned int hook)
{
	uint8_t v = (uint8_t)(hook + 1);

	if (atomic_load_explicit(&entry->filter_hook, memory_order_relaxed) != v)
		atomic_store_explicit(&entry->filter_hook, v, memory_order_relaxed);
}

bool filter_established_shortcut(const struct filter_rules *fr,
				 const struct ct_entry *entry, uint32_t len,
				 struct queue_stats *stats)
{
	uint8_t hook = atomic_load_explicit(&entry->filter_hook, memory_order_relaxed);
	const struct rules_rule *r;

	if (hook == NF_INET_FORWARD + 1)
		r = fr->established_forward;
	else if (hook == NF_INET_LOCAL_IN + 1)
		r = fr->established_input;
	else
		return false;
	if (!r)
		return false;
	rules_rule_count(r, len);
	stat_inc(&stats->filter_accepted);
	return true;
}
