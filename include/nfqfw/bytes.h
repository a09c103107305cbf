/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Big-endian (network order) loads and stores at any alignment: packet
 * fields are unaligned in general, and compilers turn these into one load
 * or store and a byte swap. One copy for every stage that reads or writes
 * headers. */
#ifndef NFQFW_BYTES_H
#define NFQFW_BYTES_H

#include <stdint.h>

static inline uint16_t be_get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t be_get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline void be_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void be_put32(uint8_t *b, uint32_t v)
{
	be_put16(b, (uint16_t)(v >> 16));
	be_put16(b + 2, (uint16_t)v);
}

#endif
