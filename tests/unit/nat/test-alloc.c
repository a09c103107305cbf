/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of NAT port and address allocation (src/nat/alloc.c): the
 * original port kept when free, another of its class or of the range when
 * not, a range exhausted, two workers binding into one range at once,
 * address choice stable per client, ICMP echo identifiers, IPv6, DNAT and
 * DNAT followed by SNAT, protocols without ports, what nat_target() gives
 * each direction, and bad ranges. Connections are made by ct_process() as
 * the daemon makes them; the binding happens before they are confirmed. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ct-test.h"
#include "nfqfw/nat_alloc.h"
#include "unit.h"

#define SEED 0x1234567u

static void addr(int fam, const char *text, union pkt_addr *a)
{
	memset(a, 0, sizeof(*a));
	CU_ASSERT_FATAL(inet_pton(fam == 4 ? AF_INET : AF_INET6, text, a->b) == 1);
}

static struct nat_range range(int fam, const char *lo, const char *hi, uint16_t plo,
			      uint16_t phi, bool has_ports)
{
	struct nat_range r = { .family = (uint8_t)fam, .min_port = plo, .max_port = phi,
			       .has_ports = has_ports };

	addr(fam, lo, &r.min_addr);
	addr(fam, hi, &r.max_addr);
	return r;
}

/* The first packet K creates its connection, which is bound (M, R) and
 * then confirmed, or aborted if the binding failed, as the daemon does.
 * *CT: the entry (NULL on failure). */
static int bind_pkt(struct ct_table *t, struct ctt_pkt *k, enum nat_alloc_manip m,
		    const struct nat_range *r, struct ct_entry **ct)
{
	struct ct_result res;
	int err;

	*ct = NULL;
	ct_read_lock();
	ct_process(t, &k->p, CTT_AT(0), &res);
	CU_ASSERT_FATAL(res.created && res.ct);
	err = nat_bind(t, res.ct, m, r, SEED);
	if (err) {
		ct_abort(t, res.ct);
	} else {
		CU_ASSERT_EQUAL(ct_confirm(t, res.ct, CTT_AT(0)), 0);
		*ct = res.ct;
	}
	ct_read_unlock();
	return err;
}

static struct ct_entry *find(struct ct_table *t, const struct ct_tuple *tu, enum ct_dir *dir)
{
	struct ct_entry *ct;

	ct_read_lock();
	ct = ct_table_find(t, tu, CTT_AT(1), dir);
	ct_read_unlock();
	return ct;
}

/* The entry is found by both tuples, each in its direction. */
static void assert_findable(struct ct_table *t, struct ct_entry *ct)
{
	enum ct_dir dir;

	CU_ASSERT_PTR_EQUAL(find(t, &ct->tuple[CT_DIR_ORIGINAL], &dir), ct);
	CU_ASSERT_EQUAL(dir, CT_DIR_ORIGINAL);
	CU_ASSERT_PTR_EQUAL(find(t, &ct->tuple[CT_DIR_REPLY], &dir), ct);
	CU_ASSERT_EQUAL(dir, CT_DIR_REPLY);
}

static bool addr_is(int fam, const union pkt_addr *a, const char *text)
{
	union pkt_addr want;

	addr(fam, text, &want);
	return memcmp(a, &want, sizeof(want)) == 0;
}

/* ---- ports -------------------------------------------------------------- */

