/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Attaching payflow to a bridge or veth port: the HTB tree, the tc egress
 * program, in police mode on request the XDP program and, for an edge port
 * with configured hosts, the source guard on tc ingress. What was set up is
 * recorded in the pinned `ports` map so that detach undoes exactly that, from
 * any later process.
 */
#ifndef PF_PORT_H
#define PF_PORT_H

#include <stdbool.h>
#include "bpf/payflow.h"
#include "userspace/dataplane/dataplane.h"

#define PF_TC_HANDLE 0x5046 /* "PF" */
#define PF_TC_PRIO   0x5046

#define PF_DEFAULT_CAPACITY_BPS 1000000000ULL
#define PF_DEFAULT_BE_RATE_BPS	50000000ULL

struct pf_attach_opts {
	enum pf_mode mode;
	__u64 capacity_bps;
	__u64 be_rate_bps;
	bool xdp;	  /* police at XDP ingress (police mode only) */
	bool xdp_native;  /* driver mode instead of generic (skb) mode */
	bool hard_police; /* police: no early drop, only at an empty bucket */
	bool src_guard;	  /* drop packets from sources outside the port's src_allow prefixes */
};

/* Fills opts with the defaults: shape, 1 Gbit/s port, 50 Mbit/s best effort. */
void pf_attach_opts_default(struct pf_attach_opts *o);
int pf_port_attach(struct pf_dp *dp, const char *ifname, const struct pf_attach_opts *o);
/* Undoes what attach recorded; the last detach also removes the pins. */
int pf_port_detach(struct pf_maps *m, const char *ifname);
/* Calls cb for every attached port; stops early when cb returns nonzero. */
int pf_port_foreach(const struct pf_maps *m,
		    int (*cb)(__u32 ifindex, const struct pf_port *p, void *ctx), void *ctx);
int pf_port_count(const struct pf_maps *m);

#endif /* PF_PORT_H */
