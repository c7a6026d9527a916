// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include "userspace/payflowd/config.h"
#include "userspace/common/addr.h"
#include "userspace/common/units.h"
#include "userspace/common/error.h"

#define MAX_CONFIG_BYTES (1 << 20)

/* The parse state: where messages point. */
struct cx {
	const char *origin;
	struct pf_conf *c;
};

static int bad(const struct cx *x, const char *key, const char *fmt, const char *val)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, val);
	return pf_fail(-EINVAL, "%s: %s: %s", x->origin, key, msg);
}

/* A rate: a string such as "150mbit" or a whole number of bit/s. */
static int get_rate(const struct cx *x, const char *key, struct json_object *v, __u64 *out)
{
	if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0) {
		*out = json_object_get_int64(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_string) &&
	    !pf_rate_parse(json_object_get_string(v), out))
		return 0;
	return bad(x, key, "bad rate '%s': a rate above 0 such as \"150mbit\" or 150000000",
		   json_object_get_string(v));
}

static int get_string(const struct cx *x, const char *key, struct json_object *v, char *out,
		      size_t len)
{
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string) || !s[0])
		return bad(x, key, "%s", "expected a non-empty string");
	if (strlen(s) >= len)
		return bad(x, key, "'%s' is too long", s);
	snprintf(out, len, "%s", s);
	return 0;
}

static int get_ifname(const struct cx *x, const char *key, struct json_object *v, char *out)
{
	if (get_string(x, key, v, out, PF_IFNAMSIZ))
		return -EINVAL;
	if (strchr(out, '/') || strchr(out, ' '))
		return bad(x, key, "'%s' is not an interface name", out);
	return 0;
}

static int get_array(const struct cx *x, const char *key, struct json_object *v, int max)
{
	if (!json_object_is_type(v, json_type_array))
		return bad(x, key, "%s", "expected an array");
	if ((int)json_object_array_length(v) > max) {
		char n[16];

		snprintf(n, sizeof(n), "%d", max);
		return bad(x, key, "more than %s entries", n);
	}
	return 0;
}

/* Checks obj is an object whose keys are all in `known`. */
static int check_keys(const struct cx *x, const char *where, struct json_object *obj,
		      const char *const *known)
{
	if (!json_object_is_type(obj, json_type_object))
		return bad(x, where, "%s", "expected an object");
	json_object_object_foreach(obj, k, v)
	{
		const char *const *p = known;

		(void)v;
		while (*p && strcmp(*p, k))
			p++;
		if (!*p)
			return bad(x, where, "unknown key '%s'", k);
	}
	return 0;
}

static int parse_hosts(const struct cx *x, const char *key, struct json_object *v,
		       struct pf_conf_port *p)
{
	if (get_array(x, key, v, PF_CONF_MAX_HOSTS))
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *h = json_object_array_get_idx(v, i);

		if (!json_object_is_type(h, json_type_string) ||
		    pf_prefix_parse(json_object_get_string(h), &p->hosts[p->n_hosts]))
			return bad(x, key, "bad address or prefix '%s'", json_object_get_string(h));
		p->n_hosts++;
	}
	return 0;
}

/*
 * The members ports[] and bridges[] share: known keys, a "name" (an
 * interface) and a "capacity". what is "port" or "bridge" for messages.
 */
static int parse_iface(const struct cx *x, const char *list, int i, struct json_object *o,
		       const char *const *known, char ifname[PF_IFNAMSIZ], __u64 *capacity_bps)
{
	const char *what = !strcmp(list, "ports") ? "port" : "bridge";
	struct json_object *v;
	char key[64];

	snprintf(key, sizeof(key), "%s[%d]", list, i);
	if (check_keys(x, key, o, known))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "name", &v))
		return bad(x, key, "%s", "missing \"name\"");
	if (get_ifname(x, key, v, ifname))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "capacity", &v))
		return bad(x, key,
			   *what == 'p' ? "missing \"capacity\" of port %s"
					: "missing \"capacity\" of bridge %s",
			   ifname);
	snprintf(key, sizeof(key), "%s[%d] (%s).capacity", list, i, ifname);
	return get_rate(x, key, v, capacity_bps) ? -EINVAL : 0;
}

