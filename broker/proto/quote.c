// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
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
	if (req->upgrades[0]) /* the seconds are the reservation's: none asked */
		return PF_OK;
	if (req->seconds < menu->min_seconds || req->seconds > menu->max_seconds)
		return pf_err_set(
		    err, PF_E_SECONDS_OUT_OF_RANGE, "seconds %llu is outside %llu..%llu",
		    (unsigned long long)req->seconds, (unsigned long long)menu->min_seconds,
		    (unsigned long long)menu->max_seconds);
	return PF_OK;
}

/* The price per second of level for the request's direction. */
static const char *price_of(const struct pf_menu *menu, const struct pf_quote_request *req,
			    uint64_t level)
{
	const struct pf_level *lv = &menu->levels[level];

	return req->one_way ? lv->price_per_second_one_way : lv->price_per_second;
}

/* What a second of the request costs: its level's price, or for an upgrade
 * from from_level the difference of the two levels' prices (> 0). */
static enum pf_err price_per_second(const struct pf_menu *menu, const struct pf_quote_request *req,
				    uint64_t from_level, char out[PF_AMOUNT_MAX],
				    struct pf_err_msg *err)
{
	if (!req->upgrades[0]) {
		snprintf(out, PF_AMOUNT_MAX, "%s", price_of(menu, req, req->level));
		return PF_OK;
	}
	if (from_level < 1 || from_level >= menu->n_levels || req->level <= from_level)
		return pf_err_set(err, PF_E_LOWER_OR_SAME_LEVEL,
				  "reservation %s is level %llu: upgrade it to a level above that, "
				  "not to %llu",
				  req->upgrades, (unsigned long long)from_level,
				  (unsigned long long)req->level);
	if (!price_of(menu, req, from_level)[0] ||
	    pf_amount_sub(price_of(menu, req, req->level), price_of(menu, req, from_level), out) ||
	    !strcmp(out, "0"))
		return pf_err_set(err, PF_E_NOT_UPGRADABLE,
				  "level %llu is not dearer than level %llu: nothing to pay for",
				  (unsigned long long)req->level, (unsigned long long)from_level);
	return PF_OK;
}

enum pf_err pf_quote_build_for(const struct pf_menu *menu, const struct pf_quote_request *req,
			       uint64_t from_level, uint64_t seconds, uint64_t now,
			       struct pf_quote *q, struct pf_err_msg *err)
{
	char price[PF_AMOUNT_MAX];

	if (pf_check_quote_request(menu, req, err) ||
	    price_per_second(menu, req, from_level, price, err))
		return err->code;
	memset(q, 0, sizeof(*q));
	pf_id_new(q->quote_id);
	memcpy(q->ip1, req->ip1, sizeof(q->ip1));
	memcpy(q->ip2, req->ip2, sizeof(q->ip2));
	q->level = req->level;
	q->rate_bps = menu->levels[req->level].rate_bps;
	q->seconds = seconds;
	q->one_way = req->one_way;
	snprintf(q->price_per_second, sizeof(q->price_per_second), "%s", price);
	if (pf_amount_mul(price, seconds, q->amount))
		return pf_err_set(err, PF_E_INTERNAL, "price of level %llu is not a valid amount",
				  (unsigned long long)req->level);
	q->chain_id = menu->chain_id;
	memcpy(q->pay_to, menu->pay_to, sizeof(q->pay_to));
	memcpy(q->client_key, req->client_key, sizeof(q->client_key));
	q->expires_at = now + menu->quote_ttl;
	memcpy(q->extends, req->extends, sizeof(q->extends));
	memcpy(q->upgrades, req->upgrades, sizeof(q->upgrades));
	q->from_level = req->upgrades[0] ? from_level : 0;
	return PF_OK;
}

enum pf_err pf_quote_build(const struct pf_menu *menu, const struct pf_quote_request *req,
			   uint64_t now, struct pf_quote *q, struct pf_err_msg *err)
{
	return pf_quote_build_for(menu, req, 0, req->seconds, now, q, err);
}

/* A level whose both-way price follows demand (MENU price_base, price_max). */
static bool demand_level(const struct pf_menu *menu, const struct pf_quote_request *req,
			 uint64_t level)
{
	return !req->one_way && level < menu->n_levels && menu->levels[level].price_base[0];
}

