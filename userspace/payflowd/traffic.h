/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A reservation's traffic when it ended: the data plane's counters are gone
 * with its map entry, so payflowd keeps the last reading in the database
 * (table resv_traffic), for STATUS after the end (PROTOCOL.md).
 */
#ifndef PFD_TRAFFIC_H
#define PFD_TRAFFIC_H

#include <linux/types.h>
#include "bpf/payflow.h"

struct pf_store;

/* Records (or replaces) reservation id's final counters. */
int pf_traffic_put(struct pf_store *s, __u64 id, const struct pf_stats *st);
/* The recorded counters; -ENOENT when none were (it never carried traffic, or
 * it ended while payflowd was down). */
int pf_traffic_get(struct pf_store *s, __u64 id, struct pf_stats *st);

#endif /* PFD_TRAFFIC_H */
