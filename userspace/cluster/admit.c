// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Path admission as one etcd transaction; see admit.h. */
#include "userspace/cluster/admit.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "userspace/cluster/admit_claim.h"
#include "userspace/cluster/etcd_txn.h"
#include "userspace/common/error.h"

#define MAX_TRIES 64 /* lost races before giving up (-EAGAIN) */

/* One link as read at the admission's revision. */
struct link_state {
	bool found;
	int64_t mod_rev;
	uint64_t reservable, reserved;
};

static int parse_link(const char *link, const struct pf_etcd_kv *kv, struct link_state *st)
{
	struct json_object *o = json_tokener_parse(kv->value), *v;
	int err = 0;

	if (!o || !json_object_object_get_ex(o, "reservable_bps", &v))
		err = pf_fail(-EPROTO, "cluster link %s: no reservable_bps in its topology key",
			      link);
	else
		st->reservable = (uint64_t)json_object_get_int64(v);
	st->mod_rev = kv->mod_rev;
	json_object_put(o);
	return err;
}

/* The sum of a link's ledger entries (latest), for reports and tests. */
static int ledger_sum(struct pf_etcd *e, const char *prefix, const char *link, uint64_t *sum,
		      int64_t *n)
{
	char dir[PF_CL_KEY_MAX];
	struct pf_etcd_kvs k;
	int err = pf_cl_key_ledger(dir, prefix, link);

	*sum = 0;
	if (err || (err = pf_etcd_range(e, dir, NULL, 0, 0, &k)))
		return err;
	for (size_t i = 0; i < k.n; i++)
		*sum += strtoull(k.kv[i].value, NULL, 10);
	*n = (int64_t)k.n;
	pf_etcd_kvs_free(&k);
	return 0;
}

/* Which link of the path a read key belongs to: its topology key (1) or one
 * of its ledger entries (2); 0 when neither. */
static int owner_of(const struct pf_cl_admit *a, const char *key, int *link)
{
	char k[PF_CL_KEY_MAX];

	for (int i = 0; i < a->n_links; i++) {
		*link = i;
		if (!pf_cl_key_link(k, a->prefix, a->links[i]) && !strcmp(k, key))
			return 1;
		if (!pf_cl_key_ledger(k, a->prefix, a->links[i]) && !strncmp(k, key, strlen(k)))
			return 2;
	}
	return 0;
}

/* Adds one read key to the state of its link. A hold being turned into a
 * reservation does not count its own entry: the order replaces it. */
static int account(const struct pf_cl_admit *a, const struct pf_etcd_kv *kv, struct link_state *st)
{
	int i, kind = owner_of(a, kv->key, &i);

	if (kind == 1) {
		st[i].found = true;
		return parse_link(a->links[i], kv, &st[i]);
	}
	if (kind == 2 && strcmp(pf_cl_key_last(kv->key), a->resv))
		st[i].reserved += strtoull(kv->value, NULL, 10);
	return 0;
}

/* -EALREADY when k holds a->tx's key with another record (what it bought
 * goes to r->existing), else 0. */
static int tx_used(const struct pf_cl_admit *a, const struct pf_etcd_kvs *k,
		   struct pf_cl_admit_result *r)
{
	char tx[PF_CL_KEY_MAX];

	if (!a->tx || pf_cl_key_tx(tx, a->prefix, a->tx))
		return 0;
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->kv[i].key, tx) && strcmp(k->kv[i].value, a->value)) {
			r->existing = strdup(k->kv[i].value);
			return pf_fail(-EALREADY, "transaction %s was already used", a->tx);
		}
	return 0;
}

/* Every link of the path and its ledger, and the claims, at one revision,
 * in one round trip (a transaction of reads only). */
static int read_links(struct pf_etcd *e, const struct pf_cl_admit *a, int64_t *rev,
		      struct link_state *st, struct pf_cl_claims *c, struct pf_cl_admit_result *r)
{
	char key[PF_CL_KEY_MAX];
	struct pf_etcd_txn t;
	struct pf_etcd_kvs k = {0};
	bool ok;
	int err = pf_etcd_txn_init(&t);

