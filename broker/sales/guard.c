// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The broker's per-client limits (guard.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "broker/sales/guard.h"
#include "userspace/common/error.h"

#define NS	1000000000ULL
#define BUCKETS 1024

struct held {
	uint64_t hold_id;
	uint8_t pair[32];
};

/* One address or one client key. */
struct client {
	uint8_t kind;
	uint8_t id[32];
	uint64_t tokens_milli; /* bucket fill x 1000 */
	uint64_t tokens_at;
	struct held *holds; /* up to the kind's hold cap, allocated on first use */
	uint32_t n_holds;
	uint32_t checks;
	char (*quotes)[33]; /* keys: the quotes being checked */
	uint32_t strikes;
	uint64_t strikes_from, last_tag, blocked_until;
	struct client *next;
};

struct pf_guard {
	struct pf_guard_limits l;
	struct client *b[BUCKETS];
};

int pf_guard_new(struct pf_guard **out, const struct pf_guard_limits *l)
{
	struct pf_guard *g = calloc(1, sizeof(*g));

	if (!g)
		return pf_fail(-ENOMEM, "out of memory");
	g->l = *l;
	*out = g;
	return 0;
}

static void client_free(struct client *c)
{
	free(c->holds);
	free(c->quotes);
	free(c);
}

void pf_guard_set_limits(struct pf_guard *g, const struct pf_guard_limits *l)
{
	g->l = *l;
}

void pf_guard_free(struct pf_guard *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < BUCKETS; i++)
		while (g->b[i]) {
			struct client *c = g->b[i];

			g->b[i] = c->next;
			client_free(c);
		}
	free(g);
}

static size_t id_len(enum pf_guard_kind kind)
{
	return kind == PF_GUARD_ADDR ? 16 : 32;
}

static size_t bucket(enum pf_guard_kind kind, const uint8_t *id)
{
	uint32_t h = 2166136261u ^ kind; /* FNV-1a */

	for (size_t i = 0; i < id_len(kind); i++)
		h = (h ^ id[i]) * 16777619u;
	return h % BUCKETS;
}

static struct client *find(struct pf_guard *g, enum pf_guard_kind kind, const uint8_t *id)
{
	for (struct client *c = g->b[bucket(kind, id)]; c; c = c->next)
		if (c->kind == kind && !memcmp(c->id, id, id_len(kind)))
			return c;
	return NULL;
}

/* The client's record, made on first sight; NULL when out of memory. */
static struct client *get(struct pf_guard *g, enum pf_guard_kind kind, const uint8_t *id,
			  uint64_t now)
{
	struct client *c = find(g, kind, id);
	size_t b = bucket(kind, id);

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->kind = kind;
	memcpy(c->id, id, id_len(kind));
	c->tokens_milli = (uint64_t)g->l.quote_burst * 1000;
	c->tokens_at = now;
	c->next = g->b[b];
	g->b[b] = c;
	return c;
}

static const char *who(const struct client *c)
{
	return c->kind == PF_GUARD_ADDR ? "your address" : "your client key";
}

static void refill(const struct pf_guard *g, struct client *c, uint64_t now)
{
	uint64_t cap = (uint64_t)g->l.quote_burst * 1000;
	uint64_t add = (now - c->tokens_at) / 1000000 * g->l.quote_rate_milli / 1000;

	if (now <= c->tokens_at)
		return;
	c->tokens_milli = c->tokens_milli + add > cap ? cap : c->tokens_milli + add;
	if (add || c->tokens_milli == cap)
		c->tokens_at = now;
}

static int blocked(const struct client *c, uint64_t now)
{
	if (c->blocked_until <= now)
		return 0;
	return pf_fail(-EPERM,
		       "%s is blocked for %llu s more after repeated ORDERs that cannot be valid",
		       who(c), (unsigned long long)((c->blocked_until - now + NS - 1) / NS));
}

int pf_guard_admit(struct pf_guard *g, const uint8_t addr[16], const uint8_t *key, uint64_t now)
{
	struct client *a = find(g, PF_GUARD_ADDR, addr);
	struct client *k = key ? find(g, PF_GUARD_KEY, key) : NULL;

	return (a ? blocked(a, now) : 0) ?: (k ? blocked(k, now) : 0);
}