static void test_port_kept(void)
{
	struct ct_table *t = ctt_table(0);
	struct nat_range r = range(4, "203.0.113.77", "203.0.113.77", 0, 0, false);
	struct ct_tuple out;
	struct ct_entry *ct;
	struct ctt_pkt k;

	ctt_udp(&k, 4, CTT_A, CTT_B, 40000, 53);
	CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &ct), 0);
	/* Reply: B:53 -> 203.0.113.77:40000, as conntrack -L shows it. */
	CU_ASSERT(addr_is(4, &ct->tuple[CT_DIR_REPLY].dst, "203.0.113.77"));
	CU_ASSERT(addr_is(4, &ct->tuple[CT_DIR_REPLY].src, "198.51.100.2"));
	CU_ASSERT_EQUAL(ct->tuple[CT_DIR_REPLY].dport, 40000);
	CU_ASSERT_EQUAL(ct->tuple[CT_DIR_REPLY].sport, 53);
	CU_ASSERT_EQUAL(atomic_load(&ct->nat), CT_NAT_SRC);
	assert_findable(t, ct);
	/* Outgoing packets leave from the public address, replies go back
	 * to the client. */
	nat_target(ct, CT_DIR_ORIGINAL, &out);
	CU_ASSERT(addr_is(4, &out.src, "203.0.113.77"));
	CU_ASSERT(addr_is(4, &out.dst, "198.51.100.2"));
	CU_ASSERT_EQUAL(out.sport, 40000);
	CU_ASSERT_EQUAL(out.dport, 53);
	nat_target(ct, CT_DIR_REPLY, &out);
	CU_ASSERT(addr_is(4, &out.src, "198.51.100.2"));
	CU_ASSERT(addr_is(4, &out.dst, "192.0.2.1"));
	CU_ASSERT_EQUAL(out.sport, 53);
	CU_ASSERT_EQUAL(out.dport, 40000);
	ct_table_destroy(t);
}

/* Two clients with the same source port behind one address: the second
 * gets another port of the same class. */
static void test_port_taken(void)
{
	static const struct {
		uint16_t port, lo, hi;
	} classes[] = { { 40000, 1024, 65535 }, { 123, 1, 511 }, { 700, 600, 1023 } };
	struct nat_range r = range(4, "203.0.113.77", "203.0.113.77", 0, 0, false);

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		struct ct_table *t = ctt_table(0);
		struct ct_entry *a, *c;
		struct ctt_pkt k;
		uint16_t p;

		ctt_udp(&k, 4, CTT_A, CTT_B, classes[i].port, 53);
		CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &a), 0);
		ctt_udp(&k, 4, CTT_C, CTT_B, classes[i].port, 53);
		CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &c), 0);
		p = c->tuple[CT_DIR_REPLY].dport;
		CU_ASSERT_EQUAL(a->tuple[CT_DIR_REPLY].dport, classes[i].port);
		CU_ASSERT_NOT_EQUAL(p, classes[i].port);
		CU_ASSERT(p >= classes[i].lo && p <= classes[i].hi);
		CU_ASSERT(addr_is(4, &c->tuple[CT_DIR_REPLY].dst, "203.0.113.77"));
		assert_findable(t, a);
		assert_findable(t, c);
		CU_ASSERT_EQUAL(ctt_count(t), 2);
		ct_table_destroy(t);
	}
}

/* 1,000 clients on the same source port, translated to one address:
 * every one binds (each searches from an offset of its own, not the same
 * run of ports as the others). */
static void test_shared_source_port(void)
{
	struct nat_range r = range(4, "203.0.113.77", "203.0.113.77", 0, 0, false);
	struct ct_table *t = ctt_table(0);
	unsigned int bound = 0;

	for (unsigned int i = 0; i < 1000; i++) {
		struct ct_entry *e;
		struct ctt_pkt k;

		ctt_udp(&k, 4, CTT_A, CTT_B, 40000, 53);
		k.b.buf[14] = (uint8_t)(i >> 8);       /* client 192.0.x.y: */
		k.b.buf[15] = (uint8_t)i;               /* 1,000 distinct sources */
		k.p.saddr.b[2] = (uint8_t)(i >> 8);
		k.p.saddr.b[3] = (uint8_t)i;
		if (bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &e) == 0)
			bound++;
	}
	CU_ASSERT_EQUAL(bound, 1000);
	ct_table_destroy(t);
}

/* Ten ports, ten connections; the eleventh is refused and leaves nothing;
 * once one ends, its port is free again. */
