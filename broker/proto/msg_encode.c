// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Typed message -> signed frame. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/addr.h"
#include "broker/proto/frame.h"
#include "userspace/common/hex.h"
#include "broker/proto/json_strict.h"
#include "broker/proto/msg_fields.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void add_str(struct json_object *o, const char *name, const char *s)
{
	json_object_object_add(o, name, json_object_new_string(s));
}

/* Out-of-range values turn negative here and fail the re-read check. */
static void add_u64(struct json_object *o, const char *name, uint64_t v)
{
	json_object_object_add(o, name, json_object_new_int64((int64_t)v));
}

static void add_key(struct json_object *o, const char *name, const uint8_t key[PF_PUBKEY_BYTES])
{
	char hex[PF_PUBKEY_HEX + 1];

	pf_hex_encode(key, PF_PUBKEY_BYTES, hex);
	add_str(o, name, hex);
}

static void add_pair(struct json_object *o, const pf_ip_t ip1, const pf_ip_t ip2)
{
	char buf[PF_ADDR_STRLEN];

	add_str(o, "ip1", pf_addr_format(ip1, buf, sizeof(buf)));
	add_str(o, "ip2", pf_addr_format(ip2, buf, sizeof(buf)));
}

static void add_opt_id(struct json_object *o, const char *name, const char *id)
{
	if (id[0])
		add_str(o, name, id);
}

/* Optional flags are written only when true: a v1 peer never sees them. */
static void add_opt_true(struct json_object *o, const char *name, bool v)
{
	if (v)
		json_object_object_add(o, name, json_object_new_boolean(true));
}

static void build_menu(struct json_object *o, const struct pf_menu *m)
{
	struct json_object *levels = json_object_new_array();

	for (unsigned int i = 0; i < m->n_levels && i < PF_MAX_LEVELS; i++) {
		struct json_object *lv = json_object_new_object();

		add_u64(lv, "rate_bps", m->levels[i].rate_bps);
		add_str(lv, "price_per_second", m->levels[i].price_per_second);
		if (m->one_way && m->levels[i].price_per_second_one_way[0])
			add_str(lv, "price_per_second_one_way",
				m->levels[i].price_per_second_one_way);
		if (m->levels[i].price_base[0]) {
			add_str(lv, "price_base", m->levels[i].price_base);
			add_str(lv, "price_max", m->levels[i].price_max);
		}
		json_object_array_add(levels, lv);
	}
	json_object_object_add(o, "levels", levels);
	add_str(o, "currency", m->currency);
	add_u64(o, "decimals", m->decimals);
	add_u64(o, "chain_id", m->chain_id);
	add_str(o, "pay_to", m->pay_to);
	add_key(o, "broker_key", m->broker_key);
	add_u64(o, "min_seconds", m->min_seconds);
	add_u64(o, "max_seconds", m->max_seconds);
	add_u64(o, "quote_ttl", m->quote_ttl);
	for (unsigned int i = 0; i < m->n_levels && i < PF_MAX_LEVELS; i++)
		if (m->levels[i].price_base[0]) {
			add_u64(o, "utilisation_ppm", m->utilisation_ppm);
			break;
		}
}

static void build_quote(struct json_object *o, const struct pf_quote *q)
{
	add_str(o, "quote_id", q->quote_id);
	add_pair(o, q->ip1, q->ip2);
	add_u64(o, "level", q->level);
	add_u64(o, "rate_bps", q->rate_bps);
	add_u64(o, "seconds", q->seconds);
	add_str(o, "amount", q->amount);
	if (q->price_per_second[0])
		add_str(o, "price_per_second", q->price_per_second);
	add_u64(o, "chain_id", q->chain_id);
	add_str(o, "pay_to", q->pay_to);
	add_key(o, "client_key", q->client_key);
	add_u64(o, "expires_at", q->expires_at);
	add_opt_id(o, "extends", q->extends);
	add_opt_true(o, "one_way", q->one_way);
	add_opt_id(o, "upgrades", q->upgrades);
	if (q->upgrades[0])
		add_u64(o, "from_level", q->from_level);
}

static void build_confirm(struct json_object *o, const struct pf_confirm *c)
{
	add_str(o, "reservation_id", c->reservation_id);
	add_str(o, "quote_id", c->quote_id);
	if (c->tx_hash[0])
		add_str(o, "tx_hash", c->tx_hash);
	add_pair(o, c->ip1, c->ip2);
	add_u64(o, "level", c->level);
	add_u64(o, "rate_bps", c->rate_bps);
	add_u64(o, "start", c->start);
	add_u64(o, "end", c->end);
	add_opt_true(o, "one_way", c->one_way);
}

