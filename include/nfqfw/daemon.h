/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's state as main() builds it: configuration, workers, our
 * nftables table and the control socket, and the event loop over them. */
#ifndef NFQFW_DAEMON_H
#define NFQFW_DAEMON_H

#include <stdbool.h>

#include "nfqfw/conf.h"
#include "nfqfw/ctl.h"
#include "nfqfw/hook.h"
#include "nfqfw/pipeline.h"
#include "nfqfw/queue.h"

struct iface_names;
struct reject_sender;

struct daemon {
	struct nfqfw_conf conf;
	struct pipeline pipeline;
	struct queue_worker *workers;
	unsigned int nworkers;
	struct ctl_worker_info *worker_info;
	struct hook_config hook;
	enum hook_queue_kind hook_kind;
	bool hook_installed;
	struct ctl_context ctl_ctx;
	struct ctl_server *ctl;
	struct ct_table *ct;
	struct iface_names *ifnames;        /* ifindex -> name for the rules */
	struct reject_sender *reject;       /* raw sockets for rejects */
	int signal_fd;
};

/* Runs until SIGTERM or SIGINT. Returns 0, or a negative errno if the loop
 * itself failed. */
int daemon_loop(struct daemon *d);

/* Re-reads the configuration (SIGHUP, nfqfwctl reload). A bad file changes
 * nothing. Returns 0, the number of errors, or a negative errno; with
 * ERRORS non-NULL, *ERRORS gets the error lines (the caller frees them). */
int daemon_reload(struct daemon *d, char **errors_out);

/* Service manager notification (sd_notify), no-ops without libsystemd. */
void daemon_notify_ready(const char *status);
void daemon_notify_reloading(void);
void daemon_notify_stopping(void);
void daemon_notify_status(const char *status);

#endif
