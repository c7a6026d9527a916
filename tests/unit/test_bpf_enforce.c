// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * pf_tc_egress and pf_xdp under BPF_PROG_TEST_RUN, Katran-style: one table
 * of cases (frame in; verdict, skb->priority, counters and stats out), each
 * run through both hooks. What does not fit a row (GSO, kernel refusals,
 * entries changing between packets, exact key bytes) follows as functions.
 */
#define _GNU_SOURCE /* sched_setaffinity */
#include "unit.h"
#include "bpf_fixture.h"
#include <sched.h>
#include "userspace/dataplane/resv.h"
#include "userspace/dataplane/slots.h"
#include "userspace/common/error.h"

#define BE     PF_HANDLE(1U, 2U)    /* config.be_classid */
#define DIRECT PF_HANDLE(1U, 0U)    /* config.direct_id */
#define CLASS  PF_HANDLE(1U, 0x11U) /* the reservation's class */
#define SEED   0xdeadU		    /* priority handed in, to see it overwritten */

#define A4 "10.0.0.1"
#define B4 "10.0.0.2"
#define C4 "10.0.0.3"
#define A6 "2001:db8::1"
#define B6 "2001:db8::2"
#define V4 "192.168.7.20"
#define W4 "10.9.0.3"
#define L6 "fe80::1"
#define G6 "2001:db8::ff"

#define SHAPE  PF_MODE_SHAPE
#define POLICE PF_MODE_POLICE
#define METER  PF_CFG_METER_BE
#define GBIT   1000000000ULL
#define ABSENT (-1) /* the pair has no entry in the stats map */
#define PORT   7    /* ifindex of the port a packet entered by */

static const __u16 ONE_TAG[2] = {ETH_P_8021Q, 0};
static const __u16 QINQ[2] = {ETH_P_8021AD, ETH_P_8021Q};
static const char *const HOOK_NAME[] = {"tc", "xdp"};

/* How a row damages its frame after building it. */
enum mutation {
	MUT_NONE = 0,
	MUT_L3_BYTE,   /* the first IP header byte becomes `mut_val` */
	MUT_THIRD_TAG, /* the inner tag of a QinQ frame announces `mut_val` */
};

/* What one hook must do with a row's packets. */
struct expect {
	int pass; /* the first `pass` packets pass, the rest are dropped */
	__u64 hit, miss, expired, drop, non_ip, malformed;
	int resv_pkts; /* resv_stats of the frame's pair, or ABSENT */
	__u64 resv_drops;
	int be_pkts; /* be_stats of the frame's pair, or ABSENT */
};

struct bpf_case {
	const char *name;
	/* The frame, and the reversed frame (dst -> src) with rev_payload if reverse. */
	int family;
	const char *src, *dst;
	const __u16 *tpid;
	__u16 payload, rev_payload;
	bool reverse;
	enum mutation mut;
	__u16 mut_val;
	__u32 len; /* the frame's expected length, 0 to skip */
	/* The reservation, of the pair {ra, rb}; none when ra is NULL. */
	const char *ra, *rb;
	__u64 rate;
	__u32 burst, rflags;
	bool expired;
	__u32 mode, flags;
	bool via_port;	  /* tc: the packet entered by port PORT ... */
	__u32 port_flags; /* ... recorded in the ports map with these PF_PORT_* flags */
	int pkts;	  /* packets sent, alternating forward and reverse */
	__u32 tc_prio;	  /* skb->priority of the packets tc passes */
	int be_way;	  /* one-way entries: packets of this way (FWD, REV) are best effort */
	bool whole_table; /* resv_stats and be_stats must hold nothing else */
	struct expect tc, xdp;
};

#define BOTH(...) .tc = {__VA_ARGS__}, .xdp = {__VA_ARGS__}
#define FWD	  1
#define REV	  2

/*
 * A one-way entry: rflags names the reserved way relative to the key; of a
 * forward and a reverse packet, the one of the other way (be) passes as best
 * effort, unmatched and unpoliced (a zero burst drops a policed packet), and
 * is metered in be_stats.
 */
#define ONE_WAY_ROW(nm, fam, s, d, way, be, md, prio)                                              \
	{                                                                                          \
		.name = nm, .family = fam, .src = s, .dst = d, .reverse = true, .payload = 10,     \
		.rev_payload = 7, .ra = s, .rb = d, .rate = 80,                                    \
		.burst = md == POLICE ? 100000 : 0, .rflags = way, .mode = md, .flags = METER,     \
		.pkts = 2, .tc_prio = prio, .be_way = be, .whole_table = true,                     \
		BOTH(.pass = 2, .hit = 1, .miss = 1, .resv_pkts = 1, .be_pkts = 1)                 \
	}

/* A hit: one packet, metered in resv_stats, nothing in be_stats. */
#define HIT_ROW(nm, fam, s, d, tags, md, prio)                                                     \
	{                                                                                          \
		.name = nm, .family = fam, .src = s, .dst = d, .tpid = tags, .payload = 10,        \
		.ra = s, .rb = d, .rate = GBIT, .burst = 100000, .mode = md, .flags = METER,       \
		.pkts = 1, .tc_prio = prio, .whole_table = true,                                   \
		BOTH(.pass = 1, .hit = 1, .resv_pkts = 1, .be_pkts = ABSENT)                       \
	}

/* a->b then b->a: one entry, one stats entry, both packets in it. */
#define SWAP_ROW(nm, fam, s, d, md, prio)                                                          \
	{                                                                                          \
		.name = nm, .family = fam, .src = s, .dst = d, .reverse = true, .rev_payload = 7,  \
		.ra = s, .rb = d, .rate = 80, .burst = 1000, .mode = md, .flags = METER,           \
		.pkts = 2, .tc_prio = prio, .whole_table = true,                                   \
		BOTH(.pass = 2, .hit = 2, .resv_pkts = 2, .be_pkts = ABSENT)                       \
	}

/* A malformed frame: passes as best effort, unmatched, unmetered, although its
 * pair has a zero-burst police entry that would drop it if it matched. */
#define BAD_ROW(nm, fam, s, d, tags, m, v)                                                         \
	{                                                                                          \
		.name = nm, .family = fam, .src = s, .dst = d, .tpid = tags, .mut = m,             \
		.mut_val = v, .ra = s, .rb = d, .rate = 80, .mode = POLICE, .flags = METER,        \
		.pkts = 1, .tc_prio = BE, .whole_table = true,                                     \
		BOTH(.pass = 1, .malformed = 1, .resv_pkts = ABSENT, .be_pkts = ABSENT)            \
	}

