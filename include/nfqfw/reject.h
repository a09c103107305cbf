/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reject action: what the daemon sends back to the sender of a packet a
 * rule rejected, a TCP reset or an ICMP/ICMPv6 "destination unreachable", as
 * the kernel's REJECT target does (net/ipv4/netfilter/nf_reject_ipv4.c,
 * net/ipv6/netfilter/nf_reject_ipv6.c, and icmp_send()/icmp6_send() for the
 * errors). reject_build() makes the reply and needs no kernel; a
 * struct reject_sender sends it on raw sockets opened once at start-up. */
#ifndef NFQFW_REJECT_H
#define NFQFW_REJECT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfqfw/pkt.h"
#include "nfqfw/rules.h"

/* Why no reply is sent (REJECT_OK: one is). Order is part of the stats
 * output; append only. */
enum reject_skip {
	REJECT_OK = 0,
	REJECT_SKIP_NONE,          /* RULES_REJECT_NONE or an unknown kind */
	REJECT_SKIP_NOT_TCP,       /* tcp-reset for a packet without a TCP header */
	REJECT_SKIP_RST,           /* the segment is a reset itself */
	REJECT_SKIP_FRAGMENT,      /* a later fragment: no transport header */
	REJECT_SKIP_LENGTH,        /* reset without ACK to a segment of unknown
				    * length (first fragment, BIG TCP copy) */
	REJECT_SKIP_ICMP_ERROR,    /* an ICMP(v6) error, redirect or unknown type */
	REJECT_SKIP_SRC_ADDR,      /* the source is not one unicast host */
	REJECT_SKIP_DST_ADDR,      /* the destination is multicast or broadcast */
	REJECT_SKIP_BAD_CSUM,      /* wrong transport checksum */
	REJECT_SKIP_MALFORMED,     /* the view is inconsistent (not a parsed packet) */
	REJECT_SKIP_RATE_LIMIT,    /* ICMP errors over the rate limit (sender only) */
	REJECT_SKIP_COUNT
};

/* Short snake_case name of a reason ("src_addr"), for stats and logs. */
const char *reject_skip_name(enum reject_skip skip);

/* What is known about the offending packet besides its bytes. */
struct reject_origin {
	/* The interface that scopes a link-local IPv6 source: the packet's
	 * input interface, or its output interface if it was generated
	 * locally. 0 if unknown. */
	uint32_t ifindex;
	/* NFQA_SKB_CSUMNOTREADY: the transport checksum is not computed yet
	 * (a locally generated packet), so it is not verified. */
	bool csum_not_ready;
};

/* The largest reply: an ICMPv6 error within the 1280-byte minimum MTU,
 * less the 40-byte IPv6 header the kernel puts in front (RFC 4443 2.4(c)). */
#define REJECT_REPLY_MAX 1240
/* Hop limit of a reset: the kernel's default TTL and hop limit (sysctls
 * net.ipv4.ip_default_ttl, net.ipv6.conf.all.hop_limit), which
 * nf_send_reset() takes from the route. */
#define REJECT_TTL 64
/* Largest whole IPv4 datagram carrying an ICMP error (RFC 1812 4.3.2.3). */
#define REJECT_ICMP4_DATAGRAM_MAX 576

struct reject_reply {
	uint8_t  family;          /* 4 or 6 */
	/* true: BYTES is a whole IP packet with our own header (TCP reset),
	 * for an IPPROTO_RAW socket. false: BYTES is an ICMP or ICMPv6
	 * message, for an IPPROTO_ICMP(V6) socket: the kernel picks the
	 * source and writes the IP header (and the ICMPv6 checksum, which
	 * is left 0 here). */
	bool     whole_ip;
	union pkt_addr dst;       /* the offending packet's source */
	uint32_t scope_id;        /* for a link-local IPv6 DST (origin ifindex) */
	size_t   len;
	uint8_t  bytes[REJECT_REPLY_MAX];
};

/* Builds the reply to P (a packet pkt_parse() accepted) for the kind HOW.
 * ORIGIN may be NULL. Returns REJECT_OK with *R filled in, or the reason
 * nothing may be sent. Pure: no system call, no allocation. */
enum reject_skip reject_build(const struct pkt *p, enum rules_reject how,
			      const struct reject_origin *origin,
			      struct reject_reply *r);

/* ICMP errors per second, as the kernel's net.ipv4.icmp_msgs_per_sec:
 * raw sockets bypass the kernel's own ICMP rate limits. */
#define REJECT_ICMP_PER_SEC 1000

/* A fixed one-second window: the second (high 32 bits) and the messages
 * sent in it (low 32 bits), in one word that threads update by CAS. */
struct reject_limit {
	_Atomic uint64_t window;
	uint32_t per_sec;         /* 0: no limit */
};

/* Takes one message from the budget of the second NOW_NS falls in. */
bool reject_limit_allow(struct reject_limit *l, uint64_t now_ns);

struct reject_sender {
	int fd_raw4, fd_raw6;     /* IPPROTO_RAW: resets (whole packets) */
	int fd_icmp4, fd_icmp6;   /* IPPROTO_ICMP, IPPROTO_ICMPV6: errors */
	uint32_t mark;            /* SO_MARK of every reply */
	struct reject_limit icmp_limit;
	_Atomic uint64_t sent_resets, sent_icmp;
	_Atomic uint64_t skipped[REJECT_SKIP_COUNT];
	_Atomic uint64_t send_errors;
	_Atomic int last_error;   /* errno of the last failed send */
};

/* Opens the four raw sockets (needs CAP_NET_RAW, and CAP_NET_ADMIN for
 * SO_MARK), non-blocking, each marked with MARK and reading nothing.
 * ICMP errors are limited to REJECT_ICMP_PER_SEC (change
 * s->icmp_limit.per_sec before the first send). 0 or a negative errno; on
 * failure nothing stays open. */
int reject_sender_open(struct reject_sender *s, uint32_t mark);
void reject_sender_close(struct reject_sender *s);

/* Builds and sends the reply to P. Thread-safe, allocates nothing, never
 * blocks. Returns 0 if sent, -ENOMSG if nothing may be sent (the reason is
 * counted in s->skipped), or the negative errno of the send (counted in
 * s->send_errors; -EAGAIN when the socket buffer is full). */
int reject_send(struct reject_sender *s, const struct pkt *p,
		enum rules_reject how, const struct reject_origin *origin);

#endif
