/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The claims of an admission (admit.h, struct pf_cl_claim): keys that must
 * be absent when the admission commits and that it writes under the
 * reservation's lease, in the same transaction, so a claim is held exactly
 * as long as the hold or reservation that made it. A fixed key is one
 * claim (one reservation per pair); a slot directory is a cap (DIR/0 ..
 * DIR/cap-1: a free slot is picked in the read phase, so a client's unpaid
 * holds are counted across every broker). Used by admit.c only.
 */
#ifndef PF_CLUSTER_ADMIT_CLAIM_H
#define PF_CLUSTER_ADMIT_CLAIM_H

#include <stdint.h>
#include "userspace/cluster/admit.h"
#include "userspace/cluster/etcd_txn.h"

/* What the read phase learned of the claims; pf_cl_claims_init/_free. */
struct pf_cl_claims {
	uint8_t *taken[PF_CL_MAX_CLAIMS];	   /* a slot directory: a bit per slot in use */
	int64_t mine[PF_CL_MAX_CLAIMS];		   /* the slot already holding our value, or -1 */
	char key[PF_CL_MAX_CLAIMS][PF_CL_KEY_MAX]; /* the key to claim, once picked */
};

int pf_cl_claims_check(const struct pf_cl_admit *a);
int pf_cl_claims_init(struct pf_cl_claims *c, const struct pf_cl_admit *a);
void pf_cl_claims_free(struct pf_cl_claims *c);
/* Adds the reads of the read phase (each key or slot directory). */
int pf_cl_claims_read(struct pf_etcd_txn *t, const struct pf_cl_admit *a);
/* Notes one read key: 1 a claim's, 0 not one, -EBUSY a fixed key another
 * holds (r->claim names which, r->holder its value). */
int pf_cl_claims_account(struct pf_cl_claims *c, const struct pf_cl_admit *a,
			 const struct pf_etcd_kv *kv, struct pf_cl_admit_result *r);
/* Picks each claim's key: -EDQUOT when every slot of a directory is taken. */
int pf_cl_claims_pick(struct pf_cl_claims *c, const struct pf_cl_admit *a,
		      struct pf_cl_admit_result *r);
/* Compares (absent) and writes (under a->lease) of the picked keys. */
int pf_cl_claims_build(struct pf_etcd_txn *t, const struct pf_cl_claims *c,
		       const struct pf_cl_admit *a);
/* A failed commit's read of a fixed claim key: -EBUSY (taken meanwhile), or
 * 0 when kv is not one. */
int pf_cl_claims_why(const struct pf_cl_admit *a, const struct pf_etcd_kv *kv,
		     struct pf_cl_admit_result *r);

#endif /* PF_CLUSTER_ADMIT_CLAIM_H */
