// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Test driver for the local wallet (tests/integration/test_wallet_cast.sh):
 *
 *   wallet_mktx newkey FILE
 *       generates a key into FILE (mode 0600); prints address=0x...
 *   wallet_mktx sign --key FILE --chain-id N --nonce N --max-priority-fee WEI
 *                    --max-fee WEI --gas-limit N --to ADDR [--value 0xHEX] [--data 0xHEX]
 *       prints from=, raw= (for eth_sendRawTransaction) and hash= lines.
 *
 * Integers are decimal or 0x-hex (64-bit); the value is hex, up to 256 bits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/eth/ethkey.h"
#include "userspace/common/error.h"
#include "broker/eth/ethtx.h"
#include "userspace/common/hex.h"

static int usage(void)
{
	fprintf(stderr, "usage: wallet_mktx newkey FILE\n"
			"       wallet_mktx sign --key FILE --chain-id N --nonce N "
			"--max-priority-fee WEI --max-fee WEI --gas-limit N --to ADDR "
			"[--value 0xHEX] [--data 0xHEX]\n");
	return 2;
}

static int parse_u64(const char *opt, const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "wallet_mktx: %s: '%s' is not a 64-bit unsigned integer\n", opt, s);
		return -1;
	}
	return 0;
}

/* Up to 64 hex digits, any parity (cast to-hex prints odd counts), left-padded. */
static int parse_value(const char *s, uint8_t value[PF_ETH_VALUE_LEN])
{
	const char *digits = pf_hex_has_prefix(s) ? s + 2 : s;
	size_t len = strlen(digits);
	char padded[2 * PF_ETH_VALUE_LEN];

	if (!len || len > sizeof(padded)) {
		fprintf(stderr, "wallet_mktx: --value: '%s' must have 1 to 64 hex digits\n", s);
		return -1;
	}
	memset(padded, '0', sizeof(padded));
	memcpy(padded + sizeof(padded) - len, digits, len);
	if (pf_hex_decode(padded, sizeof(padded), value, PF_ETH_VALUE_LEN) < 0) {
		fprintf(stderr, "wallet_mktx: --value: '%s' is not hex\n", s);
		return -1;
	}
	return 0;
}

static int newkey(const char *path)
{
	struct pf_ethkey key;
	char addr[PF_ETH_ADDR_STRLEN];

	if (pf_ethkey_generate(&key) || pf_ethkey_save(&key, path)) {
		fprintf(stderr, "wallet_mktx: %s\n", pf_last_error());
		return 1;
	}
	printf("address=%s\n", pf_eth_addr_format(key.addr, addr));
	pf_ethkey_wipe(&key);
	return 0;
}

struct sign_args {
	const char *key_path;
	struct pf_eip1559_tx tx;
	uint8_t *data;
	unsigned seen; /* bit per required option */
};

/* sign_args.seen bits: --key, the integer options (bits 1-5), --to. */
#define SEEN_KEY 1u
#define SEEN_TO	 0x40u
#define SEEN_ALL 0x7fu

static int parse_data(const char *s, struct sign_args *a)
{
	size_t cap = strlen(s) / 2 + 1;
	ssize_t n;

	free(a->data);
	a->data = malloc(cap);
	n = a->data ? pf_hex_decode(s, strlen(s), a->data, cap) : -ENOMEM;
	if (n < 0) {
		fprintf(stderr, "wallet_mktx: --data: '%s' is not an even number of hex digits\n",
			s);
		return -1;
	}
	a->tx.data = a->data;
	a->tx.data_len = (size_t)n;
	return 0;
}

/* The integer options; option i sets bit i + 1 of sign_args.seen. */
static const struct {
	const char *name;
	size_t offset; /* of the uint64_t field in struct pf_eip1559_tx */
} int_options[] = {
    {"--chain-id", offsetof(struct pf_eip1559_tx, chain_id)},
    {"--nonce", offsetof(struct pf_eip1559_tx, nonce)},
    {"--max-priority-fee", offsetof(struct pf_eip1559_tx, max_priority_fee_per_gas)},
    {"--max-fee", offsetof(struct pf_eip1559_tx, max_fee_per_gas)},
    {"--gas-limit", offsetof(struct pf_eip1559_tx, gas_limit)},
};

static int parse_option(const char *opt, const char *val, struct sign_args *a)
{
	for (size_t i = 0; i < sizeof(int_options) / sizeof(int_options[0]); i++) {
		if (!strcmp(opt, int_options[i].name)) {
			a->seen |= 1u << (i + 1);
			return parse_u64(opt, val,
					 (uint64_t *)((char *)&a->tx + int_options[i].offset));
		}
	}
	if (!strcmp(opt, "--key")) {
		a->key_path = val;
		a->seen |= SEEN_KEY;
		return 0;
	}
	if (!strcmp(opt, "--value"))
		return parse_value(val, a->tx.value);
	if (!strcmp(opt, "--data"))
		return parse_data(val, a);
	if (!strcmp(opt, "--to")) {
		a->seen |= SEEN_TO;
		if (!pf_eth_addr_parse(val, a->tx.to))
			return 0;
		fprintf(stderr, "wallet_mktx: --to: %s\n", pf_last_error());
		return -1;
	}
	fprintf(stderr, "wallet_mktx: unknown option %s\n", opt);
	return -1;
}

static int sign(int argc, char **argv)
{
	struct sign_args a = {0};
	struct pf_signed_tx stx;
	struct pf_ethkey key;
	char addr[PF_ETH_ADDR_STRLEN], hash[PF_ETH_HASH_STRLEN];
	int rc = 1;

	for (int i = 0; i < argc; i += 2) {
		if (i + 1 >= argc) {
			fprintf(stderr, "wallet_mktx: %s needs a value\n", argv[i]);
			goto out;
		}
		if (parse_option(argv[i], argv[i + 1], &a))
			goto out;
	}
	if (a.seen != SEEN_ALL) {
		fprintf(stderr, "wallet_mktx: sign needs --key, --chain-id, --nonce, "
				"--max-priority-fee, --max-fee, --gas-limit and --to\n");
		goto out;
	}
	if (pf_ethkey_load(&key, a.key_path)) {
		fprintf(stderr, "wallet_mktx: %s\n", pf_last_error());
		goto out;
	}
	pf_eth_addr_format(key.addr, addr);
	rc = pf_eip1559_sign(&a.tx, &key, &stx);
	pf_ethkey_wipe(&key);
	if (rc) {
		fprintf(stderr, "wallet_mktx: %s\n", pf_last_error());
		rc = 1;
		goto out;
	}
	printf("from=%s\nraw=%s\nhash=%s\n", addr, stx.raw_hex,
	       pf_hex_encode_0x(stx.hash, sizeof(stx.hash), hash));
	pf_signed_tx_free(&stx);
out:
	free(a.data);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "newkey"))
		return newkey(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "sign"))
		return sign(argc - 2, argv + 2);
	return usage();
}
