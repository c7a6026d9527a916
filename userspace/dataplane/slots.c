// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "userspace/common/error.h"
#include "userspace/dataplane/dataplane.h"
#include "userspace/dataplane/resv.h"
#include "userspace/dataplane/slots.h"

struct pf_slots *pf_slots_new(void)
{
	struct pf_slots *s = calloc(1, sizeof(*s));

	if (!s)
		pf_fail(-ENOMEM, "out of memory");
	return s;
}

void pf_slots_free(struct pf_slots *s)
{
	if (s)
		free(s->used);
	free(s);
}

static bool is_used(const struct pf_slots *s, __u32 i)
{
	return s->used[i / 8] & (1U << (i % 8));
}

static void mark(struct pf_slots *s, __u32 i, bool used)
{
	if (used) {
		s->used[i / 8] |= 1U << (i % 8);
		s->count++;
		if (i > s->top)
			s->top = i;
	} else {
		s->used[i / 8] &= ~(1U << (i % 8));
		s->count--;
		if (i < s->hint)
			s->hint = i;
	}
}

static int note_used(const struct pf_key *key, const struct pf_resv *r, void *ctx)
{
	struct pf_slots *s = ctx;

	(void)key;
	if (r->slot && r->slot <= s->cap && !is_used(s, r->slot))
		mark(s, r->slot, true);
	return 0;
}

/* The slots the map's entries hold: the truth after a restart. */
static int build(const struct pf_maps *m, struct pf_slots *s)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(m->resv_stats, &info, &len))
		return pf_fail(-errno, "cannot read the resv_stats map: %s", strerror(errno));
	s->cap = info.max_entries - 1;
	s->used = calloc(info.max_entries / 8 + 1, 1);
	if (!s->used)
		return pf_fail(-ENOMEM, "out of memory");
	s->hint = 1;
	s->count = s->top = 0;
	return pf_resv_foreach(m, note_used, s);
}

int pf_slot_alloc(const struct pf_maps *m, __u32 *slot)
{
	struct pf_slots *s = m->slots;
	int err;

	if (!s)
		return pf_fail(-EINVAL, "the maps were opened without a slot set");
	if (!s->used && (err = build(m, s)))
		return err;
	for (__u32 i = s->hint; i <= s->cap; i++) {
		if (!is_used(s, i)) {
			mark(s, i, true);
			s->hint = i + 1;
			*slot = i;
			return 0;
		}
	}
	s->hint = s->cap + 1;
	/* One slot per entry: no free slot means the map is full. */
	return pf_fail(-ENOSPC, "the reservations map is full (%u entries)", s->cap);
}

int pf_slot_zero(const struct pf_maps *m, __u32 slot)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pf_stats *zero;
	int err = 0;

	if (ncpu < 0)
		return pf_fail(ncpu, "cannot count CPUs");
	zero = calloc(ncpu, sizeof(*zero));
	if (!zero)
		return pf_fail(-ENOMEM, "out of memory");
	if (bpf_map_update_elem(m->resv_stats, &slot, zero, BPF_ANY))
		err = pf_fail(-errno, "cannot reset stats slot %u: %s", slot, strerror(errno));
	free(zero);
	return err;
}

void pf_slot_free(const struct pf_maps *m, __u32 slot)
{
	struct pf_slots *s = m->slots;

	if (s && s->used && slot && slot <= s->cap && is_used(s, slot))
		mark(s, slot, false);
}
