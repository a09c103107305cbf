/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sends real rejects through the kernel, in a network namespace of the
 * test's own (unshare(CLONE_NEWNET): needs root; without it the program
 * prints SKIP and exits 77). One veth pair: replies leave on rj0, with
 * static neighbour entries pointing at rj1, where an AF_PACKET socket
 * captures them. Checks that resets go out exactly as built, with a source
 * that is not ours (IPv4 and IPv6), that ICMP errors get our address and
 * a valid checksum from the kernel, that every reply carries the mark (an
 * nftables counter), and the counters of the sender. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "nfqfw/csum.h"
#include "nfqfw/pkt.h"
#include "nfqfw/reject.h"
#include "pktbuild.h"
#include "reject-test.h"
#include "unit.h"

#define MARK 0x1234u

static const uint8_t gw4[4] = { 192, 0, 2, 254 };
static const uint8_t gw6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xfe };
static const uint8_t ll6[16] = { 0xfe, 0x80, [15] = 0x99 };

static struct reject_sender sender;
static int capture_fd = -1;
static unsigned int rj0_index;

static const char *const setup_cmds[] = {
	"ip link set lo up",
	"sysctl -q -w net.ipv6.conf.default.accept_dad=0",
	"ip link add rj0 address 02:00:00:00:00:01 type veth peer name rj1 "
	"address 02:00:00:00:00:02",
	"ip link set rj0 up",
	"ip link set rj1 up",
	"ip addr add 192.0.2.254/24 dev rj0",
	"ip -6 addr add 2001:db8::fe/64 dev rj0 nodad",
	"ip neigh add 192.0.2.1 lladdr 02:00:00:00:00:02 dev rj0",
	"ip -6 neigh add 2001:db8::1 lladdr 02:00:00:00:00:02 dev rj0",
	"ip -6 neigh add fe80::99 lladdr 02:00:00:00:00:02 dev rj0",
	"nft add table inet rjtest",
	"nft add chain inet rjtest out '{ type filter hook output priority 0; }'",
	"nft add rule inet rjtest out meta mark 0x1234 counter",
	NULL,
};

/* 0, or why the namespace could not be made (then the test skips). */
static const char *lab_setup(void)
{
	char cmd[256];

	if (geteuid() != 0)
		return "needs root for a network namespace";
	if (unshare(CLONE_NEWNET) < 0)
		return "unshare(CLONE_NEWNET) failed";
	if (system("ip -V >/dev/null 2>&1") != 0 || system("nft -v >/dev/null 2>&1") != 0)
		return "needs ip (iproute2) and nft";
	for (const char *const *c = setup_cmds; *c; c++) {
		snprintf(cmd, sizeof(cmd), "%s >/dev/null", *c);
		if (system(cmd) != 0) {
			fprintf(stderr, "set-up failed: %s\n", *c);
			return "namespace set-up failed";
		}
	}
	rj0_index = if_nametoindex("rj0");
	return NULL;
}

static int capture_open(void)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)if_nametoindex("rj1"),
	};
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int suite_init(void)
{
	capture_fd = capture_open();
	return capture_fd < 0;
}

static int suite_clean(void)
{
	if (capture_fd >= 0)
		close(capture_fd);
	reject_sender_close(&sender);
	return 0;
}

/* Waits up to 2 s for a frame on rj1 of FAMILY and PROTO (the IP header's,
 * no extension headers) to DST; copies it into BUF. Returns its length, 0
 * on time-out. Other frames (neighbour discovery, MLD) are passed over. */
static size_t capture(int family, uint8_t proto, const uint8_t *dst,
		      uint8_t *buf, size_t size)
{
	struct pollfd pfd = { .fd = capture_fd, .events = POLLIN };

	for (int tries = 0; tries < 100; tries++) {
		ssize_t n;

		if (poll(&pfd, 1, 2000) <= 0)
			return 0;
		n = recv(capture_fd, buf, size, 0);
		if (n < 20)
			continue;
		if (family == 4 && buf[0] >> 4 == 4 && buf[9] == proto &&
		    memcmp(buf + 16, dst, 4) == 0)
			return (size_t)n;
		if (family == 6 && n >= 40 && buf[0] >> 4 == 6 && buf[6] == proto &&
		    memcmp(buf + 24, dst, 16) == 0)
			return (size_t)n;
	}
	return 0;
}

