/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark of the rules engine: ns per packet of the compiled matcher with
 * 10 and with 10,000 rules (the same few realistic shapes: host or network
 * + protocol + destination port), over one fixed mix of packets. Prints the
 * median of several runs for each, the ratio (goal: at most 2), and the
 * naive linear scan's figures for contrast. Exits 1 if the ratio is above 2.
 *
 * Usage: bench-rules [runs]   (default 7) */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfqfw/rules.h"

#define BENCH_PACKETS 4096
#define BENCH_MAX_RATIO 2.0

static uint64_t bench_rng = 0x6e66716677;

static uint32_t bench_rand(uint32_t n)
{
	bench_rng ^= bench_rng >> 12;
	bench_rng ^= bench_rng << 25;
	bench_rng ^= bench_rng >> 27;
	return (uint32_t)((bench_rng * UINT64_C(2685821657736338717)) >> 32) % n;
}

/* Rule I of the generator. Shapes: established/related first; then, in
 * turn, IPv4 host + tcp + dport; IPv4 /24 + udp + dport; IPv6 /64 + tcp +
 * dport list; IPv4 source host + destination host. Values come from
 * documentation ranges, varied by I so that rules are distinct. */
static void bench_rule(uint32_t i, struct rules_rule *r)
{
	uint32_t v = i / 4;

	memset(r, 0, sizeof(*r));
	r->action = i % 3 ? RULES_ACT_ACCEPT : RULES_ACT_DROP;
	if (i == 0) {
		r->m.has = RULES_M_CT_STATE;
		r->m.ct_states = RULES_CT_BIT(CT_INFO_ESTABLISHED) | RULES_CT_BIT(CT_INFO_RELATED);
		return;
	}
	switch (i % 4) {
	case 0:
		r->m.has = RULES_M_PROTO | RULES_M_DST | RULES_M_DPORT;
		r->m.proto = IPPROTO_TCP;
		r->m.dst = (struct rules_addr_match){ .family = 4, .plen = 32 };
		r->m.dst.addr.b[0] = 203, r->m.dst.addr.b[1] = 0, r->m.dst.addr.b[2] = 113;
		r->m.dst.addr.b[3] = (uint8_t)v;
		r->m.dport.n = 1;
		r->m.dport.r[0].lo = r->m.dport.r[0].hi = (uint16_t)(1000 + v / 256);
		break;
	case 1:
		r->m.has = RULES_M_PROTO | RULES_M_SRC | RULES_M_DPORT;
		r->m.proto = IPPROTO_UDP;
		r->m.src = (struct rules_addr_match){ .family = 4, .plen = 24 };
		r->m.src.addr.b[0] = 198, r->m.src.addr.b[1] = (uint8_t)(v / 256);
		r->m.src.addr.b[2] = (uint8_t)v;
		r->m.dport.n = 1;
		r->m.dport.r[0].lo = r->m.dport.r[0].hi = 53;
		break;
	case 2:
		r->m.has = RULES_M_PROTO | RULES_M_DST | RULES_M_DPORT;
		r->m.proto = IPPROTO_TCP;
		r->m.dst = (struct rules_addr_match){ .family = 6, .plen = 64 };
		r->m.dst.addr.b[0] = 0x20, r->m.dst.addr.b[1] = 0x01;
		r->m.dst.addr.b[2] = 0x0d, r->m.dst.addr.b[3] = 0xb8;
		r->m.dst.addr.b[6] = (uint8_t)(v >> 8), r->m.dst.addr.b[7] = (uint8_t)v;
		r->m.dport.n = 2;
		r->m.dport.r[0].lo = r->m.dport.r[0].hi = 80;
		r->m.dport.r[1].lo = r->m.dport.r[1].hi = 443;
		break;
	default:
		r->m.has = RULES_M_SRC | RULES_M_DST;
		r->m.src = (struct rules_addr_match){ .family = 4, .plen = 32 };
		r->m.src.addr.b[0] = 192, r->m.src.addr.b[2] = 2;
		r->m.src.addr.b[3] = (uint8_t)v;
		r->m.dst = r->m.src;
		r->m.dst.addr.b[3] = (uint8_t)(v >> 8);
		break;
	}
}

static struct rules_set *bench_ruleset(uint32_t n)
{
	struct rules_set *rs = rules_set_new();
	struct rules_chain *c = rs ? rules_chain_add(rs, "forward", true, RULES_DROP) : NULL;
	struct rules_rule r;

	if (!c)
		goto err_free_set;
	for (uint32_t i = 0; i < n; i++) {
		bench_rule(i, &r);
		if (rules_chain_append(c, &r) < 0)
			goto err_free_set;
	}
	if (rules_compile(rs) < 0)
		goto err_free_set;
	return rs;

err_free_set:
	rules_set_free(rs);
	return NULL;
}

struct bench_pkt {
	struct pkt p;
	struct rules_packet rp;
};

/* Packets aimed at the 10,000-rule space (so some hit, most of them only
 * in the big set), new connections mostly, a few established. */
