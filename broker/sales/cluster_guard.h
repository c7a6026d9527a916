/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The broker's guards against free holds, cluster-wide (docs/CLUSTER.md,
 * "Selling in cluster mode"): what guard.c does on one machine, as claims
 * of the etcd admission (admit.h), so every broker counts the same holds:
 *
 *   P/pairs/PAIR               RESV: the pair's one granted reservation
 *   P/holds/addr/ADDRHEX/I     an unpaid hold of the client's address, I < max_holds_per_address
 *   P/holds/key/KEYHEX/I       an unpaid hold of the client key, I < max_holds_per_key
 *   P/holds/pair/KEYHEX/PAIR   QUOTE_ID: the key's hold for the pair (a new quote replaces it)
 *
 * All under the lease of the hold or reservation that claimed them; a hold
 * that is paid or granted moves to a new lease and its old one is revoked,
 * so its slots free at once. PAIR is the unordered pair as pf_key_make
 * orders it, "LO_HI".
 */
#ifndef PFD_CLUSTER_GUARD_H
#define PFD_CLUSTER_GUARD_H

#include <stdint.h>
#include "broker/proto/errors.h"
#include "broker/sales/broker_store.h"
#include "userspace/cluster/admit.h"

struct pfd;

struct pfd_cguard {
	char pair[PF_CL_KEY_MAX];    /* P/pairs/PAIR */
	char addr[PF_CL_KEY_MAX];    /* P/holds/addr/ADDRHEX/ */
	char key[PF_CL_KEY_MAX];     /* P/holds/key/KEYHEX/ */
	char replace[PF_CL_KEY_MAX]; /* P/holds/pair/KEYHEX/PAIR */
	uint32_t addr_cap, key_cap;
};

/* The keys of q's client (peer: its address; NULL for a grant: the pair only). */
int pfd_cguard_keys(const struct pfd *d, const uint8_t *peer, const struct pf_bquote *q,
		    struct pfd_cguard *g);
/* Before a quote's hold: pair_reserved when the pair has a reservation in
 * the cluster (nothing written); else the key's earlier hold for the pair
 * is dropped. PF_OK or the refusal. */
enum pf_err pfd_cguard_quote(struct pfd *d, const struct pfd_cguard *g, struct pf_err_msg *e);
/* The claims of a hold (the pair still free, a slot of each cap, the
 * key's hold for the pair) into a; value: the quote id. */
void pfd_cguard_hold_claims(const struct pfd_cguard *g, const char *value, struct pf_cl_admit *a);
/* The claim of a grant: the pair. */
void pfd_cguard_grant_claims(const struct pfd_cguard *g, const char *value, struct pf_cl_admit *a);
/* The refusal of an admission that failed on claim r->claim of a (-EBUSY,
 * -EDQUOT): pair_reserved or rate_limited naming the cap. */
enum pf_err pfd_cguard_refused(const struct pfd_cguard *g, const struct pf_cl_admit *a,
			       const struct pf_cl_admit_result *r, struct pf_err_msg *e);
/* Did the admission fail because another quote of the key for the pair
 * took its place meanwhile (a race between brokers: drop and try again)? */
bool pfd_cguard_lost_replace(const struct pfd_cguard *g, const struct pf_cl_admit *a,
			     const struct pf_cl_admit_result *r, int err);

#endif /* PFD_CLUSTER_GUARD_H */
