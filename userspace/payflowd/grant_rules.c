// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include "userspace/payflowd/grant_rules.h"

__u64 pf_grant_merge(struct pf_store_resv *cur, const struct pf_grant *g)
{
	__u64 raise = 0;

	if (g->end_wall_ns > cur->end_wall_ns)
		cur->end_wall_ns = g->end_wall_ns;
	if (g->rate_bps > cur->rate_bps) {
		raise = g->rate_bps - cur->rate_bps;
		cur->rate_bps = g->rate_bps;
		cur->level = g->level;
		cur->burst = g->burst;
	}
	return raise;
}

__u64 pf_expires_mono(__s64 end_wall_ns, __s64 now_wall_ns, __u64 now_mono_ns)
{
	if (end_wall_ns <= now_wall_ns)
		return 0;
	return now_mono_ns + (__u64)(end_wall_ns - now_wall_ns);
}
