// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Extensions of a cluster reservation; see cluster_extend.h. */
#include "broker/sales/cluster_extend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bpf/payflow.h"
#include "broker/sales/broker_glue.h"
#include "broker/sales/cluster_guard.h"
#include "broker/sales/cluster_sell.h"
#include "broker/sales/cluster_tx.h"
#include "userspace/cluster/breaker.h"
#include "userspace/cluster/admit.h"
#include "userspace/cluster/etcd_txn.h"
#include "userspace/cluster/resv_record.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

/* The record gone or a hold: ended if this broker confirmed it, else unknown. */
static enum pf_err missing(struct pfd *d, const char *rid, struct pf_err_msg *e)
{
	struct pf_border o;

	if (!pf_bstore_order_last_of(d->store, rid, &o))
		return pf_err_set(e, PF_E_RESERVATION_ENDED,
				  "reservation %s has ended; buy a new one", rid);
	return pf_err_set(e, PF_E_UNKNOWN_RESERVATION,
			  "there is no live reservation %s in the cluster", rid);
}

/* Same pair, level and direction (ip1 -> ip2 of a one-way one) as the quote. */
static enum pf_err matches(const struct pf_bquote *q, const struct pf_cl_resv *r,
			   struct pf_err_msg *e)
{
	__u8 qa[16], qb[16], ra[16], rb[16];
	struct pf_key qk, rk;

	if (pf_addr_parse(q->ip1, qa) || pf_addr_parse(q->ip2, qb) || pf_addr_parse(r->a, ra) ||
	    pf_addr_parse(r->b, rb))
		return pf_err_set(e, PF_E_INTERNAL, "reservation %s has a bad pair", q->extends);
	pf_key_make(&qk, qa, qb);
	pf_key_make(&rk, ra, rb);
	if (memcmp(&qk, &rk, sizeof(qk)))
		return pf_err_set(e, PF_E_EXTEND_MISMATCH, "reservation %s is for another pair",
				  q->extends);
	if (r->level != (int)q->level)
		return pf_err_set(e, PF_E_EXTEND_MISMATCH, "reservation %s is level %d, not %u",
				  q->extends, r->level, q->level);
	if (r->one_way != q->one_way || (r->one_way && memcmp(qa, ra, 16)))
		return pf_err_set(e, PF_E_EXTEND_MISMATCH,
				  "reservation %s covers another direction: ask with the same "
				  "one_way and ip1 -> ip2",
				  q->extends);
	return PF_OK;
}

enum pf_err pfd_cext_check(struct pfd *d, const struct pf_bquote *q, struct pf_cl_resv *r,
			   struct pf_etcd_kv *at, struct pf_err_msg *e)
{
	struct pf_etcd_kv kv = {0};
	int err = pfd_csell_resv_read(d, q->extends, r, at ? at : &kv);

	if (err == -ENOENT || (!err && r->state != PF_CL_GRANTED)) /* a hold is no reservation */
		return missing(d, q->extends, e);
	if (err)
		return pfd_csell_fail(d, e, err);
	if (r->end <= (int64_t)pfd_unix_now())
		return pf_err_set(e, PF_E_RESERVATION_ENDED,
				  "reservation %s has ended; buy a new one", q->extends);
	return matches(q, r, e);
}

int pfd_cext_bought(struct pfd *d, const char *tx, struct pf_cl_resv *r)
{
	char key[PF_CL_KEY_MAX];
	struct pf_etcd_kvs kvs = {0};
	struct pf_cl_resv got;
	int err = pf_cl_breaker_pass(pfd_csell_breaker(d))
		      ?: pf_cl_key_tx(key, d->conf.cluster.prefix, tx);

	if (!err)
		err = pfd_csell_noted(d, pf_etcd_get(pfd_csell_etcd(d), key, &kvs));
	if (!err && kvs.n != 1)
		err = -ENOENT;
	if (!err && pf_cl_resv_decode(kvs.kv[0].value, &got))
		err = pf_fail(-ENOENT, "transaction %s bought no reservation", tx);
	if (!err)
		*r = got;
	pf_etcd_kvs_free(&kvs);
	return err;
}

int pfd_cext_as_bought(struct pfd *d, const char *tx, struct pf_cl_resv *now)
{
	int err = strcmp(now->tx, tx) ? pfd_cext_bought(d, tx, now) : 0;

	return err == -ENOENT ? 0 : err; /* bought nothing: quote_used, from *now */
}

/* The new lease of the record (read back: the admission grants it). */
static int new_lease(struct pfd *d, const char *rid, int64_t *lease)
{
	struct pf_etcd_kv at = {0};
	struct pf_cl_resv r;
	int err = pfd_csell_resv_read(d, rid, &r, &at);

	*lease = at.lease;
	return err;
}

/*
 * The pair's claim P/pairs/PAIR (cluster_guard.h), when it names this
 * reservation, moves to the record's new lease; else revoking the old lease
 * would free the pair while the reservation runs. 0 (moved, or no claim to
 * move), or -errno: then the old lease is kept and the claim ends at the
 * old end.
 */
