/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Per-flow counters for the metrics, read off the event loop: a thread
 * dumps every reservation's counters (batched, stats_dump.h) every period and publishes the
 * result sorted by bytes, largest first. A scrape then costs the loop no
 * syscall per reservation, only a join with its table; the figures are at
 * most one period old.
 */
#ifndef PFD_FLOWSTATS_H
#define PFD_FLOWSTATS_H

#include <stddef.h>
#include "userspace/dataplane/stats_dump.h"

struct pfd_flowstats;

struct pfd_flowsnap {
	int refs; /* under the owner's lock */
	size_t n;
	__u64 at_ns;		 /* when it was read, CLOCK_MONOTONIC */
	struct pf_flow_stats *e; /* sorted by bytes, descending */
};

/* Starts the reader of map_fd; the first snapshot is taken before it returns. */
int pfd_flowstats_start(struct pfd_flowstats **out, int resv_fd, int stats_fd, unsigned period_ms);
/* The latest snapshot (never NULL after a successful start); give it back. */
struct pfd_flowsnap *pfd_flowstats_get(struct pfd_flowstats *fs);
void pfd_flowstats_put(struct pfd_flowstats *fs, struct pfd_flowsnap *s);
void pfd_flowstats_stop(struct pfd_flowstats *fs);

#endif /* PFD_FLOWSTATS_H */
