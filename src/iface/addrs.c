/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The addresses half of the interface cache: RTM_NEWADDR/RTM_DELADDR
 * checked and applied to the working table (bounded per interface and in
 * all), the source address masquerade takes from a published snapshot, and
 * the queue of removal events the main loop drains to forget connections
 * masqueraded to an address that went away. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

/* An address message, checked. */
struct iface_addr_msg {
	struct iface_addr addr;
	bool has_local, has_peer, has_flags;
};

/* ---- parsing ------------------------------------------------------------ */

static size_t iface_addr_size(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

/* One address attribute: exactly the family's size, at most once. */
static int iface_addr_put(union pkt_addr *to, bool *seen, uint8_t family,
			  const struct nlattr *a)
{
	size_t len = a->nla_len - NLA_HDRLEN;

	if (*seen || len != iface_addr_size(family))
		return -EBADMSG;
	memcpy(to->b, (const char *)a + NLA_HDRLEN, len);
	*seen = true;
	return 0;
}

static int iface_addr_attr(const struct nlattr *a, void *data)
{
	struct iface_addr_msg *m = data;

	switch (a->nla_type & NLA_TYPE_MASK) {
	case IFA_LOCAL:
		return iface_addr_put(&m->addr.local, &m->has_local, m->addr.family, a);
	case IFA_ADDRESS:
		return iface_addr_put(&m->addr.peer, &m->has_peer, m->addr.family, a);
	case IFA_FLAGS:
		/* The u32 that extends ifa_flags (IPv6 has flags above 8 bits). */
		if (m->has_flags || a->nla_len - NLA_HDRLEN != sizeof(uint32_t))
			return -EBADMSG;
		memcpy(&m->addr.flags, (const char *)a + NLA_HDRLEN, sizeof(uint32_t));
		m->has_flags = true;
		return 0;
	default:
		return 0;
	}
}

/* Returns 1 with M filled for an IPv4 or IPv6 address, 0 for another
 * family to ignore (MCTP, say, reports addresses too), -EBADMSG. NLH's
 * nlmsg_len has been checked against the datagram. */
static int iface_addr_parse(const struct nlmsghdr *nlh, struct iface_addr_msg *m)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nlh);

	*m = (struct iface_addr_msg){ 0 };
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return -EBADMSG;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	/* Interface indexes are positive ints, as the links check them. */
	if (ifa->ifa_index == 0 || ifa->ifa_index > INT_MAX ||
	    ifa->ifa_prefixlen > 8 * iface_addr_size(ifa->ifa_family))
		return -EBADMSG;
	m->addr.ifindex = ifa->ifa_index;
	m->addr.family = ifa->ifa_family;
	m->addr.prefixlen = ifa->ifa_prefixlen;
	m->addr.scope = ifa->ifa_scope;
	m->addr.flags = ifa->ifa_flags;
	if (iface_attrs_walk(nlh, NLMSG_ALIGN(sizeof(*ifa)), iface_addr_attr, m) < 0)
		return -EBADMSG;
	/* IFA_LOCAL is the address; IFA_ADDRESS the same, or the peer of a
	 * point-to-point link. The kernel sends at least one. */
	if (!m->has_local && !m->has_peer)
		return -EBADMSG;
	if (!m->has_local)
		m->addr.local = m->addr.peer;
	if (!m->has_peer)
		m->addr.peer = m->addr.local;
	return 1;
}

/* ---- the working table -------------------------------------------------- */

