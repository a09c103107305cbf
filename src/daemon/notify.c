/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Readiness and status for the service manager, through libsystemd's
 * sd_notify when the build has it. Every STATUS= goes through here, so that
 * a status refreshed on a timer is sent only when it says something new. */
#include "config.h"

#include "nfqfw/daemon.h"

#ifdef HAVE_SYSTEMD
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

/* The STATUS= the service manager shows now. Only the main thread calls
 * these functions. */
static char notify_last_status[256];

static void notify_remember(const char *status)
{
	snprintf(notify_last_status, sizeof(notify_last_status), "%s", status);
}

void daemon_notify_ready(const char *status)
{
	notify_remember(status);
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

/* MONOTONIC_USEC tells a service manager that sent the reload signal
 * itself (Type=notify-reload, systemd 253 and later) that this reload
 * started after its request; earlier versions ignore it. */
void daemon_notify_reloading(void)
{
	struct timespec ts;
	unsigned long long usec;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	usec = (unsigned long long)ts.tv_sec * 1000000ull +
	       (unsigned long long)ts.tv_nsec / 1000ull;
	notify_remember("reloading configuration");
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=%s", usec,
		   notify_last_status);
}

void daemon_notify_stopping(void)
{
	notify_remember("stopping: releasing queued packets");
	sd_notifyf(0, "STOPPING=1\nSTATUS=%s", notify_last_status);
}

void daemon_notify_status(const char *status)
{
	if (strncmp(status, notify_last_status, sizeof(notify_last_status) - 1) == 0)
		return;
	notify_remember(status);
	sd_notifyf(0, "STATUS=%s", notify_last_status);
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
