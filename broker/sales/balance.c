// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>
#include "broker/sales/balance.h"
#include "userspace/common/error.h"

const char *pf_money_name(enum pf_money kind)
{
	static const char *const names[] = {"deposit", "debit", "refund", "withdrawal"};

	return (unsigned)kind < 4 ? names[kind] : "?";
}

static int db_err(struct pf_store *s, int rc, const char *what)
{
	return pf_fail((rc & 0xff) == SQLITE_CONSTRAINT ? -EEXIST : -EIO, "database: %s: %s", what,
		       sqlite3_errmsg(pf_store_db(s)));
}

/* Runs sql with text parameters ?1..?n (args NULL-terminated) and, if it
 * has one more, ?n+1 = the wall clock in ns. */
static int exec_text(struct pf_store *s, const char *sql, const char *what, const char **args)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (pf_store_stmt(s, sql, &st))
		return db_err(s, SQLITE_ERROR, what);

	for (; args[n]; n++)
		sqlite3_bind_text(st, n + 1, args[n], -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) > n)
		sqlite3_bind_int64(st, n + 1, pf_wall_ns());
	rc = sqlite3_step(st);
	pf_store_stmt_done(s, st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : db_err(s, rc, what);
}

int pf_balance_get(struct pf_store *s, const char *key_hex, struct pf_u256 *balance,
		   char address[43])
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (pf_store_stmt(s, "SELECT balance, address FROM balances WHERE client_key = ?1", &st))
		return db_err(s, SQLITE_ERROR, "read balance");
	sqlite3_bind_text(st, 1, key_hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	pf_u256_from_u64(balance, 0);
	if (address)
		address[0] = '\0';
	if (rc == SQLITE_ROW) {
		if (pf_u256_parse_dec((const char *)sqlite3_column_text(st, 0), balance))
			err = pf_fail(-EIO, "database: the balance of %s is not a number", key_hex);
		if (address)
			snprintf(address, 43, "%s", (const char *)sqlite3_column_text(st, 1));
	} else {
		err = rc == SQLITE_DONE ? pf_fail(-ENOENT, "key %s has no balance", key_hex)
					: db_err(s, rc, "read balance");
	}
	pf_store_stmt_done(s, st);
	return err;
}

/* The balance after kind moves amount; -ENOSPC below zero. */
static int next_balance(const char *key_hex, enum pf_money kind, const struct pf_u256 *before,
			const struct pf_u256 *amount, struct pf_u256 *after)
{
	char have[PF_U256_DEC_MAX], want[PF_U256_DEC_MAX];

	if (kind == PF_MONEY_DEPOSIT || kind == PF_MONEY_REFUND)
		return pf_u256_add(before, amount, after)
			   ? pf_fail(-EOVERFLOW, "the balance of %s would overflow", key_hex)
			   : 0;
	if (!pf_u256_sub(before, amount, after))
		return 0;
	pf_u256_to_dec(before, have, sizeof(have));
	pf_u256_to_dec(amount, want, sizeof(want));
	return pf_fail(-ENOSPC, "the balance is %s, less than the %s of %s", have,
		       pf_money_name(kind), want);
}

int pf_balance_move(struct pf_store *s, const char *key_hex, enum pf_money kind,
		    const struct pf_u256 *amount, const char *ref, const char *address,
		    struct pf_u256 *after)
{
	char have_addr[43], amt[PF_U256_DEC_MAX], bal[PF_U256_DEC_MAX];
	struct pf_u256 before;
	int err = pf_balance_get(s, key_hex, &before, have_addr);

	if (err && err != -ENOENT)
		return err;
	err = next_balance(key_hex, kind, &before, amount, after);
	if (err)
		return err;
	pf_u256_to_dec(amount, amt, sizeof(amt));
	pf_u256_to_dec(after, bal, sizeof(bal));
	err = exec_text(s,
			"INSERT INTO balance_entries (client_key, kind, amount, ref, wall_ns) "
			"VALUES (?1, ?2, ?3, ?4, ?5)",
			"record a balance entry",
			(const char *[]){key_hex, pf_money_name(kind), amt, ref, NULL});
	if (err == -EEXIST)
		return pf_fail(-EEXIST, "the %s %s is already recorded", pf_money_name(kind), ref);
	return err
		   ?: exec_text(
			  s,
			  "INSERT INTO balances (client_key, balance, address) "
			  "VALUES (?1, ?2, ?3) ON CONFLICT (client_key) DO UPDATE SET "
			  "balance = ?2, address = ?3",
			  "update the balance",
			  (const char *[]){key_hex, bal, address ? address : have_addr, NULL});
}

int pf_balance_entry(struct pf_store *s, enum pf_money kind, const char *ref,
		     struct pf_u256 *amount, char key_hex[65])
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (pf_store_stmt(s,
			  "SELECT amount, client_key FROM balance_entries "
			  "WHERE kind = ?1 AND ref = ?2",
			  &st))
		return db_err(s, SQLITE_ERROR, "read a balance entry");
	sqlite3_bind_text(st, 1, pf_money_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		pf_u256_parse_dec((const char *)sqlite3_column_text(st, 0), amount);
		snprintf(key_hex, 65, "%s", (const char *)sqlite3_column_text(st, 1));
	} else {
		err = rc == SQLITE_DONE ? pf_fail(-ENOENT, "no %s %s", pf_money_name(kind), ref)
					: db_err(s, rc, "read a balance entry");
	}
	pf_store_stmt_done(s, st);
	return err;
}
