/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dropping privileges: parsing /proc/<pid>/status, looking up accounts,
 * handing the control socket's directory over, and the drop itself, each
 * drop in a child process so that the test keeps its own privileges. The
 * tests that change owners or drop capabilities need root; without it
 * they are left out (and said so), and what needs no root still runs. */
#include "config.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nfqfw/privileges.h"
#include "unit.h"

#define BIT(cap) (UINT64_C(1) << (cap))

/* ---- /proc/<pid>/status ---- */

/* The lines of a real status file that matter, in the kernel's format,
 * among others that do not. */
static const char status_text[] =
	"Name:\tnfqfwd\n"
	"Umask:\t0022\n"
	"State:\tS (sleeping)\n"
	"Tgid:\t4025\n"
	"Uid:\t0\t999\t998\t997\n"
	"Gid:\t1\t2\t3\t4\n"
	"FDSize:\t64\n"
	"Groups:\t27 100 65534 \n"
	"VmPeak:\t    3060 kB\n"
	"Threads:\t3\n"
	"SigQ:\t0/96365\n"
	"CapInh:\t0000000000000001\n"
	"CapPrm:\t0000000000001000\n"
	"CapEff:\t0000000000001000\n"
	"CapBnd:\t000001ffffffffff\n"
	"CapAmb:\t8000000000000000\n"
	"NoNewPrivs:\t1\n"
	"Seccomp:\t0\n";

static void test_status_parse(void)
{
	struct priv_status st;

	CU_ASSERT_EQUAL_FATAL(priv_status_parse(status_text, &st), 0);
	CU_ASSERT_EQUAL(st.cap_inh, 1);
	CU_ASSERT_EQUAL(st.cap_prm, BIT(12));
	CU_ASSERT_EQUAL(st.cap_eff, BIT(12));
	CU_ASSERT_EQUAL(st.cap_bnd, UINT64_C(0x000001ffffffffff));
	CU_ASSERT_EQUAL(st.cap_amb, BIT(63));
	CU_ASSERT_EQUAL(st.uid[0], 0);
	CU_ASSERT_EQUAL(st.uid[1], 999);
	CU_ASSERT_EQUAL(st.uid[2], 998);
	CU_ASSERT_EQUAL(st.uid[3], 997);
	CU_ASSERT_EQUAL(st.gid[0], 1);
	CU_ASSERT_EQUAL(st.gid[3], 4);
	CU_ASSERT_EQUAL(st.groups, 3);
	CU_ASSERT_EQUAL(st.threads, 3);
	CU_ASSERT_TRUE(st.no_new_privs);
}

/* No supplementary groups: "Groups:" with nothing after it. */
static void test_status_no_groups(void)
{
	char text[sizeof(status_text)];
	struct priv_status st;
	char *g;

	memcpy(text, status_text, sizeof(text));
	g = strstr(text, "27 100 65534 ");
	memset(g, ' ', strlen("27 100 65534 "));
	CU_ASSERT_EQUAL_FATAL(priv_status_parse(text, &st), 0);
	CU_ASSERT_EQUAL(st.groups, 0);
}

/* Replaces the first occurrence of FROM in the sample by TO and expects
 * the parser to refuse the result. */
static void expect_refused(const char *from, const char *to)
{
	char text[sizeof(status_text) + 64];
	const char *at = strstr(status_text, from);
	struct priv_status st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - status_text), status_text,
		 to, at + strlen(from));
	CU_ASSERT_EQUAL(priv_status_parse(text, &st), -EINVAL);
	if (priv_status_parse(text, &st) != -EINVAL)
		fprintf(stderr, "\naccepted with '%s' for '%s'\n", to, from);
}

