/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The limit match: a packet passes while a rate is not exceeded, for the
 * whole rule (iptables' limit) or per source or destination network
 * (hashlimit). Also what both stateful matches share: the key a packet is
 * counted by, the fixed tables of keys, and the parsers of their settings.
 *
 * The bucket is the Generic Cell Rate Algorithm in its virtual scheduling
 * form (ITU-T I.371, annex A): one number per bucket, the theoretical
 * arrival time TAT. A packet at NOW conforms when max(TAT, NOW) + T stays
 * within BURST * T of NOW, and then moves TAT there; T is the time of one
 * token (period / rate, rounded up so the rate is never exceeded). That is
 * a token bucket of BURST tokens refilled one per T, held in one word: the
 * whole-rule bucket is updated with a compare-and-swap, lock-free. A TAT
 * at or before NOW is a full bucket, the same as no bucket at all: that is
 * what lets a per-key table forget keys without losing anything. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "nfqfw/rules_internal.h"

struct limit_slot {
	struct rules_per_key key;
	bool used;
	uint64_t tat;
};

struct limit_group {
	pthread_spinlock_t lock;
	struct limit_slot slot[RULES_PER_WAYS];
};

struct rules_limit {
	uint64_t token_ns;             /* T */
	uint64_t tolerance_ns;         /* BURST * T */
	struct rules_per per;
	_Atomic uint64_t tat;          /* RULES_PER_RULE */
	_Atomic uint64_t table_full;
	uint64_t seed;
	uint32_t n_groups;
	struct limit_group *groups;    /* NULL for RULES_PER_RULE */
};

/* The key tables. */

uint32_t rules_per_groups(const struct rules_per *per)
{
	uint32_t slots = per->slots ? per->slots : RULES_PER_SLOTS_DEFAULT;
	uint32_t n = 1;

	if (per->addr == RULES_PER_RULE)
		return 1;
	while (n * RULES_PER_WAYS < slots)
		n *= 2;
	return n;
}

void rules_per_key_of(const struct rules_per *per, const struct rules_packet *rp,
		      struct rules_per_key *k)
{
	const struct pkt *p = rp->p;

	memset(k, 0, sizeof(*k));
	if (per->addr == RULES_PER_RULE)
		return;
	k->family = p->family;
	rules_addr_mask(&k->addr, per->addr == RULES_PER_SRC ? &p->saddr : &p->daddr,
			p->family == 4 ? per->plen4 : per->plen6);
}

uint64_t rules_per_hash(uint64_t seed, const struct rules_per_key *k)
{
	uint64_t w[2];

	memcpy(w, k->addr.b, sizeof(w));
	return rules_hash_word(rules_hash_word(rules_hash_word(seed, k->family), w[0]), w[1]);
}

bool rules_per_key_equal(const struct rules_per_key *a, const struct rules_per_key *b)
{
	return a->family == b->family && memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

/* Keys come from packets, so the hash is seeded per table: a sender cannot
 * aim many keys at one group without knowing the seed. */
uint64_t rules_per_seed(void)
{
	uint64_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec * UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)ts.tv_sec;
}

/* The bucket. */

static bool limit_conforms(uint64_t tat, uint64_t now, const struct rules_limit *l,
			   uint64_t *next)
{
	*next = (tat > now ? tat : now) + l->token_ns;
	return *next - now <= l->tolerance_ns;
}

static bool limit_take_shared(struct rules_limit *l, uint64_t now)
{
	uint64_t tat = atomic_load_explicit(&l->tat, memory_order_relaxed), next;

	do {
		if (!limit_conforms(tat, now, l, &next))
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&l->tat, &tat, next,
							memory_order_relaxed,
							memory_order_relaxed));
	return true;
}

/* The slot of K in G, or one that can take K (free, or a bucket that has
 * refilled), or NULL. */
static struct limit_slot *limit_slot_of(struct limit_group *g,
					const struct rules_per_key *k, uint64_t now)
{
	struct limit_slot *spare = NULL;

	for (unsigned int i = 0; i < RULES_PER_WAYS; i++) {
		struct limit_slot *s = &g->slot[i];

		if (s->used && rules_per_key_equal(&s->key, k))
			return s;
		if (!spare && (!s->used || s->tat <= now))
			spare = s;
	}
	if (spare) {
		spare->key = *k;
		spare->used = true;
		spare->tat = 0;
	}
	return spare;
}

