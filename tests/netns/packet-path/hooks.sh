#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Which netfilter hooks hand packets to nfqfwd. With pass_mark = 0 every chain
# queues: forwarded packets are seen at prerouting, forward and postrouting,
# packets to the gateway at prerouting and input, packets from it at output
# and postrouting. With the default pass_mark the verdict marks each packet
# at its entry hook (prerouting or output) and the later chains let it pass.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds ping nft python3 timeout
lab_require_build
lab_up

hooks="prerouting input forward output postrouting"
declare -A delta

# measure CMD...: runs CMD (which must succeed) between two stats snapshots
# and puts each hook's growth, summed over the workers, in delta[].
measure()
{
	local h
	for h in $hooks; do
		delta[$h]=none
	done
	lab_snapshot "$LAB_TMP/before.json"
	"$@" || return 1
	lab_snapshot "$LAB_TMP/after.json"
	for h in $hooks; do
		delta[$h]=$(lab_snap_delta "$LAB_TMP/before.json" "$LAB_TMP/after.json" \
			all "by_hook.$h")
	done
	lab_note "by_hook growth: $(for h in $hooks; do printf '%s=%s ' "$h" "${delta[$h]}"; done)"
}

# Each ping: 3 requests and 3 replies, IPv4 only (ARP is not queued, and the
# IPv6 neighbour and router chatter only ever touches the local hooks).
forwarded() { lab_ping "$LAB_C" "$LAB_S4" "$LAB_C4" 3; }
to_gateway() { lab_ping "$LAB_C" "$LAB_GC4" "$LAB_C4" 3; }
from_gateway() { lab_ping "$LAB_G" "$LAB_C4" "$LAB_GC4" 3; }

lab_note "pass_mark = 0: every chain queues"
conf="$LAB_TMP/nfqfw-every-chain.conf"
lab_write_conf "$conf" queue.count=1 queue.pass_mark=0
lab_start_daemon "$conf" || lab_bail "nfqfwd starts with pass_mark = 0"
lab_ok "nfqfwd starts with pass_mark = 0"

lab_check "a forwarded ping passes" measure forwarded
lab_check_ge "forwarded packets are seen at prerouting" "${delta[prerouting]}" 6
lab_check_eq "forwarded packets are seen at forward, each once" 6 "${delta[forward]}"
lab_check_ge "forwarded packets are seen at postrouting" "${delta[postrouting]}" 6

lab_check "a ping to the gateway passes" measure to_gateway
lab_check_ge "packets to the gateway are seen at prerouting" "${delta[prerouting]}" 3
lab_check_ge "packets to the gateway are seen at input" "${delta[input]}" 3
lab_check_ge "the gateway's replies are seen at output" "${delta[output]}" 3
lab_check_ge "the gateway's replies are seen at postrouting" "${delta[postrouting]}" 3
lab_check_eq "nothing of it is seen at forward" 0 "${delta[forward]}"

lab_check "a ping from the gateway passes" measure from_gateway
lab_check_ge "packets from the gateway are seen at output" "${delta[output]}" 3
lab_check_ge "packets from the gateway are seen at postrouting" "${delta[postrouting]}" 3
lab_check_ge "the replies to the gateway are seen at input" "${delta[input]}" 3
lab_check_eq "nothing of it is seen at forward" 0 "${delta[forward]}"

lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon

lab_note "default pass_mark: only the entry chains queue"
conf="$LAB_TMP/nfqfw-entry-only.conf"
lab_write_conf "$conf" queue.count=1 queue.pass_mark=0x00100000
lab_start_daemon "$conf" || lab_bail "nfqfwd starts with the default pass_mark"
lab_ok "nfqfwd starts with the default pass_mark"

lab_check "a forwarded ping passes" measure forwarded
lab_check_ge "forwarded packets are seen at prerouting" "${delta[prerouting]}" 6
lab_check_eq "... and not at forward" 0 "${delta[forward]}"
lab_check_eq "... and not at postrouting" 0 "${delta[postrouting]}"
lab_check_eq "... and nothing at input" 0 "${delta[input]}"

lab_check "a ping to the gateway passes" measure to_gateway
lab_check_ge "packets to the gateway are seen at prerouting" "${delta[prerouting]}" 3
lab_check_eq "... and not at input" 0 "${delta[input]}"
lab_check_ge "the gateway's replies are seen at output" "${delta[output]}" 3
lab_check_eq "... and not at postrouting" 0 "${delta[postrouting]}"
lab_check_eq "nothing of it is seen at forward" 0 "${delta[forward]}"

lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
