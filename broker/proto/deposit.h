/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The input data of a deposit transaction (docs/PROTOCOL.md, "Deposits"):
 * exactly the 16-byte marker "payflow/deposit1" followed by the 32 bytes of
 * the client key whose balance it credits. Nothing else is a deposit, so a
 * quote payment can never be credited and a deposit never pays a quote.
 */
#ifndef PF_DEPOSIT_H
#define PF_DEPOSIT_H

#include <stddef.h>
#include <stdint.h>
#include "broker/proto/messages.h"

#define PF_DEPOSIT_MARKER     "payflow/deposit1"
#define PF_DEPOSIT_MARKER_HEX "706179666c6f772f6465706f73697431" /* its 16 bytes */
#define PF_DEPOSIT_INPUT_LEN  (16 + PF_PUBKEY_BYTES)		 /* bytes */

/* The input bytes of a deposit for client_key. */
void pf_deposit_input(const uint8_t client_key[PF_PUBKEY_BYTES], uint8_t out[PF_DEPOSIT_INPUT_LEN]);

/*
 * 0 when input_hex ("0x" and hex digits, either case) is exactly a deposit
 * for client_key; -EINVAL when it is not a deposit, -EXDEV when it is one
 * for another key.
 */
int pf_deposit_input_check(const char *input_hex, const uint8_t client_key[PF_PUBKEY_BYTES]);

#endif /* PF_DEPOSIT_H */
