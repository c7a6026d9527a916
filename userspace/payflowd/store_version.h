/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The database's schema version (SQLite PRAGMA user_version) and the
 * migrations from older versions, run when payflowd opens the store.
 */
#ifndef PF_STORE_VERSION_H
#define PF_STORE_VERSION_H

#include <sqlite3.h>

/*
 * 1: broker_quotes.level is the config's level (was the MENU index, one less).
 * 2: one-way reservations: reservations.dir, broker_quotes.one_way.
 * 3: prepaid balances: tables balances, balance_entries, withdrawals (created empty).
 * 4: broker_quotes.upgrades, from_level (level upgrades), price_per_second and
 *    utilisation_ppm (what each quote charged a second, demand pricing).
 */
#define PF_STORE_VERSION 4

/* Whether the database already has payflowd's tables (call before the schema). */
int pf_store_is_new(sqlite3 *db, int *is_new);

/* Brings a database created before (is_new false) or just now to
 * PF_STORE_VERSION in one transaction; refuses one from a newer payflowd. */
int pf_store_migrate(sqlite3 *db, const char *path, int is_new);

#endif
