/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A rule written back in the configuration's own words (`proto tcp dport
 * 80,443 ct_state new`, `log "SSH " level info accept`), for `nfqfwctl
 * rules`: what the operator wrote, as the loader understood it. */
#ifndef NFQFW_RULES_PRINT_H
#define NFQFW_RULES_PRINT_H

#include <stddef.h>

#include "nfqfw/rules.h"

/* Both write with snprintf's contract: at most SIZE bytes including the
 * terminating NUL (nothing at all when SIZE is 0, and BUF may then be
 * NULL), and return the length the whole text has, so a return >= SIZE
 * means it was cut.
 *
 * rules_format_match() writes R's matches as `key value` pairs separated
 * by one space, in the order of the rule keys of nfqfw.conf(5): family,
 * proto, src, dst, sport, dport, in, out, ct_state, ct_dir, tcp_flags,
 * icmp_type/icmpv6_type, icmp_code/icmpv6_code, mark, length, then the
 * stateful ones from R's specs: `limit RATE/UNIT burst N` (the burst
 * always), `limit_per src|dst[/V4[,V6]]` (prefixes only where not 32 and
 * 128), `limit_sources N` (only when not the default), `connlimit over N`,
 * `connlimit_per ...`, `connlimit_sources N`. A negated match has '!' in
 * front of its value. A rule without matches writes "". */
int rules_format_match(const struct rules_rule *r, char *buf, size_t size);

/* The rule's action: its non-terminal parts first (`log "PREFIX" level
 * LEVEL`, `set_mark VALUE[/MASK]`), then its verdict (`accept`, `drop`,
 * `reject TYPE`, `jump CHAIN`, `goto CHAIN`, `return`). A rule that only
 * logs or marks has no verdict word; one that does nothing at all writes
 * `continue`. */
int rules_format_action(const struct rules_rule *r, char *buf, size_t size);

#endif
