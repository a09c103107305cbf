#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# After setup nfqfwd keeps CAP_NET_ADMIN and nothing else, in every thread,
# with no_new_privs: as a user of its own (daemon.user, an account made for
# the test), as root, and under the bounding sets a systemd unit would give
# (CAP_NET_ADMIN alone as root, or what the switch of user needs). Each time
# traffic still crosses the queues, nfqfwctl works for root, the kernel's
# queue counters are read, a reload works, and SIGTERM is an orderly stop
# that removes the table and the socket, with status 0.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds socat ping ss nft python3 timeout awk setpriv
lab_require_build
lab_up

NET_ADMIN_ONLY=0000000000001000     # bit 12, CAP_NET_ADMIN
NONE=0000000000000000

# The daemon must reach its socket and re-read its configuration as the
# user: the run's directory is only traversable (0711), the files in it
# readable, and the socket has a directory of its own, like /run/nfqfw.
chmod 0711 "$LAB_TMP"
LAB_SOCK="$LAB_TMP/run/nfqfw.sock"

# An account of our own, removed at exit; `nobody` where none can be made.
user="nfqfwt$$"
if command -v useradd >/dev/null 2>&1 &&
   useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$user" 2>/dev/null; then
	lab_at_exit "userdel '$user' 2>/dev/null; groupdel '$user' 2>/dev/null"
else
	lab_note "cannot create a system user; using nobody"
	user=nobody
fi
uid=$(id -u "$user")
gid=$(id -g "$user")

# status_field FILE FIELD: FIELD's value in a /proc status file, its
# numbers separated by single spaces.
status_field()
{
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' "$1"
}

# check_creds PID UID GID: the credentials of the main thread field by
# field, then the same for every thread (the workers started after the
# drop: capabilities belong to threads).
check_creds()
{
	local pid=$1 want_uid=$2 want_gid=$3 st="/proc/$1/status" t bad=0 n=0
	lab_check_eq "CapEff is CAP_NET_ADMIN only" "$NET_ADMIN_ONLY" "$(status_field "$st" CapEff)"
	lab_check_eq "CapPrm is CAP_NET_ADMIN only" "$NET_ADMIN_ONLY" "$(status_field "$st" CapPrm)"
	lab_check_eq "CapBnd is CAP_NET_ADMIN only" "$NET_ADMIN_ONLY" "$(status_field "$st" CapBnd)"
	lab_check_eq "CapInh is empty" "$NONE" "$(status_field "$st" CapInh)"
	lab_check_eq "CapAmb is empty" "$NONE" "$(status_field "$st" CapAmb)"
	lab_check_eq "NoNewPrivs is set" 1 "$(status_field "$st" NoNewPrivs)"
	lab_check_eq "Uid is $want_uid" "$want_uid $want_uid $want_uid $want_uid" \
		"$(status_field "$st" Uid)"
	lab_check_eq "Gid is $want_gid" "$want_gid $want_gid $want_gid $want_gid" \
		"$(status_field "$st" Gid)"
	for t in "/proc/$pid/task"/*; do
		n=$((n + 1))
		[ "$(status_field "$t/status" CapEff)" = "$NET_ADMIN_ONLY" ] &&
		[ "$(status_field "$t/status" CapPrm)" = "$NET_ADMIN_ONLY" ] &&
		[ "$(status_field "$t/status" CapBnd)" = "$NET_ADMIN_ONLY" ] &&
		[ "$(status_field "$t/status" NoNewPrivs)" = 1 ] &&
		[ "$(status_field "$t/status" Uid)" = "$want_uid $want_uid $want_uid $want_uid" ] ||
			{ bad=$((bad + 1)); lab_note "thread ${t##*/}: $(grep -E '^(Cap|Uid|NoNew)' "$t/status" | tr '\n\t' '  ')"; }
	done
	lab_check_ge "nfqfwd runs its workers in threads of their own" "$n" 3
	lab_check_eq "every thread has the same credentials" 0 "$bad"
}

# check_service DESC: with a daemon running, packets cross both queues,
# nfqfwctl answers root, the kernel's queue counters are read and SIGHUP
# reloads the configuration file.
check_service()
{
	local conf=$1 seq0 seq1 kernel
	seq0=$(( $(lab_queue_seq 0) + $(lab_queue_seq 1) ))
	lab_check "ipv4 ping crosses the gateway" lab_ping "$LAB_C" "$LAB_S4"
	lab_check "ipv6 ping crosses the gateway" lab_ping "$LAB_C" "$LAB_S6"
	lab_check "a TCP echo crosses the gateway" \
		lab_echo "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7000 "$LAB_TMP/in" "$LAB_TMP/out"
	seq1=$(( $(lab_queue_seq 0) + $(lab_queue_seq 1) ))
	lab_check_ge "those packets went through the queues" "$seq1" $((seq0 + 16))
	lab_check "nfqfwctl status works for root" ctl_quiet status
	kernel=$(lab_stat all kernel.id_sequence)
	lab_check_ge "nfqfwd reads the kernel's queue counters" "$kernel" "$seq1"
	lab_write_conf "$conf" queue.count=2 "${@:2}" log.level=debug
	kill -HUP "$LAB_DAEMON_PID"
	lab_check "SIGHUP re-reads the configuration" wait_for_log "configuration reloaded from"
	lab_check_fails "without an error" grep -q "reload: .* error" "$LAB_DAEMON_LOG"
	lab_check "nfqfwctl status works after the reload" ctl_quiet status
}

ctl_quiet()
{
	lab_ctl "$@" >/dev/null
}

