// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Ethereum JSON-RPC ledger backend; see ledger_eth.h. */
#include "broker/ledger/ledger_eth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "userspace/common/error.h"
#include "broker/eth/eth_hex.h"

static struct pf_jsonrpc *rpc_of(struct pf_ledger *l)
{
	return l->priv;
}

/* Calls method(params) and copies the JSON-RPC error message on failure. */
static int call(struct pf_ledger *l, const char *method, struct json_object *params,
		struct json_object **res)
{
	struct pf_jsonrpc_error e;

	if (pf_jsonrpc_call(rpc_of(l), method, params, res, &e))
		return pf_fail(-1, "%s", e.message);
	return 0;
}

static int call_hash(struct pf_ledger *l, const char *method, const char *hash,
		     struct json_object **res)
{
	struct json_object *params;

	if (!pf_eth_is_hash(hash))
		return pf_fail(-1, "%s: \"%s\" is not a transaction hash (0x + 64 hex digits)",
			       method, hash ? hash : "(null)");
	params = json_object_new_array();
	if (params)
		json_object_array_add(params, json_object_new_string(hash));
	return call(l, method, params, res);
}

/* The string member key of obj, or NULL if absent, null or not a string. */
static const char *str_field(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool field_is_null(struct json_object *obj, const char *key)
{
	struct json_object *v;

	return !json_object_object_get_ex(obj, key, &v) || v == NULL;
}

static int quantity_field(struct json_object *obj, const char *key, struct pf_u256 *out)
{
	const char *s = str_field(obj, key);

	return s ? pf_u256_parse_hex(s, out) : -EINVAL;
}

static int u64_field(struct json_object *obj, const char *key, uint64_t *out)
{
	struct pf_u256 v;

	if (quantity_field(obj, key, &v) || pf_u256_to_u64(&v, out))
		return -EINVAL;
	return 0;
}

static int copy_lower(char *dst, size_t len, const char *src)
{
	return pf_eth_lower_copy(dst, len, src);
}

static int u64_method(struct pf_ledger *l, const char *method, uint64_t *out)
{
	struct pf_jsonrpc_error e;
	char buf[PF_U256_HEX_MAX];
	struct pf_u256 v;

	if (pf_jsonrpc_call_str(rpc_of(l), method, buf, sizeof(buf), &e, 0))
		return pf_fail(-1, "%s", e.message);
	if (pf_u256_parse_hex(buf, &v) || pf_u256_to_u64(&v, out))
		return pf_fail(-1, "%s: node returned \"%s\", not a 64-bit quantity", method, buf);
	return 0;
}

static int eth_chain_id(struct pf_ledger *l, uint64_t *out)
{
	return u64_method(l, "eth_chainId", out);
}

static int eth_block_number(struct pf_ledger *l, uint64_t *out)
{
	return u64_method(l, "eth_blockNumber", out);
}

/* The block a mined transaction names (receipts must agree with it). */
static void tx_block(struct json_object *tx, struct pf_payment *p)
{
	const char *bhash = str_field(tx, "blockHash");

	p->tx_mined = !u64_field(tx, "blockNumber", &p->tx_block_number);
	if (p->tx_mined && pf_eth_is_hash(bhash))
		copy_lower(p->tx_block_hash, sizeof(p->tx_block_hash), bhash);
}

/* Fills the transaction part of *p from an eth_getTransactionByHash object. */
static int parse_tx(struct json_object *tx, struct pf_payment *p)
{
	const char *from = str_field(tx, "from"), *to = str_field(tx, "to");
	const char *input = str_field(tx, "input"), *hash = str_field(tx, "hash");
	const char *bad = NULL;

	if (!input)
		input = str_field(tx, "data"); /* older nodes */
	if (!hash || strcasecmp(hash, p->hash))
		bad = "hash (not the one asked for)";
	else if (!pf_eth_is_address(from))
		bad = "from";
	else if (to ? !pf_eth_is_address(to) : !field_is_null(tx, "to"))
		bad = "to";
	else if (quantity_field(tx, "value", &p->value))
		bad = "value";
	else if (!pf_eth_is_data(input))
		bad = "input";
	else if (!field_is_null(tx, "chainId") && u64_field(tx, "chainId", &p->tx_chain_id))
		bad = "chainId";
	if (bad)
		return pf_fail(-1,
			       "eth_getTransactionByHash: node returned a transaction with a bad "
			       "\"%s\" field",
			       bad);

	copy_lower(p->from, sizeof(p->from), from);
	copy_lower(p->to, sizeof(p->to), to ? to : "");
	p->has_chain_id = !field_is_null(tx, "chainId");
	tx_block(tx, p);
	p->input_too_long = copy_lower(p->input, sizeof(p->input), input) != 0;
	p->found = true;
	return 0;
}

static void clear_tx(struct pf_payment *p)
{
	p->found = false;
	p->from[0] = p->to[0] = p->input[0] = '\0';
	memset(&p->value, 0, sizeof(p->value));
	p->input_too_long = p->has_chain_id = p->tx_mined = false;
	p->tx_chain_id = p->tx_block_number = 0;
	p->tx_block_hash[0] = '\0';
}

static int eth_get_tx(struct pf_ledger *l, const char *hash, struct pf_payment *p)
{
	struct json_object *tx = NULL;
	int rc;

	clear_tx(p);
	if (call_hash(l, "eth_getTransactionByHash", hash, &tx))
		return -1;
	copy_lower(p->hash, sizeof(p->hash), hash);
	if (!tx) /* null: never seen, dropped from the pool, or reorged out */
		return 0;
	if (!json_object_is_type(tx, json_type_object))
		rc = pf_fail(-1, "eth_getTransactionByHash: node returned %s, not an object",
			     json_object_get_string(tx));
	else
		rc = parse_tx(tx, p);
	if (rc)
		clear_tx(p);
	json_object_put(tx);
	return rc;
}

static int parse_receipt(struct json_object *r, struct pf_payment *p)
{
	const char *hash = str_field(r, "transactionHash"), *bhash = str_field(r, "blockHash");
	uint64_t status;

	if (!hash || strcasecmp(hash, p->hash))
		return pf_fail(-1,
			       "eth_getTransactionReceipt: node returned the receipt of another "
			       "transaction");
	if (field_is_null(r, "status"))
		return pf_fail(
		    -1, "eth_getTransactionReceipt: receipt has no status field (pre-Byzantium "
			"chains are not supported)");
	if (u64_field(r, "status", &status) || status > 1)
		return pf_fail(-1, "eth_getTransactionReceipt: bad receipt status \"%s\"",
			       str_field(r, "status") ? str_field(r, "status") : "?");
	if (u64_field(r, "blockNumber", &p->block_number) || !pf_eth_is_hash(bhash))
		return pf_fail(-1,
			       "eth_getTransactionReceipt: receipt has a bad block number or hash");
	p->status = (int)status;
	copy_lower(p->block_hash, sizeof(p->block_hash), bhash);
	if (pf_eth_is_address(str_field(r, "from")))
		copy_lower(p->r_from, sizeof(p->r_from), str_field(r, "from"));
	if (pf_eth_is_address(str_field(r, "to")))
		copy_lower(p->r_to, sizeof(p->r_to), str_field(r, "to"));
	p->mined = true;
	return 0;
}

static void clear_receipt(struct pf_payment *p)
{
	p->mined = false;
	p->status = 0;
	p->block_number = 0;
	p->block_hash[0] = p->r_from[0] = p->r_to[0] = '\0';
}

static int eth_get_receipt(struct pf_ledger *l, const char *hash, struct pf_payment *p)
{
	struct json_object *r = NULL;
	int rc;

	clear_receipt(p);
	if (call_hash(l, "eth_getTransactionReceipt", hash, &r))
		return -1;
	copy_lower(p->hash, sizeof(p->hash), hash);
	if (!r) /* null: not mined (yet), or unknown */
		return 0;
	if (!json_object_is_type(r, json_type_object))
		rc = pf_fail(-1, "eth_getTransactionReceipt: node returned %s, not an object",
			     json_object_get_string(r));
	else
		rc = parse_receipt(r, p);
	if (rc)
		clear_receipt(p);
	json_object_put(r);
	return rc;
}

static void eth_destroy(struct pf_ledger *l)
{
	pf_jsonrpc_free(rpc_of(l));
	free(l);
}

static const struct pf_ledger_ops eth_ops = {
    .name = "eth",
    .chain_id = eth_chain_id,
    .block_number = eth_block_number,
    .get_tx = eth_get_tx,
    .get_receipt = eth_get_receipt,
    .destroy = eth_destroy,
};

struct pf_ledger *pf_ledger_eth_new(const char *rpc_url, long timeout_ms)
{
	struct pf_ledger *l = calloc(1, sizeof(*l));

	if (!l) {
		pf_fail(-1, "ledger: out of memory");
		return NULL;
	}
	l->ops = &eth_ops;
	l->priv = pf_jsonrpc_new(rpc_url, timeout_ms);
	if (!l->priv) {
		/* The URL is not echoed: provider URLs often embed an API key. */
		pf_fail(-1, "ledger: the RPC URL is not a usable http:// or https:// URL");
		free(l);
		return NULL;
	}
	return l;
}

struct pf_jsonrpc *pf_ledger_eth_rpc(struct pf_ledger *l)
{
	return l && l->ops == &eth_ops ? rpc_of(l) : NULL;
}
