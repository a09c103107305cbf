/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The address half of the interface cache: address messages built by hand
 * (libmnl) applied to a cache without a socket, good and malformed, each in
 * a heap buffer of exactly its size; the source address masquerade gets
 * (IPv4 primary and subnet, IPv6 flags, scope and prefix); the bounds; the
 * removal events; readers racing the writer. test-addrs-netns.c has the
 * same against the kernel. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <urcu.h>

#include "nfqfw/iface.h"
#include "iface-test.h"
#include "unit.h"

/* ---- helpers ------------------------------------------------------------ */

/* RTM_NEWADDR/RTM_DELADDR of a plain IPv4 address (IFA_LOCAL = IFA_ADDRESS)
 * or IPv6 one (IFA_ADDRESS only), universe scope. */
static int v4(struct iface_names *n, uint16_t type, uint32_t ifindex, const char *addr,
	      uint8_t prefixlen, uint32_t flags)
{
	struct addr_spec sp = {
		.type = type, .family = AF_INET, .ifindex = ifindex, .local = addr,
		.peer = addr, .prefixlen = prefixlen, .flags = flags,
	};

	return apply_spec(n, &sp);
}

static int v6(struct iface_names *n, uint16_t type, uint32_t ifindex, const char *addr,
	      uint8_t prefixlen, uint32_t flags)
{
	struct addr_spec sp = {
		.type = type, .family = AF_INET6, .ifindex = ifindex, .peer = addr,
		.prefixlen = prefixlen, .flags = flags,
	};

	return apply_spec(n, &sp);
}

static int link_msg(struct iface_names *n, uint16_t type, int ifindex, const char *name,
		    bool up)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = up ? IFF_UP | IFF_RUNNING : 0;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return apply_msg(n, nlh);
}

static size_t take_events(struct iface_names *n, struct iface_addr_event *out, size_t max)
{
	return iface_addrs_removed(n, out, max);
}

/* ---- IPv4 --------------------------------------------------------------- */

static void test_v4_basic(void)
{
	struct iface_names *n = new_cache();
	struct iface_stats st;

	CU_ASSERT(picks(n, 2, AF_INET, NULL, NULL));
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.1", 24, IFA_F_PERMANENT), 1);
	/* Not visible before it is published. */
	CU_ASSERT(picks(n, 2, AF_INET, NULL, NULL));
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET, NULL, "192.0.2.1"));
	CU_ASSERT(picks(n, 2, AF_INET, "203.0.113.7", "192.0.2.1"));
	/* Another interface, family, or none at all. */
	CU_ASSERT(picks(n, 1, AF_INET, NULL, NULL));
	CU_ASSERT(picks(n, 3, AF_INET, NULL, NULL));
	CU_ASSERT(picks(n, 0, AF_INET, NULL, NULL));
	CU_ASSERT(picks(n, UINT32_MAX, AF_INET, NULL, NULL));
	CU_ASSERT(picks(n, 2, AF_INET6, NULL, NULL));
	rcu_read_lock();
	CU_ASSERT_FALSE(iface_primary_addr(n, 2, AF_UNSPEC, NULL, &(union pkt_addr){ 0 }));
	CU_ASSERT_FALSE(iface_primary_addr(n, 2, AF_PACKET, NULL, &(union pkt_addr){ 0 }));
	rcu_read_unlock();
	/* The same again changes nothing, and publishes nothing. */
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.1", 24, IFA_F_PERMANENT), 0);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	st = stats_of(n);
	CU_ASSERT_EQUAL(st.addrs, 1);
	CU_ASSERT_EQUAL(st.updates, 1);
	CU_ASSERT_EQUAL(st.ignored, 1);
	CU_ASSERT_EQUAL(st.publishes, 1);
	CU_ASSERT_EQUAL(st.malformed, 0);
	iface_names_close(n);
}

/* A secondary address (same subnet as a primary) is never the source; when
 * the primary goes, the kernel promotes a secondary (RTM_NEWADDR with the
 * flag cleared) or deletes them all. */
