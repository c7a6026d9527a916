// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include "broker/sales/demand.h"

int pf_demand_price(const char *base, uint64_t k_ppm, uint64_t cap_ppm, uint64_t u_ppm,
		    char out[PF_AMOUNT_MAX])
{
	struct pf_u256 b, extra, price, cap;

	if (pf_u256_parse_dec(base, &b))
		return -EINVAL;
	if (u_ppm > PF_PPM)
		u_ppm = PF_PPM;
	/* base x k x u^2 / 10^18, rounded down once, at the end. */
	if (pf_u256_mul_u64(&b, k_ppm, &extra) || pf_u256_mul_u64(&extra, u_ppm, &extra) ||
	    pf_u256_mul_u64(&extra, u_ppm, &extra) ||
	    pf_u256_prorata(&extra, 1, PF_PPM * PF_PPM * PF_PPM, &extra) ||
	    pf_u256_add(&b, &extra, &price))
		return -ERANGE;
	if (k_ppm && (pf_u256_mul_u64(&b, cap_ppm, &cap) || pf_u256_prorata(&cap, 1, PF_PPM, &cap)))
		return -ERANGE;
	if (k_ppm && pf_u256_cmp(&price, &cap) > 0)
		price = cap;
	return pf_u256_to_dec(&price, out, PF_AMOUNT_MAX) < 0 ? -ERANGE : 0;
}
