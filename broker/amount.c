// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Just enough 256-bit unsigned arithmetic for prices and payments. */
#include <errno.h>
#include <string.h>
#include "amount.h"

struct u256 {
	uint64_t w[4]; /* little-endian words */
};

/* v = v * m + a; returns the carry out of the top word (non-zero: overflow). */
static uint64_t u256_muladd(struct u256 *v, uint64_t m, uint64_t a)
{
	unsigned __int128 carry = a;

	for (int i = 0; i < 4; i++) {
		unsigned __int128 t = (unsigned __int128)v->w[i] * m + carry;

		v->w[i] = (uint64_t)t;
		carry = t >> 64;
	}
	return (uint64_t)carry;
}

/* v /= d; returns the remainder. */
static uint64_t u256_divmod(struct u256 *v, uint64_t d)
{
	unsigned __int128 rem = 0;

	for (int i = 3; i >= 0; i--) {
		unsigned __int128 cur = rem << 64 | v->w[i];

		v->w[i] = (uint64_t)(cur / d);
		rem = cur % d;
	}
	return (uint64_t)rem;
}

static bool u256_is_zero(const struct u256 *v)
{
	return !(v->w[0] | v->w[1] | v->w[2] | v->w[3]);
}

static int u256_from_dec(const char *text, size_t len, struct u256 *v)
{
	memset(v, 0, sizeof(*v));
	if (len == 0 || len > PF_AMOUNT_DIGITS || (len > 1 && text[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		if (u256_muladd(v, 10, (uint64_t)(text[i] - '0')))
			return -EINVAL;
	}
	return 0;
}

static void u256_to_dec(struct u256 v, char out[PF_AMOUNT_MAX])
{
	char rev[PF_AMOUNT_MAX];
	size_t n = 0;

	do
		rev[n++] = (char)('0' + u256_divmod(&v, 10));
	while (!u256_is_zero(&v));
	for (size_t i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
}

bool pf_amount_valid(const char *text, size_t len)
{
	struct u256 v;

	return u256_from_dec(text, len, &v) == 0;
}

int pf_amount_mul(const char *price, uint64_t n, char out[PF_AMOUNT_MAX])
{
	struct u256 v;

	if (u256_from_dec(price, strlen(price), &v))
		return -EINVAL;
	if (u256_muladd(&v, n, 0))
		return -ERANGE;
	u256_to_dec(v, out);
	return 0;
}

int pf_amount_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int c;

	/* Canonical decimals: the longer is larger, equal lengths compare as text. */
	if (la != lb)
		return la < lb ? -1 : 1;
	c = strcmp(a, b);
	return (c > 0) - (c < 0);
}

int pf_amount_from_hex(const char *hex, char out[PF_AMOUNT_MAX])
{
	struct u256 v = {{0}};
	size_t len = strlen(hex);

	if (len < 3 || len > 66 || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X'))
		return -EINVAL;
	for (size_t i = 2; i < len; i++) {
		char c = hex[i];
		uint64_t d;

		if (c >= '0' && c <= '9')
			d = (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint64_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint64_t)(c - 'A' + 10);
		else
			return -EINVAL;
		u256_muladd(&v, 16, d); /* at most 64 digits: cannot overflow */
	}
	u256_to_dec(v, out);
	return 0;
}
