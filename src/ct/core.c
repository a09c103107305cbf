/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-packet path of connection tracking, after the kernel's
 * nf_conntrack_in(): the packet's tuple is looked up; a known connection
 * runs its tracker under the entry's lock; an unknown one gets a new entry,
 * unconfirmed until the packet's verdict (ct_confirm() or ct_abort(): the
 * seeds' "creation at the entry hook, confirmation at the exit"). Unlike the
 * kernel, the unconfirmed entry is in the table at once: the two directions
 * of a flow may be on two queues, and the second must find the first. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void ct_result_init(struct ct_result *res)
{
	res->ct = NULL;
	res->dir = CT_DIR_ORIGINAL;
	res->info = CT_INFO_INVALID;
	res->created = false;
	res->reason.text[0] = '\0';
}

static void ct_invalid(struct ct_table *t, struct ct_result *res)
{
	res->ct = NULL;
	res->info = CT_INFO_INVALID;
	ct_stat_add(t, CT_STAT_INVALID, 1);
}

/* No entry could be made for a packet that needed one: INVALID, and the
 * kernel's "drop" (plus insert_failed: the connection was not inserted). */
static void ct_refuse(struct ct_table *t, struct ct_result *res)
{
	ct_stat_add(t, CT_STAT_DROP, 1);
	ct_stat_add(t, CT_STAT_INSERT_FAILED, 1);
	ct_invalid(t, res);
}

static uint64_t ct_packet_bytes(const struct pkt *p)
{
	return p->ip_len == PKT_IP_LEN_BIG ? p->len : p->ip_len;
}

static void ct_set_expiry(struct ct_entry *ct, uint64_t now_ns, uint32_t seconds)
{
	atomic_store_explicit(&ct->expires_ns, now_ns + seconds * CT_NS_PER_SEC,
			      memory_order_relaxed);
}