/* "peer_node": the trunk's far end "peer" is a port of that cluster node. */
static int parse_peer_node(const struct cx *x, struct json_object *o, int i, struct pf_conf_port *p)
{
	struct json_object *v;
	char key[64];

	snprintf(key, sizeof(key), "ports[%d] (%s).peer_node", i, p->ifname);
	if (!json_object_object_get_ex(o, "peer_node", &v))
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    pf_cl_check_name("node", json_object_get_string(v)))
		return bad(
		    x, key,
		    "expected a cluster node name (1 to 63 of A-Z a-z 0-9 . _ : -), got '%s'",
		    json_object_get_string(v));
	if (!p->peer[0])
		return bad(x, key, "%s", "needs \"peer\", the port at the far end");
	snprintf(p->peer_node, sizeof(p->peer_node), "%s", json_object_get_string(v));
	return 0;
}

static int parse_port(const struct cx *x, struct json_object *o, int i)
{
	static const char *const known[] = {"name", "capacity", "hosts", "peer", "peer_node", NULL};
	struct pf_conf_port *p = &x->c->ports[x->c->n_ports];
	struct json_object *v;
	char key[64];

	memset(p, 0, sizeof(*p));
	if (parse_iface(x, "ports", i, o, known, p->ifname, &p->capacity_bps))
		return -EINVAL;
	snprintf(key, sizeof(key), "ports[%d] (%s).hosts", i, p->ifname);
	if (json_object_object_get_ex(o, "hosts", &v) && parse_hosts(x, key, v, p))
		return -EINVAL;
	snprintf(key, sizeof(key), "ports[%d] (%s).peer", i, p->ifname);
	if (json_object_object_get_ex(o, "peer", &v) && get_ifname(x, key, v, p->peer))
		return -EINVAL;
	if (parse_peer_node(x, o, i, p))
		return -EINVAL;
	snprintf(key, sizeof(key), "ports[%d]", i);
	for (int j = 0; j < x->c->n_ports; j++)
		if (!strcmp(x->c->ports[j].ifname, p->ifname))
			return bad(x, key, "port %s is listed twice", p->ifname);
	x->c->n_ports++;
	return 0;
}

static int parse_bridge(const struct cx *x, struct json_object *o, int i)
{
	static const char *const known[] = {"name", "capacity", "exclude", NULL};
	struct pf_conf_bridge *b = &x->c->bridges[x->c->n_bridges];
	struct json_object *v;
	char key[64];

	memset(b, 0, sizeof(*b));
	if (parse_iface(x, "bridges", i, o, known, b->ifname, &b->capacity_bps))
		return -EINVAL;
	snprintf(key, sizeof(key), "bridges[%d] (%s).exclude", i, b->ifname);
	if (json_object_object_get_ex(o, "exclude", &v)) {
		if (get_array(x, key, v, PF_CONF_MAX_PORTS))
			return -EINVAL;
		for (size_t j = 0; j < json_object_array_length(v); j++)
			if (get_ifname(x, key, json_object_array_get_idx(v, j),
				       b->exclude[b->n_exclude++]))
				return -EINVAL;
	}
	x->c->n_bridges++;
	return 0;
}

/* Wei per second as a canonical decimal string. */
static int get_price(const struct cx *x, const char *key, struct json_object *v,
		     char out[PF_AMOUNT_MAX])
{
	const char *price = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string) || !pf_amount_valid(price, strlen(price)))
		return bad(x, key,
			   "bad price '%s': wei per second as a canonical decimal string, "
			   "e.g. \"1000\"",
			   price);
	snprintf(out, PF_AMOUNT_MAX, "%s", price);
	return 0;
}

