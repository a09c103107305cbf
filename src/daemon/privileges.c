/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dropping privileges once setup is done: switch to daemon.user, keep
 * CAP_NET_ADMIN and nothing else, set no_new_privs, and check the result.
 *
 * Why CAP_NET_ADMIN stays (each found by trying, see the namespace test
 * tests/netns/service/privileges.sh):
 *  - nfnetlink checks it on every message it receives from us, at the time
 *    of sending: binding and configuring a queue, each verdict on a socket
 *    bound long before, and the nftables batches that install our table,
 *    flush its rules and delete it at shutdown. Without it a verdict fails
 *    with EPERM and the packet stays in the kernel's queue.
 *  - SO_RCVBUFFORCE (a queue socket's receive buffer beyond rmem_max).
 * Why nothing else stays:
 *  - the control socket is open (created, chmod, chown while still root);
 *    serving it needs no privilege, and its removal at exit needs only
 *    write access to its directory (priv_socket_dir_prepare());
 *  - /proc/net/netfilter/nfnetlink_queue is root's with mode 0440: it is
 *    opened before the drop and read again through that descriptor
 *    (queue_kstats_keep_open()), so no CAP_DAC_READ_SEARCH is needed;
 *  - a reload re-reads the configuration file, which the user must be able
 *    to read (priv_drop() warns when it cannot);
 *  - logging, timers, signals and sd_notify need none.
 * Capabilities are per thread, so this runs before the first worker thread
 * starts; every later thread inherits the reduced set. */
#include "config.h"

#include <cap-ng.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nfqfw/kstats.h"
#include "nfqfw/log.h"
#include "nfqfw/account.h"
#include "nfqfw/privileges.h"

#define PRIV_STATUS_PATH "/proc/thread-self/status"
#define PRIV_STATUS_MAX 16384

/* ---- accounts ---- */

int priv_lookup(const struct conf_daemon *cd, struct priv_ids *ids)
{
	uid_t unused_uid;
	int ret;

	*ids = (struct priv_ids){ .uid = getuid(), .gid = getgid() };
	if (!cd->user[0])
		return cd->group[0] ? -EINVAL : 0;
	ret = account_lookup(cd->user, true, &ids->uid, &ids->gid);
	if (ret < 0)
		return ret;
	if (cd->group[0]) {
		ret = account_lookup(cd->group, false, &unused_uid, &ids->gid);
		if (ret < 0)
			return ret;
	}
	ids->switch_user = true;
	return 0;
}

/* ---- /proc/<pid>/status ---- */

enum {
	PRIV_F_CAP_INH = 1u << 0,
	PRIV_F_CAP_PRM = 1u << 1,
	PRIV_F_CAP_EFF = 1u << 2,
	PRIV_F_CAP_BND = 1u << 3,
	PRIV_F_CAP_AMB = 1u << 4,
	PRIV_F_UID = 1u << 5,
	PRIV_F_GID = 1u << 6,
	PRIV_F_GROUPS = 1u << 7,
	PRIV_F_THREADS = 1u << 8,
	PRIV_F_NNP = 1u << 9,
	PRIV_F_ALL = (1u << 10) - 1,
};

/* "0000003fffffffff": exactly 16 hex digits, as the kernel prints them. */
static bool priv_parse_hex64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 16; i++) {
		unsigned int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned int)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned int)(s[i] - 'a' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	if (s[i] != '\n' && s[i] != '\0')
		return false;
	*out = v;
	return true;
}

/* N unsigned decimal numbers separated by tabs or spaces, then the end of
 * the line; with N == 0, counts them into *count instead. */
static bool priv_parse_ids(const char *s, unsigned long *out, unsigned int n,
			   unsigned int *count)
{
	unsigned int i = 0;

	for (;;) {
		char *end;
		unsigned long v;

		s += strspn(s, " \t");
		if (*s == '\n' || *s == '\0')
			break;
		if (*s < '0' || *s > '9')
			return false;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || v > UINT32_MAX)
			return false;
		if (n && i < n)
			out[i] = v;
		i++;
		s = end;
	}
	if (count)
		*count = i;
	return n == 0 || i == n;
}