static void test_status_malformed(void)
{
	/* each field missing */
	expect_refused("CapInh:", "CapInx:");
	expect_refused("CapPrm:", "CapPrx:");
	expect_refused("CapEff:", "CapEfx:");
	expect_refused("CapBnd:", "CapBnx:");
	expect_refused("CapAmb:", "CapAmx:");
	expect_refused("Uid:", "Uix:");
	expect_refused("Gid:", "Gix:");
	expect_refused("Groups:", "Groupx:");
	expect_refused("Threads:", "Threadx:");
	expect_refused("NoNewPrivs:", "NoNewPrivx:");
	/* bad values */
	expect_refused("0000000000001000\nCapEff", "000000000001000\nCapEff");
	expect_refused("0000000000001000\nCapEff", "00000000000010000\nCapEff");
	expect_refused("0000000000001000\nCapEff", "000000000000100G\nCapEff");
	expect_refused("0000000000001000\nCapEff", "00000000000010A0\nCapEff");
	expect_refused("Uid:\t0\t999\t998\t997", "Uid:\t0\t999\t998");
	expect_refused("Uid:\t0\t999\t998\t997", "Uid:\t0\t999\t998\t997\t1");
	expect_refused("Uid:\t0\t999", "Uid:\t-1\t999");
	expect_refused("Gid:\t1", "Gid:\t4294967296");
	expect_refused("Groups:\t27", "Groups:\tx27");
	expect_refused("NoNewPrivs:\t1", "NoNewPrivs:\t2");
	expect_refused("NoNewPrivs:\t1", "NoNewPrivs:\t");
	expect_refused("Threads:\t3", "Threads:\t3 4");
}

static void test_status_empty(void)
{
	struct priv_status st;

	CU_ASSERT_EQUAL(priv_status_parse("", &st), -EINVAL);
	CU_ASSERT_EQUAL(priv_status_parse("\n\n", &st), -EINVAL);
}

/* The real file of this thread, which has no other. */
static void test_status_read_self(void)
{
	struct priv_status st;

	CU_ASSERT_EQUAL_FATAL(priv_status_read("/proc/thread-self/status", &st), 0);
	CU_ASSERT_EQUAL(st.uid[0], getuid());
	CU_ASSERT_EQUAL(st.uid[1], geteuid());
	CU_ASSERT_EQUAL(st.gid[0], getgid());
	CU_ASSERT_EQUAL(st.threads, 1);
	CU_ASSERT_EQUAL(priv_status_read("/nonexistent/status", &st), -ENOENT);
}

/* ---- accounts ---- */

/* An account other than root, and a group other than its own, so that
 * every ID the lookup returns is told apart. */
static void other_account(struct passwd *pw, struct group *gr)
{
	const struct passwd *p;
	const struct group *g;
	bool found = false;

	setpwent();
	while (!found && (p = getpwent()))
		found = p->pw_uid != 0 && p->pw_uid != p->pw_gid;
	CU_ASSERT_FATAL(found);
	*pw = *p;
	pw->pw_name = strdup(p->pw_name);
	endpwent();
	found = false;
	setgrent();
	while (!found && (g = getgrent()))
		found = g->gr_gid != pw->pw_gid && g->gr_gid != pw->pw_uid && g->gr_gid != 0;
	CU_ASSERT_FATAL(found);
	*gr = *g;
	gr->gr_name = strdup(g->gr_name);
	endgrent();
}

static void test_lookup(void)
{
	struct conf_daemon cd = { .user = "", .group = "" };
	struct priv_ids ids;
	struct passwd pw;
	struct group gr;

	CU_ASSERT_EQUAL(priv_lookup(&cd, &ids), 0);
	CU_ASSERT_FALSE(ids.switch_user);
	CU_ASSERT_EQUAL(ids.uid, getuid());
	CU_ASSERT_EQUAL(ids.gid, getgid());

	other_account(&pw, &gr);
	snprintf(cd.user, sizeof(cd.user), "%s", pw.pw_name);
	CU_ASSERT_EQUAL(priv_lookup(&cd, &ids), 0);
	CU_ASSERT_TRUE(ids.switch_user);
	CU_ASSERT_EQUAL(ids.uid, pw.pw_uid);
	CU_ASSERT_EQUAL(ids.gid, pw.pw_gid);

	snprintf(cd.group, sizeof(cd.group), "%s", gr.gr_name);
	CU_ASSERT_EQUAL(priv_lookup(&cd, &ids), 0);
	CU_ASSERT_TRUE(ids.switch_user);
	CU_ASSERT_EQUAL(ids.uid, pw.pw_uid);
	CU_ASSERT_EQUAL(ids.gid, gr.gr_gid);

	strcpy(cd.user, "root");
	cd.group[0] = '\0';
	CU_ASSERT_EQUAL(priv_lookup(&cd, &ids), 0);
	CU_ASSERT_TRUE(ids.switch_user);
	CU_ASSERT_EQUAL(ids.uid, 0);
	free(pw.pw_name);
	free(gr.gr_name);
}

