// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* One sentence per broker refusal, for the buyer's CLI; see client_refusal.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "tools/payflow/client_refusal.h"
#include "broker/eth/u256.h"

struct refusal {
	const char *say;    /* the client's sentence */
	bool broker_detail; /* append the broker's message: it names specifics */
};

static const struct refusal refusals[PF_E__COUNT] = {
    [PF_E_MALFORMED_JSON] = {"the broker could not parse this client's request", true},
    [PF_E_OVERSIZE_FRAME] = {"the request was too large for the broker", false},
    [PF_E_UNKNOWN_MESSAGE_TYPE] = {"the broker does not speak this client's protocol", true},
    [PF_E_UNEXPECTED_MESSAGE] = {"the broker did not expect this request", true},
    [PF_E_BAD_FIELD] = {"the broker rejected a field of the request", true},
    [PF_E_BAD_IP] = {"the broker rejected an IP address", true},
    [PF_E_BAD_ADDRESS] = {"the broker rejected the payer's ledger address", true},
    [PF_E_BAD_SIGNATURE] = {"the broker could not verify this client's signature", true},
    [PF_E_WRONG_SIGNER] = {"the quote belongs to another client key", false},
    [PF_E_LEVEL_OUT_OF_RANGE] = {"the broker sells no such level (see payflow menu)", true},
    [PF_E_SECONDS_OUT_OF_RANGE] = {"the broker does not sell that duration (see payflow menu)",
				   true},
    [PF_E_PAIR_NOT_OWNED] = {"this host may not buy or inspect that pair", true},
    [PF_E_PAIR_RESERVED] = {"the pair already has an active reservation; "
			    "use payflow extend to add time",
			    false},
    [PF_E_CAPACITY_EXHAUSTED] = {"capacity exhausted", true},
    [PF_E_UNKNOWN_QUOTE] = {"the broker does not know the quote; buy again", false},
    [PF_E_QUOTE_EXPIRED] = {"the payment was mined after the quote expired; buy again", false},
    [PF_E_QUOTE_USED] = {"the quote was already paid by another transaction", false},
    [PF_E_TX_NOT_FOUND] = {"the broker's ledger does not know the payment transaction", false},
    [PF_E_TX_FAILED] = {"the payment transaction failed on the ledger", false},
    [PF_E_WRONG_CHAIN] = {"the payment was made on another chain than the broker's", false},
    [PF_E_WRONG_RECIPIENT] = {"the payment did not go to the broker's address", false},
    [PF_E_PAYER_MISMATCH] = {"the payment was sent from another account than the payer", false},
    [PF_E_TX_MISSING_QUOTE_ID] = {"the payment does not carry the quote id in its input", false},
    [PF_E_UNDERPAYMENT] = {"the payment was short", true},
    [PF_E_TX_REUSED] = {"the payment transaction already paid for another quote", false},
    [PF_E_LEDGER_DISAGREEMENT] = {"the broker's ledger nodes disagree about the payment; "
				  "it stays unused",
				  true},
    [PF_E_INSUFFICIENT_BALANCE] = {"the balance is less than the price; deposit more "
				   "(payflow deposit) or pay on-chain",
				   false},
    [PF_E_DEPOSIT_BELOW_MINIMUM] = {"the deposit is below the broker's minimum", false},
    [PF_E_DEPOSIT_NOT_MARKED] = {"the transaction is not a deposit for this client key", false},
    [PF_E_PAYMENT_REFUNDED] = {"the payment could not buy the quote; it was credited to "
			       "this key's balance (payflow balance)",
			       false},
    [PF_E_NOT_YOUR_RESERVATION] = {"this client's key did not pay for that reservation", false},
    [PF_E_WITHDRAWAL_EXCEEDS_BALANCE] = {"the withdrawal is more than the balance "
					 "(payflow balance)",
					 false},
    [PF_E_NO_WITHDRAWAL_ADDRESS] = {"this key never deposited, so the broker has no "
				    "address to send it to",
				    false},
    [PF_E_WITHDRAWAL_UNAVAILABLE] = {"the broker cannot send withdrawals now; try again "
				     "later",
				     true},
    [PF_E_UNKNOWN_RESERVATION] = {"the broker has no such reservation", false},
    [PF_E_RESERVATION_ENDED] = {"the reservation has ended; buy a new one", false},
    [PF_E_EXTEND_MISMATCH] = {"an extension or upgrade must keep the reservation's pair and "
			      "direction (an extension its level too)",
			      false},
    [PF_E_LOWER_OR_SAME_LEVEL] = {"an upgrade must name a level above the reservation's", false},
    [PF_E_NOT_UPGRADABLE] = {"the reservation cannot be upgraded as quoted (the level is not "
			     "dearer, or the reservation changed level: ask for a new quote)",
			     false},
    [PF_E_RATE_LIMITED] = {"the broker is rate-limiting this host; try again later", false},
    [PF_E_INTERNAL] = {"the broker failed internally; try again later", true},
};

