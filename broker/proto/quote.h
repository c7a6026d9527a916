/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Quotes: ids, building a QUOTE from a MENU and a QUOTE_REQUEST (broker),
 * checking a received QUOTE against both (client), and the rule that ties a
 * payment to its quote: the transaction's input data carries the 16 bytes
 * of the quote id (docs/PROTOCOL.md, "Paying a quote").
 */
#ifndef PF_QUOTE_H
#define PF_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include "broker/proto/messages.h"

/* A plain transfer's input: "0x" and the quote id (PF_ID_HEX digits). */
#define PF_QUOTE_INPUT_HEX_LEN (2 + PF_ID_HEX)

/* A fresh random 16-byte id as 32 lowercase hex digits (quote or reservation). */
void pf_id_new(char out[PF_ID_HEX + 1]);

/* True when id is a quote (or reservation) id: exactly 32 hex digits, either case. */
bool pf_quote_id_valid(const char *id);

/*
 * Writes the input a plain transfer paying quote_id_hex carries, "0x" and
 * the id in lowercase (PF_QUOTE_INPUT_HEX_LEN characters), into buf. Returns
 * the length, -EINVAL for an invalid quote id, or -ENOSPC if
 * len < PF_QUOTE_INPUT_HEX_LEN + 1.
 */
int pf_quote_input_hex(const char *quote_id_hex, char *buf, size_t len);

/*
 * 1 when the transaction input (JSON-RPC form: "0x" then hex digits, either
 * case) holds the quote id's 16 bytes at some byte offset, 0 when it does
 * not, -1 when input_hex or quote_id_hex is malformed or NULL.
 */
int pf_quote_id_in_input(const char *input_hex, const char *quote_id_hex);

/* Menu limits (a one-way request needs a level with a one-way price):
 * PF_E_LEVEL_OUT_OF_RANGE or PF_E_SECONDS_OUT_OF_RANGE, else PF_OK. */
enum pf_err pf_check_quote_request(const struct pf_menu *menu, const struct pf_quote_request *req,
				   struct pf_err_msg *err);

/*
 * Fills q for req under menu at unix time now: a new quote id, the level's
 * rate, amount = price_per_second (one way: price_per_second_one_way) x
 * seconds, expires_at = now + quote_ttl.
 * Checks req against the menu first.
 */
enum pf_err pf_quote_build(const struct pf_menu *menu, const struct pf_quote_request *req,
			   uint64_t now, struct pf_quote *q, struct pf_err_msg *err);
/*
 * The same for seconds the broker decides: an upgrade (req->upgrades) of a
 * reservation at from_level with seconds left pays (price of req->level -
 * price of from_level) x seconds, exact; PF_E_LOWER_OR_SAME_LEVEL unless
 * req->level > from_level, PF_E_NOT_UPGRADABLE unless it is dearer.
 */
enum pf_err pf_quote_build_for(const struct pf_menu *menu, const struct pf_quote_request *req,
			       uint64_t from_level, uint64_t seconds, uint64_t now,
			       struct pf_quote *q, struct pf_err_msg *err);

/*
 * Client side: q answers req under menu (same pair, level, seconds, key,
 * extends, upgrades, one_way; the menu's rate, chain and address; the right
 * amount: for an upgrade, the levels' difference x the quote's seconds).
 * PF_E_BAD_FIELD naming the first difference, else PF_OK.
 */
enum pf_err pf_quote_matches(const struct pf_menu *menu, const struct pf_quote_request *req,
			     const struct pf_quote *q, struct pf_err_msg *err);

#endif /* PF_QUOTE_H */
