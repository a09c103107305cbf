/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What NAT costs: translating a packet of a bound connection (a 1448-byte
 * TCP segment, incremental checksums; and with a partial checksum, which
 * the daemon completes over the whole segment), and binding a new
 * connection in a table of 1k and 100k translated connections (the port
 * search through ct_table_set_reply()). Informational: no goal. */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfqfw/csum.h"
#include "nfqfw/ct.h"
#include "nfqfw/nat_alloc.h"
#include "nfqfw/nat_rewrite.h"
#include "nfqfw/pkt.h"

#define SEG_LEN (20 + 20 + 1448)
#define REWRITES 2000000u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A TCP SYN (or a data segment of LEN) from 192.0.2.x:port to 198.51.100.1:80. */
static size_t build_tcp(uint8_t *b, uint32_t i, size_t len, uint8_t flags)
{
	uint16_t c;

	memset(b, 0, len);
	b[0] = 0x45;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[8] = 64;
	b[9] = IPPROTO_TCP;
	b[12] = 192; b[13] = 0; b[14] = 2; b[15] = (uint8_t)(1 + i % 250);
	b[16] = 198; b[17] = 51; b[18] = 100; b[19] = 1;
	b[20] = (uint8_t)((10000 + i / 250) >> 8); b[21] = (uint8_t)(10000 + i / 250);
	b[23] = 80;
	b[32] = 0x50;
	b[33] = flags;
	b[34] = 0xff;
	c = csum_ipv4_header(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	c = csum_ipv4_l4(b + 12, b + 16, IPPROTO_TCP, b + 20, len - 20);
	b[36] = (uint8_t)(c >> 8);
	b[37] = (uint8_t)c;
	return len;
}

static void bench_rewrite(void)
{
	static uint8_t buf[SEG_LEN];
	union pkt_addr to = { .b = { 203, 0, 113, 7 } };
	struct pkt p;
	uint64_t t0, t1;

	build_tcp(buf, 1, SEG_LEN, 0x18);
	if (pkt_parse(&p, buf, SEG_LEN, 0) != PKT_OK)
		return;
	t0 = now_ns();
	for (uint32_t i = 0; i < REWRITES; i++) {
		to.b[3] = (uint8_t)i;
		nat_rewrite(buf, SEG_LEN, &p, NAT_MANIP_SRC, &to, (uint16_t)(1024 + (i & 1023)), 0);
	}
	t1 = now_ns();
	printf("rewrite a 1448-byte TCP segment (address and port, incremental): %6.1f ns\n",
	       (double)(t1 - t0) / REWRITES);
	t0 = now_ns();
	for (uint32_t i = 0; i < REWRITES / 10; i++)
		csum_ipv4_l4(buf + 12, buf + 16, IPPROTO_TCP, buf + 20, SEG_LEN - 20);
	t1 = now_ns();
	printf("  + completing a partial checksum over it:                      %6.1f ns\n",
	       (double)(t1 - t0) / (REWRITES / 10));
}

/* N connections bound to one address and the ports 1024..65535. */
static int bench_bind(uint32_t n)
{
	struct ct_settings s;
	struct ct_table *t;
	struct nat_range range = { .family = 4, .has_ports = true, .min_port = 1024,
				   .max_port = 65535 };
	uint8_t buf[40];
	uint64_t t0, t1;
	uint32_t failed = 0;

	range.min_addr.b[0] = 203; range.min_addr.b[1] = 0; range.min_addr.b[2] = 113;
	range.min_addr.b[3] = 1;
	range.max_addr = range.min_addr;
	ct_settings_defaults(&s);
	s.max_entries = n * 2;
	t = ct_table_create(&s);
	if (!t)
		return -1;
	ct_thread_register();
	t0 = now_ns();
	for (uint32_t i = 0; i < n; i++) {
		struct ct_result res;
		struct pkt p;

		build_tcp(buf, i, sizeof(buf), 0x02);
		if (pkt_parse(&p, buf, sizeof(buf), 0) != PKT_OK)
			continue;
		ct_read_lock();
		ct_process(t, &p, t0, &res);
		if (res.ct && nat_bind(t, res.ct, NAT_ALLOC_SRC, &range, 42) < 0)
			failed++;
		if (res.ct)
			ct_confirm(t, res.ct, t0);
		ct_read_unlock();
	}
	t1 = now_ns();
	printf("%7u translated connections: %6.0f ns per new connection (tracked and bound), %u refused\n",
	       n, (double)(t1 - t0) / n, failed);
	ct_thread_unregister();
	ct_table_destroy(t);
	return 0;
}

int main(void)
{
	bench_rewrite();
	if (bench_bind(1000) < 0 || bench_bind(50000) < 0)
		return 1;
	return 0;
}
