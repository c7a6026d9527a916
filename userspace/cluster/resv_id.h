/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The id an enforcement node gives a cluster reservation in its data plane
 * (the map entry's resv_id): a 63-bit hash of the name RESV with the top bit
 * set. Local ids (SQLite rowids) never have that bit, so after a restart the
 * node knows from the map alone which entries it installed from etcd, and
 * which record each one was.
 */
#ifndef PF_CLUSTER_RESV_ID_H
#define PF_CLUSTER_RESV_ID_H

#include <stdbool.h>
#include <stdint.h>

#define PF_CL_RESV_ID_BIT (1ULL << 63)

uint64_t pf_cl_resv_id(const char *name);

static inline bool pf_cl_resv_id_is(uint64_t id)
{
	return id & PF_CL_RESV_ID_BIT;
}

#endif /* PF_CLUSTER_RESV_ID_H */
