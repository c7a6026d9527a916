// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The broker's sales through etcd in cluster mode; see cluster_sell.h. */
#include "broker/sales/cluster_sell.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "broker/sales/broker_glue.h"
#include "broker/sales/cluster_extend.h"
#include "broker/sales/cluster_guard.h"
#include "broker/sales/cluster_quote.h"
#include "broker/sales/cluster_tx.h"
#include "userspace/cluster/admit.h"
#include "userspace/cluster/breaker.h"
#include "userspace/cluster/resv_record.h"
#include "userspace/dataplane/clock.h"
#include "userspace/payflowd/cluster_path.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

#define MAX_TRIES 4 /* the hold changed under us (lapsed, re-placed) */

#define BREAKER_MIN_NS 1000000000LL /* fail fast for at least 1 s after etcd failed */
#define SETTLE_NS      5000000000LL /* owed credits are looked for this often */

struct pfd_csell {
	struct pf_etcd *etcd;
	struct pf_etcd_tls tls;
	struct pf_cl_breaker brk; /* the loop does not wait on a dead etcd every request */
	int64_t next_settle_ns;	  /* pfd_csell_settle's next look (0: at once) */
};

int pfd_csell_start(struct pfd *d)
{
	const struct pf_cluster_conf *c = &d->conf.cluster;
	struct pfd_csell *s;

	if (!c->enabled || !d->conf.broker.enabled)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return pf_fail(-ENOMEM, "out of memory");
	s->tls = pf_cluster_conf_tls(c);
	s->brk.min_ns = BREAKER_MIN_NS;
	s->etcd = pf_etcd_new(c->endpoints, &s->tls, c->timeout_ms);
	if (!s->etcd) {
		free(s);
		return -EINVAL;
	}
	d->csell = s;
	pfd_log("cluster: the broker sells through etcd (holds, grants, used payments)");
	return 0;
}

void pfd_csell_stop(struct pfd *d)
{
	if (!d->csell)
		return;
	pf_etcd_free(d->csell->etcd);
	free(d->csell);
	d->csell = NULL;
}

int pfd_csell_settle(struct pfd *d)
{
	int64_t now = (int64_t)pf_now_ns();

	if (!d->csell || now < d->csell->next_settle_ns)
		return 0;
	d->csell->next_settle_ns = now + SETTLE_NS;
	return pfd_ctx_settle(d);
}

/* Notes an etcd call's outcome (a transport error opens the breaker); err. */
static int noted(struct pfd *d, int err)
{
	if (err)
		pf_cl_breaker_note(&d->csell->brk, err, pf_last_error());
	return err;
}

struct pf_etcd *pfd_csell_etcd(struct pfd *d)
{
	return d->csell->etcd;
}

enum pf_err pfd_csell_fail(struct pfd *d, struct pf_err_msg *e, int err)
{
	noted(d, err);
	if (err == -ENOSPC)
		return pf_err_set(e, PF_E_CAPACITY_EXHAUSTED, "%s", pf_last_error());
	if (err == -EADDRNOTAVAIL || err == -EHOSTUNREACH) /* the pair's path, from record_of */
		return pf_err_set(e, PF_E_BAD_IP, "%s", pf_last_error());
	return pf_err_set(e, PF_E_INTERNAL, "cluster: %s", pf_last_error());
}

static int resv_read(struct pfd *d, const char *id, struct pf_cl_resv *r, struct pf_etcd_kv *at)
{
	char key[PF_CL_KEY_MAX];
	struct pf_etcd_kvs kvs = {0};
	int err = pf_cl_key_resv(key, d->conf.cluster.prefix, id)
		      ?: pf_etcd_get(d->csell->etcd, key, &kvs);

	if (!err && kvs.n != 1)
		err = pf_fail(-ENOENT, "no record %s", key);
	if (!err)
		err = pf_cl_resv_decode(kvs.kv[0].value, r);
	if (!err) {
		at->mod_rev = kvs.kv[0].mod_rev;
		at->lease = kvs.kv[0].lease;
	}
	pf_etcd_kvs_free(&kvs);
	return err;
}