/* ARP: not ours to classify; best effort, unmetered. */
#define ARP_ROW(nm, tags, l)                                                                       \
	{                                                                                          \
		.name = nm, .family = AF_UNSPEC, .tpid = tags, .len = l, .mode = SHAPE,            \
		.flags = METER, .pkts = 1, .tc_prio = BE, .whole_table = true,                     \
		BOTH(.pass = 1, .non_ip = 1, .resv_pkts = ABSENT, .be_pkts = ABSENT)               \
	}

/* One row per case reads better than clang-format's one line per field. */
// clang-format off
static const struct bpf_case CASES[] = {
    HIT_ROW("hit ipv4 shape", AF_INET, A4, B4, NULL, SHAPE, CLASS),
    HIT_ROW("hit ipv6 shape", AF_INET6, A6, B6, NULL, SHAPE, CLASS),
    HIT_ROW("hit ipv4 vlan shape", AF_INET, A4, B4, ONE_TAG, SHAPE, CLASS),
    HIT_ROW("hit ipv6 vlan shape", AF_INET6, A6, B6, ONE_TAG, SHAPE, CLASS),
    HIT_ROW("hit ipv4 qinq shape", AF_INET, A4, B4, QINQ, SHAPE, CLASS),
    HIT_ROW("hit ipv6 qinq shape", AF_INET6, A6, B6, QINQ, SHAPE, CLASS),
    HIT_ROW("hit ipv4 police", AF_INET, A4, B4, NULL, POLICE, DIRECT),
    HIT_ROW("hit ipv6 police", AF_INET6, A6, B6, NULL, POLICE, DIRECT),
    HIT_ROW("hit ipv4 vlan police", AF_INET, A4, B4, ONE_TAG, POLICE, DIRECT),
    HIT_ROW("hit ipv6 vlan police", AF_INET6, A6, B6, ONE_TAG, POLICE, DIRECT),
    HIT_ROW("hit ipv4 qinq police", AF_INET, A4, B4, QINQ, POLICE, DIRECT),
    HIT_ROW("hit ipv6 qinq police", AF_INET6, A6, B6, QINQ, POLICE, DIRECT),
    {.name = "direct flag bypasses htb", .family = AF_INET, .src = A4, .dst = B4,
     .ra = A4, .rb = B4, .rate = 100000000, .rflags = PF_RESV_F_DIRECT, .mode = SHAPE,
     .pkts = 1, .tc_prio = DIRECT,
     BOTH(.pass = 1, .hit = 1, .resv_pkts = 1, .be_pkts = ABSENT)},
    /* Misses: another pair's entry, or none; metered as best effort on request. */
    {.name = "miss ipv4 meter_be on", .family = AF_INET, .src = A4, .dst = B4, .payload = 20,
     .ra = A4, .rb = C4, .rate = 100000000, .mode = SHAPE, .flags = METER,
     .pkts = 2, .tc_prio = BE, .whole_table = true,
     BOTH(.pass = 2, .miss = 2, .resv_pkts = ABSENT, .be_pkts = 2)},
    {.name = "miss ipv4 meter_be off", .family = AF_INET, .src = A4, .dst = B4, .payload = 20,
     .ra = A4, .rb = C4, .rate = 100000000, .mode = SHAPE,
     .pkts = 2, .tc_prio = BE, .whole_table = true,
     BOTH(.pass = 2, .miss = 2, .resv_pkts = ABSENT, .be_pkts = ABSENT)},
    {.name = "miss ipv6 police meter_be on", .family = AF_INET6, .src = A6, .dst = B6,
     .payload = 20, .mode = POLICE, .flags = METER,
     .pkts = 2, .tc_prio = BE, .whole_table = true,
     BOTH(.pass = 2, .miss = 2, .resv_pkts = ABSENT, .be_pkts = 2)},
    {.name = "miss ipv6 police meter_be off", .family = AF_INET6, .src = A6, .dst = B6,
     .payload = 20, .mode = POLICE,
     .pkts = 2, .tc_prio = BE, .whole_table = true,
     BOTH(.pass = 2, .miss = 2, .resv_pkts = ABSENT, .be_pkts = ABSENT)},
    /* Expired entries are absent: not policed (a zero burst would drop), metered as BE. */
    {.name = "expired entry ignored", .family = AF_INET, .src = A4, .dst = B4,
     .ra = A4, .rb = B4, .rate = 80, .expired = true, .mode = POLICE, .flags = METER,
     .pkts = 1, .tc_prio = BE, .whole_table = true,
     BOTH(.pass = 1, .expired = 1, .resv_pkts = ABSENT, .be_pkts = 1)},
    {.name = "live zero-burst entry drops", .family = AF_INET, .src = A4, .dst = B4,
     .ra = A4, .rb = B4, .rate = 80, .mode = POLICE,
     .pkts = 1,
     BOTH(.pass = 0, .hit = 1, .drop = 1, .resv_pkts = 0, .resv_drops = 1, .be_pkts = ABSENT)},
    /* A4 < B4 and A6 < B6: a packet A -> B goes from the key's lo to its hi. */
    ONE_WAY_ROW("one-way lo->hi ipv4 shape: forward classified, reverse best effort", AF_INET, A4,
		B4, PF_RESV_F_LO_TO_HI, REV, SHAPE, CLASS),
    ONE_WAY_ROW("one-way hi->lo ipv4 shape: forward best effort, reverse classified", AF_INET, A4,
		B4, PF_RESV_F_HI_TO_LO, FWD, SHAPE, CLASS),
    ONE_WAY_ROW("one-way hi->lo ipv6 shape, sender is hi: forward classified", AF_INET6, B6, A6,
		PF_RESV_F_HI_TO_LO, REV, SHAPE, CLASS),
    ONE_WAY_ROW("one-way lo->hi ipv6 police: reverse not policed", AF_INET6, A6, B6,
		PF_RESV_F_LO_TO_HI, REV, POLICE, DIRECT),
    {.name = "one-way police, zero burst: the reserved way drops, the other passes",
     .family = AF_INET,
     .src = B4,
     .dst = A4,
     .reverse = true,
     .rev_payload = 7,
     .ra = A4,
     .rb = B4,
     .rate = 80,
     .rflags = PF_RESV_F_LO_TO_HI,
     .mode = POLICE,
     .flags = METER,
     .pkts = 2,
     .tc_prio = DIRECT,
     .be_way = FWD,
     .whole_table = true,
     BOTH(.pass = 1, .hit = 1, .miss = 1, .drop = 1, .resv_pkts = 0, .resv_drops = 1,
	  .be_pkts = 1)},
    SWAP_ROW("swapped order ipv4 shape", AF_INET, V4, W4, SHAPE, CLASS),
    SWAP_ROW("swapped order ipv4 police", AF_INET, V4, W4, POLICE, DIRECT),
    SWAP_ROW("swapped order ipv6 shape", AF_INET6, A6, B6, SHAPE, CLASS),
    SWAP_ROW("swapped order ipv6 police", AF_INET6, B6, A6, POLICE, DIRECT),
    SWAP_ROW("swapped order ipv6 link-local shape", AF_INET6, L6, G6, SHAPE, CLASS),
    SWAP_ROW("swapped order ipv6 link-local police", AF_INET6, L6, G6, POLICE, DIRECT),
    BAD_ROW("ipv4 header says version 6", AF_INET, A4, B4, NULL, MUT_L3_BYTE, 0x65),
    BAD_ROW("ipv4 ihl below 5", AF_INET, A4, B4, NULL, MUT_L3_BYTE, 0x44),
    BAD_ROW("ipv6 header says version 4", AF_INET6, A6, B6, NULL, MUT_L3_BYTE, 0x40),
    BAD_ROW("ipv4 third 802.1q tag", AF_INET, A4, B4, QINQ, MUT_THIRD_TAG, ETH_P_8021Q),
    BAD_ROW("ipv6 third 802.1ad tag", AF_INET6, A6, B6, QINQ, MUT_THIRD_TAG, ETH_P_8021AD),
    ARP_ROW("arp", NULL, ETH_HLEN + 28),
    ARP_ROW("arp vlan", ONE_TAG, ETH_HLEN + 4 + 28),
    ARP_ROW("arp qinq", QINQ, ETH_HLEN + 8 + 28),
    /* 80 bit/s refills nothing during a test: the burst alone decides. */
    {.name = "police drops after burst", .family = AF_INET, .src = A4, .dst = B4,
     .payload = 46, .len = 100, .ra = A4, .rb = B4, .rate = 80, .burst = 1000, .mode = POLICE,
     .pkts = 13, .tc_prio = DIRECT,
     BOTH(.pass = 10, .hit = 13, .drop = 3, .resv_pkts = 10, .resv_drops = 3, .be_pkts = ABSENT)},
    {.name = "police drops after burst vlan", .family = AF_INET, .src = B4, .dst = A4,
     .tpid = ONE_TAG, .payload = 42, .len = 100, .ra = A4, .rb = B4, .rate = 80, .burst = 1000,
     .mode = POLICE, .pkts = 14, .tc_prio = DIRECT,
     BOTH(.pass = 10, .hit = 14, .drop = 4, .resv_pkts = 10, .resv_drops = 4, .be_pkts = ABSENT)},
    /*
     * With XDP_POLICES, XDP polices; tc only classifies (no policing, no
     * metering) what entered by a port running pf_xdp, and polices the rest.
     */
    {.name = "xdp_polices, by an xdp port, burst below one frame", .family = AF_INET,
     .src = A4, .dst = B4, .payload = 46, .ra = A4, .rb = B4, .rate = 80, .burst = 50,
     .mode = POLICE, .flags = PF_CFG_XDP_POLICES | METER,
     .via_port = true, .port_flags = PF_PORT_TC | PF_PORT_XDP,
     .pkts = 5, .tc_prio = DIRECT, .whole_table = true,
     .tc = {.pass = 5, .hit = 5, .resv_pkts = ABSENT, .be_pkts = ABSENT},
     .xdp = {.pass = 0, .hit = 5, .drop = 5, .resv_pkts = 0, .resv_drops = 5, .be_pkts = ABSENT}},
    {.name = "xdp_polices, by an xdp port, burst of ten frames", .family = AF_INET,
     .src = A4, .dst = B4, .tpid = ONE_TAG, .payload = 42, .len = 100,
     .ra = A4, .rb = B4, .rate = 80, .burst = 1000, .mode = POLICE, .flags = PF_CFG_XDP_POLICES,
     .via_port = true, .port_flags = PF_PORT_XDP,
     .pkts = 14, .tc_prio = DIRECT,
     .tc = {.pass = 14, .hit = 14, .resv_pkts = ABSENT, .be_pkts = ABSENT},
     .xdp = {.pass = 10, .hit = 14, .drop = 4, .resv_pkts = 10, .resv_drops = 4, .be_pkts = ABSENT}},
    {.name = "xdp_polices, by a port without xdp", .family = AF_INET, .src = A4, .dst = B4,
     .payload = 46, .len = 100, .ra = A4, .rb = B4, .rate = 80, .burst = 1000,
     .mode = POLICE, .flags = PF_CFG_XDP_POLICES, .via_port = true, .port_flags = PF_PORT_TC,
     .pkts = 13, .tc_prio = DIRECT,
     BOTH(.pass = 10, .hit = 13, .drop = 3, .resv_pkts = 10, .resv_drops = 3, .be_pkts = ABSENT)},
    {.name = "xdp_polices, by an unattached uplink", .family = AF_INET, .src = A4, .dst = B4,
     .payload = 46, .len = 100, .ra = A4, .rb = B4, .rate = 80, .burst = 1000,
     .mode = POLICE, .flags = PF_CFG_XDP_POLICES | METER, .via_port = true,
     .pkts = 13, .tc_prio = DIRECT, .whole_table = true,
     BOTH(.pass = 10, .hit = 13, .drop = 3, .resv_pkts = 10, .resv_drops = 3, .be_pkts = ABSENT)},
    {.name = "xdp_polices, sent by the host itself", .family = AF_INET, .src = A4, .dst = B4,
     .payload = 46, .len = 100, .ra = A4, .rb = B4, .rate = 80, .burst = 1000,
     .mode = POLICE, .flags = PF_CFG_XDP_POLICES,
     .pkts = 13, .tc_prio = DIRECT,
     BOTH(.pass = 10, .hit = 13, .drop = 3, .resv_pkts = 10, .resv_drops = 3, .be_pkts = ABSENT)},
    /* Shape mode never drops, whatever the entry's rate and burst. */
    {.name = "shape mode never drops", .family = AF_INET, .src = A4, .dst = B4, .payload = 100,
     .ra = A4, .rb = B4, .rate = 80, .mode = SHAPE,
     .pkts = 3, .tc_prio = CLASS,
     BOTH(.pass = 3, .hit = 3, .resv_pkts = 3, .be_pkts = ABSENT)},
};
// clang-format on

