/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The pinned maps both programs share, and the small helpers that count and
 * meter into them. Included once, by payflow.bpf.c (through enforce.h).
 */
#ifndef PF_MAPS_H
#define PF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "payflow.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, PF_MAX_RESERVATIONS);
	__type(key, struct pf_key);
	__type(value, struct pf_resv);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} reservations SEC(".maps");

/* Indexed by pf_resv.slot (0 collects entries written without one). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PF_MAX_RESERVATIONS + 1);
	__type(key, __u32);
	__type(value, struct pf_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} resv_stats SEC(".maps");

/* Unreserved pairs: LRU is fine here, nothing paid lives in it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, PF_MAX_BE_FLOWS);
	__type(key, struct pf_key);
	__type(value, struct pf_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} be_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pf_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PF_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} counters SEC(".maps");

/* Attached ports: written by userspace; tc reads which ones run pf_xdp. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PF_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct pf_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ports SEC(".maps");

/* The source prefixes allowed at each guarded port (value unused). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, PF_MAX_SRC_PREFIXES);
	__type(key, struct pf_src_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} src_allow SEC(".maps");

/* Counts one event; returns this CPU's count so far (for sampling). */
static __always_inline __u64 pf_count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	return c ? ++*c : 0;
}

/* A reservation's packet, in its slot of resv_stats: an array, no hashing. */
static __always_inline void pf_meter_slot(__u32 slot, __u64 len, int dropped)
{
	struct pf_stats *s = bpf_map_lookup_elem(&resv_stats, &slot);

	if (!s)
		return;
	if (dropped) {
		s->drops++;
	} else {
		s->packets++;
		s->bytes += len;
	}
}

/* `pkts` packets of `bytes` of an unreserved pair in be_stats. */
static __always_inline void pf_meter_be(const struct pf_key *key, __u64 pkts, __u64 bytes)
{
	struct pf_stats *s = bpf_map_lookup_elem(&be_stats, key);

	if (!s) {
		struct pf_stats init = {};

		bpf_map_update_elem(&be_stats, key, &init, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&be_stats, key);
		if (!s)
			return;
	}
	s->packets += pkts;
	s->bytes += bytes;
}

static __always_inline struct pf_config *pf_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&config, &zero);
}

#endif /* PF_MAPS_H */
