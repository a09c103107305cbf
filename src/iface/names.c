/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ifindex -> name (and addresses) cache. The main thread owns sorted,
 * mutable working tables fed by rtnetlink (dumps of the links and of the
 * IPv4 and IPv6 addresses at open and after lost notifications, then
 * RTM_NEWLINK/RTM_DELLINK and RTM_NEWADDR/RTM_DELADDR, whose half is in
 * addrs.c); after each batch it copies the tables into an immutable
 * snapshot and publishes it with one pointer store (C11 release/acquire,
 * which is what rcu_assign_pointer()/rcu_dereference() amount to, written
 * as the connection table writes its chains). Workers
 * binary-search the snapshot they loaded inside their RCU read-side
 * section; a replaced snapshot is freed after synchronize_rcu() (liburcu's
 * default flavour, as the connection table), not call_rcu(), whose helper
 * thread would exist before the daemon drops its privileges. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <libmnl/libmnl.h>
#include <urcu.h>

#include "nfqfw/log.h"
#include "internal.h"

/* One receive: a notification is ~1.5 KiB, a dump datagram at most 32 KiB
 * (the kernel sizes dump datagrams to the reader's buffer, up to that). */
#define IFACE_RECV_BUF 32768
/* Asked for (SO_RCVBUFFORCE with CAP_NET_ADMIN, else capped by
 * net.core.rmem_max): room for ~600 notifications before ENOBUFS. */
#define IFACE_SOCK_RCVBUF (1 << 20)
/* Datagrams one iface_names_process() reads before it returns to the main
 * loop (poll is level-triggered: the rest comes next round). */
#define IFACE_PROCESS_BUDGET 1024u
/* Datagrams discarded before a re-dump: more than a full receive buffer
 * (2 MiB as the kernel counts it) can hold, so everything queued before
 * the loss is gone (see iface_resync()). */
#define IFACE_DRAIN_MAX 65536u
/* A dump the kernel marked inconsistent (links or addresses changed
 * meanwhile) is repeated; three in a row is a machine busy creating them:
 * take the last one, later notifications fix it. */
#define IFACE_DUMP_TRIES 3
#define IFACE_DUMP_TIMEOUT_SEC 5

_Static_assert(IFACE_NAMSIZ == IFNAMSIZ, "iface.h's IFNAMSIZ");

/* A link message, checked: the index, IFF_UP, and the name when it
 * carried one. */
struct iface_link {
	uint32_t ifindex;
	bool up;
	const char *name;
	size_t name_len;                 /* without the NUL */
};

static struct log_ratelimit iface_malformed_rl = LOG_RATELIMIT_INIT(1, 5);

/* ---- lookup ------------------------------------------------------------- */