int pf_guard_quote(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32], uint64_t now)
{
	struct client *c[2];
	int err = pf_guard_admit(g, addr, key, now);

	if (err)
		return err;
	/* The address first: a flood of fresh keys stops there, before it costs records. */
	c[0] = get(g, PF_GUARD_ADDR, addr, now);
	c[1] = c[0] ? get(g, PF_GUARD_KEY, key, now) : NULL;
	if (!c[1])
		return pf_fail(-ENOMEM, "out of memory");
	for (int i = 0; i < 2; i++) {
		refill(g, c[i], now);
		if (c[i]->tokens_milli < 1000)
			return pf_fail(
			    -EAGAIN,
			    "%s sent more than %u QUOTE_REQUESTs in a burst (then %u.%03u "
			    "per second); wait and retry",
			    who(c[i]), g->l.quote_burst, g->l.quote_rate_milli / 1000,
			    g->l.quote_rate_milli % 1000);
	}
	c[0]->tokens_milli -= 1000;
	c[1]->tokens_milli -= 1000;
	return 0;
}

/* Forgets holds that ended (granted, dropped or lapsed). */
static void prune(struct client *c, pf_guard_live_fn live, void *ctx)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->n_holds; i++)
		if (live(ctx, c->holds[i].hold_id))
			c->holds[n++] = c->holds[i];
	c->n_holds = n;
}

static void forget_hold(struct client *c, uint64_t hold_id)
{
	for (uint32_t i = 0; c && i < c->n_holds; i++)
		if (c->holds[i].hold_id == hold_id) {
			c->holds[i] = c->holds[--c->n_holds];
			return;
		}
}

int pf_guard_hold_room(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32],
		       const uint8_t pair[32], pf_guard_live_fn live, void *ctx, uint64_t *replace)
{
	struct client *a = find(g, PF_GUARD_ADDR, addr), *k = find(g, PF_GUARD_KEY, key);

	*replace = 0;
	if (a)
		prune(a, live, ctx);
	if (k)
		prune(k, live, ctx);
	for (uint32_t i = 0; k && i < k->n_holds; i++)
		if (!memcmp(k->holds[i].pair, pair, 32))
			*replace = k->holds[i].hold_id;
	if (*replace) { /* the new quote takes its place */
		forget_hold(a, *replace);
		forget_hold(k, *replace);
	}
	if (a && a->n_holds >= g->l.holds_per_addr)
		return pf_fail(
		    -EAGAIN,
		    "your address has %u unpaid quotes holding capacity (the limit); pay "
		    "one or wait until their holds lapse",
		    a->n_holds);
	if (k && k->n_holds >= g->l.holds_per_key)
		return pf_fail(-EAGAIN,
			       "your client key has %u unpaid quotes holding capacity (the limit); "
			       "pay one or wait until their holds lapse",
			       k->n_holds);
	return 0;
}

static void add_held(const struct pf_guard *g, struct client *c, const uint8_t pair[32],
		     uint64_t hold_id)
{
	uint32_t cap = c->kind == PF_GUARD_ADDR ? g->l.holds_per_addr : g->l.holds_per_key;

	if (!c->holds)
		c->holds = calloc(cap, sizeof(*c->holds));
	if (!c->holds || c->n_holds >= cap)
		return; /* uncounted: it lapses on its own */
	c->holds[c->n_holds].hold_id = hold_id;
	memcpy(c->holds[c->n_holds++].pair, pair, 32);
}

void pf_guard_hold_add(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32],
		       const uint8_t pair[32], uint64_t hold_id)
{
	struct client *a = find(g, PF_GUARD_ADDR, addr), *k = find(g, PF_GUARD_KEY, key);

	if (a)
		add_held(g, a, pair, hold_id);
	if (k)
		add_held(g, k, pair, hold_id);
}

void pf_guard_hold_paid(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32],
			uint64_t hold_id)
{
	forget_hold(find(g, PF_GUARD_ADDR, addr), hold_id);
	forget_hold(find(g, PF_GUARD_KEY, key), hold_id);
}

static bool checking(const struct client *k, const char *quote_id)
{
	for (uint32_t i = 0; k->quotes && i < k->checks; i++)
		if (!strcmp(k->quotes[i], quote_id))
			return true;
	return false;
}

