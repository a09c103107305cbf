#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Reads what the service unit allows and what a traced daemon did, for
# hardening.sh.
#
#   unitcheck.py get UNIT KEY          the values of KEY in [Service], one a line
#   unitcheck.py syscalls UNIT         the system calls SystemCallFilter= allows
#   unitcheck.py trace STRACE EXE OUT  what the process that executed EXE did,
#                                      from `strace -f -o STRACE`, as JSON in OUT
import json
import re
import subprocess
import sys


def service_values(unit, key):
    values, section = [], None
    with open(unit) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line
            elif section == "[Service]" and "=" in line:
                k, v = line.split("=", 1)
                if k.strip() == key:
                    values.append(v.strip())
    return values


def expand(name, seen=None):
    """A syscall set name (@group) or a system call, as system calls."""
    if not name.startswith("@"):
        return {name}
    seen = seen if seen is not None else set()
    if name in seen:
        return set()
    seen.add(name)
    out = subprocess.run(["systemd-analyze", "syscall-filter", name],
                         check=True, capture_output=True, text=True).stdout
    calls = set()
    for line in out.splitlines()[1:]:
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        calls |= expand(word, seen)
    return calls


def allowed_syscalls(unit):
    """SystemCallFilter= as systemd reads it: the first line decides between
    an allow list and a deny list (~); later lines add to or remove from it."""
    allow, mode = set(), None
    for value in service_values(unit, "SystemCallFilter"):
        deny = value.startswith("~")
        names = set()
        for word in value.lstrip("~").split():
            names |= expand(word.split(":")[0])
        if mode is None:
            mode = "deny" if deny else "allow"
        if mode == "allow":
            allow = allow - names if deny else allow | names
        else:
            raise SystemExit("unitcheck: deny-list SystemCallFilter= is not handled")
    return sorted(allow)


CALL = re.compile(r"^(\d+) +(?:<\.\.\. ([a-z0-9_]+) resumed>|([a-z0-9_]+)\()")
WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC")


def first_string(line):
    m = re.search(r'"((?:[^"\\]|\\.)*)"', line)
    return m.group(1) if m else None


def trace(path, exe):
    """System calls, socket families, paths written and W+X mappings of
    everything after the successful execve of EXE."""
    calls, families, written, wx = set(), set(), set(), []
    started = False
    with open(path, errors="replace") as f:
        for line in f:
            if not started:
                started = ('execve("%s"' % exe) in line and line.rstrip().endswith("= 0")
                continue
            m = CALL.match(line)
            if not m:
                continue
            name = m.group(2) or m.group(3)
            calls.add(name)
            # What failed changed nothing (mkdir -p of an existing parent
            # gives EEXIST even on a read-only file system).
            if m.group(2) or re.search(r"\) += -1 ", line):
                continue
            if name in ("socket", "socketpair"):
                fam = re.search(r"\((AF_[A-Z0-9]+)", line)
                families.add(fam.group(1) if fam else line.strip())
            elif name in ("open", "openat", "creat") and WRITE_FLAGS.search(line):
                written.add(first_string(line))
            elif name in ("mkdir", "mkdirat", "unlink", "unlinkat", "rename",
                          "renameat", "renameat2", "rmdir", "chmod", "fchmodat",
                          "chown", "fchownat", "mknod", "mknodat", "link", "linkat",
                          "symlink", "symlinkat", "truncate"):
                written.add(first_string(line))
            elif name == "bind" and "AF_UNIX" in line:
                written.add(first_string(line))
            elif name in ("mmap", "mprotect", "pkey_mprotect") and \
                    "PROT_WRITE" in line and "PROT_EXEC" in line:
                wx.append(line.strip())
    return {"started": started, "syscalls": sorted(calls), "families": sorted(families),
            "written": sorted(w for w in written if w is not None), "wx": wx}


def main():
    cmd = sys.argv[1]
    if cmd == "get":
        print("\n".join(service_values(sys.argv[2], sys.argv[3])))
    elif cmd == "syscalls":
        print("\n".join(allowed_syscalls(sys.argv[2])))
    elif cmd == "trace":
        with open(sys.argv[4], "w") as f:
            json.dump(trace(sys.argv[2], sys.argv[3]), f)
    else:
        raise SystemExit("unitcheck: unknown command " + cmd)


if __name__ == "__main__":
    main()
