// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The claims of an admission; see admit_claim.h. */
#include "userspace/cluster/admit_claim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/error.h"

static bool is_slots(const struct pf_cl_claim *c)
{
	return c->slots > 0;
}

int pf_cl_claims_check(const struct pf_cl_admit *a)
{
	if (a->n_claims < 0 || a->n_claims > PF_CL_MAX_CLAIMS)
		return pf_fail(-EINVAL, "%d claims (0 to %d)", a->n_claims, PF_CL_MAX_CLAIMS);
	for (int i = 0; i < a->n_claims; i++) {
		const struct pf_cl_claim *c = &a->claims[i];
		size_t n = c->key ? strlen(c->key) : 0;

		if (!n || n + 8 >= PF_CL_KEY_MAX || strncmp(c->key, a->prefix, strlen(a->prefix)))
			return pf_fail(-EINVAL, "claim %d: a key under the prefix %s is needed", i,
				       a->prefix);
		if (is_slots(c) &&
		    (c->key[n - 1] != '/' || !c->value || c->slots > PF_CL_MAX_SLOTS))
			return pf_fail(-EINVAL,
				       "claim %s: slots need a directory ending in '/', a value "
				       "and at most %d slots",
				       c->key, PF_CL_MAX_SLOTS);
		if (c->value && strlen(c->value) >= PF_CL_KEY_MAX)
			return pf_fail(-EINVAL, "claim %s: its value is too long", c->key);
	}
	return 0;
}

int pf_cl_claims_init(struct pf_cl_claims *c, const struct pf_cl_admit *a)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < a->n_claims; i++) {
		c->mine[i] = -1;
		if (!is_slots(&a->claims[i]))
			continue;
		c->taken[i] = calloc((a->claims[i].slots + 7) / 8, 1);
		if (!c->taken[i]) {
			pf_cl_claims_free(c);
			return pf_fail(-ENOMEM, "out of memory");
		}
	}
	return 0;
}

void pf_cl_claims_free(struct pf_cl_claims *c)
{
	for (int i = 0; i < PF_CL_MAX_CLAIMS; i++) {
		free(c->taken[i]);
		c->taken[i] = NULL;
	}
}

int pf_cl_claims_read(struct pf_etcd_txn *t, const struct pf_cl_admit *a)
{
	int err = 0;

	for (int i = 0; !err && i < a->n_claims; i++)
		err = pf_etcd_txn_read(t, a->claims[i].key, is_slots(&a->claims[i]));
	return err;
}

/* A slot directory's entry DIR/I: marks I taken (or ours). */
static void account_slot(struct pf_cl_claims *c, int i, const struct pf_cl_claim *cl,
			 const struct pf_etcd_kv *kv)
{
	char *end;
	unsigned long n = strtoul(kv->key + strlen(cl->key), &end, 10);

	if (*end || n >= cl->slots)
		return; /* not a slot of this cap (a smaller cap since): it counts nowhere */
	c->taken[i][n / 8] |= (uint8_t)(1u << (n % 8));
	if (!strcmp(kv->value, cl->value))
		c->mine[i] = (int64_t)n; /* an earlier try of ours committed */
}

int pf_cl_claims_account(struct pf_cl_claims *c, const struct pf_cl_admit *a,
			 const struct pf_etcd_kv *kv, struct pf_cl_admit_result *r)
{
	for (int i = 0; i < a->n_claims; i++) {
		const struct pf_cl_claim *cl = &a->claims[i];

		if (is_slots(cl) && !strncmp(kv->key, cl->key, strlen(cl->key))) {
			if (c)
				account_slot(c, i, cl, kv);
			return 1;
		}
		if (is_slots(cl) || strcmp(kv->key, cl->key))
			continue;
		if (cl->value && !strcmp(kv->value, cl->value))
			return 1; /* ours: an earlier try committed, the commit says so */
		r->claim = i;
		snprintf(r->holder, sizeof(r->holder), "%s", kv->value);
		return pf_fail(-EBUSY, "%s is taken (by %s)", cl->key, kv->value);
	}
	return 0;
}

/* The first free slot of claim i (ours if an earlier try took one). */
static int pick_slot(struct pf_cl_claims *c, const struct pf_cl_admit *a, int i,
		     struct pf_cl_admit_result *r)
{
	const struct pf_cl_claim *cl = &a->claims[i];
	int64_t n = c->mine[i];

	for (uint32_t s = 0; n < 0 && s < cl->slots; s++)
		if (!(c->taken[i][s / 8] & (1u << (s % 8))))
			n = s;
	if (n < 0) {
		r->claim = i;
		return pf_fail(-EDQUOT, "all %u slots of %s are taken", cl->slots, cl->key);
	}
	snprintf(c->key[i], sizeof(c->key[i]), "%s%lld", cl->key, (long long)n);
	return 0;
}

int pf_cl_claims_pick(struct pf_cl_claims *c, const struct pf_cl_admit *a,
		      struct pf_cl_admit_result *r)
{
	int err = 0;

	for (int i = 0; !err && i < a->n_claims; i++) {
		if (is_slots(&a->claims[i]))
			err = pick_slot(c, a, i, r);
		else
			snprintf(c->key[i], sizeof(c->key[i]), "%s", a->claims[i].key);
	}
	return err;
}

int pf_cl_claims_build(struct pf_etcd_txn *t, const struct pf_cl_claims *c,
		       const struct pf_cl_admit *a)
{
	int err = 0;

	for (int i = 0; !err && i < a->n_claims; i++) {
		const struct pf_cl_claim *cl = &a->claims[i];

		err = pf_etcd_txn_cmp_create(t, c->key[i], 0);
		if (!err && !is_slots(cl)) /* a slot lost to a race is just retried */
			err = pf_etcd_txn_get_on_failure(t, c->key[i]);
		if (!err && cl->value)
			err = pf_etcd_txn_put(t, c->key[i], cl->value, strlen(cl->value), a->lease);
	}
	return err;
}

int pf_cl_claims_why(const struct pf_cl_admit *a, const struct pf_etcd_kv *kv,
		     struct pf_cl_admit_result *r)
{
	int err = pf_cl_claims_account(NULL, a, kv, r);

	return err < 0 ? err : 0;
}