	memset(st, 0, a->n_links * sizeof(*st));
	for (int i = 0; !err && i < a->n_links; i++)
		err = pf_cl_key_link(key, a->prefix, a->links[i]) ?: pf_etcd_txn_read(&t, key, false)
			?: pf_cl_key_ledger(key, a->prefix, a->links[i])
			?: pf_etcd_txn_read(&t, key, true);
	if (!err && a->tx) /* a used payment is said before a claim taken */
		err = pf_cl_key_tx(key, a->prefix, a->tx) ?: pf_etcd_txn_read(&t, key, false);
	if (!err)
		err = pf_cl_claims_read(&t, a) ?: pf_etcd_txn_commit(e, &t, &ok, rev, &k);
	pf_etcd_txn_free(&t);
	err = err ?: tx_used(a, &k, r);
	for (size_t j = 0; !err && j < k.n; j++) {
		err = pf_cl_claims_account(c, a, &k.kv[j], r);
		if (!err)
			err = account(a, &k.kv[j], st);
		else if (err == 1)
			err = 0;
	}
	pf_etcd_kvs_free(&k);
	for (int i = 0; !err && i < a->n_links; i++)
		if (!st[i].found)
			err =
			    pf_fail(-ENOENT, "cluster link %s is not in the topology", a->links[i]);
	return err;
}

static int check_fit(const struct pf_cl_admit *a, int i, const struct link_state *st,
		     struct pf_cl_admit_result *r)
{
	uint64_t free = st->reserved < st->reservable ? st->reservable - st->reserved : 0;

	if (a->rate_bps <= free)
		return 0;
	snprintf(r->full_link, sizeof(r->full_link), "%s", a->links[i]);
	r->free_bps = free;
	return pf_fail(-ENOSPC,
		       "link %s has %" PRIu64 " bit/s free of %" PRIu64 " reservable; %" PRIu64
		       " bit/s was asked",
		       a->links[i], free, st->reservable, a->rate_bps);
}

static int add_link(struct pf_etcd_txn *t, const struct pf_cl_admit *a, int i, int64_t rev,
		    const struct link_state *st)
{
	char key[PF_CL_KEY_MAX], dir[PF_CL_KEY_MAX], entry[PF_CL_KEY_MAX], rate[24];

	if (pf_cl_key_link(key, a->prefix, a->links[i]) ||
	    pf_cl_key_ledger(dir, a->prefix, a->links[i]) ||
	    pf_cl_key_ledger_entry(entry, a->prefix, a->links[i], a->resv))
		return -EINVAL;
	snprintf(rate, sizeof(rate), "%" PRIu64, a->rate_bps);
	return pf_etcd_txn_cmp_mod(t, key, st->mod_rev) ?: pf_etcd_txn_cmp_range_unchanged(t, dir, rev)
		?: pf_etcd_txn_put(t, entry, rate, strlen(rate), a->lease);
}

static int build(struct pf_etcd_txn *t, const struct pf_cl_admit *a, int64_t rev,
		 const struct link_state *st, const struct pf_cl_claims *c)
{
	char resv[PF_CL_KEY_MAX], tx[PF_CL_KEY_MAX];
	int err = pf_cl_key_resv(resv, a->prefix, a->resv);

	if (!err && a->tx)
		err = pf_cl_key_tx(tx, a->prefix, a->tx);
	for (int i = 0; !err && i < a->n_links; i++)
		err = add_link(t, a, i, rev, &st[i]);
	if (!err)
		err = pf_cl_claims_build(t, c, a);
	if (err)
		return err;
	err = pf_etcd_txn_cmp_mod(t, resv, a->expect_rev) ?: pf_etcd_txn_get_on_failure(t, resv)
		?: pf_etcd_txn_put(t, resv, a->value, strlen(a->value), a->lease);
	if (!err && a->tx)
		err = pf_etcd_txn_cmp_create(t, tx, 0) ?: pf_etcd_txn_get_on_failure(t, tx)
			?: pf_etcd_txn_put(t, tx, a->value, strlen(a->value), 0);
	return err;
}

/*
 * Why the compares failed: the tx already bought something (-EALREADY), the
 * reservation's key moved (-EEXIST), a claimed key was taken (-EBUSY), or a
 * link or a slot moved (0: retry). Finding our own value there means an
 * earlier attempt of this call committed and only its answer was lost (a
 * member died): that is success (1).
 */
