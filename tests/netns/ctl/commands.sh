#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every nfqfwctl command against a running daemon, in text and in JSON: the
# JSON parses (python3) and agrees with the text and with the daemon's own
# state; `metrics` is valid Prometheus text (promcheck.py, and the official
# client's parser where python3-prometheus-client is installed) whose values
# match `stats`. The exit codes scripts rely on: 0 for success, 2 for an
# unknown command or bad arguments, 3 with "daemon not running?" when nobody
# listens on the socket.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

PROMCHECK="$NFQFW_SRCDIR/tests/netns/ctl/promcheck.py"
# The commands this test covers; `help` must list no other.
COVERED="conntrack help metrics reload rules stats status"

lab_init
lab_require_cmds socat ss nft python3 timeout
lab_require_build
lab_up

# ctl NAME ARGS...: nfqfwctl ARGS in the gateway; stdout in $LAB_TMP/NAME.out,
# stderr in $LAB_TMP/NAME.err, the exit status in CTL_STATUS.
ctl()
{
	local name=$1
	shift
	CTL_STATUS=0
	lab_ctl "$@" >"$LAB_TMP/$name.out" 2>"$LAB_TMP/$name.err" || CTL_STATUS=$?
}

out() { cat "$LAB_TMP/$1.out"; }

# ok_json NAME: the command succeeded and its output is one JSON document.
ok_json()
{
	[ "$CTL_STATUS" -eq 0 ] && python3 -c 'import json, sys; json.load(open(sys.argv[1]))' \
		"$LAB_TMP/$1.out"
}

# jq_ NAME EXPR: a Python expression over the JSON output of NAME, as `j`.
jq_() { lab_json "$2" "$LAB_TMP/$1.out"; }

# exited CODE FILE TEXT: the last command exited with CODE and FILE (in
# $LAB_TMP) holds TEXT.
exited()
{
	[ "$CTL_STATUS" -eq "$1" ] && grep -qF -- "$3" "$LAB_TMP/$2"
}

# usage_error NAME MESSAGE: exit status 2, MESSAGE on stderr, nothing on stdout.
usage_error()
{
	exited 2 "$1.err" "$2" && [ ! -s "$LAB_TMP/$1.out" ]
}

conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf" queue.count=2
lab_start_daemon "$conf" || lab_bail "nfqfwd starts in the gateway"
lab_ok "nfqfwd starts with two queues"

# ---- status ----
ctl status.text status
lab_check_eq "status: exit 0" 0 "$CTL_STATUS"
lab_check "status: the daemon's pid in text" grep -qE "^pid +$LAB_DAEMON_PID\$" "$LAB_TMP/status.text.out"
lab_check "status: the socket's configuration file" grep -qF "$conf" "$LAB_TMP/status.text.out"
ctl status.json -o json status
lab_check "status: json parses" ok_json status.json
lab_check_eq "status: json pid" "$LAB_DAEMON_PID" "$(jq_ status.json "j['pid']")"
lab_check_eq "status: json queue count" 2 "$(jq_ status.json "j['queues']['count']")"
lab_check_eq "status: json version is nfqfwctl's" \
	"$("$LAB_NFQFWCTL" -V | awk '{ print $2 }')" "$(jq_ status.json "j['version']")"

# ---- traffic, for the counters and the connection table ----
head -c 20000 /dev/urandom >"$LAB_TMP/in"
lab_echo_server "$LAB_S" tcp "$LAB_S4" 7001
lab_check "tcp over ipv4 crosses the gateway" \
	lab_echo "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7001 "$LAB_TMP/in" "$LAB_TMP/out"
lab_check "ping over ipv4 crosses the gateway" lab_ping "$LAB_C" "$LAB_S4"

# ---- stats ----
ctl stats.text stats
lab_check_eq "stats: exit 0" 0 "$CTL_STATUS"
lab_check "stats: text has the packet table" grep -q "^Packets\$" "$LAB_TMP/stats.text.out"
lab_check "stats: text has the kernel's counters" grep -q "^Kernel queue counters" "$LAB_TMP/stats.text.out"
ctl stats.json -o json stats
lab_check "stats: json parses" ok_json stats.json
lab_check_eq "stats: json has both queues" "[0, 1]" "$(jq_ stats.json "[q['queue'] for q in j['queues']]")"
lab_check_gt "stats: json counted the traffic" "$(jq_ stats.json "j['total']['received']")" 10

