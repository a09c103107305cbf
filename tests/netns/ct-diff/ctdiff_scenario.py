# SPDX-License-Identifier: GPL-2.0-or-later
"""The scenario language of the differential conntrack test: the packets
(tcp(), udp(), echo_request(), echo_reply(), port_unreachable(),
time_exceeded()), the steps that send them (C: the client, S: the server,
R: a router on the server's side), each with the class the kernel's conntrack
gives the packet (NEW, ESTABLISHED, RELATED, INVALID; the gateways drop
exactly the INVALID ones) and the connection state after it, and the intended
differences of nfqfwd (Differ). Scenario files (scenarios/*.py) import these
names and define SCENARIOS; ctdiff.py runs them.

A connection state is written as conntrack -L shows it, without the
numbers and tuples: "tcp C>S SYN_SENT [UNREPLIED]" (protocol, who sent the
first packet to whom, state, flags); a scenario's protocol and origin may be
left out ("SYN_SENT [UNREPLIED]"), "" is an entry without state or flags (a
replied UDP flow), "none" means no entry at all.
"""

import importlib.util
import os
import re
import sys

# The scenario files are loaded from the source tree, which is no place for
# compiled leftovers (and may be read-only).
sys.dont_write_bytecode = True

PASS = "pass"
DROP = "drop"

# What conntrack makes of a packet (nft's ct state names). The gateways
# drop exactly the invalid ones, so the class also says the verdict.
NEW = "new"
ESTABLISHED = "established"
RELATED = "related"
INVALID = "invalid"
CLASSES = (NEW, ESTABLISHED, RELATED, INVALID)


def verdict_of(cls):
    return DROP if cls == INVALID else PASS


# Port and identifier ranges of the crafted traffic. The end hosts drop these
# in their input chain (ct-diff.sh), so that their own stacks stay silent.
CLIENT_PORT_BASE = 40000    # scenario i: 40000 + 2i (its flow), +1 (unknown flow)
CLIENT_PORT_LAST = 41999
SERVER_PORT = 7001
ECHO_ID_BASE = 17000        # scenario i: 17000 + i
ECHO_ID_LAST = 17999


class Flow:
    """The addresses and ports of one scenario: client C, server S and a
    router R beyond the server's side (the source of time exceeded)."""

    def __init__(self, family, addrs, index):
        self.family = family
        self.c, self.s, self.r = addrs[family]
        self.cport = CLIENT_PORT_BASE + 2 * index
        self.other_cport = self.cport + 1
        self.sport = SERVER_PORT
        self.echo_id = ECHO_ID_BASE + index

    def addr(self, who):
        return {"C": self.c, "S": self.s, "R": self.r}[who]

    def ports(self, sender, which):
        """(source port, destination port) of a packet SENDER sends on the
        scenario's own flow or on the unknown one."""
        cport = self.cport if which == "main" else self.other_cport
        return (cport, self.sport) if sender == "C" else (self.sport, cport)


def peer(sender):
    return "S" if sender == "C" else "C"


class Packet:
    """A packet to send, built for a flow and a sender (C, S or R)."""

    proto = None

    def l4(self, flow, sender):
        raise NotImplementedError

    def describe(self):
        raise NotImplementedError


class Tcp(Packet):
    proto = "tcp"

    def __init__(self, flags, seq=0, ack=0, win=65535, data=0, wscale=None,
                 mss=None, flow="main"):
        # Sequence arithmetic is modulo 2^32: "S1 - 100000" is a number too.
        self.flags, self.seq, self.ack = flags, seq & 0xffffffff, ack & 0xffffffff
        self.win = win
        self.data = b"d" * data if isinstance(data, int) else bytes(data)
        self.wscale, self.mss, self.flow = wscale, mss, flow

    def l4(self, flow, sender):
        from scapy.layers.inet import TCP
        from scapy.packet import Raw
        sport, dport = flow.ports(sender, self.flow)
        opts = []
        if self.mss is not None:
            opts.append(("MSS", self.mss))
        if self.wscale is not None:
            opts.append(("WScale", self.wscale))
        seg = TCP(sport=sport, dport=dport, flags=self.flags, seq=self.seq,
                  ack=self.ack, window=self.win, options=opts)
        return seg / Raw(self.data) if self.data else seg

    def describe(self):
        s = "tcp %s seq=%d" % (self.flags, self.seq)
        if "A" in self.flags:
            s += " ack=%d" % self.ack
        s += " win=%d" % self.win
        if self.wscale is not None:
            s += " wscale=%d" % self.wscale
        if self.data:
            s += " len=%d" % len(self.data)
        return s + (" (unknown flow)" if self.flow != "main" else "")


