// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * PayFlow data plane: classify each packet by its unordered IP pair, then
 * shape (steer into the reservation's HTB class) or police (GCRA drop) it.
 *
 *   pf_tc_egress  tc clsact egress on a host-facing bridge/veth port. Every
 *                 packet meets it once, on the port toward its destination.
 *   pf_xdp        XDP ingress, police mode only (native-XDP NICs, floods).
 *
 * Expiry is decided here, from CLOCK_MONOTONIC: an entry past expires_at is
 * treated as absent, so a reservation ends on time with no controller alive.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "payflow.h"
#include "parse.h"
#include "police.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, PF_MAX_RESERVATIONS);
	__type(key, struct pf_key);
	__type(value, struct pf_resv);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} reservations SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, PF_MAX_RESERVATIONS);
	__type(key, struct pf_key);
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

/* Attached ports (userspace bookkeeping, visible with bpftool). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PF_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct pf_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ports SEC(".maps");

static __always_inline void pf_count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		(*c)++;
}

static __always_inline void pf_meter(void *map, const struct pf_key *key, __u64 len, int dropped)
{
	struct pf_stats *s = bpf_map_lookup_elem(map, key);

	if (!s) {
		struct pf_stats init = {};

		bpf_map_update_elem(map, key, &init, BPF_NOEXIST);
		s = bpf_map_lookup_elem(map, key);
		if (!s)
			return;
	}
	if (dropped) {
		s->drops++;
	} else {
		s->packets++;
		s->bytes += len;
	}
}

static __always_inline struct pf_config *pf_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&config, &zero);
}

/*
 * The live reservation of `key`, or NULL if there is none or it has expired.
 * Sets *now only for an entry: a miss skips the clock read (~30 ns in a VM).
 */
static __always_inline struct pf_resv *pf_lookup(const struct pf_key *key, __u64 *now)
{
	struct pf_resv *r = bpf_map_lookup_elem(&reservations, key);

	if (!r) {
		pf_count(PF_CNT_MISS);
		return NULL;
	}
	*now = bpf_ktime_get_ns();
	if (r->expires_at <= *now) {
		pf_count(PF_CNT_EXPIRED);
		return NULL;
	}
	pf_count(PF_CNT_HIT);
	return r;
}

static __always_inline void pf_count_parse_error(int rc)
{
	pf_count(rc == PF_PARSE_NON_IP ? PF_CNT_NON_IP : PF_CNT_MALFORMED);
}

/* Parses the skb; pulls non-linear headers into the linear area once if needed. */
static __always_inline int pf_parse_skb(struct __sk_buff *skb, struct pf_key *key)
{
	int rc = pf_parse_key((void *)(long)skb->data, (void *)(long)skb->data_end, key);
	__u32 linear = skb->data_end - skb->data;

	if (rc != PF_PARSE_MALFORMED || skb->len <= linear)
		return rc;
	if (bpf_skb_pull_data(skb, skb->len < 64 ? skb->len : 64))
		return rc;
	return pf_parse_key((void *)(long)skb->data, (void *)(long)skb->data_end, key);
}

SEC("tc")
int pf_tc_egress(struct __sk_buff *skb)
{
	struct pf_config *cfg = pf_config();
	struct pf_key key;
	struct pf_resv *r;
	__u64 len, now;
	int rc;

	pf_count(PF_CNT_PACKETS);
	if (!cfg)
		return TC_ACT_OK;
	skb->priority = cfg->be_classid;

	rc = pf_parse_skb(skb, &key);
	if (rc != PF_PARSE_OK) {
		pf_count_parse_error(rc);
		return TC_ACT_OK;
	}
	/* A GSO super-packet's wire_len counts every segment's headers. */
	len = skb->wire_len ? skb->wire_len : skb->len;
	r = pf_lookup(&key, &now);
	if (!r) {
		if (cfg->flags & PF_CFG_METER_BE)
			pf_meter(&be_stats, &key, len, 0);
		return TC_ACT_OK;
	}
	if (cfg->mode == PF_MODE_SHAPE) {
		skb->priority = (r->flags & PF_RESV_F_DIRECT) ? cfg->direct_id : r->classid;
		pf_meter(&resv_stats, &key, len, 0);
		return TC_ACT_OK;
	}
	skb->priority = cfg->direct_id;
	if (cfg->flags & PF_CFG_XDP_POLICES)
		return TC_ACT_OK; /* policed and metered at ingress already */
	if (pf_police(r, len, now, cfg->flags & PF_CFG_EARLY_DROP)) {
		pf_meter(&resv_stats, &key, len, 0);
		return TC_ACT_OK;
	}
	pf_count(PF_CNT_DROP);
	pf_meter(&resv_stats, &key, len, 1);
	return TC_ACT_SHOT;
}

SEC("xdp")
int pf_xdp(struct xdp_md *ctx)
{
	struct pf_config *cfg = pf_config();
	struct pf_key key;
	struct pf_resv *r;
	__u64 len, now;
	int rc;

	pf_count(PF_CNT_PACKETS);
	if (!cfg)
		return XDP_PASS;
	rc = pf_parse_key((void *)(long)ctx->data, (void *)(long)ctx->data_end, &key);
	if (rc != PF_PARSE_OK) {
		pf_count_parse_error(rc);
		return XDP_PASS;
	}
	len = bpf_xdp_get_buff_len(ctx);
	r = pf_lookup(&key, &now);
	if (!r) {
		if (cfg->flags & PF_CFG_METER_BE)
			pf_meter(&be_stats, &key, len, 0);
		return XDP_PASS;
	}
	if (cfg->mode != PF_MODE_POLICE || pf_police(r, len, now, cfg->flags & PF_CFG_EARLY_DROP)) {
		pf_meter(&resv_stats, &key, len, 0);
		return XDP_PASS;
	}
	pf_count(PF_CNT_DROP);
	pf_meter(&resv_stats, &key, len, 1);
	return XDP_DROP;
}

char _license[] SEC("license") = "Dual BSD/GPL";