# ---- metrics ----
lab_snapshot "$LAB_TMP/before.json"
ctl metrics.text metrics
lab_snapshot "$LAB_TMP/after.json"
lab_check_eq "metrics: exit 0" 0 "$CTL_STATUS"
if python3 "$PROMCHECK" "$LAB_TMP/metrics.text.out" >"$LAB_TMP/metrics.series" \
	2>"$LAB_TMP/promcheck.log"; then
	lab_ok "metrics: valid Prometheus text (promcheck.py)"
else
	lab_not_ok "metrics: valid Prometheus text: $(cat "$LAB_TMP/promcheck.log")"
fi
ref=0
/usr/bin/python3 "$PROMCHECK" --reference "$LAB_TMP/metrics.text.out" >/dev/null \
	2>"$LAB_TMP/promcheck-ref.log" || ref=$?
case $ref in
0) lab_ok "metrics: the official client's parser reads the same samples" ;;
77) lab_note "python3-prometheus-client is not installed: the reference parser did not run" ;;
*) lab_not_ok "metrics: the official client's parser: $(cat "$LAB_TMP/promcheck-ref.log")" ;;
esac

# series NAME{LABELS}: a value from the checked metrics ("" if absent).
series()
{
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["series"].get(sys.argv[2], ""))' \
		"$LAB_TMP/metrics.series" "$1"
}

# between NAME VALUE QUEUE PATH: the metric lies between the stats taken
# just before and just after it.
between()
{
	local lo hi
	lo=$(lab_snap_stat "$LAB_TMP/before.json" "$3" "$4")
	hi=$(lab_snap_stat "$LAB_TMP/after.json" "$3" "$4")
	if lab_in_range "$2" "$lo" "$hi"; then
		lab_ok "$1 ($lo <= $2 <= $hi)"
	else
		lab_not_ok "$1 (got '$2', stats said '$lo' then '$hi')"
	fi
}

for q in 0 1; do
	between "metrics: queue $q received agrees with stats" \
		"$(series "nfqfw_packets_received_total{queue=\"$q\"}")" "$q" received
	between "metrics: queue $q accepted agrees with stats" \
		"$(series "nfqfw_packets_accepted_total{queue=\"$q\"}")" "$q" accepted
	between "metrics: queue $q prerouting hook agrees with stats" \
		"$(series "nfqfw_packets_by_hook_total{hook=\"prerouting\",queue=\"$q\"}")" "$q" by_hook.prerouting
	between "metrics: queue $q kernel id sequence agrees with stats" \
		"$(series "nfqfw_queue_id_sequence{queue=\"$q\"}")" "$q" kernel.id_sequence
	lab_check_eq "metrics: queue $q is bound" 1 "$(series "nfqfw_queue_bound{queue=\"$q\"}")"
done
lab_check_eq "metrics: two workers" 2 "$(series "nfqfw_workers{}")"
lab_check_eq "metrics: nfqfw_info names the daemon" 1 \
	"$(series "nfqfw_info{queue_form=\"$(jq_ status.json "j['queue_form']")\",table=\"$LAB_TABLE\",version=\"$(jq_ status.json "j['version']")\"}")"
lab_check_ge "metrics: the connection table has entries" "$(series "nfqfw_conntrack_entries{}")" 1
new=$(( $(series "nfqfw_conntrack_packets_total{queue=\"0\",state=\"new\"}") +
	$(series "nfqfw_conntrack_packets_total{queue=\"1\",state=\"new\"}") ))
lo=$(lab_json "j['conntrack']['packets']['new']" "$LAB_TMP/before.json")
hi=$(lab_json "j['conntrack']['packets']['new']" "$LAB_TMP/after.json")
lab_check "metrics: NEW packets agree with stats ($lo <= $new <= $hi)" lab_in_range "$new" "$lo" "$hi"
lab_check_ge "metrics: the SYN and the echo request were NEW" "$new" 2
ctl metrics.json -o json metrics
lab_check "metrics: json parses" ok_json metrics.json
lab_check_eq "metrics: json has the same families, in the same order, as text" \
	"$(lab_json "[[f[0], f[1]] for f in j['families']]" "$LAB_TMP/metrics.series")" \
	"$(jq_ metrics.json "[[f['name'], f['type']] for f in j['metrics']]")"

# ---- conntrack ----
ctl ct.text conntrack
lab_check_eq "conntrack: exit 0" 0 "$CTL_STATUS"
lab_check "conntrack: the tcp flow is listed" \
	grep -qE "^tcp +6 [0-9]+ [A-Z_]+ src=$LAB_C4 dst=$LAB_S4 sport=[0-9]+ dport=7001 " "$LAB_TMP/ct.text.out"
