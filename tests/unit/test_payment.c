// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Pure tests of u256 and every payment verdict. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "broker/eth/eth_hex.h"
#include "broker/ledger/ledger.h"
#include "broker/ledger/payment.h"
#include "broker/eth/u256.h"
#include "userspace/common/error.h"
#include "unit.h"

#define MAX256_DEC "115792089237316195423570985008687907853269984665640564039457584007913129639935"
#define MAX256_HEX "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define QID	   "0123456789abcdef0123456789abcdef"
/* A plain transfer's input: the quote id's 16 bytes (docs/PROTOCOL.md 6.5). */
#define QID_INPUT "0x" QID
#define BROKER	  "0x70997970C51812dc3A010C7d01b50e0d17dC79C8"
#define TXHASH	  "0xb1378c8bb4219c6ea424b90171db2327005873c37b64b590fb4e9f68248f1ab3"

static struct pf_u256 u(const char *s)
{
	struct pf_u256 v;

	memset(&v, 0xa5, sizeof(v));
	if (pf_u256_parse(s, &v))
		fprintf(stderr, "  bad test constant %s\n", s);
	return v;
}

static const char *dec(const struct pf_u256 *v)
{
	static char buf[PF_U256_DEC_MAX];

	pf_u256_to_dec(v, buf, sizeof(buf));
	return buf;
}

/* ---- u256 ---- */

static void test_u256_parse_hex(void)
{
	struct pf_u256 v;

	CHECK_EQ(pf_u256_parse_hex("0x0", &v), 0);
	CHECK(pf_u256_is_zero(&v));
	CHECK_EQ(pf_u256_parse_hex("0xffffffffffffffff", &v), 0);
	CHECK(v.w[0] == UINT64_MAX && v.w[1] == 0);
	CHECK_EQ(pf_u256_parse_hex("0x10000000000000000", &v), 0); /* 2^64 */
	CHECK(v.w[0] == 0 && v.w[1] == 1 && v.w[2] == 0 && v.w[3] == 0);
	CHECK_EQ(pf_u256_parse_hex("0XaBcD", &v), 0);
	CHECK(v.w[0] == 0xabcd);
	CHECK_EQ(pf_u256_parse_hex(MAX256_HEX, &v), 0);
	CHECK(v.w[0] == UINT64_MAX && v.w[1] == UINT64_MAX && v.w[2] == UINT64_MAX &&
	      v.w[3] == UINT64_MAX);
	/* Leading zeros do not count against the 64-digit width. */
	CHECK_EQ(
	    pf_u256_parse_hex("0x0000000000000000000000000000000000000000000000000000000000000000"
			      "00000000000000000001",
			      &v),
	    0);
	CHECK(v.w[0] == 1 && v.w[1] == 0);
}

