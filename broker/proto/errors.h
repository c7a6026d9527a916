/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The stable error codes of the REQUEST channel (docs/PROTOCOL.md, "Error
 * codes"). On the wire a code is its string name; the enum is local.
 */
#ifndef PF_PROTO_ERRORS_H
#define PF_PROTO_ERRORS_H

#include <stdarg.h>

enum pf_err {
	PF_OK = 0,
	/* framing and decoding */
	PF_E_MALFORMED_JSON,
	PF_E_OVERSIZE_FRAME,
	PF_E_UNKNOWN_MESSAGE_TYPE,
	PF_E_UNEXPECTED_MESSAGE,
	PF_E_BAD_FIELD,
	PF_E_BAD_IP,
	PF_E_BAD_ADDRESS,
	PF_E_BAD_SIGNATURE,
	PF_E_WRONG_SIGNER,
	/* quote requests */
	PF_E_LEVEL_OUT_OF_RANGE,
	PF_E_SECONDS_OUT_OF_RANGE,
	PF_E_PAIR_NOT_OWNED,
	PF_E_PAIR_RESERVED,
	PF_E_CAPACITY_EXHAUSTED,
	/* orders and payments */
	PF_E_UNKNOWN_QUOTE,
	PF_E_QUOTE_EXPIRED,
	PF_E_QUOTE_USED,
	PF_E_TX_NOT_FOUND,
	PF_E_TX_FAILED,
	PF_E_WRONG_CHAIN,
	PF_E_WRONG_RECIPIENT,
	PF_E_PAYER_MISMATCH,
	PF_E_TX_MISSING_QUOTE_ID,
	PF_E_UNDERPAYMENT,
	PF_E_TX_REUSED,
	PF_E_LEDGER_DISAGREEMENT,
	/* balances */
	PF_E_INSUFFICIENT_BALANCE,
	PF_E_DEPOSIT_BELOW_MINIMUM,
	PF_E_DEPOSIT_NOT_MARKED,
	PF_E_PAYMENT_REFUNDED,
	PF_E_NOT_YOUR_RESERVATION,
	PF_E_WITHDRAWAL_EXCEEDS_BALANCE,
	PF_E_NO_WITHDRAWAL_ADDRESS,
	PF_E_WITHDRAWAL_UNAVAILABLE,
	/* reservations */
	PF_E_UNKNOWN_RESERVATION,
	PF_E_RESERVATION_ENDED,
	PF_E_EXTEND_MISMATCH,
	PF_E_LOWER_OR_SAME_LEVEL,
	PF_E_NOT_UPGRADABLE,
	/* the broker itself */
	PF_E_RATE_LIMITED,
	PF_E_INTERNAL,
	PF_E__COUNT
};

/* An error as sent in an ERROR message: a code and one sentence. */
#define PF_ERR_TEXT_MAX 256 /* bytes, including the terminating NUL */
struct pf_err_msg {
	enum pf_err code;
	char text[PF_ERR_TEXT_MAX];
};

/* "bad_signature", ...; NULL for PF_OK or an out-of-range value. */
const char *pf_err_name(enum pf_err code);
/* The default sentence for a code, used when there is nothing more specific. */
const char *pf_err_default_text(enum pf_err code);
/* The code for a wire name, or PF_OK when the name is not a v1 code. */
enum pf_err pf_err_from_name(const char *name);
/*
 * Fills e with code and a printf-formatted sentence (truncated to fit); a
 * NULL fmt uses the default sentence. Returns code, for tail calls.
 */
enum pf_err pf_err_set(struct pf_err_msg *e, enum pf_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum pf_err pf_err_vset(struct pf_err_msg *e, enum pf_err code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif /* PF_PROTO_ERRORS_H */
