// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "userspace/payflowd/config_diff.h"
#include "userspace/common/error.h"

struct field {
	const char *key; /* as in the JSON */
	size_t off, size;
};

#define F(key, member)                                                                             \
	{                                                                                          \
		key, offsetof(struct pf_conf, member), sizeof(((struct pf_conf *)0)->member)       \
	}

/* Read where they are set up once: a socket, a thread, the maps, the database. */
static const struct field fixed[] = {
    F("mode", mode),
    F("xdp", xdp),
    F("state_dir", state_dir),
    F("pin_root", pin_root),
    F("socket", socket_path),
    F("metrics", metrics_host),
    F("metrics", metrics_port),
    F("sync", sync_full),
    F("max_reservations", max_reservations),
    F("bridges", topo),
    F("broker", broker.enabled),
    F("broker.listen", broker.listen_host),
    F("broker.listen", broker.listen_port),
    F("broker.netns", broker.netns),
    F("broker.key_file", broker.key_file),
    F("broker.idle_timeout", broker.idle_timeout_s),
    F("broker.max_connections", broker.max_conns),
    F("broker.max_connections_per_address", broker.max_conns_per_addr),
    F("broker.ledger_queue", broker.ledger_queue),
    F("ledger", ledger),
};

/* Read from the config each time they matter (or rebuilt by the reload). */
static const struct field live[] = {
    F("best_effort.rate", be_rate_bps),
    F("best_effort.floor", be_floor_bps),
    F("hold_ttl", hold_ttl_s),
    F("pool_classes", pool_classes),
    F("unknown_endpoint", allow_unknown_endpoint),
    F("metrics_token", metrics_token),
    F("broker.min_seconds", broker.min_seconds),
    F("broker.max_seconds", broker.max_seconds),
    F("broker.quote_ttl", broker.quote_ttl_s),
    F("broker.confirm_grace", broker.confirm_grace_s),
    F("broker.tx_grace", broker.tx_grace_s),
    F("broker.unpaid_hold", broker.unpaid_hold_s),
    F("broker.quote_rate", broker.quote_rate_milli),
    F("broker.quote_burst", broker.quote_burst),
    F("broker.max_holds_per_address", broker.holds_per_addr),
    F("broker.max_holds_per_key", broker.holds_per_key),
    F("broker.max_checks_per_address", broker.checks_per_addr),
    F("broker.max_checks_per_key", broker.checks_per_key),
    F("broker.block_after", broker.block_after),
    F("broker.block_window", broker.block_window_s),
    F("broker.block_seconds", broker.block_s),
    F("broker.purge_after", broker.purge_after_s),
    F("broker.purge_every", broker.purge_every_s),
    F("broker.allow", broker.allow),
    F("broker.allow", broker.n_allow),
};

static bool differs(const struct pf_conf *a, const struct pf_conf *b, const struct field *f)
{
	return memcmp((const char *)a + f->off, (const char *)b + f->off, f->size) != 0;
}

/* Appends "key" (formatted) to the list, once. */
static void note(char *out, size_t len, const char *fmt, ...)
{
	char key[96];
	size_t n = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	if (n && strstr(out, key))
		return;
	snprintf(out + n, len - n, "%s%s", n ? ", " : "", key);
}

static int ports_diff(const struct pf_conf *a, const struct pf_conf *b, char *out, size_t len)
{
	if (a->n_ports != b->n_ports)
		return pf_fail(-EINVAL,
			       "ports: %d ports were configured, %d now; the set of ports cannot "
			       "change while payflowd runs (restart it)",
			       a->n_ports, b->n_ports);
	for (int i = 0; i < a->n_ports; i++) {
		const struct pf_conf_port *p = &a->ports[i], *q = &b->ports[i];

		if (strcmp(p->ifname, q->ifname))
			return pf_fail(-EINVAL,
				       "ports: port %s became %s; the set of ports cannot change "
				       "while payflowd runs (restart it)",
				       p->ifname, q->ifname);
		if (p->capacity_bps != q->capacity_bps)
			note(out, len, "ports[%s].capacity", p->ifname);
		if (p->n_hosts != q->n_hosts ||
		    memcmp(p->hosts, q->hosts, p->n_hosts * sizeof(p->hosts[0])))
			note(out, len, "ports[%s].hosts", p->ifname);
	}
	return 0;
}

static int levels_diff(const struct pf_conf *a, const struct pf_conf *b, char *out, size_t len)
{
	if (b->n_levels < a->n_levels)
		return pf_fail(-EINVAL,
			       "levels: %d levels were configured, %d now; a level cannot be "
			       "removed while payflowd runs (reservations and quotes name it)",
			       a->n_levels, b->n_levels);
	for (int i = 0; i < a->n_levels; i++) {
		const struct pf_conf_level *l = &a->levels[i], *m = &b->levels[i];

		if (l->rate_bps != m->rate_bps)
			return pf_fail(-EINVAL,
				       "levels[%d].rate cannot change while payflowd runs (sold "
				       "reservations and quotes have it); add a level instead",
				       i);
		if (strcmp(l->price_per_s, m->price_per_s))
			note(out, len, "levels[%d].price_per_s", i);
		if (strcmp(l->name, m->name))
			note(out, len, "levels[%d].name", i);
		if (l->demand_k_ppm != m->demand_k_ppm || l->demand_cap_ppm != m->demand_cap_ppm)
			note(out, len, "levels[%d].demand", i); /* the next MENU and quotes */
	}
	for (int i = a->n_levels; i < b->n_levels; i++)
		note(out, len, "levels[%d] added", i);
	return 0;
}

int pf_conf_diff(const struct pf_conf *cur, const struct pf_conf *next, char *changed, size_t len)
{
	changed[0] = 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (differs(cur, next, &fixed[i]))
			return pf_fail(-EINVAL,
				       "%s cannot change while payflowd runs (restart it; "
				       "reservations stay)",
				       fixed[i].key);
	if (ports_diff(cur, next, changed, len) || levels_diff(cur, next, changed, len))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (differs(cur, next, &live[i]))
			note(changed, len, "%s", live[i].key);
	return 0;
}
