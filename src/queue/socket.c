/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The netlink socket of one queue: bind it, configure copy mode, flags and
 * length, and turn each packet message into a struct queue_packet. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "nfqfw/log.h"
#include "nfqfw/queue.h"

/* Config messages and their acks are small; a fixed size avoids the VLA that
 * MNL_SOCKET_BUFFER_SIZE (a sysconf call) would make. */
#define QUEUE_CTL_BUF 8192

/* Sends one config message with NLM_F_ACK and waits for the kernel's answer,
 * so that a failed bind (queue taken by another process: EBUSY) is seen. */
static int queue_socket_request(struct queue_socket *qs, struct nlmsghdr *nlh)
{
	char buf[QUEUE_CTL_BUF];
	ssize_t n;
	int ret;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++qs->seq;
	if (mnl_socket_sendto(qs->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(qs->nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, qs->seq, qs->portid, NULL, NULL);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static int queue_socket_bind(struct queue_socket *qs)
{
	char buf[QUEUE_CTL_BUF];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, qs->queue);

	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	return queue_socket_request(qs, nlh);
}

static int queue_socket_configure(struct queue_socket *qs,
				  const struct conf_queue *cfg)
{
	char buf[QUEUE_CTL_BUF];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, qs->queue);
	/* GSO: take large segments whole instead of making the kernel segment
	 * them for us; their checksums may be left for the NIC, which
	 * NFQA_SKB_INFO tells us per packet. */
	uint32_t flags = NFQA_CFG_F_GSO;
	uint32_t mask = NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN;

	if (cfg->accept_when_full)
		flags |= NFQA_CFG_F_FAIL_OPEN;
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, cfg->max_len);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(mask));
	return queue_socket_request(qs, nlh);
}

static void queue_socket_set_buffer(struct queue_socket *qs, uint32_t bytes)
{
	int size = (int)bytes;

	/* SO_RCVBUFFORCE passes rmem_max when we have CAP_NET_ADMIN; fall back
	 * to what the system allows otherwise. */
	if (setsockopt(qs->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(qs->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		log_warn("queue %u: cannot set a %u byte receive buffer: %s",
			 qs->queue, bytes, strerror(errno));
}

size_t queue_socket_set_send_buffer(struct queue_socket *qs, size_t bytes)
{
	int size = bytes > INT_MAX / 2 ? INT_MAX / 2 : (int)bytes;
	socklen_t len = sizeof(size);

	/* Verdicts carrying rewritten packets go out a burst at a time. */
	if (setsockopt(qs->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(qs->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (getsockopt(qs->fd, SOL_SOCKET, SO_SNDBUF, &size, &len) < 0 || size < 0)
		return 65536;
	/* netlink_sendmsg() refuses len > sk_sndbuf - 32. */
	return (size_t)size > 1024 ? (size_t)size - 1024 : (size_t)size;
}

int queue_socket_open(struct queue_socket *qs, uint16_t queue,
		      const struct conf_queue *cfg)
{
	int one = 1;
	int err;

	memset(qs, 0, sizeof(*qs));
	qs->queue = queue;
	qs->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!qs->nl)
		return -errno;
	if (mnl_socket_bind(qs->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto err_close_socket;
	}
	qs->fd = mnl_socket_get_fd(qs->nl);
	qs->portid = mnl_socket_get_portid(qs->nl);
	queue_socket_set_buffer(qs, cfg->socket_buffer);
	/* Extended acks name the attribute the kernel disliked. */
	mnl_socket_setsockopt(qs->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	err = queue_socket_bind(qs);
	if (err < 0) {
		log_err("queue %u: cannot bind: %s%s", queue, strerror(-err),
			err == -EBUSY ? " (another process holds this queue)" : "");
		goto err_close_socket;
	}
	err = queue_socket_configure(qs, cfg);
	if (err < 0) {
		log_err("queue %u: cannot configure: %s", queue, strerror(-err));
		goto err_close_socket;
	}
	return 0;

err_close_socket:
	mnl_socket_close(qs->nl);
	qs->nl = NULL;
	return err;
}

int queue_socket_set_timeout(struct queue_socket *qs, unsigned int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(qs->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

void queue_socket_close(struct queue_socket *qs)
{
	char buf[QUEUE_CTL_BUF];
	struct nlmsghdr *nlh;

	if (!qs->nl)
		return;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, qs->queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_UNBIND);
	/* Best effort: closing the socket unbinds as well. */
	mnl_socket_sendto(qs->nl, nlh, nlh->nlmsg_len);
	mnl_socket_close(qs->nl);
	qs->nl = NULL;
}

int queue_packet_from_nlmsg(const struct nlmsghdr *nlh, struct queue_packet *pkt)
{
	struct nlattr *attr[NFQA_MAX + 1] = { NULL };
	const struct nfqnl_msg_packet_hdr *ph;

	if (nfq_nlmsg_parse(nlh, attr) < 0)
		return -EINVAL;
	if (!attr[NFQA_PACKET_HDR] || !attr[NFQA_PAYLOAD] ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph))
		return -EINVAL;
	memset(pkt, 0, sizeof(*pkt));
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	pkt->id = ntohl(ph->packet_id);
	pkt->hook = ph->hook;
	pkt->hw_protocol = ntohs(ph->hw_protocol);
	pkt->data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
	pkt->len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	pkt->wire_len = pkt->len;
	if (attr[NFQA_CAP_LEN])
		pkt->wire_len = ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN]));
	if (attr[NFQA_MARK])
		pkt->mark = ntohl(mnl_attr_get_u32(attr[NFQA_MARK]));
	if (attr[NFQA_IFINDEX_INDEV])
		pkt->indev = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_INDEV]));
	if (attr[NFQA_IFINDEX_OUTDEV])
		pkt->outdev = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_OUTDEV]));
	if (attr[NFQA_SKB_INFO])
		pkt->skb_info = ntohl(mnl_attr_get_u32(attr[NFQA_SKB_INFO]));
	return 0;
}
