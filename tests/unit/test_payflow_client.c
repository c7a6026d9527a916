// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The buyer CLI's library parts: broker key pins (known_brokers), refusal
 * sentences, the wallet's transaction building and fee rules, settings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tools/payflow/client_config.h"
#include "tools/payflow/client_pins.h"
#include "tools/payflow/client_refusal.h"
#include "tools/payflow/client_wallet.h"
#include "userspace/common/hex.h"
#include "userspace/common/error.h"
#include "unit.h"

static const char key_a[] = "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737";
static const char key_b[] = "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0";

static void hexkey(const char *hex, uint8_t pk[PF_PUBKEY_BYTES])
{
	pf_hex_decode_exact(hex, PF_PUBKEY_HEX, pk, PF_PUBKEY_BYTES);
}

static void test_pins_find(void)
{
	char text[512];
	uint8_t pk[PF_PUBKEY_BYTES], want[PF_PUBKEY_BYTES];

	snprintf(text, sizeof(text), "# pins\n\n10.0.0.1:6113 %s\n[fd00::1]:7000\t%s\r\n", key_a,
		 key_b);
	CHECK_EQ(pf_pins_find(text, strlen(text), "10.0.0.1:6113", pk), 1);
	hexkey(key_a, want);
	CHECK(!memcmp(pk, want, sizeof(pk)));
	CHECK_EQ(pf_pins_find(text, strlen(text), "[fd00::1]:7000", pk), 1);
	hexkey(key_b, want);
	CHECK(!memcmp(pk, want, sizeof(pk)));
	CHECK_EQ(pf_pins_find(text, strlen(text), "10.0.0.1:6114", pk), 0);
	CHECK_EQ(pf_pins_find("", 0, "10.0.0.1:6113", pk), 0);
}

static void test_pins_malformed(void)
{
	char text[512];
	uint8_t pk[PF_PUBKEY_BYTES];

	CHECK_EQ(pf_pins_find("# c\nhost:1 abcd\n", 16, "host:1", pk), -EINVAL);
	CHECK_STR(pf_last_error(), "line 2 is not \"HOST:PORT KEY\" with a 64-hex-digit key");
	CHECK_EQ(pf_pins_find("hostonly\n", 9, "x:1", pk), -EINVAL);
	CHECK_STR(pf_last_error(), "line 1 is not \"HOST:PORT KEY\" with a 64-hex-digit key");
	snprintf(text, sizeof(text), "h:1 %s\nh:1 %s\n", key_a, key_b);
	CHECK_EQ(pf_pins_find(text, strlen(text), "h:1", pk), -EINVAL);
	CHECK_STR(pf_last_error(), "line 2 pins h:1 a second time");
	snprintf(text, sizeof(text), "h:1 %s extra\n", key_a);
	CHECK_EQ(pf_pins_find(text, strlen(text), "h:1", pk), -EINVAL);
	CHECK_EQ(pf_pins_find("", 0, "bad name", pk), -EINVAL);
}

static void test_pins_replace(void)
{
	char text[512], want[512];
	uint8_t a[PF_PUBKEY_BYTES], b[PF_PUBKEY_BYTES];
	size_t len;
	char *out;

	hexkey(key_a, a);
	hexkey(key_b, b);
	/* Replaced in place; comments and other pins kept verbatim. */
	snprintf(text, sizeof(text), "# mine\nx:1 %s\nh:2 %s\ny:3 %s\n", key_a, key_a, key_a);
	out = pf_pins_replace(text, strlen(text), "h:2", b, &len);
	snprintf(want, sizeof(want), "# mine\nx:1 %s\nh:2 %s\ny:3 %s\n", key_a, key_b, key_a);
	CHECK_STR(out, want);
	CHECK_EQ(len, strlen(want));
	free(out);
	/* Appended, adding the missing final newline first. */
	snprintf(text, sizeof(text), "x:1 %s", key_a);
	out = pf_pins_replace(text, strlen(text), "h:2", b, &len);
	snprintf(want, sizeof(want), "x:1 %s\nh:2 %s\n", key_a, key_b);
	CHECK_STR(out, want);
	free(out);
	out = pf_pins_replace("junk\n", 5, "h:2", b, &len);
	CHECK(out == NULL);
	CHECK_EQ(errno, EINVAL);
}

