// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * pf_tc_egress under BPF_PROG_TEST_RUN: verdict, skb->priority chosen, and
 * what lands in counters, resv_stats and be_stats.
 */
#include "unit.h"
#include "bpf_fixture.h"

#define BE     PF_HANDLE(1U, 2U)    /* config.be_classid */
#define DIRECT PF_HANDLE(1U, 0U)    /* config.direct_id */
#define CLASS  PF_HANDLE(1U, 0x11U) /* the reservation's class */
#define SEED   0xdeadU		    /* priority handed in, to see it overwritten */

#define A4 "10.0.0.1"
#define B4 "10.0.0.2"
#define A6 "2001:db8::1"
#define B6 "2001:db8::2"

static const __u16 QINQ[2] = {ETH_P_8021AD, ETH_P_8021Q};

/* Loads the data plane in `mode` with `flags` and one reservation for {a, b}. */
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
static int run(struct pf_fx *fx, const __u8 *pkt, __u32 len, __u32 *prio)
{
	struct __sk_buff ctx = {.priority = SEED};
	int verdict, err = pf_fx_run_tc(fx, pkt, len, &ctx, &verdict);

	if (err)
		return -1000 + err;
	*prio = ctx.priority;
	return verdict;
}

/* A shaped hit for a frame of `family` with the given tags. */
static void check_hit(int family, const __u16 *tpid)
{
	const char *a = family == AF_INET ? A4 : A6, *b = family == AF_INET ? B4 : B6;
	struct pf_resv r = pf_fx_resv(CLASS, 100000000, 0);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, PF_CFG_METER_BE, a, b, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, family, a, b, tpid, 10, NULL);
	CHECK(len > 0);
	CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, CLASS);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_PACKETS), 1);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 1);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MISS), 0);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MALFORMED), 0);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, a, b, &st), 0);
	CHECK_EQ(st.packets, 1);
	CHECK_EQ(st.bytes, len);
	CHECK_EQ(st.drops, 0);
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.be_stats), 0);
	pf_fx_close(&fx);
}

static void test_tc_hit_ipv4(void)
{
	check_hit(AF_INET, NULL);
}

static void test_tc_hit_ipv6(void)
{
	check_hit(AF_INET6, NULL);
}

static void test_tc_hit_ipv4_vlan(void)
{
	static const __u16 q[2] = {ETH_P_8021Q, 0};

	check_hit(AF_INET, q);
}

static void test_tc_hit_ipv6_vlan(void)
{
	static const __u16 q[2] = {ETH_P_8021Q, 0};

	check_hit(AF_INET6, q);
}

static void test_tc_hit_ipv4_qinq(void)
{
	check_hit(AF_INET, QINQ);
}

static void test_tc_hit_ipv6_qinq(void)
{
	check_hit(AF_INET6, QINQ);
}

static void test_tc_direct_flag_bypasses_htb(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 100000000, 0);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 prio = 0, len;

	r.flags = PF_RESV_F_DIRECT;
	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, 0, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 0, NULL);
	CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, DIRECT);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 1);
	pf_fx_close(&fx);
}

/* A pair without a reservation, with best-effort metering on or off. */
static void check_miss(__u32 flags)
{
	struct pf_resv r = pf_fx_resv(CLASS, 100000000, 0);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, flags, A4, "10.0.0.3", &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 20, NULL);
	CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, BE);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_PACKETS), 2);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MISS), 2);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 0);
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.resv_stats), 0);
	if (flags & PF_CFG_METER_BE) {
		CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.be_stats, A4, B4, &st), 0);
		CHECK_EQ(st.packets, 2);
		CHECK_EQ(st.bytes, 2 * len);
		CHECK_EQ(st.drops, 0);
	} else {
		CHECK_EQ(pf_fx_map_len(fx.skel->maps.be_stats), 0);
	}
	pf_fx_close(&fx);
}

static void test_tc_miss_meter_be_on(void)
{
	check_miss(PF_CFG_METER_BE);
}

static void test_tc_miss_meter_be_off(void)
{
	check_miss(0);
}

/* An entry past expires_at is ignored: best effort, counted expired, metered as BE. */
static void test_tc_expired_entry_ignored(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 100000000, 0);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, PF_CFG_METER_BE, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 0, NULL);
	CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, CLASS);

	r.expires_at = pf_fx_now() - 1;
	CHECK_EQ(pf_fx_add_resv(&fx, A4, B4, &r), 0);
	CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, BE);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 1);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_EXPIRED), 1);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MISS), 0);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, A4, B4, &st), 0);
	CHECK_EQ(st.packets, 1);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.be_stats, A4, B4, &st), 0);
	CHECK_EQ(st.packets, 1);
	CHECK_EQ(st.bytes, len);
	pf_fx_close(&fx);
}

