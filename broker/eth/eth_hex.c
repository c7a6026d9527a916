// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Shape checks for Ethereum hex strings; see eth_hex.h. */
#include "broker/eth/eth_hex.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include "userspace/common/hex.h"

/* Number of hex digits after "0x", or -1 if s is not 0x + hex digits. */
static long hex_body_len(const char *s)
{
	size_t n;

	if (!s || !pf_hex_has_prefix(s))
		return -1;
	n = strlen(s + 2);
	return pf_hex_valid(s + 2, n, n) ? (long)n : -1;
}

bool pf_eth_is_address(const char *s)
{
	return hex_body_len(s) == 40;
}

bool pf_eth_is_hash(const char *s)
{
	return hex_body_len(s) == 64;
}

bool pf_eth_is_data(const char *s)
{
	long n = hex_body_len(s);

	return n >= 0 && n % 2 == 0;
}

bool pf_eth_same_address(const char *a, const char *b)
{
	return pf_eth_is_address(a) && pf_eth_is_address(b) && !strcasecmp(a + 2, b + 2);
}

int pf_eth_lower_copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n + 1 > len) {
		if (len)
			dst[0] = '\0';
		return -ENOSPC;
	}
	pf_hex_lower(src, n, dst);
	return 0;
}
