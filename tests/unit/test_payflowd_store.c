// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The SQLite store: round trips, WAL, constraints, expiry, payments. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sqlite3.h>
#include "unit.h"
#include "userspace/payflowd/store.h"
#include "userspace/payflowd/store_version.h"
#include "userspace/payflowd/payflowd.h"
#include "broker/sales/broker_store.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

static char dir[] = "/tmp/pf-store-test.XXXXXX";
static char path[128];

static struct pf_store_resv sample(const char *a, const char *b, enum pf_resv_state st)
{
	struct pf_store_resv r = {.state = st,
				  .rate_bps = 5000000,
				  .level = 2,
				  .burst = 65536,
				  .classid = 0x10,
				  .start_wall_ns = 100,
				  .end_wall_ns = 2000,
				  .hold_until_wall_ns = 0,
				  .dir = 3};
	const char *bad;

	pf_key_parse(&r.key, a, b, &bad);
	snprintf(r.ports, sizeof(r.ports), "p1,p2");
	return r;
}

static int count_cb(const struct pf_store_resv *r, void *ctx)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static void test_round_trip(void)
{
	struct pf_store *s;
	struct pf_store_resv r = sample("10.0.0.1", "fd00::2", PF_RS_ACTIVE), back;

	CHECK_EQ(pf_store_open(&s, path, false), 0);
	CHECK_EQ(pf_store_insert(s, &r), 0);
	CHECK_EQ(r.id, 1);
	pf_store_close(s);
	CHECK_EQ(pf_store_open(&s, path, true), 0); /* reopen: it is on disk */
	CHECK_EQ(pf_store_get(s, 1, &back), 0);
	CHECK(!memcmp(&back.key, &r.key, sizeof(r.key)));
	CHECK_EQ(back.state, PF_RS_ACTIVE);
	CHECK_EQ(back.rate_bps, 5000000);
	CHECK_EQ(back.level, 2);
	CHECK_EQ(back.burst, 65536);
	CHECK_EQ(back.classid, 0x10);
	CHECK_STR(back.ports, "p1,p2");
	CHECK_EQ(back.start_wall_ns, 100);
	CHECK_EQ(back.end_wall_ns, 2000);
	back.end_wall_ns = 3000;
	back.rate_bps = 7;
	CHECK_EQ(pf_store_update(s, &back), 0);
	CHECK_EQ(pf_store_get(s, 1, &r), 0);
	CHECK_EQ(r.end_wall_ns, 3000);
	CHECK_EQ(r.rate_bps, 7);
	CHECK_EQ(pf_store_get(s, 99, &r), -ENOENT);
	CHECK_STR(pf_last_error(), "no reservation with id 99");
	pf_store_close(s);
}

