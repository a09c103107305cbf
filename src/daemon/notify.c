/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Readiness and status for the service manager, through libsystemd's
 * sd_notify when the build has it. */
#include "config.h"

#include "nfqfw/daemon.h"

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

void daemon_notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void daemon_notify_reloading(void)
{
	sd_notify(0, "RELOADING=1\nSTATUS=reloading configuration");
}

void daemon_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping: releasing queued packets");
}

void daemon_notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}
#else
void daemon_notify_ready(const char *status)
{
	(void)status;
}

void daemon_notify_reloading(void)
{
}

void daemon_notify_stopping(void)
{
}

void daemon_notify_status(const char *status)
{
	(void)status;
}
#endif
