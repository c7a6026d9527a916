/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The withdrawal sender: a thread with its own database connection and
 * ledger connection (inside the ledger's network namespace). Every second it
 * takes the withdrawals signed but not yet mined, in nonce order: mined with
 * status 1 -> "mined"; status 0 -> "failed" (logged); no receipt -> the same
 * signed bytes are sent again (eth_sendRawTransaction), so a transaction the
 * chain dropped is retried and a crash at any point never pays twice (one
 * nonce, one signed transaction). At start it also reads the payment
 * address's next nonce from the chain, for the first withdrawal.
 */
#ifndef PF_WITHDRAW_SENDER_H
#define PF_WITHDRAW_SENDER_H

#include <stdint.h>

struct pf_wds;

int pf_wds_start(struct pf_wds **out, const char *db_path, const char *rpc_url, const char *netns,
		 long timeout_ms, const char *from_address);
/* The chain's pending nonce of the payment address as read at start, or -1 (not yet). */
int64_t pf_wds_chain_nonce(struct pf_wds *w);
void pf_wds_stop(struct pf_wds *w);

#endif
