/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A pair's live cluster reservation (docs/CLUSTER.md, "Selling in cluster
 * mode"): the one question STATUS by pair asks etcd. It lists P/resv/ for
 * now (one read of every record); a per-pair key P/pairs/PAIR naming the
 * record replaces that listing here alone.
 */
#ifndef PFD_CLUSTER_PAIR_H
#define PFD_CLUSTER_PAIR_H

#include <stdint.h>
#include "userspace/cluster/keys.h"

struct pf_etcd;

/*
 * The name of the granted record of the unordered pair {ip1, ip2} whose end
 * is after now (of several, the latest end) in rid. -ENOENT when there is
 * none (message says so); -EIO etcd's failure.
 */
int pfd_cpair_find(struct pf_etcd *etcd, const char *prefix, const uint8_t ip1[16],
		   const uint8_t ip2[16], int64_t now, char rid[PF_CL_NAME_MAX]);

#endif /* PFD_CLUSTER_PAIR_H */
