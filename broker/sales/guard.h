/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The broker's per-client limits (docs/PROTOCOL.md, "Limits per client"):
 * a client is both its source address and its client key, and every limit
 * applies to each. QUOTE_REQUESTs draw from a token bucket; live capacity
 * holds and running ledger checks are capped; at most one ledger check per
 * quote runs at a time; ORDERs that cannot be valid earn strikes, and
 * block_after strikes within block_window_s block the client for block_s
 * (as Floodgate blacklists cheating peers). Memory only: a restart forgets
 * it (holds made before then lapse on their own).
 *
 * Times are CLOCK_MONOTONIC ns passed in by the caller. Refusals return
 * -EAGAIN (limit reached), -EBUSY (a check of the quote is running) or
 * -EPERM (blocked), with the reason in pf_last_error().
 */
#ifndef PF_GUARD_H
#define PF_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_guard_limits {
	uint32_t quote_rate_milli; /* QUOTE_REQUESTs per second x 1000, per address and per key */
	uint32_t quote_burst;
	uint32_t holds_per_addr, holds_per_key;
	uint32_t checks_per_addr, checks_per_key;
	uint32_t block_after; /* 0 = never block */
	uint32_t block_window_s, block_s;
};

enum pf_guard_kind {
	PF_GUARD_ADDR, /* 16 bytes, IPv4 as ::ffff:a.b.c.d */
	PF_GUARD_KEY,  /* 32-byte ed25519 public key */
};

struct pf_guard;

/* Is hold_id still a live capacity hold? (the owner's table knows) */
typedef bool (*pf_guard_live_fn)(void *ctx, uint64_t hold_id);

int pf_guard_new(struct pf_guard **out, const struct pf_guard_limits *l);
void pf_guard_free(struct pf_guard *g);
/* New limits (a reload); what clients hold and their strikes stay. */
void pf_guard_set_limits(struct pf_guard *g, const struct pf_guard_limits *l);

/* A QUOTE_REQUEST from addr signed by key: takes one token from each bucket. */
int pf_guard_quote(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32], uint64_t now);
/*
 * Room for one more hold for pair (32 bytes) from addr and key. A live hold
 * this key already has for the pair is named in *replace (0 if none): the
 * caller drops it, and it does not count against the caps.
 */
int pf_guard_hold_room(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32],
		       const uint8_t pair[32], pf_guard_live_fn live, void *ctx, uint64_t *replace);
/* Counts a placed hold (after pf_guard_hold_room said yes). */
void pf_guard_hold_add(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32],
		       const uint8_t pair[32], uint64_t hold_id);

/* A hold that was paid for: it no longer counts against the caps. */
void pf_guard_hold_paid(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32],
			uint64_t hold_id);

/* A ledger check of quote_id for addr and key may start; pair with _check_end. */
int pf_guard_check_begin(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32],
			 const char *quote_id, uint64_t now);
void pf_guard_check_end(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32],
			const char *quote_id);

/* -EPERM when addr or key (NULL: not known) is blocked now. */
int pf_guard_admit(struct pf_guard *g, const uint8_t addr[16], const uint8_t *key, uint64_t now);
/*
 * An ORDER that cannot be valid. tag identifies what it named (e.g. a hash of
 * its transaction): the same tag twice in a row is one strike, so a buyer
 * asking again about its own unseen payment is not punished. 0 = always.
 */
void pf_guard_strike(struct pf_guard *g, const uint8_t addr[16], const uint8_t *key, uint64_t tag,
		     uint64_t now);

struct pf_guard_block {
	enum pf_guard_kind kind;
	uint8_t id[32];
	uint64_t until; /* CLOCK_MONOTONIC ns */
	uint32_t strikes;
};
/* The blocks in force at now: fills up to max, returns how many there are. */
size_t pf_guard_blocks(struct pf_guard *g, uint64_t now, struct pf_guard_block *out, size_t max);
/* Lifts a block (and forgets the strikes). -ENOENT if it was not blocked. */
int pf_guard_unblock(struct pf_guard *g, enum pf_guard_kind kind, const uint8_t *id, uint64_t now);
/* Forgets clients with nothing to remember; returns how many remain. */
size_t pf_guard_sweep(struct pf_guard *g, uint64_t now, pf_guard_live_fn live, void *ctx);

#endif /* PF_GUARD_H */
