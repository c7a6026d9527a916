// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The buyer's wallet: account and local-key payments; see client_wallet.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "tools/payflow/client_wallet.h"
#include "userspace/common/error.h"
#include "broker/eth/eth_hex.h"
#include "userspace/common/hex.h"
#include "broker/proto/quote.h"
#include "broker/eth/u256.h"

#define GWEI 1000000000ULL

uint64_t pf_wallet_intrinsic_gas(const uint8_t *data, size_t len)
{
	uint64_t gas = PF_ETH_MIN_GAS;

	for (size_t i = 0; i < len; i++)
		gas += data[i] ? 16 : 4;
	return gas;
}

int pf_wallet_fees(bool has_base_fee, uint64_t base_fee, uint64_t tip, uint64_t gas_price,
		   uint64_t *max_fee, uint64_t *max_tip)
{
	if (!has_base_fee) {
		*max_fee = gas_price;
		*max_tip = tip < gas_price ? tip : gas_price;
		return 0;
	}
	if (base_fee > (UINT64_MAX - tip) / 2)
		return -ERANGE;
	*max_fee = 2 * base_fee + tip;
	*max_tip = tip;
	return 0;
}

int pf_wallet_value_be(const char *amount, uint8_t out[PF_ETH_VALUE_LEN])
{
	struct pf_u256 v;

	if (!amount || pf_u256_parse_dec(amount, &v))
		return -EINVAL;
	for (int limb = 0; limb < 4; limb++)
		for (int b = 0; b < 8; b++)
			out[PF_ETH_VALUE_LEN - 1 - (limb * 8 + b)] =
			    (uint8_t)(v.w[limb] >> (8 * b));
	return 0;
}

int pf_wallet_build_transfer(const struct pf_wallet_transfer *t, uint64_t nonce, uint64_t gas_limit,
			     uint64_t max_priority_fee, uint64_t max_fee, struct pf_eip1559_tx *tx)
{
	memset(tx, 0, sizeof(*tx));
	if (pf_eth_addr_parse(t->to, tx->to))
		return pf_fail(-EINVAL, "pay_to: %s", pf_last_error());
	if (pf_wallet_value_be(t->amount, tx->value))
		return pf_fail(-EINVAL, "amount '%s' is not a decimal amount", t->amount);
	if (t->chain_id == 0)
		return pf_fail(-EINVAL, "chain id 0 is not a chain");
	tx->chain_id = t->chain_id;
	tx->nonce = nonce;
	tx->max_priority_fee_per_gas = max_priority_fee;
	tx->max_fee_per_gas = max_fee;
	tx->gas_limit = gas_limit;
	tx->data = t->data;
	tx->data_len = t->data_len;
	return 0;
}

/* The transfer that pays q: its input is the quote id's 16 bytes, in data. */
static int quote_transfer(const struct pf_quote *q, struct pf_wallet_transfer *t,
			  uint8_t data[PF_ID_BYTES])
{
	if (!pf_quote_id_valid(q->quote_id) ||
	    pf_hex_decode_exact(q->quote_id, PF_ID_HEX, data, PF_ID_BYTES))
		return pf_fail(-EINVAL, "quote id '%s' is not 32 hex digits", q->quote_id);
	*t = (struct pf_wallet_transfer){q->pay_to, q->chain_id, q->amount, data, PF_ID_BYTES};
	return 0;
}

int pf_wallet_build_tx(const struct pf_quote *q, uint64_t nonce, uint64_t gas_limit,
		       uint64_t max_priority_fee, uint64_t max_fee, struct pf_eip1559_tx *tx,
		       uint8_t data[PF_ID_BYTES])
{
	struct pf_wallet_transfer t;

	memset(tx, 0, sizeof(*tx));
	return quote_transfer(q, &t, data)
		   ?: pf_wallet_build_transfer(&t, nonce, gas_limit, max_priority_fee, max_fee, tx);
}

static int rpc_fail(struct pf_wallet *w, const char *method, const struct pf_jsonrpc_error *e)
{
	if (e->kind == PF_JSONRPC_E_RPC)
		return pf_fail(-EPERM, "the ledger node refused %s: %s", method, e->message);
	return pf_fail(-EIO, "the ledger node at %s could not be asked (%s): %s",
		       pf_jsonrpc_url(w->rpc), method, e->message);
}

