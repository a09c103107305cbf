#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Configuration errors are caught before anything touches the kernel:
# `nfqfwd -t` reports every error as FILE:LINE: message and exits non-zero,
# a daemon given the same file refuses to start and installs nothing, and a
# good file is reported as "configuration OK" (still installing nothing).
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds nft timeout
lab_require_build
lab_up

# Runs nfqfwd in the gateway with a time limit; its output goes to
# $LAB_TMP/out and $LAB_TMP/err, its exit status to $status.
run_nfqfwd()
{
	status=0
	timeout 10 ip netns exec "$LAB_G" "$LAB_NFQFWD" "$@" \
		>"$LAB_TMP/out" 2>"$LAB_TMP/err" || status=$?
}

# Nothing of a daemon is left in the gateway: no table, no queue, no socket.
nothing_installed()
{
	! lab_table_exists &&
		[ -z "$(lab_g cat /proc/net/netfilter/nfnetlink_queue)" ] &&
		[ ! -e "$LAB_SOCK" ]
}

# An unknown key on line 6 and a bad value on line 11; the rest is sound.
bad="$LAB_TMP/bad.conf"
cat >"$bad" <<EOF
# nfqfw configuration with two mistakes
queue: {
	first = 0;
	count = 1;
	fail_open = false;
	colour = "blue";
};
nftables: { table = "$LAB_TABLE"; };
control: { socket = "$LAB_SOCK"; };
packet: {
	malformed = "sometimes";
};
EOF

run_nfqfwd -t -c "$bad"
lab_check_gt "nfqfwd -t exits non-zero on a bad configuration" "$status" 0
lab_check_fails "... and does not say it is OK" grep -q "configuration OK" "$LAB_TMP/out"
lab_check "it reports the unknown key as $bad:6: ..." \
	grep -q "^$bad:6: .*colour" "$LAB_TMP/err"
lab_check "it reports the bad value as $bad:11: ..." \
	grep -q "^$bad:11: .*malformed" "$LAB_TMP/err"
lab_check_eq "every line it prints has the FILE:LINE: form" "" \
	"$(grep -v "^$bad:[0-9]\+: " "$LAB_TMP/err" || true)"
sed 's/^/#   /' "$LAB_TMP/err"

run_nfqfwd -f -c "$bad"
lab_check_gt "the daemon refuses to start with it (status $status)" "$status" 0
lab_check_fails "... without hanging (not stopped by timeout)" test "$status" -eq 124
lab_check "... and installs nothing (no table, no queue, no socket)" nothing_installed

syntax="$LAB_TMP/syntax.conf"
printf 'queue: {\n\tcount = 1;\n\tfirst = ;\n};\n' >"$syntax"
run_nfqfwd -t -c "$syntax"
lab_check_gt "nfqfwd -t exits non-zero on a syntax error" "$status" 0
lab_check "it reports the syntax error as $syntax:3: ..." \
	grep -q "^$syntax:3: " "$LAB_TMP/err"
sed 's/^/#   /' "$LAB_TMP/err"

run_nfqfwd -t -c "$LAB_TMP/no-such.conf"
lab_check_gt "nfqfwd -t exits non-zero when the file does not exist" "$status" 0
lab_check "... and names the file" grep -q "no-such.conf" "$LAB_TMP/err"

good="$LAB_TMP/good.conf"
lab_write_conf "$good"
run_nfqfwd -t -c "$good"
lab_check_eq "nfqfwd -t exits 0 on a good configuration" 0 "$status"
lab_check_eq "... and prints 'configuration OK'" "configuration OK" "$(cat "$LAB_TMP/out")"
lab_check_eq "... and nothing on stderr" "" "$(cat "$LAB_TMP/err")"
lab_check "checking installs nothing (no table, no queue, no socket)" nothing_installed

lab_start_daemon "$good" || lab_bail "the good configuration starts the daemon"
lab_ok "the good configuration starts the daemon"
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon

lab_summary
