# SPDX-License-Identifier: GPL-2.0-or-later
# The namespace lab shared by the packet-path tests: a client, a gateway and a
# server namespace joined by veth pairs, the daemon started inside the gateway,
# and the small helpers every test needs (results, traffic, queue counters).
# Sourced, never run. Everything a test makes carries the run's own prefix and
# is removed by the EXIT trap, so that a failed run leaves nothing behind.
#
#   client (C)                 gateway (G)                  server (S)
#   192.0.2.2, .10-.13  ---  192.0.2.1 | 198.51.100.1  ---  198.51.100.2
#   2001:db8:1::2, ::10-13   2001:db8:1::1 | 2001:db8:2::1  2001:db8:2::2
#
# The extra client addresses give flows that the kernel's NFQUEUE balancing
# (a hash of the addresses, not of the ports) spreads over different queues.
#
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are read by the tests

# ---------------------------------------------------------------------------
# Run state

LAB_PREFIX="nfqfw$$-"
LAB_C="${LAB_PREFIX}c"
LAB_G="${LAB_PREFIX}g"
LAB_S="${LAB_PREFIX}s"
# Interface names are created inside the namespaces (never in the host's),
# but still carry the run id so that a leftover is easy to attribute. At most
# "nq" + 7 digits + 3 = 12 characters, under the kernel's 15.
LAB_IF_C="nq$$-c"       # in C, towards G
LAB_IF_GC="nq$$-gc"     # in G, towards C
LAB_IF_GS="nq$$-gs"     # in G, towards S
LAB_IF_S="nq$$-s"       # in S, towards G

LAB_C4=192.0.2.2
LAB_C4_EXTRA="192.0.2.10 192.0.2.11 192.0.2.12 192.0.2.13"
LAB_GC4=192.0.2.1
LAB_GS4=198.51.100.1
LAB_S4=198.51.100.2
LAB_C6=2001:db8:1::2
LAB_C6_EXTRA="2001:db8:1::10 2001:db8:1::11 2001:db8:1::12 2001:db8:1::13"
LAB_GC6=2001:db8:1::1
LAB_GS6=2001:db8:2::1
LAB_S6=2001:db8:2::2

LAB_TABLE="nfqfw_lab$$"
LAB_PASSED=0
LAB_FAILED=0
LAB_NAMESPACES=()
LAB_PIDS=()
LAB_DAEMON_PID=
LAB_DAEMON_LOG=
LAB_DAEMON_RUNS=0
LAB_DAEMON_STATUS=
LAB_TMP=
LAB_SOCK=
LAB_AT_EXIT=()

LAB_NAME=$(basename "$0" .sh)

: "${NFQFW_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${NFQFW_BUILDDIR:=$NFQFW_SRCDIR}"
LAB_NFQFWD="$NFQFW_BUILDDIR/nfqfwd"
LAB_NFQFWCTL="$NFQFW_BUILDDIR/nfqfwctl"

# ---------------------------------------------------------------------------
# Results: one "ok - ..." or "not ok - ..." line per check, a summary at the
# end. The exit status is 0 (pass), 1 (fail), 77 (skip) or 99 (the harness
# itself could not run), as automake's test driver expects.

lab_ok()
{
	LAB_PASSED=$((LAB_PASSED + 1))
	echo "ok - $*"
}

lab_not_ok()
{
	LAB_FAILED=$((LAB_FAILED + 1))
	echo "not ok - $*"
}

# lab_check DESC CMD...: passes if CMD succeeds.
lab_check()
{
	local desc=$1
	shift
	if "$@"; then
		lab_ok "$desc"
	else
		lab_not_ok "$desc"
	fi
}

# lab_check_fails DESC CMD...: passes if CMD fails.
lab_check_fails()
{
	local desc=$1
	shift
	if "$@"; then
		lab_not_ok "$desc"
	else
		lab_ok "$desc"
	fi
}

# lab_check_eq DESC EXPECTED ACTUAL
lab_check_eq()
{
	if [ "$2" = "$3" ]; then
		lab_ok "$1"
	else
		lab_not_ok "$1 (expected '$2', got '$3')"
	fi
}

# lab_check_ge DESC VALUE MINIMUM: integers, VALUE >= MINIMUM.
lab_check_ge()
{
	if lab_is_int "$2" && lab_is_int "$3" && [ "$2" -ge "$3" ]; then
		lab_ok "$1 ($2 >= $3)"
	else
		lab_not_ok "$1 (got '$2', wanted at least '$3')"
	fi
}

