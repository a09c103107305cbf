#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# With two queues the kernel spreads flows over both and nfqfwd reads both:
# flows from several client addresses (the kernel hashes addresses, not
# ports) reach both workers, and both kernel queues' packet ids advance.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds socat ping ss nft python3 timeout
lab_require_build
lab_up

conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf" queue.first=0 queue.count=2

lab_start_daemon "$conf" || lab_bail "nfqfwd starts in the gateway"
lab_ok "nfqfwd starts with queue.count = 2"
lab_check "queue 0 is bound" lab_queue_bound 0
lab_check "queue 1 is bound" lab_queue_bound 1
lab_check_fails "queue 2 is not bound" lab_queue_bound 2

declare -A seq_before received_before kseq_before kseq_after
for q in 0 1; do
	seq_before[$q]=$(lab_queue_seq "$q")
	received_before[$q]=$(lab_stat "$q" received)
	lab_check "stats report a worker for queue $q" lab_is_int "${received_before[$q]}"
	received_before[$q]=${received_before[$q]:-0}
done

# Five source addresses to two destinations in each family: twenty address
# pairs, so that the chance that they all hash to one queue is 2^-19.
flows=0 failed_flows=0
for src in $LAB_C4 $LAB_C4_EXTRA $LAB_C6 $LAB_C6_EXTRA; do
	if [[ $src == *:* ]]; then
		dsts="$LAB_S6 $LAB_GS6"
	else
		dsts="$LAB_S4 $LAB_GS4"
	fi
	for dst in $dsts; do
		flows=$((flows + 1))
		lab_ping "$LAB_C" "$dst" "$src" 2 || failed_flows=$((failed_flows + 1))
	done
done
lab_check_eq "all $flows ping flows from the client addresses were answered" 0 "$failed_flows"

for q in 0 1; do
	lab_check_gt "kernel queue $q id_sequence grew" \
		"$(lab_queue_seq "$q")" "${seq_before[$q]}"
done
# One snapshot, read after the traffic, against the kernel's counters read
# just before and just after it.
for q in 0 1; do kseq_before[$q]=$(lab_queue_seq "$q"); done
lab_snapshot "$LAB_TMP/stats.json"
for q in 0 1; do kseq_after[$q]=$(lab_queue_seq "$q"); done
for q in 0 1; do
	lab_check_gt "nfqfwctl stats: worker of queue $q received packets" \
		"$(lab_snap_stat "$LAB_TMP/stats.json" "$q" received)" "${received_before[$q]}"
	kseq=$(lab_snap_stat "$LAB_TMP/stats.json" "$q" kernel.id_sequence)
	lab_check "nfqfwctl stats: queue $q's kernel id_sequence ($kseq) is the kernel's (${kseq_before[$q]}..${kseq_after[$q]})" \
		lab_in_range "$kseq" "${kseq_before[$q]}" "${kseq_after[$q]}"
done
for counter in received accepted dropped by_hook.prerouting; do
	sum=$(lab_snap_stat "$LAB_TMP/stats.json" all "$counter")
	total=$(lab_snap_stat "$LAB_TMP/stats.json" total "$counter")
	lab_check "nfqfwctl stats: total $counter ($total) is the sum of the queues' ($sum)" \
		lab_in_range "$total" "$sum" "$sum"
done

lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
