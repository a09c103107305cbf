/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The address half of the interface cache against the kernel, as root: in a
 * network namespace made for each test, addresses added and removed with
 * `ip addr` on a veth pair (documentation ranges only) reach the cache by
 * its dumps and notifications, the source it picks follows them (IPv6 also
 * compared with the kernel's own choice), and what goes away is reported.
 * Without root nothing can run and the program exits 77 (SKIP), never 0. */
#include "config.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <urcu.h>

#include "nfqfw/iface.h"
#include "iface-test.h"
#include "unit.h"

/* Everything reported so far in this child. */
static struct iface_addr_event ns_events[4096];
static size_t ns_nevents;

/* Reads what is pending, then the events. Returns false on an error. */
static bool ns_pump(struct iface_names *n)
{
	struct pollfd pfd = { .fd = iface_names_fd(n), .events = POLLIN };
	size_t got;

	for (int i = 0; i < 1000 && poll(&pfd, 1, 0) > 0; i++)
		if (iface_names_process(n) < 0)
			return false;
	do {
		size_t room = sizeof(ns_events) / sizeof(ns_events[0]) - ns_nevents;

		got = iface_addrs_removed(n, ns_events + ns_nevents, room < 16 ? room : 16);
		ns_nevents += got;
	} while (got == 16);
	return true;
}

/* Pumps until COND(N, ARG) holds with nothing left unread, for up to
 * SECONDS. */
static bool ns_wait(struct iface_names *n, bool (*cond)(struct iface_names *, const void *),
		    const void *arg, int seconds)
{
	struct pollfd pfd = { .fd = iface_names_fd(n), .events = POLLIN };

	for (int round = 0; round < seconds * 10; round++) {
		if (!ns_pump(n))
			return false;
		if (cond(n, arg) && poll(&pfd, 1, 0) == 0)
			return true;
		(void)poll(&pfd, 1, 100);
	}
	return false;
}

struct ns_pick {
	uint32_t ifindex;
	uint8_t family;
	const char *dst, *expected;
};

static bool ns_picks_cond(struct iface_names *n, const void *arg)
{
	const struct ns_pick *p = arg;
	union pkt_addr d, got, want;
	bool found;

	if (p->dst)
		d = addr_of(p->family, p->dst);
	if (p->expected)
		want = addr_of(p->family, p->expected);
	rcu_read_lock();
	found = iface_primary_addr(n, p->ifindex, p->family,
				   p->dst ? &d : NULL, &got);
	rcu_read_unlock();
	return p->expected ? found && memcmp(&got, &want, sizeof(got)) == 0 : !found;
}

static bool ns_wait_pick(struct iface_names *n, uint32_t ifindex, uint8_t family,
			 const char *dst, const char *expected, int seconds)
{
	struct ns_pick p = { ifindex, family, dst, expected };

	if (ns_wait(n, ns_picks_cond, &p, seconds))
		return true;
	return picks(n, ifindex, family, dst, expected);   /* says what */
}

static bool ns_seen_gone(uint32_t ifindex, uint8_t family, const char *addr)
{
	for (size_t i = 0; i < ns_nevents; i++)
		if (is_gone(&ns_events[i], ifindex, family, addr))
			return true;
	return false;
}

static bool ns_seen_link_down(uint32_t ifindex)
{
	for (size_t i = 0; i < ns_nevents; i++)
		if (ns_events[i].kind == IFACE_EVENT_LINK_DOWN && ns_events[i].ifindex == ifindex)
			return true;
	return false;
}

static struct iface_names *ns_open(void)
{
	struct iface_names *n = NULL;

	NS_CHECK(iface_names_open(&n) == 0);
	NS_CHECK(n && iface_names_fd(n) >= 0);
	return n;
}

#define NS_VETH "ip link add nfqa0 type veth peer name nfqa1 && " \
		"ip link set nfqa0 up && ip link set nfqa1 up"

/* Addresses that exist before the cache opens come from the dumps. */
static void ns_open_dumps(void)
{
	struct iface_names *n;
	uint32_t idx;

	NS_CHECK(ns_run(NS_VETH " && ip addr add 192.0.2.1/24 dev nfqa0 && "
			"ip addr add 198.51.100.1/24 dev nfqa0 && "
			"ip addr add 2001:db8:1::1/64 dev nfqa0 nodad && "
			"ip link set lo up"));
	idx = if_nametoindex("nfqa0");
	n = ns_open();
	if (!n)
		return;
	NS_CHECK(picks(n, idx, AF_INET, NULL, "192.0.2.1"));
	NS_CHECK(picks(n, idx, AF_INET, "198.51.100.20", "198.51.100.1"));
	NS_CHECK(picks(n, idx, AF_INET6, "2001:db8:1::9", "2001:db8:1::1"));
	/* lo's 127.0.0.1 and ::1 are host scope. */
	NS_CHECK(picks(n, 1, AF_INET, NULL, NULL));
	NS_CHECK(picks(n, 1, AF_INET6, NULL, NULL));
	NS_CHECK(stats_of(n).addrs >= 5);   /* and nfqa0's, nfqa1's link-locals */
	NS_CHECK(stats_of(n).publishes == 1);
	NS_CHECK(stats_of(n).malformed == 0);
	NS_CHECK(iface_addrs_removed(n, ns_events, 4) == 0);
	iface_names_close(n);
}

/* IPv4 added and removed live: the primary by subnet, the secondary
 * promoted when its primary goes (and reported), or deleted with it. */
static void ns_v4_live(void)
{
	struct iface_names *n = ns_open();
	uint32_t idx;

	if (!n)
		return;
	NS_CHECK(ns_run(NS_VETH " && sysctl -qw net.ipv4.conf.nfqa0.promote_secondaries=1"));
	idx = if_nametoindex("nfqa0");
	NS_CHECK(ns_run("ip addr add 192.0.2.1/24 dev nfqa0 && "
			"ip addr add 198.51.100.1/24 dev nfqa0 && "
			"ip addr add 192.0.2.2/24 dev nfqa0"));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET, "198.51.100.9", "198.51.100.1", 5));
	NS_CHECK(picks(n, idx, AF_INET, "192.0.2.200", "192.0.2.1"));
	NS_CHECK(picks(n, idx, AF_INET, "203.0.113.1", "192.0.2.1"));
	NS_CHECK(ns_run("ip addr del 192.0.2.1/24 dev nfqa0"));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET, "192.0.2.200", "192.0.2.2", 5));
	NS_CHECK(ns_seen_gone(idx, AF_INET, "192.0.2.1"));
	NS_CHECK(!ns_seen_gone(idx, AF_INET, "192.0.2.2"));
	/* The kernel moves the promoted one after the last primary before
	 * it (198.51.100.1), which is first now. */
	NS_CHECK(picks(n, idx, AF_INET, "203.0.113.1", "198.51.100.1"));
	/* Without promotion the secondaries go with their primary. */
	NS_CHECK(ns_run("sysctl -qw net.ipv4.conf.nfqa0.promote_secondaries=0 && "
			"ip addr add 198.51.100.2/24 dev nfqa0 && "
			"ip addr del 198.51.100.1/24 dev nfqa0"));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET, "198.51.100.9", "192.0.2.2", 5));
	NS_CHECK(ns_seen_gone(idx, AF_INET, "198.51.100.1"));
	NS_CHECK(ns_seen_gone(idx, AF_INET, "198.51.100.2"));
	NS_CHECK(ns_run("ip addr flush dev nfqa0"));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET, NULL, NULL, 5));
	NS_CHECK(ns_seen_gone(idx, AF_INET, "192.0.2.2"));
	NS_CHECK(stats_of(n).malformed == 0);
	iface_names_close(n);
}

