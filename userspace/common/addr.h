/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* IP addresses as the data plane keys them: 16 bytes, IPv4 as ::ffff:a.b.c.d. */
#ifndef PF_ADDR_H
#define PF_ADDR_H

#include <stdbool.h>
#include <linux/types.h>
#include "bpf/payflow.h"

/* Enough for any IPv6 text form, and for "ADDR <-> ADDR". */
#define PF_ADDR_STRLEN 46
#define PF_PAIR_STRLEN (2 * PF_ADDR_STRLEN + 8)

/* Parses IPv4 or IPv6 text. Returns 0, or -EINVAL. */
int pf_addr_parse(const char *text, __u8 out[16]);
/* Formats IPv4-mapped addresses as dotted quads. Returns buf. */
const char *pf_addr_format(const __u8 addr[16], char *buf, size_t len);
bool pf_addr_is_v4(const __u8 addr[16]);
/* Why pf_addr_parse() refuses text, as the end of a sentence ("has a zone ..."). */
const char *pf_addr_why_bad(const char *text);
/* Parses two address strings into a key. Returns 0 or -EINVAL (names the bad one). */
int pf_key_parse(struct pf_key *key, const char *a, const char *b, const char **bad);
/* "lo <-> hi". Returns buf. */
const char *pf_key_format(const struct pf_key *key, char *buf, size_t len);

#endif /* PF_ADDR_H */
