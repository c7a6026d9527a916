// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Payment validation rules; see payment.h. */
#include "broker/ledger/payment.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "broker/eth/eth_hex.h"
#include "broker/proto/quote.h"
#include "userspace/common/error.h"

const char *pf_payment_verdict_name(enum pf_payment_verdict v)
{
	switch (v) {
	case PF_PAY_OK:
		return "ok";
	case PF_PAY_PENDING:
		return "not_confirmed";
	case PF_PAY_NOT_FOUND:
		return "tx_not_found";
	case PF_PAY_FAILED:
		return "tx_failed";
	case PF_PAY_WRONG_RECIPIENT:
		return "wrong_recipient";
	case PF_PAY_WRONG_CHAIN:
		return "wrong_chain_id";
	case PF_PAY_NO_QUOTE_ID:
		return "missing_quote_id";
	case PF_PAY_UNDERPAID:
		return "underpayment";
	case PF_PAY_ALREADY_USED:
		return "tx_already_used";
	case PF_PAY_BAD_TX_HASH:
		return "invalid_tx_hash";
	case PF_PAY_BAD_EXPECTATION:
		return "invalid_expectation";
	case PF_PAY_LEDGER_ERROR:
		return "ledger_unavailable";
	case PF_PAY_DISAGREE:
		return "ledger_disagreement";
	}
	return "unknown";
}

int pf_payment_amount(const struct pf_u256 *price_per_second_wei, uint64_t seconds,
		      struct pf_u256 *out)
{
	return pf_u256_mul_u64(price_per_second_wei, seconds, out);
}

__attribute__((format(printf, 3, 4))) static enum pf_payment_verdict
verdict(struct pf_verdict *out, enum pf_payment_verdict code, const char *fmt, ...)
{
	va_list ap;

	out->code = code;
	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
	va_end(ap);
	return code;
}

static void reset(struct pf_verdict *out)
{
	memset(out, 0, sizeof(*out));
}

static enum pf_payment_verdict check_amount(const struct pf_payment_expect *exp,
					    const struct pf_payment *f, struct pf_verdict *out)
{
	char paid[PF_U256_DEC_MAX], want[PF_U256_DEC_MAX];

	if (pf_u256_cmp(&f->value, &exp->amount_wei) >= 0)
		return PF_PAY_OK;
	pf_u256_sub(&exp->amount_wei, &f->value, &out->shortfall);
	pf_u256_to_dec(&out->shortfall, out->shortfall_wei, sizeof(out->shortfall_wei));
	pf_u256_to_dec(&f->value, paid, sizeof(paid));
	pf_u256_to_dec(&exp->amount_wei, want, sizeof(want));
	return verdict(out, PF_PAY_UNDERPAID,
		       "paid %s wei, the quote requires %s wei (%s wei short)", paid, want,
		       out->shortfall_wei);
}

/* Rules that only need the transaction; a failure here is final. */
static enum pf_payment_verdict check_tx(const struct pf_payment_expect *exp,
					const struct pf_payment *f, struct pf_verdict *out)
{
	if (!f->found)
		return verdict(out, PF_PAY_NOT_FOUND,
			       "the node does not know this transaction (never sent, dropped, or "
			       "reorged out)");
	if (f->has_chain_id && f->tx_chain_id != exp->chain_id)
		return verdict(out, PF_PAY_WRONG_CHAIN,
			       "the transaction is signed for chain %" PRIu64 ", expected %" PRIu64,
			       f->tx_chain_id, exp->chain_id);
	if (!f->to[0])
		return verdict(out, PF_PAY_WRONG_RECIPIENT,
			       "the transaction creates a contract instead of paying %s",
			       exp->pay_to);
	if (!pf_eth_same_address(f->to, exp->pay_to))
		return verdict(out, PF_PAY_WRONG_RECIPIENT, "paid to %s, expected %s", f->to,
			       exp->pay_to);
	if (f->input_too_long || pf_quote_id_in_input(f->input, exp->quote_id) != 1)
		return verdict(out, PF_PAY_NO_QUOTE_ID, "the input data does not carry quote id %s",
			       exp->quote_id);
	return check_amount(exp, f, out);
}

