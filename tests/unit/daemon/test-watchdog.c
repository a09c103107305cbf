/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The service watchdog: which workers count as stuck (fake workers with
 * chosen last_seen_ns), the thresholds and the timer period, and, with
 * libsystemd, what really goes out on a NOTIFY_SOCKET the test listens on:
 * WATCHDOG=1 only while every worker is alive, STATUS= only when it
 * changed, the environment read as sd_watchdog_enabled() reads it. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "nfqfw/ct.h"
#include "nfqfw/daemon.h"
#include "nfqfw/log.h"
#include "nfqfw/queue.h"
#include "nfqfw/watchdog.h"
#include "pktbuild.h"
#include "unit.h"

#define MS 1000000ull
#define SEC 1000000000ull

/* A point in CLOCK_MONOTONIC far from 0, for the pure functions. */
#define NOW (1000 * SEC)

static struct queue_worker fake[4];

/* Fake workers on queues FIRST.., each last seen AGE[i] ns before NOW
 * (UINT64_MAX: never). */
static void fake_workers(unsigned int n, uint16_t first, uint64_t now, const uint64_t *age)
{
	memset(fake, 0, sizeof(fake));
	for (unsigned int i = 0; i < n; i++) {
		fake[i].sock.queue = (uint16_t)(first + i);
		stat_set(&fake[i].stats.last_seen_ns, age[i] == UINT64_MAX ? 0 : now - age[i]);
	}
}

/* ---- thresholds ------------------------------------------------------- */

static void test_max_age(void)
{
	CU_ASSERT_EQUAL(watchdog_max_age_ns(30 * SEC), 15 * SEC);
	CU_ASSERT_EQUAL(watchdog_max_age_ns(3 * SEC), 1500 * MS);
	/* never stricter than a second, whatever the interval */
	CU_ASSERT_EQUAL(watchdog_max_age_ns(2 * SEC), WATCHDOG_MIN_AGE_NS);
	CU_ASSERT_EQUAL(watchdog_max_age_ns(1 * SEC), WATCHDOG_MIN_AGE_NS);
	CU_ASSERT_EQUAL(watchdog_max_age_ns(1), WATCHDOG_MIN_AGE_NS);
	CU_ASSERT_EQUAL(watchdog_max_age_ns(0), WATCHDOG_MIN_AGE_NS);
	CU_ASSERT_EQUAL(WATCHDOG_MIN_AGE_NS, 1 * SEC);
}

static void test_period(void)
{
	/* nothing asked for: no timer */
	CU_ASSERT_EQUAL(watchdog_period_ns(0, false), 0);
	/* status only */
	CU_ASSERT_EQUAL(watchdog_period_ns(0, true), WATCHDOG_STATUS_PERIOD_NS);
	/* pings at half the interval, more often if STATUS= needs it */
	CU_ASSERT_EQUAL(watchdog_period_ns(1 * SEC, false), 500 * MS);
	CU_ASSERT_EQUAL(watchdog_period_ns(1 * SEC, true), 500 * MS);
	CU_ASSERT_EQUAL(watchdog_period_ns(30 * SEC, false), 15 * SEC);
	CU_ASSERT_EQUAL(watchdog_period_ns(30 * SEC, true), WATCHDOG_STATUS_PERIOD_NS);
	/* an absurdly short interval does not make a busy loop (nor a 0
	 * period, which would disarm the timer) */
	CU_ASSERT_EQUAL(watchdog_period_ns(1, false), WATCHDOG_MIN_PERIOD_NS);
	CU_ASSERT_EQUAL(watchdog_period_ns(2 * MS, true), WATCHDOG_MIN_PERIOD_NS);
	CU_ASSERT_EQUAL(watchdog_period_ns(UINT64_MAX, false), UINT64_MAX / 2);
}

/* ---- the decision ----------------------------------------------------- */

static void test_all_fresh(void)
{
	const uint64_t age[3] = { 0, 200 * MS, 999 * MS };

	fake_workers(3, 0, NOW, age);
	CU_ASSERT_EQUAL(watchdog_find_stuck(NOW, fake, 3, 1 * SEC), 3);
	CU_ASSERT_TRUE(watchdog_workers_alive(NOW, fake, 3, 1 * SEC));
}

