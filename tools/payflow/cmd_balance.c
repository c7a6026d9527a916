// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * payflow balance: BALANCE, the key's prepaid balance.
 * payflow deposit AMOUNT | --tx HASH: pays AMOUNT to the broker with the
 * deposit input (marker + this client's key, docs/PROTOCOL.md 6.13), waits
 * until it is mined, then sends DEPOSIT until the broker credits it. --tx
 * claims a deposit already sent (after a timeout or a crash).
 * payflow cancel [ID]: CANCEL, ending a reservation this key paid for now;
 * the unused seconds are refunded to the balance.
 * payflow withdraw [AMOUNT]: WITHDRAW (default: the whole balance) under a
 * fresh withdrawal id, resent with the same id if the connection breaks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "broker/proto/deposit.h"
#include "broker/proto/quote.h"
#include "tools/payflow/cli.h"
#include "userspace/common/error.h"

static void print_balance(struct cli *c, const struct session *s, const struct pf_balance_reply *b)
{
	char amt[128], cr[128];

	if (c->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "balance", json_object_new_string(b->balance));
		json_object_object_add(o, "credited", json_object_new_string(b->credited));
		json_object_object_add(o, "tx_hash", json_object_new_string(b->tx_hash));
		if (b->withdrawn[0])
			json_object_object_add(o, "withdrawn",
					       json_object_new_string(b->withdrawn));
		print_json_money(o, s);
		return;
	}
	if (b->tx_hash[0])
		printf("deposited    %s in transaction %s\n",
		       fmt_amount(b->credited, &s->menu, cr, sizeof(cr)), b->tx_hash);
	else if (strcmp(b->credited, "0"))
		printf("refunded     %s\n", fmt_amount(b->credited, &s->menu, cr, sizeof(cr)));
	printf("balance      %s (%s smallest units) at %s\n",
	       fmt_amount(b->balance, &s->menu, amt, sizeof(amt)), b->balance, s->name);
}

/* Sends m (signed by kp) and expects BALANCE_REPLY; PENDING sets *pending. */
static int ask(struct cli *c, struct session *s, const struct pf_msg *m,
	       const struct pf_keypair *kp, struct pf_msg *reply, bool *pending)
{
	int rc = session_send_msg(c, s, m, kp, reply);

	*pending = !rc && reply->type == PF_MSG_PENDING;
	if (rc || *pending || reply->type == PF_MSG_BALANCE_REPLY)
		return rc;
	if (reply->type == PF_MSG_ERROR)
		return cli_refused(c, &reply->error, NULL);
	return cli_fail(c, PF_EXIT_FAILURE, NULL, "the broker answered %s with %s",
			pf_msg_type_name(m->type), pf_msg_type_name(reply->type));
}

/* Sends m signed by this client's key to broker and prints the BALANCE_REPLY. */
static int balance_call(struct cli *c, const char *broker, struct pf_msg *m)
{
	struct pf_keypair kp;
	struct pf_msg reply;
	struct session s;
	bool pending;
	int rc = identity_load(c, &kp);

	if (rc)
		return rc;
	rc = session_open(c, &s, broker, NULL);
	if (!rc)
		rc = ask(c, &s, m, &kp, &reply, &pending);
	if (!rc && m->type == PF_MSG_CANCEL && !c->json)
		printf("cancelled    %s\n", m->cancel.reservation_id);
	if (!rc && m->type == PF_MSG_WITHDRAW && !c->json)
		printf("withdrawn    %s smallest units to the last depositor in transaction %s\n",
		       reply.balance_reply.withdrawn, reply.balance_reply.tx_hash);
	if (!rc)
		print_balance(c, &s, &reply.balance_reply);
	pf_keypair_wipe(&kp);
	session_close(&s);
	return rc;
}

int cmd_balance(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTIONS, {0}};
	struct pf_msg m = {.type = PF_MSG_BALANCE};
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if ((rc = parse_common(c, opt, optarg)))
			return help_or_usage(c, rc);
	if (optind < argc)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "unexpected argument '%s'", argv[optind]);
	return balance_call(c, cli_broker(c), &m);
}

int cmd_cancel(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTIONS, {0}};
	struct pf_msg m = {.type = PF_MSG_CANCEL};
	const char *id, *broker;
	struct record rec;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if ((rc = parse_common(c, opt, optarg)))
			return help_or_usage(c, rc);
	rc = record_arg(c, argc, argv, &id, &rec, &broker);
	if (rc)
		return rc;
	snprintf(m.cancel.reservation_id, sizeof(m.cancel.reservation_id), "%s", id);
	return balance_call(c, broker, &m);
}

/* The whole balance, asked with BALANCE. */
static int whole_balance(struct cli *c, char out[PF_AMOUNT_MAX])
{
	struct pf_msg m = {.type = PF_MSG_BALANCE}, reply;
	struct pf_keypair kp;
	struct session s;
	bool pending;
	int rc = identity_load(c, &kp);

	if (rc)
		return rc;
	rc = session_open(c, &s, cli_broker(c), NULL);
	if (!rc)
		rc = ask(c, &s, &m, &kp, &reply, &pending);
	if (!rc)
		snprintf(out, PF_AMOUNT_MAX, "%s", reply.balance_reply.balance);
	pf_keypair_wipe(&kp);
	session_close(&s);
	return rc;
}

