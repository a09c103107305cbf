#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A realistic gateway policy with real clients (issue 4): the LAN reaches the
# WAN on tcp/80, tcp/443 and udp/53; the WAN reaches one published server on
# the LAN (tcp/8080 of the client); SSH to the gateway itself only from one
# admin host (a user chain); the gateway answers pings from the LAN only;
# everything else is rejected (from the LAN) or dropped (from the WAN), and
# an INVALID packet is dropped and logged by a rule. Every allowed path is
# tried and works, every forbidden one is tried and fails, over IPv4 and
# IPv6; the per-rule counters of `nfqfwctl -o json rules` grow by exactly the
# packets that were sent to them; `nfqfwd -t` accepts the file.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/rules/rules-lib.sh
. "$(dirname "$0")/rules-lib.sh"

lab_init
lab_require_cmds socat ss nft python3 timeout ping
lab_require_build
PY=$(lab_scapy_python) || lab_skip "needs python3 with scapy (python3-scapy)"
lab_up

LAN=$LAB_IF_GC
WAN=$LAB_IF_GS
ADMIN4=192.0.2.10
ADMIN6=2001:db8:1::10
OTHER4=192.0.2.11              # a LAN host that publishes nothing

conf="$LAB_TMP/nfqfw.conf"
# conntrack.invalid = accept: INVALID packets reach the rules, whose
# `ct_state = "invalid"` rule drops and logs them.
rl_conf "$conf" queue.count=2 conntrack.invalid=accept <<EOF
filter: {
	input: {
		policy = "drop";
		rules = (
			{ ct_state = "established,related"; action = "accept"; }, # IN_EST
			{ ct_state = "invalid"; action = "drop"; }, # IN_INVALID
			{ proto = "icmpv6"; icmpv6_type = "nd-neighbor-solicit"; action = "accept"; }, # IN_NS
			{ proto = "icmpv6"; icmpv6_type = "nd-neighbor-advert"; action = "accept"; }, # IN_NA
			{ in = "$LAN"; proto = "icmp"; icmp_type = "echo-request"; action = "accept"; }, # IN_PING4
			{ in = "$LAN"; proto = "icmpv6"; icmpv6_type = "echo-request"; action = "accept"; }, # IN_PING6
			{ in = "$LAN"; proto = "tcp"; dport = 22; jump = "admin_ssh"; } # IN_SSH
		);
	};
	admin_ssh: {
		rules = (
			{ src = "$ADMIN4"; ct_state = "new"; action = "accept"; }, # SSH4
			{ src = "$ADMIN6"; ct_state = "new"; action = "accept"; }, # SSH6
			{ proto = "tcp"; action = "reject"; reject_with = "tcp-reset"; } # SSH_REJ
		);
	};
	forward: {
		policy = "drop";
		rules = (
			{ ct_state = "established,related"; action = "accept"; }, # FW_EST
			{ ct_state = "invalid"; action = "drop"; log = "NQ-INVALID "; }, # FW_INVALID
			{ in = "$LAN"; out = "$WAN"; proto = "tcp"; dport = "80,443"; ct_state = "new"; action = "accept"; }, # FW_WEB
			{ in = "$LAN"; out = "$WAN"; proto = "udp"; dport = 53; ct_state = "new"; action = "accept"; }, # FW_DNS
			{ in = "$WAN"; out = "$LAN"; proto = "tcp"; dst = "$LAB_C4"; dport = 8080; ct_state = "new"; action = "accept"; }, # FW_PUB4
			{ in = "$WAN"; out = "$LAN"; proto = "tcp"; dst = "$LAB_C6"; dport = 8080; ct_state = "new"; action = "accept"; }, # FW_PUB6
			{ in = "$LAN"; proto = "tcp"; action = "reject"; reject_with = "tcp-reset"; }, # FW_REJ_TCP
			{ in = "$LAN"; action = "reject"; reject_with = "icmp-admin-prohibited"; } # FW_REJ_OTHER
		);
	};
	output: { policy = "accept"; };
};
EOF
sed 's/^/# | /' "$conf"

line() { rl_line "$conf" "$1"; }

