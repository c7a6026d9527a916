// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * payflowd's part in cluster mode: registers this node in etcd and
 * publishes the directed link each of its ports' egress is, as NODE:IFNAME
 * with the port's capacity and the best-effort floor (docs/CLUSTER.md).
 */
#include <errno.h>
#include <stdio.h>
#include "userspace/cluster/node.h"
#include "userspace/payflowd/payflowd.h"
#include "userspace/payflowd/cluster_enforce.h"
#include "userspace/common/error.h"

int pfd_cluster_start(struct pfd *d)
{
	const struct pf_conf *c = &d->conf;
	struct pf_cl_link_desc links[PF_CONF_MAX_PORTS];

	if (!c->cluster.enabled)
		return 0;
	for (int i = 0; i < c->n_ports; i++) {
		struct pf_cl_link_desc *l = &links[i];

		if (snprintf(l->name, sizeof(l->name), "%s:%s", c->cluster.node,
			     c->ports[i].ifname) >= (int)sizeof(l->name))
			return pf_fail(-EINVAL, "cluster: link name %s:%s is longer than %d",
				       c->cluster.node, c->ports[i].ifname, PF_CL_NAME_MAX - 1);
		l->capacity_bps = c->ports[i].capacity_bps;
		l->floor_bps = c->be_floor_bps;
	}
	pfd_log("cluster: node %s, etcd %s, prefix %s", c->cluster.node, c->cluster.endpoints,
		c->cluster.prefix);
	return pf_cl_node_start(&d->cluster, &c->cluster, links, c->n_ports, pfd_log)
		   ?: pfd_cenf_start(d);
}

void pfd_cluster_stop(struct pfd *d)
{
	pfd_cenf_stop(d);
	pf_cl_node_stop(d->cluster);
	d->cluster = NULL;
}
