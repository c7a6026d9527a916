// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * DEPOSIT -> BALANCE_REPLY | PENDING | ERROR, and BALANCE -> BALANCE_REPLY.
 * A deposit is checked like an ORDER's payment, on the ledger workers and
 * by the same rules (payment.h: chain, recipient, marker in the input,
 * at least broker.min_deposit, status, confirmations, within the client's
 * guard limits), then credited on the loop thread: a payments row (the
 * replay protection orders use, so one transaction is either a deposit or
 * an order payment, once) and the balance movement in one savepoint of the
 * loop's batch; the answer leaves after the commit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "broker/proto/deposit.h"
#include "broker/sales/balance.h"
#include "broker/sales/broker_glue.h"
#include "broker/sales/cluster_tx.h"
#include "broker/sales/guard.h"
#include "broker/sales/order.h"
#include "userspace/common/error.h"
#include "userspace/common/hex.h"

struct deposit_job {
	struct pf_lw_job job; /* first, so free(job) frees it */
	struct pf_srv_conn *conn;
	struct pf_deposit dep;
	uint8_t peer[16];
	char tag[33]; /* the guard's name for the check */
};

static void deposit_done(struct pfd *d, struct pf_lw_job *job);
static const struct pfd_lw_kind deposit_kind = {.done = deposit_done};

void pfd_broker_balance_reply(struct pfd *d, struct pf_srv_conn *c, bool deferred,
			      const uint8_t key[32], const char *tx, const struct pf_u256 *credited,
			      const char *withdrawn)
{
	struct pf_msg m = {.type = PF_MSG_BALANCE_REPLY};
	struct pf_balance_reply *b = &m.balance_reply;
	char key_hex[PF_PUBKEY_HEX + 1];
	struct pf_u256 bal;
	struct pf_err_msg e;
	int err;

	pf_hex_encode(key, PF_PUBKEY_BYTES, key_hex);
	err = pf_balance_get(d->store, key_hex, &bal, NULL);
	if (err && err != -ENOENT) {
		pf_err_set(&e, PF_E_INTERNAL, "%s", pf_last_error());
		pfd_broker_fail(d, c, deferred, &e);
		return;
	}
	memcpy(b->client_key, key, PF_PUBKEY_BYTES);
	pf_u256_to_dec(&bal, b->balance, sizeof(b->balance));
	pf_u256_to_dec(credited, b->credited, sizeof(b->credited));
	snprintf(b->tx_hash, sizeof(b->tx_hash), "%s", tx);
	snprintf(b->withdrawn, sizeof(b->withdrawn), "%s", withdrawn ? withdrawn : "");
	pfd_broker_reply(d, c, deferred, &m);
}

void pfd_broker_balance(struct pfd *d, struct pf_srv_conn *c, const struct pf_balance_request *b)
{
	struct pf_u256 zero;

	pf_u256_from_u64(&zero, 0);
	pfd_broker_balance_reply(d, c, false, b->client_key, "", &zero, NULL);
}

/*
 * What the records say about tx: 1 = credited to key (answered), 0 = unused,
 * else an error to send (paid an order, or credited another key).
 */
static enum pf_err recorded(struct pfd *d, struct pf_srv_conn *c, bool deferred,
			    const struct pf_deposit *dep, struct pf_err_msg *e, bool *answered)
{
	char key_hex[PF_PUBKEY_HEX + 1], owner[65], used_for[33] = "";
	struct pf_u256 amount;
	int err = pf_balance_entry(d->store, PF_MONEY_DEPOSIT, dep->tx_hash, &amount, owner);

	*answered = false;
	pf_hex_encode(dep->client_key, PF_PUBKEY_BYTES, key_hex);
	if (!err && !strcmp(owner, key_hex)) {
		pfd_broker_balance_reply(d, c, deferred, dep->client_key, dep->tx_hash, &amount,
					 NULL);
		*answered = true;
		return PF_OK;
	}
	if (!err)
		return pf_err_set(e, PF_E_TX_REUSED, "transaction %s was deposited for another key",
				  dep->tx_hash);
	if (err != -ENOENT)
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	err = pf_bstore_tx_used(d->store, dep->tx_hash, used_for);
	if (!err)
		return pf_err_set(e, PF_E_TX_REUSED, "transaction %s already paid for %s",
				  dep->tx_hash, used_for[0] ? used_for : "an order");
	return err == -ENOENT ? PF_OK : pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
}