/* A decimal string ("4", "0.5") in [min, 1000] with at most 6 decimals, in millionths. */
static int get_ppm(const struct cx *x, const char *key, struct json_object *v, __u64 min_ppm,
		   __u64 *out)
{
	const char *s = json_object_get_string(v), *p;
	__u64 whole = 0, frac = 0, scale = 1000000;

	if (!json_object_is_type(v, json_type_string) || !*s || *s == '.')
		goto bad;
	for (p = s; *p >= '0' && *p <= '9' && whole <= 1000; p++)
		whole = whole * 10 + (__u64)(*p - '0');
	if (*p == '.' && p[1])
		for (p++; *p >= '0' && *p <= '9' && scale > 1; p++)
			frac += (__u64)(*p - '0') * (scale /= 10);
	*out = whole * 1000000 + frac;
	if (!*p && whole <= 1000 && *out >= min_ppm && *out <= 1000000000)
		return 0;
bad:
	return bad(x, key,
		   "bad value '%s': a decimal string of at most 1000 with up to 6 decimals, "
		   "e.g. \"4\" or \"0.5\"",
		   json_object_get_string(v));
}

/* demand_k with demand_cap (>= 1): the level's both-way price follows demand. */
static int parse_demand(const struct cx *x, struct json_object *o, int i)
{
	struct pf_conf_level *l = &x->c->levels[i];
	struct json_object *k, *cap;
	char key[96];

	snprintf(key, sizeof(key), "levels[%d] (%s).demand_k", i, l->name);
	if (!json_object_object_get_ex(o, "demand_k", &k))
		return json_object_object_get_ex(o, "demand_cap", &cap)
			   ? bad(x, key, "%s", "missing: demand_cap goes with demand_k")
			   : 0;
	if (i == 0)
		return bad(x, key, "%s", "level0 is free best effort: its price is fixed at 0");
	if (get_ppm(x, key, k, 0, &l->demand_k_ppm))
		return -EINVAL;
	snprintf(key, sizeof(key), "levels[%d] (%s).demand_cap", i, l->name);
	if (!json_object_object_get_ex(o, "demand_cap", &cap))
		return bad(x, key, "%s",
			   "missing: the highest multiple of price_per_s, e.g. \"3\"");
	return get_ppm(x, key, cap, 1000000, &l->demand_cap_ppm);
}

static int parse_level(const struct cx *x, struct json_object *o, int i)
{
	static const char *const known[] = {
	    "name", "rate", "price_per_s", "price_per_s_one_way", "demand_k", "demand_cap", NULL};
	struct pf_conf_level *l = &x->c->levels[i];
	struct json_object *v;
	char key[64];
	snprintf(key, sizeof(key), "levels[%d]", i);
	if (check_keys(x, key, o, known))
		return -EINVAL;
	snprintf(l->name, sizeof(l->name), "level%d", i);
	if (json_object_object_get_ex(o, "name", &v) &&
	    get_string(x, key, v, l->name, sizeof(l->name)))
		return -EINVAL;
	snprintf(key, sizeof(key), "levels[%d] (%s).rate", i, l->name);
	if (!json_object_object_get_ex(o, "rate", &v))
		return bad(x, key, "%s", "missing");
	if (get_rate(x, key, v, &l->rate_bps))
		return -EINVAL;
	snprintf(key, sizeof(key), "levels[%d] (%s).price_per_s", i, l->name);
	if (!json_object_object_get_ex(o, "price_per_s", &v))
		return bad(x, key, "%s", "missing (wei per second as a decimal string)");
	if (get_price(x, key, v, l->price_per_s))
		return -EINVAL;
	if (i == 0 && strcmp(l->price_per_s, "0"))
		return bad(x, key, "level0 is free best effort; its price must be \"0\", not %s",
			   l->price_per_s);
	if (parse_demand(x, o, i))
		return -EINVAL;
	snprintf(key, sizeof(key), "levels[%d] (%s).price_per_s_one_way", i, l->name);
	if (!json_object_object_get_ex(o, "price_per_s_one_way", &v))
		return 0; /* not sold one way */
	if (i == 0)
		return bad(x, key, "%s",
			   "level0 is free best effort and is not sold, one way neither");
	return get_price(x, key, v, l->price_per_s_one_way);
}

static int parse_best_effort(const struct cx *x, struct json_object *o)
{
	static const char *const known[] = {"rate", "floor", NULL};
	struct json_object *v;

	if (check_keys(x, "best_effort", o, known))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "rate", &v))
		return bad(x, "best_effort.rate", "%s", "missing");
	if (get_rate(x, "best_effort.rate", v, &x->c->be_rate_bps))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "floor", &v))
		return bad(x, "best_effort.floor", "%s", "missing");
	return get_rate(x, "best_effort.floor", v, &x->c->be_floor_bps);
}

