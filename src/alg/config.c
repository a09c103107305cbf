/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The `helpers` list of the configuration (include/nfqfw/alg_config.h). */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "nfqfw/alg_config.h"

static int alg_config_error(const config_setting_t *s, const char *path, FILE *err,
			    const char *what)
{
	if (err)
		fprintf(err, "%s:%u: helpers: %s\n", path, config_setting_source_line(s), what);
	return 1;
}

/* One `{ name = "ftp"; port = 21; }`. */
static int alg_config_entry(struct alg_config *out, const config_setting_t *g,
			    const char *path, FILE *err)
{
	const char *name = NULL;
	const struct alg_helper *h;
	int port = -1;
	char msg[160];

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return alg_config_error(g, path, err, "each helper is a group { name; port; }");
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned int)i);
		const char *key = config_setting_name(s);

		if (!strcmp(key, "name") && config_setting_type(s) == CONFIG_TYPE_STRING)
			name = config_setting_get_string(s);
		else if (!strcmp(key, "port") && config_setting_type(s) == CONFIG_TYPE_INT)
			port = config_setting_get_int(s);
		else {
			snprintf(msg, sizeof(msg), "unknown or mistyped key '%s' (name: a "
				 "string, port: an integer)", key);
			return alg_config_error(s, path, err, msg);
		}
	}
	if (!name || port < 1 || port > 65535)
		return alg_config_error(g, path, err, "a helper needs name and a port 1..65535");
	h = alg_helper_find(name, IPPROTO_TCP);
	if (!h)
		h = alg_helper_find(name, IPPROTO_UDP);
	if (!h) {
		snprintf(msg, sizeof(msg), "unknown helper '%s' (ftp, tftp)", name);
		return alg_config_error(g, path, err, msg);
	}
	if (alg_config_find(out, h->l4proto, (uint16_t)port))
		return alg_config_error(g, path, err, "two helpers on one port");
	if (out->n == ALG_CONFIG_MAX)
		return alg_config_error(g, path, err, "too many helpers (at most 32)");
	out->e[out->n].helper = h;
	out->e[out->n].port = (uint16_t)port;
	out->n++;
	return 0;
}

int alg_config_load(struct alg_config *out, const config_setting_t *list,
		    const char *path, FILE *err)
{
	int errors = 0;

	memset(out, 0, sizeof(*out));
	if (!list)
		return 0;
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return alg_config_error(list, path, err, "expected a list ( { ... }, ... )");
	for (int i = 0; i < config_setting_length(list); i++)
		errors += alg_config_entry(out, config_setting_get_elem(list, (unsigned int)i),
					   path, err);
	return errors;
}

const struct alg_helper *alg_config_find(const struct alg_config *c, uint8_t l4proto,
					 uint16_t port)
{
	for (unsigned int i = 0; i < c->n; i++)
		if (c->e[i].port == port && c->e[i].helper->l4proto == l4proto)
			return c->e[i].helper;
	return NULL;
}
