/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Masquerade follows address changes: when an address leaves the host,
 * the connections whose source was translated to it can never be answered
 * again, so they are forgotten at once, as the kernel's masquerade does;
 * the clients' next packets start new connections with the address the
 * interface has now. */
#include "config.h"

#include <string.h>

#include "nfqfw/nat.h"

struct nat_forget {
	uint8_t family;               /* 4 or 6 */
	const union pkt_addr *addr;
};

static bool nat_translated_to(const struct ct_entry *ct, void *arg)
{
	const struct nat_forget *f = arg;
	const struct ct_tuple *reply = &ct->tuple[CT_DIR_REPLY];
	uint8_t nat = atomic_load_explicit(&((struct ct_entry *)ct)->nat, memory_order_acquire);

	return (nat & CT_NAT_SRC) && reply->family == f->family &&
	       memcmp(reply->dst.b, f->addr->b, f->family == 4 ? 4 : 16) == 0;
}

unsigned int nat_forget_addr(struct ct_table *t, uint8_t family, const union pkt_addr *addr)
{
	struct nat_forget f = { family, addr };

	return ct_table_remove_if(t, nat_translated_to, &f);
}
