// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include "userspace/payflowd/topology.h"
#include "userspace/payflowd/config.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

static int bridge_index(const struct pf_conf *c, int ifindex)
{
	for (int b = 0; b < c->n_bridges; b++)
		if (ifindex && (int)if_nametoindex(c->bridges[b].ifname) == ifindex)
			return b;
	return -1;
}

static int master_bridge(const struct pf_conf *c, struct nl_cache *cache, int ifindex)
{
	struct rtnl_link *l = rtnl_link_get(cache, ifindex);
	int b = l ? bridge_index(c, rtnl_link_get_master(l)) : -1;

	if (l)
		rtnl_link_put(l);
	return b;
}

struct discover {
	struct pf_conf *c;
	struct nl_cache *cache;
	int err;
};

/* Bridges joined so far (union-find parents); a link inside one set closes a loop. */
static int root_of(int *up, int b)
{
	while (up[b] != b)
		b = up[b];
	return b;
}

static int link_name(const struct pf_conf *c, int port, int ifindex, char *buf)
{
	if (port >= 0)
		snprintf(buf, PF_IFNAMSIZ, "%s", c->ports[port].ifname);
	else if (!if_indextoname(ifindex, buf))
		snprintf(buf, PF_IFNAMSIZ, "#%d", ifindex);
	return 0;
}

static int add_link(struct pf_conf *c, int ifx[2], int br[2])
{
	struct pf_topo *t = &c->topo;
	char n0[PF_IFNAMSIZ], n1[PF_IFNAMSIZ];
	int port[2];

	if (br[0] > br[1]) { /* name a link from its bridge listed first */
		int b = br[0], x = ifx[0];

		br[0] = br[1], ifx[0] = ifx[1];
		br[1] = b, ifx[1] = x;
	}
	port[0] = pf_conf_port_index(c, ifx[0]);
	port[1] = pf_conf_port_index(c, ifx[1]);

	link_name(c, port[0], ifx[0], n0);
	link_name(c, port[1], ifx[1], n1);
	if (port[0] < 0 && port[1] < 0)
		return 0; /* excluded at both ends: the operator cut it (e.g. STP blocks it) */
	if (br[0] == br[1])
		return pf_fail(-EINVAL, "topology: %s and %s are a link inside bridge %s (a loop)",
			       n0, n1, c->bridges[br[0]].ifname);
	if (port[0] < 0 || port[1] < 0)
		return pf_fail(-EINVAL,
			       "topology: link %s:%s <-> %s:%s is excluded at one end only; "
			       "exclude both ends (the link is not used) or neither",
			       c->bridges[br[0]].ifname, n0, c->bridges[br[1]].ifname, n1);
	if (t->n_links == PF_TOPO_MAX_LINKS)
		return pf_fail(-EINVAL, "topology: more than %d links", PF_TOPO_MAX_LINKS);
	t->links[t->n_links] = (struct pf_topo_link){.port = {port[0], port[1]}};
	t->port_link[port[0]] = t->port_link[port[1]] = ++t->n_links;
	return 0;
}

/* A veth whose peer (IFLA_LINK, same namespace) is a port of another configured bridge. */
static void find_veth_link(struct nl_object *obj, void *arg)
{
	struct rtnl_link *l = (struct rtnl_link *)obj;
	struct discover *x = arg;
	const char *type = rtnl_link_get_type(l);
	int ifx[2] = {rtnl_link_get_ifindex(l), rtnl_link_get_link(l)}, br[2];
	__s32 nsid;

	if (x->err || !type || strcmp(type, "veth") || ifx[1] <= ifx[0])
		return; /* each pair once, from its lower ifindex */
	if (!rtnl_link_get_link_netnsid(l, &nsid))
		return; /* the peer lives in another namespace: a host */
	br[0] = bridge_index(x->c, rtnl_link_get_master(l));
	br[1] = master_bridge(x->c, x->cache, ifx[1]);
	if (br[0] >= 0 && br[1] >= 0)
		x->err = add_link(x->c, ifx, br);
}

static int discover_links(struct pf_conf *c)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct discover x = {.c = c};
	int err;

	if (!sk)
		return pf_fail(-ENOMEM, "out of memory");
	err = nl_connect(sk, NETLINK_ROUTE) ?: rtnl_link_alloc_cache(sk, AF_UNSPEC, &x.cache);
	if (err) {
		nl_socket_free(sk);
		return pf_fail(-EIO, "topology: cannot list the links: %s", nl_geterror(err));
	}
	for (int i = 0; i < c->n_ports; i++)
		c->topo.port_bridge[i] = master_bridge(c, x.cache, c->ports[i].ifindex) + 1;
	nl_cache_foreach(x.cache, find_veth_link, &x);
	nl_cache_free(x.cache);
	nl_socket_free(sk);
	return x.err;
}

/*
 * A link the kernel cannot show (a physical trunk between two local bridges,
 * a wire through another namespace): port i names its far end in "peer".
 * The same checks as a discovered link apply; declaring a veth link that was
 * discovered anyway is allowed.
 */
