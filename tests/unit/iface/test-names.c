/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The interface name cache: link messages built by hand (libmnl) applied to
 * a cache without a socket, good and malformed, each in a buffer of exactly
 * its size so that the sanitizers see any read past it; readers racing the
 * writer; and, as root, the real rtnetlink subscription in network
 * namespaces made for each test. Without root that part is skipped and the
 * program exits 77 (SKIP), never 0. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <urcu.h>

#include "nfqfw/iface.h"
#include "iface-test.h"
#include "unit.h"

/* ---- helpers ------------------------------------------------------------ */

/* The start of a link message, with an attribute before the name's place. */
static struct nlmsghdr *put_link(void *buf, uint16_t type, uint8_t family,
				 int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	return nlh;
}

/* After the name: a nest holding an attribute of IFLA_IFNAME's number that
 * is not a name (only the top level counts). */
static void put_tail(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	mnl_attr_put_u32(nlh, 3, 0xffffffffu);
	mnl_attr_nest_end(nlh, nest);
}

static struct nlmsghdr *put_named(void *buf, uint16_t type, int ifindex,
				  const char *name)
{
	struct nlmsghdr *nlh = put_link(buf, type, AF_UNSPEC, ifindex);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	put_tail(nlh);
	return nlh;
}

/* Applies and publishes RTM_NEWLINK IFINDEX NAME; returns apply's result. */
static int set_name(struct iface_names *n, int ifindex, const char *name)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	int ret = apply_msg(n, put_named(buf, RTM_NEWLINK, ifindex, name));

	CU_ASSERT(iface_names_publish(n) == 0);
	return ret;
}

/* True if the cache answers IFINDEX with EXPECTED (NULL: no name) from its
 * snapshot, without falling back to the kernel. */
static bool cached_is(const struct iface_names *n, uint32_t ifindex,
		      const char *expected)
{
	uint64_t misses = stats_of(n).misses;
	char buf[IFNAMSIZ];
	const char *got;
	bool same;

	rcu_read_lock();
	got = iface_name(n, ifindex, buf);
	same = expected ? got && got != buf && strcmp(got, expected) == 0 : !got;
	rcu_read_unlock();
	return same && stats_of(n).misses == misses;
}

/* True if IFINDEX is not in the snapshot: the lookup counted a miss and
 * answered what the kernel says (which the host may or may not know). */
static bool not_cached(const struct iface_names *n, uint32_t ifindex)
{
	uint64_t misses = stats_of(n).misses;
	char buf[IFNAMSIZ], oracle[IFNAMSIZ];
	const char *got, *truth;
	bool ok;

	rcu_read_lock();
	got = iface_name(n, ifindex, buf);
	truth = if_indextoname(ifindex, oracle);
	ok = truth ? got == buf && strcmp(got, truth) == 0 : !got;
	rcu_read_unlock();
	return ok && stats_of(n).misses == misses + 1;
}

/* ---- good messages ------------------------------------------------------ */

/* A cache made without a socket, and index 0. */
static void test_no_socket(void)
{
	struct iface_names *n = new_cache();

	CU_ASSERT_EQUAL(iface_names_fd(n), -1);
	CU_ASSERT_EQUAL(iface_names_process(n), -ENOTCONN);
	CU_ASSERT_EQUAL(stats_of(n).links, 0);
	/* Index 0 (no interface) has no name, and is no miss. */
	CU_ASSERT(set_name(n, 1, "lan0") == 1);
	CU_ASSERT(cached_is(n, 0, NULL));
	iface_names_close(n);
}

static void test_add_needs_publish(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = new_cache();
	struct iface_stats st;

	CU_ASSERT_EQUAL(apply_msg(n, put_named(buf, RTM_NEWLINK, 2147483000, "lan0")), 1);
	/* Not visible before it is published. */
	CU_ASSERT(not_cached(n, 2147483000));
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(cached_is(n, 2147483000, "lan0"));
	st = stats_of(n);
	CU_ASSERT_EQUAL(st.links, 1);
	CU_ASSERT_EQUAL(st.updates, 1);
	CU_ASSERT_EQUAL(st.publishes, 1);
	CU_ASSERT_EQUAL(st.misses, 1);
	CU_ASSERT_EQUAL(st.unknown, 1);
	iface_names_close(n);
}