static bool priv_parse_line(const char *line, struct priv_status *st, unsigned int *seen)
{
	static const struct {
		const char *key;
		unsigned int flag;
		size_t offset;
	} caps[] = {
		{ "CapInh:\t", PRIV_F_CAP_INH, offsetof(struct priv_status, cap_inh) },
		{ "CapPrm:\t", PRIV_F_CAP_PRM, offsetof(struct priv_status, cap_prm) },
		{ "CapEff:\t", PRIV_F_CAP_EFF, offsetof(struct priv_status, cap_eff) },
		{ "CapBnd:\t", PRIV_F_CAP_BND, offsetof(struct priv_status, cap_bnd) },
		{ "CapAmb:\t", PRIV_F_CAP_AMB, offsetof(struct priv_status, cap_amb) },
	};
	unsigned long ids[4], v;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		size_t len = strlen(caps[i].key);

		if (strncmp(line, caps[i].key, len) != 0)
			continue;
		*seen |= caps[i].flag;
		return priv_parse_hex64(line + len,
					(uint64_t *)((char *)st + caps[i].offset));
	}
	if (strncmp(line, "Uid:", 4) == 0 || strncmp(line, "Gid:", 4) == 0) {
		bool is_uid = line[0] == 'U';

		if (!priv_parse_ids(line + 4, ids, 4, NULL))
			return false;
		for (int i = 0; i < 4; i++) {
			if (is_uid)
				st->uid[i] = (uid_t)ids[i];
			else
				st->gid[i] = (gid_t)ids[i];
		}
		*seen |= is_uid ? PRIV_F_UID : PRIV_F_GID;
		return true;
	}
	if (strncmp(line, "Groups:", 7) == 0) {
		*seen |= PRIV_F_GROUPS;
		return priv_parse_ids(line + 7, NULL, 0, &st->groups);
	}
	if (strncmp(line, "Threads:", 8) == 0 || strncmp(line, "NoNewPrivs:", 11) == 0) {
		bool threads = line[0] == 'T';

		if (!priv_parse_ids(line + (threads ? 8 : 11), &v, 1, NULL))
			return false;
		if (threads)
			st->threads = (unsigned int)v;
		else if (v > 1)
			return false;
		else
			st->no_new_privs = v == 1;
		*seen |= threads ? PRIV_F_THREADS : PRIV_F_NNP;
		return true;
	}
	return true;    /* a line we do not need */
}

int priv_status_parse(const char *text, struct priv_status *st)
{
	unsigned int seen = 0;

	memset(st, 0, sizeof(*st));
	for (const char *line = text; *line; ) {
		const char *nl = strchr(line, '\n');

		if (!priv_parse_line(line, st, &seen))
			return -EINVAL;
		if (!nl)
			break;
		line = nl + 1;
	}
	return seen == PRIV_F_ALL ? 0 : -EINVAL;
}

