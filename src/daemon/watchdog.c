/* SPDX-License-Identifier: GPL-2.0-or-later */
/* WATCHDOG=1 from the queue workers' liveness, and a STATUS= line kept
 * current, on one timer of the main loop. The main thread being alive says
 * little about a firewall: what matters is that every queue is read, so the
 * pings stop as soon as one worker stops turning its loop. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "nfqfw/ct.h"
#include "nfqfw/daemon.h"
#include "nfqfw/log.h"
#include "nfqfw/queue.h"
#include "nfqfw/watchdog.h"

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#define NS_PER_MS 1000000ull
#define NS_PER_SEC 1000000000ull

/* Each stall is logged once when it starts and once when it ends; this only
 * guards the log against a worker that flaps around the threshold. */
static struct log_ratelimit watchdog_log_rl = LOG_RATELIMIT_INIT(1, 4);

uint64_t watchdog_max_age_ns(uint64_t interval_ns)
{
	uint64_t half = interval_ns / 2;

	return half > WATCHDOG_MIN_AGE_NS ? half : WATCHDOG_MIN_AGE_NS;
}

uint64_t watchdog_period_ns(uint64_t interval_ns, bool status)
{
	uint64_t period = interval_ns ? interval_ns / 2 : UINT64_MAX;

	if (!interval_ns && !status)
		return 0;
	if (status && period > WATCHDOG_STATUS_PERIOD_NS)
		period = WATCHDOG_STATUS_PERIOD_NS;
	return period < WATCHDOG_MIN_PERIOD_NS ? WATCHDOG_MIN_PERIOD_NS : period;
}

static uint64_t watchdog_worker_age(uint64_t now_ns, const struct queue_worker *w)
{
	uint64_t seen = stat_read(&w->stats.last_seen_ns);

	if (seen == 0)
		return UINT64_MAX;
	return seen >= now_ns ? 0 : now_ns - seen;
}

unsigned int watchdog_find_stuck(uint64_t now_ns, const struct queue_worker *workers,
				 unsigned int n, uint64_t max_age_ns)
{
	for (unsigned int i = 0; i < n; i++)
		if (watchdog_worker_age(now_ns, &workers[i]) > max_age_ns)
			return i;
	return n;
}

bool watchdog_workers_alive(uint64_t now_ns, const struct queue_worker *workers,
			    unsigned int n, uint64_t max_age_ns)
{
	return watchdog_find_stuck(now_ns, workers, n, max_age_ns) == n;
}

static uint64_t watchdog_received(const struct watchdog *wd)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < wd->nworkers; i++)
		sum += stat_read(&wd->workers[i].stats.received);
	return sum;
}

/* What the service manager asks for. Without libsystemd: nothing. */
static void watchdog_read_environment(struct watchdog *wd)
{
#ifdef HAVE_SYSTEMD
	uint64_t usec = 0;
	const char *sock = getenv("NOTIFY_SOCKET");

	/* Also checks WATCHDOG_PID: a variable inherited from a parent that
	 * was being watched is not for us. */
	if (sd_watchdog_enabled(0, &usec) > 0)
		wd->interval_ns = usec < UINT64_MAX / 1000 ? usec * 1000ull : UINT64_MAX;
	wd->status = sock && *sock;
#else
	(void)wd;
#endif
}

static int watchdog_arm(struct watchdog *wd, uint64_t period_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(period_ns / NS_PER_SEC),
		.tv_nsec = (long)(period_ns % NS_PER_SEC),
	};
	struct itimerspec its = { .it_interval = ts, .it_value = ts };
	int err;

	wd->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (wd->timer_fd < 0)
		return -errno;
	if (timerfd_settime(wd->timer_fd, 0, &its, NULL) < 0) {
		err = -errno;
		close(wd->timer_fd);
		wd->timer_fd = -1;
		return err;
	}
	return 0;
}

int watchdog_init(struct watchdog *wd, const struct queue_worker *workers,
		  unsigned int n, struct ct_table *ct)
{
	int err;

	*wd = (struct watchdog) {
		.workers = workers,
		.nworkers = n,
		.ct = ct,
		.timer_fd = -1,
		.stuck = n,
	};
	watchdog_read_environment(wd);
	wd->max_age_ns = watchdog_max_age_ns(wd->interval_ns);
	wd->judge_from_ns = log_now_ns();
	wd->last_ns = wd->judge_from_ns;
	wd->last_received = watchdog_received(wd);
	wd->period_ns = watchdog_period_ns(wd->interval_ns, wd->status);
	if (!wd->period_ns)
		return 0;
	err = watchdog_arm(wd, wd->period_ns);
	if (err < 0) {
		log_err("cannot create the service watchdog timer: %s", strerror(-err));
		return err;
	}
	if (wd->interval_ns)
		log_info("service watchdog: %llu ms, a queue worker counts as stuck after %llu ms",
			 (unsigned long long)(wd->interval_ns / NS_PER_MS),
			 (unsigned long long)(wd->max_age_ns / NS_PER_MS));
	return 0;
}

