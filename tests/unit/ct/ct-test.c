/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers of the ct unit tests (see ct-test.h). */
#include <CUnit/CUnit.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct-test.h"
#include "internal.h"

static const uint8_t ctt_v4[3][4] = {
	{ 192, 0, 2, 1 }, { 198, 51, 100, 2 }, { 203, 0, 113, 3 },
};
static const uint8_t ctt_v6[3][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xef },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03 },
};

void ctt_addr(int family, enum ctt_host h, union pkt_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (family == 4)
		memcpy(out->b, ctt_v4[h], 4);
	else
		memcpy(out->b, ctt_v6[h], 16);
}

static void ctt_ip(struct ctt_pkt *k, int family, enum ctt_host src,
		   enum ctt_host dst, uint8_t proto)
{
	pb_init(&k->b);
	if (family == 4) {
		pb_ipv4(&k->b, proto, NULL, 0);
		memcpy(k->b.buf + 12, ctt_v4[src], 4);
		memcpy(k->b.buf + 16, ctt_v4[dst], 4);
	} else {
		pb_ipv6(&k->b, proto);
		memcpy(k->b.buf + 8, ctt_v6[src], 16);
		memcpy(k->b.buf + 24, ctt_v6[dst], 16);
	}
}

static void ctt_parse(struct ctt_pkt *k)
{
	enum pkt_error err;

	pb_finish(&k->b);
	err = pkt_parse(&k->p, k->b.buf, k->b.len, 0);
	if (err != PKT_OK) {
		fprintf(stderr, "ct-test: built packet does not parse: %s\n",
			pkt_error_name(err));
		abort();
	}
}

void ctt_udp(struct ctt_pkt *k, int family, enum ctt_host src, enum ctt_host dst,
	     uint16_t sport, uint16_t dport)
{
	ctt_ip(k, family, src, dst, IPPROTO_UDP);
	pb_udp(&k->b, sport, dport);
	pb_pattern(&k->b, 8, 1);     /* 16 bytes: may be a first fragment */
	ctt_parse(k);
}

void ctt_tcp(struct ctt_pkt *k, int family, enum ctt_host src, enum ctt_host dst,
	     uint16_t sport, uint16_t dport, uint8_t flags)
{
	ctt_ip(k, family, src, dst, IPPROTO_TCP);
	pb_tcp(&k->b, sport, dport, 1000, (flags & CTT_ACK) ? 5000 : 0, flags,
	       65535, NULL, 0);
	ctt_parse(k);
}

void ctt_icmp(struct ctt_pkt *k, int family, enum ctt_host src, enum ctt_host dst,
	      uint8_t type, uint8_t code, uint16_t id)
{
	ctt_ip(k, family, src, dst, family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	pb_icmp(&k->b, type, code, id, 7);
	pb_pattern(&k->b, 16, 3);
	ctt_parse(k);
}

void ctt_icmp_error(struct ctt_pkt *k, int family, enum ctt_host src,
		    enum ctt_host dst, uint8_t type, uint8_t code,
		    const struct ctt_pkt *q, size_t qlen)
{
	ctt_ip(k, family, src, dst, family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	pb_icmp(&k->b, type, code, 0, 0);
	pb_bytes(&k->b, q->b.buf, qlen ? qlen : q->b.len);
	ctt_parse(k);
}

void ctt_proto(struct ctt_pkt *k, int family, enum ctt_host src, enum ctt_host dst,
	       uint8_t proto)
{
	ctt_ip(k, family, src, dst, proto);
	pb_pattern(&k->b, 8, 9);
	ctt_parse(k);
}

void ctt_fragment(struct ctt_pkt *k, uint16_t offset, bool more)
{
	enum pkt_error err;

	if (k->b.family == 4) {
		pb_ipv4_frag(&k->b, 0x4242, more, offset);
	} else {
		/* Rebuild as IPv6 + fragment header + the old payload. */
		struct pb old = k->b;
		uint8_t nh = old.buf[6];

		pb_init(&k->b);
		pb_ipv6(&k->b, 44);
		memcpy(k->b.buf + 8, old.buf + 8, 32);
		pb_frag6(&k->b, nh, offset, more, 0x4242);
		pb_bytes(&k->b, old.buf + 40, old.len - 40);
		pb_put16(&k->b, 4, (uint16_t)(k->b.len - 40));
	}
	/* Lengths stay as they were built; no checksum matters here. */
	err = pkt_parse(&k->p, k->b.buf, k->b.len, 0);
	if (err != PKT_OK) {
		fprintf(stderr, "ct-test: fragment does not parse: %s\n", pkt_error_name(err));
		abort();
	}
}

struct ct_table *ctt_table(uint32_t max_entries)
{
	struct ct_settings s;
	struct ct_table *t;

	ct_settings_defaults(&s);
	if (max_entries)
		s.max_entries = max_entries;
	t = ct_table_create(&s);
	if (!t) {
		perror("ct_table_create");
		abort();
	}
	return t;
}

static enum ct_info ctt_run_flags(struct ct_table *t, struct ctt_pkt *k, uint64_t now,
				  struct ct_result *res, bool confirm)
{
	struct ct_result r;

	ct_read_lock();
	ct_process(t, &k->p, now, &r);
	if (r.created && confirm)
		CU_ASSERT_EQUAL(ct_confirm(t, r.ct, now), 0);
	ct_read_unlock();
	if (res)
		*res = r;
	return r.info;
}

enum ct_info ctt_run(struct ct_table *t, struct ctt_pkt *k, uint64_t now,
		     struct ct_result *res)
{
	return ctt_run_flags(t, k, now, res, true);
}

enum ct_info ctt_run_unconfirmed(struct ct_table *t, struct ctt_pkt *k, uint64_t now,
				 struct ct_result *res)
{
	return ctt_run_flags(t, k, now, res, false);
}

struct ct_entry *ctt_find(struct ct_table *t, const struct ctt_pkt *k, uint64_t now,
			  enum ct_dir *dir)
{
	struct ct_tuple tuple;
	struct ct_entry *ct;

	if (!ct_tuple_from_pkt(&k->p, ct_l4proto_find(k->p.family, k->p.l4proto), &tuple))
		return NULL;
	ct_read_lock();
	ct = ct_table_find(t, &tuple, now, dir);
	ct_read_unlock();
	return ct;
}

static int ctt_count_one(struct ct_table *t, struct ct_entry *ct, void *arg)
{
	(void)t;
	if (!(atomic_load(&ct->status) & CT_S_DYING))
		(*(unsigned int *)arg)++;
	return 0;
}

unsigned int ctt_count(struct ct_table *t)
{
	unsigned int n = 0;

	ct_read_lock();
	for (uint32_t b = 0; b < t->nbuckets; b++)
		ct_bucket_walk(t, b, true, ctt_count_one, &n);
	ct_read_unlock();
	return n;
}
