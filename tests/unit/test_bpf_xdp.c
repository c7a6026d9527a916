// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * pf_xdp under BPF_PROG_TEST_RUN: verdict and what lands in counters,
 * resv_stats and be_stats. XDP sees every frame as it arrives, so it gets
 * truncations that tc test runs cannot carry (untagged short IP headers).
 */
#include "unit.h"
#include "bpf_fixture.h"

#define BE     PF_HANDLE(1U, 2U)
#define DIRECT PF_HANDLE(1U, 0U)
#define CLASS  PF_HANDLE(1U, 0x11U)

#define A4 "10.0.0.1"
#define B4 "10.0.0.2"
#define A6 "2001:db8::1"
#define B6 "2001:db8::2"

static const __u16 ONE_TAG[2] = {ETH_P_8021Q, 0};
static const __u16 QINQ[2] = {ETH_P_8021AD, ETH_P_8021Q};

static int setup(struct pf_fx *fx, __u32 mode, __u32 flags, const char *a, const char *b,
		 const struct pf_resv *r)
{
	int err = pf_fx_open(fx, false);

	if (err)
		return err;
	err = pf_fx_set_config(fx, mode, flags, BE, DIRECT);
	if (!err && r)
		err = pf_fx_add_resv(fx, a, b, r);
	return err;
}

/* Runs one frame; returns the verdict, or -1000 + -errno if the run failed. */
static int run(struct pf_fx *fx, const __u8 *pkt, __u32 len)
{
	int verdict, err = pf_fx_run_xdp(fx, pkt, len, 0, &verdict);

	return err ? -1000 + err : verdict;
}

/* A hit in shape mode (XDP does not police) and in police mode within the burst. */
static void check_hit(int family, const __u16 *tpid, __u32 mode)
{
	const char *a = family == AF_INET ? A4 : A6, *b = family == AF_INET ? B4 : B6;
	struct pf_resv r = pf_fx_resv(CLASS, 1000000000, 100000);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 len;

	CHECK_EQ(setup(&fx, mode, PF_CFG_METER_BE, a, b, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, family, a, b, tpid, 10, NULL);
	CHECK(len > 0);
	CHECK_EQ(run(&fx, pkt, len), XDP_PASS);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_PACKETS), 1);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 1);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MISS), 0);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 0);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, a, b, &st), 0);
	CHECK_EQ(st.packets, 1);
	CHECK_EQ(st.bytes, len);
	CHECK_EQ(st.drops, 0);
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.be_stats), 0);
	pf_fx_close(&fx);
}

static void test_xdp_hit_ipv4(void)
{
	check_hit(AF_INET, NULL, PF_MODE_POLICE);
	check_hit(AF_INET, NULL, PF_MODE_SHAPE);
}

static void test_xdp_hit_ipv6(void)
{
	check_hit(AF_INET6, NULL, PF_MODE_POLICE);
	check_hit(AF_INET6, NULL, PF_MODE_SHAPE);
}

static void test_xdp_hit_vlan(void)
{
	check_hit(AF_INET, ONE_TAG, PF_MODE_POLICE);
	check_hit(AF_INET6, ONE_TAG, PF_MODE_POLICE);
}

static void test_xdp_hit_qinq(void)
{
	check_hit(AF_INET, QINQ, PF_MODE_POLICE);
	check_hit(AF_INET6, QINQ, PF_MODE_POLICE);
}

static void check_miss(__u32 flags)
{
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 len;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, flags, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET6, A6, B6, NULL, 20, NULL);
	CHECK_EQ(run(&fx, pkt, len), XDP_PASS);
	CHECK_EQ(run(&fx, pkt, len), XDP_PASS);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MISS), 2);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 0);
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.resv_stats), 0);
	if (flags & PF_CFG_METER_BE) {
		CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.be_stats, B6, A6, &st), 0);
		CHECK_EQ(st.packets, 2);
		CHECK_EQ(st.bytes, 2 * len);
	} else {
		CHECK_EQ(pf_fx_map_len(fx.skel->maps.be_stats), 0);
	}
	pf_fx_close(&fx);
}

static void test_xdp_miss_meter_be_on(void)
{
	check_miss(PF_CFG_METER_BE);
}

static void test_xdp_miss_meter_be_off(void)
{
	check_miss(0);
}

