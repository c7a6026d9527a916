// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "userspace/payflowd/link_ledger.h"

void pf_ll_init(struct pf_ll *l, int n_links, const __u64 *capacity_bps, __u64 floor_bps)
{
	memset(l, 0, sizeof(*l));
	l->n_links = n_links < PF_LL_MAX_LINKS ? n_links : PF_LL_MAX_LINKS;
	pf_ll_set_capacity(l, capacity_bps, floor_bps);
}

void pf_ll_set_capacity(struct pf_ll *l, const __u64 *capacity_bps, __u64 floor_bps)
{
	for (int i = 0; i < l->n_links; i++)
		l->reservable_bps[i] =
		    capacity_bps[i] > floor_bps ? capacity_bps[i] - floor_bps : 0;
}

__u64 pf_ll_free(const struct pf_ll *l, int link)
{
	__u64 res = l->reservable_bps[link], used = l->reserved_bps[link];

	return used < res ? res - used : 0;
}

int pf_ll_reserve(struct pf_ll *l, pf_linkset set, __u64 bps, int *full)
{
	for (int i = 0; i < l->n_links; i++)
		if ((set & (1ULL << i)) && bps > pf_ll_free(l, i)) {
			*full = i;
			return -ENOSPC;
		}
	pf_ll_restore(l, set, bps);
	return 0;
}

void pf_ll_restore(struct pf_ll *l, pf_linkset set, __u64 bps)
{
	for (int i = 0; i < l->n_links; i++)
		if (set & (1ULL << i))
			l->reserved_bps[i] += bps;
}

void pf_ll_release(struct pf_ll *l, pf_linkset set, __u64 bps)
{
	for (int i = 0; i < l->n_links; i++)
		if (set & (1ULL << i))
			l->reserved_bps[i] -= bps < l->reserved_bps[i] ? bps : l->reserved_bps[i];
}