static void test_range_exhausted(void)
{
	struct ct_table *t = ctt_table(0);
	struct nat_range r = range(4, "203.0.113.77", "203.0.113.77", 5000, 5009, true);
	struct ct_entry *ct[10], *last;
	unsigned int seen = 0;
	struct ctt_pkt k;
	uint16_t p;

	for (unsigned int i = 0; i < 10; i++) {
		ctt_udp(&k, 4, CTT_A, CTT_B, (uint16_t)(1000 + i), 53);
		CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &ct[i]), 0);
		p = ct[i]->tuple[CT_DIR_REPLY].dport;
		CU_ASSERT_FATAL(p >= 5000 && p <= 5009);
		CU_ASSERT_FALSE(seen & 1u << (p - 5000));
		seen |= 1u << (p - 5000);
	}
	CU_ASSERT_EQUAL(seen, 0x3ff);
	ctt_udp(&k, 4, CTT_A, CTT_B, 1010, 53);
	CU_ASSERT_EQUAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &last), -EADDRNOTAVAIL);
	CU_ASSERT_PTR_NULL(last);
	CU_ASSERT_EQUAL(ctt_count(t), 10);

	p = ct[3]->tuple[CT_DIR_REPLY].dport;
	ct_read_lock();
	CU_ASSERT(ct_remove(t, ct[3]));
	ct_read_unlock();
	CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &last), 0);
	CU_ASSERT_EQUAL(last->tuple[CT_DIR_REPLY].dport, p);
	assert_findable(t, last);
	ct_table_destroy(t);
}

/* The original port is kept only if the range holds it; random ranges
 * still find every free port of a small range. */
static void test_port_range(void)
{
	struct ct_table *t = ctt_table(0);
	struct nat_range r = range(4, "203.0.113.77", "203.0.113.77", 5000, 5009, true);
	struct ct_entry *ct;
	struct ctt_pkt k;
	unsigned int seen = 0;

	ctt_udp(&k, 4, CTT_A, CTT_B, 5004, 53);
	CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &ct), 0);
	CU_ASSERT_EQUAL(ct->tuple[CT_DIR_REPLY].dport, 5004);
	ctt_udp(&k, 4, CTT_A, CTT_B, 40000, 53);
	CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &ct), 0);
	CU_ASSERT(ct->tuple[CT_DIR_REPLY].dport >= 5000 && ct->tuple[CT_DIR_REPLY].dport <= 5009);
	CU_ASSERT_NOT_EQUAL(ct->tuple[CT_DIR_REPLY].dport, 5004);
	ct_table_destroy(t);

	t = ctt_table(0);
	r.random = true;
	for (unsigned int i = 0; i < 10; i++) {
		ctt_udp(&k, 4, CTT_C, CTT_B, (uint16_t)(5000 + i), 53);
		CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &ct), 0);
		seen |= 1u << (ct->tuple[CT_DIR_REPLY].dport - 5000);
	}
	CU_ASSERT_EQUAL(seen, 0x3ff);
	ctt_udp(&k, 4, CTT_C, CTT_B, 6000, 53);
	CU_ASSERT_EQUAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &ct), -EADDRNOTAVAIL);
	ct_table_destroy(t);
}

/* ---- two workers at once ------------------------------------------------ */

#define RACE_CONNS 1000

struct race {
	struct ct_table *t;
	struct nat_range r;
	pthread_barrier_t start;
};

struct racer {
	struct race *race;
	enum ctt_host client;
	uint16_t port[RACE_CONNS];
	int err[RACE_CONNS];
};

static void *race_thread(void *arg)
{
	struct racer *w = arg;
	struct race *race = w->race;

	ct_thread_register();
	pthread_barrier_wait(&race->start);
	for (unsigned int i = 0; i < RACE_CONNS; i++) {
		struct ct_result res;
		struct ctt_pkt k;

		ctt_udp(&k, 4, w->client, CTT_B, (uint16_t)(20000 + i), 53);
		ct_read_lock();
		ct_process(race->t, &k.p, CTT_AT(0), &res);
		w->err[i] = res.created ? nat_bind(race->t, res.ct, NAT_ALLOC_SRC, &race->r, SEED)
					: -EPROTO;
		if (w->err[i] == 0) {
			w->port[i] = res.ct->tuple[CT_DIR_REPLY].dport;
			ct_confirm(race->t, res.ct, CTT_AT(0));
		} else if (res.created) {
			ct_abort(race->t, res.ct);
		}
		ct_read_unlock();
	}
	ct_thread_unregister();
	return NULL;
}

/* Both clients use the same source ports, so every binding but the first
 * of each pair competes for the same tuples. Returns how many bound. */
