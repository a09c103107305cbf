/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Port and address allocation for NAT bindings, after the kernel's
 * nf_nat_core.c (get_unique_tuple(), find_best_ips_proto(),
 * nf_nat_l4proto_unique_tuple()): the address is picked from the range by
 * a hash of the client's address, the port is kept when the resulting
 * tuple is free and otherwise searched for from a hashed offset. Each
 * candidate is claimed by ct_table_set_reply(), which checks and takes the
 * tuple under the table's bucket locks: the search itself needs no lock,
 * and two workers can never come out of it with one tuple. */
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <arpa/inet.h>

#include "nfqfw/nat_alloc.h"

/* The kernel's NF_NAT_MAX_ATTEMPTS: a worker never spends more than this
 * many table lookups on one connection, however full the range. */
#define NAT_MAX_ATTEMPTS 128u

/* The field a binding changes besides the address. */
enum nat_key {
	NAT_KEY_NONE,           /* protocols without ports: address only */
	NAT_KEY_PORT,           /* TCP, UDP */
	NAT_KEY_ICMP_ID,        /* ICMP/ICMPv6 queries */
};

/* Candidate keys: SIZE values from MIN (SIZE up to 65536; 0: none). */
struct nat_keys {
	uint32_t min, size;
};

/* SplitMix64's output function (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014): every input bit reaches
 * every output bit. Spreads, does not hide: a client that knows the seed
 * can predict its offsets (use random for that). */
static uint64_t nat_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t nat_hash(uint32_t seed, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = nat_mix(seed ^ ((uint64_t)len << 32));

	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = 0;

		memcpy(&w, p + i, len - i < 8 ? len - i : 8);
		h = nat_mix(h ^ w);
	}
	return h;
}

/* A per-thread random stream for random ranges, seeded once from the
 * kernel (and, should getrandom() fail, from the clock and the stack). */
static uint64_t nat_random(void)
{
	static _Thread_local uint64_t state;
	static _Thread_local bool seeded;

	if (!seeded) {
		struct timespec ts;

		if (getrandom(&state, sizeof(state), GRND_NONBLOCK) != sizeof(state)) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			state = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^
				(uint64_t)(uintptr_t)&ts;
		}
		seeded = true;
	}
	state += 0x9e3779b97f4a7c15ull;
	return nat_mix(state);
}

static enum nat_key nat_key_of(const struct ct_tuple *t)
{
	const struct ct_l4proto *l4 = ct_l4proto_find(t->family, t->l4proto);

	if (l4 == &ct_l4proto_tcp || l4 == &ct_l4proto_udp)
		return NAT_KEY_PORT;
	if (l4 == &ct_l4proto_icmp || l4 == &ct_l4proto_icmpv6)
		return NAT_KEY_ICMP_ID;
	return NAT_KEY_NONE;
}

/* The key field of T that M rewrites, NULL if none. An ICMP identifier is
 * the sport of both tuples (ct.h) and is mapped under SNAT and DNAT alike,
 * as the kernel maps it: it is what tells two pings through one address
 * apart. */
static uint16_t *nat_key_field(struct ct_tuple *t, enum nat_alloc_manip m)
{
	switch (nat_key_of(t)) {
	case NAT_KEY_PORT:
		return m == NAT_ALLOC_SRC ? &t->sport : &t->dport;
	case NAT_KEY_ICMP_ID:
		return &t->sport;
	case NAT_KEY_NONE:
		break;
	}
	return NULL;
}

/* The keys to search when the rule names none: ICMP identifiers all; ports
 * of the original's class (below 512, 600 to 1023, 1024 up), so that a
 * privileged source port stays privileged; a DNAT none, because the
 * service listens on that port (the kernel: "can't change port"). */
