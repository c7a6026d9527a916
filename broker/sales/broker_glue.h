/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* The broker inside payflowd: shared by broker_glue.c, broker_quote.c,
 * broker_order.c and broker_status.c. docs/PROTOCOL.md is the contract. */
#ifndef PFD_BROKER_GLUE_H
#define PFD_BROKER_GLUE_H

#include "userspace/payflowd/payflowd.h"
#include "broker/sales/balance.h"
#include "broker/sales/broker_store.h"
#include "broker/ledger/ledger_worker.h"
#include "broker/proto/messages.h"
#include "broker/eth/ethkey.h"
#include "broker/sales/server.h"
#include "broker/sales/withdraw_sender.h"

struct pfd_broker {
	struct pf_keypair key;
	struct pf_menu menu; /* MENU level i is config level i + 1 (level0 is not sold) */
	char *menu_frame;    /* HELLO is answered from here (re-encoded when demand prices move) */
	size_t menu_len;
	char *menu_frame_one_way; /* the same with one-way prices, for HELLO {"one_way": true} */
	size_t menu_one_way_len;
	struct pf_srv *srv;
	struct pf_lw *lw;
	struct pf_guard *guard;	  /* per-client limits and blocks (guard.h) */
	struct pf_ethkey pay_key; /* the payment address's key (withdrawals) */
	struct pf_wds *wds;	  /* the withdrawal sender, NULL without pay_key */
	__u64 next_purge;	  /* CLOCK_MONOTONIC ns of the next housekeeping */
	/* Demand pricing (broker_demand.c): per MENU level, k and cap in millionths. */
	bool demand;
	__u64 demand_k_ppm[PF_MAX_LEVELS], demand_cap_ppm[PF_MAX_LEVELS];
	__u64 menu_u; /* the utilisation the MENU frames were priced for */
};

/* broker_demand.c: the levels' demand parameters from c. */
void pfd_broker_demand_conf(struct pfd_broker *b, const struct pf_conf *c);
/* b's MENU with each demand-priced level at utilisation u_ppm (price_per_second,
 * price_base, price_max, utilisation_ppm); the fixed MENU without demand. */
int pfd_broker_priced_menu(const struct pfd_broker *b, __u64 u_ppm, struct pf_menu *out);
/* (Re-)encodes the MENU frames: always with force, else when demand pricing is on
 * and the busiest link's utilisation changed since. */
int pfd_broker_menu_encode(struct pfd *d, bool force);
/* The utilisation (ppm) of the busiest link of what rq asks for, after its grant:
 * the new reservation's path (its hold, hold_id, is charged already), or the
 * extended or upgraded reservation's (with the upgrade's extra rate). */
__u64 pfd_broker_quote_util(struct pfd *d, const struct pf_quote_request *rq, __u64 hold_id);

/* Sends m signed by the broker; deferred = answering a parked connection. */
void pfd_broker_reply(struct pfd *d, struct pf_srv_conn *c, bool deferred, const struct pf_msg *m);
void pfd_broker_fail(struct pfd *d, struct pf_srv_conn *c, bool deferred,
		     const struct pf_err_msg *e);
/* A deferred PENDING: tx has confirmations of the configured number (quote_id
 * "" for a DEPOSIT). */
void pfd_broker_pending(struct pfd *d, struct pf_srv_conn *c, const char *quote_id, const char *tx,
			uint64_t confirmations);
/* pair_not_owned, naming the peer and the pair. */
void pfd_broker_not_owned(struct pfd *d, struct pf_srv_conn *c, bool deferred, const pf_ip_t ip1,
			  const pf_ip_t ip2);
/* Unix seconds now. */
__u64 pfd_unix_now(void);

/* broker_hold.c: the capacity hold behind a quote. */
bool pfd_broker_hold_live(void *ctx, uint64_t hold_id);
/* The short unpaid hold, within the per-client caps (-EAGAIN: a cap is reached). */
int pfd_broker_hold_place(struct pfd *d, const uint8_t peer[16], const uint8_t client_key[32],
			  const struct pf_key *key, __u8 dir, __u32 level, __u64 seconds,
			  __u64 *hold_id);
/* The ledger shows q paid: hold until its expiry + confirm_grace (re-placed if lapsed). */
int pfd_broker_hold_paid(struct pfd *d, const uint8_t peer[16], const uint8_t client_key[32],
			 struct pf_bquote *q);
/* broker_guard.c: the limits from the config; rate_limited for a refusal of the
 * guard (the reason in pf_last_error()); strikes. */
int pfd_broker_guard_start(struct pfd *d);
/* The per-client limits of bc, applied to the running guard (a reload). */
void pfd_broker_guard_limits(struct pfd_broker *b, const struct pf_conf_broker *bc);
void pfd_broker_limited(struct pfd *d, struct pf_srv_conn *c, bool deferred);
void pfd_broker_strike(struct pfd *d, const uint8_t peer[16], const uint8_t *client_key,
		       const char *tag);
/* Periodically: purge ended quotes and holds, forget idle clients. */
void pfd_broker_housekeep(struct pfd *d);

