// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>
#include "broker/sales/broker_store.h"
#include "userspace/common/error.h"

/* A fresh statement per call: these run a few times per order, not per packet. */
static int prep(struct pf_store *s, const char *sql, sqlite3_stmt **st)
{
	if (pf_store_stmt(s, sql, st))
		return pf_fail(-EIO, "database: %s", sqlite3_errmsg(pf_store_db(s)));
	return 0;
}

static int finish(struct pf_store *s, sqlite3_stmt *st, int rc, const char *what)
{
	int err = 0;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = pf_fail((rc & 0xff) == SQLITE_CONSTRAINT ? -EEXIST : -EIO, "database: %s: %s",
			      what, sqlite3_errmsg(pf_store_db(s)));
	pf_store_stmt_done(s, st);
	return err;
}

/*
 * Steps a query that yields at most one row: 1 with the row ready to read (the
 * caller finalizes), -ENOENT when there is none, or -EIO; both finalized.
 */
static int one_row(struct pf_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		pf_store_stmt_done(s, st);
		return -ENOENT;
	}
	return finish(s, st, rc, what);
}

static void copy_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

int pf_bstore_quote_put(struct pf_store *s, const struct pf_bquote *q)
{
	sqlite3_stmt *st;

	if (prep(s,
		 "INSERT INTO broker_quotes (quote_id, client_key, ip1, ip2, level, rate_bps, "
		 "seconds, amount, expires_at, hold_id, extends, created_wall_ns, one_way, "
		 "upgrades, from_level, price_per_second, utilisation_ppm) VALUES "
		 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
		 &st))
		return -EIO;
	sqlite3_bind_text(st, 1, q->quote_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->client_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, q->ip1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, q->ip2, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, q->level);
	sqlite3_bind_int64(st, 6, q->rate_bps);
	sqlite3_bind_int64(st, 7, q->seconds);
	sqlite3_bind_text(st, 8, q->amount, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, q->expires_at);
	sqlite3_bind_int64(st, 10, q->hold_id);
	sqlite3_bind_text(st, 11, q->extends, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, pf_wall_ns());
	sqlite3_bind_int(st, 13, q->one_way);
	sqlite3_bind_text(st, 14, q->upgrades, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 15, q->from_level);
	sqlite3_bind_text(st, 16, q->price_per_second, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 17, q->utilisation_ppm);
	return finish(s, st, sqlite3_step(st), "insert quote");
}

int pf_bstore_quote_get(struct pf_store *s, const char *quote_id, struct pf_bquote *q)
{
	sqlite3_stmt *st;
	int rc;

	if (prep(s,
		 "SELECT quote_id, client_key, ip1, ip2, level, rate_bps, seconds, amount, "
		 "expires_at, hold_id, extends, one_way, upgrades, from_level, price_per_second, "
		 "utilisation_ppm FROM broker_quotes WHERE quote_id = ?1",
		 &st))
		return -EIO;
	sqlite3_bind_text(st, 1, quote_id, -1, SQLITE_STATIC);
	rc = one_row(s, st, "get quote");
	if (rc != 1)
		return rc;
	memset(q, 0, sizeof(*q));
	copy_text(st, 0, q->quote_id, sizeof(q->quote_id));
	copy_text(st, 1, q->client_key, sizeof(q->client_key));
	copy_text(st, 2, q->ip1, sizeof(q->ip1));
	copy_text(st, 3, q->ip2, sizeof(q->ip2));
	q->level = sqlite3_column_int64(st, 4);
	q->rate_bps = sqlite3_column_int64(st, 5);
	q->seconds = sqlite3_column_int64(st, 6);
	copy_text(st, 7, q->amount, sizeof(q->amount));
	q->expires_at = sqlite3_column_int64(st, 8);
	q->hold_id = sqlite3_column_int64(st, 9);
	copy_text(st, 10, q->extends, sizeof(q->extends));
	q->one_way = sqlite3_column_int(st, 11);
	copy_text(st, 12, q->upgrades, sizeof(q->upgrades));
	q->from_level = sqlite3_column_int64(st, 13);
	copy_text(st, 14, q->price_per_second, sizeof(q->price_per_second));
	q->utilisation_ppm = sqlite3_column_int64(st, 15);
	pf_store_stmt_done(s, st);
	return 0;
}

