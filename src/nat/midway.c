/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding a connection translated on both sides (hairpin NAT: a LAN host
 * reaching a LAN server by the gateway's public address) after routing.
 * The kernel keeps a packet's connection attached to it between hooks; a
 * queued packet comes back with nothing but its bytes, so the connection
 * is found again from its tuple. With one translation that tuple is one
 * of the entry's two (or its inverse); with both, a packet between
 * prerouting and postrouting carries a third one, the "midway" tuple:
 * the original source and the translated destination. This small table
 * maps it to the original tuple, by which the entry is then looked up and
 * checked. Bounded: a fixed array, a slot per hash, the newest wins (an
 * overwritten connection's packets are then not found, as before). */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "nfqfw/nat.h"

static bool nat_is_icmp(uint8_t l4proto)
{
	return l4proto == IPPROTO_ICMP || l4proto == IPPROTO_ICMPV6;
}

/* The tuple a packet of E's original direction carries between its
 * destination translation and its source translation. */
static void nat_midway_tuple(const struct ct_entry *e, struct ct_tuple *mid)
{
	struct ct_tuple reply;

	ct_entry_tuple(e, CT_DIR_ORIGINAL, mid);
	ct_entry_tuple(e, CT_DIR_REPLY, &reply);
	mid->dst = reply.src;
	if (!nat_is_icmp(mid->l4proto))
		mid->dport = reply.sport;
}

static uint32_t nat_midway_slot(const struct nat_stage *ns, const struct ct_tuple *t)
{
	uint64_t h = ns->seed, w;
	const uint8_t *b = (const uint8_t *)t;

	for (size_t i = 0; i + 8 <= sizeof(*t); i += 8) {
		memcpy(&w, b + i, 8);
		h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
		h ^= h >> 29;
	}
	return (uint32_t)(h % NAT_MIDWAY_SLOTS);
}

void nat_midway_init(struct nat_stage *ns)
{
	for (size_t i = 0; i < NAT_MIDWAY_SLOTS; i++) {
		pthread_spin_init(&ns->midway[i].lock, PTHREAD_PROCESS_PRIVATE);
		ns->midway[i].used = false;
	}
	atomic_init(&ns->midway_used, false);
}

void nat_midway_note(struct nat_stage *ns, const struct ct_entry *e)
{
	struct nat_midway_slot *s;
	struct ct_tuple mid;

	nat_midway_tuple(e, &mid);
	s = &ns->midway[nat_midway_slot(ns, &mid)];
	pthread_spin_lock(&s->lock);
	s->mid = mid;
	ct_entry_tuple(e, CT_DIR_ORIGINAL, &s->orig);
	s->used = true;
	pthread_spin_unlock(&s->lock);
	if (!atomic_load_explicit(&ns->midway_used, memory_order_relaxed))
		atomic_store_explicit(&ns->midway_used, true, memory_order_release);
}

static struct ct_entry *nat_midway_lookup(struct nat_stage *ns, struct ct_table *t,
					  const struct ct_tuple *mid, uint64_t now_ns)
{
	struct nat_midway_slot *s = &ns->midway[nat_midway_slot(ns, mid)];
	struct ct_tuple orig, check;
	struct ct_entry *e;
	enum ct_dir dir;
	bool hit;

	pthread_spin_lock(&s->lock);
	hit = s->used && ct_tuple_equal(&s->mid, mid);
	orig = s->orig;
	pthread_spin_unlock(&s->lock);
	if (!hit)
		return NULL;
	e = ct_table_find(t, &orig, now_ns, &dir);
	if (!e || dir != CT_DIR_ORIGINAL)
		return NULL;
	/* The slot may outlive its connection: the entry must still be
	 * the one the midway tuple belongs to. */
	nat_midway_tuple(e, &check);
	return ct_tuple_equal(&check, mid) ? e : NULL;
}

struct ct_entry *nat_midway_find(struct nat_stage *ns, struct ct_table *t,
				 const struct ct_tuple *tuple, uint64_t now_ns, enum ct_dir *dir)
{
	struct ct_entry *e;
	struct ct_tuple inv;

	if (!atomic_load_explicit(&ns->midway_used, memory_order_acquire))
		return NULL;
	e = nat_midway_lookup(ns, t, tuple, now_ns);
	if (e) {
		*dir = CT_DIR_ORIGINAL;
		return e;
	}
	if (!ct_tuple_invert(&inv, tuple))
		return NULL;
	e = nat_midway_lookup(ns, t, &inv, now_ns);
	if (e)
		*dir = CT_DIR_REPLY;
	return e;
}