/* The position of the first entry whose index is >= IFINDEX. */
static uint32_t iface_lower_bound(const struct iface_entry *e, uint32_t count,
				  uint32_t ifindex)
{
	uint32_t lo = 0, hi = count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (e[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Out of line: a packet that beat its link's notification. glibc asks the
 * kernel (SIOCGIFNAME) in the caller's network namespace, ours. */
__attribute__((cold, noinline))
static const char *iface_name_miss(const struct iface_names *n, uint32_t ifindex,
				   char buf[IFACE_NAMSIZ])
{
	atomic_fetch_add_explicit(&n->rc->misses, 1, memory_order_relaxed);
	if (!if_indextoname(ifindex, buf)) {
		atomic_fetch_add_explicit(&n->rc->unknown, 1, memory_order_relaxed);
		return NULL;
	}
	return buf;
}

const char *iface_name(const struct iface_names *n, uint32_t ifindex,
		       char buf[IFACE_NAMSIZ])
{
	const struct iface_snap *s;
	uint32_t i;

	if (ifindex == 0)
		return NULL;
	/* Pairs with the release in iface_names_publish(): the entries are
	 * complete before the pointer is seen. */
	s = atomic_load_explicit(&n->snap, memory_order_acquire);
	i = iface_lower_bound(s->e, s->count, ifindex);
	if (i < s->count && s->e[i].ifindex == ifindex)
		return s->e[i].name;
	return iface_name_miss(n, ifindex, buf);
}

/* ---- the working table -------------------------------------------------- */

/* Sets IFINDEX's name and state. Returns 1 if the table changed, 0 if it
 * already said so, -ENOMEM. *WENT_DOWN: it was up and is no longer. */
static int iface_table_set(struct iface_table *t, const struct iface_link *l,
			   bool *went_down)
{
	uint32_t i = iface_lower_bound(t->e, t->count, l->ifindex);
	struct iface_entry *e;

	*went_down = false;
	if (i < t->count && t->e[i].ifindex == l->ifindex) {
		e = &t->e[i];
		if (strcmp(e->name, l->name) == 0 && e->up == l->up)
			return 0;
		*went_down = e->up && !l->up;
		memcpy(e->name, l->name, l->name_len + 1);
		e->up = l->up;
		return 1;
	}
	if (t->count == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;

		if (t->cap > UINT32_MAX / 2)
			return -ENOMEM;
		e = reallocarray(t->e, cap, sizeof(*e));
		if (!e)
			return -ENOMEM;
		t->e = e;
		t->cap = cap;
	}
	memmove(&t->e[i + 1], &t->e[i], (t->count - i) * sizeof(*t->e));
	t->count++;
	e = &t->e[i];
	memset(e, 0, sizeof(*e));
	e->ifindex = l->ifindex;
	e->up = l->up;
	memcpy(e->name, l->name, l->name_len + 1);
	return 1;
}

/* Returns 1 if IFINDEX was there, 0 if not. */
static int iface_table_del(struct iface_table *t, uint32_t ifindex)
{
	uint32_t i = iface_lower_bound(t->e, t->count, ifindex);

	if (i == t->count || t->e[i].ifindex != ifindex)
		return 0;
	memmove(&t->e[i], &t->e[i + 1], (t->count - i - 1) * sizeof(*t->e));
	t->count--;
	return 1;
}

static void iface_table_free(struct iface_table *t)
{
	free(t->e);
	*t = (struct iface_table){ 0 };
}

static void iface_state_free(struct iface_state *st)
{
	iface_table_free(&st->links);
	iface_addr_table_free(&st->addrs);
}

/* ---- parsing ------------------------------------------------------------ */

/* IFLA_IFNAME as the kernel writes it (nla_put_string): 1 to IFNAMSIZ - 1
 * characters and one NUL, the last byte. Anything else is refused rather
 * than cut, so no rule ever matches half a name. */
static int iface_parse_name(const struct nlattr *a, void *data)
{
	struct iface_link *l = data;
	const char *s = (const char *)a + NLA_HDRLEN;
	size_t len = a->nla_len - NLA_HDRLEN;

	if ((a->nla_type & NLA_TYPE_MASK) != IFLA_IFNAME)
		return 0;
	if (l->name || len < 2 || len > IFNAMSIZ || memchr(s, '\0', len) != s + len - 1)
		return -EBADMSG;
	l->name = s;
	l->name_len = len - 1;
	return 0;
}

/* Within nlmsg_len exactly, not its aligned length, which may lie past the
 * datagram. The caller checked that the family header fits. */
int iface_attrs_walk(const struct nlmsghdr *nlh, size_t hdrlen,
		     iface_attr_cb cb, void *data)
{
	size_t off = NLMSG_HDRLEN + hdrlen;
	size_t end = nlh->nlmsg_len;

	while (end - off >= sizeof(struct nlattr)) {
		const struct nlattr *a = (const void *)((const char *)nlh + off);
		int ret;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > end - off)
			return -EBADMSG;
		ret = cb(a, data);
		if (ret < 0)
			return ret;
		off += NLA_ALIGN(a->nla_len);
		if (off >= end)
			return 0;
	}
	return off == end ? 0 : -EBADMSG;
}

/* Returns 1 with L filled for a link message of ours, 0 for one to ignore
 * (another family: the bridge reports ports joining and leaving with
 * AF_BRIDGE RTM_NEWLINK/RTM_DELLINK, and a port that leaves still exists),
 * -EBADMSG. NLH's nlmsg_len has been checked against the datagram. */
static int iface_parse_link(const struct nlmsghdr *nlh, struct iface_link *l)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nlh);

	*l = (struct iface_link){ 0 };
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -EBADMSG;
	if (ifi->ifi_family != AF_UNSPEC)
		return 0;
	if (ifi->ifi_index <= 0)
		return -EBADMSG;
	l->ifindex = (uint32_t)ifi->ifi_index;
	l->up = ifi->ifi_flags & IFF_UP;
	if (iface_attrs_walk(nlh, NLMSG_ALIGN(sizeof(*ifi)), iface_parse_name, l) < 0)
		return -EBADMSG;
	if (nlh->nlmsg_type == RTM_NEWLINK && !l->name)
		return -EBADMSG;
	return 1;
}

/* ---- applying messages -------------------------------------------------- */

void iface_count_malformed(struct iface_names *n, const struct nlmsghdr *nlh,
			   const char *why)
{
	n->malformed++;
	log_msg_ratelimited(&iface_malformed_rl, LOG_WARNING,
			    "iface: ignoring a malformed rtnetlink message (type %u, %u bytes): %s",
			    nlh->nlmsg_type, nlh->nlmsg_len, why);
}

