#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Large segments are taken whole: veth hands TCP over as GSO packets with
# their checksums left for later (CHECKSUM_PARTIAL). nfqfwd binds its queues
# with NFQA_CFG_F_GSO, so such packets reach it unsegmented (up to 64 KiB,
# copied in full), are counted as gso and csum_not_ready, and go on intact.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds socat ss nft python3 timeout cmp
lab_require_build
lab_up

conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf" queue.count=1
lab_start_daemon "$conf" || lab_bail "nfqfwd starts in the gateway"
lab_ok "nfqfwd starts"

head -c 2000000 /dev/urandom >"$LAB_TMP/in"
lab_snapshot "$LAB_TMP/before.json"
lab_echo_server "$LAB_S" tcp "$LAB_S4" 7001
lab_check "2 MB over tcp/ipv4 echoed intact through nfqfwd" \
	lab_echo "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7001 "$LAB_TMP/in" "$LAB_TMP/out4"
lab_echo_server "$LAB_S" tcp "$LAB_S6" 7002
lab_check "2 MB over tcp/ipv6 echoed intact through nfqfwd" \
	lab_echo "$LAB_C" tcp "$LAB_C6" "$LAB_S6" 7002 "$LAB_TMP/in" "$LAB_TMP/out6"
lab_snapshot "$LAB_TMP/after.json"

received=$(lab_snap_delta "$LAB_TMP/before.json" "$LAB_TMP/after.json" 0 received)
bytes=$(lab_snap_delta "$LAB_TMP/before.json" "$LAB_TMP/after.json" 0 bytes)
gso=$(lab_snap_delta "$LAB_TMP/before.json" "$LAB_TMP/after.json" 0 gso)
partial=$(lab_snap_delta "$LAB_TMP/before.json" "$LAB_TMP/after.json" 0 csum_not_ready)
truncated=$(lab_snap_delta "$LAB_TMP/before.json" "$LAB_TMP/after.json" 0 truncated_copies)
lab_check_gt "GSO packets were handed over whole (gso)" "$gso" 0
lab_check_gt "packets with checksums not yet computed were seen (csum_not_ready)" "$partial" 0
# 8 MB crossed the gateway (2 MB each way, twice): with 1500-byte frames that
# would be over 5000 packets; GSO makes it far fewer, far larger ones.
lab_check_ge "bytes counted cover the transfer" "$bytes" 8000000
lab_check_gt "packets were larger than the MTU on average (bytes/packet)" \
	"$((bytes / (received > 0 ? received : 1)))" 1500
lab_check_eq "no packet was copied short" 0 "$truncated"
lab_check_eq "nothing was found malformed" 0 \
	"$(lab_snap_delta "$LAB_TMP/before.json" "$LAB_TMP/after.json" 0 malformed)"
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
