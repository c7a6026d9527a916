// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ORDER -> CONFIRM | PENDING | ERROR. The cheap checks run at once; the
 * ledger checks run on a worker thread while the connection waits (its
 * later frames stay unread); the grant runs back on the loop thread. The
 * payment is consumed (payments + broker_orders rows) in the same savepoint
 * as the reservation is created or extended, inside the loop's batch, and
 * the CONFIRM leaves only after that batch commits. A refusal writes
 * nothing, so the payment stays usable for its quote. Ledger checks are
 * limited per client (guard.h): one per quote at a time, a few per address
 * and per key, served in turn with other addresses'; ORDERs that cannot be
 * valid earn strikes towards a block.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "broker/sales/balance.h"
#include "broker/sales/broker_glue.h"
#include "broker/sales/cluster_sell.h"
#include "broker/sales/cluster_tx.h"
#include "broker/sales/guard.h"
#include "userspace/common/addr.h"
#include "userspace/payflowd/path.h"
#include "userspace/common/hex.h"
#include "broker/sales/order.h"
#include "broker/sales/order_audit.h"
#include "broker/proto/quote.h"
#include "userspace/dataplane/resv.h"
#include "userspace/common/error.h"

#define NS 1000000000LL

/* A ledger job and what the answer needs; job first, so free(job) frees it. */
struct order_job {
	struct pf_lw_job job;
	struct pf_srv_conn *conn;
	struct pf_order order;
	struct pf_bquote quote;
	__u64 t_received;
	uint8_t peer[16];
};

/* q (NULL when no quote was found) and tx name the order in the audit trail. */
static void refuse(struct pfd *d, struct pf_srv_conn *c, bool deferred, const struct pf_bquote *q,
		   const char *tx, struct pf_err_msg *e)
{
	pf_order_audit(d, e->code, q, tx, NULL, e->text);
	pfd_broker_fail(d, c, deferred, e);
}

/* The CONFIRM of a granted order, rebuilt from its records: the same bytes each time. */
static int confirm_msg(const struct pf_bquote *q, const struct pf_border *o, struct pf_msg *m)
{
	struct pf_confirm *cf = &m->confirm;

	memset(m, 0, sizeof(*m));
	m->type = PF_MSG_CONFIRM;
	snprintf(cf->reservation_id, sizeof(cf->reservation_id), "%s", o->rid);
	snprintf(cf->quote_id, sizeof(cf->quote_id), "%s", q->quote_id);
	if (!strncmp(o->tx, "0x", 2)) /* else paid from the balance: no transaction */
		snprintf(cf->tx_hash, sizeof(cf->tx_hash), "%s", o->tx);
	cf->level = q->level;
	cf->rate_bps = q->rate_bps;
	cf->start = o->start;
	cf->end = o->end;
	cf->one_way = q->one_way;
	return pf_addr_parse(q->ip1, cf->ip1) ?: pf_addr_parse(q->ip2, cf->ip2);
}

static void confirm(struct pfd *d, struct pf_srv_conn *c, bool deferred, const struct pf_bquote *q,
		    const struct pf_border *o)
{
	struct pf_msg m;
	struct pf_err_msg e;

	if (confirm_msg(q, o, &m)) {
		pf_err_set(&e, PF_E_INTERNAL, "stored quote %s has a bad pair", q->quote_id);
		refuse(d, c, deferred, q, o->tx, &e);
		return;
	}
	pf_order_audit(d, PF_OK, q, o->tx, o->rid, NULL);
	pfd_broker_reply(d, c, deferred, &m);
}

/*
 * What the records already say: PF_OK with *done false = go on; the stored
 * CONFIRM again (done), or quote_used / tx_reused.
 */
static enum pf_err replay(struct pfd *d, const struct pf_bquote *q, const char *tx,
			  struct pf_border *o, bool *done, struct pf_err_msg *e)
{
	char used_for[33] = "";
	int err = pf_bstore_order_by_quote(d->store, q->quote_id, o);

	*done = false;
	if (pfd_broker_refunded(d, tx, e) != PF_OK)
		return e->code;
	if (!err) {
		if (strcmp(o->tx, tx))
			return pf_err_set(e, PF_E_QUOTE_USED,
					  "quote %s was granted with transaction %s", q->quote_id,
					  o->tx);
		*done = true;
		return PF_OK;
	}
	if (err != -ENOENT)
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	err = pf_bstore_tx_used(d->store, tx, used_for);
	if (!err)
		return pf_err_set(e, PF_E_TX_REUSED, "transaction %s already paid for %s", tx,
				  used_for[0] ? used_for : "another order");
	if (err != -ENOENT)
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	return PF_OK;
}

