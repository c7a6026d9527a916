// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * 802.1Q on a test host without the 8021q module or act_vlan (this kernel
 * has neither): tag every frame the host sends with VLAN 100 and untag
 * what it receives, like an eth0.100 sub-interface would.
 * tests/integration/test_path_shape.sh loads it with tc.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define VLAN_ID 100

SEC("tc")
int vlan_push(struct __sk_buff *skb)
{
	if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), VLAN_ID))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("classifier") /* a second section name, so that tc can pick each program */
int vlan_pop(struct __sk_buff *skb)
{
	if (skb->vlan_present && skb->vlan_tci == VLAN_ID && bpf_skb_vlan_pop(skb))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
