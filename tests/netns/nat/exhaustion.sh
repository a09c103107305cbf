#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A source NAT port range running out (issue 5): with `snat` to
# 198.51.100.1:40000-40001, exactly two concurrent connections from the LAN
# to one server port get through, on ports 40000 and 40001; the third is
# dropped (never given a clashing tuple, never forwarded untranslated) and
# nat_exhausted counts it; the range is for unique tuples, not unique
# ports: a connection to another server port still gets one of the two
# ports while both are in use.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/nat/nat-lib.sh
. "$(dirname "$0")/nat-lib.sh"

lab_init
lab_require_cmds ss python3 timeout tcpdump
lab_require_build
lab_up

WAN=$LAB_IF_GS
LOW=40000 HIGH=40001
nat_cut_server_routes

conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf" queue.count=2
cat >>"$conf" <<EOF
nat: {
	postrouting: {
		rules = (
			{ out = "$WAN"; proto = "tcp"; action = "snat"; to = "$LAB_GS4:$LOW-$HIGH"; } # SNAT_RANGE
		);
	};
};
EOF
sed 's/^/# | /' "$conf"

S7000=$LAB_TMP/s-7000.log S7001=$LAB_TMP/s-7001.log
nat_server "$LAB_S" tcp "$LAB_S4" 7000 "$S7000"
nat_server "$LAB_S" tcp "$LAB_S4" 7001 "$S7001"

lab_start_daemon "$conf" || lab_bail "nfqfwd starts with a snat port range"
lab_ok "nfqfwd starts with snat to $LAB_GS4:$LOW-$HIGH"

CAP=$LAB_TMP/server.pcap
nat_capture "$LAB_S" "$LAB_IF_S" "$CAP" -s 160 || lab_bail "tcpdump runs in the server"
st0=$LAB_TMP/stats.0.json st1=$LAB_TMP/stats.1.json
lab_snapshot "$st0"

# Three connections from the client's own ephemeral ports (outside the
# range, so none can simply keep its port), each held for 20 s.
lab_check "the first connection gets through" \
	nat_hold "$LAB_C" "$LAB_C4" 0 "$LAB_S4" 7000 20 "$LAB_TMP/hold-1.out"
sp1=$(nat_field sport)
lab_check "the second connection gets through" \
	nat_hold "$LAB_C" "$LAB_C4" 0 "$LAB_S4" 7000 20 "$LAB_TMP/hold-2.out"
sp2=$(nat_field sport)
nat_hold "$LAB_C" "$LAB_C4" 0 "$LAB_S4" 7000 20 "$LAB_TMP/hold-3.out" || true
sp3=$(nat_field sport)
lab_check_eq "the third connection gets no answer (its SYNs are dropped)" timeout "${NAT_LAST%% *}"

r1=$(nat_ct_reply proto=tcp src="$LAB_C4" sport="$sp1")
r2=$(nat_ct_reply proto=tcp src="$LAB_C4" sport="$sp2")
r3=$(nat_ct_reply proto=tcp src="$LAB_C4" sport="$sp3")
echo "#   reply tuples: $sp1 -> '$r1', $sp2 -> '$r2', $sp3 -> '$r3'"
got=$(printf '%s\n' "$(nat_field dport "$r1")" "$(nat_field dport "$r2")" | sort | tr '\n' ' ')
lab_check_eq "conntrack: the two connections hold ports $LOW and $HIGH" "$LOW $HIGH " "$got"
lab_check "conntrack: the first reply tuple names the snat address and the range" \
	nat_reply_to_port "$r1" "src=$LAB_S4 dst=$LAB_GS4 sport=7000" "$LOW" "$HIGH"
lab_check "conntrack: so does the second" \
	nat_reply_to_port "$r2" "src=$LAB_S4 dst=$LAB_GS4 sport=7000" "$LOW" "$HIGH"
lab_check_eq "conntrack: the dropped connection left no entry" "" "$r3"
lab_check_eq "the server saw exactly two connections" 2 "$(grep -c . "$S7000" || true)"
lab_check_eq "both from the snat address, on the range's ports" "$LAB_GS4 $LOW $LAB_GS4 $HIGH " \
	"$(nat_peers "$S7000" tcp | sort | tr '\n' ' ')"

lab_snapshot "$st1"
lab_check_ge "nat_exhausted counts the dropped SYNs" \
	"$(lab_snap_delta "$st0" "$st1" total nat_exhausted)" 1
lab_check_eq "nat_bound counts only the two bound connections" \
	2 "$(lab_snap_delta "$st0" "$st1" total nat_bound)"
lab_check_eq "nat_failed did not move" 0 "$(lab_snap_delta "$st0" "$st1" total nat_failed)"

# Another server port makes other tuples: the same two ports are free for it.
lab_check "while both are held, a connection to another server port gets through" \
	nat_echo "$LAB_C" tcp "$LAB_C4" 0 "$LAB_S4" 7001 4096
sp4=$(nat_field sport)
r4=$(nat_ct_reply proto=tcp src="$LAB_C4" sport="$sp4")
echo "#   reply tuple: $sp4 -> '$r4'"
lab_check "it uses a port of the range" \
	nat_reply_to_port "$r4" "src=$LAB_S4 dst=$LAB_GS4 sport=7001" "$LOW" "$HIGH"

nat_capture_stop
leaks=$(nat_capture_count "$CAP" src net 192.0.2.0/24)
lab_check_eq "no packet with a LAN source reached the server" 0 "$leaks"
[ "$leaks" = 0 ] || nat_capture_show "$CAP" src net 192.0.2.0/24
lab_check_eq "no SYN of the third connection reached the server" \
	0 "$(nat_capture_count "$CAP" "tcp[tcpflags] & tcp-syn != 0 and dst port 7000 and not src port $LOW and not src port $HIGH")"

lab_check "nfqfwd is still running" lab__alive "$LAB_DAEMON_PID"
lab_check "nfqfwd stops cleanly" lab_stop_daemon
lab_summary