/* Loads the data plane in `mode` with `flags` and, unless r is NULL, the entry of {a, b}. */
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

/*
 * Runs one frame through `hook`. Returns 1 if it passed, 0 if it was dropped,
 * -1000 + -errno if the run failed, -1 for an unknown verdict; *prio gets the
 * priority tc left (SEED for XDP).
 */
static int run_via(struct pf_fx *fx, int hook, __u32 ingress, const __u8 *pkt, __u32 len,
		   __u32 *prio)
{
	struct __sk_buff ctx = {.priority = SEED, .ingress_ifindex = ingress};
	int v, err;

	if (hook == PF_FX_TC)
		err = pf_fx_run_tc(fx, pkt, len, &ctx, &v);
	else
		err = pf_fx_run_xdp(fx, pkt, len, 0, &v);
	if (err)
		return -1000 + err;
	*prio = ctx.priority;
	if (hook == PF_FX_TC)
		return v == TC_ACT_OK ? 1 : v == TC_ACT_SHOT ? 0 : -1;
	return v == XDP_PASS ? 1 : v == XDP_DROP ? 0 : -1;
}

static int run(struct pf_fx *fx, int hook, const __u8 *pkt, __u32 len, __u32 *prio)
{
	return run_via(fx, hook, 0, pkt, len, prio);
}

