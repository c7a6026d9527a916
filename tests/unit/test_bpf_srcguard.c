// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The source guard under BPF_PROG_TEST_RUN: pf_tc_ingress on a guarded port
 * passes its hosts' sources and drops (and counts) forged ones, IPv4, IPv6
 * and VLAN-tagged; pf_xdp on a guarded port drops a forged source before it
 * can drain the victim's police bucket. The allow list is written by the
 * dataplane library, as payflowd writes it.
 */
#include "unit.h"
#include "bpf_fixture.h"
#include "userspace/dataplane/srcguard.h"

#define PORT  1 /* lo: XDP test runs need a real device for ingress_ifindex */
#define OTHER 2 /* another guarded port, h2's */

#define H1   "10.0.0.1"
#define H2   "10.0.0.2"
#define H3   "10.0.0.3"
#define H1_6 "2001:db8::1"
#define H2_6 "2001:db8::2"

static const __u16 ONE_TAG[2] = {ETH_P_8021Q, 0};
static const __u16 QINQ[2] = {ETH_P_8021AD, ETH_P_8021Q};

static struct pf_src_prefix prefix(const char *text, int len)
{
	struct pf_src_prefix p = {.len = (__u8)len};

	if (pf_fx_addr(text, p.addr))
		p.len = 255; /* refused by pf_src_allow_set: the test fails loudly */
	return p;
}

/* PORT serves H1 and 10.1.0.0/16 and H1_6; OTHER serves H2 and H2_6. */
static int setup(struct pf_fx *fx, __u32 port_flags)
{
	struct pf_src_prefix mine[] = {prefix(H1, 128), prefix("10.1.0.0", 96 + 16),
				       prefix(H1_6, 128)};
	struct pf_src_prefix theirs[] = {prefix(H2, 128), prefix(H2_6, 128)};
	struct pf_port port = {.flags = port_flags};
	struct pf_maps m = {0};
	__u32 ifindex = PORT;
	int err = pf_fx_open(fx, false);

	if (err)
		return err;
	m.src_allow = bpf_map__fd(fx->skel->maps.src_allow);
	err = pf_fx_set_config(fx, PF_MODE_POLICE, PF_CFG_METER_BE, PF_HANDLE(1U, 2U),
			       PF_HANDLE(1U, 0U));
	if (!err)
		err = pf_src_allow_set(&m, PORT, mine, 3);
	if (!err)
		err = pf_src_allow_set(&m, OTHER, theirs, 2);
	if (!err)
		err = bpf_map_update_elem(bpf_map__fd(fx->skel->maps.ports), &ifindex, &port,
					  BPF_ANY);
	return err;
}

/* Runs one frame from src to dst through pf_tc_ingress at PORT; returns the verdict. */
static int ingress(struct pf_fx *fx, int family, const char *src, const char *dst,
		   const __u16 *tpid)
{
	struct __sk_buff ctx = {.ingress_ifindex = PORT};
	__u8 pkt[PF_FRAME_MAX];
	__u32 len = pf_frame_make(pkt, family, src, dst, tpid, 10, NULL);
	int verdict = -1;

	if (!len || pf_fx_run_skb(fx->skel->progs.pf_tc_ingress, pkt, len, &ctx, &verdict))
		return -1;
	return verdict;
}

static void test_own_sources_pass(void)
{
	struct pf_fx fx;

	CHECK_EQ(setup(&fx, PF_PORT_TC | PF_PORT_SRC_GUARD), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(ingress(&fx, AF_INET, H1, H2, NULL), TC_ACT_OK);
	CHECK_EQ(ingress(&fx, AF_INET, "10.1.200.7", H2, NULL), TC_ACT_OK); /* in the /16 */
	CHECK_EQ(ingress(&fx, AF_INET6, H1_6, H2_6, NULL), TC_ACT_OK);
	CHECK_EQ(ingress(&fx, AF_INET, H1, H2, ONE_TAG), TC_ACT_OK);
	CHECK_EQ(ingress(&fx, AF_INET6, H1_6, H2_6, QINQ), TC_ACT_OK);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_SPOOFED), 0);
	pf_fx_close(&fx);
}

