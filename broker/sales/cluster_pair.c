// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A pair's cluster reservation; see cluster_pair.h. */
#include "broker/sales/cluster_pair.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "broker/sales/cluster_guard.h"
#include "userspace/cluster/etcd.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

int pfd_cpair_find(const struct pfd *d, struct pf_etcd *etcd, const uint8_t ip1[16],
		   const uint8_t ip2[16], char rid[PF_CL_NAME_MAX])
{
	struct pf_etcd_kvs kvs = {0};
	struct pf_bquote q = {0};
	struct pfd_cguard g;
	int err;

	pf_addr_format(ip1, q.ip1, sizeof(q.ip1));
	pf_addr_format(ip2, q.ip2, sizeof(q.ip2));
	err = pfd_cguard_keys(d, NULL, &q, &g) ?: pf_etcd_get(etcd, g.pair, &kvs);
	if (err == -ENOENT || (!err && kvs.n != 1))
		err = pf_fail(-ENOENT, "the pair has no active reservation in the cluster");
	else if (!err && pf_cl_check_name("reservation", kvs.kv[0].value))
		err = pf_fail(-EINVAL, "%s does not name a reservation", g.pair);
	if (!err)
		snprintf(rid, PF_CL_NAME_MAX, "%s", kvs.kv[0].value);
	pf_etcd_kvs_free(&kvs);
	return err;
}
