/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Retry delays for ledger calls: exponential with jitter, so workers that
 * failed together (a node restarting) do not hammer it again in step.
 */
#ifndef PF_BACKOFF_H
#define PF_BACKOFF_H

#include <stdint.h>

/* Attempts per node per check (the first one included). */
#define PF_LEDGER_ATTEMPTS 3
#define PF_BACKOFF_BASE_MS 100
#define PF_BACKOFF_CAP_MS  2000

/*
 * The pause before retry number `retry` (1, 2, ...): base * 2^(retry-1),
 * capped, then a uniformly random point in its upper half. *seed is the
 * caller's random state (rand_r).
 */
uint32_t pf_backoff_ms(unsigned retry, unsigned *seed);

#endif /* PF_BACKOFF_H */
