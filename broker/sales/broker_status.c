// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* STATUS -> STATUS_REPLY: a reservation's end and the bytes it carried so far. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "broker/sales/broker_glue.h"
#include "broker/sales/cluster_status.h"
#include "userspace/common/addr.h"
#include "userspace/payflowd/path.h"
#include "broker/sales/order.h"
#include "userspace/payflowd/traffic.h"
#include "broker/proto/quote.h"
#include "userspace/dataplane/resv.h"
#include "userspace/common/error.h"

#define NS 1000000000LL

/* The reservation's row and public id; by id, or the pair's active one. */
static enum pf_err find(struct pfd *d, const struct pf_status_request *s, struct pf_store_resv *row,
			char rid[33], struct pf_err_msg *e)
{
	__u64 id = 0;
	int err;

	if (s->reservation_id[0]) {
		err = pf_bstore_rid_get(d->store, s->reservation_id, &id);
		if (err == -ENOENT)
			return pf_err_set(e, PF_E_UNKNOWN_RESERVATION, "there is no reservation %s",
					  s->reservation_id);
		snprintf(rid, 33, "%s", s->reservation_id);
	} else {
		struct pf_key key;
		struct pfd_resv *r;

		pf_key_make(&key, s->ip1, s->ip2);
		r = pfd_table_by_key(&d->table, &key);
		if (!r)
			return pf_err_set(e, PF_E_UNKNOWN_RESERVATION,
					  "the pair has no active reservation");
		id = r->id;
		err = pf_bstore_rid_of(d->store, id, rid);
		if (err == -ENOENT) { /* granted by the operator: give it a public id now */
			pf_id_new(rid);
			err = pfd_txn(d) ?: pf_bstore_rid_put(d->store, rid, id);
		}
	}
	if (!err)
		err = pf_store_get(d->store, id, row);
	if (err)
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	return PF_OK;
}

void pfd_broker_status(struct pfd *d, struct pf_srv_conn *c, const struct pf_status_request *s)
{
	struct pf_msg m = {.type = PF_MSG_STATUS_REPLY};
	struct pf_status_reply *sr = &m.status_reply;
	struct pf_store_resv row;
	struct pf_err_msg e;
	struct pf_stats st;
	pf_ip_t ip1, ip2;

	if (!s->reservation_id[0] &&
	    !pf_pair_owned(pf_srv_peer(c), s->ip1, s->ip2, NULL, NULL, 0)) {
		pfd_broker_not_owned(d, c, false, s->ip1, s->ip2);
		return;
	}
	if (d->csell && pfd_cstatus(d, c, s)) /* a reservation in etcd */
		return;
	if (find(d, s, &row, sr->reservation_id, &e) != PF_OK) {
		pfd_broker_fail(d, c, false, &e);
		return;
	}
	memcpy(ip1, row.key.lo, 16);
	memcpy(ip2, row.key.hi, 16);
	if (!pf_pair_owned(pf_srv_peer(c), ip1, ip2, NULL, NULL, 0)) {
		pfd_broker_not_owned(d, c, false, ip1, ip2);
		return;
	}
	/* One way: ip1 is where it goes from (ip1 -> ip2). */
	sr->one_way = row.dir == PF_DIR_LO_HI || row.dir == PF_DIR_HI_LO;
	memcpy(sr->ip1, row.dir == PF_DIR_HI_LO ? ip2 : ip1, 16);
	memcpy(sr->ip2, row.dir == PF_DIR_HI_LO ? ip1 : ip2, 16);
	sr->level = row.level; /* a grant by --rate says 0 */
	sr->rate_bps = row.rate_bps;
	sr->start = row.start_wall_ns / NS;
	sr->end = row.end_wall_ns / NS;
	sr->now = pfd_unix_now();
	sr->active = row.state == PF_RS_ACTIVE && sr->start <= sr->now && sr->now < sr->end;
	/* Live counters while it lasts; the ones kept at its end after (traffic.h). */
	if ((row.state == PF_RS_ACTIVE && !pf_resv_stats_read(&d->dp.maps, &row.key, &st)) ||
	    (row.state != PF_RS_ACTIVE && !pf_traffic_get(d->store, row.id, &st))) {
		sr->bytes = st.bytes;
		sr->packets = st.packets;
	}
	pfd_broker_reply(d, c, false, &m);
}
