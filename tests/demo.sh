#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's demo: installs what nfqfw needs (Debian 12), builds it, makes a
# client -- gateway -- server lab out of network namespaces, runs nfqfwd in
# the gateway with the shipped etc/nfqfw.conf, sends real traffic through it
# (ping, an HTTP download, iperf3) and shows what nfqfwd did. Everything it
# made is removed at the end, also when a step fails. Run as root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir="$top/build/demo"
jobs=$(nproc 2>/dev/null || echo 2)

packages=(
	build-essential autoconf automake libtool pkg-config
	libnetfilter-queue-dev libmnl-dev libnftnl-dev libconfig-dev libcunit1-dev
	libsystemd-dev
	nftables iptables iproute2 iputils-ping procps socat curl iperf3 python3
)

if [ -t 1 ]; then
	bold=$'\033[1m' plain=$'\033[0m'
else
	bold='' plain=''
fi

say()
{
	printf '\n%s== %s%s\n' "$bold" "$*" "$plain"
}

explain()
{
	printf '%s\n' "$@" | fold -s -w 78
}

# Indents a command's output under the text that explains it.
show()
{
	"$@" 2>&1 | sed 's/^/    /'
}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (sudo tests/demo.sh): it installs packages and builds network namespaces" >&2
	exit 1
fi

