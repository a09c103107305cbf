#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The control socket's permissions. With the default control.mode "0600" a
# user other than root is refused: nfqfwctl exits 4 with the permission
# message. With control.mode "0660" and control.group set, a member of the
# group is served and a user outside it is still refused. A world-writable
# mode is not accepted at all. The users and the group are made here
# (useradd --system) and removed at exit; the socket's directory lets
# everyone through, so that a refusal can only come from the socket itself.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

lab_init
lab_require_cmds useradd userdel groupadd groupdel runuser id stat python3 timeout
lab_require_build

GROUP="nfqfwg$$"
MEMBER="nfqfwm$$"
OUTSIDER="nfqfwo$$"
for name in "$GROUP" "$MEMBER" "$OUTSIDER"; do
	if getent passwd "$name" >/dev/null || getent group "$name" >/dev/null; then
		echo "Bail out! a user or group called $name already exists"
		exit 99
	fi
done
# Registered before they exist: the cleanup runs whatever happens next.
lab_at_exit "userdel '$MEMBER' 2>/dev/null; userdel '$OUTSIDER' 2>/dev/null; groupdel '$GROUP' 2>/dev/null"
groupadd --system "$GROUP"
useradd --system --no-create-home --shell /usr/sbin/nologin -G "$GROUP" "$MEMBER"
useradd --system --no-create-home --shell /usr/sbin/nologin "$OUTSIDER"
in_group() { id -nG "$1" | tr ' ' '\n' | grep -qx "$2"; }
lab_check "the member is in $GROUP" in_group "$MEMBER" "$GROUP"
lab_check_fails "the outsider is not" in_group "$OUTSIDER" "$GROUP"

# The users run a copy of nfqfwctl that they can surely read, from the
# run's directory, which they may cross but not list.
chmod 0711 "$LAB_TMP"
CTL="$LAB_TMP/nfqfwctl"
install -m 0755 "$LAB_NFQFWCTL" "$CTL"

# as USER NAME ARGS...: nfqfwctl ARGS as USER; stdout and stderr in
# $LAB_TMP/NAME.out and .err, the exit status in CTL_STATUS.
as()
{
	local user=$1 name=$2
	shift 2
	CTL_STATUS=0
	timeout 10 runuser -u "$user" -- "$CTL" -s "$LAB_SOCK" "$@" \
		>"$LAB_TMP/$name.out" 2>"$LAB_TMP/$name.err" || CTL_STATUS=$?
}

# refused NAME: exit 4, the permission message, no output.
refused()
{
	[ "$CTL_STATUS" -eq 4 ] && grep -qF "permission denied" "$LAB_TMP/$1.err" &&
		grep -qF "member of the socket's group" "$LAB_TMP/$1.err" &&
		[ ! -s "$LAB_TMP/$1.out" ]
}

served()
{
	[ "$CTL_STATUS" -eq 0 ] && [ -s "$LAB_TMP/$1.out" ]
}

served_json()
{
	served "$1" && python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$LAB_TMP/$1.out"
}

socket_is() { stat -c '%a %U %G' "$LAB_SOCK"; }

lab_up
conf="$LAB_TMP/nfqfw.conf"

# ---- the default: 0600, root's group ----
lab_write_conf "$conf"
lab_start_daemon "$conf" || lab_bail "nfqfwd starts with the default socket mode"
lab_check_eq "the socket is 0600 root:root" "600 root root" "$(socket_is)"
root_served() { lab_ctl status >/dev/null; }
lab_check "root is served" root_served
lab_check "the outsider can reach the socket's path (the directory is open)" \
	runuser -u "$OUTSIDER" -- test -S "$LAB_SOCK"
as "$OUTSIDER" out.status status
lab_check "0600: a user without the group is refused (exit 4, permission message)" refused out.status
as "$OUTSIDER" out.metrics -o json metrics
lab_check "0600: also for json metrics" refused out.metrics
as "$MEMBER" mem.status status
lab_check "0600: the group's member is refused too (the socket is not in its group)" refused mem.status
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon

# ---- 0660 and the group ----
lab_write_conf "$conf" control.mode=0660 control.group="$GROUP"
lab_start_daemon "$conf" || lab_bail "nfqfwd starts with control.mode 0660 and a group"
lab_check_eq "the socket is 0660 root:$GROUP" "660 root $GROUP" "$(socket_is)"
as "$MEMBER" mem.status status
lab_check "0660: a member of control.group is served" served mem.status
lab_check "0660: with the daemon's pid" grep -qE "^pid +$LAB_DAEMON_PID\$" "$LAB_TMP/mem.status.out"
as "$MEMBER" mem.stats -o json stats
lab_check "0660: the member gets json stats" served_json mem.stats
as "$MEMBER" mem.metrics metrics
lab_check "0660: the member gets the metrics" grep -q "^# TYPE nfqfw_workers gauge\$" "$LAB_TMP/mem.metrics.out"
as "$OUTSIDER" out.status status
lab_check "0660: a user without the group is still refused" refused out.status
lab_check "nfqfwd exits with status 0 on SIGTERM" lab_stop_daemon

# ---- world-writable: refused by the configuration check ----
lab_write_conf "$conf" control.mode=0666
status=0
"$LAB_NFQFWD" -t -c "$conf" >"$LAB_TMP/check.log" 2>&1 || status=$?
lab_check_eq "control.mode 0666 fails the configuration check" 1 "$status"
lab_check "with the reason" grep -q "world-writable" "$LAB_TMP/check.log"
lab_summary
