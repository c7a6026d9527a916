/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The HTB tree payflow keeps on each shaped port, over rtnetlink (libnl):
 *
 *   1:   htb root qdisc, default class 1:2
 *   1:1  root class, rate = ceil = port capacity
 *   1:2  best effort, rate = ceil = best-effort rate
 *   1:N  one class per reservation (N >= 0x10), rate = ceil = reserved rate
 *   1:3  holder of the class pool (pool.h): qdisc 2:, class 2:M per block,
 *        block qdisc M: with leaves M:1..M:256 parked at 8 bit/s
 *
 * The tc program steers packets by setting skb->priority to a class handle.
 */
#ifndef PF_HTB_H
#define PF_HTB_H

#include <linux/types.h>

/*
 * A session keeps one rtnetlink socket open for every call below made by this
 * thread until pf_htb_session_end(), instead of one socket per call: bulk work
 * (reconciling thousands of classes) and a long-running daemon use it.
 */
int pf_htb_session_begin(void);
void pf_htb_session_end(void);

/* Creates the root qdisc and the root and best-effort classes. Fails with
 * -EEXIST if the port already has a root qdisc of its own. */
int pf_htb_setup(int ifindex, __u64 capacity_bps, __u64 be_rate_bps);
/* Changes the root and best-effort classes' rates in place: the reservation
 * classes below them, and the traffic in them, stay. */
int pf_htb_rates_set(int ifindex, __u64 capacity_bps, __u64 be_rate_bps);
/* Deletes the root qdisc (and with it every class). */
int pf_htb_teardown(int ifindex);
/* Creates the class 1:minor or changes its rate in place. */
int pf_htb_class_set(int ifindex, __u16 minor, __u64 rate_bps);
/* Deletes 1:minor; a class that is already gone is not an error. */
int pf_htb_class_del(int ifindex, __u16 minor);
/* Calls cb for every reservation class: 1:N (N >= PF_HTB_MIN_MINOR) and the
 * pooled leaves M:n, with the class's whole handle. */
int pf_htb_class_foreach(int ifindex, void (*cb)(__u32 classid, __u64 rate_bps, void *ctx),
			 void *ctx);

/*
 * The class pool's blocks. Creating a class walks every class of its qdisc
 * (tc_bind_tclass); a block qdisc holds only PF_POOL_BLOCK, so the cost stays
 * flat however many reservations a port carries.
 */
/* Creates block `major` (holder 2:major, qdisc major:, parked leaves); what
 * exists already is kept, so it also completes a half-made block. */
int pf_htb_block_add(int ifindex, __u16 major, __u64 capacity_bps);
/* Part of pf_htb_block_add: leaves first..last (the holder and the qdisc with
 * the first), so making a block can be spread over turns of a loop. */
int pf_htb_block_part(int ifindex, __u16 major, __u64 capacity_bps, __u32 first, __u32 last);
/* Deletes block `major` with all its leaves. */
int pf_htb_block_del(int ifindex, __u16 major);
/* Changes an existing leaf's rate: a grant (rate) or a return (PF_POOL_PARK_BPS). */
int pf_htb_leaf_rate(int ifindex, __u32 classid, __u64 rate_bps);
/*
 * Returns a leaf: its queue emptied, then its rate PF_POOL_PARK_BPS. Packets
 * left in a parked leaf would wait there for ever, and TCP never retransmits
 * a segment whose clone is still queued on the host (skb_still_in_host_queue):
 * the flow stalled after its reservation ended (test_demo_quick, 0 bit/s in
 * its best-effort window).
 */
int pf_htb_leaf_park(int ifindex, __u32 classid);
/* The number of consecutive blocks from PF_POOL_MAJOR_MIN present on a port. */
int pf_htb_blocks_count(int ifindex, __u32 *count);
/* Attaches a cls_bpf classifier (not direct-action) on the qdisc `parent`. */
int pf_htb_selector_attach(int ifindex, __u32 parent, int prog_fd, const char *name);

struct nl_sock;
/* The session's socket or a new one; for the tc files of this folder. */
struct nl_sock *pf_htb_socket(void);
void pf_htb_socket_put(struct nl_sock *sk);

#endif /* PF_HTB_H */