int watchdog_fd(const struct watchdog *wd)
{
	return wd->timer_fd;
}

static void watchdog_ping(void)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, "WATCHDOG=1");
#endif
}

/* "for 1200 ms", or that it never passed at all. */
static void watchdog_format_age(char *buf, size_t size, uint64_t age_ns)
{
	if (age_ns == UINT64_MAX)
		snprintf(buf, size, "since it started");
	else
		snprintf(buf, size, "for %llu ms", (unsigned long long)(age_ns / NS_PER_MS));
}

/* One line when a worker gets stuck (or another one is the first stuck),
 * one when they all move again. */
static void watchdog_log_change(struct watchdog *wd, unsigned int stuck, uint64_t age_ns)
{
	char age[48];

	if (stuck == wd->stuck)
		return;
	if (stuck < wd->nworkers) {
		watchdog_format_age(age, sizeof(age), age_ns);
		log_msg_ratelimited(&watchdog_log_rl, LOG_ERR,
				    "queue %u: its worker has not passed its loop %s%s",
				    wd->workers[stuck].sock.queue, age,
				    wd->interval_ns ? "; watchdog pings stop" : "");
	} else {
		log_msg_ratelimited(&watchdog_log_rl, LOG_NOTICE,
				    "queue %u: its worker moves again%s",
				    wd->workers[wd->stuck].sock.queue,
				    wd->interval_ns ? "; watchdog pings resume" : "");
	}
}

static int watchdog_describe_queues(const struct watchdog *wd, char *buf, size_t size)
{
	unsigned int first, last;

	if (wd->nworkers == 0)
		return snprintf(buf, size, "no queues");
	first = wd->workers[0].sock.queue;
	last = wd->workers[wd->nworkers - 1].sock.queue;
	if (first == last)
		return snprintf(buf, size, "queue %u", first);
	return snprintf(buf, size, "queues %u-%u", first, last);
}

/* "running: queues 0-1, 1520 packets/s, 37 connections", or what is
 * stuck. Kept short: systemctl status shows one line. ELAPSED_NS: since
 * the previous check. */
static void watchdog_status(struct watchdog *wd, uint64_t elapsed_ns)
{
	char line[200], queues[48], age[48];
	uint64_t received = watchdog_received(wd);
	unsigned long long pps = 0;
	struct ct_stats cs;
	int len;

	if (elapsed_ns > 0 && received >= wd->last_received)
		pps = (unsigned long long)((double)(received - wd->last_received) *
					   (double)NS_PER_SEC / (double)elapsed_ns + 0.5);
	wd->last_received = received;
	if (!wd->status)
		return;
	if (wd->stuck < wd->nworkers) {
		watchdog_format_age(age, sizeof(age), wd->stuck_age_ns);
		snprintf(line, sizeof(line), "queue %u stuck: no loop pass %s%s",
			 wd->workers[wd->stuck].sock.queue, age,
			 wd->interval_ns ? "; watchdog pings stopped" : "");
		daemon_notify_status(line);
		return;
	}
	watchdog_describe_queues(wd, queues, sizeof(queues));
	len = snprintf(line, sizeof(line), "running: %s, %llu packets/s", queues, pps);
	if (wd->ct && len > 0 && (size_t)len < sizeof(line)) {
		ct_table_stats(wd->ct, &cs);
		snprintf(line + len, sizeof(line) - (size_t)len, ", %llu connections",
			 (unsigned long long)cs.count);
	}
	daemon_notify_status(line);
}

void watchdog_check(struct watchdog *wd, uint64_t now_ns)
{
	uint64_t elapsed = now_ns > wd->last_ns ? now_ns - wd->last_ns : 0;
	unsigned int stuck = wd->nworkers;
	uint64_t age = 0;

	/* This tick comes very late: the whole daemon was frozen, so every
	 * worker's last pass is old without any of them being stuck. As at
	 * the start, they get max_age_ns to show they are alive. */
	if (elapsed > 2 * wd->period_ns)
		wd->judge_from_ns = now_ns;
	if (now_ns >= wd->judge_from_ns + wd->max_age_ns) {
		stuck = watchdog_find_stuck(now_ns, wd->workers, wd->nworkers, wd->max_age_ns);
		if (stuck < wd->nworkers)
			age = watchdog_worker_age(now_ns, &wd->workers[stuck]);
	}
	watchdog_log_change(wd, stuck, age);
	wd->stuck = stuck;
	wd->stuck_age_ns = age;
	if (wd->interval_ns && stuck == wd->nworkers)
		watchdog_ping();
	watchdog_status(wd, elapsed);
	wd->last_ns = now_ns;
}

void watchdog_on_tick(struct watchdog *wd)
{
	uint64_t expirations;

	if (read(wd->timer_fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	watchdog_check(wd, log_now_ns());
}

void watchdog_close(struct watchdog *wd)
{
	if (wd->timer_fd >= 0)
		close(wd->timer_fd);
	wd->timer_fd = -1;
}
