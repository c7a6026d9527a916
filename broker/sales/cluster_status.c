// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* STATUS of a cluster reservation; see cluster_status.h. */
#include "broker/sales/cluster_status.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "broker/sales/broker_glue.h"
#include "broker/sales/cluster_pair.h"
#include "broker/sales/cluster_sell.h"
#include "userspace/cluster/breaker.h"
#include "broker/sales/order.h"
#include "userspace/cluster/resv_id.h"
#include "userspace/cluster/resv_record.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"
#include "userspace/dataplane/resv.h"

/* What a reply says of the reservation, from etcd's record or the local order. */
struct seen {
	char a[PF_CL_ADDR_MAX], b[PF_CL_ADDR_MAX];
	bool one_way, live;
	uint64_t level, rate_bps;
	int64_t start, end;
};

/* The reservation's id: the one asked, or the pair's live record. -ENOENT: none. */
static int rid_of(struct pfd *d, const struct pf_status_request *s, char rid[PF_CL_NAME_MAX])
{
	if (s->reservation_id[0]) {
		snprintf(rid, PF_CL_NAME_MAX, "%s", s->reservation_id);
		return 0;
	}
	return pfd_csell_noted(d, pfd_cpair_find(d, pfd_csell_etcd(d), s->ip1, s->ip2, rid));
}

/* The record gone from etcd: what this broker's own order row says. -ENOENT: none. */
static int ended(struct pfd *d, const char *rid, struct seen *v)
{
	struct pf_border o;
	struct pf_bquote q;
	__u64 local;
	int err = pf_bstore_rid_get(d->store, rid, &local);

	if (!err) /* a reservation of this node's own: the local STATUS answers */
		return -ENOENT;
	/* Its latest order here: the purchase or an extension, with the end it confirmed. */
	err = err == -ENOENT ? pf_bstore_order_last_of(d->store, rid, &o) : err;
	if (!err)
		err = pf_bstore_quote_get(d->store, o.quote_id, &q);
	if (err)
		return err;
	snprintf(v->a, sizeof(v->a), "%s", q.ip1);
	snprintf(v->b, sizeof(v->b), "%s", q.ip2);
	v->one_way = q.one_way;
	v->level = q.level;
	v->rate_bps = q.rate_bps;
	v->start = (int64_t)o.start;
	v->end = (int64_t)o.end;
	v->live = false;
	return 0;
}

/* The reservation rid: its granted record, else its ended order here. -ENOENT: neither. */
static int look(struct pfd *d, const char *rid, struct seen *v)
{
	struct pf_etcd_kv at;
	struct pf_cl_resv r;
	int err = pfd_csell_resv_read(d, rid, &r, &at);

	if (err == -ENOENT || (!err && r.state != PF_CL_GRANTED)) /* a hold is no reservation */
		return ended(d, rid, v);
	if (err)
		return err;
	snprintf(v->a, sizeof(v->a), "%s", r.a);
	snprintf(v->b, sizeof(v->b), "%s", r.b);
	v->one_way = r.one_way;
	v->level = (uint64_t)r.level;
	v->rate_bps = r.rate_bps;
	v->start = r.start;
	v->end = r.end;
	v->live = true;
	return 0;
}

/* This node's own counters of rid, when it enforces a hop of it (its map entry). */
static void counters(struct pfd *d, const char *rid, struct pf_status_reply *sr)
{
	struct pf_key key;
	struct pf_resv e;
	struct pf_stats st;

	pf_key_make(&key, sr->ip1, sr->ip2);
	if (!pf_resv_lookup(&d->dp.maps, &key, &e) && e.resv_id == pf_cl_resv_id(rid) &&
	    !pf_resv_stats_read(&d->dp.maps, &key, &st)) {
		sr->bytes = st.bytes;
		sr->packets = st.packets;
	}
}

static void reply(struct pfd *d, struct pf_srv_conn *c, const char *rid, const struct seen *v)
{
	struct pf_msg m = {.type = PF_MSG_STATUS_REPLY};
	struct pf_status_reply *sr = &m.status_reply;
	struct pf_err_msg e;

	if (pf_addr_parse(v->a, sr->ip1) || pf_addr_parse(v->b, sr->ip2)) {
		pf_err_set(&e, PF_E_INTERNAL, "cluster: reservation %s has a bad pair", rid);
		pfd_broker_fail(d, c, false, &e);
		return;
	}
	if (!pf_pair_owned(pf_srv_peer(c), sr->ip1, sr->ip2, NULL, NULL, 0)) {
		pfd_broker_not_owned(d, c, false, sr->ip1, sr->ip2);
		return;
	}
	snprintf(sr->reservation_id, sizeof(sr->reservation_id), "%s", rid);
	sr->one_way = v->one_way; /* the record's a -> b is its direction */
	sr->level = v->level;
	sr->rate_bps = v->rate_bps;
	sr->start = (uint64_t)v->start;
	sr->end = (uint64_t)v->end;
	sr->now = pfd_unix_now();
	sr->active = v->live && sr->start <= sr->now && sr->now < sr->end;
	if (sr->active)
		counters(d, rid, sr);
	pfd_broker_reply(d, c, false, &m);
}

bool pfd_cstatus(struct pfd *d, struct pf_srv_conn *c, const struct pf_status_request *s)
{
	char rid[PF_CL_NAME_MAX];
	struct pf_err_msg e;
	struct seen v;
	int err = pf_cl_breaker_pass(pfd_csell_breaker(d)) ?: rid_of(d, s, rid);

	if (!err)
		err = look(d, rid, &v);
	if (err == -ENOENT)
		return false;
	if (err) {
		pf_err_set(&e, PF_E_INTERNAL, "cluster: %s", pf_last_error());
		pfd_broker_fail(d, c, false, &e);
		return true;
	}
	reply(d, c, rid, &v);
	return true;
}