static void test_u256_parse_hex_errors(void)
{
	struct pf_u256 v = {{7, 7, 7, 7}};

	CHECK_EQ(pf_u256_parse_hex("0x", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_hex("", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_hex(NULL, &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_hex("ff", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_hex("0xfg", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_hex("0x 1", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_hex("0x1 ", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_hex("0x-1", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_hex(
		     "0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", &v),
		 -ERANGE); /* 2^256 * 2 - 1: 65 significant digits */
	CHECK_EQ(pf_u256_parse_hex(
		     "0x10000000000000000000000000000000000000000000000000000000000000000", &v),
		 -ERANGE);		   /* exactly 2^256 */
	CHECK(v.w[0] == 7 && v.w[3] == 7); /* untouched on failure */
}

static void test_u256_parse_dec(void)
{
	struct pf_u256 v, w;

	CHECK_EQ(pf_u256_parse_dec("0", &v), 0);
	CHECK(pf_u256_is_zero(&v));
	CHECK_EQ(pf_u256_parse_dec("18446744073709551615", &v), 0); /* 2^64 - 1 */
	CHECK(v.w[0] == UINT64_MAX && v.w[1] == 0);
	CHECK_EQ(pf_u256_parse_dec("18446744073709551616", &v), 0); /* 2^64 */
	CHECK(v.w[0] == 0 && v.w[1] == 1);
	CHECK_EQ(pf_u256_parse_dec(MAX256_DEC, &v), 0);
	CHECK_EQ(pf_u256_parse_hex(MAX256_HEX, &w), 0);
	CHECK_EQ(pf_u256_cmp(&v, &w), 0);
	CHECK_EQ(
	    pf_u256_parse_dec("000000000000000000000000000000000000000000000000000000000000000000"
			      "00000000000000000042",
			      &v),
	    0);
	CHECK(v.w[0] == 42 && v.w[1] == 0);
	/* 2^256 and beyond */
	CHECK_EQ(
	    pf_u256_parse_dec("115792089237316195423570985008687907853269984665640564039457584007"
			      "913129639936",
			      &v),
	    -ERANGE);
	CHECK_EQ(pf_u256_parse_dec(MAX256_DEC "0", &v), -ERANGE);
	CHECK_EQ(pf_u256_parse_dec("", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_dec("-1", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_dec("+1", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_dec("12a", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_dec("1.5", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_dec(" 1", &v), -EINVAL);
	CHECK_EQ(pf_u256_parse_dec("0x10", &v), -EINVAL);
	/* pf_u256_parse picks the base from the prefix. */
	CHECK_EQ(pf_u256_parse("0x10", &v), 0);
	CHECK(v.w[0] == 16);
	CHECK_EQ(pf_u256_parse("10", &v), 0);
	CHECK(v.w[0] == 10);
	CHECK_EQ(pf_u256_parse("0X", &v), -EINVAL);
}

static void test_u256_format(void)
{
	struct pf_u256 v = u(MAX256_HEX);
	char buf[PF_U256_DEC_MAX];

	CHECK_EQ(pf_u256_to_dec(&v, buf, sizeof(buf)), 78);
	CHECK_STR(buf, MAX256_DEC);
	CHECK_EQ(pf_u256_to_hex(&v, buf, sizeof(buf)), 66);
	CHECK_STR(buf, MAX256_HEX);
	v = u("0x10000000000000000");
	CHECK_STR(dec(&v), "18446744073709551616");
	pf_u256_to_hex(&v, buf, sizeof(buf));
	CHECK_STR(buf, "0x10000000000000000");
	pf_u256_from_u64(&v, 0);
	CHECK_STR(dec(&v), "0");
	CHECK_EQ(pf_u256_to_hex(&v, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "0x0");
	v = u("0x000abc");
	pf_u256_to_hex(&v, buf, sizeof(buf));
	CHECK_STR(buf, "0xabc");
	/* Too small a buffer gives -ENOSPC and an empty string. */
	pf_u256_from_u64(&v, 10);
	CHECK_EQ(pf_u256_to_dec(&v, buf, 2), -ENOSPC);
	CHECK_STR(buf, "");
	CHECK_EQ(pf_u256_to_dec(&v, buf, 3), 2);
	CHECK_EQ(pf_u256_to_hex(&v, buf, 3), -ENOSPC);
}

static void test_u256_units(void)
{
	struct pf_u256 v;
	char buf[PF_U256_DEC_MAX + 2];

	v = u("1000000000000000");
	CHECK_EQ(pf_u256_to_units(&v, 18, buf, sizeof(buf)), 5);
	CHECK_STR(buf, "0.001");
	v = u("1500000000000000000");
	pf_u256_to_units(&v, 18, buf, sizeof(buf));
	CHECK_STR(buf, "1.5");
	v = u("2000000000000000000");
	pf_u256_to_units(&v, 18, buf, sizeof(buf));
	CHECK_STR(buf, "2");
	v = u("1");
	pf_u256_to_units(&v, 18, buf, sizeof(buf));
	CHECK_STR(buf, "0.000000000000000001");
	v = u("0");
	pf_u256_to_units(&v, 18, buf, sizeof(buf));
	CHECK_STR(buf, "0");
	v = u("123");
	pf_u256_to_units(&v, 0, buf, sizeof(buf));
	CHECK_STR(buf, "123");
	v = u(MAX256_DEC);
	pf_u256_to_units(&v, 18, buf, sizeof(buf));
	CHECK_STR(buf, "115792089237316195423570985008687907853269984665640564039457."
		       "584007913129639935");
	pf_u256_to_units(&v, 77, buf, sizeof(buf));
	CHECK_STR(
	    buf, "1.15792089237316195423570985008687907853269984665640564039457584007913129639935");
	CHECK_EQ(pf_u256_to_units(&v, 78, buf, sizeof(buf)), -EINVAL);
	v = u("1000000000000000");
	CHECK_EQ(pf_u256_to_units(&v, 18, buf, 5), -ENOSPC);
}

static void test_u256_cmp(void)
{
	struct pf_u256 a = u("18446744073709551616"), b = u("18446744073709551615");
	struct pf_u256 top =
	    u("0x8000000000000000000000000000000000000000000000000000000000000000");
	struct pf_u256 low = u(MAX256_HEX);

	CHECK_EQ(pf_u256_cmp(&a, &b), 1);
	CHECK_EQ(pf_u256_cmp(&b, &a), -1);
	CHECK_EQ(pf_u256_cmp(&a, &a), 0);
	CHECK_EQ(pf_u256_cmp(&top, &low), -1); /* the top limb decides */
	low.w[3] = 0;
	CHECK_EQ(pf_u256_cmp(&top, &low), 1);
}

static void test_u256_arith(void)
{
	struct pf_u256 r, max = u(MAX256_HEX), one = u("1"), m64 = u("18446744073709551615");
	uint64_t x;

	CHECK_EQ(pf_u256_mul_u64(&m64, UINT64_MAX, &r), 0); /* (2^64-1)^2 */
	CHECK_STR(dec(&r), "340282366920938463426481119284349108225");
	CHECK_EQ(pf_u256_mul_u64(&max, 1, &r), 0);
	CHECK_EQ(pf_u256_cmp(&r, &max), 0);
	CHECK_EQ(pf_u256_mul_u64(&max, 0, &r), 0);
	CHECK(pf_u256_is_zero(&r));
	r = one;
	CHECK_EQ(pf_u256_mul_u64(&max, 2, &r), -ERANGE);
	CHECK_EQ(pf_u256_cmp(&r, &one), 0); /* untouched */
	r = u("0x8000000000000000000000000000000000000000000000000000000000000000");
	CHECK_EQ(pf_u256_mul_u64(&r, 2, &r), -ERANGE);

	CHECK_EQ(pf_u256_add(&m64, &one, &r), 0);
	CHECK_STR(dec(&r), "18446744073709551616");
	CHECK_EQ(pf_u256_add(&max, &one, &r), -ERANGE);
	r = u("0x100000000000000000000000000000000"); /* 2^128 */
	CHECK_EQ(pf_u256_sub(&r, &one, &r), 0);	      /* borrows through two limbs */
	CHECK_STR(dec(&r), "340282366920938463463374607431768211455");
	CHECK_EQ(pf_u256_sub(&one, &m64, &r), -ERANGE);
	CHECK_EQ(pf_u256_sub(&max, &max, &r), 0);
	CHECK(pf_u256_is_zero(&r));

	CHECK_EQ(pf_u256_to_u64(&m64, &x), 0);
	CHECK(x == UINT64_MAX);
	r = u("18446744073709551616");
	CHECK_EQ(pf_u256_to_u64(&r, &x), -ERANGE);
}

static void test_payment_amount(void)
{
	struct pf_u256 price = u("1000000000000000000"), r; /* 1 ETH/s */

	CHECK_EQ(pf_payment_amount(&price, 3600, &r), 0);
	CHECK_STR(dec(&r), "3600000000000000000000"); /* > 2^64 */
	CHECK_EQ(pf_payment_amount(&price, 0, &r), 0);
	CHECK(pf_u256_is_zero(&r));
	price = u(MAX256_DEC);
	CHECK_EQ(pf_payment_amount(&price, 2, &r), -ERANGE);
}

static void test_eth_hex(void)
{
	char buf[PF_ETH_HASH_HEXLEN + 1];

	CHECK(pf_eth_is_address(BROKER));
	CHECK(!pf_eth_is_address("0x70997970C51812dc3A010C7d01b50e0d17dC79C"));
	CHECK(!pf_eth_is_address("0x70997970C51812dc3A010C7d01b50e0d17dC79C8a"));
	CHECK(!pf_eth_is_address("0x70997970C51812dc3A010C7d01b50e0d17dC79Cg"));
	CHECK(pf_eth_same_address(BROKER, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"));
	CHECK(!pf_eth_same_address(BROKER, "0x70997970c51812dc3a010c7d01b50e0d17dc79c9"));
	CHECK(pf_eth_is_hash(TXHASH));
	CHECK(!pf_eth_is_hash(BROKER));
	CHECK(pf_eth_is_data("0x"));
	CHECK(!pf_eth_is_data("0x1"));
	CHECK_EQ(pf_eth_lower_copy(buf, sizeof(buf), "0xAB"), 0);
	CHECK_STR(buf, "0xab");
	CHECK_EQ(pf_eth_lower_copy(buf, 4, "0xAB"), -ENOSPC);
}

/* ---- verdicts ---- */

static struct pf_payment_expect expect(void)
{
	struct pf_payment_expect e = {
	    .pay_to = BROKER,
	    .chain_id = 31337,
	    .quote_id = QID,
	    .confirmations = 1,
	};

	e.amount_wei = u("3000000000000000000000"); /* 3000 ETH: above 2^64 wei */
	return e;
}

/* A payment that satisfies expect(). */
static struct pf_payment good(void)
{
	struct pf_payment f;

	memset(&f, 0, sizeof(f));
	strcpy(f.hash, TXHASH);
	f.found = true;
	strcpy(f.from, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
	strcpy(f.to, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
	f.value = u("3000000000000000000000");
	strcpy(f.input, QID_INPUT);
	f.has_chain_id = true;
	f.tx_chain_id = 31337;
	f.mined = true;
	f.status = 1;
	f.block_number = 10;
	f.node_chain_id = 31337;
	f.head = 10;
	return f;
}

static enum pf_payment_verdict check(const struct pf_payment_expect *e, const struct pf_payment *f)
{
	struct pf_verdict v;

	return pf_payment_check(e, f, &v);
}

static void test_verdict_ok(void)
{
	struct pf_payment_expect e = expect();
	struct pf_payment f = good();
	struct pf_verdict v;

	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_OK);
	CHECK_EQ(v.code, PF_PAY_OK);
	CHECK_EQ(v.confirmations, 1);
	CHECK_STR(v.shortfall_wei, "");
	CHECK_STR(v.txhash, TXHASH);
	CHECK_STR(pf_payment_verdict_name(v.code), "ok");
	/* Overpaying is fine. */
	f.value = u("3000000000000000000001");
	CHECK_EQ(check(&e, &f), PF_PAY_OK);
	/* Legacy pre-EIP-155 transactions have no chain id; the node's decides. */
	f.has_chain_id = false;
	f.tx_chain_id = 0;
	CHECK_EQ(check(&e, &f), PF_PAY_OK);
	/* Checksummed and lowercase spellings name the same address. */
	e.pay_to = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
	CHECK_EQ(check(&e, &f), PF_PAY_OK);
}

static void test_verdict_underpaid(void)
{
	struct pf_payment_expect e = expect();
	struct pf_payment f = good();
	struct pf_verdict v;

	f.value = u("2999999000000000000000");
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_UNDERPAID);
	CHECK_STR(v.shortfall_wei, "1000000000000000");
	CHECK_STR(dec(&v.shortfall), "1000000000000000");
	CHECK_STR(pf_payment_verdict_name(v.code), "underpayment");
	CHECK_STR(v.detail, "paid 2999999000000000000000 wei, the quote requires "
			    "3000000000000000000000 wei (1000000000000000 wei short)");
	/* Shortfall across the 2^64 boundary, and paying nothing at all. */
	e.amount_wei = u("18446744073709551621"); /* 2^64 + 5 */
	f.value = u("10");
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_UNDERPAID);
	CHECK_STR(v.shortfall_wei, "18446744073709551611");
	f.value = u("0");
	e.amount_wei = u(MAX256_DEC);
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_UNDERPAID);
	CHECK_STR(v.shortfall_wei, MAX256_DEC);
	/* One wei short is short. */
	e.amount_wei = u("1000");
	f.value = u("999");
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_UNDERPAID);
	CHECK_STR(v.shortfall_wei, "1");
}

static void test_verdict_wrong_recipient(void)
{
	struct pf_payment_expect e = expect();
	struct pf_payment f = good();
	struct pf_verdict v;

	strcpy(f.to, "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_WRONG_RECIPIENT);
	CHECK_STR(pf_payment_verdict_name(v.code), "wrong_recipient");
	CHECK_STR(v.detail, "paid to 0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc, expected " BROKER);
	f.to[0] = '\0'; /* contract creation */
	CHECK_EQ(check(&e, &f), PF_PAY_WRONG_RECIPIENT);
}

static void test_verdict_wrong_chain(void)
{
	struct pf_payment_expect e = expect();
	struct pf_payment f = good();
	struct pf_verdict v;

	f.node_chain_id = 1; /* the broker talks to the wrong node */
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_WRONG_CHAIN);
	CHECK_STR(pf_payment_verdict_name(v.code), "wrong_chain_id");
	CHECK_STR(v.detail, "the ledger node is on chain 1, expected 31337");
	f = good();
	f.tx_chain_id = 1; /* the tx itself is signed for another chain */
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_WRONG_CHAIN);
	CHECK_STR(v.detail, "the transaction is signed for chain 1, expected 31337");
	/* A wrong node is reported even for an unknown hash. */
	f = good();
	f.found = false;
	f.node_chain_id = 5;
	CHECK_EQ(check(&e, &f), PF_PAY_WRONG_CHAIN);
}

static void test_verdict_no_quote_id(void)
{
	struct pf_payment_expect e = expect();
	struct pf_payment f = good();
	struct pf_verdict v;

	strcpy(f.input, "0x");
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_NO_QUOTE_ID);
	CHECK_STR(pf_payment_verdict_name(v.code), "missing_quote_id");
	CHECK_STR(v.detail, "the input data does not carry quote id " QID);
	e.quote_id = "ffffffffffffffffffffffffffffffff"; /* paid for another quote */
	strcpy(f.input, QID_INPUT);
	CHECK_EQ(check(&e, &f), PF_PAY_NO_QUOTE_ID);
	e = expect();
	f.input[0] = '\0';
	f.input_too_long = true;
	CHECK_EQ(check(&e, &f), PF_PAY_NO_QUOTE_ID);
}

/* The quote-id rule as the payment check applies it (the rule: test_proto). */
static enum pf_payment_verdict check_input(const char *input)
{
	struct pf_payment_expect e = expect();
	struct pf_payment f = good();
	struct pf_verdict v;

	snprintf(f.input, sizeof(f.input), "%s", input);
	return pf_payment_check(&e, &f, &v);
}

static void test_verdict_quote_id_input(void)
{
	CHECK_EQ(check_input(QID_INPUT), PF_PAY_OK);
	/* Nodes may print the hex in upper case; the bytes are the same. */
	CHECK_EQ(check_input("0X0123456789ABCDEF0123456789ABCDEF"), PF_PAY_OK);
	/* A contract call: selector, then the id as an ABI bytes16 (offset 4). */
	CHECK_EQ(check_input("0x12345678" QID "00000000000000000000000000000000"), PF_PAY_OK);
	/* The id at a byte offset deep inside longer call data. */
	CHECK_EQ(check_input("0x00000000000000000000000000000000000000000000000000000000000000"
			     "00000000" QID "ff"),
		 PF_PAY_OK);
	/* Half a byte off: not at a byte offset. */
	CHECK_EQ(check_input("0x0" QID "0"), PF_PAY_NO_QUOTE_ID);
	/* The id's ASCII text ("payflow:" + 32 characters) is other bytes. */
	CHECK_EQ(check_input("0x706179666c6f773a303132333435363738396162636465663031323334353637"
			     "3839616263646566"),
		 PF_PAY_NO_QUOTE_ID);
	/* A different quote id, and one byte short. */
	CHECK_EQ(check_input("0x0123456789abcdef0123456789abcdee"), PF_PAY_NO_QUOTE_ID);
	CHECK_EQ(check_input("0x0123456789abcdef0123456789abcd"), PF_PAY_NO_QUOTE_ID);
	/* No input, or input that is not hex. */
	CHECK_EQ(check_input("0x"), PF_PAY_NO_QUOTE_ID);
	CHECK_EQ(check_input(""), PF_PAY_NO_QUOTE_ID);
	CHECK_EQ(check_input(QID), PF_PAY_NO_QUOTE_ID); /* no 0x */
	CHECK_EQ(check_input("0xzz"), PF_PAY_NO_QUOTE_ID);
}

static void test_verdict_failed(void)
{
	struct pf_payment_expect e = expect();
	struct pf_payment f = good();
	struct pf_verdict v;

	f.status = 0;
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_FAILED);
	CHECK_STR(pf_payment_verdict_name(v.code), "tx_failed");
	CHECK_STR(v.detail, "the transaction reverted (status 0) in block 10");
	/* A reverted tx is final: more confirmations do not help. */
	e.confirmations = 5;
	CHECK_EQ(check(&e, &f), PF_PAY_FAILED);
}

static void test_verdict_not_found(void)
{
	struct pf_payment_expect e = expect();
	struct pf_payment f = good();
	struct pf_verdict v;

	f.found = false;
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_NOT_FOUND);
	CHECK_STR(pf_payment_verdict_name(v.code), "tx_not_found");
}

static void test_verdict_pending(void)
{
	struct pf_payment_expect e = expect();
	struct pf_payment f = good();
	struct pf_verdict v;

	f.mined = false; /* in the pool */
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_PENDING);
	CHECK_STR(pf_payment_verdict_name(v.code), "not_confirmed");
	CHECK_STR(v.detail, "the transaction is not mined yet");
	CHECK_EQ(v.confirmations, 0);

	f = good();
	e.confirmations = 3;
	f.block_number = 10;
	f.head = 11; /* head - block + 1 = 2 */
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_PENDING);
	CHECK_EQ(v.confirmations, 2);
	CHECK_STR(v.detail, "the transaction has 2 of 3 confirmations");
	f.head = 12;
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_OK);
	CHECK_EQ(v.confirmations, 3);
	/* A head behind the receipt (node moved between calls) is 0, not 2^64. */
	f.head = 9;
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_PENDING);
	CHECK_EQ(v.confirmations, 0);
	/* confirmations = 0: being mined is enough. */
	e.confirmations = 0;
	CHECK_EQ(check(&e, &f), PF_PAY_OK);
	f.mined = false;
	CHECK_EQ(check(&e, &f), PF_PAY_PENDING);
}

/* A payment that can never become valid is rejected while still pending. */
static void test_verdict_order(void)
{
	struct pf_payment_expect e = expect();
	struct pf_payment f = good();

	f.mined = false;
	f.value = u("1");
	CHECK_EQ(check(&e, &f), PF_PAY_UNDERPAID);
	strcpy(f.input, "0x");
	CHECK_EQ(check(&e, &f), PF_PAY_NO_QUOTE_ID);
	strcpy(f.to, "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
	CHECK_EQ(check(&e, &f), PF_PAY_WRONG_RECIPIENT);
	f.tx_chain_id = 10;
	CHECK_EQ(check(&e, &f), PF_PAY_WRONG_CHAIN);
	/* Underpaid and reverted: the amount is reported. */
	f = good();
	f.status = 0;
	f.value = u("1");
	CHECK_EQ(check(&e, &f), PF_PAY_UNDERPAID);
}

static void test_verdict_bad_expectation(void)
{
	struct pf_payment_expect e = expect();
	struct pf_payment f = good();
	struct pf_verdict v;

	e.pay_to = "0x1234";
	CHECK_EQ(pf_payment_check(&e, &f, &v), PF_PAY_BAD_EXPECTATION);
	CHECK_STR(pf_payment_verdict_name(v.code), "invalid_expectation");
	e = expect();
	e.quote_id = "0123456789abcdef0123456789abcdeg";
	CHECK_EQ(check(&e, &f), PF_PAY_BAD_EXPECTATION);
	e.quote_id = "0123456789abcdef0123456789abcde"; /* 31 digits */
	CHECK_EQ(check(&e, &f), PF_PAY_BAD_EXPECTATION);
	/* Ids are hex of either case (docs/PROTOCOL.md): the same quote. */
	e.quote_id = "0123456789ABCDEF0123456789ABCDEF";
	CHECK_EQ(check(&e, &f), PF_PAY_OK);
}

static void test_verdict_names(void)
{
	CHECK_STR(pf_payment_verdict_name(PF_PAY_ALREADY_USED), "tx_already_used");
	CHECK_STR(pf_payment_verdict_name(PF_PAY_BAD_TX_HASH), "invalid_tx_hash");
	CHECK_STR(pf_payment_verdict_name(PF_PAY_LEDGER_ERROR), "ledger_unavailable");
	CHECK_STR(pf_payment_verdict_name((enum pf_payment_verdict)99), "unknown");
}

/* ---- pf_payment_verify with a scripted in-memory backend ---- */

struct fake {
	struct pf_payment facts;
	int fail_op; /* 1 chain_id, 2 get_tx, 3 get_receipt, 4 block_number */
	int calls;
	char asked_hash[PF_ETH_HASH_HEXLEN + 1];
};

static struct fake *fake_of(struct pf_ledger *l)
{
	return l->priv;
}

static int fake_step(struct pf_ledger *l, int op)
{
	fake_of(l)->calls++;
	if (fake_of(l)->fail_op == op)
		return pf_fail(-1, "fake: op %d failed", op);
	return 0;
}

static int fake_chain_id(struct pf_ledger *l, uint64_t *out)
{
	*out = fake_of(l)->facts.node_chain_id;
	return fake_step(l, 1);
}

static int fake_block_number(struct pf_ledger *l, uint64_t *out)
{
	*out = fake_of(l)->facts.head;
	return fake_step(l, 4);
}

static int fake_get_tx(struct pf_ledger *l, const char *hash, struct pf_payment *p)
{
	struct pf_payment *src = &fake_of(l)->facts;

	snprintf(fake_of(l)->asked_hash, sizeof(fake_of(l)->asked_hash), "%s", hash);
	snprintf(p->hash, sizeof(p->hash), "%s", hash);
	p->found = src->found;
	memcpy(p->from, src->from, sizeof(p->from));
	memcpy(p->to, src->to, sizeof(p->to));
	p->value = src->value;
	memcpy(p->input, src->input, sizeof(p->input));
	p->has_chain_id = src->has_chain_id;
	p->tx_chain_id = src->tx_chain_id;
	p->tx_mined = src->tx_mined;
	p->tx_block_number = src->tx_block_number;
	memcpy(p->tx_block_hash, src->tx_block_hash, sizeof(p->tx_block_hash));
	return fake_step(l, 2);
}

static int fake_get_receipt(struct pf_ledger *l, const char *hash, struct pf_payment *p)
{
	struct pf_payment *src = &fake_of(l)->facts;

	(void)hash;
	p->mined = src->mined;
	p->status = src->status;
	p->block_number = src->block_number;
	memcpy(p->block_hash, src->block_hash, sizeof(p->block_hash));
	memcpy(p->r_from, src->r_from, sizeof(p->r_from));
	memcpy(p->r_to, src->r_to, sizeof(p->r_to));
	return fake_step(l, 3);
}

static void fake_destroy(struct pf_ledger *l)
{
	(void)l;
}

static const struct pf_ledger_ops fake_ops = {
    .name = "fake",
    .chain_id = fake_chain_id,
    .block_number = fake_block_number,
    .get_tx = fake_get_tx,
    .get_receipt = fake_get_receipt,
    .destroy = fake_destroy,
};

struct used_store {
	int answer;
	int calls;
	char hash[PF_ETH_HASH_HEXLEN + 1];
};

static int is_used(void *arg, const char *txhash)
{
	struct used_store *s = arg;

	s->calls++;
	snprintf(s->hash, sizeof(s->hash), "%s", txhash);
	return s->answer;
}

#define TXHASH_UPPER "0xB1378C8BB4219C6EA424B90171DB2327005873C37B64B590FB4E9F68248F1AB3"

static void test_verify_ok_and_used(void)
{
	struct fake fk = {.facts = good()};
	struct pf_ledger l = {.ops = &fake_ops, .priv = &fk};
	struct pf_payment_expect e = expect();
	struct used_store store = {0};
	struct pf_payment got;
	struct pf_verdict v;

	e.is_used = is_used;
	e.is_used_arg = &store;
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH_UPPER, &v, &got), 0);
	CHECK_EQ(v.code, PF_PAY_OK);
	CHECK_STR(fk.asked_hash, TXHASH); /* the node is asked with the canonical hash */
	CHECK_STR(store.hash, TXHASH);	  /* and so is the used-hash store */
	CHECK_STR(v.txhash, TXHASH);
	CHECK_EQ(store.calls, 1);
	CHECK_EQ(got.head, 10);
	CHECK_EQ(fk.calls, 4);

	store.answer = 1;
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH, &v, NULL), 0);
	CHECK_EQ(v.code, PF_PAY_ALREADY_USED);
	CHECK_STR(pf_payment_verdict_name(v.code), "tx_already_used");

	store.answer = -5; /* store unreadable: not a verdict on the payment */
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH, &v, NULL), -1);
	CHECK_EQ(v.code, PF_PAY_LEDGER_ERROR);

	/* The store is only asked about payments that are otherwise valid. */
	store.calls = 0;
	fk.facts.value = u("1");
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH, &v, NULL), 0);
	CHECK_EQ(v.code, PF_PAY_UNDERPAID);
	CHECK_EQ(store.calls, 0);
}