static __u32 build(const struct bpf_case *c, bool reversed, __u8 *pkt)
{
	struct pf_frame_layout lay;
	__u32 len =
	    pf_frame_make(pkt, c->family, reversed ? c->dst : c->src, reversed ? c->src : c->dst,
			  c->tpid, reversed ? c->rev_payload : c->payload, &lay);

	if (len && c->mut == MUT_L3_BYTE)
		pkt[lay.l3_off] = (__u8)c->mut_val;
	if (len && c->mut == MUT_THIRD_TAG)
		pf_put16(pkt + lay.vlan_off[1] + 2, c->mut_val);
	return len;
}

static int case_setup(struct pf_fx *fx, const struct bpf_case *c)
{
	struct pf_resv r = pf_fx_resv(CLASS, c->rate, c->burst);

	struct pf_port port = {.flags = c->port_flags};
	__u32 ifindex = PORT;
	int err;

	r.flags = c->rflags;
	if (c->expired)
		r.expires_at = pf_fx_now() - PF_FX_TICK_NS;
	err = setup(fx, c->mode, c->flags, c->ra, c->rb, c->ra ? &r : NULL);
	if (!err && c->port_flags)
		err = bpf_map_update_elem(bpf_map__fd(fx->skel->maps.ports), &ifindex, &port,
					  BPF_ANY);
	return err;
}

/* Checks a pair's stats: ABSENT, or `pkts` packets of `bytes` and `drops` drops. */
static void check_stats(struct pf_fx *fx, const struct bpf_map *map, const struct bpf_case *c,
			int pkts, __u64 bytes, __u64 drops)
{
	struct pf_stats st;
	int rc = c->family == AF_UNSPEC ? -ENOENT : pf_fx_stats(fx, map, c->src, c->dst, &st);

	if (pkts == ABSENT) {
		CHECK_EQ(rc, -ENOENT);
		return;
	}
	CHECK_EQ(rc, 0);
	CHECK_EQ(st.packets, pkts);
	CHECK_EQ(st.bytes, bytes);
	CHECK_EQ(st.drops, drops);
}

static void check_counters(struct pf_fx *fx, const struct bpf_case *c, const struct expect *e)
{
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_PACKETS), c->pkts);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_HIT), e->hit);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_MISS), e->miss);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_EXPIRED), e->expired);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_DROP), e->drop);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_NON_IP), e->non_ip);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_MALFORMED), e->malformed);
}

static void run_case(const struct bpf_case *c, int hook)
{
	const struct expect *e = hook == PF_FX_TC ? &c->tc : &c->xdp;
	__u8 fwd[PF_FRAME_MAX], rev[PF_FRAME_MAX];
	__u32 lf = build(c, false, fwd), lr = c->reverse ? build(c, true, rev) : 0, prio;
	__u64 passed = 0, passed_be = 0; /* passed_be: of a one-way row's best-effort way */
	struct pf_fx fx;

	CHECK(lf > 0);
	CHECK(!c->reverse || lr > 0);
	if (c->len)
		CHECK_EQ(lf, c->len);
	CHECK_EQ(case_setup(&fx, c), 0);
	if (!fx.skel)
		return;
	for (int i = 0; i < c->pkts; i++) {
		bool back = c->reverse && i % 2;
		__u32 len = back ? lr : lf;

		bool be = c->be_way == (back ? REV : FWD);

		prio = 0;
		CHECK_EQ(run_via(&fx, hook, c->via_port ? PORT : 0, back ? rev : fwd, len, &prio),
			 i < e->pass ? 1 : 0);
		if (hook == PF_FX_TC && i < e->pass)
			CHECK_EQ(prio, be ? BE : c->tc_prio);
		passed += i < e->pass && !be ? len : 0;
		passed_be += i < e->pass && be ? len : 0;
	}
	check_counters(&fx, c, e);
	check_stats(&fx, fx.skel->maps.resv_stats, c, e->resv_pkts, passed, e->resv_drops);
	check_stats(&fx, fx.skel->maps.be_stats, c, e->be_pkts, c->be_way ? passed_be : passed, 0);
	if (c->whole_table) {
		CHECK_EQ(pf_fx_map_len(fx.skel->maps.resv_stats), e->resv_pkts == ABSENT ? 0 : 1);
		CHECK_EQ(pf_fx_map_len(fx.skel->maps.be_stats), e->be_pkts == ABSENT ? 0 : 1);
	}
	pf_fx_close(&fx);
}

/* Runs a check once per hook. */
static void on_both_hooks(void (*check)(int hook))
{
	check(PF_FX_TC);
	check(PF_FX_XDP);
}

