/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The link ledger: how much of each directed link (a config port's egress)
 * is reserved. The one place admission's arithmetic lives, kept narrow so
 * that another store (etcd) can back it: reserve a rate on a set of links,
 * all or none; release it; read one link's free rate. This one is in memory,
 * rebuilt from the database at start (reconcile.c).
 */
#ifndef PF_LINK_LEDGER_H
#define PF_LINK_LEDGER_H

#include <linux/types.h>

#define PF_LL_MAX_LINKS 64

/* A set of links (config port indexes) as a bit mask. */
typedef __u64 pf_linkset;

struct pf_ll {
	int n_links;
	__u64 reservable_bps[PF_LL_MAX_LINKS]; /* capacity - best-effort floor */
	__u64 reserved_bps[PF_LL_MAX_LINKS];   /* active + held */
};

void pf_ll_init(struct pf_ll *l, int n_links, const __u64 *capacity_bps, __u64 floor_bps);
/* Adds bps on every link of the set, or on none: -ENOSPC and *full = the
 * first link without room. */
int pf_ll_reserve(struct pf_ll *l, pf_linkset set, __u64 bps, int *full);
void pf_ll_release(struct pf_ll *l, pf_linkset set, __u64 bps);
/* New capacities (a reload): what is reserved stays, even above the new
 * reservable rate (free then reads 0 until enough ends). */
void pf_ll_set_capacity(struct pf_ll *l, const __u64 *capacity_bps, __u64 floor_bps);
__u64 pf_ll_free(const struct pf_ll *l, int link);
/* Adds bps unchecked: rebuilding from the store keeps what was granted even
 * when a capacity was lowered meanwhile (free then reads 0). */
void pf_ll_restore(struct pf_ll *l, pf_linkset set, __u64 bps);

#endif /* PF_LINK_LEDGER_H */