lab_check "conntrack: the echo request is listed" \
	grep -qE "^icmp +1 [0-9]+ src=$LAB_C4 dst=$LAB_S4 type=8 code=0 " "$LAB_TMP/ct.text.out"
shown=$(sed -n 's/^conntrack: \([0-9]*\) flow entries have been shown\.$/\1/p' "$LAB_TMP/ct.text.out")
lab_check_eq "conntrack: the count line counts the lines" \
	"$(grep -c ' src=' "$LAB_TMP/ct.text.out")" "$shown"
ctl ct.json -o json conntrack list
lab_check "conntrack list: json parses" ok_json ct.json
lab_check_eq "conntrack list: json count is the number of connections" \
	"$(jq_ ct.json "len(j['connections'])")" "$(jq_ ct.json "j['count']")"
ctl ct.icmp conntrack list proto=icmp
lab_check "conntrack list proto=icmp: only icmp" \
	test "$(grep -c ' src=' "$LAB_TMP/ct.icmp.out")" -eq "$(grep -c '^icmp ' "$LAB_TMP/ct.icmp.out")"
ctl ct.del -o json conntrack delete proto=icmp
lab_check "conntrack delete: json parses" ok_json ct.del
lab_check_ge "conntrack delete proto=icmp: deleted the echo flow" "$(jq_ ct.del "j['deleted']")" 1
ctl ct.del2 conntrack delete proto=icmp
lab_check_eq "conntrack delete again: nothing left to delete" \
	"conntrack: 0 flow entries have been deleted." "$(out ct.del2)"
ctl ct.inv conntrack invalid
lab_check_eq "conntrack invalid: exit 0" 0 "$CTL_STATUS"
lab_check "conntrack invalid: text ends with its count line" \
	grep -qE "^conntrack: the last [0-9]+ INVALID packets" "$LAB_TMP/ct.inv.out"
ctl ct.invj -o json conntrack invalid
lab_check "conntrack invalid: json parses" ok_json ct.invj
lab_check_eq "conntrack invalid: json has the list" list "$(jq_ ct.invj "type(j['invalid']).__name__")"
ctl ct.flush conntrack flush
lab_check "conntrack flush: text says how many" \
	grep -qE "^conntrack: [0-9]+ flow entries have been deleted\.\$" "$LAB_TMP/ct.flush.out"
ctl ct.flushj -o json conntrack flush
lab_check "conntrack flush: json parses" ok_json ct.flushj
ctl ct.empty -o json conntrack
lab_check_eq "conntrack: empty after the flush" 0 "$(jq_ ct.empty "j['count']")"
ctl ct.bad conntrack frobnicate
lab_check "conntrack frobnicate: exit 2 with the reason" usage_error ct.bad "unknown conntrack command"
ctl ct.bad conntrack delete
lab_check "conntrack delete without a filter: exit 2" usage_error ct.bad "delete needs at least one filter"
ctl ct.bad -o json conntrack list colour=blue
lab_check "conntrack list with a bad filter: exit 2" usage_error ct.bad "bad filter 'colour=blue'"

# ---- reload ----
ctl reload.ok reload
lab_check "reload: a good file reloads (exit 0)" exited 0 reload.ok.out "configuration reloaded from $conf"
ctl reload.json -o json reload
lab_check "reload: json parses" ok_json reload.json
lab_check_eq "reload: json says reloaded" True "$(jq_ reload.json "j['reloaded']")"
cp "$conf" "$LAB_TMP/good.conf"
printf 'queue: { fail_opn = true; };\n' >>"$conf"
ctl reload.bad reload
lab_check "reload: a broken file is refused (exit 1) with file:line" \
	exited 1 reload.bad.err "reload refused, the running configuration stays: $conf:"
lab_check "reload: the daemon still answers after a refused reload" lab_ctl status
lab_check "reload: traffic still crosses after a refused reload" lab_ping "$LAB_C" "$LAB_S4"
cp "$LAB_TMP/good.conf" "$conf"

# ---- rules ----
ctl rules.none rules
lab_check "rules: without filter rules, exit 0 and says so" \
	exited 0 rules.none.out "no filter rules"