int priv_status_read(const char *path, struct priv_status *st)
{
	char *buf = malloc(PRIV_STATUS_MAX);
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out_free;
	}
	while (len < PRIV_STATUS_MAX - 1 &&
	       (n = read(fd, buf + len, PRIV_STATUS_MAX - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out_close;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	ret = priv_status_parse(buf, st);
out_close:
	close(fd);
out_free:
	free(buf);
	return ret;
}

/* ---- the control socket's directory ---- */

bool priv_dir_holds_only(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool only = true;

	if (!d)
		return false;
	while (only && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		only = strcmp(e->d_name, name) == 0;
	}
	closedir(d);
	return only;
}

int priv_socket_dir_prepare(const char *socket_path, const struct priv_ids *ids)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(socket_path, '/');
	size_t dlen;
	struct stat st;

	if (!ids->switch_user || ids->uid == 0)
		return PRIV_DIR_UNCHANGED;
	if (!slash || slash[1] == '\0')
		return -EINVAL;
	dlen = slash == socket_path ? 1 : (size_t)(slash - socket_path);
	if (dlen >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, socket_path, dlen);
	dir[dlen] = '\0';
	if (stat(dir, &st) < 0)
		return -errno;
	if (st.st_uid == ids->uid && (st.st_mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR))
		return PRIV_DIR_UNCHANGED;
	if (st.st_uid != 0)
		return PRIV_DIR_FOREIGN;
	if (!priv_dir_holds_only(dir, slash + 1))
		return PRIV_DIR_SHARED;
	/* The socket first: until the directory is writable for the user,
	 * nobody but root can touch it. */
	if (lchown(socket_path, ids->uid, (gid_t)-1) < 0 ||
	    chown(dir, (uid_t)-1, ids->gid) < 0 ||
	    chmod(dir, (st.st_mode & 07777) | S_IWGRP | S_IXGRP | S_ISVTX) < 0)
		return -errno;
	return PRIV_DIR_HANDED_OVER;
}

/* ---- capabilities ---- */

/* Shrinks the bounding set to CAP_NET_ADMIN if it holds more. Needs
 * CAP_SETPCAP; without it the set is left as it is (*kept). */
static int priv_shrink_bounding(bool *kept)
{
	bool extra = false;

	*kept = false;
	for (unsigned int cap = 0; cap < 64; cap++)
		if (cap != PRIV_KEPT_CAP &&
		    capng_have_capability(CAPNG_BOUNDING_SET, cap) == 1)
			extra = true;
	if (!extra)
		return 0;
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP) != 1) {
		*kept = true;
		return 0;
	}
	capng_clear(CAPNG_SELECT_BOUNDS);
	if (capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, PRIV_KEPT_CAP) < 0 ||
	    capng_apply(CAPNG_SELECT_BOUNDS) < 0)
		return errno ? -errno : -EPERM;
	return 0;
}

/* capng_change_id() says which step failed by its return value. */
static const char *priv_change_id_step(int rc)
{
	switch (rc) {
	case -2: case -7: return "PR_SET_KEEPCAPS";
	case -3: return "raising CAP_SETUID and CAP_SETGID";
	case -4: return "setresgid";
	case -5: return "setgroups";
	case -6: return "setresuid";
	case -9: return "the final capability set";
	default: return "libcap-ng";
	}
}

/* Keeps CAP_NET_ADMIN in the effective and permitted sets only, switching
 * user on the way if asked. */
static int priv_apply(const struct priv_ids *ids)
{
	int rc, err;

	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, PRIV_KEPT_CAP) < 0)
		return -EINVAL;
	errno = 0;
	if (ids->switch_user) {
		rc = capng_change_id((int)ids->uid, (int)ids->gid, CAPNG_DROP_SUPP_GRP);
		if (rc < 0) {
			err = errno ? errno : EPERM;
			log_err("cannot switch to uid %u gid %u: %s failed: %s",
				(unsigned int)ids->uid, (unsigned int)ids->gid,
				priv_change_id_step(rc), strerror(err));
			return -err;
		}
	} else if (capng_apply(CAPNG_SELECT_CAPS) < 0) {
		err = errno ? errno : EPERM;
		log_err("cannot set our capabilities: %s", strerror(err));
		return -err;
	}
	/* Ambient capabilities would survive an execve; the kernel clears
	 * them on a switch from root, not when we stay. */
	if ((prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		err = errno;
		log_err("cannot clear ambient capabilities or set no_new_privs: %s",
			strerror(err));
		return -err;
	}
	return 0;
}

int priv_drop_caps(const struct priv_ids *ids, bool *bounding_kept)
{
	struct priv_status st;
	int ret;

	*bounding_kept = false;
	/* Without /proc this cannot be checked; priv_verify() warns then. */
	if (priv_status_read(PRIV_STATUS_PATH, &st) == 0 && st.threads > 1) {
		log_err("cannot drop privileges: %u threads run already, and each "
			"would keep its own capabilities", st.threads);
		return -EBUSY;
	}
	if (capng_get_caps_process() < 0) {
		ret = errno ? -errno : -EIO;
		log_err("cannot read our capabilities: %s", strerror(-ret));
		return ret;
	}
	if (capng_have_capability(CAPNG_PERMITTED, PRIV_KEPT_CAP) != 1) {
		log_err("CAP_NET_ADMIN is not among our capabilities, and nfqfwd needs it");
		return -EPERM;
	}
	ret = priv_shrink_bounding(bounding_kept);
	if (ret < 0) {
		log_err("cannot shrink the capability bounding set: %s", strerror(-ret));
		return ret;
	}
	return priv_apply(ids);
}

