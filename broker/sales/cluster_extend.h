/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Extensions of a cluster reservation (docs/CLUSTER.md, "Selling in cluster
 * mode"): a QUOTE_REQUEST with `extends: RID` for the live granted record
 * P/resv/RID of the same pair, level and direction; its paid ORDER admits the
 * record again with end + seconds under a new lease (expecting the record's
 * revision, so two extensions never both apply to one end), claims the new
 * payment under P/tx/, and only then revokes the old lease. The enforcement
 * nodes move their entries' end in place. Any broker sells one.
 */
#ifndef PFD_CLUSTER_EXTEND_H
#define PFD_CLUSTER_EXTEND_H

#include "broker/sales/broker_store.h"
#include "broker/proto/errors.h"

struct pfd;
struct pf_cl_resv;
struct pf_etcd_kv;

/* The record q->extends as q may extend it (in *r, its key in *at when not
 * NULL): PF_OK, or unknown_reservation, reservation_ended, extend_mismatch,
 * internal_error (etcd). */
enum pf_err pfd_cext_check(struct pfd *d, const struct pf_bquote *q, struct pf_cl_resv *r,
			   struct pf_etcd_kv *at, struct pf_err_msg *e);
/* One try of the extension's grant (pfd_csell_grant loops): PF_OK with o
 * filled (the reservation id is q->extends, start, the new end), 1 = the
 * record moved meanwhile (try again), or the refusal. A tx that already
 * extended it gets the CONFIRM it got then. */
int pfd_cext_grant_once(struct pfd *d, const struct pf_bquote *q, const char *tx,
			struct pf_border *o, struct pf_err_msg *e);
/* The record tx bought (P/tx/TX), whatever the record is now: 0, -ENOENT
 * when tx bought nothing (or what it holds is no record), -errno. */
int pfd_cext_bought(struct pfd *d, const char *tx, struct pf_cl_resv *r);
/* A granted record whose tx is another payment (a later extension's): *now
 * becomes what tx bought, if it bought anything (its CONFIRM is that one's);
 * 0, or -errno when etcd fails. */
int pfd_cext_as_bought(struct pfd *d, const char *tx, struct pf_cl_resv *now);

#endif /* PFD_CLUSTER_EXTEND_H */
