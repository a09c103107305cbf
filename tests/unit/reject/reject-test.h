/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper of the reject stage, on top of pktbuild.h: gives a finished
 * packet other addresses than pktbuild's own. */
#ifndef NFQFW_TESTS_REJECT_TEST_H
#define NFQFW_TESTS_REJECT_TEST_H

#include <stdint.h>

#include "pktbuild.h"

/* Rewrites the source and destination of a packet pb_finish() completed
 * (4 or 16 bytes each, by its family) and recomputes its IPv4 header and
 * transport checksums with the reference sums. */
void pb_readdress(struct pb *b, const uint8_t *src, const uint8_t *dst);

#endif