/* The quote's price was set by the broker's utilisation, not read off the MENU. */
static bool follows_demand(const struct pf_menu *menu, const struct pf_quote_request *req,
			   uint64_t from_level)
{
	return demand_level(menu, req, req->level) ||
	       (req->upgrades[0] && demand_level(menu, req, from_level));
}

/* Lowest and highest price per second of level: its fixed price, or price_base..price_max. */
static void level_bounds(const struct pf_menu *menu, const struct pf_quote_request *req,
			 uint64_t level, struct pf_u256 *lo, struct pf_u256 *hi)
{
	const struct pf_level *lv = &menu->levels[level];
	bool demand = demand_level(menu, req, level);

	if (pf_u256_parse_dec(demand ? lv->price_base : price_of(menu, req, level), lo) ||
	    pf_u256_parse_dec(demand ? lv->price_max : price_of(menu, req, level), hi)) {
		pf_u256_from_u64(lo, 1); /* an empty range: nothing passes */
		pf_u256_from_u64(hi, 0);
	}
}

/* q's price_per_second is within what the MENU allows: [base, max] of its level, or
 * for an upgrade above 0 and at most max of the new level - base of the old. */
static enum pf_err demand_price_ok(const struct pf_menu *menu, const struct pf_quote_request *req,
				   const struct pf_quote *q)
{
	struct pf_u256 p, lo, hi, flo, fhi;

	if (!q->price_per_second[0] || pf_u256_parse_dec(q->price_per_second, &p) ||
	    q->from_level >= menu->n_levels)
		return PF_E_BAD_FIELD;
	level_bounds(menu, req, req->level, &lo, &hi);
	if (req->upgrades[0]) {
		level_bounds(menu, req, q->from_level, &flo, &fhi);
		if (pf_u256_sub(&hi, &flo, &hi))
			return PF_E_BAD_FIELD;
		pf_u256_from_u64(&lo, 1);
	}
	return pf_u256_cmp(&p, &lo) < 0 || pf_u256_cmp(&p, &hi) > 0 ? PF_E_BAD_FIELD : PF_OK;
}

static enum pf_err differs(struct pf_err_msg *err, const char *what)
{
	return pf_err_set(err, PF_E_BAD_FIELD, "QUOTE: %s differs from the request or menu", what);
}

enum pf_err pf_quote_matches(const struct pf_menu *menu, const struct pf_quote_request *req,
			     const struct pf_quote *q, struct pf_err_msg *err)
{
	char amount[PF_AMOUNT_MAX], price[PF_AMOUNT_MAX];

	if (pf_check_quote_request(menu, req, err))
		return err->code;
	if (memcmp(q->ip1, req->ip1, sizeof(q->ip1)) || memcmp(q->ip2, req->ip2, sizeof(q->ip2)))
		return differs(err, "the pair");
	if (q->level != req->level || q->rate_bps != menu->levels[req->level].rate_bps)
		return differs(err, "the level or its rate");
	if (req->upgrades[0] ? !q->seconds : q->seconds != req->seconds)
		return differs(err, "seconds");
	if (strcmp(q->upgrades, req->upgrades))
		return differs(err, "upgrades");
	if (memcmp(q->client_key, req->client_key, sizeof(q->client_key)))
		return differs(err, "client_key");
	if (strcmp(q->extends, req->extends))
		return differs(err, "extends");
	if (q->one_way != req->one_way)
		return differs(err, "one_way");
	if (q->chain_id != menu->chain_id || strcmp(q->pay_to, menu->pay_to))
		return differs(err, "the chain or payment address");
	if (follows_demand(menu, req, q->from_level)) {
		if (demand_price_ok(menu, req, q) != PF_OK)
			return differs(
			    err, "price_per_second (outside the MENU's price_base..price_max)");
		snprintf(price, sizeof(price), "%s", q->price_per_second);
	} else if (price_per_second(menu, req, q->from_level, price, err)) {
		return err->code;
	}
	if (q->price_per_second[0] && strcmp(q->price_per_second, price))
		return differs(err, "price_per_second");
	if (pf_amount_mul(price, q->seconds, amount) || strcmp(amount, q->amount))
		return pf_err_set(err, PF_E_BAD_FIELD,
				  "QUOTE: amount %s is not %s%s x seconds = %s", q->amount,
				  req->one_way ? "price_per_second_one_way" : "price_per_second",
				  req->upgrades[0] ? " (the levels' difference)" : "", amount);
	return PF_OK;
}
