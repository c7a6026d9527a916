/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * An attached port's configured rates, changed in place: the HTB root class
 * (the port's capacity) and best-effort class, and the port's record in the
 * ports map. For a start or reload after a capacity or best-effort change:
 * nothing is detached, no reservation ends.
 */
#ifndef PF_PORT_RATES_H
#define PF_PORT_RATES_H

#include <stdbool.h>
#include <linux/types.h>
#include "userspace/dataplane/dataplane.h"

/* 0 with *was (the recorded rates) filled, or -errno (-ENOENT: not attached). */
int pf_port_rates_set(const struct pf_maps *m, __u32 ifindex, __u64 capacity_bps, __u64 be_rate_bps,
		      struct pf_port *was);

#endif /* PF_PORT_RATES_H */
