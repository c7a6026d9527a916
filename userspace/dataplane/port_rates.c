// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "userspace/dataplane/port_rates.h"
#include "userspace/dataplane/htb.h"
#include "userspace/common/error.h"

int pf_port_rates_set(const struct pf_maps *m, __u32 ifindex, __u64 capacity_bps, __u64 be_rate_bps,
		      struct pf_port *was)
{
	struct pf_port p;
	int err;

	if (bpf_map_lookup_elem(m->ports, &ifindex, &p))
		return pf_fail(-ENOENT, "ifindex %u is not attached", ifindex);
	*was = p;
	if (!capacity_bps || !be_rate_bps || be_rate_bps > capacity_bps)
		return pf_fail(-EINVAL,
			       "%s: the best-effort rate must be above 0 and at most the "
			       "capacity",
			       p.ifname);
	err = pf_htb_rates_set(ifindex, capacity_bps, be_rate_bps);
	if (err)
		return pf_fail(err, "%s: %s", p.ifname, pf_last_error());
	p.capacity_bps = capacity_bps;
	p.be_rate_bps = be_rate_bps;
	if (bpf_map_update_elem(m->ports, &ifindex, &p, BPF_EXIST))
		return pf_fail(-errno, "%s: cannot record its rates: %s", p.ifname,
			       strerror(errno));
	return 0;
}