int pf_amount_units(const char *amount, unsigned int decimals, const char *currency, char *buf,
		    size_t len)
{
	struct pf_u256 v;
	char num[PF_U256_DEC_MAX + 2];
	int n;

	if (!amount || pf_u256_parse_dec(amount, &v))
		return -EINVAL;
	n = pf_u256_to_units(&v, decimals, num, sizeof(num));
	if (n < 0)
		return n;
	n = snprintf(buf, len, "%s%s%s", num, currency ? " " : "", currency ? currency : "");
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* "payment was X short (paid P, due D)" when the amounts are known and short. */
static bool shortfall(const struct pf_refusal_ctx *ctx, char *buf, size_t len)
{
	struct pf_u256 due, paid, diff;
	char d[PF_U256_DEC_MAX], s[3][PF_U256_DEC_MAX + 20];
	int n;

	if (!ctx || !ctx->due || !ctx->paid || pf_u256_parse_dec(ctx->due, &due) ||
	    pf_u256_parse_dec(ctx->paid, &paid) || pf_u256_sub(&due, &paid, &diff) ||
	    pf_u256_is_zero(&diff) || pf_u256_to_dec(&diff, d, sizeof(d)) < 0)
		return false;
	if (pf_amount_units(d, ctx->decimals, ctx->currency, s[0], sizeof(s[0])) < 0 ||
	    pf_amount_units(ctx->paid, ctx->decimals, ctx->currency, s[1], sizeof(s[1])) < 0 ||
	    pf_amount_units(ctx->due, ctx->decimals, ctx->currency, s[2], sizeof(s[2])) < 0)
		return false;
	n = snprintf(buf, len, "payment was %s short (paid %s, due %s)", s[0], s[1], s[2]);
	return n > 0 && (size_t)n < len;
}

size_t pf_refusal_sentence(const struct pf_err_msg *e, const struct pf_refusal_ctx *ctx, char *buf,
			   size_t len)
{
	const char *name = pf_err_name(e->code);
	const struct refusal *r;
	char lead[320];
	bool detail;
	int n;

	if (!len)
		return 0;
	if (!name) {
		n = snprintf(buf, len, "the broker refused: %s [unknown code]", e->text);
		return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
	}
	r = &refusals[e->code];
	/* The broker's text adds nothing when it is empty or the default sentence. */
	detail = r->broker_detail && e->text[0] && strcmp(e->text, pf_err_default_text(e->code));
	if (e->code == PF_E_UNDERPAYMENT && shortfall(ctx, lead, sizeof(lead)))
		detail = false;
	else
		snprintf(lead, sizeof(lead), "%s", r->say);
	n = snprintf(buf, len, "%s%s%s [%s]", lead, detail ? ": " : "", detail ? e->text : "",
		     name);
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}
