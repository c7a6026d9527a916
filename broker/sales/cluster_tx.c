// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A transaction consumed once across the cluster; see cluster_tx.h. */
#include "broker/sales/cluster_tx.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "broker/sales/broker_glue.h"
#include "broker/sales/cluster_sell.h"
#include "userspace/cluster/breaker.h"
#include "userspace/cluster/etcd_txn.h"
#include "userspace/common/error.h"

/* A required string member of o into out (size n). */
static int text(struct json_object *o, const char *name, char *out, size_t n)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return pf_fail(-EINVAL, "P/tx/ value: \"%s\" is missing or not a string", name);
	s = json_object_get_string(v);
	if (!*s || strlen(s) >= n)
		return pf_fail(-EINVAL, "P/tx/ value: \"%s\" is empty or too long", name);
	snprintf(out, n, "%s", s);
	return 0;
}

int pfd_ctx_decode(const char *value, struct pfd_ctx_use *u)
{
	struct json_object *o = json_tokener_parse(value);
	int err;

	memset(u, 0, sizeof(*u));
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return pf_fail(-EINVAL, "P/tx/ value is not a JSON object");
	}
	if (json_object_object_get_ex(o, "refunded", NULL)) {
		u->kind = PFD_CTX_REFUNDED;
		err = text(o, "refunded", u->node, sizeof(u->node))
			  ?: text(o, "quote", u->quote, sizeof(u->quote));
	} else if (json_object_object_get_ex(o, "deposit", NULL)) {
		u->kind = PFD_CTX_DEPOSIT;
		err = text(o, "deposit", u->node, sizeof(u->node));
	} else {
		u->kind = PFD_CTX_GRANTED;
		err = pf_cl_resv_decode(value, &u->r);
		snprintf(u->node, sizeof(u->node), "%s", u->r.broker);
	}
	if (!err && u->kind != PFD_CTX_GRANTED)
		err = text(o, "key", u->key, sizeof(u->key))
			  ?: text(o, "amount", u->amount, sizeof(u->amount));
	/* "from" is optional: the payer of a credit, "" when not said */
	if (!err && u->kind != PFD_CTX_GRANTED && json_object_object_get_ex(o, "from", NULL))
		err = text(o, "from", u->from, sizeof(u->from));
	json_object_put(o);
	return err;
}

int pfd_ctx_encode(const struct pfd_ctx_use *u, char **out)
{
	struct json_object *o = json_object_new_object();
	bool refund = u->kind == PFD_CTX_REFUNDED;
	int err = 0;

	if (!o || u->kind == PFD_CTX_GRANTED)
		err = pf_fail(o ? -EINVAL : -ENOMEM, "only refunds and deposits are claimed here");
	if (!err) {
		json_object_object_add(o, refund ? "refunded" : "deposit",
				       json_object_new_string(u->node));
		if (refund)
			json_object_object_add(o, "quote", json_object_new_string(u->quote));
		json_object_object_add(o, "key", json_object_new_string(u->key));
		json_object_object_add(o, "amount", json_object_new_string(u->amount));
		if (u->from[0])
			json_object_object_add(o, "from", json_object_new_string(u->from));
		*out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		if (!*out)
			err = pf_fail(-ENOMEM, "out of memory");
	}
	json_object_put(o);
	return err;
}

/* Creates P/tx/TX = value if absent, with this node's marker P/owed/NODE/TX
 * (the same value) until the credit is recorded here: 0 (*rev = its
 * revision), or -EALREADY with what is there in *found, or -errno. */
static int create(struct pfd *d, const char *tx, const char *value, int64_t *rev,
		  struct pfd_ctx_use *found)
{
	const struct pf_cluster_conf *c = &d->conf.cluster;
	char key[PF_CL_KEY_MAX], owed[PF_CL_KEY_MAX];
	struct pf_etcd_txn t;
	struct pf_etcd_kvs k = {0};
	bool ok = false;
	int err = pf_cl_key_tx(key, c->prefix, tx) ?: pf_cl_key_owed(owed, c->prefix, c->node, tx)
		  ?: pf_etcd_txn_init(&t);

