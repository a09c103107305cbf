#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The notify protocol, against a NOTIFY_SOCKET listener standing in for
# systemd (Type=notify, WatchdogSec=1): READY=1 is sent only once the queues
# are bound and the table installed (checked while the daemon is blocked in
# that very send), with a STATUS= saying which; WATCHDOG=1 every half
# interval; SIGHUP gives RELOADING=1 then READY=1; a stuck worker thread
# (stopped from outside with ptrace, the other threads running on) stops
# the pings, is logged once with its queue and shown in STATUS=, and the
# pings resume when it moves; a frozen and thawed daemon pings again; SIGTERM
# gives STOPPING=1, last. Every message must come from the daemon's pid.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

lab_init
lab_require_cmds python3 nft ping timeout
lab_require_build
# ./configure --without-systemd builds a daemon that notifies nobody.
grep -qx '#define HAVE_SYSTEMD 1' "$NFQFW_BUILDDIR/config.h" ||
	lab_skip "nfqfwd was built without libsystemd (sd_notify)"
lab_up

conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf" queue.count=2 log.level=info
notify_sock="$LAB_TMP/notify.sock"
notes="$LAB_TMP/notify.jsonl"
gate="$LAB_TMP/gate"
mkdir "$gate"
: >"$notes"

now() { python3 -c 'import time; print(time.monotonic())'; }

# q EXPR: a Python expression over the notifications so far: m is the list
# of {"t", "pid", "msg"} in arrival order; has(msg, s) and index(s) help.
q()
{
	python3 -c '
import json, sys
m = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def has(x, s): return s in x["msg"].split("\n")
def starts(x, s): return any(f.startswith(s) for f in x["msg"].split("\n"))
def index(s, after=-1):
    return next((i for i, x in enumerate(m) if i > after and has(x, s)), -1)
def pings(t0, t1): return [x["t"] for x in m if has(x, "WATCHDOG=1") and t0 <= x["t"] <= t1]
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list)) else v)
' "$notes" "$1"
}

# wait_for EXPR [SECONDS]: until EXPR (as for q) is True.
wait_for()
{
	local i limit=$((${2:-5} * 10))
	for ((i = 0; i < limit; i++)); do
		[ "$(q "$1")" = True ] && return 0
		sleep 0.1
	done
	return 1
}

# --- start, with the listener holding READY=1 back ------------------------

lab_bg "$LAB_G" python3 "$here/notify-listener.py" "$notify_sock" "$notes" --gate "$gate"
for ((i = 0; i < 50; i++)); do
	[ -e "$gate/gated" ] && break
	sleep 0.1
done
[ -e "$gate/gated" ] || lab_bail "the notify listener is ready"

# WATCHDOG_PID must be the daemon's own pid: the shell exports its $$ and
# execs nfqfwd, which keeps it (ip netns exec execs too).
LAB_DAEMON_LOG="$LAB_TMP/nfqfwd.log"
NOTIFY_SOCKET="$notify_sock" WATCHDOG_USEC=1000000 \
	ip netns exec "$LAB_G" sh -c 'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$@"' sh \
	"$LAB_NFQFWD" -f -c "$conf" >"$LAB_DAEMON_LOG" 2>&1 &
LAB_DAEMON_PID=$!
pid=$LAB_DAEMON_PID

# The listener's queue is full, so the daemon's first notification blocks
# it inside sendmsg() until the listener reads.
blocked=no
for ((i = 0; i < 100; i++)); do
	lab__alive "$pid" || break
	if [ "$(cat "/proc/$pid/wchan" 2>/dev/null)" = unix_wait_for_peer ]; then
		blocked=yes
		break
	fi
	sleep 0.05
done
lab_check_eq "nfqfwd blocks in its first notification" yes "$blocked"
lab_check_eq "no notification was received yet" 0 "$(q 'len(m)')"
lab_check "while it sends READY=1: queue 0 is bound" lab_queue_bound 0
lab_check "while it sends READY=1: queue 1 is bound" lab_queue_bound 1
lab_check "while it sends READY=1: table inet $LAB_TABLE is installed" lab_table_exists
touch "$gate/release"

wait_for 'index("READY=1") >= 0' || lab_bail "READY=1 arrives"
lab_check_eq "the first notification is READY=1" True "$(q 'has(m[0], "READY=1")')"
lab_check_eq "READY=1 comes with STATUS= naming queues and table" True \
	"$(q 'starts(m[0], "STATUS=running: queues 0-1, ") and m[0]["msg"].endswith(" table inet '"$LAB_TABLE"'")')"
t_ready=$(q 'm[0]["t"]')

# --- watchdog pings and STATUS= while traffic flows ------------------------

lab_check "ipv4 traffic passes" lab_ping "$LAB_C" "$LAB_S4" "" 10
sleep 1
t=$(now)
lab_check_ge "WATCHDOG=1 keeps coming (every 0.5 s for a 1 s interval)" \
	"$(q "len(pings($t_ready, $t))")" 4
lab_check_eq "no gap of 0.9 s or more between two pings" True \
	"$(q "(lambda p: len(p) > 1 and max(b - a for a, b in zip(p, p[1:])) < 0.9)(pings($t_ready, $t))")"
lab_check_eq "STATUS= shows packets/s and connections" True \
	"$(q 'any(starts(x, "STATUS=running: queues 0-1, ") and " packets/s, " in x["msg"] and x["msg"].endswith(" connections") for x in m)')"
lab_check_eq "STATUS= counted the ping's packets" True \
	"$(q 'any(starts(x, "STATUS=running: queues 0-1, ") and not starts(x, "STATUS=running: queues 0-1, 0 packets/s") for x in m)')"