/* A quantity result ("0x..."), as 64 bits. */
static int parse_quantity(struct pf_wallet *w, const char *method, const char *text, uint64_t *out)
{
	struct pf_u256 v;

	if (pf_u256_parse_hex(text, &v) || pf_u256_to_u64(&v, out))
		return pf_fail(-EIO, "the ledger node at %s answered %s with '%s'",
			       pf_jsonrpc_url(w->rpc), method, text);
	return 0;
}

/* Calls a method with string params whose result is a quantity. */
static int call_quantity(struct pf_wallet *w, const char *method, uint64_t *out, int nparams,
			 const char *p1, const char *p2)
{
	struct pf_jsonrpc_error e;
	char buf[80];
	int rc = nparams == 0 ? pf_jsonrpc_call_str(w->rpc, method, buf, sizeof(buf), &e, 0)
		 : nparams == 1
		     ? pf_jsonrpc_call_str(w->rpc, method, buf, sizeof(buf), &e, 1, p1)
		     : pf_jsonrpc_call_str(w->rpc, method, buf, sizeof(buf), &e, 2, p1, p2);

	if (rc)
		return rpc_fail(w, method, &e);
	return parse_quantity(w, method, buf, out);
}

int pf_wallet_open(struct pf_wallet *w, const char *rpc_url, const char *account,
		   const char *key_path, long timeout_ms)
{
	uint8_t addr[PF_ETH_ADDR_LEN];
	int rc;

	memset(w, 0, sizeof(*w));
	if (!rpc_url || !*rpc_url)
		return pf_fail(
		    -EINVAL,
		    "no ledger node: give --rpc URL (or PAYFLOW_RPC, or rpc= in the config)");
	if (!!account == !!key_path)
		return pf_fail(-EINVAL,
			       "give exactly one wallet: --account ADDR (node-managed) or --key "
			       "FILE (local key)");
	if (account) {
		if (pf_eth_addr_parse(account, addr))
			return pf_fail(-EINVAL, "--account: %s", pf_last_error());
		w->mode = PF_WALLET_ACCOUNT;
	} else {
		rc = pf_ethkey_load(&w->key, key_path);
		if (rc)
			return pf_fail(rc, "%s", pf_last_error());
		memcpy(addr, w->key.addr, sizeof(addr));
		w->mode = PF_WALLET_KEY;
	}
	pf_hex_encode_0x(addr, sizeof(addr), w->address);
	w->rpc = pf_jsonrpc_new(rpc_url, timeout_ms);
	if (!w->rpc) {
		pf_ethkey_wipe(&w->key);
		return pf_fail(-EINVAL, "'%s' is not a ledger node URL (http:// or https://)",
			       rpc_url);
	}
	return 0;
}

void pf_wallet_close(struct pf_wallet *w)
{
	pf_jsonrpc_free(w->rpc);
	w->rpc = NULL;
	pf_ethkey_wipe(&w->key);
}

int pf_wallet_check_chain(struct pf_wallet *w, uint64_t chain_id)
{
	uint64_t id;
	int rc = call_quantity(w, "eth_chainId", &id, 0, NULL, NULL);

	if (rc)
		return rc == -EPERM ? -EIO : rc;
	if (id != chain_id)
		return pf_fail(-EXDEV,
			       "the ledger node at %s is on chain %llu, but the broker is paid "
			       "on chain %llu",
			       pf_jsonrpc_url(w->rpc), (unsigned long long)id,
			       (unsigned long long)chain_id);
	return 0;
}

/* The {from,to,value,data} object of eth_sendTransaction / eth_estimateGas. */
static struct json_object *call_object(struct pf_wallet *w, const struct pf_wallet_transfer *t)
{
	struct json_object *o = json_object_new_object();
	char value[PF_U256_HEX_MAX], input[2 + 2 * PF_WALLET_DATA_MAX + 1];
	struct pf_u256 v;

	if (!o || t->data_len > PF_WALLET_DATA_MAX || pf_u256_parse_dec(t->amount, &v) ||
	    pf_u256_to_hex(&v, value, sizeof(value)) < 0) {
		json_object_put(o);
		return NULL;
	}
	pf_hex_encode_0x(t->data, t->data_len, input);
	json_object_object_add(o, "from", json_object_new_string(w->address));
	json_object_object_add(o, "to", json_object_new_string(t->to));
	json_object_object_add(o, "value", json_object_new_string(value));
	json_object_object_add(o, "data", json_object_new_string(input));
	return o;
}