/* Runs every row through both hooks, one "ok - table: ROW (HOOK)" line each, as RUN() does. */
static void run_table(void)
{
	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		for (int hook = PF_FX_TC; hook <= PF_FX_XDP; hook++) {
			unit_failed_checks = 0;
			run_case(&CASES[i], hook);
			printf("%s - table: %s (%s)\n", unit_failed_checks ? "not ok" : "ok",
			       CASES[i].name, HOOK_NAME[hook]);
			unit_failed_tests += unit_failed_checks != 0;
		}
	}
	fflush(stdout);
}

/* An entry that expires between two packets: the first is shaped, the second best effort. */
static void check_expires_between_packets(int hook)
{
	struct pf_resv r = pf_fx_resv(CLASS, 100000000, 0);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(setup(&fx, SHAPE, METER, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 0, NULL);
	CHECK_EQ(run(&fx, hook, pkt, len, &prio), 1);
	CHECK_EQ(prio, hook == PF_FX_TC ? CLASS : SEED);

	r.expires_at = pf_fx_now() - PF_FX_TICK_NS;
	CHECK_EQ(pf_fx_add_resv(&fx, A4, B4, &r), 0);
	CHECK_EQ(run(&fx, hook, pkt, len, &prio), 1);
	CHECK_EQ(prio, hook == PF_FX_TC ? BE : SEED);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 1);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_EXPIRED), 1);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MISS), 0);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, A4, B4, &st), 0);
	CHECK_EQ(st.packets, 1);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.be_stats, A4, B4, &st), 0);
	CHECK_EQ(st.packets, 1);
	CHECK_EQ(st.bytes, len);

	/* Live again, with a zero police burst: the packet now matches and is dropped. */
	r.expires_at = pf_fx_now() + 1000000000ULL;
	CHECK_EQ(pf_fx_set_config(&fx, POLICE, 0, BE, DIRECT), 0);
	CHECK_EQ(pf_fx_add_resv(&fx, A4, B4, &r), 0);
	CHECK_EQ(run(&fx, hook, pkt, len, &prio), 0);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 2);
	pf_fx_close(&fx);
}

static void test_expires_between_packets(void)
{
	on_both_hooks(check_expires_between_packets);
}

/* The programs' clock is the coarse monotonic one plus config.boot_offset_ns:
 * with an offset 100 s ahead (as after a 100 s suspend), an entry ending 50 s
 * from now (CLOCK_BOOTTIME without the suspend) is over, one ending in 200 s
 * is not. */
static void check_clock_offset(int hook)
{
	struct pf_resv r = pf_fx_resv(CLASS, 100000000, 0);
	__u32 zero = 0, prio = 0, len;
	__u8 pkt[PF_FRAME_MAX];
	struct pf_config cfg;
	struct pf_fx fx;

	r.expires_at = pf_fx_now() + 50000000000ULL;
	CHECK_EQ(setup(&fx, SHAPE, METER, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(fx.skel->maps.config), &zero, &cfg), 0);
	cfg.boot_offset_ns += 100000000000LL;
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.config), &zero, &cfg, BPF_ANY), 0);
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 0, NULL);
	CHECK_EQ(run(&fx, hook, pkt, len, &prio), 1);
	CHECK_EQ(prio, hook == PF_FX_TC ? BE : SEED);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_EXPIRED), 1);

	r.expires_at = pf_fx_now() + 200000000000ULL;
	CHECK_EQ(pf_fx_add_resv(&fx, A4, B4, &r), 0);
	CHECK_EQ(run(&fx, hook, pkt, len, &prio), 1);
	CHECK_EQ(prio, hook == PF_FX_TC ? CLASS : SEED);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_HIT), 1);
	pf_fx_close(&fx);
}

static void test_clock_is_coarse_plus_boot_offset(void)
{
	on_both_hooks(check_clock_offset);
}

/* 10.0.0.1 <-> 10.0.0.2 is keyed ::ffff:10.0.0.1 / ::ffff:10.0.0.2, exactly these bytes. */
static void check_key_layout(int hook, __u32 mode)
{
	static const struct pf_key want = {
	    .lo = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1},
	    .hi = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 2},
	};
	struct pf_resv r = pf_fx_resv(CLASS, 80, 50); /* police: smaller than the frame */
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	struct pf_key got;
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(setup(&fx, mode, METER, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.reservations), &want, &r, BPF_ANY),
		 0);
	len = pf_frame_make(pkt, AF_INET, B4, A4, NULL, 46, NULL);
	CHECK_EQ(run(&fx, hook, pkt, len, &prio), mode == SHAPE ? 1 : 0);
	if (hook == PF_FX_TC && mode == SHAPE)
		CHECK_EQ(prio, CLASS);
	/* The entry matched: its slot counted the packet, nothing else did. */
	CHECK_EQ(pf_fx_map_len(fx.skel->maps.resv_stats), 1);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, A4, B4, &st), 0);

	/* A miss is keyed the same way in be_stats. */
	CHECK_EQ(bpf_map_delete_elem(bpf_map__fd(fx.skel->maps.reservations), &want), 0);
	CHECK_EQ(run(&fx, hook, pkt, len, &prio), 1);
	if (hook == PF_FX_TC)
		CHECK_EQ(prio, BE);
	CHECK_EQ(bpf_map_get_next_key(bpf_map__fd(fx.skel->maps.be_stats), NULL, &got), 0);
	CHECK(memcmp(&got, &want, sizeof(want)) == 0);
	pf_fx_close(&fx);
}

static void test_key_layout_ipv4_mapped(void)
{
	for (int hook = PF_FX_TC; hook <= PF_FX_XDP; hook++) {
		check_key_layout(hook, SHAPE);
		check_key_layout(hook, POLICE);
	}
}

/*
 * Runs `len` bytes of `pkt` (cut short) expecting a malformed, unmatched,
 * unmetered best-effort pass. `n` is how many malformed frames came before.
 */
static void check_malformed(struct pf_fx *fx, int hook, const __u8 *pkt, __u32 len, __u64 n)
{
	__u32 prio = 0;

	CHECK_EQ(run(fx, hook, pkt, len, &prio), 1);
	if (hook == PF_FX_TC)
		CHECK_EQ(prio, BE);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_MALFORMED), n + 1);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_HIT), 0);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_MISS), 0);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_NON_IP), 0);
	CHECK_EQ(pf_fx_counter(fx, PF_CNT_DROP), 0);
	CHECK_EQ(pf_fx_map_len(fx->skel->maps.resv_stats), 0);
	CHECK_EQ(pf_fx_map_len(fx->skel->maps.be_stats), 0);
}