static unsigned int race_run(uint16_t lo, uint16_t hi)
{
	struct race race = { .t = ctt_table(0) };
	struct racer *w = calloc(2, sizeof(*w));
	uint8_t *used = calloc(65536, 1);
	unsigned int ok = 0, dup = 0, other = 0;
	pthread_t th[2];

	CU_ASSERT_FATAL(w && used);
	race.r = range(4, "203.0.113.77", "203.0.113.77", lo, hi, true);
	pthread_barrier_init(&race.start, NULL, 2);
	for (int i = 0; i < 2; i++) {
		w[i].race = &race;
		w[i].client = i ? CTT_C : CTT_A;
		CU_ASSERT_FATAL(pthread_create(&th[i], NULL, race_thread, &w[i]) == 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		for (unsigned int j = 0; j < RACE_CONNS; j++) {
			if (w[i].err[j] == 0) {
				ok++;
				dup += used[w[i].port[j]]++ != 0;
				other += w[i].port[j] < lo || w[i].port[j] > hi;
			} else if (w[i].err[j] != -EADDRNOTAVAIL) {
				other++;
			}
		}
	}
	CU_ASSERT_EQUAL(dup, 0);
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT_EQUAL(ctt_count(race.t), ok);
	pthread_barrier_destroy(&race.start);
	ct_table_destroy(race.t);
	free(used);
	free(w);
	return ok;
}

static void test_two_workers(void)
{
	/* Room for all: all bind. A range smaller than the demand: never
	 * more bindings than ports, never one port twice. */
	CU_ASSERT_EQUAL(race_run(1024, 65535), 2 * RACE_CONNS);
	CU_ASSERT(race_run(30000, 31499) <= 1500);
}

/* ---- addresses ---------------------------------------------------------- */

static void test_address_choice(void)
{
	struct nat_range r = range(4, "203.0.113.10", "203.0.113.19", 0, 0, false);
	struct ct_table *t = ctt_table(0);
	union pkt_addr first;
	unsigned int seen = 0;
	struct ct_entry *ct;
	struct ctt_pkt k;

	/* One client, one address, whatever the connection. */
	for (unsigned int i = 0; i < 20; i++) {
		ctt_udp(&k, 4, CTT_A, i % 2 ? CTT_B : CTT_C, (uint16_t)(1000 + i), 53);
		CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &ct), 0);
		if (i == 0)
			first = ct->tuple[CT_DIR_REPLY].dst;
		CU_ASSERT_EQUAL(memcmp(&ct->tuple[CT_DIR_REPLY].dst, &first, sizeof(first)), 0);
	}
	CU_ASSERT(ntohl(first.v4) >= ntohl(r.min_addr.v4) && ntohl(first.v4) <= ntohl(r.max_addr.v4));
	ct_table_destroy(t);

	/* Over many seeds (as over many clients) the range is used, and only
	 * the range. */
	for (uint32_t seed = 0; seed < 64; seed++) {
		struct ct_result res;
		uint32_t a;

		t = ctt_table(0);
		ctt_udp(&k, 4, CTT_A, CTT_B, 1000, 53);
		ct_read_lock();
		ct_process(t, &k.p, CTT_AT(0), &res);
		CU_ASSERT_EQUAL(nat_bind(t, res.ct, NAT_ALLOC_SRC, &r, seed), 0);
		a = ntohl(res.ct->tuple[CT_DIR_REPLY].dst.v4) - ntohl(r.min_addr.v4);
		ct_read_unlock();
		CU_ASSERT(a < 10);
		seen |= 1u << (a & 31);
		ct_table_destroy(t);
	}
	CU_ASSERT(__builtin_popcount(seen) >= 5);
}

/* A client whose address is in the SNAT range keeps it. */
static void test_address_in_range(void)
{
	struct nat_range r = range(4, "192.0.2.0", "192.0.2.255", 0, 0, false);
	struct ct_table *t = ctt_table(0);
	struct ct_entry *ct;
	struct ctt_pkt k;

	ctt_udp(&k, 4, CTT_A, CTT_B, 1000, 53);
	CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &ct), 0);
	CU_ASSERT(addr_is(4, &ct->tuple[CT_DIR_REPLY].dst, "192.0.2.1"));
	CU_ASSERT_EQUAL(ct->tuple[CT_DIR_REPLY].dport, 1000);
	ct_table_destroy(t);
}