static void test_one_stuck(void)
{
	const uint64_t age[3] = { 100 * MS, 5 * SEC, 100 * MS };

	fake_workers(3, 0, NOW, age);
	CU_ASSERT_EQUAL(watchdog_find_stuck(NOW, fake, 3, 1 * SEC), 1);
	CU_ASSERT_FALSE(watchdog_workers_alive(NOW, fake, 3, 1 * SEC));
	/* the same worker is fine under a looser threshold */
	CU_ASSERT_TRUE(watchdog_workers_alive(NOW, fake, 3, 5 * SEC));
	/* and stuck again a nanosecond later */
	CU_ASSERT_FALSE(watchdog_workers_alive(NOW + 1, fake, 3, 5 * SEC));
}

/* Exactly max_age old is still alive; one nanosecond more is not. */
static void test_boundary(void)
{
	const uint64_t age[1] = { 1 * SEC };

	fake_workers(1, 0, NOW, age);
	CU_ASSERT_TRUE(watchdog_workers_alive(NOW, fake, 1, 1 * SEC));
	CU_ASSERT_FALSE(watchdog_workers_alive(NOW, fake, 1, 1 * SEC - 1));
	CU_ASSERT_FALSE(watchdog_workers_alive(NOW + 1, fake, 1, 1 * SEC));
}

/* The first stuck worker is reported, whichever others are stuck too. */
static void test_first_stuck(void)
{
	const uint64_t age[4] = { 0, 0, 9 * SEC, 3 * SEC };

	fake_workers(4, 10, NOW, age);
	CU_ASSERT_EQUAL(watchdog_find_stuck(NOW, fake, 4, 1 * SEC), 2);
	/* the last one alone */
	CU_ASSERT_EQUAL(watchdog_find_stuck(NOW, fake, 4, 5 * SEC), 2);
	CU_ASSERT_EQUAL(watchdog_find_stuck(NOW, fake, 4, 9 * SEC), 4);
	/* only the first three looked at */
	CU_ASSERT_EQUAL(watchdog_find_stuck(NOW, fake, 2, 1 * SEC), 2);
}

/* A worker that never passed its loop is stuck, even right after boot
 * (a CLOCK_MONOTONIC smaller than the threshold). */
static void test_never_seen(void)
{
	const uint64_t age[2] = { 0, UINT64_MAX };

	fake_workers(2, 0, NOW, age);
	CU_ASSERT_EQUAL(watchdog_find_stuck(NOW, fake, 2, 1 * SEC), 1);
	stat_set(&fake[0].stats.last_seen_ns, 1);
	CU_ASSERT_EQUAL(watchdog_find_stuck(2, fake, 2, 1 * SEC), 1);
	CU_ASSERT_EQUAL(watchdog_find_stuck(2, fake, 2, UINT64_MAX - 1), 1);
}

/* A worker may store a clock reading taken after the main thread's. */
static void test_seen_in_future(void)
{
	const uint64_t age[1] = { 0 };

	fake_workers(1, 0, NOW, age);
	stat_set(&fake[0].stats.last_seen_ns, NOW + 50 * MS);
	CU_ASSERT_TRUE(watchdog_workers_alive(NOW, fake, 1, 1 * SEC));
	CU_ASSERT_TRUE(watchdog_workers_alive(NOW, fake, 1, 0));
}

static void test_no_workers(void)
{
	CU_ASSERT_EQUAL(watchdog_find_stuck(NOW, fake, 0, 1 * SEC), 0);
	CU_ASSERT_TRUE(watchdog_workers_alive(NOW, fake, 0, 1 * SEC));
}

/* ---- the environment and the notifications ---------------------------- */

static char dir[64];
static char sock_path[96];
static int listener = -1;

static void env_clear(void)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void env_watchdog(const char *usec, long pid)
{
	char buf[32];

	setenv("WATCHDOG_USEC", usec, 1);
	snprintf(buf, sizeof(buf), "%ld", pid);
	setenv("WATCHDOG_PID", buf, 1);
}

static const char *received(void);

