// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Thin wrappers over libsodium's constant-time codec: keys and seeds pass
 * through here, so no table lookup or branch depends on a secret digit. */
#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include "userspace/common/hex.h"

char *pf_hex_encode(const uint8_t *in, size_t len, char *out)
{
	return sodium_bin2hex(out, 2 * len + 1, in, len);
}

char *pf_hex_encode_0x(const uint8_t *in, size_t len, char *out)
{
	out[0] = '0';
	out[1] = 'x';
	pf_hex_encode(in, len, out + 2);
	return out;
}

int pf_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool pf_hex_has_prefix(const char *s)
{
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

ssize_t pf_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_cap)
{
	size_t n;

	if (hex_len >= 2 && pf_hex_has_prefix(hex)) {
		hex += 2;
		hex_len -= 2;
	}
	if (hex_len % 2)
		return -EINVAL;
	if (hex_len / 2 > out_cap)
		return -ENOSPC;
	/* No ignore set and no end pointer: any non-digit fails the whole call. */
	if (sodium_hex2bin(out, out_cap, hex, hex_len, NULL, &n, NULL) || n != hex_len / 2)
		return -EINVAL;
	return (ssize_t)n;
}

int pf_hex_decode_exact(const char *text, size_t text_len, uint8_t *out, size_t n)
{
	if (text_len != 2 * n || (text_len >= 2 && pf_hex_has_prefix(text)))
		return -1;
	return pf_hex_decode(text, text_len, out, n) == (ssize_t)n ? 0 : -1;
}

bool pf_hex_valid(const char *text, size_t text_len, size_t len)
{
	if (text_len != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (pf_hex_digit(text[i]) < 0)
			return false;
	return true;
}

void pf_hex_lower(const char *text, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)text[i]);
	out[len] = '\0';
}
