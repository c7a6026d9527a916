// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The "broker" (REQUEST channel server) and "ledger" sections of the config. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "userspace/payflowd/config.h"
#include "broker/eth/amount.h"
#include "broker/eth/eth_hex.h"
#include "userspace/common/hex.h"
#include "userspace/common/units.h"
#include "userspace/common/error.h"

static int bad(const char *origin, const char *key, const char *what, const char *val)
{
	return pf_fail(-EINVAL, "%s: %s: %s%s%s%s", origin, key, what, val ? " (got '" : "",
		       val ? val : "", val ? "')" : "");
}

static int check_known(const char *origin, const char *where, struct json_object *o,
		       const char *const *known)
{
	if (!json_object_is_type(o, json_type_object))
		return bad(origin, where, "expected an object", NULL);
	json_object_object_foreach(o, k, v)
	{
		const char *const *p = known;

		(void)v;
		while (*p && strcmp(*p, k))
			p++;
		if (!*p) {
			char msg[128];

			snprintf(msg, sizeof(msg), "unknown key '%s'", k);
			return bad(origin, where, msg, NULL);
		}
	}
	return 0;
}

/* An optional whole number in [min, max]. */
static int get_u32(const char *origin, struct json_object *o, const char *key, const char *path,
		   __u32 min, __u32 max, __u32 *out)
{
	struct json_object *v;
	char what[96];
	__s64 n;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	n = json_object_get_int64(v);
	if (json_object_is_type(v, json_type_int) && n >= min && n <= max) {
		*out = n;
		return 0;
	}
	snprintf(what, sizeof(what), "expected a whole number from %u to %u", min, max);
	return bad(origin, path, what, json_object_get_string(v));
}

/* A network namespace is named by a path such as /run/netns/NAME. */
static int check_netns_path(const char *origin, const char *field, const char *path)
{
	if (path[0] && path[0] != '/')
		return bad(origin, field,
			   "an absolute path such as /run/netns/NAME or /proc/PID/ns/net", path);
	return 0;
}

static int get_str(const char *origin, struct json_object *o, const char *key, const char *path,
		   char *out, size_t len)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	s = json_object_get_string(v);
	if (!json_object_is_type(v, json_type_string) || !s[0])
		return bad(origin, path, "expected a non-empty string", NULL);
	if (strlen(s) >= len)
		return bad(origin, path, "too long", s);
	snprintf(out, len, "%s", s);
	return 0;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT". */
static int parse_listen(const char *origin, const char *text, struct pf_conf_broker *b)
{
	char addr[80], *colon;
	__u64 port;
	__u8 tmp[16];

	snprintf(addr, sizeof(addr), "%s", text);
	colon = strrchr(addr, ':');
	if (!colon || pf_uint_parse(colon + 1, 65535, &port) || !port)
		return bad(origin, "broker.listen", "expected HOST:PORT, e.g. \"[::]:6113\"", text);
	*colon = 0;
	if (addr[0] == '[' && colon > addr && colon[-1] == ']') {
		colon[-1] = 0;
		memmove(addr, addr + 1, strlen(addr));
	}
	if (!addr[0])
		snprintf(addr, sizeof(addr), "::");
	if (inet_pton(AF_INET, addr, tmp) != 1 && inet_pton(AF_INET6, addr, tmp) != 1)
		return bad(origin, "broker.listen", "the host must be an IP address", text);
	snprintf(b->listen_host, sizeof(b->listen_host), "%s", addr);
	b->listen_port = port;
	return 0;
}

static int parse_allow(const char *origin, struct json_object *arr, struct pf_conf_broker *b)
{
	static const char *const known[] = {"client_key", "prefix", NULL};

	if (!json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) > PF_CONF_MAX_ALLOW)
		return bad(origin, "broker.allow", "expected an array of at most 64 entries", NULL);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *k, *p;
		struct pf_conf_allow *a = &b->allow[b->n_allow];
		char path[48];

		snprintf(path, sizeof(path), "broker.allow[%zu]", i);
		if (check_known(origin, path, e, known))
			return -EINVAL;
		if (!json_object_object_get_ex(e, "client_key", &k) ||
		    !json_object_is_type(k, json_type_string) ||
		    pf_hex_decode_exact(json_object_get_string(k), json_object_get_string_len(k),
					a->client_key, 32))
			return bad(origin, path,
				   "client_key: an ed25519 public key as 64 hex digits",
				   k ? json_object_get_string(k) : NULL);
		if (!json_object_object_get_ex(e, "prefix", &p) ||
		    !json_object_is_type(p, json_type_string) ||
		    pf_prefix_parse(json_object_get_string(p), &a->prefix))
			return bad(origin, path, "prefix: an address or ADDR/LEN",
				   p ? json_object_get_string(p) : NULL);
		b->n_allow++;
	}
	return 0;
}

