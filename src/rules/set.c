/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Named sets of addresses and networks. One open-addressing hash table per
 * prefix length present, probed longest first: a lookup costs one probe
 * per distinct prefix length (at most 33 or 129), never per element, so a
 * set of 100k addresses costs what a set of 10 does. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "nfqfw/rules_internal.h"

struct rules_plen_table {
	union pkt_addr *keys;
	uint8_t *used;
	size_t mask;        /* slots - 1, slots a power of two */
	size_t count;
};

struct rules_addrset {
	char name[RULES_NAME_MAX];
	uint8_t family;
	size_t count;
	/* Prefix lengths present, longest first, and their tables. */
	uint8_t plens[129];
	unsigned int n_plens;
	struct rules_plen_table *tables[129];
};

static uint64_t rules_addr_hash(const union pkt_addr *a)
{
	uint64_t w[2];

	memcpy(w, a->b, sizeof(w));
	return rules_hash_word(rules_hash_word(0, w[0]), w[1]);
}

static bool rules_plen_find(const struct rules_plen_table *t, const union pkt_addr *a)
{
	for (size_t i = rules_addr_hash(a) & t->mask;; i = (i + 1) & t->mask) {
		if (!t->used[i])
			return false;
		if (memcmp(&t->keys[i], a, sizeof(*a)) == 0)
			return true;
	}
}

static void rules_plen_put(struct rules_plen_table *t, const union pkt_addr *a)
{
	size_t i = rules_addr_hash(a) & t->mask;

	while (t->used[i])
		i = (i + 1) & t->mask;
	t->keys[i] = *a;
	t->used[i] = 1;
	t->count++;
}

/* Doubles T when it is half full, so that probes stay short. */
static int rules_plen_grow(struct rules_plen_table *t)
{
	struct rules_plen_table bigger;
	size_t slots;

	if (t->keys && 2 * (t->count + 1) <= t->mask + 1)
		return 0;
	slots = t->keys ? 2 * (t->mask + 1) : 16;
	bigger = (struct rules_plen_table){ .mask = slots - 1 };
	bigger.keys = malloc(slots * sizeof(*bigger.keys));
	bigger.used = calloc(slots, 1);
	if (!bigger.keys || !bigger.used) {
		free(bigger.keys);
		free(bigger.used);
		return -ENOMEM;
	}
	for (size_t i = 0; t->keys && i <= t->mask; i++)
		if (t->used[i])
			rules_plen_put(&bigger, &t->keys[i]);
	free(t->keys);
	free(t->used);
	*t = bigger;
	return 0;
}

struct rules_addrset *rules_addrset_add(struct rules_set *rs, const char *name,
					uint8_t family)
{
	struct rules_addrset *set;

	if ((family != 4 && family != 6) || strlen(name) >= RULES_NAME_MAX ||
	    rules_addrset_find(rs, name))
		return NULL;
	if (rs->n_sets == rs->cap_sets) {
		size_t cap = rs->cap_sets ? 2 * rs->cap_sets : 4;
		struct rules_addrset **sets = realloc(rs->sets, cap * sizeof(*sets));

		if (!sets)
			return NULL;
		rs->sets = sets;
		rs->cap_sets = cap;
	}
	set = calloc(1, sizeof(*set));
	if (!set)
		return NULL;
	strcpy(set->name, name);
	set->family = family;
	rs->sets[rs->n_sets++] = set;
	return set;
}

struct rules_addrset *rules_addrset_find(const struct rules_set *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_sets; i++)
		if (strcmp(rs->sets[i]->name, name) == 0)
			return rs->sets[i];
	return NULL;
}

/* Keeps SET->plens sorted longest first after PLEN got its table. */
static void rules_addrset_note_plen(struct rules_addrset *set, uint8_t plen)
{
	unsigned int i = set->n_plens++;

	while (i > 0 && set->plens[i - 1] < plen) {
		set->plens[i] = set->plens[i - 1];
		i--;
	}
	set->plens[i] = plen;
}

int rules_addrset_insert(struct rules_addrset *set, const union pkt_addr *addr,
			 unsigned int plen)
{
	struct rules_plen_table *t;
	union pkt_addr key;

	if (plen > (set->family == 4 ? 32u : 128u))
		return -EINVAL;
	rules_addr_mask(&key, addr, plen);
	t = set->tables[plen];
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		set->tables[plen] = t;
		rules_addrset_note_plen(set, (uint8_t)plen);
	}
	if (t->keys && rules_plen_find(t, &key))
		return 0;
	if (rules_plen_grow(t) < 0)
		return -ENOMEM;
	rules_plen_put(t, &key);
	set->count++;
	return 0;
}

bool rules_addrset_contains(const struct rules_addrset *set, uint8_t family,
			    const union pkt_addr *addr)
{
	union pkt_addr key;

	if (family != set->family)
		return false;
	for (unsigned int i = 0; i < set->n_plens; i++) {
		rules_addr_mask(&key, addr, set->plens[i]);
		if (rules_plen_find(set->tables[set->plens[i]], &key))
			return true;
	}
	return false;
}

size_t rules_addrset_size(const struct rules_addrset *set)
{
	return set->count;
}

uint8_t rules_addrset_family(const struct rules_addrset *set)
{
	return set->family;
}

const char *rules_addrset_name(const struct rules_addrset *set)
{
	return set->name;
}

void rules_addrset_free(struct rules_addrset *set)
{
	if (!set)
		return;
	for (unsigned int i = 0; i < set->n_plens; i++) {
		struct rules_plen_table *t = set->tables[set->plens[i]];

		free(t->keys);
		free(t->used);
		free(t);
	}
	free(set);
}

/* Only the first PLEN bits may be set when STRICT: "192.0.2.1/24" is then
 * refused as the likely typo it is. */
static bool rules_addr_host_bits(const union pkt_addr *a, unsigned int plen)
{
	union pkt_addr masked;

	rules_addr_mask(&masked, a, plen);
	return memcmp(&masked, a, sizeof(masked)) != 0;
}

int rules_parse_addr(const char *s, uint8_t *family, union pkt_addr *addr,
		     uint8_t *plen, bool strict)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	union pkt_addr a = { 0 };
	unsigned long bits, max;
	char *end;

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, a.b) == 1)
		*family = 4, max = 32;
	else if (inet_pton(AF_INET6, buf, a.b) == 1)
		*family = 6, max = 128;
	else
		return -EINVAL;
	bits = max;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (errno || *end || bits > max)
			return -EINVAL;
	}
	if (strict && rules_addr_host_bits(&a, (unsigned int)bits))
		return -EINVAL;
	rules_addr_mask(addr, &a, (unsigned int)bits);
	*plen = (uint8_t)bits;
	return 0;
}
