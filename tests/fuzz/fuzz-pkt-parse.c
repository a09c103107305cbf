/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for pkt_parse(): every input is parsed as a whole
 * packet and as a truncated copy, and the view it gives must keep its
 * promises (offsets within the buffer, the flag changing nothing for a
 * packet that is all there); ICMP errors' quoted packets are parsed too,
 * and checksums verified, so that every offset the view hands out is used.
 * Build (from the top directory) and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *     src/pkt/csum.c src/pkt/error.c src/pkt/parse_ip.c src/pkt/parse_l4.c \
 *     tests/fuzz/fuzz-pkt-parse.c -o fuzz-pkt-parse
 *   ./fuzz-pkt-parse -max_total_time=60 CORPUS_DIR */
#include <errno.h>
#include <stdlib.h>

#include "nfqfw/csum.h"
#include "nfqfw/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		abort();
}

static void check_view(const struct pkt *p, size_t size)
{
	int v;

	require(p->len <= size && p->len <= p->ip_len);
	require(p->family == 4 || p->family == 6);
	require(p->l3_hdrlen == p->l4_off && p->l4_off <= p->len);
	require(p->l4_off <= p->payload_off);
	require(p->payload_off + (size_t)p->payload_len <= p->len);
	require(!p->has_l4 || p->frag_offset == 0);
	require(!p->more_fragments || p->is_fragment);
	if (p->has_l4 && p->icmp.is_error)
		require(p->icmp.inner_off == p->l4_off + 8);
	v = csum_l4_verify(p);
	require(v == 0 || v == -EBADMSG || v == -ENODATA || v == -EOPNOTSUPP);
	if (p->family == 4)
		(void)csum_ipv4_header_ok(p->data, p->l3_hdrlen);
}

static bool same_view(const struct pkt *a, const struct pkt *b)
{
	return a->len == b->len && a->ip_len == b->ip_len &&
	       a->l4proto == b->l4proto && a->has_l4 == b->has_l4 &&
	       a->l4_off == b->l4_off && a->payload_off == b->payload_off &&
	       a->payload_len == b->payload_len && a->sport == b->sport &&
	       a->dport == b->dport && a->ip_ext == b->ip_ext &&
	       a->frag_offset == b->frag_offset && a->frag_id == b->frag_id &&
	       a->tcp.flags == b->tcp.flags && a->tcp.sack_count == b->tcp.sack_count &&
	       a->icmp.inner_off == b->icmp.inner_off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt whole, copy, inner;
	enum pkt_error err, err_copy;
	bool big;

	err = pkt_parse(&whole, data, size, 0);
	err_copy = pkt_parse(&copy, data, size, PKT_PARSE_TRUNCATED_COPY);
	require((unsigned int)err < PKT_ERR_COUNT);
	require((unsigned int)err_copy < PKT_ERR_COUNT);
	require(pkt_error_name(err) != NULL && pkt_error_name(err_copy) != NULL);

	/* The flag only matters when the IP length exceeds the buffer, which
	 * without it is refused for exactly that, and when the length field
	 * is 0, which a truncated copy of a BIG TCP packet carries. */
	big = copy.ip_len == PKT_IP_LEN_BIG;
	if (!big && err != PKT_ERR_IPV4_TOTLEN && err != PKT_ERR_IPV6_PAYLOAD_LEN)
		require(err_copy == err);
	if (err == PKT_OK) {
		check_view(&whole, size);
		require(big || same_view(&whole, &copy));
	}
	if (err_copy != PKT_OK)
		return 0;
	check_view(&copy, size);
	if (copy.has_l4 && copy.icmp.is_error) {
		err = pkt_parse(&inner, copy.data + copy.icmp.inner_off,
				copy.len - copy.icmp.inner_off,
				PKT_PARSE_TRUNCATED_COPY);
		if (err == PKT_OK)
			check_view(&inner, copy.len - copy.icmp.inner_off);
	}
	return 0;
}
