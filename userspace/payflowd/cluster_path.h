/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A pair's path across machines, over the cluster's topology read from
 * etcd (userspace/cluster/topo_port.h). The topology is laid out as a
 * configuration (bridges are NODE/BRIDGE, ports NODE:IFNAME, links the
 * ports' "peer") so that path.c's breadth-first search finds it: the same
 * rules and the same determinism as on one machine.
 */
#ifndef PFD_CLUSTER_PATH_H
#define PFD_CLUSTER_PATH_H

#include <stdbool.h>
#include <linux/types.h>
#include "userspace/cluster/resv_record.h"
#include "userspace/cluster/topo_port.h"

/*
 * The directed links NODE:IFNAME a -> b crosses, then the way back unless
 * one_way, into hops; *n their number. -ENOENT when a host is behind no
 * port of the topology, -EHOSTUNREACH when no links join them, -E2BIG when
 * the path has more than PF_CL_MAX_PATH hops or the topology more ports
 * than the search takes; -EINVAL for a bad host prefix in the topology.
 */
int pfd_cluster_path(const struct pf_cl_topo *t, const __u8 a[16], const __u8 b[16], bool one_way,
		     char hops[PF_CL_MAX_PATH][PF_CL_NAME_MAX], int *n);

#endif /* PFD_CLUSTER_PATH_H */
