// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Keccak-f[1600] and the Keccak-256 sponge (Ethereum's hash). */
#include "broker/eth/keccak.h"

#include <string.h>

static const uint64_t round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Rotation offsets and lane order of the combined rho and pi steps. */
static const unsigned rho[24] = {
    1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
};
static const unsigned pi[24] = {
    10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
};

static inline uint64_t rol64(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));
}

static void keccak_f1600(uint64_t a[25])
{
	for (int round = 0; round < 24; round++) {
		uint64_t c[5], t;

		/* theta */
		for (int x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		for (int x = 0; x < 5; x++) {
			t = c[(x + 4) % 5] ^ rol64(c[(x + 1) % 5], 1);
			for (int y = 0; y < 25; y += 5)
				a[y + x] ^= t;
		}
		/* rho and pi */
		t = a[1];
		for (int i = 0; i < 24; i++) {
			uint64_t next = a[pi[i]];

			a[pi[i]] = rol64(t, rho[i]);
			t = next;
		}
		/* chi */
		for (int y = 0; y < 25; y += 5) {
			for (int x = 0; x < 5; x++)
				c[x] = a[y + x];
			for (int x = 0; x < 5; x++)
				a[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
		}
		/* iota */
		a[0] ^= round_constants[round];
	}
}

/* Lanes are little-endian: byte i of the block lands in lane i / 8, bits 8 * (i % 8). */
static inline void xor_byte(uint64_t state[25], size_t i, uint8_t b)
{
	state[i / 8] ^= (uint64_t)b << (8 * (i % 8));
}

void pf_keccak256_init(struct pf_keccak256 *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

void pf_keccak256_update(struct pf_keccak256 *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--) {
		xor_byte(ctx->state, ctx->pos++, *p++);
		if (ctx->pos == PF_KECCAK256_RATE) {
			keccak_f1600(ctx->state);
			ctx->pos = 0;
		}
	}
}

void pf_keccak256_final(struct pf_keccak256 *ctx, uint8_t out[PF_KECCAK256_LEN])
{
	xor_byte(ctx->state, ctx->pos, 0x01); /* Keccak padding; SHA3 would use 0x06 */
	xor_byte(ctx->state, PF_KECCAK256_RATE - 1, 0x80);
	keccak_f1600(ctx->state);
	for (size_t i = 0; i < PF_KECCAK256_LEN; i++)
		out[i] = (uint8_t)(ctx->state[i / 8] >> (8 * (i % 8)));
	pf_keccak256_init(ctx);
}

void pf_keccak256(const void *data, size_t len, uint8_t out[PF_KECCAK256_LEN])
{
	struct pf_keccak256 ctx;

	pf_keccak256_init(&ctx);
	pf_keccak256_update(&ctx, data, len);
	pf_keccak256_final(&ctx, out);
}
