// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "userspace/payflowd/admission.h"
#include "userspace/payflowd/path.h"
#include "userspace/common/units.h"
#include "userspace/common/error.h"

void pf_adm_init(struct pf_adm *a, const struct pf_conf *c)
{
	__u64 cap[PF_CONF_MAX_PORTS];

	a->conf = c;
	for (int i = 0; i < c->n_ports; i++)
		cap[i] = c->ports[i].capacity_bps;
	pf_ll_init(&a->ll, c->n_ports, cap, c->be_floor_bps);
}

int pf_adm_ports(const struct pf_adm *a, const struct pf_key *key, int dirs, pf_portset *out)
{
	struct pf_path p;
	int err = pf_path_find(a->conf, key, &p);

	*out = 0;
	if (err == -ENOENT && a->conf->allow_unknown_endpoint) {
		for (int i = 0; i < a->conf->n_ports; i++)
			*out |= 1ULL << i;
		return 0;
	}
	if (!err)
		*out = pf_path_ports(&p, dirs);
	return err;
}

__u64 pf_adm_free(const struct pf_adm *a, int port)
{
	return pf_ll_free(&a->ll, port);
}

int pf_adm_check(const struct pf_adm *a, pf_portset set, __u64 add_bps)
{
	for (int i = 0; i < a->conf->n_ports; i++) {
		char want[32], free[32], cap[32], name[96];

		if (!(set & (1ULL << i)) || add_bps <= pf_adm_free(a, i))
			continue;
		pf_topo_port_name(a->conf, i, name, sizeof(name));
		return pf_fail(-ENOSPC,
			       "%s has %s free of %s reservable (capacity minus the "
			       "best-effort floor); %s more was asked",
			       name, pf_rate_format(pf_adm_free(a, i), free, sizeof(free)),
			       pf_rate_format(a->ll.reservable_bps[i], cap, sizeof(cap)),
			       pf_rate_format(add_bps, want, sizeof(want)));
	}
	return 0;
}

__u64 pf_adm_util_ppm(const struct pf_adm *a, pf_portset set, __u64 add_bps)
{
	__u64 worst = 0;

	for (int i = 0; i < a->conf->n_ports; i++) {
		unsigned __int128 used =
		    (unsigned __int128)(a->ll.reserved_bps[i] + add_bps) * 1000000;
		__u64 u =
		    a->ll.reservable_bps[i] ? (__u64)(used / a->ll.reservable_bps[i]) : 1000000;

		if (u > 1000000)
			u = 1000000;
		if ((set & (1ULL << i)) && u > worst)
			worst = u;
	}
	return worst;
}

void pf_adm_charge(struct pf_adm *a, pf_portset set, __u64 bps)
{
	pf_ll_restore(&a->ll, set, bps);
}

void pf_adm_release(struct pf_adm *a, pf_portset set, __u64 bps)
{
	pf_ll_release(&a->ll, set, bps);
}
