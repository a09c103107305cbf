#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# One client attempt for the filter tests, with exactly what the client
# experienced: a TCP connection or a UDP datagram to an echo server, bound to
# a chosen source address. Prints one line, the outcome first:
#
#   ok ELAPSED sport=N                   the echo came back
#   refused ELAPSED sport=N              a TCP reset (ECONNREFUSED)
#   timeout ELAPSED sport=N              nothing came back in time
#   icmp ELAPSED sport=N type=T code=C from=ADDR
#                                        an ICMP/ICMPv6 error (UDP, read from
#                                        the socket's error queue; ICMPv6 is
#                                        printed as icmp6)
#   error ELAPSED sport=N errno=NAME     anything else
#
# ELAPSED is in seconds. `flood` sends COUNT datagrams as fast as it can and
# prints "sent COUNT ELAPSED". The exit status is 0 when the attempt could be
# made at all, whatever its outcome; 2 for bad arguments.
import errno
import socket
import struct
import sys
import time

IP_RECVERR = 11
IPV6_RECVERR = 25
SO_EE_ORIGIN_ICMP = 2
SO_EE_ORIGIN_ICMP6 = 3
PAYLOAD = b"nfqfw-probe-0123456789abcdefghij"    # 32 bytes: known lengths


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def offender(raw):
    """The address in the sockaddr that follows a sock_extended_err."""
    if len(raw) < 2:
        return "?"
    fam = struct.unpack("=H", raw[:2])[0]
    if fam == socket.AF_INET and len(raw) >= 8:
        return socket.inet_ntop(socket.AF_INET, raw[4:8])
    if fam == socket.AF_INET6 and len(raw) >= 24:
        return socket.inet_ntop(socket.AF_INET6, raw[8:24])
    return "?"


def read_errqueue(s):
    """The ICMP error queued on S as (kind, type, code, from), or None."""
    try:
        _, anc, _, _ = s.recvmsg(2048, 1024, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
    except OSError:
        return None
    for level, kind, data in anc:
        if (level, kind) not in ((socket.IPPROTO_IP, IP_RECVERR),
                                 (socket.IPPROTO_IPV6, IPV6_RECVERR)):
            continue
        _, origin, etype, ecode, _, _, _ = struct.unpack("=IBBBBII", data[:16])
        if origin == SO_EE_ORIGIN_ICMP:
            return ("icmp", etype, ecode, offender(data[16:]))
        if origin == SO_EE_ORIGIN_ICMP6:
            return ("icmp6", etype, ecode, offender(data[16:]))
    return None


def errname(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else type(e).__name__


def probe_tcp(src, dst, port, timeout):
    s = socket.socket(family_of(dst), socket.SOCK_STREAM)
    s.bind((src, 0))
    sport = s.getsockname()[1]
    s.settimeout(timeout)
    start = time.monotonic()
    try:
        s.connect((dst, port))
        s.sendall(PAYLOAD)
        got = b""
        while len(got) < len(PAYLOAD):
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        outcome = "ok" if got == PAYLOAD else "error"
        extra = "" if outcome == "ok" else " errno=short-echo"
    except ConnectionRefusedError:
        outcome, extra = "refused", ""
    except socket.timeout:
        outcome, extra = "timeout", ""
    except OSError as e:
        outcome, extra = "error", " errno=" + errname(e)
    elapsed = time.monotonic() - start
    s.close()
    print("%s %.3f sport=%d%s" % (outcome, elapsed, sport, extra))


def probe_udp(src, dst, port, timeout):
    fam = family_of(dst)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
    s.bind((src, 0))
    sport = s.getsockname()[1]
    s.connect((dst, port))
    s.settimeout(timeout)
    start = time.monotonic()
    s.send(PAYLOAD)
    line = None
    try:
        data = s.recv(4096)
        line = "ok" if data == PAYLOAD else "error"
        extra = "" if line == "ok" else " errno=wrong-echo"
    except socket.timeout:
        line, extra = "timeout", ""
    except OSError as e:
        err = read_errqueue(s)
        if err:
            line = "icmp"
            extra = " type=%d code=%d from=%s" % err[1:]
            if err[0] == "icmp6":
                line = "icmp6"
        else:
            line, extra = "error", " errno=" + errname(e)
    elapsed = time.monotonic() - start
    s.close()
    print("%s %.3f sport=%d%s" % (line, elapsed, sport, extra))


def flood(src, dst, port, count):
    s = socket.socket(family_of(dst), socket.SOCK_DGRAM)
    s.bind((src, 0))
    start = time.monotonic()
    sent = 0
    for _ in range(count):
        try:
            s.sendto(PAYLOAD, (dst, port))
            sent += 1
        except OSError:
            pass
    print("sent %d %.3f" % (sent, time.monotonic() - start))


def main(argv):
    if len(argv) < 5 or argv[1] not in ("tcp", "udp", "flood"):
        print("usage: probe.py tcp|udp SRC DST PORT [TIMEOUT] | flood SRC DST PORT COUNT",
              file=sys.stderr)
        return 2
    mode, src, dst, port = argv[1], argv[2], argv[3], int(argv[4])
    extra = argv[5] if len(argv) > 5 else None
    if mode == "tcp":
        probe_tcp(src, dst, port, float(extra or 2))
    elif mode == "udp":
        probe_udp(src, dst, port, float(extra or 2))
    else:
        flood(src, dst, port, int(extra or 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