static void test_v4_secondary(void)
{
	struct iface_names *n = new_cache();

	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.2", 24, IFA_F_PERMANENT | IFA_F_SECONDARY), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET, "192.0.2.99", NULL));
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.1", 24, IFA_F_PERMANENT), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET, "192.0.2.99", "192.0.2.1"));
	CU_ASSERT(picks(n, 2, AF_INET, NULL, "192.0.2.1"));
	/* Promotion: the primary goes, the secondary loses its flag. */
	CU_ASSERT_EQUAL(v4(n, RTM_DELADDR, 2, "192.0.2.1", 24, IFA_F_PERMANENT), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.2", 24, IFA_F_PERMANENT), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET, NULL, "192.0.2.2"));
	CU_ASSERT_EQUAL(stats_of(n).addrs, 1);
	iface_names_close(n);
}

/* inet_select_addr(): the primary whose subnet holds the destination (the
 * next hop), else the first primary in the kernel's order. */
static void test_v4_by_destination(void)
{
	struct iface_names *n = new_cache();

	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.1", 24, 0), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "198.51.100.1", 24, 0), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "203.0.113.1", 28, 0), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 3, "203.0.113.33", 28, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET, "198.51.100.77", "198.51.100.1"));
	CU_ASSERT(picks(n, 2, AF_INET, "203.0.113.14", "203.0.113.1"));
	CU_ASSERT(picks(n, 2, AF_INET, "203.0.113.16", "192.0.2.1"));   /* past the /28 */
	CU_ASSERT(picks(n, 2, AF_INET, "192.0.2.255", "192.0.2.1"));
	CU_ASSERT(picks(n, 2, AF_INET, NULL, "192.0.2.1"));
	/* Only the interface's own addresses count. */
	CU_ASSERT(picks(n, 2, AF_INET, "203.0.113.40", "192.0.2.1"));
	CU_ASSERT(picks(n, 3, AF_INET, "198.51.100.77", "203.0.113.33"));
	/* The first goes: the next in order is first; a new one comes last. */
	CU_ASSERT_EQUAL(v4(n, RTM_DELADDR, 2, "192.0.2.1", 24, 0), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.1", 24, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET, NULL, "198.51.100.1"));
	CU_ASSERT(picks(n, 2, AF_INET, "192.0.2.9", "192.0.2.1"));
	iface_names_close(n);
}

/* /0 holds every destination; /32 only itself. */
static void test_v4_prefix_limits(void)
{
	struct iface_names *n = new_cache();

	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.1", 32, 0), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "198.51.100.1", 0, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET, "192.0.2.1", "192.0.2.1"));
	CU_ASSERT(picks(n, 2, AF_INET, "192.0.2.2", "198.51.100.1"));
	CU_ASSERT(picks(n, 2, AF_INET, "203.0.113.9", "198.51.100.1"));
	iface_names_close(n);
}

/* Host- and link-scope addresses are no source for the world. */
static void test_v4_scope(void)
{
	struct iface_names *n = new_cache();
	struct addr_spec host = {
		.type = RTM_NEWADDR, .family = AF_INET, .ifindex = 1, .local = "127.0.0.1",
		.peer = "127.0.0.1", .prefixlen = 8, .scope = RT_SCOPE_HOST,
	};
	struct addr_spec link = {
		.type = RTM_NEWADDR, .family = AF_INET, .ifindex = 2, .local = "192.0.2.9",
		.peer = "192.0.2.9", .prefixlen = 24, .scope = RT_SCOPE_LINK,
	};

	CU_ASSERT_EQUAL(apply_spec(n, &host), 1);
	CU_ASSERT_EQUAL(apply_spec(n, &link), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "198.51.100.1", 24, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 1, AF_INET, "127.0.0.2", NULL));
	CU_ASSERT(picks(n, 2, AF_INET, "192.0.2.1", "198.51.100.1"));
	iface_names_close(n);
}

/* Point-to-point: IFA_LOCAL is ours, IFA_ADDRESS the peer, whose "subnet"
 * (a /32) is what a destination is matched against. The same local
 * address with another peer or prefix is another address. */
static void test_v4_peer(void)
{
	struct iface_names *n = new_cache();
	struct addr_spec a = {
		.type = RTM_NEWADDR, .family = AF_INET, .ifindex = 5, .local = "192.0.2.1",
		.peer = "203.0.113.1", .prefixlen = 32,
	};
	struct addr_spec b = a;

	b.local = "192.0.2.2";
	b.peer = "198.51.100.254";
	CU_ASSERT_EQUAL(apply_spec(n, &a), 1);
	CU_ASSERT_EQUAL(apply_spec(n, &b), 1);
	a.peer = "198.51.100.253";
	CU_ASSERT_EQUAL(apply_spec(n, &a), 1);      /* a third address */
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(stats_of(n).addrs, 3);
	CU_ASSERT(picks(n, 5, AF_INET, "198.51.100.254", "192.0.2.2"));
	CU_ASSERT(picks(n, 5, AF_INET, "198.51.100.253", "192.0.2.1"));
	CU_ASSERT(picks(n, 5, AF_INET, "192.0.2.2", "192.0.2.1"));
	/* Deleting one by its whole identity leaves the others. */
	a.type = RTM_DELADDR;
	CU_ASSERT_EQUAL(apply_spec(n, &a), 1);
	a.prefixlen = 31;
	CU_ASSERT_EQUAL(apply_spec(n, &a), 0);
	/* Only IFA_ADDRESS (as IPv6 sends): it is the local address then. */
	a = (struct addr_spec){ .type = RTM_NEWADDR, .family = AF_INET, .ifindex = 6,
				.peer = "192.0.2.77", .prefixlen = 24 };
	CU_ASSERT_EQUAL(apply_spec(n, &a), 1);
	a = (struct addr_spec){ .type = RTM_NEWADDR, .family = AF_INET, .ifindex = 7,
				.local = "192.0.2.78", .prefixlen = 24 };
	CU_ASSERT_EQUAL(apply_spec(n, &a), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 5, AF_INET, "203.0.113.1", "192.0.2.1"));
	CU_ASSERT_EQUAL(stats_of(n).addrs, 4);
	CU_ASSERT(picks(n, 6, AF_INET, NULL, "192.0.2.77"));
	CU_ASSERT(picks(n, 7, AF_INET, "192.0.2.1", "192.0.2.78"));
	iface_names_close(n);
}

/* ---- IPv6 --------------------------------------------------------------- */

/* Tentative until DAD succeeds, then usable; failed DAD never. Link-local
 * and host scope are not global. */
static void test_v6_flags(void)
{
	struct iface_names *n = new_cache();
	struct addr_spec ll = {
		.type = RTM_NEWADDR, .family = AF_INET6, .ifindex = 2, .peer = "fe80::1",
		.prefixlen = 64, .scope = RT_SCOPE_LINK, .flags = IFA_F_PERMANENT,
	};
	struct addr_spec lo = {
		.type = RTM_NEWADDR, .family = AF_INET6, .ifindex = 1, .peer = "::1",
		.prefixlen = 128, .scope = RT_SCOPE_HOST, .flags = IFA_F_PERMANENT,
	};

	CU_ASSERT_EQUAL(apply_spec(n, &ll), 1);
	CU_ASSERT_EQUAL(apply_spec(n, &lo), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8:1::1", 64, IFA_F_PERMANENT | IFA_F_TENTATIVE), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET6, "2001:db8:1::2", NULL));
	CU_ASSERT(picks(n, 1, AF_INET6, "::1", NULL));
	/* DAD done: the same address, flags changed. */
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8:1::1", 64, IFA_F_PERMANENT), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET6, "2001:db8:1::2", "2001:db8:1::1"));
	CU_ASSERT(picks(n, 2, AF_INET, NULL, NULL));
	/* DAD failed (the kernel keeps it tentative too; either flag is enough). */
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8:1::1", 64, IFA_F_PERMANENT | IFA_F_DADFAILED), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET6, NULL, NULL));
	/* A temporary (privacy) address is fine: the flag shares IPv4's
	 * "secondary" bit, which means nothing of the kind here. */
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8:1::77", 64, IFA_F_TEMPORARY), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET6, NULL, "2001:db8:1::77"));
	CU_ASSERT_EQUAL(stats_of(n).addrs, 4);
	iface_names_close(n);
}

/* IFA_FLAGS (u32) wins over ifa_flags (u8); without it, ifa_flags counts. */
static void test_v6_ifa_flags_attribute(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = new_cache();
	struct addr_spec sp = {
		.type = RTM_NEWADDR, .family = AF_INET6, .ifindex = 2, .peer = "2001:db8::1",
		.prefixlen = 64, .flags = IFA_F_TENTATIVE,
	};
	struct nlmsghdr *nlh = put_addr(buf, &sp);
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	ifa->ifa_flags = 0;
	CU_ASSERT_EQUAL(apply_msg(n, nlh), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET6, NULL, NULL));
	sp.flags = IFA_F_TENTATIVE;
	sp.no_ifa_flags = true;
	sp.peer = "2001:db8::2";
	CU_ASSERT_EQUAL(apply_spec(n, &sp), 1);
	sp.flags = 0;
	sp.peer = "2001:db8::3";
	CU_ASSERT_EQUAL(apply_spec(n, &sp), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET6, NULL, "2001:db8::3"));
	iface_names_close(n);
}

