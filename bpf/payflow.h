/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Map layouts shared by the BPF programs and userspace. Everything here must
 * compile both with clang -target bpf and with the host compiler, so it uses
 * only <linux/types.h> and <linux/bpf.h> types.
 *
 * A schema change here changes the pinned maps' definition: libbpf then
 * refuses to reuse old pins, so `payflowctl detach` (which unpins) must run
 * before an upgrade.
 */
#ifndef PAYFLOW_H
#define PAYFLOW_H

#include <linux/types.h>
#include <linux/bpf.h>

#define PF_PIN_ROOT_DEFAULT "/sys/fs/bpf/payflow"

/* Map sizes. The reservations map is a plain HASH: it never evicts. */
#define PF_MAX_RESERVATIONS 1048576
#define PF_MAX_BE_FLOWS	    65536
#define PF_MAX_PORTS	    1024

/*
 * The unordered IP pair. Both addresses are 16 bytes (IPv4 as ::ffff:a.b.c.d)
 * and stored lower-first, so a->b and b->a produce the same key.
 */
struct pf_key {
	__u8 lo[16];
	__u8 hi[16];
};

/* Reservation flags. */
#define PF_RESV_F_DIRECT (1U << 0) /* shape mode: bypass HTB (operator use) */
/*
 * One-way reservations: only packets from the key's lo to its hi (or from hi
 * to lo) are the reservation's; the other direction is best effort. Neither
 * flag: both directions. Userspace never sets both.
 */
#define PF_RESV_F_LO_TO_HI (1U << 1)
#define PF_RESV_F_HI_TO_LO (1U << 2)

/*
 * One paid or operator-granted reservation. Written only by the controller;
 * the data plane reads it and, in police mode, updates `tat` under `lock`.
 * Userspace writes with BPF_F_LOCK so a rate change keeps the bucket state.
 */
struct pf_resv {
	__u64 rate_bps;	  /* guaranteed rate, bit/s */
	__u64 expires_at; /* CLOCK_BOOTTIME ns; the entry is ignored from then on */
	__u64 resv_id;	  /* the controller's reservation id */
	__u32 burst;	  /* police mode: bucket depth in bytes */
	__u32 level;	  /* price level the rate came from */
	__u32 classid;	  /* shape mode: HTB class handle (major << 16 | minor) */
	__u32 flags;	  /* PF_RESV_F_* */
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 tat;  /* police mode: GCRA theoretical arrival time, ns */
	__u32 slot; /* index of its counters in resv_stats, 1..capacity; 0: none */
	__u32 pad2;
};

/*
 * Per-CPU per-flow counters: values of be_stats (by pair) and of resv_stats,
 * an array indexed by the reservation's slot, so a hit costs one hash lookup
 * (Katran's layout). The controller picks the slot and zeroes it at a grant.
 */
struct pf_stats {
	__u64 packets;
	__u64 bytes;
	__u64 drops;
};

/* Enforcement modes. */
enum pf_mode {
	PF_MODE_SHAPE = 0,  /* tc steers into the reservation's HTB class */
	PF_MODE_POLICE = 1, /* a token bucket drops over-rate packets */
};

/* Config flags. */
#define PF_CFG_METER_BE	   (1U << 0) /* keep per-pair stats of unreserved flows */
#define PF_CFG_XDP_POLICES (1U << 1) /* XDP polices at its ports; tc polices the rest */
#define PF_CFG_EARLY_DROP  (1U << 2) /* police: RED-like drops in the bucket's upper half */
#define PF_CFG_ECN	   (1U << 3) /* police at tc: mark ECN-capable packets CE, drop late */

/*
 * Police mode with PF_CFG_ECN, for ECN-capable packets at tc: CE from half the
 * bucket on; a drop only past the bucket plus PF_ECN_DEBT bytes of debt (eight
 * GSO super-packets), and for packets of at most PF_SMALL_PKT bytes (ACKs)
 * only past twice that, so large packets go first.
 */
#define PF_ECN_DEBT  524288
#define PF_SMALL_PKT 128

/* The single entry of the config map. */
struct pf_config {
	__u32 mode;	  /* enum pf_mode */
	__u32 flags;	  /* PF_CFG_* */
	__u32 be_classid; /* HTB class of unreserved traffic */
	__u32 direct_id;  /* HTB qdisc handle: priority that bypasses HTB classes */
	/*
	 * With PF_CFG_METER_BE, one miss in 2^be_sample is metered in be_stats,
	 * counted 2^be_sample times: the other misses do no second lookup.
	 */
	__u32 be_sample;
	__u32 pad;
	/*
	 * CLOCK_BOOTTIME - CLOCK_MONOTONIC, kept current by userspace
	 * (pf_clock_sync): the data plane reads the cheap coarse monotonic clock
	 * and adds it, so expires_at stays on CLOCK_BOOTTIME (enforce.h, pf_now).
	 */
	__s64 boot_offset_ns;
};

#define PF_BE_SAMPLE_MAX     10 /* one in 1024 */
#define PF_BE_SAMPLE_DEFAULT 4	/* one in 16 */

