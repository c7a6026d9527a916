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

static void bquote_of(const struct pf_quote *q, __u64 hold_id, __u64 u_ppm, struct pf_bquote *out)
{
	struct pf_bquote b = {.level = q->level,
			      .rate_bps = q->rate_bps,
			      .seconds = q->seconds,
			      .expires_at = q->expires_at,
			      .hold_id = hold_id,
			      .one_way = q->one_way,
			      .from_level = q->from_level,
			      .utilisation_ppm = (__u32)u_ppm};

	snprintf(b.quote_id, sizeof(b.quote_id), "%s", q->quote_id);
	pf_hex_encode(q->client_key, PF_PUBKEY_BYTES, b.client_key);
	pf_addr_format(q->ip1, b.ip1, sizeof(b.ip1));
	pf_addr_format(q->ip2, b.ip2, sizeof(b.ip2));
	snprintf(b.amount, sizeof(b.amount), "%s", q->amount);
	snprintf(b.extends, sizeof(b.extends), "%s", q->extends);
	snprintf(b.upgrades, sizeof(b.upgrades), "%s", q->upgrades);
	snprintf(b.price_per_second, sizeof(b.price_per_second), "%s", q->price_per_second);
	*out = b;
}

static int save(struct pfd *d, const struct pf_quote *q, __u64 hold_id, __u64 u_ppm)
{
	struct pf_bquote b;

	bquote_of(q, hold_id, u_ppm, &b);
	return pfd_txn(d) ?: pf_bstore_quote_put(d->store, &b);
}

/* What the quote needs first: the upgraded or extended reservation checked,
 * or a new reservation's capacity held; *from_level and *seconds to charge. */
static enum pf_err prepare(struct pfd *d, const uint8_t peer[16], const struct pf_quote_request *rq,
			   const struct pf_key *key, __u64 *hold_id, uint64_t *from_level,
			   uint64_t *seconds, struct pf_err_msg *e)
{
	*from_level = 0;
	*seconds = rq->seconds;
	if (rq->upgrades[0])
		return pfd_broker_upgrade_check(d, rq, key, from_level, seconds, e);
	if (rq->extends[0])
		return check_extends(d, rq, key, e);
	return hold(d, peer, rq, key, hold_id, e);
}

/*
 * Cluster mode: the hold is placed in etcd, over the path across machines.
 * Prices are the fixed ones (demand pricing reads this node's link ledger,
 * not the cluster's), and upgrades are not sold yet.
 */
static enum pf_err cluster_quote(struct pfd *d, const uint8_t peer[16],
				 const struct pf_quote_request *rq, struct pf_quote *q,
				 struct pf_err_msg *e)
{
	struct pf_menu base;
	struct pf_bquote b;

	if (rq->upgrades[0])
		return pf_err_set(e, PF_E_BAD_FIELD,
				  "upgrades: upgrades are not sold in cluster mode yet; buy a "
				  "new reservation");
	if (pfd_broker_priced_menu(d->broker, 0, &base))
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	if (pf_quote_build_for(&base, rq, 0, rq->seconds, pfd_unix_now(), q, e) != PF_OK)
		return e->code;
	bquote_of(q, 0, 0, &b);
	return pfd_csell_quote(d, peer, &b, e);
}

void pfd_broker_quote(struct pfd *d, struct pf_srv_conn *c, const struct pf_quote_request *rq)
{
	struct pf_msg m = {.type = PF_MSG_QUOTE};
	uint64_t from_level, seconds;
	struct pf_menu priced;
	__u64 u = 0;
	struct pf_err_msg e = {.code = PF_OK};
	struct pf_key key;
	__u64 hold_id = 0;

	if (pf_check_quote_request(&d->broker->menu, rq, &e) != PF_OK) {
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
	if (d->csell) {
		cluster_quote(d, pf_srv_peer(c), rq, &m.quote, &e);
	} else if (prepare(d, pf_srv_peer(c), rq, &key, &hold_id, &from_level, &seconds, &e) ==
		   PF_OK) {
		/* Priced for its own path after the grant; bound until the quote expires. */
		u = pfd_broker_quote_util(d, rq, hold_id);
		if (pfd_broker_priced_menu(d->broker, u, &priced))
			pf_err_set(&e, PF_E_INTERNAL, "%s", pf_last_error());
		else
			pf_quote_build_for(&priced, rq, from_level, seconds, pfd_unix_now(),
					   &m.quote, &e);
	}
	if (e.code != PF_OK) {
		if (hold_id)
			pfd_hold_drop(d, hold_id);
		pfd_broker_fail(d, c, false, &e);
		return;
	}
	if (save(d, &m.quote, hold_id, u)) {
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