static void test_rename(void)
{
	struct iface_names *n = new_cache();

	CU_ASSERT(set_name(n, 3, "lan0") == 1);
	CU_ASSERT(set_name(n, 3, "wan0") == 1);
	CU_ASSERT(cached_is(n, 3, "wan0"));
	/* The same name again changes nothing, and publishes nothing. */
	CU_ASSERT(set_name(n, 3, "wan0") == 0);
	CU_ASSERT(cached_is(n, 3, "wan0"));
	CU_ASSERT_EQUAL(stats_of(n).links, 1);
	CU_ASSERT_EQUAL(stats_of(n).updates, 2);
	CU_ASSERT_EQUAL(stats_of(n).ignored, 1);
	CU_ASSERT_EQUAL(stats_of(n).publishes, 2);
	iface_names_close(n);
}

static void test_delete(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = new_cache();

	CU_ASSERT(set_name(n, 5, "lan0") == 1);
	CU_ASSERT(set_name(n, 2147483001, "lan1") == 1);
	CU_ASSERT_EQUAL(apply_msg(n, put_named(buf, RTM_DELLINK, 5, "lan0")), 1);
	/* The index is what counts: a DELLINK without a name deletes too. */
	CU_ASSERT_EQUAL(apply_msg(n, put_link(buf, RTM_DELLINK, AF_UNSPEC, 2147483001)), 1);
	CU_ASSERT_EQUAL(apply_msg(n, put_link(buf, RTM_DELLINK, AF_UNSPEC, 77)), 0);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(not_cached(n, 2147483001));
	CU_ASSERT_EQUAL(stats_of(n).links, 0);
	CU_ASSERT_EQUAL(stats_of(n).updates, 4);
	iface_names_close(n);
}

/* A bridge port that leaves its bridge gets an AF_BRIDGE RTM_DELLINK; the
 * interface is still there. */
static void test_bridge_family_ignored(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = new_cache();
	struct nlmsghdr *nlh;

	CU_ASSERT(set_name(n, 4, "port0") == 1);
	nlh = put_link(buf, RTM_DELLINK, AF_BRIDGE, 4);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "port0");
	CU_ASSERT_EQUAL(apply_msg(n, nlh), 0);
	nlh = put_link(buf, RTM_NEWLINK, AF_BRIDGE, 4);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "other");
	CU_ASSERT_EQUAL(apply_msg(n, nlh), 0);
	/* Nor are messages of other types, whatever they carry. */
	CU_ASSERT_EQUAL(apply_msg(n, put_named(buf, RTM_NEWROUTE, 4, "x")), 0);
	CU_ASSERT_EQUAL(apply_msg(n, put_named(buf, RTM_GETLINK, 4, "y")), 0);
	CU_ASSERT_EQUAL(apply_msg(n, put_named(buf, NLMSG_DONE, 4, "z")), 0);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(cached_is(n, 4, "port0"));
	CU_ASSERT_EQUAL(stats_of(n).ignored, 5);
	CU_ASSERT_EQUAL(stats_of(n).malformed, 0);
	iface_names_close(n);
}

static void test_sparse_indexes(void)
{
	static const struct { uint32_t idx; const char *name; } links[] = {
		{ 100000, "far0" }, { 1, "one0" }, { 7, "seven0" },
		{ 2147483647, "max0" },
	};
	struct iface_names *n = new_cache();

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		CU_ASSERT(set_name(n, (int)links[i].idx, links[i].name) == 1);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		CU_ASSERT(cached_is(n, links[i].idx, links[i].name));
	/* Neighbours of each, and beyond any ifindex the kernel hands out. */
	CU_ASSERT(not_cached(n, 2));
	CU_ASSERT(not_cached(n, 6));
	CU_ASSERT(not_cached(n, 8));
	CU_ASSERT(not_cached(n, 99999));
	CU_ASSERT(not_cached(n, 100001));
	CU_ASSERT(not_cached(n, 2147483646));
	CU_ASSERT(not_cached(n, 2147483648u));
	CU_ASSERT(not_cached(n, UINT32_MAX));
	CU_ASSERT_EQUAL(stats_of(n).links, 4);
	iface_names_close(n);
}

/* The fallback answers from the kernel: loopback is 1 in every namespace. */
static void test_miss_falls_back(void)
{
	struct iface_names *n = new_cache();
	char buf[IFNAMSIZ], oracle[IFNAMSIZ];
	const char *got;

	CU_ASSERT_FATAL(if_indextoname(1, oracle) != NULL);
	rcu_read_lock();
	got = iface_name(n, 1, buf);
	CU_ASSERT_PTR_EQUAL(got, buf);
	CU_ASSERT(got && strcmp(got, oracle) == 0);
	rcu_read_unlock();
	CU_ASSERT_EQUAL(stats_of(n).misses, 1);
	CU_ASSERT_EQUAL(stats_of(n).unknown, 0);
	iface_names_close(n);
}

