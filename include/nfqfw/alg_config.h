/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which helpers run on which ports: the configuration's `helpers` list,
 * `helpers = ( { name = "ftp"; port = 21; }, { name = "tftp"; port = 69; } );`.
 * None runs unless named here (a helper parses hostile payloads: it is
 * enabled per port, explicitly, as the kernel's helpers are since 4.7). */
#ifndef NFQFW_ALG_CONFIG_H
#define NFQFW_ALG_CONFIG_H

#include <libconfig.h>
#include <stdint.h>
#include <stdio.h>

#include "nfqfw/alg.h"

#define ALG_CONFIG_MAX 32

struct alg_config {
	unsigned int n;
	struct {
		const struct alg_helper *helper;
		uint16_t port;
	} e[ALG_CONFIG_MAX];
};

/* Loads LIST (the `helpers` setting, may be NULL) into *OUT; every problem
 * written to ERR as "PATH:LINE: message". Returns the number of errors. */
int alg_config_load(struct alg_config *out, const config_setting_t *list,
		    const char *path, FILE *err);

/* The helper for a new connection to PORT over L4PROTO, or NULL. */
const struct alg_helper *alg_config_find(const struct alg_config *c, uint8_t l4proto,
					 uint16_t port);

#endif
