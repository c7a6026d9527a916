// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The buyer's local wallet: keccak-256, RLP, hex, key files, EIP-55 addresses
 * and EIP-1559 signing. Expected transactions were produced by Foundry's
 * `cast mktx` (1.7.1) with the same key and fields; RFC 6979 makes ECDSA
 * deterministic, so our bytes must match cast's exactly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "userspace/common/error.h"
#include "unit.h"
#include "broker/eth/ethkey.h"
#include "broker/eth/ethtx.h"
#include "userspace/common/hex.h"
#include "broker/eth/keccak.h"
#include "broker/eth/rlp.h"

/* Anvil's dev account #0 and #1. */
#define DEV_KEY0  "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define DEV_ADDR0 "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
#define DEV_KEY1  "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
#define DEV_ADDR1 "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

static char tmpdir[] = "/tmp/pf-test-wallet.XXXXXX";

static const char *keccak_hex(const void *data, size_t len, char out[65])
{
	uint8_t d[PF_KECCAK256_LEN];

	pf_keccak256(data, len, d);
	return pf_hex_encode(d, sizeof(d), out);
}

/* Bytes i % 256 for i < len: the multi-block inputs hashed by `cast keccak`. */
static uint8_t *counting_bytes(size_t len)
{
	uint8_t *p = malloc(len);

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)i;
	return p;
}

static void test_keccak_standard_vectors(void)
{
	char h[65];
	uint8_t a3[200];

	CHECK_STR(keccak_hex("", 0, h),
		  "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	CHECK_STR(keccak_hex("abc", 3, h),
		  "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
	CHECK_STR(keccak_hex("The quick brown fox jumps over the lazy dog", 43, h),
		  "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
	memset(a3, 0xa3, sizeof(a3));
	CHECK_STR(keccak_hex(a3, sizeof(a3), h),
		  "3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a");
}

/* Lengths around the 136-byte rate: padding in the same block, a full block, the next. */
static void test_keccak_multi_block(void)
{
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
	    {135, "cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62"},
	    {136, "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e"},
	    {137, "ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db"},
	    {500, "cbfabf79afab5860388c0abad0004bfbf11a8be32b02427078883c926c25745b"},
	};
	char h[65];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t *p = counting_bytes(v[i].len);

		CHECK_STR(keccak_hex(p, v[i].len, h), v[i].hex);
		free(p);
	}
}

static void test_keccak_incremental_matches_one_shot(void)
{
	static const size_t pieces[] = {1, 7, 135, 136, 137, 64};
	uint8_t *p = counting_bytes(500), one[32], inc[32];
	struct pf_keccak256 ctx;

	pf_keccak256(p, 500, one);
	for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
		pf_keccak256_init(&ctx);
		for (size_t off = 0; off < 500; off += pieces[k]) {
			size_t n = 500 - off < pieces[k] ? 500 - off : pieces[k];

			pf_keccak256_update(&ctx, p + off, n);
		}
		pf_keccak256_final(&ctx, inc);
		CHECK(!memcmp(one, inc, 32));
	}
	/* final re-initialises: the context hashes the next message from scratch */
	pf_keccak256_update(&ctx, "abc", 3);
	pf_keccak256_final(&ctx, inc);
	pf_keccak256("abc", 3, one);
	CHECK(!memcmp(one, inc, 32));
	free(p);
}

