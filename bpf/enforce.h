/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The one enforcement body of both hooks, in the way Cilium's bpf/lib serves
 * tc and XDP: the hook parses its packet into a struct pf_pkt, pf_enforce()
 * counts, looks up, meters and polices, and answers with a hook-neutral
 * verdict that the hook maps onto TC_ACT_* / skb->priority or XDP_*.
 */
#ifndef PF_ENFORCE_H
#define PF_ENFORCE_H

#include "payflow.h"
#include "parse.h"
#include "police.h"
#include "maps.h"

/* Which hook runs the body. */
enum pf_hook {
	PF_HOOK_TC = 0,	 /* clsact egress toward the destination host */
	PF_HOOK_XDP = 1, /* ingress, before the stack */
};

/* A packet as the body sees it. */
struct pf_pkt {
	struct pf_key key; /* valid when parsed == PF_PARSE_OK */
	__u64 len;	   /* wire bytes to meter and charge */
	int parsed;	   /* enum pf_parse_result */
	__u32 hook;	   /* enum pf_hook */
	__u32 ingress;	   /* tc: ifindex the packet entered the host by, 0 if local */
	__u32 ecn;	   /* the IP header's ECN field (parse.h) */
	__u32 lo_to_hi;	   /* 1: the source is key.lo (a one-way reservation's direction) */
};

/* What to do with the packet, whatever the hook. */
enum pf_verdict {
	PF_V_UNCONFIGURED = 0, /* no config: pass untouched */
	PF_V_BE,	       /* pass as best effort (config.be_classid) */
	PF_V_CLASS,	       /* pass in the reservation's HTB class */
	PF_V_DIRECT,	       /* pass with the HTB-direct priority */
	PF_V_DROP,	       /* over the reservation's rate */
	PF_V_MARK,	       /* pass with the HTB-direct priority, marked CE (tc only) */
};

/* A verdict and the HTB class (skb->priority) it stands for on a shaped port. */
struct pf_result {
	__u32 verdict; /* enum pf_verdict */
	__u32 classid; /* be_classid, the reservation's class or direct_id */
};

/* A one-way reservation does not cover packets of the other direction. */
static __always_inline int pf_other_way(const struct pf_resv *r, __u32 lo_to_hi)
{
	__u32 way = r->flags & (PF_RESV_F_LO_TO_HI | PF_RESV_F_HI_TO_LO);

	return way == (lo_to_hi ? PF_RESV_F_HI_TO_LO : PF_RESV_F_LO_TO_HI);
}

static __always_inline struct pf_result pf_result(__u32 verdict, __u32 classid)
{
	struct pf_result res = {.verdict = verdict, .classid = classid};

	return res;
}

/*
 * The clock of expires_at: CLOCK_BOOTTIME, which keeps counting through a
 * suspend as the database's wall-clock ends do. The kernel has no coarse
 * CLOCK_BOOTTIME helper, and bpf_ktime_get_boot_ns() reads the clocksource
 * (25-40 ns a hit on this VM, bench/dp_ns.c); the coarse CLOCK_MONOTONIC
 * (one tick late at most) plus the offset userspace keeps in the config
 * (boot_offset_ns, changed only by a suspend) is the same instant for a few ns.
 */
static __always_inline __u64 pf_now(const struct pf_config *cfg)
{
	return bpf_ktime_get_coarse_ns() + cfg->boot_offset_ns;
}

/*
 * No live reservation: best effort. With metering on, one packet in
 * 2^be_sample (by this CPU's count of `why`) is metered for all of them, so
 * the others do no second lookup.
 */
static __always_inline struct pf_result pf_miss(const struct pf_pkt *p, const struct pf_config *cfg,
						__u32 why)
{
	__u64 n = pf_count(why);
	__u32 shift = cfg->be_sample;

	if ((cfg->flags & PF_CFG_METER_BE) && shift <= PF_BE_SAMPLE_MAX &&
	    !(n & ((1ULL << shift) - 1)))
		pf_meter_be(&p->key, 1ULL << shift, p->len << shift);
	return pf_result(PF_V_BE, cfg->be_classid);
}