install_packages()
{
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "everything needed is installed"
		return 0
	fi
	echo "installing: ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The build's output goes to a log that is shown only if something fails.
build()
{
	local log="$builddir/demo-build.log"
	mkdir -p "$builddir"
	: >"$log"
	if ! {
		if [ ! -x "$top/configure" ]; then
			echo "autoreconf -fi" && (cd "$top" && autoreconf -fi)
		fi &&
		if [ ! -f "$builddir/Makefile" ]; then
			echo "configure" && (cd "$builddir" && "$top/configure" -q)
		fi &&
		echo "make" && make -C "$builddir" -j"$jobs"
	} >>"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "demo: the build failed; the whole log is $log" >&2
		exit 1
	fi
}

say "1. Packages"
install_packages

say "2. Building nfqfw in ${builddir#"$top/"}"
build
echo "built $builddir/nfqfwd and $builddir/nfqfwctl"

# The lab and its cleanup are those of the integration tests.
NFQFW_SRCDIR=$top
NFQFW_BUILDDIR=$builddir
# shellcheck source=tests/netns/lib.sh
. "$top/tests/netns/lib.sh"
lab_init

say "3. The lab: client -- gateway -- server, in network namespaces"
lab_up
explain "Three network namespaces joined by veth pairs; only documentation" \
	"addresses, nothing leaves this machine:"
cat <<EOF
    client  $LAB_C   $LAB_C4, $LAB_C6
    gateway $LAB_G   $LAB_GC4 | $LAB_GS4, $LAB_GC6 | $LAB_GS6  (forwarding on)
    server  $LAB_S   $LAB_S4, $LAB_S6
EOF

say "4. Starting nfqfwd in the gateway"
conf="$top/etc/nfqfw.conf"
socket=$(sed -n 's/^[[:space:]]*socket[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$conf")
if [ -e "$socket" ]; then
	# Something (an installed nfqfwd?) already uses the shipped socket path:
	# leave it alone and give the demo's daemon a socket of its own.
	socket="$LAB_TMP/nfqfw.sock"
	sed "s|^\([[:space:]]*socket[[:space:]]*=[[:space:]]*\)\"[^\"]*\"|\1\"$socket\"|" \
		"$top/etc/nfqfw.conf" >"$LAB_TMP/nfqfw.conf"
	conf="$LAB_TMP/nfqfw.conf"
	explain "(the shipped socket path is in use here, so the demo uses $socket)"
fi
if [ ! -d "$(dirname "$socket")" ]; then
	mkdir -p "$(dirname "$socket")"
	lab_at_exit "rmdir '$(dirname "$socket")' 2>/dev/null"
fi
LAB_SOCK=$socket
table=$(sed -n 's/^[[:space:]]*table[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$conf")
echo "\$ nfqfwd -t -c $conf"
show "$builddir/nfqfwd" -t -c "$conf"
echo "\$ ip netns exec $LAB_G nfqfwd -f -c $conf &"
if ! lab_start_daemon "$conf"; then
	echo "demo: nfqfwd did not start; its log:" >&2
	cat "$LAB_DAEMON_LOG" >&2
	exit 1
fi
explain "nfqfwd is running (pid $LAB_DAEMON_PID) and answers on $socket."

say "5. Traffic through the gateway"
ok=true
run_step()
{
	local what=$1
	shift
	echo "-- $what"
	if ! "$@"; then
		echo "    FAILED: $what"
		ok=false
	fi
}

demo_ping()
{
	timeout 15 ip netns exec "$LAB_C" ping -n -c 3 -i 0.3 -w 10 "$1" |
		sed -n -e 's/^/    /' -e '/packets transmitted/p' -e '/^    rtt/p'
	return "${PIPESTATUS[0]}"
}

demo_http()
{
	local url=$1
	timeout 30 ip netns exec "$LAB_C" curl -sS -o "$LAB_TMP/download" \
		-w '    HTTP %{http_code}: %{size_download} bytes in %{time_total} s\n' "$url" &&
		cmp -s "$LAB_TMP/www/demo.bin" "$LAB_TMP/download" &&
		echo "    the download is identical to the file on the server"
}

demo_iperf()
{
	lab_bg "$LAB_S" iperf3 -s -1 -B "$LAB_S4" >"$LAB_TMP/iperf3-server.log" 2>&1
	lab_wait_listen "$LAB_S" tcp 5201 || return 1
	timeout 30 ip netns exec "$LAB_C" iperf3 -c "$LAB_S4" -B "$LAB_C4" -t 3 -f m >"$LAB_TMP/iperf" 2>&1 ||
		{ sed 's/^/    /' "$LAB_TMP/iperf"; return 1; }
	grep -E 'sender|receiver' "$LAB_TMP/iperf" | sed 's/^/    /'
}

mkdir -p "$LAB_TMP/www"
head -c 5000000 /dev/urandom >"$LAB_TMP/www/demo.bin"
# demo_http_server ADDR PORT: python's http.server serving $LAB_TMP/www on
# the server, without the reverse DNS lookup `python3 -m http.server` makes at
# start (there is no DNS in the lab; the lookup would only time out).
demo_http_server()
{
	lab_bg "$LAB_S" python3 -c '
import functools, http.server, socket, socketserver, sys
addr, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = addr, port
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
Server((addr, port), handler).serve_forever()
' "$1" "$2" "$LAB_TMP/www" >"$LAB_TMP/http-$2.log" 2>&1
	lab_wait_listen "$LAB_S" tcp "$2"
}
demo_http_server "$LAB_S4" 8080
demo_http_server "$LAB_S6" 8081

run_step "ping $LAB_S4 from the client" demo_ping "$LAB_S4"
run_step "ping $LAB_S6 from the client" demo_ping "$LAB_S6"
run_step "curl http://$LAB_S4:8080/demo.bin (5 MB)" demo_http "http://$LAB_S4:8080/demo.bin"
run_step "curl http://[$LAB_S6]:8081/demo.bin (5 MB)" demo_http "http://[$LAB_S6]:8081/demo.bin"
run_step "iperf3 for 3 seconds, client to server" demo_iperf

say "6. The table nfqfwd installed: nft list table inet $table"
explain "Every chain sends packets to the queue; packets already handled carry" \
	"the pass mark and skip the later chains. (On a kernel without the native" \
	"queue expression the rules use the xtables NFQUEUE target, and nft warns" \
	"that the table is managed by iptables-nft: that is expected.)"
# nft's warnings go to stderr: keep the one that says something, in front.
lab_g nft list table inet "$table" >"$LAB_TMP/nft.out" 2>"$LAB_TMP/nft.err" || ok=false
grep -v "libxtables: unhandled NFPROTO" "$LAB_TMP/nft.err" | sed 's/^/    /' || true
sed 's/^/    /' "$LAB_TMP/nft.out"

say "7. The kernel's view of the queues: /proc/net/netfilter/nfnetlink_queue"
explain "queue, peer port id, packets waiting, copy mode, copy range, dropped" \
	"because full, dropped by netlink overrun, id of the last packet, 1:"
show lab_g cat /proc/net/netfilter/nfnetlink_queue

say "8. nfqfwctl status"
echo "\$ nfqfwctl -s $socket status"
show lab_ctl status

say "9. nfqfwctl stats"
echo "\$ nfqfwctl -s $socket stats"
show lab_ctl stats

# Connection tracking is being built; once nfqfwctl has a command for it,
# the demo shows the connections the traffic above created.
demo_show_conntrack()
{
	if lab_ctl help 2>/dev/null | grep -qw conntrack; then
		say "10. nfqfwctl conntrack"
		show lab_ctl conntrack
	fi
}
demo_show_conntrack

say "Stopping nfqfwd"
if lab_stop_daemon; then
	echo "nfqfwd exited with status 0 and removed its table:"
	if lab_table_exists "$table"; then
		echo "    table inet $table is STILL THERE"
		ok=false
	else
		echo "    table inet $table is gone"
	fi
else
	echo "nfqfwd did not stop cleanly (status $LAB_DAEMON_STATUS)"
	ok=false
fi

say "Cleaning up"
echo "the namespaces, servers and temporary files go away as the demo exits"
if [ "$ok" = true ]; then
	echo "demo: done, every step worked"
	exit 0
fi
echo "demo: some steps FAILED (see above)" >&2
exit 1
