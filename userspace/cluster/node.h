/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A payflowd in the cluster: its liveness key P/nodes/NODE under a lease
 * kept alive, and its directed links P/topo/links/LINK (docs/CLUSTER.md).
 * A thread of its own does it, with its own etcd client, so an etcd outage
 * never stalls the daemon's loop or its data plane: it retries, and
 * registers again (a fresh lease) when etcd comes back.
 */
#ifndef PF_CLUSTER_NODE_H
#define PF_CLUSTER_NODE_H

#include <stdint.h>
#include "userspace/cluster/cluster_config.h"
#include "userspace/cluster/topo_port.h"

struct pf_cl_link_desc {
	char name[PF_CL_NAME_MAX]; /* NODE:IFNAME, the egress it names */
	uint64_t capacity_bps, floor_bps;
	struct pf_cl_port port; /* its place in the topology (P/topo/ports/) */
};

typedef void (*pf_cl_log_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct pf_cl_node;

/* Starts the thread; fails only on bad arguments or no memory. */
int pf_cl_node_start(struct pf_cl_node **out, const struct pf_cluster_conf *c,
		     const struct pf_cl_link_desc *links, int n_links, pf_cl_log_fn log);
/* Stops it and revokes the lease (the node key goes at once). */
void pf_cl_node_stop(struct pf_cl_node *n);

#endif /* PF_CLUSTER_NODE_H */