static void test_forged_sources_dropped(void)
{
	struct pf_fx fx;

	CHECK_EQ(setup(&fx, PF_PORT_TC | PF_PORT_SRC_GUARD), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(ingress(&fx, AF_INET, H2, H3, NULL), TC_ACT_SHOT); /* another port's host */
	CHECK_EQ(ingress(&fx, AF_INET, H3, H2, NULL), TC_ACT_SHOT); /* nobody's */
	CHECK_EQ(ingress(&fx, AF_INET, "10.2.0.1", H2, NULL), TC_ACT_SHOT); /* outside the /16 */
	CHECK_EQ(ingress(&fx, AF_INET6, H2_6, H1_6, NULL), TC_ACT_SHOT);
	CHECK_EQ(ingress(&fx, AF_INET6, "2001:db8::3", H2_6, NULL), TC_ACT_SHOT);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_SPOOFED), 5);
	pf_fx_close(&fx);
}

static void test_forged_tagged_sources_dropped(void)
{
	struct pf_fx fx;

	CHECK_EQ(setup(&fx, PF_PORT_TC | PF_PORT_SRC_GUARD), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(ingress(&fx, AF_INET, H3, H2, ONE_TAG), TC_ACT_SHOT);
	CHECK_EQ(ingress(&fx, AF_INET, H3, H2, QINQ), TC_ACT_SHOT);
	CHECK_EQ(ingress(&fx, AF_INET6, H2_6, H1_6, ONE_TAG), TC_ACT_SHOT);
	CHECK_EQ(ingress(&fx, AF_INET6, H2_6, H1_6, QINQ), TC_ACT_SHOT);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_SPOOFED), 4);
	pf_fx_close(&fx);
}

/* ARP, neighbour discovery from link-local or unspecified sources, and other ports' frames. */
static void test_arp_nd_and_unguarded_ports_pass(void)
{
	struct __sk_buff ctx = {.ingress_ifindex = 5}; /* a port with no allow list */
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	int verdict = -1;
	__u32 len;

	CHECK_EQ(setup(&fx, PF_PORT_TC | PF_PORT_SRC_GUARD), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(ingress(&fx, AF_UNSPEC, NULL, NULL, NULL), TC_ACT_OK);
	CHECK_EQ(ingress(&fx, AF_UNSPEC, NULL, NULL, ONE_TAG), TC_ACT_OK);
	CHECK_EQ(ingress(&fx, AF_INET6, "fe80::99", "ff02::1:ff00:2", NULL), TC_ACT_OK);
	CHECK_EQ(ingress(&fx, AF_INET6, "::", "ff02::1:ff00:2", NULL), TC_ACT_OK);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_SPOOFED), 0);
	/* Link-local is fe80::/10 only: fec0:: is not let through. */
	CHECK_EQ(ingress(&fx, AF_INET6, "fec0::1", H2_6, NULL), TC_ACT_SHOT);
	/* At a port with no prefixes at all everything is foreign: attach only guarded ports. */
	len = pf_frame_make(pkt, AF_INET, H1, H2, NULL, 10, NULL);
	CHECK_EQ(pf_fx_run_skb(fx.skel->progs.pf_tc_ingress, pkt, len, &ctx, &verdict), 0);
	CHECK_EQ(verdict, TC_ACT_SHOT);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_SPOOFED), 2);
	pf_fx_close(&fx);
}