class Udp(Packet):
    proto = "udp"

    def __init__(self, data=b"ct-diff", flow="main"):
        self.data, self.flow = bytes(data), flow

    def l4(self, flow, sender):
        from scapy.layers.inet import UDP
        from scapy.packet import Raw
        sport, dport = flow.ports(sender, self.flow)
        return UDP(sport=sport, dport=dport) / Raw(self.data)

    def describe(self):
        return "udp len=%d%s" % (len(self.data),
                                 " (unknown flow)" if self.flow != "main" else "")


class Echo(Packet):
    proto = "icmp"

    def __init__(self, reply, seq=1):
        self.reply, self.seq = reply, seq

    def l4(self, flow, sender):
        from scapy.layers.inet import ICMP
        from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6EchoRequest
        from scapy.packet import Raw
        payload = Raw(b"ct-diff echo")
        if flow.family == 4:
            return ICMP(type=0 if self.reply else 8, id=flow.echo_id, seq=self.seq) / payload
        cls = ICMPv6EchoReply if self.reply else ICMPv6EchoRequest
        return cls(id=flow.echo_id, seq=self.seq) / payload

    def describe(self):
        return "echo %s seq=%d" % ("reply" if self.reply else "request", self.seq)


class IcmpError(Packet):
    """An ICMP(v6) error quoting QUOTE as QUOTE_FROM sent it."""

    proto = "icmp"
    KINDS = {  # kind: ((type, code) for ICMP, (type, code) for ICMPv6)
        "port-unreachable": ((3, 3), (1, 4)),
        "time-exceeded": ((11, 0), (3, 0)),
    }

    def __init__(self, kind, quote, quote_from="C"):
        if kind not in self.KINDS:
            raise ValueError("unknown ICMP error kind %r" % kind)
        self.kind, self.quote, self.quote_from = kind, quote, quote_from

    def l4(self, flow, sender):
        from scapy.layers.inet import ICMP, IP
        from scapy.layers.inet6 import IPv6, ICMPv6DestUnreach, ICMPv6TimeExceeded
        src, dst = flow.addr(self.quote_from), flow.addr(peer(self.quote_from))
        inner_l4 = self.quote.l4(flow, self.quote_from)
        if flow.family == 4:
            typ, code = self.KINDS[self.kind][0]
            return ICMP(type=typ, code=code) / IP(src=src, dst=dst, ttl=1) / inner_l4
        typ, code = self.KINDS[self.kind][1]
        cls = ICMPv6DestUnreach if typ == 1 else ICMPv6TimeExceeded
        return cls(code=code) / IPv6(src=src, dst=dst, hlim=1) / inner_l4

    def describe(self):
        return "%s quoting %s>%s %s" % (self.kind, self.quote_from,
                                         peer(self.quote_from), self.quote.describe())


def tcp(flags, seq=0, ack=0, **kw):
    return Tcp(flags, seq, ack, **kw)


def udp(data=b"ct-diff", **kw):
    return Udp(data, **kw)


def echo_request(seq=1):
    return Echo(False, seq)


def echo_reply(seq=1):
    return Echo(True, seq)


def port_unreachable(quote, quote_from="C"):
    return IcmpError("port-unreachable", quote, quote_from)


def time_exceeded(quote, quote_from="C"):
    return IcmpError("time-exceeded", quote, quote_from)


