/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging to stderr (foreground) or syslog, and the token-bucket rate limit
 * that every packet-triggered message goes through. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nfqfw/log.h"

static enum log_target log_target = LOG_TO_STDERR;
/* stderr is the journal's stream (systemd, Type=notify with -f): lines
 * carry a "<N>" priority prefix, which the journal files them under. */
static bool log_to_journal_stream;
static _Atomic int log_max_priority = LOG_INFO;

static const char *const log_priority_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

/* JOURNAL_STREAM holds "device:inode" of the journal's stream; it counts
 * only if stderr is still that file (and not redirected since). */
static bool log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!env || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_open(const char *ident, enum log_target target, int max_priority)
{
	log_target = target;
	log_to_journal_stream = target == LOG_TO_STDERR && log_stderr_is_journal();
	log_max_priority = max_priority;
	if (target == LOG_TO_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_close(void)
{
	if (log_target == LOG_TO_SYSLOG)
		closelog();
	log_target = LOG_TO_STDERR;
}

void log_set_max_priority(int max_priority)
{
	log_max_priority = max_priority;
}

int log_priority_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(log_priority_names) / sizeof(log_priority_names[0]); i++)
		if (log_priority_names[i] && strcmp(name, log_priority_names[i]) == 0)
			return (int)i;
	return -1;
}

__attribute__((format(printf, 2, 0)))
static void log_vmsg(int priority, const char *fmt, va_list ap)
{
	char line[1024];

	if (priority > log_max_priority)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_target == LOG_TO_SYSLOG) {
		syslog(priority, "%s", line);
		return;
	}
	/* One fprintf per line: stdio locks the stream, so lines from
	 * different threads never interleave. */
	if (log_to_journal_stream)
		fprintf(stderr, "<%d>%s\n", priority & 7, line);
	else
		fprintf(stderr, "nfqfwd: %s: %s\n", log_priority_names[priority & 7], line);
}

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(priority, fmt, ap);
	va_end(ap);
}

uint64_t log_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Generic cell rate algorithm: next_ns is the time at which the bucket would
 * be empty again; a line fits while that time is at most burst intervals
 * ahead of now. One compare-and-swap, no lock, safe from every thread. */
bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ns,
			 uint64_t *suppressed)
{
	uint64_t interval = 1000000000u / (rl->per_sec ? rl->per_sec : 1);
	uint64_t window = interval * (rl->burst ? rl->burst : 1);
	uint64_t next = atomic_load_explicit(&rl->next_ns, memory_order_relaxed);

	for (;;) {
		uint64_t start = next > now_ns ? next : now_ns;

		if (start + interval > now_ns + window) {
			atomic_fetch_add_explicit(&rl->suppressed, 1, memory_order_relaxed);
			return false;
		}
		if (atomic_compare_exchange_weak_explicit(&rl->next_ns, &next,
							  start + interval,
							  memory_order_relaxed,
							  memory_order_relaxed))
			break;
	}
	*suppressed = atomic_exchange_explicit(&rl->suppressed, 0, memory_order_relaxed);
	return true;
}

void log_msg_ratelimited(struct log_ratelimit *rl, int priority,
			 const char *fmt, ...)
{
	uint64_t suppressed;
	char line[900];
	va_list ap;

	if (priority > log_max_priority)
		return;
	if (!log_ratelimit_allow(rl, log_now_ns(), &suppressed))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (suppressed)
		log_msg(priority, "%s (%llu similar messages suppressed)", line,
			(unsigned long long)suppressed);
	else
		log_msg(priority, "%s", line);
}
