/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the files of the pkt stage only: big-endian readers that
 * never assume alignment, and the hand-over from the IP layer parser to the
 * transport layer parser. */
#ifndef NFQFW_PKT_INTERNAL_H
#define NFQFW_PKT_INTERNAL_H

#include <stdint.h>

#include "nfqfw/pkt.h"

/* Byte-wise loads: packet fields are unaligned in general, and compilers turn
 * these into one load and a byte swap. */
static inline uint16_t pkt_get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t pkt_get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

/* Parses what follows the IP headers. On entry the IP parser has set
 * family, len (trimmed), ip_len, l4proto, l4_off and the fragment fields,
 * with l4_off <= len <= ip_len. */
enum pkt_error pkt_parse_l4(struct pkt *p);

#endif
