#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The FTP helper through a real gateway (issue 5): vsftpd on the server, curl
# on the client, and a forward policy that lets through established
# connections, RELATED ones and new FTP control connections from the LAN,
# nothing else. Data connections (passive: EPSV and PASV; active: EPRT and
# PORT) therefore work only if the helper announced them and conntrack made
# them RELATED: without `helpers` every transfer fails, with them every file
# arrives intact. A PORT naming another host than the client (an FTP bounce)
# is dropped by the helper and never reaches the server.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds vsftpd curl python3 sha256sum
lab_require_build
lab_up

LAN=$LAB_IF_GC
root=$(mktemp -d /tmp/nfqfw-ftp.XXXXXX)
lab_at_exit "rm -rf '$root'"
chmod 755 "$root"
mkdir -p "$root/pub" "$root/empty"
head -c 300000 /dev/urandom >"$root/pub/file.bin"
chmod 755 "$root/pub" "$root/empty"
chmod 644 "$root/pub/file.bin"
want=$(sha256sum <"$root/pub/file.bin" | cut -d' ' -f1)

cat >"$LAB_TMP/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$LAB_S4
background=NO
anonymous_enable=YES
no_anon_password=YES
local_enable=NO
write_enable=NO
anon_root=$root
secure_chroot_dir=$root/empty
pasv_enable=YES
port_enable=YES
connect_from_port_20=NO
seccomp_sandbox=NO
xferlog_enable=NO
EOF
lab_bg "$LAB_S" vsftpd "$LAB_TMP/vsftpd.conf"
# vsftpd's listener ignores SIGTERM: the end of the test kills it.
lab_at_exit "pkill -KILL -f '$LAB_TMP/vsftpd.conf' || true"
lab_wait_listen "$LAB_S" tcp 21 "$LAB_S4" || lab_bail "vsftpd listens"

write_conf()
{
	lab_write_conf "$1" conntrack.invalid=drop
	cat >>"$1" <<EOF2
filter: { forward: { policy = "drop"; rules = (
	{ ct_state = "established"; action = "accept"; },
	{ ct_state = "related"; action = "accept"; },  # RELATED
	{ in = "$LAN"; proto = "tcp"; dport = "21"; ct_state = "new"; action = "accept"; }
); }; };
EOF2
	if [ "${2:-}" = helpers ]; then
		echo 'helpers = ( { name = "ftp"; port = 21; } );' >>"$1"
	fi
}

# fetch NAME CURL-OPTIONS...: downloads the file through the gateway.
fetch()
{
	local name=$1 got
	shift
	rm -f "$LAB_TMP/$name"
	lab_c timeout 15 curl -s --max-time 8 "$@" "ftp://$LAB_S4/pub/file.bin" \
		-o "$LAB_TMP/$name" || return 1
	got=$(sha256sum <"$LAB_TMP/$name" | cut -d' ' -f1)
	[ "$got" = "$want" ]
}

modes=("EPSV (passive):--ftp-pasv" "PASV (passive):--ftp-pasv --disable-epsv"
	"EPRT (active):-P $LAB_C4" "PORT (active):-P $LAB_C4 --disable-eprt")

conf="$LAB_TMP/nohelp.conf"
write_conf "$conf"
lab_start_daemon "$conf" || lab_bail "nfqfwd starts"
for m in "${modes[@]}"; do
	# shellcheck disable=SC2086 # the options are words
	lab_check_fails "without helpers, ${m%%:*} fails" fetch none ${m#*:}
done
lab_stop_daemon

conf="$LAB_TMP/help.conf"
write_conf "$conf" helpers
lab_start_daemon "$conf" || lab_bail "nfqfwd starts with the ftp helper"
related_line=$(grep -n '# RELATED' "$conf" | cut -d: -f1)
for m in "${modes[@]}"; do
	# shellcheck disable=SC2086
	lab_check "with the ftp helper, ${m%%:*} fetches the file intact" fetch ok ${m#*:}
done
lab_check_ge "stats: four expectations announced" "$(lab_stat total alg_expected)" 4
lab_check_ge "stats: four RELATED data connections" "$(lab_stat total alg_related)" 4
related=$(lab_ctl -o json rules | python3 -c "
import json, sys
j = json.load(sys.stdin)
print(sum(r['packets'] for c in j['chains'] if c['name'] == 'forward'
          for r in c['rules'] if r['line'] == $related_line))")
lab_check_ge "the RELATED rule let the data connections in" "$related" 4

# An FTP bounce: PORT names a third host. The helper drops the segment;
# the server never answers it (its 200 would follow at once).
refused=$(lab_stat total alg_refused)
lab_check "a PORT naming another host gets no answer from the server" \
	timeout 20 ip netns exec "$LAB_C" python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 21), timeout=5)
f = s.makefile("rb")
def reply():
    line = f.readline()
    while line[3:4] == b"-":
        line = f.readline()
    return line
assert reply().startswith(b"220")
s.sendall(b"USER anonymous\r\n")
r = reply()
if r.startswith(b"331"):
    s.sendall(b"PASS x\r\n")
    r = reply()
assert r.startswith(b"230"), r
s.sendall(b"PORT 192,0,2,99,200,1\r\n")
s.settimeout(3)
try:
    r = reply()
except socket.timeout:
    sys.exit(0)
print("# server answered:", r)
sys.exit(1)
' "$LAB_S4"
lab_check_gt "stats: the bounce was refused" "$(lab_stat total alg_refused)" "$refused"
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon
lab_summary
