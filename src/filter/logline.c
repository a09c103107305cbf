/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The log line of a rule's `log`, field for field the one the kernel's LOG
 * target writes (net/netfilter/nf_log_syslog.c: dump_ipv4_packet,
 * dump_ipv6_packet and the TCP and UDP helpers, with no log flags set),
 * read from the packet's bytes with every read bounds-checked against
 * p->len, as skb_header_pointer() checks them against skb->len.
 *
 * What the kernel writes and we do not: "MAC=" (NFQUEUE hands us the
 * packet from its IP header on, no link header) and "UID=" (not in the
 * packet's view). Where the kernel would print an unsigned wrap-around
 * (an offset past the end of a quoted packet), we print 0.
 *
 * The dump functions return false where the kernel's return early (a cut
 * TCP or UDP header, a cut ICMPv6 header, an IPv6 header chain it stops
 * in): the line then ends there, without the "MARK=" field that the
 * kernel writes last. */
#include "config.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nfqfw/bytes.h"
#include "nfqfw/logline.h"

/* The line being written: snprintf semantics, and the last character
 * produced (written or not), so that the kernel's trailing space can be
 * taken off at the end. */
struct logline {
	char *buf;
	size_t size;
	size_t len;
	char last;
};

static void ll_put(struct logline *l, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (l->len + 1 < l->size) {
		size_t room = l->size - 1 - l->len, k = n < room ? n : room;

		memcpy(l->buf + l->len, s, k);
		l->buf[l->len + k] = '\0';
	}
	l->len += n;
	l->last = s[n - 1];
}

