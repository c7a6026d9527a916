// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Test driver for the ledger backend and payment rules, used by
 * tests/integration/test_ledger.sh against a real node.
 *
 *   ledger_probe verify --rpc URL --pay-to ADDR --chain-id N --quote-id Q
 *                       --amount WEI [--confirmations N] [--used HASH] TXHASH
 *       prints key=value lines (verdict, txhash, confirmations, shortfall_wei,
 *       shortfall_eth, detail, and the facts fetched); exit 0 when a verdict was
 *       reached, 3 when the ledger could not answer, 1 on bad usage.
 *   ledger_probe quote-input QUOTE_ID      the input data a payment must carry
 *   ledger_probe rpc --rpc URL METHOD [JSON_PARAMS]
 *       prints the result as JSON, or "error <kind> <message>" and exits 3.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "broker/eth/jsonrpc.h"
#include "userspace/common/error.h"
#include "broker/ledger/ledger_eth.h"
#include "broker/ledger/payment.h"
#include "broker/proto/quote.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: ledger_probe verify --rpc URL --pay-to ADDR --chain-id N --quote-id Q\n"
		"                           --amount WEI [--confirmations N] [--used HASH] TXHASH\n"
		"       ledger_probe quote-input QUOTE_ID\n"
		"       ledger_probe rpc --rpc URL METHOD [JSON_PARAMS]\n");
	return 1;
}

/* Stands in for payflowd's used-hash table: one hash counts as used. */
static int used_one(void *arg, const char *txhash)
{
	const char *used = arg;

	return used && !strcasecmp(used, txhash);
}

static int parse_u64(const char *s, uint64_t *out)
{
	struct pf_u256 v;

	return pf_u256_parse(s, &v) || pf_u256_to_u64(&v, out) ? -1 : 0;
}

static void print_facts(const struct pf_payment *f)
{
	char value[PF_U256_DEC_MAX];

	pf_u256_to_dec(&f->value, value, sizeof(value));
	printf("found=%d\nmined=%d\nstatus=%d\nfrom=%s\nto=%s\nvalue=%s\ninput=%s\n"
	       "block=%" PRIu64 "\nhead=%" PRIu64 "\nnode_chain_id=%" PRIu64 "\n",
	       f->found, f->mined, f->status, f->from, f->to, value, f->input, f->block_number,
	       f->head, f->node_chain_id);
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rpc", required_argument, NULL, 'r'},
	    {"pay-to", required_argument, NULL, 'p'},
	    {"chain-id", required_argument, NULL, 'c'},
	    {"quote-id", required_argument, NULL, 'q'},
	    {"amount", required_argument, NULL, 'a'},
	    {"confirmations", required_argument, NULL, 'n'},
	    {"used", required_argument, NULL, 'u'},
	    {0},
	};
	struct pf_payment_expect exp = {.is_used = used_one};
	const char *rpc = NULL;
	char eth[PF_U256_DEC_MAX + 2];
	struct pf_payment facts;
	struct pf_verdict v;
	struct pf_ledger *l;
	uint64_t n;
	int o, rc;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r':
			rpc = optarg;
			break;
		case 'p':
			exp.pay_to = optarg;
			break;
		case 'c':
			if (parse_u64(optarg, &exp.chain_id))
				return usage();
			break;
		case 'q':
			exp.quote_id = optarg;
			break;
		case 'a':
			if (pf_u256_parse(optarg, &exp.amount_wei)) {
				fprintf(stderr, "ledger_probe: bad amount \"%s\"\n", optarg);
				return 1;
			}
			break;
		case 'n':
			if (parse_u64(optarg, &n) || n > UINT32_MAX)
				return usage();
			exp.confirmations = (uint32_t)n;
			break;
		case 'u':
			exp.is_used_arg = optarg;
			break;
		default:
			return usage();
		}
	}
	if (!rpc || !exp.pay_to || !exp.quote_id || optind != argc - 1)
		return usage();
	l = pf_ledger_eth_new(rpc, 5000);
	if (!l) {
		fprintf(stderr, "ledger_probe: %s\n", pf_last_error());
		return 1;
	}
	rc = pf_payment_verify(l, &exp, argv[optind], &v, &facts);
	pf_ledger_free(l);
	pf_u256_to_units(&v.shortfall, 18, eth, sizeof(eth));
	printf("verdict=%s\ntxhash=%s\nconfirmations=%" PRIu64 "\nshortfall_wei=%s\n"
	       "shortfall_eth=%s\ndetail=%s\n",
	       pf_payment_verdict_name(v.code), v.txhash, v.confirmations, v.shortfall_wei,
	       v.shortfall_wei[0] ? eth : "", v.detail);
	if (v.code != PF_PAY_BAD_TX_HASH)
		print_facts(&facts);
	return rc ? 3 : 0;
}

static int cmd_quote_input(int argc, char **argv)
{
	char buf[PF_QUOTE_INPUT_HEX_LEN + 1];

	if (argc != 2)
		return usage();
	if (pf_quote_input_hex(argv[1], buf, sizeof(buf)) < 0) {
		fprintf(stderr, "ledger_probe: \"%s\" is not a quote id (32 hex digits)\n",
			argv[1]);
		return 1;
	}
	puts(buf);
	return 0;
}

static int cmd_rpc(int argc, char **argv)
{
	struct json_object *params = NULL, *res;
	struct pf_jsonrpc_error e;
	struct pf_jsonrpc *c;
	int rc;

	if ((argc != 4 && argc != 5) || strcmp(argv[1], "--rpc"))
		return usage();
	if (argc == 5) {
		params = json_tokener_parse(argv[4]);
		if (!params) {
			fprintf(stderr, "ledger_probe: params are not JSON\n");
			return 1;
		}
	}
	c = pf_jsonrpc_new(argv[2], 5000);
	if (!c) {
		json_object_put(params);
		fprintf(stderr, "ledger_probe: bad URL\n");
		return 1;
	}
	rc = pf_jsonrpc_call(c, argv[3], params, &res, &e);
	if (rc)
		printf("error %s %s\n", pf_jsonrpc_err_kind_name(e.kind), e.message);
	else
		puts(res ? json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN) : "null");
	json_object_put(res);
	pf_jsonrpc_free(c);
	return rc ? 3 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "verify"))
		return cmd_verify(argc - 1, argv + 1);
	if (!strcmp(argv[1], "quote-input"))
		return cmd_quote_input(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rpc"))
		return cmd_rpc(argc - 1, argv + 1);
	return usage();
}
