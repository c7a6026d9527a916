// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include "userspace/payflowd/store.h"
#include "userspace/payflowd/store_version.h"
#include "userspace/payflowd/store_checkpoint.h"

/* How often the WAL is checkpointed (store_checkpoint.h). */
#define CKPT_MS 200
/* Statements pf_store_stmt() keeps prepared: the broker's queries, a few dozen. */
#define STMT_CACHE 64
#include "userspace/common/error.h"

enum stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_INSERT,
	ST_UPDATE,
	ST_STATE,
	ST_GET,
	ST_ALL,
	ST_EXPIRE_ACTIVE,
	ST_EXPIRE_HOLD,
	ST_PAYMENT,
	ST_MAX,
};

#define COLS                                                                                       \
	"id, lo, hi, state, rate_bps, level, burst, minor, ports, start_wall_ns, end_wall_ns, "    \
	"hold_until_wall_ns, dir"

static const char *const sql[ST_MAX] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT one",
    [ST_RELEASE] = "RELEASE one",
    [ST_ROLLBACK_TO] = "ROLLBACK TO one",
    [ST_INSERT] = "INSERT INTO reservations (lo, hi, state, rate_bps, level, burst, minor, "
		  "ports, start_wall_ns, end_wall_ns, hold_until_wall_ns, dir) "
		  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [ST_UPDATE] = "UPDATE reservations SET lo = ?1, hi = ?2, state = ?3, rate_bps = ?4, "
		  "level = ?5, burst = ?6, minor = ?7, ports = ?8, start_wall_ns = ?9, "
		  "end_wall_ns = ?10, hold_until_wall_ns = ?11, dir = ?12 WHERE id = ?13",
    [ST_STATE] = "UPDATE reservations SET state = ?2 WHERE id = ?1",
    [ST_GET] = "SELECT " COLS " FROM reservations WHERE id = ?1",
    [ST_ALL] = "SELECT " COLS " FROM reservations WHERE (?1 >> state) & 1 ORDER BY id",
    [ST_EXPIRE_ACTIVE] = "UPDATE reservations SET state = 2 WHERE state = 1 AND "
			 "end_wall_ns <= ?1",
    [ST_EXPIRE_HOLD] = "UPDATE reservations SET state = 2 WHERE state = 0 AND "
		       "hold_until_wall_ns <= ?1",
    [ST_PAYMENT] = "INSERT INTO payments (tx, resv_id, amount, used_wall_ns) "
		   "VALUES (?1, ?2, ?3, ?4)",
};

