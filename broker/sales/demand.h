/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A price that follows demand (docs/CONFIG.md levels[].demand_k, demand_cap):
 * per second, base x (1 + k u^2), at most base x cap, with u the reserved
 * fraction of the busiest link. k, cap and u are in millionths (ppm), so
 * the arithmetic is exact on integers: price = base + floor(base x k_ppm x
 * u_ppm^2 / 10^18), then min(price, floor(base x cap_ppm / 10^6)).
 */
#ifndef PF_DEMAND_H
#define PF_DEMAND_H

#include <stdint.h>
#include "broker/eth/amount.h"

#define PF_PPM 1000000ULL

/* out = the price per second for base (a canonical decimal) at utilisation u_ppm
 * (above 10^6 counts as 10^6). k_ppm 0 = fixed: out = base. 0, -EINVAL, -ERANGE. */
int pf_demand_price(const char *base, uint64_t k_ppm, uint64_t cap_ppm, uint64_t u_ppm,
		    char out[PF_AMOUNT_MAX]);

#endif