/* ---- ICMP, IPv6, DNAT, no ports ----------------------------------------- */

static void test_icmp_echo(void)
{
	for (int fam = 4; fam <= 6; fam += 2) {
		struct nat_range r = fam == 4 ?
			range(4, "203.0.113.77", "203.0.113.77", 0, 0, false) :
			range(6, "2001:db8:ff::77", "2001:db8:ff::77", 0, 0, false);
		uint8_t req = fam == 4 ? 8 : 128, rep = fam == 4 ? 0 : 129;
		struct ct_table *t = ctt_table(0);
		struct ct_entry *a, *c;
		struct ct_tuple out;
		struct ctt_pkt k;

		ctt_icmp(&k, fam, CTT_A, CTT_B, req, 0, 7);
		CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &a), 0);
		ctt_icmp(&k, fam, CTT_C, CTT_B, req, 0, 7);
		CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &c), 0);
		/* The identifier is the sport of both tuples. */
		CU_ASSERT_EQUAL(a->tuple[CT_DIR_REPLY].sport, 7);
		CU_ASSERT_NOT_EQUAL(c->tuple[CT_DIR_REPLY].sport, 7);
		CU_ASSERT_EQUAL(c->tuple[CT_DIR_REPLY].dport, rep << 8);
		CU_ASSERT(addr_is(fam, &c->tuple[CT_DIR_REPLY].dst,
				  fam == 4 ? "203.0.113.77" : "2001:db8:ff::77"));
		assert_findable(t, a);
		assert_findable(t, c);
		/* The request leaves with the new id, the reply returns with 7. */
		nat_target(c, CT_DIR_ORIGINAL, &out);
		CU_ASSERT_EQUAL(out.sport, c->tuple[CT_DIR_REPLY].sport);
		CU_ASSERT_EQUAL(out.dport, req << 8);
		nat_target(c, CT_DIR_REPLY, &out);
		CU_ASSERT_EQUAL(out.sport, 7);
		CU_ASSERT_EQUAL(out.dport, rep << 8);
		CU_ASSERT(addr_is(fam, &out.dst, fam == 4 ? "203.0.113.3" : "2001:db8:3::3"));
		ct_table_destroy(t);
	}
}

static void test_ipv6(void)
{
	struct nat_range r = range(6, "2001:db8:ff::10", "2001:db8:ff::13", 0, 0, false);
	struct ct_table *t = ctt_table(0);
	struct ct_entry *a, *c;
	struct ctt_pkt k;
	uint64_t low;

	ctt_tcp(&k, 6, CTT_A, CTT_B, 40000, 80, CTT_SYN);
	CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &a), 0);
	CU_ASSERT_EQUAL(memcmp(a->tuple[CT_DIR_REPLY].dst.b, r.min_addr.b, 15), 0);
	low = a->tuple[CT_DIR_REPLY].dst.b[15];
	CU_ASSERT(low >= 0x10 && low <= 0x13);
	CU_ASSERT_EQUAL(a->tuple[CT_DIR_REPLY].dport, 40000);
	assert_findable(t, a);
	/* Pin the range to A's address: C's connection must move its port. */
	r.min_addr = r.max_addr = a->tuple[CT_DIR_REPLY].dst;
	ctt_tcp(&k, 6, CTT_C, CTT_B, 40000, 80, CTT_SYN);
	CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &c), 0);
	CU_ASSERT_NOT_EQUAL(c->tuple[CT_DIR_REPLY].dport, 40000);
	CU_ASSERT(c->tuple[CT_DIR_REPLY].dport >= 1024);
	assert_findable(t, c);
	ct_table_destroy(t);
}

