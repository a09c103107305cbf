/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the NAT stage (src/nat/nat.c) on real connection entries:
 * a first packet binds by the nat chain and is rewritten, later packets
 * and replies follow the binding in both directions, a failed binding
 * drops the packet and forgets the connection, and the predicates the
 * pipeline asks (still to translate after routing? an INVALID packet to
 * drop?) answer from the entry's NAT bits. */
#include "config.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <netinet/in.h>
#include <string.h>

#include "ct-test.h"
#include "nfqfw/csum.h"
#include "nfqfw/nat.h"
#include "nfqfw/rules.h"
#include "unit.h"

static struct nat_stage ns;
static struct queue_stats stats;

static struct rules_set *load_nat(const char *text)
{
	struct rules_set *rs = NULL;
	config_t cf;

	config_init(&cf);
	CU_ASSERT_FATAL(config_read_string(&cf, text) == CONFIG_TRUE);
	CU_ASSERT_EQUAL_FATAL(rules_load_all(&rs, NULL, config_lookup(&cf, "nat"), NULL,
					     "test.conf", stderr), 0);
	config_destroy(&cf);
	return rs;
}

/* Runs K through conntrack and one NAT step at HOOK with CHAIN. */
static enum nat_outcome step(struct ct_table *t, struct ctt_pkt *k, unsigned int hook,
			     const struct rules_chain *chain, struct ct_result *res)
{
	struct queue_packet qp = { .hook = (uint8_t)hook, .data = k->b.buf,
				   .len = (uint32_t)k->b.len, .wire_len = (uint32_t)k->b.len,
				   .now_ns = CTT_AT(1), .indev = 2, .outdev = 3 };
	struct nat_packet np;
	enum nat_outcome out;

	ct_read_lock();
	ct_process(t, &k->p, qp.now_ns, res);
	np = (struct nat_packet){ .buf = k->b.buf, .p = &k->p, .qp = &qp, .entry = res->ct,
				  .dir = res->dir, .info = res->info, .created = res->created,
				  .ct = t };
	if (hook == NF_INET_PRE_ROUTING || hook == NF_INET_LOCAL_OUT)
		out = nat_before_routing(&ns, chain, &np, &stats);
	else
		out = nat_after_routing(&ns, chain, &np, &stats);
	if (res->created && out != NAT_DROP)
		ct_confirm(t, res->ct, qp.now_ns);
	ct_read_unlock();
	if (out == NAT_REWRITTEN)
		CU_ASSERT_EQUAL_FATAL(pkt_parse(&k->p, k->b.buf, k->b.len, 0), PKT_OK);
	return out;
}

static void addr4(const char *s, union pkt_addr *a)
{
	memset(a, 0, sizeof(*a));
	CU_ASSERT_FATAL(inet_pton(AF_INET, s, a->b) == 1);
}

/* DNAT: the first packet binds and goes to the server; the server's
 * answer is turned back into what the client expects. */
