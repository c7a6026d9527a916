/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Keccak-256 as Ethereum uses it: the original Keccak submission's padding
 * (domain byte 0x01), not FIPS-202 SHA3-256 (0x06). The two give different
 * digests for every input.
 */
#ifndef PF_KECCAK_H
#define PF_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define PF_KECCAK256_LEN  32
#define PF_KECCAK256_RATE 136 /* bytes absorbed per permutation: 1600 - 2 * 256 bits */

struct pf_keccak256 {
	uint64_t state[25];
	size_t pos; /* bytes absorbed into the current block */
};

void pf_keccak256_init(struct pf_keccak256 *ctx);
void pf_keccak256_update(struct pf_keccak256 *ctx, const void *data, size_t len);
/* Pads, squeezes the digest into out and leaves ctx re-initialised. */
void pf_keccak256_final(struct pf_keccak256 *ctx, uint8_t out[PF_KECCAK256_LEN]);
void pf_keccak256(const void *data, size_t len, uint8_t out[PF_KECCAK256_LEN]);

#endif /* PF_KECCAK_H */
