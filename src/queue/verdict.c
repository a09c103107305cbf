/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Verdict messages: one buffer per burst of packets, one send per buffer,
 * runs of equal verdicts folded into a batch verdict. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "nfqfw/queue.h"

/* Room one verdict message needs besides a payload. */
#define VERDICT_MSG_OVERHEAD 128

int queue_verdicts_init(struct queue_verdicts *v, uint16_t queue, size_t size,
			queue_send_fn send, void *send_ctx,
			struct queue_stats *stats)
{
	memset(v, 0, sizeof(*v));
	v->buf = malloc(size);
	if (!v->buf)
		return -ENOMEM;
	v->size = size;
	v->send_max = size;
	v->queue = queue;
	v->send = send;
	v->send_ctx = send_ctx;
	v->stats = stats;
	return 0;
}

void queue_verdicts_free(struct queue_verdicts *v)
{
	free(v->buf);
	v->buf = NULL;
}

static int verdicts_send(struct queue_verdicts *v)
{
	int err = 0;

	if (v->used) {
		err = v->send(v->send_ctx, v->buf, v->used);
		if (err < 0)
			stat_inc(&v->stats->verdict_errors);
	}
	v->used = 0;
	return err;
}

void queue_verdicts_set_send_max(struct queue_verdicts *v, size_t max)
{
	v->send_max = max < v->size ? max : v->size;
}

/* Makes room for a message of up to NEED bytes, sending what is there. */
static int verdicts_reserve(struct queue_verdicts *v, size_t need)
{
	if (need > v->size)
		return -EMSGSIZE;
	if (v->used + need > v->size || v->used + need > v->send_max)
		return verdicts_send(v);
	return 0;
}

static struct nlmsghdr *verdicts_put(struct queue_verdicts *v, int type,
				     uint32_t id, uint32_t verdict)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(v->buf + v->used, type, v->queue);

	nfq_nlmsg_verdict_put(nlh, (int)id, (int)verdict);
	return nlh;
}

static void verdicts_commit(struct queue_verdicts *v, struct nlmsghdr *nlh)
{
	v->used += NLMSG_ALIGN(nlh->nlmsg_len);
	stat_inc(&v->stats->verdict_messages);
}

/* Writes the pending run: a plain verdict for a run of one, otherwise a
 * batch verdict naming the last id (which releases the whole run, since
 * every earlier packet already has its verdict). */
static int verdicts_put_pending(struct queue_verdicts *v)
{
	struct nlmsghdr *nlh;
	int type = NFQNL_MSG_VERDICT;
	int err;

	if (!v->pending)
		return 0;
	err = verdicts_reserve(v, VERDICT_MSG_OVERHEAD);
	if (err < 0)
		return err;
	if (v->pend_count > 1) {
		type = NFQNL_MSG_VERDICT_BATCH;
		stat_add(&v->stats->batched, v->pend_count);
	}
	nlh = verdicts_put(v, type, v->pend_last, v->pend_verdict);
	if (v->pend_set_mark)
		nfq_nlmsg_verdict_put_mark(nlh, v->pend_mark);
	verdicts_commit(v, nlh);
	v->pending = false;
	return 0;
}

static bool verdicts_extends_run(const struct queue_verdicts *v, uint32_t id,
				 const struct queue_verdict *vd)
{
	return v->pending && !vd->payload && id == v->pend_last + 1 &&
	       vd->verdict == v->pend_verdict &&
	       vd->set_mark == v->pend_set_mark &&
	       (!vd->set_mark || vd->mark == v->pend_mark);
}

static int verdicts_put_with_payload(struct queue_verdicts *v, uint32_t id,
				     const struct queue_verdict *vd)
{
	struct nlmsghdr *nlh;
	int err;

	err = verdicts_reserve(v, VERDICT_MSG_OVERHEAD + vd->payload_len);
	if (err < 0)
		return err;
	nlh = verdicts_put(v, NFQNL_MSG_VERDICT, id, vd->verdict);
	if (vd->set_mark)
		nfq_nlmsg_verdict_put_mark(nlh, vd->mark);
	nfq_nlmsg_verdict_put_pkt(nlh, vd->payload, vd->payload_len);
	verdicts_commit(v, nlh);
	return 0;
}

int queue_verdicts_add(struct queue_verdicts *v, uint32_t id,
		       const struct queue_verdict *vd)
{
	int err;

	if (verdicts_extends_run(v, id, vd)) {
		v->pend_last = id;
		v->pend_count++;
		return 0;
	}
	err = verdicts_put_pending(v);
	if (err < 0)
		return err;
	if (vd->payload)
		return verdicts_put_with_payload(v, id, vd);
	v->pending = true;
	v->pend_first = v->pend_last = id;
	v->pend_count = 1;
	v->pend_verdict = vd->verdict;
	v->pend_set_mark = vd->set_mark;
	v->pend_mark = vd->mark;
	return 0;
}

int queue_verdicts_flush(struct queue_verdicts *v)
{
	int err = verdicts_put_pending(v);

	if (err < 0)
		return err;
	return verdicts_send(v);
}
