/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's own counters for an NFQUEUE queue, read from
 * /proc/net/netfilter/nfnetlink_queue: what the kernel saw, as opposed to
 * what our workers counted, so that packets lost before they reached us show. */
#ifndef NFQFW_KSTATS_H
#define NFQFW_KSTATS_H

#include <stdbool.h>
#include <stdint.h>

#define QUEUE_KSTATS_PATH "/proc/net/netfilter/nfnetlink_queue"

/* One line of the file: "queue_number peer_portid queue_total copy_mode
 * copy_range queue_dropped user_dropped id_sequence 1". */
struct queue_kstats {
	uint16_t queue;
	uint32_t portid;            /* netlink port id of the reader */
	uint32_t waiting;           /* packets queued, no verdict yet */
	uint32_t copy_mode;         /* NFQNL_COPY_* */
	uint32_t copy_range;
	uint64_t queue_dropped;     /* dropped because the queue was full */
	uint64_t user_dropped;      /* dropped because the netlink socket overran */
	uint64_t id_sequence;       /* id of the last packet queued */
	bool present;               /* the queue has a line (is bound) */
};

/* Reads the line of QUEUE from PATH into *OUT. Returns 0; -ENOENT if the
 * queue has no line (or the file does not exist: nfnetlink_queue not loaded),
 * *OUT is then zeroed with present false; or another negative errno if the
 * file cannot be read. Malformed lines are skipped. */
int queue_kstats_read(const char *path, uint16_t queue, struct queue_kstats *out);

/* Opens PATH now and keeps it open: later reads of PATH use this file
 * descriptor, read again from offset 0 (procfs makes the text anew). The
 * file is root's with mode 0440, so a daemon that gives up root opens it
 * before. Call before any thread reads. Returns 0 or a negative errno. */
int queue_kstats_keep_open(const char *path);

/* Parses one line of the file. Returns false if it is malformed. */
bool queue_kstats_parse_line(const char *line, struct queue_kstats *out);

#endif