/* 5000 links added in a scattered order, then every other one deleted. */
static void test_many(void)
{
	enum { COUNT = 5000 };
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = new_cache();
	char name[IFNAMSIZ];
	unsigned int bad = 0;

	for (uint32_t i = 0; i < COUNT; i++) {
		uint32_t idx = (i * 2971u) % COUNT + 1;   /* a permutation of 1..COUNT */

		snprintf(name, sizeof(name), "if%u", idx);
		CU_ASSERT(apply_msg(n, put_named(buf, RTM_NEWLINK, (int)idx, name)) == 1);
	}
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(stats_of(n).links, COUNT);
	for (uint32_t idx = 1; idx <= COUNT; idx++) {
		snprintf(name, sizeof(name), "if%u", idx);
		bad += !cached_is(n, idx, name);
	}
	CU_ASSERT_EQUAL(bad, 0);
	for (uint32_t idx = 2; idx <= COUNT; idx += 2)
		CU_ASSERT(apply_msg(n, put_link(buf, RTM_DELLINK, AF_UNSPEC, (int)idx)) == 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT_EQUAL(stats_of(n).links, COUNT / 2);
	for (uint32_t idx = 1; idx <= COUNT; idx += 2) {
		snprintf(name, sizeof(name), "if%u", idx);
		bad += !cached_is(n, idx, name);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(not_cached(n, 2));
	CU_ASSERT(not_cached(n, COUNT));
	iface_names_close(n);
}

/* A dump datagram: several messages, then NLMSG_DONE. */
static void test_datagram_of_many(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = new_cache();
	size_t off = 0;
	struct nlmsghdr *nlh;

	off += NLMSG_ALIGN(put_named(buf + off, RTM_NEWLINK, 1, "lo")->nlmsg_len);
	off += NLMSG_ALIGN(put_named(buf + off, RTM_NEWLINK, 9, "lan0")->nlmsg_len);
	off += NLMSG_ALIGN(put_named(buf + off, RTM_NEWLINK, 4, "wan0")->nlmsg_len);
	off += NLMSG_ALIGN(put_link(buf + off, RTM_DELLINK, AF_UNSPEC, 9)->nlmsg_len);
	nlh = mnl_nlmsg_put_header(buf + off);
	nlh->nlmsg_type = NLMSG_DONE;
	mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	off += nlh->nlmsg_len;
	CU_ASSERT_EQUAL(apply_exact(n, buf, off), 4);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(cached_is(n, 1, "lo"));
	CU_ASSERT(cached_is(n, 4, "wan0"));
	CU_ASSERT_EQUAL(stats_of(n).links, 2);
	CU_ASSERT_EQUAL(stats_of(n).ignored, 1);
	iface_names_close(n);
}

/* A name a reader holds stays as it was until its read section ends,
 * whatever the writer publishes meanwhile: the writer waits for the grace
 * period before it frees the old snapshot. */
struct publisher {
	struct iface_names *n;
	atomic_bool done;
};

static void *publish_rename(void *arg)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct publisher *pub = arg;

	if (apply_msg(pub->n, put_named(buf, RTM_NEWLINK, 3, "new0")) == 1)
		iface_names_publish(pub->n);
	atomic_store(&pub->done, true);
	return NULL;
}

static void test_snapshot_is_immutable(void)
{
	struct publisher pub = { .n = new_cache() };
	char fb[IFNAMSIZ];
	const char *held;
	pthread_t writer;

	CU_ASSERT(set_name(pub.n, 3, "old0") == 1);
	rcu_read_lock();
	held = iface_name(pub.n, 3, fb);
	CU_ASSERT_FATAL(held != NULL && held != fb);
	CU_ASSERT_FATAL(pthread_create(&writer, NULL, publish_rename, &pub) == 0);
	/* The writer cannot finish while this section lasts. */
	for (int i = 0; i < 50 && !atomic_load(&pub.done); i++)
		usleep(2000);
	CU_ASSERT_FALSE(atomic_load(&pub.done));
	CU_ASSERT_STRING_EQUAL(held, "old0");
	rcu_read_unlock();
	CU_ASSERT_EQUAL(pthread_join(writer, NULL), 0);
	CU_ASSERT_TRUE(atomic_load(&pub.done));
	rcu_read_lock();
	CU_ASSERT_STRING_EQUAL(iface_name(pub.n, 3, fb), "new0");
	rcu_read_unlock();
	iface_names_close(pub.n);
}

/* ---- readers against the writer ----------------------------------------- */

enum { RACE_LINKS = 64, RACE_ROUNDS = 2000, RACE_READERS = 2 };

struct race {
	struct iface_names *n;
	atomic_bool stop;
	atomic_uint lookups;
	atomic_uint bad;
};

/* Every name is "r<index>.<round>": a reader must see one of those, whole. */
static bool race_name_ok(const char *name, uint32_t idx)
{
	char prefix[IFNAMSIZ];
	int len = snprintf(prefix, sizeof(prefix), "r%u.", idx);

	return name && strnlen(name, IFNAMSIZ) < IFNAMSIZ &&
	       strncmp(name, prefix, (size_t)len) == 0 && name[len] != '\0';
}

static void *race_reader(void *arg)
{
	struct race *r = arg;
	char buf[IFNAMSIZ];

	rcu_register_thread();
	while (!atomic_load(&r->stop)) {
		rcu_read_lock();
		for (uint32_t idx = 1; idx <= RACE_LINKS; idx++)
			if (!race_name_ok(iface_name(r->n, idx, buf), idx))
				atomic_fetch_add(&r->bad, 1);
		rcu_read_unlock();
		atomic_fetch_add(&r->lookups, RACE_LINKS);
	}
	rcu_unregister_thread();
	return NULL;
}

static void race_rename_all(struct iface_names *n, unsigned int round)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	char name[IFNAMSIZ];

	for (uint32_t idx = 1; idx <= RACE_LINKS; idx++) {
		if ((idx + round) % 7 != 0 && round != 0)
			continue;
		snprintf(name, sizeof(name), "r%u.%u", idx, round);
		CU_ASSERT(apply_msg(n, put_named(buf, RTM_NEWLINK, (int)idx, name)) == 1);
	}
	CU_ASSERT(iface_names_publish(n) == 0);
}

