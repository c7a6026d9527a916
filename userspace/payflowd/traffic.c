// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <sqlite3.h>
#include "userspace/payflowd/traffic.h"
#include "userspace/payflowd/store.h"
#include "userspace/common/error.h"

/* Made on first use: older databases have no such table, and need none. */
static const char schema[] = "CREATE TABLE IF NOT EXISTS resv_traffic ("
			     " id INTEGER PRIMARY KEY, bytes INTEGER NOT NULL,"
			     " packets INTEGER NOT NULL, drops INTEGER NOT NULL)";

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_exec(db, schema, NULL, NULL, NULL) || sqlite3_prepare_v2(db, sql, -1, st, NULL))
		return pf_fail(-EIO, "database: %s", sqlite3_errmsg(db));
	return 0;
}

int pf_traffic_put(struct pf_store *s, __u64 id, const struct pf_stats *st)
{
	sqlite3 *db = pf_store_db(s);
	sqlite3_stmt *q;
	int rc, err = prepare(db, "INSERT OR REPLACE INTO resv_traffic VALUES (?, ?, ?, ?)", &q);

	if (err)
		return err;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)id);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)st->bytes);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)st->packets);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)st->drops);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : pf_fail(-EIO, "database: %s", sqlite3_errmsg(db));
}

int pf_traffic_get(struct pf_store *s, __u64 id, struct pf_stats *st)
{
	sqlite3 *db = pf_store_db(s);
	sqlite3_stmt *q;
	int rc,
	    err = prepare(db, "SELECT bytes, packets, drops FROM resv_traffic WHERE id = ?", &q);

	if (err)
		return err;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		st->bytes = (__u64)sqlite3_column_int64(q, 0);
		st->packets = (__u64)sqlite3_column_int64(q, 1);
		st->drops = (__u64)sqlite3_column_int64(q, 2);
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : pf_fail(-EIO, "database: %s", sqlite3_errmsg(db));
}