/*
 * Every cut from the end of the Ethernet header up to a whole IP header. The
 * entries have a zero police burst, so a frame that matched would be dropped.
 * tc gets no untagged cuts: the kernel refuses those test runs (below).
 */
static void check_truncated(int hook)
{
	const __u16 *tags[] = {NULL, ONE_TAG, QINQ};
	struct pf_resv r = pf_fx_resv(CLASS, 80, 0);
	struct pf_frame_layout lay;
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 prio;
	__u64 n = 0;

	CHECK_EQ(setup(&fx, POLICE, METER, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(pf_fx_add_resv(&fx, A6, B6, &r), 0);
	for (int t = hook == PF_FX_TC ? 1 : 0; t < 3; t++) {
		CHECK(pf_frame_make(pkt, AF_INET, A4, B4, tags[t], 0, &lay) > 0);
		for (__u32 cut = ETH_HLEN; cut < lay.l3_off + sizeof(struct iphdr); cut++)
			check_malformed(&fx, hook, pkt, cut, n++);
		CHECK(pf_frame_make(pkt, AF_INET6, A6, B6, tags[t], 0, &lay) > 0);
		for (__u32 cut = lay.l3_off; cut < lay.l3_off + sizeof(struct ipv6hdr); cut++)
			check_malformed(&fx, hook, pkt, cut, n++);
	}
	CHECK_EQ(n, (hook == PF_FX_TC ? 0 : 20 + 40) + (4 + 20) + (8 + 20) + 2 * 40);
	/* The whole frames do match: the cuts above are what kept them out. */
	CHECK_EQ(run(&fx, hook, pkt, lay.len, &prio), 0);
	pf_fx_close(&fx);
}

static void test_truncated_every_layer(void)
{
	on_both_hooks(check_truncated);
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

	CHECK_EQ(setup(&fx, SHAPE, 0, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	CHECK(pf_frame_make(pkt, AF_INET, A4, B4, NULL, 0, &lay) > 0);
	CHECK_EQ(run(&fx, PF_FX_TC, pkt, ETH_HLEN - 1, &prio), -1000 - EINVAL);
	CHECK_EQ(run(&fx, PF_FX_TC, pkt, lay.l3_off + sizeof(struct iphdr) - 1, &prio),
		 -1000 - EINVAL);
	CHECK(pf_frame_make(pkt, AF_INET6, A6, B6, NULL, 0, &lay) > 0);
	CHECK_EQ(run(&fx, PF_FX_TC, pkt, lay.l3_off + sizeof(struct ipv6hdr) - 1, &prio),
		 -1000 - EINVAL);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_PACKETS), 0);
	pf_fx_close(&fx);
}

/*
 * Less than an Ethernet header cannot be tested on XDP either: the kernel
 * refuses test runs of frames under 14 bytes, even with the rest of the
 * buffer as XDP metadata.
 */
static void test_xdp_short_ethernet_refused_by_kernel(void)
{
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 prio;
	int verdict;

	CHECK_EQ(setup(&fx, POLICE, 0, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	CHECK(pf_frame_make(pkt, AF_INET, A4, B4, NULL, 0, NULL) > 0);
	CHECK_EQ(run(&fx, PF_FX_XDP, pkt, ETH_HLEN - 1, &prio), -1000 - EINVAL);
	CHECK_EQ(pf_fx_run_xdp(&fx, pkt, ETH_HLEN + 4 - 1, 4, &verdict), -EINVAL);
	CHECK_EQ(pf_fx_run_xdp(&fx, pkt, ETH_HLEN + 4, 4, &verdict), 0); /* the boundary runs */
	CHECK_EQ(verdict, XDP_PASS);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_PACKETS), 1);
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

	CHECK_EQ(setup(&fx, SHAPE, METER, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, GSO_PAYLOAD, NULL);
	CHECK_EQ(len, ETH_HLEN + 20 + 20 + GSO_PAYLOAD);
	CHECK_EQ(run_gso(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, CLASS);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.resv_stats, A4, B4, &st), 0);
	CHECK_EQ(st.packets, 1);
	CHECK_EQ(st.bytes, GSO_WIRE);

	len = pf_frame_make(pkt, AF_INET, A4, C4, NULL, GSO_PAYLOAD, NULL);
	CHECK_EQ(run_gso(&fx, pkt, len, &prio), TC_ACT_OK);
	CHECK_EQ(prio, BE);
	CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.be_stats, A4, C4, &st), 0);
	CHECK_EQ(st.bytes, GSO_WIRE);
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

	CHECK_EQ(setup(&fx, POLICE, 0, A4, B4, &r), 0);
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

/*
 * Early drop: below half the bucket every packet passes; above it packets are
 * dropped at random before the bucket is empty, so fewer than burst/len pass.
 * 80 bit/s keeps the bucket from refilling during the test.
 */
static void check_police_early_drop(int hook)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 100 * 100);
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 prio = 0, len;
	int passed = 0;

	CHECK_EQ(setup(&fx, POLICE, PF_CFG_EARLY_DROP, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 46, NULL);
	CHECK_EQ(len, 100);
	for (int i = 0; i < 50; i++)
		CHECK_EQ(run(&fx, hook, pkt, len, &prio), 1);
	for (int i = 0; i < 150; i++)
		passed += run(&fx, hook, pkt, len, &prio) == 1;
	CHECK(passed < 50);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 150 - passed);
	pf_fx_close(&fx);
}

static void test_police_early_drop(void)
{
	on_both_hooks(check_police_early_drop);
}

/*
 * 62 Gbit/s with its default burst (0.3 s, 2.3 GB): bits * 1e9 of the burst
 * overflows 64 bits. A bucket 200 ms in debt still admits a packet, one 400
 * ms in debt (past the 300 ms of burst) does not.
 */