/* ---- all of it, for main() ---- */

/* Compares what the kernel says with what we asked for. */
static int priv_verify(const struct priv_ids *ids, bool bounding_kept)
{
	struct priv_status st;
	int ret = priv_status_read(PRIV_STATUS_PATH, &st);
	bool ok;

	if (ret < 0) {
		log_warn("cannot check the capabilities in %s: %s", PRIV_STATUS_PATH,
			 strerror(-ret));
		return 0;
	}
	ok = st.cap_eff == PRIV_KEPT_MASK && st.cap_prm == PRIV_KEPT_MASK &&
	     st.cap_inh == 0 && st.cap_amb == 0 && st.no_new_privs &&
	     (bounding_kept || st.cap_bnd == PRIV_KEPT_MASK);
	for (int i = 0; i < 4; i++)
		ok = ok && st.uid[i] == ids->uid &&
		     (!ids->switch_user || st.gid[i] == ids->gid);
	if (ids->switch_user)
		ok = ok && st.groups == 0;
	if (ok)
		return 0;
	log_err("privileges not dropped as intended: CapEff %016" PRIx64 " CapPrm %016"
		PRIx64 " CapInh %016" PRIx64 " CapAmb %016" PRIx64 " CapBnd %016" PRIx64
		" NoNewPrivs %d uid %u",
		st.cap_eff, st.cap_prm, st.cap_inh, st.cap_amb, st.cap_bnd,
		st.no_new_privs, (unsigned int)st.uid[1]);
	return -EPERM;
}

static void priv_log_socket_dir(int ret, const char *socket_path, const char *user)
{
	const char *why = ret == PRIV_DIR_SHARED ? "its directory holds other files too" :
			  ret == PRIV_DIR_FOREIGN ? "another user owns its directory" :
			  ret < 0 ? strerror(-ret) : NULL;

	if (ret == PRIV_DIR_HANDED_OVER)
		log_info("control socket %s: its directory is now writable for user %s, "
			 "so that it can remove the socket", socket_path, user);
	else if (why)
		log_notice("control socket %s: %s; running as user %s, nfqfwd cannot "
			   "remove the socket when it stops (the next start replaces it)",
			   socket_path, why, user);
}

int priv_drop(const struct conf_daemon *cd, const char *socket_path,
	      const char *conf_path)
{
	struct priv_ids ids;
	bool bounding_kept;
	int ret;

	ret = priv_lookup(cd, &ids);
	if (ret < 0) {
		log_err("cannot look up daemon.user '%s' or daemon.group '%s': %s",
			cd->user, cd->group,
			ret == -ENOENT ? "no such account any more" : strerror(-ret));
		return ret;
	}
	priv_log_socket_dir(priv_socket_dir_prepare(socket_path, &ids), socket_path,
			    cd->user);
	/* Root's and mode 0440: open now for the statistics and the workers'
	 * drain at shutdown, which read it again and again. */
	ret = queue_kstats_keep_open(QUEUE_KSTATS_PATH);
	if (ret < 0)
		log_warn("cannot open %s: %s; the kernel's queue counters will be missing",
			 QUEUE_KSTATS_PATH, strerror(-ret));
	ret = priv_drop_caps(&ids, &bounding_kept);
	if (ret < 0)
		return ret;
	if (bounding_kept)
		/* The shipped unit's set: CAP_NET_RAW was for the reject
		 * sockets, opened already. */
		log_notice("the capability bounding set holds more than CAP_NET_ADMIN and "
			   "cannot shrink without CAP_SETPCAP; no_new_privs keeps it unused");
	ret = priv_verify(&ids, bounding_kept);
	if (ret < 0)
		return ret;
	if (access(conf_path, R_OK) < 0)
		log_warn("%s is not readable for uid %u: a reload will fail",
			 conf_path, (unsigned int)ids.uid);
	log_notice("running as uid %u gid %u with CAP_NET_ADMIN only",
		   (unsigned int)ids.uid, (unsigned int)ids.gid);
	return 0;
}