/* Fairness is per source address: fresh client keys cost nothing. */
static uint64_t client_of(const uint8_t peer[16])
{
	uint64_t h = 14695981039346656037ULL;

	for (int i = 0; i < 16; i++)
		h = (h ^ peer[i]) * 1099511628211ULL;
	return h;
}

int pfd_broker_submit(struct pfd *d, struct pf_lw_job *job, const uint8_t peer[16],
		      const uint8_t client_key[32], const char *tag)
{
	struct pf_guard *g = d->broker->guard;
	int err = pf_guard_check_begin(g, peer, client_key, tag, pf_now_ns());

	if (err)
		return err;
	job->client = client_of(peer);
	err = pf_lw_submit(d->broker->lw, job);
	if (err) {
		pf_guard_check_end(g, peer, client_key, tag);
		return pf_fail(err,
			       "%u payment checks are waiting for the ledger (the limit); "
			       "retry in a few seconds",
			       d->conf.broker.ledger_queue);
	}
	return 0;
}

static bool tx_used(struct pfd *d, const char *tx)
{
	char used_for[33];

	return pf_bstore_tx_used(d->store, tx, used_for) != -ENOENT;
}

/* What records name the payment by: the transaction, or "balance:QUOTE_ID". */
static void balance_tx(struct order_job *j)
{
	struct pf_verdict *v = &j->job.verdict;

	if (j->order.from_balance)
		snprintf(v->txhash, sizeof(v->txhash), "balance:%s", j->quote.quote_id);
	else
		snprintf(v->txhash, sizeof(v->txhash), "%s", j->order.tx_hash);
}

static enum pf_err consume(struct pfd *d, struct order_job *j, struct pf_border *o,
			   struct pf_err_msg *e);

/* Debit and grant at once, on the loop thread: no ledger call. Frees j. */
static void from_balance(struct pfd *d, struct pf_srv_conn *c, struct order_job *j)
{
	struct pf_border o;
	struct pf_err_msg e;

	if (pfd_unix_now() > j->quote.expires_at)
		pf_err_set(&e, PF_E_QUOTE_EXPIRED, "quote %s expired at %llu", j->quote.quote_id,
			   (unsigned long long)j->quote.expires_at);
	else if (consume(d, j, &o, &e) == PF_OK)
		e.code = PF_OK;
	if (e.code != PF_OK) {
		refuse(d, c, false, &j->quote, "", &e); /* paid from the balance: no tx */
	} else {
		d->cnt.revenue_wei[j->quote.level] += strtod(j->quote.amount, NULL);
		confirm(d, c, false, &j->quote, &o);
	}
	free(j);
}

