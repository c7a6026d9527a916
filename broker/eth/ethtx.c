// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include "broker/eth/ethtx.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userspace/common/error.h"
#include "userspace/common/hex.h"
#include "broker/eth/keccak.h"
#include "broker/eth/rlp.h"

/* Rejects what every node would reject, so the buyer learns it before sending. */
static int check_fields(const struct pf_eip1559_tx *tx)
{
	if (!tx->chain_id)
		return pf_fail(-EINVAL, "transaction: chain id must not be 0");
	if (tx->gas_limit < PF_ETH_MIN_GAS)
		return pf_fail(-EINVAL,
			       "transaction: gas limit %" PRIu64
			       " is below the %d every transaction needs",
			       tx->gas_limit, PF_ETH_MIN_GAS);
	if (tx->max_priority_fee_per_gas > tx->max_fee_per_gas)
		return pf_fail(-EINVAL,
			       "transaction: max priority fee per gas %" PRIu64
			       " exceeds max fee per gas %" PRIu64,
			       tx->max_priority_fee_per_gas, tx->max_fee_per_gas);
	if (!tx->data && tx->data_len)
		return pf_fail(-EINVAL, "transaction: %zu data bytes but no data pointer",
			       tx->data_len);
	return 0;
}

/* 0x02 || rlp([fields..., (y_parity, r, s)]) into r; sig NULL for the signing payload. */
static int encode(const struct pf_eip1559_tx *tx, const struct pf_eth_sig *sig, struct pf_rlp *r)
{
	uint8_t type = PF_EIP1559_TX_TYPE;
	size_t list, access_list;

	pf_rlp_put_raw(r, &type, 1);
	list = pf_rlp_list_begin(r);
	pf_rlp_put_uint(r, tx->chain_id);
	pf_rlp_put_uint(r, tx->nonce);
	pf_rlp_put_uint(r, tx->max_priority_fee_per_gas);
	pf_rlp_put_uint(r, tx->max_fee_per_gas);
	pf_rlp_put_uint(r, tx->gas_limit);
	pf_rlp_put_bytes(r, tx->to, PF_ETH_ADDR_LEN);
	pf_rlp_put_uint_be(r, tx->value, PF_ETH_VALUE_LEN);
	pf_rlp_put_bytes(r, tx->data, tx->data_len);
	access_list = pf_rlp_list_begin(r);
	pf_rlp_list_end(r, access_list);
	if (sig) {
		pf_rlp_put_uint(r, sig->y_parity);
		pf_rlp_put_uint_be(r, sig->r, sizeof(sig->r));
		pf_rlp_put_uint_be(r, sig->s, sizeof(sig->s));
	}
	return pf_rlp_list_end(r, list);
}

int pf_eip1559_signing_hash(const struct pf_eip1559_tx *tx, uint8_t digest[PF_ETH_HASH_LEN])
{
	struct pf_rlp r;
	int rc = check_fields(tx);

	if (rc)
		return rc;
	pf_rlp_init(&r);
	rc = encode(tx, NULL, &r);
	if (!rc)
		pf_keccak256(r.data, r.len, digest);
	pf_rlp_free(&r);
	return rc ? pf_fail(rc, "transaction: out of memory while encoding") : 0;
}

int pf_eip1559_sign(const struct pf_eip1559_tx *tx, const struct pf_ethkey *key,
		    struct pf_signed_tx *out)
{
	uint8_t digest[PF_ETH_HASH_LEN], signer[PF_ETH_ADDR_LEN];
	struct pf_rlp r;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = pf_eip1559_signing_hash(tx, digest);
	if (!rc)
		rc = pf_ethkey_sign_digest(key, digest, &out->sig);
	if (rc)
		return rc;
	/* Recovering the sender catches a key struct whose address does not match its secret. */
	rc = pf_eth_recover_address(digest, &out->sig, signer);
	if (!rc && memcmp(signer, key->addr, PF_ETH_ADDR_LEN))
		rc = pf_fail(
		    -EINVAL,
		    "transaction: the signature recovers to another address than the key's");
	if (rc)
		return rc;

	pf_rlp_init(&r);
	rc = encode(tx, &out->sig, &r);
	if (!rc)
		out->raw_hex = malloc(2 * r.len + 3);
	if (rc || !out->raw_hex) {
		pf_rlp_free(&r);
		return pf_fail(-ENOMEM, "transaction: out of memory while encoding");
	}
	out->raw = r.data; /* ownership moves from r to out */
	out->raw_len = r.len;
	pf_hex_encode_0x(out->raw, out->raw_len, out->raw_hex);
	pf_keccak256(out->raw, out->raw_len, out->hash);
	return 0;
}

void pf_signed_tx_free(struct pf_signed_tx *stx)
{
	free(stx->raw);
	free(stx->raw_hex);
	memset(stx, 0, sizeof(*stx));
}