/* An optional rate per second, > 0, kept x 1000. */
static int get_rate(const char *origin, struct json_object *o, const char *key, const char *path,
		    __u32 *milli)
{
	struct json_object *v;
	double r;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	r = json_object_get_double(v);
	if ((json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) &&
	    r >= 0.001 && r <= 1000000) {
		*milli = (__u32)(r * 1000 + 0.5);
		return 0;
	}
	return bad(origin, path, "expected a rate per second from 0.001 to 1000000",
		   json_object_get_string(v));
}

/* The per-client limits (docs/CONFIG.md, "broker"). */
static int parse_limits(const char *origin, struct json_object *o, struct pf_conf_broker *b)
{
	static const struct {
		const char *key, *path;
		__u32 min, max;
		size_t off;
	} u[] = {
#define LIM(k, lo, hi, f) {k, "broker." k, lo, hi, offsetof(struct pf_conf_broker, f)}
	    LIM("unpaid_hold", 1, 86400, unpaid_hold_s),
	    LIM("quote_burst", 1, 1000000, quote_burst),
	    LIM("max_holds_per_address", 1, 65536, holds_per_addr),
	    LIM("max_holds_per_key", 1, 65536, holds_per_key),
	    LIM("max_checks_per_address", 1, 65536, checks_per_addr),
	    LIM("max_checks_per_key", 1, 65536, checks_per_key),
	    LIM("ledger_queue", 1, 1000000, ledger_queue),
	    LIM("block_after", 0, 1000000, block_after),
	    LIM("block_window", 1, 86400, block_window_s),
	    LIM("block_seconds", 1, 31536000, block_s),
	    LIM("purge_after", 1, 315360000, purge_after_s),
	    LIM("purge_every", 1, 86400, purge_every_s),
#undef LIM
	};

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (get_u32(origin, o, u[i].key, u[i].path, u[i].min, u[i].max,
			    (__u32 *)((char *)b + u[i].off)))
			return -EINVAL;
	return get_rate(origin, o, "quote_rate", "broker.quote_rate", &b->quote_rate_milli);
}

/* broker.min_deposit: smallest units as a canonical decimal string, at least 1. */
static int get_min_deposit(const char *origin, struct json_object *o, struct pf_conf_broker *b)
{
	const char *m = b->min_deposit;

	if (get_str(origin, o, "min_deposit", "broker.min_deposit", b->min_deposit,
		    sizeof(b->min_deposit)))
		return -EINVAL;
	if (!pf_amount_valid(m, strlen(m)) || !strcmp(m, "0"))
		return bad(origin, "broker.min_deposit",
			   "expected smallest units as a decimal string from \"1\", e.g. "
			   "\"1000000000000000\"",
			   m);
	return 0;
}