static void iface_push_link_down(struct iface_names *n, uint32_t ifindex)
{
	struct iface_addr_event e = { .kind = IFACE_EVENT_LINK_DOWN, .ifindex = ifindex };

	iface_events_push(n, &e);
}

/* Applies one link message to ST; events only for N's own state. A link
 * that goes away takes its addresses along (the kernel reports them gone
 * first, but a table without the link must not keep them either way). */
static int iface_link_apply(struct iface_names *n, struct iface_state *st,
			    const struct nlmsghdr *nlh)
{
	bool live = st == &n->state, went_down = false;
	struct iface_link l;
	int ret = iface_parse_link(nlh, &l);

	if (ret < 0) {
		iface_count_malformed(n, nlh, "bad header, attribute or IFLA_IFNAME");
		return ret;
	}
	if (ret == 0)
		return 0;
	if (nlh->nlmsg_type == RTM_NEWLINK) {
		ret = iface_table_set(&st->links, &l, &went_down);
	} else {
		ret = iface_table_del(&st->links, l.ifindex);
		if (iface_addrs_drop_link(&st->addrs, l.ifindex) > 0)
			ret = 1;
		went_down = ret > 0;
	}
	if (went_down && live)
		iface_push_link_down(n, l.ifindex);
	return ret;
}

/* Applies one message to ST. Returns 1 if ST changed, 0 if not, -EBADMSG
 * (counted), -ENOMEM. */
static int iface_apply_msg(struct iface_names *n, struct iface_state *st,
			   const struct nlmsghdr *nlh)
{
	int ret;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ret = iface_link_apply(n, st, nlh);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		ret = iface_addr_apply(n, st, nlh);
		break;
	default:
		ret = 0;
		break;
	}
	if (ret > 0)
		n->updates++;
	else if (ret == 0)
		n->ignored++;
	return ret;
}

int iface_names_apply(struct iface_names *n, const void *buf, size_t len)
{
	size_t off = 0;
	int changed = 0;

	while (len - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const void *)((const char *)buf + off);
		int ret;

		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len - off) {
			iface_count_malformed(n, nlh, "runs past the datagram");
			return -EBADMSG;
		}
		ret = iface_apply_msg(n, &n->state, nlh);
		if (ret == -ENOMEM) {
			/* The change is lost: only a dump can repair the table. */
			n->need_resync = true;
			return ret;
		}
		if (ret > 0) {
			n->dirty = true;
			if (changed < INT_MAX)
				changed++;
		}
		if (NLMSG_ALIGN(nlh->nlmsg_len) >= len - off)
			return changed;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	if (off < len) {
		n->malformed++;
		return -EBADMSG;
	}
	return changed;
}

/* ---- snapshots ---------------------------------------------------------- */

static struct iface_snap *iface_snap_new(const struct iface_state *st)
{
	const struct iface_table *t = &st->links;
	const struct iface_addr_table *at = &st->addrs;
	size_t addrs_off = sizeof(struct iface_snap) + (size_t)t->count * sizeof(struct iface_entry);
	struct iface_snap *s;
	struct iface_addr *a;

	addrs_off = (addrs_off + alignof(struct iface_addr) - 1) &
		    ~(alignof(struct iface_addr) - 1);
	s = malloc(addrs_off + (size_t)at->count * sizeof(*a));
	if (!s)
		return NULL;
	a = (struct iface_addr *)((char *)s + addrs_off);
	s->count = t->count;
	s->naddrs = at->count;
	s->a = a;
	if (t->count)
		memcpy(s->e, t->e, (size_t)t->count * sizeof(s->e[0]));
	if (at->count)
		memcpy(a, at->a, (size_t)at->count * sizeof(*a));
	return s;
}

int iface_names_publish(struct iface_names *n)
{
	struct iface_snap *s, *old;

	if (!n->dirty)
		return 0;
	s = iface_snap_new(&n->state);
	if (!s)
		return -ENOMEM;
	old = atomic_exchange_explicit(&n->snap, s, memory_order_acq_rel);
	/* Wait here rather than call_rcu(): that would start liburcu's helper
	 * thread, and the daemon drops its privileges with one thread only.
	 * Links change rarely; the main loop can afford the wait. */
	synchronize_rcu();
	free(old);
	/* No reader can pick a removed address from here on. */
	iface_events_publish(&n->events);
	n->dirty = false;
	n->publishes++;
	return 0;
}

