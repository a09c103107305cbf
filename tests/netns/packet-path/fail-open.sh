#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What happens when nfqfwd dies (SIGKILL, as in a crash) and comes back:
# with queue.fail_open the kernel lets traffic pass while no one reads the
# queue; without it the traffic stops. Either way a new daemon replaces the
# table the dead one left behind and service resumes.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds socat ping ss nft python3 timeout
lab_require_build
lab_up

echo "nfqfw fail-open test $$" >"$LAB_TMP/tcp.in"
lab_echo_server "$LAB_S" tcp "$LAB_S4" 7000
lab_echo_server "$LAB_S" tcp "$LAB_S6" 7000

# The table's handle: a new one means the table was made anew.
table_handle()
{
	lab_g nft -a list table inet "$LAB_TABLE" 2>/dev/null |
		sed -n 's/^table inet .* # handle \([0-9]\+\)$/\1/p'
}

# The table now lists exactly as RULESET, which holds queue rules.
same_ruleset()
{
	[[ $1 == *"queue num"* ]] &&
		[ "$1" = "$(lab_g nft list table inet "$LAB_TABLE" 2>/dev/null)" ]
}

# What must pass: ping both ways of both families, and a TCP exchange.
traffic_passes()
{
	lab_ping "$LAB_C" "$LAB_S4" "" 2 && lab_ping "$LAB_C" "$LAB_S6" "" 2 &&
		lab_echo "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7000 "$LAB_TMP/tcp.in" "$LAB_TMP/tcp.out"
}

# Nothing of it passes: each ping gets 2 s to get a single answer.
traffic_blocked()
{
	! timeout 5 ip netns exec "$LAB_C" ping -q -n -c 1 -w 2 "$LAB_S4" >/dev/null 2>&1 &&
	! timeout 5 ip netns exec "$LAB_C" ping -q -n -c 1 -w 2 "$LAB_S6" >/dev/null 2>&1 &&
	! lab_echo "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7000 "$LAB_TMP/tcp.in" "$LAB_TMP/tcp.out"
}

for fail_open in true false; do
	lab_note "queue.fail_open = $fail_open"
	conf="$LAB_TMP/nfqfw-$fail_open.conf"
	lab_write_conf "$conf" queue.count=1 queue.fail_open="$fail_open"

	lab_start_daemon "$conf" || lab_bail "nfqfwd starts (fail_open = $fail_open)"
	lab_ok "nfqfwd starts (fail_open = $fail_open)"
	lab_check "traffic passes while nfqfwd runs (fail_open = $fail_open)" traffic_passes
	fresh_ruleset=$(lab_g nft list table inet "$LAB_TABLE" 2>/dev/null)
	first_handle=$(table_handle)

	lab_kill_daemon
	lab_check_fails "queue 0 is no longer bound after SIGKILL" lab_queue_bound 0
	lab_check "the killed daemon's table is left behind" lab_table_exists
	if [ "$fail_open" = true ]; then
		lab_check "fail_open = true: traffic still passes with no daemon" traffic_passes
	else
		lab_check "fail_open = false: traffic stops with no daemon" traffic_blocked
	fi

	lab_start_daemon "$conf" || lab_bail "nfqfwd starts again over the stale table"
	lab_ok "nfqfwd starts again over the stale table (fail_open = $fail_open)"
	lab_check_eq "exactly one table inet $LAB_TABLE after the restart" 1 \
		"$(lab_table_count "$LAB_TABLE")"
	new_handle=$(table_handle)
	lab_check "the stale table was replaced by a new one (handle $first_handle -> $new_handle)" \
		test -n "$first_handle" -a -n "$new_handle" -a "$new_handle" != "$first_handle"
	lab_check "the new table has the same rules as a fresh install, none doubled" \
		same_ruleset "$fresh_ruleset"
	seq_before=$(lab_queue_seq 0)
	lab_check "traffic passes again after the restart" traffic_passes
	lab_check_gt "and crosses queue 0 again (id_sequence grew)" \
		"$(lab_queue_seq 0)" "$seq_before"
	lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
	lab_check_fails "its table is gone" lab_table_exists
done

lab_summary
