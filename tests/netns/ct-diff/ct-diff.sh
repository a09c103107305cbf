#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Differential connection tracking test: the same crafted packet sequences
# (scenarios/*.py, sent with scapy from both ends) cross a kernel gateway K,
# whose forward chain drops what nf_conntrack calls invalid, and the nfqfwd
# gateway G. After every step it checks whether the packet came out on the
# far side and what the gateway's table says (conntrack -L in K, nfqfwctl
# conntrack in G), against the kernel results recorded in the scenarios and,
# with both gateways, against each other; a difference not listed in the
# scenario with its reason fails.
#
# Usage: ct-diff.sh [kernel|nfqfwd|both|twin]   (or GATEWAY=...; default both)
#   both     runs both gateways; while nfqfwd cannot track connections (no
#            `conntrack` in `nfqfwctl help`) it runs the kernel alone and says
#            "# nfqfwd side skipped: ...", unless CT_DIFF_REQUIRE_NFQFWD=1,
#            which makes that a failure
#   kernel   the kernel gateway alone (needs no build)
#   nfqfwd   the nfqfwd gateway alone, against the recorded kernel results
#   twin     a self-test of the harness: a second kernel gateway takes
#            nfqfwd's place, and the two must agree everywhere
# With the kernel gateway, a control run follows: K then accepts invalid
# packets, and the scenarios with one run again (all must pass).
# CT_DIFF_ONLY=REGEX runs the matching scenarios only; CT_DIFF_WAIT=SECONDS
# is how long a packet may take before it counts as dropped (0.5);
# CT_DIFF_VERBOSE=1 prints each scenario's description; CT_DIFF_NFQFWD_CONF
# names another file to use instead of nfqfwd-gateway.conf (the daemon's
# connection tracking settings and its drop of INVALID in forward).
set -euo pipefail
# shellcheck disable=SC2317 # shellcheck 0.9 takes the functions below for unreachable
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-${GATEWAY:-both}}
case $mode in
kernel|nfqfwd|both|twin) ;;
*) echo "usage: $0 [kernel|nfqfwd|both|twin]" >&2; exit 99 ;;
esac

# What makes nfqfwd's gateway the counterpart of K, appended to the basic
# configuration once the daemon can track connections.
nfqfwd_conf=${CT_DIFF_NFQFWD_CONF:-$here/nfqfwd-gateway.conf}