/* Port flags: what `attach` set up on a port, so `detach` undoes exactly that. */
#define PF_PORT_TC	   (1U << 0) /* pf_tc_egress on clsact egress */
#define PF_PORT_OWN_CLSACT (1U << 1) /* we created the clsact qdisc */
#define PF_PORT_HTB	   (1U << 2) /* we created the HTB root qdisc */
#define PF_PORT_XDP	   (1U << 3) /* pf_xdp attached */
#define PF_PORT_XDP_NATIVE (1U << 4) /* ... in native (driver) mode */
#define PF_PORT_SRC_GUARD  (1U << 5) /* pf_tc_ingress: only the port's hosts may send */
#define PF_IFNAMSIZ	   16

/* One attached port, keyed by ifindex in the ports map. tc reads its flags (PF_PORT_XDP). */
struct pf_port {
	char ifname[PF_IFNAMSIZ];
	__u64 capacity_bps; /* HTB root rate */
	__u64 be_rate_bps;  /* best-effort class rate */
	__u32 flags;	    /* PF_PORT_* */
	__u32 pad;
};

/* Global per-CPU counters, indices into the counters array. */
enum pf_counter {
	PF_CNT_PACKETS = 0, /* every packet seen */
	PF_CNT_HIT,	    /* matched a live reservation */
	PF_CNT_MISS,	    /* IP packet without a reservation (for its direction) */
	PF_CNT_EXPIRED,	    /* matched an entry past its expires_at */
	PF_CNT_DROP,	    /* dropped by the policer */
	PF_CNT_NON_IP,	    /* not IPv4/IPv6: passed as best effort */
	PF_CNT_MALFORMED,   /* truncated or bad header: passed as best effort */
	PF_CNT_SPOOFED,	    /* dropped at a guarded port: source not among its hosts */
	PF_CNT_ECN_MARK,    /* police: marked CE instead of dropped */
	PF_CNT_MAX,
};

/*
 * A key of the src_allow LPM trie: an address prefix allowed to send into
 * port `ifindex`. prefixlen counts the ifindex's 32 bits too (always matched
 * whole) plus the prefix length of the 16-byte address (IPv4 as ::ffff:0:0/96
 * plus its own length).
 */
struct pf_src_key {
	__u32 prefixlen;
	__u32 ifindex;
	__u8 addr[16];
};

#define PF_MAX_SRC_PREFIXES 16384

/* The HTB layout payflow builds on each shaped port. */
#define PF_HTB_MAJOR	    0x1U
#define PF_HTB_ROOT_MINOR   0x1U
#define PF_HTB_BE_MINOR	    0x2U
#define PF_HTB_MIN_MINOR    0x10U /* first minor for reservations */
#define PF_HTB_MAX_MINOR    0xffffU
#define PF_HANDLE(maj, min) (((maj) << 16) | (min))

/*
 * The class pool (docs in userspace/dataplane/pool.h): class 1:3 holds the
 * pool qdisc 2:, whose class 2:M holds the block qdisc M: of PF_POOL_BLOCK
 * leaves M:1..M:PF_POOL_BLOCK. A reservation's classid is its leaf; the
 * selectors (pf_sel_root on 1:, pf_sel_pool on 2:) lead a packet there.
 */
#define PF_POOL_HOLDER_MINOR 0x3U
#define PF_POOL_QDISC_MAJOR  0x2U
#define PF_POOL_MAJOR_MIN    0x10U
#define PF_POOL_MAJOR_MAX    0xffffU
#define PF_POOL_BLOCK	     256U
#define PF_POOL_PARK_BPS     8ULL /* idle leaves: HTB refuses a rate of 0 */

/* The 8 bytes at p as a big-endian number: bytewise order is numeric order. */
static inline __attribute__((always_inline)) __u64 pf_be64(const __u8 *p)
{
	__u64 v;

	__builtin_memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/*
 * Orders two 16-byte addresses bytewise (as memcmp); identical in BPF and
 * userspace. Two 64-bit compares instead of a 16-step byte loop: the key is
 * built on every packet.
 */
static inline __attribute__((always_inline)) int pf_addr_cmp(const __u8 *a, const __u8 *b)
{
	__u64 x = pf_be64(a), y = pf_be64(b);

	if (x == y) {
		x = pf_be64(a + 8);
		y = pf_be64(b + 8);
	}
	return x == y ? 0 : x < y ? -1 : 1;
}

/*
 * The one builder of the unordered-pair key, used by the BPF programs,
 * userspace and the test fixtures alike: the lower address goes first, so
 * a->b and b->a produce the same key. Returns 1 when a went first (a packet
 * from a to b goes from lo to hi), else 0.
 */
static inline __attribute__((always_inline)) int pf_key_make(struct pf_key *key, const __u8 *a,
							     const __u8 *b)
{
	int a_first = pf_addr_cmp(a, b) <= 0;

	__builtin_memcpy(key->lo, a_first ? a : b, 16);
	__builtin_memcpy(key->hi, a_first ? b : a, 16);
	return a_first;
}

#endif /* PAYFLOW_H */
