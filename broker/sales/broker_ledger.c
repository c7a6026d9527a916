// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * payflowctl ledger (docs/CONTROL.md, docs/MONEY.md): the money the broker
 * holds and earned, summed exactly (u256) from the database: deposits,
 * debits, refunds and withdrawals of the balances, what the balances owe
 * now, the quoted amounts of orders paid on-chain, and the revenue.
 */
#include <errno.h>
#include <string.h>
#include <sqlite3.h>
#include "broker/sales/balance.h"
#include "broker/sales/broker_glue.h"
#include "userspace/common/error.h"

enum {
	SUM_DEPOSIT,
	SUM_DEBIT,
	SUM_REFUND,
	SUM_WITHDRAWAL,
	SUM_OWED,
	SUM_ONCHAIN,
	SUM_UNUSED,
	SUMS
};

static const char *const sum_sql[SUMS] = {
    [SUM_DEPOSIT] = "SELECT amount FROM balance_entries WHERE kind = 'deposit'",
    [SUM_DEBIT] = "SELECT amount FROM balance_entries WHERE kind = 'debit'",
    [SUM_REFUND] = "SELECT amount FROM balance_entries WHERE kind = 'refund'",
    [SUM_WITHDRAWAL] = "SELECT amount FROM balance_entries WHERE kind = 'withdrawal'",
    [SUM_OWED] = "SELECT balance FROM balances",
    [SUM_ONCHAIN] = "SELECT q.amount FROM broker_orders o JOIN broker_quotes q ON "
		    "q.quote_id = o.quote_id WHERE o.tx LIKE '0x%'",
    /* refunds of the unused seconds of cancelled or revoked reservations */
    [SUM_UNUSED] = "SELECT amount FROM balance_entries WHERE kind = 'refund' AND ref LIKE "
		   "'end:%'",
};
static const char *const sum_name[SUMS] = {"deposits",		 "debits",   "refunds",
					   "withdrawals",	 "balances", "onchain_orders",
					   "refunds_unused_time"};

static int sum_rows(struct pf_store *s, const char *sql, struct pf_u256 *out)
{
	sqlite3_stmt *st;
	struct pf_u256 v;
	int rc, err = 0;

	pf_u256_from_u64(out, 0);
	if (sqlite3_prepare_v2(pf_store_db(s), sql, -1, &st, NULL))
		return pf_fail(-EIO, "database: %s", sqlite3_errmsg(pf_store_db(s)));
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if (pf_u256_parse_dec((const char *)sqlite3_column_text(st, 0), &v) ||
		    pf_u256_add(out, &v, out))
			err = pf_fail(-EIO, "database: an amount is not a number or overflows");
	if (!err && rc != SQLITE_DONE)
		err = pf_fail(-EIO, "database: %s", sqlite3_errmsg(pf_store_db(s)));
	sqlite3_finalize(st);
	return err;
}

static void add_amount(struct json_object *o, const char *name, const struct pf_u256 *v)
{
	char dec[PF_U256_DEC_MAX];

	pf_u256_to_dec(v, dec, sizeof(dec));
	json_object_object_add(o, name, json_object_new_string(dec));
}

struct json_object *pfd_ledger(struct pfd *d, struct json_object *req, struct json_object **result)
{
	struct pf_u256 sum[SUMS], revenue;

	(void)req;
	if (!d->broker)
		return pf_ctl_error_reply(PF_CTL_E_NOT_FOUND,
					  "this payflowd has no broker section");
	for (int i = 0; i < SUMS; i++)
		if (sum_rows(d->store, sum_sql[i], &sum[i]))
			return pf_ctl_error_reply(PF_CTL_E_INTERNAL, pf_last_error());
	/* Earned: orders paid on-chain and from balances, less the unused time given back. */
	if (pf_u256_add(&sum[SUM_ONCHAIN], &sum[SUM_DEBIT], &revenue) ||
	    pf_u256_sub(&revenue, &sum[SUM_UNUSED], &revenue))
		return pf_ctl_error_reply(PF_CTL_E_INTERNAL, "the revenue does not add up");
	*result = json_object_new_object();
	for (int i = 0; i < SUMS; i++)
		add_amount(*result, sum_name[i], &sum[i]);
	add_amount(*result, "revenue", &revenue);
	json_object_object_add(*result, "currency",
			       json_object_new_string(d->conf.ledger.currency));
	json_object_object_add(*result, "decimals", json_object_new_int64(d->conf.ledger.decimals));
	return NULL;
}