/* Sends params (taken) to a method whose result is a transaction hash. */
static int call_hash(struct pf_wallet *w, const char *method, struct json_object *params,
		     char hash[PF_ETH_HASH_STRLEN])
{
	struct pf_jsonrpc_error e;
	struct json_object *res;
	const char *s;

	if (pf_jsonrpc_call(w->rpc, method, params, &res, &e))
		return rpc_fail(w, method, &e);
	s = res && json_object_is_type(res, json_type_string) ? json_object_get_string(res) : "";
	if (!pf_eth_is_hash(s)) {
		json_object_put(res);
		return pf_fail(-EIO, "%s answered '%s', not a transaction hash", method, s);
	}
	pf_eth_lower_copy(hash, PF_ETH_HASH_STRLEN, s);
	json_object_put(res);
	return 0;
}

static int pay_account(struct pf_wallet *w, const struct pf_wallet_transfer *t,
		       struct pf_wallet_payment *out)
{
	struct json_object *params = json_object_new_array(), *tx = call_object(w, t);

	if (!params || !tx) {
		json_object_put(params);
		json_object_put(tx);
		return pf_fail(-EINVAL, "the amount or input is malformed");
	}
	json_object_array_add(params, tx);
	return call_hash(w, "eth_sendTransaction", params, out->tx_hash);
}

/* The latest block's baseFeePerGas; *has = false on a pre-London chain. */
static int base_fee(struct pf_wallet *w, bool *has, uint64_t *fee)
{
	struct json_object *params = json_object_new_array(), *blk, *v;
	struct pf_jsonrpc_error e;
	int rc;

	json_object_array_add(params, json_object_new_string("latest"));
	json_object_array_add(params, json_object_new_boolean(0));
	if (pf_jsonrpc_call(w->rpc, "eth_getBlockByNumber", params, &blk, &e))
		return rpc_fail(w, "eth_getBlockByNumber", &e);
	*has = blk && json_object_object_get_ex(blk, "baseFeePerGas", &v) &&
	       json_object_is_type(v, json_type_string);
	rc = *has ? parse_quantity(w, "eth_getBlockByNumber", json_object_get_string(v), fee) : 0;
	json_object_put(blk);
	return rc;
}

/* eth_estimateGas for the payment, never below the intrinsic gas. */
static int estimate_gas(struct pf_wallet *w, const struct pf_wallet_transfer *t, uint64_t *gas)
{
	struct json_object *params = json_object_new_array(), *tx = call_object(w, t), *res;
	struct pf_jsonrpc_error e;
	uint64_t floor = pf_wallet_intrinsic_gas(t->data, t->data_len);
	int rc;

	if (!params || !tx) {
		json_object_put(params);
		json_object_put(tx);
		return pf_fail(-EINVAL, "the amount or input is malformed");
	}
	json_object_array_add(params, tx);
	if (pf_jsonrpc_call(w->rpc, "eth_estimateGas", params, &res, &e))
		return rpc_fail(w, "eth_estimateGas", &e);
	rc = res && json_object_is_type(res, json_type_string)
		 ? parse_quantity(w, "eth_estimateGas", json_object_get_string(res), gas)
		 : pf_fail(-EIO, "eth_estimateGas gave no quantity");
	json_object_put(res);
	if (!rc && *gas < floor)
		*gas = floor;
	return rc;
}

/* The tip: eth_maxPriorityFeePerGas, else gas price minus base fee, else 1 gwei. */
static int tip_fee(struct pf_wallet *w, bool has_base, uint64_t base, uint64_t gas_price,
		   uint64_t *tip)
{
	int rc = call_quantity(w, "eth_maxPriorityFeePerGas", tip, 0, NULL, NULL);

	if (rc != -EPERM) /* answered, or the node is unreachable */
		return rc;
	if (has_base)
		*tip = gas_price > base ? gas_price - base : 0;
	else
		*tip = gas_price ? gas_price : GWEI;
	return 0;
}

