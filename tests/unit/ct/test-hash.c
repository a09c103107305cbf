/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the table's hash: SipHash-2-4 against the reference
 * vectors of its authors, a secret key per table, every tuple byte taken
 * into account, and tuples that differ only a little spread over buckets. */
#include <string.h>

#include "ct-test.h"
#include "internal.h"
#include "unit.h"

/* The key of the reference vectors: bytes 00 to 0f, read little-endian. */
static const uint64_t ref_key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };

/* The 64-bit tags of the messages 00, 00 01, 00 01 02, ... (the first
 * entries of vectors_sip64 in the SipHash reference code, bytes
 * little-endian), and the 15-byte example of the paper's appendix A. */
static void test_siphash_vectors(void)
{
	static const uint64_t tags[] = {
		0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull,
		0x85676696d7fb7e2dull, 0xcf2794e0277187b7ull, 0x18765564cd99a68dull,
	};
	uint8_t msg[16];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (size_t len = 0; len < sizeof(tags) / sizeof(tags[0]); len++)
		CU_ASSERT_EQUAL(ct_siphash24(ref_key, msg, len), tags[len]);
	CU_ASSERT_EQUAL(ct_siphash24(ref_key, msg, 15), 0xa129ca6149be45e5ull);
	/* The key matters. */
	CU_ASSERT_NOT_EQUAL(ct_siphash24((const uint64_t[2]){ 0, 0 }, msg, 15),
			    0xa129ca6149be45e5ull);
}

/* Two tables draw two keys: the same tuple hashes differently (equal by
 * chance with probability 2^-64). */
static void test_secret_per_table(void)
{
	struct ct_table *a = ctt_table(0), *b = ctt_table(0);
	struct ct_tuple t;
	struct ctt_pkt k;

	ctt_udp(&k, 4, CTT_A, CTT_B, 1234, 53);
	CU_ASSERT_FATAL(ct_tuple_from_pkt(&k.p, &ct_l4proto_udp, &t));
	CU_ASSERT(a->key[0] != b->key[0] || a->key[1] != b->key[1]);
	CU_ASSERT_NOT_EQUAL(ct_table_hash(a, &t), ct_table_hash(b, &t));
	/* ... and the same table always the same. */
	CU_ASSERT_EQUAL(ct_table_hash(a, &t), ct_table_hash(a, &t));
	ct_table_destroy(a);
	ct_table_destroy(b);
}

static void test_every_byte(void)
{
	struct ct_table *t = ctt_table(0);
	struct ct_tuple a, b;
	struct ctt_pkt k;
	uint64_t h;

	ctt_udp(&k, 6, CTT_A, CTT_B, 1234, 53);
	CU_ASSERT_FATAL(ct_tuple_from_pkt(&k.p, &ct_l4proto_udp, &a));
	h = ct_table_hash(t, &a);
	for (size_t i = 0; i < sizeof(a); i++) {
		for (int bit = 0; bit < 8; bit++) {
			b = a;
			((uint8_t *)&b)[i] ^= (uint8_t)(1u << bit);
			CU_ASSERT_NOT_EQUAL(ct_table_hash(t, &b), h);
		}
	}
	ct_table_destroy(t);
}

/* Tuples an attacker could make cheaply (one source, consecutive ports)
 * fill the buckets evenly: 8192 tuples in 1024 buckets average 8; with a
 * uniform hash the fullest bucket holds about 20, and more than 40 has
 * a probability far below 1e-9. */
static void test_spread(void)
{
	struct ct_table *t = ctt_table(2048);
	unsigned int load[1024] = { 0 }, max = 0;
	double chi2 = 0;
	struct ct_tuple a;
	struct ctt_pkt k;

	CU_ASSERT_EQUAL_FATAL(t->nbuckets, 1024);
	ctt_udp(&k, 4, CTT_A, CTT_B, 1, 53);
	CU_ASSERT_FATAL(ct_tuple_from_pkt(&k.p, &ct_l4proto_udp, &a));
	for (unsigned int port = 1; port <= 8192; port++) {
		uint32_t b;

		a.sport = (uint16_t)port;
		b = ct_table_bucket(t, &a);
		CU_ASSERT_FATAL(b < 1024);
		if (++load[b] > max)
			max = load[b];
	}
	CU_ASSERT(max <= 40);
	/* Pearson's statistic against the uniform load: chi-square with 1023
	 * degrees of freedom, mean 1023, standard deviation 45; 1400 is more
	 * than 8 of those. A hash that ignored the port scores 8 million. */
	for (unsigned int i = 0; i < 1024; i++)
		chi2 += (load[i] - 8.0) * (load[i] - 8.0) / 8.0;
	CU_ASSERT(chi2 < 1400.0);
	ct_table_destroy(t);
}

/* max_entries / 2 rounded up to a power of two, at least 1024. */
static void test_bucket_count(void)
{
	static const struct { uint32_t max, buckets; } cases[] = {
		{ 1, 1024 }, { 2048, 1024 }, { 2049, 2048 }, { 4096, 2048 },
		{ 262144, 131072 }, { 262145, 262144 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ct_table *t = ctt_table(cases[i].max);

		CU_ASSERT_EQUAL(t->nbuckets, cases[i].buckets);
		ct_table_destroy(t);
	}
}

static const struct unit_test hash_tests[] = {
	{ "SipHash-2-4 reference vectors", test_siphash_vectors },
	{ "a secret key per table", test_secret_per_table },
	{ "every bit of the tuple counts", test_every_byte },
	{ "consecutive ports spread evenly", test_spread },
	{ "bucket count from max_entries", test_bucket_count },
	{ NULL, NULL }
};

static const struct unit_suite suites[] = {
	{ "ct hash", hash_tests },
	{ NULL, NULL }
};

UNIT_MAIN(suites)