static void test_hex_encode_decode(void)
{
	uint8_t b[4] = {0x00, 0xab, 0x7f, 0xff}, out[4];
	char s[11];

	CHECK_STR(pf_hex_encode(b, 4, s), "00ab7fff");
	CHECK_STR(pf_hex_encode_0x(b, 4, s), "0x00ab7fff");
	CHECK_EQ(pf_hex_decode("0x00AB7fFf", 10, out, sizeof(out)), 4);
	CHECK(!memcmp(out, b, 4));
	CHECK_EQ(pf_hex_decode("00ab", 4, out, sizeof(out)), 2);
	CHECK_EQ(pf_hex_decode("0x", 2, out, sizeof(out)), 0);
	CHECK_EQ(pf_hex_decode("abc", 3, out, sizeof(out)), -EINVAL);
	CHECK_EQ(pf_hex_decode("0xzz", 4, out, sizeof(out)), -EINVAL);
	CHECK_EQ(pf_hex_decode("0x0011223344", 12, out, sizeof(out)), -ENOSPC);
	/* strict: a stray byte anywhere fails the whole call, even a NUL or a
	 * separator that libsodium could be told to skip */
	CHECK_EQ(pf_hex_decode("00a\0", 4, out, sizeof(out)), -EINVAL);
	CHECK_EQ(pf_hex_decode("00:a", 4, out, sizeof(out)), -EINVAL);
	CHECK_EQ(pf_hex_decode("0X0a", 4, out, sizeof(out)), 1);
	CHECK_EQ(out[0], 0x0a);
	CHECK_EQ(pf_hex_decode_exact("00AB7fff", 8, out, 4), 0);
	CHECK(!memcmp(out, b, 4));
	CHECK_EQ(pf_hex_decode_exact("0x00ab7f", 8, out, 4), -1);
	CHECK_EQ(pf_hex_decode_exact("00ab7f", 6, out, 4), -1);
	CHECK(pf_hex_valid("00AbfF", 6, 6));
	CHECK(!pf_hex_valid("00Abf", 5, 6));
	CHECK(!pf_hex_valid("00Abfg", 6, 6));
}

/* Compares r's encoding with the expected hex and frees r. */
static int rlp_is(struct pf_rlp *r, const char *want)
{
	char *got = malloc(2 * r->len + 1);
	int same;

	pf_hex_encode(r->data, r->len, got);
	same = !r->err && !strcmp(got, want);
	if (!same)
		fprintf(stderr, "  rlp: got %s (err %d), want %s\n", got, r->err, want);
	free(got);
	pf_rlp_free(r);
	return same;
}

static void test_rlp_wiki_strings_and_ints(void)
{
	const char *lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
	struct pf_rlp r;

	pf_rlp_init(&r);
	pf_rlp_put_bytes(&r, "dog", 3);
	CHECK(rlp_is(&r, "83646f67"));
	pf_rlp_put_bytes(&r, "", 0);
	CHECK(rlp_is(&r, "80"));
	pf_rlp_put_bytes(&r, "\x00", 1);
	CHECK(rlp_is(&r, "00"));
	pf_rlp_put_bytes(&r, "\x0f", 1);
	CHECK(rlp_is(&r, "0f"));
	pf_rlp_put_bytes(&r, "\x80", 1);
	CHECK(rlp_is(&r, "8180"));
	pf_rlp_put_uint(&r, 0);
	CHECK(rlp_is(&r, "80"));
	pf_rlp_put_uint(&r, 15);
	CHECK(rlp_is(&r, "0f"));
	pf_rlp_put_uint(&r, 1024);
	CHECK(rlp_is(&r, "820400"));
	pf_rlp_put_uint(&r, UINT64_MAX);
	CHECK(rlp_is(&r, "88ffffffffffffffff"));
	CHECK_EQ(strlen(lorem), 56);
	pf_rlp_put_bytes(&r, lorem, strlen(lorem));
	CHECK(rlp_is(&r,
		     "b8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e73656374"
		     "65747572206164697069736963696e6720656c6974"));
}

static void test_rlp_uint_be_strips_leading_zeros(void)
{
	uint8_t zero[32] = {0}, big[32] = {0};
	struct pf_rlp r;

	pf_rlp_init(&r);
	pf_rlp_put_uint_be(&r, zero, sizeof(zero));
	CHECK(rlp_is(&r, "80"));
	big[23] = 0x01; /* 2^64 */
	pf_rlp_put_uint_be(&r, big, sizeof(big));
	CHECK(rlp_is(&r, "89010000000000000000"));
	memset(big, 0xff, sizeof(big));
	pf_rlp_put_uint_be(&r, big, sizeof(big));
	CHECK(rlp_is(&r, "a0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"));
}