# lab_check_gt DESC VALUE LIMIT: integers, VALUE > LIMIT.
lab_check_gt()
{
	if lab_is_int "$2" && lab_is_int "$3" && [ "$2" -gt "$3" ]; then
		lab_ok "$1 ($2 > $3)"
	else
		lab_not_ok "$1 (got '$2', wanted more than '$3')"
	fi
}

lab_note()
{
	echo "# $*"
}

# Stops the test now: the rest would only report consequences of this.
lab_bail()
{
	lab_not_ok "$*"
	echo "Bail out! $*"
	lab_summary
}

lab_skip()
{
	echo "# SKIP $LAB_NAME: $*"
	exit 77
}

# Prints the summary line and exits with the test's status. A test that
# checked nothing has not passed.
lab_summary()
{
	echo "$LAB_PASSED passed, $LAB_FAILED failed"
	if [ "$LAB_FAILED" -gt 0 ] || [ "$LAB_PASSED" -eq 0 ]; then
		exit 1
	fi
	exit 0
}

# lab_in_range VALUE LOW HIGH: integers, LOW <= VALUE <= HIGH.
lab_in_range()
{
	lab_is_int "$1" && lab_is_int "$2" && lab_is_int "$3" &&
		[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

lab_is_int()
{
	[[ $1 =~ ^-?[0-9]+$ ]]
}

# ---------------------------------------------------------------------------
# Prerequisites

# Skips unless we are root and can make network namespaces; then makes the
# run's temporary directory and installs the cleanup trap.
lab_init()
{
	[ "$(id -u)" -eq 0 ] || lab_skip "needs root"
	command -v ip >/dev/null 2>&1 || lab_skip "needs ip (iproute2)"
	ip netns list >/dev/null 2>&1 || lab_skip "ip netns is not available"
	LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nfqfw-lab.XXXXXX") || {
		echo "Bail out! cannot make a temporary directory"
		exit 99
	}
	LAB_SOCK="$LAB_TMP/control.socket"
	trap lab__cleanup EXIT
	trap 'lab__on_error $LINENO "$BASH_COMMAND"' ERR
	trap 'exit 130' INT TERM
	if ! ip netns add "${LAB_PREFIX}probe" 2>/dev/null; then
		lab_skip "cannot create network namespaces here"
	fi
	ip netns del "${LAB_PREFIX}probe"
}

# lab_require_cmds CMD...: skips if one of them is missing.
lab_require_cmds()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || lab_skip "needs $c"
	done
}

# The daemon and the control tool must have been built: their absence is an
# error of the test run, not a reason to skip.
lab_require_build()
{
	local f
	for f in "$LAB_NFQFWD" "$LAB_NFQFWCTL"; do
		if [ ! -x "$f" ]; then
			echo "Bail out! $f not found (set NFQFW_BUILDDIR to the build directory)"
			exit 99
		fi
	done
}

# Prints a python3 that has scapy, or fails.
lab_scapy_python()
{
	local py
	for py in python3 /usr/bin/python3; do
		if command -v "$py" >/dev/null 2>&1 &&
		   "$py" -c 'import scapy.all' >/dev/null 2>&1; then
			command -v "$py"
			return 0
		fi
	done
	return 1
}

lab__on_error()
{
	echo "# $LAB_NAME: line $1: '$2' failed" >&2
}

# ---------------------------------------------------------------------------
# Cleanup

lab__cleanup()
{
	local status=$? ns pid cmd

	set +e
	trap - ERR
	if [ -n "$LAB_DAEMON_PID" ]; then
		lab__terminate "$LAB_DAEMON_PID"
		LAB_DAEMON_PID=
	fi
	for pid in "${LAB_PIDS[@]}"; do
		lab__terminate "$pid"
	done
	# Anything else still running inside our namespaces was started by
	# this test (through a helper that did not record it).
	for ns in "${LAB_NAMESPACES[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for ns in "${LAB_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	for cmd in "${LAB_AT_EXIT[@]}"; do
		eval "$cmd"
	done
	if [ "$status" -ne 0 ] && [ "$status" -ne 77 ]; then
		lab__dump_logs
	fi
	if [ -n "$LAB_TMP" ] && [ -z "${NFQFW_KEEP_TMP:-}" ]; then
		rm -rf "$LAB_TMP"
	elif [ -n "$LAB_TMP" ]; then
		echo "# kept $LAB_TMP"
	fi
	case $status in
	0|1|77|99) ;;
	*) status=1 ;;
	esac
	exit "$status"
}

