/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The rules of a reservation's life, apart from where it is stored:
 * hold -> active -> expired | revoked. A grant on a pair that is already
 * active extends its end or raises its rate, never shortens or lowers it.
 */
#ifndef PF_GRANT_RULES_H
#define PF_GRANT_RULES_H

#include <linux/types.h>
#include "userspace/payflowd/store.h"

struct pf_grant {
	__u64 rate_bps;
	__s64 end_wall_ns;
	__u32 level;
	__u32 burst;
};

/*
 * Merges a grant into the active reservation cur: the end becomes the later
 * one, the rate the higher one (with its level and burst). Returns the rate
 * increase admission must find room for (0 when the rate stays).
 */
__u64 pf_grant_merge(struct pf_store_resv *cur, const struct pf_grant *g);
/* The data plane's expires_at (CLOCK_BOOTTIME) for a wall-clock end, or 0
 * when the end has passed: an expired reservation is never resurrected. */
__u64 pf_expires_mono(__s64 end_wall_ns, __s64 now_wall_ns, __u64 now_mono_ns);

#endif /* PF_GRANT_RULES_H */