static void build_status_reply(struct json_object *o, const struct pf_status_reply *s)
{
	add_str(o, "reservation_id", s->reservation_id);
	add_pair(o, s->ip1, s->ip2);
	add_u64(o, "level", s->level);
	add_u64(o, "rate_bps", s->rate_bps);
	add_u64(o, "start", s->start);
	add_u64(o, "end", s->end);
	add_u64(o, "now", s->now);
	json_object_object_add(o, "active", json_object_new_boolean(s->active));
	add_u64(o, "bytes", s->bytes);
	add_u64(o, "packets", s->packets);
	add_opt_true(o, "one_way", s->one_way);
}

/* The payload object of m, in the member order of docs/PROTOCOL.md. */
static struct json_object *build_data(const struct pf_msg *m)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	switch (m->type) {
	case PF_MSG_HELLO:
		add_opt_true(o, "one_way", m->hello.one_way);
		break;
	case PF_MSG_QUOTE_REQUEST:
		add_pair(o, m->quote_request.ip1, m->quote_request.ip2);
		add_u64(o, "level", m->quote_request.level);
		add_u64(o, "seconds", m->quote_request.seconds);
		add_key(o, "client_key", m->quote_request.client_key);
		add_opt_id(o, "extends", m->quote_request.extends);
		add_opt_true(o, "one_way", m->quote_request.one_way);
		add_opt_id(o, "upgrades", m->quote_request.upgrades);
		break;
	case PF_MSG_ORDER:
		add_str(o, "quote_id", m->order.quote_id);
		if (!m->order.from_balance)
			add_str(o, "payer", m->order.payer);
		add_key(o, "client_key", m->order.client_key);
		if (m->order.from_balance)
			json_object_object_add(o, "from_balance", json_object_new_boolean(1));
		break;
	case PF_MSG_DEPOSIT:
		add_str(o, "payer", m->deposit.payer);
		add_key(o, "client_key", m->deposit.client_key);
		break;
	case PF_MSG_BALANCE:
		add_key(o, "client_key", m->balance.client_key);
		break;
	case PF_MSG_CANCEL:
		add_str(o, "reservation_id", m->cancel.reservation_id);
		add_key(o, "client_key", m->cancel.client_key);
		break;
	case PF_MSG_WITHDRAW:
		add_str(o, "withdrawal_id", m->withdraw.withdrawal_id);
		add_str(o, "amount", m->withdraw.amount);
		add_key(o, "client_key", m->withdraw.client_key);
		break;
	case PF_MSG_BALANCE_REPLY:
		add_key(o, "client_key", m->balance_reply.client_key);
		add_str(o, "balance", m->balance_reply.balance);
		add_str(o, "credited", m->balance_reply.credited);
		if (m->balance_reply.tx_hash[0])
			add_str(o, "tx_hash", m->balance_reply.tx_hash);
		if (m->balance_reply.withdrawn[0])
			add_str(o, "withdrawn", m->balance_reply.withdrawn);
		break;
	case PF_MSG_STATUS:
		if (m->status.reservation_id[0])
			add_str(o, "reservation_id", m->status.reservation_id);
		else
			add_pair(o, m->status.ip1, m->status.ip2);
		break;
	case PF_MSG_MENU:
		build_menu(o, &m->menu);
		break;
	case PF_MSG_QUOTE:
		build_quote(o, &m->quote);
		break;
	case PF_MSG_CONFIRM:
		build_confirm(o, &m->confirm);
		break;
	case PF_MSG_PENDING:
		add_opt_id(o, "quote_id", m->pending.quote_id);
		add_str(o, "tx_hash", m->pending.tx_hash);
		add_u64(o, "confirmations", m->pending.confirmations);
		add_u64(o, "required", m->pending.required);
		break;
	case PF_MSG_STATUS_REPLY:
		build_status_reply(o, &m->status_reply);
		break;
	case PF_MSG_ERROR:
		add_str(o, "code", pf_err_name(m->error.code) ? pf_err_name(m->error.code) : "");
		add_str(o, "message", m->error.text);
		break;
	default:
		break;
	}
	return o;
}

/* Runs the decoder's field checks over the data we are about to send. */
static bool data_is_valid(enum pf_msg_type type, const char *text, size_t len)
{
	struct pf_err_msg err;
	struct json_object *back = pf_json_parse_object(text, len, "data", &err);
	struct pf_msg *scratch;
	bool ok;

	if (!back)
		return false;
	scratch = calloc(1, sizeof(*scratch));
	ok = scratch && pf_msg_read_data(type, back, scratch, &err) == PF_OK;
	free(scratch);
	json_object_put(back);
	return ok;
}

