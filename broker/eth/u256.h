/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Unsigned 256-bit integers for ledger amounts. Wei amounts (price per second
 * x seconds) easily exceed 64 bits, and Ethereum quantities are defined up to
 * 2^256 - 1, so every amount the broker handles goes through this type.
 */
#ifndef PF_U256_H
#define PF_U256_H

#include <stddef.h>
#include <stdint.h>

/* Limbs are little-endian: w[0] holds the least significant 64 bits. */
struct pf_u256 {
	uint64_t w[4];
};

/* Buffer sizes for formatting, including the terminating NUL. */
#define PF_U256_DEC_MAX 79 /* 2^256 - 1 has 78 decimal digits */
#define PF_U256_HEX_MAX 67 /* "0x" + 64 hex digits */

void pf_u256_from_u64(struct pf_u256 *out, uint64_t v);
int pf_u256_is_zero(const struct pf_u256 *a);

/*
 * Parsing returns 0, -EINVAL for an empty string, a stray character or a
 * missing digit, or -ERANGE for a value above 2^256 - 1. Leading zeros are
 * accepted. *out is written only on success.
 *  pf_u256_parse_hex: "0x" or "0X" followed by 1..n hex digits (either case).
 *  pf_u256_parse_dec: 1..n decimal digits, nothing else (no sign, no spaces).
 *  pf_u256_parse:     hex if it starts with 0x/0X, else decimal.
 */
int pf_u256_parse_hex(const char *s, struct pf_u256 *out);
int pf_u256_parse_dec(const char *s, struct pf_u256 *out);
int pf_u256_parse(const char *s, struct pf_u256 *out);

/* Returns -1, 0 or 1 as a <, ==, > b. */
int pf_u256_cmp(const struct pf_u256 *a, const struct pf_u256 *b);

/* Arithmetic returns 0, or -ERANGE on overflow/underflow (out untouched). */
int pf_u256_add(const struct pf_u256 *a, const struct pf_u256 *b, struct pf_u256 *out);
int pf_u256_sub(const struct pf_u256 *a, const struct pf_u256 *b, struct pf_u256 *out);
int pf_u256_mul_u64(const struct pf_u256 *a, uint64_t m, struct pf_u256 *out);
/* out = floor(a x part / whole), exact (no intermediate overflow); part <= whole,
 * whole >= 1, else -EINVAL. */
int pf_u256_prorata(const struct pf_u256 *a, uint64_t part, uint64_t whole, struct pf_u256 *out);

/* Returns 0, or -ERANGE if the value does not fit in 64 bits. */
int pf_u256_to_u64(const struct pf_u256 *a, uint64_t *out);

/*
 * Formatting returns the string length, or -ENOSPC if buf is too small
 * (buf then holds ""). Decimal has no leading zeros ("0" for zero); hex is an
 * Ethereum quantity: "0x" + lowercase digits without leading zeros ("0x0").
 */
int pf_u256_to_dec(const struct pf_u256 *a, char *buf, size_t len);
int pf_u256_to_hex(const struct pf_u256 *a, char *buf, size_t len);

/*
 * Decimal with a fixed-point shift, e.g. wei -> ether with decimals = 18:
 * 1000000000000000 -> "0.001", 1500000000000000000 -> "1.5", 2e18 -> "2".
 * Trailing fractional zeros are dropped. decimals may be 0..77.
 * Returns the length, -EINVAL for a bad decimals value, or -ENOSPC.
 */
int pf_u256_to_units(const struct pf_u256 *a, unsigned int decimals, char *buf, size_t len);

#endif /* PF_U256_H */