static void test_readers_race_writer(void)
{
	struct race r = { .n = new_cache() };
	pthread_t t[RACE_READERS];

	race_rename_all(r.n, 0);
	for (int i = 0; i < RACE_READERS; i++)
		CU_ASSERT_FATAL(pthread_create(&t[i], NULL, race_reader, &r) == 0);
	/* On a busy machine the readers may start late: a race needs them
	 * running (for up to 5 s). */
	for (int i = 0; i < 5000 && atomic_load(&r.lookups) == 0; i++)
		usleep(1000);
	for (unsigned int round = 1; round <= RACE_ROUNDS; round++)
		race_rename_all(r.n, round);
	atomic_store(&r.stop, true);
	for (int i = 0; i < RACE_READERS; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT(atomic_load(&r.lookups) > 0);
	CU_ASSERT_EQUAL(atomic_load(&r.bad), 0);
	CU_ASSERT_EQUAL(stats_of(r.n).misses, 0);
	CU_ASSERT_EQUAL(stats_of(r.n).publishes, RACE_ROUNDS + 1);
	iface_names_close(r.n);
}

/* ---- malformed messages ------------------------------------------------- */

/* Each builds, at BUF, a message for index 3 (which holds "lan0") that must
 * be refused and counted; the datagram is exactly nlmsg_len long. */
typedef struct nlmsghdr *(*bad_builder)(void *buf);

static struct nlmsghdr *bad_no_name(void *buf)
{
	struct nlmsghdr *nlh = put_link(buf, RTM_NEWLINK, AF_UNSPEC, 3);

	put_tail(nlh);
	return nlh;
}

static struct nlmsghdr *bad_short(void *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg) / 2);
	return nlh;
}

static struct nlmsghdr *bad_header_only(void *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = RTM_NEWLINK;
	return nlh;
}

static struct nlmsghdr *bad_two_names(void *buf)
{
	struct nlmsghdr *nlh = put_named(buf, RTM_NEWLINK, 3, "wan0");

	mnl_attr_put_strz(nlh, IFLA_IFNAME, "wan1");
	return nlh;
}

static struct nlmsghdr *bad_index_zero(void *buf)
{
	return put_named(buf, RTM_NEWLINK, 0, "wan0");
}

static struct nlmsghdr *bad_index_negative(void *buf)
{
	return put_named(buf, RTM_NEWLINK, -3, "wan0");
}

/* The name's nla_len claims 8 bytes more than the message has. */
static struct nlmsghdr *bad_attr_overruns(void *buf)
{
	struct nlmsghdr *nlh = put_link(buf, RTM_NEWLINK, AF_UNSPEC, 3);
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, "wan0");
	a->nla_len += 8;
	return nlh;
}

static struct nlmsghdr *bad_attr_too_short(void *buf)
{
	struct nlmsghdr *nlh = put_named(buf, RTM_NEWLINK, 3, "wan0");
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

	mnl_attr_put_u32(nlh, IFLA_TXQLEN, 1000);
	a->nla_len = 2;
	return nlh;
}

