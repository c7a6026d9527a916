// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The demand price: base x (1 + k u^2) capped at base x cap, in whole wei (demand.h). */
#include <errno.h>
#include "unit.h"
#include "broker/sales/demand.h"

static char out[PF_AMOUNT_MAX];

static const char *price(const char *base, uint64_t k, uint64_t cap, uint64_t u)
{
	if (pf_demand_price(base, k, cap, u, out))
		return "error";
	return out;
}

static void test_fixed(void)
{
	CHECK_STR(price("1000", 0, 0, 900000), "1000");	       /* k 0: the config's price */
	CHECK_STR(price("1000", 4000000, 3000000, 0), "1000"); /* idle: the base */
}

static void test_formula(void)
{
	/* u 1/2, k 4: 1000 x (1 + 4/4) */
	CHECK_STR(price("1000", 4000000, 3000000, 500000), "2000");
	/* u 0.333333, k 4: 1000 + floor(444.443555...) */
	CHECK_STR(price("1000", 4000000, 3000000, 333333), "1444");
	/* rounding down to whole wei: 7 + floor(7 x 0.25) */
	CHECK_STR(price("7", 1000000, 3000000, 500000), "8");
	/* k 0.5 (500000 ppm), u 0.6: 4000 x (1 + 0.5 x 0.36) */
	CHECK_STR(price("4000", 500000, 2000000, 600000), "4720");
	/* above 2^64 */
	CHECK_STR(price("20000000000000000000", 4000000, 3000000, 500000), "40000000000000000000");
}

static void test_cap(void)
{
	/* u 1: 1000 x 5 capped at 1000 x 3 */
	CHECK_STR(price("1000", 4000000, 3000000, 1000000), "3000");
	/* u above 1 (capacity lowered) counts as 1 */
	CHECK_STR(price("1000", 4000000, 3000000, 1500000), "3000");
	/* a fractional cap rounds down: 1001 x 1.5 */
	CHECK_STR(price("1001", 4000000, 1500000, 1000000), "1501");
}

static void test_bad(void)
{
	CHECK_EQ(pf_demand_price("x1", 4000000, 3000000, 0, out), -EINVAL);
}

int main(void)
{
	RUN(test_fixed);
	RUN(test_formula);
	RUN(test_cap);
	RUN(test_bad);
	return unit_done();
}
