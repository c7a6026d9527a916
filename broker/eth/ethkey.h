/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Ethereum account keys (secp256k1, via libsecp256k1): the buyer's local
 * private key file, the address derived from it, EIP-55 checksummed address
 * text, and recoverable ECDSA signatures over 32-byte digests.
 *
 * Key file format: the 32-byte secret as exactly 64 hex digits, optionally
 * prefixed "0x", optionally surrounded by whitespace (a trailing newline).
 * The file must be a regular file with mode 0600 or stricter (no bits
 * outside 0600); anything looser is refused, naming the file and its mode.
 *
 * Functions that can fail return 0 or a negative errno and leave a one-line
 * reason in pf_last_error().
 */
#ifndef PF_ETHKEY_H
#define PF_ETHKEY_H

#include <stddef.h>
#include <stdint.h>

#define PF_ETH_SECRET_LEN  32
#define PF_ETH_PUBKEY_LEN  64 /* uncompressed X || Y, without the 0x04 tag */
#define PF_ETH_ADDR_LEN	   20
#define PF_ETH_ADDR_STRLEN 43 /* "0x" + 40 digits + NUL */
#define PF_ETH_DIGEST_LEN  32

struct pf_ethkey {
	uint8_t secret[PF_ETH_SECRET_LEN];
	uint8_t pubkey[PF_ETH_PUBKEY_LEN];
	uint8_t addr[PF_ETH_ADDR_LEN]; /* last 20 bytes of keccak256(pubkey) */
};

/* An ECDSA signature as Ethereum transactions carry it (low s). */
struct pf_eth_sig {
	uint8_t r[32];
	uint8_t s[32];
	uint8_t y_parity; /* 0 or 1: parity of the nonce point's y coordinate */
};

/* -EINVAL if secret is zero or not below the curve order. */
int pf_ethkey_from_secret(struct pf_ethkey *key, const uint8_t secret[PF_ETH_SECRET_LEN]);
/* Parses key file text (see above); -EINVAL with the reason on bad input. */
int pf_ethkey_parse(struct pf_ethkey *key, const char *text, size_t len);
/* Loads a key file; -EPERM if its mode is looser than 0600, -EINVAL on bad content. */
int pf_ethkey_load(struct pf_ethkey *key, const char *path);
/* A fresh random key (libsodium randombytes, retried until a valid secret). */
int pf_ethkey_generate(struct pf_ethkey *key);
/* Writes the key as "0x<64 hex>\n" to a new file with mode 0600; -EEXIST if it exists. */
int pf_ethkey_save(const struct pf_ethkey *key, const char *path);
/* Zeroes the key material. */
void pf_ethkey_wipe(struct pf_ethkey *key);

/* Deterministic (RFC 6979) recoverable signature over a 32-byte digest. */
int pf_ethkey_sign_digest(const struct pf_ethkey *key, const uint8_t digest[PF_ETH_DIGEST_LEN],
			  struct pf_eth_sig *sig);
/* The address whose key made sig over digest; -EINVAL if sig is malformed. */
int pf_eth_recover_address(const uint8_t digest[PF_ETH_DIGEST_LEN], const struct pf_eth_sig *sig,
			   uint8_t addr[PF_ETH_ADDR_LEN]);

/* The address of a 64-byte uncompressed public key. */
void pf_eth_pubkey_to_address(const uint8_t pubkey[PF_ETH_PUBKEY_LEN],
			      uint8_t addr[PF_ETH_ADDR_LEN]);
/* EIP-55 mixed-case checksummed text, "0x" included; returns out. */
char *pf_eth_addr_format(const uint8_t addr[PF_ETH_ADDR_LEN], char out[PF_ETH_ADDR_STRLEN]);
/*
 * Parses "0x" + 40 hex digits ("0x" optional). All-lowercase or all-uppercase
 * text is accepted as is; mixed case must be a correct EIP-55 checksum.
 */
int pf_eth_addr_parse(const char *text, uint8_t addr[PF_ETH_ADDR_LEN]);

#endif /* PF_ETHKEY_H */
