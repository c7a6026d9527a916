// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The broker's guards against free holds in etcd; see cluster_guard.h. */
#include "broker/sales/cluster_guard.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "broker/sales/broker_glue.h"
#include "broker/sales/cluster_sell.h"
#include "userspace/cluster/etcd_txn.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"
#include "userspace/common/hex.h"

/* "LO_HI": the pair in pf_key_make's order, so both directions name one key. */
static int pair_name(const struct pf_bquote *q, char *out, size_t len)
{
	__u8 a[16], b[16];
	char lo[64], hi[64];
	struct pf_key k;

	if (pf_addr_parse(q->ip1, a) || pf_addr_parse(q->ip2, b))
		return pf_fail(-EINVAL, "quote %s has a bad pair", q->quote_id);
	pf_key_make(&k, a, b);
	pf_addr_format(k.lo, lo, sizeof(lo));
	pf_addr_format(k.hi, hi, sizeof(hi));
	snprintf(out, len, "%s_%s", lo, hi);
	return 0;
}

/* P/DIR/ followed by fmt's text; -ENAMETOOLONG past PF_CL_KEY_MAX. */
static int key_of(char out[PF_CL_KEY_MAX], const char *prefix, const char *dir, const char *a,
		  const char *b)
{
	int n = snprintf(out, PF_CL_KEY_MAX, "%s/%s/%s%s", prefix, dir, a, b);

	return n < PF_CL_KEY_MAX
		   ? 0
		   : pf_fail(-ENAMETOOLONG, "cluster key %s/%s/... too long", prefix, dir);
}

int pfd_cguard_keys(const struct pfd *d, const uint8_t *peer, const struct pf_bquote *q,
		    struct pfd_cguard *g)
{
	const char *p = d->conf.cluster.prefix;
	char pair[128], addr[33], key[80];
	int err = pair_name(q, pair, sizeof(pair));

	memset(g, 0, sizeof(*g));
	g->addr_cap = d->conf.broker.holds_per_addr;
	g->key_cap = d->conf.broker.holds_per_key;
	snprintf(key, sizeof(key), "%s/", q->client_key);
	err = err ?: key_of(g->pair, p, "pairs", pair, "");
	if (err || !peer)
		return err;
	pf_hex_encode(peer, 16, addr);
	return key_of(g->addr, p, "holds/addr", addr, "/") ?: key_of(g->key, p, "holds/key", key, "")
		?: key_of(g->replace, p, "holds/pair", key, pair);
}

/* The pair's reservation and the key's hold for the pair, in one read. */
static int read_pair(struct pfd *d, const struct pfd_cguard *g, struct pf_etcd_kvs *k)
{
	struct pf_etcd_txn t;
	int64_t rev;
	bool ok;
	int err = pf_etcd_txn_init(&t) ?: pf_etcd_txn_read(&t, g->pair, false)
		  ?: pf_etcd_txn_read(&t, g->replace, false);

	if (!err)
		err = pf_etcd_txn_commit(pfd_csell_etcd(d), &t, &ok, &rev, k);
	pf_etcd_txn_free(&t);
	return err;
}

static enum pf_err pair_reserved(struct pf_err_msg *e, const char *holder)
{
	return pf_err_set(e, PF_E_PAIR_RESERVED,
			  "the pair has reservation %s in the cluster; buy again when it ends",
			  holder);
}

enum pf_err pfd_cguard_quote(struct pfd *d, const struct pfd_cguard *g, struct pf_err_msg *e)
{
	struct pf_etcd_kvs k = {0};
	enum pf_err rc = PF_OK;
	int err = read_pair(d, g, &k);

	for (size_t i = 0; !err && i < k.n; i++)
		if (!strcmp(k.kv[i].key, g->pair))
			rc = pair_reserved(e, k.kv[i].value);
	for (size_t i = 0; !err && rc == PF_OK && i < k.n; i++)
		/* The key's earlier quote for the pair, if still the unpaid hold
		 * that made this key (same lease): a paid one has moved on. */
		pfd_csell_drop_under(d, k.kv[i].value, k.kv[i].lease);
	pf_etcd_kvs_free(&k);
	return err ? pfd_csell_fail(d, e, err) : rc;
}

static void claim(struct pf_cl_admit *a, const char *key, const char *value, uint32_t slots)
{
	a->claims[a->n_claims++] = (struct pf_cl_claim){.key = key, .value = value, .slots = slots};
}

void pfd_cguard_hold_claims(const struct pfd_cguard *g, const char *value, struct pf_cl_admit *a)
{
	claim(a, g->pair, NULL, 0); /* only absent: a hold does not reserve the pair */
	claim(a, g->addr, value, g->addr_cap);
	claim(a, g->key, value, g->key_cap);
	claim(a, g->replace, value, 0);
}

void pfd_cguard_grant_claims(const struct pfd_cguard *g, const char *value, struct pf_cl_admit *a)
{
	claim(a, g->pair, value, 0);
}

static const char *claimed(const struct pf_cl_admit *a, const struct pf_cl_admit_result *r)
{
	return r->claim >= 0 && r->claim < a->n_claims ? a->claims[r->claim].key : "";
}

/* The one-machine refusal of guard.c for a full cap, said for the cluster. */
static enum pf_err cap_reached(struct pf_err_msg *e, const char *who, uint32_t cap,
			       const char *conf)
{
	return pf_err_set(e, PF_E_RATE_LIMITED,
			  "your %s has %u unpaid quotes holding capacity in the cluster (the "
			  "limit, broker.%s); pay one or wait until their holds lapse",
			  who, cap, conf);
}

enum pf_err pfd_cguard_refused(const struct pfd_cguard *g, const struct pf_cl_admit *a,
			       const struct pf_cl_admit_result *r, struct pf_err_msg *e)
{
	const char *key = claimed(a, r);

	if (!strcmp(key, g->pair))
		return pair_reserved(e, r->holder);
	if (!strcmp(key, g->addr))
		return cap_reached(e, "address", g->addr_cap, "max_holds_per_address");
	if (!strcmp(key, g->key))
		return cap_reached(e, "client key", g->key_cap, "max_holds_per_key");
	return pf_err_set(e, PF_E_INTERNAL, "cluster: %s", pf_last_error());
}

bool pfd_cguard_lost_replace(const struct pfd_cguard *g, const struct pf_cl_admit *a,
			     const struct pf_cl_admit_result *r, int err)
{
	return err == -EBUSY && g->replace[0] && !strcmp(claimed(a, r), g->replace);
}
