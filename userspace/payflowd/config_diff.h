/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * What a reload may change (docs/CONFIG.md, "Reload"): prices, level names,
 * levels added at the end, port capacities and hosts, the best-effort rate
 * and floor, hold_ttl, unknown_endpoint, metrics_token and the broker's
 * per-client limits and terms. Everything else (the ports, the bridges and
 * links, mode, paths, listeners, the ledger, a level's rate, removing a
 * level) is fixed while payflowd runs: reservations and sockets depend on it.
 */
#ifndef PF_CONFIG_DIFF_H
#define PF_CONFIG_DIFF_H

#include <stddef.h>
#include "userspace/payflowd/config.h"

/*
 * 0 with `changed` listing the keys that differ ("" when none), or -EINVAL
 * naming the first key that cannot change live (pf_last_error()).
 */
int pf_conf_diff(const struct pf_conf *cur, const struct pf_conf *next, char *changed, size_t len);

#endif /* PF_CONFIG_DIFF_H */