int iface_names_create(struct iface_names **out)
{
	struct iface_names *n = calloc(1, sizeof(*n));
	struct iface_snap *s;

	if (!n)
		return -ENOMEM;
	n->rc = calloc(1, sizeof(*n->rc));
	if (!n->rc)
		goto err_free_names;
	s = iface_snap_new(&n->state);
	if (!s)
		goto err_free_counters;
	atomic_init(&n->snap, s);
	*out = n;
	return 0;

err_free_counters:
	free(n->rc);
err_free_names:
	free(n);
	return -ENOMEM;
}

void iface_names_close(struct iface_names *n)
{
	struct iface_snap *s;

	if (!n)
		return;
	if (n->nl)
		mnl_socket_close(n->nl);
	s = atomic_exchange_explicit(&n->snap, NULL, memory_order_acq_rel);
	synchronize_rcu();
	free(s);
	iface_state_free(&n->state);
	free(n->rc);
	free(n);
}

void iface_names_stats(const struct iface_names *n, struct iface_stats *out)
{
	const struct iface_snap *s = atomic_load_explicit(&n->snap, memory_order_acquire);

	*out = (struct iface_stats){
		.links = s->count,
		.updates = n->updates,
		.ignored = n->ignored,
		.malformed = n->malformed,
		.resyncs = n->resyncs,
		.publishes = n->publishes,
		.misses = atomic_load_explicit(&n->rc->misses, memory_order_relaxed),
		.unknown = atomic_load_explicit(&n->rc->unknown, memory_order_relaxed),
		.addrs = s->naddrs,
		.addrs_over_limit = n->addrs_over_limit,
		.events = n->events_reported,
		.events_lost = n->events_lost,
	};
}

/* ---- rtnetlink ---------------------------------------------------------- */

struct iface_dump {
	struct iface_names *n;
	struct iface_state fresh;
};

static int iface_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct iface_dump *d = data;

	if (iface_apply_msg(d->n, &d->fresh, nlh) == -ENOMEM) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static struct mnl_socket *iface_dump_socket(int *errp)
{
	struct timeval timeout = { .tv_sec = IFACE_DUMP_TIMEOUT_SEC };
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

	if (!nl) {
		*errp = -errno;
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO,
		       &timeout, sizeof(timeout)) < 0) {
		*errp = -errno;
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

/* What a full load asks for: the links, then each family's addresses
 * (two requests rather than AF_UNSPEC, which brings MCTP's and others'). */
static const struct iface_dump_req {
	uint16_t type;
	uint8_t family;
	size_t hdrlen;
} iface_dump_reqs[] = {
	{ RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg) },
	{ RTM_GETADDR, AF_INET, sizeof(struct ifaddrmsg) },
	{ RTM_GETADDR, AF_INET6, sizeof(struct ifaddrmsg) },
};

/* One dump into D->fresh. Returns 0, -EINTR if the kernel marked it
 * inconsistent, or another negative errno. */
static int iface_dump_one(struct mnl_socket *nl, struct iface_dump *d,
			  const struct iface_dump_req *req, uint32_t seq)
{
	alignas(struct nlmsghdr) char buf[IFACE_RECV_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint8_t *family;
	int ret;

	nlh->nlmsg_type = req->type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	/* ifi_family and ifa_family both come first. */
	family = mnl_nlmsg_put_extra_header(nlh, req->hdrlen);
	*family = req->family;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ssize_t len = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (len < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		/* Checks sequence and port, stops at NLMSG_DONE, and fails
		 * with EINTR on NLM_F_DUMP_INTR. */
		ret = mnl_cb_run(buf, (size_t)len, seq, mnl_socket_get_portid(nl),
				 iface_dump_cb, d);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

/* Every dump into D->fresh, on a socket of their own: an interrupted
 * dump's remaining datagrams must not reach the next try. */
static int iface_dump_all(struct iface_dump *d)
{
	struct mnl_socket *nl;
	int err = 0;

	nl = iface_dump_socket(&err);
	if (!nl)
		return err;
	for (size_t i = 0; i < sizeof(iface_dump_reqs) / sizeof(iface_dump_reqs[0]); i++) {
		err = iface_dump_one(nl, d, &iface_dump_reqs[i], (uint32_t)i + 1);
		if (err < 0)
			break;
	}
	mnl_socket_close(nl);
	return err;
}

/* After a re-dump, what the main loop must forget: links that were up and
 * are down or gone (their addresses too), addresses gone. */
static void iface_state_diff(struct iface_names *n, const struct iface_state *old,
			     const struct iface_state *fresh)
{
	const struct iface_table *ft = &fresh->links;

	for (uint32_t i = 0; i < old->links.count; i++) {
		const struct iface_entry *e = &old->links.e[i];
		uint32_t j = iface_lower_bound(ft->e, ft->count, e->ifindex);

		if (e->up && (j == ft->count || ft->e[j].ifindex != e->ifindex || !ft->e[j].up))
			iface_push_link_down(n, e->ifindex);
	}
	iface_addrs_diff(n, &old->addrs, &fresh->addrs);
}

/* Replaces the working state with fresh dumps. Returns 0 or a negative
 * errno; the state is unchanged then. */
static int iface_dump(struct iface_names *n)
{
	struct iface_dump d = { .n = n };
	int err = 0;

	for (int try = 1; try <= IFACE_DUMP_TRIES; try++) {
		iface_state_free(&d.fresh);
		err = iface_dump_all(&d);
		if (err != -EINTR)
			break;
	}
	if (err == -EINTR)
		err = 0;
	if (err < 0) {
		iface_state_free(&d.fresh);
		return err;
	}
	iface_state_diff(n, &n->state, &d.fresh);
	iface_state_free(&n->state);
	n->state = d.fresh;
	n->dirty = true;
	n->need_resync = false;
	return 0;
}

static int iface_socket_open(struct mnl_socket **out)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int size = IFACE_SOCK_RCVBUF;
	int err;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
			    MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl);
		return err;
	}
	/* Best effort: a small buffer only means more re-dumps. */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
				 &size, sizeof(size));
	*out = nl;
	return 0;
}

