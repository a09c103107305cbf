/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The line a rule's `log` writes: the one the kernel's LOG target writes
 * (net/netfilter/nf_log_syslog.c), so that what reads iptables' log lines
 * (fail2ban, logwatch, an operator's grep) reads ours unchanged. */
#ifndef NFQFW_LOGLINE_H
#define NFQFW_LOGLINE_H

#include <stddef.h>
#include <stdint.h>

#include "nfqfw/pkt.h"

/* Writes PREFIX (verbatim, as the kernel does), then "IN=IN OUT=OUT " (a
 * NULL name is written empty) and the fields of packet P, as the LOG target
 * without options (no --log-tcp-sequence, --log-tcp-options, --log-ip-options,
 * --log-uid) writes them: "SRC= DST= LEN= TOS= PREC= TTL= ID= DF PROTO=TCP
 * SPT= DPT= WINDOW= RES= SYN URGP=" and so on for UDP, ICMP (with the
 * quoted packet of an error between brackets), AH, ESP, IPv6 with its
 * extension headers, fragments and other protocols ("PROTO=47").
 *
 * Reads only P->data[0 .. P->len): a field whose header is not all there
 * is written as the kernel writes it for a short packet ("INCOMPLETE [N
 * bytes]", "TRUNCATED"), N counting the bytes there are.
 *
 * MARK is written last as "MARK=0x%x" when it is not 0, as the kernel
 * writes the packet's mark, and not after a field where the kernel's line
 * stops early (a cut TCP, UDP or ICMPv6 header, "TRUNCATED"). The caller
 * passes the mark the packet has when the rule logs it.
 *
 * Not written, because NFQUEUE does not give us what they show: "MAC="
 * (the link header) and "UID=". The kernel's line ends with a space; this
 * one does not.
 *
 * snprintf's contract: at most SIZE bytes with the NUL (none when SIZE is
 * 0, BUF may then be NULL); returns the whole line's length, so a return
 * >= SIZE means the line was cut. */
size_t filter_log_line(char *buf, size_t size, const char *prefix, const char *in,
		       const char *out, const struct pkt *p, uint32_t mark);

#endif