static int pay_key(struct pf_wallet *w, const struct pf_wallet_transfer *t,
		   struct pf_wallet_payment *out)
{
	struct pf_eip1559_tx tx;
	struct pf_signed_tx stx;
	uint64_t base = 0, gas_price, tip, gas;
	bool has_base;
	int rc;

	rc = pf_wallet_build_transfer(t, 0, PF_ETH_MIN_GAS, 0, 0, &tx);
	if (!rc)
		rc = call_quantity(w, "eth_getTransactionCount", &out->nonce, 2, w->address,
				   "pending");
	if (!rc)
		rc = base_fee(w, &has_base, &base);
	if (!rc)
		rc = call_quantity(w, "eth_gasPrice", &gas_price, 0, NULL, NULL);
	if (!rc)
		rc = tip_fee(w, has_base, base, gas_price, &tip);
	if (!rc)
		rc = estimate_gas(w, t, &gas);
	if (rc)
		return rc;
	if (pf_wallet_fees(has_base, base, tip, gas_price, &out->max_fee_per_gas,
			   &out->max_priority_fee_per_gas))
		return pf_fail(-ERANGE, "the node's fees overflow 64 bits");
	out->gas_limit = gas;
	rc = pf_wallet_build_transfer(t, out->nonce, gas, out->max_priority_fee_per_gas,
				      out->max_fee_per_gas, &tx);
	if (!rc)
		rc = pf_eip1559_sign(&tx, &w->key, &stx);
	if (rc)
		return rc;
	pf_hex_encode_0x(stx.hash, sizeof(stx.hash), out->tx_hash);
	if (w->on_signed && (rc = w->on_signed(w->on_signed_ctx, out->tx_hash, stx.raw_hex))) {
		pf_signed_tx_free(&stx);
		return pf_fail(rc, "cannot record the payment before sending it");
	}
	struct json_object *params = json_object_new_array();

	json_object_array_add(params, json_object_new_string(stx.raw_hex));
	rc = call_hash(w, "eth_sendRawTransaction", params, out->tx_hash);
	if (!rc) /* the node's hash must be the one we signed */
		pf_hex_encode_0x(stx.hash, sizeof(stx.hash), out->tx_hash);
	pf_signed_tx_free(&stx);
	return rc;
}

int pf_wallet_send(struct pf_wallet *w, const struct pf_wallet_transfer *t,
		   struct pf_wallet_payment *out)
{
	memset(out, 0, sizeof(*out));
	if (t->data_len > PF_WALLET_DATA_MAX)
		return pf_fail(-EINVAL, "an input of %zu bytes is over %d", t->data_len,
			       PF_WALLET_DATA_MAX);
	snprintf(out->value, sizeof(out->value), "%s", t->amount);
	return w->mode == PF_WALLET_ACCOUNT ? pay_account(w, t, out) : pay_key(w, t, out);
}

int pf_wallet_pay(struct pf_wallet *w, const struct pf_quote *q, struct pf_wallet_payment *out)
{
	struct pf_wallet_transfer t;
	uint8_t data[PF_ID_BYTES];

	memset(out, 0, sizeof(*out));
	return quote_transfer(q, &t, data) ?: pf_wallet_send(w, &t, out);
}

int pf_wallet_receipt(struct pf_wallet *w, const char *tx_hash)
{
	struct json_object *params = json_object_new_array(), *res, *st;
	struct pf_jsonrpc_error e;
	uint64_t status;
	int rc;

	json_object_array_add(params, json_object_new_string(tx_hash));
	if (pf_jsonrpc_call(w->rpc, "eth_getTransactionReceipt", params, &res, &e)) {
		rc = rpc_fail(w, "eth_getTransactionReceipt", &e);
		return rc == -EPERM ? -EIO : rc;
	}
	if (!res)
		return 0;
	if (!json_object_object_get_ex(res, "status", &st) ||
	    !json_object_is_type(st, json_type_string) ||
	    parse_quantity(w, "eth_getTransactionReceipt", json_object_get_string(st), &status)) {
		json_object_put(res);
		return pf_fail(-EIO, "the receipt of %s has no status", tx_hash);
	}
	json_object_put(res);
	if (status != 1)
		return pf_fail(-ECANCELED,
			       "the payment %s failed on the ledger (receipt status %llu)", tx_hash,
			       (unsigned long long)status);
	return 1;
}
