#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The reject and log actions as a client and an operator see them (issue 4):
# a tcp-reset reject is a "connection refused" within milliseconds, and the
# server never sees the SYN; ICMP port unreachable, host unreachable and
# admin prohibited (and their ICMPv6 counterparts) reach the client with the
# right type and code, from the gateway, for IPv4 and IPv6; every reject is
# counted in rejects_sent; a rule's `log` writes a line like the kernel's LOG
# target (prefix, IN= OUT= SRC= DST= LEN= PROTO= SPT= DPT=); a `limit` on a
# logging rule and the daemon's own limit on rule log lines keep a flood of
# 1000 packets from flooding the log.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/rules/rules-lib.sh
. "$(dirname "$0")/rules-lib.sh"

lab_init
lab_require_cmds socat ss python3 timeout ping
lab_require_build
lab_up

LAN=$LAB_IF_GC
WAN=$LAB_IF_GS
# The daemon's limit on all rule log lines together (src/filter/publish.c,
# like the kernel LOG target's usual `-m limit` companion): 50 a second
# after a burst of 200.
LOG_RATE=50
LOG_BURST=200
# The limit of the rate-limited logging rule below.
LIM_RATE=5
LIM_BURST=10
FLOOD=1000

conf="$LAB_TMP/nfqfw.conf"
rl_conf "$conf" queue.count=2 <<EOF
filter: {
	forward: {
		policy = "accept";
		rules = (
			{ proto = "tcp"; dport = 7001; action = "reject"; reject_with = "tcp-reset"; log = "NQ-RST "; }, # R_RST
			{ proto = "udp"; dport = 7002; action = "reject"; reject_with = "icmp-port-unreachable"; log = "NQ-PORT "; }, # R_PORT
			{ proto = "udp"; dport = 7003; action = "reject"; reject_with = "icmp-admin-prohibited"; }, # R_ADMIN
			{ proto = "udp"; dport = 7004; action = "reject"; reject_with = "icmp-host-unreachable"; }, # R_HOST
			{ proto = "udp"; dport = 7005; action = "reject"; reject_with = "icmp-net-unreachable"; }, # R_NET
			{ proto = "udp"; dport = 7006; action = "reject"; }, # R_DEFAULT
			{ proto = "icmp"; icmp_type = "echo-request"; action = "reject"; reject_with = "icmp-admin-prohibited"; }, # R_PING4
			{ proto = "icmpv6"; icmpv6_type = "echo-request"; action = "reject"; reject_with = "icmp-admin-prohibited"; }, # R_PING6
			{ proto = "udp"; dport = 7010; limit = "$LIM_RATE/second burst $LIM_BURST"; log = "NQ-LIM "; action = "continue"; }, # R_LIMLOG
			{ proto = "udp"; dport = 7010; action = "drop"; }, # R_LIMDROP
			{ proto = "udp"; dport = 7011; log = "NQ-FLOOD "; action = "drop"; } # R_FLOOD
		);
	};
};
EOF
sed 's/^/# | /' "$conf"
line() { rl_line "$conf" "$1"; }

lab_start_daemon "$conf" || lab_bail "nfqfwd starts with the reject rules"
lab_ok "nfqfwd starts with reject and log rules"

for a in "$LAB_S4" "$LAB_S6"; do
	rl_server "$LAB_S" tcp "$a" 7001
	for p in 7002 7003 7004 7005 7006; do
		rl_server "$LAB_S" udp "$a" "$p"
	done
done

s0="$LAB_TMP/rules.0.json"
s1="$LAB_TMP/rules.1.json"

# reset FAMILY SRC DST: a connection to DST:7001 refused at once by a reset,
# the SYN logged and never delivered.
reset_case()
{
	local fam=$1 src=$2 dst=$3 insegs sent len sport
	insegs=$(rl_snmp "$LAB_S" Tcp InSegs)
	sent=$(rl_stat rejects_sent)
	lab_check "$fam: tcp-reset: the client's connect is refused" \
		rl_try refused "$LAB_C" tcp "$src" "$dst" 7001 3
	lab_check "$fam: tcp-reset: refused well under a second ($(rl_elapsed) s)" \
		rl_faster "$(rl_elapsed)" 0.5
	sport=$(rl_field sport)
	sleep 0.2
	lab_check_eq "$fam: tcp-reset: the server saw no segment" "$insegs" "$(rl_snmp "$LAB_S" Tcp InSegs)"
	lab_check_eq "$fam: tcp-reset: rejects_sent grew by one" "$((sent + 1))" "$(rl_stat rejects_sent)"
	# A Linux SYN: 20 (IPv4) or 40 (IPv6) bytes of header, 40 of TCP
	# with its options.
	len=60
	[ "$fam" = ipv6 ] && len=80
	lab_check "$fam: tcp-reset: the SYN was logged like the LOG target logs it" grep -qE \
		"NQ-RST IN=$LAN OUT=$WAN SRC=$(rl_exploded "$src") DST=$(rl_exploded "$dst") LEN=$len .*PROTO=TCP SPT=$sport DPT=7001 .*SYN" \
		"$LAB_DAEMON_LOG"
}

