/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * EIP-1559 (type 2) Ethereum transactions, built and signed locally so the
 * buyer's client can pay through any public node with eth_sendRawTransaction.
 *
 * Type 2 because every EVM chain we target (Ethereum, L2s, the IOTA EVM,
 * Anvil) accepts it, and its fee fields cap what a payment can cost:
 *
 *   signing digest = keccak256(0x02 || rlp([chain_id, nonce,
 *                        max_priority_fee_per_gas, max_fee_per_gas, gas_limit,
 *                        to, value, data, access_list]))
 *   raw            = 0x02 || rlp([chain_id, ..., access_list, y_parity, r, s])
 *   hash           = keccak256(raw)
 *
 * The access list is always empty. Integers are minimal big-endian.
 */
#ifndef PF_ETHTX_H
#define PF_ETHTX_H

#include <stddef.h>
#include <stdint.h>

#include "broker/eth/ethkey.h"

#define PF_EIP1559_TX_TYPE 0x02
#define PF_ETH_VALUE_LEN   32 /* a uint256 */
#define PF_ETH_HASH_LEN	   32
#define PF_ETH_HASH_STRLEN 67	 /* "0x" + 64 digits + NUL */
#define PF_ETH_MIN_GAS	   21000 /* intrinsic gas of any transaction */

struct pf_eip1559_tx {
	uint64_t chain_id;
	uint64_t nonce;
	uint64_t max_priority_fee_per_gas; /* wei per gas */
	uint64_t max_fee_per_gas;	   /* wei per gas */
	uint64_t gas_limit;
	uint8_t to[PF_ETH_ADDR_LEN];
	uint8_t value[PF_ETH_VALUE_LEN]; /* wei, big-endian: amounts exceed 64 bits */
	const uint8_t *data;		 /* input data (calldata); may be NULL if data_len is 0 */
	size_t data_len;
};

struct pf_signed_tx {
	uint8_t *raw; /* 0x02 || rlp(fields, y_parity, r, s); malloc'd */
	size_t raw_len;
	char *raw_hex; /* "0x" + hex of raw: the eth_sendRawTransaction parameter; malloc'd */
	uint8_t hash[PF_ETH_HASH_LEN]; /* keccak256(raw), the transaction hash */
	struct pf_eth_sig sig;
};

/*
 * The digest the sender signs. -EINVAL (with the reason in pf_last_error()) for chain id
 * 0, a gas limit below 21000, a priority fee above the max fee, or data ==
 * NULL with data_len > 0; -ENOMEM.
 */
int pf_eip1559_signing_hash(const struct pf_eip1559_tx *tx, uint8_t digest[PF_ETH_HASH_LEN]);

/* Signs tx with key into out (free with pf_signed_tx_free); same errors as above. */
int pf_eip1559_sign(const struct pf_eip1559_tx *tx, const struct pf_ethkey *key,
		    struct pf_signed_tx *out);

void pf_signed_tx_free(struct pf_signed_tx *stx);

#endif /* PF_ETHTX_H */