# lab_at_exit 'COMMAND': run by the cleanup once our processes and
# namespaces are gone (for things outside the lab, like a directory we made).
lab_at_exit()
{
	LAB_AT_EXIT+=("$1")
}

lab__dump_logs()
{
	local log
	for log in "$LAB_TMP"/*.log; do
		[ -s "$log" ] || continue
		echo "# --- last lines of $(basename "$log") ---"
		tail -n 40 "$log" | sed 's/^/# /'
	done
}

# True if PID is running (not a zombie).
lab__alive()
{
	local state
	kill -0 "$1" 2>/dev/null || return 1
	# The state follows the command name, which is in parentheses.
	state=$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$state" != Z ]
}

# Ends one of our processes: SIGTERM, up to 3 s, then SIGKILL.
lab__terminate()
{
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 30; i++)); do
		lab__alive "$pid" || break
		sleep 0.1
	done
	lab__alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# ---------------------------------------------------------------------------
# The lab

lab_c() { ip netns exec "$LAB_C" "$@"; }
lab_g() { ip netns exec "$LAB_G" "$@"; }
lab_s() { ip netns exec "$LAB_S" "$@"; }

lab__ns_add()
{
	ip netns add "$1"
	LAB_NAMESPACES+=("$1")
	ip -n "$1" link set lo up
	# Addresses usable at once: no duplicate address detection, also for
	# the link-local addresses the veths get when they come up.
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
}

lab__addr()
{
	local ns=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" addr add "$a" dev "$dev" nodad ;;
		*)   ip -n "$ns" addr add "$a" dev "$dev" ;;
		esac
	done
}

# Builds client -- gateway -- server with forwarding on in the gateway.
lab_up()
{
	local a extra4=() extra6=()

	lab__ns_add "$LAB_C"
	lab__ns_add "$LAB_G"
	lab__ns_add "$LAB_S"
	ip -n "$LAB_C" link add "$LAB_IF_C" type veth peer name "$LAB_IF_GC" netns "$LAB_G"
	ip -n "$LAB_S" link add "$LAB_IF_S" type veth peer name "$LAB_IF_GS" netns "$LAB_G"

	for a in $LAB_C4_EXTRA; do extra4+=("$a/24"); done
	for a in $LAB_C6_EXTRA; do extra6+=("$a/64"); done
	lab__addr "$LAB_C" "$LAB_IF_C" "$LAB_C4/24" "${extra4[@]}" "$LAB_C6/64" "${extra6[@]}"
	lab__addr "$LAB_G" "$LAB_IF_GC" "$LAB_GC4/24" "$LAB_GC6/64"
	lab__addr "$LAB_G" "$LAB_IF_GS" "$LAB_GS4/24" "$LAB_GS6/64"
	lab__addr "$LAB_S" "$LAB_IF_S" "$LAB_S4/24" "$LAB_S6/64"

	ip -n "$LAB_C" link set "$LAB_IF_C" up
	ip -n "$LAB_G" link set "$LAB_IF_GC" up
	ip -n "$LAB_G" link set "$LAB_IF_GS" up
	ip -n "$LAB_S" link set "$LAB_IF_S" up

	lab_g sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	ip -n "$LAB_C" route add default via "$LAB_GC4"
	ip -n "$LAB_C" -6 route add default via "$LAB_GC6"
	ip -n "$LAB_S" route add default via "$LAB_GS4"
	ip -n "$LAB_S" -6 route add default via "$LAB_GS6"
}

# lab_bg NS CMD...: starts CMD in NS in the background; the cleanup ends it.
# The pid is in LAB_BG_PID (ip netns exec execs CMD, so it is CMD's own).
lab_bg()
{
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	LAB_BG_PID=$!
	LAB_PIDS+=("$LAB_BG_PID")
}

# lab_stop PID: ends a process started with lab_bg.
lab_stop()
{
	lab__terminate "$1"
}

# ---------------------------------------------------------------------------
# Configuration

# lab_write_conf FILE [group.key=value...]: writes a daemon configuration with
# the test's own control socket and table name. Numbers, booleans and hex
# values are written as they are, everything else as a string; a key that is
# not among the defaults is added (bad-config tests use that).
lab_write_conf()
{
	local file=$1 kv key group name value g
	local -A val=(
		[queue.first]=0 [queue.count]=1 [queue.fail_open]=false
		[queue.accept_when_full]=false [queue.max_len]=4096
		[queue.socket_buffer]=8388608 [queue.pass_mark]=0x00100000
		[packet.malformed]=drop
		[nftables.table]="$LAB_TABLE"
		[control.socket]="$LAB_SOCK" [control.mode]=0600 [control.group]=""
		[log.level]=info
	)
	local order=(queue.first queue.count queue.fail_open
		queue.accept_when_full queue.max_len queue.socket_buffer
		queue.pass_mark packet.malformed nftables.table control.socket
		control.mode control.group log.level)
	local groups=()
	shift
	for kv in "$@"; do
		key=${kv%%=*}
		[ -n "${val[$key]+set}" ] || order+=("$key")
		val[$key]=${kv#*=}
	done
	for key in "${order[@]}"; do
		group=${key%%.*}
		[[ " ${groups[*]} " == *" $group "* ]] || groups+=("$group")
	done
	{
		echo "# nfqfw configuration written by $LAB_NAME"
		for g in "${groups[@]}"; do
			echo "$g: {"
			for key in "${order[@]}"; do
				[ "${key%%.*}" = "$g" ] || continue
				name=${key#*.}
				value=${val[$key]}
				echo "	$name = $(lab__conf_value "$key" "$value");"
			done
			echo "};"
		done
	} >"$file"
}

lab__conf_value()
{
	case $1 in
	control.mode|control.group|control.socket|nftables.table|log.level|packet.malformed)
		printf '"%s"' "$2"
		return ;;
	esac
	if [[ $2 =~ ^(true|false|-?[0-9]+|0[xX][0-9a-fA-F]+|-?[0-9]+\.[0-9]+|\".*\")$ ]]; then
		printf '%s' "$2"
	else
		printf '"%s"' "$2"
	fi
}

# ---------------------------------------------------------------------------
# The daemon

# lab_start_daemon CONF: starts nfqfwd in the gateway (foreground mode, in
# the background of this shell), and waits up to 5 s for its control socket to
# answer. The log is $LAB_DAEMON_LOG. Fails if it exits or does not answer.
lab_start_daemon()
{
	local conf=$1 i status
	if [ -n "$LAB_DAEMON_PID" ]; then
		echo "# lab_start_daemon: a daemon is already running" >&2
		return 1
	fi
	LAB_DAEMON_RUNS=$((LAB_DAEMON_RUNS + 1))
	LAB_DAEMON_LOG="$LAB_TMP/nfqfwd.$LAB_DAEMON_RUNS.log"
	ip netns exec "$LAB_G" "$LAB_NFQFWD" -f -c "$conf" >"$LAB_DAEMON_LOG" 2>&1 &
	LAB_DAEMON_PID=$!
	for ((i = 0; i < 50; i++)); do
		if ! lab__alive "$LAB_DAEMON_PID"; then
			status=0
			wait "$LAB_DAEMON_PID" || status=$?
			LAB_DAEMON_PID=
			LAB_DAEMON_STATUS=$status
			echo "# nfqfwd exited with status $status while starting" >&2
			return 1
		fi
		if lab_ctl status >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	echo "# nfqfwd did not answer on $LAB_SOCK within 5 s" >&2
	return 1
}

# lab_stop_daemon: SIGTERM, then waits up to 5 s for the exit. Sets
# LAB_DAEMON_STATUS; fails if the daemon had to be killed or exited non-zero.
lab_stop_daemon()
{
	local pid=$LAB_DAEMON_PID i status=0
	[ -n "$pid" ] || return 1
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		lab__alive "$pid" || break
		sleep 0.1
	done
	if lab__alive "$pid"; then
		echo "# nfqfwd did not exit within 5 s of SIGTERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		LAB_DAEMON_PID=
		LAB_DAEMON_STATUS=killed
		return 1
	fi
	wait "$pid" || status=$?
	LAB_DAEMON_PID=
	LAB_DAEMON_STATUS=$status
	[ "$status" -eq 0 ]
}

# lab_kill_daemon: SIGKILL, as a crash would; waits for it to be gone.
lab_kill_daemon()
{
	local pid=$LAB_DAEMON_PID
	[ -n "$pid" ] || return 1
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	LAB_DAEMON_PID=
	LAB_DAEMON_STATUS=killed
}

# lab_ctl ARGS...: nfqfwctl inside the gateway, on the test's socket.
lab_ctl()
{
	timeout 5 ip netns exec "$LAB_G" "$LAB_NFQFWCTL" -s "$LAB_SOCK" "$@"
}

# lab_table_exists [NAME]: our inet table (or NAME) is in the gateway.
lab_table_exists()
{
	lab_g nft list table inet "${1:-$LAB_TABLE}" >/dev/null 2>&1
}

# lab_table_count NAME: how many inet tables called NAME the gateway has.
lab_table_count()
{
	lab_g nft list tables 2>/dev/null | grep -c -x "table inet $1" || true
}

# ---------------------------------------------------------------------------
# Counters

# The gateway's /proc/net/netfilter/nfnetlink_queue line of queue Q, fields:
# queue portid waiting copy_mode copy_range queue_dropped user_dropped
# id_sequence 1. Prints nothing if no program is bound to Q.
lab_queue_line()
{
	lab_g cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null |
		awk -v q="$1" '$1 == q { print; exit }'
}

lab_queue_bound()
{
	[ -n "$(lab_queue_line "$1")" ]
}

# lab_queue_field Q NAME: one field of the line above; empty if not bound.
lab_queue_field()
{
	local n
	case $2 in
	portid) n=2 ;; waiting) n=3 ;; copy_mode) n=4 ;; copy_range) n=5 ;;
	queue_dropped) n=6 ;; user_dropped) n=7 ;; id_sequence) n=8 ;;
	*) echo "lab_queue_field: unknown field $2" >&2; return 1 ;;
	esac
	lab_queue_line "$1" | awk -v n="$n" '{ print $n }'
}

# lab_queue_seq Q: the id of the last packet queued to Q (0 if not bound).
lab_queue_seq()
{
	local v
	v=$(lab_queue_field "$1" id_sequence)
	echo "${v:-0}"
}

# lab_stats_json: the daemon's stats as JSON.
lab_stats_json()
{
	lab_ctl -o json stats
}

# lab_json EXPR [FILE]: evaluates a Python expression over the JSON in FILE
# (or stdin), bound to `j`; prints the result (dicts and lists as JSON).
lab_json()
{
	python3 -c '
import json, sys
j = json.load(open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin)
v = eval(sys.argv[1], {"j": j})
print(json.dumps(v) if isinstance(v, (dict, list)) else v)
' "$@"
}

# Counters from `nfqfwctl -o json stats`, whose shape is
#   { "queues": [ { "queue": 0, "received": N, ..., "malformed_by": {...},
#                   "by_hook": {...}, "kernel": {...} | null }, ... ],
#     "total": { "received": N, ..., "kernel": {...} }, ... }
# A counter is named by a dotted PATH ("received", "by_hook.forward",
# "malformed_by.tcp_options", "kernel.id_sequence"), and read for one queue
# (its number), for "all" (the sum over the queues, computed here) or for
# "total" (the daemon's own total).

# lab_stat QUEUE|all|total PATH: one counter from a fresh snapshot. Prints
# nothing if there is no such queue or counter.
lab_stat()
{
	lab_stats_json | lab__stat_from_json "$1" "$2"
}

# lab_snapshot FILE: saves the stats, so that several counters can be read
# from one consistent moment with lab_snap_stat FILE QUEUE|all|total PATH.
lab_snapshot()
{
	lab_stats_json >"$1"
}

lab_snap_stat()
{
	lab__stat_from_json "$2" "$3" <"$1"
}

# lab_snap_delta BEFORE AFTER QUEUE|all|total PATH: how much a counter grew
# between two snapshots; "missing" if either lacks it.
lab_snap_delta()
{
	local a b
	a=$(lab_snap_stat "$1" "$3" "$4")
	b=$(lab_snap_stat "$2" "$3" "$4")
	if lab_is_int "$a" && lab_is_int "$b"; then
		echo $((b - a))
	else
		echo missing
	fi
}

lab__stat_from_json()
{
	python3 -c '
import json, sys
want, path = sys.argv[1], sys.argv[2].split(".")
j = json.load(sys.stdin)
def get(obj):
    for p in path:
        if not isinstance(obj, dict) or p not in obj:
            return None
        obj = obj[p]
    return obj if isinstance(obj, int) and not isinstance(obj, bool) else None
if want == "total":
    v = get(j.get("total"))
    if v is not None:
        print(v)
    sys.exit(0)
values = [get(q) for q in j.get("queues", [])
          if want == "all" or str(q.get("queue")) == want]
if values and None not in values:
    print(sum(values))
' "$@"
}

# ---------------------------------------------------------------------------
# Traffic. Every helper is bounded in time and returns 0 only on success.

lab__is_v6() { [[ $1 == *:* ]]; }

# lab_ping NS DST [SRC] [COUNT]: COUNT (3) echo requests, every one answered,
# within 5 s.
lab_ping()
{
	local ns=$1 dst=$2 src=${3:-} count=${4:-3}
	local args=(-q -n -c "$count" -i 0.2 -w 5)
	[ -n "$src" ] && args+=(-I "$src")
	timeout 10 ip netns exec "$ns" ping "${args[@]}" "$dst" >/dev/null 2>&1
}

# lab_wait_listen NS PROTO PORT [ADDR]: waits up to 3 s for a tcp/udp socket
# bound to PORT (on ADDR only, if given) in NS.
lab_wait_listen()
{
	local ns=$1 proto=$2 port=$3 addr=${4:-} i opt=-Hltn filter
	[ "$proto" = udp ] && opt=-Hlun
	filter="sport = :$port"
	if [ -n "$addr" ]; then
		filter="src $addr:$port"
		lab__is_v6 "$addr" && filter="src [$addr]:$port"
	fi
	for ((i = 0; i < 30; i++)); do
		if ip netns exec "$ns" ss "$opt" "$filter" 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	echo "# nothing listens on $proto ${addr:+$addr }port $port in $ns" >&2
	return 1
}

# socat address of ADDR:PORT for PROTO (tcp/udp), e.g. TCP6:[2001:db8::1]:80.
lab__socat_peer()
{
	local proto=${1^^} addr=$2 port=$3
	if lab__is_v6 "$addr"; then
		echo "${proto}6:[$addr]:$port"
	else
		echo "${proto}4:$addr:$port"
	fi
}

lab__socat_bind()
{
	if lab__is_v6 "$1"; then
		echo "bind=[$1]"
	else
		echo "bind=$1"
	fi
}

# lab_echo_server NS PROTO ADDR PORT: a socat echo server (every connection or
# datagram is sent back), in the background.
lab_echo_server()
{
	local ns=$1 proto=$2 addr=$3 port=$4 fam=4 listen
	lab__is_v6 "$addr" && fam=6
	if [ "$proto" = tcp ]; then
		# Not socat's PIPE: one process that writes into a pipe it alone
		# reads deadlocks once the pipe is full (64 KiB) while the peer's
		# window is closed, which a slower path makes likely. Each
		# connection here reads and writes its own socket in a thread.
		lab_bg "$ns" python3 -c '
import socket, sys, threading
def serve(conn):
    with conn:
        conn.settimeout(10)
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
        except OSError:
            pass
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
srv = socket.socket(fam, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(64)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$addr" "$port"
	else
		listen="UDP$fam-RECVFROM:$port,$(lab__socat_bind "$addr"),fork"
		lab_bg "$ns" socat -T 5 "$listen" PIPE
	fi
	lab_wait_listen "$ns" "$proto" "$port"
}

# lab_echo NS PROTO SRC DST PORT IN OUT: sends file IN from SRC to the echo
# server at DST:PORT and writes what comes back to OUT; succeeds if OUT equals
# IN. UDP sends IN as one datagram (keep it small).
lab_echo()
{
	local ns=$1 proto=$2 src=$3 dst=$4 port=$5 in=$6 out=$7
	local peer linger=5
	# After sending, socat waits -t seconds for the rest of the reply: TCP
	# ends earlier, with the server's FIN; UDP has no end, so keep it short.
	peer="$(lab__socat_peer "$proto" "$dst" "$port"),$(lab__socat_bind "$src")"
	if [ "$proto" = udp ]; then
		linger=1
	else
		peer="$peer,connect-timeout=3"
	fi
	timeout 10 ip netns exec "$ns" socat -t "$linger" -T 5 - "$peer" \
		<"$in" >"$out" 2>/dev/null || true
	cmp -s "$in" "$out"
}

# ---------------------------------------------------------------------------
# A second lab beside the first, and the kernel's own conntrack as an oracle
# (the differential conntrack tests in tests/netns/ct-diff/ use these).

# lab_twin_ns TAG c|g|s: the name of a namespace of twin lab TAG (one
# lowercase letter or digit, so that interface names stay under 15 bytes).
lab_twin_ns()
{
	echo "${LAB_PREFIX}$1$2"
}

# lab_twin_if TAG c|gc|gs|s: the name of an interface of twin lab TAG, as
# LAB_IF_C, LAB_IF_GC, LAB_IF_GS and LAB_IF_S name those of the first lab.
lab_twin_if()
{
	echo "nq$$$1-$2"
}

# lab_up_twin TAG: builds a second client -- gateway -- server lab of exactly
# the first one's shape and addresses (lab_up does the work, with the names
# of lab_twin_ns and lab_twin_if), so that the same packets can cross either
# gateway. Its namespaces are removed by the cleanup like the first lab's.
lab_up_twin()
{
	local tag=$1
	if [[ ! $tag =~ ^[a-z0-9]$ ]]; then
		echo "# lab_up_twin: the tag must be one letter or digit, not '$tag'" >&2
		return 1
	fi
	# lab_up and its helpers read these names when they run: shadowing them
	# here builds the twin without touching the first lab's variables.
	local LAB_C LAB_G LAB_S LAB_IF_C LAB_IF_GC LAB_IF_GS LAB_IF_S
	LAB_C=$(lab_twin_ns "$tag" c)
	LAB_G=$(lab_twin_ns "$tag" g)
	LAB_S=$(lab_twin_ns "$tag" s)
	LAB_IF_C=$(lab_twin_if "$tag" c)
	LAB_IF_GC=$(lab_twin_if "$tag" gc)
	LAB_IF_GS=$(lab_twin_if "$tag" gs)
	LAB_IF_S=$(lab_twin_if "$tag" s)
	lab_up
}

# lab_kernel_ct_gateway NS TABLE [drop|accept]: makes the kernel track
# connections in NS (a gateway) and drop (or, for a control run, accept)
# what its conntrack calls invalid: a table of its own whose forward chain is
# `ct state invalid drop` and then accept. Nothing else is filtered, so a
# forwarded packet is dropped only for being invalid. Named counters st_new,
# st_established, st_related and st_invalid count the forwarded packets by
# their conntrack state (`nft list counters table inet TABLE`).
lab_kernel_ct_gateway()
{
	local invalid=${3:-drop}
	case $invalid in
	drop|accept) ;;
	*) echo "# lab_kernel_ct_gateway: drop or accept, not '$invalid'" >&2; return 1 ;;
	esac
	ip netns exec "$1" nft -f - <<-NFT
	table inet $2 {
		counter st_new { }
		counter st_established { }
		counter st_related { }
		counter st_invalid { }
		chain forward {
			type filter hook forward priority filter; policy accept;
			ct state new counter name st_new
			ct state established counter name st_established
			ct state related counter name st_related
			ct state invalid counter name st_invalid $invalid
			accept
		}
	}
	NFT
}

# lab_input_drop NS TABLE MATCH...: a table of its own in host NS whose
# input chain drops every packet that one of the nft MATCH expressions
# matches (e.g. 'tcp dport 7000'). The host's own stack then never answers
# crafted traffic (no RST, no port unreachable, no echo reply), while an
# AF_PACKET socket on the interface still sees every packet that arrives.
lab_input_drop()
{
	local ns=$1 table=$2 m
	shift 2
	{
		echo "table inet $table {"
		echo "	chain input {"
		echo "		type filter hook input priority filter; policy accept;"
		for m in "$@"; do
			echo "		$m drop"
		done
		echo "	}"
		echo "}"
	} | ip netns exec "$ns" nft -f -
}

# lab_sysctl NS NAME: a sysctl's value in NS (empty if there is none).
lab_sysctl()
{
	ip netns exec "$1" sysctl -n "$2" 2>/dev/null || true
}
