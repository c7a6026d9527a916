// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The "broker" and "ledger" config sections and the broker's stateless rules. */
#include <string.h>
#include "unit.h"
#include "userspace/common/addr.h"
#include "userspace/payflowd/config.h"
#include "broker/sales/order.h"
#include "userspace/common/error.h"

#define BASE                                                                                       \
	"{\"ports\": [{\"name\": \"lo\", \"capacity\": \"1gbit\"}],"                               \
	"\"best_effort\": {\"rate\": \"50mbit\", \"floor\": \"100mbit\"},"                         \
	"\"levels\": [{\"rate\": \"50mbit\", \"price_per_s\": \"0\"},"                             \
	"{\"rate\": \"100mbit\", \"price_per_s\": \"7000\"}], \"state_dir\": \"/tmp/s\""
#define LEDGER                                                                                     \
	"\"ledger\": {\"rpc_url\": \"http://127.0.0.1:8545\", \"chain_id\": 31337,"                \
	"\"payment_address\": \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\"}"
#define KEY "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0"

static struct pf_conf c;

static const char *parse(const char *text)
{
	return pf_conf_parse(text, "t.json", &c) ? pf_last_error() : "ok";
}

static void test_defaults(void)
{
	CHECK_STR(parse(BASE ", \"broker\": {}, " LEDGER "}"), "ok");
	CHECK(c.broker.enabled);
	CHECK_STR(c.broker.listen_host, "::");
	CHECK_EQ(c.broker.listen_port, 6113);
	CHECK_STR(c.broker.key_file, "/tmp/s/broker.key");
	CHECK_EQ(c.broker.quote_ttl_s, 120);
	CHECK_EQ(c.broker.tx_grace_s, 60);
	CHECK_EQ(c.broker.idle_timeout_s, 30);
	CHECK_EQ(c.broker.max_conns_per_addr, 32);
	CHECK_EQ(c.ledger.chain_id, 31337);
	CHECK_STR(c.ledger.payment_address, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
	CHECK_EQ(c.ledger.confirmations, 1);
	CHECK_STR(c.ledger.currency, "ETH");
	CHECK_EQ(c.ledger.decimals, 18);
	CHECK_STR(parse(BASE "}"), "ok");
	CHECK(!c.broker.enabled);
}

static void test_values(void)
{
	CHECK_STR(parse(BASE ", \"broker\": {\"listen\": \"10.0.0.1:7000\", \"netns\": "
			     "\"/run/netns/ctl\", \"allow\": [{\"client_key\": \"" KEY
			     "\", \"prefix\": \"10.78.0.0/16\"}]}, " LEDGER "}"),
		  "ok");
	CHECK_STR(c.broker.listen_host, "10.0.0.1");
	CHECK_EQ(c.broker.listen_port, 7000);
	CHECK_STR(c.broker.netns, "/run/netns/ctl");
	CHECK_EQ(c.broker.n_allow, 1);
	CHECK_EQ(c.broker.allow[0].prefix.len, 96 + 16);
	CHECK_STR(parse(BASE ", \"broker\": {\"listen\": \"[::1]:6114\"}, " LEDGER "}"), "ok");
	CHECK_STR(c.broker.listen_host, "::1");
}

static void test_errors(void)
{
	CHECK_STR(parse(BASE ", \"broker\": {}}"),
		  "t.json: broker: needs a \"ledger\" section to check payments");
	CHECK_STR(parse(BASE ", \"broker\": {\"listen\": \"host:6113\"}, " LEDGER "}"),
		  "t.json: broker.listen: the host must be an IP address (got 'host:6113')");
	CHECK_STR(parse(BASE ", \"broker\": {\"netns\": \"ctl\"}, " LEDGER "}"),
		  "t.json: broker.netns: an absolute path such as /run/netns/NAME or "
		  "/proc/PID/ns/net (got 'ctl')");
	CHECK_STR(
	    parse(BASE ", \"broker\": {\"min_seconds\": 100, \"max_seconds\": 10}, " LEDGER "}"),
	    "t.json: broker.min_seconds: must not exceed broker.max_seconds");
	CHECK_STR(parse(BASE ", \"broker\": {\"allow\": [{\"client_key\": \"zz\", \"prefix\": "
			     "\"10.0.0.0/8\"}]}, " LEDGER "}"),
		  "t.json: broker.allow[0]: client_key: an ed25519 public key as 64 hex digits "
		  "(got 'zz')");
	CHECK_STR(parse(BASE ", \"broker\": {\"colour\": 1}, " LEDGER "}"),
		  "t.json: broker: unknown key 'colour'");
	CHECK_STR(parse(BASE ", \"ledger\": {\"chain_id\": 1}}"),
		  "t.json: ledger.rpc_url: missing (e.g. \"http://127.0.0.1:8545\")");
	CHECK_STR(parse(BASE ", \"ledger\": {\"rpc_url\": \"ftp://x\"}}"),
		  "t.json: ledger.rpc_url: must start with http:// or https:// (got 'ftp://x')");
	CHECK_STR(parse(BASE ", \"ledger\": {\"rpc_url\": \"http://x\", \"chain_id\": 0}}"),
		  "t.json: ledger.chain_id: expected a whole number from 1 to 2^53-1 (got '0')");
	CHECK_STR(parse(BASE ", \"ledger\": {\"rpc_url\": \"http://x\", \"chain_id\": 5, "
			     "\"payment_address\": \"0x12\"}}"),
		  "t.json: ledger.payment_address: expected 0x and 40 hex digits (got '0x12')");
	CHECK_STR(parse(BASE ", \"ledger\": {\"rpc_url\": \"http://x\", \"chain_id\": 5, "
			     "\"payment_address\": \"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\", "
			     "\"currency\": \"E-TH\"}}"),
		  "t.json: ledger.currency: 1 to 16 letters or digits (got 'E-TH')");
}

static void test_pair_owned(void)
{
	struct pf_conf_allow allow = {0};
	__u8 peer[16], a[16], b[16], other[16], key[32] = {1}, key2[32] = {2};

	pf_addr_parse("10.0.0.1", peer);
	pf_addr_parse("10.0.0.1", a);
	pf_addr_parse("10.78.1.5", b);
	pf_addr_parse("10.0.0.9", other);
	memcpy(allow.client_key, key, 32);
	pf_prefix_parse("10.78.0.0/16", &allow.prefix);
	CHECK(pf_pair_owned(peer, a, b, NULL, NULL, 0));
	CHECK(pf_pair_owned(peer, b, a, NULL, NULL, 0));
	CHECK(!pf_pair_owned(other, a, b, NULL, NULL, 0));
	CHECK(pf_pair_owned(other, a, b, key, &allow, 1));     /* b is in the allowed prefix */
	CHECK(!pf_pair_owned(other, a, b, key2, &allow, 1));   /* another key */
	CHECK(!pf_pair_owned(other, a, b, NULL, &allow, 1));   /* unsigned: STATUS */
	CHECK(!pf_pair_owned(other, a, peer, key, &allow, 1)); /* neither end in the prefix */
}

static void test_verdicts(void)
{
	struct pf_lw_job j;
	struct pf_err_msg e;

	memset(&j, 0, sizeof(j));
	CHECK_EQ(pf_order_verdict_err(PF_PAY_UNDERPAID), PF_E_UNDERPAYMENT);
	CHECK_EQ(pf_order_verdict_err(PF_PAY_NO_QUOTE_ID), PF_E_TX_MISSING_QUOTE_ID);
	CHECK_EQ(pf_order_verdict_err(PF_PAY_LEDGER_ERROR), PF_E_INTERNAL);
	j.rc = -1;
	CHECK_EQ(pf_order_judge(&j, "0xaa", 100, &e), PF_ORDER_REFUSE);
	CHECK_EQ(e.code, PF_E_INTERNAL);
	j.rc = 0;
	j.verdict.code = PF_PAY_OK;
	strcpy(j.facts.from, "0x00000000000000000000000000000000000000aa");
	CHECK_EQ(pf_order_judge(&j, "0x00000000000000000000000000000000000000bb", 100, &e),
		 PF_ORDER_REFUSE);
	CHECK_EQ(e.code, PF_E_PAYER_MISMATCH);
	j.has_block_time = true;
	j.block_time = 101;
	CHECK_EQ(pf_order_judge(&j, "0x00000000000000000000000000000000000000AA", 100, &e),
		 PF_ORDER_REFUSE);
	CHECK_EQ(e.code, PF_E_QUOTE_EXPIRED);
	j.block_time = 100;
	CHECK_EQ(pf_order_judge(&j, "0x00000000000000000000000000000000000000aa", 100, &e),
		 PF_ORDER_GRANT);
	j.verdict.code = PF_PAY_PENDING;
	CHECK_EQ(pf_order_judge(&j, "0x00000000000000000000000000000000000000aa", 100, &e),
		 PF_ORDER_PENDING);
	/* an unseen transaction waits until expires_at + grace, then is final */
	j.verdict.code = PF_PAY_NOT_FOUND;
	CHECK(pf_order_unseen_wait(&j, 160, 100, 60));
	CHECK(!pf_order_unseen_wait(&j, 161, 100, 60));
	CHECK(!pf_order_unseen_wait(&j, 101, 100, 0));
	j.rc = -1; /* the ledger did not answer: internal_error, not PENDING */
	CHECK(!pf_order_unseen_wait(&j, 50, 100, 60));
	j.rc = 0;
	j.verdict.code = PF_PAY_UNDERPAID;
	CHECK(!pf_order_unseen_wait(&j, 50, 100, 60));
	/* nodes that disagree: PENDING within the grace, then ledger_disagreement */
	j.verdict.code = PF_PAY_DISAGREE;
	snprintf(j.verdict.detail, sizeof(j.verdict.detail), "the ledger nodes disagree");
	CHECK(pf_order_unseen_wait(&j, 160, 100, 60));
	CHECK(!pf_order_unseen_wait(&j, 161, 100, 60));
	CHECK_EQ(pf_order_judge(&j, "0x00000000000000000000000000000000000000aa", 100, &e),
		 PF_ORDER_REFUSE);
	CHECK_EQ(e.code, PF_E_LEDGER_DISAGREEMENT);
	CHECK_STR(e.text, "the ledger nodes disagree");
}

#define NODES(extra)                                                                               \
	BASE ", \"ledger\": {\"chain_id\": 5, "                                                    \
	     "\"payment_address\": \"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\", " extra "}}"

static void test_ledger_nodes(void)
{
	CHECK_STR(parse(NODES("\"rpc_url\": \"http://a:1\"")), "ok");
	CHECK_EQ(c.ledger.n_rpc, 1);
	CHECK_EQ(c.ledger.quorum, 1);
	CHECK_STR(c.ledger.rpc_urls[0], "http://a:1");
	CHECK_STR(parse(NODES("\"rpc_urls\": [\"http://a:1\", \"https://b/k\", \"http://c:3\"]")),
		  "ok");
	CHECK_EQ(c.ledger.n_rpc, 3);
	CHECK_EQ(c.ledger.quorum, 2); /* default: a majority */
	CHECK_STR(c.ledger.rpc_url, "http://a:1");
	CHECK_STR(c.ledger.rpc_urls[1], "https://b/k");
	CHECK_STR(parse(NODES("\"rpc_urls\": [\"http://a\", \"http://b\", \"http://c\"], "
			      "\"quorum\": 3")),
		  "ok");
	CHECK_EQ(c.ledger.quorum, 3);
	CHECK_STR(parse(NODES("\"rpc_urls\": [\"http://a\", \"http://b\", \"http://c\", "
			      "\"http://d\"], \"quorum\": 2")),
		  "t.json: ledger.quorum: must be more than half of the nodes in rpc_urls, and at "
		  "most all");
	CHECK_STR(parse(NODES("\"rpc_urls\": [\"http://a\"], \"quorum\": 2")),
		  "t.json: ledger.quorum: must be more than half of the nodes in rpc_urls, and at "
		  "most all");
	CHECK_STR(parse(NODES("\"rpc_url\": \"http://a\", \"rpc_urls\": [\"http://b\"]")),
		  "t.json: ledger.rpc_urls: give rpc_url or rpc_urls, not both");
	CHECK_STR(parse(NODES("\"rpc_urls\": []")),
		  "t.json: ledger.rpc_urls: expected an array of 1 to 5 URLs");
	CHECK_STR(parse(NODES("\"rpc_urls\": [\"http://a\", \"ftp://secret-key\"]")),
		  "t.json: ledger.rpc_urls[1]: expected an http:// or https:// URL");
	CHECK_STR(parse(NODES("\"rpc_urls\": [\"http://a\", \"http://a\"]")),
		  "t.json: ledger.rpc_urls[1]: repeats an earlier node");
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_values);
	RUN(test_errors);
	RUN(test_pair_owned);
	RUN(test_verdicts);
	RUN(test_ledger_nodes);
	return unit_done();
}
