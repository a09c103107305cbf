/* SPDX-License-Identifier: GPL-2.0-or-later */
/* User and group lookup by name, shared by the configuration check and the
 * privilege drop. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

#include "nfqfw/account.h"

int account_lookup(const char *name, bool is_user, uid_t *uid, gid_t *gid)
{
	size_t size = 1024;
	struct passwd pw, *pw_found = NULL;
	struct group gr, *gr_found = NULL;
	char *buf = NULL;
	int rc;

	do {
		char *bigger = realloc(buf, size);

		if (!bigger) {
			free(buf);
			return -ENOMEM;
		}
		buf = bigger;
		rc = is_user ? getpwnam_r(name, &pw, buf, size, &pw_found)
			     : getgrnam_r(name, &gr, buf, size, &gr_found);
		size *= 2;
	} while (rc == ERANGE && size <= 1024 * 1024);
	free(buf);
	if (pw_found) {
		*uid = pw.pw_uid;
		*gid = pw.pw_gid;
		return 0;
	}
	if (gr_found) {
		*gid = gr.gr_gid;
		return 0;
	}
	/* POSIX lets "not found" come back as any of these. */
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		return -ENOENT;
	return -rc;
}