/* a->b and b->a both find the one entry of {a, b}. */
static void check_swapped(int family, const char *a, const char *b)
{
	struct pf_resv r = pf_fx_resv(CLASS, 100000000, 0);
	__u8 ab[PF_FRAME_MAX], ba[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 prio = 0, lab, lba;

	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, PF_CFG_METER_BE, a, b, &r), 0);
	if (!fx.skel)
		return;
	lab = pf_frame_make(ab, family, a, b, NULL, 0, NULL);
	lba = pf_frame_make(ba, family, b, a, NULL, 7, NULL);
	prio = 0;
	CHECK_EQ(run(&fx, ab, lab, &prio), TC_ACT_OK);
	CHECK_EQ(prio, CLASS);
	prio = 0;
	CHECK_EQ(run(&fx, ba, lba, &prio), TC_ACT_OK);
	CHECK_EQ(prio, CLASS);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 2);
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.resv_stats), 1);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, b, a, &st), 0);
	CHECK_EQ(st.packets, 2);
	CHECK_EQ(st.bytes, lab + lba);
	pf_fx_close(&fx);
}

static void test_tc_swapped_order_ipv4(void)
{
	check_swapped(AF_INET, "192.168.7.20", "10.9.0.3");
}

static void test_tc_swapped_order_ipv6(void)
{
	check_swapped(AF_INET6, A6, B6);
	check_swapped(AF_INET6, "fe80::1", "2001:db8::ff");
}

/* 10.0.0.1 <-> 10.0.0.2 is keyed ::ffff:10.0.0.1 / ::ffff:10.0.0.2, exactly these bytes. */
static void test_tc_key_layout_ipv4_mapped(void)
{
	static const struct pf_key want = {
	    .lo = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1},
	    .hi = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 2},
	};
	struct pf_resv r = pf_fx_resv(CLASS, 100000000, 0);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_key got;
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, PF_CFG_METER_BE, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.reservations), &want, &r, BPF_ANY),
		 0);
	len = pf_frame_make(pkt, AF_INET, B4, A4, NULL, 0, NULL);
	CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, CLASS);
	CHECK_EQ(bpf_map_get_next_key(bpf_map__fd(fx.skel->maps.resv_stats), NULL, &got), 0);
	CHECK(memcmp(&got, &want, sizeof(want)) == 0);

	/* A miss is keyed the same way in be_stats. */
	CHECK_EQ(bpf_map_delete_elem(bpf_map__fd(fx.skel->maps.reservations), &want), 0);
	CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, BE);
	CHECK_EQ(bpf_map_get_next_key(bpf_map__fd(fx.skel->maps.be_stats), NULL, &got), 0);
	CHECK(memcmp(&got, &want, sizeof(want)) == 0);
	pf_fx_close(&fx);
}

/*
 * Runs `len` bytes of `pkt` (cut short) expecting a malformed, unmatched,
 * unmetered best-effort pass. `n` is how many malformed frames came before.
 */
static void check_malformed(struct pf_fx *fx, const __u8 *pkt, __u32 len, __u64 n)
{
	__u32 prio = 0;

	CHECK_EQ(run(fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, BE);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_MALFORMED), n + 1);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_HIT), 0);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_MISS), 0);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_NON_IP), 0);
	CHECK_EQ(pf_fx_map_len(fx->skel->maps.resv_stats), 0);
	CHECK_EQ(pf_fx_map_len(fx->skel->maps.be_stats), 0);
}

/* Every cut inside the VLAN tags and inside tagged IPv4/IPv6 headers. */
static void test_tc_truncated_tags_and_tagged_ip(void)
{
	static const __u16 one[2] = {ETH_P_8021Q, 0};
	const __u16 *tags[] = {one, QINQ};
	struct pf_resv r4 = pf_fx_resv(CLASS, 100000000, 0), r6 = r4;
	struct pf_frame_layout lay;
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u64 n = 0;

	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, PF_CFG_METER_BE, A4, B4, &r4), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(pf_fx_add_resv(&fx, A6, B6, &r6), 0);
	for (int t = 0; t < 2; t++) {
		CHECK(pf_frame_make(pkt, AF_INET, A4, B4, tags[t], 0, &lay) > 0);
		for (__u32 cut = ETH_HLEN; cut < lay.l3_off + sizeof(struct iphdr); cut++)
			check_malformed(&fx, pkt, cut, n++);
		CHECK(pf_frame_make(pkt, AF_INET6, A6, B6, tags[t], 0, &lay) > 0);
		for (__u32 cut = lay.l3_off; cut < lay.l3_off + sizeof(struct ipv6hdr); cut++)
			check_malformed(&fx, pkt, cut, n++);
	}
	CHECK_EQ(n, (4 + 20) + (8 + 20) + 2 * 40); /* cuts after the Ethernet header */
	pf_fx_close(&fx);
}