/* The kernel's own choice of source towards DST out of nfqa0: `ip -6
 * route get` runs ipv6_dev_get_saddr(), as IPv6 masquerade does. */
static bool ns_kernel_src6(const char *dst, char out[INET6_ADDRSTRLEN])
{
	char cmd[256], line[512];
	bool ok = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip -6 route get %s oif nfqa0 2>/dev/null", dst);
	p = popen(cmd, "r");
	if (!p)
		return false;
	if (fgets(line, sizeof(line), p)) {
		const char *src = strstr(line, " src ");

		_Static_assert(INET6_ADDRSTRLEN == 46, "the width below");
		ok = src && sscanf(src + 5, "%45s", out) == 1;
	}
	pclose(p);
	return ok;
}

static bool ns_agrees6(struct iface_names *n, uint32_t idx, const char *dst)
{
	char src[INET6_ADDRSTRLEN];

	if (!ns_kernel_src6(dst, src)) {
		printf("\n  no source from the kernel towards %s\n", dst);
		return false;
	}
	return picks(n, idx, AF_INET6, dst, src);
}

/* IPv6: tentative during DAD (slowed to 2 s), then usable; a deprecated
 * address only when nothing else is left; and the kernel's choice, on a
 * few destinations. */
static void ns_v6_live(void)
{
	struct iface_names *n = ns_open();
	uint32_t idx;

	if (!n)
		return;
	NS_CHECK(ns_run(NS_VETH " && sysctl -qw net.ipv6.neigh.nfqa0.retrans_time_ms=2000"));
	idx = if_nametoindex("nfqa0");
	NS_CHECK(ns_run("ip addr add 2001:db8:1::1/64 dev nfqa0"));
	/* Its notification read (nothing left unread), it is not picked, and
	 * the kernel still calls it tentative after that. */
	NS_CHECK(ns_wait_pick(n, idx, AF_INET6, NULL, NULL, 5));
	NS_CHECK(stats_of(n).addrs >= 1);
	NS_CHECK(ns_run("ip -6 addr show dev nfqa0 tentative | grep -q 2001:db8:1::1"));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET6, NULL, "2001:db8:1::1", 10));
	NS_CHECK(ns_run("ip addr add 2001:db8:2::1/64 dev nfqa0 nodad preferred_lft 0"));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET6, "2001:db8:2::9", "2001:db8:1::1", 5));
	NS_CHECK(ns_run("ip addr del 2001:db8:1::1/64 dev nfqa0"));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET6, "2001:db8:2::9", "2001:db8:2::1", 5));
	NS_CHECK(ns_seen_gone(idx, AF_INET6, "2001:db8:1::1"));
	NS_CHECK(ns_run("ip addr add 2001:db8:3::1/64 dev nfqa0 nodad"));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET6, "2001:db8:2::9", "2001:db8:3::1", 5));
	NS_CHECK(ns_run("ip addr add 2001:db8:3::2/64 dev nfqa0 nodad && "
			"ip addr add 2001:db8:4::1/48 dev nfqa0 nodad && "
			"ip addr add 2001:db8:4:8000::1/64 dev nfqa0 nodad && "
			"ip -6 route add default dev nfqa0"));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET6, "2001:db8:4:8000::9", "2001:db8:4:8000::1", 5));
	NS_CHECK(ns_agrees6(n, idx, "2001:db8:2::9"));
	NS_CHECK(ns_agrees6(n, idx, "2001:db8:3::9"));
	NS_CHECK(ns_agrees6(n, idx, "2001:db8:4::9"));
	NS_CHECK(ns_agrees6(n, idx, "2001:db8:4:1::9"));
	NS_CHECK(ns_agrees6(n, idx, "2001:db8:4:8000::9"));
	NS_CHECK(ns_agrees6(n, idx, "2001:db8:77::1"));
	NS_CHECK(stats_of(n).malformed == 0);
	iface_names_close(n);
}

