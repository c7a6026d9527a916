// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * payflowd's part in cluster mode: registers this node in etcd and
 * publishes the directed link each of its ports' egress is, as NODE:IFNAME
 * with the port's capacity and the best-effort floor (docs/CLUSTER.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "userspace/common/addr.h"
#include "userspace/cluster/node.h"
#include "userspace/payflowd/payflowd.h"
#include "userspace/payflowd/cluster_enforce.h"
#include "userspace/common/error.h"

/* "ADDR/LEN", IPv4 with its own length (the key space stores it as /96+n). */
static void prefix_text(const struct pf_prefix *p, char *out, size_t len)
{
	char addr[PF_ADDR_STRLEN];
	bool v4 = pf_addr_is_v4(p->addr);

	snprintf(out, len, "%s/%d", pf_addr_format(p->addr, addr, sizeof(addr)),
		 v4 ? p->len - 96 : p->len);
}

/* Port i's place in the cluster's topology: bridge, hosts, the link's far end. */
static int port_record(const struct pf_conf *c, int i, struct pf_cl_port *p)
{
	const struct pf_conf_port *cp = &c->ports[i];
	const char *bridge = pf_topo_bridge_of(c, i);
	int peer = pf_topo_peer(c, i), n = 0;

	snprintf(p->bridge, sizeof(p->bridge), "%s", bridge ? bridge : "");
	if (cp->peer_node[0])
		n = snprintf(p->peer, sizeof(p->peer), "%s:%s", cp->peer_node, cp->peer);
	else if (peer >= 0)
		n = snprintf(p->peer, sizeof(p->peer), "%s:%s", c->cluster.node,
			     c->ports[peer].ifname);
	if (n >= (int)sizeof(p->peer))
		return pf_fail(-EINVAL, "cluster: port %s: peer name %s is too long", cp->ifname,
			       p->peer);
	for (int h = 0; !p->peer[0] && h < cp->n_hosts && h < PF_CL_PORT_HOSTS; h++)
		prefix_text(&cp->hosts[h], p->hosts[p->n_hosts++], PF_CL_PREFIX_TEXT);
	return 0;
}

static int link_desc(const struct pf_conf *c, int i, struct pf_cl_link_desc *l)
{
	if (snprintf(l->name, sizeof(l->name), "%s:%s", c->cluster.node, c->ports[i].ifname) >=
	    (int)sizeof(l->name))
		return pf_fail(-EINVAL, "cluster: link name %s:%s is longer than %d",
			       c->cluster.node, c->ports[i].ifname, PF_CL_NAME_MAX - 1);
	l->capacity_bps = c->ports[i].capacity_bps;
	l->floor_bps = c->be_floor_bps;
	snprintf(l->port.link, sizeof(l->port.link), "%s", l->name);
	return port_record(c, i, &l->port);
}

int pfd_cluster_start(struct pfd *d)
{
	const struct pf_conf *c = &d->conf;
	struct pf_cl_link_desc *links;
	int err = 0;

	if (!c->cluster.enabled)
		return 0;
	links = calloc(c->n_ports ?: 1, sizeof(*links));
	if (!links)
		return pf_fail(-ENOMEM, "out of memory");
	for (int i = 0; !err && i < c->n_ports; i++)
		err = link_desc(c, i, &links[i]);
	pfd_log("cluster: node %s, etcd %s, prefix %s", c->cluster.node, c->cluster.endpoints,
		c->cluster.prefix);
	if (!err)
		err = pf_cl_node_start(&d->cluster, &c->cluster, links, c->n_ports, pfd_log);
	free(links);
	return err ?: pfd_cenf_start(d) ?: pfd_csell_start(d);
}

void pfd_cluster_stop(struct pfd *d)
{
	pfd_csell_stop(d);
	pfd_cenf_stop(d);
	pf_cl_node_stop(d->cluster);
	d->cluster = NULL;
}