static void test_wal_mode(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_one_active_per_pair(void)
{
	struct pf_store *s;
	struct pf_store_resv r = sample("fd00::2", "10.0.0.1", PF_RS_ACTIVE); /* same pair */
	struct pf_store_resv h = sample("10.0.0.1", "fd00::2", PF_RS_HOLD);

	CHECK_EQ(pf_store_open(&s, path, false), 0);
	r.classid = 0x11;
	CHECK_EQ(pf_store_insert(s, &r), -EEXIST);
	r = sample("10.0.0.3", "10.0.0.4", PF_RS_ACTIVE); /* same minor as id 1 */
	CHECK_EQ(pf_store_insert(s, &r), -EEXIST);
	h.classid = 0;
	CHECK_EQ(pf_store_insert(s, &h), 0); /* a hold may sit on an active pair */
	CHECK_EQ(h.id, 2);
	pf_store_close(s);
}

static void test_savepoint_rollback(void)
{
	struct pf_store *s;
	struct pf_store_resv r = sample("10.0.0.5", "10.0.0.6", PF_RS_ACTIVE);
	int n = 0;

	CHECK_EQ(pf_store_open(&s, path, false), 0);
	CHECK_EQ(pf_store_begin(s), 0);
	CHECK_EQ(pf_store_savepoint(s), 0);
	r.classid = 0x20;
	CHECK_EQ(pf_store_insert(s, &r), 0);
	pf_store_rollback_to(s); /* this request undone, the batch goes on */
	CHECK_EQ(pf_store_commit(s), 0);
	CHECK_EQ(pf_store_foreach(s, ~0U, count_cb, &n), 0);
	CHECK_EQ(n, 2);
	pf_store_close(s);
}

static void test_expire(void)
{
	struct pf_store *s;
	struct pf_store_resv r;
	int n, live = 0;

	CHECK_EQ(pf_store_open(&s, path, false), 0);
	r = sample("10.0.0.7", "10.0.0.8", PF_RS_HOLD);
	r.classid = 0;
	r.hold_until_wall_ns = 5000;
	CHECK_EQ(pf_store_insert(s, &r), 0);
	CHECK_EQ(pf_store_set_state(s, 2, PF_RS_REVOKED), 0);
	/* id 1 active until 3000, id 3 a hold until 5000 */
	CHECK_EQ(pf_store_expire(s, 2999, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(pf_store_expire(s, 3000, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(pf_store_foreach(s, 1U << PF_RS_ACTIVE | 1U << PF_RS_HOLD, count_cb, &live), 0);
	CHECK_EQ(live, 1);
	CHECK_EQ(pf_store_expire(s, 5000, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(pf_store_get(s, 1, &r), 0);
	CHECK_STR(pf_resv_state_name(r.state), "expired");
	CHECK_EQ(pf_store_get(s, 2, &r), 0);
	CHECK_STR(pf_resv_state_name(r.state), "revoked");
	pf_store_close(s);
}

static void test_payment_once(void)
{
	struct pf_store *s;

	CHECK_EQ(pf_store_open(&s, path, false), 0);
	CHECK_EQ(pf_store_payment_use(s, "0xabc", 1, "1000"), 0);
	CHECK_EQ(pf_store_payment_use(s, "0xabc", 2, "1000"), -EEXIST);
	CHECK_STR(pf_last_error(), "payment 0xabc was already used");
	pf_store_close(s);
	CHECK_EQ(pf_store_open(&s, path, false), 0);
	CHECK_EQ(pf_store_payment_use(s, "0xabc", 3, "1000"), -EEXIST); /* across restarts */
	pf_store_close(s);
}

/* A reservation's latest order: its purchase, then each extension (cluster STATUS). */
static void test_order_last_of(void)
{
	struct pf_border a = {.quote_id = "q1", .tx = "0x01", .rid = "r1", .start = 10, .end = 70},
			 b = {.quote_id = "q2", .tx = "0x02", .rid = "r1", .start = 10, .end = 100},
			 c = {.quote_id = "q3", .tx = "0x03", .rid = "r2", .start = 10, .end = 500},
			 got;
	struct pf_store *s;

	CHECK_EQ(pf_store_open(&s, path, false), 0);
	CHECK_EQ(pf_bstore_order_last_of(s, "r1", &got), -ENOENT);
	CHECK_EQ(pf_bstore_order_put(s, &b), 0); /* the extension first: order by end, not by row */
	CHECK_EQ(pf_bstore_order_put(s, &a), 0);
	CHECK_EQ(pf_bstore_order_put(s, &c), 0);
	CHECK_EQ(pf_bstore_order_last_of(s, "r1", &got), 0);
	CHECK_STR(got.quote_id, "q2");
	CHECK_EQ(got.end, 100);
	CHECK_EQ(got.start, 10);
	CHECK_EQ(pf_bstore_order_by_quote(s, "q1", &got), 0);
	CHECK_EQ(got.end, 70);
	CHECK_EQ(pf_bstore_order_last_of(s, "q1", &got), -ENOENT); /* a quote id is no rid here */
	pf_store_close(s);
}

static void test_unopenable(void)
{
	struct pf_store *s;

	CHECK_EQ(pf_store_open(&s, "/nonexistent/dir/x.db", false), -EIO);
	CHECK_STR(pf_last_error(), "cannot open database /nonexistent/dir/x.db: unable to open "
				   "database file");
}

static int sql_int(const char *p, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_open(p, &db) || sqlite3_prepare_v2(db, sql, -1, &st, NULL)) {
		sqlite3_close(db);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int sql_exec(const char *p, const char *sql)
{
	sqlite3 *db;
	int rc = sqlite3_open(p, &db) || sqlite3_exec(db, sql, NULL, NULL, NULL);

	sqlite3_close(db);
	return rc;
}

/* The tables of schema version 1 (before one-way reservations), as an older
 * payflowd created them. */
static const char V1_TABLES[] =
    "CREATE TABLE reservations (id INTEGER PRIMARY KEY AUTOINCREMENT, lo BLOB NOT NULL, "
    "hi BLOB NOT NULL, state INTEGER NOT NULL, rate_bps INTEGER NOT NULL, level INTEGER NOT "
    "NULL, burst INTEGER NOT NULL, minor INTEGER NOT NULL, ports TEXT NOT NULL, start_wall_ns "
    "INTEGER NOT NULL, end_wall_ns INTEGER NOT NULL, hold_until_wall_ns INTEGER NOT NULL);"
    "CREATE TABLE broker_quotes (quote_id TEXT PRIMARY KEY, client_key TEXT NOT NULL, ip1 TEXT "
    "NOT NULL, ip2 TEXT NOT NULL, level INTEGER NOT NULL, rate_bps INTEGER NOT NULL, seconds "
    "INTEGER NOT NULL, amount TEXT NOT NULL, expires_at INTEGER NOT NULL, hold_id INTEGER NOT "
    "NULL, extends TEXT NOT NULL, created_wall_ns INTEGER NOT NULL);"
    "INSERT INTO reservations VALUES (1, zeroblob(16), randomblob(16), 1, 1000, 1, 1500, 16, "
    "'p1', 0, 9000000000000000000, 0);"
    "INSERT INTO broker_quotes VALUES ('q', 'k', '10.0.0.1', '10.0.0.2', 1, 150000000, 30, '1', "
    "0, 0, '', 0);";

/* A database of version 0 (a quote kept its MENU level, the config's level - 1)
 * or 1 (no one-way reservations: everything stored is both ways; no balance
 * tables) is migrated once to the current version; one from a newer payflowd
 * is refused. */
static void test_schema_version(void)
{
	char p[160], sql[2048], want[400];
	struct pf_store_resv r;
	struct pf_store *s;

	snprintf(p, sizeof(p), "%s/v.db", dir);
	CHECK_EQ(pf_store_open(&s, p, false), 0);
	pf_store_close(s);
	CHECK_EQ(sql_int(p, "PRAGMA user_version"), PF_STORE_VERSION);
	for (int v = 0; v <= 1; v++) {
		snprintf(p, sizeof(p), "%s/v%d.db", dir, v);
		snprintf(sql, sizeof(sql), "%s PRAGMA user_version = %d;", V1_TABLES, v);
		CHECK_EQ(sql_exec(p, sql), 0);
		CHECK_EQ(pf_store_open(&s, p, false), 0);
		CHECK_EQ(pf_store_get(s, 1, &r), 0);
		CHECK_EQ(r.dir, 3); /* both ways */
		pf_store_close(s);
		CHECK_EQ(sql_int(p, "SELECT level FROM broker_quotes WHERE quote_id = 'q'"),
			 v ? 1 : 2);
		CHECK_EQ(sql_int(p, "SELECT one_way FROM broker_quotes WHERE quote_id = 'q'"), 0);
		CHECK_EQ(sql_int(p, "PRAGMA user_version"), PF_STORE_VERSION);
		CHECK_EQ(sql_int(p, "SELECT count(*) FROM sqlite_master WHERE name IN "
				    "('balances', 'balance_entries', 'withdrawals')"),
			 3);
		CHECK_EQ(pf_store_open(&s, p, false), 0); /* once only */
		pf_store_close(s);
		CHECK_EQ(sql_int(p, "SELECT level FROM broker_quotes WHERE quote_id = 'q'"),
			 v ? 1 : 2);
	}
	/* Version 2 (one-way, no balances): gains the balance tables only. */
	snprintf(p, sizeof(p), "%s/v2.db", dir);
	snprintf(sql, sizeof(sql),
		 "%s ALTER TABLE reservations ADD COLUMN dir INTEGER NOT NULL DEFAULT 3;"
		 "ALTER TABLE broker_quotes ADD COLUMN one_way INTEGER NOT NULL DEFAULT 0;"
		 "PRAGMA user_version = 2;",
		 V1_TABLES);
	CHECK_EQ(sql_exec(p, sql), 0);
	CHECK_EQ(pf_store_open(&s, p, false), 0);
	pf_store_close(s);
	CHECK_EQ(sql_int(p, "PRAGMA user_version"), PF_STORE_VERSION);
	CHECK_EQ(sql_int(p, "SELECT level FROM broker_quotes WHERE quote_id = 'q'"), 1);
	CHECK_EQ(sql_int(p, "SELECT count(*) FROM sqlite_master WHERE name IN "
			    "('balances', 'balance_entries', 'withdrawals')"),
		 3);
	/* Version 3 -> 4: quotes gain upgrades, from_level, price_per_second, utilisation. */
	CHECK_EQ(sql_int(p, "SELECT count(*) FROM pragma_table_info('broker_quotes') WHERE name IN "
			    "('upgrades', 'from_level', 'price_per_second', 'utilisation_ppm')"),
		 4);
	CHECK_EQ(sql_int(p, "SELECT from_level FROM broker_quotes WHERE quote_id = 'q'"), 0);
	CHECK_EQ(sql_exec(p, "PRAGMA user_version = 7"), 0);
	CHECK_EQ(pf_store_open(&s, p, false), -EPROTO);
	snprintf(want, sizeof(want),
		 "database %s has schema version 7, written by a newer payflowd; this one knows "
		 "versions up to 4: run the newer payflowd or move the file away",
		 p);
	CHECK_STR(pf_last_error(), want);
}

/*
 * A wall clock earlier than the newest event in the database (a reservation
 * made "in the future" by the clock's standard) refuses reconciling.
 */
static void test_clock_behind_newest_event_refused(void)
{
	struct pf_store_resv r = sample("10.0.0.1", "10.0.0.2", PF_RS_ACTIVE);
	__s64 now = pf_wall_ns(), newest = -1;
	char clock_db[160];
	struct pf_store *s;

	snprintf(clock_db, sizeof(clock_db), "%s/clock.db", dir);
	CHECK_EQ(pf_store_open(&s, clock_db, false), 0);
	CHECK_EQ(pf_store_newest_event(s, &newest), 0);
	CHECK_EQ(newest, 0);
	CHECK_EQ(pfd_clock_check(s, now), 0); /* an empty database trusts any clock */
	r.start_wall_ns = now + 3600LL * 1000000000LL;
	r.end_wall_ns = r.start_wall_ns + 60LL * 1000000000LL;
	CHECK_EQ(pf_store_insert(s, &r), 0);
	CHECK_EQ(pf_store_newest_event(s, &newest), 0);
	CHECK_EQ(newest, r.start_wall_ns);
	CHECK_EQ(pfd_clock_check(s, now), -ERANGE);
	CHECK(strstr(pf_last_error(), "the wall clock") != NULL);
	CHECK(strstr(pf_last_error(), "refusing to reconcile") != NULL);
	CHECK_EQ(pfd_clock_check(s, r.start_wall_ns), 0); /* at the event: fine */
	/* A payment used now is an event too: it never moves "newest" backwards. */
	CHECK_EQ(pf_store_payment_use(s, "0xabc", r.id, "1"), 0);
	CHECK_EQ(pf_store_newest_event(s, &newest), 0);
	CHECK_EQ(newest, r.start_wall_ns);
	pf_store_close(s);
}

/* A one-way reservation's direction survives the database. */
static void test_dir_round_trip(void)
{
	struct pf_store_resv r = {.state = PF_RS_HOLD, .rate_bps = 5, .level = 1, .dir = 2}, back;
	struct pf_store *s;
	char p[160];

	snprintf(p, sizeof(p), "%s/dir.db", dir);
	CHECK_EQ(pf_store_open(&s, p, false), 0);
	r.key.hi[0] = 1;
	CHECK_EQ(pf_store_insert(s, &r), 0);
	CHECK_EQ(pf_store_get(s, r.id, &back), 0);
	CHECK_EQ(back.dir, 2);
	pf_store_close(s);
}

int main(void)
{
	char cmd[160];

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	RUN(test_round_trip);
	RUN(test_wal_mode);
	RUN(test_one_active_per_pair);
	RUN(test_savepoint_rollback);
	RUN(test_expire);
	RUN(test_payment_once);
	RUN(test_order_last_of);
	RUN(test_unopenable);
	RUN(test_schema_version);
	RUN(test_clock_behind_newest_event_refused);
	RUN(test_dir_round_trip);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return unit_done();
}
