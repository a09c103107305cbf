/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The words of the NAT actions: where `to` translates ("ADDR",
 * "ADDR-ADDR", either with ":PORT" or ":PORT-PORT"; IPv6 addresses in
 * brackets when a port follows, "[2001:db8::1]:8080") and `to_ports`
 * ("PORT" or "PORT-PORT"). Parsed into struct rules_nat, with the reason
 * when the text is wrong. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfqfw/rules_load.h"

/* "N" or "N-M" (1..65535, N <= M) into *LO, *HI. */
int rules_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -EINVAL;
		b = strtoul(end + 1, &end, 10);
	}
	if (*end || a == 0 || a > 65535 || b > 65535 || a > b)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* One address of a range, IPv6 in brackets or not. */
static int nat_parse_one_addr(const char *s, size_t len, uint8_t *family, union pkt_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 2];

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']')
		s++, len -= 2;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->b) == 1)
		*family = 4;
	else if (inet_pton(AF_INET6, buf, a->b) == 1)
		*family = 6;
	else
		return -EINVAL;
	return 0;
}

/* Where the address part of "to" ends: at the ':' before the ports, or
 * the end. A bare IPv6 address has colons of its own: it has no ports. */
static size_t nat_addr_len(const char *s)
{
	const char *colon = strrchr(s, ':');
	const char *bracket = strrchr(s, ']');

	if (!colon)
		return strlen(s);
	if (bracket)
		return colon > bracket ? (size_t)(colon - s) : strlen(s);
	return strchr(s, ':') == colon ? (size_t)(colon - s) : strlen(s);
}

static int nat_addr_cmp(uint8_t family, const union pkt_addr *a, const union pkt_addr *b)
{
	return memcmp(a->b, b->b, family == 4 ? 4 : 16);
}

int rules_parse_nat_to(const char *s, struct rules_nat *nat, const char **why)
{
	size_t alen = nat_addr_len(s);
	const char *dash = memchr(s, '-', alen);
	uint8_t f1, f2;

	memset(nat, 0, sizeof(*nat));
	*why = "not an address";
	if (nat_parse_one_addr(s, dash ? (size_t)(dash - s) : alen, &f1, &nat->min_addr) < 0)
		return -EINVAL;
	nat->max_addr = nat->min_addr;
	f2 = f1;
	if (dash && nat_parse_one_addr(dash + 1, alen - (size_t)(dash + 1 - s), &f2,
				       &nat->max_addr) < 0)
		return -EINVAL;
	*why = "the range mixes IPv4 and IPv6";
	if (f1 != f2)
		return -EINVAL;
	*why = "the range ends before it starts";
	if (nat_addr_cmp(f1, &nat->min_addr, &nat->max_addr) > 0)
		return -EINVAL;
	nat->family = f1;
	nat->has_addr = true;
	if (s[alen] == '\0')
		return 0;
	*why = "bad port or port range (1..65535)";
	if (rules_parse_port_range(s + alen + 1, &nat->min_port, &nat->max_port) < 0)
		return -EINVAL;
	nat->has_ports = true;
	return 0;
}