/* The position of the first address whose index is >= IFINDEX. */
static uint32_t iface_addr_lower_bound(const struct iface_addr *a, uint32_t count,
				       uint32_t ifindex)
{
	uint32_t lo = 0, hi = count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (a[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool iface_addr_same_key(const struct iface_addr *x, const struct iface_addr *y)
{
	if (x->family != y->family || memcmp(&x->local, &y->local, sizeof(x->local)) != 0)
		return false;
	if (x->family == AF_INET6)
		return true;
	return x->prefixlen == y->prefixlen && x->peer.v4 == y->peer.v4;
}

static bool iface_addr_same_value(const struct iface_addr *x, const struct iface_addr *y)
{
	return x->flags == y->flags && x->scope == y->scope &&
	       x->prefixlen == y->prefixlen &&
	       memcmp(&x->peer, &y->peer, sizeof(x->peer)) == 0;
}

/* Where KEY's interface's group is in T: [*first, *end); returns KEY's
 * position in it, or *end if absent. */
static uint32_t iface_addr_find(const struct iface_addr_table *t, const struct iface_addr *key,
				uint32_t *first, uint32_t *end)
{
	uint32_t i = iface_addr_lower_bound(t->a, t->count, key->ifindex);
	uint32_t found = UINT32_MAX;

	*first = i;
	for (; i < t->count && t->a[i].ifindex == key->ifindex; i++)
		if (found == UINT32_MAX && iface_addr_same_key(&t->a[i], key))
			found = i;
	*end = i;
	return found == UINT32_MAX ? i : found;
}

static int iface_addr_grow(struct iface_addr_table *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 16;
	struct iface_addr *a;

	if (cap > IFACE_ADDRS_MAX)
		cap = IFACE_ADDRS_MAX;
	a = reallocarray(t->a, cap, sizeof(*a));
	if (!a)
		return -ENOMEM;
	t->a = a;
	t->cap = cap;
	return 0;
}

/* Adds or updates ADDR; a new one goes last of its interface's group, or
 * first with AT_HEAD. Returns 1 if T changed, 0 if not (the same again, or
 * no room: counted), -ENOMEM. */
static int iface_addr_set(struct iface_names *n, struct iface_addr_table *t,
			  const struct iface_addr *addr, bool at_head)
{
	uint32_t first, end, i = iface_addr_find(t, addr, &first, &end);

	if (i < end) {
		if (iface_addr_same_value(&t->a[i], addr))
			return 0;
		t->a[i] = *addr;
		return 1;
	}
	if (end - first >= IFACE_ADDRS_PER_LINK || t->count >= IFACE_ADDRS_MAX) {
		n->addrs_over_limit++;
		return 0;
	}
	if (t->count == t->cap && iface_addr_grow(t) < 0)
		return -ENOMEM;
	if (at_head)
		end = first;
	memmove(&t->a[end + 1], &t->a[end], (t->count - end) * sizeof(*t->a));
	t->a[end] = *addr;
	t->count++;
	return 1;
}

/* Returns 1 if ADDR was in T (now removed), 0 if not. */
static int iface_addr_del(struct iface_addr_table *t, const struct iface_addr *addr)
{
	uint32_t first, end, i = iface_addr_find(t, addr, &first, &end);

	if (i == end)
		return 0;
	memmove(&t->a[i], &t->a[i + 1], (t->count - i - 1) * sizeof(*t->a));
	t->count--;
	return 1;
}

uint32_t iface_addrs_drop_link(struct iface_addr_table *t, uint32_t ifindex)
{
	uint32_t first = iface_addr_lower_bound(t->a, t->count, ifindex), end = first;

	while (end < t->count && t->a[end].ifindex == ifindex)
		end++;
	if (end == first)
		return 0;   /* nothing to move, and T may have no array yet */
	memmove(&t->a[first], &t->a[end], (t->count - end) * sizeof(*t->a));
	t->count -= end - first;
	return end - first;
}

void iface_addr_table_free(struct iface_addr_table *t)
{
	free(t->a);
	*t = (struct iface_addr_table){ 0 };
}

static void iface_push_gone(struct iface_names *n, const struct iface_addr *a)
{
	struct iface_addr_event e = {
		.kind = IFACE_EVENT_ADDR_GONE,
		.family = a->family,
		.ifindex = a->ifindex,
		.addr = a->local,
	};

	iface_events_push(n, &e);
}

int iface_addr_apply(struct iface_names *n, struct iface_state *st,
		     const struct nlmsghdr *nlh)
{
	bool live = st == &n->state;
	struct iface_addr_msg m;
	int ret = iface_addr_parse(nlh, &m);

	if (ret < 0) {
		iface_count_malformed(n, nlh, "bad header, attribute or address");
		return ret;
	}
	if (ret == 0)
		return 0;
	/* Keep the kernel's order, which ties are broken by. A dump lists
	 * it. IPv4 appends a new primary after the others (secondaries,
	 * never picked, aside); IPv6 puts a new address before the older
	 * ones of its scope (ipv6_link_dev_addr()), so a live one goes
	 * first. */
	if (nlh->nlmsg_type == RTM_NEWADDR)
		return iface_addr_set(n, &st->addrs, &m.addr,
				      live && m.addr.family == AF_INET6);
	ret = iface_addr_del(&st->addrs, &m.addr);
	if (ret > 0 && live)
		iface_push_gone(n, &m.addr);
	return ret;
}

void iface_addrs_diff(struct iface_names *n, const struct iface_addr_table *old,
		      const struct iface_addr_table *fresh)
{
	for (uint32_t i = 0; i < old->count; i++) {
		uint32_t first, end;

		if (iface_addr_find(fresh, &old->a[i], &first, &end) == end)
			iface_push_gone(n, &old->a[i]);
	}
}

/* ---- source selection (the readers) ------------------------------------- */

static bool iface_v4_in_subnet(const struct iface_addr *a, const union pkt_addr *dst)
{
	uint32_t mask = a->prefixlen ? htonl(UINT32_MAX << (32 - a->prefixlen)) : 0;

	return ((dst->v4 ^ a->peer.v4) & mask) == 0;
}

/* inet_select_addr(): primary, universe scope, DST's subnet first. */
static const struct iface_addr *iface_select_v4(const struct iface_addr *a, uint32_t count,
						uint32_t ifindex, const union pkt_addr *dst)
{
	const struct iface_addr *first = NULL;

	for (uint32_t i = 0; i < count && a[i].ifindex == ifindex; i++) {
		if (a[i].family != AF_INET || (a[i].flags & IFA_F_SECONDARY) ||
		    a[i].scope != RT_SCOPE_UNIVERSE)
			continue;
		if (dst && iface_v4_in_subnet(&a[i], dst))
			return &a[i];
		if (!first)
			first = &a[i];
	}
	return first;
}

/* RFC 6724's CommonPrefixLen(S, D), up to S's prefix length. */
static unsigned int iface_common_prefix(const union pkt_addr *s, const union pkt_addr *d,
					unsigned int max)
{
	unsigned int bits = 0;

	for (unsigned int i = 0; i < 16 && bits < max; i++) {
		unsigned int diff = (unsigned int)(s->b[i] ^ d->b[i]);

		if (diff) {
			bits += (unsigned int)__builtin_clz(diff) - 24;
			break;
		}
		bits += 8;
	}
	return bits < max ? bits : max;
}

/* Global scope, usable (IFA_F_SECONDARY is IFA_F_TEMPORARY here, a
 * privacy address, fine as a source); rules 3 and 8 of RFC 6724; on a tie
 * the first in the kernel's order, the newest, as ipv6_dev_get_saddr(). */
static const struct iface_addr *iface_select_v6(const struct iface_addr *a, uint32_t count,
						uint32_t ifindex, const union pkt_addr *dst)
{
	const struct iface_addr *best = NULL;
	unsigned int best_len = 0;
	bool best_deprecated = true;

	for (uint32_t i = 0; i < count && a[i].ifindex == ifindex; i++) {
		bool deprecated = a[i].flags & IFA_F_DEPRECATED;
		unsigned int len;

		if (a[i].family != AF_INET6 || a[i].scope != RT_SCOPE_UNIVERSE ||
		    (a[i].flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
			continue;
		len = dst ? iface_common_prefix(&a[i].local, dst, a[i].prefixlen) : 0;
		if (!best || (best_deprecated && !deprecated) ||
		    (best_deprecated == deprecated && len > best_len)) {
			best = &a[i];
			best_len = len;
			best_deprecated = deprecated;
		}
	}
	return best;
}

bool iface_primary_addr(const struct iface_names *n, uint32_t ifindex,
			uint8_t family, const union pkt_addr *dst,
			union pkt_addr *out)
{
	/* Pairs with the release in iface_names_publish(). */
	const struct iface_snap *s = atomic_load_explicit(&n->snap, memory_order_acquire);
	uint32_t i = iface_addr_lower_bound(s->a, s->naddrs, ifindex);
	const struct iface_addr *best;

	if (family == AF_INET)
		best = iface_select_v4(s->a + i, s->naddrs - i, ifindex, dst);
	else if (family == AF_INET6)
		best = iface_select_v6(s->a + i, s->naddrs - i, ifindex, dst);
	else
		best = NULL;
	if (!best)
		return false;
	*out = best->local;
	return true;
}

/* ---- removal events ----------------------------------------------------- */

void iface_events_push(struct iface_names *n, const struct iface_addr_event *e)
{
	struct iface_events *ev = &n->events;

	if (ev->count == IFACE_EVENTS_MAX) {
		/* The main loop is behind: one "everything" replaces them. */
		if (!ev->lost)
			n->events_lost++;
		ev->lost = true;
		return;
	}
	ev->ev[ev->count++] = *e;
}

void iface_events_publish(struct iface_events *ev)
{
	ev->ready = ev->count;
	if (ev->lost) {
		ev->lost_ready = true;
		ev->lost = false;
	}
}

static void iface_events_consume(struct iface_events *ev, uint32_t k)
{
	memmove(&ev->ev[0], &ev->ev[k], (ev->count - k) * sizeof(ev->ev[0]));
	ev->count -= k;
	ev->ready -= k;
}

size_t iface_addrs_removed(struct iface_names *n, struct iface_addr_event *out,
			   size_t max)
{
	struct iface_events *ev = &n->events;
	uint32_t k;

	if (max == 0)
		return 0;
	if (ev->lost_ready) {
		out[0] = (struct iface_addr_event){ .kind = IFACE_EVENT_ALL };
		iface_events_consume(ev, ev->ready);
		ev->lost_ready = false;
		n->events_reported++;
		return 1;
	}
	k = max < ev->ready ? (uint32_t)max : ev->ready;
	memcpy(out, ev->ev, k * sizeof(*out));
	iface_events_consume(ev, k);
	n->events_reported += k;
	return k;
}
