/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One worker thread per queue: receive a burst of packet messages with one
 * recvmmsg, decide each, and send all verdicts of the burst with one send. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "nfqfw/kstats.h"
#include "nfqfw/log.h"
#include "nfqfw/queue.h"

/* A message holds the packet (up to the 64 KiB copy range, GSO included)
 * and its attributes. */
#define WORKER_SLOT_SIZE (65536 + 4096)
#define WORKER_BURST 16
#define WORKER_TIMEOUT_MS 200
#define WORKER_DRAIN_TIMEOUT_MS 20
#define WORKER_DRAIN_MAX_NS (3ull * 1000000000u)

static struct log_ratelimit worker_err_rl = LOG_RATELIMIT_INIT(1, 5);

static int worker_send(void *ctx, const void *buf, size_t len)
{
	struct queue_socket *qs = ctx;

	if (mnl_socket_sendto(qs->nl, buf, len) < 0) {
		log_msg_ratelimited(&worker_err_rl, LOG_ERR,
				    "queue %u: sending verdicts failed: %s",
				    qs->queue, strerror(errno));
		return -errno;
	}
	return 0;
}

static void worker_count_verdict(struct queue_stats *st, const struct queue_verdict *vd)
{
	if (vd->verdict == NF_ACCEPT)
		stat_inc(&st->accepted);
	else
		stat_inc(&st->dropped);
}

static void worker_handle_packet(struct queue_worker *w, const struct nlmsghdr *nlh,
				 uint64_t now_ns)
{
	struct queue_packet pkt;
	struct queue_verdict vd = { .verdict = NF_DROP };

	if (queue_packet_from_nlmsg(nlh, &pkt) < 0) {
		/* Without an id we cannot even drop it; it stays queued
		 * until we unbind. The kernel never sends this. */
		stat_inc(&w->stats.recv_errors);
		return;
	}
	pkt.now_ns = now_ns;
	stat_inc(&w->stats.received);
	stat_add(&w->stats.bytes, pkt.wire_len);
	if (pkt.hook < STATS_HOOK_COUNT)
		stat_inc(&w->stats.by_hook[pkt.hook]);
	if (pkt.skb_info & NFQA_SKB_GSO)
		stat_inc(&w->stats.gso);
	if (pkt.skb_info & NFQA_SKB_CSUMNOTREADY)
		stat_inc(&w->stats.csum_not_ready);
	if (pkt.wire_len > pkt.len)
		stat_inc(&w->stats.truncated_copies);
	w->handler->decide(w->handler_ctx, &pkt, &vd, &w->stats);
	worker_count_verdict(&w->stats, &vd);
	queue_verdicts_add(&w->verdicts, pkt.id, &vd);
}

/* Walks every netlink message in one datagram: packets, and the error
 * reports the kernel sends for verdicts it refused. */
static void worker_handle_datagram(struct queue_worker *w, const void *buf, size_t len,
				   uint64_t now_ns)
{
	const struct nlmsghdr *nlh = buf;
	int remaining = (int)len;

	while (mnl_nlmsg_ok(nlh, remaining)) {
		uint16_t type = nlh->nlmsg_type & 0xff;

		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*e)) && e->error) {
				stat_inc(&w->stats.verdict_errors);
				log_msg_ratelimited(&worker_err_rl, LOG_WARNING,
						    "queue %u: kernel refused a verdict: %s",
						    w->sock.queue, strerror(-e->error));
			}
		} else if (type == NFQNL_MSG_PACKET) {
			worker_handle_packet(w, nlh, now_ns);
		}
		nlh = mnl_nlmsg_next(nlh, &remaining);
	}
}

