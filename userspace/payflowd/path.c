// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "userspace/payflowd/path.h"
#include "userspace/payflowd/config.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

static int endpoint_port(const struct pf_conf *c, const __u8 addr[16])
{
	char text[PF_ADDR_STRLEN];
	int port = pf_conf_port_of(c, addr);

	if (port >= 0)
		return port;
	return pf_fail(-ENOENT, "%s is on no configured port (add it to a port's \"hosts\")",
		       pf_addr_format(addr, text, sizeof(text)));
}

/*
 * Breadth first over the bridges from `from`; in[b] is the link port (on the
 * side nearer `from`) through which b was first reached. Links are visited
 * in the order they were found (ascending ifindex of their lower end); the
 * topology is a forest, so the path is the only one anyway.
 */
static bool reach(const struct pf_conf *c, int from, int to, int *in)
{
	int queue[PF_TOPO_MAX_PORTS], head = 0, tail = 0;
	bool seen[PF_TOPO_MAX_PORTS] = {0};

	queue[tail++] = from;
	seen[from] = true;
	while (head < tail) {
		int b = queue[head++];

		if (b == to)
			return true;
		for (int i = 0; i < c->topo.n_links; i++) {
			const int *p = c->topo.links[i].port;

			for (int side = 0; side < 2; side++) {
				int next = c->topo.port_bridge[p[!side]] - 1;

				if (c->topo.port_bridge[p[side]] - 1 != b || seen[next])
					continue;
				seen[next] = true;
				in[next] = p[side];
				queue[tail++] = next;
			}
		}
	}
	return false;
}

/* Appends the link hops from bridge `from` to `to`, and back, to both directions. */
static int link_hops(const struct pf_conf *c, int from, int to, struct pf_path *p, int dir)
{
	int in[PF_TOPO_MAX_PORTS], rev[PF_PATH_MAX_HOPS], n = 0;

	if (!reach(c, from, to, in))
		return pf_fail(-EHOSTUNREACH,
			       "no path from bridge %s to bridge %s: no link joins them",
			       c->bridges[from].ifname, c->bridges[to].ifname);
	for (int b = to; b != from; b = c->topo.port_bridge[rev[n - 1]] - 1)
		rev[n++] = in[b];
	for (int i = n - 1; i >= 0; i--)
		p->hop[dir][p->n[dir]++] = rev[i];
	for (int i = 0; i < n; i++)
		p->hop[!dir][p->n[!dir]++] = pf_topo_peer(c, rev[i]);
	return 0;
}

int pf_path_find(const struct pf_conf *c, const struct pf_key *key, struct pf_path *p)
{
	int lo = endpoint_port(c, key->lo), hi, blo, bhi;

	memset(p, 0, sizeof(*p));
	if (lo < 0)
		return lo;
	hi = endpoint_port(c, key->hi);
	if (hi < 0)
		return hi;
	blo = c->topo.port_bridge[lo] - 1;
	bhi = c->topo.port_bridge[hi] - 1;
	if (blo >= 0 && bhi >= 0 && blo != bhi) {
		int err = link_hops(c, blo, bhi, p, 0);

		if (err)
			return err;
	}
	p->hop[0][p->n[0]++] = hi;
	p->hop[1][p->n[1]++] = lo;
	return 0;
}

__u64 pf_path_ports(const struct pf_path *p, enum pf_path_dir dirs)
{
	__u64 set = 0;

	for (int d = 0; d < 2; d++)
		for (int i = 0; dirs & (1 << d) && i < p->n[d]; i++)
			set |= 1ULL << p->hop[d][i];
	return set;
}
