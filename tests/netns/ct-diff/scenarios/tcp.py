# SPDX-License-Identifier: GPL-2.0-or-later
"""TCP scenarios of the differential conntrack test: opening (three-way,
simultaneous, retransmitted SYN, refused), data, closing from either side,
resets in and out of the window, SYN in ESTABLISHED, mid-stream pickup and
TIME_WAIT reuse, each over IPv4 and IPv6. The classes (new, established,
invalid: invalid ones are dropped) and states are the kernel's (nf_conntrack,
tcp_loose=1, tcp_be_liberal=0), recorded by running the scenarios through the
kernel gateway. A packet of the side that opened the connection is "new"
until the other side has answered. The client's ISN is 1000 and the server's
5000 unless a scenario says otherwise."""

from ctdiff_scenario import C, S, NEW, ESTABLISHED, INVALID, Scenario, tcp

ISN_C, ISN_S = 1000, 5000
C1, S1 = ISN_C + 1, ISN_S + 1     # the first sequence numbers after the SYNs


def handshake():
    return [
        C(tcp("S", ISN_C, mss=1460), NEW, "SYN_SENT [UNREPLIED]"),
        S(tcp("SA", ISN_S, C1, mss=1460), ESTABLISHED, "SYN_RECV"),
        C(tcp("A", C1, S1), ESTABLISHED, "ESTABLISHED [ASSURED]"),
    ]


