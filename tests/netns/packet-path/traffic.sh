#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Ordinary traffic crosses a gateway running nfqfwd with one queue: ping, a
# TCP echo and a UDP echo, over IPv4 and IPv6, arrive intact, and both the
# kernel's queue and the daemon's counters show that every packet went through
# the queue.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds socat ping ss nft python3 timeout
lab_require_build
lab_up

conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf" queue.first=0 queue.count=1
head -c 200000 /dev/urandom >"$LAB_TMP/tcp.in"
printf 'nfqfw udp datagram %s\n' "$$" >"$LAB_TMP/udp.in"

for addr in "$LAB_S4" "$LAB_S6"; do
	lab_echo_server "$LAB_S" tcp "$addr" 7000
	lab_echo_server "$LAB_S" udp "$addr" 7001
done

# The lab itself must forward before the daemon is blamed for anything.
lab_check "the lab forwards ipv4 without nfqfwd" lab_ping "$LAB_C" "$LAB_S4"
lab_check "the lab forwards ipv6 without nfqfwd" lab_ping "$LAB_C" "$LAB_S6"

lab_start_daemon "$conf" || lab_bail "nfqfwd starts in the gateway"
lab_ok "nfqfwd starts in the gateway and answers on its control socket"
lab_check "table inet $LAB_TABLE is installed" lab_table_exists
lab_check "queue 0 is bound" lab_queue_bound 0
lab_check_fails "queue 1 is not bound (count = 1)" lab_queue_bound 1

seq_before=$(lab_queue_seq 0)
lab_snapshot "$LAB_TMP/before.json"
lab_check "stats report a worker for queue 0" \
	lab_is_int "$(lab_snap_stat "$LAB_TMP/before.json" 0 received)"

# The fewest packets each exchange puts through the gateway: ping 3 requests
# and 3 replies; a TCP exchange at least SYN, SYN-ACK, ACK, one data segment
# each way and both FINs; a UDP echo one datagram each way.
sent=0
for fam in 4 6; do
	if [ "$fam" = 4 ]; then
		src=$LAB_C4 dst=$LAB_S4
	else
		src=$LAB_C6 dst=$LAB_S6
	fi
	lab_check "ping over ipv$fam crossed queue 0" lab_ping "$LAB_C" "$dst" "$src" 3
	sent=$((sent + 6))
	lab_check "tcp over ipv$fam crossed queue 0 (200 kB echoed intact)" \
		lab_echo "$LAB_C" tcp "$src" "$dst" 7000 "$LAB_TMP/tcp.in" "$LAB_TMP/tcp$fam.out"
	sent=$((sent + 7))
	lab_check "udp over ipv$fam crossed queue 0 (datagram echoed intact)" \
		lab_echo "$LAB_C" udp "$src" "$dst" 7001 "$LAB_TMP/udp.in" "$LAB_TMP/udp$fam.out"
	sent=$((sent + 2))
done

seq_after=$(lab_queue_seq 0)
lab_snapshot "$LAB_TMP/after.json"
seq_later=$(lab_queue_seq 0)
kseq=$(lab_snap_stat "$LAB_TMP/after.json" 0 kernel.id_sequence)
lab_check_ge "kernel queue 0 id_sequence grew by at least the packets sent" \
	$((seq_after - seq_before)) "$sent"
for counter in received accepted by_hook.prerouting; do
	lab_check_ge "nfqfwctl stats: queue 0 $counter grew by at least the packets sent" \
		"$(lab_snap_delta "$LAB_TMP/before.json" "$LAB_TMP/after.json" 0 "$counter")" "$sent"
done
lab_check "nfqfwctl stats: the kernel id_sequence it reports ($kseq) is the kernel's ($seq_after..$seq_later)" \
	lab_in_range "$kseq" "$seq_after" "$seq_later"
lab_check_eq "nfqfwctl stats: nothing was found malformed" 0 \
	"$(lab_snap_stat "$LAB_TMP/after.json" 0 malformed)"
lab_check_eq "nfqfwctl stats: nothing was dropped" 0 \
	"$(lab_snap_stat "$LAB_TMP/after.json" 0 dropped)"
lab_check_eq "no packet was dropped for lack of room in queue 0" 0 \
	"$(lab_queue_field 0 queue_dropped)"

lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
