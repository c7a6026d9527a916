/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Hexadecimal text: lowercase out, either case in. Ethereum writes "0x..."
 * (pf_hex_decode skips the prefix); the REQUEST channel writes bare digits of
 * a fixed length (pf_hex_decode_exact).
 */
#ifndef PF_HEX_H
#define PF_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes 2 * len lowercase digits and a NUL to out (no "0x"); returns out. */
char *pf_hex_encode(const uint8_t *in, size_t len, char *out);
/* Like pf_hex_encode but with a "0x" prefix: out needs 2 * len + 3 bytes. */
char *pf_hex_encode_0x(const uint8_t *in, size_t len, char *out);
/* Value of one hex digit (either case), or -1. */
int pf_hex_digit(char c);
/* True when s starts with "0x" or "0X". */
bool pf_hex_has_prefix(const char *s);
/*
 * Decodes the hex_len digits at hex (an optional "0x" prefix is skipped) into
 * out. Returns the number of bytes written, -EINVAL for an odd number of
 * digits or a non-hex character, -ENOSPC if out_cap is too small.
 */
ssize_t pf_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_cap);
/* Decodes exactly 2n bare digits (no "0x") into n bytes; 0, or -1 when malformed. */
int pf_hex_decode_exact(const char *text, size_t text_len, uint8_t *out, size_t n);
/* True when text is exactly len hex digits. */
bool pf_hex_valid(const char *text, size_t text_len, size_t len);
/* Copies len hex digits to out in lowercase and NUL-terminates it. */
void pf_hex_lower(const char *text, size_t len, char *out);

#endif /* PF_HEX_H */