static void bench_packets(struct bench_pkt *bp)
{
	for (unsigned int i = 0; i < BENCH_PACKETS; i++) {
		struct pkt *p = &bp[i].p;
		struct rules_rule r;
		uint32_t v = bench_rand(2500);

		memset(p, 0, sizeof(*p));
		bench_rule(1 + bench_rand(9999), &r);
		p->family = r.m.dst.family == 6 ? 6 : 4;
		p->l4proto = r.m.has & RULES_M_PROTO ? r.m.proto : IPPROTO_TCP;
		p->has_l4 = true;
		p->sport = (uint16_t)(32768 + bench_rand(28000));
		p->dport = r.m.has & RULES_M_DPORT ? r.m.dport.r[bench_rand(r.m.dport.n)].lo : 22;
		if (bench_rand(4) == 0)
			p->dport++;        /* near miss */
		if (r.m.has & RULES_M_SRC)
			rules_parse_addr("192.0.2.0", &p->family, &p->saddr, &(uint8_t){ 0 }, false),
			p->saddr = r.m.src.addr, p->saddr.b[3] = (uint8_t)v;
		else
			inet_pton(AF_INET, "192.0.2.1", p->saddr.b);
		if (r.m.has & RULES_M_DST)
			p->daddr = r.m.dst.addr;
		if (p->family == 6)
			inet_pton(AF_INET6, "2001:db8::1", p->saddr.b);
		bp[i].rp = (struct rules_packet){
			.p = p, .ct = bench_rand(10) ? CT_INFO_NEW : CT_INFO_ESTABLISHED,
			.in = "lan0", .out = "wan0", .len = 60 + bench_rand(1400),
		};
	}
}

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

typedef void bench_eval_fn(const struct rules_chain *chain, const struct rules_packet *rp,
			   struct rules_result *res);

/* Median over RUNS of ns per packet, each run ITERS passes over the mix. */
static double bench_measure(const struct rules_set *rs, bench_eval_fn *eval,
			    const struct bench_pkt *bp, unsigned int runs, unsigned int iters,
			    unsigned long *accepted)
{
	const struct rules_chain *c = rules_chain_find(rs, "forward");
	double t[32];

	for (unsigned int r = 0; r < runs; r++) {
		double t0 = bench_now();

		*accepted = 0;
		for (unsigned int it = 0; it < iters; it++)
			for (unsigned int i = 0; i < BENCH_PACKETS; i++) {
				struct rules_result res;

				eval(c, &bp[i].rp, &res);
				*accepted += res.verdict == RULES_ACCEPT;
			}
		t[r] = (bench_now() - t0) / ((double)iters * BENCH_PACKETS);
		*accepted /= iters;
	}
	qsort(t, runs, sizeof(t[0]), bench_cmp);
	return t[runs / 2];
}

int main(int argc, char **argv)
{
	static struct bench_pkt bp[BENCH_PACKETS];
	unsigned int runs = argc > 1 ? (unsigned int)atoi(argv[1]) : 7;
	struct rules_set *small, *big;
	unsigned long acc_small, acc_big, acc_naive;
	double t_small, t_big, n_small, n_big, ratio;

	if (runs < 1 || runs > 31) {
		fprintf(stderr, "usage: %s [runs 1..31]\n", argv[0]);
		return 2;
	}
	small = bench_ruleset(10);
	big = bench_ruleset(10000);
	if (!small || !big) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 2;
	}
	bench_packets(bp);
	/* Warm-up pass, then the measured ones. */
	bench_measure(small, rules_eval, bp, 1, 50, &acc_small);
	t_small = bench_measure(small, rules_eval, bp, runs, 200, &acc_small);
	bench_measure(big, rules_eval, bp, 1, 50, &acc_big);
	t_big = bench_measure(big, rules_eval, bp, runs, 200, &acc_big);
	n_small = bench_measure(small, rules_eval_naive, bp, runs, 200, &acc_naive);
	n_big = bench_measure(big, rules_eval_naive, bp, 3, 1, &acc_naive);
	ratio = t_big / t_small;
	printf("packets in the mix: %d; accepted per pass: %lu of 10 rules, %lu of 10000\n",
	       BENCH_PACKETS, acc_small, acc_big);
	printf("compiled:    10 rules %8.1f ns/packet   10000 rules %8.1f ns/packet   ratio %.2f\n",
	       t_small, t_big, ratio);
	printf("naive scan:  10 rules %8.1f ns/packet   10000 rules %8.1f ns/packet   ratio %.1f\n",
	       n_small, n_big, n_big / n_small);
	printf("%s: ratio %.2f %s %.1f\n", ratio <= BENCH_MAX_RATIO ? "PASS" : "FAIL",
	       ratio, ratio <= BENCH_MAX_RATIO ? "<=" : ">", BENCH_MAX_RATIO);
	rules_set_free(small);
	rules_set_free(big);
	return ratio <= BENCH_MAX_RATIO ? 0 : 1;
}
