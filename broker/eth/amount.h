/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Amounts in the currency's smallest unit (wei) as the protocol writes them:
 * canonical decimal strings ("0", or digits with no leading zero) of an
 * unsigned 256-bit integer, because they exceed 64 bits and JSON numbers are
 * doubles for many clients. The arithmetic is u256.h's; this is only the
 * wire form. Compare or convert amounts by parsing them into a pf_u256.
 */
#ifndef PF_AMOUNT_H
#define PF_AMOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "broker/eth/u256.h"

#define PF_AMOUNT_DIGITS (PF_U256_DEC_MAX - 1) /* 2^256 - 1 has 78 decimal digits */
#define PF_AMOUNT_MAX	 PF_U256_DEC_MAX       /* the digits and the NUL */

/* True when text[0..len) is a canonical decimal at most 2^256 - 1. */
bool pf_amount_valid(const char *text, size_t len);
/* out = price x n. Returns 0, -EINVAL (price not canonical) or -ERANGE (>= 2^256). */
int pf_amount_mul(const char *price, uint64_t n, char out[PF_AMOUNT_MAX]);
/* out = a - b. Returns 0, -EINVAL (not canonical) or -ERANGE (b > a). */
int pf_amount_sub(const char *a, const char *b, char out[PF_AMOUNT_MAX]);

#endif /* PF_AMOUNT_H */