class Differ:
    """An intended difference of nfqfwd from the kernel at one step: the
    class it gives the packet (and so its verdict) and/or the connection
    state after it, and why that is right."""

    def __init__(self, why, info=None, ct=None):
        self.why, self.info, self.ct = why, info, ct


class Step:
    """SENDER sends PACKET; the kernel classes it as INFO (new, established,
    related or invalid: invalid ones are dropped) and its connection table
    then reads CT (None: not checked at this step)."""

    def __init__(self, sender, packet, info, ct=None, differ=None):
        self.sender, self.packet, self.info = sender, packet, info
        self.ct, self.differ = ct, differ

    def describe(self):
        dst = "C" if self.sender in ("S", "R") else "S"
        return "%s>%s %s" % (self.sender, dst, self.packet.describe())


def C(packet, info, ct=None, differ=None):
    """A step: the client sends PACKET towards the server."""
    return Step("C", packet, info, ct, differ)


def S(packet, info, ct=None, differ=None):
    """A step: the server sends PACKET towards the client."""
    return Step("S", packet, info, ct, differ)


def R(packet, info, ct=None, differ=None):
    """A step: a router on the server's side sends PACKET to the client."""
    return Step("R", packet, info, ct, differ)


class Scenario:
    """NAME: unique; STEPS: the sequence; PROTO and ORIGIN (who opened the
    flow) complete short connection states: "SYN_SENT [UNREPLIED]" stands
    for "tcp C>S SYN_SENT [UNREPLIED]". "none" means no entry at all."""

    def __init__(self, name, family, doc, steps, proto="tcp", origin="C"):
        self.name, self.family, self.doc = name, family, doc
        self.steps, self.proto, self.origin = steps, proto, origin

    def full_ct(self, short):
        if short is None or short == "none":
            return short
        parts = []
        for entry in short.split(" + "):
            words = entry.split()
            if words and words[0] in ("tcp", "udp", "icmp", "icmpv6"):
                parts.append(entry)
                continue
            proto = self.proto
            if proto == "icmp" and self.family == 6:
                proto = "icmpv6"
            origin = "%s>%s" % (self.origin, peer(self.origin))
            parts.append(" ".join([proto, origin] + words))
        return " + ".join(parts)


def validate(scenarios):
    """Raises ValueError on the first mistake in the scenario list."""
    names = set()
    for sc in scenarios:
        where = "scenario %s" % sc.name
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", sc.name or ""):
            raise ValueError("%s: bad name" % where)
        if sc.name in names:
            raise ValueError("%s: name used twice" % where)
        names.add(sc.name)
        if sc.family not in (4, 6) or not sc.doc or not sc.steps:
            raise ValueError("%s: needs a family (4/6), a doc and steps" % where)
        for i, st in enumerate(sc.steps, 1):
            if st.sender not in ("C", "S", "R") or st.info not in CLASSES:
                raise ValueError("%s step %d: bad sender or class" % (where, i))
            if not isinstance(st.packet, Packet):
                raise ValueError("%s step %d: not a packet" % (where, i))
            d = st.differ
            if d is not None:
                if not d.why or (d.info is None and d.ct is None):
                    raise ValueError("%s step %d: a difference needs a reason and "
                                     "what differs" % (where, i))
                if d.info is not None and d.info not in CLASSES:
                    raise ValueError("%s step %d: bad class in difference" % (where, i))
                if d.info == st.info or (d.ct is not None and d.ct == st.ct):
                    raise ValueError("%s step %d: a listed difference must differ"
                                     % (where, i))
                if d.ct is not None and st.ct is None:
                    raise ValueError("%s step %d: a state difference needs the "
                                     "kernel's state" % (where, i))
        if sc.steps[-1].ct is None:
            raise ValueError("%s: the last step must give the final state" % where)


def load_scenarios(paths):
    scenarios = []
    for path in paths:
        spec = importlib.util.spec_from_file_location(
            "ctdiff_scenarios_" + os.path.basename(path)[:-3].replace("-", "_"), path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        scenarios.extend(mod.SCENARIOS)
    validate(scenarios)
    return scenarios

