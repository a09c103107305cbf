#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Source NAT end to end (issue 5): the server has no route back to the LAN,
# so a LAN client reaches it only if the gateway translates. Through
# `masquerade` on the WAN interface the client reaches the server over TCP
# (every byte checked), UDP and ping, IPv4 and IPv6, and the server sees the
# gateway's WAN address with the client's own port (kept when free); one
# source is given another WAN address with `snat`; two clients using the same
# source port towards the same server both work, the second on another port;
# ICMP errors and resets about a masqueraded flow come back to the client;
# `nfqfwctl conntrack` shows every binding in the reply tuple; the NAT
# counters grow; an INVALID packet of a masqueraded connection (far outside
# the window) is dropped and counted, never forwarded untranslated; 20 MB
# cross the gateway each way (iperf3) with no checksum error at either end.
# A capture on the server proves that no packet with a LAN source reached it.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/nat/nat-lib.sh
. "$(dirname "$0")/nat-lib.sh"
# shellcheck source=tests/netns/rules/rules-lib.sh
. "$(dirname "$0")/../rules/rules-lib.sh"

lab_init
lab_require_cmds socat ss python3 timeout ping tcpdump iperf3
lab_require_build
PY=$(lab_scapy_python) || lab_skip "needs python3 with scapy (python3-scapy)"
lab_up

WAN=$LAB_IF_GS
SNAT_SRC=192.0.2.10            # the one source given its own address
SNAT_TO=198.51.100.3           # a second address of the gateway's WAN side
ip -n "$LAB_G" addr add "$SNAT_TO/24" dev "$WAN"
nat_cut_server_routes
sport_seen() { nat_peer_count "$1" "$2" "$3" "$4"; }

conf="$LAB_TMP/nfqfw.conf"
# conntrack.invalid = accept: the filter would let an INVALID packet
# through, so only the NAT rule (never forward one untranslated) stops it.
rl_conf "$conf" queue.count=2 conntrack.invalid=accept <<EOF
nat: {
	postrouting: {
		rules = (
			{ out = "$WAN"; src = "$SNAT_SRC"; action = "snat"; to = "$SNAT_TO"; }, # SNAT
			{ out = "$WAN"; action = "masquerade"; } # MASQ
		);
	};
};
EOF
sed 's/^/# | /' "$conf"

# The servers, each logging its peers, before the daemon runs.
T4=$LAB_TMP/s-tcp4.log U4=$LAB_TMP/s-udp4.log
T6=$LAB_TMP/s-tcp6.log U6=$LAB_TMP/s-udp6.log
nat_server "$LAB_S" tcp "$LAB_S4" 7000 "$T4"
nat_server "$LAB_S" udp "$LAB_S4" 7001 "$U4"
nat_server "$LAB_S" tcp "$LAB_S6" 7000 "$T6"
nat_server "$LAB_S" udp "$LAB_S6" 7001 "$U6"

# ---- the lab's shape: without the gateway translating, nothing works ----
lab_check_fails "without NAT the client cannot reach the server (no route back)" \
	nat_echo "$LAB_C" tcp "$LAB_C4" 0 "$LAB_S4" 7000 64 2
lab_check_fails "without NAT the client cannot reach the server over IPv6 either" \
	nat_echo "$LAB_C" tcp "$LAB_C6" 0 "$LAB_S6" 7000 64 2
: >"$T4"
: >"$T6"

status=0
lab_g "$LAB_NFQFWD" -t -c "$conf" >"$LAB_TMP/check.out" 2>&1 || status=$?
lab_check_eq "nfqfwd -t accepts the nat group" 0 "$status"
sed 's/^/# -t: /' "$LAB_TMP/check.out"
lab_start_daemon "$conf" || lab_bail "nfqfwd starts with the nat group"
lab_ok "nfqfwd starts with masquerade and snat rules"

# Everything reaching the server from now on, headers and a little payload.
CAP=$LAB_TMP/server.pcap
nat_capture "$LAB_S" "$LAB_IF_S" "$CAP" -s 160 || lab_bail "tcpdump runs in the server"

st0=$LAB_TMP/stats.0.json st1=$LAB_TMP/stats.1.json
lab_snapshot "$st0"

# ---- masquerade, IPv4 ----
lab_check "TCP through masquerade: 256 KiB echoed byte for byte" \
	nat_echo "$LAB_C" tcp "$LAB_C4" 41000 "$LAB_S4" 7000 262144
lab_check_eq "the TCP server saw the gateway's address with the client's port" \
	1 "$(sport_seen "$T4" tcp "$LAB_GS4" 41000)"
