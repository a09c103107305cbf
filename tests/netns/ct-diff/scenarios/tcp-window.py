# SPDX-License-Identifier: GPL-2.0-or-later
"""TCP window scaling scenarios of the differential conntrack test: data at
the edge of a scaled window passes, and the same data is out of the window
when only one SYN offered scaling. Numbers: the server's SYN-ACK offers 1024
bytes (a SYN's window is never scaled), its next ACK the field 64, which is
64 << 7 = 8192 bytes when both ends sent wscale 7, so the client may send up
to 1001 + 8192 = 9193; the client's windows are 512 << 7 = 65536 bytes, so
the server may send up to 5001 + 65536 = 70537. The kernel accepts a segment
that starts past the edge when it overshoots by no more than the receiver's
largest window ("N bytes more than expected", a workaround for TCPs that
send too much); past that it is invalid."""

from ctdiff_scenario import C, S, NEW, ESTABLISHED, INVALID, Scenario, tcp

EDGE_C = 1001 + (64 << 7)      # 9193: the client's right edge, scaled
EDGE_S = 5001 + (512 << 7)     # 70537: the server's right edge, scaled


def scenarios(fam):
    t = "tcp%d-" % fam
    return [
        Scenario(t + "window-scaling", fam,
                 "both SYNs carry wscale 7: data up to the scaled edge passes, "
                 "a small overshoot is tolerated, far past the edge is invalid", [
                     C(tcp("S", 1000, wscale=7), NEW, "SYN_SENT [UNREPLIED]"),
                     S(tcp("SA", 5000, 1001, win=1024, wscale=7), ESTABLISHED, "SYN_RECV"),
                     C(tcp("A", 1001, 5001, win=512), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                     S(tcp("A", 5001, 1001, win=64), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                     C(tcp("PA", EDGE_C - 100, 5001, win=512, data=100), ESTABLISHED,
                       "ESTABLISHED [ASSURED]"),
                     C(tcp("PA", EDGE_C + 1, 5001, win=512, data=100), ESTABLISHED,
                       "ESTABLISHED [ASSURED]"),
                     C(tcp("PA", 30000, 5001, win=512, data=100), INVALID,
                       "ESTABLISHED [ASSURED]"),
                     S(tcp("PA", EDGE_S - 100, 1001, win=64, data=100), ESTABLISHED,
                       "ESTABLISHED [ASSURED]"),
                     S(tcp("PA", 5001 + 3 * 65536, 1001, win=64, data=100), INVALID,
                       "ESTABLISHED [ASSURED]"),
                 ]),

        Scenario(t + "window-scaling-one-side", fam,
                 "only the client's SYN carries wscale: no window is scaled, so "
                 "data at the would-be scaled edge is far out of the window", [
                     C(tcp("S", 1000, wscale=7), NEW, "SYN_SENT [UNREPLIED]"),
                     S(tcp("SA", 5000, 1001, win=1024), ESTABLISHED, "SYN_RECV"),
                     C(tcp("A", 1001, 5001, win=512), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                     S(tcp("A", 5001, 1001, win=64), ESTABLISHED, "ESTABLISHED [ASSURED]"),
                     C(tcp("PA", 1001 + 1024 - 100, 5001, win=512, data=100), ESTABLISHED,
                       "ESTABLISHED [ASSURED]"),
                     C(tcp("PA", EDGE_C - 100, 5001, win=512, data=100), INVALID,
                       "ESTABLISHED [ASSURED]"),
                 ]),
    ]


SCENARIOS = scenarios(4) + scenarios(6)