static void test_dnat_both_directions(void)
{
	struct rules_set *rs = load_nat("nat: { prerouting: { rules = ( { proto = \"tcp\"; "
					"dport = \"80\"; action = \"dnat\"; to = \"192.0.2.99:8080\"; } ); }; };");
	const struct rules_chain *pre = rules_chain_find_in(rs, RULES_TABLE_NAT, "prerouting");
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt k, r;
	struct ct_result res;
	union pkt_addr server, a_addr, b_addr;

	addr4("192.0.2.99", &server);
	ctt_addr(4, CTT_A, &a_addr);
	ctt_addr(4, CTT_B, &b_addr);
	ctt_tcp(&k, 4, CTT_A, CTT_B, 40000, 80, CTT_SYN);
	CU_ASSERT_EQUAL(step(t, &k, NF_INET_PRE_ROUTING, pre, &res), NAT_REWRITTEN);
	CU_ASSERT_EQUAL(memcmp(k.p.daddr.b, server.b, 4), 0);
	CU_ASSERT_EQUAL(k.p.dport, 8080);
	CU_ASSERT_EQUAL(k.p.sport, 40000);
	CU_ASSERT_EQUAL(csum_l4_verify(&k.p), 0);
	CU_ASSERT_TRUE(atomic_load(&res.ct->nat) & CT_NAT_DST);
	CU_ASSERT_EQUAL(res.ct->tuple[CT_DIR_REPLY].sport, 8080);
	CU_ASSERT_FALSE(nat_pending_after_routing(res.ct, CT_DIR_ORIGINAL, false));
	CU_ASSERT_TRUE(nat_pending_after_routing(res.ct, CT_DIR_REPLY, false));
	CU_ASSERT_EQUAL(stat_read(&stats.nat_bound), 1);

	/* The server answers from 192.0.2.99:8080; after routing its source
	 * becomes what the client asked for. */
	ctt_tcp(&r, 4, CTT_B, CTT_A, 8080, 40000, CTT_SYN | CTT_ACK);
	memcpy(r.b.buf + 12, server.b, 4);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&r.p, r.b.buf, r.b.len, 0), PKT_OK);
	{
		/* fix the checksum for the new source, as the server would */
		uint16_t c;

		r.b.buf[r.p.l4_off + 16] = r.b.buf[r.p.l4_off + 17] = 0;
		c = csum_ipv4_l4(r.b.buf + 12, r.b.buf + 16, IPPROTO_TCP, r.b.buf + r.p.l4_off,
				 r.b.len - r.p.l4_off);
		r.b.buf[r.p.l4_off + 16] = (uint8_t)(c >> 8);
		r.b.buf[r.p.l4_off + 17] = (uint8_t)c;
		memcpy(r.b.buf + 10, (uint8_t[2]){ 0, 0 }, 2);
		c = csum_ipv4_header(r.b.buf, 20);
		r.b.buf[10] = (uint8_t)(c >> 8);
		r.b.buf[11] = (uint8_t)c;
	}
	CU_ASSERT_EQUAL(step(t, &r, NF_INET_PRE_ROUTING, pre, &res), NAT_UNCHANGED);
	CU_ASSERT_EQUAL(res.dir, CT_DIR_REPLY);
	CU_ASSERT_EQUAL(step(t, &r, NF_INET_POST_ROUTING, NULL, &res), NAT_REWRITTEN);
	CU_ASSERT_EQUAL(memcmp(r.p.saddr.b, b_addr.b, 4), 0);
	CU_ASSERT_EQUAL(r.p.sport, 80);
	CU_ASSERT_EQUAL(memcmp(r.p.daddr.b, a_addr.b, 4), 0);
	CU_ASSERT_EQUAL(csum_l4_verify(&r.p), 0);
	CU_ASSERT_TRUE(csum_ipv4_header_ok(r.b.buf, 20));
	rules_set_free(rs);
	ct_table_destroy(t);
}

/* A range of one port: the second connection finds none free, is
 * dropped, counted, and leaves no entry to go out untranslated later. */
static void test_exhausted_forgets(void)
{
	struct rules_set *rs = load_nat("nat: { postrouting: { rules = ( { proto = \"tcp\"; "
					"action = \"snat\"; to = \"198.51.100.1:5000\"; } ); }; };");
	const struct rules_chain *post = rules_chain_find_in(rs, RULES_TABLE_NAT, "postrouting");
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt k1, k2;
	struct ct_result res;
	enum ct_dir dir;
	uint64_t exhausted = stat_read(&stats.nat_exhausted);

	ctt_tcp(&k1, 4, CTT_A, CTT_B, 1000, 80, CTT_SYN);
	ctt_tcp(&k2, 4, CTT_A, CTT_B, 1001, 80, CTT_SYN);
	CU_ASSERT_EQUAL(step(t, &k1, NF_INET_POST_ROUTING, post, &res), NAT_REWRITTEN);
	CU_ASSERT_EQUAL(k1.p.sport, 5000);
	CU_ASSERT_EQUAL(step(t, &k2, NF_INET_POST_ROUTING, post, &res), NAT_DROP);
	CU_ASSERT_EQUAL(stat_read(&stats.nat_exhausted), exhausted + 1);
	ctt_tcp(&k1, 4, CTT_A, CTT_B, 1000, 80, CTT_SYN);   /* as it arrived */
	ct_read_lock();
	CU_ASSERT_PTR_NULL(ctt_find(t, &k2, CTT_AT(1), &dir));
	CU_ASSERT_PTR_NOT_NULL(ctt_find(t, &k1, CTT_AT(1), &dir));
	ct_read_unlock();
	rules_set_free(rs);
	ct_table_destroy(t);
}

