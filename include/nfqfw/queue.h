/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NFQUEUE I/O: one netlink socket and one worker thread per queue, packets
 * received in bursts (recvmmsg) and verdicts sent back in one message buffer,
 * with consecutive equal verdicts folded into one batch verdict. */
#ifndef NFQFW_QUEUE_H
#define NFQFW_QUEUE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqfw/conf.h"
#include "nfqfw/stats.h"

struct mnl_socket;

/* One packet as the kernel handed it over. */
struct queue_packet {
	uint32_t id;
	uint8_t  hook;            /* NF_INET_* */
	uint16_t hw_protocol;     /* ETH_P_*, host order */
	const uint8_t *data;      /* starts at the IP header */
	uint32_t len;             /* bytes in data */
	uint32_t wire_len;        /* the packet's real length (>= len) */
	uint32_t mark;
	uint32_t indev, outdev;   /* ifindex, 0 if none */
	uint32_t skb_info;        /* NFQA_SKB_* flags */
	uint64_t now_ns;          /* CLOCK_MONOTONIC when its burst arrived */
};

/* What to do with it. */
struct queue_verdict {
	uint32_t verdict;         /* NF_ACCEPT or NF_DROP */
	bool set_mark;
	uint32_t mark;
	const uint8_t *payload;   /* non-NULL: replace the packet with this */
	uint32_t payload_len;
};

/* Collects verdict messages for one queue into a buffer, folding runs of
 * packets that get the same verdict and mark into one NFQNL_MSG_VERDICT_BATCH
 * (which releases every outstanding packet up to an id). Packets are given
 * their verdicts in the order they arrived, so a batch never covers a packet
 * that is meant to get another verdict. */
typedef int (*queue_send_fn)(void *ctx, const void *buf, size_t len);

struct queue_verdicts {
	char *buf;
	size_t size, used;
	/* The most one send may carry: netlink refuses a message longer than
	 * the socket's send buffer (EMSGSIZE), and a lost verdict would
	 * then be covered by a later batch verdict without its payload. */
	size_t send_max;
	uint16_t queue;
	queue_send_fn send;
	void *send_ctx;
	struct queue_stats *stats;
	/* the run being folded */
	bool pending;
	uint32_t pend_first, pend_last, pend_count;
	uint32_t pend_verdict, pend_mark;
	bool pend_set_mark;
};

int queue_verdicts_init(struct queue_verdicts *v, uint16_t queue, size_t size,
			queue_send_fn send, void *send_ctx,
			struct queue_stats *stats);
/* Caps every send at MAX bytes (at least one largest message fits). */
void queue_verdicts_set_send_max(struct queue_verdicts *v, size_t max);
void queue_verdicts_free(struct queue_verdicts *v);
/* Adds the verdict for packet ID. Returns 0 or a negative errno (from send). */
int queue_verdicts_add(struct queue_verdicts *v, uint32_t id,
		       const struct queue_verdict *vd);
/* Sends everything collected so far. */
int queue_verdicts_flush(struct queue_verdicts *v);

/* The netlink socket bound to one queue. */
struct queue_socket {
	struct mnl_socket *nl;
	int fd;
	uint32_t portid;
	uint16_t queue;
	uint32_t seq;
};

int queue_socket_open(struct queue_socket *qs, uint16_t queue,
		      const struct conf_queue *cfg);
/* Sets the receive timeout used to notice stop and drain requests. */
int queue_socket_set_timeout(struct queue_socket *qs, unsigned int ms);
/* Asks for a send buffer of BYTES; returns the largest send the socket
 * then takes. */
size_t queue_socket_set_send_buffer(struct queue_socket *qs, size_t bytes);
/* Unbinds (the kernel drops what is still queued) and closes. */
void queue_socket_close(struct queue_socket *qs);

/* Parses one NFQNL_MSG_PACKET message into *pkt. 0 or -EINVAL. */
struct nlmsghdr;
int queue_packet_from_nlmsg(const struct nlmsghdr *nlh, struct queue_packet *pkt);

/* The pipeline of stages behind the queues, as the workers see it. All
 * but decide may be NULL. */
struct queue_handler {
	/* In the worker thread, before its first packet and after its last. */
	void (*thread_start)(void *ctx);
	void (*thread_stop)(void *ctx);
	/* Around every burst of packets (e.g. an RCU read-side section). */
	void (*burst_begin)(void *ctx);
	void (*burst_end)(void *ctx);
	/* Decides one packet's verdict. */
	void (*decide)(void *ctx, const struct queue_packet *pkt,
		       struct queue_verdict *vd, struct queue_stats *stats);
};

enum queue_worker_state {
	QUEUE_WORKER_RUN,
	QUEUE_WORKER_DRAIN,   /* give verdicts to what is queued, then exit */
	QUEUE_WORKER_STOP,    /* exit now */
};

struct queue_worker {
	pthread_t thread;
	bool started;
	struct queue_socket sock;
	struct queue_verdicts verdicts;
	struct queue_stats stats;
	_Atomic int state;
	const struct queue_handler *handler;
	void *handler_ctx;
	const char *proc_queue_path;
	/* receive burst */
	unsigned int burst;
	size_t slot_size;
	uint8_t *rx;
	struct mmsghdr *msgs;
	struct iovec *iov;
};

/* Opens and binds the queue, then starts the thread. */
int queue_worker_start(struct queue_worker *w, uint16_t queue,
		       const struct conf_queue *cfg,
		       const struct queue_handler *handler, void *handler_ctx);
void queue_worker_set_state(struct queue_worker *w, enum queue_worker_state st);
/* Waits for the thread to end (after a DRAIN or STOP request). */
void queue_worker_join(struct queue_worker *w);
/* Joins, then unbinds and frees everything. */
void queue_worker_finish(struct queue_worker *w);

#define QUEUE_PROC_PATH "/proc/net/netfilter/nfnetlink_queue"

#endif
