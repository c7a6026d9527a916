/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The broker's rules that need no state: who may act for a pair, and what a
 * ledger answer means for an ORDER (docs/PROTOCOL.md 6.6, 9).
 */
#ifndef PF_ORDER_H
#define PF_ORDER_H

#include <stdbool.h>
#include <stdint.h>
#include "userspace/payflowd/config.h"
#include "broker/proto/errors.h"
#include "broker/ledger/ledger_worker.h"

/*
 * The requester may act for the pair ip1-ip2: its TCP peer address is one
 * of the two, or client_key (NULL for unsigned requests) is allowed a
 * prefix that holds ip1 or ip2 (config broker.allow).
 */
bool pf_pair_owned(const uint8_t peer[16], const uint8_t ip1[16], const uint8_t ip2[16],
		   const uint8_t *client_key, const struct pf_conf_allow *allow, int n_allow);

/* The error code for a payment verdict (PF_OK for ok and pending). */
enum pf_err pf_order_verdict_err(enum pf_payment_verdict v);

/*
 * The broker's node has not seen the transaction yet (two nodes see blocks at
 * different times), or its nodes disagree about it (one is behind, or lies),
 * and it is still within the quote's grace: now at most expires_at + grace
 * seconds. Such an ORDER is answered PENDING, not tx_not_found or
 * ledger_disagreement, so a buyer whose own node has mined the payment keeps it.
 */
bool pf_order_unseen_wait(const struct pf_lw_job *j, uint64_t now, uint64_t expires_at,
			  uint32_t grace);

enum pf_order_outcome {
	PF_ORDER_GRANT,	  /* every payment rule holds */
	PF_ORDER_PENDING, /* valid so far, too few confirmations */
	PF_ORDER_REFUSE,  /* err says why; nothing is consumed */
};

/*
 * Judges a finished ledger job for an ORDER naming payer, for a quote valid
 * until expires_at: the verdict of pf_payment_verify(), then the sender,
 * then the block's timestamp against the quote's expiry.
 */
enum pf_order_outcome pf_order_judge(const struct pf_lw_job *j, const char *payer,
				     uint64_t expires_at, struct pf_err_msg *err);

#endif /* PF_ORDER_H */