/* Rules that need the receipt; PENDING may still turn into OK. */
static enum pf_payment_verdict check_receipt(const struct pf_payment_expect *exp,
					     const struct pf_payment *f, struct pf_verdict *out)
{
	if (!f->mined)
		return verdict(out, PF_PAY_PENDING, "the transaction is not mined yet");
	/* A head older than the receipt's block means the node moved under us
	 * between calls: count it as zero confirmations, not a wrap-around. */
	out->confirmations = f->head >= f->block_number ? f->head - f->block_number + 1 : 0;
	if (f->status != 1)
		return verdict(out, PF_PAY_FAILED,
			       "the transaction reverted (status 0) in block %" PRIu64,
			       f->block_number);
	if (out->confirmations < exp->confirmations)
		return verdict(out, PF_PAY_PENDING,
			       "the transaction has %" PRIu64 " of %" PRIu32 " confirmations",
			       out->confirmations, exp->confirmations);
	return verdict(out, PF_PAY_OK, "paid in block %" PRIu64 " with %" PRIu64 " confirmations",
		       f->block_number, out->confirmations);
}

enum pf_payment_verdict pf_payment_check(const struct pf_payment_expect *exp,
					 const struct pf_payment *f, struct pf_verdict *out)
{
	reset(out);
	if (pf_eth_is_hash(f->hash))
		pf_eth_lower_copy(out->txhash, sizeof(out->txhash), f->hash);
	if (!pf_eth_is_address(exp->pay_to) || !pf_quote_id_valid(exp->quote_id))
		return verdict(out, PF_PAY_BAD_EXPECTATION,
			       "broker error: the payment address or quote id is malformed");
	if (f->node_chain_id != exp->chain_id)
		return verdict(out, PF_PAY_WRONG_CHAIN,
			       "the ledger node is on chain %" PRIu64 ", expected %" PRIu64,
			       f->node_chain_id, exp->chain_id);
	if (check_tx(exp, f, out) != PF_PAY_OK)
		return out->code;
	return check_receipt(exp, f, out);
}

static int ledger_error(struct pf_verdict *out, const char *why)
{
	verdict(out, PF_PAY_LEDGER_ERROR, "%s", why);
	return -1;
}

/* A node whose receipt contradicts its own transaction is broken (or lying
 * in a clumsy way): nothing it said about this payment can be trusted. */
static int consistent(const struct pf_payment *f)
{
	const char *what = NULL;

	if (!f->mined)
		return 0;
	if (f->tx_mined && (f->tx_block_number != f->block_number ||
			    (f->tx_block_hash[0] && strcmp(f->tx_block_hash, f->block_hash))))
		what = "block";
	else if (f->r_from[0] && strcmp(f->r_from, f->from))
		what = "sender";
	else if (f->r_to[0] && strcmp(f->r_to, f->to))
		what = "recipient";
	if (!what)
		return 0;
	return pf_fail(-1, "the node's receipt and transaction disagree on the %s", what);
}

/* Fetches everything the check needs into *f. */
static int fetch(struct pf_ledger *l, const char *hash, uint64_t chain_id, struct pf_payment *f)
{
	memset(f, 0, sizeof(*f));
	if (pf_ledger_chain_id(l, &f->node_chain_id))
		return -1;
	/* The node's chain is the operator's matter, not the payer's: no verdict. */
	if (f->node_chain_id != chain_id)
		return pf_fail(-1, "the ledger node is on chain %" PRIu64 ", expected %" PRIu64,
			       f->node_chain_id, chain_id);
	if (pf_ledger_get_tx(l, hash, f))
		return -1;
	if (!f->found)
		return 0;
	if (pf_ledger_get_receipt(l, hash, f) || pf_ledger_block_number(l, &f->head))
		return -1;
	return consistent(f);
}

int pf_payment_verify(struct pf_ledger *l, const struct pf_payment_expect *exp, const char *txhash,
		      struct pf_verdict *out, struct pf_payment *facts)
{
	char hash[PF_ETH_HASH_HEXLEN + 1];
	struct pf_payment local, *f = facts ? facts : &local;
	int used;

	reset(out);
	if (!pf_eth_is_hash(txhash)) {
		verdict(out, PF_PAY_BAD_TX_HASH,
			"the transaction hash is not 0x followed by 64 hex digits");
		return 0;
	}
	pf_eth_lower_copy(hash, sizeof(hash), txhash);
	if (fetch(l, hash, exp->chain_id, f)) {
		ledger_error(out, pf_last_error());
		pf_eth_lower_copy(out->txhash, sizeof(out->txhash), hash);
		return -1;
	}
	snprintf(f->hash, sizeof(f->hash), "%s", hash);
	if (pf_payment_check(exp, f, out) != PF_PAY_OK || !exp->is_used)
		return 0;
	used = exp->is_used(exp->is_used_arg, out->txhash);
	if (used < 0)
		return ledger_error(out, "the used-payment store could not be read");
	if (used)
		verdict(out, PF_PAY_ALREADY_USED,
			"this transaction has already paid for an earlier order");
	return 0;
}