/*
 * tc test runs of untagged IP frames shorter than the IP header, or of any
 * frame shorter than Ethernet, are refused by the kernel (EINVAL), as the
 * stack never hands such skbs to tc: those parse branches are unreachable.
 */
static void test_tc_untagged_short_refused_by_kernel(void)
{
	struct pf_frame_layout lay;
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 prio = 0;

	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, 0, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	CHECK(pf_frame_make(pkt, AF_INET, A4, B4, NULL, 0, &lay) > 0);
	CHECK_EQ(run(&fx, pkt, ETH_HLEN - 1, &prio), -1000 - EINVAL);
	CHECK_EQ(run(&fx, pkt, lay.l3_off + sizeof(struct iphdr) - 1, &prio), -1000 - EINVAL);
	CHECK(pf_frame_make(pkt, AF_INET6, A6, B6, NULL, 0, &lay) > 0);
	CHECK_EQ(run(&fx, pkt, lay.l3_off + sizeof(struct ipv6hdr) - 1, &prio), -1000 - EINVAL);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_PACKETS), 0);
	pf_fx_close(&fx);
}

/* Wrong IP version, IHL below 5 and a third VLAN tag are malformed too. */
static void test_tc_bad_headers_malformed(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 100000000, 0);
	struct pf_frame_layout lay;
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 len;

	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, PF_CFG_METER_BE, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 0, &lay);
	pkt[lay.l3_off] = 0x65; /* version 6, ihl 5 */
	check_malformed(&fx, pkt, len, 0);
	pkt[lay.l3_off] = 0x44; /* version 4, ihl 4 */
	check_malformed(&fx, pkt, len, 1);

	len = pf_frame_make(pkt, AF_INET, A4, B4, QINQ, 0, &lay);
	pf_put16(pkt + lay.vlan_off[1] + 2, ETH_P_8021Q); /* inner tag says: another tag */
	check_malformed(&fx, pkt, len, 2);
	pf_fx_close(&fx);
}

static void test_tc_arp_non_ip(void)
{
	static const __u16 one[2] = {ETH_P_8021Q, 0};
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, PF_CFG_METER_BE, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_UNSPEC, NULL, NULL, NULL, 0, NULL);
	CHECK_EQ(len, ETH_HLEN + 28);
	CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, BE);
	len = pf_frame_make(pkt, AF_UNSPEC, NULL, NULL, one, 0, NULL);
	CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, BE);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_NON_IP), 2);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MALFORMED), 0);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MISS), 0);
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.be_stats), 0);
	pf_fx_close(&fx);
}

/* A two-segment GSO super-packet: 2 x 1448 payload bytes; on the wire 2 x 54 header bytes. */
#define GSO_PAYLOAD 2896
#define GSO_WIRE    (2 * (ETH_HLEN + 20 + 20) + GSO_PAYLOAD)

static int run_gso(struct pf_fx *fx, const __u8 *pkt, __u32 len, __u32 *prio)
{
	struct __sk_buff ctx = {
	    .priority = SEED, .wire_len = GSO_WIRE, .gso_segs = 2, .gso_size = 1448};
	int verdict, err = pf_fx_run_tc(fx, pkt, len, &ctx, &verdict);

	if (err)
		return -1000 + err;
	*prio = ctx.priority;
	return verdict;
}

/* Shape mode meters wire_len, not skb->len, for reserved and best-effort pairs. */
static void test_tc_gso_meters_wire_len(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 100000000, 0);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(setup(&fx, PF_MODE_SHAPE, PF_CFG_METER_BE, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, GSO_PAYLOAD, NULL);
	CHECK_EQ(len, ETH_HLEN + 20 + 20 + GSO_PAYLOAD);
	CHECK_EQ(run_gso(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, CLASS);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, A4, B4, &st), 0);
	CHECK_EQ(st.packets, 1);
	CHECK_EQ(st.bytes, GSO_WIRE);

	len = pf_frame_make(pkt, AF_INET, A4, "10.0.0.3", NULL, GSO_PAYLOAD, NULL);
	CHECK_EQ(run_gso(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, BE);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.be_stats, A4, "10.0.0.3", &st), 0);
	CHECK_EQ(st.bytes, GSO_WIRE);
	pf_fx_close(&fx);
}

