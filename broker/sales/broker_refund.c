// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Refunds to the balance (docs/MONEY.md). A valid payment whose ORDER ends
 * refused after the ledger accepted it (paid after the quote expired, the
 * extended reservation ended, the pair got another level, capacity gone,
 * the quote granted with another payment) is credited in full to the
 * quote's key: the payments row (so the transaction is used, once) and the
 * refund entry (ref = the transaction) in one savepoint of the loop's batch.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "broker/sales/balance.h"
#include "broker/sales/broker_glue.h"
#include "userspace/common/error.h"

bool pfd_broker_refundable(enum pf_err code)
{
	return code == PF_E_QUOTE_EXPIRED || code == PF_E_QUOTE_USED ||
	       code == PF_E_RESERVATION_ENDED || code == PF_E_PAIR_RESERVED ||
	       code == PF_E_CAPACITY_EXHAUSTED;
}

int pfd_broker_refund_payment(struct pfd *d, const char *tx, const char *key_hex,
			      const struct pf_u256 *value, struct pf_err_msg *e)
{
	char amount[PF_U256_DEC_MAX], text[PF_ERR_TEXT_MAX];
	struct pf_u256 after;
	int err;

	pf_u256_to_dec(value, amount, sizeof(amount));
	if (pfd_txn(d) || pf_store_savepoint(d->store))
		return -EIO;
	err = pf_store_payment_use(d->store, tx, 0, amount)
		  ?: pf_balance_move(d->store, key_hex, PF_MONEY_REFUND, value, tx, NULL, &after);
	if (err) {
		pf_store_rollback_to(d->store);
		return err;
	}
	pf_store_release(d->store);
	snprintf(text, sizeof(text), "%s", e->text);
	pf_err_set(e, e->code, "%.150s; the payment (%s) is credited to the balance of the key",
		   text, amount);
	return 0;
}

enum pf_err pfd_broker_refunded(struct pfd *d, const char *tx, struct pf_err_msg *e)
{
	char key[65], amount[PF_U256_DEC_MAX];
	struct pf_u256 v;
	int err = pf_balance_entry(d->store, PF_MONEY_REFUND, tx, &v, key);

	if (err == -ENOENT)
		return PF_OK;
	if (err)
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	pf_u256_to_dec(&v, amount, sizeof(amount));
	return pf_err_set(e, PF_E_PAYMENT_REFUNDED,
			  "transaction %s could not buy its quote and was credited (%s) to the "
			  "balance of key %.16s..",
			  tx, amount, key);
}
