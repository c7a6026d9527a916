// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "broker/proto/deposit.h"
#include "userspace/common/hex.h"

void pf_deposit_input(const uint8_t client_key[PF_PUBKEY_BYTES], uint8_t out[PF_DEPOSIT_INPUT_LEN])
{
	memcpy(out, PF_DEPOSIT_MARKER, 16);
	memcpy(out + 16, client_key, PF_PUBKEY_BYTES);
}

int pf_deposit_input_check(const char *input_hex, const uint8_t client_key[PF_PUBKEY_BYTES])
{
	uint8_t got[PF_DEPOSIT_INPUT_LEN];
	size_t len = input_hex ? strlen(input_hex) : 0;

	if (len != 2 + 2 * PF_DEPOSIT_INPUT_LEN || input_hex[0] != '0' ||
	    (input_hex[1] != 'x' && input_hex[1] != 'X') ||
	    pf_hex_decode_exact(input_hex + 2, len - 2, got, sizeof(got)) ||
	    memcmp(got, PF_DEPOSIT_MARKER, 16))
		return -EINVAL;
	return memcmp(got + 16, client_key, PF_PUBKEY_BYTES) ? -EXDEV : 0;
}