/* Bytes after the last attribute: neither padding nor an attribute. */
static struct nlmsghdr *bad_leftover(void *buf, uint32_t extra)
{
	struct nlmsghdr *nlh = put_named(buf, RTM_NEWLINK, 3, "wan0");

	memset((char *)buf + nlh->nlmsg_len, 0, extra);
	nlh->nlmsg_len += extra;
	return nlh;
}

static struct nlmsghdr *bad_leftover_1(void *buf) { return bad_leftover(buf, 1); }
static struct nlmsghdr *bad_leftover_2(void *buf) { return bad_leftover(buf, 2); }

/* A malformed DELLINK deletes nothing either. */
static struct nlmsghdr *bad_dellink(void *buf)
{
	struct nlmsghdr *nlh = put_link(buf, RTM_DELLINK, AF_UNSPEC, 3);

	mnl_attr_put(nlh, IFLA_IFNAME, 4, "lan0");
	return nlh;
}

static const struct {
	const char *what;
	bad_builder build;
} bad_messages[] = {
	{ "no IFLA_IFNAME", bad_no_name },
	{ "shorter than ifinfomsg", bad_short },
	{ "netlink header only", bad_header_only },
	{ "two names", bad_two_names },
	{ "ifindex 0", bad_index_zero },
	{ "negative ifindex", bad_index_negative },
	{ "attribute runs past the message", bad_attr_overruns },
	{ "attribute shorter than its header", bad_attr_too_short },
	{ "1 byte after the last attribute", bad_leftover_1 },
	{ "2 bytes after the last attribute", bad_leftover_2 },
	{ "malformed DELLINK", bad_dellink },
};

static struct iface_names *cache_with_lan0(void)
{
	struct iface_names *n = new_cache();

	CU_ASSERT(set_name(n, 3, "lan0") == 1);
	return n;
}

/* The table as it was: index 3 is lan0, alone, and nothing was published. */
static bool untouched(const struct iface_names *n)
{
	struct iface_stats st = stats_of(n);

	return cached_is(n, 3, "lan0") && st.links == 1 && st.updates == 1 &&
	       st.publishes == 1;
}

/* NLH (for index 3) is refused, counted, and changes nothing. */
static void check_refused(const char *what, const struct nlmsghdr *nlh)
{
	struct iface_names *n = cache_with_lan0();
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

/* IFLA_IFNAME payloads that are not a name. */
static void test_bad_names(void)
{
	static char long_name[300];
	const struct { const char *what, *bytes; uint16_t len; } bad[] = {
		{ "name without NUL", "eth0", 4 },
		{ "name of 16 characters", "abcdefghijklmnop", 17 },
		{ "16 bytes without NUL", "abcdefghijklmnop", 16 },
		{ "name of 299 characters", long_name, sizeof(long_name) },
		{ "empty name", "", 1 },
		{ "name attribute without payload", "", 0 },
		{ "NUL inside the name", "ab\0cd", 6 },
	};

	memset(long_name, 'x', sizeof(long_name) - 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		alignas(struct nlmsghdr) char buf[MSG_BUF];
		struct nlmsghdr *nlh = put_link(buf, RTM_NEWLINK, AF_UNSPEC, 3);

		mnl_attr_put(nlh, IFLA_IFNAME, bad[i].len, bad[i].bytes);
		check_refused(bad[i].what, nlh);
	}
}

/* The limits themselves are fine: 15 characters, 1 character. */
static void test_name_limits(void)
{
	struct iface_names *n = new_cache();

	CU_ASSERT(set_name(n, 3, "abcdefghijklmno") == 1);
	CU_ASSERT(set_name(n, 4, "a") == 1);
	CU_ASSERT(cached_is(n, 3, "abcdefghijklmno"));
	CU_ASSERT(cached_is(n, 4, "a"));
	CU_ASSERT_EQUAL(stats_of(n).malformed, 0);
	iface_names_close(n);
}

/* A last attribute without its padding, the datagram ending right there:
 * accepted, and nothing read after it (the sanitizers watch). */
static void test_unpadded_last_attribute(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = new_cache();
	struct nlmsghdr *nlh = put_link(buf, RTM_NEWLINK, AF_UNSPEC, 3);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, "ab");   /* 7 bytes + 1 padding */
	nlh->nlmsg_len -= 1;
	CU_ASSERT_EQUAL(apply_msg(n, nlh), 1);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(cached_is(n, 3, "ab"));
	CU_ASSERT_EQUAL(stats_of(n).malformed, 0);
	iface_names_close(n);
}