int pf_bstore_order_put(struct pf_store *s, const struct pf_border *o)
{
	sqlite3_stmt *st;

	if (prep(s,
		 "INSERT INTO broker_orders (quote_id, tx, rid, start_unix, end_unix, "
		 "granted_wall_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		 &st))
		return -EIO;
	sqlite3_bind_text(st, 1, o->quote_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->tx, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->rid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, o->start);
	sqlite3_bind_int64(st, 5, o->end);
	sqlite3_bind_int64(st, 6, pf_wall_ns());
	return finish(s, st, sqlite3_step(st), "record order");
}

/* One broker_orders row: the first of sql's answer for its one parameter. */
static int order_row(struct pf_store *s, const char *sql, const char *arg, struct pf_border *o)
{
	sqlite3_stmt *st;
	int rc;

	if (prep(s, sql, &st))
		return -EIO;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = one_row(s, st, "get order");
	if (rc != 1)
		return rc;
	copy_text(st, 0, o->quote_id, sizeof(o->quote_id));
	copy_text(st, 1, o->tx, sizeof(o->tx));
	copy_text(st, 2, o->rid, sizeof(o->rid));
	o->start = sqlite3_column_int64(st, 3);
	o->end = sqlite3_column_int64(st, 4);
	pf_store_stmt_done(s, st);
	return 0;
}

int pf_bstore_order_by_quote(struct pf_store *s, const char *quote_id, struct pf_border *o)
{
	return order_row(s,
			 "SELECT quote_id, tx, rid, start_unix, end_unix FROM broker_orders "
			 "WHERE quote_id = ?1",
			 quote_id, o);
}

int pf_bstore_order_last_of(struct pf_store *s, const char *rid, struct pf_border *o)
{
	return order_row(s,
			 "SELECT quote_id, tx, rid, start_unix, end_unix FROM broker_orders "
			 "WHERE rid = ?1 ORDER BY end_unix DESC LIMIT 1",
			 rid, o);
}

int pf_bstore_tx_used(struct pf_store *s, const char *tx, char quote_id[33])
{
	sqlite3_stmt *st;
	int rc;

	if (prep(s,
		 "SELECT coalesce((SELECT quote_id FROM broker_orders WHERE tx = ?1), '') "
		 "FROM payments WHERE tx = ?1",
		 &st))
		return -EIO;
	sqlite3_bind_text(st, 1, tx, -1, SQLITE_STATIC);
	rc = one_row(s, st, "look up payment");
	if (rc != 1)
		return rc;
	copy_text(st, 0, quote_id, 33);
	pf_store_stmt_done(s, st);
	return 0;
}

/* key's entry in out[0..*n), added if new. */
static int payer_of(struct pf_bpayer *out, int *n, const char *key, struct pf_bpayer **p)
{
	int i = 0;

	while (i < *n && strcmp(out[i].key, key))
		i++;
	if (i == *n) {
		if (*n == PF_BSTORE_MAX_PAYERS)
			return pf_fail(-E2BIG, "more than %d keys paid for one reservation",
				       PF_BSTORE_MAX_PAYERS);
		memset(&out[i], 0, sizeof(out[i]));
		snprintf(out[i].key, sizeof(out[i].key), "%s", key);
		(*n)++;
	}
	*p = &out[i];
	return 0;
}

/* Adds one granted order (columns: key, amount, is an upgrade, seconds, end_unix). */
static int add_payer(struct pf_bpayer *out, int *n, sqlite3_stmt *st)
{
	const char *amount = (const char *)sqlite3_column_text(st, 1);
	struct pf_bpayer *p = NULL;
	struct pf_u256 v;
	int err = payer_of(out, n, (const char *)sqlite3_column_text(st, 0), &p);

	if (err)
		return err;
	if (pf_u256_parse_dec(amount, &v))
		return pf_fail(-EIO, "database: a quoted amount '%s' is not a number", amount);
	if (!sqlite3_column_int(st, 2))
		return pf_u256_add(&p->paid, &v, &p->paid)
			   ? pf_fail(-ERANGE, "the payments for one reservation overflow")
			   : 0;
	if (p->n_up == PF_BSTORE_MAX_UPGRADES)
		return pf_fail(-E2BIG, "more than %d upgrades by one key", PF_BSTORE_MAX_UPGRADES);
	p->up[p->n_up++] = (struct pf_bupgrade){.amount = v,
						.seconds = sqlite3_column_int64(st, 3),
						.end_unix = sqlite3_column_int64(st, 4)};
	return 0;
}

int pf_bstore_payers(struct pf_store *s, const char *rid, struct pf_bpayer *out, int *n)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	*n = 0;
	if (prep(s,
		 "SELECT q.client_key, q.amount, q.upgrades != '', q.seconds, o.end_unix "
		 "FROM broker_orders o JOIN broker_quotes q ON q.quote_id = o.quote_id "
		 "WHERE o.rid = ?1 ORDER BY o.granted_wall_ns",
		 &st))
		return -EIO;
	sqlite3_bind_text(st, 1, rid, -1, SQLITE_STATIC);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = add_payer(out, n, st);
	if (err) {
		pf_store_stmt_done(s, st);
		return err;
	}
	return finish(s, st, rc, "read the payers of a reservation");
}

int pf_bstore_rid_put(struct pf_store *s, const char *rid, __u64 resv_id)
{
	sqlite3_stmt *st;

	if (prep(s, "INSERT INTO broker_reservations (rid, resv_id) VALUES (?1, ?2)", &st))
		return -EIO;
	sqlite3_bind_text(st, 1, rid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, resv_id);
	return finish(s, st, sqlite3_step(st), "record reservation id");
}

int pf_bstore_rid_get(struct pf_store *s, const char *rid, __u64 *resv_id)
{
	sqlite3_stmt *st;
	int rc;

	if (prep(s, "SELECT resv_id FROM broker_reservations WHERE rid = ?1", &st))
		return -EIO;
	sqlite3_bind_text(st, 1, rid, -1, SQLITE_STATIC);
	rc = one_row(s, st, "get reservation id");
	if (rc != 1)
		return rc;
	*resv_id = sqlite3_column_int64(st, 0);
	pf_store_stmt_done(s, st);
	return 0;
}

int pf_bstore_rid_of(struct pf_store *s, __u64 resv_id, char rid[33])
{
	sqlite3_stmt *st;
	int rc;

	if (prep(s, "SELECT rid FROM broker_reservations WHERE resv_id = ?1", &st))
		return -EIO;
	sqlite3_bind_int64(st, 1, resv_id);
	rc = one_row(s, st, "get reservation id");
	if (rc != 1)
		return rc;
	copy_text(st, 0, rid, 33);
	pf_store_stmt_done(s, st);
	return 0;
}

int pf_bstore_payment_resv(struct pf_store *s, const char *tx, __u64 resv_id)
{
	sqlite3_stmt *st;

	if (prep(s, "UPDATE payments SET resv_id = ?2 WHERE tx = ?1", &st))
		return -EIO;
	sqlite3_bind_text(st, 1, tx, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, resv_id);
	return finish(s, st, sqlite3_step(st), "record the payment's reservation");
}

int pf_bstore_quote_set_hold(struct pf_store *s, const char *quote_id, __u64 hold_id)
{
	sqlite3_stmt *st;

	if (prep(s, "UPDATE broker_quotes SET hold_id = ?2 WHERE quote_id = ?1", &st))
		return -EIO;
	sqlite3_bind_text(st, 1, quote_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, hold_id);
	return finish(s, st, sqlite3_step(st), "record the quote's hold");
}

static int purge_one(struct pf_store *s, const char *sql, __s64 before, int *n)
{
	sqlite3_stmt *st;
	int err;

	if (prep(s, sql, &st))
		return -EIO;
	sqlite3_bind_int64(st, 1, before);
	err = finish(s, st, sqlite3_step(st), "purge");
	*n = err ? 0 : sqlite3_changes(pf_store_db(s));
	return err;
}

int pf_bstore_purge(struct pf_store *s, __u64 before_unix, int *n_quotes, int *n_holds)
{
	/* A hold row has hold_until_wall_ns > 0; a reservation's is 0. */
	return purge_one(s,
			 "DELETE FROM broker_quotes WHERE expires_at < ?1 AND quote_id NOT IN "
			 "(SELECT quote_id FROM broker_orders)",
			 (__s64)before_unix, n_quotes)
		   ?: purge_one(s,
				"DELETE FROM reservations WHERE state IN (2, 3) AND "
				"hold_until_wall_ns > 0 "
				"AND hold_until_wall_ns < ?1 AND id NOT IN (SELECT resv_id FROM "
				"payments)",
				(__s64)before_unix * 1000000000LL, n_holds);
}
