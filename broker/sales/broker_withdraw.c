// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * WITHDRAW -> BALANCE_REPLY | ERROR (docs/PROTOCOL.md 6.12): the amount goes
 * back on-chain to the key's last depositor. On the loop thread, in one
 * savepoint of the batch: the withdrawal entry (ref = its id: once), the
 * balance, and the withdrawals row holding the signed transaction (the next
 * nonce of the payment address, signed with broker.payment_key_file). Only
 * after the commit does the sender (withdraw_sender.h) put it on the chain,
 * and it sends exactly those bytes until they are mined: a crash never pays
 * twice, a dropped transaction is sent again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "broker/eth/ethtx.h"
#include "broker/sales/balance.h"
#include "broker/sales/broker_glue.h"
#include "broker/sales/withdraw_sender.h"
#include "userspace/common/error.h"
#include "userspace/common/hex.h"

#define MAX_FEE_PER_GAS 100000000000ULL /* 100 gwei: what one withdrawal may cost the broker */
#define TIP_PER_GAS	1000000000ULL	/* 1 gwei */

int pfd_broker_withdrawals_start(struct pfd *d)
{
	struct pfd_broker *b = d->broker;
	char addr[PF_ETH_ADDR_STRLEN], db[PATH_MAX + 16];
	int err;

	if (!d->conf.broker.payment_key_file[0])
		return 0;
	err = pf_ethkey_load(&b->pay_key, d->conf.broker.payment_key_file);
	if (err)
		return pf_fail(err, "broker.payment_key_file %s: %s",
			       d->conf.broker.payment_key_file, pf_last_error());
	pf_hex_encode_0x(b->pay_key.addr, PF_ETH_ADDR_LEN, addr);
	if (strcmp(addr, d->conf.ledger.payment_address))
		return pf_fail(-EINVAL,
			       "broker.payment_key_file is the key of %s, not of "
			       "ledger.payment_address %s",
			       addr, d->conf.ledger.payment_address);
	snprintf(db, sizeof(db), "%s/payflow.db", d->conf.state_dir);
	return pf_wds_start(&b->wds, db, d->conf.ledger.rpc_url, d->conf.ledger.netns,
			    d->conf.ledger.timeout_ms, addr);
}

/* One integer from sql (bound ?1 = text), or dflt when there is no row or NULL. */
static int64_t one_int(struct pf_store *s, const char *sql, const char *arg, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;

	if (sqlite3_prepare_v2(pf_store_db(s), sql, -1, &st, NULL))
		return dflt;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The next nonce of the payment address: after our last withdrawal, or the chain's. */
static int64_t next_nonce(struct pfd *d)
{
	int64_t stored = one_int(d->store, "SELECT max(nonce) + 1 FROM withdrawals", NULL, -1);
	int64_t chain = pf_wds_chain_nonce(d->broker->wds);

	return stored > chain ? stored : chain;
}

static int sign(struct pfd *d, const char *to, const struct pf_u256 *amount, uint64_t nonce,
		struct pf_signed_tx *stx)
{
	struct pf_eip1559_tx tx = {.chain_id = d->conf.ledger.chain_id,
				   .nonce = nonce,
				   .max_priority_fee_per_gas = TIP_PER_GAS,
				   .max_fee_per_gas = MAX_FEE_PER_GAS,
				   .gas_limit = PF_ETH_MIN_GAS};

	for (int i = 0; i < 4; i++) /* u256 limbs, least significant first -> big-endian */
		for (int j = 0; j < 8; j++)
			tx.value[31 - (i * 8 + j)] = (uint8_t)(amount->w[i] >> (8 * j));
	return pf_eth_addr_parse(to, tx.to) ?: pf_eip1559_sign(&tx, &d->broker->pay_key, stx);
}

static int record(struct pfd *d, const struct pf_withdraw *w, const char *key_hex, const char *to,
		  uint64_t nonce, const char *hash, const char *raw)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(
		pf_store_db(d->store),
		"INSERT INTO withdrawals (id, client_key, to_address, amount, nonce, "
		"tx_hash, raw, state, wall_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
		"'signed', ?8)",
		-1, &st, NULL))
		return pf_fail(-EIO, "database: %s", sqlite3_errmsg(pf_store_db(d->store)));
	sqlite3_bind_text(st, 1, w->withdrawal_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key_hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, w->amount, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (int64_t)nonce);
	sqlite3_bind_text(st, 6, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, raw, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, pf_wall_ns());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0
				 : pf_fail(-EIO, "database: record withdrawal: %s",
					   sqlite3_errmsg(pf_store_db(d->store)));
}

