// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The read-only requests: list, show, stats, ports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/common/addr.h"
#include "userspace/dataplane/resv.h"
#include "userspace/dataplane/pool.h"
#include "userspace/common/error.h"
#include "broker/sales/broker_store.h"
#include "broker/sales/broker_glue.h"

struct list_ctx {
	struct pfd *d;
	struct json_object *rows;
};

__s64 pfd_resv_shown_end(const struct pfd_resv *r)
{
	/* A hold's end_wall_ns is the quoted reservation's; it lapses at expires_mono. */
	if (r->state == PF_RS_HOLD)
		return pf_wall_ns() + ((__s64)r->expires_mono - (__s64)pf_now_ns());
	return r->end_wall_ns;
}

/* The id the broker's CONFIRM gave the buyer (PROTOCOL.md), or null for an operator's. */
static void add_public_id(struct pfd *d, struct json_object *o, __u64 id)
{
	char rid[33];

	json_object_object_add(
	    o, "reservation_id",
	    d->broker && !pf_bstore_rid_of(d->store, id, rid) ? json_object_new_string(rid) : NULL);
}

static void list_one(struct pfd_resv *r, void *arg)
{
	struct list_ctx *l = arg;
	char ports[PF_STORE_PORTS_MAX] = "";
	size_t off = 0;

	for (int i = 0; i < l->d->conf.n_ports; i++)
		if (r->ports & (1ULL << i))
			off += snprintf(ports + off, sizeof(ports) - off, "%s%s", off ? "," : "",
					l->d->conf.ports[i].ifname);
	struct json_object *o =
	    pfd_resv_json(l->d, &r->key, r->dir, r->id, pf_resv_state_name(r->state), r->rate_bps,
			  r->level, r->classid, r->start_wall_ns, pfd_resv_shown_end(r), ports);

	add_public_id(l->d, o, r->id);
	json_object_array_add(l->rows, o);
}

static int by_id(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a,
			   *y = *(struct json_object *const *)b;
	__u64 i = json_object_get_uint64(json_object_object_get(x, "id"));
	__u64 j = json_object_get_uint64(json_object_object_get(y, "id"));

	return i < j ? -1 : i > j;
}

struct json_object *pfd_list(struct pfd *d, struct json_object *req, struct json_object **result)
{
	struct list_ctx l = {d, json_object_new_array()};

	(void)req;
	pfd_table_foreach(&d->table, list_one, &l);
	json_object_array_sort(l.rows, by_id);
	*result = json_object_new_object();
	json_object_object_add(*result, "reservations", l.rows);
	return NULL;
}

static struct json_object *stats_json(const struct pf_stats *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "packets", json_object_new_uint64(s->packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(s->bytes));
	json_object_object_add(o, "drops", json_object_new_uint64(s->drops));
	return o;
}

/* One reservation from the database, any state; live data-plane stats too. */
struct json_object *pfd_show(struct pfd *d, struct json_object *req, struct json_object **result)
{
	struct json_object *v;
	struct pf_store_resv s;
	struct pf_stats st;
	struct pf_key key;
	__u64 id;

	if (json_object_object_get_ex(req, "id", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1)
			return pf_ctl_error_reply(PF_CTL_E_BAD_REQUEST,
						  "\"id\" must be a reservation id above 0");
		id = json_object_get_int64(v);
	} else {
		struct json_object *err = pfd_req_pair(req, &key);
		struct pfd_resv *r;
		char pair[PF_PAIR_STRLEN];

		if (err)
			return err;
		r = pfd_table_by_key(&d->table, &key);
		if (!r) {
			pf_fail(-ENOENT, "no active reservation for %s",
				pf_key_format(&key, pair, sizeof(pair)));
			return pf_ctl_error_reply(PF_CTL_E_NOT_FOUND, pf_last_error());
		}
		id = r->id;
	}
	int err = pf_store_get(d->store, id, &s);

	if (err)
		return pf_ctl_error_reply(err == -ENOENT ? PF_CTL_E_NOT_FOUND : PF_CTL_E_INTERNAL,
					  pf_last_error());
	*result = pfd_resv_json(
	    d, &s.key, s.dir, s.id, pf_resv_state_name(s.state), s.rate_bps, s.level, s.classid,
	    s.start_wall_ns, s.state == PF_RS_HOLD ? s.hold_until_wall_ns : s.end_wall_ns, s.ports);
	add_public_id(d, *result, s.id);
	if (s.state == PF_RS_ACTIVE && !pf_resv_stats_read(&d->dp.maps, &s.key, &st))
		json_object_object_add(*result, "stats", stats_json(&st));
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* A percentile of the recent grant_to_enforced samples, in microseconds. */
bool pfd_latency(const struct pfd *d, double pct, double *us)
{
	size_t n = d->cnt.lat_n < PFD_LAT_SAMPLES ? d->cnt.lat_n : PFD_LAT_SAMPLES;
	__u32 *v;

	if (!n)
		return false;
	v = malloc(n * sizeof(*v));
	if (!v)
		return false;
	memcpy(v, d->cnt.lat_ns, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_u32);
	*us = v[(size_t)((n - 1) * pct / 100.0 + 0.5)] / 1000.0;
	free(v);
	return true;
}

static const char *const refusal_names[PFD_REF_MAX] = {
    [PFD_REF_CAPACITY] = "capacity",	   [PFD_REF_UNKNOWN_ENDPOINT] = "unknown_endpoint",
    [PFD_REF_NO_CLASS_ID] = "no_class_id", [PFD_REF_BAD_REQUEST] = "bad_request",
    [PFD_REF_INTERNAL] = "internal",
};

/* The class pool as payflowd holds it: blocks on every shaped port, leaves in use. */
static struct json_object *pool_json(const struct pfd *d)
{
	const struct pf_pool *p = d->dp.maps.pool;
	struct json_object *o = json_object_new_object();
	__u64 classes = p ? (__u64)p->blocks * PF_POOL_BLOCK : 0, used = p ? p->count : 0;

