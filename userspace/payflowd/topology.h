/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The switches payflowd runs (the configured bridges), their enforced ports
 * and the links between them. A link joins two ports of two bridges; the
 * egress of each end carries one direction, so a directed link is the
 * config port it leaves through. Links between local bridges are veth pairs
 * found from the kernel (IFLA_LINK names the peer), or declared in the config
 * (a port's "peer": a physical trunk, a wire the kernel cannot show). The bridges and links
 * must form a forest (docs/CONFIG.md, "Topology"), so a pair has one path.
 */
#ifndef PF_TOPOLOGY_H
#define PF_TOPOLOGY_H

#include <linux/types.h>

struct pf_conf;

#define PF_TOPO_MAX_PORTS 64 /* = PF_CONF_MAX_PORTS */
#define PF_TOPO_MAX_LINKS 32

/* port[0]'s egress carries bridge(port[0]) -> bridge(port[1]); port[1]'s the other way. */
struct pf_topo_link {
	int port[2]; /* config port indexes */
};

/* Indexes are stored plus one so that a zeroed topology means "no bridges, no links". */
struct pf_topo {
	int port_bridge[PF_TOPO_MAX_PORTS]; /* config bridge index + 1 of each config port, 0 = none
					     */
	int port_link[PF_TOPO_MAX_PORTS]; /* link index + 1 of each config port, 0 = an edge port */
	struct pf_topo_link links[PF_TOPO_MAX_LINKS];
	int n_links;
};

/*
 * Finds which configured bridge each port belongs to, the veth links
 * between them and the declared ones, then checks the whole: no host behind two ports, no hosts on
 * a link port, a link excluded at both ends or at neither, no loop. 0 or
 * -EINVAL/-ENODEV with a message naming the culprit.
 */
int pf_topo_build(struct pf_conf *c);
/* The bridge name of a config port, or NULL when it is on no configured bridge. */
const char *pf_topo_bridge_of(const struct pf_conf *c, int port);
/* The port at the other end of a link port, or -1 for an edge port. */
int pf_topo_peer(const struct pf_conf *c, int port);
/* "s1->s2 (port vs1s2)" for a link port, "s1->host (port veth1)" for an edge port. */
void pf_topo_port_name(const struct pf_conf *c, int port, char *buf, unsigned long len);

#endif /* PF_TOPOLOGY_H */