int pf_guard_check_begin(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32],
			 const char *quote_id, uint64_t now)
{
	int err = pf_guard_admit(g, addr, key, now);
	struct client *a, *k;

	if (err)
		return err;
	a = get(g, PF_GUARD_ADDR, addr, now);
	k = a ? get(g, PF_GUARD_KEY, key, now) : NULL;
	if (!k)
		return pf_fail(-ENOMEM, "out of memory");
	if (checking(k, quote_id))
		return pf_fail(
		    -EBUSY, "a payment check for quote %s is already running; wait for its answer",
		    quote_id);
	if (a->checks >= g->l.checks_per_addr || k->checks >= g->l.checks_per_key)
		return pf_fail(-EAGAIN,
			       "%s has %u payment checks running (the limit); wait for "
			       "their answers",
			       who(a->checks >= g->l.checks_per_addr ? a : k),
			       a->checks >= g->l.checks_per_addr ? a->checks : k->checks);
	if (!k->quotes)
		k->quotes = calloc(g->l.checks_per_key, sizeof(*k->quotes));
	if (!k->quotes)
		return pf_fail(-ENOMEM, "out of memory");
	snprintf(k->quotes[k->checks++], sizeof(*k->quotes), "%s", quote_id);
	a->checks++;
	return 0;
}

void pf_guard_check_end(struct pf_guard *g, const uint8_t addr[16], const uint8_t key[32],
			const char *quote_id)
{
	struct client *a = find(g, PF_GUARD_ADDR, addr), *k = find(g, PF_GUARD_KEY, key);

	if (a && a->checks)
		a->checks--;
	for (uint32_t i = 0; k && k->quotes && i < k->checks; i++)
		if (!strcmp(k->quotes[i], quote_id)) {
			memcpy(k->quotes[i], k->quotes[--k->checks], 33);
			return;
		}
}

static void strike(const struct pf_guard *g, struct client *c, uint64_t tag, uint64_t now)
{
	if (tag && tag == c->last_tag)
		return;
	c->last_tag = tag;
	if (now - c->strikes_from > (uint64_t)g->l.block_window_s * NS) {
		c->strikes = 0;
		c->strikes_from = now;
	}
	if (++c->strikes >= g->l.block_after && g->l.block_after)
		c->blocked_until = now + (uint64_t)g->l.block_s * NS;
}

void pf_guard_strike(struct pf_guard *g, const uint8_t addr[16], const uint8_t *key, uint64_t tag,
		     uint64_t now)
{
	struct client *a = get(g, PF_GUARD_ADDR, addr, now);
	struct client *k = key ? get(g, PF_GUARD_KEY, key, now) : NULL;

	if (a)
		strike(g, a, tag, now);
	if (k)
		strike(g, k, tag, now);
}

size_t pf_guard_blocks(struct pf_guard *g, uint64_t now, struct pf_guard_block *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < BUCKETS; i++)
		for (struct client *c = g->b[i]; c; c = c->next) {
			if (c->blocked_until <= now)
				continue;
			if (n < max) {
				out[n] = (struct pf_guard_block){.kind = c->kind,
								 .until = c->blocked_until,
								 .strikes = c->strikes};
				memcpy(out[n].id, c->id, 32);
			}
			n++;
		}
	return n;
}

int pf_guard_unblock(struct pf_guard *g, enum pf_guard_kind kind, const uint8_t *id, uint64_t now)
{
	struct client *c = find(g, kind, id);

	if (!c || c->blocked_until <= now)
		return pf_fail(-ENOENT, "that %s is not blocked",
			       kind == PF_GUARD_ADDR ? "address" : "client key");
	c->blocked_until = 0;
	c->strikes = 0;
	c->last_tag = 0;
	return 0;
}

static bool idle(const struct pf_guard *g, struct client *c, uint64_t now)
{
	refill(g, c, now);
	return !c->n_holds && !c->checks && c->blocked_until <= now &&
	       c->tokens_milli == (uint64_t)g->l.quote_burst * 1000 &&
	       now - c->strikes_from > (uint64_t)g->l.block_window_s * NS;
}

size_t pf_guard_sweep(struct pf_guard *g, uint64_t now, pf_guard_live_fn live, void *ctx)
{
	size_t left = 0;

	for (size_t i = 0; i < BUCKETS; i++)
		for (struct client **p = &g->b[i]; *p;) {
			struct client *c = *p;

			prune(c, live, ctx);
			if (idle(g, c, now)) {
				*p = c->next;
				client_free(c);
			} else {
				p = &c->next;
				left++;
			}
		}
	return left;
}
