#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Reloading the rules (issue 4): an iperf3 TCP stream crosses the gateway
# while the ruleset is reloaded four times (nfqfwctl reload and SIGHUP, one
# unrelated rule changed each time) and finishes without error and without an
# interval at zero; after a good reload a newly allowed port works and a newly
# forbidden one fails; the counters of unchanged rules carry over, even when
# their lines moved; a broken file (a mistyped key, a bad address) is refused
# by `nfqfwctl reload` with exit status 1 and its first FILE:LINE: error, by
# SIGHUP with the error in the log, and the old policy still holds; `nfqfwd
# -t` lists every error; the nftables table is never recreated.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/rules/rules-lib.sh
. "$(dirname "$0")/rules-lib.sh"

lab_init
lab_require_cmds socat ss nft python3 timeout iperf3
lab_require_build
lab_up

LAN=$LAB_IF_GC
IPERF_PORT=5201
IPERF_SECS=8

conf="$LAB_TMP/nfqfw.conf"

# write_conf VARIANT OPEN [BROKEN]: the policy with VARIANT unrelated rules
# (udp/9001.. dropped; their number moves the lines of the rules after
# them), tcp port OPEN allowed, and with BROKEN a mistyped key and a bad
# address on their own lines. Written next to the file and moved over it,
# as an editor would save it.
write_conf()
{
	local variant=$1 open=$2 broken=${3:-} i
	{
		echo "filter: {"
		echo "	forward: {"
		echo "		policy = \"drop\";"
		echo "		rules = ("
		echo "			{ ct_state = \"established,related\"; action = \"accept\"; }, # R_EST"
		for ((i = 1; i <= variant; i++)); do
			echo "			{ in = \"$LAN\"; proto = \"udp\"; dport = $((9000 + i)); action = \"drop\"; }, # R_VAR$i"
		done
		echo "			{ in = \"$LAN\"; proto = \"tcp\"; dport = $IPERF_PORT; ct_state = \"new\"; action = \"accept\"; }, # R_IPERF"
		echo "			{ in = \"$LAN\"; proto = \"udp\"; dport = 7003; ct_state = \"new\"; action = \"accept\"; }, # R_UDP"
		if [ -n "$broken" ]; then
			echo "			{ in = \"$LAN\"; proto = \"tcp\"; dprot = 7100; action = \"accept\"; }, # R_TYPO"
			echo "			{ in = \"$LAN\"; dst = \"198.51.100.300\"; action = \"accept\"; }, # R_BADADDR"
		fi
		echo "			{ in = \"$LAN\"; proto = \"tcp\"; dport = $open; ct_state = \"new\"; action = \"accept\"; } # R_OPEN"
		echo "		);"
		echo "	};"
		echo "};"
	} | rl_conf "$conf.new" queue.count=2
	mv "$conf.new" "$conf"
}

line() { rl_line "$conf" "$1"; }

# running_has_port PORT: the running ruleset has a rule for dport PORT.
running_has_port()
{
	lab_ctl -o json rules | grep -q "dport $1\b"
}

# wait_for_rule PORT: SIGHUP is asynchronous; the rule shows up within 3 s.
wait_for_rule()
{
	local i
	for ((i = 0; i < 30; i++)); do
		running_has_port "$1" && return 0
		sleep 0.1
	done
	return 1
}

write_conf 1 7001
lab_start_daemon "$conf" || lab_bail "nfqfwd starts with the first ruleset"
lab_ok "nfqfwd starts with the first ruleset"
handles0=$(rl_nft_handles)
lab_check "the gateway has our table, with handles" test -n "$handles0"

for p in 7001 7002; do
	rl_server "$LAB_S" tcp "$LAB_S4" "$p"
done
rl_server "$LAB_S" udp "$LAB_S4" 7003

