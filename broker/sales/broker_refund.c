// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Refunds to the balance (docs/MONEY.md), and the one way a payment is
 * credited to a balance (pfd_broker_credit_payment: a refund or a deposit).
 * A valid payment whose ORDER ends refused after the ledger accepted it
 * (paid after the quote expired, the extended reservation ended, the pair
 * got another level, capacity gone, the quote granted with another payment,
 * an upgrade or extension of a reservation whose level changed since the
 * quote) is credited in full to the quote's key: the payments row (so the
 * transaction is used, once) and the refund entry (ref = the transaction) in
 * one savepoint of the loop's batch.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "broker/sales/balance.h"
#include "broker/sales/broker_glue.h"
#include "userspace/common/error.h"

bool pfd_broker_refundable(enum pf_err code)
{
	return code == PF_E_QUOTE_EXPIRED || code == PF_E_QUOTE_USED ||
	       code == PF_E_RESERVATION_ENDED || code == PF_E_PAIR_RESERVED ||
	       code == PF_E_CAPACITY_EXHAUSTED || code == PF_E_NOT_UPGRADABLE ||
	       code == PF_E_EXTEND_MISMATCH;
}

int pfd_broker_credit_payment(struct pfd *d, enum pf_money kind, const char *tx,
			      const char *key_hex, const struct pf_u256 *value, const char *payer)
{
	char amount[PF_U256_DEC_MAX];
	struct pf_u256 after;
	int err;

	pf_u256_to_dec(value, amount, sizeof(amount));
	if (pfd_txn(d) || pf_store_savepoint(d->store))
		return -EIO;
	err = pf_store_payment_use(d->store, tx, 0, amount)
		  ?: pf_balance_move(d->store, key_hex, kind, value, tx, payer, &after);
	if (err)
		pf_store_rollback_to(d->store);
	else
		pf_store_release(d->store);
	return err;
}

int pfd_broker_refund_payment(struct pfd *d, const char *tx, const char *key_hex,
			      const struct pf_u256 *value, const char *payer, struct pf_err_msg *e)
{
	char amount[PF_U256_DEC_MAX], text[PF_ERR_TEXT_MAX];
	int err = pfd_broker_credit_payment(d, PF_MONEY_REFUND, tx, key_hex, value, payer);

	if (err)
		return err;
	pf_u256_to_dec(value, amount, sizeof(amount));
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

#define NS 1000000000LL

/* Whole seconds left of [start, end) now, and its length (>= 1). */
static void seconds_left(__s64 start_ns, __s64 end_ns, __u64 *left, __u64 *whole)
{
	__s64 now = pf_wall_ns();

	*whole = end_ns > start_ns ? (__u64)((end_ns - start_ns + NS - 1) / NS) : 1;
	*left = end_ns > now ? (__u64)((end_ns - now) / NS) : 0;
	if (*left > *whole)
		*left = *whole;
}

/* What key p gets back: its purchases pro rata over the whole reservation, and each
 * upgrade pro rata over the seconds it bought, [end_unix - seconds, end_unix). */
static int unused_of(const struct pf_bpayer *p, __u64 left, __u64 whole, struct pf_u256 *out)
{
	__s64 now = pf_wall_ns();
	struct pf_u256 part;
	int err = pf_u256_prorata(&p->paid, left, whole, out);

	for (int i = 0; i < p->n_up && !err; i++) {
		const struct pf_bupgrade *u = &p->up[i];
		__s64 end = (__s64)u->end_unix * NS;
		__u64 rest = end > now ? (__u64)((end - now) / NS) : 0;

		if (!u->seconds)
			continue;
		err = pf_u256_prorata(&u->amount, rest < u->seconds ? rest : u->seconds, u->seconds,
				      &part)
			  ?: pf_u256_add(out, &part, out);
	}
	return err;
}

int pfd_broker_refund_rest(struct pfd *d, const char *rid, __s64 start_ns, __s64 end_ns,
			   const char *key_hex, struct pf_u256 *total, struct pf_u256 *mine)
{
	struct pf_bpayer payers[PF_BSTORE_MAX_PAYERS];
	char ref[128];
	struct pf_u256 part, after;
	__u64 left, whole;
	int n, err = pf_bstore_payers(d->store, rid, payers, &n);

	pf_u256_from_u64(total, 0);
	pf_u256_from_u64(mine, 0);
	seconds_left(start_ns, end_ns, &left, &whole);
	if (err || pfd_txn(d) || pf_store_savepoint(d->store))
		return err ?: -EIO;
	for (int i = 0; i < n && !err; i++) {
		snprintf(ref, sizeof(ref), "end:%.32s:%.64s", rid, payers[i].key);
		err = unused_of(&payers[i], left, whole, &part);
		if (!err && !pf_u256_is_zero(&part))
			err = pf_balance_move(d->store, payers[i].key, PF_MONEY_REFUND, &part, ref,
					      NULL, &after)
				  ?: pf_u256_add(total, &part, total);
		if (!err && key_hex && !strcmp(key_hex, payers[i].key))
			*mine = part;
	}
	if (err) {
		pf_store_rollback_to(d->store);
		return err;
	}
	pf_store_release(d->store);
	return 0;
}

void pfd_broker_revoked(struct pfd *d, __u64 resv_id, __s64 start_ns, __s64 end_ns,
			struct json_object *result)
{
	char rid[33], amount[PF_U256_DEC_MAX];
	struct pf_u256 total, none;

	if (pf_bstore_rid_of(d->store, resv_id, rid))
		return; /* not sold by the broker (payflowctl grant): nothing was paid */
	if (pfd_broker_refund_rest(d, rid, start_ns, end_ns, NULL, &total, &none)) {
		pfd_log("broker: revoked reservation %s: cannot refund: %s", rid, pf_last_error());
		json_object_object_add(result, "refund_error",
				       json_object_new_string(pf_last_error()));
		return;
	}
	pf_u256_to_dec(&total, amount, sizeof(amount));
	json_object_object_add(result, "reservation_id", json_object_new_string(rid));
	json_object_object_add(result, "refund", json_object_new_string(amount));
}