static int parse_metrics(const struct cx *x, struct json_object *v)
{
	char addr[80], *colon;
	__u64 port;

	if (json_object_is_type(v, json_type_null))
		return 0;
	if (get_string(x, "metrics", v, addr, sizeof(addr)))
		return -EINVAL;
	colon = strrchr(addr, ':');
	if (!colon || colon == addr || pf_uint_parse(colon + 1, 65535, &port))
		return bad(x, "metrics", "bad address '%s': HOST:PORT, e.g. \"127.0.0.1:9469\"",
			   addr);
	*colon = 0;
	if (addr[0] == '[' && colon[-1] == ']') { /* [::1]:9469 */
		colon[-1] = 0;
		memmove(addr, addr + 1, strlen(addr));
	}
	snprintf(x->c->metrics_host, sizeof(x->c->metrics_host), "%s", addr);
	x->c->metrics_port = port;
	return 0;
}

/* Printable, no spaces, 16..127 characters; messages never quote it (it is a secret). */
static int parse_token(const struct cx *x, struct json_object *v, char *out, size_t len)
{
	_Static_assert(sizeof(((struct pf_conf *)0)->metrics_token) == 128, "the message says 127");
	const char *s = json_object_get_string(v);
	size_t n = json_object_is_type(v, json_type_string) ? strlen(s) : 0;

	if (n < 16 || n >= len)
		return bad(x, "metrics_token", "%s", "a string of 16 to 127 characters");
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return bad(x, "metrics_token", "%s",
				   "printable ASCII without spaces (the value is not shown)");
	memcpy(out, s, n + 1);
	return 0;
}

static int parse_enum(const struct cx *x, const char *key, struct json_object *v, const char *a,
		      const char *b, bool *is_b)
{
	const char *s = json_object_get_string(v);

	if (json_object_is_type(v, json_type_string) && !strcmp(s, a)) {
		*is_b = false;
		return 0;
	}
	if (json_object_is_type(v, json_type_string) && !strcmp(s, b)) {
		*is_b = true;
		return 0;
	}
	{
		char fmt[128];

		snprintf(fmt, sizeof(fmt), "bad value '%%s': \"%s\" or \"%s\"", a, b);
		return bad(x, key, fmt, s);
	}
}

