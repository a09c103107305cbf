/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The service manager's watchdog, fed by the queue workers' liveness:
 * WATCHDOG=1 goes out only while every worker keeps turning its loop, so
 * that a stuck worker (whose queue's packets wait forever) gets the daemon
 * restarted. The same timer keeps the STATUS= line current. Without
 * libsystemd, or when no service manager listens, there is no timer. */
#ifndef NFQFW_WATCHDOG_H
#define NFQFW_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

struct queue_worker;
struct ct_table;

/* A worker passes its loop at least every 200 ms (its socket's receive
 * timeout), so a second without a pass is already far outside normal; the
 * threshold is never stricter than this, whatever the interval. */
#define WATCHDOG_MIN_AGE_NS 1000000000ull
/* How often STATUS= is refreshed (it is sent only when it changed). */
#define WATCHDOG_STATUS_PERIOD_NS 5000000000ull
/* The timer never fires more often than this, however short the interval. */
#define WATCHDOG_MIN_PERIOD_NS 10000000ull

struct watchdog {
	const struct queue_worker *workers;
	unsigned int nworkers;
	struct ct_table *ct;           /* for the connection count; may be NULL */
	uint64_t interval_ns;          /* WATCHDOG_USEC; 0 when not watched */
	uint64_t max_age_ns;           /* a worker not seen for longer is stuck */
	bool status;                   /* somebody reads STATUS= */
	uint64_t period_ns;            /* of the timer; 0 when there is none */
	int timer_fd;                  /* -1 when there is nothing to do */
	/* Workers are judged from then on: a worker gets max_age_ns to pass
	 * its loop after the start, and after the whole daemon was frozen
	 * (a tick that comes very late: SIGSTOP, a suspended VM). */
	uint64_t judge_from_ns;
	/* what the previous check saw, for packets/s and for logging each
	 * stall once */
	uint64_t last_ns;
	uint64_t last_received;
	unsigned int stuck;            /* index of the stuck worker, nworkers if none */
	uint64_t stuck_age_ns;
};

/* The age beyond which a worker counts as stuck, for a watchdog interval
 * (0: none): half the interval, so that the pings stop in time for the
 * service manager to act within about one interval, but at least
 * WATCHDOG_MIN_AGE_NS. */
uint64_t watchdog_max_age_ns(uint64_t interval_ns);

/* How often the timer fires: often enough for the pings (half the
 * interval) and for STATUS=, never more than every WATCHDOG_MIN_PERIOD_NS.
 * 0 when there is nothing to do. */
uint64_t watchdog_period_ns(uint64_t interval_ns, bool status);

/* The index of the first worker whose loop has not passed within
 * MAX_AGE_NS before NOW_NS, or N if there is none. A worker that never
 * passed (last_seen_ns 0) is stuck; one seen "after" NOW_NS (another
 * thread read the clock later) is not. */
unsigned int watchdog_find_stuck(uint64_t now_ns, const struct queue_worker *workers,
				 unsigned int n, uint64_t max_age_ns);

/* True if no worker is stuck (true for none at all). */
bool watchdog_workers_alive(uint64_t now_ns, const struct queue_worker *workers,
			    unsigned int n, uint64_t max_age_ns);

/* Reads what the service manager asks for (sd_watchdog_enabled(),
 * NOTIFY_SOCKET) and arms the timer if there is anything to do. CT may be
 * NULL. Returns 0 or a negative errno (the timer could not be made). */
int watchdog_init(struct watchdog *wd, const struct queue_worker *workers,
		  unsigned int n, struct ct_table *ct);

/* The timerfd for the event loop to poll, or -1 (poll() ignores it). */
int watchdog_fd(const struct watchdog *wd);

/* Call when watchdog_fd() is readable. */
void watchdog_on_tick(struct watchdog *wd);

/* What a tick does, at NOW_NS (CLOCK_MONOTONIC): WATCHDOG=1 if every
 * worker is alive (or they are not judged yet, see judge_from_ns), one log
 * line when a worker gets stuck and one when it moves again, and STATUS=
 * if it changed. */
void watchdog_check(struct watchdog *wd, uint64_t now_ns);

void watchdog_close(struct watchdog *wd);

#endif
