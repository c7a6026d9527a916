/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The class pool: HTB leaves made ahead of grants, so a grant is a rate
 * change (cheap) instead of a class creation (which walks every class of its
 * qdisc). Leaves come in blocks of PF_POOL_BLOCK, one block qdisc each
 * (htb.h), so no qdisc holds more than a few hundred classes and a port can
 * carry far more than the 65,520 classes one qdisc can number.
 *
 * One allocator serves every port: a reservation's class id is the same on
 * each egress of its path (the map entry holds one), so every shaped port
 * has the same blocks. Leaf index i is class (PF_POOL_MAJOR_MIN + i / 256) :
 * (1 + i % 256); the lowest free leaf is handed out, so a burst's leaves
 * drain from the top and the pool shrinks back once they are free.
 *
 * Like the stats slots (slots.h), the set is rebuilt from the kernel (blocks
 * present on every shaped port) and the map (leaves in use) at first use.
 */
#ifndef PF_POOL_H
#define PF_POOL_H

#include <stdbool.h>
#include <linux/types.h>

struct pf_maps;

struct pf_pool {
	__u8 *used;	  /* bitmap over leaf indexes, NULL until built */
	__u32 blocks;	  /* blocks present on every shaped port */
	__u32 count;	  /* leaves in use */
	__u32 hint;	  /* no free leaf below it */
	__u32 shrinks;	  /* blocks given back so far (for tests and metrics) */
	__u32 min_blocks; /* made ahead and never shrunk below (pf_pool_ahead_step) */
	/* The block pf_pool_ahead_step() is making, a part at a time: on the
	 * shaped port of index build_port, leaves from build_leaf on. */
	__u32 build_block, build_port, build_leaf;
};

/* Leaves made per pf_pool_ahead_step(): about 3-40 ms, growing with the classes on the host. */
#define PF_POOL_STEP_LEAVES 32U

/* Free blocks kept when shrinking: the next burst starts without a creation. */
#define PF_POOL_SPARE_BLOCKS 1

struct pf_pool *pf_pool_new(void);
void pf_pool_free(struct pf_pool *p);
static inline bool pf_classid_pooled(__u32 classid)
{
	return (classid >> 16) >= 0x10U;
}
/* The lowest free leaf, marked used; grows the pool by a block on every shaped
 * port when all are taken. -ENOSPC when the class ids are exhausted. */
int pf_pool_alloc(const struct pf_maps *m, __u32 *classid);
/* Marks a known leaf used (an entry written with it), growing the pool to hold it. */
int pf_pool_take(const struct pf_maps *m, __u32 classid);
/*
 * Returns a leaf: parked on every shaped port, then free; whole free blocks
 * beyond the spare ones are deleted. The leaf keeps its HTB counters: a class
 * can only be reset by recreating it, and creating a class on a port without
 * ndo_setup_tc (veth, bridge ports) walks a list of every filter block on the
 * host (flow_indr_dev_setup_offload), about 1 ms per class at 70k classes.
 * A reservation's own counters are its stats slot (slots.h), zeroed at grant.
 */
int pf_pool_put(const struct pf_maps *m, __u32 classid);
/* Marks a leaf free without touching the kernel (an install that failed). */
void pf_pool_forget(const struct pf_maps *m, __u32 classid);
/* Makes the pool's blocks on a port attached late. */
int pf_pool_sync_port(const struct pf_maps *m, __u32 ifindex);
/* Grows the pool until `free` leaves are free (pre-creation at attach). */
int pf_pool_reserve(const struct pf_maps *m, __u32 free);
/*
 * One step of growing ahead of grants: while the pool has fewer than `want`
 * classes, or (want > 0) less than a block free, makes the next
 * PF_POOL_STEP_LEAVES leaves of the next block on one shaped port (the block
 * counts once every port has it all). Shrinking never goes below `want`.
 * *more says whether another step is needed. Between steps a caller serves
 * its requests: a whole block is 258 class creations per shaped port, each
 * walking every filter block on the host.
 */
int pf_pool_ahead_step(const struct pf_maps *m, __u32 want, bool *more);
/*
 * Rebuilds the set from the blocks present on the ports alone, no leaf in use:
 * payflowd's reconcile then takes the leaves its database holds (the map may
 * hold stale entries, so it is not the truth there).
 */
int pf_pool_reset(const struct pf_maps *m);
/* Whether the set (already built) has the leaf in use. */
bool pf_pool_in_use(const struct pf_maps *m, __u32 classid);
/* A pooled leaf's class id (M:n, n in 1..PF_POOL_BLOCK), and its index. */
bool pf_pool_is_leaf(__u32 classid);
__u32 pf_pool_leaf_index(__u32 classid);
/* The class as tc prints it ("10:1", "1:2a"). */
const char *pf_class_format(__u32 classid, char *buf, unsigned long len);
/* Blocks present on every shaped port; builds the set if needed. */
int pf_pool_blocks(const struct pf_maps *m, __u32 *blocks);

#endif /* PF_POOL_H */
