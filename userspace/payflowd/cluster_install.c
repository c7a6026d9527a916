// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * One cluster reservation in this node's data plane: from its record to the
 * map entry and HTB classes on its ports, and back from the maps after a
 * restart (cluster_enforce.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/payflowd/cluster_enforce.h"
#include "userspace/cluster/resv_id.h"
#include "userspace/common/addr.h"
#include "userspace/common/buf.h"
#include "userspace/common/error.h"
#include "userspace/dataplane/htb.h"
#include "userspace/dataplane/pool.h"
#include "userspace/dataplane/resv.h"
#include "userspace/payflowd/grant_rules.h"
#include "userspace/payflowd/path.h"

#define NS 1000000000LL

static int port_named(const struct pf_conf *c, const char *ifname)
{
	for (int i = 0; i < c->n_ports; i++)
		if (!strcmp(c->ports[i].ifname, ifname))
			return i;
	return -1;
}

static int ports_of(const struct pfd *d, const struct pf_cl_resv *rec, pf_portset *set)
{
	char node[PF_CL_NAME_MAX], ifname[PF_CL_NAME_MAX];

	*set = 0;
	for (int i = 0; i < rec->n_hops; i++) {
		int p;

		if (pf_cl_hop_split(rec->hops[i], node, ifname) ||
		    strcmp(node, d->conf.cluster.node))
			continue;
		p = port_named(&d->conf, ifname);
		if (p < 0)
			return pf_fail(-EINVAL, "hop %s: node %s has no port %s", rec->hops[i],
				       node, ifname);
		*set |= 1ULL << p;
	}
	return 0;
}

int pfd_citem_from(const struct pfd *d, const char *name, const struct pf_cl_resv *rec,
		   struct pfd_citem *it)
{
	const char *bad = NULL;
	__u8 a[16];

	memset(it, 0, sizeof(*it));
	it->id = pf_cl_resv_id(name);
	snprintf(it->name, sizeof(it->name), "%s", name);
	if (pf_key_parse(&it->key, rec->a, rec->b, &bad) || pf_addr_parse(rec->a, a))
		return pf_fail(-EINVAL, "bad address '%s'", bad ? bad : rec->a);
	it->dir = pf_path_dir_of(!memcmp(a, it->key.lo, 16), rec->one_way);
	it->rate_bps = rec->rate_bps;
	it->level = rec->level;
	it->expires_mono = pf_expires_mono(rec->end * NS, pf_wall_ns(), pf_now_ns());
	return ports_of(d, rec, &it->ports);
}

int pfd_citem_install(struct pfd *d, const struct pfd_citem *it)
{
	struct pfd_resv r = {.id = it->id,
			     .key = it->key,
			     .dir = it->dir,
			     .classid = it->classid,
			     .level = it->level,
			     .rate_bps = it->rate_bps,
			     .burst = pf_default_burst(it->rate_bps),
			     .expires_mono = it->expires_mono};
	struct pf_resv e = pfd_map_entry(&r);
	__u32 ifx[PF_CONF_MAX_PORTS];

	return pf_resv_install(&d->dp.maps, &it->key, &e, ifx, pfd_ifindexes(d, it->ports, ifx));
}

void pfd_citem_remove(struct pfd *d, const struct pfd_citem *it)
{
	struct pf_resv cur;
	__u32 ifx[PF_CONF_MAX_PORTS];
	int n;

	if (!pf_resv_lookup(&d->dp.maps, &it->key, &cur) && cur.resv_id == it->id) {
		if (pf_resv_remove(&d->dp.maps, &it->key))
			pfd_logl(PFD_LOG_ERR, "cluster: %s", pf_last_error());
		return;
	}
	/* The entry is gone: whoever removed it parked its leaf (pf_resv_remove),
	 * which may be another reservation's by now; a class 1:N of a node
	 * older than the pool is its own. */
	if (pf_classid_pooled(it->classid))
		return;
	n = pfd_ifindexes(d, it->ports, ifx);
	for (int i = 0; i < n; i++)
		if (pf_htb_class_del(ifx[i], it->classid & 0xffff))
			pfd_logl(PFD_LOG_ERR, "cluster: %s", pf_last_error());
}

/* The cluster entries of the maps, as items, sorted by class; each port where
 * its class has a rate (a pooled leaf is on every port, parked where unused)
 * is one of its hops. */
struct adopt {
	struct pfd_citem *items;
	size_t n, cap;
	int port;
};

static int by_class(const void *a, const void *b)
{
	__u32 x = ((const struct pfd_citem *)a)->classid,
	      y = ((const struct pfd_citem *)b)->classid;

	return x < y ? -1 : x > y;
}

static void note_class(__u32 classid, __u64 rate_bps, void *ctx)
{
	struct adopt *a = ctx;
	struct pfd_citem want = {.classid = classid}, *it;

	if (pf_pool_is_leaf(classid) && rate_bps <= PF_POOL_PARK_BPS)
		return;
	it = bsearch(&want, a->items, a->n, sizeof(*it), by_class);
	if (it)
		it->ports |= 1ULL << a->port;
}

static int note_entry(const struct pf_key *key, const struct pf_resv *e, void *ctx)
{
	struct adopt *a = ctx;
	struct pfd_citem *it;

	if (!pf_cl_resv_id_is(e->resv_id))
		return 0;
	if (a->n == a->cap) {
		it = pf_grow(a->items, &a->cap, a->n + 1, sizeof(*it));
		if (!it)
			return pf_fail(-ENOMEM, "out of memory");
		a->items = it;
	}
	it = &a->items[a->n++];
	*it = (struct pfd_citem){.id = e->resv_id,
				 .key = *key,
				 .classid = e->classid,
				 .rate_bps = e->rate_bps,
				 .level = e->level,
				 .expires_mono = e->expires_at};
	it->dir = e->flags & PF_RESV_F_LO_TO_HI	  ? PF_DIR_LO_HI
		  : e->flags & PF_RESV_F_HI_TO_LO ? PF_DIR_HI_LO
						  : PF_DIR_BOTH;
	snprintf(it->name, sizeof(it->name), "(id %llx)", (unsigned long long)e->resv_id);
	return 0;
}

int pfd_citem_adopt_all(struct pfd *d, void (*cb)(struct pfd *d, struct pfd_citem *it))
{
	struct adopt a = {0};
	int err = pf_resv_foreach(&d->dp.maps, note_entry, &a);

	if (!err && a.n) {
		qsort(a.items, a.n, sizeof(*a.items), by_class);
		for (a.port = 0; a.port < d->conf.n_ports; a.port++)
			pf_htb_class_foreach(d->conf.ports[a.port].ifindex, note_class, &a);
		for (size_t i = 0; i < a.n; i++)
			cb(d, &a.items[i]);
	}
	free(a.items);
	return err;
}