void pfd_broker_deposit(struct pfd *d, struct pf_srv_conn *c, const struct pf_deposit *dep)
{
	struct deposit_job *j;
	struct pf_err_msg e;
	bool answered;

	if (recorded(d, c, false, dep, &e, &answered) != PF_OK) {
		pfd_broker_fail(d, c, false, &e);
		return;
	}
	if (answered)
		return;
	j = calloc(1, sizeof(*j));
	if (!j) {
		pf_err_set(&e, PF_E_INTERNAL, "out of memory");
		pfd_broker_fail(d, c, false, &e);
		return;
	}
	j->dep = *dep;
	memcpy(j->peer, pf_srv_peer(c), 16);
	snprintf(j->tag, sizeof(j->tag), "%.32s", dep->tx_hash + 2);
	j->job.user = (void *)&deposit_kind;
	snprintf(j->job.tx, sizeof(j->job.tx), "%s", dep->tx_hash);
	snprintf(j->job.pay_to, sizeof(j->job.pay_to), "%s", d->conf.ledger.payment_address);
	snprintf(j->job.quote_id, sizeof(j->job.quote_id), "%s", PF_DEPOSIT_MARKER_HEX);
	j->job.chain_id = d->conf.ledger.chain_id;
	j->job.confirmations = d->conf.ledger.confirmations;
	pf_u256_parse_dec(d->conf.broker.min_deposit, &j->job.amount_wei);
	if (pfd_broker_submit(d, &j->job, j->peer, dep->client_key, j->tag)) {
		pfd_broker_limited(d, c, false);
		free(j);
		return;
	}
	j->conn = pf_srv_defer(c);
}

/* The ledger's verdict in a deposit's words. */
static enum pf_order_outcome judge(struct pfd *d, const struct deposit_job *j, struct pf_err_msg *e)
{
	enum pf_order_outcome out = pf_order_judge(&j->job, j->dep.payer, UINT64_MAX, e);

	if (out == PF_ORDER_REFUSE && e->code == PF_E_UNDERPAYMENT)
		pf_err_set(e, PF_E_DEPOSIT_BELOW_MINIMUM,
			   "the deposit pays less than the minimum of %s smallest units",
			   d->conf.broker.min_deposit);
	/* The rules found the marker; the input must also be exactly marker + key
	 * (final already while the transaction waits for confirmations). */
	if ((out == PF_ORDER_REFUSE && e->code == PF_E_TX_MISSING_QUOTE_ID) ||
	    (out != PF_ORDER_REFUSE &&
	     pf_deposit_input_check(j->job.facts.input, j->dep.client_key))) {
		pf_err_set(e, PF_E_DEPOSIT_NOT_MARKED,
			   "the transaction input must be exactly 0x%s and the client key "
			   "(docs/PROTOCOL.md, Deposits)",
			   PF_DEPOSIT_MARKER_HEX);
		return PF_ORDER_REFUSE;
	}
	return out;
}

/* Credits the deposit; in cluster mode the tx is claimed in etcd first
 * (cluster_tx.h) and given back if the local record fails. */
static enum pf_err credit(struct pfd *d, const struct deposit_job *j, struct pf_err_msg *e)
{
	const char *tx = j->job.verdict.txhash;
	char key_hex[PF_PUBKEY_HEX + 1];
	int64_t claim = 0;
	int err;

	pf_hex_encode(j->dep.client_key, PF_PUBKEY_BYTES, key_hex);
	if (d->csell && pfd_ctx_deposit(d, tx, key_hex, &j->job.facts, e, &claim) != PF_OK)
		return e->code;
	err = pfd_broker_credit_payment(d, PF_MONEY_DEPOSIT, tx, key_hex, &j->job.facts.value,
					j->job.facts.from);
	if (!err)
		return PF_OK;
	pf_err_set(e, err == -EEXIST ? PF_E_TX_REUSED : PF_E_INTERNAL, "%s", pf_last_error());
	if (err != -EEXIST && claim)
		pfd_ctx_release(d, tx, claim);
	return e->code;
}

static void deposit_done(struct pfd *d, struct pf_lw_job *job)
{
	struct deposit_job *j = (struct deposit_job *)job;
	struct pf_err_msg e;
	bool answered;

	pf_guard_check_end(d->broker->guard, j->peer, j->dep.client_key, j->tag);
	if (!job->rc &&
	    (job->verdict.code == PF_PAY_NOT_FOUND || job->verdict.code == PF_PAY_BAD_TX_HASH))
		pfd_broker_strike(d, j->peer, j->dep.client_key, job->tx);
	switch (judge(d, j, &e)) {
	case PF_ORDER_PENDING:
		pfd_broker_pending(d, j->conn, "", j->dep.tx_hash, job->verdict.confirmations);
		break;
	case PF_ORDER_REFUSE:
		pfd_broker_fail(d, j->conn, true, &e);
		break;
	case PF_ORDER_GRANT:
		/* Another DEPOSIT of this transaction may have won meanwhile. */
		if (recorded(d, j->conn, true, &j->dep, &e, &answered) != PF_OK ||
		    (!answered && credit(d, j, &e) != PF_OK)) {
			pfd_broker_fail(d, j->conn, true, &e);
			break;
		}
		if (!answered)
			pfd_broker_balance_reply(d, j->conn, true, j->dep.client_key,
						 j->dep.tx_hash, &j->job.facts.value, NULL);
		break;
	}
	free(j);
}
