// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Demand pricing in the broker (docs/CONFIG.md levels[].demand_k): the MENU
 * shows each demand-priced level's price for the busiest link of the broker
 * now (re-encoded when that changes), and a quote is priced for the busiest
 * link of its own path after its grant (demand.h); the quote's price is then
 * bound until it expires, like any quote.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "broker/sales/broker_glue.h"
#include "broker/sales/demand.h"
#include "userspace/common/error.h"

void pfd_broker_demand_conf(struct pfd_broker *b, const struct pf_conf *c)
{
	b->demand = false;
	for (int i = 0; i < c->n_levels && i < PF_MAX_LEVELS; i++) {
		b->demand_k_ppm[i] = c->levels[i].demand_k_ppm;
		b->demand_cap_ppm[i] = c->levels[i].demand_cap_ppm;
		b->demand |= c->levels[i].demand_k_ppm != 0;
	}
}

int pfd_broker_priced_menu(const struct pfd_broker *b, __u64 u_ppm, struct pf_menu *out)
{
	*out = b->menu;
	if (!b->demand)
		return 0;
	out->utilisation_ppm = u_ppm;
	for (unsigned int i = 1; i < out->n_levels; i++) {
		struct pf_level *lv = &out->levels[i];
		const char *base = b->menu.levels[i].price_per_second;

		if (!b->demand_k_ppm[i])
			continue;
		snprintf(lv->price_base, sizeof(lv->price_base), "%s", base);
		if (pf_demand_price(base, b->demand_k_ppm[i], b->demand_cap_ppm[i], PF_PPM,
				    lv->price_max) ||
		    pf_demand_price(base, b->demand_k_ppm[i], b->demand_cap_ppm[i], u_ppm,
				    lv->price_per_second))
			return pf_fail(-ERANGE, "level %u: the demand price of %s is out of range",
				       i, base);
	}
	return 0;
}

/* The busiest link of all: what the MENU's prices are for. */
static __u64 menu_util(const struct pfd *d)
{
	pf_portset all = d->conf.n_ports >= 64 ? ~0ULL : (1ULL << d->conf.n_ports) - 1;

	return pf_adm_util_ppm(&d->adm, all, 0);
}

int pfd_broker_menu_encode(struct pfd *d, bool force)
{
	struct pfd_broker *b = d->broker;
	struct pf_msg m = {.type = PF_MSG_MENU};
	char *both, *one;
	size_t both_len, one_len;
	__u64 u = b->demand ? menu_util(d) : 0;

	if (!force && u == b->menu_u)
		return 0;
	if (pfd_broker_priced_menu(b, u, &m.menu))
		return -ERANGE;
	both = pf_msg_encode(&m, &b->key, &both_len);
	m.menu.one_way = true;
	one = pf_msg_encode(&m, &b->key, &one_len);
	if (!both || !one) {
		free(both);
		free(one);
		return pf_fail(-EINVAL,
			       "broker: the MENU from this config cannot be encoded "
			       "(check levels, ledger.currency and ledger.payment_address)");
	}
	free(b->menu_frame);
	free(b->menu_frame_one_way);
	b->menu_frame = both;
	b->menu_len = both_len;
	b->menu_frame_one_way = one;
	b->menu_one_way_len = one_len;
	b->menu_u = u;
	return 0;
}

__u64 pfd_broker_quote_util(struct pfd *d, const struct pf_quote_request *rq, __u64 hold_id)
{
	const char *rid = rq->upgrades[0] ? rq->upgrades : rq->extends;
	struct pfd_resv *r = NULL;
	__u64 id, add = 0;

	if (rid[0] && !pf_bstore_rid_get(d->store, rid, &id))
		r = pfd_table_by_id(&d->table, id);
	else if (!rid[0])
		r = pfd_table_by_id(&d->table, hold_id); /* charged already: after the grant */
	if (!r)
		return 0;
	if (rq->upgrades[0] && d->conf.levels[rq->level].rate_bps > r->rate_bps)
		add = d->conf.levels[rq->level].rate_bps - r->rate_bps;
	return pf_adm_util_ppm(&d->adm, r->ports, add);
}
