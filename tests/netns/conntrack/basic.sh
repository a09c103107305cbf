#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Connection tracking through a real gateway: flows of every kind appear in
# `nfqfwctl conntrack` as conntrack -L would show them; an ICMP error about
# a live flow is RELATED and passes; a packet that belongs to no connection
# and cannot open one (a lone SYN/ACK) is INVALID: dropped and counted by
# default, let through with conntrack.invalid = "accept"; flush empties the
# table.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds socat ss nft nstat python3 timeout
lab_require_build
PY=$(lab_scapy_python) || lab_skip "needs python3 with scapy (python3-scapy)"
lab_up

# The server's kernel answers a SYN/ACK it did not ask for with a RST, so
# its RST counter tells whether such a packet got through the gateway.
server_rsts()
{
	ip netns exec "$LAB_S" nstat -az TcpOutRsts 2>/dev/null |
		awk '$1 == "TcpOutRsts" { print $2 }'
}

# ct_stat PATH: a figure of the conntrack part of `nfqfwctl -o json stats`
# ("invalid", "packets.related", ...).
ct_stat()
{
	lab_stats_json | lab_json "j['conntrack']$(printf "['%s']" ${1//./ })"
}

lone_synack()
{
	timeout 10 ip netns exec "$LAB_C" "$PY" - "$LAB_S4" <<'PY'
import sys
from scapy.all import IP, TCP, send
send(IP(dst=sys.argv[1]) / TCP(sport=45678, dport=7100, flags="SA", seq=1, ack=1),
     verbose=False)
PY
}

conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf" queue.count=2
lab_start_daemon "$conf" || lab_bail "nfqfwd starts in the gateway"
lab_ok "nfqfwd starts with connection tracking"

head -c 50000 /dev/urandom >"$LAB_TMP/in"
lab_echo_server "$LAB_S" tcp "$LAB_S4" 7001
lab_check "tcp over ipv4 crosses" \
	lab_echo "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7001 "$LAB_TMP/in" "$LAB_TMP/out"
lab_echo_server "$LAB_S" tcp "$LAB_S6" 7002
lab_check "tcp over ipv6 crosses" \
	lab_echo "$LAB_C" tcp "$LAB_C6" "$LAB_S6" 7002 "$LAB_TMP/in" "$LAB_TMP/out"
printf 'datagram\n' >"$LAB_TMP/udp"
lab_echo_server "$LAB_S" udp "$LAB_S4" 7003
lab_check "udp over ipv4 crosses" \
	lab_echo "$LAB_C" udp "$LAB_C4" "$LAB_S4" 7003 "$LAB_TMP/udp" "$LAB_TMP/udp.out"
lab_check "ping over ipv4 crosses" lab_ping "$LAB_C" "$LAB_S4"

table=$(lab_ctl conntrack)
printf '%s\n' "$table" | sed 's/^/# /'
has() { grep -qE "$1" <<<"$table"; }
has_line() { grep -qE "$2" <<<"$1"; }
lab_check "the closed tcp/ipv4 flow is listed in TIME_WAIT, assured, with its reply tuple" \
	has "^tcp +6 [0-9]+ TIME_WAIT src=$LAB_C4 dst=$LAB_S4 sport=[0-9]+ dport=7001 src=$LAB_S4 dst=$LAB_C4 sport=7001 dport=[0-9]+ \[ASSURED\] mark=0 use=1$"
lab_check "the closed tcp/ipv6 flow is listed too" \
	has "^tcp +6 [0-9]+ TIME_WAIT src=$LAB_C6 dst=$LAB_S6 sport=[0-9]+ dport=7002 "
lab_check "the udp flow is listed as replied" \
	has "^udp +17 [0-9]+ src=$LAB_C4 dst=$LAB_S4 sport=[0-9]+ dport=7003 src=$LAB_S4 dst=$LAB_C4 sport=7003 dport=[0-9]+ mark=0 use=1$"
lab_check "the echo request is listed with its reply type" \
	has "^icmp +1 [0-9]+ src=$LAB_C4 dst=$LAB_S4 type=8 code=0 id=[0-9]+ src=$LAB_S4 dst=$LAB_C4 type=0 code=0 id=[0-9]+ mark=0 use=1$"
lab_check "the count line matches" has "^conntrack: 4 flow entries have been shown\.$"

# A datagram to a closed port: the server's port unreachable quotes it.
related_before=$(ct_stat packets.related)
timeout 5 ip netns exec "$LAB_C" socat -T 1 - "UDP4:$LAB_S4:7999" <<<"anyone?" >/dev/null 2>&1 || true
sleep 0.3
lab_check_gt "the port unreachable about a live flow was RELATED" \
	"$(ct_stat packets.related)" "${related_before:-0}"

invalid_before=$(ct_stat invalid)
dropped_before=$(lab_stat total dropped)
rsts_before=$(server_rsts)
lab_check "a lone SYN/ACK is sent from the client" lone_synack
sleep 0.3
lab_check_gt "it was counted INVALID" "$(ct_stat invalid)" "$invalid_before"
lab_check_gt "and dropped" "$(lab_stat total dropped)" "$dropped_before"
lab_check_eq "the server never saw it (no RST from it)" "$rsts_before" "$(server_rsts)"
lab_check "the daemon logged the reason" grep -q "INVALID proto=6 $LAB_C4:45678 -> $LAB_S4:7100" "$LAB_DAEMON_LOG"
lab_check "nfqfwctl conntrack invalid shows it with its reason" \
	has_line "$(lab_ctl conntrack invalid)" "prerouting +tcp +$LAB_C4:45678 -> $LAB_S4:7100 dropped: .+"

lab_check "conntrack flush answers" lab_ctl conntrack flush
lab_check_eq "the table is empty after a flush" "conntrack: 0 flow entries have been shown." \
	"$(lab_ctl conntrack | tail -1)"
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon

lab_write_conf "$conf" queue.count=1 conntrack.invalid=accept
lab_start_daemon "$conf" || lab_bail "nfqfwd starts with conntrack.invalid = accept"
rsts_before=$(server_rsts)
lab_check "a lone SYN/ACK is sent again" lone_synack
sleep 0.3
lab_check_ge "with invalid = accept it is still counted INVALID" "$(ct_stat invalid)" 1
lab_check_gt "but reaches the server, which answers it with a RST" "$(server_rsts)" "$rsts_before"
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