/* RFC 6724 rule 8: the longest prefix shared with the destination, counted
 * up to the source's own prefix length; ties go to the first in the
 * kernel's order, the newest. */
static void test_v6_by_destination(void)
{
	struct iface_names *n = new_cache();

	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 4, "2001:db8:a::1", 48, 0), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 4, "2001:db8:b::1", 64, 0), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 5, "2001:db8:1::1", 32, 0), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 5, "2001:db8:1:0:8000::1", 64, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 4, AF_INET6, "2001:db8:b::99", "2001:db8:b::1"));
	CU_ASSERT(picks(n, 4, AF_INET6, "2001:db8:a:5::1", "2001:db8:a::1"));
	/* Both share 45 bits with :c:: */
	CU_ASSERT(picks(n, 4, AF_INET6, "2001:db8:c::1", "2001:db8:b::1"));
	CU_ASSERT(picks(n, 4, AF_INET6, NULL, "2001:db8:b::1"));
	CU_ASSERT(picks(n, 4, AF_INET6, "2001:db8:b::1", "2001:db8:b::1"));
	/* ::1 shares 126 bits with ::2, but only its /32 counts; the other
	 * shares its whole /64. */
	CU_ASSERT(picks(n, 5, AF_INET6, "2001:db8:1::2", "2001:db8:1:0:8000::1"));
	CU_ASSERT(picks(n, 5, AF_INET6, "2001:db8:ffff::1", "2001:db8:1:0:8000::1"));   /* 32 each */
	/* Deleted and added again, ::1 is the newest. */
	CU_ASSERT_EQUAL(v6(n, RTM_DELADDR, 5, "2001:db8:1::1", 32, 0), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 5, "2001:db8:1::1", 32, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 5, AF_INET6, "2001:db8:ffff::1", "2001:db8:1::1"));
	CU_ASSERT(picks(n, 5, AF_INET6, "2001:db8:1::2", "2001:db8:1:0:8000::1"));
	iface_names_close(n);
}

/* Rule 3: a deprecated address only when there is no other. */
static void test_v6_deprecated(void)
{
	struct iface_names *n = new_cache();

	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8:2::1", 64, IFA_F_DEPRECATED), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET6, "2001:db8:2::9", "2001:db8:2::1"));
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8:3::1", 64, 0), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8:4::1", 64, IFA_F_DEPRECATED), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET6, "2001:db8:2::9", "2001:db8:3::1"));
	CU_ASSERT(picks(n, 2, AF_INET6, "2001:db8:4::9", "2001:db8:3::1"));
	CU_ASSERT_EQUAL(v6(n, RTM_DELADDR, 2, "2001:db8:3::1", 64, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET6, "2001:db8:4::9", "2001:db8:4::1"));
	CU_ASSERT(picks(n, 2, AF_INET6, "2001:db8:2::9", "2001:db8:2::1"));
	CU_ASSERT(picks(n, 2, AF_INET6, NULL, "2001:db8:4::1"));
	iface_names_close(n);
}

/* An IPv6 address is itself: a new prefix length updates it, a delete
 * with another prefix length still deletes it. */
static void test_v6_identity(void)
{
	struct iface_names *n = new_cache();

	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8:a::1", 64, 0), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8:b::1", 64, 0), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8:b::1", 32, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(stats_of(n).addrs, 2);
	/* With /32, :b::1 counts 32 bits shared with :b:1::1, :a::1 47. */
	CU_ASSERT(picks(n, 2, AF_INET6, "2001:db8:b:1::1", "2001:db8:a::1"));
	CU_ASSERT_EQUAL(v6(n, RTM_DELADDR, 2, "2001:db8:a::1", 128, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(stats_of(n).addrs, 1);
	CU_ASSERT(picks(n, 2, AF_INET6, NULL, "2001:db8:b::1"));
	iface_names_close(n);
}

/* ---- messages, bounds ---------------------------------------------------- */

/* Families other than IPv4 and IPv6, and other message types, are no
 * business of ours; a DELADDR of an unknown address changes nothing. */
static void test_ignored(void)
{
	struct iface_names *n = new_cache();
	struct addr_spec sp = {
		.type = RTM_NEWADDR, .family = AF_INET, .ifindex = 2, .local = "192.0.2.1",
		.peer = "192.0.2.1", .prefixlen = 24,
	};
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct nlmsghdr *nlh = put_addr(buf, &sp);

	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_family = 45;   /* AF_MCTP */
	CU_ASSERT_EQUAL(apply_msg(n, nlh), 0);
	nlh = put_addr(buf, &sp);
	nlh->nlmsg_type = RTM_GETADDR;
	CU_ASSERT_EQUAL(apply_msg(n, nlh), 0);
	nlh->nlmsg_type = RTM_NEWROUTE;
	CU_ASSERT_EQUAL(apply_msg(n, nlh), 0);
	CU_ASSERT_EQUAL(v4(n, RTM_DELADDR, 2, "192.0.2.1", 24, 0), 0);
	CU_ASSERT_EQUAL(v6(n, RTM_DELADDR, 2, "2001:db8::1", 64, 0), 0);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(stats_of(n).ignored, 5);
	CU_ASSERT_EQUAL(stats_of(n).malformed, 0);
	CU_ASSERT_EQUAL(stats_of(n).addrs, 0);
	CU_ASSERT_EQUAL(stats_of(n).publishes, 0);
	CU_ASSERT_EQUAL(take_events(n, (struct iface_addr_event[1]){ 0 }, 1), 0);
	iface_names_close(n);
}

/* A dump datagram: links and addresses, then NLMSG_DONE. */
static void test_datagram_of_many(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct addr_spec a4 = {
		.type = RTM_NEWADDR, .family = AF_INET, .ifindex = 9, .local = "198.51.100.7",
		.peer = "198.51.100.7", .prefixlen = 24,
	};
	struct addr_spec a6 = {
		.type = RTM_NEWADDR, .family = AF_INET6, .ifindex = 9, .peer = "2001:db8::7",
		.prefixlen = 64,
	};
	struct iface_names *n = new_cache();
	struct nlmsghdr *nlh;
	size_t off = 0;

	off += NLMSG_ALIGN(put_addr(buf + off, &a4)->nlmsg_len);
	off += NLMSG_ALIGN(put_addr(buf + off, &a6)->nlmsg_len);
	nlh = mnl_nlmsg_put_header(buf + off);
	nlh->nlmsg_type = NLMSG_DONE;
	mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	off += nlh->nlmsg_len;
	CU_ASSERT_EQUAL(apply_exact(n, buf, off), 2);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 9, AF_INET, NULL, "198.51.100.7"));
	CU_ASSERT(picks(n, 9, AF_INET6, NULL, "2001:db8::7"));
	CU_ASSERT_EQUAL(stats_of(n).addrs, 2);
	iface_names_close(n);
}

