/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The source guard of an edge port: a host may send only from the addresses
 * the config gives its port (`hosts`), so no host can ride on, or drain,
 * another pair's reservation by forging its source address. Frames that are
 * not IP (ARP, LLDP) and IPv6 from link-local or unspecified sources
 * (neighbour discovery, DAD, MLD) pass: no reservation covers those.
 */
#ifndef PF_SRCGUARD_H
#define PF_SRCGUARD_H

#include "payflow.h"
#include "parse.h"
#include "maps.h"

/* fe80::/10 or ::, the sources of neighbour discovery. */
static __always_inline int pf_src_link_local(const __u8 *src)
{
	__u64 hi, lo;

	__builtin_memcpy(&hi, src, 8);
	__builtin_memcpy(&lo, src + 8, 8);
	if (!hi && !lo)
		return 1;
	return src[0] == 0xfe && (src[1] & 0xc0) == 0x80;
}

/* Whether `src` may enter by port `ifindex`. */
static __always_inline int pf_src_allowed(__u32 ifindex, const __u8 *src)
{
	struct pf_src_key key = {.prefixlen = 32 + 128, .ifindex = ifindex};

	if (pf_src_link_local(src))
		return 1;
	__builtin_memcpy(key.addr, src, 16);
	return bpf_map_lookup_elem(&src_allow, &key) != NULL;
}

/* Whether port `ifindex` is guarded (its tc ingress runs pf_tc_ingress). */
static __always_inline int pf_src_guarded(__u32 ifindex)
{
	struct pf_port *port = bpf_map_lookup_elem(&ports, &ifindex);

	return port && (port->flags & PF_PORT_SRC_GUARD);
}

/*
 * The guard's verdict on parsed addresses: 1 to pass, 0 to drop (counted).
 * Anything the parser could not read passes: enforcement treats it as best
 * effort, so it cannot ride on a reservation.
 */
static __always_inline int pf_src_guard(__u32 ifindex, int parsed, const struct pf_addrs *ad)
{
	if (parsed != PF_PARSE_OK || pf_src_allowed(ifindex, ad->src))
		return 1;
	pf_count(PF_CNT_SPOOFED);
	return 0;
}

#endif /* PF_SRCGUARD_H */