# ping_once NS DST: one echo request, answered within 2 s.
# shellcheck disable=SC2317 # called through lab_check_fails
ping_once()
{
	timeout 5 ip netns exec "$1" ping -n -c 1 -W 2 "$2" >/dev/null 2>&1
}

check_out="$LAB_TMP/check.out"
status=0
lab_g "$LAB_NFQFWD" -t -c "$conf" >"$check_out" 2>&1 || status=$?
lab_check_eq "nfqfwd -t accepts the policy" 0 "$status"
lab_check_fails "nfqfwd -t has nothing to say about it (no error, no warning)" \
	grep -q "$conf:[0-9]*:" "$check_out"

lab_start_daemon "$conf" || lab_bail "nfqfwd starts with the policy"
lab_ok "nfqfwd starts with the gateway policy"

# The servers. Every forbidden port has a listener too, so that a failure
# can only come from the gateway.
for a in "$LAB_S4" "$LAB_S6"; do
	for p in 80 443 8081; do
		rl_server "$LAB_S" tcp "$a" "$p"
	done
	rl_server "$LAB_S" udp "$a" 53
	rl_server "$LAB_S" udp "$a" 123
done
for a in "$LAB_C4" "$LAB_C6"; do
	rl_server "$LAB_C" tcp "$a" 8080
	rl_server "$LAB_C" tcp "$a" 8081
	rl_server "$LAB_C" udp "$a" 53
done
rl_server "$LAB_C" tcp "$OTHER4" 8080
for a in "$LAB_GC4" "$LAB_GS4" "$LAB_GC6"; do
	rl_server "$LAB_G" tcp "$a" 22
done

lab_check "the rules listing names the forward chain and its policy" \
	grep -q "^chain forward (policy drop" <(lab_ctl rules)

s0="$LAB_TMP/rules.0.json"
s1="$LAB_TMP/rules.1.json"
rl_rules "$s0"

# ---- LAN -> WAN: the allowed services ----
for a in "$LAB_S4" "$LAB_S6"; do
	src=$LAB_C4
	lab__is_v6 "$a" && src=$LAB_C6
	for p in 80 443; do
		lab_check "LAN -> WAN tcp/$p to $a works" rl_try ok "$LAB_C" tcp "$src" "$a" "$p"
	done
	lab_check "LAN -> WAN udp/53 to $a works" rl_try ok "$LAB_C" udp "$src" "$a" 53
done
rl_rules "$s1"
rl_delta "FW_WEB counted one packet (the SYN) per connection: 4" "$s0" "$s1" forward "$(line FW_WEB)" 4
rl_delta "FW_DNS counted one packet per udp flow: 2" "$s0" "$s1" forward "$(line FW_DNS)" 2
lab_check_gt "FW_EST counted the rest of those flows" \
	"$(rl_rule_packets "$s1" forward "$(line FW_EST)")" "$(rl_rule_packets "$s0" forward "$(line FW_EST)")"

# ---- LAN -> WAN: everything else is rejected ----
cp "$s1" "$s0"
insegs=$(rl_snmp "$LAB_S" Tcp InSegs)
lab_check "LAN -> WAN tcp/8081 over IPv4 is refused (reset)" rl_try refused "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 8081
lab_check "LAN -> WAN tcp/8081 over IPv6 is refused (reset)" rl_try refused "$LAB_C" tcp "$LAB_C6" "$LAB_S6" 8081
lab_check_eq "the server saw no tcp segment of those attempts" "$insegs" "$(rl_snmp "$LAB_S" Tcp InSegs)"
udp_in=$(rl_snmp "$LAB_S" Udp InDatagrams)
lab_check "LAN -> WAN udp/123 over IPv4 gets ICMP admin prohibited (3/13)" \
	rl_try icmp "$LAB_C" udp "$LAB_C4" "$LAB_S4" 123
lab_check_eq "  of type 3 code 13" "3/13" "$(rl_field type)/$(rl_field code)"
lab_check "LAN -> WAN udp/123 over IPv6 gets ICMPv6 admin prohibited (1/1)" \
	rl_try icmp6 "$LAB_C" udp "$LAB_C6" "$LAB_S6" 123