/*
 * Police mode at 80 bit/s (10 bytes/s: refill is nil during the test), burst
 * 1000 bytes, 100-byte frames: exactly ten pass, then every one is shot.
 */
static void test_tc_police_drops_after_burst(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 1000);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, 0, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 46, NULL);
	CHECK_EQ(len, 100);
	for (int i = 0; i < 10; i++) {
		CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
		CHECK_EQ(prio, DIRECT);
	}
	for (int i = 0; i < 3; i++)
		CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_SHOT);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 13);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 3);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, A4, B4, &st), 0);
	CHECK_EQ(st.packets, 10);
	CHECK_EQ(st.bytes, 1000);
	CHECK_EQ(st.drops, 3);
	pf_fx_close(&fx);
}

/*
 * Early drop: below half the bucket every packet passes; above it packets are
 * dropped at random before the bucket is empty, so fewer than burst/len pass.
 * 80 bit/s keeps the bucket from refilling during the test.
 */
static void test_tc_police_early_drop(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 100 * 100);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 prio = 0, len;
	int passed = 0;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, PF_CFG_EARLY_DROP, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 46, NULL);
	CHECK_EQ(len, 100);
	for (int i = 0; i < 50; i++)
		CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
	for (int i = 0; i < 150; i++)
		passed += run(&fx, pkt, len, &prio) == TC_ACT_OK;
	CHECK(passed < 50);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 150 - passed);
	pf_fx_close(&fx);
}

/*
 * The policer charges wire_len: a 2950-byte skb worth 3004 wire bytes; a
 * burst of 3 x 2950 admits three skbs by skb->len but only two by wire_len.
 */
static void test_tc_police_charges_wire_len(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 3 * (ETH_HLEN + 20 + 20 + GSO_PAYLOAD));
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, 0, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, GSO_PAYLOAD, NULL);
	CHECK_EQ(run_gso(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(run_gso(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(run_gso(&fx, pkt, len, &prio), TC_ACT_SHOT);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, A4, B4, &st), 0);
	CHECK_EQ(st.packets, 2);
	CHECK_EQ(st.bytes, 2 * GSO_WIRE);
	CHECK_EQ(st.drops, 1);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 1);
	pf_fx_close(&fx);
}

/* With XDP_POLICES, tc only classifies reserved flows: no policing, no metering. */
static void test_tc_xdp_polices_flag_tc_only_classifies(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 50); /* smaller than one frame */
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(setup(&fx, PF_MODE_POLICE, PF_CFG_XDP_POLICES | PF_CFG_METER_BE, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 46, NULL);
	for (int i = 0; i < 5; i++) {
		prio = 0;
		CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_OK);
		CHECK_EQ(prio, DIRECT);
	}
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 5);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 0);
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.resv_stats), 0);
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.be_stats), 0);

	/* The same reservation without the flag: tc polices it, and shoots. */
	CHECK_EQ(pf_fx_set_config(&fx, PF_MODE_POLICE, PF_CFG_METER_BE, BE, DIRECT), 0);
	CHECK_EQ(run(&fx, pkt, len, &prio), TC_ACT_SHOT);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 1);
	pf_fx_close(&fx);
}

int main(void)
{
	RUN(test_tc_hit_ipv4);
	RUN(test_tc_hit_ipv6);
	RUN(test_tc_hit_ipv4_vlan);
	RUN(test_tc_hit_ipv6_vlan);
	RUN(test_tc_hit_ipv4_qinq);
	RUN(test_tc_hit_ipv6_qinq);
	RUN(test_tc_direct_flag_bypasses_htb);
	RUN(test_tc_miss_meter_be_on);
	RUN(test_tc_miss_meter_be_off);
	RUN(test_tc_expired_entry_ignored);
	RUN(test_tc_swapped_order_ipv4);
	RUN(test_tc_swapped_order_ipv6);
	RUN(test_tc_key_layout_ipv4_mapped);
	RUN(test_tc_truncated_tags_and_tagged_ip);
	RUN(test_tc_untagged_short_refused_by_kernel);
	RUN(test_tc_bad_headers_malformed);
	RUN(test_tc_arp_non_ip);
	RUN(test_tc_gso_meters_wire_len);
	RUN(test_tc_police_drops_after_burst);
	RUN(test_tc_police_charges_wire_len);
	RUN(test_tc_police_early_drop);
	RUN(test_tc_xdp_polices_flag_tc_only_classifies);
	return unit_done();
}
