#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Malformed packets sent from the client to the server (hand-made with scapy,
# see malformed.py) are dropped by nfqfwd in the gateway and counted under
# their reason; with packet.malformed = "accept" they are counted and pass.
# Baseline first: without nfqfwd the same packets do cross the gateway, so
# that "not seen on the server" means nfqfwd dropped them. A few malformations
# (IHL < 5, total or payload length past the packet) never reach a netfilter
# hook at all: the gateway's kernel drops them on receipt, and the test checks
# that it is the kernel's counters that count them.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds tcpdump nstat nft python3 timeout
lab_require_build
PY=$(lab_scapy_python) || lab_skip "needs python3 with scapy (python3-scapy)"
lab_up

helper="$(cd "$(dirname "$0")" && pwd)/malformed.py"
gw_mac=$(lab_g cat "/sys/class/net/$LAB_IF_GC/address")

# name family expectation forwarded ident, one case a line.
"$PY" "$helper" list >"$LAB_TMP/cases"
mapfile -t all_cases < <(awk '{ print $1 }' "$LAB_TMP/cases")
case_field() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$LAB_TMP/cases"; }
reasons=$(awk '$3 != "good" && $3 != "kernel" { print $3 }' "$LAB_TMP/cases" | sort -u)
n_malformed=$(awk '$3 != "good" && $3 != "kernel"' "$LAB_TMP/cases" | wc -l)

kernel_counter()
{
	lab_g nstat -saz "$1" | awk -v n="$1" '$1 == n { print $2 }'
}

# Sends every case once from the client as raw frames to the gateway's MAC,
# with a capture running on the server's side; the identities of the frames
# the server got end up in $LAB_TMP/seen.
send_and_capture()
{
	local i pid
	rm -f "$LAB_TMP/cap.pcap" "$LAB_TMP/tcpdump.err"
	lab_bg "$LAB_S" tcpdump -n -U -i "$LAB_IF_S" -w "$LAB_TMP/cap.pcap" 'ip or ip6' \
		2>"$LAB_TMP/tcpdump.err"
	pid=$LAB_BG_PID
	for ((i = 0; i < 50; i++)); do
		grep -q "listening on" "$LAB_TMP/tcpdump.err" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "listening on" "$LAB_TMP/tcpdump.err" || return 1
	timeout 30 ip netns exec "$LAB_C" "$PY" "$helper" send "$LAB_IF_C" "$gw_mac" \
		"$LAB_C4" "$LAB_S4" "$LAB_C6" "$LAB_S6" "${all_cases[@]}" || return 1
	sleep 1
	lab_stop "$pid"
	"$PY" "$helper" seen "$LAB_TMP/cap.pcap" >"$LAB_TMP/seen"
}

seen() { grep -qx "$(case_field "$1" 5)" "$LAB_TMP/seen"; }

# check_arrivals MODE: which cases reach the server. MODE "pass" (no daemon,
# or nfqfwd accepting malformed packets): every case the kernel forwards;
# MODE "drop": only the well-formed controls.
check_arrivals()
{
	local mode=$1 name expect fwd
	for name in "${all_cases[@]}"; do
		expect=$(case_field "$name" 3)
		fwd=$(case_field "$name" 4)
		if [ "$expect" = good ] || { [ "$mode" = pass ] && [ "$fwd" = forwarded ]; }; then
			lab_check "$name reaches the server" seen "$name"
		else
			lab_check_fails "$name does not reach the server" seen "$name"
		fi
	done
}

kernel_before()
{
	hdr_errors=$(kernel_counter IpInHdrErrors)
	trunc4=$(kernel_counter IpExtInTruncatedPkts)
	trunc6=$(kernel_counter Ip6InTruncatedPkts)
}

# The three cases the kernel drops on receipt, before any hook; IpInHdrErrors
# also counts the bad IPv4 options, dropped after prerouting when accepted.
check_kernel_drops()
{
	local min_hdr=$1
	lab_check_ge "gateway kernel: IpInHdrErrors counts the IHL < 5 packet" \
		$(( $(kernel_counter IpInHdrErrors) - hdr_errors )) "$min_hdr"
	lab_check_ge "gateway kernel: IpExtInTruncatedPkts counts the IPv4 total length past the packet" \
		$(( $(kernel_counter IpExtInTruncatedPkts) - trunc4 )) 1
	lab_check_ge "gateway kernel: Ip6InTruncatedPkts counts the IPv6 payload length past the packet" \
		$(( $(kernel_counter Ip6InTruncatedPkts) - trunc6 )) 1
}

# check_counts: every reason counted exactly as often as it was sent: each
# packet once, at prerouting (dropped there, or accepted with the pass mark,
# so that the later chains do not queue it again).
check_counts()
{
	local reason want got
	for reason in $reasons; do
		want=$(awk -v r="$reason" '$3 == r' "$LAB_TMP/cases" | wc -l)
		got=$(snap_delta all "malformed_by.$reason")
		lab_check_eq "nfqfwctl stats: malformed_by.$reason counts its $want packet(s) once each" \
			"$want" "$got"
	done
	lab_check_eq "nfqfwctl stats: malformed counts all $n_malformed malformed packets once each" \
		"$n_malformed" "$(snap_delta all malformed)"
}

snap_delta() { lab_snap_delta "$LAB_TMP/before.json" "$LAB_TMP/after.json" "$@"; }

lab_note "baseline: no nfqfwd in the gateway"
kernel_before
lab_check "the malformed packets are sent and the server's side captured" send_and_capture
check_arrivals pass
check_kernel_drops 2

for mode in drop accept; do
	lab_note "nfqfwd with packet.malformed = $mode"
	conf="$LAB_TMP/nfqfw-$mode.conf"
	lab_write_conf "$conf" queue.count=1 packet.malformed="$mode"
	lab_start_daemon "$conf" || lab_bail "nfqfwd starts with packet.malformed = $mode"
	lab_ok "nfqfwd starts with packet.malformed = $mode"

	kernel_before
	lab_snapshot "$LAB_TMP/before.json"
	lab_check "the malformed packets are sent and the server's side captured" send_and_capture
	lab_snapshot "$LAB_TMP/after.json"
	if [ "$mode" = drop ]; then
		check_arrivals drop
		check_kernel_drops 1
		lab_check_ge "nfqfwctl stats: dropped counts the malformed packets" \
			"$(snap_delta all dropped)" "$n_malformed"
	else
		check_arrivals pass
		check_kernel_drops 2
		lab_check_eq "accepted malformed packets are not queued again at forward" \
			0 "$(snap_delta all by_hook.forward)"
		lab_check_eq "accepted malformed packets are not queued again at postrouting" \
			0 "$(snap_delta all by_hook.postrouting)"
	fi
	check_counts
	lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
done

lab_summary