static void test_verify_errors(void)
{
	struct fake fk = {.facts = good()};
	struct pf_ledger l = {.ops = &fake_ops, .priv = &fk};
	struct pf_payment_expect e = expect();
	struct pf_verdict v;
	int op;

	CHECK_EQ(pf_payment_verify(&l, &e, "0x1234", &v, NULL), 0);
	CHECK_EQ(v.code, PF_PAY_BAD_TX_HASH);
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH "00", &v, NULL), 0);
	CHECK_EQ(v.code, PF_PAY_BAD_TX_HASH);
	CHECK_EQ(fk.calls, 0); /* rejected before asking the node */

	for (op = 1; op <= 4; op++) {
		char want[64];

		fk.fail_op = op;
		CHECK_EQ(pf_payment_verify(&l, &e, TXHASH, &v, NULL), -1);
		CHECK_EQ(v.code, PF_PAY_LEDGER_ERROR);
		snprintf(want, sizeof(want), "fake: op %d failed", op);
		CHECK_STR(v.detail, want);
	}

	/* Unknown hash: no receipt or head lookups needed. */
	fk.fail_op = 0;
	fk.calls = 0;
	fk.facts.found = false;
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH, &v, NULL), 0);
	CHECK_EQ(v.code, PF_PAY_NOT_FOUND);
	CHECK_EQ(fk.calls, 2);
}