void pfd_broker_order(struct pfd *d, struct pf_srv_conn *c, const struct pf_order *o)
{
	char key_hex[PF_PUBKEY_HEX + 1];
	struct order_job *j = calloc(1, sizeof(*j));
	struct pf_border done_order;
	struct pf_err_msg e;
	pf_ip_t ip1, ip2;
	bool done;
	int err;

	if (!j) {
		pf_err_set(&e, PF_E_INTERNAL, "out of memory");
		refuse(d, c, false, NULL, o->tx_hash, &e);
		return;
	}
	j->t_received = pf_now_ns();
	err = pf_bstore_quote_get(d->store, o->quote_id, &j->quote);
	if (err == -ENOENT && d->csell) /* quoted by another broker of the cluster */
		err = pfd_csell_quote_import(d, o->quote_id, &j->quote);
	if (err == -ENOENT)
		pfd_broker_strike(d, pf_srv_peer(c), o->client_key, o->quote_id);
	if (err) {
		pf_err_set(&e, err == -ENOENT ? PF_E_UNKNOWN_QUOTE : PF_E_INTERNAL,
			   err == -ENOENT ? "there is no quote %s" : "%s",
			   err == -ENOENT ? o->quote_id : pf_last_error());
		goto refused;
	}
	pf_hex_encode(o->client_key, PF_PUBKEY_BYTES, key_hex);
	if (strcmp(key_hex, j->quote.client_key)) {
		pfd_broker_strike(d, pf_srv_peer(c), o->client_key, o->quote_id);
		pf_err_set(&e, PF_E_WRONG_SIGNER, "quote %s belongs to another client key",
			   o->quote_id);
		goto refused;
	}
	if (pf_addr_parse(j->quote.ip1, ip1) || pf_addr_parse(j->quote.ip2, ip2)) {
		pf_err_set(&e, PF_E_INTERNAL, "stored quote %s has a bad pair", o->quote_id);
		goto refused;
	}
	/* Before the stored grant: a captured ORDER replayed from elsewhere gets nothing. */
	if (!pf_pair_owned(pf_srv_peer(c), ip1, ip2, o->client_key, d->conf.broker.allow,
			   d->conf.broker.n_allow)) {
		pf_order_audit(d, PF_E_PAIR_NOT_OWNED, &j->quote, o->tx_hash, NULL,
			       "the buyer's address is in neither end of the pair");
		pfd_broker_not_owned(d, c, false, ip1, ip2);
		free(j);
		return;
	}
	j->order = *o;
	balance_tx(j);
	/* A second, unused payment for a granted quote is checked too: if valid, it
	 * is refunded. */
	if (replay(d, &j->quote, j->job.verdict.txhash, &done_order, &done, &e) != PF_OK &&
	    (e.code != PF_E_QUOTE_USED || o->from_balance || tx_used(d, o->tx_hash)))
		goto refused;
	if (done) {
		confirm(d, c, false, &j->quote, &done_order);
		free(j);
		return;
	}
	if (o->from_balance && d->csell) {
		pf_err_set(&e, PF_E_BAD_FIELD,
			   "from_balance: orders paid from the balance are not sold in cluster "
			   "mode; pay the quote with a transaction");
		goto refused;
	}
	if (o->from_balance) {
		from_balance(d, c, j);
		return;
	}
	snprintf(j->job.tx, sizeof(j->job.tx), "%s", o->tx_hash);
	snprintf(j->job.pay_to, sizeof(j->job.pay_to), "%s", d->conf.ledger.payment_address);
	snprintf(j->job.quote_id, sizeof(j->job.quote_id), "%s", o->quote_id);
	j->job.chain_id = d->conf.ledger.chain_id;
	j->job.confirmations = d->conf.ledger.confirmations;
	if (pf_u256_parse_dec(j->quote.amount, &j->job.amount_wei)) {
		pf_err_set(&e, PF_E_INTERNAL, "stored quote %s has a bad amount", o->quote_id);
		goto refused;
	}
	memcpy(j->peer, pf_srv_peer(c), 16);
	if (pfd_broker_submit(d, &j->job, j->peer, j->order.client_key, j->quote.quote_id)) {
		pf_order_audit(d, PF_E_RATE_LIMITED, &j->quote, o->tx_hash, NULL, pf_last_error());
		pfd_broker_limited(d, c, false);
		free(j);
		return;
	}
	j->conn = pf_srv_defer(c);
	return;
refused:
	refuse(d, c, false, &j->quote, o->tx_hash, &e);
	free(j);
}

/* Creates or extends the reservation; fills o (rid, start, end). Inside a savepoint. */
static enum pf_err grant(struct pfd *d, struct order_job *j, struct pf_border *o,
			 struct pf_err_msg *e)
{
	const struct pf_bquote *q = &j->quote;
	struct pfd_resv *r = NULL;
	struct pf_key key;
	pf_ip_t ip1, ip2;
	__u64 resv_id;
	bool fresh = false;
	__u8 dir;
	int err;

	if (d->csell) /* granted in etcd; the enforcement nodes install it */
		return pfd_csell_grant(d, q, o->tx, o, e);
	pf_addr_parse(q->ip1, ip1);
	pf_addr_parse(q->ip2, ip2);
	dir = pf_path_dir_of(pf_key_make(&key, ip1, ip2), q->one_way);
	if (q->upgrades[0])
		return pfd_broker_upgrade_grant(d, q, j->t_received, o, e);
	if (q->extends[0]) {
		snprintf(o->rid, sizeof(o->rid), "%s", q->extends);
		if (!pf_bstore_rid_get(d->store, q->extends, &resv_id))
			r = pfd_table_by_id(&d->table, resv_id);
		if (!r || r->state != PF_RS_ACTIVE || r->end_wall_ns <= pf_wall_ns())
			return pf_err_set(e, PF_E_RESERVATION_ENDED,
					  "reservation %s ended before the payment; the payment "
					  "stays unused, buy a new reservation",
					  q->extends);
		/* An upgrade since the quote: the extension's price is the old level's. */
		if (r->level != q->level)
			return pf_err_set(
			    e, PF_E_EXTEND_MISMATCH,
			    "reservation %s is level %u now, the extension was quoted "
			    "for level %u: ask for a new quote",
			    q->extends, r->level, q->level);
		err = pfd_extend_paid(d, r, q->seconds, j->t_received);
	} else if ((r = pfd_table_by_key(&d->table, &key))) {
		/* Another quote for the pair was ordered first: this one extends it. */
		if (r->level != q->level || r->dir != dir)
			return pf_err_set(
			    e, PF_E_PAIR_RESERVED,
			    "the pair got a reservation of another level or direction "
			    "meanwhile");
		err = pfd_extend_paid(d, r, q->seconds, j->t_received);
		if (!err)
			pfd_hold_drop(d, q->hold_id); /* its capacity is not needed */
		if (!err && pf_bstore_rid_of(d->store, r->id, o->rid))
			fresh = true;
	} else {
		err = pfd_grant_paid(d, q->hold_id, &key, dir, q->level, q->seconds, j->t_received,
				     &r);
		fresh = true;
	}
	if (pfd_order_bind(d, err, r, o, e) != PF_OK)
		return e->code;
	if (fresh) {
		pf_id_new(o->rid);
		if (pf_bstore_rid_put(d->store, o->rid, r->id))
			return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	}
	return PF_OK;
}