/* A new list replaces the old one; an empty list clears the port. */
static void test_allow_list_replaced(void)
{
	struct pf_src_prefix h3[] = {prefix(H3, 128)};
	struct pf_maps m = {0};
	struct pf_fx fx;

	CHECK_EQ(setup(&fx, PF_PORT_TC | PF_PORT_SRC_GUARD), 0);
	if (!fx.skel)
		return;
	m.src_allow = bpf_map__fd(fx.skel->maps.src_allow);
	CHECK_EQ(pf_src_allow_count(&m, PORT), 3);
	CHECK_EQ(pf_src_allow_set(&m, PORT, h3, 1), 0);
	CHECK_EQ(pf_src_allow_count(&m, PORT), 1);
	CHECK_EQ(pf_src_allow_count(&m, OTHER), 2);
	CHECK_EQ(ingress(&fx, AF_INET, H3, H2, NULL), TC_ACT_OK);
	CHECK_EQ(ingress(&fx, AF_INET, H1, H2, NULL), TC_ACT_SHOT);
	h3[0].len = 129;
	CHECK_EQ(pf_src_allow_set(&m, PORT, h3, 1), -EINVAL);
	CHECK_EQ(pf_src_allow_count(&m, PORT), 1); /* a bad list changes nothing */
	CHECK_EQ(pf_src_allow_set(&m, PORT, NULL, 0), 0);
	CHECK_EQ(pf_src_allow_count(&m, PORT), 0);
	CHECK_EQ(pf_src_allow_count(&m, OTHER), 2);
	pf_fx_close(&fx);
}

/*
 * XDP policing at PORT (an XDP test run without a context enters by lo,
 * ifindex 1 = PORT): a host there forges H2's source toward H3, whose pair
 * has a police reservation. Guarded, the frame is dropped before the policer
 * and the victims' bucket and stats stay untouched; unguarded, it is charged
 * to their pair.
 */
static void check_xdp_forged(__u32 port_flags)
{
	struct pf_resv r = pf_fx_resv(PF_HANDLE(1U, 0x11U), 80, 1000), after;
	bool guarded = port_flags & PF_PORT_SRC_GUARD;
	__u8 pkt[PF_FRAME_MAX];
	struct pf_key key;
	struct pf_stats st;
	struct pf_fx fx;
	int verdict = -1;
	__u32 len;

	CHECK_EQ(setup(&fx, port_flags), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(pf_fx_add_resv(&fx, H2, H3, &r), 0);
	len = pf_frame_make(pkt, AF_INET, H2, H3, NULL, 46, NULL);
	CHECK_EQ(pf_fx_run_xdp(&fx, pkt, len, 0, &verdict), 0);
	CHECK_EQ(verdict, guarded ? XDP_DROP : XDP_PASS);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_SPOOFED), guarded ? 1 : 0);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), guarded ? 0 : 1);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, H2, H3, &st), guarded ? -ENOENT : 0);
	CHECK_EQ(st.bytes, guarded ? 0 : len);
	CHECK_EQ(pf_fx_key(&key, H2, H3), 0);
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(fx.skel->maps.reservations), &key, &after), 0);
	CHECK(guarded ? after.tat == 0 : after.tat > 0);
	/* The port's own host still gets through the guard. */
	len = pf_frame_make(pkt, AF_INET, H1, H3, NULL, 46, NULL);
	CHECK_EQ(pf_fx_run_xdp(&fx, pkt, len, 0, &verdict), 0);
	CHECK_EQ(verdict, XDP_PASS);
	pf_fx_close(&fx);
}

static void test_xdp_guard_drops_forged_before_policing(void)
{
	check_xdp_forged(PF_PORT_TC | PF_PORT_XDP | PF_PORT_SRC_GUARD);
	check_xdp_forged(PF_PORT_TC | PF_PORT_XDP);
}

int main(void)
{
	RUN(test_own_sources_pass);
	RUN(test_forged_sources_dropped);
	RUN(test_forged_tagged_sources_dropped);
	RUN(test_arp_nd_and_unguarded_ports_pass);
	RUN(test_allow_list_replaced);
	RUN(test_xdp_guard_drops_forged_before_policing);
	return unit_done();
}
