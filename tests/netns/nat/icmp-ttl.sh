#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ICMP errors from beyond the gateway reach a masqueraded client (issue 5):
# the server's namespace is made a router towards 203.0.113.0/24 and
# 2001:db8:3::/64, and a ping with a hop limit of 2 from the client expires
# there. The router's time-exceeded goes to the gateway's WAN address; only
# if nfqfwd translates it (outer destination and the quoted packet's
# source and echo id) does the client's ping see it, as traceroute and
# path MTU discovery need. The same with a UDP probe (traceroute's way).
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/nat/nat-lib.sh
. "$(dirname "$0")/nat-lib.sh"

lab_init
lab_require_cmds ping python3
lab_require_build
lab_up
nat_cut_server_routes

# S routes on to a network of its own (a veth pair inside S).
ip -n "$LAB_S" link add "nq$$-x0" type veth peer name "nq$$-x1"
ip -n "$LAB_S" addr add 203.0.113.1/24 dev "nq$$-x0"
ip -n "$LAB_S" addr add 2001:db8:3::1/64 dev "nq$$-x0" nodad
ip -n "$LAB_S" link set "nq$$-x0" up
ip -n "$LAB_S" link set "nq$$-x1" up
lab_s sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
# The lab's gateway routes 203.0.113.0/24 and 2001:db8:3::/64 via S.
ip -n "$LAB_G" route add 203.0.113.0/24 via "$LAB_S4"
ip -n "$LAB_G" -6 route add 2001:db8:3::/64 via "$LAB_S6"

conf="$LAB_TMP/nfqfw.conf"
lab_write_conf "$conf"
cat >>"$conf" <<EOF2
nat: { postrouting: { rules = ( { out = "$LAB_IF_GS"; action = "masquerade"; } ); }; };
EOF2

lab_check_fails "without translation the router's error cannot reach the client" \
	sh -c "ip netns exec '$LAB_C' ping -c 1 -t 2 -W 2 203.0.113.5 | grep -q 'Time to live exceeded'"

lab_start_daemon "$conf" || lab_bail "nfqfwd starts"
lab_ok "nfqfwd starts with a masquerade"

for fam in 4 6; do
	if [ "$fam" = 4 ]; then dst=203.0.113.5 router=$LAB_S4; else dst=2001:db8:3::5 router=$LAB_S6; fi
	out=$(ip netns exec "$LAB_C" ping -"$fam" -c 1 -t 2 -W 3 "$dst" 2>&1 || true)
	echo "$out" | sed 's/^/#   /'
	lab_check "IPv$fam: ping with hop limit 2 gets time exceeded from the router $router" \
		grep -qE "From $router.*(Time to live exceeded|Time exceeded: Hop limit)" <<<"$out"
done

# traceroute's way: a UDP probe with TTL 2; the error must come back to the
# very socket that sent it (its port and address restored in the quote).
lab_check "a UDP probe with TTL 2 gets the ICMP time exceeded on its own socket" \
	timeout 10 ip netns exec "$LAB_C" python3 - <<'PY'
import select, socket, struct, sys
IP_RECVERR = 11   # linux/in.h; not exported by Python's socket module
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 2)
s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
s.settimeout(3)
s.sendto(b"probe", ("203.0.113.5", 33434))
r, _, _ = select.select([s], [], [], 3)
if not r:
    sys.exit(1)
try:
    s.recvfrom(100)
except OSError:
    pass
data, anc, flags, addr = s.recvmsg(100, 512, socket.MSG_ERRQUEUE)
for level, kind, payload in anc:
    if level == socket.IPPROTO_IP and kind == IP_RECVERR:
        errno_, origin, icmp_type, icmp_code = struct.unpack("IBBB", payload[:7])
        print("# error queue: origin", origin, "type", icmp_type, "code", icmp_code)
        sys.exit(0 if (origin, icmp_type) == (2, 11) else 1)
sys.exit(1)
PY

lab_check_gt "nat_rewritten counted the translated errors" "$(lab_stat total nat_rewritten)" 3
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
