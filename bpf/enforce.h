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
	__u32 lo_to_hi;	   /* 1: the source is key.lo (a one-way reservation's direction) */
};

/* What to do with the packet, whatever the hook. */
enum pf_verdict {
	PF_V_UNCONFIGURED = 0, /* no config: pass untouched */
	PF_V_BE,	       /* pass as best effort (config.be_classid) */
	PF_V_CLASS,	       /* pass in the reservation's HTB class */
	PF_V_DIRECT,	       /* pass with the HTB-direct priority */
	PF_V_DROP,	       /* over the reservation's rate */
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

/*
 * The live reservation of the packet's pair and direction, or NULL if there
 * is none (a one-way entry of the other direction counts as none) or it has
 * expired. Sets *now only for an entry: a miss skips the clock read (~30 ns
 * in a VM).
 */
static __always_inline struct pf_resv *pf_lookup(const struct pf_pkt *p, __u64 *now)
{
	struct pf_resv *r = bpf_map_lookup_elem(&reservations, &p->key);

	if (!r || pf_other_way(r, p->lo_to_hi)) {
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

static __always_inline struct pf_result pf_result(__u32 verdict, __u32 classid)
{
	struct pf_result res = {.verdict = verdict, .classid = classid};

	return res;
}

/* A live reservation in shape mode: its class (or direct), metered. */
static __always_inline struct pf_result
pf_shape(const struct pf_pkt *p, const struct pf_config *cfg, const struct pf_resv *r)
{
	pf_meter(&resv_stats, &p->key, p->len, 0);
	if (r->flags & PF_RESV_F_DIRECT)
		return pf_result(PF_V_DIRECT, cfg->direct_id);
	return pf_result(PF_V_CLASS, r->classid);
}

/* A live reservation in police mode: charged to its bucket, metered either way. */
static __always_inline struct pf_result
pf_police_pkt(const struct pf_pkt *p, const struct pf_config *cfg, struct pf_resv *r, __u64 now)
{
	/* XDP policed and metered it at ingress already. */
	if (p->hook == PF_HOOK_TC && (cfg->flags & PF_CFG_XDP_POLICES))
		return pf_result(PF_V_DIRECT, cfg->direct_id);
	if (pf_police(r, p->len, now, cfg->flags & PF_CFG_EARLY_DROP)) {
		pf_meter(&resv_stats, &p->key, p->len, 0);
		return pf_result(PF_V_DIRECT, cfg->direct_id);
	}
	pf_count(PF_CNT_DROP);
	pf_meter(&resv_stats, &p->key, p->len, 1);
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
	r = pf_lookup(p, &now);
	if (!r) {
		if (cfg->flags & PF_CFG_METER_BE)
			pf_meter(&be_stats, &p->key, p->len, 0);
		return pf_result(PF_V_BE, cfg->be_classid);
	}
	if (cfg->mode == PF_MODE_SHAPE)
		return pf_shape(p, cfg, r);
	return pf_police_pkt(p, cfg, r, now);
}

#endif /* PF_ENFORCE_H */