/* A live reservation in shape mode: its class (or direct), metered. */
static __always_inline struct pf_result
pf_shape(const struct pf_pkt *p, const struct pf_config *cfg, const struct pf_resv *r)
{
	pf_meter_slot(r->slot, p->len, 0);
	if (r->flags & PF_RESV_F_DIRECT)
		return pf_result(PF_V_DIRECT, cfg->direct_id);
	return pf_result(PF_V_CLASS, r->classid);
}

/* An ECN-capable packet at tc: passed, marked CE or dropped (police.h). */
static __always_inline struct pf_result
pf_police_ecn_pkt(const struct pf_pkt *p, const struct pf_config *cfg, struct pf_resv *r, __u64 now)
{
	int v = pf_police_ecn(r, p->len, now);

	pf_meter_slot(r->slot, p->len, v == PF_ECN_DROP);
	if (v == PF_ECN_DROP) {
		pf_count(PF_CNT_DROP);
		return pf_result(PF_V_DROP, cfg->direct_id);
	}
	if (v == PF_ECN_MARK && p->ecn != 3) {
		pf_count(PF_CNT_ECN_MARK);
		return pf_result(PF_V_MARK, cfg->direct_id);
	}
	return pf_result(PF_V_DIRECT, cfg->direct_id);
}

/*
 * Whether pf_xdp policed (and metered) a packet already: only if it entered
 * through a port of ours with XDP attached. Anything else (an uplink without
 * XDP, a local sender) is policed by tc, so unpoliced traffic never gets the
 * HTB-direct priority.
 */
static __always_inline int pf_xdp_ingress(__u32 ifindex)
{
	struct pf_port *port;

	if (!ifindex)
		return 0;
	port = bpf_map_lookup_elem(&ports, &ifindex);
	return port && (port->flags & PF_PORT_XDP);
}

/* A live reservation in police mode: charged to its bucket, metered either way. */
static __always_inline struct pf_result
pf_police_pkt(const struct pf_pkt *p, const struct pf_config *cfg, struct pf_resv *r, __u64 now)
{
	if (p->hook == PF_HOOK_TC && (cfg->flags & PF_CFG_XDP_POLICES) &&
	    pf_xdp_ingress(p->ingress))
		return pf_result(PF_V_DIRECT, cfg->direct_id);
	if (p->hook == PF_HOOK_TC && (cfg->flags & PF_CFG_ECN) && p->ecn)
		return pf_police_ecn_pkt(p, cfg, r, now);
	if (pf_police(r, p->len, now, cfg->flags & PF_CFG_EARLY_DROP)) {
		pf_meter_slot(r->slot, p->len, 0);
		return pf_result(PF_V_DIRECT, cfg->direct_id);
	}
	pf_count(PF_CNT_DROP);
	pf_meter_slot(r->slot, p->len, 1);
	return pf_result(PF_V_DROP, cfg->direct_id);
}

static __always_inline struct pf_result pf_enforce(const struct pf_pkt *p)
{
	struct pf_config *cfg = pf_config();
	struct pf_resv *r;
	__u64 now = 0;

	pf_count(PF_CNT_PACKETS);
	if (!cfg)
		return pf_result(PF_V_UNCONFIGURED, 0);
	if (p->parsed != PF_PARSE_OK) {
		pf_count(p->parsed == PF_PARSE_NON_IP ? PF_CNT_NON_IP : PF_CNT_MALFORMED);
		return pf_result(PF_V_BE, cfg->be_classid);
	}
	/* The one hash lookup of a packet: the entry carries its stats slot. A
	 * one-way entry of the other direction counts as none. */
	r = bpf_map_lookup_elem(&reservations, &p->key);
	if (!r || pf_other_way(r, p->lo_to_hi))
		return pf_miss(p, cfg, PF_CNT_MISS);
	now = pf_now(cfg);
	if (r->expires_at <= now)
		return pf_miss(p, cfg, PF_CNT_EXPIRED);
	pf_count(PF_CNT_HIT);
	if (cfg->mode == PF_MODE_SHAPE)
		return pf_shape(p, cfg, r);
	return pf_police_pkt(p, cfg, r, now);
}

#endif /* PF_ENFORCE_H */
