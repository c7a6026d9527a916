/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A pair's cluster reservation (docs/CLUSTER.md, "Selling in cluster
 * mode"): the one question STATUS by pair asks etcd. A grant claims
 * P/pairs/PAIR = RESV under the reservation's lease (cluster_guard.h), and
 * an extension moves it to its new lease, so the key names the pair's live
 * reservation for as long as it lasts.
 */
#ifndef PFD_CLUSTER_PAIR_H
#define PFD_CLUSTER_PAIR_H

#include <stdint.h>
#include "userspace/cluster/keys.h"

struct pfd;
struct pf_etcd;

/* The name of the reservation of the unordered pair {ip1, ip2} in rid (d
 * gives the cluster's prefix). -ENOENT when the pair has none (message says
 * so); -EIO etcd's failure. */
int pfd_cpair_find(const struct pfd *d, struct pf_etcd *etcd, const uint8_t ip1[16],
		   const uint8_t ip2[16], char rid[PF_CL_NAME_MAX]);

#endif /* PFD_CLUSTER_PAIR_H */
