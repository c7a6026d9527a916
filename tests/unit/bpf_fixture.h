/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Fixtures for running the PayFlow data plane under BPF_PROG_TEST_RUN:
 *
 *   pf_frame_build()   writes an Ethernet frame (0-2 VLAN tags, IPv4/IPv6 TCP
 *                      or ARP) into a buffer, Katran-style, and reports where
 *                      each layer starts so tests can cut it at any layer.
 *   pf_fx_open()       loads the skeleton with pinning off, or pinned under a
 *                      fresh temp directory in /sys/fs/bpf (bpffs is mounted
 *                      there if it is not yet).
 *   pf_fx_run_tc/xdp/skb() run one packet through a program and return its verdict.
 *   pf_fx_counter(), pf_fx_stats() read the per-CPU maps summed over CPUs.
 *
 * Everything is static inline so each test binary takes only what it uses.
 */
#ifndef PF_BPF_FIXTURE_H
#define PF_BPF_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/magic.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/payflow.h"
#include "payflow.skel.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

#define PF_FX_BPFFS    "/sys/fs/bpf"
#define PF_FRAME_MAX   3072 /* BPF_PROG_TEST_RUN takes at most a page minus head/tailroom */
#define PF_FRAME_VLANS 2
#define PF_FX_SLOTS    8 /* resv_stats slots (0..7) of a test's data plane */

/* The two hooks a test can run a frame through. */
enum pf_fx_hook {
	PF_FX_TC = 0, /* pf_tc_egress */
	PF_FX_XDP,    /* pf_xdp */
};

/* What pf_frame_build() writes. */
struct pf_frame {
	int family;	 /* AF_INET, AF_INET6, or AF_UNSPEC for an ARP request */
	const char *src; /* addresses in the family's text form (unused for ARP) */
	const char *dst;
	__u16 tpid[PF_FRAME_VLANS]; /* VLAN tag protocols, outer first; 0 ends the list */
	__u16 vid[PF_FRAME_VLANS];
	__u16 payload; /* TCP payload bytes, filled with a byte pattern */
};

/* Where each layer of a built frame starts; a cut at any offset truncates there. */
struct pf_frame_layout {
	__u32 vlan_off[PF_FRAME_VLANS]; /* 0 where there is no such tag */
	__u32 l3_off;			/* IP or ARP header */
	__u32 l4_off;			/* TCP header; 0 for ARP */
	__u32 len;			/* whole frame */
};

static inline void pf_put16(__u8 *p, __u16 host)
{
	__u16 be = htons(host);

	memcpy(p, &be, 2);
}

