/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * One transaction is consumed once across the cluster (docs/CLUSTER.md,
 * "Money"). The brokers of a cluster share one ledger and one payment
 * address, so a refund or a deposit credited by one broker's SQLite alone
 * could be credited again at another, or a refunded payment still buy a
 * reservation there. Before a broker records either, it claims P/tx/TXHASH
 * in etcd (created only if absent), as a grant's admission does; the value
 * says what consumed it:
 *
 *   {"refunded": NODE, "quote": QUOTE_ID, "key": KEYHEX, "amount": "DEC", "from": ADDR}
 *   {"deposit": NODE, "key": KEYHEX, "amount": "DEC", "from": ADDR}
 *   a reservation record (resv_record.h): a grant
 *
 * The claim's transaction also writes P/owed/NODE/TXHASH (the same value):
 * the credit this node owes until its SQLite has it. pfd_ctx_settle() credits
 * what a crash or a failed commit left owed, and removes the markers of what
 * is recorded, so a claimed payment is always credited, once.
 *
 * Functions here run on the loop thread with the sales' etcd client and
 * breaker (cluster_sell.h).
 */
#ifndef PFD_CLUSTER_TX_H
#define PFD_CLUSTER_TX_H

#include <stdint.h>
#include "broker/eth/eth_hex.h"
#include "broker/eth/u256.h"
#include "broker/ledger/ledger.h"
#include "broker/proto/errors.h"
#include "broker/sales/broker_store.h"
#include "userspace/cluster/keys.h"
#include "userspace/cluster/resv_record.h"

struct pfd;

enum pfd_ctx_kind { PFD_CTX_GRANTED, PFD_CTX_REFUNDED, PFD_CTX_DEPOSIT };

/* A P/tx/ value, decoded. */
struct pfd_ctx_use {
	enum pfd_ctx_kind kind;
	char node[PF_CL_NAME_MAX]; /* the broker that credited or sold it */
	char quote[33];		   /* refunded: the quote the payment could not buy */
	char key[65];		   /* refunded, deposit: the key credited */
	char amount[PF_U256_DEC_MAX];
	char from[PF_ETH_ADDR_HEXLEN + 1]; /* refunded, deposit: the payer ("" unknown) */
	struct pf_cl_resv r;		   /* granted: the reservation record */
};

/* Decodes value (0, or -EINVAL naming what is wrong). */
int pfd_ctx_decode(const char *value, struct pfd_ctx_use *u);
/* The value of a refund or deposit claim (caller frees). */
int pfd_ctx_encode(const struct pfd_ctx_use *u, char **out);

/* Record r is what tx bought for q (pair, direction, level, rate).
 * An extension may be quoted with a two-way pair the other way round from
 * its record. */
bool pfd_ctx_resv_bought(const struct pf_bquote *q, const char *tx, const struct pf_cl_resv *r);
/* The same for a P/tx/ value: a grant whose record tx bought for q. */
bool pfd_ctx_bought(const struct pf_bquote *q, const char *tx, const struct pfd_ctx_use *u);

/* What a refund of q's payment tx (paid) may do: */
enum pfd_ctx_verdict {
	PFD_CTX_MINE,	 /* claimed for this node: credit it (*claim_rev to release) */
	PFD_CTX_GRANT,	 /* the tx bought this quote's record: o is its CONFIRM's */
	PFD_CTX_REFUSED, /* e is the answer, nothing is credited */
};
enum pfd_ctx_verdict pfd_ctx_refund(struct pfd *d, const struct pf_bquote *q, const char *tx,
				    const struct pf_payment *paid, struct pf_border *o,
				    struct pf_err_msg *e, int64_t *claim_rev);
/* The same for a deposit of tx (paid) to key_hex: PF_OK (claimed, *claim_rev)
 * or the refusal in e. */
enum pf_err pfd_ctx_deposit(struct pfd *d, const char *tx, const char *key_hex,
			    const struct pf_payment *paid, struct pf_err_msg *e,
			    int64_t *claim_rev);
/* Gives back this node's claim (still at claim_rev) when the local record
 * failed, so the payment stays usable. */
void pfd_ctx_release(struct pfd *d, const char *tx, int64_t claim_rev);
/* Outside a batch: credits each P/owed/NODE/ entry this node's SQLite does
 * not have (logged), and removes the markers of credits it has. The number
 * credited (commit them), or -errno. */
int pfd_ctx_settle(struct pfd *d);
/* The grant path found value under P/tx/: 1 with the answer in e when it is
 * a refund or a deposit, 0 when it is a reservation record. */
int pfd_ctx_not_granted(const char *tx, const char *value, struct pf_err_msg *e);

#endif /* PFD_CLUSTER_TX_H */
