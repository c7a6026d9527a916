/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The broker's durable records in payflowd's database (schema in store.c):
 * quotes (with the id of their capacity hold), public reservation ids, and
 * granted orders. Consuming a payment = pf_store_payment_use() plus
 * pf_bstore_order_put() in the same transaction as the grant.
 * All return 0, -ENOENT (get: no such row), -EEXIST (put: duplicate) or -EIO.
 */
#ifndef PF_BROKER_STORE_H
#define PF_BROKER_STORE_H

#include <linux/types.h>
#include "broker/eth/u256.h"
#include "userspace/payflowd/store.h"

struct pf_bquote {
	char quote_id[33];
	char client_key[65];
	char ip1[46], ip2[46]; /* canonical text */
	__u32 level;	       /* MENU index */
	__u64 rate_bps, seconds;
	char amount[80];	   /* wei, decimal */
	__u64 expires_at;	   /* unix seconds */
	__u64 hold_id;		   /* payflowd hold, 0 for an extension */
	char extends[33];	   /* reservation id or "" */
	bool one_way;		   /* ip1 -> ip2 only */
	char upgrades[33];	   /* reservation id raised to level, or "" */
	__u32 from_level;	   /* an upgrade: the level it was quoted from */
	char price_per_second[80]; /* what a second cost (an upgrade: the difference) */
	__u32 utilisation_ppm;	   /* demand pricing: u of the busiest link, millionths */
};

struct pf_border {
	char quote_id[33];
	char tx[67];
	char rid[33];
	__u64 start, end; /* unix seconds, as confirmed */
};

int pf_bstore_quote_put(struct pf_store *s, const struct pf_bquote *q);
int pf_bstore_quote_get(struct pf_store *s, const char *quote_id, struct pf_bquote *q);
/* The quote's hold became hold_id (re-placed after the first lapsed). */
int pf_bstore_quote_set_hold(struct pf_store *s, const char *quote_id, __u64 hold_id);
/*
 * Deletes what ended before before_unix: quotes that expired then and were
 * never granted, and ended capacity holds (reservations rows that were only
 * ever holds and bought nothing). Payments, orders and reservations stay:
 * they are the accounting record. *n_quotes, *n_holds: rows deleted.
 */
int pf_bstore_purge(struct pf_store *s, __u64 before_unix, int *n_quotes, int *n_holds);
int pf_bstore_order_put(struct pf_store *s, const struct pf_border *o);
int pf_bstore_order_by_quote(struct pf_store *s, const char *quote_id, struct pf_border *o);
/* The order of reservation rid that confirmed its latest end (its purchase or
 * an extension); -ENOENT when this broker answered none. */
int pf_bstore_order_last_of(struct pf_store *s, const char *rid, struct pf_border *o);
/* The quote a transaction paid for, if any (payments or granted orders). */
int pf_bstore_tx_used(struct pf_store *s, const char *tx, char quote_id[33]);
/* Sets the reservation a consumed payment bought (recorded as 0 before the grant). */
int pf_bstore_payment_resv(struct pf_store *s, const char *tx, __u64 resv_id);
/* A key that paid for a reservation and the quoted amounts it paid, in all. */
#define PF_BSTORE_MAX_PAYERS   16
#define PF_BSTORE_MAX_UPGRADES 15 /* one per level above the first, per key */
/* An upgrade bought the seconds [end_unix - seconds, end_unix) at the higher level. */
struct pf_bupgrade {
	struct pf_u256 amount;
	__u64 seconds, end_unix;
};
struct pf_bpayer {
	char key[65];
	struct pf_u256 paid; /* purchases and extensions */
	struct pf_bupgrade up[PF_BSTORE_MAX_UPGRADES];
	int n_up;
};
/* The keys whose orders bought, extended or upgraded rid (at most PF_BSTORE_MAX_PAYERS),
 * in order. */
int pf_bstore_payers(struct pf_store *s, const char *rid, struct pf_bpayer *out, int *n);
int pf_bstore_rid_put(struct pf_store *s, const char *rid, __u64 resv_id);
int pf_bstore_rid_get(struct pf_store *s, const char *rid, __u64 *resv_id);
int pf_bstore_rid_of(struct pf_store *s, __u64 resv_id, char rid[33]);

#endif /* PF_BROKER_STORE_H */