static uint64_t load(_Atomic uint64_t *c)
{
	return atomic_load(c);
}

static void test_open(void)
{
	int fds[4], fl;
	uint32_t mark;
	socklen_t len;

	CU_ASSERT_EQUAL_FATAL(reject_sender_open(&sender, MARK), 0);
	fds[0] = sender.fd_raw4;
	fds[1] = sender.fd_raw6;
	fds[2] = sender.fd_icmp4;
	fds[3] = sender.fd_icmp6;
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_FATAL(fds[i] >= 0);
		len = sizeof(mark);
		CU_ASSERT_EQUAL(getsockopt(fds[i], SOL_SOCKET, SO_MARK, &mark, &len), 0);
		CU_ASSERT_EQUAL(mark, MARK);
		fl = fcntl(fds[i], F_GETFL);
		CU_ASSERT(fl >= 0 && (fl & O_NONBLOCK));
	}
}

/* The daemon opens the sender, then drops every capability but
 * CAP_NET_ADMIN: from here on this process holds no CAP_NET_RAW either,
 * so the sends below prove that an open raw socket needs none. */
static void test_drop_net_raw(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int fd;

	CU_ASSERT_EQUAL_FATAL(syscall(SYS_capget, &hdr, data), 0);
	data[CAP_NET_RAW / 32].effective &= ~(1u << (CAP_NET_RAW % 32));
	data[CAP_NET_RAW / 32].permitted &= ~(1u << (CAP_NET_RAW % 32));
	CU_ASSERT_EQUAL_FATAL(syscall(SYS_capset, &hdr, data), 0);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT_EQUAL(errno, EPERM);
	if (fd >= 0)
		close(fd);
}

static void tcp_syn(struct pb *b, int family, uint32_t seq)
{
	pb_init(b);
	if (family == 4)
		pb_ipv4(b, IPPROTO_TCP, NULL, 0);
	else
		pb_ipv6(b, IPPROTO_TCP);
	pb_tcp(b, 40000, 80, seq, 0, 0x02, 512, NULL, 0);
	pb_finish(b);
}

static void udp_dgram(struct pb *b, int family)
{
	pb_init(b);
	if (family == 4)
		pb_ipv4(b, IPPROTO_UDP, NULL, 0);
	else
		pb_ipv6(b, IPPROTO_UDP);
	pb_udp(b, 5353, 53);
	pb_pattern(b, 20, 4);
	pb_finish(b);
}

/* Sends a reset to P and captures it: it must be what reject_build()
 * made, byte for byte (IPv4: but for the id and header checksum the
 * kernel fills in), with the original destination, not ours, as source. */
static void reset_roundtrip(const struct pkt *p, const struct reject_origin *o)
{
	struct reject_reply r;
	uint8_t buf[2048];
	struct pkt cp;
	uint64_t before = load(&sender.sent_resets);
	size_t n;

	CU_ASSERT_EQUAL_FATAL(reject_build(p, RULES_REJECT_TCP_RESET, o, &r), REJECT_OK);
	CU_ASSERT_EQUAL_FATAL(reject_send(&sender, p, RULES_REJECT_TCP_RESET, o), 0);
	CU_ASSERT_EQUAL(load(&sender.sent_resets), before + 1);
	n = capture(p->family, IPPROTO_TCP, p->saddr.b, buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(n, r.len);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&cp, buf, n, 0), PKT_OK);
	CU_ASSERT_EQUAL(memcmp(cp.saddr.b, p->daddr.b, p->family == 4 ? 4 : 16), 0);
	CU_ASSERT_EQUAL(csum_l4_verify(&cp), 0);
	CU_ASSERT_EQUAL(cp.tcp.flags, 0x14);
	CU_ASSERT_EQUAL(cp.tcp.ack, p->tcp.seq + 1);
	if (p->family == 4) {
		CU_ASSERT_TRUE(csum_ipv4_header_ok(buf, 20));
		CU_ASSERT_EQUAL(memcmp(buf, r.bytes, 4), 0);
		CU_ASSERT_EQUAL(memcmp(buf + 6, r.bytes + 6, 4), 0);
		CU_ASSERT_EQUAL(memcmp(buf + 12, r.bytes + 12, n - 12), 0);
	} else {
		CU_ASSERT_EQUAL(memcmp(buf, r.bytes, n), 0);
	}
}

