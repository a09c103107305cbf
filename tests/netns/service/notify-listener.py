#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A NOTIFY_SOCKET listener standing in for systemd: binds an AF_UNIX datagram
# socket and writes one JSON line per notification to LOG, with the time it
# arrived (CLOCK_MONOTONIC) and the sender's pid from SCM_CREDENTIALS, which
# is what systemd checks for NotifyAccess=main.
#
# With --gate DIR it first fills its own receive queue, so that the first
# notification blocks its sender inside sendmsg(); it writes DIR/gated, waits
# for DIR/release, and only then reads. A test can so look at the daemon
# while it is stopped at the very moment it sends READY=1.
#
#   notify-listener.py SOCKET LOG [--gate DIR]
import argparse
import json
import os
import socket
import struct
import sys
import time

GATE_FILLER = b"gate-filler"


def fill_queue(path):
    """Sends fillers to PATH until its queue is full; returns how many."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setblocking(False)
    n = 0
    while n < 10000:
        try:
            s.sendto(GATE_FILLER, path)
        except BlockingIOError:
            break
        n += 1
    s.close()
    return n


def wait_for(path, timeout):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def sender_pid(ancdata):
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid, _uid, _gid = struct.unpack("iII", data[:12])
            return pid
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("log")
    ap.add_argument("--gate")
    args = ap.parse_args()

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    sock.bind(args.socket)
    out = open(args.log, "a", buffering=1)
    if args.gate:
        n = fill_queue(args.socket)
        with open(os.path.join(args.gate, "gated"), "w") as f:
            f.write("%d\n" % n)
        if not wait_for(os.path.join(args.gate, "release"), 60):
            print("notify-listener: never released", file=sys.stderr)
            return 1
    while True:
        data, anc, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(12))
        if data == GATE_FILLER:
            continue
        out.write(json.dumps({"t": time.monotonic(), "pid": sender_pid(anc),
                              "msg": data.decode("utf-8", "replace")}) + "\n")


if __name__ == "__main__":
    sys.exit(main())