static struct nat_keys nat_default_keys(const struct ct_tuple *fwd,
					enum nat_alloc_manip m, uint16_t orig)
{
	if (nat_key_of(fwd) == NAT_KEY_ICMP_ID)
		return (struct nat_keys){ 0, 65536 };
	if (m == NAT_ALLOC_DST)
		return (struct nat_keys){ 0, 0 };
	if (orig < 512)
		return (struct nat_keys){ 1, 511 };
	if (orig < 1024)
		return (struct nat_keys){ 600, 424 };
	return (struct nat_keys){ 1024, 64512 };
}

/* ---- addresses ---------------------------------------------------------- */

static uint64_t nat_low64(const union pkt_addr *a)
{
	uint64_t v = 0;

	for (int i = 8; i < 16; i++)
		v = v << 8 | a->b[i];
	return v;
}

static void nat_set_low64(union pkt_addr *a, uint64_t v)
{
	for (int i = 15; i >= 8; i--, v >>= 8)
		a->b[i] = (uint8_t)v;
}

static bool nat_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool nat_range_valid(const struct nat_range *r)
{
	if (r->has_ports && r->min_port > r->max_port)
		return false;
	if (r->family == 4)
		return nat_zero(r->min_addr.b + 4, 12) && nat_zero(r->max_addr.b + 4, 12) &&
		       ntohl(r->min_addr.v4) <= ntohl(r->max_addr.v4);
	if (r->family == 6)
		return memcmp(r->min_addr.b, r->max_addr.b, 8) == 0 &&
		       nat_low64(&r->min_addr) <= nat_low64(&r->max_addr);
	return false;
}

static bool nat_addr_in_range(const struct nat_range *r, const union pkt_addr *a)
{
	if (r->family == 4)
		return ntohl(r->min_addr.v4) <= ntohl(a->v4) &&
		       ntohl(a->v4) <= ntohl(r->max_addr.v4);
	return memcmp(a->b, r->min_addr.b, 8) == 0 &&
	       nat_low64(&r->min_addr) <= nat_low64(a) && nat_low64(a) <= nat_low64(&r->max_addr);
}

/* The address of R for a connection from CLIENT: a hash of the client's
 * address alone, so that all its connections leave from one address (what
 * the kernel does with "persistent"; without it the kernel also hashes the
 * destination). */
static void nat_pick_addr(const struct nat_range *r, const union pkt_addr *client,
			  uint32_t seed, union pkt_addr *out)
{
	uint64_t h = nat_hash(seed, client->b, r->family == 4 ? 4 : 16);

	*out = r->min_addr;
	if (r->family == 4) {
		uint64_t n = (uint64_t)ntohl(r->max_addr.v4) - ntohl(r->min_addr.v4) + 1;

		out->v4 = htonl((uint32_t)(ntohl(r->min_addr.v4) + h % n));
	} else {
		uint64_t n = nat_low64(&r->max_addr) - nat_low64(&r->min_addr) + 1;

		/* n == 0: the range is all 2^64 values of the low half. */
		nat_set_low64(out, nat_low64(&r->min_addr) + (n ? h % n : h));
	}
}

/* ---- claiming a tuple --------------------------------------------------- */

/* Makes FWD (what a translated original packet carries) CT's binding: its
 * inverse becomes the reply tuple, if no other connection holds it. */
static int nat_claim(struct ct_table *t, struct ct_entry *ct, const struct ct_tuple *fwd)
{
	struct ct_tuple reply;

	if (!ct_tuple_invert(&reply, fwd))
		return -EINVAL;
	return ct_table_set_reply(t, ct, &reply);
}

/* Searches the keys of R (or the defaults) for a free tuple: the original
 * key first unless R is random or excludes it, then NAT_MAX_ATTEMPTS keys
 * in turn from a hashed (or random) offset, so that a range of up to 128
 * keys is searched whole. A larger range may hold a long run of taken
 * keys just there (many clients keeping their own ports, say): as the
 * kernel does, the search then jumps to another offset for half as many
 * keys, down to 16 (at most 240 tries in all). */