/* More than IFACE_ADDRS_PER_LINK on one interface: counted and ignored;
 * a removal makes room. */
static void test_per_link_bound(void)
{
	struct iface_names *n = new_cache();
	char text[INET6_ADDRSTRLEN];
	unsigned int bad = 0;

	for (unsigned int i = 0; i < IFACE_ADDRS_PER_LINK + 3; i++) {
		snprintf(text, sizeof(text), "2001:db8::%x", i + 1);
		bad += v6(n, RTM_NEWADDR, 2, text, 64, 0) != (i < IFACE_ADDRS_PER_LINK);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.1", 24, 0), 0);   /* full, any family */
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 3, "192.0.2.1", 24, 0), 1);   /* another interface */
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(stats_of(n).addrs, IFACE_ADDRS_PER_LINK + 1);
	CU_ASSERT_EQUAL(stats_of(n).addrs_over_limit, 4);
	CU_ASSERT(picks(n, 2, AF_INET, NULL, NULL));
	/* An update of one it holds is no new address. */
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8::1", 64, IFA_F_DEPRECATED), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_DELADDR, 2, "2001:db8::2", 64, 0), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.1", 24, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 2, AF_INET, NULL, "192.0.2.1"));
	/* ::1 is deprecated now; the rest tie at /64: the newest. */
	CU_ASSERT(picks(n, 2, AF_INET6, "2001:db8::1", "2001:db8::40"));
	CU_ASSERT_EQUAL(stats_of(n).addrs_over_limit, 4);
	iface_names_close(n);
}

/* IFACE_ADDRS_MAX in all: full interfaces, then one more anywhere. */
static void test_total_bound(void)
{
	enum { LINKS = IFACE_ADDRS_MAX / IFACE_ADDRS_PER_LINK };
	struct iface_names *n = new_cache();
	char text[INET6_ADDRSTRLEN];
	unsigned int bad = 0;

	_Static_assert(IFACE_ADDRS_MAX % IFACE_ADDRS_PER_LINK == 0, "whole interfaces");
	for (unsigned int l = 0; l < LINKS; l++)
		for (unsigned int i = 0; i < IFACE_ADDRS_PER_LINK; i++) {
			snprintf(text, sizeof(text), "2001:db8:%x::%x", l, i + 1);
			bad += v6(n, RTM_NEWADDR, l + 1, text, 128, 0) != 1;
		}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, LINKS + 1, "192.0.2.1", 24, 0), 0);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 1, "192.0.2.1", 24, 0), 0);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(stats_of(n).addrs, IFACE_ADDRS_MAX);
	CU_ASSERT_EQUAL(stats_of(n).addrs_over_limit, 2);
	CU_ASSERT(picks(n, LINKS, AF_INET6, "2001:db8:3ff::40", "2001:db8:3ff::40"));
	CU_ASSERT(picks(n, 17, AF_INET6, "2001:db8:10::1", "2001:db8:10::1"));
	CU_ASSERT(picks(n, 17, AF_INET6, NULL, "2001:db8:10::40"));
	CU_ASSERT(picks(n, LINKS + 1, AF_INET, NULL, NULL));
	/* One removed anywhere makes room anywhere. */
	CU_ASSERT_EQUAL(v6(n, RTM_DELADDR, 500, "2001:db8:1f3::5", 128, 0), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, LINKS + 1, "192.0.2.1", 24, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, LINKS + 1, AF_INET, NULL, "192.0.2.1"));
	CU_ASSERT_EQUAL(stats_of(n).addrs, IFACE_ADDRS_MAX);
	iface_names_close(n);
}

/* ---- removal events ----------------------------------------------------- */

/* A removed address is reported, once, and only after the snapshot without
 * it is published; events of later changes wait for their own. */
static void test_events_after_publish(void)
{
	struct iface_names *n = new_cache();
	struct iface_addr_event ev[4];

	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.1", 24, 0), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 2, "2001:db8::1", 64, 0), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 3, "2001:db8::1", 64, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(take_events(n, ev, 4), 0);   /* additions are no events */
	CU_ASSERT_EQUAL(v4(n, RTM_DELADDR, 2, "192.0.2.1", 24, 0), 1);
	CU_ASSERT_EQUAL(take_events(n, ev, 4), 0);   /* not published yet */
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(v6(n, RTM_DELADDR, 3, "2001:db8::1", 64, 0), 1);
	CU_ASSERT_EQUAL(take_events(n, ev, 0), 0);
	CU_ASSERT_EQUAL(take_events(n, ev, 4), 1);
	CU_ASSERT(is_gone(&ev[0], 2, AF_INET, "192.0.2.1"));
	CU_ASSERT_EQUAL(take_events(n, ev, 4), 0);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(take_events(n, ev, 4), 1);
	CU_ASSERT(is_gone(&ev[0], 3, AF_INET6, "2001:db8::1"));
	CU_ASSERT(picks(n, 2, AF_INET6, NULL, "2001:db8::1"));
	CU_ASSERT(picks(n, 3, AF_INET6, NULL, NULL));
	CU_ASSERT_EQUAL(stats_of(n).events, 2);
	iface_names_close(n);
}

/* IFF_UP cleared, or the link deleted: one event for the interface; the
 * deleted link's addresses go with it (no event each). */
