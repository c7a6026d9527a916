/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The buyer's wallet: pays a QUOTE on an Ethereum JSON-RPC node, in one of
 * two modes (docs/CLIENT.md, "Wallets"):
 *
 *  - account: the node holds the key (Anvil's dev accounts, a local geth
 *    with an unlocked account): eth_sendTransaction {from, to, value, data};
 *    the node picks nonce, gas and fees.
 *  - key: a local secp256k1 key file (ethkey.h, mode 0600). The wallet
 *    builds an EIP-1559 transaction, signs it (ethtx.h) and sends the bytes
 *    with eth_sendRawTransaction, so any node works, unlocked or not:
 *      nonce     eth_getTransactionCount(address, "pending")
 *      tip       eth_maxPriorityFeePerGas (else eth_gasPrice - base fee)
 *      max fee   2 x the latest block's baseFeePerGas + tip
 *      gas       eth_estimateGas, never below the intrinsic gas of the input
 *
 * Both send to the quote's pay_to the quote's amount with input "0x" +
 * quote id (docs/PROTOCOL.md 6.5). Functions that can fail return 0 or a
 * negative errno and leave one sentence in pf_last_error().
 */
#ifndef PF_CLIENT_WALLET_H
#define PF_CLIENT_WALLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "broker/eth/ethkey.h"
#include "broker/eth/ethtx.h"
#include "broker/eth/jsonrpc.h"
#include "broker/proto/messages.h"

enum pf_wallet_mode {
	PF_WALLET_ACCOUNT, /* node-managed: eth_sendTransaction */
	PF_WALLET_KEY,	   /* local key: eth_sendRawTransaction */
};

struct pf_wallet {
	enum pf_wallet_mode mode;
	struct pf_jsonrpc *rpc;
	char address[PF_ETH_ADDR_STRLEN]; /* lowercase "0x..." */
	struct pf_ethkey key;		  /* PF_WALLET_KEY only */
	/* Key mode: called with the signed transaction's hash and raw bytes (hex)
	 * before they are sent, so the caller can record them; non-zero stops
	 * the payment. */
	int (*on_signed)(void *ctx, const char *tx_hash, const char *raw_hex);
	void *on_signed_ctx;
};

/* What a payment was sent as. */
struct pf_wallet_payment {
	char tx_hash[PF_ETH_HASH_STRLEN];
	char value[PF_AMOUNT_MAX]; /* wei, decimal */
	/* PF_WALLET_KEY: the fields the wallet chose. */
	uint64_t nonce, gas_limit, max_fee_per_gas, max_priority_fee_per_gas;
};

/*
 * Opens a wallet on the node at rpc_url: account mode when account is
 * given, key mode when key_path is (exactly one of them). timeout_ms bounds
 * each RPC call (0 = 10 s).
 */
int pf_wallet_open(struct pf_wallet *w, const char *rpc_url, const char *account,
		   const char *key_path, long timeout_ms);
void pf_wallet_close(struct pf_wallet *w);

/* -EXDEV when the node's eth_chainId is not chain_id; -EIO when unreachable. */
int pf_wallet_check_chain(struct pf_wallet *w, uint64_t chain_id);

/* A transfer of the native currency with input data (at most PF_WALLET_DATA_MAX bytes). */
#define PF_WALLET_DATA_MAX 64
struct pf_wallet_transfer {
	const char *to;	    /* 0x and 40 hex digits */
	uint64_t chain_id;  /* signed into the transaction (key mode) */
	const char *amount; /* wei, decimal */
	const uint8_t *data;
	size_t data_len;
};

/* Sends t. -EIO: the node could not be asked; -EPERM: it refused. */
int pf_wallet_send(struct pf_wallet *w, const struct pf_wallet_transfer *t,
		   struct pf_wallet_payment *out);
/* Sends the payment for q (pf_wallet_send with the quote id as input). */
int pf_wallet_pay(struct pf_wallet *w, const struct pf_quote *q, struct pf_wallet_payment *out);

/* 1 mined with status 1, 0 not mined yet, -ECANCELED reverted, -EIO. */
int pf_wallet_receipt(struct pf_wallet *w, const char *tx_hash);

/* --- pure parts, unit-tested ------------------------------------------- */

/* 21000 + 16 per non-zero and 4 per zero input byte (EIP-2028). */
uint64_t pf_wallet_intrinsic_gas(const uint8_t *data, size_t len);

/*
 * The fee fields from what the node said. With a base fee (London chains):
 * max_fee = 2 x base_fee + tip, which survives six full blocks of base fee
 * growth (12.5% each). Without one: max_fee = gas_price, tip capped to it.
 * -ERANGE on overflow.
 */
int pf_wallet_fees(bool has_base_fee, uint64_t base_fee, uint64_t tip, uint64_t gas_price,
		   uint64_t *max_fee, uint64_t *max_tip);

/* A decimal amount as the 32-byte big-endian value of a transaction. */
int pf_wallet_value_be(const char *amount, uint8_t out[PF_ETH_VALUE_LEN]);

/* The EIP-1559 transaction of t (tx->data points at t->data). */
int pf_wallet_build_transfer(const struct pf_wallet_transfer *t, uint64_t nonce, uint64_t gas_limit,
			     uint64_t max_priority_fee, uint64_t max_fee, struct pf_eip1559_tx *tx);

/*
 * The EIP-1559 payment of q: to pay_to, value amount, data = the 16 bytes
 * of the quote id (stored in data, which tx points at), chain q->chain_id.
 */
int pf_wallet_build_tx(const struct pf_quote *q, uint64_t nonce, uint64_t gas_limit,
		       uint64_t max_priority_fee, uint64_t max_fee, struct pf_eip1559_tx *tx,
		       uint8_t data[PF_ID_BYTES]);

#endif /* PF_CLIENT_WALLET_H */
