# SPDX-License-Identifier: GPL-2.0-or-later
"""UDP scenarios of the differential conntrack test: a flow opened by the
client and one opened by the server, each UNREPLIED until the other end
answers, over IPv4 and IPv6. States as the kernel gives them (a UDP entry
becomes ASSURED only once it has lived as a stream for a while, which these
short exchanges never reach)."""

from ctdiff_scenario import C, S, NEW, ESTABLISHED, Scenario, udp


def scenarios(fam):
    t = "udp%d-" % fam
    return [
        Scenario(t + "client-first", fam, "client to server, then the answer", [
            C(udp(b"question"), NEW, "[UNREPLIED]"),
            C(udp(b"again"), NEW, "[UNREPLIED]"),
            S(udp(b"answer"), ESTABLISHED, ""),
            C(udp(b"thanks"), ESTABLISHED, ""),
        ], proto="udp"),

        Scenario(t + "server-first", fam, "server to client, then the answer", [
            S(udp(b"notify"), NEW, "[UNREPLIED]"),
            C(udp(b"ack"), ESTABLISHED, ""),
        ], proto="udp", origin="S"),
    ]


SCENARIOS = scenarios(4) + scenarios(6)
