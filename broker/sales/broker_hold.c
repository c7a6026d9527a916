// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The capacity hold behind a quote. Before payment it is short
 * (broker.unpaid_hold) and capped per address and per client key, and a
 * new quote for the same pair and key replaces the key's earlier hold, so
 * quotes nobody pays cannot lock a port for long. Once an ORDER names a
 * transaction the ledger shows paying the quote (PENDING), the hold is kept
 * until the quote's expiry plus broker.confirm_grace, re-placed if it had
 * lapsed meanwhile. A payment whose hold is gone is still honoured when
 * the capacity is free at grant time (pfd_grant_paid).
 */
#include <errno.h>
#include "broker/sales/broker_glue.h"
#include "broker/sales/cluster_sell.h"
#include "broker/sales/guard.h"
#include "userspace/common/addr.h"
#include "userspace/payflowd/path.h"
#include "userspace/common/error.h"

bool pfd_broker_hold_live(void *ctx, uint64_t hold_id)
{
	struct pfd *d = ctx;
	struct pfd_resv *r = pfd_table_by_id(&d->table, hold_id);

	return r && r->state == PF_RS_HOLD;
}

static __u32 unpaid_ttl(const struct pf_conf_broker *bc)
{
	__u32 full = bc->quote_ttl_s + bc->confirm_grace_s;

	return bc->unpaid_hold_s < full ? bc->unpaid_hold_s : full;
}

int pfd_broker_hold_place(struct pfd *d, const uint8_t peer[16], const uint8_t client_key[32],
			  const struct pf_key *key, __u8 dir, __u32 level, __u64 seconds,
			  __u64 *hold_id)
{
	struct pf_guard *g = d->broker->guard;
	uint64_t replace = 0;
	int err = pf_guard_hold_room(g, peer, client_key, (const uint8_t *)key,
				     pfd_broker_hold_live, d, &replace);

	if (err)
		return err;
	if (replace)
		pfd_hold_drop(d, replace);
	err = pfd_hold_place(d, key, dir, level, seconds, unpaid_ttl(&d->conf.broker), hold_id);
	if (!err)
		pf_guard_hold_add(g, peer, client_key, (const uint8_t *)key, *hold_id);
	return err;
}

/* Seconds from now until the quote's expiry plus the confirmation grace. */
static __u32 paid_ttl(const struct pfd *d, const struct pf_bquote *q)
{
	__u64 now = pfd_unix_now(), until = q->expires_at + d->conf.broker.confirm_grace_s;

	return until > now ? (__u32)(until - now) : 1;
}

int pfd_broker_hold_paid(struct pfd *d, const uint8_t peer[16], const uint8_t client_key[32],
			 struct pf_bquote *q)
{
	pf_ip_t ip1, ip2;
	struct pf_key key;
	__u64 id = 0;
	__u8 dir;
	int err;

	if (q->extends[0] || q->upgrades[0])
		return 0; /* an extension or upgrade holds nothing */
	if (d->csell)
		return pfd_csell_hold_paid(d, q, paid_ttl(d, q));
	pf_guard_hold_paid(d->broker->guard, peer, client_key, q->hold_id);
	if (pfd_broker_hold_live(d, q->hold_id))
		return pfd_hold_extend(d, q->hold_id, paid_ttl(d, q));
	if (pf_addr_parse(q->ip1, ip1) || pf_addr_parse(q->ip2, ip2))
		return pf_fail(-EINVAL, "stored quote %s has a bad pair", q->quote_id);
	dir = pf_path_dir_of(pf_key_make(&key, ip1, ip2), q->one_way);
	if (pfd_table_by_key(&d->table, &key))
		return 0; /* the pair is reserved: the grant extends it */
	err = pfd_hold_place(d, &key, dir, q->level, q->seconds, paid_ttl(d, q), &id);
	if (err)
		return err;
	err = pf_bstore_quote_set_hold(d->store, q->quote_id, id);
	if (err) {
		pfd_hold_drop(d, id);
		return err;
	}
	q->hold_id = id;
	return 0;
}