/* The record of q in state st from start on, its path over the cluster's topology. */
static int record_of(struct pfd *d, const struct pf_bquote *q, enum pf_cl_resv_state st,
		     int64_t start, struct pf_cl_resv *r)
{
	struct pf_cl_topo t;
	__u8 a[16], b[16];
	int err = pf_addr_parse(q->ip1, a) ?: pf_addr_parse(q->ip2, b);

	if (err)
		return pf_fail(-EINVAL, "quote %s has a bad pair", q->quote_id);
	memset(r, 0, sizeof(*r));
	err = pf_cl_topo_read(d->csell->etcd, d->conf.cluster.prefix, &t);
	if (err)
		return err;
	err = pfd_cluster_path(&t, a, b, q->one_way, r->hops, &r->n_hops);
	pf_cl_topo_free(&t);
	if (err == -ENOENT) /* a host behind no port; admission's -ENOENT is a missing link */
		err = -EADDRNOTAVAIL;
	r->state = st;
	snprintf(r->a, sizeof(r->a), "%s", q->ip1);
	snprintf(r->b, sizeof(r->b), "%s", q->ip2);
	r->one_way = q->one_way;
	r->rate_bps = q->rate_bps;
	r->level = (int)q->level; /* MENU level N is config levels[N], as in the record */
	r->start = start;
	r->end = start + (int64_t)q->seconds;
	snprintf(r->broker, sizeof(r->broker), "%s", d->conf.cluster.node);
	return err;
}

/* Admits r as quote_id's record under a fresh lease of ttl_s (revoked on
 * failure), with the claims of c (NULL: none). */
static int admit(struct pfd *d, const char *id, const struct pf_cl_resv *r, int64_t ttl_s,
		 int64_t expect_rev, const struct pf_cl_admit *c, struct pf_cl_admit_result *res)
{
	struct pf_cl_admit a = {.prefix = d->conf.cluster.prefix,
				.resv = id,
				.n_links = r->n_hops,
				.rate_bps = r->rate_bps,
				.expect_rev = expect_rev,
				.tx = r->tx[0] ? r->tx : NULL};
	char *value = NULL;
	int err;

	memset(res, 0, sizeof(*res));
	if (c) {
		memcpy(a.claims, c->claims, sizeof(a.claims));
		a.n_claims = c->n_claims;
	}
	for (int i = 0; i < r->n_hops; i++)
		a.links[i] = r->hops[i];
	err = pf_cl_resv_encode(r, &value) ?: pf_etcd_lease_grant(d->csell->etcd, ttl_s, &a.lease);
	a.value = value;
	if (!err)
		err = pf_cl_admit(d->csell->etcd, &a, res);
	if (err && a.lease) {
		int keep = err;
		char why[512];

		snprintf(why, sizeof(why), "%s", pf_last_error());
		pf_etcd_lease_revoke(d->csell->etcd, a.lease);
		err = pf_fail(keep, "%s", why);
	}
	free(value);
	return err;
}

static int quote_put(struct pfd *d, const struct pf_bquote *q)
{
	const struct pf_conf_broker *bc = &d->conf.broker;
	char key[PF_CL_KEY_MAX], *json = NULL;
	int64_t lease = 0;
	int err = pf_cl_key_dir(key, d->conf.cluster.prefix, "quotes") ?: pfd_cquote_encode(q, &json)
		  ?: pf_etcd_lease_grant(d->csell->etcd, bc->quote_ttl_s + bc->confirm_grace_s,
					 &lease);

	strncat(key, q->quote_id, sizeof(key) - strlen(key) - 1);
	if (!err)
		err = pf_etcd_put(d->csell->etcd, key, json, strlen(json), lease, NULL);
	free(json);
	return err;
}

/* The hold of q with the client's claims; a quote of the same key for the
 * pair placed meanwhile at another broker is dropped in turn. */
static enum pf_err hold(struct pfd *d, const uint8_t peer[16], const struct pf_bquote *q,
			const struct pf_cl_resv *r, struct pf_err_msg *e)
{
	const struct pf_conf_broker *bc = &d->conf.broker;
	__u32 full = bc->quote_ttl_s + bc->confirm_grace_s;
	struct pf_cl_admit_result res = {0};
	struct pf_cl_admit c = {0};
	struct pfd_cguard g;
	int err = pfd_cguard_keys(d, peer, q, &g);

	if (err)
		return pfd_csell_fail(d, e, err);
	pfd_cguard_hold_claims(&g, q->quote_id, &c);
	for (int i = 0; i < MAX_TRIES; i++) {
		if (pfd_cguard_quote(d, &g, e) != PF_OK)
			return e->code;
		err = admit(d, q->quote_id, r, bc->unpaid_hold_s < full ? bc->unpaid_hold_s : full,
			    0, &c, &res);
		free(res.existing);
		if (!pfd_cguard_lost_replace(&g, &c, &res, err))
			break;
	}
	if (err == -EBUSY || err == -EDQUOT)
		return pfd_cguard_refused(&g, &c, &res, e);
	return err ? pfd_csell_fail(d, e, err) : PF_OK;
}

