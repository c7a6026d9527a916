/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Payment validation (design.md §6). A payment is accepted only if the
 * transaction
 *   - is on the configured chain (the node's eth_chainId, and the tx's own
 *     chainId when it has one),
 *   - goes to the broker's payment address (a top-level value transfer;
 *     payments made from inside a contract call are not seen),
 *   - carries the quote id's 16 bytes in its input data
 *     (pf_quote_id_in_input(), docs/PROTOCOL.md "Paying a quote"),
 *   - pays at least the quoted amount in wei,
 *   - has a receipt with status 1,
 *   - has the configured number of confirmations:
 *       head - receipt.blockNumber + 1 >= confirmations
 *     (confirmations = 0 or 1: being mined is enough),
 *   - and has never been used for an order before.
 *
 * The last rule needs the durable used-hash store, which lives in payflowd's
 * database, not here: pf_payment_verify() asks an optional callback
 * (pf_payment_expect.is_used) for an early answer, but the caller must still
 * record the hash atomically with granting the reservation (e.g. an INSERT
 * into a table with the hash as UNIQUE key, in the same transaction), since
 * two orders racing with one hash can both pass the callback. Always key that
 * store by the canonical hash pf_payment_verify() reports (lowercase), so
 * that "0xAB.." and "0xab.." cannot be spent twice.
 */
#ifndef PF_PAYMENT_H
#define PF_PAYMENT_H

#include <stdint.h>

#include "broker/ledger/ledger.h"
#include "broker/eth/u256.h"

enum pf_payment_verdict {
	PF_PAY_OK = 0,
	PF_PAY_PENDING,		/* "not_confirmed": not mined, or too few confirmations */
	PF_PAY_NOT_FOUND,	/* "tx_not_found": unknown, dropped or reorged out */
	PF_PAY_FAILED,		/* "tx_failed": receipt status 0 (reverted) */
	PF_PAY_WRONG_RECIPIENT, /* "wrong_recipient" (also contract creations) */
	PF_PAY_WRONG_CHAIN,	/* "wrong_chain_id": node or tx on another chain */
	PF_PAY_NO_QUOTE_ID,	/* "missing_quote_id": the input lacks the quote id's bytes */
	PF_PAY_UNDERPAID,	/* "underpayment": see pf_verdict.shortfall_wei */
	PF_PAY_ALREADY_USED,	/* "tx_already_used": is_used callback said so */
	PF_PAY_BAD_TX_HASH,	/* "invalid_tx_hash": not 0x + 64 hex digits */
	PF_PAY_BAD_EXPECTATION, /* "invalid_expectation": broker-side bad address/quote id */
	PF_PAY_LEDGER_ERROR,	/* "ledger_unavailable": node unreachable/bad answer; retry */
	PF_PAY_DISAGREE,	/* "ledger_disagreement": nodes answered, no quorum agrees */
};

/*
 * Returns 1 if the hash has already paid for an order, 0 if not, and a
 * negative value if the store could not be read (pf_payment_verify then
 * returns PF_PAY_LEDGER_ERROR-style failure, see below).
 */
typedef int (*pf_payment_used_fn)(void *arg, const char *txhash_lower);

/* What the broker quoted. Strings are owned by the caller. */
struct pf_payment_expect {
	const char *pay_to;	    /* broker's address, 0x + 40 hex, any case */
	uint64_t chain_id;	    /* e.g. 31337 for Anvil */
	const char *quote_id;	    /* 32 hex digits (pf_quote_id_valid()) */
	struct pf_u256 amount_wei;  /* minimum value; see pf_payment_amount() */
	uint32_t confirmations;	    /* 0 or 1: mined is enough */
	pf_payment_used_fn is_used; /* optional; NULL leaves the check to the caller */
	void *is_used_arg;
};

#define PF_VERDICT_DETAIL_MAX 320

struct pf_verdict {
	enum pf_payment_verdict code;
	/* UNDERPAID: quoted minus paid, in wei, decimal ("" otherwise). Format
	 * for people with pf_u256_to_units(&shortfall, 18, ...). */
	char shortfall_wei[PF_U256_DEC_MAX];
	struct pf_u256 shortfall;
	uint64_t confirmations;		     /* the tx has now (0 when not mined) */
	char txhash[PF_ETH_HASH_HEXLEN + 1]; /* canonical (lowercase) hash, when valid */
	char detail[PF_VERDICT_DETAIL_MAX];  /* one sentence for logs and clients */
};

/* price_per_second x seconds in wei. Returns 0 or -ERANGE (over 2^256 - 1). */
int pf_payment_amount(const struct pf_u256 *price_per_second_wei, uint64_t seconds,
		      struct pf_u256 *out);

/*
 * Pure check of fetched facts against the expectation (no I/O, no used-hash
 * check). Rules are applied in this order, so a payment that can never
 * become valid is rejected at once even while it is still pending:
 *   expectation valid -> node chain id -> tx found -> tx chain id ->
 *   recipient -> quote id -> amount -> mined -> status -> confirmations.
 * Returns out->code.
 */
enum pf_payment_verdict pf_payment_check(const struct pf_payment_expect *exp,
					 const struct pf_payment *facts, struct pf_verdict *out);

/*
 * Fetches txhash from the ledger (chain id, transaction, receipt, then the
 * head, so the head is never older than the receipt), checks that the node
 * is on exp->chain_id and that its receipt agrees with its transaction
 * (block, sender, recipient: else the node is broken, -1), checks it with
 * pf_payment_check() and, if that says OK and exp->is_used is set, asks it.
 * Returns 0 with *out holding the verdict, or -1 when the ledger or the
 * used-hash store could not answer: then out->code = PF_PAY_LEDGER_ERROR and
 * out->detail says why. facts may be NULL; if not, it receives what was
 * fetched.
 */
int pf_payment_verify(struct pf_ledger *l, const struct pf_payment_expect *exp, const char *txhash,
		      struct pf_verdict *out, struct pf_payment *facts);

/* Stable snake_case names for protocol messages and logs ("underpayment", ...). */
const char *pf_payment_verdict_name(enum pf_payment_verdict v);

#endif /* PF_PAYMENT_H */
