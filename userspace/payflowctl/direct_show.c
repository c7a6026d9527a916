// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflowctl --direct list / stats: read straight from the pinned maps. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "userspace/payflowctl/ctl.h"
#include "userspace/common/addr.h"
#include "userspace/dataplane/dataplane.h"
#include "userspace/dataplane/port.h"
#include "userspace/dataplane/resv.h"
#include "userspace/dataplane/pool.h"
#include "userspace/common/units.h"
#include "userspace/common/error.h"

struct list_ctx {
	const struct pf_maps *m;
	struct json_object *rows;
	__u64 now;
};

static struct json_object *stats_json(const struct pf_stats *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "packets", json_object_new_uint64(s->packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(s->bytes));
	json_object_object_add(o, "drops", json_object_new_uint64(s->drops));
	return o;
}

static int add_row(const struct pf_key *key, const struct pf_resv *r, void *arg)
{
	struct list_ctx *l = arg;
	struct json_object *o = json_object_new_object();
	char pair[PF_PAIR_STRLEN], cls[16];
	struct pf_stats s;
	bool live = r->expires_at > l->now;

	pf_resv_stats_read(l->m, key, &s);
	json_object_object_add(o, "id", json_object_new_uint64(r->resv_id));
	json_object_object_add(o, "pair",
			       json_object_new_string(pf_key_format(key, pair, sizeof(pair))));
	json_object_object_add(o, "state", json_object_new_string(live ? "active" : "expired"));
	json_object_object_add(o, "rate_bps", json_object_new_uint64(r->rate_bps));
	json_object_object_add(o, "level", json_object_new_int(r->level));
	json_object_object_add(o, "classid", json_object_new_int64(r->classid));
	json_object_object_add(
	    o, "class", json_object_new_string(pf_class_format(r->classid, cls, sizeof(cls))));
	json_object_object_add(o, "burst", json_object_new_uint64(r->burst));
	json_object_object_add(o, "seconds_left",
			       json_object_new_double(live ? (r->expires_at - l->now) / 1e9 : 0));
	json_object_object_add(o, "stats", stats_json(&s));
	json_object_array_add(l->rows, o);
	return 0;
}

static void print_rows(struct json_object *rows)
{
	printf("%-42s %-8s %12s %6s %9s %14s %8s\n", "PAIR", "STATE", "RATE", "CLASS", "LEFT",
	       "BYTES", "DROPS");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *o = json_object_array_get_idx(rows, i), *v, *st;
		char rate[32], cls[16];

		json_object_object_get_ex(o, "stats", &st);
#define FIELD(obj, name) (json_object_object_get_ex(obj, name, &v), v)
		snprintf(cls, sizeof(cls), "%s", json_object_get_string(FIELD(o, "class")));
		printf("%-42s %-8s %12s %6s %8.1fs %14llu %8llu\n",
		       json_object_get_string(FIELD(o, "pair")),
		       json_object_get_string(FIELD(o, "state")),
		       pf_rate_format(json_object_get_uint64(FIELD(o, "rate_bps")), rate,
				      sizeof(rate)),
		       cls, json_object_get_double(FIELD(o, "seconds_left")),
		       (unsigned long long)json_object_get_uint64(FIELD(st, "bytes")),
		       (unsigned long long)json_object_get_uint64(FIELD(st, "drops")));
#undef FIELD
	}
}

int direct_list(struct ctl *c, int argc, char **argv)
{
	struct list_ctx l = {.now = pf_now_ns()};
	struct pf_maps m;

	if (getopt_long(argc, argv, "", (struct option[]){{0}}, NULL) != -1 || optind != argc)
		return ctl_error(CTL_USAGE, "list takes no arguments");
	if (pf_maps_open(&m, c->pin_root))
		return ctl_error(CTL_ERR, "%s", pf_last_error());
	l.m = &m;
	l.rows = json_object_new_array();
	pf_resv_foreach(&m, add_row, &l);
	pf_maps_close(&m);
	if (c->json) {
		ctl_print_json(l.rows);
		return CTL_OK;
	}
	print_rows(l.rows);
	json_object_put(l.rows);
	return CTL_OK;
}

static int add_port(__u32 ifindex, const struct pf_port *p, void *arg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ifname", json_object_new_string(p->ifname));
	json_object_object_add(o, "ifindex", json_object_new_int(ifindex));
	json_object_object_add(o, "capacity_bps", json_object_new_uint64(p->capacity_bps));
	json_object_object_add(o, "be_rate_bps", json_object_new_uint64(p->be_rate_bps));
	json_object_object_add(o, "xdp", json_object_new_boolean(p->flags & PF_PORT_XDP));
	json_object_array_add(arg, o);
	return 0;
}

