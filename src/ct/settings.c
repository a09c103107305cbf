/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The defaults of the conntrack settings (the kernel's, and the seeds'
 * TCP table), and the small helpers around a verdict: names, reasons,
 * the time an entry has left. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

void ct_settings_defaults(struct ct_settings *s)
{
	*s = (struct ct_settings){
		.max_entries = 262144,
		/* The seeds' table (the kernel's tcp_timeouts[]); NONE is
		 * never the state of an entry. */
		.tcp_timeout = {
			[CT_TCP_SYN_SENT] = 120,
			[CT_TCP_SYN_RECV] = 60,
			[CT_TCP_ESTABLISHED] = 5 * 24 * 3600,
			[CT_TCP_FIN_WAIT] = 120,
			[CT_TCP_CLOSE_WAIT] = 60,
			[CT_TCP_LAST_ACK] = 30,
			[CT_TCP_TIME_WAIT] = 120,
			[CT_TCP_CLOSE] = 10,
			[CT_TCP_SYN_SENT2] = 120,
		},
		.tcp_timeout_max_retrans = 300,
		.tcp_timeout_unacknowledged = 300,
		/* nf_conntrack_udp_timeout, _udp_timeout_stream, _icmp_timeout,
		 * _icmpv6_timeout, _generic_timeout */
		.udp_timeout = 30,
		.udp_timeout_stream = 120,
		.icmp_timeout = 30,
		.generic_timeout = 600,
		.unconfirmed_timeout = 30,
		.tcp_loose = true,
		.tcp_be_liberal = false,
		.tcp_max_retrans = 3,
	};
}

const char *ct_info_name(enum ct_info info)
{
	static const char *const names[CT_INFO_COUNT] = {
		[CT_INFO_NEW] = "NEW",
		[CT_INFO_ESTABLISHED] = "ESTABLISHED",
		[CT_INFO_RELATED] = "RELATED",
		[CT_INFO_INVALID] = "INVALID",
		[CT_INFO_UNTRACKED] = "UNTRACKED",
	};

	return (unsigned int)info < CT_INFO_COUNT ? names[info] : "UNKNOWN";
}

void ct_why(struct ct_reason *why, const char *fmt, ...)
{
	va_list ap;

	if (!why)
		return;
	va_start(ap, fmt);
	vsnprintf(why->text, sizeof(why->text), fmt, ap);
	va_end(ap);
}

uint32_t ct_entry_timeout_left(const struct ct_entry *ct, uint64_t now_ns)
{
	uint64_t expires = atomic_load_explicit(&((struct ct_entry *)ct)->expires_ns,
						memory_order_relaxed);
	uint64_t left;

	if (expires <= now_ns)
		return 0;
	left = (expires - now_ns) / CT_NS_PER_SEC;
	return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}