lab_init
lab_require_cmds nft conntrack timeout ping
PY=$(lab_scapy_python) || lab_skip "needs python3 with scapy (python3-scapy)"
scenarios=("$here"/scenarios/*.py)
"$PY" "$here/ctdiff.py" check "${scenarios[@]}" >"$LAB_TMP/scenarios.txt" ||
	lab_bail "the scenario files load and are well formed"
lab_note "$(wc -l <"$LAB_TMP/scenarios.txt") scenarios in ${#scenarios[@]} files"
mapfile -t quiet < <("$PY" "$here/ctdiff.py" quiet-rules)

ct_table="ctdiff$$"
gateways=()
kernel_spec=

# quiet_hosts C S: the end hosts drop the crafted traffic in their input
# chains, so that no RST, port unreachable or echo reply of theirs mixes in.
quiet_hosts()
{
	lab_input_drop "$1" "$ct_table" "${quiet[@]}" &&
		lab_input_drop "$2" "$ct_table" "${quiet[@]}"
}

# nfqfwd_tracks: the running daemon offers the conntrack command. (The
# help is read whole first: grep -q quitting early must not fail the pipe.)
nfqfwd_tracks()
{
	local help
	help=$(lab_ctl help 2>/dev/null) || return 1
	grep -Eq '^[[:space:]]*conntrack([[:space:]]|$)' <<<"$help"
}

# The nfqfwd gateway: the lab's own G. Whether nfqfwd tracks connections
# at all is asked of a daemon started with nothing but the basics, since
# one that does not know the conntrack settings refuses to start with them.
setup_nfqfwd()
{
	local conf=$LAB_TMP/nfqfw.conf why
	lab_require_build
	lab_up
	lab_write_conf "$conf"
	lab_start_daemon "$conf" || lab_bail "nfqfwd starts in the gateway"
	if ! nfqfwd_tracks; then
		why="nfqfwd has no connection tracking yet (no 'conntrack' in nfqfwctl help)"
		lab_stop_daemon || true
		if [ "$mode" = nfqfwd ] || [ -n "${CT_DIFF_REQUIRE_NFQFWD:-}" ]; then
			lab_bail "nfqfwd side: $why"
		fi
		echo "# nfqfwd side skipped: $why; only the kernel side's checks count"
		return 0
	fi
	lab_stop_daemon || lab_not_ok "nfqfwd (basic configuration) exits cleanly"
	cat "$nfqfwd_conf" >>"$conf" || lab_bail "$nfqfwd_conf is readable"
	lab_start_daemon "$conf" ||
		lab_bail "nfqfwd starts with connection tracking ($nfqfwd_conf)"
	lab_ok "nfqfwd runs with connection tracking ($(basename "$nfqfwd_conf"))"
	quiet_hosts "$LAB_C" "$LAB_S" || lab_bail "the nfqfwd lab's end hosts drop crafted traffic"
	lab_check "the nfqfwd lab forwards ipv4" lab_ping "$LAB_C" "$LAB_S4"
	lab_check "the nfqfwd lab forwards ipv6" lab_ping "$LAB_C" "$LAB_S6"
	gateways+=(--gateway "nfqfwd:$LAB_C:$LAB_G:$LAB_S:$LAB_IF_C:$LAB_IF_GC:$LAB_IF_GS:$LAB_IF_S")
}

# setup_kernel TAG KIND: a twin lab whose gateway tracks and drops invalid,
# run as gateway KIND (kernel; twin for the self-test).
setup_kernel()
{
	local tag=$1 kind=$2 kc kg ks s spec
	lab_up_twin "$tag" || lab_bail "the $kind gateway's lab is built"
	kc=$(lab_twin_ns "$tag" c) kg=$(lab_twin_ns "$tag" g) ks=$(lab_twin_ns "$tag" s)
	lab_kernel_ct_gateway "$kg" "$ct_table" ||
		lab_bail "the $kind gateway gets its ct state invalid drop table"
	quiet_hosts "$kc" "$ks" || lab_bail "the $kind lab's end hosts drop crafted traffic"
	lab_check "the $kind lab forwards ipv4" lab_ping "$kc" "$LAB_S4"
	lab_check "the $kind lab forwards ipv6" lab_ping "$kc" "$LAB_S6"
	# The scenarios were recorded with the kernel's defaults; other
	# settings would make their results meaningless, not wrong.
	for s in tcp_loose=1 tcp_be_liberal=0 tcp_ignore_invalid_rst=0 checksum=1; do
		lab_check_eq "$kind gateway: net.netfilter.nf_conntrack_${s%=*}" "${s#*=}" \
			"$(lab_sysctl "$kg" "net.netfilter.nf_conntrack_${s%=*}")"
	done
	spec="$kc:$kg:$ks:$(lab_twin_if "$tag" c):$(lab_twin_if "$tag" gc)"
	spec+=":$(lab_twin_if "$tag" gs):$(lab_twin_if "$tag" s)"
	[ "$kind" = kernel ] && kernel_spec=$spec
	gateways+=(--gateway "$kind:$spec")
}

# run_scenarios NAME GATEWAY-ARGS...: the scenario runner, bounded in time;
# its checks are added to this test's. Sets ran to how many scenarios ran.
run_scenarios()
{
	local counts=$LAB_TMP/counts.$1 status=0 passed failed
	local args=(run --wait "${CT_DIFF_WAIT:-0.5}" --counts "$counts"
		--addrs "$LAB_C4,$LAB_S4,198.51.100.3,$LAB_C6,$LAB_S6,2001:db8:2::3"
		--ctl "$LAB_NFQFWCTL" --sock "$LAB_SOCK")
	shift
	[ -n "${CT_DIFF_ONLY:-}" ] && args+=(--only "$CT_DIFF_ONLY")
	[ -n "${CT_DIFF_VERBOSE:-}" ] && args+=(--verbose)
	timeout 150 "$PY" "$here/ctdiff.py" "${args[@]}" "$@" "${scenarios[@]}" || status=$?
	if [ ! -s "$counts" ]; then
		lab_bail "the scenario runner finished (status $status)"
	fi
	read -r passed failed ran <"$counts"
	LAB_PASSED=$((LAB_PASSED + passed))
	LAB_FAILED=$((LAB_FAILED + failed))
	[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] ||
		lab_not_ok "the scenario runner exits with status 0 (got $status)"
}

# The control run: K accepts what its conntrack calls invalid, and every
# scenario with a dropped step is run again. All packets must pass now and
# the states stay as recorded, so the drops above were conntrack's.
kernel_nft()
{
	ip netns exec "$(lab_twin_ns k g)" nft "$@"
}

run_control()
{
	if ! kernel_nft delete table inet "$ct_table" ||
	   ! lab_kernel_ct_gateway "$(lab_twin_ns k g)" "$ct_table" accept; then
		lab_bail "the kernel gateway accepts invalid packets for the control run"
	fi
	run_scenarios control --gateway "control:$kernel_spec"
	if [ "$ran" -eq 0 ]; then
		lab_note "control run: none of the scenarios selected has an invalid packet"
		return 0
	fi
	lab_check_gt "control run: the kernel gateway's conntrack did call packets invalid" \
		"$(kernel_nft list counter inet "$ct_table" st_invalid |
			sed -n 's/.*packets \([0-9]*\) .*/\1/p')" 0
}

[ "$mode" = nfqfwd ] || setup_kernel k kernel
case $mode in
both|nfqfwd) setup_nfqfwd ;;
twin) setup_kernel t twin ;;
esac
[ ${#gateways[@]} -gt 0 ] || lab_bail "no gateway to test"

ran=0
run_scenarios main "${gateways[@]}"
[ "$ran" -gt 0 ] || lab_not_ok "at least one scenario ran (CT_DIFF_ONLY='${CT_DIFF_ONLY:-}')"
[ -z "$kernel_spec" ] || run_control

if [ -n "$LAB_DAEMON_PID" ]; then
	lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
fi
lab_summary