static int nat_claim_key(struct ct_table *t, struct ct_entry *ct, enum nat_alloc_manip m,
			 const struct nat_range *r, struct ct_tuple *fwd, uint16_t *key,
			 uint32_t seed)
{
	uint16_t orig = *key;
	struct nat_keys keys = r->has_ports ?
		(struct nat_keys){ r->min_port, (uint32_t)r->max_port - r->min_port + 1 } :
		nat_default_keys(fwd, m, orig);
	uint32_t attempts = keys.size < NAT_MAX_ATTEMPTS ? keys.size : NAT_MAX_ATTEMPTS;
	uint64_t off;
	int err;

	if (!r->random && (!r->has_ports || (orig >= r->min_port && orig <= r->max_port))) {
		err = nat_claim(t, ct, fwd);
		if (err != -EEXIST)
			return err;
	}
	/* The offset hashes the connection's own original tuple too: clients
	 * that share a source port, translated to one address, would
	 * otherwise all search the same run of ports, the k-th taking k
	 * tries (the kernel takes a random offset for source NAT). */
	off = r->random ? nat_random()
			: nat_hash(seed ^ (uint32_t)nat_hash(seed, &ct->tuple[CT_DIR_ORIGINAL],
							     sizeof(struct ct_tuple)),
				   fwd, sizeof(*fwd));
	for (;;) {
		for (uint32_t i = 0; i < attempts; i++) {
			*key = (uint16_t)(keys.min + (off + i) % keys.size);
			err = nat_claim(t, ct, fwd);
			if (err != -EEXIST)
				return err;
		}
		if (attempts >= keys.size || attempts <= 16)
			return -EADDRNOTAVAIL;
		attempts /= 2;
		off = r->random ? nat_random() : nat_mix(off);
	}
}

int nat_bind(struct ct_table *t, struct ct_entry *ct, enum nat_alloc_manip m,
	     const struct nat_range *range, uint32_t seed)
{
	const struct ct_tuple *orig;
	struct ct_tuple reply, fwd;
	union pkt_addr *addr;
	uint16_t *key;
	int err;

	if (!t || !ct || !range || (m != NAT_ALLOC_SRC && m != NAT_ALLOC_DST))
		return -EINVAL;
	orig = &ct->tuple[CT_DIR_ORIGINAL];
	if (range->family != orig->family || !nat_range_valid(range))
		return -EINVAL;
	/* The original direction as translated so far (by a DNAT before
	 * this SNAT, say): the inverse of the current reply tuple. */
	ct_entry_tuple(ct, CT_DIR_REPLY, &reply);
	if (!ct_tuple_invert(&fwd, &reply))
		return -EINVAL;
	addr = m == NAT_ALLOC_SRC ? &fwd.src : &fwd.dst;
	if (m != NAT_ALLOC_SRC || !nat_addr_in_range(range, addr))
		nat_pick_addr(range, &orig->src, seed, addr);
	key = nat_key_field(&fwd, m);
	if (key) {
		err = nat_claim_key(t, ct, m, range, &fwd, key, seed);
	} else {
		err = nat_claim(t, ct, &fwd);
		if (err == -EEXIST)
			err = -EADDRNOTAVAIL;
	}
	if (err)
		return err;
	atomic_fetch_or_explicit(&ct->nat, m == NAT_ALLOC_SRC ? CT_NAT_SRC : CT_NAT_DST,
				 memory_order_release);
	return 0;
}

void nat_target(const struct ct_entry *ct, enum ct_dir dir, struct ct_tuple *out)
{
	struct ct_tuple other;

	/* The other direction's tuple is what answers to the translated
	 * packet carry, so the translated packet carries its inverse. A
	 * tracked entry always has one; should it not, the packet is left as
	 * it came rather than sent with a made-up tuple. */
	ct_entry_tuple(ct, dir == CT_DIR_ORIGINAL ? CT_DIR_REPLY : CT_DIR_ORIGINAL, &other);
	if (!ct_tuple_invert(out, &other))
		ct_entry_tuple(ct, dir, out);
}
