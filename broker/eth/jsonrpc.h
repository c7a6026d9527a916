/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A minimal JSON-RPC 2.0 client over HTTP(S) POST (libcurl + json-c), enough
 * to talk to an Ethereum node: eth_chainId, eth_getTransactionByHash,
 * eth_sendTransaction, eth_sendRawTransaction, eth_gasPrice, ...
 *
 * One client holds one curl handle and reuses its connection; it is not safe
 * to use from two threads at once (give each thread its own client).
 *
 *   struct pf_jsonrpc *rpc = pf_jsonrpc_new("http://127.0.0.1:8545", 5000);
 *   struct pf_jsonrpc_error e;
 *   struct json_object *res;
 *   if (pf_jsonrpc_call(rpc, "eth_blockNumber", NULL, &res, &e))
 *           fprintf(stderr, "%s\n", e.message);
 *   else { puts(json_object_get_string(res)); json_object_put(res); }
 */
#ifndef PF_JSONRPC_H
#define PF_JSONRPC_H

#include <json-c/json.h>
#include <stddef.h>

struct pf_jsonrpc;

/* What went wrong, so callers can tell "node down" from "node said no". */
enum pf_jsonrpc_err_kind {
	PF_JSONRPC_OK = 0,
	PF_JSONRPC_E_ARG,	   /* bad argument passed to the client itself */
	PF_JSONRPC_E_TRANSPORT,	   /* connect refused, DNS, TLS, timeout, ... */
	PF_JSONRPC_E_HTTP,	   /* HTTP status other than 200 */
	PF_JSONRPC_E_BAD_RESPONSE, /* not JSON, not JSON-RPC 2.0, wrong id, too big */
	PF_JSONRPC_E_RPC,	   /* the server answered with an error object */
};

struct pf_jsonrpc_error {
	enum pf_jsonrpc_err_kind kind;
	long http_status;  /* PF_JSONRPC_E_HTTP */
	long rpc_code;	   /* PF_JSONRPC_E_RPC: error.code, e.g. -32601 */
	char message[256]; /* always a complete sentence for a log line */
};

/* Largest response body accepted; a node answering more is treated as broken. */
#define PF_JSONRPC_MAX_RESPONSE (8u << 20)

/*
 * Creates a client for url (http:// or https://). timeout_ms bounds each call
 * as a whole, connect included (0 selects 10 s). Returns NULL on bad
 * arguments or out of memory (errno set: EINVAL, ENOMEM).
 */
struct pf_jsonrpc *pf_jsonrpc_new(const char *url, long timeout_ms);
void pf_jsonrpc_free(struct pf_jsonrpc *c);
/* The URL as it may be shown: scheme://host[:port] (user, password, path and
 * query dropped: provider URLs embed API keys there). */
const char *pf_jsonrpc_url(const struct pf_jsonrpc *c);
/* The same for a URL string: malloc'd, or NULL if it is not http(s) or
 * cannot be parsed. "https://user:key@host:8545/v3/KEY" -> "https://host:8545". */
char *pf_jsonrpc_shown_url(const char *url);

/*
 * Calls method with params (a JSON array; NULL sends []). The client takes
 * ownership of params whatever the outcome. On success returns 0 and sets
 * *result to a new reference to the "result" member, which the caller
 * releases with json_object_put; a JSON null result gives *result == NULL
 * (e.g. eth_getTransactionByHash for an unknown hash). On failure returns -1,
 * sets *result = NULL and fills *err (err may be NULL).
 */
int pf_jsonrpc_call(struct pf_jsonrpc *c, const char *method, struct json_object *params,
		    struct json_object **result, struct pf_jsonrpc_error *err);

/*
 * Convenience for methods that take string parameters and return a string
 * (eth_chainId, eth_blockNumber, eth_sendRawTransaction, eth_getBalance, ...):
 * nparams strings follow. Copies the result into out. Returns 0, or -1 with
 * *err filled; a null or non-string result is PF_JSONRPC_E_BAD_RESPONSE and a
 * result longer than outlen - 1 too.
 */
int pf_jsonrpc_call_str(struct pf_jsonrpc *c, const char *method, char *out, size_t outlen,
			struct pf_jsonrpc_error *err, int nparams, ...);

const char *pf_jsonrpc_err_kind_name(enum pf_jsonrpc_err_kind kind);

#endif /* PF_JSONRPC_H */
