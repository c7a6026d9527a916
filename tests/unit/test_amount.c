// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* 256-bit decimal amounts, compared and converted through u256. */
#include <errno.h>
#include "broker/eth/amount.h"
#include "broker/eth/u256.h"
#include "unit.h"

#define U256_MAX "115792089237316195423570985008687907853269984665640564039457584007913129639935"

static void test_amount_valid(void)
{
	CHECK(pf_amount_valid("0", 1));
	CHECK(pf_amount_valid("1000000000000000000", 19));
	CHECK(pf_amount_valid(U256_MAX, strlen(U256_MAX)));
	CHECK(!pf_amount_valid("", 0));
	CHECK(!pf_amount_valid("01", 2));
	CHECK(!pf_amount_valid("-1", 2));
	CHECK(!pf_amount_valid("1.5", 3));
	CHECK(!pf_amount_valid("1e3", 3));
	CHECK(!pf_amount_valid(" 1", 2));
	CHECK(!pf_amount_valid("1\0", 2)); /* embedded NUL */
	/* 2^256 itself */
	CHECK(!pf_amount_valid(
	    "115792089237316195423570985008687907853269984665640564039457584007913129639936", 78));
	CHECK(!pf_amount_valid(
	    "1000000000000000000000000000000000000000000000000000000000000000000000000000000", 79));
}

static void test_amount_mul(void)
{
	char out[PF_AMOUNT_MAX];

	CHECK_EQ(pf_amount_mul("1000000000000000", 60, out), 0);
	CHECK_STR(out, "60000000000000000");
	/* past 64 bits: 10^18 x 10^6 */
	CHECK_EQ(pf_amount_mul("1000000000000000000", 1000000, out), 0);
	CHECK_STR(out, "1000000000000000000000000");
	CHECK_EQ(pf_amount_mul("18446744073709551615", 18446744073709551615ULL, out), 0);
	CHECK_STR(out, "340282366920938463426481119284349108225");
	CHECK_EQ(pf_amount_mul("0", 12345, out), 0);
	CHECK_STR(out, "0");
	CHECK_EQ(pf_amount_mul("7", 0, out), 0);
	CHECK_STR(out, "0");
	CHECK_EQ(pf_amount_mul(U256_MAX, 1, out), 0);
	CHECK_STR(out, U256_MAX);
	CHECK_EQ(pf_amount_mul(U256_MAX, 2, out), -ERANGE);
	CHECK_EQ(pf_amount_mul("12a", 2, out), -EINVAL);
}

/* Amounts compare as u256 values: -1, 0 or 1 (99: not an amount). */
static int amount_cmp(const char *a, const char *b)
{
	struct pf_u256 x, y;

	if (pf_u256_parse_dec(a, &x) || pf_u256_parse_dec(b, &y))
		return 99;
	return pf_u256_cmp(&x, &y);
}

/* A JSON-RPC quantity as a decimal amount: pf_u256_parse_hex, then to decimal. */
static int amount_from_hex(const char *hex, char out[PF_AMOUNT_MAX])
{
	struct pf_u256 v;
	int rc = pf_u256_parse_hex(hex, &v);

	return rc ? rc : (pf_u256_to_dec(&v, out, PF_AMOUNT_MAX) < 0 ? -ENOSPC : 0);
}

static void test_amount_cmp(void)
{
	CHECK_EQ(amount_cmp("9", "10"), -1);
	CHECK_EQ(amount_cmp("10", "9"), 1);
	CHECK_EQ(amount_cmp("123", "123"), 0);
	CHECK_EQ(amount_cmp("124", "123"), 1);
	CHECK_EQ(amount_cmp("0", "1"), -1);
}

static void test_amount_from_hex(void)
{
	char out[PF_AMOUNT_MAX];

	CHECK_EQ(amount_from_hex("0x0", out), 0);
	CHECK_STR(out, "0");
	CHECK_EQ(amount_from_hex("0xde0b6b3a7640000", out), 0);
	CHECK_STR(out, "1000000000000000000");
	CHECK_EQ(amount_from_hex(
		     "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", out),
		 0);
	CHECK_STR(out, U256_MAX);
	CHECK_EQ(amount_from_hex("0x", out), -EINVAL);
	CHECK_EQ(amount_from_hex("12", out), -EINVAL);
	CHECK_EQ(amount_from_hex("0xg1", out), -EINVAL);
	CHECK_EQ(amount_from_hex(
		     "0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", out),
		 -ERANGE); /* u256 names overflow -ERANGE */
}

int main(void)
{
	RUN(test_amount_valid);
	RUN(test_amount_mul);
	RUN(test_amount_cmp);
	RUN(test_amount_from_hex);
	return unit_done();
}
