/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Every reservation's counters in a few syscalls: the reservations map and
 * the used range of resv_stats (slots 0..highest in use) in batched lookups
 * of up to PF_STATS_BATCH entries each, per-CPU values summed, joined by
 * slot. For readers that want every flow (metrics) rather than one.
 */
#ifndef PF_STATS_DUMP_H
#define PF_STATS_DUMP_H

#include <stddef.h>
#include "bpf/payflow.h"

#define PF_STATS_BATCH 4096

struct pf_flow_stats {
	struct pf_key key;
	struct pf_stats st; /* summed over CPUs */
};

/* *out (malloc'd, *n entries, in map order) or -errno (pf_last_error). */
int pf_stats_dump(int resv_fd, int stats_fd, struct pf_flow_stats **out, size_t *n);

#endif /* PF_STATS_DUMP_H */