/* Checks, signs and records; *hash gets the transaction's. */
static enum pf_err withdraw(struct pfd *d, const struct pf_withdraw *w, const char *key_hex,
			    char hash[PF_ETH_HASH_STRLEN], struct pf_err_msg *e)
{
	char to[43];
	struct pf_u256 amount, bal, after;
	struct pf_signed_tx stx;
	int64_t nonce;
	int err = pf_balance_get(d->store, key_hex, &bal, to);

	if (err && err != -ENOENT)
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	if (!to[0])
		return pf_err_set(e, PF_E_NO_WITHDRAWAL_ADDRESS,
				  "key %.16s.. never deposited: there is no address to send to",
				  key_hex);
	pf_u256_parse_dec(w->amount, &amount);
	if (pf_u256_cmp(&amount, &bal) > 0)
		return pf_err_set(e, PF_E_WITHDRAWAL_EXCEEDS_BALANCE, "%s",
				  "the withdrawal is more than the balance");
	nonce = next_nonce(d);
	if (nonce < 0)
		return pf_err_set(e, PF_E_WITHDRAWAL_UNAVAILABLE,
				  "the broker has not read its nonce from the ledger yet; retry");
	if (sign(d, to, &amount, (uint64_t)nonce, &stx))
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	pf_hex_encode_0x(stx.hash, sizeof(stx.hash), hash);
	err = pfd_txn(d) ?: pf_store_savepoint(d->store);
	if (!err) {
		err = pf_balance_move(d->store, key_hex, PF_MONEY_WITHDRAWAL, &amount,
				      w->withdrawal_id, NULL, &after)
			  ?: record(d, w, key_hex, to, (uint64_t)nonce, hash, stx.raw_hex);
		if (err)
			pf_store_rollback_to(d->store);
		else
			pf_store_release(d->store);
	}
	pf_signed_tx_free(&stx);
	if (err)
		return pf_err_set(e,
				  err == -ENOSPC ? PF_E_WITHDRAWAL_EXCEEDS_BALANCE : PF_E_INTERNAL,
				  "%s", pf_last_error());
	return PF_OK;
}

/* A withdrawal id used before: *dup with its hash when it is this key's; another
 * key's is refused. */
static enum pf_err seen(struct pfd *d, const struct pf_withdraw *w, const char *key_hex,
			char hash[PF_ETH_HASH_STRLEN], bool *dup, struct pf_err_msg *e)
{
	struct pf_u256 amount;
	char owner[65];
	sqlite3_stmt *st;
	int err = pf_balance_entry(d->store, PF_MONEY_WITHDRAWAL, w->withdrawal_id, &amount, owner);

	*dup = !err;
	if (err == -ENOENT)
		return PF_OK;
	if (err)
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	if (strcmp(owner, key_hex))
		return pf_err_set(e, PF_E_BAD_FIELD, "withdrawal id %s is another key's",
				  w->withdrawal_id);
	if (sqlite3_prepare_v2(pf_store_db(d->store),
			       "SELECT tx_hash FROM withdrawals WHERE id = ?1", -1, &st, NULL))
		return pf_err_set(e, PF_E_INTERNAL, "%s", sqlite3_errmsg(pf_store_db(d->store)));
	sqlite3_bind_text(st, 1, w->withdrawal_id, -1, SQLITE_STATIC);
	err = sqlite3_step(st) == SQLITE_ROW;
	if (err)
		snprintf(hash, PF_ETH_HASH_STRLEN, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return err ? PF_OK
		   : pf_err_set(e, PF_E_INTERNAL, "withdrawal %s has no transaction",
				w->withdrawal_id);
}

void pfd_broker_withdraw(struct pfd *d, struct pf_srv_conn *c, const struct pf_withdraw *w)
{
	char key_hex[PF_PUBKEY_HEX + 1], hash[PF_ETH_HASH_STRLEN];
	struct pf_u256 zero;
	struct pf_err_msg e;
	bool dup;

	pf_hex_encode(w->client_key, PF_PUBKEY_BYTES, key_hex);
	pf_u256_from_u64(&zero, 0);
	if (!d->broker->wds)
		pf_err_set(&e, PF_E_WITHDRAWAL_UNAVAILABLE, "%s",
			   "this broker has no broker.payment_key_file to send withdrawals with");
	else if (seen(d, w, key_hex, hash, &dup, &e) == PF_OK &&
		 (dup || withdraw(d, w, key_hex, hash, &e) == PF_OK))
		e.code = PF_OK;
	if (e.code != PF_OK)
		pfd_broker_fail(d, c, false, &e);
	else
		pfd_broker_balance_reply(d, c, false, w->client_key, hash, &zero, w->amount);
}
