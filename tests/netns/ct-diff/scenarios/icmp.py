# SPDX-License-Identifier: GPL-2.0-or-later
"""ICMP and ICMPv6 scenarios of the differential conntrack test: echo both
ways and an echo reply nobody asked for; errors (port unreachable, time
exceeded) that quote a live flow (RELATED: they pass), that quote a flow
nobody opened (INVALID: dropped), and one that quotes a live flow but is
addressed to the wrong end. Over IPv4 and IPv6. The time exceeded comes from
a router R on the server's side (198.51.100.3, 2001:db8:2::3)."""

from ctdiff_scenario import (C, S, R, NEW, ESTABLISHED, RELATED, INVALID,
                             Scenario, echo_reply, echo_request, port_unreachable,
                             tcp, time_exceeded, udp)


def scenarios(fam):
    t = "icmp%d-" % fam
    return [
        Scenario(t + "echo-client", fam, "the client pings the server", [
            C(echo_request(1), NEW, "[UNREPLIED]"),
            S(echo_reply(1), ESTABLISHED, ""),
            C(echo_request(2), ESTABLISHED, ""),
            S(echo_reply(2), ESTABLISHED, ""),
        ], proto="icmp"),

        Scenario(t + "echo-server", fam, "the server pings the client", [
            S(echo_request(1), NEW, "[UNREPLIED]"),
            C(echo_reply(1), ESTABLISHED, ""),
        ], proto="icmp", origin="S"),

        Scenario(t + "echo-reply-unsolicited", fam,
                 "an echo reply without a request opens nothing: invalid, dropped", [
                     C(echo_reply(1), INVALID, "none"),
                     S(echo_reply(1), INVALID, "none"),
                 ], proto="icmp"),

        Scenario(t + "port-unreachable-live", fam,
                 "the server's port unreachable for the client's UDP flow is "
                 "RELATED and passes; the flow stays unreplied", [
                     C(udp(b"hello"), NEW, "[UNREPLIED]"),
                     S(port_unreachable(udp(b"hello")), RELATED, "[UNREPLIED]"),
                 ], proto="udp"),

        Scenario(t + "time-exceeded-live", fam,
                 "a router's time exceeded for the client's SYN is RELATED and passes", [
                     C(tcp("S", 1000), NEW, "SYN_SENT [UNREPLIED]"),
                     R(time_exceeded(tcp("S", 1000)), RELATED, "SYN_SENT [UNREPLIED]"),
                 ]),

        Scenario(t + "port-unreachable-unknown", fam,
                 "a port unreachable quoting a UDP flow nobody opened is INVALID", [
                     C(udp(b"hello"), NEW, "[UNREPLIED]"),
                     S(port_unreachable(udp(b"hello", flow="other")), INVALID, "[UNREPLIED]"),
                 ], proto="udp"),

        Scenario(t + "time-exceeded-unknown", fam,
                 "a time exceeded quoting a TCP flow nobody opened is INVALID", [
                     R(time_exceeded(tcp("S", 1000, flow="other")), INVALID, "none"),
                 ]),

        Scenario(t + "error-wrong-destination", fam,
                 "an error that quotes a live flow but goes to the server, not to "
                 "the client that sent the quoted packet, is INVALID", [
                     C(udp(b"hello"), NEW, "[UNREPLIED]"),
                     C(port_unreachable(udp(b"hello"), quote_from="C"), INVALID,
                       "[UNREPLIED]"),
                 ], proto="udp"),
    ]


SCENARIOS = scenarios(4) + scenarios(6)