/* A message whose nlmsg_len runs past the datagram is not read at all. */
static void test_cut_datagram(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = cache_with_lan0();
	struct nlmsghdr *nlh = put_named(buf, RTM_NEWLINK, 3, "wan0");

	CU_ASSERT_EQUAL(apply_exact(n, buf, nlh->nlmsg_len - 4), -EBADMSG);
	CU_ASSERT_EQUAL(apply_exact(n, buf, 10), -EBADMSG);
	nlh->nlmsg_len = 8;
	CU_ASSERT_EQUAL(apply_exact(n, buf, 64), -EBADMSG);
	CU_ASSERT_EQUAL(apply_exact(n, buf, 0), 0);
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(untouched(n));
	CU_ASSERT_EQUAL(stats_of(n).malformed, 3);
	iface_names_close(n);
}

/* What precedes a bad end of a datagram is applied. */
static void test_good_then_cut(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];
	struct iface_names *n = new_cache();
	size_t off = NLMSG_ALIGN(put_named(buf, RTM_NEWLINK, 9, "lan9")->nlmsg_len);
	struct nlmsghdr *second = put_named(buf + off, RTM_NEWLINK, 10, "lan10");

	CU_ASSERT_EQUAL(apply_exact(n, buf, off + second->nlmsg_len - 1), -EBADMSG);
	memset(buf + off, 0, 8);
	CU_ASSERT_EQUAL(apply_exact(n, buf, off + 8), -EBADMSG);   /* trailing junk */
	CU_ASSERT_EQUAL(iface_names_publish(n), 0);
	CU_ASSERT(cached_is(n, 9, "lan9"));
	CU_ASSERT(not_cached(n, 10));
	CU_ASSERT_EQUAL(stats_of(n).malformed, 2);
	iface_names_close(n);
}

static const struct unit_test bad_tests[] = {
	{ "malformed link messages are refused and counted", test_bad_messages },
	{ "malformed names are refused and counted", test_bad_names },
	{ "names of 15 and 1 characters", test_name_limits },
	{ "unpadded last attribute", test_unpadded_last_attribute },
	{ "cut datagrams", test_cut_datagram },
	{ "good messages before a cut one", test_good_then_cut },
	{ NULL, NULL },
};

/* ---- rtnetlink in a namespace ------------------------------------------- */

struct ns_expect {
	const char *name;     /* the name to see in the cache; NULL: gone */
	uint32_t ifindex;
};

static bool ns_expect_met(const struct iface_names *n, const struct ns_expect *e)
{
	char buf[IFNAMSIZ];

	if (e->name)
		return cached_is(n, e->ifindex, e->name);
	/* Gone from the cache and from the kernel. */
	return not_cached(n, e->ifindex) && !if_indextoname(e->ifindex, buf);
}

/* Processes notifications until every expectation holds with none left
 * unread (a stale one still queued would undo them), for up to 5 s. */
static bool ns_wait(struct iface_names *n, const struct ns_expect *e, size_t count)
{
	struct pollfd pfd = { .fd = iface_names_fd(n), .events = POLLIN };

	for (int round = 0; round < 50; round++) {
		size_t met = 0;

		for (int i = 0; i < 1000 && poll(&pfd, 1, 0) > 0; i++)
			if (iface_names_process(n) < 0)
				return false;
		while (met < count && ns_expect_met(n, &e[met]))
			met++;
		if (met == count)
			return true;
		(void)poll(&pfd, 1, 100);
	}
	return false;
}

static bool ns_wait_one(struct iface_names *n, uint32_t ifindex, const char *name)
{
	struct ns_expect e = { .name = name, .ifindex = ifindex };

	return ns_wait(n, &e, 1);
}

static struct iface_names *ns_open(void)
{
	struct iface_names *n = NULL;

	NS_CHECK(iface_names_open(&n) == 0);
	NS_CHECK(n && iface_names_fd(n) >= 0);
	return n;
}

/* Links that exist before the cache opens come from the dump. */
static void ns_open_dumps(void)
{
	struct iface_names *n;

	NS_CHECK(ns_run("ip link add nfqa0 type veth peer name nfqa1"));
	n = ns_open();
	if (!n)
		return;
	NS_CHECK(cached_is(n, 1, "lo"));
	NS_CHECK(cached_is(n, if_nametoindex("nfqa0"), "nfqa0"));
	NS_CHECK(cached_is(n, if_nametoindex("nfqa1"), "nfqa1"));
	NS_CHECK(stats_of(n).links == 3);
	NS_CHECK(stats_of(n).publishes == 1);
	NS_CHECK(iface_names_process(n) == 0);   /* nothing pending */
	NS_CHECK(stats_of(n).publishes == 1);
	iface_names_close(n);
}

