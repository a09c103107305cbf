#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A receive buffer overrun is counted and survived: with the smallest socket
# buffer and the daemon stopped (SIGSTOP), a burst of datagrams overflows
# the netlink socket. The kernel drops what did not fit (user_dropped, since
# accept_when_full is off), nfqfwd sees ENOBUFS when it runs again, counts
# it, and goes on forwarding traffic.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds socat ping ss nft python3 timeout
lab_require_build
lab_up

conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf" queue.count=1 queue.socket_buffer=65536 queue.max_len=100000
lab_start_daemon "$conf" || lab_bail "nfqfwd starts in the gateway"
lab_ok "nfqfwd starts with a 64 KiB receive buffer"

lab_check "traffic crosses before the overrun" lab_ping "$LAB_C" "$LAB_S4"
dropped_before=$(lab_queue_field 0 user_dropped)

kill -STOP "$LAB_DAEMON_PID"
# 3000 small datagrams at once: far more than a 64 KiB buffer holds.
timeout 20 ip netns exec "$LAB_C" python3 - "$LAB_S4" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    s.sendto(b"x" * 64, (sys.argv[1], 9))
PY
waiting=$(lab_queue_field 0 waiting)
dropped_after=$(lab_queue_field 0 user_dropped)
kill -CONT "$LAB_DAEMON_PID"
lab_check_gt "the kernel dropped packets that did not fit the socket (user_dropped)" \
	"$dropped_after" "$dropped_before"
lab_check_gt "packets that fitted were left waiting in the queue" "$waiting" 0

# Give the worker time to read what is there and meet the error.
for ((i = 0; i < 50; i++)); do
	[ "$(lab_queue_field 0 waiting)" = 0 ] && break
	sleep 0.1
done
lab_check_eq "every packet that was queued got a verdict" 0 "$(lab_queue_field 0 waiting)"
lab_check_ge "nfqfwctl stats counts the overrun (enobufs)" "$(lab_stat 0 enobufs)" 1
lab_check_ge "nfqfwctl stats shows the kernel's user_dropped" \
	"$(lab_stat 0 kernel.user_dropped)" "$dropped_after"
lab_check "nfqfwd is still running" lab__alive "$LAB_DAEMON_PID"
lab_check "ping crosses after the overrun" lab_ping "$LAB_C" "$LAB_S4"
printf 'after the overrun\n' >"$LAB_TMP/in"
lab_echo_server "$LAB_S" tcp "$LAB_S4" 7001
lab_check "tcp crosses after the overrun" \
	lab_echo "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7001 "$LAB_TMP/in" "$LAB_TMP/out"
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
