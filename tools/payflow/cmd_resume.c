// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * payflow resume [ID]: finishes purchases that stopped after the quote
 * (killed CLI, lost network, --timeout): sends a journalled payment again if
 * the node does not have it, waits until it is mined, and orders until the
 * broker's CONFIRM or a final refusal. ID is a quote id or a prefix of one;
 * without it, every unfinished purchase.
 */
#include <stdio.h>
#include <string.h>
#include "userspace/common/error.h"
#include "tools/payflow/cli.h"
#include "broker/eth/eth_hex.h"

#define MAX_PURCHASES 256

/* The journalled QUOTE, verified again against the broker's pinned key. */
static int journal_quote(struct cli *c, const struct session *s, const struct journal *j,
			 const char *id, struct pf_quote *q)
{
	const char *frame = journal_get(j, "quote");
	struct pf_err_msg err;
	struct pf_msg m;

	if (pf_msg_decode(frame, strcspn(frame, "\n"), PF_FROM_BROKER, s->broker_pk, &m, &err) !=
		PF_OK ||
	    m.type != PF_MSG_QUOTE || strcmp(m.quote.quote_id, id))
		return cli_fail(c, PF_EXIT_FAILURE, NULL,
				"%s: the recorded QUOTE does not verify against broker %s: %s",
				j->path, s->name, err.text);
	*q = m.quote;
	return 0;
}

/* A payment signed here but perhaps never sent: the node gets the same bytes again. */
static void resend(struct pf_wallet *w, const char *tx, const char *raw)
{
	struct json_object *params, *res = NULL;
	struct pf_jsonrpc_error e;

	if (pf_wallet_receipt(w, tx) != 0)
		return; /* mined, failed, or the node is unreachable: nothing to send */
	params = json_object_new_array();
	json_object_array_add(params, json_object_new_string(raw));
	/* "already known" or "nonce too low" mean the node has it: nothing to do. */
	if (!pf_jsonrpc_call(w->rpc, "eth_sendRawTransaction", params, &res, &e))
		json_object_put(res);
}

/* --tx: the payment of a node-managed account whose hash was not journalled. */
static int adopt_tx(struct cli *c, struct journal *j, const struct pf_quote *q, const char *tx)
{
	char hash[PF_ETH_HASH_STRLEN];
	struct pf_keypair kp;
	int rc;

	if (!tx)
		return cli_fail(c, PF_EXIT_FAILURE, NULL,
				"nothing is recorded as paid for quote %s: payflow stopped before "
				"the payment was sent or, with a node-managed account, before the "
				"node returned its hash. If %s sent %s to %s with input 0x%s, "
				"give it: payflow resume %s --tx HASH",
				q->quote_id, journal_get(j, "payer"), q->amount, q->pay_to,
				q->quote_id, q->quote_id);
	if (!pf_eth_is_hash(tx))
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"--tx: '%s' is not a transaction hash (0x and 64 hex digits)", tx);
	pf_eth_lower_copy(hash, sizeof(hash), tx);
	rc = identity_load(c, &kp);
	if (rc)
		return rc;
	rc = purchase_journal_payment(j, &kp, q, journal_get(j, "payer"), hash, NULL);
	pf_keypair_wipe(&kp);
	return rc ? cli_fail(c, PF_EXIT_FAILURE, NULL, "cannot write %s", j->path) : 0;
}

static int resume_paid(struct cli *c, struct journal *j, const char *id, const char *tx)
{
	const char *from = journal_get(j, "from"), *raw;
	struct pf_wallet w;
	struct pf_quote q;
	struct session s;
	int rc;

	rc = session_open(c, &s, journal_get(j, "broker"), from && *from ? from : NULL);
	if (!rc)
		rc = journal_quote(c, &s, j, id, &q);
	if (!rc && !journal_get(j, "tx_hash"))
		rc = adopt_tx(c, j, &q, tx);
	if (!rc)
		rc = purchase_wallet(c, &w, journal_get(j, "payer"));
	if (!rc) {
		raw = journal_get(j, "raw_tx");
		if (raw)
			resend(&w, journal_get(j, "tx_hash"), raw);
		rc = purchase_finish(c, &s, j, &q, &w);
		pf_wallet_close(&w);
	}
	session_close(&s);
	return rc;
}

/* One purchase; a refused one is reported only when asked for by id (named). */
static int resume_one(struct cli *c, const char *id, const char *tx, bool named)
{
	struct journal j = {0};
	int rc;

	if (journal_load(c, id, &j))
		return cli_fail(c, PF_EXIT_FAILURE, NULL,
				"%s/purchases/%s.json is not a readable purchase record", c->home,
				id);
	if (strcmp(journal_get(&j, "state"), "refused"))
		rc = resume_paid(c, &j, id, tx);
	else if (named)
		rc = cli_fail(c, PF_EXIT_REFUSED, journal_get(&j, "error"),
			      "the broker refused the ORDER for quote %s: %s [%s]", id,
			      journal_get(&j, "message") ?: "", journal_get(&j, "error") ?: "");
	else
		rc = 0;
	journal_close(&j);
	return rc;
}

int cmd_resume(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    COMMON_OPTIONS,
	    WALLET_OPTIONS,
	    {"tx", required_argument, NULL, OPT_TX},
	    {0},
	};
	static char ids[MAX_PURCHASES][PF_ID_HEX + 1];
	const char *prefix = "", *tx = NULL;
	int opt, rc, n, worst = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == OPT_TX) {
			tx = optarg;
			continue;
		}
		rc = parse_common(c, opt, optarg);
		if (rc)
			return help_or_usage(c, rc);
	}
	if (optind + 1 < argc)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "resume takes at most one quote id");
	if (optind < argc)
		prefix = argv[optind];
	if (strspn(prefix, "0123456789abcdef") != strlen(prefix) || strlen(prefix) > PF_ID_HEX)
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"'%s' is not a quote id or a prefix of one (lowercase hex)",
				prefix);
	n = journal_find(c, prefix, ids, MAX_PURCHASES);
	if (n < 0)
		return cli_fail(c, PF_EXIT_FAILURE, NULL, "cannot read %s/purchases: %s", c->home,
				strerror(-n));
	if (*prefix && n != 1)
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				n ? "'%s' matches %d purchases: give more digits"
				  : "no unfinished purchase has a quote id starting with '%s'%.0d",
				prefix, n);
	if (tx && !*prefix)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "--tx needs the quote id it paid");
	if (!n && !c->json)
		cli_note(c, "no unfinished purchase under %s/purchases", c->home);
	for (int i = 0; i < n; i++) {
		rc = resume_one(c, ids[i], tx, *prefix);
		if (rc && !worst)
			worst = rc;
	}
	return worst;
}
