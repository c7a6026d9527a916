/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Amounts in the currency's smallest unit (wei): unsigned 256-bit integers,
 * written on the wire as canonical decimal strings ("0", or digits with no
 * leading zero), because they exceed 64 bits and JSON numbers are doubles
 * for many clients.
 */
#ifndef PF_AMOUNT_H
#define PF_AMOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PF_AMOUNT_DIGITS 78 /* 2^256 - 1 has 78 decimal digits */
#define PF_AMOUNT_MAX	 (PF_AMOUNT_DIGITS + 1)

/* True when text[0..len) is a canonical decimal at most 2^256 - 1. */
bool pf_amount_valid(const char *text, size_t len);
/* out = price x n. Returns 0, -EINVAL (price not canonical) or -ERANGE (>= 2^256). */
int pf_amount_mul(const char *price, uint64_t n, char out[PF_AMOUNT_MAX]);
/* <0, 0, >0 as a < b, a == b, a > b; both must be valid amounts. */
int pf_amount_cmp(const char *a, const char *b);
/* A JSON-RPC quantity ("0x" and 1..64 hex digits) as a decimal amount. 0 or -EINVAL. */
int pf_amount_from_hex(const char *hex, char out[PF_AMOUNT_MAX]);

#endif /* PF_AMOUNT_H */