lab_check_eq "the daemon logged its watchdog settings" 1 \
	"$(grep -c 'service watchdog: 1000 ms, a queue worker counts as stuck after 1000 ms' "$LAB_DAEMON_LOG" || true)"

# --- reload ---------------------------------------------------------------

n_before=$(q 'len(m)')
kill -HUP "$pid"
wait_for "index('READY=1', index('RELOADING=1', $n_before - 1)) > 0" ||
	lab_not_ok "READY=1 follows RELOADING=1 after SIGHUP"
r=$(q "index('RELOADING=1', $n_before - 1)")
lab_check_eq "SIGHUP: RELOADING=1 is sent" True "$(q "$r >= $n_before")"
lab_check_eq "RELOADING=1 carries MONOTONIC_USEC= of the reload" True \
	"$(q "any(f.startswith('MONOTONIC_USEC=') and 0 < int(f[15:]) / 1e6 <= m[$r]['t'] for f in m[$r]['msg'].split('\n'))")"
lab_check_eq "then READY=1, saying the configuration was reloaded" True \
	"$(q "starts(m[index('READY=1', $r)], 'STATUS=running; configuration reloaded')")"
sleep 1.2
t_reload=$(q "m[$r]['t']")
lab_check_ge "the pings go on after the reload" "$(q "len(pings($t_reload, $(now)))")" 2

# A file that does not parse: the daemon says so, and stays ready.
cp "$conf" "$conf.good"
echo 'queue: { count = ; };' >"$conf"
n_before=$(q 'len(m)')
kill -HUP "$pid"
wait_for "index('READY=1', index('RELOADING=1', $n_before - 1)) > 0" ||
	lab_not_ok "a failed reload is also closed by READY=1"
lab_check_eq "a failed reload says so in STATUS=" True \
	"$(q "starts(m[index('READY=1', $n_before - 1)], 'STATUS=running; reload failed, the previous configuration stays')")"
cp "$conf.good" "$conf"

# --- one worker thread stuck ----------------------------------------------

lab_bg "$LAB_G" python3 "$here/stall-worker.py" "$pid" 1 "$gate"
stall_pid=$LAB_BG_PID
for ((i = 0; i < 50; i++)); do
	[ -e "$gate/stalled" ] && break
	lab__alive "$stall_pid" || break
	sleep 0.1
done
[ -e "$gate/stalled" ] || lab_bail "the worker of queue 1 is stopped with ptrace"
t_stall=$(now)
lab_note "stopped thread $(cat "$gate/stalled") (queue 1) at $t_stall"
sleep 3.2
lab_check "the main loop still answers nfqfwctl" eval "lab_ctl status >/dev/null"
t_unstall=$(now)
touch "$gate/unstall"
lab_check_eq "no WATCHDOG=1 from 1.6 s after the stall until its end" "[]" \
	"$(q "pings($t_stall + 1.6, $t_unstall)")"
lab_check_eq "STATUS= names the stuck queue" True \
	"$(q "any(starts(x, 'STATUS=queue 1 stuck: no loop pass for ') and x['t'] >= $t_stall for x in m)")"
sleep 1.5
lab_check_ge "the pings resume once the worker moves" \
	"$(q "len(pings($t_unstall, $t_unstall + 1.5))")" 1
lab_check_eq "the stall is logged once, with its queue" 1 \
	"$(grep -c 'queue 1: its worker has not passed its loop for [0-9]* ms; watchdog pings stop' "$LAB_DAEMON_LOG" || true)"
lab_check_eq "its end is logged once" 1 \
	"$(grep -c 'queue 1: its worker moves again; watchdog pings resume' "$LAB_DAEMON_LOG" || true)"
lab_check_eq "no other queue was reported stuck" 0 \
	"$(grep -c 'queue 0: its worker' "$LAB_DAEMON_LOG" || true)"
for a in $LAB_C4 $LAB_C4_EXTRA; do
	lab_check "traffic from $a passes after the stall" lab_ping "$LAB_C" "$LAB_S4" "$a" 2
done
lab_check_eq "no packet waits in queue 1" 0 "$(lab_queue_field 1 waiting)"
wait "$stall_pid" 2>/dev/null || true

# --- the whole daemon frozen ----------------------------------------------

kill -STOP "$pid"
t_stop=$(now)
sleep 2
t_cont=$(now)
kill -CONT "$pid"
sleep 1.5
lab_check_eq "no WATCHDOG=1 while the daemon is stopped" "[]" \
	"$(q "pings($t_stop + 0.1, $t_cont)")"
lab_check_ge "WATCHDOG=1 again after SIGCONT" "$(q "len(pings($t_cont, $t_cont + 1.5))")" 2
lab_check_eq "a frozen daemon is not reported as a stuck worker" 1 \
	"$(grep -c 'its worker has not passed its loop' "$LAB_DAEMON_LOG" || true)"

# --- stop -------------------------------------------------------------------

lab_check "nfqfwd exits on SIGTERM" lab_stop_daemon
wait_for 'index("STOPPING=1") >= 0' 2 || true
lab_check_eq "STOPPING=1 is the last notification" True \
	"$(q 'index("STOPPING=1") == len(m) - 1')"
lab_check_eq "READY, RELOADING, READY, STOPPING in this order" True \
	"$(q '0 == index("READY=1") < index("RELOADING=1") < index("READY=1", index("RELOADING=1")) < index("STOPPING=1")')"
lab_check_eq "every notification came from the daemon's pid $pid" True \
	"$(q "all(x['pid'] == $pid for x in m)")"

lab_summary
