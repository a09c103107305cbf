#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The confinement of the generated nfqfw.service fits what nfqfwd really
# does. The daemon runs in the lab gateway as the unit has systemd run it
# (an unprivileged user for DynamicUser=, with the unit's bounding set and
# ambient capabilities, no_new_privs), traced with strace while it passes
# traffic, answers nfqfwctl, reloads and stops. Then every system call it
# made must be in the unit's SystemCallFilter=, every socket it opened in a
# family of RestrictAddressFamilies=, every file it wrote or made in its
# RuntimeDirectory= (ProtectSystem=strict), and no memory both writable and
# executable (MemoryDenyWriteExecute=). A change that needs more makes
# this test fail here, before systemd kills or cripples the firewall.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

lab_init
lab_require_cmds python3 nft ping socat strace setpriv systemd-analyze timeout
lab_require_build
unit="$NFQFW_BUILDDIR/systemd/nfqfw.service"
if [ ! -f "$unit" ]; then
	echo "Bail out! $unit not found: build it (make systemd/nfqfw.service)"
	exit 99
fi
lab_up

get() { python3 "$here/unitcheck.py" get "$unit" "$1"; }

# The unit's capabilities as setpriv's list: CAP_NET_ADMIN -> +net_admin.
caps_of()
{
	local c out=-all
	for c in $1; do
		c=${c#CAP_}
		out="$out,+${c,,}"
	done
	echo "$out"
}
bounding=$(caps_of "$(get CapabilityBoundingSet)")
ambient=$(caps_of "$(get AmbientCapabilities)")
lab_note "unit: bounding set $bounding, ambient $ambient, DynamicUser=$(get DynamicUser)"
lab_check_eq "the unit sets NoNewPrivileges=yes" yes "$(get NoNewPrivileges)"
lab_check_eq "the unit sets MemoryDenyWriteExecute=yes" yes "$(get MemoryDenyWriteExecute)"
lab_check_eq "the unit sets ProtectSystem=strict" strict "$(get ProtectSystem)"

# The run's directory stands for /run/nfqfw (RuntimeDirectory=): the only
# place the daemon may write. The files it reads must be readable by the
# user it runs as.
rundir="$LAB_TMP/run"
mkdir "$rundir"
chmod 0711 "$LAB_TMP"
LAB_SOCK="$rundir/nfqfw.sock"
conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf" queue.count=2
chmod 0644 "$conf"
# A copy the user can execute wherever the build is (/root is 0700).
exe="$LAB_TMP/nfqfwd"
install -m 0755 "$LAB_NFQFWD" "$exe"
as=(--bounding-set="$bounding" --inh-caps="$ambient" --ambient-caps="$ambient" --nnp)
case $(get DynamicUser)$(get User) in
""|no|root|0)
	lab_note "the unit runs nfqfwd as root" ;;
*)
	# A user with nothing of its own, as DynamicUser= makes one.
	chown nobody "$rundir"
	as=(--reuid=nobody --regid=nogroup --clear-groups "${as[@]}") ;;
esac

LAB_DAEMON_LOG="$LAB_TMP/nfqfwd.log"
ip netns exec "$LAB_G" strace -f -qq -o "$LAB_TMP/strace.out" \
	setpriv "${as[@]}" "$exe" -f -c "$conf" >"$LAB_DAEMON_LOG" 2>&1 &
strace_pid=$!
LAB_PIDS+=("$strace_pid")
pid=
for ((i = 0; i < 100; i++)); do
	pid=$(awk '{ print $1 }' "/proc/$strace_pid/task/$strace_pid/children" 2>/dev/null || true)
	[ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ] && break
	pid=
	sleep 0.05
done
[ -n "$pid" ] || lab_bail "nfqfwd starts under strace and setpriv"
for ((i = 0; i < 100; i++)); do
	lab_ctl status >/dev/null 2>&1 && break
	sleep 0.1
