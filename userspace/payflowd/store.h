/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * payflowd's durable state in SQLite (WAL): reservations and holds with
 * their wall-clock ends, and consumed payments. Boot time resets on a
 * reboot, so the database keeps CLOCK_REALTIME and the daemon converts to the
 * data plane's CLOCK_BOOTTIME when it installs an entry.
 */
#ifndef PF_STORE_H
#define PF_STORE_H

#include <stdbool.h>
#include <linux/types.h>
#include "bpf/payflow.h"

enum pf_resv_state {
	PF_RS_HOLD = 0,
	PF_RS_ACTIVE,
	PF_RS_EXPIRED,
	PF_RS_REVOKED,
};

#define PF_STORE_PORTS_MAX 256 /* comma-separated interface names */

struct pf_store_resv {
	__u64 id;
	struct pf_key key;
	enum pf_resv_state state;
	__u64 rate_bps;
	__u32 level;
	__u32 burst;
	/* The pooled HTB leaf M:n as a number (column `minor`); 0 for a hold. A
	 * value below 0x100000 is a class 1:N of a payflowd older than the pool,
	 * moved into the pool at the next start (reconcile.c). */
	__u32 classid;
	__u8 dir; /* enum pf_path_dir: both ways, or one way (from lo or from hi) */
	char ports[PF_STORE_PORTS_MAX];
	__s64 start_wall_ns;
	__s64 end_wall_ns;	  /* active: when it ends */
	__s64 hold_until_wall_ns; /* hold: when the hold lapses */
};

struct pf_store;

/* CLOCK_REALTIME in ns. */
__s64 pf_wall_ns(void);
const char *pf_resv_state_name(enum pf_resv_state s);

/* Opens (creating) the database; sync_full fsyncs every commit. */
int pf_store_open(struct pf_store **s, const char *path, bool sync_full);
void pf_store_close(struct pf_store *s);
int pf_store_begin(struct pf_store *s);
int pf_store_commit(struct pf_store *s);
void pf_store_rollback(struct pf_store *s);
/* One request inside a batch transaction: undone alone if it fails. */
int pf_store_savepoint(struct pf_store *s);
int pf_store_release(struct pf_store *s);
void pf_store_rollback_to(struct pf_store *s);

/* Inserts r and sets r->id. -EEXIST if the pair already has an active row. */
int pf_store_insert(struct pf_store *s, struct pf_store_resv *r);
/* Rewrites every field of row r->id. */
int pf_store_update(struct pf_store *s, const struct pf_store_resv *r);
int pf_store_set_state(struct pf_store *s, __u64 id, enum pf_resv_state state);
/* -ENOENT when there is no such row. */
int pf_store_get(struct pf_store *s, __u64 id, struct pf_store_resv *r);
/* Rows in any of the states in the bit mask (1 << PF_RS_*), by id. */
int pf_store_foreach(struct pf_store *s, unsigned state_mask,
		     int (*cb)(const struct pf_store_resv *r, void *ctx), void *ctx);
/* Actives ended and holds lapsed by now_wall become expired; *n counts them. */
int pf_store_expire(struct pf_store *s, __s64 now_wall, int *n);
/* Records a payment as consumed; -EEXIST if it was consumed before. */
int pf_store_payment_use(struct pf_store *s, const char *tx, __u64 resv_id, const char *amount);

/* The connection, for the broker's tables (broker_store.h). */
struct sqlite3;
struct sqlite3 *pf_store_db(struct pf_store *s);
/* A prepared statement for sql, a string that lives as long as the store (a
 * literal): prepared on first use and kept, so a query of the broker's path
 * is not parsed again per request. Hand it back with pf_store_stmt_done()
 * (reset and unbound, or finalized when it was not kept). Not reentrant per sql. */
struct sqlite3_stmt;
int pf_store_stmt(struct pf_store *s, const char *sql, struct sqlite3_stmt **st);
void pf_store_stmt_done(struct pf_store *s, struct sqlite3_stmt *st);
/* The newest wall-clock time an event was recorded at (a reservation or hold
 * made, a payment used) into *out; 0 for an empty database. */
int pf_store_newest_event(struct pf_store *s, __s64 *out);

#endif /* PF_STORE_H */