static char *frame_text(const char *type, const char *data, size_t data_len, const char *sig,
			const char *verification, size_t *len)
{
	struct json_object *env = json_object_new_object();
	const char *text;
	char *frame = NULL;
	size_t n;

	if (!env)
		return NULL;
	add_str(env, "message_type", type);
	json_object_object_add(env, "data", json_object_new_string_len(data, (int)data_len));
	add_str(env, "signature", sig);
	add_str(env, "verification", verification);
	text = json_object_to_json_string_ext(env, JSON_FLAGS);
	n = text ? strlen(text) : 0;
	if (!text)
		errno = ENOMEM;
	else if (n + 1 > PF_FRAME_MAX)
		errno = EMSGSIZE;
	else if ((frame = malloc(n + 2))) {
		memcpy(frame, text, n);
		frame[n] = '\n';
		frame[n + 1] = '\0';
		*len = n + 1;
	}
	json_object_put(env);
	return frame;
}

/* A copy of m with the signer's public key in the field that names it. */
static int stamp_signer(struct pf_msg *m, const struct pf_keypair *signer)
{
	uint8_t *field = NULL;

	if (m->type == PF_MSG_QUOTE_REQUEST)
		field = m->quote_request.client_key;
	else if (m->type == PF_MSG_ORDER)
		field = m->order.client_key;
	else if (m->type == PF_MSG_DEPOSIT)
		field = m->deposit.client_key;
	else if (m->type == PF_MSG_BALANCE)
		field = m->balance.client_key;
	else if (m->type == PF_MSG_CANCEL)
		field = m->cancel.client_key;
	else if (m->type == PF_MSG_WITHDRAW)
		field = m->withdraw.client_key;
	else if (m->type == PF_MSG_MENU)
		field = m->menu.broker_key;
	if (m->type != PF_MSG_HELLO && m->type != PF_MSG_STATUS && !signer)
		return -EINVAL;
	if (field)
		memcpy(field, signer->pk, PF_PUBKEY_BYTES);
	return 0;
}

char *pf_msg_encode(const struct pf_msg *in, const struct pf_keypair *signer, size_t *len)
{
	const char *type = pf_msg_type_name(in->type), *verification = "", *data;
	char sig_hex[PF_SIG_HEX + 1] = "";
	uint8_t sig[PF_SIG_BYTES];
	struct json_object *obj = NULL;
	struct pf_msg *m = NULL;
	char *frame = NULL;
	size_t data_len;

	if (!type) {
		errno = EINVAL;
		return NULL;
	}
	m = malloc(sizeof(*m));
	if (!m)
		return NULL;
	*m = *in;
	if (stamp_signer(m, signer)) {
		errno = EINVAL;
		goto out;
	}
	if (m->type == PF_MSG_ORDER || m->type == PF_MSG_DEPOSIT) {
		verification = m->type == PF_MSG_ORDER ? m->order.tx_hash : m->deposit.tx_hash;
		if (m->type == PF_MSG_ORDER && m->order.from_balance != !verification[0]) {
			errno = EINVAL;
			goto out;
		}
		if (verification[0] && !pf_tx_hash_valid(verification, strlen(verification))) {
			errno = EINVAL;
			goto out;
		}
	}
	obj = build_data(m);
	data = obj ? json_object_to_json_string_ext(obj, JSON_FLAGS) : NULL;
	if (!data) {
		errno = ENOMEM;
		goto out;
	}
	data_len = strlen(data);
	if (!data_is_valid(m->type, data, data_len)) {
		errno = EINVAL;
		goto out;
	}
	if (m->type != PF_MSG_HELLO && m->type != PF_MSG_STATUS) {
		if (pf_sign(signer, type, data, data_len, verification, sig)) {
			errno = ENOMEM;
			goto out;
		}
		pf_hex_encode(sig, sizeof(sig), sig_hex);
	}
	frame = frame_text(type, data, data_len, sig_hex, verification, len);
out:
	json_object_put(obj);
	free(m);
	return frame;
}

char *pf_msg_encode_error(const struct pf_err_msg *e, const struct pf_keypair *broker, size_t *len)
{
	struct pf_msg m = {.type = PF_MSG_ERROR};

	/* pf_err_set keeps the text printable ASCII, as the decoder requires. */
	pf_err_set(&m.error, e->code, "%s", e->text[0] ? e->text : pf_err_default_text(e->code));
	return pf_msg_encode(&m, broker, len);
}
