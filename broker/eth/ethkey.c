// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include "broker/eth/ethkey.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "userspace/common/error.h"
#include "userspace/common/hex.h"
#include "broker/eth/keccak.h"

#define SECRET_HEX_LEN	 (2 * PF_ETH_SECRET_LEN)
#define KEY_FILE_MAX	 256 /* far above 0x + 64 digits + whitespace */
#define KEY_MODE_ALLOWED 0600
#define GENERATE_TRIES	 16 /* a random 256-bit string is invalid with p ~ 2^-128 */

/*
 * A context per operation: creation is cheap since libsecp256k1 0.2 (static
 * tables), it keeps callers thread-safe, and randomizing it blinds the
 * signing and key-derivation computations against side channels.
 */
static secp256k1_context *context_new(void)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	uint8_t seed[32];

	if (!ctx || sodium_init() < 0)
		goto fail;
	randombytes_buf(seed, sizeof(seed));
	if (!secp256k1_context_randomize(ctx, seed))
		goto fail;
	sodium_memzero(seed, sizeof(seed));
	return ctx;
fail:
	if (ctx)
		secp256k1_context_destroy(ctx);
	return NULL;
}

void pf_eth_pubkey_to_address(const uint8_t pubkey[PF_ETH_PUBKEY_LEN],
			      uint8_t addr[PF_ETH_ADDR_LEN])
{
	uint8_t digest[PF_KECCAK256_LEN];

	pf_keccak256(pubkey, PF_ETH_PUBKEY_LEN, digest);
	memcpy(addr, digest + PF_KECCAK256_LEN - PF_ETH_ADDR_LEN, PF_ETH_ADDR_LEN);
}

/* Serializes pk as 0x04 || X || Y and keeps X || Y. */
static void pubkey_bytes(const secp256k1_context *ctx, const secp256k1_pubkey *pk,
			 uint8_t out[PF_ETH_PUBKEY_LEN])
{
	uint8_t tagged[PF_ETH_PUBKEY_LEN + 1];
	size_t len = sizeof(tagged);

	secp256k1_ec_pubkey_serialize(ctx, tagged, &len, pk, SECP256K1_EC_UNCOMPRESSED);
	memcpy(out, tagged + 1, PF_ETH_PUBKEY_LEN);
}

int pf_ethkey_from_secret(struct pf_ethkey *key, const uint8_t secret[PF_ETH_SECRET_LEN])
{
	secp256k1_context *ctx = context_new();
	secp256k1_pubkey pk;
	int rc = 0;

	if (!ctx)
		return pf_fail(-ENOMEM, "cannot create a secp256k1 context");
	if (!secp256k1_ec_seckey_verify(ctx, secret) ||
	    !secp256k1_ec_pubkey_create(ctx, &pk, secret)) {
		rc = pf_fail(
		    -EINVAL,
		    "not a valid secp256k1 private key (zero, or not below the curve order)");
		goto out;
	}
	memcpy(key->secret, secret, PF_ETH_SECRET_LEN);
	pubkey_bytes(ctx, &pk, key->pubkey);
	pf_eth_pubkey_to_address(key->pubkey, key->addr);
out:
	secp256k1_context_destroy(ctx);
	return rc;
}

