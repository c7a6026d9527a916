// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Unsigned 256-bit arithmetic for wei amounts; see u256.h. */
#include "broker/eth/u256.h"

#include <errno.h>
#include <string.h>

#include "userspace/common/hex.h"

typedef unsigned __int128 u128;

void pf_u256_from_u64(struct pf_u256 *out, uint64_t v)
{
	memset(out, 0, sizeof(*out));
	out->w[0] = v;
}

int pf_u256_is_zero(const struct pf_u256 *a)
{
	return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]);
}

int pf_u256_parse_hex(const char *s, struct pf_u256 *out)
{
	struct pf_u256 v = {{0}};
	size_t n, i;

	if (!s || !pf_hex_has_prefix(s))
		return -EINVAL;
	s += 2;
	n = strlen(s);
	if (n == 0 || !pf_hex_valid(s, n, n))
		return -EINVAL;
	while (n > 1 && *s == '0') { /* leading zeros do not count against the width */
		s++;
		n--;
	}
	if (n > 64)
		return -ERANGE;
	/* Digit i from the right lands in limb i / 16 at nibble i % 16. */
	for (i = 0; i < n; i++)
		v.w[i / 16] |= (uint64_t)pf_hex_digit(s[n - 1 - i]) << (4 * (i % 16));
	*out = v;
	return 0;
}

/* v = v * m + add; returns -ERANGE if the result overflows 256 bits. */
static int mul_add_u64(struct pf_u256 *v, uint64_t m, uint64_t add)
{
	u128 carry = add;
	int i;

	for (i = 0; i < 4; i++) {
		u128 t = (u128)v->w[i] * m + carry;
		v->w[i] = (uint64_t)t;
		carry = t >> 64;
	}
	return carry ? -ERANGE : 0;
}

int pf_u256_parse_dec(const char *s, struct pf_u256 *out)
{
	struct pf_u256 v = {{0}};
	size_t i;

	if (!s || !*s)
		return -EINVAL;
	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	for (i = 0; s[i]; i++)
		if (mul_add_u64(&v, 10, (uint64_t)(s[i] - '0')))
			return -ERANGE;
	*out = v;
	return 0;
}

int pf_u256_parse(const char *s, struct pf_u256 *out)
{
	if (s && pf_hex_has_prefix(s))
		return pf_u256_parse_hex(s, out);
	return pf_u256_parse_dec(s, out);
}

int pf_u256_cmp(const struct pf_u256 *a, const struct pf_u256 *b)
{
	int i;

	for (i = 3; i >= 0; i--)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

int pf_u256_add(const struct pf_u256 *a, const struct pf_u256 *b, struct pf_u256 *out)
{
	struct pf_u256 r;
	u128 carry = 0;
	int i;

	for (i = 0; i < 4; i++) {
		u128 t = (u128)a->w[i] + b->w[i] + carry;
		r.w[i] = (uint64_t)t;
		carry = t >> 64;
	}
	if (carry)
		return -ERANGE;
	*out = r;
	return 0;
}

int pf_u256_sub(const struct pf_u256 *a, const struct pf_u256 *b, struct pf_u256 *out)
{
	struct pf_u256 r;
	uint64_t borrow = 0;
	int i;

	if (pf_u256_cmp(a, b) < 0)
		return -ERANGE;
	for (i = 0; i < 4; i++) {
		uint64_t d = a->w[i] - b->w[i] - borrow;
		borrow = a->w[i] < b->w[i] || (a->w[i] == b->w[i] && borrow);
		r.w[i] = d;
	}
	*out = r;
	return 0;
}

int pf_u256_mul_u64(const struct pf_u256 *a, uint64_t m, struct pf_u256 *out)
{
	struct pf_u256 r = *a;

	if (mul_add_u64(&r, m, 0))
		return -ERANGE;
	*out = r;
	return 0;
}

int pf_u256_to_u64(const struct pf_u256 *a, uint64_t *out)
{
	if (a->w[1] | a->w[2] | a->w[3])
		return -ERANGE;
	*out = a->w[0];
	return 0;
}

/* v /= d, returning the remainder. */
static uint64_t div_u64(struct pf_u256 *v, uint64_t d)
{
	u128 rem = 0;
	int i;

	for (i = 3; i >= 0; i--) {
		u128 cur = (rem << 64) | v->w[i];
		v->w[i] = (uint64_t)(cur / d);
		rem = cur % d;
	}
	return (uint64_t)rem;
}

int pf_u256_prorata(const struct pf_u256 *a, uint64_t part, uint64_t whole, struct pf_u256 *out)
{
	struct pf_u256 q = *a;
	uint64_t rem;

	if (!whole || part > whole)
		return -EINVAL;
	rem = div_u64(&q, whole); /* a = q x whole + rem, rem < whole */
	if (mul_add_u64(&q, part, (uint64_t)(((u128)rem * part) / whole)))
		return -ERANGE; /* cannot happen: the result is at most a */
	*out = q;
	return 0;
}

/* Writes the decimal digits, most significant first, without a NUL. */
static size_t dec_digits(const struct pf_u256 *a, char digits[PF_U256_DEC_MAX])
{
	struct pf_u256 v = *a;
	char rev[PF_U256_DEC_MAX];
	size_t n = 0, i;

	do
		rev[n++] = (char)('0' + div_u64(&v, 10));
	while (!pf_u256_is_zero(&v));
	for (i = 0; i < n; i++)
		digits[i] = rev[n - 1 - i];
	return n;
}

static int put(char *buf, size_t len, const char *s, size_t n)
{
	if (n + 1 > len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return (int)n;
}

int pf_u256_to_dec(const struct pf_u256 *a, char *buf, size_t len)
{
	char digits[PF_U256_DEC_MAX];

	return put(buf, len, digits, dec_digits(a, digits));
}

int pf_u256_to_hex(const struct pf_u256 *a, char *buf, size_t len)
{
	static const char xd[] = "0123456789abcdef";
	char s[PF_U256_HEX_MAX];
	size_t n = 2;
	int i, started = 0;

	s[0] = '0';
	s[1] = 'x';
	for (i = 63; i >= 0; i--) {
		unsigned int nib = (a->w[i / 16] >> (4 * (i % 16))) & 0xf;

		if (nib || started || i == 0) {
			s[n++] = xd[nib];
			started = 1;
		}
	}
	return put(buf, len, s, n);
}

int pf_u256_to_units(const struct pf_u256 *a, unsigned int decimals, char *buf, size_t len)
{
	char digits[PF_U256_DEC_MAX], s[PF_U256_DEC_MAX + 2];
	size_t n, n_int, n_frac, pos = 0, i;

	if (decimals >= PF_U256_DEC_MAX - 1)
		return -EINVAL;
	n = dec_digits(a, digits);
	/* Left-pad with zeros so there is at least one integer digit. */
	if (n <= decimals) {
		size_t pad = decimals + 1 - n;

		memmove(digits + pad, digits, n);
		memset(digits, '0', pad);
		n += pad;
	}
	n_int = n - decimals;
	n_frac = decimals;
	while (n_frac && digits[n_int + n_frac - 1] == '0')
		n_frac--;
	for (i = 0; i < n_int; i++)
		s[pos++] = digits[i];
	if (n_frac) {
		s[pos++] = '.';
		for (i = 0; i < n_frac; i++)
			s[pos++] = digits[n_int + i];
	}
	return put(buf, len, s, pos);
}