static inline __u16 pf_ip_csum(const void *hdr, __u32 len)
{
	const __u8 *p = hdr;
	__u32 sum = 0;

	for (__u32 i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static inline __u32 pf_frame_ip4(const struct pf_frame *f, __u8 *p)
{
	struct iphdr ip = {.version = 4, .ihl = 5, .ttl = 64, .protocol = IPPROTO_TCP};

	ip.tot_len = htons(sizeof(ip) + sizeof(struct tcphdr) + f->payload);
	if (inet_pton(AF_INET, f->src, &ip.saddr) != 1 ||
	    inet_pton(AF_INET, f->dst, &ip.daddr) != 1)
		return 0;
	memcpy(p, &ip, sizeof(ip));
	pf_put16(p + offsetof(struct iphdr, check), pf_ip_csum(p, sizeof(ip)));
	return sizeof(ip);
}

static inline __u32 pf_frame_ip6(const struct pf_frame *f, __u8 *p)
{
	struct ipv6hdr ip6 = {.version = 6, .nexthdr = IPPROTO_TCP, .hop_limit = 64};

	ip6.payload_len = htons(sizeof(struct tcphdr) + f->payload);
	if (inet_pton(AF_INET6, f->src, &ip6.saddr) != 1 ||
	    inet_pton(AF_INET6, f->dst, &ip6.daddr) != 1)
		return 0;
	memcpy(p, &ip6, sizeof(ip6));
	return sizeof(ip6);
}

/* An ARP who-has 10.0.0.2 from 10.0.0.1. */
static inline __u32 pf_frame_arp(__u8 *p)
{
	static const __u8 arp[28] = {0,	 1, 8, 0, 6, 4, 0, 1, 2, 0, 0,	0, 0, 1,
				     10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2};

	memcpy(p, arp, sizeof(arp));
	return sizeof(arp);
}

static inline __u32 pf_frame_tcp(const struct pf_frame *f, __u8 *p)
{
	struct tcphdr tcp = {.source = htons(40000), .dest = htons(5201), .doff = 5, .ack = 1};

	tcp.seq = htonl(1);
	tcp.window = htons(65535);
	memcpy(p, &tcp, sizeof(tcp));
	for (__u32 i = 0; i < f->payload; i++)
		p[sizeof(tcp) + i] = (__u8)i;
	return sizeof(tcp) + f->payload;
}

/* Writes the frame into buf; returns its length, or 0 on a bad address or too small cap. */
static inline __u32 pf_frame_build(const struct pf_frame *f, __u8 *buf, __u32 cap,
				   struct pf_frame_layout *lay)
{
	static const __u8 macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	__u16 proto = f->family == AF_INET    ? ETH_P_IP
		      : f->family == AF_INET6 ? ETH_P_IPV6
					      : ETH_P_ARP;
	__u8 tmp[PF_FRAME_MAX] = {0};
	struct pf_frame_layout l = {0};
	__u32 off = ETH_HLEN, n;
	int tags = 0;

	memcpy(tmp, macs, sizeof(macs));
	while (tags < PF_FRAME_VLANS && f->tpid[tags])
		tags++;
	pf_put16(tmp + 12, tags ? f->tpid[0] : proto);
	for (int i = 0; i < tags; i++) {
		l.vlan_off[i] = off;
		pf_put16(tmp + off, f->vid[i] & 0xfff);
		pf_put16(tmp + off + 2, i + 1 < tags ? f->tpid[i + 1] : proto);
		off += 4;
	}
	l.l3_off = off;
	if (sizeof(tmp) - off < sizeof(struct ipv6hdr) + sizeof(struct tcphdr) + f->payload)
		return 0;
	if (proto == ETH_P_ARP) {
		off += pf_frame_arp(tmp + off);
	} else {
		n = proto == ETH_P_IP ? pf_frame_ip4(f, tmp + off) : pf_frame_ip6(f, tmp + off);
		if (!n)
			return 0;
		off += n;
		l.l4_off = off;
		off += pf_frame_tcp(f, tmp + off);
	}
	if (off > cap)
		return 0;
	l.len = off;
	memcpy(buf, tmp, off);
	if (lay)
		*lay = l;
	return off;
}

/*
 * Shorthand for pf_frame_build(): a TCP (or, for AF_UNSPEC, ARP) frame with
 * the VLAN tags listed in `tpid` (NULL or a PF_FRAME_VLANS array, 0 ends it).
 */
static inline __u32 pf_frame_make(__u8 buf[PF_FRAME_MAX], int family, const char *src,
				  const char *dst, const __u16 *tpid, __u16 payload,
				  struct pf_frame_layout *lay)
{
	struct pf_frame f = {.family = family, .src = src, .dst = dst, .payload = payload};

	for (int i = 0; tpid && i < PF_FRAME_VLANS; i++) {
		f.tpid[i] = tpid[i];
		f.vid[i] = (__u16)(100 + i);
	}
	return pf_frame_build(&f, buf, PF_FRAME_MAX, lay);
}

/* Fills `addr` with a v6 address or a v4 one as ::ffff:a.b.c.d. */
static inline int pf_fx_addr(const char *text, __u8 addr[16])
{
	__u8 v4[4];

	if (inet_pton(AF_INET6, text, addr) == 1)
		return 0;
	if (inet_pton(AF_INET, text, v4) != 1)
		return -EINVAL;
	memset(addr, 0, 10);
	addr[10] = 0xff;
	addr[11] = 0xff;
	memcpy(addr + 12, v4, 4);
	return 0;
}

/* The reservations key of the unordered pair {a, b}, lower address first. */
static inline int pf_fx_key(struct pf_key *key, const char *a, const char *b)
{
	__u8 x[16], y[16];

	if (pf_fx_addr(a, x) || pf_fx_addr(b, y))
		return -EINVAL;
	pf_key_make(key, x, y);
	return 0;
}

/* The clock of expires_at: CLOCK_BOOTTIME (userspace/dataplane/clock.h). */
static inline __u64 pf_fx_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}
static inline __u64 pf_fx_now(void)
{
	return pf_fx_clock(CLOCK_BOOTTIME);
}
/* What the programs add to the coarse monotonic clock (config.boot_offset_ns). */
static inline __s64 pf_fx_boot_offset(void)
{
	return (__s64)(pf_fx_clock(CLOCK_BOOTTIME) - pf_fx_clock(CLOCK_MONOTONIC));
}
/* The programs' clock is coarse: one tick late at most (10 ms at HZ=100). An
 * entry that ended longer ago than this is expired for them. */
#define PF_FX_TICK_NS 20000000ULL

/* A reservation live for an hour from now, counted in stats slot 1. */
static inline struct pf_resv pf_fx_resv(__u32 classid, __u64 rate_bps, __u32 burst)
{
	struct pf_resv r = {
	    .rate_bps = rate_bps, .burst = burst, .classid = classid, .resv_id = 1, .slot = 1};

	r.expires_at = pf_fx_now() + 3600ULL * 1000000000ULL;
	return r;
}

/* A loaded data plane. */
struct pf_fx {
	struct payflow_bpf *skel;
	char pin_root[64]; /* empty when the maps are not pinned */
	int ncpu;
};

/* Mounts bpffs on /sys/fs/bpf unless it already is one. */
static inline int pf_fx_mount_bpffs(void)
{
	struct statfs st;

	if (statfs(PF_FX_BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", PF_FX_BPFFS, "bpf", 0, "mode=0700")) {
		fprintf(stderr, "fixture: mount bpffs on %s: %s\n", PF_FX_BPFFS, strerror(errno));
		return -errno;
	}
	return 0;
}

static inline void pf_fx_close(struct pf_fx *fx)
{
	struct bpf_map *map;

	if (fx->skel && fx->pin_root[0]) {
		bpf_object__for_each_map(map, fx->skel->obj) bpf_map__unpin(map, NULL);
	}
	payflow_bpf__destroy(fx->skel);
	if (fx->pin_root[0] && rmdir(fx->pin_root))
		fprintf(stderr, "fixture: rmdir %s: %s\n", fx->pin_root, strerror(errno));
	memset(fx, 0, sizeof(*fx));
}

/*
 * Opens and loads the data plane. With `pin` the maps are pinned by name under
 * a new /sys/fs/bpf/pf-test-XXXXXX (fx->pin_root; bpffs
 * forbids dots in names), removed by pf_fx_close();
 * without it, pinning is switched off. Returns 0 or a negative errno.
 */
static inline int pf_fx_open(struct pf_fx *fx, bool pin)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct bpf_map *map;
	int err;

	memset(fx, 0, sizeof(*fx));
	fx->ncpu = libbpf_num_possible_cpus();
	if (fx->ncpu <= 0)
		return fx->ncpu ? fx->ncpu : -EINVAL;
	if (pin) {
		err = pf_fx_mount_bpffs();
		if (err)
			return err;
		snprintf(fx->pin_root, sizeof(fx->pin_root), "%s/pf-test-XXXXXX", PF_FX_BPFFS);
		if (!mkdtemp(fx->pin_root)) {
			err = -errno;
			fprintf(stderr, "fixture: mkdtemp under %s: %s\n", PF_FX_BPFFS,
				strerror(errno));
			fx->pin_root[0] = 0;
			return err;
		}
		opts.pin_root_path = fx->pin_root;
	}
	fx->skel = payflow_bpf__open_opts(&opts);
	if (!fx->skel) {
		err = -errno;
		fprintf(stderr, "fixture: open skeleton: %s\n", strerror(errno));
		pf_fx_close(fx);
		return err;
	}
	if (!pin) {
		bpf_object__for_each_map(map, fx->skel->obj) bpf_map__set_pin_path(map, NULL);
	}
	bpf_map__set_max_entries(fx->skel->maps.resv_stats, PF_FX_SLOTS);
	err = payflow_bpf__load(fx->skel);
	if (err) {
		fprintf(stderr, "fixture: load skeleton: %s\n", strerror(-err));
		pf_fx_close(fx);
		return err;
	}
	return 0;
}

static inline int pf_fx_set_config(struct pf_fx *fx, __u32 mode, __u32 flags, __u32 be_classid,
				   __u32 direct_id)
{
	struct pf_config cfg = {.mode = mode,
				.flags = flags,
				.be_classid = be_classid,
				.direct_id = direct_id,
				.boot_offset_ns = pf_fx_boot_offset()};
	__u32 zero = 0;

	return bpf_map_update_elem(bpf_map__fd(fx->skel->maps.config), &zero, &cfg, BPF_ANY);
}

/* Adds or replaces the reservation of the pair {a, b}. */
static inline int pf_fx_add_resv(struct pf_fx *fx, const char *a, const char *b,
				 const struct pf_resv *r)
{
	struct pf_key key;

	if (pf_fx_key(&key, a, b))
		return -EINVAL;
	return bpf_map_update_elem(bpf_map__fd(fx->skel->maps.reservations), &key, r, BPF_ANY);
}

/* Sum over CPUs of one global counter (enum pf_counter). */
static inline __u64 pf_fx_counter(struct pf_fx *fx, __u32 idx)
{
	__u64 vals[fx->ncpu], sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(fx->skel->maps.counters), &idx, vals))
		return ~0ULL;
	for (int i = 0; i < fx->ncpu; i++)
		sum += vals[i];
	return sum;
}

