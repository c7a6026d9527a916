/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The ledger backend: where payments are looked up. A backend answers four
 * questions (chain id, head block, a transaction, its receipt); payment.h
 * turns the answers into a verdict. ledger_eth.h is the Ethereum JSON-RPC
 * backend; tests can plug in their own ops.
 *
 * Every op returns 0 on an answer (including "no such transaction", which is
 * an answer) and -1 when the ledger could not be asked or answered nonsense;
 * then pf_last_error() says why. A -1 says nothing about the
 * payment: callers should report "ledger unavailable, retry", never reject.
 */
#ifndef PF_LEDGER_H
#define PF_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/eth/eth_hex.h"
#include "broker/eth/u256.h"

/* Input data kept per transaction: "0x" and up to 1 KiB of call data, room
 * for a plain transfer (the 16-byte quote id) or a contract call carrying it
 * among its arguments. Longer inputs are not kept (input_too_long) and are
 * not accepted as a payment. */
#define PF_PAYMENT_INPUT_MAX (2 + 2 * 1024)

/* What the ledger said about one transaction. Strings are lowercase. */
struct pf_payment {
	char hash[PF_ETH_HASH_HEXLEN + 1];

	/* From the transaction (eth_getTransactionByHash). */
	bool found; /* the node knows it, mined or pending */
	char from[PF_ETH_ADDR_HEXLEN + 1];
	char to[PF_ETH_ADDR_HEXLEN + 1];      /* "" for a contract creation */
	struct pf_u256 value;		      /* wei */
	char input[PF_PAYMENT_INPUT_MAX + 1]; /* "0x..."; "" if input_too_long */
	bool input_too_long;
	bool has_chain_id; /* typed and EIP-155 transactions carry one */
	uint64_t tx_chain_id;
	bool tx_mined; /* the transaction names its block */
	uint64_t tx_block_number;
	char tx_block_hash[PF_ETH_HASH_HEXLEN + 1];

	/* From the receipt (eth_getTransactionReceipt). */
	bool mined; /* a receipt exists */
	int status; /* 1 success, 0 reverted; valid when mined */
	uint64_t block_number;
	char block_hash[PF_ETH_HASH_HEXLEN + 1];
	char r_from[PF_ETH_ADDR_HEXLEN + 1]; /* the receipt's sender, "" if absent */
	char r_to[PF_ETH_ADDR_HEXLEN + 1];   /* the receipt's recipient, "" if absent */

	/* From the node (eth_chainId, eth_blockNumber). */
	uint64_t node_chain_id;
	uint64_t head;
};

struct pf_ledger;

struct pf_ledger_ops {
	const char *name; /* "eth" */
	int (*chain_id)(struct pf_ledger *l, uint64_t *out);
	int (*block_number)(struct pf_ledger *l, uint64_t *out);
	/* Fills hash and the transaction fields of *p; p->found = false if unknown. */
	int (*get_tx)(struct pf_ledger *l, const char *hash, struct pf_payment *p);
	/* Fills the receipt fields of *p; p->mined = false if there is no receipt. */
	int (*get_receipt)(struct pf_ledger *l, const char *hash, struct pf_payment *p);
	void (*destroy)(struct pf_ledger *l);
};

struct pf_ledger {
	const struct pf_ledger_ops *ops;
	void *priv;
};

static inline int pf_ledger_chain_id(struct pf_ledger *l, uint64_t *out)
{
	return l->ops->chain_id(l, out);
}

static inline int pf_ledger_block_number(struct pf_ledger *l, uint64_t *out)
{
	return l->ops->block_number(l, out);
}

static inline int pf_ledger_get_tx(struct pf_ledger *l, const char *hash, struct pf_payment *p)
{
	return l->ops->get_tx(l, hash, p);
}

static inline int pf_ledger_get_receipt(struct pf_ledger *l, const char *hash, struct pf_payment *p)
{
	return l->ops->get_receipt(l, hash, p);
}

static inline void pf_ledger_free(struct pf_ledger *l)
{
	if (l)
		l->ops->destroy(l);
}

#endif /* PF_LEDGER_H */