static int parse_broker(const char *origin, struct json_object *o, struct pf_conf *c)
{
	static const char *const known[] = {"listen",
					    "netns",
					    "key_file",
					    "min_seconds",
					    "max_seconds",
					    "quote_ttl",
					    "confirm_grace",
					    "tx_grace",
					    "idle_timeout",
					    "max_connections",
					    "max_connections_per_address",
					    "allow",
					    "unpaid_hold",
					    "quote_rate",
					    "quote_burst",
					    "max_holds_per_address",
					    "max_holds_per_key",
					    "max_checks_per_address",
					    "max_checks_per_key",
					    "ledger_queue",
					    "block_after",
					    "block_window",
					    "block_seconds",
					    "purge_after",
					    "purge_every",
					    "min_deposit",
					    "payment_key_file",
					    NULL};
	struct pf_conf_broker *b = &c->broker;
	struct json_object *v;

	if (check_known(origin, "broker", o, known))
		return -EINVAL;
	b->enabled = true;
	if (json_object_object_get_ex(o, "listen", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return bad(origin, "broker.listen", "expected a \"HOST:PORT\" string",
				   NULL);
		if (parse_listen(origin, json_object_get_string(v), b))
			return -EINVAL;
	}
	if (get_str(origin, o, "netns", "broker.netns", b->netns, sizeof(b->netns)) ||
	    get_str(origin, o, "key_file", "broker.key_file", b->key_file, sizeof(b->key_file)) ||
	    get_str(origin, o, "payment_key_file", "broker.payment_key_file", b->payment_key_file,
		    sizeof(b->payment_key_file)) ||
	    get_u32(origin, o, "min_seconds", "broker.min_seconds", 1, 315360000,
		    &b->min_seconds) ||
	    get_u32(origin, o, "max_seconds", "broker.max_seconds", 1, 315360000,
		    &b->max_seconds) ||
	    get_u32(origin, o, "quote_ttl", "broker.quote_ttl", 1, 86400, &b->quote_ttl_s) ||
	    get_u32(origin, o, "confirm_grace", "broker.confirm_grace", 0, 86400,
		    &b->confirm_grace_s) ||
	    get_u32(origin, o, "tx_grace", "broker.tx_grace", 0, 86400, &b->tx_grace_s) ||
	    get_u32(origin, o, "idle_timeout", "broker.idle_timeout", 1, 3600,
		    &b->idle_timeout_s) ||
	    get_u32(origin, o, "max_connections", "broker.max_connections", 1, 1000000,
		    &b->max_conns) ||
	    get_u32(origin, o, "max_connections_per_address", "broker.max_connections_per_address",
		    1, 1000000, &b->max_conns_per_addr))
		return -EINVAL;
	if (parse_limits(origin, o, b) || check_netns_path(origin, "broker.netns", b->netns) ||
	    get_min_deposit(origin, o, b))
		return -EINVAL;
	if (b->min_seconds > b->max_seconds)
		return bad(origin, "broker.min_seconds", "must not exceed broker.max_seconds",
			   NULL);
	if (json_object_object_get_ex(o, "allow", &v) && parse_allow(origin, v, b))
		return -EINVAL;
	return 0;
}

static bool is_http(const char *url)
{
	return !strncmp(url, "http://", 7) || !strncmp(url, "https://", 8);
}

/* "rpc_urls": independent nodes; URLs are not echoed (they may hold API keys). */
static int parse_rpc_urls(const char *origin, struct json_object *a, struct pf_conf_ledger *l)
{
	size_t n = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
	char path[48];

	if (n < 1 || n > PF_CONF_MAX_LEDGER_NODES)
		return bad(origin, "ledger.rpc_urls", "expected an array of 1 to 5 URLs", NULL);
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		const char *s = json_object_get_string(v);

		snprintf(path, sizeof(path), "ledger.rpc_urls[%zu]", i);
		if (!json_object_is_type(v, json_type_string) || !is_http(s))
			return bad(origin, path, "expected an http:// or https:// URL", NULL);
		if (strlen(s) >= sizeof(l->rpc_urls[0]))
			return bad(origin, path, "too long", NULL);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(l->rpc_urls[k], s))
				return bad(origin, path, "repeats an earlier node", NULL);
		snprintf(l->rpc_urls[i], sizeof(l->rpc_urls[i]), "%s", s);
	}
	l->n_rpc = (int)n;
	return 0;
}

/* "rpc_url" or "rpc_urls", and "quorum" (default: a majority). */
static int parse_nodes(const char *origin, struct json_object *o, struct pf_conf_ledger *l)
{
	struct json_object *v;
	bool one = json_object_object_get_ex(o, "rpc_url", NULL);

	if (one && json_object_object_get_ex(o, "rpc_urls", &v))
		return bad(origin, "ledger.rpc_urls", "give rpc_url or rpc_urls, not both", NULL);
	if (!one && !json_object_object_get_ex(o, "rpc_urls", &v))
		return bad(origin, "ledger.rpc_url", "missing (e.g. \"http://127.0.0.1:8545\")",
			   NULL);
	if (!one && parse_rpc_urls(origin, v, l))
		return -EINVAL;
	if (one &&
	    get_str(origin, o, "rpc_url", "ledger.rpc_url", l->rpc_urls[0], sizeof(l->rpc_urls[0])))
		return -EINVAL;
	if (one && !is_http(l->rpc_urls[0]))
		return bad(origin, "ledger.rpc_url", "must start with http:// or https://",
			   l->rpc_urls[0]);
	if (one)
		l->n_rpc = 1;
	snprintf(l->rpc_url, sizeof(l->rpc_url), "%s", l->rpc_urls[0]);
	l->quorum = l->n_rpc / 2 + 1;
	if (get_u32(origin, o, "quorum", "ledger.quorum", 1, PF_CONF_MAX_LEDGER_NODES, &l->quorum))
		return -EINVAL;
	/* A minority quorum would let two disagreeing groups both win. */
	if (l->quorum > (__u32)l->n_rpc || l->quorum * 2 <= (__u32)l->n_rpc)
		return bad(origin, "ledger.quorum",
			   "must be more than half of the nodes in rpc_urls, and at most all",
			   NULL);
	return 0;
}

