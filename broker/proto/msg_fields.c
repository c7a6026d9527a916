// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Field-by-field reading and checking of each message's data object. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "userspace/common/addr.h"
#include "userspace/common/hex.h"
#include "broker/proto/msg_fields.h"

/* What is being read, for error sentences: "QUOTE data: ...". */
struct reader {
	struct json_object *obj;
	const char *type;
	struct pf_err_msg *err;
};

static bool rfail(struct reader *r, enum pf_err code, const char *field, const char *why)
{
	pf_err_set(r->err, code, "%s data: \"%s\" %s", r->type, field, why);
	return false;
}

/* Every member must be in names (NULL-terminated). */
static bool only_members(struct reader *r, const char *const *names)
{
	json_object_object_foreach(r->obj, key, val)
	{
		const char *const *n = names;

		(void)val;
		while (*n && strcmp(*n, key))
			n++;
		if (!*n) {
			pf_err_set(r->err, PF_E_BAD_FIELD, "%s data: unknown member \"%.40s\"",
				   r->type, key);
			return false;
		}
	}
	return true;
}

static bool has(struct reader *r, const char *name)
{
	return json_object_object_get_ex(r->obj, name, NULL);
}

static struct json_object *member(struct reader *r, const char *name, enum json_type t,
				  const char *expect)
{
	struct json_object *v;

	if (!json_object_object_get_ex(r->obj, name, &v)) {
		rfail(r, PF_E_BAD_FIELD, name, "is missing");
		return NULL;
	}
	if (!json_object_is_type(v, t)) {
		rfail(r, PF_E_BAD_FIELD, name, expect);
		return NULL;
	}
	return v;
}

static bool get_uint(struct reader *r, const char *name, uint64_t min, uint64_t max, uint64_t *out)
{
	struct json_object *v = member(r, name, json_type_int, "must be an integer");
	char why[80];

	if (!v)
		return false;
	/* json-c clamps huge literals to INT64_MAX/UINT64_MAX: still out of range. */
	int64_t i = json_object_get_int64(v);

	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
		snprintf(why, sizeof(why), "must be an integer %llu..%llu", (unsigned long long)min,
			 (unsigned long long)max);
		return rfail(r, PF_E_BAD_FIELD, name, why);
	}
	*out = (uint64_t)i;
	return true;
}

static bool get_str(struct reader *r, const char *name, const char **s, size_t *len)
{
	struct json_object *v = member(r, name, json_type_string, "must be a string");

	if (!v)
		return false;
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	if (strlen(*s) != *len)
		return rfail(r, PF_E_BAD_FIELD, name, "contains a NUL character");
	return true;
}

