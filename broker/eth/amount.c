// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Canonical decimal amounts over u256; see amount.h. */
#include <errno.h>
#include <string.h>
#include "broker/eth/amount.h"

/* text[0..len) as a canonical amount; 0 or -EINVAL. */
static int amount_parse(const char *text, size_t len, struct pf_u256 *v)
{
	char buf[PF_AMOUNT_MAX];

	/* A leading zero, an embedded NUL or too many digits is not canonical. */
	if (len == 0 || len >= sizeof(buf) || (len > 1 && text[0] == '0') ||
	    strnlen(text, len) != len)
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return pf_u256_parse_dec(buf, v) ? -EINVAL : 0;
}

bool pf_amount_valid(const char *text, size_t len)
{
	struct pf_u256 v;

	return amount_parse(text, len, &v) == 0;
}

int pf_amount_mul(const char *price, uint64_t n, char out[PF_AMOUNT_MAX])
{
	struct pf_u256 v;

	if (amount_parse(price, strlen(price), &v))
		return -EINVAL;
	if (pf_u256_mul_u64(&v, n, &v))
		return -ERANGE;
	pf_u256_to_dec(&v, out, PF_AMOUNT_MAX);
	return 0;
}

int pf_amount_sub(const char *a, const char *b, char out[PF_AMOUNT_MAX])
{
	struct pf_u256 x, y;

	if (amount_parse(a, strlen(a), &x) || amount_parse(b, strlen(b), &y))
		return -EINVAL;
	if (pf_u256_sub(&x, &y, &x))
		return -ERANGE;
	pf_u256_to_dec(&x, out, PF_AMOUNT_MAX);
	return 0;
}