static bool ns_link_down_cond(struct iface_names *n, const void *arg)
{
	(void)n;
	return ns_seen_link_down(*(const uint32_t *)arg);
}

/* Down: an event for the interface; deleted: another, and no addresses. */
static void ns_link_down_and_gone(void)
{
	struct iface_names *n = ns_open();
	uint32_t idx;

	if (!n)
		return;
	NS_CHECK(ns_run(NS_VETH " && ip addr add 203.0.113.1/24 dev nfqa0 && "
			"ip addr add 2001:db8:5::1/64 dev nfqa0 nodad"));
	idx = if_nametoindex("nfqa0");
	NS_CHECK(ns_wait_pick(n, idx, AF_INET6, NULL, "2001:db8:5::1", 5));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET, NULL, "203.0.113.1", 5));
	NS_CHECK(!ns_seen_link_down(idx));
	NS_CHECK(ns_run("ip link set nfqa0 down"));
	NS_CHECK(ns_wait(n, ns_link_down_cond, &idx, 5));
	/* Down keeps the IPv4 address (the IPv6 one goes, by default). */
	NS_CHECK(picks(n, idx, AF_INET, NULL, "203.0.113.1"));
	ns_nevents = 0;
	NS_CHECK(ns_run("ip link del nfqa0"));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET, NULL, NULL, 5));
	NS_CHECK(picks(n, idx, AF_INET6, NULL, NULL));
	NS_CHECK(ns_wait(n, ns_link_down_cond, &idx, 5));
	NS_CHECK(ns_seen_gone(idx, AF_INET, "203.0.113.1"));
	NS_CHECK(stats_of(n).malformed == 0);
	iface_names_close(n);
}