static bool get_bool(struct reader *r, const char *name, bool *out)
{
	struct json_object *v = member(r, name, json_type_boolean, "must be true or false");

	if (!v)
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

/* A 16-byte id as 32 hex digits; stored lowercase. */
static bool get_id(struct reader *r, const char *name, char out[PF_ID_HEX + 1])
{
	const char *s;
	size_t len;

	if (!get_str(r, name, &s, &len))
		return false;
	if (!pf_hex_valid(s, len, PF_ID_HEX))
		return rfail(r, PF_E_BAD_FIELD, name, "must be 32 hex digits");
	pf_hex_lower(s, len, out);
	return true;
}

static bool get_key(struct reader *r, const char *name, uint8_t out[PF_PUBKEY_BYTES])
{
	const char *s;
	size_t len;

	if (!get_str(r, name, &s, &len))
		return false;
	if (pf_hex_decode_exact(s, len, out, PF_PUBKEY_BYTES))
		return rfail(r, PF_E_BAD_FIELD, name, "must be 64 hex digits (an ed25519 key)");
	return true;
}

/* "0x" and n hex digits, stored lowercase. */
static bool is_0x_hex(const char *s, size_t len, size_t n)
{
	return len == n + 2 && s[0] == '0' && s[1] == 'x' && pf_hex_valid(s + 2, n, n);
}

bool pf_tx_hash_valid(const char *text, size_t len)
{
	return is_0x_hex(text, len, 64);
}

static bool get_address(struct reader *r, const char *name, char out[PF_ADDRESS_LEN + 1])
{
	const char *s;
	size_t len;

	if (!get_str(r, name, &s, &len))
		return false;
	if (!is_0x_hex(s, len, 40))
		return rfail(r, PF_E_BAD_ADDRESS, name, "must be 0x and 40 hex digits");
	pf_hex_lower(s, len, out);
	return true;
}

static bool get_tx_hash(struct reader *r, const char *name, char out[PF_TX_HASH_LEN + 1])
{
	const char *s;
	size_t len;

	if (!get_str(r, name, &s, &len))
		return false;
	if (!pf_tx_hash_valid(s, len))
		return rfail(r, PF_E_BAD_FIELD, name, "must be 0x and 64 hex digits");
	pf_hex_lower(s, len, out);
	return true;
}

/* :: and 0.0.0.0 (as ::ffff:0.0.0.0) name no host. */
static bool ip_unspecified(const pf_ip_t ip)
{
	static const uint8_t zero[16];

	return !memcmp(ip, zero, 16) || (pf_addr_is_v4(ip) && !memcmp(ip + 12, zero, 4));
}

static bool get_ip(struct reader *r, const char *name, pf_ip_t out)
{
	const char *s;
	size_t len;

	if (!get_str(r, name, &s, &len))
		return false;
	if (pf_addr_parse(s, out) || ip_unspecified(out)) {
		char why[256];

		snprintf(why, sizeof(why), "'%.64s' %s", s,
			 pf_addr_parse(s, out) ? pf_addr_why_bad(s)
					       : "is the unspecified address, which names no host");
		return rfail(r, PF_E_BAD_IP, name, why);
	}
	return true;
}

static bool get_pair(struct reader *r, pf_ip_t ip1, pf_ip_t ip2)
{
	if (!get_ip(r, "ip1", ip1) || !get_ip(r, "ip2", ip2))
		return false;
	if (!memcmp(ip1, ip2, sizeof(pf_ip_t)))
		return rfail(r, PF_E_BAD_IP, "ip2", "is the same address as ip1");
	if (pf_addr_is_v4(ip1) != pf_addr_is_v4(ip2))
		return rfail(r, PF_E_BAD_IP, "ip2",
			     "is not of ip1's family: a packet goes between two IPv4 or two IPv6 "
			     "addresses, never one of each, so this pair could never carry "
			     "traffic");
	return true;
}

static bool get_amount(struct reader *r, const char *name, char out[PF_AMOUNT_MAX])
{
	const char *s;
	size_t len;

	if (!get_str(r, name, &s, &len))
		return false;
	if (!pf_amount_valid(s, len))
		return rfail(r, PF_E_BAD_FIELD, name,
			     "must be a decimal string without leading zeros, below 2^256");
	memcpy(out, s, len + 1);
	return true;
}

static bool get_opt_id(struct reader *r, const char *name, char out[PF_ID_HEX + 1])
{
	out[0] = '\0';
	return !has(r, name) || get_id(r, name, out);
}

/* An optional flag: absent is false. Writers omit it when false. */
static bool get_opt_bool(struct reader *r, const char *name, bool *out)
{
	*out = false;
	return !has(r, name) || get_bool(r, name, out);
}

static bool read_hello(struct reader *r, struct pf_hello *h)
{
	static const char *const names[] = {"one_way", NULL};

	return only_members(r, names) && get_opt_bool(r, "one_way", &h->one_way);
}

static bool read_quote_request(struct reader *r, struct pf_quote_request *q)
{
	static const char *const names[] = {
	    "ip1", "ip2", "level", "seconds", "client_key", "extends", "one_way", "upgrades", NULL};

	if (!(only_members(r, names) && get_pair(r, q->ip1, q->ip2) &&
	      get_uint(r, "level", 0, PF_INT_MAX, &q->level) &&
	      get_uint(r, "seconds", 0, PF_INT_MAX, &q->seconds) &&
	      get_key(r, "client_key", q->client_key) && get_opt_id(r, "extends", q->extends) &&
	      get_opt_bool(r, "one_way", &q->one_way) && get_opt_id(r, "upgrades", q->upgrades)))
		return false;
	if (q->upgrades[0] && q->extends[0])
		return rfail(r, PF_E_BAD_FIELD, "upgrades", "cannot go with extends");
	if (q->upgrades[0] && q->seconds)
		return rfail(r, PF_E_BAD_FIELD, "seconds",
			     "must be 0 with upgrades: the broker counts what is left");
	return true;
}

/* payer names the transaction's sender; an ORDER from the balance has none. */
static bool read_order(struct reader *r, struct pf_order *o)
{
	static const char *const names[] = {"quote_id", "payer", "client_key", "from_balance",
					    NULL};

	o->from_balance = false;
	if (!only_members(r, names) || !get_id(r, "quote_id", o->quote_id) ||
	    !get_key(r, "client_key", o->client_key) ||
	    (has(r, "from_balance") && !get_bool(r, "from_balance", &o->from_balance)))
		return false;
	if (has(r, "from_balance") && !o->from_balance)
		return rfail(r, PF_E_BAD_FIELD, "from_balance", "must be true or absent");
	if (o->from_balance && has(r, "payer"))
		return rfail(r, PF_E_BAD_FIELD, "payer", "must be absent with from_balance");
	return o->from_balance || get_address(r, "payer", o->payer);
}

static bool read_deposit(struct reader *r, struct pf_deposit *dp)
{
	static const char *const names[] = {"payer", "client_key", NULL};

	return only_members(r, names) && get_address(r, "payer", dp->payer) &&
	       get_key(r, "client_key", dp->client_key);
}

static bool read_balance(struct reader *r, struct pf_balance_request *b)
{
	static const char *const names[] = {"client_key", NULL};

	return only_members(r, names) && get_key(r, "client_key", b->client_key);
}

static bool read_cancel(struct reader *r, struct pf_cancel *c)
{
	static const char *const names[] = {"reservation_id", "client_key", NULL};

	return only_members(r, names) && get_id(r, "reservation_id", c->reservation_id) &&
	       get_key(r, "client_key", c->client_key);
}

static bool read_withdraw(struct reader *r, struct pf_withdraw *w)
{
	static const char *const names[] = {"withdrawal_id", "amount", "client_key", NULL};

	if (!only_members(r, names) || !get_id(r, "withdrawal_id", w->withdrawal_id) ||
	    !get_amount(r, "amount", w->amount) || !get_key(r, "client_key", w->client_key))
		return false;
	return strcmp(w->amount, "0") || rfail(r, PF_E_BAD_FIELD, "amount", "must be at least 1");
}

static bool read_balance_reply(struct reader *r, struct pf_balance_reply *b)
{
	static const char *const names[] = {"client_key", "balance",   "credited",
					    "tx_hash",	  "withdrawn", NULL};

	b->tx_hash[0] = '\0';
	b->withdrawn[0] = '\0';
	return only_members(r, names) && get_key(r, "client_key", b->client_key) &&
	       get_amount(r, "balance", b->balance) && get_amount(r, "credited", b->credited) &&
	       (!has(r, "tx_hash") || get_tx_hash(r, "tx_hash", b->tx_hash)) &&
	       (!has(r, "withdrawn") || get_amount(r, "withdrawn", b->withdrawn));
}

static bool read_status(struct reader *r, struct pf_status_request *s)
{
	static const char *const names[] = {"reservation_id", "ip1", "ip2", NULL};

	if (!only_members(r, names))
		return false;
	if (has(r, "reservation_id")) {
		if (has(r, "ip1") || has(r, "ip2"))
			return rfail(r, PF_E_BAD_FIELD, "reservation_id",
				     "excludes ip1 and ip2: ask by id or by pair");
		return get_id(r, "reservation_id", s->reservation_id);
	}
	return get_pair(r, s->ip1, s->ip2);
}

static bool read_currency(struct reader *r, char out[PF_CURRENCY_MAX + 1])
{
	const char *s;
	size_t len;

	if (!get_str(r, "currency", &s, &len))
		return false;
	if (len < 1 || len > PF_CURRENCY_MAX)
		return rfail(r, PF_E_BAD_FIELD, "currency", "must be 1..16 letters or digits");
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return rfail(r, PF_E_BAD_FIELD, "currency",
				     "must be 1..16 letters or digits");
	memcpy(out, s, len + 1);
	return true;
}

static bool read_levels(struct reader *r, struct pf_menu *m)
{
	static const char *const names[] = {
	    "rate_bps",	  "price_per_second", "price_per_second_one_way",
	    "price_base", "price_max",	      NULL};
	struct json_object *arr = member(r, "levels", json_type_array, "must be an array");
	size_t n;

	if (!arr)
		return false;
	n = json_object_array_length(arr);
	if (n < 2 || n > PF_MAX_LEVELS)
		return rfail(r, PF_E_BAD_FIELD, "levels",
			     "must hold 2..16 levels: level 0 (free) and at least one for sale");
	for (size_t i = 0; i < n; i++) {
		struct json_object *lv = json_object_array_get_idx(arr, i);
		struct reader sub = {lv, r->type, r->err};

		if (!json_object_is_type(lv, json_type_object))
			return rfail(r, PF_E_BAD_FIELD, "levels", "must hold objects");
		if (!only_members(&sub, names) ||
		    !get_uint(&sub, "rate_bps", 1, PF_INT_MAX, &m->levels[i].rate_bps) ||
		    !get_amount(&sub, "price_per_second", m->levels[i].price_per_second) ||
		    (has(&sub, "price_per_second_one_way") &&
		     !get_amount(&sub, "price_per_second_one_way",
				 m->levels[i].price_per_second_one_way)) ||
		    has(&sub, "price_base") != has(&sub, "price_max") ||
		    (has(&sub, "price_base") &&
		     (!get_amount(&sub, "price_base", m->levels[i].price_base) ||
		      !get_amount(&sub, "price_max", m->levels[i].price_max))))
			return has(&sub, "price_base") != has(&sub, "price_max")
				   ? rfail(r, PF_E_BAD_FIELD, "levels",
					   "price_base and price_max go together")
				   : false;
	}
	if (strcmp(m->levels[0].price_per_second, "0") || m->levels[0].price_per_second_one_way[0])
		return rfail(r, PF_E_BAD_FIELD, "levels",
			     "level 0 is free best effort: its price_per_second must be \"0\", "
			     "and it has no one-way price");
	m->n_levels = (unsigned int)n;
	return true;
}

static bool read_menu(struct reader *r, struct pf_menu *m)
{
	static const char *const names[] = {
	    "levels",	   "currency",	  "decimals",  "chain_id",	  "pay_to", "broker_key",
	    "min_seconds", "max_seconds", "quote_ttl", "utilisation_ppm", NULL};

	if (!only_members(r, names) || !read_levels(r, m) || !read_currency(r, m->currency) ||
	    !get_uint(r, "decimals", 0, PF_AMOUNT_DIGITS, &m->decimals) ||
	    !get_uint(r, "chain_id", 1, PF_INT_MAX, &m->chain_id) ||
	    !get_address(r, "pay_to", m->pay_to) || !get_key(r, "broker_key", m->broker_key) ||
	    !get_uint(r, "min_seconds", 1, PF_INT_MAX, &m->min_seconds) ||
	    !get_uint(r, "max_seconds", 1, PF_INT_MAX, &m->max_seconds) ||
	    !get_uint(r, "quote_ttl", 1, PF_INT_MAX, &m->quote_ttl) ||
	    (has(r, "utilisation_ppm") &&
	     !get_uint(r, "utilisation_ppm", 0, 1000000, &m->utilisation_ppm)))
		return false;
	if (m->max_seconds < m->min_seconds)
		return rfail(r, PF_E_BAD_FIELD, "max_seconds", "must be at least min_seconds");
	return true;
}

static bool read_quote(struct reader *r, struct pf_quote *q)
{
	static const char *const names[] = {
	    "quote_id",		"ip1",	   "ip2",      "level",	   "rate_bps",
	    "seconds",		"amount",  "chain_id", "pay_to",   "client_key",
	    "expires_at",	"extends", "one_way",  "upgrades", "from_level",
	    "price_per_second", NULL};

	return only_members(r, names) && get_id(r, "quote_id", q->quote_id) &&
	       get_pair(r, q->ip1, q->ip2) &&
	       get_uint(r, "level", 0, PF_MAX_LEVELS - 1, &q->level) &&
	       get_uint(r, "rate_bps", 1, PF_INT_MAX, &q->rate_bps) &&
	       get_uint(r, "seconds", 1, PF_INT_MAX, &q->seconds) &&
	       get_amount(r, "amount", q->amount) &&
	       (!has(r, "price_per_second") ||
		get_amount(r, "price_per_second", q->price_per_second)) &&
	       get_uint(r, "chain_id", 1, PF_INT_MAX, &q->chain_id) &&
	       get_address(r, "pay_to", q->pay_to) && get_key(r, "client_key", q->client_key) &&
	       get_uint(r, "expires_at", 0, PF_INT_MAX, &q->expires_at) &&
	       get_opt_id(r, "extends", q->extends) && get_opt_bool(r, "one_way", &q->one_way) &&
	       get_opt_id(r, "upgrades", q->upgrades) &&
	       (q->upgrades[0] ? get_uint(r, "from_level", 1, PF_MAX_LEVELS - 1, &q->from_level)
			       : !has(r, "from_level") || rfail(r, PF_E_BAD_FIELD, "from_level",
								"goes only with upgrades"));
}

static bool read_confirm(struct reader *r, struct pf_confirm *c)
{
	static const char *const names[] = {
	    "reservation_id", "quote_id", "tx_hash", "ip1",	"ip2", "level",
	    "rate_bps",	      "start",	  "end",     "one_way", NULL};

	c->tx_hash[0] = '\0'; /* omitted: paid from the balance */
	if (!only_members(r, names) || !get_id(r, "reservation_id", c->reservation_id) ||
	    !get_id(r, "quote_id", c->quote_id) ||
	    (has(r, "tx_hash") && !get_tx_hash(r, "tx_hash", c->tx_hash)) ||
	    !get_pair(r, c->ip1, c->ip2) ||
	    !get_uint(r, "level", 0, PF_MAX_LEVELS - 1, &c->level) ||
	    !get_uint(r, "rate_bps", 1, PF_INT_MAX, &c->rate_bps) ||
	    !get_uint(r, "start", 0, PF_INT_MAX, &c->start) ||
	    !get_uint(r, "end", 0, PF_INT_MAX, &c->end) || !get_opt_bool(r, "one_way", &c->one_way))
		return false;
	if (c->end <= c->start)
		return rfail(r, PF_E_BAD_FIELD, "end", "must be after start");
	return true;
}

static bool read_pending(struct reader *r, struct pf_pending *p)
{
	static const char *const names[] = {"quote_id", "tx_hash", "confirmations", "required",
					    NULL};

	/* quote_id omitted: the PENDING answers a DEPOSIT */
	return only_members(r, names) && get_opt_id(r, "quote_id", p->quote_id) &&
	       get_tx_hash(r, "tx_hash", p->tx_hash) &&
	       get_uint(r, "confirmations", 0, PF_INT_MAX, &p->confirmations) &&
	       get_uint(r, "required", 1, PF_INT_MAX, &p->required);
}

static bool read_status_reply(struct reader *r, struct pf_status_reply *s)
{
	static const char *const names[] = {
	    "reservation_id", "ip1",   "ip2",	  "level",   "rate_bps", "start", "end", "now",
	    "active",	      "bytes", "packets", "one_way", NULL};

	if (!only_members(r, names) || !get_id(r, "reservation_id", s->reservation_id) ||
	    !get_pair(r, s->ip1, s->ip2) ||
	    !get_uint(r, "level", 0, PF_MAX_LEVELS - 1, &s->level) ||
	    !get_uint(r, "rate_bps", 1, PF_INT_MAX, &s->rate_bps) ||
	    !get_uint(r, "start", 0, PF_INT_MAX, &s->start) ||
	    !get_uint(r, "end", 0, PF_INT_MAX, &s->end) ||
	    !get_uint(r, "now", 0, PF_INT_MAX, &s->now) || !get_bool(r, "active", &s->active) ||
	    !get_uint(r, "bytes", 0, PF_INT_MAX, &s->bytes) ||
	    !get_uint(r, "packets", 0, PF_INT_MAX, &s->packets) ||
	    !get_opt_bool(r, "one_way", &s->one_way))
		return false;
	if (s->end <= s->start)
		return rfail(r, PF_E_BAD_FIELD, "end", "must be after start");
	return true;
}

static bool read_error(struct reader *r, struct pf_err_msg *e)
{
	static const char *const names[] = {"code", "message", NULL};
	const char *code, *text;
	size_t code_len, text_len;

	if (!only_members(r, names) || !get_str(r, "code", &code, &code_len) ||
	    !get_str(r, "message", &text, &text_len))
		return false;
	e->code = pf_err_from_name(code);
	if (e->code == PF_OK)
		return rfail(r, PF_E_BAD_FIELD, "code", "is not a v1 error code");
	if (text_len >= sizeof(e->text))
		return rfail(r, PF_E_BAD_FIELD, "message", "must be at most 255 bytes");
	for (size_t i = 0; i < text_len; i++)
		if (text[i] < 0x20 || text[i] > 0x7e)
			return rfail(r, PF_E_BAD_FIELD, "message", "must be printable ASCII");
	memcpy(e->text, text, text_len + 1);
	return true;
}

enum pf_err pf_msg_read_data(enum pf_msg_type type, struct json_object *data, struct pf_msg *out,
			     struct pf_err_msg *err)
{
	struct reader r = {data, pf_msg_type_name(type), err};
	bool ok = false;

	switch (type) {
	case PF_MSG_HELLO:
		ok = read_hello(&r, &out->hello);
		break;
	case PF_MSG_QUOTE_REQUEST:
		ok = read_quote_request(&r, &out->quote_request);
		break;
	case PF_MSG_ORDER:
		ok = read_order(&r, &out->order);
		break;
	case PF_MSG_STATUS:
		ok = read_status(&r, &out->status);
		break;
	case PF_MSG_DEPOSIT:
		ok = read_deposit(&r, &out->deposit);
		break;
	case PF_MSG_BALANCE:
		ok = read_balance(&r, &out->balance);
		break;
	case PF_MSG_CANCEL:
		ok = read_cancel(&r, &out->cancel);
		break;
	case PF_MSG_WITHDRAW:
		ok = read_withdraw(&r, &out->withdraw);
		break;
	case PF_MSG_BALANCE_REPLY:
		ok = read_balance_reply(&r, &out->balance_reply);
		break;
	case PF_MSG_MENU:
		ok = read_menu(&r, &out->menu);
		break;
	case PF_MSG_QUOTE:
		ok = read_quote(&r, &out->quote);
		break;
	case PF_MSG_CONFIRM:
		ok = read_confirm(&r, &out->confirm);
		break;
	case PF_MSG_PENDING:
		ok = read_pending(&r, &out->pending);
		break;
	case PF_MSG_STATUS_REPLY:
		ok = read_status_reply(&r, &out->status_reply);
		break;
	case PF_MSG_ERROR:
		ok = read_error(&r, &out->error);
		break;
	default:
		return pf_err_set(err, PF_E_INTERNAL, "no reader for message type %d", (int)type);
	}
	if (ok)
		out->type = type;
	return ok ? PF_OK : err->code;
}