	if (err)
		return err;
	err = pf_etcd_txn_cmp_create(&t, key, 0) ?: pf_etcd_txn_get_on_failure(&t, key)
		  ?: pf_etcd_txn_put(&t, key, value, strlen(value), 0)
		  ?: pf_etcd_txn_put(&t, owed, value, strlen(value), 0);
	if (!err)
		err = pfd_csell_noted(d, pf_etcd_txn_commit(pfd_csell_etcd(d), &t, &ok, rev, &k));
	pf_etcd_txn_free(&t);
	if (!err && !ok)
		err = k.n == 1 ? pfd_ctx_decode(k.kv[0].value, found) ?: -EALREADY
			       : pf_fail(-EAGAIN, "%s was there and is gone", key);
	pf_etcd_kvs_free(&k);
	return err;
}

/*
 * Claims tx for `mine` (this node's refund or deposit): 0 when claimed now,
 * or found claimed by this node for the same key (an earlier attempt whose
 * local record was lost), -EALREADY with *found, or -errno said in e.
 */
static int claim(struct pfd *d, const char *tx, const struct pfd_ctx_use *mine,
		 struct pfd_ctx_use *found, struct pf_err_msg *e, int64_t *rev)
{
	char *value = NULL;
	int err;

	*rev = 0;
	err = pf_cl_breaker_pass(pfd_csell_breaker(d)) ?: pfd_ctx_encode(mine, &value)
		  ?: create(d, tx, value, rev, found);
	free(value);
	if (!err) /* claimed, not yet recorded here: the window pfd_ctx_settle closes */
		pfd_csell_test_delay("PAYFLOW_TEST_CREDIT_DELAY_MS");
	if (err == -EALREADY && found->kind == mine->kind && !strcmp(found->node, mine->node) &&
	    !strcmp(found->key, mine->key) && !strcmp(found->quote, mine->quote))
		return 0;
	if (err && err != -EALREADY)
		pf_err_set(e, PF_E_INTERNAL,
			   "cluster: cannot record transaction %s as used (nothing was credited, "
			   "the payment stays usable): %s",
			   tx, pf_last_error());
	return err;
}

/* The answer when tx was consumed as u: nothing more is credited. */
static enum pf_err used(const char *tx, const struct pfd_ctx_use *u, struct pf_err_msg *e)
{
	if (u->kind == PFD_CTX_REFUNDED)
		return pf_err_set(e, PF_E_PAYMENT_REFUNDED,
				  "transaction %s could not buy its quote and was credited (%s) to "
				  "the balance of key %.16s.. at broker %s",
				  tx, u->amount, u->key, u->node);
	if (u->kind == PFD_CTX_DEPOSIT)
		return pf_err_set(e, PF_E_TX_REUSED,
				  "transaction %s was deposited (%s) for key %.16s.. at broker %s",
				  tx, u->amount, u->key, u->node);
	return pf_err_set(e, PF_E_TX_REUSED,
			  "transaction %s already paid for %s <-> %s at broker %s", tx, u->r.a,
			  u->r.b, u->node);
}

bool pfd_ctx_resv_bought(const struct pf_bquote *q, const char *tx, const struct pf_cl_resv *r)
{
	bool same = !strcmp(r->a, q->ip1) && !strcmp(r->b, q->ip2);
	bool swapped = !r->one_way && !strcmp(r->a, q->ip2) && !strcmp(r->b, q->ip1);

	return !strcmp(r->tx, tx) && (same || swapped) && r->one_way == q->one_way &&
	       r->rate_bps == q->rate_bps && r->level == (int)q->level;
}

bool pfd_ctx_bought(const struct pf_bquote *q, const char *tx, const struct pfd_ctx_use *u)
{
	return u->kind == PFD_CTX_GRANTED && pfd_ctx_resv_bought(q, tx, &u->r);
}