/* Notifications lost while addresses come and go: the re-dump gets the
 * table right, and what it no longer shows is reported. The first
 * notification (the deletion) fits in the buffer, and is discarded unread
 * with the rest: the report comes from comparing the dumps. */
static void ns_lost_notifications(void)
{
	struct iface_names *n;
	uint32_t idx, peer;
	int zero = 0;

	NS_CHECK(ns_run(NS_VETH " && ip addr add 192.0.2.1/24 dev nfqa0 && "
			"ip addr add 2001:db8:9::1/64 dev nfqa0 nodad"));
	idx = if_nametoindex("nfqa0");
	peer = if_nametoindex("nfqa1");
	n = ns_open();
	if (!n)
		return;
	NS_CHECK(setsockopt(iface_names_fd(n), SOL_SOCKET, SO_RCVBUFFORCE,
			    &zero, sizeof(zero)) == 0);
	NS_CHECK(ns_run("ip addr del 192.0.2.1/24 dev nfqa0 && "
			"for i in $(seq 1 60); do "
			"ip addr add 2001:db8:a::$i/64 dev nfqa1 nodad || exit 1; done && "
			"ip addr add 198.51.100.1/24 dev nfqa0"));
	NS_CHECK(ns_wait_pick(n, idx, AF_INET, NULL, "198.51.100.1", 5));
	NS_CHECK(ns_wait_pick(n, peer, AF_INET6, "2001:db8:a::60", "2001:db8:a::60", 5));
	/* From the dump too, the newest first: a tie at /64 goes to it. */
	NS_CHECK(picks(n, peer, AF_INET6, "2001:db8:a::1", "2001:db8:a::60"));
	NS_CHECK(stats_of(n).resyncs >= 1);
	NS_CHECK(ns_seen_gone(idx, AF_INET, "192.0.2.1"));
	NS_CHECK(picks(n, idx, AF_INET6, NULL, "2001:db8:9::1"));
	NS_CHECK(!ns_seen_gone(idx, AF_INET6, "2001:db8:9::1"));
	iface_names_close(n);
}

static void test_ns_open_dumps(void) { ns_test(ns_open_dumps); }
static void test_ns_v4_live(void) { ns_test(ns_v4_live); }
static void test_ns_v6_live(void) { ns_test(ns_v6_live); }
static void test_ns_link_down(void) { ns_test(ns_link_down_and_gone); }
static void test_ns_lost(void) { ns_test(ns_lost_notifications); }

static const struct unit_test netns_tests[] = {
	{ "addresses from the dumps at open", test_ns_open_dumps },
	{ "IPv4 added, promoted, removed", test_ns_v4_live },
	{ "IPv6 tentative, deprecated, removed", test_ns_v6_live },
	{ "a link down and deleted", test_ns_link_down },
	{ "lost notifications: re-dump and its removals", test_ns_lost },
	{ NULL, NULL },
};

static const struct unit_suite all_suites[] = {
	{ "iface addrs: rtnetlink in a namespace (root)", netns_tests },
	{ NULL, NULL },
};

int main(void)
{
	const char *why = netns_unavailable();
	int rc;

	if (why) {
		printf("SKIP: test-addrs-netns: the rtnetlink namespace suite cannot run: %s\n", why);
		return 77;
	}
	rcu_register_thread();
	rc = unit_run(all_suites);
	rcu_unregister_thread();
	return rc;
}
