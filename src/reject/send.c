/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sends the replies of the reject action on four raw sockets, opened once
 * at start-up while the daemon still holds CAP_NET_RAW (sending on an open
 * raw socket needs no capability). Resets are whole IP packets written on
 * IPPROTO_RAW sockets, because their source is the rejected packet's
 * destination, which on a gateway is not one of our addresses; ICMP errors
 * go out on ICMP sockets, so that the kernel picks our source address as
 * icmp_send() would.
 *
 * Checked in a network namespace (tests/unit/reject/test-send.c) on Linux
 * 6.18: an AF_INET6 SOCK_RAW IPPROTO_RAW socket sends a packet whose source
 * is not one of our addresses byte for byte unchanged, as the AF_INET one
 * does (IPPROTO_RAW implies IP_HDRINCL, and for IPv6 IPV6_HDRINCL, without
 * setting them; neither checks the source; IPv4 fills in the id and header
 * checksum). Only the route to the destination is looked up, by destination
 * and SO_MARK. A link-local IPv6 destination needs sin6_scope_id: without
 * it the send failed with ENETUNREACH or left by whichever interface. And
 * the sockets keep working after CAP_NET_RAW is dropped.
 *
 * Every reply carries SO_MARK = the daemon's pass mark, so our own output
 * chain lets it through without queueing it back to us. */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/icmp.h>

#include "nfqfw/reject.h"

static void count(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

bool reject_limit_allow(struct reject_limit *l, uint64_t now_ns)
{
	uint32_t sec = (uint32_t)(now_ns / 1000000000u);
	uint64_t cur, next;

	if (l->per_sec == 0)
		return true;
	cur = atomic_load_explicit(&l->window, memory_order_relaxed);
	do {
		if ((uint32_t)(cur >> 32) != sec)
			next = (uint64_t)sec << 32 | 1;
		else if ((uint32_t)cur >= l->per_sec)
			return false;
		else
			next = cur + 1;
	} while (!atomic_compare_exchange_weak_explicit(&l->window, &cur, next,
							memory_order_relaxed,
							memory_order_relaxed));
	return true;
}

/* The sockets only send. A raw socket still gets a copy of every packet of
 * its protocol (each ICMP message the host receives, for the ICMP ones),
 * and as nobody reads them they would fill the receive buffer: a filter
 * that accepts nothing drops them before they are queued. */
static int socket_read_nothing(int fd, int proto)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop };

	if (proto == IPPROTO_ICMP) {
		/* Checked before the packet is even copied to the socket. */
		struct icmp_filter f = { .data = ~0u };

		if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f)) < 0)
			return -errno;
	} else if (proto == IPPROTO_ICMPV6) {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) < 0)
			return -errno;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

static int socket_open(int family, int proto, uint32_t mark, int *fdp)
{
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int err;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
		err = -errno;
		goto err_close_socket;
	}
	err = socket_read_nothing(fd, proto);
	if (err < 0)
		goto err_close_socket;
	*fdp = fd;
	return 0;

err_close_socket:
	close(fd);
	return err;
}

static void counters_init(struct reject_sender *s)
{
	atomic_init(&s->icmp_limit.window, 0);
	s->icmp_limit.per_sec = REJECT_ICMP_PER_SEC;
	atomic_init(&s->sent_resets, 0);
	atomic_init(&s->sent_icmp, 0);
	for (unsigned int i = 0; i < REJECT_SKIP_COUNT; i++)
		atomic_init(&s->skipped[i], 0);
	atomic_init(&s->send_errors, 0);
	atomic_init(&s->last_error, 0);
}

int reject_sender_open(struct reject_sender *s, uint32_t mark)
{
	int err;

	s->fd_raw4 = s->fd_raw6 = s->fd_icmp4 = s->fd_icmp6 = -1;
	s->mark = mark;
	counters_init(s);
	err = socket_open(AF_INET, IPPROTO_RAW, mark, &s->fd_raw4);
	if (err < 0)
		return err;
	err = socket_open(AF_INET6, IPPROTO_RAW, mark, &s->fd_raw6);
	if (err < 0)
		goto err_close_raw4;
	err = socket_open(AF_INET, IPPROTO_ICMP, mark, &s->fd_icmp4);
	if (err < 0)
		goto err_close_raw6;
	err = socket_open(AF_INET6, IPPROTO_ICMPV6, mark, &s->fd_icmp6);
	if (err < 0)
		goto err_close_icmp4;
	return 0;

err_close_icmp4:
	close(s->fd_icmp4);
	s->fd_icmp4 = -1;
err_close_raw6:
	close(s->fd_raw6);
	s->fd_raw6 = -1;
err_close_raw4:
	close(s->fd_raw4);
	s->fd_raw4 = -1;
	return err;
}

void reject_sender_close(struct reject_sender *s)
{
	int *fds[] = { &s->fd_raw4, &s->fd_raw6, &s->fd_icmp4, &s->fd_icmp6 };

	for (unsigned int i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* sendto() of the reply to its destination. The port field of a raw
 * socket's address must be 0 (or its protocol). */
static ssize_t reply_sendto(const struct reject_sender *s, const struct reject_reply *r)
{
	if (r->family == 4) {
		struct sockaddr_in sin = { .sin_family = AF_INET };

		memcpy(&sin.sin_addr, r->dst.b, 4);
		return sendto(r->whole_ip ? s->fd_raw4 : s->fd_icmp4, r->bytes, r->len, 0,
			      (const struct sockaddr *)&sin, sizeof(sin));
	} else {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

		memcpy(&sin6.sin6_addr, r->dst.b, 16);
		sin6.sin6_scope_id = r->scope_id;
		return sendto(r->whole_ip ? s->fd_raw6 : s->fd_icmp6, r->bytes, r->len, 0,
			      (const struct sockaddr *)&sin6, sizeof(sin6));
	}
}

static uint64_t now_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int reject_send(struct reject_sender *s, const struct pkt *p,
		enum rules_reject how, const struct reject_origin *origin)
{
	struct reject_reply r;
	enum reject_skip skip = reject_build(p, how, origin, &r);
	int err;

	if (skip == REJECT_OK && !r.whole_ip &&
	    !reject_limit_allow(&s->icmp_limit, now_coarse_ns()))
		skip = REJECT_SKIP_RATE_LIMIT;
	if (skip != REJECT_OK) {
		count(&s->skipped[skip]);
		return -ENOMSG;
	}
	if (reply_sendto(s, &r) < 0) {
		err = errno;
		count(&s->send_errors);
		atomic_store_explicit(&s->last_error, err, memory_order_relaxed);
		return -err;
	}
	count(r.whole_ip ? &s->sent_resets : &s->sent_icmp);
	return 0;
}