static void test_rlp_wiki_lists(void)
{
	struct pf_rlp r;
	size_t l, a, b, c;

	pf_rlp_init(&r);
	l = pf_rlp_list_begin(&r);
	pf_rlp_put_bytes(&r, "cat", 3);
	pf_rlp_put_bytes(&r, "dog", 3);
	pf_rlp_list_end(&r, l);
	CHECK(rlp_is(&r, "c88363617483646f67"));

	l = pf_rlp_list_begin(&r);
	pf_rlp_list_end(&r, l);
	CHECK(rlp_is(&r, "c0"));

	/* [ [], [[]], [ [], [[]] ] ] */
	l = pf_rlp_list_begin(&r);
	pf_rlp_list_end(&r, pf_rlp_list_begin(&r));
	a = pf_rlp_list_begin(&r);
	pf_rlp_list_end(&r, pf_rlp_list_begin(&r));
	pf_rlp_list_end(&r, a);
	b = pf_rlp_list_begin(&r);
	pf_rlp_list_end(&r, pf_rlp_list_begin(&r));
	c = pf_rlp_list_begin(&r);
	pf_rlp_list_end(&r, pf_rlp_list_begin(&r));
	pf_rlp_list_end(&r, c);
	pf_rlp_list_end(&r, b);
	pf_rlp_list_end(&r, l);
	CHECK(rlp_is(&r, "c7c0c1c0c3c0c1c0"));
}

/* A list whose payload passes 55 bytes gets a long header (0xf8 + length). */
static void test_rlp_long_list_and_string(void)
{
	uint8_t big[1024];
	struct pf_rlp r;
	size_t l;

	pf_rlp_init(&r);
	l = pf_rlp_list_begin(&r);
	for (int i = 0; i < 14; i++)
		pf_rlp_put_bytes(&r, "cat", 3); /* 14 * 4 = 56 payload bytes */
	pf_rlp_list_end(&r, l);
	CHECK_EQ(r.len, 58);
	CHECK_EQ(r.data[0], 0xf8);
	CHECK_EQ(r.data[1], 56);
	CHECK_EQ(r.data[2], 0x83);
	pf_rlp_free(&r);

	memset(big, 'x', sizeof(big));
	pf_rlp_put_bytes(&r, big, sizeof(big));
	CHECK_EQ(r.len, 1027);
	CHECK_EQ(r.data[0], 0xb9);
	CHECK_EQ(r.data[1], 0x04);
	CHECK_EQ(r.data[2], 0x00);
	pf_rlp_free(&r);

	CHECK_EQ(pf_rlp_list_end(&r, 5), -EINVAL); /* begin beyond the end */
	CHECK_EQ(r.err, -EINVAL);
	CHECK_EQ(pf_rlp_put_uint(&r, 1), -EINVAL); /* errors are sticky */
	pf_rlp_free(&r);
}

static void load_dev_key(struct pf_ethkey *k, const char *hex)
{
	int rc = pf_ethkey_parse(k, hex, strlen(hex));

	CHECK_EQ(rc, 0);
	if (rc)
		fprintf(stderr, "  %s\n", pf_last_error());
}

static void test_address_from_dev_key(void)
{
	struct pf_ethkey k;
	char a[PF_ETH_ADDR_STRLEN];

	load_dev_key(&k, "0x" DEV_KEY0);
	CHECK_STR(pf_eth_addr_format(k.addr, a), DEV_ADDR0);
	load_dev_key(&k, DEV_KEY1 "\n");
	CHECK_STR(pf_eth_addr_format(k.addr, a), DEV_ADDR1);
	pf_ethkey_wipe(&k);
	CHECK_EQ(k.secret[0], 0);
}

