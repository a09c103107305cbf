#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Destination NAT end to end (issue 5): a server on the LAN client
# (192.0.2.2:80, [2001:db8:1::2]:80, udp/53) is published on the gateway's
# WAN address (tcp/8080, udp/5353). The WAN server, which has no route to the
# LAN, reaches it there (every byte checked) while the LAN server sees the
# WAN server's real address; `nfqfwctl conntrack` shows the translated reply
# tuples; a port that is not published does not reach the LAN; `redirect`
# sends tcp/2222 from the LAN to a listener of the gateway on port 9999; and
# hairpin NAT lets a LAN host reach the published service by the gateway's
# public address (with a masquerade on the LAN side so that the answer comes
# back through the gateway).
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/nat/nat-lib.sh
. "$(dirname "$0")/nat-lib.sh"

lab_init
lab_require_cmds ss python3 timeout tcpdump
lab_require_build
lab_up

LAN=$LAB_IF_GC
WAN=$LAB_IF_GS
HAIRPIN_SRC=192.0.2.11
nat_cut_server_routes
# A hairpinned packet leaves by the interface it came in by: no ICMP
# redirect may tell the client to go round the gateway.
lab_g sysctl -qw net.ipv4.conf.all.send_redirects=0 "net.ipv4.conf.$LAN.send_redirects=0"

conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf" queue.count=2
cat >>"$conf" <<EOF
nat: {
	prerouting: {
		rules = (
			{ in = "$WAN"; dst = "$LAB_GS4"; proto = "tcp"; dport = "8080"; action = "dnat"; to = "$LAB_C4:80"; }, # DNAT4
			{ in = "$WAN"; dst = "$LAB_GS6"; proto = "tcp"; dport = "8080"; action = "dnat"; to = "[$LAB_C6]:80"; }, # DNAT6
			{ in = "$WAN"; dst = "$LAB_GS4"; proto = "udp"; dport = "5353"; action = "dnat"; to = "$LAB_C4:53"; }, # DNAT_UDP
			{ in = "$LAN"; proto = "tcp"; dport = "2222"; action = "redirect"; to_ports = "9999"; }, # REDIRECT
			{ in = "$LAN"; dst = "$LAB_GS4"; proto = "tcp"; dport = "8080"; action = "dnat"; to = "$LAB_C4:80"; } # HAIRPIN_DNAT
		);
	};
	postrouting: {
		rules = (
			{ out = "$LAN"; src = "192.0.2.0/24"; dst = "$LAB_C4"; proto = "tcp"; dport = "80"; action = "masquerade"; } # HAIRPIN_MASQ
		);
	};
};
EOF
sed 's/^/# | /' "$conf"

# The published servers on the LAN, the redirect's listener on the gateway
# (any address: the redirect chooses the LAN interface's).
T4=$LAB_TMP/c-tcp4.log T6=$LAB_TMP/c-tcp6.log U4=$LAB_TMP/c-udp4.log
G4=$LAB_TMP/g-tcp4.log G6=$LAB_TMP/g-tcp6.log
nat_server "$LAB_C" tcp "$LAB_C4" 80 "$T4"
nat_server "$LAB_C" tcp "$LAB_C6" 80 "$T6"
nat_server "$LAB_C" udp "$LAB_C4" 53 "$U4"
nat_server "$LAB_G" tcp 0.0.0.0 9999 "$G4"
nat_server "$LAB_G" tcp :: 9999 "$G6"

status=0
lab_g "$LAB_NFQFWD" -t -c "$conf" >"$LAB_TMP/check.out" 2>&1 || status=$?
lab_check_eq "nfqfwd -t accepts the dnat, redirect and hairpin rules" 0 "$status"
sed 's/^/# -t: /' "$LAB_TMP/check.out"
lab_start_daemon "$conf" || lab_bail "nfqfwd starts with the nat group"
lab_ok "nfqfwd starts with dnat and redirect rules"

CAP=$LAB_TMP/server.pcap
nat_capture "$LAB_S" "$LAB_IF_S" "$CAP" -s 160 || lab_bail "tcpdump runs in the server"
st0=$LAB_TMP/stats.0.json st1=$LAB_TMP/stats.1.json
lab_snapshot "$st0"

# ---- the published service, from the WAN ----
lab_check "the WAN server reaches $LAB_GS4:8080 (published): 256 KiB echoed" \
	nat_echo "$LAB_S" tcp "$LAB_S4" 42000 "$LAB_GS4" 8080 262144
lab_check_eq "the LAN server saw the WAN server's real address and port" \
	1 "$(nat_peer_count "$T4" tcp "$LAB_S4" 42000)"
lab_check_eq "conntrack: the reply tuple comes from the LAN server" \
	"src=$LAB_C4 dst=$LAB_S4 sport=80 dport=42000" \
	"$(nat_ct_reply proto=tcp src="$LAB_S4" sport=42000)"

lab_check "over IPv6, [$LAB_GS6]:8080 is published too: 256 KiB echoed" \
	nat_echo "$LAB_S" tcp "$LAB_S6" 42001 "$LAB_GS6" 8080 262144
lab_check_eq "the LAN server saw the WAN server's real IPv6 address" \
	1 "$(nat_peer_count "$T6" tcp "$LAB_S6" 42001)"
lab_check_eq "conntrack: the IPv6 reply tuple comes from the LAN server" \
	"src=$LAB_C6 dst=$LAB_S6 sport=80 dport=42001" \
	"$(nat_ct_reply proto=tcp src="$LAB_S6" sport=42001)"

