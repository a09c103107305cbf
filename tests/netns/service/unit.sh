#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The generated nfqfw.service passes `systemd-analyze verify` without a
# single complaint, as installed: it is checked inside a small root holding
# the unit, the executables its Exec lines name (our nfqfwd at its
# configured path), the distribution's own units (for its dependencies) and
# our man pages (for Documentation=). A mistake planted in a copy must be
# reported, so that a silent verify cannot pass for a good one. Then
# `systemd-analyze security --offline` rates the unit; its exposure must
# stay at or under 2.0 (it is 2.0 on Debian 12's systemd 252: running as
# root costs 0.3 over a DynamicUser=, and the raw IPv4/IPv6 sockets that
# send the rejects of the filter rules cost AF_INET/AF_INET6 and
# IPAddressDeny=, 0.5 between them; every other item is protected).
# No systemd is needed as PID 1, nor root.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/../lib.sh"

EXPOSURE_MAX=2.0

command -v systemd-analyze >/dev/null 2>&1 ||
	lab_skip "needs systemd-analyze (Debian package systemd)"
command -v python3 >/dev/null 2>&1 || lab_skip "needs python3"
# verify opens every Documentation=man: page with man.
command -v man >/dev/null 2>&1 || lab_skip "needs man (Debian package man-db)"
here=$(cd "$(dirname "$0")" && pwd)
unit="$NFQFW_BUILDDIR/systemd/nfqfw.service"
if [ ! -f "$unit" ]; then
	echo "Bail out! $unit not found: build it (make systemd/nfqfw.service)"
	exit 99
fi
if [ ! -x "$LAB_NFQFWD" ]; then
	echo "Bail out! $LAB_NFQFWD not found (set NFQFW_BUILDDIR to the build directory)"
	exit 99
fi
LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nfqfw-unit.XXXXXX")
trap lab__cleanup EXIT

lab_check_eq "no @placeholder@ is left in the unit" "" \
	"$(grep -o '@[a-z_]*@' "$unit" | tr '\n' ' ')"
lab_check_eq "the unit is Type=notify" notify \
	"$(python3 "$here/unitcheck.py" get "$unit" Type)"
lab_check "ExecStart runs nfqfwd in the foreground" \
	grep -qE '^ExecStart=/[^ ]*/nfqfwd -f( |$)' "$unit"
lab_check "ExecStartPre checks the configuration" \
	grep -qE '^ExecStartPre=/[^ ]*/nfqfwd -t( |$)' "$unit"
lab_check "WatchdogSec= is set" grep -qE '^WatchdogSec=[1-9]' "$unit"

# The root: the host's units, every Exec executable, the unit, man pages.
root="$LAB_TMP/root"
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
[ -d "${unitdir:-/nonexistent}" ] || unitdir=/lib/systemd/system
mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/man/man5" "$root/man/man8"
cp -a "$unitdir" "$root/usr/lib/systemd/system"
while read -r exe; do
	mkdir -p "$root$(dirname "$exe")"
	case $exe in
	*/nfqfwd) cp "$LAB_NFQFWD" "$root$exe" ;;
	*) cp "$exe" "$root$exe" ;;
	esac
done < <(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' "$unit" | sort -u)
cp "$unit" "$root/etc/systemd/system/nfqfw.service"
cp "$NFQFW_SRCDIR"/man/*.5 "$root/man/man5/"
cp "$NFQFW_SRCDIR"/man/*.8 "$root/man/man8/"

verify()
{
	MANPATH="$root/man" systemd-analyze verify --root="$root" \
		/etc/systemd/system/nfqfw.service >"$LAB_TMP/verify.out" 2>&1
}

status=0
verify || status=$?
sed 's/^/# verify: /' "$LAB_TMP/verify.out"
lab_check_eq "systemd-analyze verify succeeds" 0 "$status"
lab_check_eq "and has nothing to say" "" "$(cat "$LAB_TMP/verify.out")"

# The same check must see a mistake: an unknown setting, a missing binary.
cp "$unit" "$LAB_TMP/good.service"
sed -i 's/^ProtectHome=/ProtectHomeDirs=/' "$root/etc/systemd/system/nfqfw.service"
verify || true
lab_check "a planted unknown setting is reported" grep -q "ProtectHomeDirs" "$LAB_TMP/verify.out"
cp "$LAB_TMP/good.service" "$root/etc/systemd/system/nfqfw.service"
exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
mv "$root$exe" "$root$exe.away"
status=0
verify || status=$?
lab_check "a missing $exe is reported" grep -q "is not executable" "$LAB_TMP/verify.out"
lab_check_fails "and fails the verification" test "$status" -eq 0
mv "$root$exe.away" "$root$exe"

# The exposure score, as `systemd-analyze security` prints it.
status=0
systemd-analyze security --offline=true --root="$root" \
	/etc/systemd/system/nfqfw.service >"$LAB_TMP/security.out" 2>&1 || status=$?
grep -E 'exposure level|^(✗|-) ' "$LAB_TMP/security.out" | sed 's/^/# /' || true
score=$(sed -n 's/.*Overall exposure level for nfqfw.service: \([0-9.]*\).*/\1/p' "$LAB_TMP/security.out")
lab_check "systemd-analyze security rates the unit (${score:-no score})" test -n "$score"
lab_check "its exposure ${score:-?} is at most $EXPOSURE_MAX" \
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' \
	"${score:-99}" "$EXPOSURE_MAX"
systemd-analyze security --offline=true --root="$root" --json=short \
	/etc/systemd/system/nfqfw.service >"$LAB_TMP/security.json" 2>/dev/null || true
# User=/DynamicUser= is not among them: the daemon starts as root (with
# CAP_NET_ADMIN only) to open the kernel's queue counters, see the unit.
lab_check_eq "security: the unit runs as root on purpose (User=/DynamicUser= unset)" False \
	"$(lab_json "any(x['name'] == 'User=/DynamicUser=' and x['set'] is True for x in j)" "$LAB_TMP/security.json")"
# Rejects are sent from raw IPv4/IPv6 sockets to any address.
for item in "RestrictAddressFamilies=~AF_(INET|INET6)" "IPAddressDeny="; do
	lab_check_eq "security: $item is open on purpose (rejects)" False \
		"$(lab_json "any(x['name'] == '$item' and x['set'] is True for x in j)" "$LAB_TMP/security.json")"
done
for item in "CapabilityBoundingSet=~CAP_SYS_ADMIN" \
	"RestrictAddressFamilies=~AF_PACKET" "SystemCallFilter=~@resources" \
	"MemoryDenyWriteExecute=" "ProtectSystem=" "RestrictAddressFamilies=~…"; do
	lab_check_eq "security: $item is counted as protected" True \
		"$(lab_json "any(x['name'] == '$item' and x['set'] is True for x in j)" "$LAB_TMP/security.json")"
done

lab_summary