/* No rule matches: the connection is asked once (done bit), not bound,
 * and nothing is pending after routing. */
static void test_no_binding(void)
{
	struct rules_set *rs = load_nat("nat: { postrouting: { rules = ( { proto = \"udp\"; "
					"action = \"snat\"; to = \"198.51.100.1\"; } ); }; };");
	const struct rules_chain *post = rules_chain_find_in(rs, RULES_TABLE_NAT, "postrouting");
	struct ct_table *t = ctt_table(0);
	struct ctt_pkt k;
	struct ct_result res;

	ctt_tcp(&k, 4, CTT_A, CTT_B, 1000, 80, CTT_SYN);
	CU_ASSERT_EQUAL(step(t, &k, NF_INET_POST_ROUTING, post, &res), NAT_UNCHANGED);
	CU_ASSERT_EQUAL(atomic_load(&res.ct->nat), CT_NAT_SRC_DONE);
	CU_ASSERT_FALSE(nat_pending_after_routing(res.ct, CT_DIR_ORIGINAL, true));
	CU_ASSERT_FALSE(nat_must_drop_invalid(res.ct));
	rules_set_free(rs);
	ct_table_destroy(t);
}

static void test_predicates(void)
{
	struct ct_entry e;

	memset(&e, 0, sizeof(e));
	CU_ASSERT_FALSE(nat_pending_after_routing(NULL, CT_DIR_ORIGINAL, true));
	CU_ASSERT_TRUE(nat_pending_after_routing(&e, CT_DIR_ORIGINAL, true));  /* to ask */
	CU_ASSERT_FALSE(nat_pending_after_routing(&e, CT_DIR_REPLY, true));
	CU_ASSERT_FALSE(nat_pending_after_routing(&e, CT_DIR_ORIGINAL, false));
	atomic_store(&e.nat, CT_NAT_SRC | CT_NAT_SRC_DONE);
	CU_ASSERT_TRUE(nat_pending_after_routing(&e, CT_DIR_ORIGINAL, false));
	CU_ASSERT_FALSE(nat_pending_after_routing(&e, CT_DIR_REPLY, true));
	CU_ASSERT_TRUE(nat_must_drop_invalid(&e));
	atomic_store(&e.nat, CT_NAT_DST | CT_NAT_DST_DONE);
	CU_ASSERT_TRUE(nat_pending_after_routing(&e, CT_DIR_REPLY, false));
	CU_ASSERT_TRUE(nat_must_drop_invalid(&e));
	atomic_store(&e.nat, CT_NAT_SRC_DONE | CT_NAT_DST_DONE);
	CU_ASSERT_FALSE(nat_must_drop_invalid(&e));
	CU_ASSERT_FALSE(nat_must_drop_invalid(NULL));
}

static void setup(void)
{
	ct_thread_register();
	nat_init(&ns, NULL);
}

static void teardown(void)
{
	ct_thread_unregister();
}

static const struct unit_test nat_tests[] = {
	{ "dnat, both directions", test_dnat_both_directions },
	{ "exhausted range: dropped and forgotten", test_exhausted_forgets },
	{ "no rule, no binding", test_no_binding },
	{ "pending and invalid predicates", test_predicates },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "nat stage", nat_tests },
	{ NULL, NULL },
};

UNIT_MAIN_WITH(suites, setup, teardown)
