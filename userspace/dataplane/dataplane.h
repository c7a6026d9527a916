/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The data plane's maps, pinned under a root directory (default
 * /sys/fs/bpf/payflow). pf_dp_load() loads the BPF object, creating the pins
 * or reusing existing ones so enforcement continues across restarts;
 * pf_maps_open() only opens existing pins, for tools that read or write
 * reservations without attaching anything.
 */
#ifndef PF_DATAPLANE_H
#define PF_DATAPLANE_H

#include <limits.h>
#include "bpf/payflow.h"

struct payflow_bpf;
struct pf_slots;
struct pf_pool;

struct pf_maps {
	int reservations;
	int resv_stats;
	int be_stats;
	int config;
	int counters;
	int ports;
	int src_allow;
	struct pf_slots *slots; /* stats slots of new entries (slots.h) */
	struct pf_pool *pool;	/* pooled HTB classes (pool.h) */
	char root[PATH_MAX];
};

struct pf_dp {
	struct payflow_bpf *skel;
	struct pf_maps maps; /* fds owned by skel */
};

/* Mounts bpffs on /sys/fs/bpf if needed and creates `root`. */
int pf_pin_root_prepare(const char *root);
/*
 * Loads the programs and maps, reusing compatible pins under root. The
 * reservations and resv_stats maps get max_resv entries (0: as many as the
 * pinned ones have, else PF_MAX_RESERVATIONS); pins of another size are an
 * error that says to detach first (libbpf cannot resize a pinned map).
 */
int pf_dp_load(struct pf_dp *dp, const char *root, __u32 max_resv);
/* The number of entries the reservations map can hold. */
__u32 pf_resv_capacity(const struct pf_maps *m);
void pf_dp_close(struct pf_dp *dp);
/* Opens the pinned maps. -ENOENT (with a message) if nothing is pinned. */
int pf_maps_open(struct pf_maps *m, const char *root);
void pf_maps_close(struct pf_maps *m);
/* Removes every pin under root and the directory itself. */
int pf_unpin_all(const char *root);

int pf_config_get(const struct pf_maps *m, struct pf_config *cfg);
int pf_config_set(const struct pf_maps *m, const struct pf_config *cfg);
/* Sums the per-CPU global counters into out[PF_CNT_MAX]. */
int pf_counters_read(const struct pf_maps *m, __u64 out[PF_CNT_MAX]);
const char *pf_counter_name(int idx);

#endif /* PF_DATAPLANE_H */