/* The examples from EIP-55 itself. */
static void test_eip55_format_and_parse(void)
{
	static const char *const v[] = {
	    "0x52908400098527886E0F7030069857D2E4169EE7",
	    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
	    "0xde709f2102306220921060314715629080e2fb77",
	    "0x27b1fdb04752bbc536007a920d24acb045561c26",
	    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
	    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
	    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
	    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	};
	uint8_t addr[PF_ETH_ADDR_LEN], want[PF_ETH_ADDR_LEN];
	char s[PF_ETH_ADDR_STRLEN];

	for (size_t i = 4; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK_EQ(pf_eth_addr_parse(v[i], addr), 0);
		CHECK_STR(pf_eth_addr_format(addr, s), v[i]);
	}
	/* all one case: accepted without a checksum */
	for (size_t i = 0; i < 4; i++)
		CHECK_EQ(pf_eth_addr_parse(v[i], addr), 0);
	CHECK_EQ(pf_eth_addr_parse("70997970c51812dc3a010c7d01b50e0d17dc79c8", want), 0);
	CHECK_EQ(pf_eth_addr_parse(DEV_ADDR1, addr), 0);
	CHECK(!memcmp(addr, want, sizeof(addr)));

	/* one letter's case flipped */
	CHECK_EQ(pf_eth_addr_parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", addr), -EINVAL);
	CHECK(strstr(pf_last_error(), "EIP-55") != NULL);
	CHECK(strstr(pf_last_error(), "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") != NULL);
	CHECK_EQ(pf_eth_addr_parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA", addr), -EINVAL);
	CHECK(strstr(pf_last_error(), "expected 40 hex digits, found 38") != NULL);
	CHECK_EQ(pf_eth_addr_parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", addr), -EINVAL);
	CHECK(strstr(pf_last_error(), "character 40 (0x67) is not a hex digit") != NULL);
}

static void test_bad_key_hex(void)
{
	static const char *const n = /* the curve order: one past the largest secret */
	    "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
	struct pf_ethkey k;

	CHECK_EQ(pf_ethkey_parse(&k, "", 0), -EINVAL);
	CHECK_STR(pf_last_error(), "private key: empty, expected 64 hex digits");
	CHECK_EQ(pf_ethkey_parse(&k, " 0x\n", 4), -EINVAL);
	CHECK_STR(pf_last_error(), "private key: empty, expected 64 hex digits");
	CHECK_EQ(pf_ethkey_parse(&k, DEV_KEY0 "0", 65), -EINVAL);
	CHECK_STR(pf_last_error(),
		  "private key: expected exactly 64 hex digits (optionally prefixed 0x), "
		  "found 65");
	CHECK_EQ(pf_ethkey_parse(&k, DEV_KEY0, 63), -EINVAL);
	CHECK_STR(pf_last_error(),
		  "private key: expected exactly 64 hex digits (optionally prefixed 0x), "
		  "found 63");
	CHECK_EQ(pf_ethkey_parse(&k, "0x" DEV_KEY0 "\nextra", 72), -EINVAL);
	CHECK_STR(pf_last_error(), "private key: character 65 (0x0a) is not a hex digit");
	CHECK_EQ(pf_ethkey_parse(&k, "0xg" DEV_KEY0, 67), -EINVAL);
	CHECK_STR(pf_last_error(), "private key: character 1 (0x67) is not a hex digit");
	CHECK_EQ(pf_ethkey_parse(
		     &k, "0000000000000000000000000000000000000000000000000000000000000000", 64),
		 -EINVAL);
	CHECK_STR(pf_last_error(),
		  "private key: not a valid secp256k1 private key (zero, or not below the "
		  "curve order)");
	CHECK_EQ(pf_ethkey_parse(&k, n, 64), -EINVAL);
	CHECK(strstr(pf_last_error(), "not a valid secp256k1 private key") != NULL);
}

/* Writes text to tmpdir/name with mode; returns the path (static buffer). */
static const char *key_file(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static void test_key_file_permissions(void)
{
	static const mode_t loose[] = {0644, 0640, 0604, 0660, 0700, 0666, 04600};
	struct pf_ethkey k;
	char want[512], a[PF_ETH_ADDR_STRLEN];
	const char *p;

	for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
		p = key_file("loose.key", "0x" DEV_KEY0 "\n", loose[i]);
		CHECK_EQ(pf_ethkey_load(&k, p), -EPERM);
		snprintf(want, sizeof(want),
			 "key file %s has mode %04o; a private key file must have mode 0600 or "
			 "stricter (chmod 600 %s)",
			 p, (unsigned)loose[i], p);
		CHECK_STR(pf_last_error(), want);
	}
	static const mode_t strict[] = {0600, 0400, 0200, 0};
	for (size_t i = 0; i < sizeof(strict) / sizeof(strict[0]); i++) {
		memset(&k, 0, sizeof(k));
		p = key_file("strict.key", "0x" DEV_KEY0 "\n", strict[i]);
		CHECK_EQ(pf_ethkey_load(&k, p), 0); /* root reads mode 0 too */
		CHECK_STR(pf_eth_addr_format(k.addr, a), DEV_ADDR0);
	}
}

static void test_key_file_errors(void)
{
	struct pf_ethkey k;
	char want[512], path[256];
	const char *p;

	snprintf(path, sizeof(path), "%s/missing.key", tmpdir);
	CHECK_EQ(pf_ethkey_load(&k, path), -ENOENT);
	snprintf(want, sizeof(want), "cannot open key file %s: No such file or directory", path);
	CHECK_STR(pf_last_error(), want);

	CHECK_EQ(pf_ethkey_load(&k, tmpdir), -EINVAL);
	snprintf(want, sizeof(want), "key file %s is not a regular file", tmpdir);
	CHECK_STR(pf_last_error(), want);

	p = key_file("short.key", DEV_KEY0 + 2, 0600);
	CHECK_EQ(pf_ethkey_load(&k, p), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s: expected exactly 64 hex digits (optionally prefixed 0x), found 62", p);
	CHECK_STR(pf_last_error(), want);

	p = key_file("bad.key", "0x" DEV_KEY0 "Z\n", 0600);
	CHECK_EQ(pf_ethkey_load(&k, p), -EINVAL);
	snprintf(want, sizeof(want), "%s: character 65 (0x5a) is not a hex digit", p);
	CHECK_STR(pf_last_error(), want);

	p = key_file("empty.key", "", 0600);
	CHECK_EQ(pf_ethkey_load(&k, p), -EINVAL);
	snprintf(want, sizeof(want), "%s: empty, expected 64 hex digits", p);
	CHECK_STR(pf_last_error(), want);

	char big[400];
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p = key_file("big.key", big, 0600);
	CHECK_EQ(pf_ethkey_load(&k, p), -EINVAL);
	snprintf(want, sizeof(want),
		 "key file %s is too long: expected 64 hex digits (optionally prefixed 0x)", p);
	CHECK_STR(pf_last_error(), want);
}

static void test_key_generate_save_load(void)
{
	struct pf_ethkey k, again, other;
	char path[256];
	struct stat st;
	mode_t old = umask(0077); /* save must still give exactly 0600 */

	snprintf(path, sizeof(path), "%s/new.key", tmpdir);
	unlink(path);
	CHECK_EQ(pf_ethkey_generate(&k), 0);
	CHECK_EQ(pf_ethkey_generate(&other), 0);
	CHECK(memcmp(k.secret, other.secret, sizeof(k.secret)));
	CHECK_EQ(pf_ethkey_save(&k, path), 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_EQ(st.st_size, 2 + 64 + 1);
	CHECK_EQ(pf_ethkey_load(&again, path), 0);
	CHECK(!memcmp(&k, &again, sizeof(k)));

	CHECK_EQ(pf_ethkey_save(&other, path), -EEXIST);
	CHECK(strstr(pf_last_error(), "already exists") != NULL);
	CHECK_EQ(pf_ethkey_load(&again, path), 0); /* untouched */
	CHECK(!memcmp(&k, &again, sizeof(k)));
	umask(old);
}

static void test_sign_digest_recovers_signer(void)
{
	struct pf_ethkey k;
	struct pf_eth_sig sig, sig2;
	uint8_t digest[32], addr[20];

	load_dev_key(&k, DEV_KEY1);
	pf_keccak256("payflow", 7, digest);
	CHECK_EQ(pf_ethkey_sign_digest(&k, digest, &sig), 0);
	CHECK_EQ(pf_ethkey_sign_digest(&k, digest, &sig2), 0);
	CHECK(!memcmp(&sig, &sig2, sizeof(sig))); /* RFC 6979 */
	CHECK(sig.s[0] < 0x80);			  /* low s: below n / 2 */
	CHECK_EQ(pf_eth_recover_address(digest, &sig, addr), 0);
	CHECK(!memcmp(addr, k.addr, 20));
	digest[0] ^= 1; /* another message recovers another address */
	CHECK_EQ(pf_eth_recover_address(digest, &sig, addr), 0);
	CHECK(memcmp(addr, k.addr, 20));
	memset(sig.r, 0xff, 32);
	CHECK_EQ(pf_eth_recover_address(digest, &sig, addr), -EINVAL);
	CHECK_STR(pf_last_error(), "r or s is not below the curve order");
	memset(sig.r, 0, 32);
	CHECK_EQ(pf_eth_recover_address(digest, &sig, addr), -EINVAL);
	CHECK_STR(pf_last_error(), "no public key matches this signature");
	sig.y_parity = 2;
	CHECK_EQ(pf_eth_recover_address(digest, &sig, addr), -EINVAL);
	CHECK_STR(pf_last_error(), "y parity 2 is not 0 or 1");
}

static void hex_to(const char *hex, uint8_t *out, size_t len)
{
	CHECK_EQ(pf_hex_decode(hex, strlen(hex), out, len), (ssize_t)len);
}

/*
 * cast mktx --private-key 0xac09..ff80 --nonce 7 --gas-limit 50000
 *   --gas-price 30000000000 --priority-gas-price 1500000000 --chain 31337
 *   --value 20000000000000000001 0x70997970C51812dc3A010C7d01b50e0d17dc79C8
 *   0x706671<37 zero bytes>2a
 * The value exceeds 2^64, so the 256-bit path is exercised.
 */
static void test_eip1559_matches_cast_mktx(void)
{
	static const char *raw =
	    "0x02f89e827a69078459682f008506fc23ac0082c3509470997970c51812dc3a010c7d01b50e0d17dc7"
	    "9c88901158e460913d00001a8706671000000000000000000000000000000000000000000000000000000"
	    "0000000000000000002ac080a0101bd6310adb16578ea2b852c7275f728e261b4f1d203d5c30a99df9bf"
	    "0acf98a05a8b28bb9c54d2fe7a83eca95640d1643516260948807ea0d15536b2379786b7";
	uint8_t data[40] = {0x70, 0x66, 0x71}, hash[32];
	struct pf_eip1559_tx tx = {
	    .chain_id = 31337,
	    .nonce = 7,
	    .max_priority_fee_per_gas = 1500000000,
	    .max_fee_per_gas = 30000000000,
	    .gas_limit = 50000,
	    .data = data,
	    .data_len = sizeof(data),
	};
	struct pf_signed_tx stx;
	struct pf_ethkey k;

	data[39] = 0x2a;
	hex_to("70997970c51812dc3a010c7d01b50e0d17dc79c8", tx.to, 20);
	hex_to("000000000000000000000000000000000000000000000001158e460913d00001", tx.value, 32);
	load_dev_key(&k, DEV_KEY0);
	CHECK_EQ(pf_eip1559_sign(&tx, &k, &stx), 0);
	CHECK_STR(stx.raw_hex, raw);
	CHECK_EQ(stx.raw_len, (strlen(raw) - 2) / 2);
	CHECK_EQ(stx.raw[0], 0x02);
	CHECK_EQ(stx.sig.y_parity, 0);
	hex_to("572522dc1da94ae9c190e1fc75662774667b2c942125b5ebb1ee3838dda3088d", hash, 32);
	CHECK(!memcmp(stx.hash, hash, 32));
	pf_signed_tx_free(&stx);
	CHECK(stx.raw == NULL && stx.raw_hex == NULL);
}

/*
 * cast mktx --private-key 0xac09..ff80 --nonce 0 --gas-limit 21000
 *   --gas-price 2000000000 --priority-gas-price 1000000000 --chain 1 --value 1
 *   0x70997970C51812dc3A010C7d01b50e0d17dc79C8
 * No data, nonce 0 (empty string), y_parity 1.
 */
static void test_eip1559_plain_transfer_matches_cast(void)
{
	static const char *raw =
	    "0x02f86a0180843b9aca0084773594008252089470997970c51812dc3a010c7d01b50e0d17dc79c80180"
	    "c001a08ba403cc571a96355d538d0aea89b8bd6c93db34dda23ebcd776a7920509551ba031d6e810740b"
	    "c700a324b536aeadc6e26f274e22b9bd78294e3a644787f0d97a";
	struct pf_eip1559_tx tx = {
	    .chain_id = 1,
	    .max_priority_fee_per_gas = 1000000000,
	    .max_fee_per_gas = 2000000000,
	    .gas_limit = 21000,
	};
	struct pf_signed_tx stx;
	struct pf_ethkey k;
	uint8_t hash[32];

	tx.value[31] = 1;
	CHECK_EQ(pf_eth_addr_parse(DEV_ADDR1, tx.to), 0);
	load_dev_key(&k, DEV_KEY0);
	CHECK_EQ(pf_eip1559_sign(&tx, &k, &stx), 0);
	CHECK_STR(stx.raw_hex, raw);
	CHECK_EQ(stx.sig.y_parity, 1);
	hex_to("6e496ef682f6d5c592f8d24fee911e5bcb351a641eee20aa9c6fbfbbe0fcbfac", hash, 32);
	CHECK(!memcmp(stx.hash, hash, 32));
	pf_signed_tx_free(&stx);
}

static void test_eip1559_rejects_bad_fields(void)
{
	struct pf_eip1559_tx ok =
				 {
				     .chain_id = 31337,
				     .max_priority_fee_per_gas = 1,
				     .max_fee_per_gas = 2,
				     .gas_limit = 21000,
				 },
			     tx;
	struct pf_signed_tx stx;
	struct pf_ethkey k;
	uint8_t digest[32];

	load_dev_key(&k, DEV_KEY0);
	CHECK_EQ(pf_eip1559_signing_hash(&ok, digest), 0);

	tx = ok;
	tx.chain_id = 0;
	CHECK_EQ(pf_eip1559_sign(&tx, &k, &stx), -EINVAL);
	CHECK_STR(pf_last_error(), "transaction: chain id must not be 0");
	CHECK(stx.raw == NULL && stx.raw_hex == NULL);

	tx = ok;
	tx.gas_limit = 20999;
	CHECK_EQ(pf_eip1559_sign(&tx, &k, &stx), -EINVAL);
	CHECK_STR(pf_last_error(),
		  "transaction: gas limit 20999 is below the 21000 every transaction needs");

	tx = ok;
	tx.max_priority_fee_per_gas = 3;
	CHECK_EQ(pf_eip1559_signing_hash(&tx, digest), -EINVAL);
	CHECK_STR(pf_last_error(),
		  "transaction: max priority fee per gas 3 exceeds max fee per gas 2");

	tx = ok;
	tx.data_len = 4;
	CHECK_EQ(pf_eip1559_sign(&tx, &k, &stx), -EINVAL);
	CHECK_STR(pf_last_error(), "transaction: 4 data bytes but no data pointer");

	/* a key struct whose address was tampered with is caught by recovery */
	k.addr[0] ^= 1;
	CHECK_EQ(pf_eip1559_sign(&ok, &k, &stx), -EINVAL);
	CHECK_STR(pf_last_error(),
		  "transaction: the signature recovers to another address than the key's");
}

static void cleanup_tmpdir(void)
{
	static const char *const names[] = {"loose.key", "strict.key", "short.key", "bad.key",
					    "empty.key", "big.key",    "new.key"};
	char path[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_keccak_standard_vectors);
	RUN(test_keccak_multi_block);
	RUN(test_keccak_incremental_matches_one_shot);
	RUN(test_hex_encode_decode);
	RUN(test_rlp_wiki_strings_and_ints);
	RUN(test_rlp_uint_be_strips_leading_zeros);
	RUN(test_rlp_wiki_lists);
	RUN(test_rlp_long_list_and_string);
	RUN(test_address_from_dev_key);
	RUN(test_eip55_format_and_parse);
	RUN(test_bad_key_hex);
	RUN(test_key_file_permissions);
	RUN(test_key_file_errors);
	RUN(test_key_generate_save_load);
	RUN(test_sign_digest_recovers_signer);
	RUN(test_eip1559_matches_cast_mktx);
	RUN(test_eip1559_plain_transfer_matches_cast);
	RUN(test_eip1559_rejects_bad_fields);
	cleanup_tmpdir();
	return unit_done();
}