static int move_pair(struct pfd *d, const struct pf_bquote *q)
{
	struct pf_etcd_kvs kvs = {0};
	struct pfd_cguard g;
	struct pf_etcd_txn t;
	int64_t lease = 0, rev = 0;
	bool ok = false;
	int err = pfd_cguard_keys(d, NULL, q, &g)
		      ?: pfd_csell_noted(d, pf_etcd_get(pfd_csell_etcd(d), g.pair, &kvs));

	if (err == -ENOENT || (!err && (kvs.n != 1 || strcmp(kvs.kv[0].value, q->extends)))) {
		pf_etcd_kvs_free(&kvs);
		return 0; /* granted without the claim: nothing to move */
	}
	err = err ?: new_lease(d, q->extends, &lease) ?: pf_etcd_txn_init(&t);
	if (!err) {
		err = pf_etcd_txn_cmp_mod(&t, g.pair, kvs.kv[0].mod_rev)
			  ?: pf_etcd_txn_put(&t, g.pair, q->extends, strlen(q->extends), lease)
			  ?: pfd_csell_noted(d, pf_etcd_txn_commit(pfd_csell_etcd(d), &t, &ok, &rev,
								   NULL));
		pf_etcd_txn_free(&t);
	}
	pf_etcd_kvs_free(&kvs);
	if (!err && !ok)
		err = pf_fail(-EAGAIN, "%s changed meanwhile", g.pair);
	return err;
}

/* Admits the record again with its new end under a new lease; revokes the old
 * one once the new one holds every key (the pair's claim moved too). */
static int extend(struct pfd *d, const struct pf_bquote *q, const struct pf_cl_resv *r,
		  const struct pf_etcd_kv *at, struct pf_cl_admit_result *res)
{
	int64_t ttl = r->end - (int64_t)pfd_unix_now();
	int err = pfd_csell_admit(d, q->extends, r, ttl > 0 ? ttl : 1, at->mod_rev, res);

	if (err || !at->lease)
		return err;
	if (move_pair(d, q))
		pfd_log("cluster: extension of %s: the pair's claim stays under the old lease "
			"(it ends at the old end): %s",
			q->extends, pf_last_error());
	else if (!pf_cl_breaker_pass(pfd_csell_breaker(d)))
		pfd_csell_noted(d, pf_etcd_lease_revoke(pfd_csell_etcd(d), at->lease));
	return 0;
}

/* The CONFIRM of the extension that record r (bought with tx) is: the
 * reservation's id, start and end. The pair may be in either order. */
static enum pf_err confirmed(const struct pf_bquote *q, const char *tx, const struct pf_cl_resv *r,
			     struct pf_border *o, struct pf_err_msg *e)
{
	if (strcmp(r->tx, tx) || r->rate_bps != q->rate_bps || matches(q, r, e) != PF_OK)
		return pf_err_set(e, PF_E_TX_REUSED, "transaction %s already paid for %s <-> %s",
				  tx, r->a, r->b);
	snprintf(o->rid, sizeof(o->rid), "%s", q->extends);
	o->start = (__u64)r->start;
	o->end = (__u64)r->end;
	return PF_OK;
}

/* A refusal of the check at the ORDER: the reservation ended before the payment. */
static enum pf_err too_late(const struct pf_bquote *q, struct pf_err_msg *e)
{
	if (e->code != PF_E_RESERVATION_ENDED && e->code != PF_E_UNKNOWN_RESERVATION)
		return e->code;
	return pf_err_set(e, PF_E_RESERVATION_ENDED,
			  "reservation %s ended before the payment; the payment stays unused, buy "
			  "a new reservation",
			  q->extends);
}

int pfd_cext_grant_once(struct pfd *d, const struct pf_bquote *q, const char *tx,
			struct pf_border *o, struct pf_err_msg *e)
{
	struct pf_cl_admit_result res = {0};
	struct pf_etcd_kv at = {0};
	struct pf_cl_resv r;
	int err = pfd_cext_bought(d, tx, &r);

	/* A retry: tx extended it already (the ledger tied tx to this quote). */
	if (!err)
		return confirmed(q, tx, &r, o, e);
	if (err != -ENOENT)
		return pfd_csell_fail(d, e, err);
	if (pfd_cext_check(d, q, &r, &at, e) != PF_OK)
		return too_late(q, e);
	r.end += (int64_t)q->seconds;
	snprintf(r.tx, sizeof(r.tx), "%s", tx);
	snprintf(r.broker, sizeof(r.broker), "%s", d->conf.cluster.node);
	err = extend(d, q, &r, &at, &res);
	if (err == -EALREADY && res.existing && pfd_ctx_not_granted(tx, res.existing, e))
		err = -EPROTO; /* refunded or deposited meanwhile: e says so */
	else if (err == -EALREADY && res.existing && !pf_cl_resv_decode(res.existing, &r))
		err = 0; /* the same tx at another broker at once: its record */
	free(res.existing);
	switch (err) {
	case 0:
		return confirmed(q, tx, &r, o, e);
	case -EEXIST: /* extended or ended meanwhile: read it again */
		return 1;
	case -EPROTO:
		return e->code;
	case -EALREADY:
		return pf_err_set(e, PF_E_TX_REUSED,
				  "transaction %s was already used in the cluster", tx);
	default:
		return pfd_csell_fail(d, e, err);
	}
}
