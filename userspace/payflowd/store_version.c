// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Schema versions: each step rewrites what an older payflowd stored. */
#include <errno.h>
#include <stdio.h>
#include "userspace/common/error.h"
#include "userspace/payflowd/store_version.h"

static int one_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return pf_fail(-EIO, "database: %s", sqlite3_errmsg(db));
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? 0
		   : pf_fail(-EIO, "database: %s", sqlite3_errmsg(db));
}

int pf_store_is_new(sqlite3 *db, int *is_new)
{
	int n;
	int err = one_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'reservations'", &n);

	*is_new = !n;
	return err;
}

/*
 * Each step brings version i to i + 1; steps[i] is its SQL. New tables come
 * from the schema's CREATE TABLE IF NOT EXISTS, which runs first, so a step
 * only rewrites rows an older payflowd wrote or adds columns to old tables.
 */
static const char *const steps[PF_STORE_VERSION] = {
    /* 0 -> 1: version 0 stored a quote's MENU level, the config's level - 1. */
    "UPDATE broker_quotes SET level = level + 1;",
    /* 1 -> 2: one-way reservations; what older versions stored is both ways. */
    "ALTER TABLE reservations ADD COLUMN dir INTEGER NOT NULL DEFAULT 3 CHECK (dir BETWEEN 1 AND "
    "3);"
    "ALTER TABLE broker_quotes ADD COLUMN one_way INTEGER NOT NULL DEFAULT 0;",
    /* 2 -> 3: balances, balance_entries and withdrawals start empty. */
    "",
    /* 3 -> 4: upgrades and the price per second (and utilisation) each quote charged;
     * older quotes were never upgrades, and their price is not recorded (''). */
    "ALTER TABLE broker_quotes ADD COLUMN upgrades TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE broker_quotes ADD COLUMN from_level INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE broker_quotes ADD COLUMN price_per_second TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE broker_quotes ADD COLUMN utilisation_ppm INTEGER NOT NULL DEFAULT 0;",
};

int pf_store_migrate(sqlite3 *db, const char *path, int is_new)
{
	char sql[1024];
	int v, n = 0, err = one_int(db, "PRAGMA user_version", &v);

	if (err)
		return err;
	if (v > PF_STORE_VERSION)
		return pf_fail(-EPROTO,
			       "database %s has schema version %d, written by a newer payflowd; "
			       "this one knows versions up to %d: run the newer payflowd or move "
			       "the file away",
			       path, v, PF_STORE_VERSION);
	if (v == PF_STORE_VERSION)
		return 0;
	n = snprintf(sql, sizeof(sql), "BEGIN IMMEDIATE; ");
	for (int i = v; i < PF_STORE_VERSION && !is_new; i++)
		n += snprintf(sql + n, sizeof(sql) - n, "%s", steps[i]);
	snprintf(sql + n, sizeof(sql) - n, " PRAGMA user_version = %d; COMMIT;", PF_STORE_VERSION);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL)) {
		err = pf_fail(-EIO, "database %s: cannot migrate from schema version %d: %s", path,
			      v, sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return err;
	}
	return 0;
}