int cmd_withdraw(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTIONS, {0}};
	struct pf_msg m = {.type = PF_MSG_WITHDRAW};
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if ((rc = parse_common(c, opt, optarg)))
			return help_or_usage(c, rc);
	if (optind + 1 < argc)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "unexpected argument '%s'",
				argv[optind + 1]);
	if (optind < argc)
		snprintf(m.withdraw.amount, sizeof(m.withdraw.amount), "%s", argv[optind]);
	else if ((rc = whole_balance(c, m.withdraw.amount)))
		return rc;
	if (!pf_amount_valid(m.withdraw.amount, strlen(m.withdraw.amount)) ||
	    !strcmp(m.withdraw.amount, "0"))
		return cli_fail(
		    c, PF_EXIT_USAGE, NULL,
		    "nothing to withdraw: '%s' is not an amount of smallest units above 0",
		    m.withdraw.amount);
	pf_id_new(m.withdraw.withdrawal_id);
	return balance_call(c, cli_broker(c), &m);
}

/* DEPOSIT until the broker credits tx (PENDING waits), within the timeout. */
static int claim(struct cli *c, struct session *s, const struct pf_keypair *kp, const char *payer,
		 const char *tx, long long deadline)
{
	struct pf_msg m = {.type = PF_MSG_DEPOSIT}, reply;
	bool pending;
	int rc;

	snprintf(m.deposit.payer, sizeof(m.deposit.payer), "%s", payer);
	snprintf(m.deposit.tx_hash, sizeof(m.deposit.tx_hash), "%s", tx);
	while (!(rc = ask(c, s, &m, kp, &reply, &pending)) && pending) {
		if (cli_now_ms() >= deadline)
			return cli_fail(c, PF_EXIT_TIMEOUT, NULL,
					"deposit %s is not confirmed within %llu s; payflow "
					"deposit --tx %s claims it later",
					tx, (unsigned long long)c->timeout, tx);
		cli_sleep_ms(1000);
	}
	if (!rc)
		print_balance(c, s, &reply.balance_reply);
	return rc;
}

/* Sends AMOUNT with the deposit input; *tx gets its hash. */
static int send_deposit(struct cli *c, struct session *s, struct pf_wallet *w,
			const struct pf_keypair *kp, const char *amount,
			char tx[PF_TX_HASH_LEN + 1])
{
	uint8_t data[PF_DEPOSIT_INPUT_LEN];
	struct pf_wallet_transfer t = {s->menu.pay_to, s->menu.chain_id, amount, data,
				       sizeof(data)};
	struct pf_wallet_payment out;

	pf_deposit_input(kp->pk, data);
	if (pf_wallet_check_chain(w, s->menu.chain_id) || pf_wallet_send(w, &t, &out))
		return cli_fail(c, PF_EXIT_PAYMENT, NULL, "deposit failed: %s", pf_last_error());
	snprintf(tx, PF_TX_HASH_LEN + 1, "%s", out.tx_hash);
	if (!c->json)
		cli_note(c, "sent deposit %s; payflow deposit --tx %s claims it if this stops", tx,
			 tx);
	return 0;
}

static int deposit(struct cli *c, const char *amount, const char *tx_arg)
{
	long long deadline = cli_now_ms() + (long long)c->timeout * 1000;
	char tx[PF_TX_HASH_LEN + 1] = "", resume[128];
	struct pf_keypair kp;
	struct pf_wallet w;
	struct session s;
	int rc = identity_load(c, &kp);

	if (rc)
		return rc;
	rc = purchase_wallet(c, &w, NULL);
	if (rc)
		goto out_key;
	rc = session_open(c, &s, cli_broker(c), NULL);
	if (!rc && tx_arg)
		snprintf(tx, sizeof(tx), "%s", tx_arg);
	else if (!rc)
		rc = send_deposit(c, &s, &w, &kp, amount, tx);
	snprintf(resume, sizeof(resume), "payflow deposit --tx %s claims it", tx);
	if (!rc)
		rc = purchase_wait_mined(c, &w, tx, resume, deadline);
	if (!rc)
		rc = claim(c, &s, &kp, w.address, tx, deadline);
	session_close(&s);
	pf_wallet_close(&w);
out_key:
	pf_keypair_wipe(&kp);
	return rc;
}

int cmd_deposit(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    COMMON_OPTIONS, WALLET_OPTIONS, {"tx", required_argument, NULL, OPT_TX}, {0}};
	const char *tx = NULL, *amount = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == OPT_TX)
			tx = optarg;
		else if ((rc = parse_common(c, opt, optarg)))
			return help_or_usage(c, rc);
	}
	if (optind < argc)
		amount = argv[optind++];
	if (optind < argc)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "unexpected argument '%s'", argv[optind]);
	if (!amount == !tx)
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"deposit needs AMOUNT (smallest units) or --tx HASH, not both");
	if (amount && (!pf_amount_valid(amount, strlen(amount)) || !strcmp(amount, "0")))
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"AMOUNT '%s' is not a whole number of smallest units above 0",
				amount);
	if (tx && (strlen(tx) != PF_TX_HASH_LEN || strncmp(tx, "0x", 2)))
		return cli_fail(c, PF_EXIT_USAGE, NULL, "--tx: '%s' is not 0x and 64 hex digits",
				tx);
	return deposit(c, amount, tx);
}