/* Parses text that came from `label` (a file name or "private key"). */
static int parse_secret(struct pf_ethkey *key, const char *text, size_t len, const char *label)
{
	uint8_t secret[PF_ETH_SECRET_LEN];
	int rc;

	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	while (len && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	if (len >= 2 && pf_hex_has_prefix(text)) {
		text += 2;
		len -= 2;
	}
	if (!len)
		return pf_fail(-EINVAL, "%s: empty, expected 64 hex digits", label);
	for (size_t i = 0; i < len; i++) {
		if (pf_hex_digit(text[i]) < 0)
			return pf_fail(-EINVAL, "%s: character %zu (0x%02x) is not a hex digit",
				       label, i + 1, (unsigned char)text[i]);
	}
	if (len != SECRET_HEX_LEN)
		return pf_fail(
		    -EINVAL,
		    "%s: expected exactly 64 hex digits (optionally prefixed 0x), found %zu", label,
		    len);
	pf_hex_decode(text, len, secret, sizeof(secret));
	rc = pf_ethkey_from_secret(key, secret);
	sodium_memzero(secret, sizeof(secret));
	if (rc)
		return pf_fail(rc, "%s: %s", label, pf_last_error());
	return 0;
}

int pf_ethkey_parse(struct pf_ethkey *key, const char *text, size_t len)
{
	return parse_secret(key, text, len, "private key");
}

int pf_ethkey_load(struct pf_ethkey *key, const char *path)
{
	char buf[KEY_FILE_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pf_fail(-errno, "cannot open key file %s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		rc = pf_fail(-errno, "cannot stat key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = pf_fail(-EINVAL, "key file %s is not a regular file", path);
		goto out;
	}
	if (st.st_mode & 07777 & ~KEY_MODE_ALLOWED) {
		rc = pf_fail(-EPERM,
			     "key file %s has mode %04o; a private key file must have mode 0600 "
			     "or stricter (chmod 600 %s)",
			     path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		rc = pf_fail(-errno, "cannot read key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (n > KEY_FILE_MAX) {
		rc = pf_fail(
		    -EINVAL,
		    "key file %s is too long: expected 64 hex digits (optionally prefixed 0x)",
		    path);
		goto out;
	}
	rc = parse_secret(key, buf, (size_t)n, path);
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

int pf_ethkey_generate(struct pf_ethkey *key)
{
	uint8_t secret[PF_ETH_SECRET_LEN];
	int rc = -EIO;

	if (sodium_init() < 0)
		return pf_fail(-EIO, "libsodium failed to initialise");
	for (int i = 0; i < GENERATE_TRIES && rc == -EIO; i++) {
		randombytes_buf(secret, sizeof(secret));
		rc = pf_ethkey_from_secret(key, secret);
		if (rc == -EINVAL)
			rc = -EIO;
	}
	sodium_memzero(secret, sizeof(secret));
	if (rc == -EIO)
		return pf_fail(rc, "the random generator gave %d invalid keys in a row",
			       GENERATE_TRIES);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int pf_ethkey_save(const struct pf_ethkey *key, const char *path)
{
	char text[2 + SECRET_HEX_LEN + 2];
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, KEY_MODE_ALLOWED);
	if (fd < 0 && errno == EEXIST)
		return pf_fail(-EEXIST, "key file %s already exists; not overwriting it", path);
	if (fd < 0)
		return pf_fail(-errno, "cannot create key file %s: %s", path, strerror(errno));
	pf_hex_encode_0x(key->secret, PF_ETH_SECRET_LEN, text);
	strcat(text, "\n");
	/* The umask may have cleared bits of 0600; set exactly 0600. */
	if (fchmod(fd, KEY_MODE_ALLOWED))
		rc = -errno;
	else
		rc = write_all(fd, text, strlen(text));
	if (!rc && fsync(fd))
		rc = -errno;
	sodium_memzero(text, sizeof(text));
	if (close(fd) && !rc)
		rc = -errno;
	if (rc) {
		unlink(path);
		return pf_fail(rc, "cannot write key file %s: %s", path, strerror(-rc));
	}
	return 0;
}

void pf_ethkey_wipe(struct pf_ethkey *key)
{
	sodium_memzero(key, sizeof(*key));
}

int pf_ethkey_sign_digest(const struct pf_ethkey *key, const uint8_t digest[PF_ETH_DIGEST_LEN],
			  struct pf_eth_sig *sig)
{
	secp256k1_context *ctx = context_new();
	secp256k1_ecdsa_recoverable_signature rsig;
	secp256k1_ecdsa_signature plain;
	uint8_t rs[64];
	int recid, rc = 0;

	if (!ctx)
		return pf_fail(-ENOMEM, "cannot create a secp256k1 context");
	/* NULL nonce function: RFC 6979, so the same digest and key give the same bytes. */
	if (!secp256k1_ecdsa_sign_recoverable(ctx, &rsig, digest, key->secret, NULL, NULL)) {
		rc = pf_fail(-EINVAL, "secp256k1 refused to sign with this key");
		goto out;
	}
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, rs, &recid, &rsig);
	secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &rsig);
	/* Ethereum rejects high-s signatures (EIP-2); libsecp256k1 signs low-s, check it. */
	if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &plain) || recid > 1) {
		rc = pf_fail(-EINVAL, "signature has a high s or recovery id %d", recid);
		goto out;
	}
	memcpy(sig->r, rs, 32);
	memcpy(sig->s, rs + 32, 32);
	sig->y_parity = (uint8_t)recid;
out:
	secp256k1_context_destroy(ctx);
	return rc;
}

int pf_eth_recover_address(const uint8_t digest[PF_ETH_DIGEST_LEN], const struct pf_eth_sig *sig,
			   uint8_t addr[PF_ETH_ADDR_LEN])
{
	const secp256k1_context *ctx = secp256k1_context_static;
	secp256k1_ecdsa_recoverable_signature rsig;
	secp256k1_pubkey pk;
	uint8_t rs[64], pub[PF_ETH_PUBKEY_LEN];

	if (sig->y_parity > 1)
		return pf_fail(-EINVAL, "y parity %u is not 0 or 1", sig->y_parity);
	memcpy(rs, sig->r, 32);
	memcpy(rs + 32, sig->s, 32);
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, rs, sig->y_parity))
		return pf_fail(-EINVAL, "r or s is not below the curve order");
	if (!secp256k1_ecdsa_recover(ctx, &pk, &rsig, digest))
		return pf_fail(-EINVAL, "no public key matches this signature");
	pubkey_bytes(ctx, &pk, pub);
	pf_eth_pubkey_to_address(pub, addr);
	return 0;
}

