// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A pair's path over the cluster's topology, found by path.c; see cluster_path.h. */
#include "userspace/payflowd/cluster_path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/payflowd/config.h"
#include "userspace/payflowd/path.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

/* The bridge index of port p (NODE and BRIDGE alike), adding it when new. */
static int bridge_of(const struct pf_cl_topo *t, int p, int *bridge_port, int *n_bridges)
{
	const char *colon = strchr(t->ports[p].link, ':');
	size_t node_len = colon ? (size_t)(colon - t->ports[p].link) : 0;

	for (int b = 0; b < *n_bridges; b++) {
		const struct pf_cl_port *q = &t->ports[bridge_port[b]];

		if (!strcmp(q->bridge, t->ports[p].bridge) &&
		    !strncmp(q->link, t->ports[p].link, node_len + 1))
			return b;
	}
	bridge_port[*n_bridges] = p;
	return (*n_bridges)++;
}

static int port_named(const struct pf_cl_topo *t, const char *link)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->ports[i].link, link))
			return i;
	return -1;
}

/* Two ports on bridges naming each other as "peer" (both ends published and
 * agreeing: one machine's word alone does not make a trunk). */
static void add_links(const struct pf_cl_topo *t, struct pf_conf *c)
{
	struct pf_topo *topo = &c->topo;

	for (int i = 0; i < t->n && topo->n_links < PF_TOPO_MAX_LINKS; i++) {
		int j = t->ports[i].peer[0] ? port_named(t, t->ports[i].peer) : -1;

		if (j < 0 || j == i || strcmp(t->ports[j].peer, t->ports[i].link) ||
		    topo->port_link[i] || topo->port_link[j] || !topo->port_bridge[i] ||
		    !topo->port_bridge[j] || topo->port_bridge[i] == topo->port_bridge[j])
			continue;
		topo->links[topo->n_links] = (struct pf_topo_link){.port = {i, j}};
		topo->port_link[i] = topo->port_link[j] = ++topo->n_links;
	}
}

static int lay_out(const struct pf_cl_topo *t, struct pf_conf *c)
{
	int bridge_port[PF_CONF_MAX_PORTS];

	if (t->n > PF_CONF_MAX_PORTS)
		return pf_fail(-E2BIG,
			       "the cluster's topology has %d ports; the path search takes at "
			       "most %d",
			       t->n, PF_CONF_MAX_PORTS);
	c->n_ports = t->n;
	for (int i = 0; i < t->n; i++) {
		struct pf_conf_port *p = &c->ports[i];

		if (t->ports[i].bridge[0])
			c->topo.port_bridge[i] = bridge_of(t, i, bridge_port, &c->n_bridges) + 1;
		for (int h = 0; !t->ports[i].peer[0] && h < t->ports[i].n_hosts; h++)
			if (pf_prefix_parse(t->ports[i].hosts[h], &p->hosts[p->n_hosts++]))
				return pf_fail(-EINVAL, "topology port %s: bad host prefix %s",
					       t->ports[i].link, t->ports[i].hosts[h]);
	}
	add_links(t, c);
	return 0;
}

/* The path's ports as NODE:IFNAME: a -> b (the key's direction a_dir), then back. */
static int name_hops(const struct pf_cl_topo *t, const struct pf_path *p, int a_dir, bool one_way,
		     char hops[PF_CL_MAX_PATH][PF_CL_NAME_MAX], int *n)
{
	int total = p->n[a_dir] + (one_way ? 0 : p->n[!a_dir]);

	if (total > PF_CL_MAX_PATH)
		return pf_fail(-E2BIG, "the path has %d hops; a record holds at most %d", total,
			       PF_CL_MAX_PATH);
	*n = 0;
	for (int d = 0; d < (one_way ? 1 : 2); d++) {
		int dir = d ? !a_dir : a_dir;

		for (int i = 0; i < p->n[dir]; i++)
			snprintf(hops[(*n)++], PF_CL_NAME_MAX, "%s", t->ports[p->hop[dir][i]].link);
	}
	return 0;
}

static bool same_node(const char *x, const char *y)
{
	size_t n = strcspn(x, ":");

	return n == strcspn(y, ":") && !strncmp(x, y, n);
}

/* path.c's errors, said in the cluster's terms. */
static int explain(const struct pf_conf *c, const struct pf_cl_topo *t, const __u8 a[16],
		   const __u8 b[16], int err)
{
	char ta[PF_ADDR_STRLEN], tb[PF_ADDR_STRLEN];
	int pa = pf_conf_port_of(c, a), pb = pf_conf_port_of(c, b);

	pf_addr_format(a, ta, sizeof(ta));
	pf_addr_format(b, tb, sizeof(tb));
	if (err == -ENOENT)
		return pf_fail(-ENOENT,
			       "host %s is behind no port of the cluster's topology (no port "
			       "under P/topo/ports/ lists it in \"hosts\")",
			       pa < 0 ? ta : tb);
	if (err == -EHOSTUNREACH)
		return pf_fail(-EHOSTUNREACH,
			       "no path from %s (port %s) to %s (port %s): no chain of links "
			       "between machines joins their bridges",
			       ta, t->ports[pa].link, tb, t->ports[pb].link);
	return err;
}

int pfd_cluster_path(const struct pf_cl_topo *t, const __u8 a[16], const __u8 b[16], bool one_way,
		     char hops[PF_CL_MAX_PATH][PF_CL_NAME_MAX], int *n)
{
	struct pf_conf *c = calloc(1, sizeof(*c));
	struct pf_key key;
	struct pf_path p;
	int a_lo, err;

	*n = 0;
	if (!c)
		return pf_fail(-ENOMEM, "out of memory");
	a_lo = pf_key_make(&key, a, b);
	err = lay_out(t, c);
	if (!err)
		err = pf_path_find(c, &key, &p);
	/* Ports on no bridge have no link hops: fine on one machine, not across two. */
	if (!err && p.n[0] == 1 &&
	    !same_node(t->ports[p.hop[0][0]].link, t->ports[p.hop[1][0]].link))
		err = -EHOSTUNREACH;
	if (err)
		err = explain(c, t, a, b, err);
	else
		err = name_hops(t, &p, a_lo ? 0 : 1, one_way, hops, n);
	free(c);
	return err;
}