# icmp_case FAMILY SRC DST PORT KIND TYPE CODE WHAT: a datagram to DST:PORT
# answered by an ICMP(v6) error TYPE/CODE from the gateway's LAN address.
icmp_case()
{
	local fam=$1 src=$2 dst=$3 port=$4 kind=$5 type=$6 code=$7 what=$8 gw=$LAB_GC4 in sent
	[ "$fam" = ipv6 ] && gw=$LAB_GC6
	if [ "$fam" = ipv6 ]; then
		in=$(rl_snmp6 "$LAB_S" Udp6InDatagrams)
	else
		in=$(rl_snmp "$LAB_S" Udp InDatagrams)
	fi
	sent=$(rl_stat rejects_sent)
	lab_check "$fam: $what: the client gets an ICMP error" \
		rl_try "$kind" "$LAB_C" udp "$src" "$dst" "$port"
	lab_check_eq "$fam: $what: of type $type code $code" "$type/$code" "$(rl_field type)/$(rl_field code)"
	lab_check_eq "$fam: $what: sent by the gateway" "$gw" "$(rl_field from)"
	sleep 0.2
	if [ "$fam" = ipv6 ]; then
		lab_check_eq "$fam: $what: the server saw no datagram" "$in" "$(rl_snmp6 "$LAB_S" Udp6InDatagrams)"
	else
		lab_check_eq "$fam: $what: the server saw no datagram" "$in" "$(rl_snmp "$LAB_S" Udp InDatagrams)"
	fi
	lab_check_eq "$fam: $what: rejects_sent grew by one" "$((sent + 1))" "$(rl_stat rejects_sent)"
}

rl_rules "$s0"
reset_case ipv4 "$LAB_C4" "$LAB_S4"
reset_case ipv6 "$LAB_C6" "$LAB_S6"
icmp_case ipv4 "$LAB_C4" "$LAB_S4" 7002 icmp 3 3 "port unreachable"
port_sport=$(rl_field sport)
icmp_case ipv4 "$LAB_C4" "$LAB_S4" 7003 icmp 3 13 "admin prohibited"
icmp_case ipv4 "$LAB_C4" "$LAB_S4" 7004 icmp 3 1 "host unreachable"
icmp_case ipv4 "$LAB_C4" "$LAB_S4" 7005 icmp 3 0 "net unreachable"
icmp_case ipv4 "$LAB_C4" "$LAB_S4" 7006 icmp 3 3 "reject without reject_with"
icmp_case ipv6 "$LAB_C6" "$LAB_S6" 7002 icmp6 1 4 "port unreachable"
port6_sport=$(rl_field sport)
icmp_case ipv6 "$LAB_C6" "$LAB_S6" 7003 icmp6 1 1 "admin prohibited"
icmp_case ipv6 "$LAB_C6" "$LAB_S6" 7004 icmp6 1 3 "host unreachable"
icmp_case ipv6 "$LAB_C6" "$LAB_S6" 7005 icmp6 1 0 "net unreachable"
icmp_case ipv6 "$LAB_C6" "$LAB_S6" 7006 icmp6 1 4 "reject without reject_with"
rl_rules "$s1"
for r in R_RST R_PORT R_ADMIN R_HOST R_NET R_DEFAULT; do
	rl_delta "$r counted one packet per family" "$s0" "$s1" forward "$(line "$r")" 2
done

# A datagram of 32 bytes: IP length 60 (IPv4) or 80 (IPv6), UDP length 40.
lab_check "ipv4: the port unreachable's datagram was logged" grep -qE \
	"NQ-PORT IN=$LAN OUT=$WAN SRC=$LAB_C4 DST=$LAB_S4 LEN=60 .*PROTO=UDP SPT=$port_sport DPT=7002 LEN=40" \
	"$LAB_DAEMON_LOG"
