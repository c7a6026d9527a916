// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The "cluster" config section; see cluster_config.h. */
#include "userspace/cluster/cluster_config.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "userspace/common/error.h"

#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_LEASE_TTL  10

static int bad(const char *origin, const char *key, const char *what)
{
	return pf_fail(-EINVAL, "%s: cluster.%s: %s", origin, key, what);
}

static int check_known(const char *origin, const char *where, struct json_object *o,
		       const char *const *known)
{
	json_object_object_foreach(o, k, v)
	{
		const char *const *p = known;

		(void)v;
		while (*p && strcmp(*p, k))
			p++;
		if (!*p)
			return pf_fail(-EINVAL, "%s: %s: unknown key '%s'", origin, where, k);
	}
	return 0;
}

static int parse_endpoints(const char *origin, struct json_object *list, struct pf_cluster_conf *c)
{
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

	if (!n || n > 8)
		return bad(origin, "endpoints", "expected a list of 1 to 8 URLs");
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(list, i);
		const char *s = json_object_get_string(v);
		size_t used = strlen(c->endpoints);

		if (!json_object_is_type(v, json_type_string) ||
		    (strncmp(s, "http://", 7) && strncmp(s, "https://", 8)) || strchr(s, ','))
			return pf_fail(-EINVAL,
				       "%s: cluster.endpoints[%zu]: expected an http:// or "
				       "https:// URL (got '%s')",
				       origin, i, s ? s : "");
		if (snprintf(c->endpoints + used, sizeof(c->endpoints) - used, "%s%s",
			     used ? "," : "", s) >= (int)(sizeof(c->endpoints) - used))
			return bad(origin, "endpoints", "too long in all");
	}
	return 0;
}

static int get_file(const char *origin, struct json_object *tls, const char *key, char *out,
		    size_t len)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(tls, key, &v))
		return 0;
	s = json_object_get_string(v);
	if (!json_object_is_type(v, json_type_string) || !s[0] || strlen(s) >= len)
		return pf_fail(-EINVAL, "%s: cluster.tls.%s: expected a file path", origin, key);
	if (access(s, R_OK))
		return pf_fail(-EINVAL, "%s: cluster.tls.%s: cannot read %s: %s", origin, key, s,
			       strerror(errno));
	snprintf(out, len, "%s", s);
	return 0;
}

static int parse_tls(const char *origin, struct json_object *tls, struct pf_cluster_conf *c)
{
	static const char *const known[] = {"ca", "cert", "key", NULL};

	if (!json_object_is_type(tls, json_type_object))
		return bad(origin, "tls", "expected an object with ca, cert, key");
	if (check_known(origin, "cluster.tls", tls, known) ||
	    get_file(origin, tls, "ca", c->tls_ca, sizeof(c->tls_ca)) ||
	    get_file(origin, tls, "cert", c->tls_cert, sizeof(c->tls_cert)) ||
	    get_file(origin, tls, "key", c->tls_key, sizeof(c->tls_key)))
		return -EINVAL;
	if (!c->tls_cert[0] != !c->tls_key[0])
		return bad(origin, "tls", "cert and key go together");
	return 0;
}

static int get_uint(const char *origin, struct json_object *o, const char *key, unsigned min,
		    unsigned max, unsigned *out)
{
	struct json_object *v;
	char what[64];

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= min &&
	    json_object_get_int64(v) <= max) {
		*out = (unsigned)json_object_get_int64(v);
		return 0;
	}
	snprintf(what, sizeof(what), "expected a whole number from %u to %u", min, max);
	return bad(origin, key, what);
}

static int parse_names(const char *origin, struct json_object *o, struct pf_cluster_conf *c)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, "node", &v) || !json_object_is_type(v, json_type_string))
		return bad(origin, "node", "missing (this node's name)");
	if (pf_cl_check_name("node", json_object_get_string(v)))
		return pf_fail(-EINVAL, "%s: cluster.%s", origin, pf_last_error());
	snprintf(c->node, sizeof(c->node), "%s", json_object_get_string(v));
	if (!json_object_object_get_ex(o, "prefix", &v))
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    pf_cl_check_prefix(json_object_get_string(v)))
		return pf_fail(-EINVAL, "%s: cluster.prefix: %s", origin,
			       json_object_is_type(v, json_type_string) ? pf_last_error()
									: "expected a string");
	snprintf(c->prefix, sizeof(c->prefix), "%s", json_object_get_string(v));
	return 0;
}

int pf_cluster_conf_parse(const char *origin, struct json_object *root, struct pf_cluster_conf *c)
{
	static const char *const known[] = {"endpoints", "node", "prefix", "timeout_ms",
					    "lease_ttl", "tls",	 NULL};
	struct json_object *o, *v;

	memset(c, 0, sizeof(*c));
	snprintf(c->prefix, sizeof(c->prefix), "%s", PF_CL_DEFAULT_PREFIX);
	c->timeout_ms = DEFAULT_TIMEOUT_MS;
	c->lease_ttl_s = DEFAULT_LEASE_TTL;
	if (!json_object_object_get_ex(root, "cluster", &o))
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return pf_fail(-EINVAL, "%s: cluster: expected an object", origin);
	if (check_known(origin, "cluster", o, known))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "endpoints", &v))
		return bad(origin, "endpoints", "missing (the etcd client URLs)");
	if (parse_endpoints(origin, v, c) || parse_names(origin, o, c) ||
	    get_uint(origin, o, "timeout_ms", 100, 60000, &c->timeout_ms) ||
	    get_uint(origin, o, "lease_ttl", 2, 3600, &c->lease_ttl_s))
		return -EINVAL;
	if (json_object_object_get_ex(o, "tls", &v) && parse_tls(origin, v, c))
		return -EINVAL;
	c->enabled = true;
	return 0;
}

struct pf_etcd_tls pf_cluster_conf_tls(const struct pf_cluster_conf *c)
{
	struct pf_etcd_tls t = {.ca_file = c->tls_ca[0] ? c->tls_ca : NULL,
				.cert_file = c->tls_cert[0] ? c->tls_cert : NULL,
				.key_file = c->tls_key[0] ? c->tls_key : NULL};

	return t;
}