static bool limit_take_keyed(struct rules_limit *l, const struct rules_packet *rp)
{
	struct rules_per_key k;
	struct limit_group *g;
	struct limit_slot *s;
	uint64_t next;
	bool ok = false;

	rules_per_key_of(&l->per, rp, &k);
	g = &l->groups[rules_per_hash(l->seed, &k) & (l->n_groups - 1)];
	pthread_spin_lock(&g->lock);
	s = limit_slot_of(g, &k, rp->now_ns);
	if (s && limit_conforms(s->tat, rp->now_ns, l, &next)) {
		s->tat = next;
		ok = true;
	}
	pthread_spin_unlock(&g->lock);
	if (!s)
		atomic_fetch_add_explicit(&l->table_full, 1, memory_order_relaxed);
	return ok;
}

bool rules_limit_take(struct rules_limit *l, const struct rules_packet *rp)
{
	if (!l->groups)
		return limit_take_shared(l, rp->now_ns);
	return limit_take_keyed(l, rp);
}

uint64_t rules_limit_table_full(const struct rules_rule *r)
{
	return r->limit ? atomic_load_explicit(&r->limit->table_full, memory_order_relaxed) : 0;
}

static bool limit_spec_valid(const struct rules_limit_spec *spec)
{
	return spec->rate >= 1 && spec->rate <= RULES_LIMIT_RATE_MAX &&
	       spec->burst >= 1 && spec->burst <= RULES_LIMIT_BURST_MAX &&
	       spec->period_ns >= RULES_SECOND_NS && spec->period_ns <= RULES_DAY_NS &&
	       spec->per.plen4 <= 32 && spec->per.plen6 <= 128 &&
	       spec->per.slots <= RULES_PER_SLOTS_MAX;
}

int rules_limit_create(struct rules_limit **out, const struct rules_limit_spec *spec)
{
	struct rules_limit *l;
	uint32_t i;

	if (!limit_spec_valid(spec))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->token_ns = (spec->period_ns + spec->rate - 1) / spec->rate;
	l->tolerance_ns = l->token_ns * spec->burst;
	l->per = spec->per;
	atomic_init(&l->tat, 0);
	atomic_init(&l->table_full, 0);
	if (spec->per.addr != RULES_PER_RULE) {
		l->seed = rules_per_seed();
		l->n_groups = rules_per_groups(&spec->per);
		l->groups = calloc(l->n_groups, sizeof(*l->groups));
		if (!l->groups)
			goto err_free_limit;
		for (i = 0; i < l->n_groups; i++)
			if (pthread_spin_init(&l->groups[i].lock, PTHREAD_PROCESS_PRIVATE))
				goto err_destroy_locks;
	}
	*out = l;
	return 0;

err_destroy_locks:
	while (i--)
		pthread_spin_destroy(&l->groups[i].lock);
	free(l->groups);
err_free_limit:
	free(l);
	return -ENOMEM;
}

void rules_limit_free(struct rules_limit *l)
{
	if (!l)
		return;
	for (uint32_t i = 0; l->groups && i < l->n_groups; i++)
		pthread_spin_destroy(&l->groups[i].lock);
	free(l->groups);
	free(l);
}

/* The parsers. */

/* Decimal digits at S: how many (0: none), their value in *V (UINT64_MAX
 * once past what fits). */
static size_t per_digits(const char *s, uint64_t *v)
{
	size_t n = 0;

	*v = 0;
	for (; s[n] >= '0' && s[n] <= '9'; n++) {
		unsigned int d = (unsigned int)(s[n] - '0');

		*v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
	}
	return n;
}

static const struct {
	const char *name;
	uint64_t ns;
} limit_units[] = {
	{ "second", RULES_SECOND_NS }, { "minute", 60 * RULES_SECOND_NS },
	{ "hour", 3600 * RULES_SECOND_NS }, { "day", RULES_DAY_NS },
};