def scenarios(fam):
    t = "tcp%d-" % fam
    return [
        Scenario(t + "handshake", fam, "three-way handshake", handshake()),

        Scenario(t + "simultaneous-open", fam,
                 "both ends send a SYN, then each answers the other's with a SYN-ACK", [
                     C(tcp("S", ISN_C), NEW, "SYN_SENT [UNREPLIED]"),
                     S(tcp("S", ISN_S), ESTABLISHED, "SYN_SENT2"),
                     C(tcp("SA", ISN_C, S1), ESTABLISHED, "SYN_RECV"),
                     S(tcp("SA", ISN_S, C1), ESTABLISHED, "SYN_RECV"),
                     C(tcp("A", C1, S1), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                     S(tcp("A", S1, C1), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                 ]),

        Scenario(t + "retransmitted-syn", fam,
                 "the client's SYN is sent twice before the SYN-ACK", [
                     C(tcp("S", ISN_C), NEW, "SYN_SENT [UNREPLIED]"),
                     C(tcp("S", ISN_C), NEW, "SYN_SENT [UNREPLIED]"),
                     S(tcp("SA", ISN_S, C1), ESTABLISHED, "SYN_RECV"),
                     S(tcp("SA", ISN_S, C1), ESTABLISHED, "SYN_RECV"),
                     C(tcp("A", C1, S1), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                 ]),

        Scenario(t + "refused", fam,
                 "the server answers the SYN with RST-ACK: the entry goes at once", [
                     C(tcp("S", ISN_C), NEW, "SYN_SENT [UNREPLIED]"),
                     S(tcp("RA", 0, C1, win=0), ESTABLISHED, "none"),
                 ]),

        Scenario(t + "data", fam, "data both ways, each acknowledged", handshake() + [
            C(tcp("PA", C1, S1, data=100), ESTABLISHED, "ESTABLISHED [ASSURED]"),
            S(tcp("A", S1, C1 + 100), ESTABLISHED, "ESTABLISHED [ASSURED]"),
            S(tcp("PA", S1, C1 + 100, data=200), ESTABLISHED, "ESTABLISHED [ASSURED]"),
            C(tcp("A", C1 + 100, S1 + 200), ESTABLISHED, "ESTABLISHED [ASSURED]"),
        ]),

        Scenario(t + "fin-client", fam, "the client closes first", handshake() + [
            C(tcp("FA", C1, S1), ESTABLISHED, "FIN_WAIT [ASSURED]"),
            S(tcp("A", S1, C1 + 1), ESTABLISHED, "CLOSE_WAIT [ASSURED]"),
            S(tcp("FA", S1, C1 + 1), ESTABLISHED, "LAST_ACK [ASSURED]"),
            C(tcp("A", C1 + 1, S1 + 1), ESTABLISHED, "TIME_WAIT [ASSURED]"),
        ]),

        Scenario(t + "fin-server", fam, "the server closes first", handshake() + [
            S(tcp("FA", S1, C1), ESTABLISHED, "FIN_WAIT [ASSURED]"),
            C(tcp("A", C1, S1 + 1), ESTABLISHED, "CLOSE_WAIT [ASSURED]"),
            C(tcp("FA", C1, S1 + 1), ESTABLISHED, "LAST_ACK [ASSURED]"),
            S(tcp("A", S1 + 1, C1 + 1), ESTABLISHED, "TIME_WAIT [ASSURED]"),
        ]),

        Scenario(t + "rst-exact", fam,
                 "RST at exactly the sequence number the peer acknowledged: CLOSE",
                 handshake() + [
                     C(tcp("R", C1, win=0), ESTABLISHED, "CLOSE [ASSURED]"),
                 ]),

        Scenario(t + "rst-in-window", fam,
                 "RST inside the window but not at the next sequence number: it "
                 "passes (the peer may answer with a challenge ACK) and the state "
                 "stays", handshake() + [
                     C(tcp("R", C1 + 50, win=0), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                     C(tcp("R", C1, win=0), ESTABLISHED, "CLOSE [ASSURED]"),
                 ]),

        Scenario(t + "rst-out-of-window", fam,
                 "RST far above the window and below what the peer acknowledged: "
                 "invalid, dropped, the state stays", handshake() + [
                     C(tcp("R", C1 + 200000, win=0), INVALID, "ESTABLISHED [ASSURED]"),
                     S(tcp("R", S1 - 100000, win=0), INVALID, "ESTABLISHED [ASSURED]"),
                     C(tcp("A", C1, S1), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                 ]),

        Scenario(t + "syn-in-established", fam,
                 "a new SYN in ESTABLISHED passes without changing the state; the "
                 "server's challenge ACK passes too", handshake() + [
                     C(tcp("S", 90000), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                     S(tcp("A", S1, C1), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                     C(tcp("A", C1, S1), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                 ]),

        Scenario(t + "syn-in-established-resync", fam,
                 "a new SYN in ESTABLISHED that the server accepts (it restarted): "
                 "its SYN-ACK puts the entry back in sync", handshake() + [
                     C(tcp("S", 90000), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                     S(tcp("SA", 70000, 90001), ESTABLISHED, "SYN_RECV [ASSURED]"),
                     C(tcp("A", 90001, 70001), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                 ]),

        Scenario(t + "midstream-pickup", fam,
                 "the first packet seen is a bare ACK of a connection already open "
                 "(nf_conntrack_tcp_loose=1): picked up as ESTABLISHED; the first "
                 "answer marks it replied, the packet after that ASSURED", [
                     C(tcp("A", 20000, 80000), NEW, "ESTABLISHED [UNREPLIED]"),
                     S(tcp("A", 80000, 20000), ESTABLISHED, "ESTABLISHED"),
                     C(tcp("PA", 20000, 80000, data=50), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                     S(tcp("A", 80000, 20050), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                 ]),

        Scenario(t + "time-wait-reuse", fam,
                 "a new SYN on the tuple of a connection in TIME_WAIT opens a new one",
                 handshake() + [
                     C(tcp("FA", C1, S1), ESTABLISHED, "FIN_WAIT [ASSURED]"),
                     S(tcp("FA", S1, C1 + 1), ESTABLISHED, "LAST_ACK [ASSURED]"),
                     C(tcp("A", C1 + 1, S1 + 1), ESTABLISHED, "TIME_WAIT [ASSURED]"),
                     C(tcp("S", 30000), NEW, "SYN_SENT [UNREPLIED]"),
                     S(tcp("SA", 60000, 30001), ESTABLISHED, "SYN_RECV"),
                     C(tcp("A", 30001, 60001), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                 ]),
    ]


SCENARIOS = scenarios(4) + scenarios(6)
