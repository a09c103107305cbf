/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Privileges: once the control socket is open, the daemon switches to
 * daemon.user (if set) and keeps one capability, CAP_NET_ADMIN, for the
 * rest of its life; everything else goes, for good (no_new_privs). */
#ifndef NFQFW_PRIVILEGES_H
#define NFQFW_PRIVILEGES_H

#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "nfqfw/conf.h"

/* The capability the daemon keeps: every nfnetlink message it sends (queue
 * bind and config, each verdict, the nftables batches) is checked for it
 * when it is sent, not only when the socket is opened. */
#define PRIV_KEPT_CAP CAP_NET_ADMIN
#define PRIV_KEPT_MASK (UINT64_C(1) << PRIV_KEPT_CAP)

/* Whom to become: the result of looking up daemon.user and daemon.group. */
struct priv_ids {
	bool switch_user;     /* daemon.user is set */
	uid_t uid;
	gid_t gid;
};

/* Resolves daemon.user (and daemon.group, else the user's primary group).
 * Returns 0, -ENOENT if an account does not exist, another negative errno
 * if the account database could not be read. With no user, *ids says to
 * stay who we are. */
int priv_lookup(const struct conf_daemon *cd, struct priv_ids *ids);

/* The credentials of a thread, as /proc/<pid>/task/<tid>/status shows them. */
struct priv_status {
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uid_t uid[4];             /* real, effective, saved, filesystem */
	gid_t gid[4];
	unsigned int groups;      /* supplementary groups */
	unsigned int threads;     /* of the whole process */
	bool no_new_privs;
};

/* Parses the text of a status file. Returns 0, or -EINVAL if one of the
 * fields above is missing or malformed. */
int priv_status_parse(const char *text, struct priv_status *st);

/* Reads and parses PATH (e.g. "/proc/thread-self/status"). */
int priv_status_read(const char *path, struct priv_status *st);

/* True if directory DIR holds nothing but NAME. */
bool priv_dir_holds_only(const char *dir, const char *name);

enum priv_dir_result {
	PRIV_DIR_UNCHANGED,       /* nothing to do: root, or the user's already */
	PRIV_DIR_HANDED_OVER,     /* made writable for the user (see below) */
	PRIV_DIR_SHARED,          /* holds other files too: left as it is */
	PRIV_DIR_FOREIGN,         /* another user's: left as it is */
};

/* Lets a daemon that switches to a user remove its control socket when it
 * stops. Unlinking needs write permission on the socket's directory. If
 * that directory belongs to root and holds nothing but the socket, it gets
 * the daemon's group with g+wx and the sticky bit, and the socket gets the
 * user as owner: the user can then remove its own socket but nothing that
 * root puts there (a later start's new socket stays root's until it is
 * handed over in turn, so it cannot be swapped for a link meanwhile).
 * Returns a priv_dir_result, or a negative errno (-EPERM: no CAP_CHOWN). */
int priv_socket_dir_prepare(const char *socket_path, const struct priv_ids *ids);

/* Switches to IDS (if switch_user) keeping CAP_NET_ADMIN, and clears every
 * other capability from the effective, permitted, inheritable, ambient and
 * bounding sets, then sets no_new_privs. Must run while the process has one
 * thread: capabilities belong to threads, and a thread started before
 * would keep all of its own (-EBUSY). Returns 0; -EPERM if CAP_NET_ADMIN
 * is not ours to keep or the switch was refused. The bounding set can only
 * shrink with CAP_SETPCAP: without it, a set that holds more than
 * CAP_NET_ADMIN is left (and *bounding_kept set), which no_new_privs makes
 * harmless since nothing is executed. */
int priv_drop_caps(const struct priv_ids *ids, bool *bounding_kept);

/* What main() calls right after the control socket is open and before any
 * thread starts: looks up daemon.user, prepares the socket's directory,
 * drops the capabilities, checks the result in /proc and that CONF_PATH is
 * still readable for a reload. Logs every problem. Returns 0 or a negative
 * errno, after which the daemon must not go on. */
int priv_drop(const struct conf_daemon *cd, const char *socket_path,
	      const char *conf_path);

#endif
