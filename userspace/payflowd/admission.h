/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Admission control: on every directed link a reservation crosses (the
 * egress ports of its path, both directions; path.h), the sum of active and
 * held reserved rates stays within capacity minus the best-effort floor. The
 * sums live in the link ledger (link_ledger.h); which ports an address lives
 * behind comes from the config's per-port "hosts" (docs/CONFIG.md).
 */
#ifndef PF_ADMISSION_H
#define PF_ADMISSION_H

#include <linux/types.h>
#include "userspace/payflowd/config.h"
#include "userspace/payflowd/link_ledger.h"

struct pf_adm {
	const struct pf_conf *conf;
	struct pf_ll ll; /* one link per config port: its egress */
};

/* A set of config port indexes as a bit mask (PF_CONF_MAX_PORTS <= 64). */
typedef pf_linkset pf_portset;

void pf_adm_init(struct pf_adm *a, const struct pf_conf *c);
/*
 * The ports the pair's path leaves through in `dirs` (enum pf_path_dir: both,
 * or one way for a one-way reservation). An endpoint on
 * no configured port is refused (-ENOENT, "unknown_endpoint") unless the
 * config allows it, in which case it is charged on every port; bridges no
 * link joins are refused with -EHOSTUNREACH.
 */
int pf_adm_ports(const struct pf_adm *a, const struct pf_key *key, int dirs, pf_portset *out);
/* Whether `add_bps` more fits on every port of the set; -ENOSPC names the link. */
int pf_adm_check(const struct pf_adm *a, pf_portset set, __u64 add_bps);
/* The reserved fraction of the busiest port of the set with add_bps more on each,
 * in millionths rounded down, at most 10^6 (a port with nothing reservable: 10^6). */
__u64 pf_adm_util_ppm(const struct pf_adm *a, pf_portset set, __u64 add_bps);
void pf_adm_charge(struct pf_adm *a, pf_portset set, __u64 bps);
void pf_adm_release(struct pf_adm *a, pf_portset set, __u64 bps);
__u64 pf_adm_free(const struct pf_adm *a, int port);

#endif /* PF_ADMISSION_H */