/* A node on another chain, or whose receipt contradicts its transaction, is
 * broken: no verdict (the payer is not to blame), the ledger "did not answer". */
static void test_verify_node_faults(void)
{
	struct pf_payment_expect e = expect();
	struct fake fk = {.facts = good()};
	struct pf_ledger l = {.ops = &fake_ops, .priv = &fk};
	struct pf_verdict v;

	fk.facts.tx_mined = true;
	fk.facts.tx_block_number = 10;
	strcpy(fk.facts.r_from, fk.facts.from);
	strcpy(fk.facts.r_to, fk.facts.to);
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH, &v, NULL), 0);
	CHECK_EQ(v.code, PF_PAY_OK);

	fk.facts.node_chain_id = 1;
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH, &v, NULL), -1);
	CHECK_EQ(v.code, PF_PAY_LEDGER_ERROR);
	CHECK_STR(v.detail, "the ledger node is on chain 1, expected 31337");
	fk.facts.node_chain_id = 31337;

	fk.facts.tx_block_number = 9;
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH, &v, NULL), -1);
	CHECK_STR(v.detail, "the node's receipt and transaction disagree on the block");
	fk.facts.tx_block_number = 10;
	strcpy(fk.facts.tx_block_hash, "0x"
				       "11111111111111111111111111111111"
				       "11111111111111111111111111111111");
	strcpy(fk.facts.block_hash, "0x"
				    "22222222222222222222222222222222"
				    "22222222222222222222222222222222");
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH, &v, NULL), -1);
	CHECK_STR(v.detail, "the node's receipt and transaction disagree on the block");
	strcpy(fk.facts.block_hash, fk.facts.tx_block_hash);

	fk.facts.r_from[3] = fk.facts.r_from[3] == 'a' ? 'b' : 'a';
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH, &v, NULL), -1);
	CHECK_STR(v.detail, "the node's receipt and transaction disagree on the sender");
	strcpy(fk.facts.r_from, fk.facts.from);
	fk.facts.r_to[3] = fk.facts.r_to[3] == 'a' ? 'b' : 'a';
	CHECK_EQ(pf_payment_verify(&l, &e, TXHASH, &v, NULL), -1);
	CHECK_STR(v.detail, "the node's receipt and transaction disagree on the recipient");
}

int main(void)
{
	RUN(test_u256_parse_hex);
	RUN(test_u256_parse_hex_errors);
	RUN(test_u256_parse_dec);
	RUN(test_u256_format);
	RUN(test_u256_units);
	RUN(test_u256_cmp);
	RUN(test_u256_arith);
	RUN(test_payment_amount);
	RUN(test_eth_hex);
	RUN(test_verdict_ok);
	RUN(test_verdict_underpaid);
	RUN(test_verdict_wrong_recipient);
	RUN(test_verdict_wrong_chain);
	RUN(test_verdict_no_quote_id);
	RUN(test_verdict_quote_id_input);
	RUN(test_verdict_failed);
	RUN(test_verdict_not_found);
	RUN(test_verdict_pending);
	RUN(test_verdict_order);
	RUN(test_verdict_bad_expectation);
	RUN(test_verdict_names);
	RUN(test_verify_ok_and_used);
	RUN(test_verify_errors);
	RUN(test_verify_node_faults);
	return unit_done();
}