static void ll_add(struct logline *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One field; the longest is an IPv6 "SRC=... " of 44 bytes. */
static void ll_add(struct logline *l, const char *fmt, ...)
{
	char piece[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	if (n > 0)
		ll_put(l, piece, (size_t)n < sizeof(piece) ? (size_t)n : sizeof(piece) - 1);
}

static void ll_str(struct logline *l, const char *s)
{
	if (s)
		ll_put(l, s, strlen(s));
}

/* The packet as skb_header_pointer() sees it. */
static const uint8_t *ll_at(const struct pkt *p, size_t off, size_t n)
{
	if (off > p->len || n > p->len - off)
		return NULL;
	return p->data + off;
}

/* The bytes from OFF to the end, for "INCOMPLETE [N bytes]". */
static size_t ll_rest(const struct pkt *p, size_t off)
{
	return off < p->len ? p->len - off : 0;
}

static void ll_incomplete(struct logline *l, const struct pkt *p, size_t off)
{
	ll_add(l, "INCOMPLETE [%zu bytes] ", ll_rest(p, off));
}

/* TCP as nf_log_dump_tcp_header() without NF_LOG_TCPSEQ/TCPOPT; false
 * for a cut header, where that returns 1. */
static bool ll_tcp(struct logline *l, const struct pkt *p, size_t off, bool fragment)
{
	static const struct { uint8_t bit; const char *name; } flags[] = {
		{ 0x80, "CWR " }, { 0x40, "ECE " }, { 0x20, "URG " }, { 0x10, "ACK " },
		{ 0x08, "PSH " }, { 0x04, "RST " }, { 0x02, "SYN " }, { 0x01, "FIN " },
	};
	const uint8_t *th;

	ll_add(l, "PROTO=TCP ");
	if (fragment)
		return true;
	th = ll_at(p, off, 20);
	if (!th) {
		ll_incomplete(l, p, off);
		return false;
	}
	ll_add(l, "SPT=%u DPT=%u ", be_get16(th), be_get16(th + 2));
	ll_add(l, "WINDOW=%u ", be_get16(th + 14));
	/* The reserved bits 4-6 of byte 12 (bit 7 is AE, RFC 9768), as the
	 * kernel shifts them: flag word & 0x0E000000, >> 22. */
	ll_add(l, "RES=0x%02x ", (th[12] & 0x0e) << 2);
	if (th[12] & 0x01)
		ll_add(l, "AE ");
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (th[13] & flags[i].bit)
			ll_str(l, flags[i].name);
	ll_add(l, "URGP=%u ", be_get16(th + 18));
	return true;
}

/* UDP as nf_log_dump_udp_header(); false for a cut header. */
static bool ll_udp(struct logline *l, const struct pkt *p, uint8_t proto, size_t off,
		   bool fragment)
{
	const uint8_t *uh;

	ll_str(l, proto == IPPROTO_UDP ? "PROTO=UDP " : "PROTO=UDPLITE ");
	if (fragment)
		return true;
	uh = ll_at(p, off, 8);
	if (!uh) {
		ll_incomplete(l, p, off);
		return false;
	}
	ll_add(l, "SPT=%u DPT=%u LEN=%u ", be_get16(uh), be_get16(uh + 2), be_get16(uh + 4));
	return true;
}

static bool ll_ipv4(struct logline *l, const struct pkt *p, size_t off);

/* The bytes an ICMP message of each type needs to be logged in full. */
static const uint8_t ll_icmp_needs[19] = {
	[0] = 4, [3] = 28, [4] = 28, [5] = 28, [8] = 4, [11] = 28, [12] = 28,
	[13] = 20, [14] = 20, [17] = 12, [18] = 12,
};

/* ICMP at OFF; the packet an error quotes is written once, between
 * brackets, when this is the outer packet (OUTER). */
static void ll_icmp(struct logline *l, const struct pkt *p, size_t off, bool outer)
{
	const uint8_t *ich = ll_at(p, off, 8);

	if (!ich) {
		ll_incomplete(l, p, off);
		return;
	}
	ll_add(l, "TYPE=%u CODE=%u ", ich[0], ich[1]);
	if (ich[0] < sizeof(ll_icmp_needs) && ll_rest(p, off) < ll_icmp_needs[ich[0]]) {
		ll_incomplete(l, p, off);
		return;
	}
	switch (ich[0]) {
	case 0:         /* echo reply */
	case 8:         /* echo request */
		ll_add(l, "ID=%u SEQ=%u ", be_get16(ich + 4), be_get16(ich + 6));
		break;
	case 12:        /* parameter problem */
		ll_add(l, "PARAMETER=%u ", ich[4]);
		break;
	case 5:         /* redirect */
		ll_add(l, "GATEWAY=%u.%u.%u.%u ", ich[4], ich[5], ich[6], ich[7]);
		__attribute__((fallthrough));
	case 3:         /* destination unreachable */
	case 4:         /* source quench */
	case 11:        /* time exceeded */
		if (outer) {
			ll_str(l, "[");
			ll_ipv4(l, p, off + 8);
			ll_str(l, "] ");
		}
		if (ich[0] == 3 && ich[1] == 4)     /* fragmentation needed */
			ll_add(l, "MTU=%u ", be_get16(ich + 6));
		break;
	default:
		break;
	}
}

/* AH and ESP: their security parameter index. */
static void ll_spi(struct logline *l, const struct pkt *p, size_t off, size_t spi_at,
		   size_t hdr_len)
{
	const uint8_t *h = ll_at(p, off, hdr_len);

	if (!h)
		ll_incomplete(l, p, off);
	else
		ll_add(l, "SPI=0x%x ", be_get32(h + spi_at));
}

/* The fields after the IPv4 header at OFF (L4 at L4OFF); false where the
 * kernel's line ends early. A cut ICMP, AH or ESP header does not end it. */
static bool ll_ipv4_l4(struct logline *l, const struct pkt *p, size_t off, size_t l4off,
		       uint8_t proto, bool fragment)
{
	switch (proto) {
	case IPPROTO_TCP:
		return ll_tcp(l, p, l4off, fragment);
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return ll_udp(l, p, proto, l4off, fragment);
	case IPPROTO_ICMP:
		ll_str(l, "PROTO=ICMP ");
		if (!fragment)
			ll_icmp(l, p, l4off, off == 0);
		break;
	case IPPROTO_AH:
		/* Before its name, as the kernel does: a later AH fragment
		 * says nothing of its protocol. */
		if (fragment)
			break;
		ll_str(l, "PROTO=AH ");
		ll_spi(l, p, l4off, 4, 12);
		break;
	case IPPROTO_ESP:
		ll_str(l, "PROTO=ESP ");
		if (!fragment)
			ll_spi(l, p, l4off, 0, 8);
		break;
	default:
		ll_add(l, "PROTO=%u ", proto);
		break;
	}
	return true;
}

/* dump_ipv4_packet(): the header at OFF (0: the packet itself; otherwise
 * the one an ICMP error quotes). False where the kernel returns early. */
static bool ll_ipv4(struct logline *l, const struct pkt *p, size_t off)
{
	const uint8_t *ih = ll_at(p, off, 20);
	uint16_t frag;

	if (!ih) {
		ll_str(l, "TRUNCATED");
		return false;
	}
	frag = be_get16(ih + 6);
	ll_add(l, "SRC=%u.%u.%u.%u DST=%u.%u.%u.%u ", ih[12], ih[13], ih[14], ih[15],
	       ih[16], ih[17], ih[18], ih[19]);
	/* TOS without the ECN bits (IPTOS_TOS_MASK), PREC the top three. */
	ll_add(l, "LEN=%u TOS=0x%02X PREC=0x%02X TTL=%u ID=%u ", be_get16(ih + 2),
	       ih[1] & 0x1e, ih[1] & 0xe0, ih[8], be_get16(ih + 4));
	if (frag & 0x8000)
		ll_str(l, "CE ");
	if (frag & 0x4000)
		ll_str(l, "DF ");
	if (frag & 0x2000)
		ll_str(l, "MF ");
	/* In 8-byte units, as the header has it. */
	if (frag & 0x1fff)
		ll_add(l, "FRAG:%u ", frag & 0x1fff);
	return ll_ipv4_l4(l, p, off, off + (size_t)(ih[0] & 0x0f) * 4, ih[9], frag & 0x1fff);
}

static bool ll_ipv6(struct logline *l, const struct pkt *p, size_t off, bool recurse);

/* %pI6: eight groups of four hex digits, nothing compressed. */
static void ll_addr6(struct logline *l, const char *label, const uint8_t *a)
{
	ll_add(l, "%s%04x:%04x:%04x:%04x:%04x:%04x:%04x:%04x ", label, be_get16(a),
	       be_get16(a + 2), be_get16(a + 4), be_get16(a + 6), be_get16(a + 8),
	       be_get16(a + 10), be_get16(a + 12), be_get16(a + 14));
}

/* False for a cut header: unlike ICMP's, it ends the kernel's line. */
static bool ll_icmpv6(struct logline *l, const struct pkt *p, size_t off, bool recurse)
{
	const uint8_t *ic = ll_at(p, off, 8);

	if (!ic) {
		ll_incomplete(l, p, off);
		return false;
	}
	ll_add(l, "TYPE=%u CODE=%u ", ic[0], ic[1]);
	switch (ic[0]) {
	case 128:       /* echo request */
	case 129:       /* echo reply */
		ll_add(l, "ID=%u SEQ=%u ", be_get16(ic + 4), be_get16(ic + 6));
		break;
	case 4:         /* parameter problem */
		ll_add(l, "POINTER=%08x ", be_get32(ic + 4));
		__attribute__((fallthrough));
	case 1:         /* destination unreachable */
	case 2:         /* packet too big */
	case 3:         /* time exceeded */
		if (recurse) {
			ll_str(l, "[");
			ll_ipv6(l, p, off + 8, false);
			ll_str(l, "] ");
		}
		if (ic[0] == 2)
			ll_add(l, "MTU=%u ", be_get32(ic + 4));
		break;
	default:        /* MLD and the rest: type and code only */
		break;
	}
	return true;
}

/* Walks the extension headers from *PTR (next header *CUR) as the kernel
 * does: "FRAG:OFFSET [INCOMPLETE ]ID:XXXXXXXX " for a fragment header,
 * nothing for the others. False when the line ends here (a cut header,
 * ESP, or an option header after a later fragment). */
static bool ll_ipv6_ext(struct logline *l, const struct pkt *p, size_t *ptr, uint8_t *cur,
			bool *fragment)
{
	while (*cur == IPPROTO_HOPOPTS || *cur == IPPROTO_ROUTING || *cur == IPPROTO_FRAGMENT ||
	       *cur == IPPROTO_ESP || *cur == IPPROTO_AH || *cur == IPPROTO_DSTOPTS) {
		const uint8_t *hp = ll_at(p, *ptr, 2), *fh;
		size_t hdrlen;

		if (!hp) {
			ll_str(l, "TRUNCATED");
			return false;
		}
		switch (*cur) {
		case IPPROTO_FRAGMENT:
			ll_str(l, "FRAG:");
			fh = ll_at(p, *ptr, 8);
			if (!fh) {
				ll_str(l, "TRUNCATED ");
				return false;
			}
			ll_add(l, "%u ", be_get16(fh + 2) & 0xfff8);
			if (fh[3] & 0x01)
				ll_str(l, "INCOMPLETE ");
			ll_add(l, "ID:%08x ", be_get32(fh + 4));
			*fragment = *fragment || (be_get16(fh + 2) & 0xfff8);
			hdrlen = 8;
			break;
		case IPPROTO_AH:
			hdrlen = ((size_t)hp[1] + 2) * 4;
			break;
		case IPPROTO_ESP:
			return false;
		default:        /* hop-by-hop, routing, destination options */
			if (*fragment)
				return false;
			hdrlen = ((size_t)hp[1] + 1) * 8;
			break;
		}
		*cur = hp[0];
		*ptr += hdrlen;
	}
	return true;
}

/* dump_ipv6_packet(): the header at OFF; RECURSE for the packet itself
 * (an ICMPv6 error's quoted packet is written, once). False where the
 * kernel returns early. */
static bool ll_ipv6(struct logline *l, const struct pkt *p, size_t off, bool recurse)
{
	const uint8_t *ih = ll_at(p, off, 40);
	bool fragment = false;
	size_t ptr = off + 40;
	uint8_t cur;
	uint32_t w;

	if (!ih) {
		ll_str(l, "TRUNCATED");
		return false;
	}
	ll_addr6(l, "SRC=", ih + 8);
	ll_addr6(l, "DST=", ih + 24);
	w = be_get32(ih);
	ll_add(l, "LEN=%u TC=%u HOPLIMIT=%u FLOWLBL=%u ", be_get16(ih + 4) + 40u,
	       (w & 0x0ff00000) >> 20, ih[7], w & 0x000fffff);
	cur = ih[6];
	if (!ll_ipv6_ext(l, p, &ptr, &cur, &fragment))
		return false;
	switch (cur) {
	case IPPROTO_TCP:
		return ll_tcp(l, p, ptr, fragment);
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return ll_udp(l, p, cur, ptr, fragment);
	case IPPROTO_ICMPV6:
		ll_str(l, "PROTO=ICMPv6 ");
		return fragment || ll_icmpv6(l, p, ptr, recurse);
	default:
		ll_add(l, "PROTO=%u ", cur);
		return true;
	}
}

size_t filter_log_line(char *buf, size_t size, const char *prefix, const char *in,
		       const char *out, const struct pkt *p, uint32_t mark)
{
	struct logline l = { .buf = buf, .size = size };
	uint8_t family = p ? p->family : 0;
	bool whole = false;

	if (size)
		buf[0] = '\0';
	ll_str(&l, prefix);
	ll_str(&l, "IN=");
	ll_str(&l, in);
	ll_str(&l, " OUT=");
	ll_str(&l, out);
	ll_str(&l, " ");
	/* The hook's family decides in the kernel; a view whose parse
	 * stopped early may not have it, the version nibble then does. */
	if (p && family != 4 && family != 6 && p->len)
		family = p->data[0] >> 4;
	if (family == 4)
		whole = ll_ipv4(&l, p, 0);
	else if (family == 6)
		whole = ll_ipv6(&l, p, 0, true);
	else
		ll_str(&l, "TRUNCATED");
	/* Last, and only when nonzero, as the kernel writes skb->mark. */
	if (whole && mark)
		ll_add(&l, "MARK=0x%x ", mark);
	if (l.last == ' ') {
		l.len--;
		if (l.len < l.size)
			l.buf[l.len] = '\0';
	}
	return l.len;
}