done
lab_check "nfqfwd answers on its control socket" eval 'lab_ctl status >/dev/null'
lab_check_eq "it runs as the unit's user" \
	"$([ "${as[0]}" = --reuid=nobody ] && id -u nobody || echo 0)" \
	"$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")"

# Work for every part of the daemon: both queues, both families, TCP
# through the connection table, every read-only nfqfwctl command, a reload.
lab_echo_server "$LAB_S" tcp "$LAB_S4" 7001
head -c 20000 /dev/urandom >"$LAB_TMP/in"
lab_check "ipv4 ping passes" lab_ping "$LAB_C" "$LAB_S4"
lab_check "ipv6 ping passes" lab_ping "$LAB_C" "$LAB_S6"
for a in $LAB_C4 $LAB_C4_EXTRA; do
	lab_check "tcp echo from $a passes" \
		lab_echo "$LAB_C" tcp "$a" "$LAB_S4" 7001 "$LAB_TMP/in" "$LAB_TMP/out"
done
for cmd in status stats conntrack "-o json stats"; do
	# shellcheck disable=SC2086 # the words of cmd are arguments
	lab_check "nfqfwctl $cmd works" eval "lab_ctl $cmd >/dev/null"
done
kill -HUP "$pid"
for ((i = 0; i < 50; i++)); do
	grep -q "configuration reloaded" "$LAB_DAEMON_LOG" && break
	sleep 0.1
done
lab_check "SIGHUP reloads" grep -q "configuration reloaded" "$LAB_DAEMON_LOG"
lab_check "traffic passes after the reload" lab_ping "$LAB_C" "$LAB_S4"

kill -TERM "$pid"
status=0
timeout 15 tail --pid="$strace_pid" -f /dev/null || true
wait "$strace_pid" || status=$?
lab_check_eq "nfqfwd exits 0 on SIGTERM" 0 "$status"
lab_check_fails "its table is gone" lab_table_exists

# --- what it did, against what the unit allows ------------------------------

python3 "$here/unitcheck.py" syscalls "$unit" >"$LAB_TMP/allowed"
python3 "$here/unitcheck.py" trace "$LAB_TMP/strace.out" "$exe" "$LAB_TMP/did.json"
did() { lab_json "$1" "$LAB_TMP/did.json"; }
lab_check_eq "the trace starts at the execve of nfqfwd" True "$(did 'j["started"]')"
lab_check_gt "the allow list is not empty" "$(wc -l <"$LAB_TMP/allowed")" 100
lab_note "system calls made: $(did '" ".join(j["syscalls"])')"
outside=$(did '" ".join(j["syscalls"])' | tr ' ' '\n' | grep -vxF -f "$LAB_TMP/allowed" | tr '\n' ' ' || true)
lab_check_eq "every system call is in SystemCallFilter=" "" "${outside% }"
lab_check_ge "the trace saw the daemon at work (system calls)" \
	"$(did 'len(j["syscalls"])')" 20
for want in recvmmsg sendto timerfd_settime signalfd4 membarrier; do
	lab_check_eq "the trace has $want" True "$(did "'$want' in j['syscalls']")"
done

families=$(get RestrictAddressFamilies)
lab_note "socket families used: $(did '" ".join(j["families"])')"
bad=
for f in $(did '" ".join(j["families"])'); do
	[[ " $families " == *" $f "* ]] || bad="$bad $f"
done
lab_check_eq "every socket is of a family in RestrictAddressFamilies=" "" "$bad"
lab_check_eq "it used netlink and unix sockets" True \
	"$(did '"AF_NETLINK" in j["families"] and "AF_UNIX" in j["families"]')"

lab_note "paths written or made: $(did '" ".join(j["written"])')"
lab_check_eq "it wrote nothing outside its RuntimeDirectory (and /dev/null)" "[]" \
	"$(did "[p for p in j['written'] if not (p.startswith('$rundir/') or p == '/dev/null')]")"
lab_check_eq "it made its control socket there" True \
	"$(did "'$LAB_SOCK' in j['written']")"
lab_check_eq "no memory was both writable and executable" "[]" "$(did 'j["wx"]')"

lab_summary