static int parse_scalars(const struct cx *x, struct json_object *root)
{
	struct pf_conf *c = x->c;
	struct json_object *v;
	bool b;

	if (json_object_object_get_ex(root, "mode", &v)) {
		if (parse_enum(x, "mode", v, "shape", "police", &b))
			return -EINVAL;
		c->mode = b ? PF_MODE_POLICE : PF_MODE_SHAPE;
	}
	if (json_object_object_get_ex(root, "xdp", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return bad(x, "xdp", "%s", "expected true or false");
		c->xdp = json_object_get_boolean(v);
		if (c->xdp && c->mode != PF_MODE_POLICE)
			return bad(x, "xdp", "%s", "XDP only polices: set \"mode\": \"police\"");
	}
	if (json_object_object_get_ex(root, "unknown_endpoint", &v) &&
	    parse_enum(x, "unknown_endpoint", v, "refuse", "allow", &c->allow_unknown_endpoint))
		return -EINVAL;
	if (json_object_object_get_ex(root, "sync", &v) &&
	    parse_enum(x, "sync", v, "normal", "full", &c->sync_full))
		return -EINVAL;
	if (json_object_object_get_ex(root, "hold_ttl", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
		    json_object_get_int64(v) > 3600)
			return bad(x, "hold_ttl", "bad value '%s': whole seconds, 1 to 3600",
				   json_object_get_string(v));
		c->hold_ttl_s = json_object_get_int64(v);
	}
	_Static_assert(PF_MAX_RESERVATIONS == 1048576, "the max_reservations message says 1048576");
	if (json_object_object_get_ex(root, "max_reservations", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
		    json_object_get_int64(v) > PF_MAX_RESERVATIONS)
			return bad(x, "max_reservations",
				   "bad value '%s': a whole number, 1 to 1048576",
				   json_object_get_string(v));
		c->max_reservations = json_object_get_int64(v);
	}
	_Static_assert(PF_CONF_MAX_POOL_CLASSES == 1000000,
		       "the pool_classes message says 1000000");
	if (json_object_object_get_ex(root, "pool_classes", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
		    json_object_get_int64(v) > PF_CONF_MAX_POOL_CLASSES)
			return bad(x, "pool_classes",
				   "bad value '%s': a whole number, 0 to 1000000",
				   json_object_get_string(v));
		c->pool_classes = json_object_get_int64(v);
	}
	if (json_object_object_get_ex(root, "state_dir", &v) &&
	    get_string(x, "state_dir", v, c->state_dir, sizeof(c->state_dir)))
		return -EINVAL;
	if (json_object_object_get_ex(root, "pin_root", &v) &&
	    get_string(x, "pin_root", v, c->pin_root, sizeof(c->pin_root)))
		return -EINVAL;
	if (json_object_object_get_ex(root, "socket", &v) &&
	    get_string(x, "socket", v, c->socket_path, sizeof(c->socket_path)))
		return -EINVAL;
	if (json_object_object_get_ex(root, "metrics", &v) && parse_metrics(x, v))
		return -EINVAL;
	if (json_object_object_get_ex(root, "metrics_token", &v) &&
	    parse_token(x, v, c->metrics_token, sizeof(c->metrics_token)))
		return -EINVAL;
	return 0;
}

static int parse_lists(const struct cx *x, struct json_object *root)
{
	struct json_object *v;

	if (json_object_object_get_ex(root, "ports", &v)) {
		if (get_array(x, "ports", v, PF_CONF_MAX_PORTS))
			return -EINVAL;
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (parse_port(x, json_object_array_get_idx(v, i), i))
				return -EINVAL;
	}
	if (json_object_object_get_ex(root, "bridges", &v)) {
		if (get_array(x, "bridges", v, PF_CONF_MAX_PORTS))
			return -EINVAL;
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (parse_bridge(x, json_object_array_get_idx(v, i), i))
				return -EINVAL;
	}
	if (!x->c->n_ports && !x->c->n_bridges)
		return bad(x, "ports", "%s",
			   "no \"ports\" and no \"bridges\": nothing to enforce on");
	if (!json_object_object_get_ex(root, "levels", &v))
		return bad(x, "levels", "%s", "missing (level0 is free best effort)");
	if (get_array(x, "levels", v, PF_CONF_MAX_LEVELS))
		return -EINVAL;
	if (json_object_array_length(v) < 2)
		return bad(x, "levels", "%s",
			   "give level0 (free best effort) and at least one paid level");
	x->c->n_levels = json_object_array_length(v);
	for (int i = 0; i < x->c->n_levels; i++)
		if (parse_level(x, json_object_array_get_idx(v, i), i))
			return -EINVAL;
	return 0;
}

/* Cross-checks: every rate must fit every port it can land on. */
static int check_capacity(const struct cx *x, const char *kind, const char *name, __u64 cap)
{
	struct pf_conf *c = x->c;
	char r1[32], r2[32], key[64];

	snprintf(key, sizeof(key), "%s %s", kind, name);
	if (c->be_floor_bps >= cap)
		return pf_fail(-EINVAL,
			       "%s: best_effort.floor: %s is not below the capacity of %s (%s)",
			       x->origin, pf_rate_format(c->be_floor_bps, r1, sizeof(r1)), key,
			       pf_rate_format(cap, r2, sizeof(r2)));
	if (c->be_rate_bps > cap)
		return pf_fail(-EINVAL, "%s: best_effort.rate: %s is above the capacity of %s (%s)",
			       x->origin, pf_rate_format(c->be_rate_bps, r1, sizeof(r1)), key,
			       pf_rate_format(cap, r2, sizeof(r2)));
	for (int i = 0; i < c->n_levels; i++)
		if (c->levels[i].rate_bps > cap)
			return pf_fail(-EINVAL,
				       "%s: levels[%d] (%s).rate: %s is above the capacity of %s "
				       "(%s)",
				       x->origin, i, c->levels[i].name,
				       pf_rate_format(c->levels[i].rate_bps, r1, sizeof(r1)), key,
				       pf_rate_format(cap, r2, sizeof(r2)));
	return 0;
}

static void set_defaults(struct pf_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = PF_MODE_SHAPE;
	c->hold_ttl_s = PF_CONF_DEFAULT_HOLD_TTL;
	c->max_reservations = PF_MAX_RESERVATIONS;
	c->pool_classes = PF_CONF_DEFAULT_POOL_CLASSES;
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", PF_CONF_DEFAULT_STATE_DIR);
	snprintf(c->pin_root, sizeof(c->pin_root), "%s", PF_PIN_ROOT_DEFAULT);
	snprintf(c->socket_path, sizeof(c->socket_path), "%s", PF_CONF_DEFAULT_SOCKET);
}

static int parse_root(const struct cx *x, struct json_object *root)
{
	static const char *const known[] = {
	    "ports",	     "bridges", "best_effort",	"levels",
	    "mode",	     "xdp",	"state_dir",	"pin_root",
	    "socket",	     "metrics", "hold_ttl",	"unknown_endpoint",
	    "sync",	     "broker",	"ledger",	"max_reservations",
	    "metrics_token", "cluster", "pool_classes", NULL};
	struct json_object *v;

	if (!json_object_is_type(root, json_type_object))
		return pf_fail(-EINVAL, "%s: the top level must be a JSON object", x->origin);
	if (check_keys(x, "top level", root, known))
		return -EINVAL;
	if (!json_object_object_get_ex(root, "best_effort", &v))
		return bad(x, "best_effort", "%s", "missing (its \"rate\" and \"floor\")");
	if (parse_best_effort(x, v) || parse_scalars(x, root) || parse_lists(x, root) ||
	    pf_conf_parse_broker(x->origin, root, x->c) ||
	    pf_cluster_conf_parse(x->origin, root, &x->c->cluster))
		return -EINVAL;
	for (int i = 0; i < x->c->n_ports; i++)
		if (check_capacity(x, "port", x->c->ports[i].ifname, x->c->ports[i].capacity_bps))
			return -EINVAL;
	for (int i = 0; i < x->c->n_bridges; i++)
		if (check_capacity(x, "bridge", x->c->bridges[i].ifname,
				   x->c->bridges[i].capacity_bps))
			return -EINVAL;
	return 0;
}

int pf_conf_parse(const char *text, const char *origin, struct pf_conf *c)
{
	struct json_tokener *tok = json_tokener_new();
	struct cx x = {origin, c};
	struct json_object *root;
	int err;

	set_defaults(c);
	if (!tok)
		return pf_fail(-ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, strlen(text) + 1);
	if (!root) {
		err = pf_fail(-EINVAL, "%s: not valid JSON (%s at byte %zu)", origin,
			      json_tokener_error_desc(json_tokener_get_error(tok)),
			      json_tokener_get_parse_end(tok));
		json_tokener_free(tok);
		return err;
	}
	json_tokener_free(tok);
	err = parse_root(&x, root);
	json_object_put(root);
	return err;
}

static bool is_bridge(const char *ifname)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", ifname);
	return !stat(path, &st);
}

