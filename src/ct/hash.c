/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The table's hash: SipHash-2-4 (Jean-Philippe Aumasson and Daniel J.
 * Bernstein, "SipHash: a fast short-input PRF", INDOCRYPT 2012), keyed
 * with a secret each table draws from getrandom(). Someone who can choose
 * the addresses and ports of the packets we see cannot compute which of
 * them share a bucket without the key, so cannot make chains long (hash
 * flooding); the kernel hashes its conntrack tuples with SipHash too. */
#include <endian.h>
#include <string.h>

#include "internal.h"

static inline uint64_t ct_rotl(uint64_t x, unsigned int b)
{
	return x << b | x >> (64 - b);
}

/* One SipRound: the ARX network of section 2 of the paper. */
static inline void ct_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ct_rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = ct_rotl(v[0], 32);
	v[2] += v[3];
	v[3] = ct_rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ct_rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ct_rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = ct_rotl(v[2], 32);
}

static inline void ct_sip_compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	ct_sipround(v);
	ct_sipround(v);
	v[0] ^= m;
}

uint64_t ct_siphash24(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *in = data;
	/* The initialisation constants spell "somepseudorandomlygeneratedbytes". */
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ull,
		key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull,
		key[1] ^ 0x7465646279746573ull,
	};
	uint64_t last = (uint64_t)len << 56;
	size_t i;

	/* Message words are read little-endian, whatever the host. */
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t m;

		memcpy(&m, in + i, 8);
		ct_sip_compress(v, le64toh(m));
	}
	/* The last word: the 0 to 7 bytes left, and the length in its top byte. */
	for (size_t j = 0; i + j < len; j++)
		last |= (uint64_t)in[i + j] << (8 * j);
	ct_sip_compress(v, last);
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		ct_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t ct_table_hash(const struct ct_table *t, const struct ct_tuple *tuple)
{
	return ct_siphash24(t->key, tuple, sizeof(*tuple));
}

uint32_t ct_table_bucket(const struct ct_table *t, const struct ct_tuple *tuple)
{
	return (uint32_t)ct_table_hash(t, tuple) & (t->nbuckets - 1);
}