enum pf_err pfd_order_bind(struct pfd *d, int err, const struct pfd_resv *r, struct pf_border *o,
			   struct pf_err_msg *e)
{
	if (err == -ENOSPC)
		return pf_err_set(e, PF_E_CAPACITY_EXHAUSTED, "%s", pf_last_error());
	if (err)
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	o->start = r->start_wall_ns / NS;
	o->end = r->end_wall_ns / NS;
	if (pf_bstore_payment_resv(d->store, o->tx, r->id))
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	return PF_OK;
}

/* Takes the quoted amount: the transaction's payments row, or a debit of the
 * quote's key (never below zero). Inside consume()'s savepoint. */
static enum pf_err pay(struct pfd *d, struct order_job *j, const char *tx, struct pf_err_msg *e)
{
	struct pf_u256 amount, after;
	int err;

	if (!j->order.from_balance)
		err = pf_store_payment_use(d->store, tx, 0, j->quote.amount);
	else if (pf_u256_parse_dec(j->quote.amount, &amount))
		err = pf_fail(-EIO, "stored quote %s has a bad amount", j->quote.quote_id);
	else
		err = pf_balance_move(d->store, j->quote.client_key, PF_MONEY_DEBIT, &amount,
				      j->quote.quote_id, NULL, &after);
	if (!err)
		return PF_OK;
	return pf_err_set(e,
			  err == -ENOSPC ? PF_E_INSUFFICIENT_BALANCE
			  : err == -EEXIST
			      ? (j->order.from_balance ? PF_E_QUOTE_USED : PF_E_TX_REUSED)
			      : PF_E_INTERNAL,
			  "%s", pf_last_error());
}

/* Consumes the payment and, with grant_it, grants (else o is a grant made
 * already: in cluster mode, at another broker); all or nothing. */
static enum pf_err take(struct pfd *d, struct order_job *j, struct pf_border *o, bool grant_it,
			struct pf_err_msg *e)
{
	if (pfd_txn(d) || pf_store_savepoint(d->store))
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	if (pay(d, j, o->tx, e) != PF_OK) {
		pf_store_rollback_to(d->store);
		return e->code;
	}
	if (grant_it && grant(d, j, o, e) != PF_OK) {
		/* Nothing of the data plane changed unless the database failed after
		 * the grant; then the batch is rolled back and reconciled. */
		pf_store_rollback_to(d->store);
		/* In cluster mode the grant is etcd's: the data plane did not change. */
		if (e->code == PF_E_INTERNAL && !d->csell)
			d->txn_failed = true;
		return e->code;
	}
	if (pf_bstore_order_put(d->store, o)) {
		pf_store_rollback_to(d->store);
		d->txn_failed = true;
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	}
	pf_store_release(d->store);
	return PF_OK;
}

/* Consumes the payment and grants, all or nothing. */
static enum pf_err consume(struct pfd *d, struct order_job *j, struct pf_border *o,
			   struct pf_err_msg *e)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->quote_id, sizeof(o->quote_id), "%s", j->quote.quote_id);
	snprintf(o->tx, sizeof(o->tx), "%s", j->job.verdict.txhash);
	return take(d, j, o, true, e);
}

static void pending(struct pfd *d, struct order_job *j)
{
	const char *tx = j->job.verdict.txhash[0] ? j->job.verdict.txhash : j->order.tx_hash;

	pf_order_audit(d, PFD_ORDER_PENDING, &j->quote, tx, NULL, NULL);
	pfd_broker_pending(d, j->conn, j->quote.quote_id, tx, j->job.verdict.confirmations);
}

/*
 * A refundable refusal in cluster mode: the tx claimed for this node's refund
 * (PFD_CTX_MINE: go on), else answered here: the CONFIRM of the record the tx
 * bought at another broker, or why nothing is credited (refunded or used
 * elsewhere, etcd unreachable).
 */