static int why_failed(const struct pf_cl_admit *a, const struct pf_etcd_kvs *k,
		      struct pf_cl_admit_result *r)
{
	char resv[PF_CL_KEY_MAX];
	bool resv_seen = false;
	int err = pf_cl_key_resv(resv, a->prefix, a->resv);

	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->kv[i].value, a->value))
			return 1;
	err = err ?: tx_used(a, k, r);
	for (size_t i = 0; !err && i < k->n; i++) {
		const struct pf_etcd_kv *kv = &k->kv[i];

		if (strcmp(kv->key, resv)) {
			err = pf_cl_claims_why(a, kv, r);
			continue;
		}
		resv_seen = true;
		if (kv->mod_rev != a->expect_rev)
			return pf_fail(-EEXIST,
				       "reservation %s changed meanwhile (revision %" PRId64
				       ", expected %" PRId64 ")",
				       a->resv, kv->mod_rev, a->expect_rev);
	}
	if (!err && a->expect_rev && !resv_seen)
		return pf_fail(-EEXIST, "hold %s has ended", a->resv);
	return err;
}

static int validate(const struct pf_cl_admit *a)
{
	if (a->n_links < 1 || a->n_links > PF_CL_MAX_PATH)
		return pf_fail(-EINVAL, "a path of %d links (1 to %d)", a->n_links, PF_CL_MAX_PATH);
	if (!a->rate_bps || !a->value || !a->lease)
		return pf_fail(-EINVAL, "reservation %s: a rate, a value and a lease are needed",
			       a->resv ? a->resv : "");
	if (a->tx && pf_cl_check_tx(a->tx))
		return -EINVAL;
	for (int i = 0; i < a->n_links; i++) {
		if (pf_cl_check_name("link", a->links[i]))
			return -EINVAL;
		for (int j = 0; j < i; j++)
			if (!strcmp(a->links[i], a->links[j]))
				return pf_fail(-EINVAL, "link %s is twice on the path",
					       a->links[i]);
	}
	return pf_cl_check_name("reservation", a->resv) ?: pf_cl_claims_check(a);
}

/* One read-check-commit round: 1 committed, 0 lost a race, or -errno. */
static int attempt(struct pf_etcd *e, const struct pf_cl_admit *a, struct pf_cl_admit_result *r)
{
	struct link_state st[PF_CL_MAX_PATH];
	struct pf_cl_claims c;
	struct pf_etcd_txn t;
	struct pf_etcd_kvs failed;
	int64_t rev = 0;
	bool ok = false;
	int err = pf_cl_claims_init(&c, a);

	err = err ?: read_links(e, a, &rev, st, &c, r);
	for (int i = 0; !err && i < a->n_links; i++)
		err = check_fit(a, i, &st[i], r);
	err = err ?: pf_cl_claims_pick(&c, a, r);
	if (!err) {
		err = pf_etcd_txn_init(&t) ?: build(&t, a, rev, st, &c);
		if (!err)
			err = pf_etcd_txn_commit(e, &t, &ok, &r->revision, &failed);
		pf_etcd_txn_free(&t);
	}
	pf_cl_claims_free(&c);
	if (err)
		return err;
	err = ok ? 1 : why_failed(a, &failed, r);
	pf_etcd_kvs_free(&failed);
	return err;
}

int pf_cl_admit(struct pf_etcd *e, const struct pf_cl_admit *a, struct pf_cl_admit_result *r)
{
	int err = validate(a);

	memset(r, 0, sizeof(*r));
	for (int tries = 0; !err && tries < MAX_TRIES; tries++) {
		err = attempt(e, a, r);
		if (err == 1)
			return 0;
		if (!err) { /* lost a race: let the winner's peers spread out */
			r->retries++;
			usleep(1000 * randombytes_uniform(1u << (tries < 5 ? tries : 5)));
		}
	}
	return err
		   ?: pf_fail(-EAGAIN, "reservation %s: lost %d races for its links in a row",
			      a->resv, MAX_TRIES);
}

int pf_cl_link_reserved(struct pf_etcd *e, const char *prefix, const char *link, uint64_t *sum,
			int64_t *n)
{
	return ledger_sum(e, prefix, link, sum, n);
}

int pf_cl_link_put(struct pf_etcd *e, const char *prefix, const char *link, const char *owner,
		   uint64_t capacity_bps, uint64_t floor_bps)
{
	char key[PF_CL_KEY_MAX], val[256];
	int err = pf_cl_key_link(key, prefix, link) ?: pf_cl_check_name("node", owner);

	if (err)
		return err;
	if (floor_bps > capacity_bps)
		return pf_fail(-EINVAL, "link %s: floor above capacity", link);
	snprintf(val, sizeof(val),
		 "{\"owner\":\"%s\",\"capacity_bps\":%" PRIu64 ",\"reservable_bps\":%" PRIu64 "}",
		 owner, capacity_bps, capacity_bps - floor_bps);
	return pf_etcd_put(e, key, val, strlen(val), 0, NULL);
}