static void check_police_62gbit(int hook)
{
	__u64 rate = 62 * GBIT;
	struct pf_resv r = pf_fx_resv(CLASS, rate, pf_default_burst(rate));
	__u8 pkt[PF_FRAME_MAX];
	struct pf_fx fx;
	__u32 prio = 0, len;

	CHECK_EQ(r.burst, rate / 8 * 3 / 10);
	r.tat = pf_fx_now() + 200000000ULL;
	CHECK_EQ(setup(&fx, POLICE, 0, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 1000, NULL);
	CHECK_EQ(run(&fx, hook, pkt, len, &prio), 1);
	r.tat = pf_fx_now() + 400000000ULL;
	CHECK_EQ(pf_fx_add_resv(&fx, A4, B4, &r), 0);
	CHECK_EQ(run(&fx, hook, pkt, len, &prio), 0);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 1);
	pf_fx_close(&fx);
}

static void test_police_62gbit_default_burst(void)
{
	on_both_hooks(check_police_62gbit);
}

/* The fixture's maps as userspace's dataplane layer sees them, with a slot set. */
static struct pf_maps fx_maps(struct pf_fx *fx)
{
	struct pf_maps m = {.reservations = bpf_map__fd(fx->skel->maps.reservations),
			    .resv_stats = bpf_map__fd(fx->skel->maps.resv_stats),
			    .be_stats = bpf_map__fd(fx->skel->maps.be_stats),
			    .config = bpf_map__fd(fx->skel->maps.config),
			    .counters = bpf_map__fd(fx->skel->maps.counters),
			    .ports = bpf_map__fd(fx->skel->maps.ports),
			    .src_allow = bpf_map__fd(fx->skel->maps.src_allow),
			    .slots = pf_slots_new()};
	return m;
}

/*
 * Each entry counts in the slot userspace gave it (the lowest free), a hit
 * looks up nothing by key but the entry; a slot freed by a removal is handed
 * to the next new entry zeroed, so its counters start from 0.
 */
static void test_stats_slots_per_entry(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, GBIT, 100000), got;
	__u8 pkt[PF_FRAME_MAX];
	struct pf_key ab, ac;
	struct pf_stats st;
	struct pf_maps m;
	struct pf_fx fx;
	__u32 prio, len;

	CHECK_EQ(setup(&fx, SHAPE, 0, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	m = fx_maps(&fx);
	r.slot = 0; /* userspace picks it */
	CHECK_EQ(pf_fx_key(&ab, A4, B4), 0);
	CHECK_EQ(pf_fx_key(&ac, A4, C4), 0);
	CHECK_EQ(pf_resv_write(&m, &ab, &r), 0);
	CHECK_EQ(pf_resv_write(&m, &ac, &r), 0);
	CHECK_EQ(pf_resv_lookup(&m, &ab, &got), 0);
	CHECK_EQ(got.slot, 1);
	CHECK_EQ(pf_resv_lookup(&m, &ac, &got), 0);
	CHECK_EQ(got.slot, 2);
	len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 10, NULL);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(run(&fx, PF_FX_TC, pkt, len, &prio), 1);
	CHECK_EQ(pf_resv_stats_read(&m, &ab, &st), 0);
	CHECK_EQ(st.packets, 3);
	CHECK_EQ(st.bytes, 3 * len);
	CHECK_EQ(pf_resv_stats_read(&m, &ac, &st), 0);
	CHECK_EQ(st.packets, 0);

	/* Rewriting keeps the slot and its counters; removing frees the slot. */
	r.rate_bps = 2 * GBIT;
	CHECK_EQ(pf_resv_write(&m, &ab, &r), 0);
	CHECK_EQ(pf_resv_stats_read(&m, &ab, &st), 0);
	CHECK_EQ(st.packets, 3);
	CHECK_EQ(pf_resv_remove(&m, &ab), 0);
	CHECK_EQ(pf_resv_stats_read(&m, &ab, &st), -ENOENT);
	CHECK_EQ(pf_resv_write(&m, &ab, &r), 0);
	CHECK_EQ(pf_resv_lookup(&m, &ab, &got), 0);
	CHECK_EQ(got.slot, 1);
	CHECK_EQ(pf_resv_stats_read(&m, &ab, &st), 0);
	CHECK_EQ(st.packets, 0);
	CHECK_EQ(st.bytes, 0);
	pf_slots_free(m.slots);
	pf_fx_close(&fx);
}

/* A process that opens the maps later rebuilds the used slots from the entries. */
static void test_stats_slots_rebuilt_from_map(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, GBIT, 100000), got;
	struct pf_key ab, ac, bc;
	struct pf_maps m, later;
	struct pf_fx fx;

	CHECK_EQ(setup(&fx, SHAPE, 0, NULL, NULL, NULL), 0);
	if (!fx.skel)
		return;
	m = fx_maps(&fx);
	later = fx_maps(&fx);
	r.slot = 0;
	CHECK_EQ(pf_fx_key(&ab, A4, B4), 0);
	CHECK_EQ(pf_fx_key(&ac, A4, C4), 0);
	CHECK_EQ(pf_fx_key(&bc, B4, C4), 0);
	CHECK_EQ(pf_resv_write(&m, &ab, &r), 0);
	CHECK_EQ(pf_resv_write(&m, &ac, &r), 0);
	CHECK_EQ(pf_resv_remove(&m, &ab), 0);
	CHECK_EQ(pf_resv_write(&later, &bc, &r), 0);
	CHECK_EQ(pf_resv_lookup(&m, &bc, &got), 0);
	CHECK_EQ(got.slot, 1); /* 2 is ac's */
	/* Slots run out with the array: the fixture has PF_FX_SLOTS - 1 of them. */
	for (int i = 3; i < PF_FX_SLOTS; i++) {
		struct pf_key k = ab;

		k.hi[15] = (__u8)(100 + i);
		CHECK_EQ(pf_resv_write(&later, &k, &r), 0);
	}
	ab.hi[15] = 99;
	CHECK_EQ(pf_resv_write(&later, &ab, &r), -ENOSPC);
	CHECK(strstr(pf_last_error(), "the reservations map is full") != NULL);
	CHECK_EQ(pf_resv_lookup(&later, &ab, &got), -ENOENT);
	pf_slots_free(m.slots);
	pf_slots_free(later.slots);
	pf_fx_close(&fx);
}

/*
 * Best-effort metering is sampled: with be_sample 2, one miss in 4 (by this
 * CPU's miss count) is metered as 4 packets; the other misses touch no map
 * but the counters. Pinned to one CPU so the per-CPU count is one sequence.
 */