lab_check "before any reload: tcp/7001 is allowed" rl_try ok "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7001
lab_check "before any reload: tcp/7002 is forbidden" rl_try timeout "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7002
for i in 1 2 3; do
	rl_try ok "$LAB_C" udp "$LAB_C4" "$LAB_S4" 7003 >/dev/null || true
done

# ---- four reloads under an iperf3 stream ----
lab_bg "$LAB_S" iperf3 -s -1 -B "$LAB_S4" -p "$IPERF_PORT" >"$LAB_TMP/iperf-server.out" 2>&1
listening=0
lab_wait_listen "$LAB_S" tcp "$IPERF_PORT" || listening=1
lab_check_eq "iperf3 listens in the server" 0 "$listening"
ip netns exec "$LAB_C" timeout $((IPERF_SECS + 20)) iperf3 -c "$LAB_S4" -B "$LAB_C4" \
	-p "$IPERF_PORT" -t "$IPERF_SECS" -i 0.5 -J >"$LAB_TMP/iperf.json" 2>"$LAB_TMP/iperf.log" &
iperf_pid=$!
LAB_PIDS+=("$iperf_pid")
sleep 1.5
rl_rules "$LAB_TMP/before.json"
est_before=$(rl_rule_packets "$LAB_TMP/before.json" forward "$(line R_EST)")
iperf_new=$(rl_rule_packets "$LAB_TMP/before.json" forward "$(line R_IPERF)")
udp_new=$(rl_rule_packets "$LAB_TMP/before.json" forward "$(line R_UDP)")
policy_before=$(rl_policy_packets "$LAB_TMP/before.json" forward)

reloads_ok=0
for v in 2 3 4 5; do
	write_conf "$v" 7001
	if [ $((v % 2)) -eq 0 ]; then
		out=$(lab_ctl reload 2>&1) && reloads_ok=$((reloads_ok + 1))
		echo "# reload $v (nfqfwctl): $out"
	else
		kill -HUP "$LAB_DAEMON_PID"
		wait_for_rule $((9000 + v)) && reloads_ok=$((reloads_ok + 1))
		echo "# reload $v (SIGHUP)"
	fi
	sleep 1
done
lab_check_eq "four reloads under the stream took effect" 4 "$reloads_ok"
lab_check "the last one is running (udp/9005 is in the ruleset)" running_has_port 9005
iperf_status=0
wait "$iperf_pid" || iperf_status=$?
lab_check_eq "iperf3 finished without error" 0 "$iperf_status"
lab_check "iperf3 reports no error" python3 - "$LAB_TMP/iperf.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(1 if j.get("error") else 0)
PY
iperf_report=$(python3 - "$LAB_TMP/iperf.json" <<'PY' || true
import json, statistics, sys
j = json.load(open(sys.argv[1]))
rates = [i["sum"]["bits_per_second"] for i in j["intervals"]]
print(len(rates), int(min(rates)), int(statistics.median(rates)),
      j["end"]["sum_received"]["bytes"])
PY
)
read -r n_int min_bps median_bps received <<<"${iperf_report:-0 0 0 0}"
echo "# iperf3: $n_int intervals, min $min_bps bit/s, median $median_bps bit/s, $received bytes received"
lab_check_ge "iperf3 reported every half second of the stream" "$n_int" $((IPERF_SECS * 2))
lab_check_gt "no interval of the stream dropped to zero" "$min_bps" 0
lab_check "no interval fell below a tenth of the median" test "$min_bps" -ge $((median_bps / 10))
lab_check_gt "the server received the stream" "$received" 0

rl_rules "$LAB_TMP/after.json"
lab_check_eq "R_IPERF (unchanged, its line moved) kept its count of new connections" \
	"$iperf_new" "$(rl_rule_packets "$LAB_TMP/after.json" forward "$(line R_IPERF)")"
lab_check_ge "  which counted the stream's connections" "$iperf_new" 2
lab_check_eq "R_UDP counted the three udp flows before the reloads" 3 "$udp_new"
lab_check_eq "R_UDP (unchanged) kept that count" \
	"$udp_new" "$(rl_rule_packets "$LAB_TMP/after.json" forward "$(line R_UDP)")"