static inline void ct_counter_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* After the tracker accepted a packet (under the entry's lock): counters,
 * the reply bit (set after packet(), so that the tracker sees whether an
 * EARLIER reply was accepted, as the kernel's do) and the timeout, which an
 * unconfirmed entry only keeps for ct_confirm(). */
static void ct_account(struct ct_conn *c, const struct pkt *p, enum ct_dir dir,
		       int timeout, uint64_t now_ns)
{
	struct ct_entry *ct = &c->e;
	uint32_t st;

	st = atomic_load_explicit(&ct->status, memory_order_relaxed);
	if (dir == CT_DIR_REPLY && !(st & CT_S_SEEN_REPLY))
		atomic_fetch_or_explicit(&ct->status, CT_S_SEEN_REPLY, memory_order_relaxed);
	/* Only writers holding the lock change the counters: a load and a
	 * store are enough (and cheaper than a locked add). */
	ct_counter_add(&ct->packets[dir], 1);
	ct_counter_add(&ct->bytes[dir], ct_packet_bytes(p));
	if (timeout < 0)
		return;         /* CT_PACKET_KEEP_TIMEOUT */
	if (st & CT_S_CONFIRMED)
		ct_set_expiry(ct, now_ns, (uint32_t)timeout);
	else
		c->pending_timeout = (uint32_t)timeout;
}

static bool ct_accepted(int timeout)
{
	return timeout >= 0 || timeout == CT_PACKET_KEEP_TIMEOUT;
}

/* A packet of a known connection. -EAGAIN: the tracker closed the old
 * connection for this packet to open a new one; look it up again. */
static int ct_track(struct ct_table *t, struct ct_entry *ct, const struct pkt *p,
		    enum ct_dir dir, uint64_t now_ns, struct ct_result *res)
{
	int timeout;

	pthread_spin_lock(&ct->lock);
	ct->last_ns = now_ns;
	timeout = ct->l4->packet(ct, p, dir, &t->cfg, &res->reason);
	if (ct_accepted(timeout))
		ct_account(ct_conn_of(ct), p, dir, timeout, now_ns);
	pthread_spin_unlock(&ct->lock);

	res->dir = dir;
	if (timeout == CT_PACKET_REOPEN) {
		ct_remove(t, ct);
		return -EAGAIN;
	}
	if (!ct_accepted(timeout)) {
		ct_invalid(t, res);
		/* Still the connection's packet: NAT must not let it out
		 * untranslated. */
		res->ct = ct;
		return 0;
	}
	res->ct = ct;
	/* The kernel's ctinfo: a packet in the original direction is NEW
	 * until the connection has seen a reply. */
	if (dir == CT_DIR_REPLY ||
	    (atomic_load_explicit(&ct->status, memory_order_relaxed) & CT_S_SEEN_REPLY))
		res->info = CT_INFO_ESTABLISHED;
	else
		res->info = CT_INFO_NEW;
	return 0;
}

/* Counts a new entry in, dropping an unassured one near bucket B if the
 * table is full (the kernel's early_drop()). */
static bool ct_reserve(struct ct_table *t, uint32_t b, uint64_t now_ns)
{
	uint32_t n = atomic_fetch_add_explicit(&t->count, 1, memory_order_relaxed);

	if (n < t->cfg.max_entries || ct_early_drop(t, b, now_ns))
		return true;
	atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
	return false;
}

static void ct_unreserve(struct ct_table *t, struct ct_conn *c)
{
	pthread_spin_destroy(&c->e.lock);
	free(c);
	atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
}

static struct ct_conn *ct_conn_new(struct ct_table *t, const struct ct_l4proto *l4,
				   const struct ct_tuple *orig,
				   const struct ct_tuple *reply, uint64_t now_ns)
{
	struct ct_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->e.tuple[CT_DIR_ORIGINAL] = *orig;
	c->e.tuple[CT_DIR_REPLY] = *reply;
	c->e.l4 = l4;
	c->e.id = atomic_fetch_add_explicit(&t->next_id, 1, memory_order_relaxed);
	c->e.last_ns = now_ns;
	pthread_spin_init(&c->e.lock, PTHREAD_PROCESS_PRIVATE);
	ct_set_expiry(&c->e, now_ns, t->cfg.unconfirmed_timeout);
	c->pending_timeout = t->cfg.unconfirmed_timeout;
	c->bucket[CT_DIR_ORIGINAL] = ct_table_bucket(t, orig);
	c->bucket[CT_DIR_REPLY] = ct_table_bucket(t, reply);
	return c;
}

static void ct_why_no_reply(struct ct_reason *why, const struct ct_tuple *orig,
			    const struct ct_l4proto *l4)
{
	if (orig->l4proto == IPPROTO_ICMP || orig->l4proto == IPPROTO_ICMPV6)
		ct_why(why, "%s type %u is neither a query nor a reply: no connection to track",
		       l4->name, orig->dport >> 8);
	else
		ct_why(why, "%s packet has no reply tuple", l4->name);
}

/* The tracker's verdict on the first packet of a connection, on an entry
 * nobody else can see yet (so without its lock). */
static bool ct_first_packet(struct ct_table *t, struct ct_conn *c, const struct pkt *p,
			    struct ct_result *res)
{
	struct ct_entry *ct = &c->e;
	int timeout;

	if (!ct->l4->new_conn(ct, p, &t->cfg, &res->reason))
		return false;
	timeout = ct->l4->packet(ct, p, CT_DIR_ORIGINAL, &t->cfg, &res->reason);
	if (!ct_accepted(timeout)) {
		if (timeout == CT_PACKET_REOPEN)
			ct_why(&res->reason, "%s tracker asked to reopen a connection it just opened",
			       ct->l4->name);
		return false;
	}
	ct_account(c, p, CT_DIR_ORIGINAL, timeout, ct->last_ns);
	return true;
}

/* A packet no entry knows. -EAGAIN: another thread inserted the same
 * connection meanwhile (clash); the packet belongs to that entry. */
static int ct_create(struct ct_table *t, const struct ct_l4proto *l4,
		     const struct ct_tuple *orig, const struct pkt *p,
		     uint64_t now_ns, struct ct_result *res)
{
	struct ct_tuple reply;
	struct ct_conn *c;

	if (!ct_tuple_invert(&reply, orig)) {
		ct_why_no_reply(&res->reason, orig, l4);
		ct_invalid(t, res);
		return 0;
	}
	if (!ct_reserve(t, ct_table_bucket(t, orig), now_ns)) {
		ct_why(&res->reason, "table full: %u entries, none of those near this one may be dropped early",
		       t->cfg.max_entries);
		ct_refuse(t, res);
		return 0;
	}
	c = ct_conn_new(t, l4, orig, &reply, now_ns);
	if (!c) {
		atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
		ct_why(&res->reason, "out of memory for a new entry");
		ct_refuse(t, res);
		return 0;
	}
	if (!ct_first_packet(t, c, p, res)) {
		ct_unreserve(t, c);
		ct_invalid(t, res);
		return 0;
	}
	if (ct_table_insert(t, c) == -EEXIST) {
		ct_unreserve(t, c);
		ct_stat_add(t, CT_STAT_CLASH_RESOLVE, 1);
		res->reason.text[0] = '\0';
		return -EAGAIN;
	}
	res->ct = &c->e;
	res->dir = CT_DIR_ORIGINAL;
	res->info = CT_INFO_NEW;
	res->created = true;
	return 0;
}

void ct_process(struct ct_table *t, const struct pkt *p, uint64_t now_ns,
		struct ct_result *res)
{
	const struct ct_l4proto *l4 = ct_l4proto_find(p->family, p->l4proto);
	struct ct_tuple tuple;

	ct_result_init(res);
	if (ct_icmp_special(t, p, now_ns, res))
		return;
	if (!ct_tuple_from_pkt(p, l4, &tuple)) {
		/* The kernel reassembles fragments before conntrack sees them;
		 * we see them one by one, and only the first has ports. */
		if (p->frag_offset)
			ct_why(&res->reason, "fragment at offset %u carries no %s header",
			       p->frag_offset, l4->name);
		else
			ct_why(&res->reason, "no %s header to track", l4->name);
		res->info = CT_INFO_UNTRACKED;
		return;
	}
	for (int tries = 0; tries < CT_INSERT_TRIES; tries++) {
		enum ct_dir dir;
		struct ct_entry *ct = ct_table_find(t, &tuple, now_ns, &dir);
		int err = ct ? ct_track(t, ct, p, dir, now_ns, res)
			     : ct_create(t, l4, &tuple, p, now_ns, res);

		if (err != -EAGAIN)
			return;
	}
	ct_why(&res->reason, "the connection was created and removed by other workers %d times while this packet looked for it",
	       CT_INSERT_TRIES);
	ct_refuse(t, res);
}

int ct_confirm(struct ct_table *t, struct ct_entry *ct, uint64_t now_ns)
{
	struct ct_conn *c;
	bool confirmed = false;
	uint32_t st;

	if (!ct)
		return -EINVAL;
	c = ct_conn_of(ct);
	pthread_spin_lock(&ct->lock);
	st = atomic_load_explicit(&ct->status, memory_order_relaxed);
	if (!(st & (CT_S_CONFIRMED | CT_S_DYING))) {
		atomic_fetch_or_explicit(&ct->status, CT_S_CONFIRMED, memory_order_relaxed);
		ct_set_expiry(ct, now_ns, c->pending_timeout);
		confirmed = true;
	}
	pthread_spin_unlock(&ct->lock);
	if (confirmed) {
		ct_stat_add(t, CT_STAT_INSERT, 1);
		return 0;
	}
	if (st & CT_S_CONFIRMED)
		return 0;
	ct_stat_add(t, CT_STAT_INSERT_FAILED, 1);
	return -ENOENT;
}

void ct_abort(struct ct_table *t, struct ct_entry *ct)
{
	if (ct && !(atomic_load_explicit(&ct->status, memory_order_relaxed) & CT_S_CONFIRMED))
		ct_table_unlink(t, ct_conn_of(ct));
}
