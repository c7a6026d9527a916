/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The cluster's topology for path finding (docs/CLUSTER.md, "Topology"):
 * each node publishes, per configured port NODE:IFNAME, the bridge it is a
 * member of, the hosts behind it (an edge port) and, for a link, the port
 * at its far end as NODE:IFNAME (another machine's for a trunk between
 * machines). One JSON object under P/topo/ports/NODE:IFNAME, no lease (like
 * P/topo/links/, the topology stays while a node restarts):
 *
 *   {"bridge": "br0" or "", "hosts": ["10.0.0.1/32", ...], "peer": "s2:t21" or ""}
 *
 * A broker reads them all to find a pair's path across machines.
 */
#ifndef PF_CLUSTER_TOPO_PORT_H
#define PF_CLUSTER_TOPO_PORT_H

#include "userspace/cluster/etcd.h"
#include "userspace/cluster/keys.h"

#define PF_CL_PORT_HOSTS  64
#define PF_CL_PREFIX_TEXT 50 /* an IPv6 address, "/" and a length */

struct pf_cl_port {
	char link[PF_CL_NAME_MAX];   /* NODE:IFNAME */
	char bridge[PF_CL_NAME_MAX]; /* "" when the port is on no bridge */
	char peer[PF_CL_NAME_MAX];   /* NODE:IFNAME of the far end of a link, or "" */
	int n_hosts;
	char hosts[PF_CL_PORT_HOSTS][PF_CL_PREFIX_TEXT];
};

/* The whole topology as read at one revision (pf_cl_topo_free() it). */
struct pf_cl_topo {
	struct pf_cl_port *ports;
	int n;
	int64_t revision;
};

/* The port's JSON (malloc'd in *out); -EINVAL on a bad name, -ENOMEM. */
int pf_cl_port_encode(const struct pf_cl_port *p, char **out);
/* Parses a port's JSON for link; -EINVAL naming the bad field. */
int pf_cl_port_decode(const char *link, const char *json, struct pf_cl_port *p);
/* Writes P/topo/ports/LINK. */
int pf_cl_port_put(struct pf_etcd *e, const char *prefix, const struct pf_cl_port *p);
/* Reads every P/topo/ports/ key; a bad record is refused with its key named. */
int pf_cl_topo_read(struct pf_etcd *e, const char *prefix, struct pf_cl_topo *t);
void pf_cl_topo_free(struct pf_cl_topo *t);

#endif /* PF_CLUSTER_TOPO_PORT_H */