/* States are stored as their numbers; see enum pf_resv_state. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS reservations ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " lo BLOB NOT NULL CHECK (length(lo) = 16),"
    " hi BLOB NOT NULL CHECK (length(hi) = 16),"
    " state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3),"
    " rate_bps INTEGER NOT NULL CHECK (rate_bps > 0),"
    " level INTEGER NOT NULL,"
    " burst INTEGER NOT NULL,"
    " minor INTEGER NOT NULL,"
    " ports TEXT NOT NULL,"
    " start_wall_ns INTEGER NOT NULL,"
    " end_wall_ns INTEGER NOT NULL,"
    " hold_until_wall_ns INTEGER NOT NULL,"
    " dir INTEGER NOT NULL DEFAULT 3 CHECK (dir BETWEEN 1 AND 3));"
    /* One active reservation per pair and per HTB class: a duplicate cannot commit. */
    "CREATE UNIQUE INDEX IF NOT EXISTS active_pair ON reservations (lo, hi) WHERE state = 1;"
    "CREATE UNIQUE INDEX IF NOT EXISTS active_minor ON reservations (minor) WHERE state = 1;"
    "CREATE INDEX IF NOT EXISTS by_state ON reservations (state);"
    "CREATE TABLE IF NOT EXISTS payments ("
    " tx TEXT PRIMARY KEY,"
    " resv_id INTEGER NOT NULL,"
    " amount TEXT NOT NULL,"
    " used_wall_ns INTEGER NOT NULL);"
    /* The broker (REQUEST channel): quotes with their capacity holds, the public
     * reservation ids, and granted orders. A payment is consumed by one row in
     * payments and one in broker_orders, written in one transaction. */
    "CREATE TABLE IF NOT EXISTS broker_quotes ("
    " quote_id TEXT PRIMARY KEY,"
    " client_key TEXT NOT NULL,"
    " ip1 TEXT NOT NULL,"
    " ip2 TEXT NOT NULL,"
    " level INTEGER NOT NULL,"
    " rate_bps INTEGER NOT NULL,"
    " seconds INTEGER NOT NULL,"
    " amount TEXT NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " hold_id INTEGER NOT NULL,"
    " extends TEXT NOT NULL,"
    " created_wall_ns INTEGER NOT NULL,"
    " one_way INTEGER NOT NULL DEFAULT 0,"
    " upgrades TEXT NOT NULL DEFAULT '',"
    " from_level INTEGER NOT NULL DEFAULT 0,"
    " price_per_second TEXT NOT NULL DEFAULT '',"
    " utilisation_ppm INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS broker_reservations ("
    " rid TEXT PRIMARY KEY,"
    " resv_id INTEGER NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS broker_orders ("
    " quote_id TEXT PRIMARY KEY,"
    " tx TEXT NOT NULL UNIQUE,"
    " rid TEXT NOT NULL,"
    " start_unix INTEGER NOT NULL,"
    " end_unix INTEGER NOT NULL,"
    " granted_wall_ns INTEGER NOT NULL);"
    /* Prepaid balances (broker/sales/balance.h, docs/MONEY.md): the journal of
     * every movement, and each key's balance, written together. */
    "CREATE TABLE IF NOT EXISTS balances ("
    " client_key TEXT PRIMARY KEY,"
    " balance TEXT NOT NULL,"
    " address TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS balance_entries ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " client_key TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('deposit', 'debit', 'refund', 'withdrawal')),"
    " amount TEXT NOT NULL,"
    " ref TEXT NOT NULL,"
    " wall_ns INTEGER NOT NULL,"
    " UNIQUE (kind, ref));"
    "CREATE INDEX IF NOT EXISTS entries_by_key ON balance_entries (client_key);"
    /* Withdrawals, signed before anything is sent: re-sending the same signed
     * transaction (same nonce) can never pay twice. */
    "CREATE TABLE IF NOT EXISTS withdrawals ("
    " id TEXT PRIMARY KEY,"
    " client_key TEXT NOT NULL,"
    " to_address TEXT NOT NULL,"
    " amount TEXT NOT NULL,"
    " nonce INTEGER NOT NULL UNIQUE,"
    " tx_hash TEXT NOT NULL UNIQUE,"
    " raw TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('signed', 'mined', 'failed')),"
    " wall_ns INTEGER NOT NULL);";

struct pf_store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX];
	struct pf_ckpt *ckpt; /* WAL checkpoints off the loop (store_checkpoint.h) */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[STMT_CACHE]; /* pf_store_stmt(): prepared once, reused */
	int n_cache;
};

__s64 pf_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__s64)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

const char *pf_resv_state_name(enum pf_resv_state s)
{
	static const char *const names[] = {"hold", "active", "expired", "revoked"};

	return (unsigned)s < 4 ? names[s] : "?";
}

static int db_fail(struct pf_store *s, const char *what)
{
	int code = sqlite3_errcode(s->db);

	return pf_fail(code == SQLITE_CONSTRAINT ? -EEXIST
		       : code == SQLITE_BUSY	 ? -EBUSY
						 : -EIO,
		       "database: %s: %s", what, sqlite3_errmsg(s->db));
}

int pf_store_open(struct pf_store **out, const char *path, bool sync_full)
{
	struct pf_store *s = calloc(1, sizeof(*s));
	char pragmas[256];
	int is_new, err;

	if (!s)
		return pf_fail(-ENOMEM, "out of memory");
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)) {
		int err = pf_fail(-EIO, "cannot open database %s: %s", path,
				  s->db ? sqlite3_errmsg(s->db) : "out of memory");

		pf_store_close(s);
		return err;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* No temporary file per savepoint (the statement journal stays in memory), and
	 * no checkpoint inside a commit: a thread of its own does them. */
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA temp_store=MEMORY; "
		 "PRAGMA wal_autocheckpoint=0;",
		 sync_full ? "FULL" : "NORMAL");
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, NULL) || pf_store_is_new(s->db, &is_new) ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL)) {
		int err = pf_fail(-EIO, "database %s: cannot set up the schema: %s", path,
				  sqlite3_errmsg(s->db));

		pf_store_close(s);
		return err;
	}
	err = pf_store_migrate(s->db, path, is_new) ?: pf_ckpt_start(&s->ckpt, path, CKPT_MS);
	if (err) {
		pf_store_close(s);
		return err;
	}
	for (int i = 0; i < ST_MAX; i++) {
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &s->st[i], NULL)) {
			int err = db_fail(s, "prepare");

			pf_store_close(s);
			return err;
		}
	}
	*out = s;
	return 0;
}

