/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The stats slots of reservations: each entry of the reservations map names
 * its index in the resv_stats per-CPU array (pf_resv.slot), so a packet does
 * one hash lookup. Slots run 1..capacity; the lowest free one is handed out,
 * so the used range stays as small as the number of live entries (the
 * metrics read the array up to the highest slot in use).
 *
 * The set of used slots is rebuilt from the map at the first allocation of a
 * process (the map is the truth; it survives restarts) and kept in memory
 * after that. Two processes writing the same pins at once could pick the
 * same slot: only payflowd writes while it runs (payflowctl direct is for
 * a data plane without a daemon).
 */
#ifndef PF_SLOTS_H
#define PF_SLOTS_H

#include <stdbool.h>
#include <linux/types.h>

struct pf_slots {
	__u8 *used;  /* bitmap over 0..cap, NULL until built */
	__u32 cap;   /* highest slot */
	__u32 hint;  /* no free slot below it */
	__u32 top;   /* highest slot handed out (or seen) so far */
	__u32 count; /* slots in use */
};

struct pf_maps;

/* A new empty set (built on first use), or NULL (pf_last_error). */
struct pf_slots *pf_slots_new(void);
void pf_slots_free(struct pf_slots *s);
/* The lowest free slot, marked used. -ENOSPC when all are taken. */
int pf_slot_alloc(const struct pf_maps *m, __u32 *slot);
/* Zeroes the slot's counters on every CPU (a new reservation's stats start at 0). */
int pf_slot_zero(const struct pf_maps *m, __u32 slot);
/* Returns a slot to the free set; 0 and unknown slots are ignored. */
void pf_slot_free(const struct pf_maps *m, __u32 slot);

#endif /* PF_SLOTS_H */
