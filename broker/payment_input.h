/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * How a payment names the quote it pays for (the RECORDS channel: payment
 * and order record are one on-chain fact).
 *
 * A quote id is 16 random bytes written as 32 lowercase hex characters. The
 * paying transaction's input data must be exactly the ASCII bytes
 *     "payflow:" <32 lowercase hex characters of the quote id>
 * (40 bytes, nothing before or after), so as an Ethereum data string:
 *     0x706179666c6f773a <hex of the 32 ASCII characters>
 * e.g. quote id 0123456789abcdef0123456789abcdef ->
 *     0x706179666c6f773a3031323334353637383961626364656630313233343536373839616263646566
 */
#ifndef PF_PAYMENT_INPUT_H
#define PF_PAYMENT_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#define PF_QUOTE_ID_HEX_LEN    32 /* 16 bytes */
#define PF_QUOTE_INPUT_PREFIX  "payflow:"
#define PF_QUOTE_INPUT_HEX_LEN 82 /* "0x" + 2 * (8 + 32) */

/* True for exactly 32 lowercase hex characters. */
bool pf_quote_id_valid(const char *quote_id_hex);

/*
 * Writes the input data a payment for quote_id_hex must carry ("0x..."
 * lowercase, PF_QUOTE_INPUT_HEX_LEN characters) into buf. Returns the length,
 * -EINVAL for an invalid quote id, or -ENOSPC if len < PF_QUOTE_INPUT_HEX_LEN + 1.
 */
int pf_quote_input_hex(const char *quote_id_hex, char *buf, size_t len);

/*
 * Returns 1 if input_hex (a transaction's input as a node reports it: "0x" +
 * hex digits of either case) is exactly the payment input for quote_id_hex,
 * and 0 otherwise, including for a NULL or malformed argument of either kind.
 */
int pf_input_has_quote_id(const char *input_hex, const char *quote_id_hex);

#endif /* PF_PAYMENT_INPUT_H */