/* An expired entry is not policed: a zero burst would drop every frame if it were. */
static void test_xdp_expired_entry_ignored(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 0);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 len;

	r.expires_at = pf_fx_now() - 1;
	CHECK_EQ(setup(&fx, PF_MODE_POLICE, 0, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 0, NULL);
	CHECK_EQ(run(&fx, pkt, len), XDP_PASS);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_EXPIRED), 1);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 0);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 0);
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.resv_stats), 0);

	r.expires_at = pf_fx_now() + 1000000000ULL;
	CHECK_EQ(pf_fx_add_resv(&fx, A4, B4, &r), 0);
	CHECK_EQ(run(&fx, pkt, len), XDP_DROP);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 1);
	pf_fx_close(&fx);
}

static void check_swapped(int family, const char *a, const char *b)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 1000);
	__u8 ab[PF_FRAME_MAX], ba[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 lab, lba;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, 0, a, b, &r), 0);
	if (!fx.skel)
		return;
	lab = pf_frame_make(ab, family, a, b, NULL, 0, NULL);
	lba = pf_frame_make(ba, family, b, a, NULL, 3, NULL);
	CHECK_EQ(run(&fx, ab, lab), XDP_PASS);
	CHECK_EQ(run(&fx, ba, lba), XDP_PASS);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 2);
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.resv_stats), 1);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, a, b, &st), 0);
	CHECK_EQ(st.packets, 2);
	CHECK_EQ(st.bytes, lab + lba);
	pf_fx_close(&fx);
}

static void test_xdp_swapped_order_ipv4(void)
{
	check_swapped(AF_INET, "192.168.7.20", "10.9.0.3");
}

static void test_xdp_swapped_order_ipv6(void)
{
	check_swapped(AF_INET6, B6, A6);
	check_swapped(AF_INET6, "fe80::1", "2001:db8::ff");
}

static void test_xdp_key_layout_ipv4_mapped(void)
{
	static const struct pf_key want = {
	    .lo = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1},
	    .hi = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 2},
	};
	struct pf_resv r = pf_fx_resv(CLASS, 80, 50);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_key got;
	struct pf_fx fx;
	__u32 len;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, PF_CFG_METER_BE, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.reservations), &want, &r, BPF_ANY),
		 0);
	len = pf_frame_make(pkt, AF_INET, B4, A4, NULL, 46, NULL);
	CHECK_EQ(run(&fx, pkt, len), XDP_DROP); /* 100 bytes > 50-byte burst */
	CHECK_EQ(bpf_map_get_next_key(bpf_map__fd(fx.skel->maps.resv_stats), NULL, &got), 0);
	CHECK(memcmp(&got, &want, sizeof(want)) == 0);
	CHECK_EQ(bpf_map_delete_elem(bpf_map__fd(fx.skel->maps.reservations), &want), 0);
	CHECK_EQ(run(&fx, pkt, len), XDP_PASS);
	CHECK_EQ(bpf_map_get_next_key(bpf_map__fd(fx.skel->maps.be_stats), NULL, &got), 0);
	CHECK(memcmp(&got, &want, sizeof(want)) == 0);
	pf_fx_close(&fx);
}

/* A malformed frame passes unmatched and unmetered, whatever the reservations say. */
static void check_malformed(struct pf_fx *fx, const __u8 *pkt, __u32 len, __u64 n)
{
	CHECK_EQ(run(fx, pkt, len), XDP_PASS);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_MALFORMED), n + 1);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_HIT), 0);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_MISS), 0);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_DROP), 0);
	CHECK_EQ(pf_fx_map_len(fx->skel->maps.resv_stats), 0);
	CHECK_EQ(pf_fx_map_len(fx->skel->maps.be_stats), 0);
}

/*
 * Every cut from the end of the Ethernet header up to a whole IP header, for
 * untagged, 802.1Q and 802.1ad+802.1Q frames. The reservations have a zero
 * burst, so a frame that matched would be dropped.
 */
static void test_xdp_truncated_every_layer(void)
{
	const __u16 *tags[] = {NULL, ONE_TAG, QINQ};
	struct pf_resv r = pf_fx_resv(CLASS, 80, 0);
	struct pf_frame_layout lay;
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u64 n = 0;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, PF_CFG_METER_BE, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(pf_fx_add_resv(&fx, A6, B6, &r), 0);
	for (int t = 0; t < 3; t++) {
		CHECK(pf_frame_make(pkt, AF_INET, A4, B4, tags[t], 0, &lay) > 0);
		for (__u32 cut = ETH_HLEN; cut < lay.l3_off + sizeof(struct iphdr); cut++)
			check_malformed(&fx, pkt, cut, n++);
		CHECK(pf_frame_make(pkt, AF_INET6, A6, B6, tags[t], 0, &lay) > 0);
		for (__u32 cut = lay.l3_off; cut < lay.l3_off + sizeof(struct ipv6hdr); cut++)
			check_malformed(&fx, pkt, cut, n++);
	}
	CHECK_EQ(n, 20 + (4 + 20) + (8 + 20) + 3 * 40);
	/* The whole frames do match: the cuts above are what kept them out. */
	CHECK_EQ(run(&fx, pkt, lay.len), XDP_DROP);
	pf_fx_close(&fx);
}