static void test_events_link_down(void)
{
	struct iface_names *n = new_cache();
	struct iface_addr_event ev[8];

	CU_ASSERT_EQUAL(link_msg(n, RTM_NEWLINK, 2, "wan0", false), 1);
	CU_ASSERT_EQUAL(link_msg(n, RTM_NEWLINK, 3, "lan0", true), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.1", 24, 0), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 3, "198.51.100.1", 24, 0), 1);
	CU_ASSERT_EQUAL(v6(n, RTM_NEWADDR, 3, "2001:db8::1", 64, 0), 1);
	CU_ASSERT_EQUAL(link_msg(n, RTM_NEWLINK, 2, "wan0", false), 0);   /* down, still */
	CU_ASSERT_EQUAL(link_msg(n, RTM_NEWLINK, 2, "wan0", true), 1);
	CU_ASSERT_EQUAL(link_msg(n, RTM_NEWLINK, 2, "wan0", true), 0);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(take_events(n, ev, 8), 0);
	CU_ASSERT_EQUAL(link_msg(n, RTM_NEWLINK, 2, "wan0", false), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(take_events(n, ev, 8), 1);
	CU_ASSERT(ev[0].kind == IFACE_EVENT_LINK_DOWN && ev[0].ifindex == 2 &&
		  ev[0].family == 0);
	/* A down link keeps its IPv4 addresses, as the kernel does. */
	CU_ASSERT(picks(n, 2, AF_INET, NULL, "192.0.2.1"));
	CU_ASSERT_EQUAL(link_msg(n, RTM_DELLINK, 3, NULL, false), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(take_events(n, ev, 8), 1);
	CU_ASSERT(ev[0].kind == IFACE_EVENT_LINK_DOWN && ev[0].ifindex == 3);
	CU_ASSERT(picks(n, 3, AF_INET, NULL, NULL));
	CU_ASSERT(picks(n, 3, AF_INET6, NULL, NULL));
	CU_ASSERT_EQUAL(stats_of(n).addrs, 1);
	/* The kernel's DELADDRs after that find nothing. */
	CU_ASSERT_EQUAL(v4(n, RTM_DELADDR, 3, "198.51.100.1", 24, 0), 0);
	/* A DELLINK for addresses of a link never seen still drops them. */
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 4, "203.0.113.1", 24, 0), 1);
	CU_ASSERT_EQUAL(link_msg(n, RTM_DELLINK, 4, NULL, false), 1);
	CU_ASSERT_EQUAL(link_msg(n, RTM_DELLINK, 4, NULL, false), 0);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 4, AF_INET, NULL, NULL));
	CU_ASSERT_EQUAL(take_events(n, ev, 8), 1);
	CU_ASSERT(ev[0].kind == IFACE_EVENT_LINK_DOWN && ev[0].ifindex == 4);
	iface_names_close(n);
}

/* Taken a few at a time, in order. */
static void test_events_in_chunks(void)
{
	struct iface_names *n = new_cache();
	struct iface_addr_event ev[3];
	char text[INET6_ADDRSTRLEN];
	unsigned int next = 0, bad = 0;
	size_t got;

	for (unsigned int i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), "192.0.2.%u", i + 1);
		CU_ASSERT(v4(n, RTM_NEWADDR, 2, text, 24, 0) == 1);
	}
	for (unsigned int i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), "192.0.2.%u", i + 1);
		CU_ASSERT(v4(n, RTM_DELADDR, 2, text, 24, 0) == 1);
	}
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	while ((got = take_events(n, ev, 3)) > 0) {
		for (size_t i = 0; i < got; i++) {
			snprintf(text, sizeof(text), "192.0.2.%u", ++next);
			bad += !is_gone(&ev[i], 2, AF_INET, text);
		}
		if (got < 3)
			break;
	}
	CU_ASSERT_EQUAL(next, 10);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(stats_of(n).events, 10);
	iface_names_close(n);
}

/* A main loop that falls behind gets one IFACE_EVENT_ALL for the lot; the
 * queue then works as before. */
