/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The links of a cluster as etcd holds them (P/topo/links/ and the sum of
 * each link's P/ledger/LINK/ entries), read in pages, for the simulation
 * (tests/cluster/cluster_sim.c): its preloader charges them as it writes so
 * that nothing is oversold, and its check compares each sum with the link's
 * reservable rate.
 */
#ifndef PF_SIM_LINKS_H
#define PF_SIM_LINKS_H

#include <stdint.h>
#include "userspace/cluster/etcd.h"
#include "userspace/cluster/keys.h"

struct sim_link {
	char name[PF_CL_NAME_MAX];
	uint64_t reservable, reserved;
	int64_t entries;
};

struct sim_links {
	struct sim_link *l; /* sorted by name (etcd's key order) */
	size_t n;
	int64_t entries, orphans; /* ledger entries in all; of no known link */
};

/* Reads every link and sums its ledger at the latest revision. */
int sim_links_load(struct pf_etcd *e, const char *prefix, struct sim_links *s);
void sim_links_free(struct sim_links *s);
/* The link named name, or NULL. */
struct sim_link *sim_links_find(const struct sim_links *s, const char *name);
/* Links whose ledger sum exceeds their reservable rate. */
size_t sim_links_oversold(const struct sim_links *s);

#endif /* PF_SIM_LINKS_H */
