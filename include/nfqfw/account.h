/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Looking up a user or group by name, for the configuration check and for
 * the switch to daemon.user. */
#ifndef NFQFW_ACCOUNT_H
#define NFQFW_ACCOUNT_H

#include <stdbool.h>
#include <sys/types.h>

/* Finds user (IS_USER) or group NAME with getpwnam_r/getgrnam_r, growing the
 * buffer until the entry fits. A user gives *UID and its primary *GID, a
 * group only *GID. Returns 0, -ENOENT if there is none, or another negative
 * errno if the account database could not be read. */
int account_lookup(const char *name, bool is_user, uid_t *uid, gid_t *gid);

#endif
