/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Ledger backend for any Ethereum JSON-RPC node (Anvil, geth, the IOTA EVM
 * chain, ...), using eth_chainId, eth_blockNumber, eth_getTransactionByHash
 * and eth_getTransactionReceipt. Not thread-safe: one backend per thread.
 */
#ifndef PF_LEDGER_ETH_H
#define PF_LEDGER_ETH_H

#include "broker/eth/jsonrpc.h"
#include "broker/ledger/ledger.h"

/*
 * Connects lazily: creating the backend sends nothing. timeout_ms bounds
 * each RPC call (0 = 10 s). Returns NULL with err filled on a bad URL.
 * Free with pf_ledger_free().
 */
struct pf_ledger *pf_ledger_eth_new(const char *rpc_url, long timeout_ms);

/* The JSON-RPC client underneath, for other calls to the same node. */
struct pf_jsonrpc *pf_ledger_eth_rpc(struct pf_ledger *l);

#endif /* PF_LEDGER_ETH_H */