static void test_dnat(void)
{
	struct nat_range to_c = range(4, "203.0.113.3", "203.0.113.3", 8080, 8080, true);
	struct nat_range to_c80 = range(4, "203.0.113.3", "203.0.113.3", 0, 0, false);
	struct nat_range snat = range(4, "198.51.100.9", "198.51.100.9", 0, 0, false);
	struct ct_table *t = ctt_table(0);
	struct ct_entry *ct, *other;
	struct ct_tuple out;
	struct ctt_pkt k;

	/* Port forwarding: A -> B:80 goes to C:8080. */
	ctt_tcp(&k, 4, CTT_A, CTT_B, 40000, 80, CTT_SYN);
	CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_DST, &to_c, &ct), 0);
	CU_ASSERT(addr_is(4, &ct->tuple[CT_DIR_REPLY].src, "203.0.113.3"));
	CU_ASSERT_EQUAL(ct->tuple[CT_DIR_REPLY].sport, 8080);
	CU_ASSERT(addr_is(4, &ct->tuple[CT_DIR_REPLY].dst, "192.0.2.1"));
	CU_ASSERT_EQUAL(ct->tuple[CT_DIR_REPLY].dport, 40000);
	CU_ASSERT_EQUAL(atomic_load(&ct->nat), CT_NAT_DST);
	nat_target(ct, CT_DIR_ORIGINAL, &out);
	CU_ASSERT(addr_is(4, &out.dst, "203.0.113.3"));
	CU_ASSERT_EQUAL(out.dport, 8080);
	nat_target(ct, CT_DIR_REPLY, &out);
	CU_ASSERT(addr_is(4, &out.src, "198.51.100.2"));
	CU_ASSERT_EQUAL(out.sport, 80);
	assert_findable(t, ct);

	/* Without ports a DNAT keeps the port; when that tuple is taken it
	 * fails rather than move the service's port. */
	ctt_tcp(&k, 4, CTT_A, CTT_B, 40001, 80, CTT_SYN);
	CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_DST, &to_c80, &other), 0);
	CU_ASSERT_EQUAL(other->tuple[CT_DIR_REPLY].sport, 80);
	ctt_tcp(&k, 4, CTT_A, CTT_A, 40001, 80, CTT_SYN);    /* same reply */
	CU_ASSERT_EQUAL(bind_pkt(t, &k, NAT_ALLOC_DST, &to_c80, &other), -EADDRNOTAVAIL);

	/* Hairpin: DNAT, then SNAT on top of it. */
	ctt_tcp(&k, 4, CTT_A, CTT_B, 40002, 80, CTT_SYN);
	CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_DST, &to_c, &ct), 0);
	ct_read_lock();
	CU_ASSERT_EQUAL(nat_bind(t, ct, NAT_ALLOC_SRC, &snat, SEED), 0);
	ct_read_unlock();
	CU_ASSERT(addr_is(4, &ct->tuple[CT_DIR_REPLY].src, "203.0.113.3"));
	CU_ASSERT_EQUAL(ct->tuple[CT_DIR_REPLY].sport, 8080);
	CU_ASSERT(addr_is(4, &ct->tuple[CT_DIR_REPLY].dst, "198.51.100.9"));
	CU_ASSERT_EQUAL(ct->tuple[CT_DIR_REPLY].dport, 40002);
	CU_ASSERT_EQUAL(atomic_load(&ct->nat), CT_NAT_SRC | CT_NAT_DST);
	nat_target(ct, CT_DIR_ORIGINAL, &out);
	CU_ASSERT(addr_is(4, &out.src, "198.51.100.9"));
	CU_ASSERT(addr_is(4, &out.dst, "203.0.113.3"));
	assert_findable(t, ct);
	ct_table_destroy(t);
}

/* GRE has no ports: the address alone, and a clash is final. */
static void test_no_ports(void)
{
	struct nat_range r = range(4, "203.0.113.77", "203.0.113.77", 1, 9, true);
	struct ct_table *t = ctt_table(0);
	struct ct_entry *ct;
	struct ctt_pkt k;

	ctt_proto(&k, 4, CTT_A, CTT_B, 47);
	CU_ASSERT_EQUAL_FATAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &ct), 0);
	CU_ASSERT(addr_is(4, &ct->tuple[CT_DIR_REPLY].dst, "203.0.113.77"));
	CU_ASSERT_EQUAL(ct->tuple[CT_DIR_REPLY].sport | ct->tuple[CT_DIR_REPLY].dport, 0);
	assert_findable(t, ct);
	ctt_proto(&k, 4, CTT_C, CTT_B, 47);
	CU_ASSERT_EQUAL(bind_pkt(t, &k, NAT_ALLOC_SRC, &r, &ct), -EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(ctt_count(t), 1);
	ct_table_destroy(t);
}