/*
 * A ledger job of another kind than an ORDER's: its user field points at
 * one of these, which says who takes the finished job.
 */
struct pfd_lw_kind {
	void (*done)(struct pfd *d, struct pf_lw_job *job);
};
/* Queues a payment check within the client's limits (guard.h), tag naming
 * what is checked (a quote or transaction); -errno with the reason. */
int pfd_broker_submit(struct pfd *d, struct pf_lw_job *job, const uint8_t peer[16],
		      const uint8_t client_key[32], const char *tag);

/* broker_refund.c: a refusal after a valid payment credits the payment to the
 * quote's key (the codes of pfd_broker_refundable); e's text then says so.
 * payer becomes the key's withdrawal address. 0, -EEXIST (the transaction is used
 * already: nothing credited), -errno. */
bool pfd_broker_refundable(enum pf_err code);
/* Credits payment tx (value) to key_hex's balance as kind (a refund or a
 * deposit): the payments row and the balance movement, in one savepoint of
 * the loop's batch. 0, -EEXIST (tx used already: nothing credited), -errno. */
int pfd_broker_credit_payment(struct pfd *d, enum pf_money kind, const char *tx,
			      const char *key_hex, const struct pf_u256 *value, const char *payer);
int pfd_broker_refund_payment(struct pfd *d, const char *tx, const char *key_hex,
			      const struct pf_u256 *value, const char *payer, struct pf_err_msg *e);
/* Refunds the unused seconds of reservation rid [start, end), ended now, to the keys
 * that paid (pro rata, rounded down); *total in all, *mine to key_hex (may be NULL). */
int pfd_broker_refund_rest(struct pfd *d, const char *rid, __s64 start_ns, __s64 end_ns,
			   const char *key_hex, struct pf_u256 *total, struct pf_u256 *mine);
/* payment_refunded when tx was refunded, else PF_OK. */
enum pf_err pfd_broker_refunded(struct pfd *d, const char *tx, struct pf_err_msg *e);

void pfd_broker_quote(struct pfd *d, struct pf_srv_conn *c, const struct pf_quote_request *rq);
void pfd_broker_order(struct pfd *d, struct pf_srv_conn *c, const struct pf_order *o);
void pfd_broker_order_done(struct pfd *d, struct pf_lw_job *job);
void pfd_broker_status(struct pfd *d, struct pf_srv_conn *c, const struct pf_status_request *s);
/* broker_deposit.c: DEPOSIT (checked by the ledger workers) and BALANCE. */
void pfd_broker_deposit(struct pfd *d, struct pf_srv_conn *c, const struct pf_deposit *dep);
void pfd_broker_balance(struct pfd *d, struct pf_srv_conn *c, const struct pf_balance_request *b);
/* BALANCE_REPLY: key's balance now, credited by tx ("" for none); withdrawn: a
 * WITHDRAW's amount, or NULL. */
void pfd_broker_balance_reply(struct pfd *d, struct pf_srv_conn *c, bool deferred,
			      const uint8_t key[32], const char *tx, const struct pf_u256 *credited,
			      const char *withdrawn);
/* broker_withdraw.c: the payment key and the sender (broker.payment_key_file), WITHDRAW. */
int pfd_broker_withdrawals_start(struct pfd *d);
void pfd_broker_withdraw(struct pfd *d, struct pf_srv_conn *c, const struct pf_withdraw *w);
/* broker_cancel.c: CANCEL -> BALANCE_REPLY crediting the unused part. */
void pfd_broker_cancel(struct pfd *d, struct pf_srv_conn *c, const struct pf_cancel *cn);
/* The key paid for part of reservation rid (only its buyers may cancel or
 * upgrade it): PF_OK, else not_your_reservation (or internal_error). */
enum pf_err pfd_broker_paid_by(struct pfd *d, const char *rid, const char *key_hex,
			       struct pf_err_msg *e);
/* broker_upgrade.c: the reservation an upgrade QUOTE_REQUEST names, checked
 * (owner, pair, direction, a higher level, capacity for the difference):
 * its level and the whole seconds left (rounded up) to charge. */
enum pf_err pfd_broker_upgrade_check(struct pfd *d, const struct pf_quote_request *rq,
				     const struct pf_key *key, uint64_t *from_level,
				     uint64_t *seconds, struct pf_err_msg *e);
/* At the ORDER, in the grant's savepoint: raises the reservation q upgrades
 * (still at q's from_level) to q's level on every hop; o->rid, start, end set,
 * and the payment o->tx recorded as buying it. */
/* The end of a paid grant, extension or upgrade of r: err (its outcome) on the
 * wire, else the ORDER's times and its payment tied to r. */
enum pf_err pfd_order_bind(struct pfd *d, int err, const struct pfd_resv *r, struct pf_border *o,
			   struct pf_err_msg *e);
enum pf_err pfd_broker_upgrade_grant(struct pfd *d, const struct pf_bquote *q, __u64 t_received,
				     struct pf_border *o, struct pf_err_msg *e);

#endif /* PFD_BROKER_GLUE_H */
