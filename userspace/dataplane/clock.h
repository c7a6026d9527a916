/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The data plane's clock. expires_at is CLOCK_BOOTTIME, which counts through
 * a suspend as wall-clock ends do. The programs read the coarse CLOCK_MONOTONIC
 * and add config.boot_offset_ns (bpf/enforce.h, pf_now): a suspend changes that
 * offset, so whoever runs the data plane keeps it current with pf_clock_sync.
 */
#ifndef PF_DP_CLOCK_H
#define PF_DP_CLOCK_H

#include <stdint.h>
#include <linux/types.h>
#include "userspace/dataplane/dataplane.h"

/* CLOCK_BOOTTIME in ns: the clock of expires_at. */
__u64 pf_now_ns(void);
/* CLOCK_BOOTTIME - CLOCK_MONOTONIC now, in ns (0 until the first suspend). */
__s64 pf_boot_offset_ns(void);
/*
 * Writes the offset into the config map if it moved by more than a
 * millisecond from *last (the value this caller wrote or read last; start
 * with PF_CLOCK_UNKNOWN). Cheap when nothing changed: two clock reads.
 * 1 when it wrote, 0 when nothing changed, -errno on failure.
 */
#define PF_CLOCK_UNKNOWN INT64_MIN
int pf_clock_sync(const struct pf_maps *m, __s64 *last);

#endif /* PF_DP_CLOCK_H */