# wait_for_log TEXT: up to 3 s for TEXT in the daemon's log.
wait_for_log()
{
	local i
	for ((i = 0; i < 30; i++)); do
		grep -q -- "$1" "$LAB_DAEMON_LOG" && return 0
		sleep 0.1
	done
	return 1
}

# check_stop: SIGTERM is still an orderly stop: a ping running across it
# loses nothing, the table, the queues and the socket go, the status is 0.
check_stop()
{
	local ping_pid replies
	ip netns exec "$LAB_C" ping -n -c 30 -i 0.05 -w 10 "$LAB_S4" >"$LAB_TMP/ping.out" 2>&1 &
	ping_pid=$!
	LAB_PIDS+=("$ping_pid")
	sleep 0.5
	lab_check "nfqfwd exits on SIGTERM" lab_stop_daemon
	lab_check_eq "with status 0" 0 "$LAB_DAEMON_STATUS"
	wait "$ping_pid" || true
	replies=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' "$LAB_TMP/ping.out")
	lab_check_eq "a ping running across the stop got all 30 replies" 30 "${replies:-none}"
	lab_check_fails "table inet $LAB_TABLE is removed" lab_table_exists
	lab_check_eq "no queue is bound any more" "" \
		"$(lab_g cat /proc/net/netfilter/nfnetlink_queue)"
	lab_check_fails "the control socket is removed" test -e "$LAB_SOCK"
}

head -c 200000 /dev/urandom >"$LAB_TMP/in"
lab_echo_server "$LAB_S" tcp "$LAB_S4" 7000
conf="$LAB_TMP/nfqfw.conf"

lab_note "as user $user ($uid:$gid)"
lab_write_conf "$conf" queue.count=2 daemon.user="$user"
lab_start_daemon "$conf" || lab_bail "nfqfwd starts with daemon.user = $user"
lab_ok "nfqfwd starts with daemon.user = $user"
check_creds "$LAB_DAEMON_PID" "$uid" "$gid"
lab_check_eq "no supplementary groups" "" "$(status_field "/proc/$LAB_DAEMON_PID/status" Groups)"
lab_check_eq "the socket belongs to $user" "$uid" "$(stat -c %u "$LAB_SOCK")"
lab_check_eq "its directory is root's, group $gid, sticky and group-writable" \
	"0 $gid 1775" "$(stat -c '%u %g %a' "$LAB_TMP/run")"
check_service "$conf" daemon.user="$user"
if [ "$uid" != 65534 ]; then
	lab_check_fails "another non-root user is still refused by the socket" \
		timeout 5 ip netns exec "$LAB_G" setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$LAB_NFQFWCTL" -s "$LAB_SOCK" status 2>/dev/null
fi
check_stop

# The directory stays as the user's run left it: root does not mind.
lab_note "as root"
lab_write_conf "$conf" queue.count=2
lab_start_daemon "$conf" || lab_bail "nfqfwd starts as root"
lab_ok "nfqfwd starts as root"
check_creds "$LAB_DAEMON_PID" 0 0
check_service "$conf"
check_stop

# systemd's CapabilityBoundingSet=: root with that bounding set and nothing
# else permitted (setpriv does what systemd does before the exec).
# bounded_nfqfwd CAPS: nfqfwd runs under the bounding set CAPS from now on.
bounded_nfqfwd()
{
	cat >"$LAB_TMP/bounded-nfqfwd" <<EOF
#!/bin/sh
exec setpriv --bounding-set -all,$1 --inh-caps -all "$real_nfqfwd" "\$@"
EOF
	chmod 0755 "$LAB_TMP/bounded-nfqfwd"
	LAB_NFQFWD="$LAB_TMP/bounded-nfqfwd"
}
real_nfqfwd=$LAB_NFQFWD

# CAP_NET_ADMIN alone, as root: nothing is left to drop, and it must work.
lab_note "as root under a bounding set of CAP_NET_ADMIN"
bounded_nfqfwd +net_admin
lab_write_conf "$conf" queue.count=2
lab_start_daemon "$conf" || lab_bail "nfqfwd starts under the bounding set"
lab_ok "nfqfwd starts under the bounding set"
check_creds "$LAB_DAEMON_PID" 0 0
check_service "$conf"
check_stop

# There a switch of user is impossible (no CAP_SETUID): it must say so and
# stop, not run as root.
lab_write_conf "$conf" queue.count=2 daemon.user="$user"
lab_check_fails "with daemon.user under that bounding set, nfqfwd refuses to start" \
	lab_start_daemon "$conf"
lab_check_eq "with status 1" 1 "$LAB_DAEMON_STATUS"
lab_check "and says why" grep -q "cannot switch to uid $uid" "$LAB_DAEMON_LOG"
lab_check_fails "leaving no table behind" lab_table_exists

# The bounding set a unit needs for daemon.user: what the switch and the
# socket's handover use, all gone after the drop but CAP_NET_ADMIN.
lab_note "as user $user under a bounding set for the switch"
bounded_nfqfwd +net_admin,+setuid,+setgid,+setpcap,+chown
lab_write_conf "$conf" queue.count=2 daemon.user="$user"
lab_start_daemon "$conf" || lab_bail "nfqfwd starts as $user under the bounding set"
lab_ok "nfqfwd starts as $user under the bounding set"
check_creds "$LAB_DAEMON_PID" "$uid" "$gid"
check_service "$conf" daemon.user="$user"
check_stop
LAB_NFQFWD=$real_nfqfwd

lab_summary
