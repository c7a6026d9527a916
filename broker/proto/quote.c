// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "userspace/common/hex.h"
#include "broker/proto/quote.h"

void pf_id_new(char out[PF_ID_HEX + 1])
{
	uint8_t id[PF_ID_BYTES];

	if (sodium_init() < 0)
		abort(); /* no randomness: nothing safe to return */
	randombytes_buf(id, sizeof(id));
	pf_hex_encode(id, sizeof(id), out);
}

bool pf_quote_id_valid(const char *id)
{
	return id && pf_hex_valid(id, strlen(id), PF_ID_HEX);
}

int pf_quote_input_hex(const char *quote_id_hex, char *buf, size_t len)
{
	if (!pf_quote_id_valid(quote_id_hex))
		return -EINVAL;
	if (len < PF_QUOTE_INPUT_HEX_LEN + 1) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	buf[0] = '0';
	buf[1] = 'x';
	pf_hex_lower(quote_id_hex, PF_ID_HEX, buf + 2);
	return PF_QUOTE_INPUT_HEX_LEN;
}

int pf_quote_id_in_input(const char *input_hex, const char *quote_id_hex)
{
	size_t len;

	if (!pf_quote_id_valid(quote_id_hex) || !input_hex || !pf_hex_has_prefix(input_hex))
		return -1;
	input_hex += 2;
	len = strlen(input_hex);
	if (len % 2 || !pf_hex_valid(input_hex, len, len))
		return -1;
	/* Byte-aligned search: even hex offsets only. */
	for (size_t i = 0; i + PF_ID_HEX <= len; i += 2)
		if (!strncasecmp(input_hex + i, quote_id_hex, PF_ID_HEX))
			return 1;
	return 0;
}

enum pf_err pf_check_quote_request(const struct pf_menu *menu, const struct pf_quote_request *req,
				   struct pf_err_msg *err)
{
	if (req->level >= menu->n_levels)
		return pf_err_set(err, PF_E_LEVEL_OUT_OF_RANGE,
				  "level %llu does not exist: the menu has levels 0..%u",
				  (unsigned long long)req->level, menu->n_levels - 1);
	if (req->level == 0)
		return pf_err_set(err, PF_E_LEVEL_OUT_OF_RANGE,
				  "level 0 is free best effort and is not sold: buy level 1..%u",
				  menu->n_levels - 1);
	if (req->one_way && !menu->levels[req->level].price_per_second_one_way[0])
		return pf_err_set(err, PF_E_LEVEL_OUT_OF_RANGE,
				  "level %llu is not sold one way: buy it both ways, or a level "
				  "with a one-way price",
				  (unsigned long long)req->level);
	if (req->seconds < menu->min_seconds || req->seconds > menu->max_seconds)
		return pf_err_set(
		    err, PF_E_SECONDS_OUT_OF_RANGE, "seconds %llu is outside %llu..%llu",
		    (unsigned long long)req->seconds, (unsigned long long)menu->min_seconds,
		    (unsigned long long)menu->max_seconds);
	return PF_OK;
}

/* The price per second the request pays: its level's, one way or both ways. */
static const char *price_of(const struct pf_menu *menu, const struct pf_quote_request *req)
{
	const struct pf_level *lv = &menu->levels[req->level];

	return req->one_way ? lv->price_per_second_one_way : lv->price_per_second;
}

enum pf_err pf_quote_build(const struct pf_menu *menu, const struct pf_quote_request *req,
			   uint64_t now, struct pf_quote *q, struct pf_err_msg *err)
{
	const struct pf_level *lv;

	if (pf_check_quote_request(menu, req, err))
		return err->code;
	lv = &menu->levels[req->level];
	memset(q, 0, sizeof(*q));
	pf_id_new(q->quote_id);
	memcpy(q->ip1, req->ip1, sizeof(q->ip1));
	memcpy(q->ip2, req->ip2, sizeof(q->ip2));
	q->level = req->level;
	q->rate_bps = lv->rate_bps;
	q->seconds = req->seconds;
	q->one_way = req->one_way;
	if (pf_amount_mul(price_of(menu, req), req->seconds, q->amount))
		return pf_err_set(err, PF_E_INTERNAL, "price of level %llu is not a valid amount",
				  (unsigned long long)req->level);
	q->chain_id = menu->chain_id;
	memcpy(q->pay_to, menu->pay_to, sizeof(q->pay_to));
	memcpy(q->client_key, req->client_key, sizeof(q->client_key));
	q->expires_at = now + menu->quote_ttl;
	memcpy(q->extends, req->extends, sizeof(q->extends));
	return PF_OK;
}

static enum pf_err differs(struct pf_err_msg *err, const char *what)
{
	return pf_err_set(err, PF_E_BAD_FIELD, "QUOTE: %s differs from the request or menu", what);
}

enum pf_err pf_quote_matches(const struct pf_menu *menu, const struct pf_quote_request *req,
			     const struct pf_quote *q, struct pf_err_msg *err)
{
	char amount[PF_AMOUNT_MAX];

	if (pf_check_quote_request(menu, req, err))
		return err->code;
	if (memcmp(q->ip1, req->ip1, sizeof(q->ip1)) || memcmp(q->ip2, req->ip2, sizeof(q->ip2)))
		return differs(err, "the pair");
	if (q->level != req->level || q->rate_bps != menu->levels[req->level].rate_bps)
		return differs(err, "the level or its rate");
	if (q->seconds != req->seconds)
		return differs(err, "seconds");
	if (memcmp(q->client_key, req->client_key, sizeof(q->client_key)))
		return differs(err, "client_key");
	if (strcmp(q->extends, req->extends))
		return differs(err, "extends");
	if (q->one_way != req->one_way)
		return differs(err, "one_way");
	if (q->chain_id != menu->chain_id || strcmp(q->pay_to, menu->pay_to))
		return differs(err, "the chain or payment address");
	if (pf_amount_mul(price_of(menu, req), q->seconds, amount) || strcmp(amount, q->amount))
		return pf_err_set(
		    err, PF_E_BAD_FIELD, "QUOTE: amount %s is not %s x seconds = %s", q->amount,
		    req->one_way ? "price_per_second_one_way" : "price_per_second", amount);
	return PF_OK;
}