lab_check_eq "the TCP server never saw the client's address" \
	0 "$(nat_peer_count "$T4" tcp "$LAB_C4")"
lab_check_eq "conntrack: the reply tuple of the TCP connection is translated, port kept" \
	"src=$LAB_S4 dst=$LAB_GS4 sport=7000 dport=41000" \
	"$(nat_ct_reply proto=tcp src="$LAB_C4" sport=41000)"

lab_check "UDP through masquerade: a datagram echoed" \
	nat_echo "$LAB_C" udp "$LAB_C4" 41001 "$LAB_S4" 7001 1200
lab_check_eq "the UDP server saw the gateway's address with the client's port" \
	1 "$(sport_seen "$U4" udp "$LAB_GS4" 41001)"
lab_check_eq "conntrack: the reply tuple of the UDP flow is translated" \
	"src=$LAB_S4 dst=$LAB_GS4 sport=7001 dport=41001" \
	"$(nat_ct_reply proto=udp src="$LAB_C4" sport=41001)"

lab_check "ping through masquerade: every echo request answered" \
	lab_ping "$LAB_C" "$LAB_S4" "$LAB_C4"
reply=$(nat_ct_reply proto=icmp src="$LAB_C4")
echo "#   icmp reply tuple: $reply"
lab_check "conntrack: the reply tuple of the ping is translated" \
	grep -qE "^src=$LAB_S4 dst=$LAB_GS4 type=0 code=0 id=[0-9]+$" <<<"$reply"

# ---- masquerade, IPv6 ----
lab_check "TCP over IPv6 through masquerade: 256 KiB echoed byte for byte" \
	nat_echo "$LAB_C" tcp "$LAB_C6" 41002 "$LAB_S6" 7000 262144
lab_check_eq "the IPv6 TCP server saw the gateway's address with the client's port" \
	1 "$(sport_seen "$T6" tcp "$LAB_GS6" 41002)"
lab_check_eq "conntrack: the reply tuple of the IPv6 TCP connection is translated" \
	"src=$LAB_S6 dst=$LAB_GS6 sport=7000 dport=41002" \
	"$(nat_ct_reply proto=tcp src="$LAB_C6" sport=41002)"
lab_check "UDP over IPv6 through masquerade: a datagram echoed" \
	nat_echo "$LAB_C" udp "$LAB_C6" 41003 "$LAB_S6" 7001 1200
lab_check_eq "the IPv6 UDP server saw the gateway's address with the client's port" \
	1 "$(sport_seen "$U6" udp "$LAB_GS6" 41003)"
lab_check "ping over IPv6 through masquerade: every echo request answered" \
	lab_ping "$LAB_C" "$LAB_S6" "$LAB_C6"
reply=$(nat_ct_reply proto=icmpv6 src="$LAB_C6")
echo "#   icmpv6 reply tuple: $reply"
lab_check "conntrack: the reply tuple of the IPv6 ping is translated" \
	grep -qE "^src=$LAB_S6 dst=$LAB_GS6 type=129 code=0 id=[0-9]+$" <<<"$reply"

# ---- errors about a masqueraded flow come back translated ----
# The server answers a closed port with an ICMP error addressed to the
# gateway and quoting the translated datagram: the client sees it (as a
# socket error) only if the outer and the quoted headers are translated back.
lab_check "an ICMP port unreachable from the server reaches the client" \
	rl_try icmp "$LAB_C" udp "$LAB_C4" "$LAB_S4" 7999 3
lab_check_eq "it is the server's port unreachable (type 3 code 3, from $LAB_S4)" \
	"3 3 $LAB_S4" "$(rl_field type) $(rl_field code) $(rl_field from)"
lab_check "an ICMPv6 port unreachable from the server reaches the client" \
	rl_try icmp6 "$LAB_C" udp "$LAB_C6" "$LAB_S6" 7999 3
lab_check_eq "it is the server's port unreachable (type 1 code 4, from $LAB_S6)" \
	"1 4 $LAB_S6" "$(rl_field type) $(rl_field code) $(rl_field from)"
lab_check "a TCP reset from the server reaches the client (connection refused)" \
	rl_try refused "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7999 3

# ---- snat to an explicit address for one source ----
lab_check "TCP from $SNAT_SRC through snat: 64 KiB echoed" \
	nat_echo "$LAB_C" tcp "$SNAT_SRC" 41004 "$LAB_S4" 7000 65536
lab_check_eq "the server saw the snat address $SNAT_TO, not the masquerade one" \
	1 "$(sport_seen "$T4" tcp "$SNAT_TO" 41004)"
