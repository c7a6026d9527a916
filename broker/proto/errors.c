// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The table of stable error codes: wire name and default sentence. */
#include <stdio.h>
#include <string.h>
#include "broker/proto/errors.h"

struct err_entry {
	const char *name;
	const char *text;
};

static const struct err_entry err_table[PF_E__COUNT] = {
    [PF_E_MALFORMED_JSON] = {"malformed_json", "the frame is not one valid JSON object"},
    [PF_E_OVERSIZE_FRAME] = {"oversize_frame", "the frame exceeds 65536 bytes"},
    [PF_E_UNKNOWN_MESSAGE_TYPE] = {"unknown_message_type", "unknown message_type"},
    [PF_E_UNEXPECTED_MESSAGE] = {"unexpected_message",
				 "this message_type is not sent in this direction"},
    [PF_E_BAD_FIELD] = {"bad_field", "a field is missing, of the wrong type or unknown"},
    [PF_E_BAD_IP] = {"bad_ip", "not a usable IPv4 or IPv6 address"},
    [PF_E_BAD_ADDRESS] = {"bad_address", "not a ledger address (0x and 40 hex digits)"},
    [PF_E_BAD_SIGNATURE] = {"bad_signature", "the signature does not verify"},
    [PF_E_WRONG_SIGNER] = {"wrong_signer", "the message is signed by another key"},
    [PF_E_LEVEL_OUT_OF_RANGE] = {"level_out_of_range", "no such level in the menu"},
    [PF_E_SECONDS_OUT_OF_RANGE] = {"seconds_out_of_range",
				   "seconds outside the menu's min_seconds..max_seconds"},
    [PF_E_PAIR_NOT_OWNED] = {"pair_not_owned",
			     "the requester speaks from neither address of the pair"},
    [PF_E_PAIR_RESERVED] = {"pair_reserved",
			    "the pair already has an active reservation; use extends"},
    [PF_E_CAPACITY_EXHAUSTED] = {"capacity_exhausted",
				 "not enough free guaranteed capacity on a port"},
    [PF_E_UNKNOWN_QUOTE] = {"unknown_quote", "no such quote"},
    [PF_E_QUOTE_EXPIRED] = {"quote_expired", "the quote expired before it was paid"},
    [PF_E_QUOTE_USED] = {"quote_used", "the quote is already paid by another transaction"},
    [PF_E_TX_NOT_FOUND] = {"tx_not_found",
			   "the ledger does not know the transaction (never sent or reorged out)"},
    [PF_E_TX_FAILED] = {"tx_failed", "the transaction failed (receipt status 0)"},
    [PF_E_WRONG_CHAIN] = {"wrong_chain", "the transaction is for another chain id"},
    [PF_E_WRONG_RECIPIENT] = {"wrong_recipient",
			      "the transaction does not pay the broker's address"},
    [PF_E_PAYER_MISMATCH] = {"payer_mismatch", "the transaction is not sent by the payer"},
    [PF_E_TX_MISSING_QUOTE_ID] = {"tx_missing_quote_id",
				  "the transaction input does not carry the quote id"},
    [PF_E_UNDERPAYMENT] = {"underpayment", "the transaction pays less than the quote"},
    [PF_E_TX_REUSED] = {"tx_reused", "the transaction already paid for another quote"},
    [PF_E_LEDGER_DISAGREEMENT] = {"ledger_disagreement",
				  "the broker's ledger nodes disagree about the payment"},
    [PF_E_INSUFFICIENT_BALANCE] = {"insufficient_balance",
				   "the balance is less than the quoted amount"},
    [PF_E_DEPOSIT_BELOW_MINIMUM] = {"deposit_below_minimum",
				    "the deposit pays less than the broker's minimum"},
    [PF_E_DEPOSIT_NOT_MARKED] = {"deposit_not_marked",
				 "the transaction input is not the deposit marker and the key"},
    [PF_E_PAYMENT_REFUNDED] =
	{"payment_refunded", "the payment could not buy its quote and was credited to the balance"},
    [PF_E_NOT_YOUR_RESERVATION] = {"not_your_reservation",
				   "the signer's key paid for no part of this reservation"},
    [PF_E_WITHDRAWAL_EXCEEDS_BALANCE] = {"withdrawal_exceeds_balance",
					 "the withdrawal is more than the balance"},
    [PF_E_NO_WITHDRAWAL_ADDRESS] = {"no_withdrawal_address",
				    "the key has no deposit, so no address to send to"},
    [PF_E_WITHDRAWAL_UNAVAILABLE] = {"withdrawal_unavailable",
				     "this broker cannot send withdrawals now"},
    [PF_E_UNKNOWN_RESERVATION] = {"unknown_reservation", "no such reservation"},
    [PF_E_RESERVATION_ENDED] = {"reservation_ended", "the reservation has ended"},
    [PF_E_EXTEND_MISMATCH] = {"extend_mismatch",
			      "an extension or upgrade must keep the reservation's pair and "
			      "direction (an extension its level too)"},
    [PF_E_LOWER_OR_SAME_LEVEL] = {"lower_or_same_level",
				  "an upgrade must name a level above the reservation's"},
    [PF_E_NOT_UPGRADABLE] = {"not_upgradable", "the reservation cannot be upgraded as quoted"},
    [PF_E_RATE_LIMITED] = {"rate_limited", "too many requests or connections"},
    [PF_E_INTERNAL] = {"internal_error", "internal error"},
};

const char *pf_err_name(enum pf_err code)
{
	if (code <= PF_OK || code >= PF_E__COUNT)
		return NULL;
	return err_table[code].name;
}

const char *pf_err_default_text(enum pf_err code)
{
	if (code <= PF_OK || code >= PF_E__COUNT)
		return "ok";
	return err_table[code].text;
}

enum pf_err pf_err_from_name(const char *name)
{
	for (int c = PF_OK + 1; c < PF_E__COUNT; c++)
		if (!strcmp(err_table[c].name, name))
			return (enum pf_err)c;
	return PF_OK;
}

enum pf_err pf_err_vset(struct pf_err_msg *e, enum pf_err code, const char *fmt, va_list ap)
{
	e->code = code;
	if (fmt)
		vsnprintf(e->text, sizeof(e->text), fmt, ap);
	else
		snprintf(e->text, sizeof(e->text), "%s", pf_err_default_text(code));
	/* Texts quote peer input: keep them printable ASCII, so truncation
	 * never splits a UTF-8 sequence and a log line stays one line. */
	for (char *p = e->text; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return code;
}

enum pf_err pf_err_set(struct pf_err_msg *e, enum pf_err code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pf_err_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}