static void check_be_sampled(int hook)
{
	struct pf_config cfg = {
	    .mode = SHAPE, .flags = METER, .be_classid = BE, .direct_id = DIRECT, .be_sample = 2};
	__u8 pkt[PF_FRAME_MAX];
	struct pf_stats st;
	cpu_set_t one, old;
	struct pf_fx fx;
	__u32 prio, len, zero = 0;

	CHECK_EQ(sched_getaffinity(0, sizeof(old), &old), 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	CHECK_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
	CHECK_EQ(setup(&fx, SHAPE, METER, NULL, NULL, NULL), 0);
	if (fx.skel) {
		CHECK_EQ(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.config), &zero, &cfg, 0), 0);
		len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, 10, NULL);
		for (int i = 0; i < 3; i++)
			CHECK_EQ(run(&fx, hook, pkt, len, &prio), 1);
		CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.be_stats, A4, B4, &st), -ENOENT);
		for (int i = 0; i < 6; i++)
			CHECK_EQ(run(&fx, hook, pkt, len, &prio), 1);
		CHECK_EQ(pf_fx_stats(&fx, fx.skel->maps.be_stats, A4, B4, &st), 0);
		CHECK_EQ(st.packets, 8);
		CHECK_EQ(st.bytes, 8 * len);
		CHECK_EQ(pf_fx_counter(&fx, PF_CNT_MISS), 9);
		pf_fx_close(&fx);
	}
	CHECK_EQ(sched_setaffinity(0, sizeof(old), &old), 0);
}

static void test_be_metering_sampled(void)
{
	on_both_hooks(check_be_sampled);
}

/* Runs `pkt` through tc; *ecn gets the ECN field of the IPv4 header it left. */
static int run_tc_ecn(struct pf_fx *fx, const __u8 *pkt, __u32 len, __u32 l3, int *ecn)
{
	__u8 out[PF_FRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(fx->skel->progs.pf_tc_egress), &opts))
		return -1000 - errno;
	*ecn = out[l3 + 1] & 3;
	return (int)opts.retval;
}

/* A 1000-byte IPv4 frame (or `payload` bytes of TCP) of A4 -> B4 with ECN field `ecn`. */
static __u32 ecn_frame(__u8 *pkt, __u16 payload, int ecn, __u32 *l3)
{
	struct pf_frame_layout lay;
	__u32 len = pf_frame_make(pkt, AF_INET, A4, B4, NULL, payload, &lay);

	pkt[lay.l3_off + 1] = (__u8)ecn;
	*l3 = lay.l3_off;
	return len;
}

/*
 * Police mode with ECN: an ECT packet over half the bucket is marked CE and
 * passes (charged), the bucket runs PF_ECN_DEBT bytes into debt before a
 * large packet is dropped, and a small one (an ACK) still passes after that.
 * A packet that is not ECN-capable keeps the plain bucket. 80 bit/s: no refill.
 */
static void test_police_ecn_marks_before_drop(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 10000);
	__u8 big[PF_FRAME_MAX], ack[PF_FRAME_MAX], plain[PF_FRAME_MAX];
	__u32 l3, lb = ecn_frame(big, 946, 2, &l3), la = ecn_frame(ack, 0, 2, &l3);
	__u32 lp = ecn_frame(plain, 946, 0, &l3);
	int ecn, marked = 0, sent = 0;
	struct pf_fx fx;

	CHECK_EQ(lb, 1000);
	CHECK(la <= PF_SMALL_PKT);
	CHECK_EQ(setup(&fx, POLICE, PF_CFG_ECN, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(run_tc_ecn(&fx, big, lb, l3, &ecn), TC_ACT_OK);
		CHECK_EQ(ecn, 2); /* within half the bucket: untouched */
	}
	while (sent < 1000 && run_tc_ecn(&fx, big, lb, l3, &ecn) == TC_ACT_OK) {
		sent++;
		marked += ecn == 3;
	}
	/* 5 + sent packets fit in the 10000-byte bucket plus the debt. */
	CHECK_EQ(5 + sent, (10000 + PF_ECN_DEBT) / 1000);
	CHECK_EQ(marked, sent);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_ECN_MARK), sent);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_DROP), 1);
	CHECK_EQ(run_tc_ecn(&fx, ack, la, l3, &ecn), TC_ACT_OK);
	CHECK_EQ(ecn, 3);
	/* Not ECN-capable: over the bucket, dropped at once. */
	CHECK_EQ(run_tc_ecn(&fx, plain, lp, l3, &ecn), TC_ACT_SHOT);
	pf_fx_close(&fx);
}

/* Without PF_CFG_ECN (and at XDP, which cannot mark) an ECT packet meets the plain bucket. */
static void test_police_ecn_off_drops(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 80, 10000);
	__u8 big[PF_FRAME_MAX];
	__u32 l3, lb = ecn_frame(big, 946, 2, &l3), prio;
	int ecn, passed = 0;
	struct pf_fx fx;

	CHECK_EQ(setup(&fx, POLICE, 0, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	for (int i = 0; i < 12; i++)
		passed += run_tc_ecn(&fx, big, lb, l3, &ecn) == TC_ACT_OK;
	CHECK_EQ(passed, 10);
	CHECK_EQ(pf_fx_counter(&fx, PF_CNT_ECN_MARK), 0);
	pf_fx_close(&fx);
	CHECK_EQ(setup(&fx, POLICE, PF_CFG_ECN, A4, B4, &r), 0);
	if (!fx.skel)
		return;
	passed = 0;
	for (int i = 0; i < 12; i++)
		passed += run(&fx, PF_FX_XDP, big, lb, &prio) == 1;
	CHECK_EQ(passed, 10);
	pf_fx_close(&fx);
}

int main(void)
{
	run_table();
	RUN(test_expires_between_packets);
	RUN(test_clock_is_coarse_plus_boot_offset);
	RUN(test_key_layout_ipv4_mapped);
	RUN(test_truncated_every_layer);
	RUN(test_tc_untagged_short_refused_by_kernel);
	RUN(test_xdp_short_ethernet_refused_by_kernel);
	RUN(test_tc_gso_meters_wire_len);
	RUN(test_tc_police_charges_wire_len);
	RUN(test_police_early_drop);
	RUN(test_police_62gbit_default_burst);
	RUN(test_stats_slots_per_entry);
	RUN(test_stats_slots_rebuilt_from_map);
	RUN(test_be_metering_sampled);
	RUN(test_police_ecn_marks_before_drop);
	RUN(test_police_ecn_off_drops);
	return unit_done();
}