lab_check_eq "conntrack: the reply tuple names the snat address" \
	"src=$LAB_S4 dst=$SNAT_TO sport=7000 dport=41004" \
	"$(nat_ct_reply proto=tcp src="$SNAT_SRC" sport=41004)"
lab_check "UDP from $SNAT_SRC through snat: a datagram echoed" \
	nat_echo "$LAB_C" udp "$SNAT_SRC" 41005 "$LAB_S4" 7001 300
lab_check_eq "the UDP server saw the snat address" \
	1 "$(sport_seen "$U4" udp "$SNAT_TO" 41005)"

# ---- two clients, one source port, one server: the second is moved ----
A=192.0.2.11 B=192.0.2.12 SAME=41010
lab_check "a connection from $A:$SAME is held open" \
	nat_hold "$LAB_C" "$A" "$SAME" "$LAB_S4" 7000 20 "$LAB_TMP/hold-a.out"
lab_check "a connection from $B:$SAME (same port, same server) works too" \
	nat_hold "$LAB_C" "$B" "$SAME" "$LAB_S4" 7000 20 "$LAB_TMP/hold-b.out"
ra=$(nat_ct_reply proto=tcp src="$A" sport="$SAME")
rb=$(nat_ct_reply proto=tcp src="$B" sport="$SAME")
echo "#   reply tuples: $A -> '$ra', $B -> '$rb'"
lab_check_eq "the first keeps its port" "src=$LAB_S4 dst=$LAB_GS4 sport=7000 dport=$SAME" "$ra"
pa=$(nat_field dport "$ra")
pb=$(nat_field dport "$rb")
lab_check "the second's reply tuple has the gateway's address" \
	nat_reply_to_port "$rb" "src=$LAB_S4 dst=$LAB_GS4 sport=7000" any
lab_check_fails "the second's reply tuple has another port ($pb, the first $pa)" \
	test "$pa" = "$pb"
lab_check_eq "the server saw both, from the gateway's address" \
	"2" "$(awk -v a="$LAB_GS4" -v p1="$pa" -v p2="$pb" \
		'$1 == "tcp" && $2 == a && ($3 == p1 || $3 == p2) { n++ } END { print n + 0 }' "$T4")"

# ---- an INVALID packet of a masqueraded connection ----
# The held client reads its commands from a fifo that stays open here.
HOLD_OUT=$LAB_TMP/hold-inv.out HOLD_IN=$LAB_TMP/hold-inv.in
mkfifo "$HOLD_IN"
# Opened read-write first: opening either end alone would wait for the other.
exec {hold_fd}<>"$HOLD_IN"
# Not lab_bg: the redirection must be on the background command itself,
# or bash gives it /dev/null for input.
ip netns exec "$LAB_C" python3 "$NAT_PROBE" hold "$LAB_C4" 41020 "$LAB_S4" 7000 30 \
	<"$HOLD_IN" >"$HOLD_OUT" 2>&1 &
hold_pid=$!
LAB_PIDS+=("$hold_pid")
# A command to the held client; a subshell ignoring SIGPIPE, so that a
# client already gone makes a failed write, not the end of this script.
hold_send() { ( trap '' PIPE; echo "$1" >&"$hold_fd" ) 2>/dev/null || true; }
hold_line=$(nat_wait_line "$HOLD_OUT" 1)
echo "#   hold $LAB_C4:41020 -> $hold_line"
lab_check "a masqueraded connection is held open for the INVALID test" \
	nat_outcome_is ok "$hold_line"
seq=$(nat_field seq "$hold_line")
ack=$(nat_field ack "$hold_line")
inv0=$(nat_stat nat_invalid)
lab_is_int "$seq" || seq=0
lab_is_int "$ack" || ack=0
# Half the sequence space away from what the client sends next: far
# outside any window. Three copies, so that a single loss proves nothing.
timeout 20 ip netns exec "$LAB_C" "$PY" - "$LAB_C4" "$LAB_S4" 41020 7000 "$seq" "$ack" <<'PYEOF' ||
import sys
from scapy.all import IP, TCP, Raw, send
src, dst, sport, dport, seq, ack = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
pkt = IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags="PA",
                                 seq=(seq + 0x80000000) & 0xffffffff, ack=ack,
                                 window=502) / Raw(b"NFQFW-INVALID-LEAK")
send(pkt, count=3, inter=0.1, verbose=False)
PYEOF
	lab_not_ok "scapy sends the INVALID segment"
sleep 1
inv1=$(nat_stat nat_invalid)
if lab_is_int "$inv0" && lab_is_int "$inv1"; then
	lab_check_ge "nat_invalid counts the out-of-window segments" "$((inv1 - inv0))" 3