static void test_events_overflow(void)
{
	enum { LINKS = IFACE_EVENTS_MAX / 32 + 2, PER = 32 };
	struct iface_names *n = new_cache();
	struct iface_addr_event ev[4];
	char text[INET6_ADDRSTRLEN];
	unsigned int bad = 0;

	for (unsigned int phase = 0; phase < 2; phase++)
		for (unsigned int l = 0; l < LINKS; l++)
			for (unsigned int i = 0; i < PER; i++) {
				snprintf(text, sizeof(text), "2001:db8:%x::%x", l, i + 1);
				bad += v6(n, phase ? RTM_DELADDR : RTM_NEWADDR, l + 1,
					  text, 64, 0) != 1;
			}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(stats_of(n).events_lost, 1);
	CU_ASSERT_EQUAL(take_events(n, ev, 4), 1);
	CU_ASSERT(ev[0].kind == IFACE_EVENT_ALL && ev[0].ifindex == 0);
	CU_ASSERT_EQUAL(take_events(n, ev, 4), 0);
	CU_ASSERT_EQUAL(v4(n, RTM_NEWADDR, 2, "192.0.2.1", 24, 0), 1);
	CU_ASSERT_EQUAL(v4(n, RTM_DELADDR, 2, "192.0.2.1", 24, 0), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(take_events(n, ev, 4), 1);
	CU_ASSERT(is_gone(&ev[0], 2, AF_INET, "192.0.2.1"));
	CU_ASSERT_EQUAL(stats_of(n).events, 2);
	CU_ASSERT_EQUAL(stats_of(n).addrs, 0);
	iface_names_close(n);
}

/* Events published before an overflow are part of the ALL; those that
 * come after it was published stay for later. */
static void test_events_overflow_unread(void)
{
	struct iface_names *n = new_cache();
	struct iface_addr_event ev[4];
	char text[INET6_ADDRSTRLEN];
	unsigned int bad = 0;

	/* A full queue, published and unread: one more is lost. */
	for (unsigned int i = 0; i <= IFACE_EVENTS_MAX; i++) {
		snprintf(text, sizeof(text), "2001:db8::%x", i + 1);
		bad += v6(n, RTM_NEWADDR, 2 + i / 32, text, 64, 0) != 1;
		bad += v6(n, RTM_DELADDR, 2 + i / 32, text, 64, 0) != 1;
		if (i == IFACE_EVENTS_MAX - 1)
			CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(stats_of(n).events_lost, 1);
	/* Not yet published: the full queue is read as it was. */
	CU_ASSERT_EQUAL(take_events(n, ev, 1), 1);
	CU_ASSERT(is_gone(&ev[0], 2, AF_INET6, "2001:db8::1"));
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(take_events(n, ev, 4), 1);
	CU_ASSERT(ev[0].kind == IFACE_EVENT_ALL);
	CU_ASSERT_EQUAL(take_events(n, ev, 4), 0);
	iface_names_close(n);
}

/* ---- readers against the writer ----------------------------------------- */

enum { RACE_ROUNDS = 2000, RACE_READERS = 2 };

struct race {
	struct iface_names *n;
	atomic_bool stop;
	atomic_uint lookups;
	atomic_uint bad;
};

/* The writer moves 2 between two addresses of each family; a reader sees
 * one or the other, whole, with or without a destination. */
static bool race_ok(const struct iface_names *n, uint8_t family, const union pkt_addr *dst,
		    const union pkt_addr *x, const union pkt_addr *y)
{
	union pkt_addr got;

	return iface_primary_addr(n, 2, family, dst, &got) &&
	       (memcmp(&got, x, sizeof(got)) == 0 || memcmp(&got, y, sizeof(got)) == 0);
}

static void *race_reader(void *arg)
{
	struct race *r = arg;
	union pkt_addr a4 = addr_of(AF_INET, "192.0.2.1"), b4 = addr_of(AF_INET, "198.51.100.1");
	union pkt_addr a6 = addr_of(AF_INET6, "2001:db8:a::1"), b6 = addr_of(AF_INET6, "2001:db8:b::1");

	rcu_register_thread();
	while (!atomic_load(&r->stop)) {
		rcu_read_lock();
		if (!race_ok(r->n, AF_INET, NULL, &a4, &b4) ||
		    !race_ok(r->n, AF_INET, &b4, &a4, &b4) ||
		    !race_ok(r->n, AF_INET6, &a6, &a6, &b6) ||
		    !race_ok(r->n, AF_INET6, NULL, &a6, &b6))
			atomic_fetch_add(&r->bad, 1);
		rcu_read_unlock();
		atomic_fetch_add(&r->lookups, 4);
	}
	rcu_unregister_thread();
	return NULL;
}

static void race_flip(struct iface_names *n, unsigned int round)
{
	const char *old4 = round % 2 ? "198.51.100.1" : "192.0.2.1";
	const char *new4 = round % 2 ? "192.0.2.1" : "198.51.100.1";
	const char *old6 = round % 2 ? "2001:db8:b::1" : "2001:db8:a::1";
	const char *new6 = round % 2 ? "2001:db8:a::1" : "2001:db8:b::1";

	/* Add before removing: the interface always has one. */
	CU_ASSERT(v4(n, RTM_NEWADDR, 2, new4, 24, 0) == 1);
	CU_ASSERT(v6(n, RTM_NEWADDR, 2, new6, 64, 0) == 1);
	CU_ASSERT(iface_names_publish(n) == 0);
	CU_ASSERT(v4(n, RTM_DELADDR, 2, old4, 24, 0) == 1);
	CU_ASSERT(v6(n, RTM_DELADDR, 2, old6, 64, 0) == 1);
	CU_ASSERT(iface_names_publish(n) == 0);
	CU_ASSERT(take_events(n, (struct iface_addr_event[4]){ 0 }, 4) == 2);
}

static void test_readers_race_writer(void)
{
	struct race r = { .n = new_cache() };
	pthread_t t[RACE_READERS];

	CU_ASSERT(v4(r.n, RTM_NEWADDR, 2, "198.51.100.1", 24, 0) == 1);
	CU_ASSERT(v6(r.n, RTM_NEWADDR, 2, "2001:db8:b::1", 64, 0) == 1);
	CU_ASSERT(iface_names_publish(r.n) == 0);
	for (int i = 0; i < RACE_READERS; i++)
		CU_ASSERT_FATAL(pthread_create(&t[i], NULL, race_reader, &r) == 0);
	/* On a busy machine the readers may start late: a race needs them
	 * running (for up to 5 s). */
	for (int i = 0; i < 5000 && atomic_load(&r.lookups) == 0; i++)
		usleep(1000);
	for (unsigned int round = 1; round <= RACE_ROUNDS; round++)
		race_flip(r.n, round);
	atomic_store(&r.stop, true);
	for (int i = 0; i < RACE_READERS; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT(atomic_load(&r.lookups) > 0);
	CU_ASSERT_EQUAL(atomic_load(&r.bad), 0);
	CU_ASSERT_EQUAL(stats_of(r.n).events, 2 * RACE_ROUNDS);
	iface_names_close(r.n);
}

/* ---- malformed messages ------------------------------------------------- */

/* Each builds, at BUF, a message for index 3 that must be refused and
 * counted; the datagram is exactly nlmsg_len long. */
typedef struct nlmsghdr *(*bad_builder)(void *buf);

static const struct addr_spec good4 = {
	.type = RTM_NEWADDR, .family = AF_INET, .ifindex = 3, .local = "203.0.113.1",
	.peer = "203.0.113.1", .prefixlen = 24,
};

static const struct addr_spec good6 = {
	.type = RTM_NEWADDR, .family = AF_INET6, .ifindex = 3, .peer = "2001:db8::2",
	.prefixlen = 64,
};

static struct ifaddrmsg *ifa_of(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

static struct nlmsghdr *bad_short(void *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = RTM_NEWADDR;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg) / 2);
	return nlh;
}

static struct nlmsghdr *bad_header_only(void *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = RTM_NEWADDR;
	return nlh;
}

static struct nlmsghdr *bad_index_zero(void *buf)
{
	struct nlmsghdr *nlh = put_addr(buf, &good4);

	ifa_of(nlh)->ifa_index = 0;
	return nlh;
}

static struct nlmsghdr *bad_index_huge(void *buf)
{
	struct nlmsghdr *nlh = put_addr(buf, &good4);

	ifa_of(nlh)->ifa_index = (uint32_t)INT_MAX + 1;
	return nlh;
}

static struct nlmsghdr *bad_prefix4(void *buf)
{
	struct nlmsghdr *nlh = put_addr(buf, &good4);

	ifa_of(nlh)->ifa_prefixlen = 33;
	return nlh;
}

static struct nlmsghdr *bad_prefix6(void *buf)
{
	struct nlmsghdr *nlh = put_addr(buf, &good6);

	ifa_of(nlh)->ifa_prefixlen = 129;
	return nlh;
}

static struct nlmsghdr *bad_no_address(void *buf)
{
	struct addr_spec sp = good4;

	sp.local = sp.peer = NULL;
	return put_addr(buf, &sp);
}

/* Attribute TYPE of SIZE bytes in a message of FAMILY, instead of the
 * good one: the size is all that is wrong. */
static struct nlmsghdr *bad_sized(void *buf, uint8_t family, uint16_t type, size_t size)
{
	static const uint8_t bytes[32] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct addr_spec sp = family == AF_INET ? good4 : good6;
	struct nlmsghdr *nlh;

	if (type == IFA_LOCAL)
		sp.local = NULL;
	if (type == IFA_ADDRESS)
		sp.peer = NULL;
	if (type == IFA_FLAGS)
		sp.no_ifa_flags = true;
	nlh = put_addr(buf, &sp);
	mnl_attr_put(nlh, type, size, bytes);
	return nlh;
}

static struct nlmsghdr *bad_local_3(void *buf) { return bad_sized(buf, AF_INET, IFA_LOCAL, 3); }
static struct nlmsghdr *bad_local_5(void *buf) { return bad_sized(buf, AF_INET, IFA_LOCAL, 5); }
static struct nlmsghdr *bad_local_16(void *buf) { return bad_sized(buf, AF_INET, IFA_LOCAL, 16); }
static struct nlmsghdr *bad_local_0(void *buf) { return bad_sized(buf, AF_INET, IFA_LOCAL, 0); }
static struct nlmsghdr *bad_address6_4(void *buf)
{
	return bad_sized(buf, AF_INET6, IFA_ADDRESS, 4);
}

static struct nlmsghdr *bad_address6_17(void *buf)
{
	return bad_sized(buf, AF_INET6, IFA_ADDRESS, 17);
}

static struct nlmsghdr *bad_flags_2(void *buf) { return bad_sized(buf, AF_INET, IFA_FLAGS, 2); }
static struct nlmsghdr *bad_flags_8(void *buf) { return bad_sized(buf, AF_INET6, IFA_FLAGS, 8); }

static struct nlmsghdr *bad_two_locals(void *buf)
{
	struct nlmsghdr *nlh = put_addr(buf, &good4);
	uint8_t a[4] = { 203, 0, 113, 2 };

	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), a);
	return nlh;
}