static struct json_object *global_stats(const struct pf_maps *m)
{
	struct json_object *o = json_object_new_object(), *counters, *ports;
	__u64 cnt[PF_CNT_MAX];
	struct pf_config cfg;

	pf_counters_read(m, cnt);
	counters = json_object_new_object();
	for (int i = 0; i < PF_CNT_MAX; i++)
		json_object_object_add(counters, pf_counter_name(i),
				       json_object_new_uint64(cnt[i]));
	ports = json_object_new_array();
	pf_port_foreach(m, add_port, ports);
	if (!pf_config_get(m, &cfg))
		json_object_object_add(
		    o, "mode",
		    json_object_new_string(cfg.mode == PF_MODE_POLICE ? "police" : "shape"));
	json_object_object_add(o, "counters", counters);
	json_object_object_add(o, "ports", ports);
	return o;
}

static void print_global(struct json_object *o)
{
	struct json_object *v, *ports;
	char cap[32], be[32];

	json_object_object_get_ex(o, "mode", &v);
	printf("mode: %s\ncounters:\n", json_object_get_string(v));
	json_object_object_get_ex(o, "counters", &v);
	json_object_object_foreach(v, name, val)
	    printf("  %-10s %llu\n", name, (unsigned long long)json_object_get_uint64(val));
	json_object_object_get_ex(o, "ports", &ports);
	printf("ports:\n");
	for (size_t i = 0; i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i), *n, *c, *b, *x;

		json_object_object_get_ex(p, "ifname", &n);
		json_object_object_get_ex(p, "capacity_bps", &c);
		json_object_object_get_ex(p, "be_rate_bps", &b);
		json_object_object_get_ex(p, "xdp", &x);
		printf("  %-16s capacity %s, best effort %s%s\n", json_object_get_string(n),
		       pf_rate_format(json_object_get_uint64(c), cap, sizeof(cap)),
		       pf_rate_format(json_object_get_uint64(b), be, sizeof(be)),
		       json_object_get_boolean(x) ? ", xdp" : "");
	}
}

/* One pair: its reservation's stats, or its best-effort stats. */
static int pair_stats(const struct pf_maps *m, const struct pf_key *key, struct json_object *o)
{
	struct pf_resv r;
	struct pf_stats s;
	bool reserved = !pf_resv_lookup(m, key, &r);

	if (reserved)
		pf_resv_stats_read(m, key, &s);
	else if (pf_stats_read(m->be_stats, key, &s))
		return -1;
	json_object_object_add(o, "reserved", json_object_new_boolean(reserved));
	json_object_object_add(o, "stats", stats_json(&s));
	return 0;
}

int direct_stats(struct ctl *c, int argc, char **argv)
{
	struct json_object *o = NULL;
	struct pf_maps m;
	struct pf_key key;
	char pair[PF_PAIR_STRLEN];
	const char *bad;

	if (getopt_long(argc, argv, "", (struct option[]){{0}}, NULL) != -1)
		return CTL_USAGE;
	if (argc - optind != 0 && argc - optind != 2)
		return ctl_error(CTL_USAGE, "stats: give no address or exactly two");
	if (argc - optind == 2 && pf_key_parse(&key, argv[optind], argv[optind + 1], &bad))
		return ctl_error(CTL_USAGE, "stats: bad address '%s'", bad);
	if (pf_maps_open(&m, c->pin_root))
		return ctl_error(CTL_ERR, "%s", pf_last_error());
	if (argc - optind == 0) {
		o = global_stats(&m);
	} else {
		o = json_object_new_object();
		json_object_object_add(
		    o, "pair", json_object_new_string(pf_key_format(&key, pair, sizeof(pair))));
		if (pair_stats(&m, &key, o)) {
			json_object_put(o);
			pf_maps_close(&m);
			return ctl_error(CTL_ERR, "stats: no traffic seen for %s", pair);
		}
	}
	pf_maps_close(&m);
	if (c->json) {
		ctl_print_json(o);
		return CTL_OK;
	}
	if (argc - optind == 0) {
		print_global(o);
	} else {
		struct json_object *st, *v;

		json_object_object_get_ex(o, "stats", &st);
		printf("%s (%s)\n", pair,
		       json_object_get_boolean(json_object_object_get(o, "reserved"))
			   ? "reserved"
			   : "best effort");
		json_object_object_foreach(st, name, val)
		{
			(void)v;
			printf("  %-8s %llu\n", name,
			       (unsigned long long)json_object_get_uint64(val));
		}
	}
	json_object_put(o);
	return CTL_OK;
}
