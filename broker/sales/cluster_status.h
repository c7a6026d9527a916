/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * STATUS of a cluster reservation at any broker (docs/CLUSTER.md, "Selling
 * in cluster mode"; docs/PROTOCOL.md 6.10): the record P/resv/RID in etcd,
 * found by id or by pair. A record that is gone (its lease ended) is
 * answered from this broker's own order row when it sold or answered that
 * order; else it is not a cluster reservation here.
 */
#ifndef PFD_CLUSTER_STATUS_H
#define PFD_CLUSTER_STATUS_H

#include <stdbool.h>
#include "broker/proto/messages.h"

struct pfd;
struct pf_srv_conn;

/* true: answered (STATUS_REPLY or ERROR); false: no cluster reservation by
 * that id or for that pair, the local STATUS answers. */
bool pfd_cstatus(struct pfd *d, struct pf_srv_conn *c, const struct pf_status_request *s);

#endif /* PFD_CLUSTER_STATUS_H */
