/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The source guard's allow list (the pinned src_allow LPM trie): per port,
 * the prefixes its hosts may send from. pf_tc_ingress, attached to a port
 * with pf_attach_opts.src_guard, drops everything else (bpf/srcguard.h).
 */
#ifndef PF_SRCGUARD_USER_H
#define PF_SRCGUARD_USER_H

#include "bpf/payflow.h"
#include "userspace/dataplane/dataplane.h"

/* One allowed prefix; len counts bits of the 16-byte address (IPv4 /24 is 120). */
struct pf_src_prefix {
	__u8 addr[16];
	__u8 len;
};

/*
 * Makes ifindex's allow list exactly p[0..n) (n = 0 clears it): adds the new
 * prefixes first and removes the others after, so a host never loses its
 * own prefix in between. Returns 0 or -errno (-EINVAL for a length over 128).
 */
int pf_src_allow_set(const struct pf_maps *m, __u32 ifindex, const struct pf_src_prefix *p, int n);
/* The number of prefixes on ifindex's allow list, or -errno. */
int pf_src_allow_count(const struct pf_maps *m, __u32 ifindex);

#endif /* PF_SRCGUARD_USER_H */
