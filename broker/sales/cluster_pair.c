// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A pair's live cluster reservation; see cluster_pair.h. */
#include "broker/sales/cluster_pair.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "bpf/payflow.h"
#include "userspace/cluster/etcd.h"
#include "userspace/cluster/resv_record.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

/* r is a live grant of the pair key k. */
static int live_for(const struct pf_cl_resv *r, const struct pf_key *k, int64_t now)
{
	__u8 a[16], b[16];
	struct pf_key rk;

	if (r->state != PF_CL_GRANTED || r->end <= now || pf_addr_parse(r->a, a) ||
	    pf_addr_parse(r->b, b))
		return 0;
	pf_key_make(&rk, a, b);
	return !memcmp(&rk, k, sizeof(rk));
}

int pfd_cpair_find(struct pf_etcd *etcd, const char *prefix, const uint8_t ip1[16],
		   const uint8_t ip2[16], int64_t now, char rid[PF_CL_NAME_MAX])
{
	char dir[PF_CL_KEY_MAX];
	struct pf_etcd_kvs kvs = {0};
	struct pf_cl_resv r;
	struct pf_key k;
	int64_t best = 0;
	int err = pf_cl_key_dir(dir, prefix, "resv") ?: pf_etcd_range(etcd, dir, NULL, 0, 0, &kvs);

	pf_key_make(&k, ip1, ip2);
	for (size_t i = 0; !err && i < kvs.n; i++) {
		/* A record that does not decode is not this pair's (the nodes refuse it too). */
		if (pf_cl_resv_decode(kvs.kv[i].value, &r) || !live_for(&r, &k, now) ||
		    r.end <= best)
			continue;
		best = r.end;
		snprintf(rid, PF_CL_NAME_MAX, "%s", pf_cl_key_last(kvs.kv[i].key));
	}
	pf_etcd_kvs_free(&kvs);
	if (!err && !best)
		err = pf_fail(-ENOENT, "the pair has no active reservation in the cluster");
	return err;
}