/* Receives one burst; returns the number of datagrams or a negative errno. */
static int worker_receive(struct queue_worker *w)
{
	int n;

	for (unsigned int i = 0; i < w->burst; i++) {
		w->iov[i].iov_base = w->rx + (size_t)i * w->slot_size;
		w->iov[i].iov_len = w->slot_size;
		memset(&w->msgs[i].msg_hdr, 0, sizeof(w->msgs[i].msg_hdr));
		w->msgs[i].msg_hdr.msg_iov = &w->iov[i];
		w->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/* Wait for the first datagram (up to the socket timeout), then take
	 * whatever else is already there. */
	n = recvmmsg(w->sock.fd, w->msgs, w->burst, MSG_WAITFORONE, NULL);
	return n < 0 ? -errno : n;
}

static void worker_note_receive_error(struct queue_worker *w, int err)
{
	if (err == -ENOBUFS) {
		/* The kernel could not hand us packets because our receive
		 * buffer was full. It dropped them (or accepted them with
		 * accept_when_full) and counts them as user_dropped; we go on. */
		stat_inc(&w->stats.enobufs);
		log_msg_ratelimited(&worker_err_rl, LOG_WARNING,
				    "queue %u: receive buffer overrun (ENOBUFS): packets were lost; "
				    "consider a larger queue.socket_buffer", w->sock.queue);
		return;
	}
	stat_inc(&w->stats.recv_errors);
	log_msg_ratelimited(&worker_err_rl, LOG_ERR, "queue %u: receive failed: %s",
			    w->sock.queue, strerror(-err));
}

/* In drain mode the rules no longer queue anything; we are done once the
 * kernel holds no packet of ours. */
static bool worker_drained(struct queue_worker *w, uint64_t started_ns)
{
	struct queue_kstats ks;

	if (log_now_ns() - started_ns > WORKER_DRAIN_MAX_NS) {
		log_warn("queue %u: giving up draining after %llu s", w->sock.queue,
			 WORKER_DRAIN_MAX_NS / 1000000000ull);
		return true;
	}
	if (queue_kstats_read(w->proc_queue_path, w->sock.queue, &ks) < 0)
		return true;
	return ks.waiting == 0;
}

static void worker_handle_burst(struct queue_worker *w, int n)
{
	uint64_t now_ns = log_now_ns();

	if (w->handler->burst_begin)
		w->handler->burst_begin(w->handler_ctx);
	for (int i = 0; i < n; i++)
		worker_handle_datagram(w, w->iov[i].iov_base, w->msgs[i].msg_len, now_ns);
	if (w->handler->burst_end)
		w->handler->burst_end(w->handler_ctx);
	queue_verdicts_flush(&w->verdicts);
}

static void *worker_main(void *arg)
{
	struct queue_worker *w = arg;
	uint64_t drain_started = 0;

	if (w->handler->thread_start)
		w->handler->thread_start(w->handler_ctx);

	for (;;) {
		int state = atomic_load_explicit(&w->state, memory_order_acquire);
		int n;

		stat_set(&w->stats.last_seen_ns, log_now_ns());
		if (state == QUEUE_WORKER_STOP)
			break;
		if (state == QUEUE_WORKER_DRAIN && !drain_started) {
			drain_started = log_now_ns();
			queue_socket_set_timeout(&w->sock, WORKER_DRAIN_TIMEOUT_MS);
		}
		n = worker_receive(w);
		if (n < 0) {
			if (n == -EAGAIN || n == -EINTR) {
				if (drain_started && worker_drained(w, drain_started))
					break;
				continue;
			}
			worker_note_receive_error(w, n);
			continue;
		}
		worker_handle_burst(w, n);
	}
	if (w->handler->thread_stop)
		w->handler->thread_stop(w->handler_ctx);
	return NULL;
}

static int worker_alloc(struct queue_worker *w)
{
	w->burst = WORKER_BURST;
	w->slot_size = WORKER_SLOT_SIZE;
	w->rx = malloc((size_t)w->burst * w->slot_size);
	w->msgs = calloc(w->burst, sizeof(*w->msgs));
	w->iov = calloc(w->burst, sizeof(*w->iov));
	if (!w->rx || !w->msgs || !w->iov)
		return -ENOMEM;
	return 0;
}

static void worker_free(struct queue_worker *w)
{
	free(w->rx);
	free(w->msgs);
	free(w->iov);
	w->rx = NULL;
	w->msgs = NULL;
	w->iov = NULL;
	queue_verdicts_free(&w->verdicts);
}

int queue_worker_start(struct queue_worker *w, uint16_t queue,
		       const struct conf_queue *cfg,
		       const struct queue_handler *handler, void *handler_ctx)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->handler = handler;
	w->handler_ctx = handler_ctx;
	w->proc_queue_path = QUEUE_PROC_PATH;
	atomic_init(&w->state, QUEUE_WORKER_RUN);
	err = worker_alloc(w);
	if (err < 0)
		goto err_free;
	/* Verdicts of a whole burst, payloads included, fit in one buffer. */
	err = queue_verdicts_init(&w->verdicts, queue, (size_t)w->burst * w->slot_size,
				  worker_send, &w->sock, &w->stats);
	if (err < 0)
		goto err_free;
	err = queue_socket_open(&w->sock, queue, cfg);
	if (err < 0)
		goto err_free;
	err = queue_socket_set_timeout(&w->sock, WORKER_TIMEOUT_MS);
	if (err < 0)
		goto err_close_socket;
	queue_verdicts_set_send_max(&w->verdicts,
				    queue_socket_set_send_buffer(&w->sock, w->verdicts.size));
	err = -pthread_create(&w->thread, NULL, worker_main, w);
	if (err < 0)
		goto err_close_socket;
	w->started = true;
	return 0;

err_close_socket:
	queue_socket_close(&w->sock);
err_free:
	worker_free(w);
	return err;
}

void queue_worker_set_state(struct queue_worker *w, enum queue_worker_state st)
{
	atomic_store_explicit(&w->state, st, memory_order_release);
}

void queue_worker_join(struct queue_worker *w)
{
	if (!w->started)
		return;
	pthread_join(w->thread, NULL);
	w->started = false;
}

void queue_worker_finish(struct queue_worker *w)
{
	queue_worker_join(w);
	queue_socket_close(&w->sock);
	worker_free(w);
}
