/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * ed25519 (libsodium) keys and signatures of the REQUEST channel. A message
 * is signed over
 *
 *   "payflow/v1/" message_type "\n" data "\n" verification
 *
 * where data and verification are the exact bytes of those envelope
 * strings; the prefix keeps a signature of one message type from being
 * valid as another (docs/PROTOCOL.md, "Signatures").
 *
 * Key file: the 32-byte ed25519 seed as 64 hex digits and a newline, mode
 * 0600; a file that group or others may access is refused.
 */
#ifndef PF_SIGN_H
#define PF_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PF_PUBKEY_BYTES 32
#define PF_PUBKEY_HEX	(2 * PF_PUBKEY_BYTES)
#define PF_SIG_BYTES	64
#define PF_SIG_HEX	(2 * PF_SIG_BYTES)
#define PF_SIG_DOMAIN	"payflow/v1/"

struct pf_keypair {
	uint8_t pk[PF_PUBKEY_BYTES];
	uint8_t sk[64]; /* libsodium form: seed || pk */
};

/* All return 0 or a negative errno. `why` (may be NULL) gets one sentence. */
int pf_keypair_generate(struct pf_keypair *kp);
int pf_keypair_from_seed(struct pf_keypair *kp, const uint8_t seed[32]);
/* Creates path (mode 0600) atomically; -EEXIST when it exists. */
int pf_keypair_save(const char *path, const struct pf_keypair *kp);
/* -ENOENT, -EPERM (not a regular file, or group/other bits set), -EINVAL. */
int pf_keypair_load(const char *path, struct pf_keypair *kp);
/* Loads path, or creates it with a fresh key when absent (*created = true). */
int pf_keypair_load_or_create(const char *path, struct pf_keypair *kp, bool *created);
void pf_keypair_wipe(struct pf_keypair *kp);

/* The exact bytes that are signed; malloc'd (caller frees), NULL on ENOMEM. */
uint8_t *pf_signed_bytes(const char *type, const char *data, size_t data_len,
			 const char *verification, size_t *out_len);
/* Returns 0, or -ENOMEM. */
int pf_sign(const struct pf_keypair *kp, const char *type, const char *data, size_t data_len,
	    const char *verification, uint8_t sig[PF_SIG_BYTES]);
bool pf_verify(const uint8_t pk[PF_PUBKEY_BYTES], const char *type, const char *data,
	       size_t data_len, const char *verification, const uint8_t sig[PF_SIG_BYTES]);

#endif /* PF_SIGN_H */
