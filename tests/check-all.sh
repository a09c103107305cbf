#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's test command: installs what nfqfw needs (Debian 12), builds it
# with gcc and with clang + ASan/UBSan, and runs every test: the CUnit unit
# tests under both builds, the namespace integration tests (as root), and
# make distcheck. Exits non-zero if anything failed or was skipped.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

if [ "$(id -u)" != 0 ]; then
	echo "check-all: run as root: it installs packages and builds network namespaces" >&2
	exit 1
fi

packages=(
	build-essential autoconf automake libtool pkg-config
	libnetfilter-queue-dev libmnl-dev libnftnl-dev libconfig-dev libcunit1-dev
	libsystemd-dev liburcu-dev libcap-ng-dev clang libclang-rt-14-dev
	nftables iptables iproute2 iputils-ping procps socat curl iperf3
	python3 python3-scapy python3-prometheus-client conntrack tcpdump
	systemd man-db strace vsftpd
)

install_packages() {
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "== installing: ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Sums automake's test-suite.log counts into the totals below.
total_pass=0 total_fail=0 total_skip=0
count_results() {
	local log=$1 pass fail skip error xpass
	pass=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	fail=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	skip=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
	error=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	xpass=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
	total_pass=$((total_pass + ${pass:-0}))
	total_fail=$((total_fail + ${fail:-0} + ${error:-0} + ${xpass:-0}))
	total_skip=$((total_skip + ${skip:-0}))
}

# Prints the CUnit run summary of every unit test program that ran in DIR,
# so that the output shows how many tests and asserts each one ran.
show_cunit_summaries() {
	local dir=$1 log
	for log in "$dir"/tests/unit/*/test-*.log; do
		[ -f "$log" ] || continue
		printf '%-36s %s\n' "${log#"$dir"/}" \
			"$(awk '$1 == "tests" { t = "tests: " $3 " ran, " $4 " passed, " $5 " failed" }
				$1 == "asserts" { a = "asserts: " $3 " ran, " $5 " failed" }
				END { print t "; " a }' "$log")"
	done
}

# Runs a make target; on failure prints the logs of the failed tests.
run_tests() {
	local dir=$1 target=$2 status=0
	make -C "$dir" "$target" || status=$?
	if [ -f "$dir/test-suite.log" ]; then
		count_results "$dir/test-suite.log"
		[ $status -eq 0 ] || cat "$dir/test-suite.log"
	fi
	[ "$target" = check ] && show_cunit_summaries "$dir"
	return $status
}

phase() {
	echo
	echo "== $* (at ${SECONDS}s)"
}

install_packages

cd "$top"
phase "bootstrapping"
autoreconf -fi

failed=0
phase "gcc build (warnings are errors)"
mkdir -p build/gcc
(cd build/gcc && "$top/configure" -q CC=gcc --enable-werror)
make -C build/gcc -j"$jobs"
run_tests build/gcc check || failed=1

phase "clang build with AddressSanitizer and UndefinedBehaviorSanitizer"
mkdir -p build/clang-san
(cd build/clang-san && "$top/configure" -q CC=clang --enable-werror --enable-sanitizers)
make -C build/clang-san -j"$jobs"
run_tests build/clang-san check || failed=1

phase "fuzzing the packet parser for 30 s (libFuzzer with ASan and UBSan)"
mkdir -p build/fuzz/corpus
if clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
	src/pkt/csum.c src/pkt/error.c src/pkt/parse_ip.c src/pkt/parse_l4.c \
	tests/fuzz/fuzz-pkt-parse.c -o build/fuzz/fuzz-pkt-parse &&
	build/fuzz/fuzz-pkt-parse -max_total_time=30 build/fuzz/corpus 2>build/fuzz/log; then
	tail -1 build/fuzz/log
	total_pass=$((total_pass + 1))
else
	tail -40 build/fuzz/log
	echo "check-all: the packet parser fuzzer failed" >&2
	total_fail=$((total_fail + 1))
	failed=1
fi

phase "namespace integration tests (real traffic through nfqfwd)"
rm -f build/gcc/test-suite.log
run_tests build/gcc check-netns || failed=1
netns_skipped=$(sed -n 's/^# SKIP: *//p' build/gcc/test-suite.log 2>/dev/null | head -1)
if [ "${netns_skipped:-0}" != 0 ]; then
	echo "check-all: ${netns_skipped} namespace test(s) skipped; as root on the lab machine none may skip" >&2
	failed=1
fi

phase "benchmarks (informational: speed targets are not pass/fail tests)"
make -C build/gcc bench || echo "check-all: note: a benchmark is above its target (see above)"

phase "make distcheck"
make -C build/gcc -j"$jobs" distcheck || failed=1

echo
if [ $failed -ne 0 ] || [ $total_fail -ne 0 ]; then
	echo "check-all: FAILED after ${SECONDS}s" >&2
	status=1
else
	echo "check-all: everything passed in ${SECONDS}s"
	status=0
fi
echo "total: $total_pass passed, $total_fail failed, $total_skip skipped"
exit $status