/* This node's claim of kind for key_hex, paid. */
static void mine_of(struct pfd *d, enum pfd_ctx_kind kind, const char *key_hex,
		    const struct pf_payment *paid, struct pfd_ctx_use *u)
{
	memset(u, 0, sizeof(*u));
	u->kind = kind;
	snprintf(u->node, sizeof(u->node), "%s", d->conf.cluster.node);
	snprintf(u->key, sizeof(u->key), "%s", key_hex);
	snprintf(u->from, sizeof(u->from), "%s", paid->from);
	pf_u256_to_dec(&paid->value, u->amount, sizeof(u->amount));
}

enum pfd_ctx_verdict pfd_ctx_refund(struct pfd *d, const struct pf_bquote *q, const char *tx,
				    const struct pf_payment *paid, struct pf_border *o,
				    struct pf_err_msg *e, int64_t *claim_rev)
{
	struct pfd_ctx_use mine, found;
	int err;

	mine_of(d, PFD_CTX_REFUNDED, q->client_key, paid, &mine);
	snprintf(mine.quote, sizeof(mine.quote), "%s", q->quote_id);
	err = claim(d, tx, &mine, &found, e, claim_rev);
	if (!err)
		return PFD_CTX_MINE;
	if (err == -EALREADY && pfd_ctx_bought(q, tx, &found)) {
		memset(o, 0, sizeof(*o));
		snprintf(o->quote_id, sizeof(o->quote_id), "%s", q->quote_id);
		/* as cluster_sell.c: an extension's CONFIRM names the reservation it extends */
		snprintf(o->rid, sizeof(o->rid), "%s", q->extends[0] ? q->extends : q->quote_id);
		snprintf(o->tx, sizeof(o->tx), "%s", tx);
		o->start = (__u64)found.r.start;
		o->end = (__u64)found.r.end;
		return PFD_CTX_GRANT;
	}
	if (err == -EALREADY)
		used(tx, &found, e);
	return PFD_CTX_REFUSED;
}

enum pf_err pfd_ctx_deposit(struct pfd *d, const char *tx, const char *key_hex,
			    const struct pf_payment *paid, struct pf_err_msg *e, int64_t *claim_rev)
{
	struct pfd_ctx_use mine, found;
	int err;

	mine_of(d, PFD_CTX_DEPOSIT, key_hex, paid, &mine);
	err = claim(d, tx, &mine, &found, e, claim_rev);
	if (err == -EALREADY)
		return used(tx, &found, e);
	return err ? e->code : PF_OK;
}

void pfd_ctx_release(struct pfd *d, const char *tx, int64_t claim_rev)
{
	const struct pf_cluster_conf *c = &d->conf.cluster;
	char key[PF_CL_KEY_MAX], owed[PF_CL_KEY_MAX];
	struct pf_etcd_txn t;
	int64_t rev;
	bool ok = false;
	int err = pf_cl_key_tx(key, c->prefix, tx) ?: pf_cl_key_owed(owed, c->prefix, c->node, tx)
		  ?: pf_etcd_txn_init(&t);

	if (err)
		return;
	err = pf_etcd_txn_cmp_mod(&t, key, claim_rev) ?: pf_etcd_txn_del(&t, key)
		  ?: pf_etcd_txn_del(&t, owed);
	if (!err)
		err =
		    pfd_csell_noted(d, pf_etcd_txn_commit(pfd_csell_etcd(d), &t, &ok, &rev, NULL));
	pf_etcd_txn_free(&t);
	if (err || !ok)
		pfd_log("cluster: transaction %s stays claimed in etcd though not credited here "
			"(credited later from P/owed/): %s",
			tx, err ? pf_last_error() : "the claim changed");
}

