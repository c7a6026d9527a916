// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Keys, the key file, and domain-separated signatures checked against libsodium. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "broker/proto/sign.h"
#include "userspace/common/error.h"
#include "unit.h"

static char dir[] = "/tmp/pf-test-sign.XXXXXX";

static void path_in_dir(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void test_sign_seed_matches_libsodium(void)
{
	uint8_t seed[32], pk[32], sk[64];
	struct pf_keypair kp;

	memset(seed, 7, sizeof(seed));
	CHECK_EQ(pf_keypair_from_seed(&kp, seed), 0);
	crypto_sign_seed_keypair(pk, sk, seed);
	CHECK(!memcmp(kp.pk, pk, 32));
	CHECK(!memcmp(kp.sk, sk, 64));
}

static void test_sign_exact_bytes(void)
{
	static const char want[] = "payflow/v1/ORDER\n{\"a\":1}\n0xab";
	struct pf_keypair kp;
	uint8_t seed[32] = {1}, sig[64], ref[64];
	size_t len;
	uint8_t *bytes;

	pf_keypair_from_seed(&kp, seed);
	bytes = pf_signed_bytes("ORDER", "{\"a\":1}", 7, "0xab", &len);
	CHECK_EQ(len, strlen(want));
	CHECK(!memcmp(bytes, want, len));
	CHECK_EQ(pf_sign(&kp, "ORDER", "{\"a\":1}", 7, "0xab", sig), 0);
	crypto_sign_detached(ref, NULL, (const uint8_t *)want, strlen(want), kp.sk);
	CHECK(!memcmp(sig, ref, 64)); /* ed25519 is deterministic */
	CHECK(crypto_sign_verify_detached(sig, (const uint8_t *)want, strlen(want), kp.pk) == 0);
	CHECK(pf_verify(kp.pk, "ORDER", "{\"a\":1}", 7, "0xab", sig));
	/* the prefix separates types; every byte counts */
	CHECK(!pf_verify(kp.pk, "QUOTE", "{\"a\":1}", 7, "0xab", sig));
	CHECK(!pf_verify(kp.pk, "ORDER", "{\"a\":2}", 7, "0xab", sig));
	CHECK(!pf_verify(kp.pk, "ORDER", "{\"a\":1}", 7, "0xac", sig));
	CHECK(!pf_verify(kp.pk, "ORDER", "{\"a\":1}", 7, "", sig));
	free(bytes);
}

static void test_sign_key_file_roundtrip(void)
{
	char path[256];
	struct pf_keypair kp, back;
	struct stat st;
	bool created;

	path_in_dir(path, sizeof(path), "broker.key");
	CHECK_EQ(pf_keypair_load(path, &back), -ENOENT);
	CHECK_EQ(pf_keypair_load_or_create(path, &kp, &created), 0);
	CHECK(created);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK_EQ(st.st_size, 65);
	CHECK_EQ(pf_keypair_load(path, &back), 0);
	CHECK(!memcmp(kp.pk, back.pk, 32) && !memcmp(kp.sk, back.sk, 64));
	/* a second start keeps the key */
	CHECK_EQ(pf_keypair_load_or_create(path, &back, &created), 0);
	CHECK(!created);
	CHECK(!memcmp(kp.pk, back.pk, 32));
	CHECK_EQ(pf_keypair_save(path, &kp), -EEXIST);
	unlink(path);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

static void test_sign_key_file_refusals(void)
{
	static const char seed_hex[] =
	    "0707070707070707070707070707070707070707070707070707070707070707\n";
	char path[256];
	struct pf_keypair kp, ref;
	uint8_t seed[32];

	path_in_dir(path, sizeof(path), "k");
	write_file(path, seed_hex, 0644);
	CHECK_EQ(pf_keypair_load(path, &kp), -EPERM);
	CHECK(strstr(pf_last_error(), "group or others") != NULL);
	write_file(path, seed_hex, 0640);
	CHECK_EQ(pf_keypair_load(path, &kp), -EPERM);
	write_file(path, seed_hex, 0600);
	CHECK_EQ(pf_keypair_load(path, &kp), 0);
	memset(seed, 7, sizeof(seed));
	pf_keypair_from_seed(&ref, seed);
	CHECK(!memcmp(kp.pk, ref.pk, 32));
	write_file(path, "07070707\n", 0600);
	CHECK_EQ(pf_keypair_load(path, &kp), -EINVAL);
	write_file(path, "zz07070707070707070707070707070707070707070707070707070707070707\n",
		   0600);
	CHECK_EQ(pf_keypair_load(path, &kp), -EINVAL);
	unlink(path);
	CHECK_EQ(pf_keypair_load(dir, &kp), -EPERM); /* a directory */
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(test_sign_seed_matches_libsodium);
	RUN(test_sign_exact_bytes);
	RUN(test_sign_key_file_roundtrip);
	RUN(test_sign_key_file_refusals);
	rmdir(dir);
	return unit_done();
}
