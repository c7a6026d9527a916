/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The record of a hold or reservation under P/resv/RESV (docs/CLUSTER.md,
 * "The reservation record"). Brokers write it in the admission transaction;
 * enforcement nodes watch P/resv/ and install the hops they own. One JSON
 * object, every field required, nothing else allowed:
 *
 *   {"v": 1, "state": "hold" | "granted", "a": IP, "b": IP,
 *    "one_way": bool (true: only a -> b), "rate_bps": N, "level": N,
 *    "start": UNIX_S, "end": UNIX_S, "hops": ["NODE:IFNAME", ...],
 *    "broker": NODE, "tx": "0x..." or ""}
 *
 * hops are the directed links of the path in the order the flow a -> b
 * crosses them (the egress ports; both ways for a two-way reservation);
 * start and end are wall-clock seconds, since a record crosses machines.
 */
#ifndef PF_CLUSTER_RESV_RECORD_H
#define PF_CLUSTER_RESV_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include "userspace/cluster/admit.h"
#include "userspace/cluster/keys.h"

#define PF_CL_RESV_VERSION 1
#define PF_CL_ADDR_MAX	   46 /* INET6_ADDRSTRLEN */
#define PF_CL_TX_MAX	   67 /* 0x + 64 hex digits + NUL */

enum pf_cl_resv_state {
	PF_CL_HOLD,    /* admitted, not paid yet: counts on the links, not enforced */
	PF_CL_GRANTED, /* paid: enforcement nodes install its hops */
};

struct pf_cl_resv {
	enum pf_cl_resv_state state;
	char a[PF_CL_ADDR_MAX], b[PF_CL_ADDR_MAX];
	bool one_way;
	uint64_t rate_bps;
	int level;
	int64_t start, end;
	int n_hops;
	char hops[PF_CL_MAX_PATH][PF_CL_NAME_MAX];
	char broker[PF_CL_NAME_MAX];
	char tx[PF_CL_TX_MAX]; /* "" when none */
};

/* The record as JSON (a malloc'd string in *out); -EINVAL if a field is out
 * of range (message names it), -ENOMEM. */
int pf_cl_resv_encode(const struct pf_cl_resv *r, char **out);
/* Parses and checks a record; -EINVAL naming the first bad or missing field
 * (an unknown field or another version is refused too). */
int pf_cl_resv_decode(const char *json, struct pf_cl_resv *r);
/* Splits a hop NODE:IFNAME at its first ':' into node and ifname (each
 * PF_CL_NAME_MAX bytes); -EINVAL when either part is empty. */
int pf_cl_hop_split(const char *hop, char *node, char *ifname);

#endif /* PF_CLUSTER_RESV_RECORD_H */
