// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * PayFlow data plane: classify each packet by its unordered IP pair, then
 * shape (steer into the reservation's HTB class) or police (GCRA drop) it.
 *
 *   pf_tc_egress  tc clsact egress on a host-facing bridge/veth port. Every
 *                 packet meets it once, on the port toward its destination.
 *   pf_xdp        XDP ingress, police mode only (native-XDP NICs, floods).
 *
 * Both only parse their packet and map the verdict of the one enforcement
 * body, pf_enforce() in enforce.h, onto their hook's return codes.
 *
 * Expiry is decided here, from CLOCK_MONOTONIC: an entry past expires_at is
 * treated as absent, so a reservation ends on time with no controller alive.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "enforce.h"

/* Parses the skb; pulls non-linear headers into the linear area once if needed. */
static __always_inline int pf_parse_skb(struct __sk_buff *skb, struct pf_pkt *p)
{
	int rc = pf_parse_key((void *)(long)skb->data, (void *)(long)skb->data_end, &p->key,
			      &p->lo_to_hi);
	__u32 linear = skb->data_end - skb->data;

	if (rc != PF_PARSE_MALFORMED || skb->len <= linear)
		return rc;
	if (bpf_skb_pull_data(skb, skb->len < 64 ? skb->len : 64))
		return rc;
	return pf_parse_key((void *)(long)skb->data, (void *)(long)skb->data_end, &p->key,
			    &p->lo_to_hi);
}

/* Maps a verdict onto the skb: HTB reads skb->priority as the class. */
static __always_inline int pf_tc_action(struct __sk_buff *skb, struct pf_result res)
{
	if (res.verdict == PF_V_UNCONFIGURED)
		return TC_ACT_OK;
	skb->priority = res.classid;
	return res.verdict == PF_V_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int pf_tc_egress(struct __sk_buff *skb)
{
	struct pf_pkt p = {.hook = PF_HOOK_TC};

	p.parsed = pf_parse_skb(skb, &p);
	/* A GSO super-packet's wire_len counts every segment's headers. */
	p.len = skb->wire_len ? skb->wire_len : skb->len;
	return pf_tc_action(skb, pf_enforce(&p));
}

SEC("xdp")
int pf_xdp(struct xdp_md *ctx)
{
	struct pf_pkt p = {.hook = PF_HOOK_XDP};

	p.parsed =
	    pf_parse_key((void *)(long)ctx->data, (void *)(long)ctx->data_end, &p.key, &p.lo_to_hi);
	p.len = bpf_xdp_get_buff_len(ctx);
	return pf_enforce(&p).verdict == PF_V_DROP ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
