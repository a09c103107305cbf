# SPDX-License-Identifier: GPL-2.0-or-later
# What the filter rule tests share on top of tests/netns/lib.sh: client
# attempts that report what the client saw (probe.py), echo servers bound to
# one address, the per-rule counters of `nfqfwctl -o json rules` found by the
# line of the configuration a rule is on, and the kernel's own counters of a
# namespace. Sourced after lib.sh, never run.
#
# shellcheck shell=bash

RL_PROBE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/probe.py"

# rl_probe NS tcp|udp SRC DST PORT [TIMEOUT]: one attempt (probe.py); prints
# its line ("ok 0.002 sport=40000", "timeout 2.001 sport=...", ...).
rl_probe()
{
	local ns=$1
	shift
	timeout 15 ip netns exec "$ns" python3 "$RL_PROBE" "$@" 2>&1 || echo "error 0 probe-failed"
}

# rl_try EXPECTED NS tcp|udp SRC DST PORT [TIMEOUT]: makes the attempt and
# succeeds if its outcome (the first word) is EXPECTED. The whole line is
# left in RL_LAST for further checks.
rl_try()
{
	local want=$1
	shift
	RL_LAST=$(rl_probe "$@")
	echo "#   $* -> $RL_LAST"
	[ "${RL_LAST%% *}" = "$want" ]
}

# rl_field NAME: the value of NAME=... in RL_LAST.
rl_field()
{
	sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$RL_LAST"
}

# rl_elapsed: the seconds the last attempt took.
rl_elapsed()
{
	awk '{ print $2 }' <<<"$RL_LAST"
}

# rl_faster ELAPSED LIMIT: a decimal number of seconds below LIMIT.
rl_faster()
{
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'
}

# rl_server NS tcp|udp ADDR PORT: an echo server on ADDR:PORT only (lab's
# echo server), waited for by address as well as port, so that a second
# server on the same port with another address is not taken for ready.
rl_server()
{
	local ns=$1 proto=$2 addr=$3 port=$4
	lab_echo_server "$ns" "$proto" "$addr" "$port" >/dev/null 2>&1 || true
	lab_wait_listen "$ns" "$proto" "$port" "$addr"
}

# rl_conf FILE [lab_write_conf settings...] < FILTER-TEXT: the lab's
# configuration with the filter and sets text of stdin appended.
rl_conf()
{
	local file=$1
	shift
	lab_write_conf "$file" "$@"
	cat >>"$file"
}

# rl_line FILE TAG: the line of FILE that ends with the comment "# TAG".
rl_line()
{
	local n
	n=$(grep -n -- "# $2\$" "$1" | cut -d: -f1 | head -n 1)
	if [ -z "$n" ]; then
		echo "# rl_line: no line tagged $2 in $1" >&2
		echo 0
	else
		echo "$n"
	fi
}

# rl_rules FILE: saves `nfqfwctl -o json rules` in FILE.
rl_rules()
{
	lab_ctl -o json rules >"$1"
}

# rl_rule_packets JSON CHAIN LINE [packets|bytes]: one rule's counter from a
# saved rules listing; empty if there is no such rule.
rl_rule_packets()
{
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
for c in j.get("chains", []):
    if c.get("name") != sys.argv[2]:
        continue
    for r in c.get("rules", []):
        if str(r.get("line")) == sys.argv[3]:
            print(r.get(sys.argv[4]))
            sys.exit(0)
' "$1" "$2" "$3" "${4:-packets}" 2>/dev/null || true
}

# rl_policy_packets JSON CHAIN: the packets a base chain's policy decided.
rl_policy_packets()
{
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
for c in j.get("chains", []):
    if c.get("name") == sys.argv[2]:
        print(c.get("policy_packets"))
' "$1" "$2" 2>/dev/null || true
}

# rl_delta DESC BEFORE AFTER CHAIN LINE EXPECTED: a rule counted exactly
# EXPECTED packets between two listings.
rl_delta()
{
	local a b
	a=$(rl_rule_packets "$2" "$4" "$5")
	b=$(rl_rule_packets "$3" "$4" "$5")
	if lab_is_int "$a" && lab_is_int "$b"; then
		lab_check_eq "$1" "$6" "$((b - a))"
	else
		lab_not_ok "$1 (no counter for $4 line $5: '$a' then '$b')"
	fi
}

# rl_snmp NS PROTO FIELD: a counter of /proc/net/snmp in NS ("Tcp"
# "InSegs"); TCP over IPv4 and IPv6 share these counters.
rl_snmp()
{
	ip netns exec "$1" cat /proc/net/snmp | awk -v p="$2:" -v f="$3" '
		$1 == p && !names { for (i = 2; i <= NF; i++) col[$i] = i; names = 1; next }
		$1 == p && names { print $col[f]; exit }'
}

# rl_snmp6 NS FIELD: a counter of /proc/net/snmp6 in NS ("Udp6InDatagrams").
rl_snmp6()
{
	ip netns exec "$1" cat /proc/net/snmp6 | awk -v f="$2" '$1 == f { print $2; exit }'
}

# rl_stat NAME: a total of `nfqfwctl -o json stats` (filter_accepted,
# rejects_sent, ...).
rl_stat()
{
	lab_stat total "$1"
}

# rl_exploded ADDR: an IPv6 address as the kernel's LOG target prints it
# (%pI6: eight groups of four hex digits), an IPv4 address as it is.
rl_exploded()
{
	python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).exploded)' "$1"
}

# rl_log_count TEXT: how many lines of the daemon's log contain TEXT.
rl_log_count()
{
	grep -cF -- "$1" "$LAB_DAEMON_LOG" || true
}

# rl_nft_handles: every handle of our table in the gateway, in order (the
# table's, its chains' and its rules'): unchanged if nothing was recreated.
rl_nft_handles()
{
	lab_g nft -a list table inet "$LAB_TABLE" 2>/dev/null | grep -o '# handle [0-9]*' | tr '\n' ' '
}