lab_check_eq "  of type 1 code 1" "1/1" "$(rl_field type)/$(rl_field code)"
lab_check_eq "the server saw no udp datagram of those attempts" "$udp_in" "$(rl_snmp "$LAB_S" Udp InDatagrams)"
lab_check_fails "LAN -> WAN ping is not let through" ping_once "$LAB_C" "$LAB_S4"
rl_rules "$s1"
rl_delta "FW_REJ_TCP counted the two refused SYNs" "$s0" "$s1" forward "$(line FW_REJ_TCP)" 2
rl_delta "FW_REJ_OTHER counted two datagrams and one echo request" "$s0" "$s1" forward "$(line FW_REJ_OTHER)" 3
rl_delta "FW_WEB counted nothing more" "$s0" "$s1" forward "$(line FW_WEB)" 0

# ---- WAN -> LAN: the published server only ----
cp "$s1" "$s0"
lab_check "WAN -> published server tcp/8080 on $LAB_C4 works" rl_try ok "$LAB_S" tcp "$LAB_S4" "$LAB_C4" 8080
lab_check "WAN -> published server tcp/8080 on $LAB_C6 works" rl_try ok "$LAB_S" tcp "$LAB_S6" "$LAB_C6" 8080
rl_rules "$s1"
rl_delta "FW_PUB4 counted one SYN" "$s0" "$s1" forward "$(line FW_PUB4)" 1
rl_delta "FW_PUB6 counted one SYN" "$s0" "$s1" forward "$(line FW_PUB6)" 1
cp "$s1" "$s0"
lab_check "WAN -> tcp/8081 on the same host times out (dropped)" rl_try timeout "$LAB_S" tcp "$LAB_S4" "$LAB_C4" 8081
lab_check "WAN -> tcp/8080 on an unpublished host ($OTHER4) times out" rl_try timeout "$LAB_S" tcp "$LAB_S4" "$OTHER4" 8080
lab_check "WAN -> tcp/8081 over IPv6 times out" rl_try timeout "$LAB_S" tcp "$LAB_S6" "$LAB_C6" 8081
lab_check "WAN -> udp/53 on the LAN times out" rl_try timeout "$LAB_S" udp "$LAB_S4" "$LAB_C4" 53
rl_rules "$s1"
lab_check_ge "the forward policy dropped them (one SYN or datagram each at least)" \
	"$(( $(rl_policy_packets "$s1" forward) - $(rl_policy_packets "$s0" forward) ))" 4
rl_delta "FW_PUB4 counted nothing for them" "$s0" "$s1" forward "$(line FW_PUB4)" 0

# ---- the gateway itself: SSH from the admin host, ping from the LAN ----
cp "$s1" "$s0"
lab_check "SSH to the gateway from the admin host $ADMIN4 works" rl_try ok "$LAB_C" tcp "$ADMIN4" "$LAB_GC4" 22
lab_check "SSH to the gateway from the admin host $ADMIN6 works" rl_try ok "$LAB_C" tcp "$ADMIN6" "$LAB_GC6" 22
lab_check "SSH to the gateway from $LAB_C4 is refused (reset)" rl_try refused "$LAB_C" tcp "$LAB_C4" "$LAB_GC4" 22
lab_check "SSH to the gateway from $LAB_C6 is refused (reset)" rl_try refused "$LAB_C" tcp "$LAB_C6" "$LAB_GC6" 22
lab_check "SSH to the gateway from the WAN times out" rl_try timeout "$LAB_S" tcp "$LAB_S4" "$LAB_GS4" 22
lab_check "ping to the gateway from the LAN (IPv4) works" lab_ping "$LAB_C" "$LAB_GC4" "" 3
lab_check "ping to the gateway from the LAN (IPv6) works" lab_ping "$LAB_C" "$LAB_GC6" "" 3
lab_check "ping to the gateway's WAN address from the LAN works" lab_ping "$LAB_C" "$LAB_GS4" "" 2
lab_check_fails "ping to the gateway from the WAN fails" ping_once "$LAB_S" "$LAB_GS4"
rl_rules "$s1"
rl_delta "SSH4 (user chain) counted one SYN" "$s0" "$s1" admin_ssh "$(line SSH4)" 1
rl_delta "SSH6 (user chain) counted one SYN" "$s0" "$s1" admin_ssh "$(line SSH6)" 1
rl_delta "SSH_REJ counted the two refused SYNs" "$s0" "$s1" admin_ssh "$(line SSH_REJ)" 2
rl_delta "IN_SSH jumped with the four LAN SYNs" "$s0" "$s1" input "$(line IN_SSH)" 4
rl_delta "IN_PING4 counted the first echo request of each of the two pings (the rest are ESTABLISHED)" "$s0" "$s1" input "$(line IN_PING4)" 2
rl_delta "IN_PING6 counted the first echo request of the ping" "$s0" "$s1" input "$(line IN_PING6)" 1
lab_check_ge "the input policy dropped the WAN's SYN and echo request" \
	"$(( $(rl_policy_packets "$s1" input) - $(rl_policy_packets "$s0" input) ))" 2