static void test_reset4_foreign_source(void)
{
	struct pb b;
	struct pkt p;

	tcp_syn(&b, 4, 1000);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, b.buf, b.len, 0), PKT_OK);
	reset_roundtrip(&p, NULL);
}

static void test_reset6_foreign_source(void)
{
	struct pb b;
	struct pkt p;

	tcp_syn(&b, 6, 2000);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, b.buf, b.len, 0), PKT_OK);
	reset_roundtrip(&p, NULL);
}

/* A link-local destination goes out on the origin's interface. */
static void test_reset6_link_local(void)
{
	struct reject_origin o = { .ifindex = rj0_index };
	struct pb b;
	struct pkt p;

	tcp_syn(&b, 6, 3000);
	pb_readdress(&b, ll6, pb_dst6);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, b.buf, b.len, 0), PKT_OK);
	reset_roundtrip(&p, &o);
}

/* The kernel builds the IP header: our address as source, TTL 64, and
 * for ICMPv6 the checksum. The message is ours otherwise. */
static void unreach_roundtrip(int family, enum rules_reject how, uint8_t type,
			      uint8_t code)
{
	struct pb b;
	struct pkt p, cp;
	struct reject_reply r;
	uint8_t buf[2048];
	uint64_t before = load(&sender.sent_icmp);
	size_t n, hl = family == 4 ? 20 : 40;

	udp_dgram(&b, family);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, b.buf, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL_FATAL(reject_build(&p, how, NULL, &r), REJECT_OK);
	CU_ASSERT_EQUAL_FATAL(reject_send(&sender, &p, how, NULL), 0);
	CU_ASSERT_EQUAL(load(&sender.sent_icmp), before + 1);
	n = capture(family, family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, p.saddr.b,
		    buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(n, hl + r.len);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&cp, buf, n, 0), PKT_OK);
	CU_ASSERT_EQUAL(memcmp(cp.saddr.b, family == 4 ? gw4 : gw6, family == 4 ? 4 : 16), 0);
	CU_ASSERT_EQUAL(cp.ttl, 64);
	CU_ASSERT_EQUAL(cp.icmp.type, type);
	CU_ASSERT_EQUAL(cp.icmp.code, code);
	CU_ASSERT_EQUAL(csum_l4_verify(&cp), 0);
	CU_ASSERT_EQUAL(memcmp(buf + hl + 4, r.bytes + 4, r.len - 4), 0);
	CU_ASSERT_EQUAL(memcmp(buf + hl + 8, b.buf, b.len), 0);
}

static void test_unreach4(void)
{
	unreach_roundtrip(4, RULES_REJECT_PORT_UNREACH, 3, 3);
}

static void test_unreach6(void)
{
	unreach_roundtrip(6, RULES_REJECT_ADMIN_PROHIBITED, 1, 1);
}

static void test_skip_counted(void)
{
	struct pb b;
	struct pkt p;
	uint64_t before = load(&sender.skipped[REJECT_SKIP_RST]);

	pb_init(&b);
	pb_ipv4(&b, IPPROTO_TCP, NULL, 0);
	pb_tcp(&b, 1, 2, 3, 4, 0x04, 0, NULL, 0);
	pb_finish(&b);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, b.buf, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(reject_send(&sender, &p, RULES_REJECT_TCP_RESET, NULL), -ENOMSG);
	CU_ASSERT_EQUAL(load(&sender.skipped[REJECT_SKIP_RST]), before + 1);
}

/* No route back: the send fails, is counted, and its errno kept. */
static void test_send_error(void)
{
	static const uint8_t nowhere[4] = { 203, 0, 113, 7 };
	struct pb b;
	struct pkt p;
	uint64_t before = load(&sender.send_errors);

	tcp_syn(&b, 4, 1);
	pb_readdress(&b, nowhere, pb_dst4);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, b.buf, b.len, 0), PKT_OK);
	CU_ASSERT_EQUAL(reject_send(&sender, &p, RULES_REJECT_TCP_RESET, NULL), -ENETUNREACH);
	CU_ASSERT_EQUAL(load(&sender.send_errors), before + 1);
	CU_ASSERT_EQUAL(atomic_load(&sender.last_error), ENETUNREACH);
}