void pf_store_close(struct pf_store *s)
{
	if (!s)
		return;
	pf_ckpt_stop(s->ckpt);
	for (int i = 0; i < ST_MAX; i++)
		sqlite3_finalize(s->st[i]);
	for (int i = 0; i < s->n_cache; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_close(s->db);
	free(s);
}

int pf_store_stmt(struct pf_store *s, const char *sql, sqlite3_stmt **st)
{
	for (int i = 0; i < s->n_cache; i++)
		if (s->cache[i].sql == sql && !strcmp(sqlite3_sql(s->cache[i].st), sql)) {
			*st = s->cache[i].st;
			sqlite3_reset(*st);
			sqlite3_clear_bindings(*st);
			return 0;
		}
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL))
		return pf_fail(-EIO, "database: %s", sqlite3_errmsg(s->db));
	if (s->n_cache < STMT_CACHE) {
		s->cache[s->n_cache].sql = sql;
		s->cache[s->n_cache++].st = *st;
	}
	return 0;
}

void pf_store_stmt_done(struct pf_store *s, sqlite3_stmt *st)
{
	for (int i = 0; i < s->n_cache; i++)
		if (s->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	sqlite3_finalize(st);
}

/* Runs a statement that returns no rows, then resets it. */
static int run(struct pf_store *s, enum stmt i, const char *what)
{
	int rc = sqlite3_step(s->st[i]);
	int err = rc == SQLITE_DONE ? 0 : db_fail(s, what);

	sqlite3_reset(s->st[i]);
	sqlite3_clear_bindings(s->st[i]);
	return err;
}

int pf_store_begin(struct pf_store *s)
{
	return run(s, ST_BEGIN, "begin");
}

int pf_store_commit(struct pf_store *s)
{
	return run(s, ST_COMMIT, "commit");
}

void pf_store_rollback(struct pf_store *s)
{
	run(s, ST_ROLLBACK, "rollback");
}

int pf_store_savepoint(struct pf_store *s)
{
	return run(s, ST_SAVEPOINT, "savepoint");
}

int pf_store_release(struct pf_store *s)
{
	return run(s, ST_RELEASE, "release savepoint");
}

void pf_store_rollback_to(struct pf_store *s)
{
	run(s, ST_ROLLBACK_TO, "rollback to savepoint");
	run(s, ST_RELEASE, "release savepoint");
}

static void bind_resv(sqlite3_stmt *st, const struct pf_store_resv *r)
{
	sqlite3_bind_blob(st, 1, r->key.lo, 16, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, r->key.hi, 16, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->state);
	sqlite3_bind_int64(st, 4, r->rate_bps);
	sqlite3_bind_int64(st, 5, r->level);
	sqlite3_bind_int64(st, 6, r->burst);
	sqlite3_bind_int64(st, 7, r->classid);
	sqlite3_bind_text(st, 8, r->ports, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, r->start_wall_ns);
	sqlite3_bind_int64(st, 10, r->end_wall_ns);
	sqlite3_bind_int64(st, 11, r->hold_until_wall_ns);
	sqlite3_bind_int(st, 12, r->dir);
}

int pf_store_insert(struct pf_store *s, struct pf_store_resv *r)
{
	int err;

	bind_resv(s->st[ST_INSERT], r);
	err = run(s, ST_INSERT, "insert reservation");
	if (!err)
		r->id = sqlite3_last_insert_rowid(s->db);
	return err;
}

int pf_store_update(struct pf_store *s, const struct pf_store_resv *r)
{
	bind_resv(s->st[ST_UPDATE], r);
	sqlite3_bind_int64(s->st[ST_UPDATE], 13, r->id);
	return run(s, ST_UPDATE, "update reservation");
}

int pf_store_set_state(struct pf_store *s, __u64 id, enum pf_resv_state state)
{
	sqlite3_bind_int64(s->st[ST_STATE], 1, id);
	sqlite3_bind_int(s->st[ST_STATE], 2, state);
	return run(s, ST_STATE, "set state");
}

static void read_row(sqlite3_stmt *st, struct pf_store_resv *r)
{
	const void *lo = sqlite3_column_blob(st, 1), *hi = sqlite3_column_blob(st, 2);
	const unsigned char *ports = sqlite3_column_text(st, 8);

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	if (lo && sqlite3_column_bytes(st, 1) == 16)
		memcpy(r->key.lo, lo, 16);
	if (hi && sqlite3_column_bytes(st, 2) == 16)
		memcpy(r->key.hi, hi, 16);
	r->state = sqlite3_column_int(st, 3);
	r->rate_bps = sqlite3_column_int64(st, 4);
	r->level = sqlite3_column_int64(st, 5);
	r->burst = sqlite3_column_int64(st, 6);
	r->classid = (__u32)sqlite3_column_int64(st, 7);
	snprintf(r->ports, sizeof(r->ports), "%s", ports ? (const char *)ports : "");
	r->start_wall_ns = sqlite3_column_int64(st, 9);
	r->end_wall_ns = sqlite3_column_int64(st, 10);
	r->hold_until_wall_ns = sqlite3_column_int64(st, 11);
	r->dir = sqlite3_column_int(st, 12);
}

int pf_store_get(struct pf_store *s, __u64 id, struct pf_store_resv *r)
{
	sqlite3_stmt *st = s->st[ST_GET];
	int rc, err = 0;

	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_row(st, r);
	else if (rc == SQLITE_DONE)
		err = pf_fail(-ENOENT, "no reservation with id %llu", (unsigned long long)id);
	else
		err = db_fail(s, "get reservation");
	sqlite3_reset(st);
	return err;
}

int pf_store_foreach(struct pf_store *s, unsigned state_mask,
		     int (*cb)(const struct pf_store_resv *r, void *ctx), void *ctx)
{
	sqlite3_stmt *st = s->st[ST_ALL];
	struct pf_store_resv r;
	int rc, err = 0;

	sqlite3_bind_int(st, 1, state_mask);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &r);
		err = cb(&r, ctx);
		if (err)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = db_fail(s, "list reservations");
	sqlite3_reset(st);
	return err;
}