int pfd_ctx_not_granted(const char *tx, const char *value, struct pf_err_msg *e)
{
	struct pfd_ctx_use u;

	if (pfd_ctx_decode(value, &u) || u.kind == PFD_CTX_GRANTED)
		return 0;
	used(tx, &u, e);
	return 1;
}

/* Removes this node's marker of tx (still at mod_rev). */
static void owed_done(struct pfd *d, const char *key, int64_t mod_rev)
{
	struct pf_etcd_txn t;
	int64_t rev;
	bool ok = false;
	int err = pf_etcd_txn_init(&t);

	if (err)
		return;
	err = pf_etcd_txn_cmp_mod(&t, key, mod_rev) ?: pf_etcd_txn_del(&t, key);
	if (!err)
		err =
		    pfd_csell_noted(d, pf_etcd_txn_commit(pfd_csell_etcd(d), &t, &ok, &rev, NULL));
	pf_etcd_txn_free(&t);
	if (err)
		pfd_log("cluster: cannot remove %s (tried again later): %s", key, pf_last_error());
}

/* Credits what marker kv says this node owes: 1 credited now, 0 nothing to
 * do, -errno. */
static int settle_one(struct pfd *d, const struct pf_etcd_kv *kv)
{
	const char *tx = pf_cl_key_last(kv->key);
	struct pfd_ctx_use u;
	struct pf_u256 value;
	char quote[33];
	int err = pf_bstore_tx_used(d->store, tx, quote);

	if (!err) { /* recorded and committed: the marker has done its work */
		owed_done(d, kv->key, kv->mod_rev);
		return 0;
	}
	if (err != -ENOENT)
		return err;
	err = pf_cl_check_tx(tx) ?: pfd_ctx_decode(kv->value, &u);
	if (!err && u.kind == PFD_CTX_GRANTED)
		err = pf_fail(-EINVAL, "a reservation record, not a credit");
	if (!err)
		err = pf_u256_parse_dec(u.amount, &value);
	if (err) {
		pfd_logl(PFD_LOG_ERR, "cluster: %s is not a credit this node can make: %s", kv->key,
			 pf_last_error());
		return 0; /* left for the operator; the others go on */
	}
	err = pfd_broker_credit_payment(
	    d, u.kind == PFD_CTX_REFUNDED ? PF_MONEY_REFUND : PF_MONEY_DEPOSIT, tx, u.key, &value,
	    u.from[0] ? u.from : NULL);
	if (err)
		return err;
	pfd_log("cluster: credited transaction %s (%s) to key %.16s.. as its %s: claimed in "
		"etcd, not recorded here (a crash or a failed commit)",
		tx, u.amount, u.key, u.kind == PFD_CTX_REFUNDED ? "refund" : "deposit");
	return 1;
}

#define SETTLE_BATCH 64 /* markers read per call; the rest wait for the next */

int pfd_ctx_settle(struct pfd *d)
{
	const struct pf_cluster_conf *c = &d->conf.cluster;
	char dir[PF_CL_KEY_MAX];
	struct pf_etcd_kvs k = {0};
	int n = 0, err;

	/* An open batch may hold a credit not yet committed; an open breaker
	 * said already that etcd is away: the next look comes soon enough. */
	if (!d->csell || d->in_txn || pf_cl_breaker_pass(pfd_csell_breaker(d)))
		return 0;
	err = pf_cl_key_owed(dir, c->prefix, c->node, NULL);
	if (!err)
		err = pfd_csell_noted(
		    d, pf_etcd_range(pfd_csell_etcd(d), dir, NULL, SETTLE_BATCH, 0, &k));
	for (size_t i = 0; !err && i < k.n; i++) {
		int r = settle_one(d, &k.kv[i]);

		if (r < 0)
			err = r;
		else
			n += r;
	}
	pf_etcd_kvs_free(&k);
	if (err)
		pfd_logl(PFD_LOG_WARN, "cluster: owed credits: %s (tried again later)",
			 pf_last_error());
	return err ?: n;
}
