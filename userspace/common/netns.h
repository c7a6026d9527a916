/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Doing one thing inside another network namespace: payflowd attaches ports
 * from its own namespace but may serve buyers, and reach the ledger, from a
 * host's (e.g. a Mininet host). Sockets keep the namespace they were created
 * in, and threads inherit their creator's, so entering for a moment is enough.
 */
#ifndef PF_NETNS_H
#define PF_NETNS_H

/* Enters the namespace at path ("" or NULL: stays). Sets *saved to a handle
 * for pf_netns_leave (-1 when it stayed). Returns 0 or -errno. */
int pf_netns_enter(const char *path, int *saved);
/* Returns to the namespace saved by pf_netns_enter; aborts if it cannot. */
void pf_netns_leave(int saved);

#endif /* PF_NETNS_H */