else
	lab_not_ok "nat_invalid is in the stats (got '$inv0' then '$inv1')"
fi
hold_echo=
if [ "${hold_line%% *}" = ok ]; then
	hold_send echo
	hold_echo=$(nat_wait_line "$HOLD_OUT" 2)
fi
lab_check_eq "the masqueraded connection still works after the INVALID packets" ok "$hold_echo"
hold_send close
exec {hold_fd}>&-
wait "$hold_pid" 2>/dev/null || true

# ---- counters ----
lab_snapshot "$st1"
# Connections bound: TCP, UDP and ping over IPv4 and IPv6 (6), the three
# to a closed port (3), snat TCP and UDP (2), the two same-port ones and
# the held one (3).
lab_check_ge "nat_bound counts every translated connection" \
	"$(lab_snap_delta "$st0" "$st1" total nat_bound)" 14
# Packets rewritten, at the least: 4 of each of the 6 TCP connections
# (SYN, SYN-ACK, data, echo), 2 of each of the 4 UDP flows, 6 of each ping.
lab_check_ge "nat_rewritten counts the translated packets of both directions" \
	"$(lab_snap_delta "$st0" "$st1" total nat_rewritten)" 44
lab_check_eq "nat_exhausted did not move" 0 "$(lab_snap_delta "$st0" "$st1" total nat_exhausted)"
lab_check_eq "nat_failed did not move" 0 "$(lab_snap_delta "$st0" "$st1" total nat_failed)"

# ---- a large transfer each way (GSO, partial checksums) ----
csum_c0=$(rl_snmp "$LAB_C" Tcp InCsumErrors)
csum_s0=$(rl_snmp "$LAB_S" Tcp InCsumErrors)
for dir in upload download; do
	rev=()
	[ "$dir" = download ] && rev=(-R)
	srv_json=$LAB_TMP/iperf-s-$dir.json cli_json=$LAB_TMP/iperf-c-$dir.json
	lab_bg "$LAB_S" iperf3 -s -1 -B "$LAB_S4" -p 5201 -J --logfile "$srv_json"
	srv_pid=$LAB_BG_PID
	lab_wait_listen "$LAB_S" tcp 5201 || true
	status=0
	timeout 60 ip netns exec "$LAB_C" iperf3 -c "$LAB_S4" -B "$LAB_C4" -p 5201 \
		-n 20M "${rev[@]}" -J >"$cli_json" 2>&1 || status=$?
	lab_check_eq "iperf3 $dir of 20 MB through masquerade completes" 0 "$status"
	# (What iperf3 reports as received stops at the end of the test, with
	# data still in flight: the byte-exact check is the echo below.)
	got=$(lab_json 'j["end"]["sum_sent"]["bytes"]' "$cli_json" 2>/dev/null || echo none)
	lab_check_ge "iperf3 $dir: all 20 MB were sent" "$got" 20971520
	wait "$srv_pid" 2>/dev/null || true
	peer=$(lab_json 'j["start"]["connected"][0]["remote_host"]' "$srv_json" 2>/dev/null || echo none)
	lab_check_eq "iperf3 $dir: the server's peer is the gateway" "$LAB_GS4" "$peer"
done
lab_check "20 MiB echoed byte for byte through masquerade (both directions at once)" \
	nat_echo "$LAB_C" tcp "$LAB_C4" 41030 "$LAB_S4" 7000 20971520 10
lab_check_eq "no TCP checksum error in the client" "$csum_c0" "$(rl_snmp "$LAB_C" Tcp InCsumErrors)"
lab_check_eq "no TCP checksum error in the server" "$csum_s0" "$(rl_snmp "$LAB_S" Tcp InCsumErrors)"

# ---- what reached the server ----
nat_capture_stop
lab_check_gt "the capture in the server saw the traffic" "$(nat_capture_count "$CAP")" 100
leaks=$(nat_capture_count "$CAP" src net 192.0.2.0/24 or src net 2001:db8:1::/64)
lab_check_eq "no packet with a LAN source reached the server" 0 "$leaks"
[ "$leaks" = 0 ] || nat_capture_show "$CAP" src net 192.0.2.0/24 or src net 2001:db8:1::/64
marker=$(tcpdump -n -A -r "$CAP" 2>/dev/null | grep -c NFQFW-INVALID-LEAK || true)
lab_check_eq "the INVALID segments did not reach the server at all" 0 "$marker"

lab_check "nfqfwd is still running" lab__alive "$LAB_DAEMON_PID"
lab_check "nfqfwd stops cleanly" lab_stop_daemon
lab_summary