	json_object_object_add(o, "blocks", json_object_new_uint64(p ? p->blocks : 0));
	json_object_object_add(o, "classes", json_object_new_uint64(classes));
	json_object_object_add(o, "used", json_object_new_uint64(used));
	json_object_object_add(o, "free", json_object_new_uint64(classes - used));
	json_object_object_add(o, "target_free", json_object_new_uint64(d->conf.pool_classes));
	return o;
}

struct json_object *pfd_stats(struct pfd *d, struct json_object *req, struct json_object **result)
{
	struct json_object *o = json_object_new_object(), *ref = json_object_new_object();
	struct json_object *dp = json_object_new_object(), *lat = json_object_new_object();
	__u64 cnt[PF_CNT_MAX];
	double us;

	(void)req;
	json_object_object_add(o, "active", json_object_new_uint64(d->table.n_active));
	json_object_object_add(o, "holds",
			       json_object_new_uint64(d->table.n_live - d->table.n_active));
	json_object_object_add(o, "grants", json_object_new_uint64(d->cnt.grants));
	json_object_object_add(o, "extends", json_object_new_uint64(d->cnt.extends));
	json_object_object_add(o, "holds_made", json_object_new_uint64(d->cnt.holds));
	json_object_object_add(o, "revokes", json_object_new_uint64(d->cnt.revokes));
	json_object_object_add(o, "expiries", json_object_new_uint64(d->cnt.expiries));
	json_object_object_add(o, "hold_lapses", json_object_new_uint64(d->cnt.hold_lapses));
	for (int i = 0; i < PFD_REF_MAX; i++)
		json_object_object_add(ref, refusal_names[i],
				       json_object_new_uint64(d->cnt.refusals[i]));
	json_object_object_add(o, "refusals", ref);
	json_object_object_add(o, "pool", pool_json(d));
	json_object_object_add(lat, "samples", json_object_new_uint64(d->cnt.lat_n));
	if (pfd_latency(d, 50, &us))
		json_object_object_add(lat, "p50_us", json_object_new_double(us));
	if (pfd_latency(d, 99, &us))
		json_object_object_add(lat, "p99_us", json_object_new_double(us));
	json_object_object_add(o, "grant_to_enforced", lat);
	json_object_object_add(o, "last_reconcile_s", json_object_new_double(d->last_reconcile_s));
	if (!pf_counters_read(&d->dp.maps, cnt))
		for (int i = 0; i < PF_CNT_MAX; i++)
			json_object_object_add(dp, pf_counter_name(i),
					       json_object_new_uint64(cnt[i]));
	json_object_object_add(o, "dataplane", dp);
	json_object_object_add(
	    o, "mode", json_object_new_string(d->conf.mode == PF_MODE_POLICE ? "police" : "shape"));
	if (d->broker && d->broker->lw) {
		struct pf_ledger_health h[PF_LW_NODES_MAX];
		int q, n = pf_lw_health(d->broker->lw, h, &q);

		json_object_object_add(o, "ledger", pf_ledger_health_json(h, n, q));
	}
	*result = o;
	return NULL;
}

struct json_object *pfd_ports(struct pfd *d, struct json_object *req, struct json_object **result)
{
	struct json_object *arr = json_object_new_array();

	(void)req;
	for (int i = 0; i < d->conf.n_ports; i++) {
		const struct pf_conf_port *p = &d->conf.ports[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "ifname", json_object_new_string(p->ifname));
		json_object_object_add(o, "ifindex", json_object_new_int(p->ifindex));
		if (p->bridge[0])
			json_object_object_add(o, "bridge", json_object_new_string(p->bridge));
		json_object_object_add(o, "capacity_bps", json_object_new_uint64(p->capacity_bps));
		json_object_object_add(o, "floor_bps",
				       json_object_new_uint64(d->conf.be_floor_bps));
		json_object_object_add(o, "reservable_bps",
				       json_object_new_uint64(d->adm.ll.reservable_bps[i]));
		json_object_object_add(o, "reserved_bps",
				       json_object_new_uint64(d->adm.ll.reserved_bps[i]));
		json_object_object_add(o, "free_bps",
				       json_object_new_uint64(pf_adm_free(&d->adm, i)));
		json_object_array_add(arr, o);
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "ports", arr);
	return NULL;
}
