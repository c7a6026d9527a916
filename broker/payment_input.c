// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The quote id carried in a payment's input data; see payment_input.h. */
#include "payment_input.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

bool pf_quote_id_valid(const char *q)
{
	size_t i;

	if (!q)
		return false;
	for (i = 0; i < PF_QUOTE_ID_HEX_LEN; i++)
		if (!((q[i] >= '0' && q[i] <= '9') || (q[i] >= 'a' && q[i] <= 'f')))
			return false;
	return q[PF_QUOTE_ID_HEX_LEN] == '\0';
}

int pf_quote_input_hex(const char *quote_id_hex, char *buf, size_t len)
{
	static const char xd[] = "0123456789abcdef";
	const char *prefix = PF_QUOTE_INPUT_PREFIX;
	size_t n = 0, i;

	if (!pf_quote_id_valid(quote_id_hex))
		return -EINVAL;
	if (len < PF_QUOTE_INPUT_HEX_LEN + 1) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	buf[n++] = '0';
	buf[n++] = 'x';
	for (i = 0; prefix[i]; i++) {
		buf[n++] = xd[(unsigned char)prefix[i] >> 4];
		buf[n++] = xd[(unsigned char)prefix[i] & 0xf];
	}
	for (i = 0; i < PF_QUOTE_ID_HEX_LEN; i++) {
		buf[n++] = xd[(unsigned char)quote_id_hex[i] >> 4];
		buf[n++] = xd[(unsigned char)quote_id_hex[i] & 0xf];
	}
	buf[n] = '\0';
	return (int)n;
}

int pf_input_has_quote_id(const char *input_hex, const char *quote_id_hex)
{
	char want[PF_QUOTE_INPUT_HEX_LEN + 1];

	if (!input_hex || pf_quote_input_hex(quote_id_hex, want, sizeof(want)) < 0)
		return 0;
	/* want is "0x" + hex digits only, so a case-blind match of the whole
	 * string is a byte-exact match of the decoded input. */
	return input_hex[0] == '0' && (input_hex[1] == 'x' || input_hex[1] == 'X') &&
	       !strcasecmp(input_hex + 2, want + 2);
}
