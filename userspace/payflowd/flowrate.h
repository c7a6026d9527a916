/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Each reserved flow's live rate: the bytes between the two latest distinct
 * flow-counter snapshots (flowstats.h, one a second) over the time between
 * them. Kept by the HTTP side, so a page polling once a second sees rates
 * from the data plane's own counters, not from its own timing.
 */
#ifndef PFD_FLOWRATE_H
#define PFD_FLOWRATE_H

#include "userspace/payflowd/flowstats.h"

struct pfd_flowrate;

/* Takes s in if it is newer than the last one seen; -ENOMEM. */
int pfd_flowrate_update(struct pfd_flowrate **fr, const struct pfd_flowsnap *s);
/* The flow's counters and bit/s now; false when the latest snapshot lacks it. */
bool pfd_flowrate_get(const struct pfd_flowrate *fr, const struct pf_key *key, struct pf_stats *st,
		      double *bps);
void pfd_flowrate_free(struct pfd_flowrate *fr);

#endif /* PFD_FLOWRATE_H */