static void listener_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(dir, sizeof(dir), "/tmp/test-watchdog.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/notify", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	listener = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(listener >= 0);
	CU_ASSERT_EQUAL_FATAL(bind(listener, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", sock_path, 1);
	/* notify.c remembers the last STATUS= across tests: make it one that
	 * no test expects */
	daemon_notify_status("test: listener opened");
	received();
}

static void listener_close(void)
{
	env_clear();
	if (listener >= 0)
		close(listener);
	listener = -1;
	unlink(sock_path);
	rmdir(dir);
}

/* Everything received since the last call, datagrams separated by '|'. */
static const char *received(void)
{
	static char all[2048];
	char one[512];
	size_t used = 0;
	ssize_t n;

	all[0] = '\0';
	while ((n = recv(listener, one, sizeof(one) - 1, MSG_DONTWAIT)) >= 0) {
		one[n] = '\0';
		used += (size_t)snprintf(all + used, sizeof(all) - used, "%s%s",
					 used ? "|" : "", one);
		if (used >= sizeof(all))
			break;
	}
	return all;
}

/* Workers on queues 4-6, all seen at T, nothing received. */
static void workers_seen_at(uint64_t t)
{
	const uint64_t age[3] = { 0, 0, 0 };

	fake_workers(3, 4, t, age);
}

static void test_env_nothing(void)
{
	struct watchdog wd;

	env_clear();
	CU_ASSERT_EQUAL(watchdog_init(&wd, fake, 3, NULL), 0);
	CU_ASSERT_EQUAL(watchdog_fd(&wd), -1);
	CU_ASSERT_EQUAL(wd.interval_ns, 0);
	CU_ASSERT_FALSE(wd.status);
	watchdog_close(&wd);
}

#ifdef HAVE_SYSTEMD
static unsigned int count_of(const char *haystack, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* N ticks of the timer from *T on, the workers in ALIVE (a bit mask)
 * passing their loop at each. */
static void ticks(struct watchdog *wd, uint64_t *t, unsigned int n, unsigned int alive)
{
	for (unsigned int k = 0; k < n; k++) {
		*t += wd->period_ns;
		for (unsigned int i = 0; i < 3; i++)
			if (alive & (1u << i))
				stat_set(&fake[i].stats.last_seen_ns, *t);
		watchdog_check(wd, *t);
	}
}

#define ALL 7u

static void test_env_watchdog(void)
{
	struct watchdog wd;
	struct pollfd pfd;

	listener_open();
	env_watchdog("1000000", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(watchdog_init(&wd, fake, 3, NULL), 0);
	CU_ASSERT_EQUAL(wd.interval_ns, 1 * SEC);
	CU_ASSERT_EQUAL(wd.max_age_ns, 1 * SEC);
	CU_ASSERT_TRUE(wd.status);
	CU_ASSERT_TRUE_FATAL(watchdog_fd(&wd) >= 0);
	/* the timer really fires, at half the interval */
	pfd = (struct pollfd){ .fd = watchdog_fd(&wd), .events = POLLIN };
	CU_ASSERT_EQUAL(poll(&pfd, 1, 300), 0);
	CU_ASSERT_EQUAL(poll(&pfd, 1, 1000), 1);
	watchdog_close(&wd);
	CU_ASSERT_EQUAL(watchdog_fd(&wd), -1);
	listener_close();
}

/* WATCHDOG_PID names another process (we inherited a watched parent's
 * environment), or WATCHDOG_USEC is garbage: no pings, STATUS= still. */
static void test_env_not_ours(void)
{
	struct watchdog wd;

	listener_open();
	env_watchdog("1000000", (long)getpid() + 1);
	CU_ASSERT_EQUAL_FATAL(watchdog_init(&wd, fake, 3, NULL), 0);
	CU_ASSERT_EQUAL(wd.interval_ns, 0);
	CU_ASSERT_TRUE(wd.status);
	CU_ASSERT_TRUE(watchdog_fd(&wd) >= 0);
	watchdog_close(&wd);

	env_watchdog("soon", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(watchdog_init(&wd, fake, 3, NULL), 0);
	CU_ASSERT_EQUAL(wd.interval_ns, 0);
	watchdog_close(&wd);

	/* an interval beyond what nanoseconds hold is clamped, not wrapped */
	env_watchdog("18446744073709551614", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(watchdog_init(&wd, fake, 3, NULL), 0);
	CU_ASSERT_EQUAL(wd.interval_ns, UINT64_MAX);
	CU_ASSERT_EQUAL(wd.max_age_ns, UINT64_MAX / 2);
	CU_ASSERT_EQUAL(wd.period_ns, WATCHDOG_STATUS_PERIOD_NS);
	watchdog_close(&wd);

	/* watched, but nobody reads STATUS= */
	unsetenv("NOTIFY_SOCKET");
	env_watchdog("30000000", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(watchdog_init(&wd, fake, 3, NULL), 0);
	CU_ASSERT_EQUAL(wd.interval_ns, 30 * SEC);
	CU_ASSERT_EQUAL(wd.max_age_ns, 15 * SEC);
	CU_ASSERT_FALSE(wd.status);
	CU_ASSERT_TRUE(watchdog_fd(&wd) >= 0);
	watchdog_close(&wd);
	listener_close();
}

/* A watchdog on the test's socket, 1 s interval, over workers 4-6. */
static void watched(struct watchdog *wd, struct ct_table *ct)
{
	listener_open();
	env_watchdog("1000000", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(watchdog_init(wd, fake, 3, ct), 0);
	CU_ASSERT_EQUAL_FATAL(wd->interval_ns, 1 * SEC);
	received();
}

static void test_pings_follow_workers(void)
{
	struct watchdog wd;
	uint64_t t;
	const char *got;

	watched(&wd, NULL);
	CU_ASSERT_EQUAL_FATAL(wd.period_ns, 500 * MS);
	t = wd.judge_from_ns;
	workers_seen_at(t);
	ticks(&wd, &t, 4, ALL);
	got = received();
	CU_ASSERT_EQUAL(count_of(got, "WATCHDOG=1"), 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "STATUS=running: queues 4-6, "));
	CU_ASSERT_PTR_NULL(strstr(got, "stuck"));

	/* queue 5 stops: still alive 0.5 s and exactly 1 s later, stuck at
	 * 1.5 s; the status says which queue */
	ticks(&wd, &t, 3, ALL & ~2u);
	got = received();
	CU_ASSERT_EQUAL(count_of(got, "WATCHDOG=1"), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "|STATUS=queue 5 stuck: no loop pass for 1500 ms; "
				      "watchdog pings stopped"));
	CU_ASSERT_EQUAL(wd.stuck, 1);

	/* still stuck a tick later: still no ping */
	ticks(&wd, &t, 1, ALL & ~2u);
	got = received();
	CU_ASSERT_EQUAL(count_of(got, "WATCHDOG=1"), 0);
	CU_ASSERT_STRING_EQUAL(got, "STATUS=queue 5 stuck: no loop pass for 2000 ms; "
			       "watchdog pings stopped");

	/* it moves again: pings resume */
	ticks(&wd, &t, 1, ALL);
	got = received();
	CU_ASSERT_EQUAL(count_of(got, "WATCHDOG=1"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "STATUS=running: queues 4-6"));
	CU_ASSERT_EQUAL(wd.stuck, 3);
	watchdog_close(&wd);
	listener_close();
}

/* Right after the start a worker may not have been scheduled yet: it is
 * not judged before max_age_ns, and is from then on. */
static void test_grace_at_start(void)
{
	struct watchdog wd;
	const uint64_t never[3] = { UINT64_MAX, UINT64_MAX, UINT64_MAX };
	uint64_t t;
	const char *got;

	watched(&wd, NULL);
	t = wd.judge_from_ns;
	fake_workers(3, 4, t, never);
	ticks(&wd, &t, 1, 0);
	CU_ASSERT_EQUAL(count_of(received(), "WATCHDOG=1"), 1);
	ticks(&wd, &t, 1, 0);
	got = received();
	CU_ASSERT_EQUAL(count_of(got, "WATCHDOG=1"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "STATUS=queue 4 stuck: no loop pass since it started"));
	watchdog_close(&wd);
	listener_close();
}

/* A tick that comes much later than the timer's period means the whole
 * daemon was frozen (SIGSTOP): the workers get max_age_ns again rather
 * than being found stuck for the time nothing ran. One really stuck is
 * found once that has passed. */
static void test_late_tick(void)
{
	struct watchdog wd;
	uint64_t t;
	const char *got;

	watched(&wd, NULL);
	t = wd.judge_from_ns;
	workers_seen_at(t);
	ticks(&wd, &t, 3, ALL);
	received();
	t += 10 * SEC;
	watchdog_check(&wd, t);
	got = received();
	CU_ASSERT_EQUAL(count_of(got, "WATCHDOG=1"), 1);
	CU_ASSERT_PTR_NULL(strstr(got, "stuck"));
	/* queue 6 really is stuck: found 1 s after the late tick */
	ticks(&wd, &t, 1, 3u);
	CU_ASSERT_EQUAL(count_of(received(), "WATCHDOG=1"), 1);
	ticks(&wd, &t, 1, 3u);
	got = received();
	CU_ASSERT_EQUAL(count_of(got, "WATCHDOG=1"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "STATUS=queue 6 stuck: no loop pass for 11000 ms"));
	/* a tick exactly twice the period after the last is not "late" */
	ticks(&wd, &t, 1, ALL);
	received();
	stat_set(&fake[1].stats.last_seen_ns, t - 500 * MS);
	t += 2 * wd.period_ns;
	stat_set(&fake[0].stats.last_seen_ns, t);
	stat_set(&fake[2].stats.last_seen_ns, t);
	watchdog_check(&wd, t);
	got = received();
	CU_ASSERT_EQUAL(count_of(got, "WATCHDOG=1"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "STATUS=queue 5 stuck: no loop pass for 1500 ms"));
	watchdog_close(&wd);
	listener_close();
}

/* Packets/s from the workers' counters between two ticks; the same
 * status twice is sent once. */
static void test_status_rate_and_changes(void)
{
	struct watchdog wd;
	uint64_t t;
	const char *got;

	watched(&wd, NULL);
	t = wd.judge_from_ns;
	workers_seen_at(t);
	ticks(&wd, &t, 2, ALL);
	received();
	stat_set(&fake[0].stats.received, 1000);
	stat_set(&fake[2].stats.received, 2000);
	ticks(&wd, &t, 1, ALL);
	got = received();
	CU_ASSERT_STRING_EQUAL(got, "WATCHDOG=1|STATUS=running: queues 4-6, 6000 packets/s");
	/* nothing new: 0 packets/s, then the same again, not re-sent */
	ticks(&wd, &t, 1, ALL);
	CU_ASSERT_STRING_EQUAL(received(), "WATCHDOG=1|STATUS=running: queues 4-6, 0 packets/s");
	ticks(&wd, &t, 1, ALL);
	CU_ASSERT_STRING_EQUAL(received(), "WATCHDOG=1");
	watchdog_close(&wd);
	listener_close();
}

/* N UDP flows from source ports SPORT..., confirmed. */
static void add_flows(struct ct_table *t, uint16_t sport, unsigned int n, uint64_t now)
{
	for (unsigned int i = 0; i < n; i++) {
		struct pb b;
		struct pkt p;
		struct ct_result res;

		pb_init(&b);
		pb_ipv4(&b, IPPROTO_UDP, NULL, 0);
		pb_udp(&b, (uint16_t)(sport + i), 53);
		pb_finish(&b);
		CU_ASSERT_EQUAL_FATAL(pkt_parse(&p, b.buf, b.len, 0), PKT_OK);
		ct_read_lock();
		ct_process(t, &p, now, &res);
		CU_ASSERT_TRUE(res.created);
		if (res.created)
			CU_ASSERT_EQUAL(ct_confirm(t, res.ct, now), 0);
		ct_read_unlock();
	}
}

static void test_status_connections(void)
{
	struct watchdog wd;
	struct ct_settings s;
	struct ct_table *table;
	uint64_t t;

	ct_thread_register();
	ct_settings_defaults(&s);
	s.max_entries = 64;
	table = ct_table_create(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(table);
	watched(&wd, table);
	t = wd.judge_from_ns;
	workers_seen_at(t);
	add_flows(table, 40000, 3, log_now_ns());
	ticks(&wd, &t, 1, ALL);
	CU_ASSERT_STRING_EQUAL(received(),
			       "WATCHDOG=1|STATUS=running: queues 4-6, 0 packets/s, 3 connections");
	add_flows(table, 41000, 2, log_now_ns());
	ticks(&wd, &t, 1, ALL);
	CU_ASSERT_STRING_EQUAL(received(),
			       "WATCHDOG=1|STATUS=running: queues 4-6, 0 packets/s, 5 connections");
	watchdog_close(&wd);
	listener_close();
	ct_table_destroy(table);
	ct_thread_unregister();
}

/* A single queue is named as one. */
static void test_status_one_queue(void)
{
	struct watchdog wd;
	const uint64_t age[1] = { 0 };
	uint64_t t;

	listener_open();
	env_clear();
	setenv("NOTIFY_SOCKET", sock_path, 1);
	CU_ASSERT_EQUAL_FATAL(watchdog_init(&wd, fake, 1, NULL), 0);
	CU_ASSERT_EQUAL(wd.interval_ns, 0);
	CU_ASSERT_EQUAL(wd.period_ns, WATCHDOG_STATUS_PERIOD_NS);
	t = wd.judge_from_ns + wd.period_ns;
	fake_workers(1, 7, t, age);
	watchdog_check(&wd, t);
	/* not watched: STATUS= only, never a ping */
	CU_ASSERT_STRING_EQUAL(received(), "STATUS=running: queue 7, 0 packets/s");
	watchdog_check(&wd, t + wd.period_ns);
	CU_ASSERT_STRING_EQUAL(received(),
			       "STATUS=queue 7 stuck: no loop pass for 5000 ms");
	watchdog_close(&wd);
	listener_close();
}

/* The messages of notify.c: READY with its status, RELOADING with the
 * time it started, STOPPING, and a STATUS= that repeats the current one
 * is not sent. */
static void test_notify_messages(void)
{
	unsigned long long usec = 0, before, after;
	const char *got, *p;

	listener_open();
	daemon_notify_ready("running: queue 0, compat queue rules in table inet t");
	CU_ASSERT_STRING_EQUAL(received(),
			       "READY=1\nSTATUS=running: queue 0, compat queue rules in table inet t");
	daemon_notify_status("running: queue 0, compat queue rules in table inet t");
	CU_ASSERT_STRING_EQUAL(received(), "");
	daemon_notify_status("running: queue 0, 5 packets/s");
	CU_ASSERT_STRING_EQUAL(received(), "STATUS=running: queue 0, 5 packets/s");
	daemon_notify_status("running: queue 0, 5 packets/s");
	CU_ASSERT_STRING_EQUAL(received(), "");

	before = log_now_ns() / 1000;
	daemon_notify_reloading();
	after = log_now_ns() / 1000;
	got = received();
	CU_ASSERT_EQUAL(strncmp(got, "RELOADING=1\nMONOTONIC_USEC=", 27), 0);
	p = strstr(got, "MONOTONIC_USEC=");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(sscanf(p, "MONOTONIC_USEC=%llu", &usec), 1);
	CU_ASSERT_TRUE(usec >= before && usec <= after);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "\nSTATUS=reloading configuration"));
	/* after a reload the same figures are news again */
	daemon_notify_ready("running");
	received();
	daemon_notify_status("running: queue 0, 5 packets/s");
	CU_ASSERT_STRING_EQUAL(received(), "STATUS=running: queue 0, 5 packets/s");

	daemon_notify_stopping();
	got = received();
	CU_ASSERT_EQUAL(strncmp(got, "STOPPING=1\nSTATUS=stopping: ", 28), 0);
	listener_close();
}
#else
/* Without libsystemd the daemon does not look at the environment, and
 * sends nothing even with a listener there. */
static void test_no_systemd(void)
{
	struct watchdog wd;

	listener_open();
	env_watchdog("1000000", (long)getpid());
	CU_ASSERT_EQUAL(watchdog_init(&wd, fake, 3, NULL), 0);
	CU_ASSERT_EQUAL(watchdog_fd(&wd), -1);
	CU_ASSERT_EQUAL(wd.interval_ns, 0);
	CU_ASSERT_FALSE(wd.status);
	workers_seen_at(wd.judge_from_ns + 2 * SEC);
	watchdog_check(&wd, wd.judge_from_ns + 2 * SEC);
	daemon_notify_ready("running");
	daemon_notify_reloading();
	daemon_notify_status("something else");
	daemon_notify_stopping();
	CU_ASSERT_STRING_EQUAL(received(), "");
	watchdog_close(&wd);
	listener_close();
}
#endif

static const struct unit_test decision_tests[] = {
	{ "max age from the interval", test_max_age },
	{ "timer period", test_period },
	{ "all workers fresh", test_all_fresh },
	{ "one worker stuck", test_one_stuck },
	{ "exactly max age", test_boundary },
	{ "first stuck worker reported", test_first_stuck },
	{ "never seen is stuck", test_never_seen },
	{ "seen after now", test_seen_in_future },
	{ "no workers", test_no_workers },
	{ NULL, NULL },
};

static const struct unit_test notify_tests[] = {
	{ "no service manager: no timer", test_env_nothing },
#ifdef HAVE_SYSTEMD
	{ "WATCHDOG_USEC and WATCHDOG_PID", test_env_watchdog },
	{ "watchdog variables not ours", test_env_not_ours },
	{ "pings follow the workers", test_pings_follow_workers },
	{ "grace at start", test_grace_at_start },
	{ "late tick: the daemon was frozen", test_late_tick },
	{ "status: packets/s, sent on change", test_status_rate_and_changes },
	{ "status: connections", test_status_connections },
	{ "status: one queue, not watched", test_status_one_queue },
	{ "notify messages", test_notify_messages },
#else
	{ "without libsystemd: no-ops", test_no_systemd },
#endif
	{ NULL, NULL },
};

static const struct unit_suite suites[] = {
	{ "watchdog decision", decision_tests },
	{ "watchdog notifications", notify_tests },
	{ NULL, NULL },
};

UNIT_MAIN(suites)
