/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the interface cache's test programs share: applying a datagram from
 * a heap buffer of exactly its size (so that the sanitizers see any read
 * past it), building address messages, asking which source address the
 * cache picks, and running a scenario as root in a network namespace of
 * its own (a forked child after unshare(CLONE_NEWNET)), or learning why
 * that cannot be done here. */
#ifndef NFQFW_TESTS_IFACE_TEST_H
#define NFQFW_TESTS_IFACE_TEST_H

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <urcu.h>

#include "nfqfw/iface.h"
#include "unit.h"

#define MSG_BUF 8192

/* Applies LEN bytes from a heap copy of exactly that size. */
static inline int apply_exact(struct iface_names *n, const void *msg, size_t len)
{
	void *copy = malloc(len ? len : 1);
	int ret;

	CU_ASSERT_FATAL(copy != NULL);
	memcpy(copy, msg, len);
	ret = iface_names_apply(n, copy, len);
	free(copy);
	return ret;
}

static inline struct iface_names *new_cache(void)
{
	struct iface_names *n = NULL;

	CU_ASSERT_FATAL(iface_names_create(&n) == 0);
	CU_ASSERT_FATAL(n != NULL);
	return n;
}

static inline struct iface_stats stats_of(const struct iface_names *n)
{
	struct iface_stats st;

	iface_names_stats(n, &st);
	return st;
}

static inline union pkt_addr addr_of(uint8_t family, const char *text)
{
	union pkt_addr a = { 0 };

	CU_ASSERT_FATAL(inet_pton(family, text, a.b) == 1);
	return a;
}

/* An address message as the kernel writes one (IFA_ADDRESS, IFA_LOCAL,
 * IFA_LABEL for IPv4, IFA_CACHEINFO, IFA_FLAGS); NULL addresses are left
 * out, and so is IFA_FLAGS when NO_IFA_FLAGS is set (ifa_flags then
 * carries the low 8 bits, as from an old kernel). */
struct addr_spec {
	uint16_t type;
	uint8_t family;
	uint32_t ifindex;
	const char *local, *peer;
	uint8_t prefixlen;
	uint8_t scope;
	uint32_t flags;
	bool no_ifa_flags;
};

static inline struct nlmsghdr *put_addr(void *buf, const struct addr_spec *sp)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifa_cacheinfo ci = { .ifa_prefered = UINT32_MAX, .ifa_valid = UINT32_MAX };
	size_t size = sp->family == AF_INET ? 4 : 16;
	struct ifaddrmsg *ifa;
	union pkt_addr a;

	nlh->nlmsg_type = sp->type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = sp->family;
	ifa->ifa_prefixlen = sp->prefixlen;
	ifa->ifa_flags = (uint8_t)sp->flags;
	ifa->ifa_scope = sp->scope;
	ifa->ifa_index = sp->ifindex;
	if (sp->peer) {
		a = addr_of(sp->family, sp->peer);
		mnl_attr_put(nlh, IFA_ADDRESS, size, a.b);
	}
	if (sp->local) {
		a = addr_of(sp->family, sp->local);
		mnl_attr_put(nlh, IFA_LOCAL, size, a.b);
	}
	if (sp->family == AF_INET)
		mnl_attr_put_strz(nlh, IFA_LABEL, "lan0");
	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	if (!sp->no_ifa_flags)
		mnl_attr_put_u32(nlh, IFA_FLAGS, sp->flags);
	return nlh;
}

static inline int apply_msg(struct iface_names *n, const struct nlmsghdr *nlh)
{
	return apply_exact(n, nlh, nlh->nlmsg_len);
}

static inline int apply_spec(struct iface_names *n, const struct addr_spec *sp)
{
	alignas(struct nlmsghdr) char buf[MSG_BUF];

	return apply_msg(n, put_addr(buf, sp));
}

/* True if the cache picks EXPECTED (NULL: nothing) for FAMILY out of
 * IFINDEX towards DST (NULL: none); says what it picked otherwise. */
static inline bool picks(const struct iface_names *n, uint32_t ifindex, uint8_t family,
		  const char *dst, const char *expected)
{
	union pkt_addr d, got = { 0 }, want = { 0 };
	char text[INET6_ADDRSTRLEN] = "nothing";
	bool found, ok;

	if (dst)
		d = addr_of(family, dst);
	if (expected)
		want = addr_of(family, expected);
	rcu_read_lock();
	found = iface_primary_addr(n, ifindex, family, dst ? &d : NULL, &got);
	rcu_read_unlock();
	ok = expected ? found && memcmp(&got, &want, sizeof(got)) == 0 : !found;
	if (!ok) {
		if (found)
			inet_ntop(family, got.b, text, sizeof(text));
		printf("\n  if %u towards %s: picked %s, not %s\n", ifindex,
		       dst ? dst : "-", text, expected ? expected : "nothing");
	}
	return ok;
}

static inline bool is_gone(const struct iface_addr_event *e, uint32_t ifindex, uint8_t family,
		    const char *addr)
{
	union pkt_addr a = addr_of(family, addr);

	return e->kind == IFACE_EVENT_ADDR_GONE && e->ifindex == ifindex &&
	       e->family == family && memcmp(&e->addr, &a, sizeof(a)) == 0;
}

/* Each namespace scenario runs in a child of its own; its checks count
 * failures there and the exit status carries them. */
static int ns_failures;

#define NS_CHECK(cond) \
	do { \
		if (!(cond)) { \
			ns_failures++; \
			fprintf(stderr, "%s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond); \
		} \
	} while (0)

__attribute__((format(printf, 1, 2)))
static inline bool ns_run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static inline void ns_test(void (*scenario)(void))
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	call_rcu_before_fork();
	pid = fork();
	if (pid == 0) {
		call_rcu_after_fork_child();
		if (unshare(CLONE_NEWNET) < 0) {
			perror("unshare(CLONE_NEWNET)");
			_exit(99);
		}
		scenario();
		exit(ns_failures ? 1 : 0);
	}
	call_rcu_after_fork_parent();
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_FATAL(waitpid(pid, &status, 0) == pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* NULL if the namespace suites can run here, else why not. */
static inline const char *netns_unavailable(void)
{
	int status = 0;
	pid_t pid;

	if (geteuid() != 0)
		return "not root";
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 &&
		      ns_run("ip link add nfqprobe0 type veth peer name nfqprobe1") ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return "cannot make a network namespace with a veth pair (unshare, ip)";
	return NULL;
}

#endif