static int declared_link(struct pf_conf *c, int i)
{
	const struct pf_conf_port *p = &c->ports[i];
	int j = pf_conf_port_index(c, if_nametoindex(p->peer)), l = c->topo.port_link[i];
	int ifx[2], br[2];

	if (j < 0)
		return pf_fail(-EINVAL,
			       "topology: port %s names peer %s, which is not an enforced port "
			       "(no such interface, excluded, or on no configured bridge)",
			       p->ifname, p->peer);
	if (l && c->topo.links[l - 1].port[c->topo.links[l - 1].port[0] == i] == j)
		return 0; /* found already, from the kernel or from j's own "peer" */
	if (l || c->topo.port_link[j] ||
	    (c->ports[j].peer[0] && strcmp(c->ports[j].peer, p->ifname)))
		return pf_fail(-EINVAL,
			       "topology: port %s names peer %s, but one of them is already "
			       "linked to another port",
			       p->ifname, p->peer);
	if (!c->topo.port_bridge[i] || !c->topo.port_bridge[j])
		return pf_fail(-EINVAL,
			       "topology: link %s <-> %s: both ends must be ports of configured "
			       "bridges",
			       p->ifname, p->peer);
	ifx[0] = (int)p->ifindex, ifx[1] = (int)c->ports[j].ifindex;
	br[0] = c->topo.port_bridge[i] - 1, br[1] = c->topo.port_bridge[j] - 1;
	return add_link(c, ifx, br);
}

/* A trunk to another machine ("peer_node" names another node) is a link of
 * the cluster's topology (cluster_glue.c publishes it), an edge port here. */
static bool remote_peer(const struct pf_conf *c, int i)
{
	const char *node = c->ports[i].peer_node;

	return node[0] && strcmp(node, c->cluster.node);
}

static int declared_links(struct pf_conf *c)
{
	for (int i = 0; i < c->n_ports; i++)
		if (c->ports[i].peer[0] && !remote_peer(c, i) && declared_link(c, i))
			return -EINVAL;
	return 0;
}

static int check_loops(const struct pf_conf *c)
{
	int up[PF_TOPO_MAX_PORTS];

	for (int b = 0; b < c->n_bridges; b++)
		up[b] = b;
	for (int i = 0; i < c->topo.n_links; i++) {
		const int *p = c->topo.links[i].port;
		int r0 = root_of(up, c->topo.port_bridge[p[0]] - 1);
		int r1 = root_of(up, c->topo.port_bridge[p[1]] - 1);

		if (r0 == r1)
			return pf_fail(-EINVAL,
				       "topology: link %s:%s <-> %s:%s closes a loop; exclude both "
				       "ends of one link of the loop (the one STP blocks)",
				       pf_topo_bridge_of(c, p[0]), c->ports[p[0]].ifname,
				       pf_topo_bridge_of(c, p[1]), c->ports[p[1]].ifname);
		up[r0] = r1;
	}
	return 0;
}

static bool same_prefix(const struct pf_prefix *a, const struct pf_prefix *b)
{
	return a->len == b->len && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static int check_host(const struct pf_conf *c, int i, const struct pf_prefix *h)
{
	char text[PF_ADDR_STRLEN];

	pf_addr_format(h->addr, text, sizeof(text));
	if (c->topo.port_link[i])
		return pf_fail(-EINVAL,
			       "topology: port %s is a link between bridges %s and %s; host %s "
			       "belongs behind an edge port",
			       c->ports[i].ifname, pf_topo_bridge_of(c, i),
			       pf_topo_bridge_of(c, pf_topo_peer(c, i)), text);
	for (int j = i + 1; j < c->n_ports; j++)
		for (int k = 0; k < c->ports[j].n_hosts; k++)
			if (same_prefix(h, &c->ports[j].hosts[k]))
				return pf_fail(-EINVAL,
					       "topology: host %s is behind two ports, %s and %s",
					       text, c->ports[i].ifname, c->ports[j].ifname);
	return 0;
}

static int check_hosts(const struct pf_conf *c)
{
	for (int i = 0; i < c->n_ports; i++)
		for (int h = 0; h < c->ports[i].n_hosts; h++)
			if (check_host(c, i, &c->ports[i].hosts[h]))
				return -EINVAL;
	return 0;
}

int pf_topo_build(struct pf_conf *c)
{
	memset(&c->topo, 0, sizeof(c->topo));
	return discover_links(c) ?: declared_links(c) ?: check_loops(c) ?: check_hosts(c);
}

const char *pf_topo_bridge_of(const struct pf_conf *c, int port)
{
	int b = port >= 0 ? c->topo.port_bridge[port] : 0;

	return b ? c->bridges[b - 1].ifname : NULL;
}

int pf_topo_peer(const struct pf_conf *c, int port)
{
	int l = c->topo.port_link[port];

	if (!l)
		return -1;
	return c->topo.links[l - 1].port[c->topo.links[l - 1].port[0] == port];
}

void pf_topo_port_name(const struct pf_conf *c, int port, char *buf, unsigned long len)
{
	const char *from = pf_topo_bridge_of(c, port);
	int peer = pf_topo_peer(c, port);

	if (peer >= 0)
		snprintf(buf, len, "link %s->%s (port %s)", from, pf_topo_bridge_of(c, peer),
			 c->ports[port].ifname);
	else
		snprintf(buf, len, "port %s", c->ports[port].ifname);
}