lab_check "UDP to $LAB_GS4:5353 reaches the LAN's port 53: a datagram echoed" \
	nat_echo "$LAB_S" udp "$LAB_S4" 42002 "$LAB_GS4" 5353 700
lab_check_eq "the LAN UDP server saw the WAN server's real address" \
	1 "$(nat_peer_count "$U4" udp "$LAB_S4" 42002)"
lab_check_eq "conntrack: the UDP reply tuple comes from the LAN server" \
	"src=$LAB_C4 dst=$LAB_S4 sport=53 dport=42002" \
	"$(nat_ct_reply proto=udp src="$LAB_S4" sport=42002)"

# ---- what is not published ----
before=$(grep -c . "$T4" || true)
lab_check_fails "tcp/80 of the gateway is not published: the WAN server gets nowhere" \
	nat_echo "$LAB_S" tcp "$LAB_S4" 42003 "$LAB_GS4" 80 64 2
lab_check_fails "tcp/8081 of the gateway is not published either" \
	nat_echo "$LAB_S" tcp "$LAB_S4" 42004 "$LAB_GS4" 8081 64 2
lab_check_fails "udp/53 of the gateway is not published (only 5353 is)" \
	nat_echo "$LAB_S" udp "$LAB_S4" 42005 "$LAB_GS4" 53 64 1
lab_check_eq "the LAN servers heard nothing of those" \
	"$before 1" "$(grep -c . "$T4" || true) $(grep -c . "$U4" || true)"
# Its entry, if it is still there (the gateway answered with a reset),
# has no translation towards the LAN.
# shellcheck disable=SC2317 # called through lab_check
gone_or_equal() { [ -z "$1" ] || [ "$1" = "$2" ]; }
reply=$(nat_ct_reply proto=tcp src="$LAB_S4" sport=42003)
echo "#   unpublished tcp/80 reply tuple: '$reply'"
lab_check "conntrack: the unpublished port was not translated to the LAN" \
	gone_or_equal "$reply" "src=$LAB_GS4 dst=$LAB_S4 sport=80 dport=42003"

# ---- redirect to a local port ----
lab_check "tcp/2222 from the LAN is redirected to the gateway's port 9999" \
	nat_echo "$LAB_C" tcp "$LAB_C4" 42010 "$LAB_S4" 2222 65536
lab_check_eq "the gateway's listener saw the client" \
	1 "$(nat_peer_count "$G4" tcp "$LAB_C4" 42010)"
lab_check_eq "conntrack: the reply tuple comes from the LAN interface's address, port 9999" \
	"src=$LAB_GC4 dst=$LAB_C4 sport=9999 dport=42010" \
	"$(nat_ct_reply proto=tcp src="$LAB_C4" sport=42010)"
lab_check "over IPv6 too" \
	nat_echo "$LAB_C" tcp "$LAB_C6" 42011 "$LAB_S6" 2222 65536
lab_check_eq "the gateway's IPv6 listener saw the client" \
	1 "$(nat_peer_count "$G6" tcp "$LAB_C6" 42011)"
lab_check_eq "conntrack: the IPv6 reply tuple comes from the LAN interface's address" \
	"src=$LAB_GC6 dst=$LAB_C6 sport=9999 dport=42011" \
	"$(nat_ct_reply proto=tcp src="$LAB_C6" sport=42011)"

# ---- hairpin: a LAN host uses the public address ----
lab_check "hairpin: $HAIRPIN_SRC reaches the published service at $LAB_GS4:8080" \
	nat_echo "$LAB_C" tcp "$HAIRPIN_SRC" 42020 "$LAB_GS4" 8080 65536
lab_check_eq "hairpin: the LAN server saw the gateway's LAN address (masquerade on the LAN)" \
	1 "$(nat_peer_count "$T4" tcp "$LAB_GC4" 42020)"
lab_check_eq "hairpin: the LAN server never saw the client's own address" \
	0 "$(nat_peer_count "$T4" tcp "$HAIRPIN_SRC")"
lab_check_eq "hairpin: conntrack shows both translations in the reply tuple" \
	"src=$LAB_C4 dst=$LAB_GC4 sport=80 dport=42020" \
	"$(nat_ct_reply proto=tcp src="$HAIRPIN_SRC" sport=42020)"

# ---- counters and what reached the WAN server ----
lab_snapshot "$st1"
# Bound: 3 published, 2 redirected, 1 hairpin (which may count once per
# translation; at least once).
lab_check_ge "nat_bound counts the translated connections" \
	"$(lab_snap_delta "$st0" "$st1" total nat_bound)" 6
lab_check_gt "nat_rewritten counts translated packets" \
	"$(lab_snap_delta "$st0" "$st1" total nat_rewritten)" 30
lab_check_eq "nat_failed did not move" 0 "$(lab_snap_delta "$st0" "$st1" total nat_failed)"

nat_capture_stop
leaks=$(nat_capture_count "$CAP" src net 192.0.2.0/24 or src net 2001:db8:1::/64)
lab_check_eq "no packet with a LAN source reached the WAN server" 0 "$leaks"
[ "$leaks" = 0 ] || nat_capture_show "$CAP" src net 192.0.2.0/24 or src net 2001:db8:1::/64
lab_check_eq "nothing sent to port 2222 reached the WAN server (redirected at the gateway)" \
	0 "$(nat_capture_count "$CAP" tcp port 2222)"

lab_check "nfqfwd is still running" lab__alive "$LAB_DAEMON_PID"
lab_check "nfqfwd stops cleanly" lab_stop_daemon
lab_summary
