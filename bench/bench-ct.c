/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection tracking cost per packet of a known flow, with 1k, 100k and 1M
 * flows in the table, and the table's memory per entry. Packets are parsed
 * beforehand: only ct_process() is timed, in a random order over all flows
 * (the cache-hostile case a busy gateway sees). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfqfw/ct.h"
#include "nfqfw/pkt.h"

#define PKT_LEN 28   /* IPv4 + UDP, no payload */
#define LOOKUPS 2000000u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Flow I: 198.51.100.x:port -> 203.0.113.y:53, all distinct. */
static void build_udp(uint8_t *b, uint32_t i)
{
	memset(b, 0, PKT_LEN);
	b[0] = 0x45;
	b[3] = PKT_LEN;
	b[8] = 64;
	b[9] = IPPROTO_UDP;
	b[12] = 198; b[13] = 51; b[14] = 100; b[15] = (uint8_t)(i >> 16);
	b[16] = 203; b[17] = 0; b[18] = 113; b[19] = (uint8_t)(i >> 24);
	b[20] = (uint8_t)(i >> 8); b[21] = (uint8_t)i;     /* source port */
	b[22] = 0; b[23] = 53;                              /* dest port */
	b[25] = 8;                                          /* UDP length */
}

static int bench(uint32_t flows)
{
	struct ct_settings s;
	struct ct_table *t;
	struct ct_stats st;
	struct pkt *pkts = calloc(flows, sizeof(*pkts));
	uint8_t *bufs = calloc(flows, PKT_LEN);
	uint32_t *order = calloc(LOOKUPS, sizeof(*order));
	uint64_t start, now = now_ns(), rng = 0x9e3779b97f4a7c15ull;
	struct ct_result res;

	ct_settings_defaults(&s);
	s.max_entries = flows * 2;
	t = ct_table_create(&s);
	if (!t || !pkts || !bufs || !order)
		return 1;
	ct_read_lock();
	for (uint32_t i = 0; i < flows; i++) {
		build_udp(bufs + (size_t)i * PKT_LEN, i);
		if (pkt_parse(&pkts[i], bufs + (size_t)i * PKT_LEN, PKT_LEN, 0) != PKT_OK)
			return 1;
		ct_process(t, &pkts[i], now, &res);
		if (res.created)
			ct_confirm(t, res.ct, now);
	}
	for (uint32_t i = 0; i < LOOKUPS; i++) {
		rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
		order[i] = (uint32_t)(rng % flows);
	}
	start = now_ns();
	for (uint32_t i = 0; i < LOOKUPS; i++)
		ct_process(t, &pkts[order[i]], now, &res);
	start = now_ns() - start;
	ct_read_unlock();
	ct_table_stats(t, &st);
	printf("%8u flows: %7.1f ns/packet (known flow, random order), %zu bytes/entry, %llu KiB\n",
	       flows, (double)start / LOOKUPS, st.entry_size,
	       (unsigned long long)(st.count * st.entry_size / 1024));
	ct_table_destroy(t);
	free(pkts);
	free(bufs);
	free(order);
	return res.info == CT_INFO_NEW || res.info == CT_INFO_ESTABLISHED ? 0 : 1;
}

int main(void)
{
	int rc = 0;

	ct_thread_register();
	rc |= bench(1000);
	rc |= bench(100000);
	rc |= bench(1000000);
	ct_thread_unregister();
	return rc;
}
