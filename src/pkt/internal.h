/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the files of the pkt stage only: big-endian readers that
 * never assume alignment, and the hand-over from the IP layer parser to the
 * transport layer parser. */
#ifndef NFQFW_PKT_INTERNAL_H
#define NFQFW_PKT_INTERNAL_H

#include <stdint.h>

#include "nfqfw/bytes.h"
#include "nfqfw/pkt.h"

/* Parses what follows the IP headers. On entry the IP parser has set
 * family, len (trimmed), ip_len, l4proto, l4_off and the fragment fields,
 * with l4_off <= len <= ip_len. */
enum pkt_error pkt_parse_l4(struct pkt *p);

#endif