enum pf_err pfd_csell_quote(struct pfd *d, const uint8_t peer[16], const struct pf_bquote *q,
			    struct pf_err_msg *e)
{
	struct pf_cl_resv r;
	int err;

	if ((err = pf_cl_breaker_pass(&d->csell->brk)))
		return pf_err_set(e, PF_E_INTERNAL, "cluster: %s", pf_last_error());
	if (q->extends[0]) { /* no hold: the reservation keeps its debit, longer */
		if (pfd_cext_check(d, q, &r, NULL, e) != PF_OK)
			return e->code;
		err = quote_put(d, q);
		return err ? pfd_csell_fail(d, e, err) : PF_OK;
	}
	err = record_of(d, q, PF_CL_HOLD, (int64_t)pfd_unix_now(), &r);
	if (err)
		return pfd_csell_fail(d, e, err);
	if (hold(d, peer, q, &r, e) != PF_OK)
		return e->code;
	if ((err = quote_put(d, q))) {
		pfd_csell_drop(d, q->quote_id);
		return pfd_csell_fail(d, e, err);
	}
	return PF_OK;
}

int pfd_csell_quote_import(struct pfd *d, const char *quote_id, struct pf_bquote *q)
{
	char key[PF_CL_KEY_MAX];
	struct pf_etcd_kvs kvs = {0};
	int err = pf_cl_key_dir(key, d->conf.cluster.prefix, "quotes");

	strncat(key, quote_id, sizeof(key) - strlen(key) - 1);
	err = err ?: pf_cl_breaker_pass(&d->csell->brk) ?: noted(d, pf_etcd_get(d->csell->etcd, key, &kvs));
	if (!err && kvs.n != 1)
		err = -ENOENT;
	if (!err)
		err = pfd_cquote_decode(quote_id, kvs.kv[0].value, q)
			  ?: pfd_txn(d) ?: pf_bstore_quote_put(d->store, q);
	pf_etcd_kvs_free(&kvs);
	return err;
}

/* The order as the record r that tx bought says it: same pair, level, rate. */
static enum pf_err granted(const struct pf_bquote *q, const char *tx, const struct pf_cl_resv *r,
			   struct pf_border *o, struct pf_err_msg *e)
{
	if (strcmp(r->tx, tx))
		return pf_err_set(e, PF_E_QUOTE_USED, "quote %s was granted with transaction %s",
				  q->quote_id, r->tx);
	if (!pfd_ctx_resv_bought(q, tx, r))
		return pf_err_set(e, PF_E_TX_REUSED, "transaction %s already paid for %s <-> %s",
				  tx, r->a, r->b);
	snprintf(o->rid, sizeof(o->rid), "%s", q->extends[0] ? q->extends : q->quote_id);
	o->start = (__u64)r->start;
	o->end = (__u64)r->end;
	return PF_OK;
}

void pfd_csell_test_delay(const char *var)
{
	const char *ms = getenv(var);

	if (ms && atoi(ms) > 0)
		usleep((useconds_t)atoi(ms) * 1000);
}

/* One try: 1 = the hold moved meanwhile, try again. */
static int grant_once(struct pfd *d, const struct pf_bquote *q, const char *tx, struct pf_border *o,
		      struct pf_err_msg *e)
{
	struct pf_cl_resv r, now;
	struct pf_etcd_kv at = {0};
	struct pf_cl_admit_result res;
	struct pf_cl_admit c = {0};
	struct pfd_cguard g;
	int err = resv_read(d, q->quote_id, &now, &at);

