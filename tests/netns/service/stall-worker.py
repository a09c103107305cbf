#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Stalls the worker thread of one NFQUEUE queue of a running nfqfwd, as a
# thread stuck in a lock or a slow call would be, and nothing else: a
# signal cannot stop a single thread, but ptrace can (PTRACE_SEIZE, then
# PTRACE_INTERRUPT puts just that thread in a trace stop). The other threads
# go on. The worker is found from the outside, without help from the
# daemon: the queue's netlink port id (/proc/net/netfilter/nfnetlink_queue)
# gives the socket's inode (/proc/net/netlink), the inode the daemon's file
# descriptor, and that descriptor the thread blocked in a receive on it
# (/proc/PID/task/TID/syscall). Run it in the daemon's network namespace.
#
#   stall-worker.py PID QUEUE DIR
# writes DIR/stalled (with the thread id) once the thread is stopped, waits
# for DIR/unstall, lets the thread go and exits. If it dies, the kernel lets
# the thread go too.
import ctypes
import os
import sys
import time

PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
WALL = 0x40000000
NETLINK_NETFILTER = 12


def queue_portid(queue):
    with open("/proc/net/netfilter/nfnetlink_queue") as f:
        for line in f:
            fields = line.split()
            if fields and int(fields[0]) == queue:
                return int(fields[1])
    raise SystemExit("stall-worker: queue %d is not bound" % queue)


def netlink_inode(portid):
    with open("/proc/net/netlink") as f:
        next(f)
        for line in f:
            fields = line.split()
            if int(fields[1]) == NETLINK_NETFILTER and int(fields[2]) == portid:
                return int(fields[-1])
    raise SystemExit("stall-worker: no netfilter socket with port id %d" % portid)


def socket_fd(pid, inode):
    want = "socket:[%d]" % inode
    fddir = "/proc/%d/fd" % pid
    for name in os.listdir(fddir):
        try:
            if os.readlink(os.path.join(fddir, name)) == want:
                return int(name)
        except OSError:
            pass
    raise SystemExit("stall-worker: pid %d has no fd for socket inode %d" % (pid, inode))


def thread_on_fd(pid, fd):
    """The thread blocked in a system call whose first argument is FD."""
    for _ in range(100):
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/syscall" % (pid, tid)) as f:
                    fields = f.read().split()
            except OSError:
                continue
            if len(fields) > 1 and fields[0] != "running" and int(fields[1], 16) == fd:
                return int(tid)
        time.sleep(0.01)
    raise SystemExit("stall-worker: no thread of pid %d waits on fd %d" % (pid, fd))


def main():
    pid, queue, ctl = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    tid = thread_on_fd(pid, socket_fd(pid, netlink_inode(queue_portid(queue))))
    if tid == pid:
        raise SystemExit("stall-worker: fd found on the main thread, not a worker")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    libc.ptrace.restype = ctypes.c_long
    if libc.ptrace(PTRACE_SEIZE, tid, None, None) != 0:
        raise SystemExit("stall-worker: PTRACE_SEIZE %d: %s" % (tid, os.strerror(ctypes.get_errno())))
    if libc.ptrace(PTRACE_INTERRUPT, tid, None, None) != 0:
        raise SystemExit("stall-worker: PTRACE_INTERRUPT: %s" % os.strerror(ctypes.get_errno()))
    os.waitpid(tid, WALL)
    with open(os.path.join(ctl, "stalled"), "w") as f:
        f.write("%d\n" % tid)
    while not os.path.exists(os.path.join(ctl, "unstall")):
        time.sleep(0.02)
    if libc.ptrace(PTRACE_DETACH, tid, None, None) != 0:
        raise SystemExit("stall-worker: PTRACE_DETACH: %s" % os.strerror(ctypes.get_errno()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