int pf_store_expire(struct pf_store *s, __s64 now_wall, int *n)
{
	int err;

	*n = 0;
	sqlite3_bind_int64(s->st[ST_EXPIRE_ACTIVE], 1, now_wall);
	err = run(s, ST_EXPIRE_ACTIVE, "expire reservations");
	*n += sqlite3_changes(s->db);
	if (err)
		return err;
	sqlite3_bind_int64(s->st[ST_EXPIRE_HOLD], 1, now_wall);
	err = run(s, ST_EXPIRE_HOLD, "expire holds");
	*n += sqlite3_changes(s->db);
	return err;
}

sqlite3 *pf_store_db(struct pf_store *s)
{
	return s->db;
}

int pf_store_payment_use(struct pf_store *s, const char *tx, __u64 resv_id, const char *amount)
{
	sqlite3_stmt *st = s->st[ST_PAYMENT];
	int err;

	sqlite3_bind_text(st, 1, tx, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, resv_id);
	sqlite3_bind_text(st, 3, amount, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, pf_wall_ns());
	err = run(s, ST_PAYMENT, "record payment");
	if (err == -EEXIST)
		return pf_fail(-EEXIST, "payment %s was already used", tx);
	return err;
}

int pf_store_newest_event(struct pf_store *s, __s64 *out)
{
	static const char q[] =
	    "SELECT max(coalesce((SELECT max(start_wall_ns) FROM reservations), 0),"
	    " coalesce((SELECT max(used_wall_ns) FROM payments), 0))";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL))
		return db_fail(s, "newest event");
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(s, "newest event");
}
