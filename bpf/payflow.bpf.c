// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * PayFlow data plane: classify each packet by its unordered IP pair, then
 * shape (steer into the reservation's HTB class) or police (GCRA drop) it.
 *
 *   pf_tc_egress  tc clsact egress on a host-facing bridge/veth port. Every
 *                 packet meets it once, on the port toward its destination.
 *   pf_xdp        XDP ingress, police mode only (native-XDP NICs, floods).
 *   pf_tc_ingress tc clsact ingress on an edge port with configured hosts:
 *                 drops packets whose source is not one of them (srcguard.h).
 *
 * Both only parse their packet and map the verdict of the one enforcement
 * body, pf_enforce() in enforce.h, onto their hook's return codes.
 *
 * Expiry is decided here, on CLOCK_BOOTTIME (which, unlike CLOCK_MONOTONIC,
 * keeps counting through a suspend, as the database's wall-clock ends do; read
 * cheaply as in enforce.h, pf_now): an entry past expires_at is treated as
 * absent, so a reservation ends on time with no controller alive.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "enforce.h"
#include "srcguard.h"

/* Parses the skb; pulls non-linear headers into the linear area once if needed. */
static __always_inline int pf_parse_skb(struct __sk_buff *skb, struct pf_addrs *ad)
{
	int rc = pf_parse_addrs((void *)(long)skb->data, (void *)(long)skb->data_end, ad);
	__u32 linear = skb->data_end - skb->data;

	if (rc != PF_PARSE_MALFORMED || skb->len <= linear)
		return rc;
	if (bpf_skb_pull_data(skb, skb->len < 64 ? skb->len : 64))
		return rc;
	return pf_parse_addrs((void *)(long)skb->data, (void *)(long)skb->data_end, ad);
}

/* Maps a verdict onto the skb: HTB reads skb->priority as the class. */
static __always_inline int pf_tc_action(struct __sk_buff *skb, struct pf_result res)
{
	if (res.verdict == PF_V_UNCONFIGURED)
		return TC_ACT_OK;
	skb->priority = res.classid;
	if (res.verdict == PF_V_MARK)
		bpf_skb_ecn_set_ce(skb);
	return res.verdict == PF_V_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int pf_tc_egress(struct __sk_buff *skb)
{
	struct pf_pkt p = {.hook = PF_HOOK_TC, .ingress = skb->ingress_ifindex};
	struct pf_addrs ad;

	p.parsed = pf_parse_skb(skb, &ad);
	if (p.parsed == PF_PARSE_OK) {
		p.lo_to_hi = pf_key_make(&p.key, ad.src, ad.dst);
		p.ecn = ad.ecn;
	}
	/* A GSO super-packet's wire_len counts every segment's headers. */
	p.len = skb->wire_len ? skb->wire_len : skb->len;
	return pf_tc_action(skb, pf_enforce(&p));
}

SEC("xdp")
int pf_xdp(struct xdp_md *ctx)
{
	struct pf_pkt p = {.hook = PF_HOOK_XDP};
	struct pf_addrs ad;

	p.parsed = pf_parse_addrs((void *)(long)ctx->data, (void *)(long)ctx->data_end, &ad);
	/* A forged source must not reach the policer: it would drain the victim's bucket. */
	if (pf_src_guarded(ctx->ingress_ifindex) &&
	    !pf_src_guard(ctx->ingress_ifindex, p.parsed, &ad))
		return XDP_DROP;
	if (p.parsed == PF_PARSE_OK)
		p.lo_to_hi = pf_key_make(&p.key, ad.src, ad.dst);
	p.len = bpf_xdp_get_buff_len(ctx);
	return pf_enforce(&p).verdict == PF_V_DROP ? XDP_DROP : XDP_PASS;
}

/* The source guard at a guarded port's tc ingress (before the bridge forwards). */
SEC("tc")
int pf_tc_ingress(struct __sk_buff *skb)
{
	struct pf_addrs ad;
	int rc = pf_parse_skb(skb, &ad);

	return pf_src_guard(skb->ingress_ifindex, rc, &ad) ? TC_ACT_OK : TC_ACT_SHOT;
}

char _license[] SEC("license") = "Dual BSD/GPL";

/*
 * The class selectors, cls_bpf filters (not direct-action: the return value
 * is the class) on the HTB qdiscs 1: and 2:. HTB matches skb->priority only
 * against its own classes, so a pooled leaf M:n set by pf_tc_egress is reached
 * through 1:3 (which holds 2:) and 2:M (which holds M:). 0: no match.
 */
SEC("tc")
int pf_sel_root(struct __sk_buff *skb)
{
	__u32 major = skb->priority >> 16;

	return major >= PF_POOL_MAJOR_MIN ? PF_HANDLE(PF_HTB_MAJOR, PF_POOL_HOLDER_MINOR) : 0;
}

SEC("tc")
int pf_sel_pool(struct __sk_buff *skb)
{
	__u32 major = skb->priority >> 16;

	return major >= PF_POOL_MAJOR_MIN ? PF_HANDLE(PF_POOL_QDISC_MAJOR, major) : 0;
}
