// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* ed25519 keys, the broker key file, and domain-separated signatures. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "userspace/common/error.h"
#include "userspace/common/hex.h"
#include "broker/proto/sign.h"

#define KEYFILE_LEN (2 * 32 + 1) /* hex seed and '\n' */

static int sodium_ready(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int pf_keypair_from_seed(struct pf_keypair *kp, const uint8_t seed[32])
{
	if (sodium_ready())
		return -EIO;
	return crypto_sign_seed_keypair(kp->pk, kp->sk, seed) ? -EINVAL : 0;
}

int pf_keypair_generate(struct pf_keypair *kp)
{
	uint8_t seed[32];
	int err;

	if (sodium_ready())
		return -EIO;
	randombytes_buf(seed, sizeof(seed));
	err = pf_keypair_from_seed(kp, seed);
	sodium_memzero(seed, sizeof(seed));
	return err;
}

void pf_keypair_wipe(struct pf_keypair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int pf_keypair_save(const char *path, const struct pf_keypair *kp)
{
	char tmp[PATH_MAX], text[KEYFILE_LEN + 1];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return pf_fail(-ENAMETOOLONG, "key file path too long: %s", path);
	fd = mkstemp(tmp); /* mode 0600 */
	if (fd < 0)
		return pf_fail(-errno, "cannot create a file next to %s", path);
	pf_hex_encode(kp->sk, 32, text); /* the seed */
	text[64] = '\n';
	err = write_all(fd, text, KEYFILE_LEN);
	sodium_memzero(text, sizeof(text));
	if (!err && fchmod(fd, 0600))
		err = -errno;
	if (!err && fsync(fd))
		err = -errno;
	close(fd);
	/* link() refuses to replace: two starting brokers never swap keys. */
	if (!err && link(tmp, path))
		err = -errno;
	unlink(tmp);
	if (err == -EEXIST)
		return pf_fail(err, "key file %s already exists", path);
	if (err)
		return pf_fail(err, "cannot write key file %s", path);
	return 0;
}

int pf_keypair_load(const char *path, struct pf_keypair *kp)
{
	char text[KEYFILE_LEN + 2];
	uint8_t seed[32];
	struct stat st;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pf_fail(-errno, "cannot open key file %s", path);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return pf_fail(-EPERM, "key file %s is not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return pf_fail(-EPERM,
			       "key file %s is accessible by group or others (chmod 600 it)", path);
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 64 || n > KEYFILE_LEN || (n == KEYFILE_LEN && text[64] != '\n') ||
	    pf_hex_decode_exact(text, 64, seed, sizeof(seed))) {
		sodium_memzero(text, sizeof(text));
		return pf_fail(-EINVAL, "key file %s: expected 64 hex digits", path);
	}
	err = pf_keypair_from_seed(kp, seed);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(text, sizeof(text));
	return err;
}

int pf_keypair_load_or_create(const char *path, struct pf_keypair *kp, bool *created)
{
	int err = pf_keypair_load(path, kp);

	*created = false;
	if (err != -ENOENT)
		return err;
	err = pf_keypair_generate(kp);
	if (err)
		return pf_fail(err, "cannot generate a key for %s", path);
	err = pf_keypair_save(path, kp);
	if (err == -EEXIST) /* another process won the race: use its key */
		return pf_keypair_load(path, kp);
	*created = !err;
	return err;
}

uint8_t *pf_signed_bytes(const char *type, const char *data, size_t data_len,
			 const char *verification, size_t *out_len)
{
	size_t pre = strlen(PF_SIG_DOMAIN), tlen = strlen(type), vlen = strlen(verification);
	size_t len = pre + tlen + 1 + data_len + 1 + vlen;
	uint8_t *msg = malloc(len ? len : 1), *p = msg;

	if (!msg)
		return NULL;
	memcpy(p, PF_SIG_DOMAIN, pre);
	p += pre;
	memcpy(p, type, tlen);
	p += tlen;
	*p++ = '\n';
	memcpy(p, data, data_len);
	p += data_len;
	*p++ = '\n';
	memcpy(p, verification, vlen);
	*out_len = len;
	return msg;
}

int pf_sign(const struct pf_keypair *kp, const char *type, const char *data, size_t data_len,
	    const char *verification, uint8_t sig[PF_SIG_BYTES])
{
	size_t len;
	uint8_t *msg;

	if (sodium_ready())
		return -EIO;
	msg = pf_signed_bytes(type, data, data_len, verification, &len);
	if (!msg)
		return -ENOMEM;
	crypto_sign_detached(sig, NULL, msg, len, kp->sk);
	free(msg);
	return 0;
}

bool pf_verify(const uint8_t pk[PF_PUBKEY_BYTES], const char *type, const char *data,
	       size_t data_len, const char *verification, const uint8_t sig[PF_SIG_BYTES])
{
	size_t len;
	uint8_t *msg;
	bool ok;

	if (sodium_ready())
		return false;
	msg = pf_signed_bytes(type, data, data_len, verification, &len);
	if (!msg)
		return false;
	ok = crypto_sign_verify_detached(sig, msg, len, pk) == 0;
	free(msg);
	return ok;
}