static bool excluded(const struct pf_conf_bridge *b, const char *name)
{
	for (int i = 0; i < b->n_exclude; i++)
		if (!strcmp(b->exclude[i], name))
			return true;
	return false;
}

/* Adds the bridge's members that are neither excluded nor listed as ports. */
static int expand_bridge(struct pf_conf *c, const struct pf_conf_bridge *b)
{
	char path[128];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/brif", b->ifname);
	dir = opendir(path);
	if (!dir)
		return pf_fail(-ENODEV, "bridge %s: cannot list its ports: %s", b->ifname,
			       strerror(errno));
	while ((d = readdir(dir))) {
		struct pf_conf_port *p;

		if (d->d_name[0] == '.' || excluded(b, d->d_name))
			continue;
		if (pf_conf_port_index(c, if_nametoindex(d->d_name)) >= 0)
			continue; /* a "ports" entry overrides the bridge's defaults */
		if (c->n_ports == PF_CONF_MAX_PORTS) {
			closedir(dir);
			return pf_fail(-EINVAL, "bridge %s: more than %d ports in total", b->ifname,
				       PF_CONF_MAX_PORTS);
		}
		p = &c->ports[c->n_ports++];
		memset(p, 0, sizeof(*p));
		memcpy(p->ifname, d->d_name, strnlen(d->d_name, PF_IFNAMSIZ - 1));
		snprintf(p->bridge, sizeof(p->bridge), "%s", b->ifname);
		p->ifindex = if_nametoindex(d->d_name);
		p->capacity_bps = b->capacity_bps;
	}
	closedir(dir);
	return 0;
}

