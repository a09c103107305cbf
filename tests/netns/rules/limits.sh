#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The stateful matches in a running gateway (issue 4): `connlimit` refuses a
# source's connection over its limit of concurrent connections while another
# source still connects, and lets the first source in again once its
# connections are closed; `limit` with `limit_per = "src"` gives every
# source its own bucket: one source is cut off after its burst while another
# still gets through.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/rules/rules-lib.sh
. "$(dirname "$0")/rules-lib.sh"

lab_init
lab_require_cmds socat ss python3 timeout
lab_require_build
lab_up

LAN=$LAB_IF_GC
CONNS=2
BURST=3
conf="$LAB_TMP/nfqfw.conf"
rl_conf "$conf" queue.count=2 <<EOF
filter: {
	forward: {
		policy = "accept";
		rules = (
			{ in = "$LAN"; proto = "tcp"; dport = 7020; ct_state = "new"; connlimit = "over $CONNS"; connlimit_per = "src"; action = "reject"; reject_with = "tcp-reset"; }, # R_CONNLIMIT
			{ in = "$LAN"; proto = "udp"; dport = 7021; limit = "1/minute burst $BURST"; limit_per = "src"; action = "accept"; }, # R_LIMIT
			{ in = "$LAN"; proto = "udp"; dport = 7021; action = "drop"; } # R_OVER
		);
	};
};
EOF
sed 's/^/# | /' "$conf"
line() { rl_line "$conf" "$1"; }

status=0
lab_g "$LAB_NFQFWD" -t -c "$conf" >"$LAB_TMP/check.out" 2>&1 || status=$?
lab_check_eq "nfqfwd -t accepts connlimit and limit rules" 0 "$status"
lab_start_daemon "$conf" || lab_bail "nfqfwd starts with connlimit and limit rules"
lab_ok "nfqfwd starts with connlimit and limit rules"
rl_server "$LAB_S" tcp "$LAB_S4" 7020
rl_server "$LAB_S" udp "$LAB_S4" 7021

# ---- connlimit ----
# CONNS connections from the client's main address, held open until the
# file $LAB_TMP/release appears (at most 20 s).
hold="$LAB_TMP/held"
timeout 30 ip netns exec "$LAB_C" python3 - "$LAB_C4" "$LAB_S4" 7020 "$CONNS" \
	"$LAB_TMP/release" >"$hold" 2>&1 <<'PY' &
import os, socket, sys, time
src, dst, port, n, release = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
socks = []
for _ in range(n):
    s = socket.create_connection((dst, port), timeout=3, source_address=(src, 0))
    s.sendall(b"x")
    s.recv(1)
    socks.append(s)
print("held", len(socks), flush=True)
deadline = time.monotonic() + 20
while not os.path.exists(release) and time.monotonic() < deadline:
    time.sleep(0.05)
for s in socks:
    s.close()
print("closed", flush=True)
PY
holder=$!
LAB_PIDS+=("$holder")
for ((i = 0; i < 50; i++)); do
	grep -q "^held" "$hold" && break
	sleep 0.1
done
lab_check "$CONNS connections from $LAB_C4 are open" grep -q "^held $CONNS\$" "$hold"
lab_check "one more from $LAB_C4 is refused (over the limit)" \
	rl_try refused "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7020
lab_check "one from 192.0.2.10 (another source) still works" \
	rl_try ok "$LAB_C" tcp 192.0.2.10 "$LAB_S4" 7020
touch "$LAB_TMP/release"
wait "$holder" || true
sleep 0.5
# The kernel's nf_conncount no longer counts a TCP connection in TIME_WAIT
# or CLOSE; these are what the daemon's table holds now.
lab_ctl conntrack list dport=7020 2>&1 | sed 's/^/# /'
lab_check "once they are closed, $LAB_C4 connects again" \
	rl_try ok "$LAB_C" tcp "$LAB_C4" "$LAB_S4" 7020
rl_rules "$LAB_TMP/rules.json"
lab_check_eq "R_CONNLIMIT matched only the one refused connection" 1 \
	"$(rl_rule_packets "$LAB_TMP/rules.json" forward "$(line R_CONNLIMIT)")"

# ---- limit per source ----
for ((i = 1; i <= BURST; i++)); do
	lab_check "$LAB_C4: datagram $i of the burst of $BURST passes" \
		rl_try ok "$LAB_C" udp "$LAB_C4" "$LAB_S4" 7021 1
done
lab_check "$LAB_C4: the next one is over its limit (dropped)" \
	rl_try timeout "$LAB_C" udp "$LAB_C4" "$LAB_S4" 7021 1
lab_check "192.0.2.10 has a bucket of its own: it passes" \
	rl_try ok "$LAB_C" udp 192.0.2.10 "$LAB_S4" 7021 1
rl_rules "$LAB_TMP/rules.json"
lab_check_eq "R_LIMIT let $BURST + 1 datagrams through" $((BURST + 1)) \
	"$(rl_rule_packets "$LAB_TMP/rules.json" forward "$(line R_LIMIT)")"
lab_check_eq "R_OVER dropped one" 1 "$(rl_rule_packets "$LAB_TMP/rules.json" forward "$(line R_OVER)")"
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