int iface_names_open(struct iface_names **out)
{
	struct iface_names *n;
	int err;

	err = iface_names_create(&n);
	if (err < 0)
		goto err_log;
	/* Subscribe before the dump: a change in between is then both in the
	 * dump and queued, and applying it twice is harmless. */
	err = iface_socket_open(&n->nl);
	if (err < 0)
		goto err_close_names;
	err = iface_dump(n);
	if (err < 0)
		goto err_close_names;
	err = iface_names_publish(n);
	if (err < 0)
		goto err_close_names;
	*out = n;
	return 0;

err_close_names:
	iface_names_close(n);
err_log:
	log_err("iface: cannot load the interface names: %s", strerror(-err));
	return err;
}

int iface_names_fd(const struct iface_names *n)
{
	return n->nl ? mnl_socket_get_fd(n->nl) : -1;
}

/* One datagram into BUF: its length, 0 for one to skip (not from the
 * kernel), -EAGAIN when none is left, -ENOBUFS when notifications were
 * lost (the kernel's overflow report, or one cut short), another errno. */
static ssize_t iface_recv(struct iface_names *n, void *buf, size_t size)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t len;

	do
		len = recvmsg(mnl_socket_get_fd(n->nl), &msg, 0);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -ENOBUFS;
	if (msg.msg_namelen != sizeof(from) || from.nl_pid != 0) {
		n->ignored++;
		return 0;
	}
	return len;
}

/* After a loss, what is still queued may predate it (say an old name whose
 * rename was dropped): applied after the dump it would undo it. So the
 * queue is emptied first, then dumped; whatever arrives from then on is
 * newer than the loss. Another loss meanwhile is reported again. */
static int iface_resync(struct iface_names *n, void *buf, size_t size)
{
	int err;

	n->resyncs++;
	log_warn("iface: rtnetlink notifications were lost; reloading the interface list");
	for (unsigned int i = 0; i < IFACE_DRAIN_MAX; i++) {
		ssize_t len = iface_recv(n, buf, size);

		if (len == -EAGAIN)
			break;
		if (len < 0 && len != -ENOBUFS)
			return (int)len;
	}
	err = iface_dump(n);
	if (err < 0)
		log_err("iface: cannot reload the interface list: %s", strerror(-err));
	return err;
}

int iface_names_process(struct iface_names *n)
{
	alignas(struct nlmsghdr) char buf[IFACE_RECV_BUF];
	int err = 0;

	if (!n->nl)
		return -ENOTCONN;
	for (unsigned int i = 0; i < IFACE_PROCESS_BUDGET && !n->need_resync; i++) {
		ssize_t len = iface_recv(n, buf, sizeof(buf));

		if (len == -EAGAIN)
			break;
		if (len == -ENOBUFS) {
			n->need_resync = true;
		} else if (len < 0) {
			err = (int)len;
			log_err("iface: rtnetlink receive: %s", strerror(-err));
			break;
		} else {
			(void)iface_names_apply(n, buf, (size_t)len);
		}
	}
	if (n->need_resync && err == 0)
		err = iface_resync(n, buf, sizeof(buf));
	if (iface_names_publish(n) < 0 && err == 0)
		err = -ENOMEM;
	return err;
}