lab_check_ge "R_EST (unchanged) kept counting from where it was" \
	"$(rl_rule_packets "$LAB_TMP/after.json" forward "$(line R_EST)")" "$est_before"
lab_check_ge "the forward policy's counter carried over" \
	"$(rl_policy_packets "$LAB_TMP/after.json" forward)" "$policy_before"
lab_check_eq "R_VAR5 (new in the last reload) starts at zero" \
	0 "$(rl_rule_packets "$LAB_TMP/after.json" forward "$(line R_VAR5)")"

# ---- a good reload that changes the policy ----
write_conf 1 7002
reload_status=0
lab_ctl reload >/dev/null 2>&1 || reload_status=$?
lab_check_eq "a reload that opens tcp/7002 and closes tcp/7001 succeeds" 0 "$reload_status"
lab_check "after it, tcp/7002 works" rl_try ok "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7002
lab_check "after it, tcp/7001 fails" rl_try timeout "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7001

# ---- broken files ----
rl_rules "$LAB_TMP/good.json"
write_conf 1 7001 broken
typo=$(line R_TYPO)
badaddr=$(line R_BADADDR)
check_status=0
lab_g "$LAB_NFQFWD" -t -c "$conf" >"$LAB_TMP/check.out" 2>&1 || check_status=$?
sed 's/^/# nfqfwd -t: /' "$LAB_TMP/check.out"
lab_check_eq "nfqfwd -t refuses the broken file" 1 "$((check_status != 0))"
lab_check "nfqfwd -t reports the mistyped key at its line" \
	grep -q "^$conf:$typo: .*dprot" "$LAB_TMP/check.out"
lab_check "nfqfwd -t reports the bad address at its line" \
	grep -q "^$conf:$badaddr: .*198.51.100.300" "$LAB_TMP/check.out"

reload_status=0
lab_ctl reload >"$LAB_TMP/reload.out" 2>"$LAB_TMP/reload.err" || reload_status=$?
sed 's/^/# nfqfwctl reload: /' "$LAB_TMP/reload.out" "$LAB_TMP/reload.err"
lab_check_eq "nfqfwctl reload refuses the broken file with exit status 1" 1 "$reload_status"
lab_check "it reports the first error as $conf:$typo:" grep -q "$conf:$typo: .*dprot" "$LAB_TMP/reload.err"
lab_check "the daemon is still running" lab__alive "$LAB_DAEMON_PID"
lab_check "the old policy holds: tcp/7002 still works" rl_try ok "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7002
lab_check "the old policy holds: tcp/7001 still fails" rl_try timeout "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7001

logged=$(grep -c "$conf:$typo: .*dprot" "$LAB_DAEMON_LOG" || true)
kill -HUP "$LAB_DAEMON_PID"
sleep 1
lab_check "SIGHUP with the broken file: the daemon is still running" lab__alive "$LAB_DAEMON_PID"
lab_check_gt "SIGHUP with the broken file: the error is in the log once more" \
	"$(grep -c "$conf:$typo: .*dprot" "$LAB_DAEMON_LOG" || true)" "$logged"
lab_check "SIGHUP with the broken file: tcp/7002 still works" rl_try ok "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7002
lab_check "SIGHUP with the broken file: tcp/7001 still fails" rl_try timeout "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7001
rl_rules "$LAB_TMP/kept.json"
lab_check_eq "the running ruleset is the one before the broken file" \
	"$(lab_json "[[r['match'], r['action']] for c in j['chains'] for r in c['rules']]" "$LAB_TMP/good.json")" \
	"$(lab_json "[[r['match'], r['action']] for c in j['chains'] for r in c['rules']]" "$LAB_TMP/kept.json")"

lab_check_eq "no reload recreated the nftables table (same handles)" "$handles0" "$(rl_nft_handles)"
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