static void test_pins_file(void)
{
	char dir[] = "/tmp/pf-pins-XXXXXX", path[64];
	uint8_t a[PF_PUBKEY_BYTES], b[PF_PUBKEY_BYTES], got[PF_PUBKEY_BYTES];
	struct stat st;

	hexkey(key_a, a);
	hexkey(key_b, b);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/known_brokers", dir);
	CHECK_EQ(pf_pins_lookup(path, "h:1", got), 0); /* no file yet */
	CHECK_EQ(pf_pins_store(path, "h:1", a), 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK_EQ(pf_pins_lookup(path, "h:1", got), 1);
	CHECK_EQ(pf_pins_verdict(1, got, a), PF_PIN_MATCH);
	CHECK_EQ(pf_pins_verdict(1, got, b), PF_PIN_CHANGED);
	CHECK_EQ(pf_pins_verdict(0, got, b), PF_PIN_NEW);
	CHECK_EQ(pf_pins_store(path, "h:1", b), 0);
	CHECK_EQ(pf_pins_lookup(path, "h:1", got), 1);
	CHECK(!memcmp(got, b, sizeof(got)));
	unlink(path);
	rmdir(dir);
}

static void test_pins_name(void)
{
	char name[PF_PIN_NAME_MAX + 1];

	CHECK_EQ(pf_pins_name("10.0.0.1", 6113, name, sizeof(name)), 0);
	CHECK_STR(name, "10.0.0.1:6113");
	CHECK_EQ(pf_pins_name("fd00::1", 7000, name, sizeof(name)), 0);
	CHECK_STR(name, "[fd00::1]:7000");
	CHECK_EQ(pf_pins_name("h", 0, name, sizeof(name)), -EINVAL);
}

static void sentence(enum pf_err code, const char *broker_text, const struct pf_refusal_ctx *ctx,
		     char *out, size_t len)
{
	struct pf_err_msg e = {.code = code};

	snprintf(e.text, sizeof(e.text), "%s", broker_text);
	pf_refusal_sentence(&e, ctx, out, len);
}

static void test_refusal_sentences(void)
{
	struct pf_refusal_ctx eth = {"ETH", 18, "3000000000000000", "2000000000000000"};
	char s[512];

	sentence(PF_E_CAPACITY_EXHAUSTED, "port eth1 has 40 Mbit/s free", NULL, s, sizeof(s));
	CHECK_STR(s, "capacity exhausted: port eth1 has 40 Mbit/s free [capacity_exhausted]");
	sentence(PF_E_UNDERPAYMENT, "paid 2000000000000000, due 3000000000000000", &eth, s,
		 sizeof(s));
	CHECK_STR(s, "payment was 0.001 ETH short (paid 0.002 ETH, due 0.003 ETH) [underpayment]");
	/* Without the amounts, the broker's own message is shown. */
	sentence(PF_E_UNDERPAYMENT, "paid 2, due 3", NULL, s, sizeof(s));
	CHECK_STR(s, "the payment was short: paid 2, due 3 [underpayment]");
	/* The broker's default sentence adds nothing and is not repeated. */
	sentence(PF_E_CAPACITY_EXHAUSTED, pf_err_default_text(PF_E_CAPACITY_EXHAUSTED), NULL, s,
		 sizeof(s));
	CHECK_STR(s, "capacity exhausted [capacity_exhausted]");
	sentence(PF_E_PAIR_RESERVED, "whatever", NULL, s, sizeof(s));
	CHECK_STR(s, "the pair already has an active reservation; use payflow extend to add time "
		     "[pair_reserved]");
	sentence(PF_E_PAIR_NOT_OWNED, "you speak from 10.0.0.1, which is in neither a nor b", NULL,
		 s, sizeof(s));
	CHECK_STR(s, "this host may not buy or inspect that pair: you speak from 10.0.0.1, which "
		     "is in neither a nor b [pair_not_owned]");
	sentence((enum pf_err)99, "odd", NULL, s, sizeof(s));
	CHECK_STR(s, "the broker refused: odd [unknown code]");
	/* Truncation keeps a terminated string. */
	sentence(PF_E_TX_FAILED, "", NULL, s, 10);
	CHECK_STR(s, "the payme");
}

static void test_refusal_every_code(void)
{
	char s[512], tail[64];

	for (int code = PF_OK + 1; code < PF_E__COUNT; code++) {
		size_t n;

		sentence((enum pf_err)code, "", NULL, s, sizeof(s));
		snprintf(tail, sizeof(tail), " [%s]", pf_err_name((enum pf_err)code));
		n = strlen(s);
		CHECK(n > strlen(tail) + 10);
		CHECK(n >= strlen(tail) && !strcmp(s + n - strlen(tail), tail));
	}
}

static void test_amount_units(void)
{
	char s[128];

	CHECK_EQ(pf_amount_units("300000000000000", 18, "ETH", s, sizeof(s)), 10);
	CHECK_STR(s, "0.0003 ETH");
	CHECK(pf_amount_units("1500000000000000000", 18, "ETH", s, sizeof(s)) > 0);
	CHECK_STR(s, "1.5 ETH");
	CHECK_EQ(pf_amount_units("12x", 18, "ETH", s, sizeof(s)), -EINVAL);
	CHECK_EQ(pf_amount_units("1", 18, "ETH", s, 4), -ENOSPC);
}

static void test_wallet_gas_and_fees(void)
{
	uint8_t id[16] = {0x6b, 0x1f, 0x4a, 0x3c, 0x9d, 0x2e, 0x8f, 0x70,
			  0x61, 0x52, 0x43, 0x34, 0xa5, 0xb6, 0xc7, 0xd8};
	uint8_t zeros[4] = {0, 0, 1, 0};
	uint64_t fee, tip;

	CHECK_EQ(pf_wallet_intrinsic_gas(id, sizeof(id)), 21256);
	CHECK_EQ(pf_wallet_intrinsic_gas(zeros, sizeof(zeros)), 21000 + 3 * 4 + 16);
	CHECK_EQ(pf_wallet_intrinsic_gas(NULL, 0), 21000);
	CHECK_EQ(pf_wallet_fees(true, 7, 1000000000, 0, &fee, &tip), 0);
	CHECK_EQ(fee, 1000000014);
	CHECK_EQ(tip, 1000000000);
	CHECK_EQ(pf_wallet_fees(false, 0, 5000, 3000, &fee, &tip), 0);
	CHECK_EQ(fee, 3000);
	CHECK_EQ(tip, 3000);
	CHECK_EQ(pf_wallet_fees(true, UINT64_MAX / 2, 2, 0, &fee, &tip), -ERANGE);
}

static void test_wallet_value(void)
{
	uint8_t v[32], want[32] = {0};

	CHECK_EQ(pf_wallet_value_be("300000000000000", v), 0);
	/* 3e14 = 0x0110d9316ec000 */
	memcpy(want + 25, "\x01\x10\xd9\x31\x6e\xc0\x00", 7);
	CHECK(!memcmp(v, want, 32));
	/* 2^64 needs the second limb. */
	CHECK_EQ(pf_wallet_value_be("18446744073709551616", v), 0);
	memset(want, 0, sizeof(want));
	want[23] = 1;
	CHECK(!memcmp(v, want, 32));
	CHECK_EQ(pf_wallet_value_be("-1", v), -EINVAL);
}

/* The PROTOCOL.md example quote, paid from Anvil's dev key #0. */
static void example_quote(struct pf_quote *q)
{
	memset(q, 0, sizeof(*q));
	strcpy(q->quote_id, "6b1f4a3c9d2e8f7061524334a5b6c7d8");
	strcpy(q->amount, "300000000000000");
	strcpy(q->pay_to, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
	q->chain_id = 31337;
}

static void test_wallet_tx_matches_cast(void)
{
	/* cast mktx --private-key <anvil #0> --chain 31337 --nonce 3 --gas-limit 21256
	 *   --gas-price 2000000000 --priority-gas-price 1000000000 --value 300000000000000
	 *   0x70997970C51812dc3A010C7d01b50e0d17dc79C8 0x6b1f4a3c9d2e8f7061524334a5b6c7d8 */
	static const char want[] =
	    "0x02f883827a6903843b9aca0084773594008253089470997970c51812dc3a010c7d01b50e0d17dc79c887"
	    "0110d9316ec000906b1f4a3c9d2e8f7061524334a5b6c7d8c080a0c358fc67cca45d389315b280cd08de"
	    "ee20fcee2a141a140965e5d5badbb90b79a0458419eb74542abc88e1d3383f1d1feb7eb07f1e110f0649"
	    "cdfb73df8cf872d6";
	static const char secret[] =
	    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
	struct pf_eip1559_tx tx;
	struct pf_signed_tx stx;
	struct pf_ethkey key;
	struct pf_quote q;
	uint8_t data[16];

	example_quote(&q);
	CHECK_EQ(pf_ethkey_parse(&key, secret, strlen(secret)), 0);
	CHECK_EQ(pf_wallet_build_tx(&q, 3, 21256, 1000000000, 2000000000, &tx, data), 0);
	CHECK_EQ(tx.data_len, 16);
	CHECK(tx.data == data);
	CHECK_EQ(data[0], 0x6b);
	CHECK_EQ(data[15], 0xd8);
	CHECK_EQ(pf_eip1559_sign(&tx, &key, &stx), 0);
	CHECK_STR(stx.raw_hex, want);
	pf_signed_tx_free(&stx);
	pf_ethkey_wipe(&key);
}

static void test_wallet_tx_errors(void)
{
	struct pf_eip1559_tx tx;
	struct pf_quote q;
	uint8_t data[16];

	example_quote(&q);
	strcpy(q.quote_id, "xyz");
	CHECK_EQ(pf_wallet_build_tx(&q, 0, 21000, 0, 0, &tx, data), -EINVAL);
	CHECK_STR(pf_last_error(), "quote id 'xyz' is not 32 hex digits");
	example_quote(&q);
	strcpy(q.amount, "1.5");
	CHECK_EQ(pf_wallet_build_tx(&q, 0, 21000, 0, 0, &tx, data), -EINVAL);
	CHECK_STR(pf_last_error(), "amount '1.5' is not a decimal amount");
	example_quote(&q);
	q.chain_id = 0;
	CHECK_EQ(pf_wallet_build_tx(&q, 0, 21000, 0, 0, &tx, data), -EINVAL);
}

static void test_wallet_open_errors(void)
{
	struct pf_wallet w;

	CHECK_EQ(pf_wallet_open(&w, "", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", NULL, 0),
		 -EINVAL);
	CHECK_STR(pf_last_error(),
		  "no ledger node: give --rpc URL (or PAYFLOW_RPC, or rpc= in the config)");
	CHECK_EQ(pf_wallet_open(&w, "http://127.0.0.1:1", NULL, NULL, 0), -EINVAL);
	CHECK_STR(pf_last_error(),
		  "give exactly one wallet: --account ADDR (node-managed) or --key FILE "
		  "(local key)");
	CHECK_EQ(pf_wallet_open(&w, "http://127.0.0.1:1", "0x12", NULL, 0), -EINVAL);
	CHECK_EQ(pf_wallet_open(&w, "http://127.0.0.1:1",
				"0x70997970C51812DC3A010C7D01B50E0D17DC79C8", NULL, 0),
		 0);
	CHECK_EQ(w.mode, PF_WALLET_ACCOUNT);
	CHECK_STR(w.address, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
	pf_wallet_close(&w);
}

static void test_config_parse(void)
{
	static const char text[] = "# defaults\n"
				   "broker = 10.0.0.9:7000\n"
				   "  rpc=http://127.0.0.1:8545  \n"
				   "\n"
				   "key = /root/k\n";
	struct pf_client_config c = {0};

	CHECK_EQ(pf_client_config_parse(text, strlen(text), &c), 0);
	CHECK_STR(c.broker, "10.0.0.9:7000");
	CHECK_STR(c.rpc, "http://127.0.0.1:8545");
	CHECK_STR(c.key, "/root/k");
	CHECK_STR(c.account, "");
	CHECK_EQ(pf_client_config_parse("rpc = x\nwallet = y\n", 20, &c), -EINVAL);
	CHECK_STR(pf_last_error(),
		  "line 2: unknown setting 'wallet' (known: broker, rpc, account, key, peer, "
		  "timeout)");
	CHECK_EQ(pf_client_config_parse("broker\n", 7, &c), -EINVAL);
	CHECK_STR(pf_last_error(), "line 1 has no '=': write name = value");
}

static void test_config_env_and_home(void)
{
	struct pf_client_config c = {0};
	char home[256];

	strcpy(c.rpc, "http://file");
	setenv("PAYFLOW_RPC", "http://env", 1);
	pf_client_config_env(&c);
	CHECK_STR(c.rpc, "http://env");
	unsetenv("PAYFLOW_RPC");
	setenv("PAYFLOW_HOME", "/tmp/ph", 1);
	CHECK_EQ(pf_client_home(home, sizeof(home)), 0);
	CHECK_STR(home, "/tmp/ph");
	unsetenv("PAYFLOW_HOME");
	setenv("XDG_CONFIG_HOME", "/tmp/xdg", 1);
	CHECK_EQ(pf_client_home(home, sizeof(home)), 0);
	CHECK_STR(home, "/tmp/xdg/payflow");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/u", 1);
	CHECK_EQ(pf_client_home(home, sizeof(home)), 0);
	CHECK_STR(home, "/home/u/.config/payflow");
}

static void test_broker_addr(void)
{
	char host[256];
	unsigned int port;

	CHECK_EQ(pf_broker_addr_parse("10.0.0.1", host, sizeof(host), &port), 0);
	CHECK_STR(host, "10.0.0.1");
	CHECK_EQ(port, 6113);
	CHECK_EQ(pf_broker_addr_parse("b.example:7000", host, sizeof(host), &port), 0);
	CHECK_STR(host, "b.example");
	CHECK_EQ(port, 7000);
	CHECK_EQ(pf_broker_addr_parse("[fd00::1]:7001", host, sizeof(host), &port), 0);
	CHECK_STR(host, "fd00::1");
	CHECK_EQ(port, 7001);
	CHECK_EQ(pf_broker_addr_parse("fd00::2", host, sizeof(host), &port), 0);
	CHECK_STR(host, "fd00::2");
	CHECK_EQ(port, 6113);
	CHECK_EQ(pf_broker_addr_parse("h:0", host, sizeof(host), &port), -EINVAL);
	CHECK_STR(pf_last_error(),
		  "'h:0' is not a broker address: write HOST, HOST:PORT or [IPV6]:PORT, port "
		  "1..65535");
	CHECK_EQ(pf_broker_addr_parse("h:70000", host, sizeof(host), &port), -EINVAL);
	CHECK_EQ(pf_broker_addr_parse("[fd00::1", host, sizeof(host), &port), -EINVAL);
	CHECK_EQ(pf_broker_addr_parse("", host, sizeof(host), &port), -EINVAL);
}

int main(void)
{
	RUN(test_pins_find);
	RUN(test_pins_malformed);
	RUN(test_pins_replace);
	RUN(test_pins_file);
	RUN(test_pins_name);
	RUN(test_refusal_sentences);
	RUN(test_refusal_every_code);
	RUN(test_amount_units);
	RUN(test_wallet_gas_and_fees);
	RUN(test_wallet_value);
	RUN(test_wallet_tx_matches_cast);
	RUN(test_wallet_tx_errors);
	RUN(test_wallet_open_errors);
	RUN(test_config_parse);
	RUN(test_config_env_and_home);
	RUN(test_broker_addr);
	return unit_done();
}