cat >>"$conf" <<'EOF2'
filter: {
	forward: { policy = "accept"; rules = (
		{ proto = "icmp"; action = "accept"; },
		{ jump = "guard"; }
	); };
	guard: { rules = ( { proto = "udp"; dport = "9"; action = "drop"; } ); };
};
EOF2
icmp_line=$(grep -n 'proto = "icmp"' "$conf" | cut -d: -f1)
ctl rules.reload reload
lab_check_eq "rules: a file with filter rules reloads" 0 "$CTL_STATUS"
lab_c ping -c 3 -i 0.2 -W 1 -q "$LAB_S4" >/dev/null
ctl rules.text rules
lab_check "rules: text shows the base chain with its policy" \
	grep -qE '^chain forward \(policy accept [0-9]+ packets, [0-9]+ bytes\)$' "$LAB_TMP/rules.text.out"
lab_check "rules: text shows the icmp rule with 6 packets (3 requests, 3 replies)" \
	grep -qE "^ +6 +[0-9]+ +$icmp_line  proto icmp accept\$" "$LAB_TMP/rules.text.out"
lab_check "rules: text shows the user chain and the jump" \
	sh -c "grep -q '^chain guard\$' '$LAB_TMP/rules.text.out' && grep -q ' jump guard\$' '$LAB_TMP/rules.text.out'"
ctl rules.json -o json rules
lab_check "rules: json parses" ok_json rules.json
lab_check_eq "rules: json lists the chains" "forward guard" \
	"$(jq_ rules.json "' '.join(c['name'] for c in j['chains'])")"
lab_check_eq "rules: json counts the icmp rule at its line" "$icmp_line 6 proto icmp accept" \
	"$(jq_ rules.json "' '.join(str(x) for r in j['chains'][0]['rules'][:1] for x in (r['line'], r['packets'], r['match'], r['action']))")"
cp "$LAB_TMP/good.conf" "$conf"
ctl rules.back reload
ctl rules.gone rules
lab_check "rules: a reload without filter rules removes them" \
	exited 0 rules.gone.out "no filter rules"

# ---- help ----
ctl help.text help
lab_check_eq "help: exit 0" 0 "$CTL_STATUS"
for c in $COVERED; do
	lab_check "help: text lists $c" grep -qE "^  $c( |\$)" "$LAB_TMP/help.text.out"
done
ctl help.json -o json help
lab_check "help: json parses" ok_json help.json
lab_check_eq "help: json lists exactly the commands this test covers" "$COVERED" \
	"$(jq_ help.json "' '.join(sorted(c['name'] for c in j['commands']))")"

# ---- errors ----
ctl unknown frobnicate
lab_check "an unknown command: exit 2 with the message" usage_error unknown "unknown command 'frobnicate'"
ctl unknown -o json frobnicate
lab_check "an unknown command in json: exit 2" usage_error unknown "unknown command 'frobnicate'"
ctl args status now
lab_check "arguments to status: exit 2" usage_error args "'status' takes no arguments"
ctl args metrics all
lab_check "arguments to metrics: exit 2" usage_error args "'metrics' takes no arguments"
ctl format -o xml status
lab_check "an unknown output format: exit 2" usage_error format "unknown output format 'xml'"
ctl nocmd
lab_check "no command: exit 2" usage_error nocmd "no command given"
ctl usage -h
lab_check "-h: exit 0 with the usage" \
	exited 0 usage.out "Usage: nfqfwctl"

# ---- the daemon not running ----
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_check_fails "the socket is gone with the daemon" test -e "$LAB_SOCK"
for c in status stats metrics "conntrack list" help; do
	# shellcheck disable=SC2086 # the command's words
	ctl down $c
	lab_check "$c with no daemon: exit 3, \"daemon not running?\"" \
		exited 3 down.err "daemon not running?"
done
ctl down -o json status
lab_check "json status with no daemon: exit 3" test "$CTL_STATUS" -eq 3
# a socket left behind that nobody listens on (a crashed daemon)
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$LAB_SOCK"
lab_check "a stale socket file is there" test -S "$LAB_SOCK"
ctl stale status
lab_check "a stale socket: exit 3, \"daemon not running?\"" \
	exited 3 stale.err "daemon not running?"
rm -f "$LAB_SOCK"
CTL_STATUS=0
timeout 5 "$LAB_NFQFWCTL" -s "$LAB_TMP/no/such/dir/sock" status >/dev/null 2>"$LAB_TMP/nodir.err" ||
	CTL_STATUS=$?
lab_check "a socket in a missing directory: exit 3" \
	exited 3 nodir.err "daemon not running?"
lab_summary
