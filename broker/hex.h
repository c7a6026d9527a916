/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Hex text as the REQUEST channel writes it: lowercase out, either case in. */
#ifndef PF_HEX_H
#define PF_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes 2n lowercase digits and a NUL to out (2n + 1 bytes). */
void pf_hex_encode(const uint8_t *in, size_t n, char *out);
/* Decodes exactly 2n digits of text (no "0x"); returns 0 or -1 when malformed. */
int pf_hex_decode(const char *text, size_t text_len, uint8_t *out, size_t n);
/* True when text is exactly len hex digits. */
bool pf_hex_valid(const char *text, size_t text_len, size_t len);
/* Copies len hex digits to out in lowercase and NUL-terminates it. */
void pf_hex_lower(const char *text, size_t len, char *out);

#endif /* PF_HEX_H */