/* Sum over CPUs of the pf_stats under `key` in a per-CPU map. */
static inline int pf_fx_sum(const struct bpf_map *map, const void *key, struct pf_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pf_stats vals[ncpu > 0 ? ncpu : 1];

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0 || bpf_map_lookup_elem(bpf_map__fd(map), key, vals))
		return -errno;
	for (int i = 0; i < ncpu; i++) {
		sum->packets += vals[i].packets;
		sum->bytes += vals[i].bytes;
		sum->drops += vals[i].drops;
	}
	return 0;
}

/*
 * A pair's stats summed over CPUs: in be_stats by its key; in resv_stats in
 * the slot its reservation names. -ENOENT if it has none (for resv_stats: no
 * entry, or nothing counted in its slot).
 */
static inline int pf_fx_stats(struct pf_fx *fx, const struct bpf_map *map, const char *a,
			      const char *b, struct pf_stats *sum)
{
	struct pf_key key;
	struct pf_resv r;
	int err;

	memset(sum, 0, sizeof(*sum));
	if (pf_fx_key(&key, a, b))
		return -EINVAL;
	if (map != fx->skel->maps.resv_stats)
		return pf_fx_sum(map, &key, sum);
	if (bpf_map_lookup_elem(bpf_map__fd(fx->skel->maps.reservations), &key, &r) || !r.slot)
		return -ENOENT;
	err = pf_fx_sum(map, &r.slot, sum);
	if (!err && !sum->packets && !sum->bytes && !sum->drops)
		return -ENOENT;
	return err;
}

