/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging: stderr in the foreground, syslog otherwise, with rate limits for
 * anything a packet can trigger. */
#ifndef NFQFW_LOG_H
#define NFQFW_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

enum log_target {
	LOG_TO_STDERR,
	LOG_TO_SYSLOG,
};

void log_open(const char *ident, enum log_target target, int max_priority);
void log_close(void);
void log_set_max_priority(int max_priority);
/* Parses "err", "warning", "notice", "info", "debug"; returns -1 if unknown. */
int log_priority_from_name(const char *name);

void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)     log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)    log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

/* A token bucket shared by the threads that log one kind of event: at most
 * `burst` lines at once and `per_sec` lines a second after that. Lines that
 * do not fit are counted and the count is reported with the next line. */
struct log_ratelimit {
	uint32_t per_sec;
	uint32_t burst;
	_Atomic uint64_t next_ns;     /* virtual time of the next free token */
	_Atomic uint64_t suppressed;
};

#define LOG_RATELIMIT_INIT(rate, bucket) { .per_sec = (rate), .burst = (bucket) }

/* Returns true if a line may be logged now; *suppressed receives the number
 * of lines dropped since the last one that was allowed. */
bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ns,
			 uint64_t *suppressed);

void log_msg_ratelimited(struct log_ratelimit *rl, int priority,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

uint64_t log_now_ns(void);

#endif
