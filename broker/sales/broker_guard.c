// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The broker's side of the per-client limits (guard.h): the rate_limited
 * answer, strikes for ORDERs that cannot be valid, and housekeeping (purge
 * of ended quotes and holds, idle clients forgotten).
 */
#include <errno.h>
#include <string.h>
#include "broker/sales/broker_glue.h"
#include "broker/sales/guard.h"
#include "userspace/dataplane/resv.h"
#include "userspace/common/error.h"

#define NS 1000000000ULL

static struct pf_guard_limits limits_of(const struct pf_conf_broker *bc)
{
	return (struct pf_guard_limits){
	    .quote_rate_milli = bc->quote_rate_milli,
	    .quote_burst = bc->quote_burst,
	    .holds_per_addr = bc->holds_per_addr,
	    .holds_per_key = bc->holds_per_key,
	    .checks_per_addr = bc->checks_per_addr,
	    .checks_per_key = bc->checks_per_key,
	    .block_after = bc->block_after,
	    .block_window_s = bc->block_window_s,
	    .block_s = bc->block_s,
	};
}

int pfd_broker_guard_start(struct pfd *d)
{
	struct pf_guard_limits l = limits_of(&d->conf.broker);

	d->broker->next_purge = pf_now_ns() + d->conf.broker.purge_every_s * NS;
	return pf_guard_new(&d->broker->guard, &l);
}

void pfd_broker_guard_limits(struct pfd_broker *b, const struct pf_conf_broker *bc)
{
	struct pf_guard_limits l = limits_of(bc);

	pf_guard_set_limits(b->guard, &l);
}

void pfd_broker_limited(struct pfd *d, struct pf_srv_conn *c, bool deferred)
{
	struct pf_err_msg e;

	pf_err_set(&e, PF_E_RATE_LIMITED, "%s", pf_last_error());
	pfd_broker_fail(d, c, deferred, &e);
}

void pfd_broker_strike(struct pfd *d, const uint8_t peer[16], const uint8_t *client_key,
		       const char *tag)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a of what the ORDER named */

	for (const char *p = tag; p && *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	pf_guard_strike(d->broker->guard, peer, client_key, tag ? h | 1 : 0, pf_now_ns());
}

void pfd_broker_housekeep(struct pfd *d)
{
	const struct pf_conf_broker *bc = &d->conf.broker;
	__u64 now = pf_now_ns(), unix_now = pfd_unix_now();
	int nq = 0, nh = 0;

	if (now < d->broker->next_purge)
		return;
	d->broker->next_purge = now + bc->purge_every_s * NS;
	pf_guard_sweep(d->broker->guard, now, pfd_broker_hold_live, d);
	if (unix_now <= bc->purge_after_s)
		return;
	if (pfd_txn(d) || pf_bstore_purge(d->store, unix_now - bc->purge_after_s, &nq, &nh))
		pfd_logl(PFD_LOG_ERR, "broker: purge: %s", pf_last_error());
	else if (nq || nh)
		pfd_log("broker: purged %d ended quotes and %d ended holds", nq, nh);
}