static void ns_add_rename_delete(void)
{
	struct iface_names *n = ns_open();
	uint32_t idx, peer;

	if (!n)
		return;
	NS_CHECK(ns_run("ip link add nfqa0 type veth peer name nfqa1"));
	idx = if_nametoindex("nfqa0");
	peer = if_nametoindex("nfqa1");
	NS_CHECK(ns_wait_one(n, idx, "nfqa0"));
	NS_CHECK(ns_wait_one(n, peer, "nfqa1"));
	NS_CHECK(ns_run("ip link set nfqa0 name nfqlan0 && ip link set nfqlan0 up"));
	NS_CHECK(ns_wait_one(n, idx, "nfqlan0"));
	NS_CHECK(ns_run("ip link del nfqlan0"));
	NS_CHECK(ns_wait_one(n, idx, NULL));
	NS_CHECK(ns_wait_one(n, peer, NULL));
	NS_CHECK(stats_of(n).links == 1);
	NS_CHECK(stats_of(n).malformed == 0);
	iface_names_close(n);
}

/* A port leaving its bridge gets an AF_BRIDGE RTM_DELLINK (and then an
 * RTM_NEWLINK that would put it back): the table must not change at all,
 * or a snapshot published in between would lack the port. */
static void ns_bridge_port_leaves(void)
{
	struct iface_names *n = ns_open();
	struct ns_expect setup[3] = {
		{ .name = "nfqbr0" }, { .name = "nfqp0" }, { .name = "nfqp1" },
	};
	uint64_t before;

	if (!n)
		return;
	NS_CHECK(ns_run("ip link add nfqbr0 type bridge && "
			"ip link add nfqp0 type veth peer name nfqp1 && "
			"ip link set nfqp0 master nfqbr0"));
	for (int i = 0; i < 3; i++)
		setup[i].ifindex = if_nametoindex(setup[i].name);
	NS_CHECK(ns_wait(n, setup, 3));
	before = stats_of(n).updates;
	NS_CHECK(ns_run("ip link set nfqp0 nomaster && "
			"ip link add nfqs0 type veth peer name nfqs1"));
	/* Notifications come in order: once the last link is in, so is
	 * everything before it; the new pair is the only change. */
	NS_CHECK(ns_wait_one(n, if_nametoindex("nfqs1"), "nfqs1"));
	NS_CHECK(stats_of(n).updates - before == 2);
	NS_CHECK(cached_is(n, setup[1].ifindex, "nfqp0"));
	NS_CHECK(stats_of(n).ignored > 0);
	iface_names_close(n);
}

/* Only the kernel speaks for the links: a message another process sends
 * to the socket (root may) is dropped unread. */
static void ns_forged_sender(void)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF] = { 0 };   /* sent whole: no stray bytes */
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	socklen_t to_len = sizeof(to);
	struct iface_names *n = ns_open();
	struct nlmsghdr *nlh;
	struct mnl_socket *forger;

	if (!n)
		return;
	forger = mnl_socket_open(NETLINK_ROUTE);
	NS_CHECK(forger && mnl_socket_bind(forger, 0, MNL_SOCKET_AUTOPID) == 0);
	NS_CHECK(getsockname(iface_names_fd(n), (struct sockaddr *)&to, &to_len) == 0);
	nlh = put_named(buf, RTM_NEWLINK, 1, "evil0");
	NS_CHECK(forger && sendto(mnl_socket_get_fd(forger), nlh, nlh->nlmsg_len, 0,
				  (struct sockaddr *)&to, sizeof(to)) == (ssize_t)nlh->nlmsg_len);
	NS_CHECK(ns_run("ip link add nfqs0 type veth peer name nfqs1"));
	NS_CHECK(ns_wait_one(n, if_nametoindex("nfqs1"), "nfqs1"));
	NS_CHECK(cached_is(n, 1, "lo"));
	NS_CHECK(stats_of(n).ignored >= 1);
	if (forger)
		mnl_socket_close(forger);
	iface_names_close(n);
}

/* A packet may name a link before its notification is read. */
static void ns_miss_before_notification(void)
{
	struct iface_names *n = ns_open();
	char buf[IFNAMSIZ];
	const char *got;
	uint32_t idx;

	if (!n)
		return;
	NS_CHECK(ns_run("ip link add nfqm0 type veth peer name nfqm1"));
	idx = if_nametoindex("nfqm0");
	rcu_read_lock();
	got = iface_name(n, idx, buf);
	NS_CHECK(got == buf && strcmp(got, "nfqm0") == 0);
	rcu_read_unlock();
	NS_CHECK(stats_of(n).misses == 1 && stats_of(n).unknown == 0);
	/* Then the notification puts it in the snapshot. */
	NS_CHECK(ns_wait_one(n, idx, "nfqm0"));
	iface_names_close(n);
}