static struct nlmsghdr *bad_two_addresses(void *buf)
{
	struct nlmsghdr *nlh = put_addr(buf, &good6);
	union pkt_addr a = addr_of(AF_INET6, "2001:db8::3");

	mnl_attr_put(nlh, IFA_ADDRESS, 16, a.b);
	return nlh;
}

static struct nlmsghdr *bad_two_flags(void *buf)
{
	struct nlmsghdr *nlh = put_addr(buf, &good6);

	mnl_attr_put_u32(nlh, IFA_FLAGS, 0);
	return nlh;
}

/* The last attribute's nla_len claims 8 bytes more than the message has. */
static struct nlmsghdr *bad_attr_overruns(void *buf)
{
	struct nlmsghdr *nlh = put_addr(buf, &good6);
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

	mnl_attr_put_u32(nlh, IFA_RT_PRIORITY, 7);
	a->nla_len += 8;
	return nlh;
}

static struct nlmsghdr *bad_attr_too_short(void *buf)
{
	struct nlmsghdr *nlh = put_addr(buf, &good4);
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

	mnl_attr_put_u32(nlh, IFA_RT_PRIORITY, 7);
	a->nla_len = 3;
	return nlh;
}

/* Bytes after the last attribute: neither padding nor an attribute. */
static struct nlmsghdr *bad_leftover(void *buf, uint32_t extra)
{
	struct nlmsghdr *nlh = put_addr(buf, &good4);

	memset((char *)buf + nlh->nlmsg_len, 0, extra);
	nlh->nlmsg_len += extra;
	return nlh;
}

static struct nlmsghdr *bad_leftover_1(void *buf) { return bad_leftover(buf, 1); }
static struct nlmsghdr *bad_leftover_3(void *buf) { return bad_leftover(buf, 3); }

/* A malformed DELADDR of the address that is there deletes nothing. */
static struct nlmsghdr *bad_deladdr(void *buf)
{
	struct addr_spec sp = good4;
	struct nlmsghdr *nlh;

	sp.type = RTM_DELADDR;
	sp.local = "192.0.2.1";
	sp.peer = "192.0.2.1";
	nlh = put_addr(buf, &sp);
	mnl_attr_put_u32(nlh, IFA_LOCAL, 0);
	return nlh;
}

static const struct {
	const char *what;
	bad_builder build;
} bad_messages[] = {
	{ "shorter than ifaddrmsg", bad_short },
	{ "netlink header only", bad_header_only },
	{ "ifindex 0", bad_index_zero },
	{ "ifindex past INT_MAX", bad_index_huge },
	{ "IPv4 prefix 33", bad_prefix4 },
	{ "IPv6 prefix 129", bad_prefix6 },
	{ "neither IFA_LOCAL nor IFA_ADDRESS", bad_no_address },
	{ "IPv4 IFA_LOCAL of 3 bytes", bad_local_3 },
	{ "IPv4 IFA_LOCAL of 5 bytes", bad_local_5 },
	{ "IPv4 IFA_LOCAL of 16 bytes", bad_local_16 },
	{ "IFA_LOCAL without payload", bad_local_0 },
	{ "IPv6 IFA_ADDRESS of 4 bytes", bad_address6_4 },
	{ "IPv6 IFA_ADDRESS of 17 bytes", bad_address6_17 },
	{ "IFA_FLAGS of 2 bytes", bad_flags_2 },
	{ "IFA_FLAGS of 8 bytes", bad_flags_8 },
	{ "two IFA_LOCAL", bad_two_locals },
	{ "two IFA_ADDRESS", bad_two_addresses },
	{ "two IFA_FLAGS", bad_two_flags },
	{ "attribute runs past the message", bad_attr_overruns },
	{ "attribute shorter than its header", bad_attr_too_short },
	{ "1 byte after the last attribute", bad_leftover_1 },
	{ "3 bytes after the last attribute", bad_leftover_3 },
	{ "malformed DELADDR", bad_deladdr },
};

