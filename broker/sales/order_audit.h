/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* One ORDER's outcome as an audit event (userspace/payflowd/events.h). */
#ifndef PF_ORDER_AUDIT_H
#define PF_ORDER_AUDIT_H

#include "broker/sales/broker_store.h"

struct pfd;

/*
 * Counts the outcome (PF_OK = confirm, PFD_ORDER_PENDING, or a PF_E_* code)
 * and records it: q may be NULL (no quote found), tx, rid and reason "" or NULL.
 */
void pf_order_audit(struct pfd *d, int outcome, const struct pf_bquote *q, const char *tx,
		    const char *rid, const char *reason);

#endif /* PF_ORDER_AUDIT_H */
