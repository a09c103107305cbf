#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A full queue: by default the kernel drops what does not fit (counted as
# queue_dropped); with queue.accept_when_full it lets it through unfiltered
# instead. A one-packet queue and a stopped daemon (SIGSTOP) make the queue
# full on demand.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds ping nft timeout
lab_require_build
lab_up

# ping_replies NS DST COUNT: how many of COUNT echo requests were answered.
ping_replies()
{
	local out
	out=$(timeout 10 ip netns exec "$1" ping -n -c "$3" -i 0.2 -w 3 "$2" 2>/dev/null) || true
	sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out"
}

for when_full in false true; do
	conf="$LAB_TMP/nfqfw-$when_full.conf"
	lab_write_conf "$conf" queue.count=1 queue.max_len=1 \
		queue.accept_when_full=$when_full
	lab_start_daemon "$conf" || lab_bail "nfqfwd starts (accept_when_full = $when_full)"
	lab_check "accept_when_full = $when_full: traffic crosses while nfqfwd runs" \
		lab_ping "$LAB_C" "$LAB_S4"
	dropped_before=$(lab_queue_field 0 queue_dropped)

	kill -STOP "$LAB_DAEMON_PID"
	replies=$(ping_replies "$LAB_C" "$LAB_S4" 5)
	waiting=$(lab_queue_field 0 waiting)
	dropped_after=$(lab_queue_field 0 queue_dropped)
	kill -CONT "$LAB_DAEMON_PID"

	lab_check_eq "accept_when_full = $when_full: the stopped daemon's queue holds its one packet" \
		1 "$waiting"
	if [ "$when_full" = true ]; then
		lab_check_ge "accept_when_full = true: pings pass the full queue unfiltered" \
			"${replies:-0}" 3
		lab_check_eq "accept_when_full = true: the kernel dropped nothing" \
			"$dropped_before" "$dropped_after"
	else
		lab_check_eq "accept_when_full = false: no ping passes the full queue" \
			0 "${replies:-0}"
		lab_check_gt "accept_when_full = false: the kernel counted the drops (queue_dropped)" \
			"$dropped_after" "$dropped_before"
		lab_check_ge "nfqfwctl stats shows the kernel's queue_dropped" \
			"$(lab_stat 0 kernel.queue_dropped)" "$dropped_after"
	fi
	for ((i = 0; i < 30; i++)); do
		[ "$(lab_queue_field 0 waiting)" = 0 ] && break
		sleep 0.1
	done
	lab_check_eq "accept_when_full = $when_full: the waiting packet got its verdict after SIGCONT" \
		0 "$(lab_queue_field 0 waiting)"
	lab_check "accept_when_full = $when_full: traffic crosses again" lab_ping "$LAB_C" "$LAB_S4"
	lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
done
lab_summary