/*
 * Less than an Ethernet header cannot be tested: the kernel refuses test runs
 * of frames under 14 bytes, even with the rest of the buffer as XDP metadata.
 */
static void test_xdp_short_ethernet_refused_by_kernel(void)
{
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	int verdict;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, 0, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	CHECK(pf_frame_make(pkt, AF_INET, A4, B4, NULL, 0, NULL) > 0);
	CHECK_EQ(run(&fx, pkt, ETH_HLEN - 1), -1000 - EINVAL);
	CHECK_EQ(pf_fx_run_xdp(&fx, pkt, ETH_HLEN + 4 - 1, 4, &verdict), -EINVAL);
	CHECK_EQ(pf_fx_run_xdp(&fx, pkt, ETH_HLEN + 4, 4, &verdict), 0); /* the boundary runs */
	CHECK_EQ(verdict, XDP_PASS);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_PACKETS), 1);
	pf_fx_close(&fx);
}

static void test_xdp_bad_headers_malformed(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 0);
	struct pf_frame_layout lay;
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 len;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, PF_CFG_METER_BE, A6, B6, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET6, A6, B6, NULL, 0, &lay);
	pkt[lay.l3_off] = 0x40; /* version 4 in an IPv6 ethertype */
	check_malformed(&fx, pkt, len, 0);
	len = pf_frame_make(pkt, AF_INET6, A6, B6, QINQ, 0, &lay);
	pf_put16(pkt + lay.vlan_off[1] + 2, ETH_P_8021AD); /* a third tag */
	check_malformed(&fx, pkt, len, 1);
	pf_fx_close(&fx);
}

static void test_xdp_arp_non_ip(void)
{
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 len;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, PF_CFG_METER_BE, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_UNSPEC, NULL, NULL, QINQ, 0, NULL);
	CHECK_EQ(len, ETH_HLEN + 8 + 28);
	CHECK_EQ(run(&fx, pkt, len), XDP_PASS);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_NON_IP), 1);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MALFORMED), 0);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MISS), 0);
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.be_stats), 0);
	pf_fx_close(&fx);
}

/* 80 bit/s, burst 1000 bytes, 100-byte frames: ten pass, then every one is dropped. */
static void check_police(__u32 flags)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 1000);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 len;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, flags, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, ONE_TAG, 42, NULL);
	CHECK_EQ(len, 100);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(run(&fx, pkt, len), XDP_PASS);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(run(&fx, pkt, len), XDP_DROP);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 14);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 4);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, B4, A4, &st), 0);
	CHECK_EQ(st.packets, 10);
	CHECK_EQ(st.bytes, 1000);
	CHECK_EQ(st.drops, 4);
	pf_fx_close(&fx);
}

static void test_xdp_police_drops_after_burst(void)
{
	check_police(0);
}

static void test_xdp_police_with_xdp_polices_flag(void)
{
	check_police(PF_CFG_XDP_POLICES);
}

/* In shape mode XDP only meters: a reservation with a zero burst still passes. */
static void test_xdp_shape_mode_never_drops(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 0);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 len;

	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, 0, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 100, NULL);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(run(&fx, pkt, len), XDP_PASS);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 0);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, A4, B4, &st), 0);
	CHECK_EQ(st.packets, 3);
	CHECK_EQ(st.bytes, 3 * len);
	pf_fx_close(&fx);
}

int main(void)
{
	RUN(test_xdp_hit_ipv4);
	RUN(test_xdp_hit_ipv6);
	RUN(test_xdp_hit_vlan);
	RUN(test_xdp_hit_qinq);
	RUN(test_xdp_miss_meter_be_on);
	RUN(test_xdp_miss_meter_be_off);
	RUN(test_xdp_expired_entry_ignored);
	RUN(test_xdp_swapped_order_ipv4);
	RUN(test_xdp_swapped_order_ipv6);
	RUN(test_xdp_key_layout_ipv4_mapped);
	RUN(test_xdp_truncated_every_layer);
	RUN(test_xdp_short_ethernet_refused_by_kernel);
	RUN(test_xdp_bad_headers_malformed);
	RUN(test_xdp_arp_non_ip);
	RUN(test_xdp_police_drops_after_burst);
	RUN(test_xdp_police_with_xdp_polices_flag);
	RUN(test_xdp_shape_mode_never_drops);
	return unit_done();
}