/* EIP-55: hex digit i is upper case when nibble i of keccak256(lowercase hex) is >= 8. */
static void checksum_case(const char lower[2 * PF_ETH_ADDR_LEN], char out[2 * PF_ETH_ADDR_LEN])
{
	uint8_t h[PF_KECCAK256_LEN];

	pf_keccak256(lower, 2 * PF_ETH_ADDR_LEN, h);
	for (int i = 0; i < 2 * PF_ETH_ADDR_LEN; i++) {
		int nibble = i % 2 ? h[i / 2] & 0xf : h[i / 2] >> 4;

		out[i] = nibble >= 8 ? (char)toupper((unsigned char)lower[i]) : lower[i];
	}
}

char *pf_eth_addr_format(const uint8_t addr[PF_ETH_ADDR_LEN], char out[PF_ETH_ADDR_STRLEN])
{
	char lower[2 * PF_ETH_ADDR_LEN + 1];

	pf_hex_encode(addr, PF_ETH_ADDR_LEN, lower);
	out[0] = '0';
	out[1] = 'x';
	checksum_case(lower, out + 2);
	out[PF_ETH_ADDR_STRLEN - 1] = '\0';
	return out;
}

int pf_eth_addr_parse(const char *text, uint8_t addr[PF_ETH_ADDR_LEN])
{
	const char *digits = pf_hex_has_prefix(text) ? text + 2 : text;
	size_t len = strlen(digits);
	bool has_lower = false, has_upper = false;
	char lower[2 * PF_ETH_ADDR_LEN + 1], want[2 * PF_ETH_ADDR_LEN];
	uint8_t bytes[PF_ETH_ADDR_LEN];

	for (size_t i = 0; i < len; i++) {
		if (pf_hex_digit(digits[i]) < 0)
			return pf_fail(-EINVAL,
				       "address %s: character %zu (0x%02x) is not a hex digit",
				       text, i + 1, (unsigned char)digits[i]);
		has_lower |= islower((unsigned char)digits[i]) != 0;
		has_upper |= isupper((unsigned char)digits[i]) != 0;
	}
	if (len != 2 * PF_ETH_ADDR_LEN)
		return pf_fail(-EINVAL, "address %s: expected 40 hex digits, found %zu", text, len);
	pf_hex_decode(digits, len, bytes, sizeof(bytes));
	if (has_lower && has_upper) {
		pf_hex_encode(bytes, sizeof(bytes), lower);
		checksum_case(lower, want);
		if (memcmp(want, digits, sizeof(want)))
			return pf_fail(-EINVAL,
				       "address %s: mixed case but not a valid EIP-55 checksum "
				       "(expected 0x%.40s)",
				       text, want);
	}
	memcpy(addr, bytes, sizeof(bytes));
	return 0;
}
