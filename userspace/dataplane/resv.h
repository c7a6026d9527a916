/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Reservations in the data plane: the map entry plus its HTB class on the
 * shaped ports. Installing writes the classes first and the map entry last,
 * so a packet is never steered into a class that does not exist yet;
 * removing goes the other way round.
 */
#ifndef PF_RESV_H
#define PF_RESV_H

#include "bpf/payflow.h"
#include "userspace/dataplane/clock.h"
#include "userspace/dataplane/dataplane.h"

/* Police-mode bucket depth for a rate (bytes): room for GSO super-packets. */
__u32 pf_default_burst(__u64 rate_bps);

int pf_resv_lookup(const struct pf_maps *m, const struct pf_key *key, struct pf_resv *out);
/*
 * Creates or updates the class 1:r->classid on the given ports (all attached
 * ports when ifindexes is NULL), then writes the entry. An existing entry
 * keeps its police state. On failure nothing new is left behind.
 */
int pf_resv_install(const struct pf_maps *m, const struct pf_key *key, const struct pf_resv *r,
		    const __u32 *ifindexes, int n_ifindexes);
/* Creates the classes of every live entry on one port (a port attached late). */
int pf_resv_sync_port(const struct pf_maps *m, __u32 ifindex);
/* Writes only the map entry; the caller has made its classes already. For bulk
 * reconciling. A new entry gets a free stats slot (zeroed, slots.h); an
 * existing one keeps its slot and its police state. */
int pf_resv_write(const struct pf_maps *m, const struct pf_key *key, const struct pf_resv *r);
/* Deletes the entry, frees its stats slot and deletes its class on every attached port. */
int pf_resv_remove(const struct pf_maps *m, const struct pf_key *key);
/* Calls cb for each entry (live or expired); stops when cb returns nonzero. */
int pf_resv_foreach(const struct pf_maps *m,
		    int (*cb)(const struct pf_key *key, const struct pf_resv *r, void *ctx),
		    void *ctx);
/* Sums a pair's per-CPU stats entry of be_stats. -ENOENT if absent. */
int pf_stats_read(int map_fd, const struct pf_key *key, struct pf_stats *sum);
/* Sums the counters of a pair's reservation (its slot of resv_stats). -ENOENT
 * if it has no entry. They count from the entry's creation. */
int pf_resv_stats_read(const struct pf_maps *m, const struct pf_key *key, struct pf_stats *sum);

#endif /* PF_RESV_H */
