/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Packet parsing into the two addresses and the unordered-pair key: Ethernet, up to two VLAN tags
 * (802.1Q / 802.1ad), IPv4 or IPv6. Every access is bounds-checked; a packet
 * that ends early is reported as malformed and never classified.
 */
#ifndef PF_PARSE_H
#define PF_PARSE_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include "payflow.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

enum pf_parse_result {
	PF_PARSE_OK = 0,
	PF_PARSE_NON_IP,    /* ARP, LLDP, ...: not ours to classify */
	PF_PARSE_MALFORMED, /* truncated or invalid header */
};

struct pf_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

static __always_inline void pf_set_v4(__u8 *dst, __be32 addr)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr, 4);
}

/* A packet's two addresses, 16 bytes each (IPv4 as ::ffff:a.b.c.d). */
struct pf_addrs {
	__u8 src[16];
	__u8 dst[16];
	__u8 ecn; /* the IP header's ECN field: 0 not ECN-capable, 1-2 ECT, 3 CE */
};

/* Fills `ad` from an Ethernet frame; returns enum pf_parse_result. */
static __always_inline int pf_parse_addrs(void *data, void *data_end, struct pf_addrs *ad)
{
	struct ethhdr *eth = data;
	void *cur = eth + 1;
	__u16 proto;

	if (cur > data_end)
		return PF_PARSE_MALFORMED;
	proto = bpf_ntohs(eth->h_proto);

#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct pf_vlan_hdr *vlan = cur;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if ((void *)(vlan + 1) > data_end)
			return PF_PARSE_MALFORMED;
		proto = bpf_ntohs(vlan->proto);
		cur = vlan + 1;
	}

	if (proto == ETH_P_IP) {
		struct iphdr *ip = cur;

		if ((void *)(ip + 1) > data_end)
			return PF_PARSE_MALFORMED;
		if (ip->version != 4 || ip->ihl < 5)
			return PF_PARSE_MALFORMED;
		pf_set_v4(ad->src, ip->saddr);
		pf_set_v4(ad->dst, ip->daddr);
		ad->ecn = ip->tos & 3;
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = cur;

		if ((void *)(ip6 + 1) > data_end)
			return PF_PARSE_MALFORMED;
		if (ip6->version != 6)
			return PF_PARSE_MALFORMED;
		__builtin_memcpy(ad->src, &ip6->saddr, 16);
		__builtin_memcpy(ad->dst, &ip6->daddr, 16);
		ad->ecn = (ip6->flow_lbl[0] >> 4) & 3; /* the low bits of the traffic class */
	} else if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		return PF_PARSE_MALFORMED; /* more than two tags: not a frame we accept */
	} else {
		return PF_PARSE_NON_IP;
	}
	return PF_PARSE_OK;
}

#endif /* PF_PARSE_H */
