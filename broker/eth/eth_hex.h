/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Shape checks for the hex strings Ethereum nodes exchange: addresses
 * (20 bytes), hashes (32 bytes) and data blobs. Nodes send lowercase, users
 * paste checksummed mixed case; both are accepted and compared without case.
 */
#ifndef PF_ETH_HEX_H
#define PF_ETH_HEX_H

#include <stdbool.h>
#include <stddef.h>

#define PF_ETH_ADDR_HEXLEN 42 /* "0x" + 40 hex digits */
#define PF_ETH_HASH_HEXLEN 66 /* "0x" + 64 hex digits */

bool pf_eth_is_address(const char *s); /* 0x + exactly 40 hex digits, any case */
bool pf_eth_is_hash(const char *s);    /* 0x + exactly 64 hex digits, any case */
bool pf_eth_is_data(const char *s);    /* 0x + an even number (maybe 0) of hex digits */

/* True when both are addresses and name the same account (case ignored). */
bool pf_eth_same_address(const char *a, const char *b);

/*
 * Copies src lowercased into dst (size len). Returns 0, or -ENOSPC when it
 * does not fit (dst then holds ""). Used to key hashes canonically, so that
 * "0xAB.." and "0xab.." are one transaction.
 */
int pf_eth_lower_copy(char *dst, size_t len, const char *src);

#endif /* PF_ETH_HEX_H */