lab_check "ipv6: the port unreachable's datagram was logged" grep -qE \
	"NQ-PORT IN=$LAN OUT=$WAN SRC=$(rl_exploded "$LAB_C6") DST=$(rl_exploded "$LAB_S6") LEN=80 .*PROTO=UDP SPT=$port6_sport DPT=7002 LEN=40" \
	"$LAB_DAEMON_LOG"
lab_check_eq "rules without log wrote no line" 0 "$(grep -c "DPT=700[3-6]" "$LAB_DAEMON_LOG" || true)"

# ping itself says what it got.
out=$(timeout 5 ip netns exec "$LAB_C" ping -n -c 1 -W 2 "$LAB_S4" 2>&1 || true)
echo "# ping: $(tr '\n' ' ' <<<"$out")"
lab_check "ipv4: ping shows the admin prohibited reject (Packet filtered)" \
	grep -q "Packet filtered" <<<"$out"
out=$(timeout 5 ip netns exec "$LAB_C" ping -6 -n -c 1 -W 2 "$LAB_S6" 2>&1 || true)
echo "# ping -6: $(tr '\n' ' ' <<<"$out")"
lab_check "ipv6: ping shows the admin prohibited reject" \
	grep -qi "administratively prohibited" <<<"$out"

# ---- logging under a flood ----
# A rule with its own limit: at most its burst, plus its rate for the time
# the flood took, plus one for a token that came due meanwhile.
rl_rules "$s0"
logged=$(rl_stat filter_logged)
before=$(rl_log_count "NQ-LIM ")
res=$(timeout 30 ip netns exec "$LAB_C" python3 "$RL_PROBE" flood "$LAB_C4" "$LAB_S4" 7010 "$FLOOD")
echo "# flood of udp/7010: $res"
secs=$(awk '{ print int($3) + 1 }' <<<"$res")
sleep 1
rl_rules "$s1"
lines=$(( $(rl_log_count "NQ-LIM ") - before ))
rl_delta "the limited log rule's drop rule counted all $FLOOD packets" "$s0" "$s1" forward "$(line R_LIMDROP)" "$FLOOD"
lab_check_ge "the limited log rule logged" "$lines" 1
lab_check "the limited log rule wrote at most $LIM_BURST + $LIM_RATE/s lines ($lines)" \
	test "$lines" -le $((LIM_BURST + LIM_RATE * (secs + 1) + 1))
lim_matched=$(( $(rl_rule_packets "$s1" forward "$(line R_LIMLOG)") - $(rl_rule_packets "$s0" forward "$(line R_LIMLOG)") ))
lab_check_eq "it matched (and logged) exactly as often as it wrote lines" "$lines" "$lim_matched"
lab_check_eq "filter_logged counted those lines" "$((logged + lines))" "$(rl_stat filter_logged)"

# A logging rule without a limit: the daemon's own limit on rule log lines.
rl_rules "$s0"
logged=$(rl_stat filter_logged)
before=$(rl_log_count "NQ-FLOOD ")
res=$(timeout 30 ip netns exec "$LAB_C" python3 "$RL_PROBE" flood "$LAB_C4" "$LAB_S4" 7011 "$FLOOD")
echo "# flood of udp/7011: $res"
secs=$(awk '{ print int($3) + 1 }' <<<"$res")
sleep 1
rl_rules "$s1"
lines=$(( $(rl_log_count "NQ-FLOOD ") - before ))
rl_delta "the logging drop rule counted all $FLOOD packets" "$s0" "$s1" forward "$(line R_FLOOD)" "$FLOOD"
lab_check_ge "it logged" "$lines" 1
lab_check "but at most $LOG_BURST + $LOG_RATE/s lines ($lines of $FLOOD)" \
	test "$lines" -le $((LOG_BURST + LOG_RATE * (secs + 1) + 1))
lab_check_eq "filter_logged counted the lines written, not the packets" \
	"$((logged + lines))" "$(rl_stat filter_logged)"
# Once the limit lets a line through again, it says how many were not written.
sleep 1
rl_try timeout "$LAB_C" udp "$LAB_C4" "$LAB_S4" 7011 1 >/dev/null || true
sleep 0.3
lab_check "the next line says how many lines were suppressed" \
	grep -qE "NQ-FLOOD .*\(([0-9]+) earlier rule log lines suppressed\)" "$LAB_DAEMON_LOG"
lab_check "the daemon is still running and answering" lab_ctl status
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
