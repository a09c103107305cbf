#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The differential conntrack harness: sends the crafted packet sequences of
the scenario files through gateways of the same shape (the kernel's
nf_conntrack in one, nfqfwd in the other), records after each step whether
the packet came out on the far side, what conntrack made of it and what the
gateway's connection table says, and checks all of it against the kernel
results recorded in the scenarios and, with two gateways, against each
other. ct-diff.sh builds the lab and runs `ctdiff.py run ...`;
`ctdiff.py check FILES` loads, validates and lists scenarios (no root
needed); `ctdiff.py quiet-rules` prints what the end hosts must drop.
"""

import argparse
import ctypes
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import time

from ctdiff_scenario import (CLASSES, CLIENT_PORT_BASE, CLIENT_PORT_LAST,
                             DROP, ECHO_ID_BASE, ECHO_ID_LAST, INVALID, PASS,
                             Flow, peer, load_scenarios, verdict_of)


# "control" is the kernel gateway with `ct state invalid accept` instead of
# drop: every packet must pass there and the states stay the same, which
# proves that a drop seen through "kernel" is conntrack's doing and not the
# lab's or the harness's (a bad checksum, a martian, a missed capture).
# "twin" is a second kernel gateway in nfqfwd's place, a self-test of the
# comparison: it must agree with "kernel" everywhere (no listed difference
# applies to it).
GATEWAY_KINDS = ("kernel", "nfqfwd", "control", "twin")

# Where `nfqfwctl -o json stats` counts the packets its conntrack classed as
# new, established, related and invalid (one integer each). A daemon without
# them gets its verdicts and states compared, not its classes (and the run
# says so).
NFQFWD_CLASS_PATH = ("conntrack", "packets")


# ---------------------------------------------------------------------------
# Connection tables as conntrack -L prints them

TUPLE_KEYS = ("src", "dst", "sport", "dport", "type", "code", "id")


def parse_ct_line(line):
    """One conntrack -L line ("tcp 6 119 SYN_SENT src=... [UNREPLIED] src=...
    mark=0 use=1") as a dict, or None if the line is not an entry."""
    words = line.split()
    if len(words) < 5 or not words[1].isdigit() or not words[2].isdigit():
        return None
    entry = {"proto": words[0], "timeout": int(words[2]), "state": None,
             "flags": set(), "tuples": []}
    rest = words[3:]
    if "=" not in rest[0] and not rest[0].startswith("["):
        entry["state"] = rest[0]
        rest = rest[1:]
    for w in rest:
        if w.startswith("[") and w.endswith("]"):
            entry["flags"].add(w[1:-1])
            continue
        key, eq, value = w.partition("=")
        if not eq or key not in TUPLE_KEYS:
            continue
        if key == "src" or not entry["tuples"]:
            entry["tuples"].append({})
        entry["tuples"][-1][key] = value
    if len(entry["tuples"]) != 2 or "dst" not in entry["tuples"][0]:
        return None
    return entry


def _same_addr(a, b):
    try:
        fam = socket.AF_INET6 if ":" in a else socket.AF_INET
        return socket.inet_pton(fam, a) == socket.inet_pton(fam, b)
    except OSError:
        return False


def entry_belongs(entry, flow):
    """True if ENTRY is one of FLOW's: its ports or echo id, or an ICMP
    entry that is not an echo (which only a mistake would create)."""
    orig = entry["tuples"][0]
    if not any(_same_addr(orig.get(k, ""), a) for k in ("src", "dst")
               for a in (flow.c, flow.s, flow.r)):
        return False
    if "sport" in orig:
        ports = {int(orig["sport"]), int(orig["dport"])}
        return bool(ports & {flow.cport, flow.other_cport})
    if entry["proto"] in ("icmp", "icmpv6"):
        echo_types = ("8", "0") if entry["proto"] == "icmp" else ("128", "129")
        if orig.get("type") in echo_types:
            return orig.get("id") == str(flow.echo_id)
        return True
    return False


def describe_entry(entry, flow):
    """"tcp C>S SYN_SENT [UNREPLIED]": protocol, who sent the first packet to
    whom (the original tuple), state, and the UNREPLIED/ASSURED flags."""
    orig = entry["tuples"][0]

    def who(addr):
        for name in ("C", "S", "R"):
            if _same_addr(addr, flow.addr(name)):
                return name
        return addr
    words = [entry["proto"], "%s>%s" % (who(orig["src"]), who(orig["dst"]))]
    if "sport" in orig and flow.other_cport in (int(orig["sport"]), int(orig["dport"])):
        words[1] += "(unknown flow)"
    if entry["state"]:
        words.append(entry["state"])
    for flag in ("UNREPLIED", "ASSURED"):
        if flag in entry["flags"]:
            words.append("[%s]" % flag)
    return " ".join(words)


def ct_view(lines, flow):
    """The scenario's entries, described and sorted, joined by " + "; "none"
    if there is none. Also returns the entries' raw lines."""
    mine = []
    for line in lines:
        entry = parse_ct_line(line)
        if entry and entry_belongs(entry, flow):
            mine.append((describe_entry(entry, flow), line.strip()))
    mine.sort()
    if not mine:
        return "none", []
    return " + ".join(d for d, _ in mine), [raw for _, raw in mine]


# ---------------------------------------------------------------------------
# The gateways: one lab each, packets sent and seen through AF_PACKET sockets

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns %s: %s" % (path, os.strerror(err)))
    finally:
        os.close(fd)


def packet_socket(netns, ifname):
    """An AF_PACKET socket on IFNAME in network namespace NETNS. A socket
    stays in the namespace it was made in, so this thread goes back home."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        _setns("/run/netns/" + netns)
        try:
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                 socket.htons(ETH_P_ALL))
            sock.bind((ifname, 0))
            sock.setblocking(False)
        finally:
            if _libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back home")
    finally:
        os.close(home)
    return sock


def link_mac(netns, ifname):
    out = subprocess.run(["ip", "-n", netns, "-j", "link", "show", "dev", ifname],
                         check=True, capture_output=True, text=True, timeout=5).stdout
    return json.loads(out)[0]["address"]


def l3_key(frame):
    """(family, src, dst, ident, l4 bytes) of an IPv4/IPv6 frame; ident is the
    IPv4 id or the IPv6 flow label, which the harness makes unique per packet."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if ethertype == 0x0800 and len(ip) >= 20:
        ihl = (ip[0] & 0x0f) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        ident = struct.unpack("!H", ip[4:6])[0]
        return (4, ip[12:16], ip[16:20], ident, ip[ihl:total])
    if ethertype == 0x86dd and len(ip) >= 40:
        label = struct.unpack("!I", ip[0:4])[0] & 0xfffff
        plen = struct.unpack("!H", ip[4:6])[0]
        return (6, ip[8:24], ip[24:40], label, ip[40:40 + plen])
    return None


class Gateway:
    """One lab: client and server namespaces around gateway GW_NS."""

    def __init__(self, kind, spec, wait, ctl=None, sock=None):
        (self.ns_c, self.ns_g, self.ns_s, self.if_c, self.if_gc,
         self.if_gs, self.if_s) = spec
        self.kind, self.wait, self.ctl, self.sock_path = kind, wait, ctl, sock
        self.sock = {"C": packet_socket(self.ns_c, self.if_c),
                     "S": packet_socket(self.ns_s, self.if_s)}
        self.mac = {"C": link_mac(self.ns_c, self.if_c),
                    "S": link_mac(self.ns_s, self.if_s)}
        self.gw_mac = {"C": link_mac(self.ns_g, self.if_gc),
                       "S": link_mac(self.ns_g, self.if_gs)}
        self.dropped = {}   # key of a packet judged dropped -> its step's label
        self.late = []      # labels of steps whose "dropped" packet came after all
        # Packets per conntrack class so far (None: cannot tell).
        self.classes = self._class_counts()

    def _class_counts(self):
        if self.kind == "nfqfwd":
            return self._nfqfwd_class_counts()
        r = self._run(["nft", "-j", "list", "counters"])
        if r.returncode != 0:
            raise RuntimeError("%s: nft list counters: %s" % (self.kind, r.stderr.strip()))
        counts = {}
        for obj in json.loads(r.stdout).get("nftables", []):
            c = obj.get("counter")
            if c and c.get("name", "").startswith("st_"):
                counts[c["name"][3:]] = c["packets"]
        if sorted(counts) != sorted(CLASSES):
            raise RuntimeError("%s: the gateway has no st_* counter for each of %s"
                               % (self.kind, ", ".join(CLASSES)))
        return counts

    def _nfqfwd_class_counts(self):
        """nfqfwd's packets per class, from `nfqfwctl -o json stats` at
        NFQFWD_CLASS_PATH, once it has them; None until then."""
        r = self._run([self.ctl, "-s", self.sock_path, "-o", "json", "stats"])
        if r.returncode != 0:
            return None
        try:
            obj = json.loads(r.stdout)
            for key in NFQFWD_CLASS_PATH:
                obj = obj[key]
            counts = {c: obj[c] for c in CLASSES}
        except (ValueError, KeyError, TypeError):
            return None
        if not all(isinstance(v, int) for v in counts.values()):
            return None
        return counts

    def classify(self):
        """The class of the packet just sent: the counter that grew ("none"
        if the packet never reached the forward hook), or None if this
        gateway cannot tell."""
        if self.classes is None:
            return None
        now = self._class_counts()
        if now is None:
            raise RuntimeError("%s: the per-class packet counters went away" % self.kind)
        grew = [c for c in CLASSES if now[c] != self.classes[c]]
        self.classes = now
        return "+".join(grew) if grew else "none"

    def _frame(self, flow, step, ident):
        from scapy.layers.inet import IP
        from scapy.layers.inet6 import IPv6
        from scapy.layers.l2 import Ether
        side = "S" if step.sender in ("S", "R") else "C"
        src, dst = flow.addr(step.sender), flow.addr(peer(step.sender))
        if flow.family == 4:
            l3 = IP(src=src, dst=dst, ttl=64, id=ident)
        else:
            l3 = IPv6(src=src, dst=dst, hlim=64, fl=ident)
        l2 = Ether(src=self.mac[side], dst=self.gw_mac[side])
        return side, bytes(l2 / l3 / step.packet.l4(flow, step.sender))

    def _read(self, sock, timeout):
        """Frames that arrived on SOCK (not those it sent), for up to TIMEOUT s."""
        ready, _, _ = select.select([sock], [], [], max(timeout, 0))
        frames = []
        while ready:
            try:
                data, addr = sock.recvfrom(65535)
            except BlockingIOError:
                break
            if addr[2] != socket.PACKET_OUTGOING:
                frames.append(data)
        return frames

    def _note_late(self, frames):
        for f in frames:
            key = l3_key(f)
            if key in self.dropped:
                self.late.append(self.dropped.pop(key))

    def exchange(self, flow, step, ident, label):
        """Sends STEP's packet and says whether it came out on the other
        side: PASS, DROP, or "changed" if it came out altered."""
        side, frame = self._frame(flow, step, ident)
        rx = self.sock["C" if side == "S" else "S"]
        self._note_late(self._read(rx, 0))
        self._note_late(self._read(self.sock[side], 0))
        sent = l3_key(frame)
        self.sock[side].send(frame)
        deadline = time.monotonic() + self.wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.dropped[sent] = label
                return DROP
            for f in self._read(rx, left):
                key = l3_key(f)
                if key == sent:
                    return PASS
                if key and key[:4] == sent[:4]:
                    return "changed"
                if key in self.dropped:
                    self.late.append(self.dropped.pop(key))

    def settle(self):
        """Collects stragglers after a scenario: a "dropped" packet that
        arrives now was not dropped. Returns the labels of such steps seen
        since the last call (those of earlier scenarios too: a packet judged
        dropped is watched for until the end of the run)."""
        for side in ("C", "S"):
            self._note_late(self._read(self.sock[side], 0.05))
        late, self.late = self.late, []
        return late

    def _run(self, argv):
        return subprocess.run(["ip", "netns", "exec", self.ns_g] + argv,
                              capture_output=True, text=True, timeout=10)

    def ct_lines(self, family):
        if self.kind != "nfqfwd":
            r = self._run(["conntrack", "-L", "-f", "ipv%d" % family])
        else:
            r = self._run([self.ctl, "-s", self.sock_path, "conntrack"])
        if r.returncode != 0:
            raise RuntimeError("%s: listing connections failed: %s"
                               % (self.kind, r.stderr.strip()))
        return r.stdout.splitlines()

    def ct_flush(self):
        if self.kind != "nfqfwd":
            cmds = [["conntrack", "-F", "-f", "ipv4"], ["conntrack", "-F", "-f", "ipv6"]]
        else:
            cmds = [[self.ctl, "-s", self.sock_path, "conntrack", "flush"]]
        for cmd in cmds:
            r = self._run(cmd)
            if r.returncode != 0:
                raise RuntimeError("%s: flushing connections failed: %s"
                                   % (self.kind, r.stderr.strip()))


# ---------------------------------------------------------------------------
# Running and judging

class Report:
    def __init__(self, verbose):
        self.passed = self.failed = 0
        self.verbose = verbose

    def check(self, ok, desc, detail=""):
        if ok:
            self.passed += 1
            print("ok - " + desc)
        else:
            self.failed += 1
            print("not ok - %s%s" % (desc, " (%s)" % detail if detail else ""))
        sys.stdout.flush()

    def note(self, text):
        print("# " + text)


def expected_for(kind, step, scenario):
    """What STEP must give on gateway KIND: (verdict, class, full state)."""
    info, ct = step.info, step.ct
    if kind == "nfqfwd" and step.differ is not None:
        info = step.differ.info or info
        ct = step.differ.ct if step.differ.ct is not None else ct
    # The control gateway accepts invalid packets, and nothing else changes.
    verdict = PASS if kind == "control" else verdict_of(info)
    return verdict, info, scenario.full_ct(ct)


def _said(verdict):
    return {PASS: "passed", DROP: "dropped"}.get(verdict, verdict)


def judge_step(report, kind, scenario, index, step, got):
    verdict, info, ct, raw = got
    want_verdict, want_info, want_ct = expected_for(kind, step, scenario)
    final = " (final)" if index == len(scenario.steps) else ""
    # The class where the gateway can tell it, or else just the verdict.
    shown = want_info if info is not None else want_verdict
    desc = "%s: %s %d%s %s: %s" % (kind, scenario.name, index, final,
                                   step.describe(), shown)
    if info is not None and want_verdict != verdict_of(want_info):
        desc += " (accepted)"
    problems = []
    if verdict != want_verdict:
        problems.append("the packet was " + _said(verdict))
    if info is not None and info != want_info:
        problems.append("conntrack made it " + info)
    if want_ct is not None:
        desc += ", " + want_ct
        if ct != want_ct:
            problems.append("connection state: " + ct)
    if problems and raw:
        problems.append("entries: " + " | ".join(raw))
    report.check(not problems, desc, "; ".join(problems))


def judge_agreement(report, scenario, index, step, results, other):
    """The kernel and gateway OTHER ran STEP: the verdicts, the classes
    (where OTHER can tell) and the states (where the scenario gives one)
    agree, or, for nfqfwd, differ exactly as the step lists."""
    k_verdict, k_info, k_ct, _ = results["kernel"]
    g_verdict, g_info, g_ct, _ = results[other]
    d = step.differ if other == "nfqfwd" else None
    want_info, want_ct = k_info, k_ct
    if d is not None and d.info is not None:
        want_info = d.info
    if d is not None and d.ct is not None:
        want_ct = scenario.full_ct(d.ct)
    desc = "kernel and %s agree: %s %d %s" % (other, scenario.name, index, step.describe())
    if d is not None:
        desc += " (listed difference: %s)" % d.why
    ok = (g_verdict == verdict_of(want_info) and
          (g_info is None or g_info == want_info) and
          (step.ct is None or g_ct == want_ct))
    report.check(ok, desc, "kernel %s (%s), %s; %s %s (%s), %s"
                 % (_said(k_verdict), k_info, k_ct, other, _said(g_verdict),
                    g_info or "class unknown", g_ct))


def run_scenario(report, scenario, index, gateways, addrs, ident):
    flow = Flow(scenario.family, addrs, index)
    if report.verbose:
        report.note("%s: %s" % (scenario.name, scenario.doc))
    for gw in gateways:
        gw.ct_flush()
    for n, step in enumerate(scenario.steps, 1):
        results = {}
        for gw in gateways:
            # IPv4 ids are 16 bits, IPv6 flow labels 20; 0 is left out.
            ident[0] = ident[0] % (0xffff if scenario.family == 4 else 0xfffff) + 1
            label = "%s: %s %d" % (gw.kind, scenario.name, n)
            verdict = gw.exchange(flow, step, ident[0], label)
            info = gw.classify()
            view, raw = ct_view(gw.ct_lines(scenario.family), flow)
            results[gw.kind] = (verdict, info, view, raw)
            judge_step(report, gw.kind, scenario, n, step, results[gw.kind])
        if len(results) == 2:
            other = [k for k in results if k != "kernel"][0]
            judge_agreement(report, scenario, n, step, results, other)
    for gw in gateways:
        late = gw.settle()
        report.check(not late, "%s: %s: no packet judged dropped came out later"
                     % (gw.kind, scenario.name), "arrived late: " + ", ".join(late))


def parse_addrs(text):
    """"c4,s4,r4,c6,s6,r6" -> {4: (c, s, r), 6: (c, s, r)}."""
    a = text.split(",")
    if len(a) != 6:
        raise argparse.ArgumentTypeError("--addrs needs six addresses")
    return {4: tuple(a[0:3]), 6: tuple(a[3:6])}


def parse_gateway(text):
    """"kind:C:G:S:ifC:ifGC:ifGS:ifS" -> (kind, (names...))."""
    parts = text.split(":")
    if len(parts) != 8 or parts[0] not in GATEWAY_KINDS:
        raise argparse.ArgumentTypeError("--gateway KIND:C:G:S:IF_C:IF_GC:IF_GS:IF_S")
    return parts[0], tuple(parts[1:])


def cmd_run(args):
    scenarios = load_scenarios(args.scenarios)
    if len(scenarios) > min((CLIENT_PORT_LAST - CLIENT_PORT_BASE + 1) // 2,
                            ECHO_ID_LAST - ECHO_ID_BASE + 1):
        raise SystemExit("too many scenarios for the port and id ranges")
    report = Report(args.verbose)
    gateways = [Gateway(kind, spec, args.wait, args.ctl, args.sock)
                for kind, spec in args.gateway]
    if any(g.classes is None for g in gateways):
        report.note("nfqfwd: the class of each packet (new, established, related, "
                    "invalid) is not compared: `nfqfwctl -o json stats` has no "
                    "counters at %s yet; its verdicts and states are"
                    % ".".join(NFQFWD_CLASS_PATH))
    only = re.compile(args.only) if args.only else None
    ident = [int(time.time()) & 0xfff]
    ran = 0
    started = time.monotonic()
    control = gateways[0].kind == "control"
    for index, sc in enumerate(scenarios):
        if only and not only.search(sc.name):
            continue
        if control and all(st.info != INVALID for st in sc.steps):
            continue
        try:
            run_scenario(report, sc, index, gateways, args.addrs, ident)
        except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
            # The harness could not finish this scenario: that fails it,
            # and the others still run.
            report.check(False, "%s: the scenario ran to its end" % sc.name, str(e))
        ran += 1
    report.note("%d scenarios on %s in %.1f s" % (
        ran, " and ".join(g.kind for g in gateways), time.monotonic() - started))
    if args.counts:
        with open(args.counts, "w") as f:
            f.write("%d %d %d\n" % (report.passed, report.failed, ran))
    return 0 if report.failed == 0 else 1


def cmd_quiet_rules(_args):
    """The nft matches an end host's input chain drops: everything of the
    crafted traffic, so that its own stack never answers it."""
    ports = "%d-%d" % (CLIENT_PORT_BASE, CLIENT_PORT_LAST)
    ids = "%d-%d" % (ECHO_ID_BASE, ECHO_ID_LAST)
    for direction in ("sport", "dport"):
        print("meta l4proto { tcp, udp } th %s %s" % (direction, ports))
    print("icmp type { echo-request, echo-reply } icmp id " + ids)
    print("icmpv6 type { echo-request, echo-reply } icmpv6 id " + ids)
    print("icmp type { destination-unreachable, time-exceeded }")
    print("icmpv6 type { destination-unreachable, time-exceeded }")
    return 0


def cmd_check(args):
    scenarios = load_scenarios(args.scenarios)
    for sc in scenarios:
        print("%-40s ipv%d %2d steps  %s" % (sc.name, sc.family, len(sc.steps), sc.doc))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run scenarios through gateways")
    run.add_argument("--gateway", action="append", type=parse_gateway, required=True)
    run.add_argument("--addrs", type=parse_addrs, required=True)
    run.add_argument("--ctl", help="nfqfwctl (for an nfqfwd gateway)")
    run.add_argument("--sock", help="nfqfwd's control socket")
    run.add_argument("--wait", type=float, default=0.5,
                     help="seconds to wait for a packet before calling it dropped")
    run.add_argument("--only", help="run only scenarios whose name matches this regex")
    run.add_argument("--counts", help="write 'PASSED FAILED SCENARIOS' to this file")
    run.add_argument("--verbose", action="store_true")
    run.add_argument("scenarios", nargs="+")
    chk = sub.add_parser("check", help="load, validate and list scenarios")
    chk.add_argument("scenarios", nargs="+")
    sub.add_parser("quiet-rules", help="print the nft matches end hosts drop")
    args = ap.parse_args(argv)
    if args.cmd == "run":
        if len({k for k, _ in args.gateway}) != len(args.gateway):
            ap.error("each gateway kind at most once")
        kinds = [k for k, _ in args.gateway]
        if "control" in kinds and len(kinds) > 1:
            ap.error("a control gateway runs alone")
        if len(kinds) > 2 or (len(kinds) == 2 and "kernel" not in kinds):
            ap.error("two gateways are compared with the kernel: one must be it")
        if any(k == "nfqfwd" for k, _ in args.gateway) and not (args.ctl and args.sock):
            ap.error("an nfqfwd gateway needs --ctl and --sock")
        return cmd_run(args)
    if args.cmd == "quiet-rules":
        return cmd_quiet_rules(args)
    return cmd_check(args)


if __name__ == "__main__":
    sys.exit(main())
