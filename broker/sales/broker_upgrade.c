// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Level upgrades (docs/PROTOCOL.md 6.14): a QUOTE_REQUEST with "upgrades"
 * gets a quote for the difference between the two levels' prices for the
 * whole seconds left, and its ORDER (paid by a transaction or from the
 * balance, broker_order.c) raises the reservation's rate on every hop of
 * its path in the grant's savepoint. Admission is checked for the
 * difference at the quote and again at the grant: a quote holds no capacity,
 * so a paid upgrade that no longer fits is refused and refunded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "broker/sales/broker_glue.h"
#include "userspace/common/error.h"
#include "userspace/common/hex.h"
#include "userspace/payflowd/path.h"

#define NS 1000000000LL

/* The active reservation rid, or the refusal. */
static enum pf_err active(struct pfd *d, const char *rid, struct pfd_resv **out,
			  struct pf_err_msg *e)
{
	__u64 id = 0;
	int err = pf_bstore_rid_get(d->store, rid, &id);

	if (err)
		return pf_err_set(e, err == -ENOENT ? PF_E_UNKNOWN_RESERVATION : PF_E_INTERNAL,
				  err == -ENOENT ? "there is no reservation %s" : "%s",
				  err == -ENOENT ? rid : pf_last_error());
	*out = pfd_table_by_id(&d->table, id);
	if (!*out || (*out)->state != PF_RS_ACTIVE || (*out)->end_wall_ns <= pf_wall_ns())
		return pf_err_set(e, PF_E_RESERVATION_ENDED, "reservation %s has ended", rid);
	return PF_OK;
}

/* The difference level's rate adds on r's path, or not_upgradable. */
static enum pf_err raise_of(struct pfd *d, const struct pfd_resv *r, uint64_t level, __u64 *raise,
			    struct pf_err_msg *e)
{
	__u64 rate = d->conf.levels[level].rate_bps;

	if (rate <= r->rate_bps)
		return pf_err_set(e, PF_E_NOT_UPGRADABLE,
				  "the reservation already has %llu bit/s, level %llu gives %llu",
				  (unsigned long long)r->rate_bps, (unsigned long long)level,
				  (unsigned long long)rate);
	*raise = rate - r->rate_bps;
	return PF_OK;
}

enum pf_err pfd_broker_upgrade_check(struct pfd *d, const struct pf_quote_request *rq,
				     const struct pf_key *key, uint64_t *from_level,
				     uint64_t *seconds, struct pf_err_msg *e)
{
	char key_hex[PF_PUBKEY_HEX + 1];
	struct pfd_resv *r;
	__s64 left;
	__u64 raise = 0;

	pf_hex_encode(rq->client_key, PF_PUBKEY_BYTES, key_hex);
	if (active(d, rq->upgrades, &r, e) != PF_OK ||
	    pfd_broker_paid_by(d, rq->upgrades, key_hex, e) != PF_OK)
		return e->code;
	if (memcmp(&r->key, key, sizeof(*key)) ||
	    r->dir != pf_path_dir_of(!memcmp(key->lo, rq->ip1, 16), rq->one_way))
		return pf_err_set(e, PF_E_EXTEND_MISMATCH,
				  "reservation %s is for another pair or direction: ask with its "
				  "ip1 -> ip2 and one_way",
				  rq->upgrades);
	if (rq->level <= r->level)
		return pf_err_set(e, PF_E_LOWER_OR_SAME_LEVEL,
				  "reservation %s is level %u: upgrade it to a level above that, "
				  "not to %llu",
				  rq->upgrades, r->level, (unsigned long long)rq->level);
	if (raise_of(d, r, rq->level, &raise, e) != PF_OK)
		return e->code;
	if (pf_adm_check(&d->adm, r->ports, raise))
		return pf_err_set(e, PF_E_CAPACITY_EXHAUSTED, "%s", pf_last_error());
	left = r->end_wall_ns - pf_wall_ns();
	*seconds = (__u64)((left + NS - 1) / NS); /* a second that has begun is charged */
	*from_level = r->level;
	return PF_OK;
}

enum pf_err pfd_broker_upgrade_grant(struct pfd *d, const struct pf_bquote *q, __u64 t_received,
				     struct pf_border *o, struct pf_err_msg *e)
{
	struct pfd_resv *r;
	__u64 raise = 0;

	snprintf(o->rid, sizeof(o->rid), "%s", q->upgrades);
	if (active(d, q->upgrades, &r, e) != PF_OK)
		return e->code;
	if (r->level != q->from_level)
		return pf_err_set(e, PF_E_NOT_UPGRADABLE,
				  "reservation %s is level %u now, not level %u as quoted: ask "
				  "for a new quote",
				  q->upgrades, r->level, q->from_level);
	if (raise_of(d, r, q->level, &raise, e) != PF_OK)
		return e->code;
	return pfd_order_bind(d, pfd_upgrade_paid(d, r, q->level, t_received), r, o, e);
}
