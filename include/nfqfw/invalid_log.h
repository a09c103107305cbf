/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The most recent INVALID verdicts with their reasons, kept for
 * `nfqfwctl conntrack invalid`: the log is rate-limited, this ring is not,
 * but it only remembers the last few. Workers never wait for it: when the
 * ring is busy, the record is skipped (the counters stay exact). */
#ifndef NFQFW_INVALID_LOG_H
#define NFQFW_INVALID_LOG_H

#include <pthread.h>
#include <stdint.h>

#include "nfqfw/ct.h"
#include "nfqfw/pkt.h"

#define INVALID_LOG_SIZE 64

struct invalid_record {
	uint64_t when_ns;            /* CLOCK_MONOTONIC */
	uint8_t family, l4proto, hook;
	bool dropped;
	union pkt_addr saddr, daddr;
	uint16_t sport, dport;
	char reason[sizeof(((struct ct_reason *)0)->text)];
};

struct invalid_log {
	pthread_mutex_t lock;
	uint64_t total;              /* records ever written */
	uint64_t skipped;            /* not written: the ring was busy */
	struct invalid_record ring[INVALID_LOG_SIZE];
};

void invalid_log_init(struct invalid_log *l);
void invalid_log_destroy(struct invalid_log *l);
/* Records one verdict; never blocks. */
void invalid_log_add(struct invalid_log *l, const struct invalid_record *rec);
/* Copies the records, oldest first, into OUT (INVALID_LOG_SIZE slots);
 * returns how many. *SKIPPED gets the number of records skipped so far. */
unsigned int invalid_log_read(struct invalid_log *l, struct invalid_record *out,
			      uint64_t *skipped);

#endif
