/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Prepaid balances in payflowd's database (docs/MONEY.md): each key's
 * balance and the journal of every movement (deposit, debit, refund,
 * withdrawal), written together inside the caller's transaction, so that
 * for every key deposits + refunds = debits + withdrawals + balance.
 * A movement is unique per (kind, ref): a deposit's ref is its transaction,
 * a debit's its quote id, so replaying one changes nothing.
 * Amounts are smallest units (wei) as u256. All return 0 or -errno with
 * pf_last_error() set: -ENOENT (no balance yet), -EEXIST (the movement is
 * already recorded), -ENOSPC (a debit or withdrawal beyond the balance),
 * -EIO.
 */
#ifndef PF_BALANCE_H
#define PF_BALANCE_H

#include "broker/eth/u256.h"
#include "userspace/payflowd/store.h"

enum pf_money {
	PF_MONEY_DEPOSIT,    /* in: a deposit transaction */
	PF_MONEY_DEBIT,	     /* out: an order paid from the balance */
	PF_MONEY_REFUND,     /* in: the unused part of a paid order */
	PF_MONEY_WITHDRAWAL, /* out: sent back on-chain */
};

/* "deposit", "debit", "refund", "withdrawal". */
const char *pf_money_name(enum pf_money kind);

/* key_hex: 64 hex digits. address: the last depositor ("" if never). */
int pf_balance_get(struct pf_store *s, const char *key_hex, struct pf_u256 *balance,
		   char address[43]);

/*
 * Records one movement of amount for key_hex and moves its balance; an
 * outgoing one never takes it below zero (-ENOSPC, nothing written).
 * address (a deposit's or refunded payment's sender, else NULL) becomes the key's
 * withdrawal address.
 * *after: the balance now.
 */
int pf_balance_move(struct pf_store *s, const char *key_hex, enum pf_money kind,
		    const struct pf_u256 *amount, const char *ref, const char *address,
		    struct pf_u256 *after);

/* The amount of the movement (kind, ref) and its key, if recorded (-ENOENT if not). */
int pf_balance_entry(struct pf_store *s, enum pf_money kind, const char *ref,
		     struct pf_u256 *amount, char key_hex[65]);

#endif /* PF_BALANCE_H */