static int parse_ledger(const char *origin, struct json_object *o, struct pf_conf_ledger *l)
{
	static const char *const known[] = {
	    "rpc_url",	       "rpc_urls",	"quorum",   "chain_id",
	    "payment_address", "confirmations", "currency", "decimals",
	    "timeout_ms",      "netns",		NULL};
	struct json_object *v;
	__s64 n;

	if (check_known(origin, "ledger", o, known) || parse_nodes(origin, o, l))
		return -EINVAL;
	if (get_str(origin, o, "netns", "ledger.netns", l->netns, sizeof(l->netns)) ||
	    check_netns_path(origin, "ledger.netns", l->netns))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "chain_id", &v))
		return bad(origin, "ledger.chain_id", "missing (31337 for a local Anvil)", NULL);
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < 1 || n > 9007199254740991LL)
		return bad(origin, "ledger.chain_id", "expected a whole number from 1 to 2^53-1",
			   json_object_get_string(v));
	l->chain_id = n;
	if (!json_object_object_get_ex(o, "payment_address", &v))
		return bad(origin, "ledger.payment_address", "missing (0x and 40 hex digits)",
			   NULL);
	if (!json_object_is_type(v, json_type_string) ||
	    !pf_eth_is_address(json_object_get_string(v)))
		return bad(origin, "ledger.payment_address", "expected 0x and 40 hex digits",
			   json_object_get_string(v));
	pf_eth_lower_copy(l->payment_address, sizeof(l->payment_address),
			  json_object_get_string(v));
	if (get_u32(origin, o, "confirmations", "ledger.confirmations", 0, 1000,
		    &l->confirmations) ||
	    get_u32(origin, o, "decimals", "ledger.decimals", 0, 77, &l->decimals) ||
	    get_u32(origin, o, "timeout_ms", "ledger.timeout_ms", 100, 600000, &l->timeout_ms) ||
	    get_str(origin, o, "currency", "ledger.currency", l->currency, sizeof(l->currency)))
		return -EINVAL;
	for (const char *p = l->currency; *p; p++)
		if (!isalnum((unsigned char)*p))
			return bad(origin, "ledger.currency", "1 to 16 letters or digits",
				   l->currency);
	return 0;
}

static void defaults(struct pf_conf *c)
{
	struct pf_conf_broker *b = &c->broker;
	struct pf_conf_ledger *l = &c->ledger;

	snprintf(b->listen_host, sizeof(b->listen_host), "::");
	b->listen_port = PF_CONF_DEFAULT_BROKER;
	b->min_seconds = 10;
	b->max_seconds = 86400;
	b->quote_ttl_s = 120;
	b->confirm_grace_s = 300;
	b->tx_grace_s = 60;
	b->idle_timeout_s = 30;
	b->max_conns = 4096;
	b->max_conns_per_addr = 32;
	b->unpaid_hold_s = 30;
	b->quote_rate_milli = 2000;
	b->quote_burst = 20;
	b->holds_per_addr = 4;
	b->holds_per_key = 2;
	b->checks_per_addr = 4;
	b->checks_per_key = 2;
	b->ledger_queue = 256;
	b->block_after = 20;
	b->block_window_s = 60;
	b->block_s = 300;
	b->purge_after_s = 604800;
	b->purge_every_s = 60;
	snprintf(b->min_deposit, sizeof(b->min_deposit), "1");
	l->confirmations = 1;
	snprintf(l->currency, sizeof(l->currency), "ETH");
	l->decimals = 18;
	l->timeout_ms = 5000;
}

int pf_conf_parse_broker(const char *origin, struct json_object *root, struct pf_conf *c)
{
	struct json_object *b = NULL, *l = NULL;
	bool has_b = json_object_object_get_ex(root, "broker", &b);
	bool has_l = json_object_object_get_ex(root, "ledger", &l);

	defaults(c);
	if (has_l && parse_ledger(origin, l, &c->ledger))
		return -EINVAL;
	if (!has_b)
		return 0;
	if (!has_l)
		return bad(origin, "broker", "needs a \"ledger\" section to check payments", NULL);
	if (parse_broker(origin, b, c))
		return -EINVAL;
	if (!c->broker.key_file[0] &&
	    snprintf(c->broker.key_file, sizeof(c->broker.key_file), "%s/broker.key",
		     c->state_dir) >= (int)sizeof(c->broker.key_file))
		return bad(origin, "state_dir", "too long for the broker key path", NULL);
	return 0;
}