/* With a receive buffer too small for the burst, notifications are lost;
 * the cache re-dumps and ends up right. The first notification fits in
 * the buffer and is stale by the time it is read (the link is renamed
 * again during the loss): it must not undo the dump. */
static void ns_lost_notifications(void)
{
	enum { PAIRS = 40 };
	struct ns_expect e[2 * PAIRS + 1];
	struct iface_names *n;
	char names[2 * PAIRS][IFNAMSIZ];
	int zero = 0;

	NS_CHECK(ns_run("ip link add nfqold0 type veth peer name nfqold1"));
	n = ns_open();
	if (!n)
		return;
	NS_CHECK(setsockopt(iface_names_fd(n), SOL_SOCKET, SO_RCVBUFFORCE,
			    &zero, sizeof(zero)) == 0);
	NS_CHECK(ns_run("ip link set nfqold0 name nfqmid0 && "
			"for i in $(seq 0 %d); do "
			"ip link add nfqb$i type veth peer name nfqc$i || exit 1; done && "
			"ip link set nfqmid0 name nfqnew0", PAIRS - 1));
	for (int i = 0; i < PAIRS; i++) {
		snprintf(names[2 * i], IFNAMSIZ, "nfqb%d", i);
		snprintf(names[2 * i + 1], IFNAMSIZ, "nfqc%d", i);
	}
	for (int i = 0; i < 2 * PAIRS; i++)
		e[i] = (struct ns_expect){ .name = names[i],
					   .ifindex = if_nametoindex(names[i]) };
	e[2 * PAIRS] = (struct ns_expect){ .name = "nfqnew0",
					   .ifindex = if_nametoindex("nfqnew0") };
	NS_CHECK(ns_wait(n, e, 2 * PAIRS + 1));
	NS_CHECK(stats_of(n).resyncs >= 1);
	NS_CHECK(stats_of(n).links == 1 + 2 + 2 * PAIRS);
	iface_names_close(n);
}

static void test_ns_open_dumps(void) { ns_test(ns_open_dumps); }
static void test_ns_add_rename_delete(void) { ns_test(ns_add_rename_delete); }
static void test_ns_bridge_port_leaves(void) { ns_test(ns_bridge_port_leaves); }
static void test_ns_miss(void) { ns_test(ns_miss_before_notification); }
static void test_ns_forged(void) { ns_test(ns_forged_sender); }
static void test_ns_lost(void) { ns_test(ns_lost_notifications); }

static const struct unit_test netns_tests[] = {
	{ "the dump at open", test_ns_open_dumps },
	{ "add, rename, delete", test_ns_add_rename_delete },
	{ "a bridge port leaving keeps its name", test_ns_bridge_port_leaves },
	{ "a lookup before the notification", test_ns_miss },
	{ "messages not from the kernel are ignored", test_ns_forged },
	{ "lost notifications: re-dump", test_ns_lost },
	{ NULL, NULL },
};


static const struct unit_test good_tests[] = {
	{ "no socket; index 0 has no name", test_no_socket },
	{ "an added link is seen once published", test_add_needs_publish },
	{ "rename; the same name again changes nothing", test_rename },
	{ "delete, with or without a name", test_delete },
	{ "AF_BRIDGE and other messages are ignored", test_bridge_family_ignored },
	{ "sparse and large indexes", test_sparse_indexes },
	{ "a miss asks the kernel", test_miss_falls_back },
	{ "5000 links", test_many },
	{ "a datagram of many messages", test_datagram_of_many },
	{ "a held name outlives a publish", test_snapshot_is_immutable },
	{ "readers race the writer", test_readers_race_writer },
	{ NULL, NULL },
};

static const struct unit_suite all_suites[] = {
	{ "iface: messages", good_tests },
	{ "iface: malformed messages", bad_tests },
	{ "iface: rtnetlink in a namespace (root)", netns_tests },
	{ NULL, NULL },
};

static const struct unit_suite user_suites[] = {
	{ "iface: messages", good_tests },
	{ "iface: malformed messages", bad_tests },
	{ NULL, NULL },
};

int main(void)
{
	const char *why = netns_unavailable();
	int rc;

	rcu_register_thread();
	rc = unit_run(why ? user_suites : all_suites);
	rcu_unregister_thread();
	if (rc == 0 && why) {
		printf("SKIP: test-names: the rtnetlink namespace suite did not run: %s\n", why);
		return 77;
	}
	return rc;
}
