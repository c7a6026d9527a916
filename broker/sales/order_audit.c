// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <stdio.h>
#include "broker/sales/order_audit.h"
#include "userspace/payflowd/events.h"
#include "userspace/payflowd/payflowd.h"

void pf_order_audit(struct pfd *d, int outcome, const struct pf_bquote *q, const char *tx,
		    const char *rid, const char *reason)
{
	struct pfd_event e = {.level = -1};

	d->cnt.orders[outcome]++;
	snprintf(e.source, sizeof(e.source), "broker");
	snprintf(e.outcome, sizeof(e.outcome), "%s",
		 outcome == PF_OK		? "confirm"
		 : outcome == PFD_ORDER_PENDING ? "pending"
						: pf_err_name(outcome));
	if (q && q->ip1[0]) {
		snprintf(e.pair, sizeof(e.pair), "%s <-> %s", q->ip1, q->ip2);
		e.level = q->level;
		e.rate_bps = q->rate_bps;
		snprintf(e.amount, sizeof(e.amount), "%s", q->amount);
	}
	snprintf(e.tx, sizeof(e.tx), "%s", tx ? tx : "");
	snprintf(e.rid, sizeof(e.rid), "%s", rid ? rid : "");
	snprintf(e.detail, sizeof(e.detail), "%s", reason ? reason : "");
	pfd_event_add(d, &e);
}
