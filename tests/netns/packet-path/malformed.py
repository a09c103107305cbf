#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hand-made malformed IPv4/IPv6 packets (and well-formed controls) for
malformed.sh, sent as raw Ethernet frames so that no kernel on the client
side repairs them. Each packet carries an identity (IPv4 id, IPv6 flow label)
by which a capture on the server tells which of them arrived.

  malformed.py list
  malformed.py send IFACE DST_MAC SRC4 DST4 SRC6 DST6 CASE...
  malformed.py seen PCAP        (identities found in a capture)
"""

import struct
import sys

IDENT_BASE = 0x4E00

# name, family, what should happen: "good" (a control that must arrive),
# "kernel" (the gateway's kernel drops it before any netfilter hook), or the
# malformed-reason counter of nfqfwd that must count it; and whether the
# gateway forwards it when nfqfwd accepts it (IPv4 options are checked by the
# kernel after prerouting, so that one is dropped there).
CASES = [
    ("good4_tcp", 4, "good", True),
    ("good6_udp", 6, "good", True),
    ("tcp4_truncated", 4, "tcp_truncated", True),
    ("tcp6_truncated", 6, "tcp_truncated", True),
    ("tcp4_doff_past_segment", 4, "tcp_doff", True),
    ("tcp6_doff_too_small", 6, "tcp_doff", True),
    ("tcp4_option_overruns", 4, "tcp_options", True),
    ("tcp6_option_len_zero", 6, "tcp_options", True),
    ("udp4_length_too_long", 4, "udp_length", True),
    ("udp6_length_too_short", 6, "udp_length", True),
    ("ipv4_option_overruns", 4, "ipv4_options", False),
    ("ipv6_destopt_truncated", 6, "ipv6_exthdr", True),
    ("ipv4_ihl_too_small", 4, "kernel", False),
    ("ipv4_totlen_too_long", 4, "kernel", False),
    ("ipv6_plen_too_long", 6, "kernel", False),
]


def ident(name):
    return IDENT_BASE + [c[0] for c in CASES].index(name)


def ipv4_with_options(src, dst, ident_, proto, options, payload):
    """An IPv4 packet whose option bytes are taken as they are (scapy
    would try to make sense of them)."""
    from scapy.utils import checksum
    from socket import inet_aton

    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload),
                      ident_, 0, 64, proto, 0, inet_aton(src), inet_aton(dst)) + options
    csum = checksum(hdr)
    return hdr[:10] + struct.pack("!H", csum) + hdr[12:] + payload


def build(name, src4, dst4, src6, dst6):
    """The IP packet of case NAME (a scapy packet or bytes)."""
    from scapy.all import IP, IPv6, TCP, UDP, Raw

    i = ident(name)
    sport = 40000 + (i - IDENT_BASE)
    ip4 = IP(src=src4, dst=dst4, id=i)
    ip6 = IPv6(src=src6, dst=dst6, fl=i)
    syn = TCP(sport=sport, dport=9, flags="S", seq=1000, window=1024)

    if name == "good4_tcp":
        return ip4 / syn
    if name == "good6_udp":
        return ip6 / UDP(sport=sport, dport=9) / Raw(b"control")
    # Ten bytes where a twenty-byte TCP header should be.
    if name == "tcp4_truncated":
        return IP(src=src4, dst=dst4, id=i, proto=6) / Raw(bytes(syn)[:10])
    if name == "tcp6_truncated":
        return IPv6(src=src6, dst=dst6, fl=i, nh=6) / Raw(bytes(syn)[:10])
    # Data offset 15 (60 bytes) in a 20-byte segment; data offset 3.
    if name == "tcp4_doff_past_segment":
        return ip4 / TCP(sport=sport, dport=9, flags="S", dataofs=15)
    if name == "tcp6_doff_too_small":
        return ip6 / TCP(sport=sport, dport=9, flags="S", dataofs=3)
    # A 4-byte option space holding an MSS option that claims 8 bytes; an
    # option whose length byte is 0 (a parser that trusts it never advances).
    if name == "tcp4_option_overruns":
        return ip4 / TCP(sport=sport, dport=9, flags="S", dataofs=6) / Raw(b"\x02\x08\x05\xb4")
    if name == "tcp6_option_len_zero":
        return ip6 / TCP(sport=sport, dport=9, flags="S", dataofs=6) / Raw(b"\x03\x00\x01\x01")
    # UDP length 200 on an 8-byte payload; UDP length 4 (< the header).
    if name == "udp4_length_too_long":
        return ip4 / UDP(sport=sport, dport=9, len=200) / Raw(b"x" * 8)
    if name == "udp6_length_too_short":
        return ip6 / UDP(sport=sport, dport=9, len=4) / Raw(b"x" * 8)
    # Record route claiming 16 bytes in a 4-byte option space. The kernel
    # parses IPv4 options only after the prerouting hook.
    if name == "ipv4_option_overruns":
        tcp = bytes(IP(src=src4, dst=dst4) / syn)[20:]
        return ipv4_with_options(src4, dst4, i, 6, b"\x07\x10\x04\x00", tcp)
    # A destination options header that claims 16 bytes with 6 present; a
    # forwarding kernel does not look into it.
    if name == "ipv6_destopt_truncated":
        return IPv6(src=src6, dst=dst6, fl=i, nh=60) / Raw(b"\x3b\x01\x01\x02\x00\x00")
    # These three never reach a hook: ip_rcv_core() / ip6_rcv_core() drop
    # them (IpInHdrErrors, IpExtInTruncatedPkts, Ip6InTruncatedPkts).
    if name == "ipv4_ihl_too_small":
        return IP(src=src4, dst=dst4, id=i, ihl=4) / syn
    if name == "ipv4_totlen_too_long":
        return IP(src=src4, dst=dst4, id=i, len=400) / syn
    if name == "ipv6_plen_too_long":
        return IPv6(src=src6, dst=dst6, fl=i, plen=400) / syn
    raise SystemExit(f"unknown case {name}")


def cmd_list():
    for name, fam, expect, forwarded in CASES:
        print(name, fam, expect, "forwarded" if forwarded else "stopped", ident(name))


def cmd_send(iface, dst_mac, src4, dst4, src6, dst6, names):
    from scapy.all import Ether, sendp

    family = {c[0]: c[1] for c in CASES}
    frames = []
    for name in names:
        pkt = bytes(build(name, src4, dst4, src6, dst6))
        etype = 0x0800 if family[name] == 4 else 0x86DD
        frames.append(Ether(dst=dst_mac, type=etype) / pkt)
    sendp(frames, iface=iface, verbose=False)


def cmd_seen(pcap):
    """Prints the identity of every IPv4/IPv6 frame in PCAP, from the raw
    bytes (a malformed packet need not dissect)."""
    from scapy.all import rdpcap

    for frame in rdpcap(pcap):
        b = bytes(frame)
        if len(b) < 18:
            continue
        etype = struct.unpack("!H", b[12:14])[0]
        if etype == 0x0800 and len(b) >= 20:
            print(struct.unpack("!H", b[18:20])[0])
        elif etype == 0x86DD and len(b) >= 18:
            print(struct.unpack("!I", b[14:18])[0] & 0xFFFFF)


def main(argv):
    if len(argv) >= 2 and argv[1] == "list":
        cmd_list()
    elif len(argv) >= 9 and argv[1] == "send":
        cmd_send(*argv[2:8], argv[8:])
    elif len(argv) == 3 and argv[1] == "seen":
        cmd_seen(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
