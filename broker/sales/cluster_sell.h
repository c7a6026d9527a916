/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The broker in cluster mode (docs/CLUSTER.md, "Selling in cluster mode"):
 * a quote's hold, a paid order's grant and the payment's replay protection
 * go through etcd (pf_cl_admit over the path across machines), so any
 * broker can sell any path and answer any ORDER. The local database still
 * records the quotes, payments and orders of this broker (docs/MONEY.md).
 * Functions here run on the loop thread with the loop's own etcd client.
 */
#ifndef PFD_CLUSTER_SELL_H
#define PFD_CLUSTER_SELL_H

#include <stdint.h>
#include "broker/sales/broker_store.h"
#include "broker/proto/errors.h"

struct pfd;
struct pf_etcd;
struct pf_etcd_kv;
struct pf_cl_resv;
struct pf_cl_breaker;

/* With a "cluster" and a "broker" section: the etcd client of the sales. */
int pfd_csell_start(struct pfd *d);
void pfd_csell_stop(struct pfd *d);
/* Between batches, at start and every 5 s: the credits this node claimed in
 * etcd and has not recorded (pfd_ctx_settle), in a batch the caller commits;
 * how many were credited now, or -errno. */
int pfd_csell_settle(struct pfd *d);

/* A new quote's hold: P/resv/QUOTE_ID in state hold under a lease of the
 * unpaid-hold time, with the client's claims (cluster_guard.h: peer is its
 * address), and the quote under P/quotes/. PF_OK or the refusal. */
enum pf_err pfd_csell_quote(struct pfd *d, const uint8_t peer[16], const struct pf_bquote *q,
			    struct pf_err_msg *e);
/* A quote made at another broker, read from etcd and stored here. 0,
 * -ENOENT (no such quote in the cluster), -errno. */
int pfd_csell_quote_import(struct pfd *d, const char *quote_id, struct pf_bquote *q);
/* The paid quote's grant in etcd (the hold becomes the reservation, with
 * tx); o gets the reservation id (the quote's), start and end. The same
 * CONFIRM when tx already bought it, at any broker; quote_used or tx_reused
 * when another payment or quote did. */
enum pf_err pfd_csell_grant(struct pfd *d, const struct pf_bquote *q, const char *tx,
			    struct pf_border *o, struct pf_err_msg *e);
/* The ledger shows q paid: its hold lasts until the quote's expiry plus
 * confirm_grace (placed again if it lapsed). */
int pfd_csell_hold_paid(struct pfd *d, const struct pf_bquote *q, __u32 ttl_s);
/* Frees q's hold now (its lease is revoked). */
void pfd_csell_drop(struct pfd *d, const char *quote_id);
/* The same, only while the hold is under lease (a paid hold moved to another). */
void pfd_csell_drop_under(struct pfd *d, const char *quote_id, int64_t lease);
/* Test hooks (docs/CLUSTER.md): sleeps the milliseconds environment
 * variable var says, so a test can kill payflowd at that point. */
void pfd_csell_test_delay(const char *var);
/* The sales' etcd client and breaker, for cluster_tx.c, cluster_guard.c,
 * cluster_status.c and cluster_extend.c. */
struct pf_etcd *pfd_csell_etcd(struct pfd *d);
struct pf_cl_breaker *pfd_csell_breaker(struct pfd *d);
/* An etcd failure (no quorum...) or another error err, said on the wire. */
enum pf_err pfd_csell_fail(struct pfd *d, struct pf_err_msg *e, int err);

/* For the other cluster requests (cluster_status.c, cluster_extend.c): pass
 * pfd_csell_breaker() before calling etcd, then report each call's outcome
 * with pfd_csell_noted (a transport error opens the breaker); err. */
int pfd_csell_noted(struct pfd *d, int err);
/* P/resv/ID (decoded) and its key's revision and lease; -ENOENT when absent. */
int pfd_csell_resv_read(struct pfd *d, const char *id, struct pf_cl_resv *r, struct pf_etcd_kv *at);
/* For cluster_extend.c: admits r as id's record under a fresh lease of ttl_s
 * (revoked on failure), expecting id's key at expect_rev, with no claims. */
struct pf_cl_admit_result;
int pfd_csell_admit(struct pfd *d, const char *id, const struct pf_cl_resv *r, int64_t ttl_s,
		    int64_t expect_rev, struct pf_cl_admit_result *res);

#endif /* PFD_CLUSTER_SELL_H */