/* Bad ranges and arguments are refused and change nothing. */
static void test_bad_input(void)
{
	struct nat_range good = range(4, "203.0.113.1", "203.0.113.9", 100, 200, true);
	struct nat_range bad[6];
	struct ct_table *t = ctt_table(0);
	struct ct_tuple before;
	struct ct_result res;
	struct ctt_pkt k;

	for (size_t i = 0; i < 6; i++)
		bad[i] = good;
	bad[0].family = 6;                              /* not the packet's */
	bad[1] = range(4, "203.0.113.9", "203.0.113.1", 0, 0, false);
	bad[2].min_port = 300;                          /* min > max */
	bad[3].min_addr.b[7] = 1;                       /* IPv4 with junk */
	bad[4].family = 5;
	bad[5] = range(6, "2001:db8:1::1", "2001:db8:2::1", 0, 0, false);

	ctt_udp(&k, 4, CTT_A, CTT_B, 1000, 53);
	ct_read_lock();
	ct_process(t, &k.p, CTT_AT(0), &res);
	CU_ASSERT_FATAL(res.created);
	before = res.ct->tuple[CT_DIR_REPLY];
	for (size_t i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(nat_bind(t, res.ct, NAT_ALLOC_SRC, &bad[i], SEED), -EINVAL);
	CU_ASSERT_EQUAL(nat_bind(t, res.ct, (enum nat_alloc_manip)7, &good, SEED), -EINVAL);
	CU_ASSERT_EQUAL(nat_bind(t, res.ct, NAT_ALLOC_SRC, NULL, SEED), -EINVAL);
	CU_ASSERT_EQUAL(nat_bind(NULL, res.ct, NAT_ALLOC_SRC, &good, SEED), -EINVAL);
	CU_ASSERT_EQUAL(nat_bind(t, NULL, NAT_ALLOC_SRC, &good, SEED), -EINVAL);
	CU_ASSERT(ct_tuple_equal(&res.ct->tuple[CT_DIR_REPLY], &before));
	CU_ASSERT_EQUAL(atomic_load(&res.ct->nat), 0);
	/* Bad ranges for IPv6 too: upper halves that differ (bad[5]). */
	ct_abort(t, res.ct);
	ct_read_unlock();
	CU_ASSERT_EQUAL(ctt_count(t), 0);

	ctt_udp(&k, 6, CTT_A, CTT_B, 1000, 53);
	ct_read_lock();
	ct_process(t, &k.p, CTT_AT(0), &res);
	CU_ASSERT_EQUAL(nat_bind(t, res.ct, NAT_ALLOC_SRC, &bad[5], SEED), -EINVAL);
	ct_remove(t, res.ct);
	/* A removed connection cannot be bound. */
	CU_ASSERT_EQUAL(nat_bind(t, res.ct, NAT_ALLOC_SRC,
				 &(struct nat_range){ .family = 6, .min_addr = bad[5].min_addr,
						      .max_addr = bad[5].min_addr }, SEED),
			-ENOENT);
	ct_read_unlock();
	ct_table_destroy(t);
}

static const struct unit_test alloc_tests[] = {
	{ "clients sharing a source port all bind", test_shared_source_port },
	{ "port kept when free; nat_target both ways", test_port_kept },
	{ "port taken: another of its class", test_port_taken },
	{ "range of 10 ports exhausted by 10 connections", test_range_exhausted },
	{ "port range and random", test_port_range },
	{ "address stable per client, spread over seeds", test_address_choice },
	{ "SNAT keeps a source already in range", test_address_in_range },
	{ "ICMP echo identifiers mapped like ports", test_icmp_echo },
	{ "IPv6 range and port clash", test_ipv6 },
	{ "DNAT, DNAT without ports, DNAT then SNAT", test_dnat },
	{ "protocol without ports", test_no_ports },
	{ "bad ranges and arguments", test_bad_input },
	{ NULL, NULL }
};

static const struct unit_test alloc_thread_tests[] = {
	{ "two workers binding into one range", test_two_workers },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "nat alloc", alloc_tests },
	{ "nat alloc threads", alloc_thread_tests },
	{ NULL, NULL }
};

UNIT_MAIN_WITH(suites, ct_thread_register, ct_thread_unregister)