static struct iface_names *cache_with_one(void)
{
	struct iface_names *n = new_cache();

	CU_ASSERT(v4(n, RTM_NEWADDR, 3, "192.0.2.1", 24, 0) == 1);
	CU_ASSERT(iface_names_publish(n) == 0);
	return n;
}

/* The table as it was: index 3 has 192.0.2.1 alone, nothing published
 * since, no event. */
static bool untouched(struct iface_names *n)
{
	struct iface_stats st = stats_of(n);

	return picks(n, 3, AF_INET, "203.0.113.1", "192.0.2.1") &&
	       picks(n, 3, AF_INET6, NULL, NULL) && st.addrs == 1 &&
	       st.updates == 1 && st.publishes == 1 &&
	       take_events(n, (struct iface_addr_event[1]){ 0 }, 1) == 0;
}

static void check_refused(const char *what, const struct nlmsghdr *nlh)
{
	struct iface_names *n = cache_with_one();
	int ret = apply_msg(n, nlh);
	bool ok;

	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	ok = ret == 0 && stats_of(n).malformed == 1 && untouched(n);
	if (!ok)
		printf("\n  not refused as it should: %s (apply %d, malformed %" PRIu64 ")\n",
		       what, ret, stats_of(n).malformed);
	CU_ASSERT(ok);
	iface_names_close(n);
}

static void test_bad_messages(void)
{
	for (size_t i = 0; i < sizeof(bad_messages) / sizeof(bad_messages[0]); i++) {
		alignas(struct nlmsghdr) char buf[MSG_BUF];

		check_refused(bad_messages[i].what, bad_messages[i].build(buf));
	}
}

/* The builders' messages are good but for the one thing each breaks. */
static void test_good_builders(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = cache_with_one();

	CU_ASSERT_EQUAL(apply_msg(n, put_addr(buf, &good4)), 1);
	CU_ASSERT_EQUAL(apply_msg(n, put_addr(buf, &good6)), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 3, AF_INET, "203.0.113.9", "203.0.113.1"));
	CU_ASSERT(picks(n, 3, AF_INET6, NULL, "2001:db8::2"));
	CU_ASSERT_EQUAL(stats_of(n).malformed, 0);
	iface_names_close(n);
}

/* A last attribute without its padding, the datagram ending right there:
 * accepted, nothing read after it. A nested flag on an attribute's type
 * is masked as for the links. */
static void test_unpadded_last_attribute(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = new_cache();
	struct addr_spec sp = good6;
	struct nlmsghdr *nlh;

	sp.no_ifa_flags = true;
	nlh = put_addr(buf, &sp);
	mnl_attr_put_strz(nlh, IFA_LABEL, "ab");   /* 7 bytes + 1 padding */
	nlh->nlmsg_len -= 1;
	CU_ASSERT_EQUAL(apply_msg(n, nlh), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 3, AF_INET6, NULL, "2001:db8::2"));
	CU_ASSERT_EQUAL(stats_of(n).malformed, 0);
	iface_names_close(n);
}

/* A message whose nlmsg_len runs past the datagram is not read at all;
 * good ones before it are applied. */
static void test_cut_datagram(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = cache_with_one();
	size_t off = NLMSG_ALIGN(put_addr(buf, &good6)->nlmsg_len);
	struct nlmsghdr *second = put_addr(buf + off, &good4);

	CU_ASSERT_EQUAL(apply_exact(n, buf, off + second->nlmsg_len - 1), -EBADMSG);
	CU_ASSERT_EQUAL(apply_exact(n, buf + off, 20), -EBADMSG);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(picks(n, 3, AF_INET6, NULL, "2001:db8::2"));
	CU_ASSERT(picks(n, 3, AF_INET, NULL, "192.0.2.1"));
	CU_ASSERT_EQUAL(stats_of(n).addrs, 2);
	CU_ASSERT_EQUAL(stats_of(n).malformed, 2);
	iface_names_close(n);
}

/* ---- the suites --------------------------------------------------------- */

static const struct unit_test v4_tests[] = {
	{ "an IPv4 address, once published", test_v4_basic },
	{ "secondary addresses; promotion", test_v4_secondary },
	{ "the primary in the destination's subnet, else the first", test_v4_by_destination },
	{ "prefixes /0 and /32", test_v4_prefix_limits },
	{ "host and link scope are skipped", test_v4_scope },
	{ "point-to-point peers; identity of an IPv4 address", test_v4_peer },
	{ NULL, NULL },
};

static const struct unit_test v6_tests[] = {
	{ "tentative, DAD failed, link-local, temporary", test_v6_flags },
	{ "IFA_FLAGS over ifa_flags", test_v6_ifa_flags_attribute },
	{ "longest prefix with the destination", test_v6_by_destination },
	{ "deprecated only as a last resort", test_v6_deprecated },
	{ "identity of an IPv6 address", test_v6_identity },
	{ NULL, NULL },
};

static const struct unit_test misc_tests[] = {
	{ "other families and types are ignored", test_ignored },
	{ "a datagram of many messages", test_datagram_of_many },
	{ "addresses per interface are bounded", test_per_link_bound },
	{ "addresses in all are bounded", test_total_bound },
	{ "removals are reported after publication", test_events_after_publish },
	{ "a link down or deleted is reported", test_events_link_down },
	{ "events taken a few at a time", test_events_in_chunks },
	{ "overflow: one event for all", test_events_overflow },
	{ "overflow of a published, unread queue", test_events_overflow_unread },
	{ "readers race the writer", test_readers_race_writer },
	{ NULL, NULL },
};

static const struct unit_test bad_tests[] = {
	{ "malformed address messages are refused and counted", test_bad_messages },
	{ "the builders' messages are otherwise good", test_good_builders },
	{ "unpadded last attribute", test_unpadded_last_attribute },
	{ "cut datagrams", test_cut_datagram },
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "iface addrs: IPv4", v4_tests },
	{ "iface addrs: IPv6", v6_tests },
	{ "iface addrs: messages, bounds, events", misc_tests },
	{ "iface addrs: malformed messages", bad_tests },
	{ NULL, NULL },
};

static void setup(void)
{
	rcu_register_thread();
}

static void teardown(void)
{
	rcu_unregister_thread();
}

UNIT_MAIN_WITH(suites, setup, teardown)
