# SPDX-License-Identifier: GPL-2.0-or-later
# What the NAT tests share on top of tests/netns/lib.sh: servers that write
# down the address each peer came from and clients that check every byte
# (natprobe.py), the reply tuple `nfqfwctl conntrack` shows for a connection,
# packet captures in a namespace, and the server cut off from the LAN so that
# only translated traffic can work. Sourced after lib.sh, never run.
#
# shellcheck shell=bash

NAT_PROBE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/natprobe.py"

# nat_cut_server_routes: the server keeps only its link routes: it can
# answer 198.51.100.0/24 and 2001:db8:2::/64 (the gateway's WAN side) and
# nothing else, so that a reply to a LAN address cannot leave it.
nat_cut_server_routes()
{
	ip -n "$LAB_S" route del default
	ip -n "$LAB_S" -6 route del default
}

# nat_server NS tcp|udp ADDR PORT LOG: natprobe's echo server on ADDR:PORT,
# logging each peer to LOG; waits until it listens on that address.
nat_server()
{
	local ns=$1 proto=$2 addr=$3 port=$4 log=$5
	: >"$log"
	lab_bg "$ns" python3 "$NAT_PROBE" server "$proto" "$addr" "$port" "$log"
	lab_wait_listen "$ns" "$proto" "$port" "$addr"
}

# nat_echo NS tcp|udp SRC SPORT DST PORT SIZE [TIMEOUT]: natprobe's echo
# client; succeeds if every byte came back. The line is left in NAT_LAST.
nat_echo()
{
	local ns=$1
	shift
	NAT_LAST=$(timeout 120 ip netns exec "$ns" python3 "$NAT_PROBE" echo "$@" 2>&1 ||
		echo "error sport=0 errno=probe-failed")
	echo "#   echo $* -> $NAT_LAST"
	[ "${NAT_LAST%% *}" = ok ]
}

# nat_field NAME [LINE]: the value of NAME=... in LINE (or NAT_LAST).
nat_field()
{
	sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"${2-$NAT_LAST}" | head -n 1
}

# nat_peers LOG PROTO: the "ADDR PORT" of each peer a natprobe server saw.
nat_peers()
{
	awk -v p="$2" '$1 == p { print $2, $3 }' "$1"
}

# nat_peer_count LOG PROTO ADDR [PORT]: how many of those came from ADDR
# (and PORT).
nat_peer_count()
{
	awk -v p="$2" -v a="$3" -v port="${4:-}" \
		'$1 == p && $2 == a && (port == "" || $3 == port) { n++ } END { print n + 0 }' "$1"
}

# nat_ct FILTER...: `nfqfwctl conntrack FILTER...` (key=value words).
nat_ct()
{
	lab_ctl conntrack list "$@" 2>&1 || true
}

# nat_ct_reply FILTER...: the reply tuple of the one entry FILTER selects
# ("src=A dst=B sport=X dport=Y", or "src= dst= type= code= id=" for
# ICMP); empty if no entry, "ambiguous" if several.
nat_ct_reply()
{
	local out n
	out=$(nat_ct "$@" | grep -E '^(tcp|udp|icmp|icmpv6) ' || true)
	n=$(grep -c . <<<"$out" || true)
	if [ "$n" -gt 1 ]; then
		echo "# nat_ct_reply $*: $n entries:" >&2
		printf "%s\n" "$out" | sed "s/^/#   /" >&2
		echo ambiguous
		return
	fi
	# The reply tuple is the second "src=" of the line.
	sed -n 's/.*src=[^ ]* dst=[^ ]* \(sport=[^ ]* dport=[^ ]*\|type=[^ ]* code=[^ ]* id=[^ ]*\) \(\[UNREPLIED\] \)\{0,1\}\(src=[^ ]* dst=[^ ]* \(sport=[^ ]* dport=[^ ]*\|type=[^ ]* code=[^ ]* id=[^ ]*\)\).*/\3/p' <<<"$out"
}

# nat_stat NAME: a total of `nfqfwctl -o json stats` (nat_bound, ...).
nat_stat()
{
	lab_stat total "$1"
}

# nat_capture NS IF FILE FILTER...: tcpdump on IF in NS into FILE, in the
# background (pid in NAT_CAPTURE_PID); waits until it listens.
nat_capture()
{
	local ns=$1 dev=$2 file=$3 i
	shift 3
	lab_bg "$ns" tcpdump -n -U -i "$dev" -w "$file" "$@" 2>"$file.err"
	NAT_CAPTURE_PID=$LAB_BG_PID
	for ((i = 0; i < 50; i++)); do
		grep -q "listening on" "$file.err" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# tcpdump did not start in $ns:" >&2
	sed 's/^/#   /' "$file.err" >&2
	return 1
}

# nat_capture_stop: ends the capture (flushing what it has).
nat_capture_stop()
{
	sleep 0.3
	lab_stop "$NAT_CAPTURE_PID"
}

# nat_capture_count FILE [FILTER...]: packets of FILE (matching FILTER).
nat_capture_count()
{
	local file=$1
	shift
	tcpdump -n -r "$file" "$@" 2>/dev/null | grep -c . || true
}

# nat_capture_show FILE [FILTER...]: the first packets, as comments.
nat_capture_show()
{
	local file=$1
	shift
	# head ends the pipe early: not a failure of the test.
	tcpdump -n -r "$file" "$@" 2>/dev/null | head -n 10 | sed 's/^/#   /' || true
}

# nat_hold NS SRC SPORT DST PORT SECS OUT: natprobe's hold client in the
# background, its lines in OUT; waits (up to 8 s) for the first line and
# leaves it in NAT_LAST. Succeeds if it is "ok ...".
nat_hold()
{
	local ns=$1 out=$7 i
	: >"$out"
	lab_bg "$ns" python3 "$NAT_PROBE" hold "$2" "$3" "$4" "$5" "$6" </dev/null >"$out" 2>&1
	for ((i = 0; i < 80; i++)); do
		[ -s "$out" ] && break
		sleep 0.1
	done
	NAT_LAST=$(head -n 1 "$out")
	echo "#   hold $2:$3 -> $4:$5 -> ${NAT_LAST:-nothing}"
	[ "${NAT_LAST%% *}" = ok ]
}

# nat_wait_line FILE N: waits (up to 8 s) for FILE to have N lines and
# prints line N (empty if it never came).
nat_wait_line()
{
	local i
	for ((i = 0; i < 80; i++)); do
		[ "$(grep -c . "$1" 2>/dev/null || true)" -ge "$2" ] && break
		sleep 0.1
	done
	sed -n "$2p" "$1"
}

# nat_outcome_is WORD LINE: LINE (a natprobe answer) starts with WORD.
nat_outcome_is()
{
	[ "${2%% *}" = "$1" ]
}

# nat_reply_to_port REPLY PREFIX PORT...: REPLY is PREFIX followed by
# "dport=N" with N one of PORT... ("any": any port number).
nat_reply_to_port()
{
	local reply=$1 prefix=$2 p n
	shift 2
	[[ $reply == "$prefix dport="* ]] || return 1
	n=${reply#"$prefix dport="}
	lab_is_int "$n" || return 1
	for p in "$@"; do
		[ "$p" = any ] || [ "$p" = "$n" ] && return 0
	done
	return 1
}