/* Keys in a hash map; in an array, the slots that counted something. */
static inline int pf_fx_map_len(const struct bpf_map *map)
{
	struct pf_key key, next;
	int n = 0, fd = bpf_map__fd(map);
	void *prev = NULL;

	if (bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY) {
		struct pf_stats st;

		for (__u32 i = 0; i < bpf_map__max_entries(map); i++)
			n += !pf_fx_sum(map, &i, &st) && (st.packets || st.bytes || st.drops);
		return n;
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

/*
 * Runs a tc program once on `pkt`. `ctx` (may be NULL) is the __sk_buff
 * passed in and, on return, the one the program left (priority). Returns the
 * syscall's result (0 or -errno); the verdict goes to *verdict.
 */
static inline int pf_fx_run_skb(const struct bpf_program *prog, const void *pkt, __u32 len,
				struct __sk_buff *ctx, int *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .repeat = 1);
	int err;

	if (ctx) {
		opts.ctx_in = ctx;
		opts.ctx_size_in = sizeof(*ctx);
		opts.ctx_out = ctx;
		opts.ctx_size_out = sizeof(*ctx);
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err)
		return -errno;
	*verdict = (int)opts.retval;
	return 0;
}

/* pf_fx_run_skb() on the tc egress program. */
static inline int pf_fx_run_tc(struct pf_fx *fx, const void *pkt, __u32 len, struct __sk_buff *ctx,
			       int *verdict)
{
	return pf_fx_run_skb(fx->skel->progs.pf_tc_egress, pkt, len, ctx, verdict);
}

/*
 * Runs the XDP program once. The first `meta_len` bytes of `pkt` (a multiple
 * of 4, at most 32) become XDP metadata, so the frame the program sees is
 * `len - meta_len` bytes: the only way to hand it less than an Ethernet header.
 */
static inline int pf_fx_run_xdp(struct pf_fx *fx, const void *pkt, __u32 len, __u32 meta_len,
				int *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .repeat = 1);
	struct xdp_md md = {.data = meta_len, .data_end = len};
	int err;

	if (meta_len) {
		opts.ctx_in = &md;
		opts.ctx_size_in = sizeof(md);
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(fx->skel->progs.pf_xdp), &opts);
	if (err)
		return -errno;
	*verdict = (int)opts.retval;
	return 0;
}

#endif /* PF_BPF_FIXTURE_H */