static enum pfd_ctx_verdict cluster_refund(struct pfd *d, struct order_job *j, struct pf_err_msg *e,
					   int64_t *claim)
{
	struct pf_border o;
	enum pfd_ctx_verdict v =
	    pfd_ctx_refund(d, &j->quote, j->job.verdict.txhash, &j->job.facts, &o, e, claim);

	if (v == PFD_CTX_GRANT && take(d, j, &o, false, e) == PF_OK) {
		d->cnt.revenue_wei[j->quote.level] += strtod(j->quote.amount, NULL);
		confirm(d, j->conn, true, &j->quote, &o);
	} else if (v != PFD_CTX_MINE)
		refuse(d, j->conn, true, &j->quote, j->job.tx, e);
	return v;
}

/*
 * A refusal after the ledger's checks: when the payment itself is valid (a
 * refundable code), it is credited to the quote's key so no valid payment is
 * left neither granted nor refunded.
 */
static void refuse_paid(struct pfd *d, struct order_job *j, struct pf_err_msg *e)
{
	int64_t claim = 0;
	int err;

	/* In cluster mode the refund first claims the tx in etcd (cluster_tx.h). */
	if (pfd_broker_refundable(e->code) && d->csell &&
	    cluster_refund(d, j, e, &claim) != PFD_CTX_MINE)
		return;
	if (pfd_broker_refundable(e->code)) {
		err = pfd_broker_refund_payment(d, j->job.verdict.txhash, j->quote.client_key,
						&j->job.facts.value, j->job.facts.from, e);
		if (err && err != -EEXIST)
			pfd_log("broker: cannot refund %s: %s", j->job.verdict.txhash,
				pf_last_error());
		if (err && err != -EEXIST && claim)
			pfd_ctx_release(d, j->job.verdict.txhash, claim);
		/* Nothing can buy this quote any more: its capacity goes back. */
		if (!err && j->quote.hold_id)
			pfd_hold_drop(d, j->quote.hold_id);
		if (!err && d->csell)
			pfd_csell_drop(d, j->quote.quote_id);
	}
	refuse(d, j->conn, true, &j->quote, j->job.tx, e);
}

/* A check the ledger could not settle, with what each node said. */
static void log_ledger(const struct order_job *j)
{
	const struct pf_lw_job *job = &j->job;

	if (job->rc >= 0 && job->verdict.code != PF_PAY_DISAGREE)
		return;
	pfd_log("broker: quote %s, tx %s: %s%s%s", j->quote.quote_id, job->tx, job->verdict.detail,
		job->said[0] ? "; " : "", job->said);
}

void pfd_broker_order_done(struct pfd *d, struct pf_lw_job *job)
{
	struct order_job *j = (struct order_job *)job;
	struct pf_border o;
	struct pf_err_msg e;
	bool done;

	pf_guard_check_end(d->broker->guard, j->peer, j->order.client_key, j->quote.quote_id);
	log_ledger(j);
	if (!job->rc &&
	    (job->verdict.code == PF_PAY_NOT_FOUND || job->verdict.code == PF_PAY_BAD_TX_HASH))
		pfd_broker_strike(d, j->peer, j->order.client_key, job->tx);
	if (pf_order_unseen_wait(job, pfd_unix_now(), j->quote.expires_at,
				 d->conf.broker.tx_grace_s)) {
		j->job.verdict.confirmations = 0;
		pending(d, j);
		free(j);
		return;
	}
	switch (pf_order_judge(job, j->order.payer, j->quote.expires_at, &e)) {
	case PF_ORDER_PENDING:
		if (pfd_broker_hold_paid(d, j->peer, j->order.client_key, &j->quote))
			pfd_logl(PFD_LOG_ERR, "broker: quote %s: cannot keep its hold: %s",
				 j->quote.quote_id, pf_last_error());
		pending(d, j);
		break;
	case PF_ORDER_REFUSE:
		refuse_paid(d, j, &e);
		break;
	case PF_ORDER_GRANT:
		/* Another ORDER may have won the race while the ledger answered. */
		if (replay(d, &j->quote, job->verdict.txhash, &o, &done, &e) != PF_OK ||
		    (!done && consume(d, j, &o, &e) != PF_OK)) {
			refuse_paid(d, j, &e);
			break;
		}
		if (!done)
			d->cnt.revenue_wei[j->quote.level] += strtod(j->quote.amount, NULL);
		confirm(d, j->conn, true, &j->quote, &o);
		break;
	}
	free(j);
}