int pf_conf_resolve(struct pf_conf *c)
{
	for (int i = 0; i < c->n_ports; i++) {
		c->ports[i].ifindex = if_nametoindex(c->ports[i].ifname);
		if (!c->ports[i].ifindex)
			return pf_fail(-ENODEV, "unknown port %s: no such interface",
				       c->ports[i].ifname);
		if (is_bridge(c->ports[i].ifname))
			return pf_fail(-EINVAL,
				       "port %s is a bridge: list it under \"bridges\" to enforce "
				       "on its host-facing ports",
				       c->ports[i].ifname);
	}
	for (int i = 0; i < c->n_bridges; i++) {
		const struct pf_conf_bridge *b = &c->bridges[i];
		int err;

		if (!if_nametoindex(b->ifname))
			return pf_fail(-ENODEV, "unknown bridge %s: no such interface", b->ifname);
		if (!is_bridge(b->ifname))
			return pf_fail(-EINVAL, "%s is not a bridge", b->ifname);
		err = expand_bridge(c, b);
		if (err)
			return err;
	}
	return pf_topo_build(c);
}

int pf_conf_load(const char *path, struct pf_conf *c)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int err;

	if (!f)
		return pf_fail(-errno, "cannot read config %s: %s", path, strerror(errno));
	text = malloc(MAX_CONFIG_BYTES + 1);
	if (!text) {
		fclose(f);
		return pf_fail(-ENOMEM, "out of memory");
	}
	n = fread(text, 1, MAX_CONFIG_BYTES + 1, f);
	err = ferror(f) ? -errno : 0;
	fclose(f);
	if (err || n > MAX_CONFIG_BYTES) {
		free(text);
		return err ? pf_fail(err, "cannot read config %s: %s", path, strerror(-err))
			   : pf_fail(-EFBIG, "config %s is larger than 1 MiB", path);
	}
	text[n] = 0;
	if (strlen(text) != n) {
		free(text);
		return pf_fail(-EINVAL, "%s: not valid JSON (contains a NUL byte)", path);
	}
	err = pf_conf_parse(text, path, c);
	free(text);
	return err ?: pf_conf_resolve(c);
}

int pf_prefix_parse(const char *text, struct pf_prefix *p)
{
	char buf[PF_ADDR_STRLEN + 8], *slash;
	__u64 len;
	int max;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (pf_addr_parse(buf, p->addr))
		return -EINVAL;
	max = pf_addr_is_v4(p->addr) && !strchr(buf, ':') ? 32 : 128;
	len = max;
	if (slash && (slash[1] == '0' && !slash[2]))
		len = 0;
	else if (slash && pf_uint_parse(slash + 1, max, &len))
		return -EINVAL;
	p->len = max == 32 ? 96 + len : len;
	return 0;
}

bool pf_prefix_match(const struct pf_prefix *p, const __u8 addr[16])
{
	int full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->addr, addr, full))
		return false;
	return !rest || !((p->addr[full] ^ addr[full]) & (0xff << (8 - rest)));
}

int pf_conf_port_of(const struct pf_conf *c, const __u8 addr[16])
{
	int best = -1, best_len = -1;

	for (int i = 0; i < c->n_ports; i++)
		for (int j = 0; j < c->ports[i].n_hosts; j++) {
			const struct pf_prefix *p = &c->ports[i].hosts[j];

			if (p->len > best_len && pf_prefix_match(p, addr)) {
				best = i;
				best_len = p->len;
			}
		}
	return best;
}

int pf_conf_port_index(const struct pf_conf *c, __u32 ifindex)
{
	for (int i = 0; i < c->n_ports; i++)
		if (c->ports[i].ifindex == ifindex && ifindex)
			return i;
	return -1;
}
