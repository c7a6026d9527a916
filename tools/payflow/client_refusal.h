/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * What the buyer's CLI (payflow) tells its user when something fails: the
 * process exit codes, and one understandable sentence for each broker
 * refusal (an ERROR message), ending with the broker's code in brackets:
 *
 *   capacity exhausted: port eth1 has 40 Mbit/s free of ... [capacity_exhausted]
 *   payment was 0.001 ETH short (paid 0.002 ETH, due 0.003 ETH) [underpayment]
 */
#ifndef PF_CLIENT_REFUSAL_H
#define PF_CLIENT_REFUSAL_H

#include <stddef.h>
#include "broker/proto/errors.h"

/* payflow's exit codes (docs/CLIENT.md, "Exit codes"). */
enum pf_client_exit {
	PF_EXIT_OK = 0,
	PF_EXIT_FAILURE = 1,	 /* a local problem: files, keys, bad broker data */
	PF_EXIT_USAGE = 2,	 /* bad command line */
	PF_EXIT_UNREACHABLE = 3, /* the broker cannot be reached or hung up */
	PF_EXIT_REFUSED = 4,	 /* the broker answered ERROR (its code is printed) */
	PF_EXIT_PAYMENT = 5,	 /* the payment could not be made or failed on the ledger */
	PF_EXIT_TIMEOUT = 6,	 /* --timeout passed while waiting */
	PF_EXIT_KEY_CHANGED = 7, /* the broker's key differs from the pinned one */
	PF_EXIT_DECLINED = 8,	 /* the user answered no at the price prompt */
};

/* What the client knows that the broker's message does not say. */
struct pf_refusal_ctx {
	const char *currency; /* "ETH"; NULL when unknown */
	unsigned int decimals;
	const char *due;  /* the quote's amount, decimal smallest units; NULL if unknown */
	const char *paid; /* what the payment sent; NULL if unknown */
};

/*
 * Writes the sentence for e into buf: the client's wording for e->code,
 * followed by the broker's message when it adds detail, and " [code]".
 * ctx may be NULL. Returns the length (truncated to len - 1).
 */
size_t pf_refusal_sentence(const struct pf_err_msg *e, const struct pf_refusal_ctx *ctx, char *buf,
			   size_t len);

/* "0.001 ETH" for a decimal amount in smallest units; -EINVAL, -ENOSPC. */
int pf_amount_units(const char *amount, unsigned int decimals, const char *currency, char *buf,
		    size_t len);

#endif /* PF_CLIENT_REFUSAL_H */