static bool limit_unit(const char *s, size_t len, uint64_t *ns)
{
	for (size_t i = 0; i < sizeof(limit_units) / sizeof(limit_units[0]); i++)
		if (strlen(limit_units[i].name) == len && !strncmp(limit_units[i].name, s, len)) {
			*ns = limit_units[i].ns;
			return true;
		}
	return false;
}

/* " burst N" after the unit, or nothing. */
static int limit_parse_burst(const char *p, const char *s, uint32_t *burst, char *why,
			     size_t size)
{
	uint64_t v;
	size_t n;

	p += strspn(p, " ");
	if (!*p)
		return 0;
	if (strncmp(p, "burst", 5) || p[5] != ' ')
		goto bad;
	p += 5 + strspn(p + 5, " ");
	n = per_digits(p, &v);
	if (!n || p[n + strspn(p + n, " ")])
		goto bad;
	if (v < 1 || v > RULES_LIMIT_BURST_MAX) {
		snprintf(why, size, "burst %.*s is out of range (1..%u)", (int)n, p,
			 RULES_LIMIT_BURST_MAX);
		return -EINVAL;
	}
	*burst = (uint32_t)v;
	return 0;
bad:
	snprintf(why, size, "bad limit '%s' (RATE/UNIT, then optionally burst N, "
		 "such as \"10/second burst 20\")", s);
	return -EINVAL;
}

int rules_limit_parse(const char *s, struct rules_limit_spec *spec, char *why,
		      size_t size)
{
	const char *p = s;
	uint64_t rate;
	size_t n = per_digits(p, &rate);

	if (!n || p[n] != '/' || !p[n + 1]) {
		snprintf(why, size, "bad limit '%s' (RATE/UNIT, then optionally burst N, "
			 "such as \"10/second burst 20\")", s);
		return -EINVAL;
	}
	if (rate < 1 || rate > RULES_LIMIT_RATE_MAX) {
		snprintf(why, size, "rate %.*s is out of range (1..%u)", (int)n, p,
			 RULES_LIMIT_RATE_MAX);
		return -EINVAL;
	}
	p += n + 1;
	n = strcspn(p, " ");
	if (!limit_unit(p, n, &spec->period_ns)) {
		snprintf(why, size, "unknown unit '%.*s' (second, minute, hour or day)",
			 (int)n, p);
		return -EINVAL;
	}
	spec->rate = (uint32_t)rate;
	spec->burst = RULES_LIMIT_BURST_DEFAULT;
	return limit_parse_burst(p + n, s, &spec->burst, why, size);
}

/* "/A" or "/A,B" after src or dst: the prefix lengths. */
static int per_parse_prefixes(const char *p, struct rules_per *per, char *why,
			      size_t size)
{
	uint64_t v;
	size_t n = per_digits(p, &v);

	if (!n || (p[n] && p[n] != ','))
		return -EINVAL;
	if (v > 32) {
		snprintf(why, size, "IPv4 prefix %.*s is out of range (0..32)", (int)n, p);
		return -ENOENT;
	}
	per->plen4 = (uint8_t)v;
	if (!p[n])
		return 0;
	p += n + 1;
	n = per_digits(p, &v);
	if (!n || p[n])
		return -EINVAL;
	if (v > 128) {
		snprintf(why, size, "IPv6 prefix %.*s is out of range (0..128)", (int)n, p);
		return -ENOENT;
	}
	per->plen6 = (uint8_t)v;
	return 0;
}

int rules_per_parse(const char *s, struct rules_per *per, char *why, size_t size)
{
	int ret = 0;

	if (!strncmp(s, "src", 3))
		per->addr = RULES_PER_SRC;
	else if (!strncmp(s, "dst", 3))
		per->addr = RULES_PER_DST;
	else
		ret = -EINVAL;
	per->plen4 = 32;
	per->plen6 = 128;
	if (!ret && s[3] == '/')
		ret = per_parse_prefixes(s + 4, per, why, size);
	else if (!ret && s[3])
		ret = -EINVAL;
	if (ret == -EINVAL)
		snprintf(why, size, "bad key '%s' (src or dst, then optionally "
			 "/IPV4_PREFIX or /IPV4_PREFIX,IPV6_PREFIX, such as \"src/24,64\")", s);
	return ret ? -EINVAL : 0;
}