/* Three errors within far less than a second at one a second: the
 * window changes at most once, so at least one is refused. */
static void test_rate_limit(void)
{
	struct pb b;
	struct pkt p;
	uint64_t before = load(&sender.skipped[REJECT_SKIP_RATE_LIMIT]);
	int sent = 0;

	sender.icmp_limit.per_sec = 1;
	atomic_store(&sender.icmp_limit.window, 0);   /* forget earlier sends */
	udp_dgram(&b, 4);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, b.buf, b.len, 0), PKT_OK);
	for (int i = 0; i < 3; i++)
		sent += reject_send(&sender, &p, RULES_REJECT_PORT_UNREACH, NULL) == 0;
	CU_ASSERT(sent >= 1 && sent <= 2);
	CU_ASSERT_EQUAL(load(&sender.skipped[REJECT_SKIP_RATE_LIMIT]), before + (uint64_t)(3 - sent));
	sender.icmp_limit.per_sec = REJECT_ICMP_PER_SEC;
	/* Resets are not limited (nf_send_reset() is not either). */
	sender.icmp_limit.per_sec = 1;
	tcp_syn(&b, 4, 9);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, b.buf, b.len, 0), PKT_OK);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(reject_send(&sender, &p, RULES_REJECT_TCP_RESET, NULL), 0);
	sender.icmp_limit.per_sec = REJECT_ICMP_PER_SEC;
}

/* Every reply that left counted in the output hook's "meta mark" rule. */
static void test_mark(void)
{
	FILE *f = popen("nft list chain inet rjtest out", "r");
	char line[512];
	unsigned long long packets = 0;
	bool found = false;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		const char *c = strstr(line, "counter packets ");

		if (c && strstr(line, "meta mark"))
			found = sscanf(c, "counter packets %llu", &packets) == 1;
	}
	pclose(f);
	CU_ASSERT_TRUE(found);
	CU_ASSERT_EQUAL(packets, load(&sender.sent_resets) + load(&sender.sent_icmp));
	CU_ASSERT(packets >= 7);
}

static void test_close(void)
{
	reject_sender_close(&sender);
	CU_ASSERT_EQUAL(sender.fd_raw4, -1);
	CU_ASSERT_EQUAL(sender.fd_raw6, -1);
	CU_ASSERT_EQUAL(sender.fd_icmp4, -1);
	CU_ASSERT_EQUAL(sender.fd_icmp6, -1);
	reject_sender_close(&sender);         /* twice is harmless */
}

static const struct unit_test send_tests[] = {
	{ "open: four marked non-blocking sockets", test_open },
	{ "CAP_NET_RAW dropped after opening", test_drop_net_raw },
	{ "IPv4 reset with a foreign source", test_reset4_foreign_source },
	{ "IPv6 reset with a foreign source", test_reset6_foreign_source },
	{ "IPv6 reset to a link-local address", test_reset6_link_local },
	{ "ICMP port unreachable", test_unreach4 },
	{ "ICMPv6 admin prohibited", test_unreach6 },
	{ "skipped reply counted", test_skip_counted },
	{ "send error counted", test_send_error },
	{ "ICMP rate limit, resets unlimited", test_rate_limit },
	{ "every reply marked", test_mark },
	{ "close", test_close },
	{ NULL, NULL },
};

int main(void)
{
	const char *why = lab_setup();
	unsigned int failures;
	CU_pSuite s;

	if (why) {
		printf("SKIP: test-send: %s\n", why);
		return 77;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("reject_send", suite_init, suite_clean);
	if (!s)
		return 2;
	for (const struct unit_test *t = send_tests; t->name; t++)
		if (!CU_add_test(s, t->name, t->fn))
			return 2;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
		   CU_get_number_of_suites_failed();
	if (CU_get_number_of_tests_run() == 0)
		failures = 1;
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
