// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * QUOTE_REQUEST -> QUOTE: a binding price, backed by a capacity hold placed
 * through the same admission as `payflowctl hold` (broker_hold.c: short
 * until the payment shows, capped per client). Each address and client key
 * has a token bucket of QUOTE_REQUESTs (guard.h). Quote and hold are
 * written in the loop's batch and the QUOTE leaves after the commit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "broker/sales/broker_glue.h"
#include "broker/sales/cluster_sell.h"
#include "broker/sales/guard.h"
#include "userspace/common/addr.h"
#include "userspace/payflowd/path.h"
#include "userspace/common/hex.h"
#include "broker/sales/order.h"
#include "broker/proto/quote.h"
#include "userspace/dataplane/resv.h"
#include "userspace/common/error.h"

#define NS 1000000000LL

/* The reservation an extension names: active, same pair and level. */
static enum pf_err check_extends(struct pfd *d, const struct pf_quote_request *rq,
				 const struct pf_key *key, struct pf_err_msg *e)
{
	struct pfd_resv *r;
	__u64 id = 0;
	int err = pf_bstore_rid_get(d->store, rq->extends, &id);

	if (err == -ENOENT)
		return pf_err_set(e, PF_E_UNKNOWN_RESERVATION, "there is no reservation %s",
				  rq->extends);
	if (err)
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	r = pfd_table_by_id(&d->table, id);
	if (!r || r->state != PF_RS_ACTIVE || r->end_wall_ns <= pf_wall_ns())
		return pf_err_set(e, PF_E_RESERVATION_ENDED,
				  "reservation %s has ended; buy a new one", rq->extends);
	if (memcmp(&r->key, key, sizeof(*key)))
		return pf_err_set(e, PF_E_EXTEND_MISMATCH, "reservation %s is for another pair",
				  rq->extends);
	if (r->level != rq->level)
		return pf_err_set(e, PF_E_EXTEND_MISMATCH, "reservation %s is level %u, not %llu",
				  rq->extends, r->level, (unsigned long long)rq->level);
	if (r->dir != pf_path_dir_of(!memcmp(key->lo, rq->ip1, 16), rq->one_way))
		return pf_err_set(e, PF_E_EXTEND_MISMATCH,
				  "reservation %s covers another direction: ask with the same "
				  "one_way and ip1 -> ip2",
				  rq->extends);
	return PF_OK;
}

/* Places the capacity hold of a new reservation. */
static enum pf_err hold(struct pfd *d, const uint8_t peer[16], const struct pf_quote_request *rq,
			const struct pf_key *key, __u64 *hold_id, struct pf_err_msg *e)
{
	int err;

	if (pfd_table_by_key(&d->table, key))
		return pf_err_set(e, PF_E_PAIR_RESERVED,
				  "the pair has an active reservation; extend it instead");
	err = pfd_broker_hold_place(d, peer, rq->client_key, key,
				    pf_path_dir_of(!memcmp(key->lo, rq->ip1, 16), rq->one_way),
				    rq->level, rq->seconds, hold_id);
	if (err == -EAGAIN)
		return pf_err_set(e, PF_E_RATE_LIMITED, "%s", pf_last_error());
	if (err == -ENOSPC)
		return pf_err_set(e, PF_E_CAPACITY_EXHAUSTED, "%s", pf_last_error());
	if (err == -ENOENT)
		return pf_err_set(e, PF_E_BAD_IP, "%s: this broker does not serve it",
				  pf_last_error());
	if (err)
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	return PF_OK;
}

static void bquote_of(const struct pf_quote *q, __u64 hold_id, struct pf_bquote *out)
{
	struct pf_bquote b = {.level = q->level,
			      .rate_bps = q->rate_bps,
			      .seconds = q->seconds,
			      .expires_at = q->expires_at,
			      .hold_id = hold_id,
			      .one_way = q->one_way};

	snprintf(b.quote_id, sizeof(b.quote_id), "%s", q->quote_id);
	pf_hex_encode(q->client_key, PF_PUBKEY_BYTES, b.client_key);
	pf_addr_format(q->ip1, b.ip1, sizeof(b.ip1));
	pf_addr_format(q->ip2, b.ip2, sizeof(b.ip2));
	snprintf(b.amount, sizeof(b.amount), "%s", q->amount);
	snprintf(b.extends, sizeof(b.extends), "%s", q->extends);
	*out = b;
}

static int save(struct pfd *d, const struct pf_quote *q, __u64 hold_id)
{
	struct pf_bquote b;

	bquote_of(q, hold_id, &b);
	return pfd_txn(d) ?: pf_bstore_quote_put(d->store, &b);
}

/* Cluster mode: the hold is placed in etcd, over the path across machines. */
static enum pf_err cluster_hold(struct pfd *d, const struct pf_quote *q, struct pf_err_msg *e)
{
	struct pf_bquote b;

	bquote_of(q, 0, &b);
	return pfd_csell_quote(d, &b, e);
}

void pfd_broker_quote(struct pfd *d, struct pf_srv_conn *c, const struct pf_quote_request *rq)
{
	struct pf_msg m = {.type = PF_MSG_QUOTE};
	struct pf_err_msg e;
	struct pf_key key;
	__u64 hold_id = 0;

	if (pf_quote_build(&d->broker->menu, rq, pfd_unix_now(), &m.quote, &e) != PF_OK) {
		pfd_broker_fail(d, c, false, &e);
		return;
	}
	if (!pf_pair_owned(pf_srv_peer(c), rq->ip1, rq->ip2, rq->client_key, d->conf.broker.allow,
			   d->conf.broker.n_allow)) {
		pfd_broker_not_owned(d, c, false, rq->ip1, rq->ip2);
		return;
	}
	if (pf_guard_quote(d->broker->guard, pf_srv_peer(c), rq->client_key, pf_now_ns())) {
		pfd_broker_limited(d, c, false);
		return;
	}
	pf_key_make(&key, rq->ip1, rq->ip2);
	if ((d->csell	      ? cluster_hold(d, &m.quote, &e)
	     : rq->extends[0] ? check_extends(d, rq, &key, &e)
			      : hold(d, pf_srv_peer(c), rq, &key, &hold_id, &e)) != PF_OK) {
		pfd_broker_fail(d, c, false, &e);
		return;
	}
	if (save(d, &m.quote, hold_id)) {
		pf_err_set(&e, PF_E_INTERNAL, "cannot store the quote: %s", pf_last_error());
		if (hold_id)
			pfd_hold_drop(d, hold_id);
		if (d->csell)
			pfd_csell_drop(d, m.quote.quote_id);
		pfd_broker_fail(d, c, false, &e);
		return;
	}
	pfd_broker_reply(d, c, false, &m);
}