# ---- an INVALID packet: a SYN/ACK nobody asked for ----
cp "$s1" "$s0"
insegs=$(rl_snmp "$LAB_S" Tcp InSegs)
lab_check "a lone SYN/ACK is sent from the LAN" timeout 10 ip netns exec "$LAB_C" "$PY" - "$LAB_S4" <<'PY'
import sys
from scapy.all import IP, TCP, send
send(IP(dst=sys.argv[1]) / TCP(sport=45678, dport=80, flags="SA", seq=1, ack=1),
     verbose=False)
PY
sleep 0.3
rl_rules "$s1"
rl_delta "FW_INVALID counted it" "$s0" "$s1" forward "$(line FW_INVALID)" 1
lab_check_eq "the server never saw it" "$insegs" "$(rl_snmp "$LAB_S" Tcp InSegs)"
lab_check "it was logged with the rule's prefix" grep -qE \
	"NQ-INVALID IN=$LAN OUT=$WAN SRC=$LAB_C4 DST=$LAB_S4 .*PROTO=TCP SPT=45678 DPT=80 .*ACK SYN" \
	"$LAB_DAEMON_LOG"

# ---- established packets need no second queue trip ----
# The forward chain starts with `ct_state = "established,related"; accept`:
# once a connection has been through the forward chain, its ESTABLISHED
# packets are accepted (and counted on that rule) at prerouting already.
cp "$s1" "$s0"
lab_snapshot "$LAB_TMP/st0.json"
head -c 2000000 /dev/urandom >"$LAB_TMP/big.in"
lab_check "2 MB echoed through tcp/80 from the LAN" \
	lab_echo "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 80 "$LAB_TMP/big.in" "$LAB_TMP/big.out"
lab_snapshot "$LAB_TMP/st1.json"
rl_rules "$s1"
pre=$(lab_snap_delta "$LAB_TMP/st0.json" "$LAB_TMP/st1.json" total by_hook.prerouting)
fwd=$(lab_snap_delta "$LAB_TMP/st0.json" "$LAB_TMP/st1.json" total by_hook.forward)
est=$(( $(rl_rule_packets "$s1" forward "$(line FW_EST)") - $(rl_rule_packets "$s0" forward "$(line FW_EST)") ))
lab_note "the transfer: $pre packets at prerouting, $fwd came back at forward, FW_EST counted $est"
lab_check_gt "the transfer crossed prerouting in many packets" "$pre" 20
lab_check "only the connection's first packet came back at forward (at most 2 of $pre)" \
	test "$fwd" -le 2
lab_check_eq "FW_EST counted every other packet of it" "$est" "$(( pre - fwd ))"

# ---- the totals ----
lab_check_gt "stats: filter_accepted counted" "$(rl_stat filter_accepted)" 0
lab_check_gt "stats: filter_dropped counted" "$(rl_stat filter_dropped)" 0
lab_check_ge "stats: filter_rejected counted every reject (4 resets, 3 ICMP)" "$(rl_stat filter_rejected)" 7
lab_check_ge "stats: rejects_sent counted them" "$(rl_stat rejects_sent)" 7
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
