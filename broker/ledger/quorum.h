/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The quorum rule over what independent ledger nodes said about one
 * transaction. A verdict stands only when at least `quorum` nodes agree on it
 * and on every fact it rests on: the receipt status, the block (number and
 * hash), the value, the recipient, the sender, the input, the chain ids and
 * the block time; for confirmations they must agree on whether there are
 * enough (nodes one block apart still agree; the verdict then carries the
 * lowest count). Pure: payment checks (ledger_worker.c) and deposit and
 * withdrawal checks run the same rule over their nodes' answers.
 */
#ifndef PF_QUORUM_H
#define PF_QUORUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/ledger/payment.h"

/* One node's answer: a verdict on facts it reported, or why it gave none. */
struct pf_ledger_answer {
	int rc; /* 0: an answer; -1: the node could not answer (verdict.detail says why) */
	struct pf_verdict verdict;
	struct pf_payment facts;
	bool has_block_time; /* mined, and the block's timestamp was read */
	uint64_t block_time;
};

enum pf_quorum_outcome {
	PF_QUORUM_AGREE,       /* quorum nodes agree: *pick is one of them */
	PF_QUORUM_WAIT,	       /* undecided while nodes are still to answer */
	PF_QUORUM_SPLIT,       /* enough nodes answered, too few of them agree */
	PF_QUORUM_UNAVAILABLE, /* too few nodes answered at all */
};

/* The two answers say the same about the payment (see above). */
bool pf_ledger_answers_agree(const struct pf_ledger_answer *x, const struct pf_ledger_answer *y);

/*
 * a[i] is node i's answer, NULL while it has not answered; quorum is 1..n.
 * On AGREE, *pick is the agreeing answer with the fewest confirmations.
 */
enum pf_quorum_outcome pf_quorum_decide(const struct pf_ledger_answer *const *a, int n, int quorum,
					int *pick);

/* One line for logs and clients: what each node said ("node 1: ok block 12
 * 0xab.. value 1000 ...; node 2: tx_not_found; node 3: failed: ..."). */
void pf_quorum_describe(const struct pf_ledger_answer *const *a, int n, char *out, size_t len);

#endif /* PF_QUORUM_H */