static void test_lookup_unknown(void)
{
	struct conf_daemon cd = { .user = "nfqfw-no-such-user", .group = "" };
	struct priv_ids ids;

	CU_ASSERT_EQUAL(priv_lookup(&cd, &ids), -ENOENT);
	strcpy(cd.user, "root");
	strcpy(cd.group, "nfqfw-no-such-group");
	CU_ASSERT_EQUAL(priv_lookup(&cd, &ids), -ENOENT);
	/* the configuration check refuses a group alone; so does the lookup */
	cd.user[0] = '\0';
	strcpy(cd.group, "root");
	CU_ASSERT_EQUAL(priv_lookup(&cd, &ids), -EINVAL);
}

/* ---- the socket's directory ---- */

struct sockdir {
	char dir[64];
	char sock[96];
};

static void sockdir_make(struct sockdir *sd)
{
	int fd;

	strcpy(sd->dir, "/tmp/nfqfw-test-priv.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(sd->dir));
	snprintf(sd->sock, sizeof(sd->sock), "%s/nfqfw.sock", sd->dir);
	fd = open(sd->sock, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
}

static void sockdir_remove(struct sockdir *sd)
{
	char other[128];

	snprintf(other, sizeof(other), "%s/other", sd->dir);
	unlink(other);
	unlink(sd->sock);
	CU_ASSERT_EQUAL(rmdir(sd->dir), 0);
}

static void sockdir_add_other(struct sockdir *sd)
{
	char other[128];
	int fd;

	snprintf(other, sizeof(other), "%s/other", sd->dir);
	fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
}

static void test_dir_holds_only(void)
{
	struct sockdir sd;

	sockdir_make(&sd);
	CU_ASSERT_TRUE(priv_dir_holds_only(sd.dir, "nfqfw.sock"));
	CU_ASSERT_FALSE(priv_dir_holds_only(sd.dir, "nfqfw.soc"));
	CU_ASSERT_FALSE(priv_dir_holds_only(sd.dir, "other"));
	sockdir_add_other(&sd);
	CU_ASSERT_FALSE(priv_dir_holds_only(sd.dir, "nfqfw.sock"));
	CU_ASSERT_FALSE(priv_dir_holds_only("/nonexistent-nfqfw-dir", "nfqfw.sock"));
	sockdir_remove(&sd);
}

/* Nothing to do for root, nor when no switch is asked for; bad paths. */
static void test_dir_no_change(void)
{
	struct priv_ids stay = { .switch_user = false, .uid = 12345, .gid = 12345 };
	struct priv_ids to_root = { .switch_user = true, .uid = 0, .gid = 0 };
	struct priv_ids user = { .switch_user = true, .uid = 12345, .gid = 12345 };
	struct sockdir sd;
	struct stat before, after;

	sockdir_make(&sd);
	CU_ASSERT_EQUAL_FATAL(stat(sd.dir, &before), 0);
	CU_ASSERT_EQUAL(priv_socket_dir_prepare(sd.sock, &stay), PRIV_DIR_UNCHANGED);
	CU_ASSERT_EQUAL(priv_socket_dir_prepare(sd.sock, &to_root), PRIV_DIR_UNCHANGED);
	CU_ASSERT_EQUAL_FATAL(stat(sd.dir, &after), 0);
	CU_ASSERT_EQUAL(after.st_mode, before.st_mode);
	CU_ASSERT_EQUAL(after.st_gid, before.st_gid);
	sockdir_remove(&sd);

	CU_ASSERT_EQUAL(priv_socket_dir_prepare("nfqfw.sock", &user), -EINVAL);
	CU_ASSERT_EQUAL(priv_socket_dir_prepare("/run/nfqfw/", &user), -EINVAL);
	CU_ASSERT_EQUAL(priv_socket_dir_prepare("/nonexistent-nfqfw-dir/x.sock", &user),
			-ENOENT);
}

/* A directory shared with other files is left as it is: "/" always is. */
static void test_dir_shared(void)
{
	struct priv_ids user = { .switch_user = true, .uid = 12345, .gid = 12345 };
	struct stat before, after;

	CU_ASSERT_EQUAL_FATAL(stat("/", &before), 0);
	CU_ASSERT_EQUAL(priv_socket_dir_prepare("/nfqfw.sock", &user),
			before.st_uid == 0 ? PRIV_DIR_SHARED : PRIV_DIR_FOREIGN);
	CU_ASSERT_EQUAL_FATAL(stat("/", &after), 0);
	CU_ASSERT_EQUAL(after.st_mode, before.st_mode);
	CU_ASSERT_EQUAL(after.st_gid, before.st_gid);
}

/* A directory that already belongs to the user needs nothing; one of
 * somebody else is not ours to change. Without root the test's own
 * directory plays the user's. */
static void test_dir_owners(void)
{
	struct priv_ids user = { .switch_user = true, .uid = 12345, .gid = 23456 };
	struct sockdir sd;
	struct stat st;

	sockdir_make(&sd);
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL_FATAL(chown(sd.dir, 12345, 0), 0);
	} else {
		user.uid = geteuid();
	}
	CU_ASSERT_EQUAL(priv_socket_dir_prepare(sd.sock, &user), PRIV_DIR_UNCHANGED);
	user.uid++;
	CU_ASSERT_EQUAL(priv_socket_dir_prepare(sd.sock, &user), PRIV_DIR_FOREIGN);
	CU_ASSERT_EQUAL_FATAL(stat(sd.dir, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
	CU_ASSERT_EQUAL_FATAL(stat(sd.sock, &st), 0);
	CU_ASSERT_EQUAL(st.st_uid, geteuid());
	sockdir_remove(&sd);
}

/* Root's directory holding only the socket: the socket goes to the user,
 * the directory to the user's group, writable and sticky. */
static void test_dir_handover(void)
{
	struct priv_ids user = { .switch_user = true, .uid = 12345, .gid = 23456 };
	struct sockdir sd;
	struct stat st;

	sockdir_make(&sd);
	CU_ASSERT_EQUAL(priv_socket_dir_prepare(sd.sock, &user), PRIV_DIR_HANDED_OVER);
	CU_ASSERT_EQUAL_FATAL(stat(sd.dir, &st), 0);
	CU_ASSERT_EQUAL(st.st_uid, 0);
	CU_ASSERT_EQUAL(st.st_gid, 23456);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 01730);
	CU_ASSERT_EQUAL_FATAL(lstat(sd.sock, &st), 0);
	CU_ASSERT_EQUAL(st.st_uid, 12345);
	CU_ASSERT_EQUAL(st.st_gid, 0);
	/* a restart hands the new socket over again */
	CU_ASSERT_EQUAL(chown(sd.sock, 0, 0), 0);
	CU_ASSERT_EQUAL(priv_socket_dir_prepare(sd.sock, &user), PRIV_DIR_HANDED_OVER);
	CU_ASSERT_EQUAL_FATAL(lstat(sd.sock, &st), 0);
	CU_ASSERT_EQUAL(st.st_uid, 12345);
	sockdir_remove(&sd);
}

static void test_dir_handover_refused_when_shared(void)
{
	struct priv_ids user = { .switch_user = true, .uid = 12345, .gid = 23456 };
	struct sockdir sd;
	struct stat st;

	sockdir_make(&sd);
	sockdir_add_other(&sd);
	CU_ASSERT_EQUAL(priv_socket_dir_prepare(sd.sock, &user), PRIV_DIR_SHARED);
	CU_ASSERT_EQUAL_FATAL(stat(sd.dir, &st), 0);
	CU_ASSERT_EQUAL(st.st_gid, 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
	CU_ASSERT_EQUAL_FATAL(lstat(sd.sock, &st), 0);
	CU_ASSERT_EQUAL(st.st_uid, 0);
	sockdir_remove(&sd);
}

/* ---- the drop, in a child process ---- */

struct child_result {
	int ret;
	bool bounding_kept;
	int status_ret;
	struct priv_status st;
};

typedef void child_fn(struct child_result *r, const void *arg);

/* Runs FN in a child, whose credentials die with it, and returns what it
 * found. The child leaves by _exit: nothing of the parent's runs there. */
static void run_in_child(child_fn *fn, const void *arg, struct child_result *r)
{
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct child_result res = { 0 };

		close(fds[0]);
		fn(&res, arg);
		res.status_ret = priv_status_read("/proc/thread-self/status", &res.st);
		_exit(write(fds[1], &res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 3);
	}
	close(fds[1]);
	n = read(fds[0], r, sizeof(*r));
	close(fds[0]);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL_FATAL(n, (ssize_t)sizeof(*r));
	CU_ASSERT_EQUAL(r->status_ret, 0);
}

static void child_drop(struct child_result *r, const void *arg)
{
	r->ret = priv_drop_caps(arg, &r->bounding_kept);
}

/* Removes CAPS (a mask) from the effective and permitted sets, and with
 * BOUNDING the bounding set keeps CAP_NET_ADMIN only, as systemd's
 * CapabilityBoundingSet=CAP_NET_ADMIN leaves root. */
static int child_reduce(uint64_t caps, bool bounding)
{
	if (capng_get_caps_process() < 0)
		return -1;
	for (unsigned int cap = 0; cap < 64; cap++)
		if (caps & BIT(cap))
			capng_update(CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED, cap);
	if (bounding) {
		capng_clear(CAPNG_SELECT_BOUNDS);
		capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, CAP_NET_ADMIN);
		if (capng_apply(CAPNG_SELECT_BOTH) < 0)
			return -1;
		return 0;
	}
	return capng_apply(CAPNG_SELECT_CAPS);
}

static void child_drop_without_net_admin(struct child_result *r, const void *arg)
{
	r->ret = child_reduce(BIT(CAP_NET_ADMIN), false) < 0 ? -99 :
		 priv_drop_caps(arg, &r->bounding_kept);
}

static void child_drop_without_setpcap(struct child_result *r, const void *arg)
{
	r->ret = child_reduce(BIT(CAP_SETPCAP), false) < 0 ? -99 :
		 priv_drop_caps(arg, &r->bounding_kept);
}

static void child_drop_like_systemd(struct child_result *r, const void *arg)
{
	r->ret = child_reduce(~BIT(CAP_NET_ADMIN), true) < 0 ? -99 :
		 priv_drop_caps(arg, &r->bounding_kept);
}

/* Supplementary groups the switch must drop. */
static void child_drop_with_groups(struct child_result *r, const void *arg)
{
	static const gid_t groups[] = { 4, 24, 27 };

	r->ret = setgroups(3, groups) < 0 ? -99 : priv_drop_caps(arg, &r->bounding_kept);
}

static void *thread_wait(void *arg)
{
	char c;

	return read(*(int *)arg, &c, 1) < 0 ? arg : NULL;
}

static void child_drop_with_thread(struct child_result *r, const void *arg)
{
	pthread_t t;
	int fds[2];

	if (pipe(fds) < 0 || pthread_create(&t, NULL, thread_wait, &fds[0]) != 0) {
		r->ret = -99;
		return;
	}
	r->ret = priv_drop_caps(arg, &r->bounding_kept);
	close(fds[1]);
	pthread_join(t, NULL);
}

static void assert_only_net_admin(const struct child_result *r, bool bounding_too)
{
	CU_ASSERT_EQUAL(r->st.cap_eff, BIT(CAP_NET_ADMIN));
	CU_ASSERT_EQUAL(r->st.cap_prm, BIT(CAP_NET_ADMIN));
	CU_ASSERT_EQUAL(r->st.cap_inh, 0);
	CU_ASSERT_EQUAL(r->st.cap_amb, 0);
	if (bounding_too)
		CU_ASSERT_EQUAL(r->st.cap_bnd, BIT(CAP_NET_ADMIN));
	CU_ASSERT_TRUE(r->st.no_new_privs);
}

/* The kept capability is the one the kernel calls CAP_NET_ADMIN. */
static void test_kept_is_net_admin(void)
{
	CU_ASSERT_EQUAL(PRIV_KEPT_CAP, CAP_NET_ADMIN);
	CU_ASSERT_EQUAL(PRIV_KEPT_MASK, BIT(CAP_NET_ADMIN));
}

/* Refused without CAP_NET_ADMIN: without it the daemon could do nothing.
 * Runs with or without root. */
static void test_drop_needs_net_admin(void)
{
	struct priv_ids stay = { .switch_user = false, .uid = getuid(), .gid = getgid() };
	struct child_result r;
	struct priv_status before;

	CU_ASSERT_EQUAL_FATAL(priv_status_read("/proc/thread-self/status", &before), 0);
	run_in_child(child_drop_without_net_admin, &stay, &r);
	CU_ASSERT_EQUAL(r.ret, -EPERM);
	/* refused before anything changed */
	CU_ASSERT_EQUAL(r.st.cap_bnd, before.cap_bnd);
	CU_ASSERT_FALSE(r.st.no_new_privs);
}

static void test_drop_stay_root(void)
{
	struct priv_ids stay = { .switch_user = false, .uid = 0, .gid = 0 };
	struct child_result r;

	run_in_child(child_drop, &stay, &r);
	CU_ASSERT_EQUAL(r.ret, 0);
	CU_ASSERT_FALSE(r.bounding_kept);
	assert_only_net_admin(&r, true);
	CU_ASSERT_EQUAL(r.st.uid[1], 0);
}

static void test_drop_switch_user(void)
{
	struct priv_ids user = { .switch_user = true, .uid = 12345, .gid = 23456 };
	struct child_result r;

	run_in_child(child_drop_with_groups, &user, &r);
	CU_ASSERT_EQUAL(r.ret, 0);
	assert_only_net_admin(&r, true);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(r.st.uid[i], 12345);
		CU_ASSERT_EQUAL(r.st.gid[i], 23456);
	}
	CU_ASSERT_EQUAL(r.st.groups, 0);
}

/* Another thread would keep its own capabilities: refused, nothing done. */
static void test_drop_refused_with_threads(void)
{
	struct priv_ids stay = { .switch_user = false, .uid = 0, .gid = 0 };
	struct child_result r;

	run_in_child(child_drop_with_thread, &stay, &r);
	CU_ASSERT_EQUAL(r.ret, -EBUSY);
	CU_ASSERT_NOT_EQUAL(r.st.cap_eff, BIT(CAP_NET_ADMIN));
	CU_ASSERT_FALSE(r.st.no_new_privs);
}

/* Without CAP_SETPCAP the bounding set cannot shrink: said, and the rest
 * is done all the same. */
static void test_drop_without_setpcap(void)
{
	struct priv_ids stay = { .switch_user = false, .uid = 0, .gid = 0 };
	struct child_result r;

	run_in_child(child_drop_without_setpcap, &stay, &r);
	CU_ASSERT_EQUAL(r.ret, 0);
	CU_ASSERT_TRUE(r.bounding_kept);
	assert_only_net_admin(&r, false);
	CU_ASSERT_TRUE(r.st.cap_bnd & BIT(CAP_SYS_ADMIN));
}

/* Under CapabilityBoundingSet=CAP_NET_ADMIN there is nothing left to drop
 * and no CAP_SETPCAP: fine. Switching user is not possible there. */
static void test_drop_like_systemd(void)
{
	struct priv_ids stay = { .switch_user = false, .uid = 0, .gid = 0 };
	struct priv_ids user = { .switch_user = true, .uid = 12345, .gid = 23456 };
	struct child_result r;

	run_in_child(child_drop_like_systemd, &stay, &r);
	CU_ASSERT_EQUAL(r.ret, 0);
	CU_ASSERT_FALSE(r.bounding_kept);
	assert_only_net_admin(&r, true);

	run_in_child(child_drop_like_systemd, &user, &r);
	CU_ASSERT_EQUAL(r.ret, -EPERM);
	CU_ASSERT_EQUAL(r.st.uid[1], 0);
}

struct full_drop {
	struct conf_daemon cd;
	char sock[96];
	char conf[96];
};

static void child_full_drop(struct child_result *r, const void *arg)
{
	const struct full_drop *f = arg;

	r->ret = priv_drop(&f->cd, f->sock, f->conf);
}

/* What main() calls: the directory handed over, the user switched to, the
 * capabilities dropped. */
static void test_full_drop(void)
{
	struct full_drop f = { .cd = { .user = "", .group = "" } };
	struct passwd pw;
	struct group gr;
	struct sockdir sd;
	struct child_result r;
	struct stat st;

	other_account(&pw, &gr);
	sockdir_make(&sd);
	snprintf(f.cd.user, sizeof(f.cd.user), "%s", pw.pw_name);
	snprintf(f.cd.group, sizeof(f.cd.group), "%s", gr.gr_name);
	snprintf(f.sock, sizeof(f.sock), "%s", sd.sock);
	snprintf(f.conf, sizeof(f.conf), "%s", sd.sock);
	run_in_child(child_full_drop, &f, &r);
	CU_ASSERT_EQUAL(r.ret, 0);
	assert_only_net_admin(&r, true);
	CU_ASSERT_EQUAL(r.st.uid[1], pw.pw_uid);
	CU_ASSERT_EQUAL(r.st.gid[1], gr.gr_gid);
	CU_ASSERT_EQUAL_FATAL(lstat(sd.sock, &st), 0);
	CU_ASSERT_EQUAL(st.st_uid, pw.pw_uid);
	CU_ASSERT_EQUAL_FATAL(stat(sd.dir, &st), 0);
	CU_ASSERT_EQUAL(st.st_gid, gr.gr_gid);

	/* an account removed since the configuration was checked */
	strcpy(f.cd.user, "nfqfw-no-such-user");
	run_in_child(child_full_drop, &f, &r);
	CU_ASSERT_EQUAL(r.ret, -ENOENT);
	CU_ASSERT_NOT_EQUAL(r.st.cap_eff, BIT(CAP_NET_ADMIN));
	sockdir_remove(&sd);
	free(pw.pw_name);
	free(gr.gr_name);
}

static const struct unit_test status_tests[] = {
	{ "parse", test_status_parse },
	{ "no supplementary groups", test_status_no_groups },
	{ "malformed or missing fields", test_status_malformed },
	{ "empty", test_status_empty },
	{ "read our own", test_status_read_self },
	{ NULL, NULL },
};

static const struct unit_test account_tests[] = {
	{ "lookup", test_lookup },
	{ "unknown accounts", test_lookup_unknown },
	{ NULL, NULL },
};

static const struct unit_test dir_tests[] = {
	{ "holds only", test_dir_holds_only },
	{ "no change needed, bad paths", test_dir_no_change },
	{ "shared directory", test_dir_shared },
	{ "owners", test_dir_owners },
	{ NULL, NULL },
};

static const struct unit_test drop_tests[] = {
	{ "kept capability", test_kept_is_net_admin },
	{ "refused without CAP_NET_ADMIN", test_drop_needs_net_admin },
	{ NULL, NULL },
};

static const struct unit_test root_dir_tests[] = {
	{ "handover", test_dir_handover },
	{ "no handover when shared", test_dir_handover_refused_when_shared },
	{ NULL, NULL },
};

static const struct unit_test root_drop_tests[] = {
	{ "stay root", test_drop_stay_root },
	{ "switch user", test_drop_switch_user },
	{ "refused with threads", test_drop_refused_with_threads },
	{ "without CAP_SETPCAP", test_drop_without_setpcap },
	{ "like systemd's bounding set", test_drop_like_systemd },
	{ "priv_drop", test_full_drop },
	{ NULL, NULL },
};

static const struct unit_suite all_suites[] = {
	{ "privileges: status", status_tests },
	{ "privileges: accounts", account_tests },
	{ "privileges: socket directory", dir_tests },
	{ "privileges: drop", drop_tests },
	{ "privileges: socket directory (root)", root_dir_tests },
	{ "privileges: drop (root)", root_drop_tests },
	{ NULL, NULL },
};

static const struct unit_suite user_suites[] = {
	{ "privileges: status", status_tests },
	{ "privileges: accounts", account_tests },
	{ "privileges: socket directory", dir_tests },
	{ "privileges: drop", drop_tests },
	{ NULL, NULL },
};

/* Root's tests change owners and switch users: without root they cannot
 * run, and the output says so instead of counting them as passed. */
int main(void)
{
	if (geteuid() != 0) {
		printf("test-privileges: not root: the handover and drop suites are not run\n");
		return unit_run(user_suites);
	}
	return unit_run(all_suites);
}
