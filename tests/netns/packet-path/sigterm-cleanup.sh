#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGTERM is an orderly stop: the packets in flight get their verdicts (a
# ping running across the stop loses nothing), the daemon exits 0, removes its
# own table and nothing else (a bystander table is left exactly as it was),
# unbinds its queues and removes its control socket.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds socat ping ss nft python3 timeout
lab_require_build
lab_up

# Somebody else's table in the gateway, with a base chain at a hook we use
# too, a set and a few rules (no counters: they would change with traffic).
lab_g nft -f - <<EOF
table inet bystander {
	set trusted {
		type ipv4_addr
		elements = { 192.0.2.200, 192.0.2.201 }
	}
	chain forward {
		type filter hook forward priority 10; policy accept;
		ip saddr @trusted accept
		meta l4proto udp udp dport 9 drop
	}
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 22 accept
	}
}
EOF
bystander_before=$(lab_g nft list table inet bystander)

conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf" queue.count=2 queue.fail_open=false

lab_start_daemon "$conf" || lab_bail "nfqfwd starts next to table inet bystander"
lab_ok "nfqfwd starts next to table inet bystander"
lab_check "table inet $LAB_TABLE is installed" lab_table_exists
lab_check "queue 0 is bound" lab_queue_bound 0
lab_check "queue 1 is bound" lab_queue_bound 1
lab_check "control socket $LAB_SOCK exists" test -S "$LAB_SOCK"
lab_check "ipv4 traffic passes" lab_ping "$LAB_C" "$LAB_S4"
lab_check "ipv6 traffic passes" lab_ping "$LAB_C" "$LAB_S6"

# A ping every 50 ms across the stop: 40 requests over 2 s, SIGTERM after
# about 0.7 s. Every request must be answered.
ip netns exec "$LAB_C" ping -n -c 40 -i 0.05 -w 10 "$LAB_S4" >"$LAB_TMP/ping.out" 2>&1 &
ping_pid=$!
LAB_PIDS+=("$ping_pid")
sleep 0.7
lab_check "nfqfwd exits on SIGTERM" lab_stop_daemon
lab_check_eq "its exit status is 0" 0 "$LAB_DAEMON_STATUS"
wait "$ping_pid" || true
replies=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' "$LAB_TMP/ping.out")
lab_check_eq "a ping running across the stop got all 40 replies" 40 "${replies:-none}"

lab_check_fails "table inet $LAB_TABLE is gone" lab_table_exists
lab_check_eq "table inet bystander is exactly as before" \
	"$bystander_before" "$(lab_g nft list table inet bystander)"
lab_check_eq "no queue is bound in the gateway any more" "" \
	"$(lab_g cat /proc/net/netfilter/nfnetlink_queue)"
lab_check_fails "the control socket is removed" test -e "$LAB_SOCK"
lab_check "ipv4 traffic passes with the daemon gone" lab_ping "$LAB_C" "$LAB_S4"
lab_check "ipv6 traffic passes with the daemon gone" lab_ping "$LAB_C" "$LAB_S6"

lab_summary