	if (err && err != -ENOENT)
		return pfd_csell_fail(d, e, err);
	if (!err && now.state == PF_CL_GRANTED) { /* extended since: what tx bought then */
		err = pfd_cext_as_bought(d, tx, &now);
		return err ? pfd_csell_fail(d, e, err) : granted(q, tx, &now, o, e);
	}
	err = record_of(d, q, PF_CL_GRANTED, (int64_t)pfd_unix_now(), &r)
		  ?: pfd_cguard_keys(d, NULL, q, &g);
	if (err)
		return pfd_csell_fail(d, e, err);
	pfd_cguard_grant_claims(&g, q->quote_id, &c);
	snprintf(r.tx, sizeof(r.tx), "%s", tx);
	err = admit(d, q->quote_id, &r, (int64_t)q->seconds, at.mod_rev, &c, &res);
	if (err == -EBUSY) /* another quote's reservation holds the pair */
		return pfd_cguard_refused(&g, &c, &res, e);
	if (err == -EALREADY && res.existing && pfd_ctx_not_granted(tx, res.existing, e))
		err = -EPROTO; /* refunded or deposited elsewhere: e says so */
	else if (err == -EALREADY && res.existing && !pf_cl_resv_decode(res.existing, &now))
		err = granted(q, tx, &now, o, e) == PF_OK ? 0 : -EPROTO;
	else if (!err)
		granted(q, tx, &r, o, e);
	free(res.existing);
	if (err == -EEXIST)
		return 1;
	if (err == -EALREADY)
		return pf_err_set(e, PF_E_TX_REUSED,
				  "transaction %s was already used in the cluster", tx);
	if (err == -EPROTO)
		return e->code;
	if (err)
		return pfd_csell_fail(d, e, err);
	if (at.lease) /* the hold's lease: its claims (slots...) end with it */
		pf_etcd_lease_revoke(d->csell->etcd, at.lease);
	pfd_csell_test_delay("PAYFLOW_TEST_GRANT_DELAY_MS");
	return PF_OK;
}

enum pf_err pfd_csell_grant(struct pfd *d, const struct pf_bquote *q, const char *tx,
			    struct pf_border *o, struct pf_err_msg *e)
{
	if (pf_cl_breaker_pass(&d->csell->brk))
		return pf_err_set(e, PF_E_INTERNAL, "cluster: %s", pf_last_error());
	for (int i = 0; i < MAX_TRIES; i++) {
		int rc = q->extends[0] ? pfd_cext_grant_once(d, q, tx, o, e)
				       : grant_once(d, q, tx, o, e);

		if (rc != 1)
			return (enum pf_err)rc;
	}
	return pf_err_set(e, PF_E_INTERNAL,
			  "cluster: the hold of quote %s kept changing; retry the ORDER",
			  q->quote_id);
}

int pfd_csell_hold_paid(struct pfd *d, const struct pf_bquote *q, __u32 ttl_s)
{
	struct pf_cl_resv r, now;
	struct pf_etcd_kv at = {0};
	struct pf_cl_admit_result res = {0};
	int err;

	if (q->extends[0]) /* an extension holds nothing (pfd_csell_quote) */
		return 0;
	err = pf_cl_breaker_pass(&d->csell->brk) ?: resv_read(d, q->quote_id, &now, &at);
	if (err && err != -ENOENT)
		return noted(d, err);
	if (!err && now.state == PF_CL_GRANTED)
		return 0;
	err = record_of(d, q, PF_CL_HOLD, (int64_t)pfd_unix_now(), &r)
		  ?: admit(d, q->quote_id, &r, ttl_s, at.mod_rev, NULL, &res);
	if (!err && at.lease) /* the short lease: the key moved, the hold's slots free */
		pf_etcd_lease_revoke(d->csell->etcd, at.lease);
	free(res.existing);
	return noted(d, err);
}

void pfd_csell_drop_under(struct pfd *d, const char *quote_id, int64_t lease)
{
	struct pf_etcd_kv at = {0};
	struct pf_cl_resv r;

	if (!pf_cl_breaker_pass(&d->csell->brk) && !noted(d, resv_read(d, quote_id, &r, &at)) &&
	    r.state == PF_CL_HOLD && at.lease && (!lease || lease == at.lease))
		pf_etcd_lease_revoke(d->csell->etcd, at.lease);
}

void pfd_csell_drop(struct pfd *d, const char *quote_id)
{
	pfd_csell_drop_under(d, quote_id, 0);
}

struct pf_cl_breaker *pfd_csell_breaker(struct pfd *d)
{
	return &d->csell->brk;
}

int pfd_csell_noted(struct pfd *d, int err)
{
	return noted(d, err);
}

int pfd_csell_resv_read(struct pfd *d, const char *id, struct pf_cl_resv *r, struct pf_etcd_kv *at)
{
	return noted(d, resv_read(d, id, r, at));
}

int pfd_csell_admit(struct pfd *d, const char *id, const struct pf_cl_resv *r, int64_t ttl_s,
		    int64_t expect_rev, struct pf_cl_admit_result *res)
{
	return admit(d, id, r, ttl_s, expect_rev, NULL, res);
}
