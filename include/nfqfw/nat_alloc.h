/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NAT bindings: the address and port (or ICMP identifier) a connection's
 * translated packets carry, chosen on its first packet so that its new
 * reply tuple is unique in the connection table, and the tuple every later
 * packet is rewritten to. */
#ifndef NFQFW_NAT_ALLOC_H
#define NFQFW_NAT_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "nfqfw/ct.h"
#include "nfqfw/pkt.h"

/* Which side of the original direction a binding rewrites. */
enum nat_alloc_manip {
	NAT_ALLOC_SRC,          /* snat, masquerade */
	NAT_ALLOC_DST,          /* dnat, redirect */
};

/* Where a binding may map to. Addresses like a tuple's: IPv4 in v4
 * (network order, the other 12 bytes zero), min <= max; an IPv6 range
 * varies in its last 64 bits only. Ports in host order, inclusive; for
 * ICMP/ICMPv6 queries they bound the identifier. Without ports
 * (has_ports false) the original port is kept unless the tuple is taken,
 * then one of its class is chosen as the kernel does: 1-511, 600-1023 or
 * 1024-65535 (any identifier for ICMP); a DNAT keeps its port or fails.
 * RANDOM: the port is drawn at random, never kept (the kernel's
 * random-fully). */
struct nat_range {
	uint8_t family;                 /* 4 or 6 */
	union pkt_addr min_addr, max_addr;
	uint16_t min_port, max_port;
	bool has_ports;
	bool random;
};

/* Binds CT: chooses the address (from a hash of the original source and
 * SEED, so a client keeps one address of the range; a source address
 * already in the range is kept for SNAT) and the port (the original one
 * if the tuple is free, else 128 others from an offset hashed from the
 * tuple and SEED, then 64, 32 and 16 from fresh offsets, as the kernel
 * does; each claimed through ct_table_set_reply(), so the choice is
 * atomic), sets its reply tuple and the CT_NAT_SRC/CT_NAT_DST
 * bit. Builds on an earlier binding of the other side (DNAT then SNAT).
 * Returns 0, -EADDRNOTAVAIL if every tuple tried is taken (the caller drops
 * the packet and counts it), -EINVAL for a bad range or manip, -ENOENT if
 * CT was removed. Inside ct_read_lock, without CT's lock. */
int nat_bind(struct ct_table *t, struct ct_entry *ct, enum nat_alloc_manip m,
	     const struct nat_range *range, uint32_t seed);

/* The tuple a packet of CT travelling in DIR carries once translated: the
 * inverse of the other direction's tuple, because that tuple is what the
 * answer to the translated packet carries. So a packet of the original
 * direction leaves with the binding's address and port, and a reply is
 * turned back into what the original's sender expects. Without a binding
 * it is the packet's own tuple. Safe while a binding is being made. */
void nat_target(const struct ct_entry *ct, enum ct_dir dir, struct ct_tuple *out);

#endif
