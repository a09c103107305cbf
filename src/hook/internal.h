/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the files of the hook stage only: the shape of our table
 * (which chains, at which hooks) and the builders of its libnftnl objects. */
#ifndef NFQFW_HOOK_INTERNAL_H
#define NFQFW_HOOK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "nfqfw/hook.h"

struct nftnl_table;
struct nftnl_chain;
struct nftnl_rule;

/* One base chain of our table. */
struct hook_chain_def {
	const char *name;
	uint32_t hooknum;      /* NF_INET_* */
	int32_t priority;
	bool pass_rule;        /* skips packets already finished upstream */
};

#define HOOK_CHAIN_COUNT 5

/* In the order the install batch creates them. */
extern const struct hook_chain_def hook_chain_defs[HOOK_CHAIN_COUNT];

/* Each returns a new object or NULL when out of memory. */
struct nftnl_table *hook_table_new(const struct hook_config *cfg);
struct nftnl_chain *hook_chain_new(const struct hook_config *cfg,
				   const struct hook_chain_def *def);
/* An empty rule of our table in CHAIN. */
struct nftnl_rule *hook_rule_new(const struct hook_config *cfg,
				 const char *chain);
/* `meta mark & pass_mark == pass_mark accept` */
struct nftnl_rule *hook_pass_rule_new(const struct hook_config *cfg,
				      const char *chain);
/* The rule that hands the packet to our queue range, in the form KIND. */
struct nftnl_rule *hook_queue_rule_new(const struct hook_config *cfg,
				       const char *chain,
				       enum hook_queue_kind kind);

#endif
