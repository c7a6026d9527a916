/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A pair's path: for each direction, the egress ports its packets leave
 * through, from the first bridge's link port to the last bridge's edge port
 * toward the destination host. Those egress ports are the directed links
 * admission charges and HTB shapes.
 */
#ifndef PF_PATH_H
#define PF_PATH_H

#include <linux/types.h>
#include "bpf/payflow.h"

struct pf_conf;

#define PF_PATH_MAX_HOPS 33 /* every link of a 32-link line, then the edge port */

enum pf_path_dir {
	PF_DIR_LO_HI = 1, /* from key->lo to key->hi */
	PF_DIR_HI_LO = 2,
	PF_DIR_BOTH = 3,
};

/* A reservation's direction: both ways, or one way from the address that
 * pf_key_make() put first (a_is_lo) or second. */
static inline enum pf_path_dir pf_path_dir_of(int a_is_lo, int one_way)
{
	return !one_way ? PF_DIR_BOTH : a_is_lo ? PF_DIR_LO_HI : PF_DIR_HI_LO;
}

struct pf_path {
	int n[2];		      /* [0]: lo -> hi, [1]: hi -> lo */
	int hop[2][PF_PATH_MAX_HOPS]; /* config port indexes, in the order a packet meets them */
};

/*
 * The path between the pair's hosts. -ENOENT when an address is behind no
 * configured port; -EHOSTUNREACH when their bridges are not joined by links.
 * Endpoints on the same bridge, or on ports outside any configured bridge,
 * have no link hops: each direction leaves through the destination's port.
 */
int pf_path_find(const struct pf_conf *c, const struct pf_key *key, struct pf_path *p);
/* The config ports of the path's chosen directions, as a bit mask. */
__u64 pf_path_ports(const struct pf_path *p, enum pf_path_dir dirs);

#endif /* PF_PATH_H */
