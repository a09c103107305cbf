#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# The programs the NAT tests run on either side of the gateway: an echo
# server that writes down the address every peer came from (what a server
# behind NAT really sees), a client that sends random data from a chosen
# source address and port and checks every byte of the echo, and a client
# that holds a connection open (for concurrent connections, and for the
# sequence numbers a crafted packet of that connection needs).
#
#   server tcp|udp ADDR PORT LOG
#       echo server; one line "PROTO PEER PEERPORT" per TCP connection or
#       UDP datagram is appended to LOG (flushed at once).
#   echo tcp|udp SRC SPORT DST PORT SIZE [TIMEOUT]
#       sends SIZE random bytes from SRC:SPORT (0: any port) and checks
#       the echo byte for byte. Prints "ok sport=N bytes=N", or
#       "timeout|refused|short|error sport=N [errno=NAME]".
#   hold SRC SPORT DST PORT SECS
#       connects, checks one small echo and prints "ok sport=N seq=S ack=A"
#       (the next sequence number to send and the next expected, read
#       with TCP_REPAIR) or "timeout|refused|error sport=N"; then keeps
#       the connection SECS seconds, answering the commands read from
#       stdin: "echo" (another echo check: prints "ok" or "error") and
#       "close". End of input does not close the connection.
#
# The exit status is 0 when the program could run at all, whatever the
# outcome; 2 for bad arguments.
import os
import select
import socket
import sys
import threading
import time

TCP_REPAIR = 19
TCP_REPAIR_QUEUE = 20
TCP_QUEUE_SEQ = 21
TCP_RECV_QUEUE = 1
TCP_SEND_QUEUE = 2
TCP_REPAIR_OFF_NO_WP = -1


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def errname(e):
    import errno
    return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else type(e).__name__


def log_line(path, lock, text):
    with lock:
        with open(path, "a") as f:
            f.write(text + "\n")
            f.flush()


def v6only(s):
    """An IPv6 wildcard server leaves IPv4 to a server of its own."""
    if s.family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)


def serve_tcp(conn, peer, path, lock):
    log_line(path, lock, "tcp %s %d" % (peer[0], peer[1]))
    with conn:
        conn.settimeout(20)
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
        except OSError:
            pass


def server(proto, addr, port, path):
    lock = threading.Lock()
    fam = family_of(addr)
    if proto == "tcp":
        srv = socket.socket(fam, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        v6only(srv)
        srv.bind((addr, port))
        srv.listen(64)
        while True:
            conn, peer = srv.accept()
            threading.Thread(target=serve_tcp, args=(conn, peer, path, lock),
                             daemon=True).start()
    srv = socket.socket(fam, socket.SOCK_DGRAM)
    v6only(srv)
    srv.bind((addr, port))
    while True:
        data, peer = srv.recvfrom(65536)
        log_line(path, lock, "udp %s %d" % (peer[0], peer[1]))
        try:
            srv.sendto(data, peer)
        except OSError:
            pass    # no route back: the client sees the timeout


def new_socket(kind, src, sport, dst):
    s = socket.socket(family_of(dst), kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, sport))
    return s


def echo_check(s, size):
    """Sends SIZE random bytes on connected TCP socket S; True if all came back."""
    data = os.urandom(size)
    got = bytearray()
    sent = 0
    while len(got) < size:
        wl = [s] if sent < size else []
        r, w, _ = select.select([s], wl, [], s.gettimeout())
        if not r and not w:
            raise socket.timeout()
        if w:
            sent += s.send(data[sent:sent + 65536])
        if r:
            chunk = s.recv(262144)
            if not chunk:
                break
            got += chunk
    return bytes(got) == data


def client_echo(proto, src, sport, dst, port, size, timeout):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = new_socket(kind, src, sport, dst)
    sport = s.getsockname()[1]
    s.settimeout(timeout)
    extra = ""
    try:
        s.connect((dst, port))
        if proto == "tcp":
            outcome = "ok" if echo_check(s, size) else "short"
        else:
            data = os.urandom(size)
            s.send(data)
            outcome = "ok" if s.recv(65536) == data else "short"
    except ConnectionRefusedError:
        outcome = "refused"
    except socket.timeout:
        outcome = "timeout"
    except OSError as e:
        outcome, extra = "error", " errno=" + errname(e)
    s.close()
    tail = " bytes=%d" % size if outcome == "ok" else ""
    print("%s sport=%d%s%s" % (outcome, sport, tail, extra), flush=True)


def tcp_seqs(s):
    """The next sequence number S sends and the next it expects."""
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
    try:
        s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE)
        snd = s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ)
        s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE)
        rcv = s.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ)
    finally:
        s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, TCP_REPAIR_OFF_NO_WP)
    return snd & 0xffffffff, rcv & 0xffffffff


def hold(src, sport, dst, port, secs):
    s = new_socket(socket.SOCK_STREAM, src, sport, dst)
    sport = s.getsockname()[1]
    s.settimeout(3)
    try:
        s.connect((dst, port))
        ok = echo_check(s, 64)
    except ConnectionRefusedError:
        print("refused sport=%d" % sport, flush=True)
        return
    except socket.timeout:
        print("timeout sport=%d" % sport, flush=True)
        return
    except OSError as e:
        print("error sport=%d errno=%s" % (sport, errname(e)), flush=True)
        return
    if not ok:
        print("short sport=%d" % sport, flush=True)
        return
    snd, rcv = tcp_seqs(s)
    print("ok sport=%d seq=%d ack=%d" % (sport, snd, rcv), flush=True)
    end = time.monotonic() + secs
    reading = True
    while time.monotonic() < end:
        if not reading:
            time.sleep(min(0.2, max(0, end - time.monotonic())))
            continue
        r, _, _ = select.select([sys.stdin], [], [], max(0, end - time.monotonic()))
        if not r:
            continue
        line = sys.stdin.readline()
        if not line:
            reading = False
        elif line.strip() == "close":
            break
        elif line.strip() == "echo":
            try:
                print("ok" if echo_check(s, 4096) else "error", flush=True)
            except OSError:
                print("error", flush=True)
    s.close()


def main(argv):
    try:
        mode = argv[1]
        if mode == "server" and len(argv) == 6:
            server(argv[2], argv[3], int(argv[4]), argv[5])
        elif mode == "echo" and len(argv) in (8, 9):
            client_echo(argv[2], argv[3], int(argv[4]), argv[5], int(argv[6]),
                        int(argv[7]), float(argv[8]) if len(argv) == 9 else 3.0)
        elif mode == "hold" and len(argv) == 7:
            hold(argv[2], int(argv[3]), argv[4], int(argv[5]), float(argv[6]))
        else:
            raise ValueError(mode)
    except (IndexError, ValueError):
        print("usage: natprobe.py server|echo|hold ... (see its head)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
