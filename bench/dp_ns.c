// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * dp_ns: nanoseconds per packet of the PayFlow data plane, measured with
 * BPF_PROG_TEST_RUN on a 64-byte IPv4 TCP frame while the reservations map
 * holds a million entries. Prints one flat JSON object on stdout.
 *
 *   usage: dp_ns [-n ENTRIES] [-r REPEAT] [-k RUNS]
 *
 * Each case runs RUNS times (REPEAT packets each; the kernel reports the mean
 * ns per packet) and reports the median, plus _min and _max keys. Cases:
 *   hit_xdp   pf_xdp, police mode (what XDP is for): lookup + GCRA + stats
 *   hit_tc    pf_tc_egress, shape mode (its default): lookup + priority + stats
 *   miss_*    a pair without a reservation, best-effort metering on
 *   miss_*_nometer  the same with PF_CFG_METER_BE off
 *   empty_*   a program that only returns its verdict: the cost of
 *             BPF_PROG_TEST_RUN's own loop, included in every number above
 *   hit_tc_random  pf_tc_egress on RANDOM frames, each of a pair drawn at random
 *             from the entries loaded, one run each (so caches miss as with
 *             many flows): the median of those runs. empty_tc_1 is the empty
 *             program measured the same way (one packet per run).
 * Maps are not pinned, so this never touches a running PayFlow's state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/payflow.h"
#include "payflow.skel.h"

#define DEFAULT_ENTRIES 1000000
#define DEFAULT_REPEAT	1000000
#define DEFAULT_RUNS	5
#define MAX_RUNS	99
#define BATCH		8192
#define FRAME_LEN	64

struct dp_opts {
	__u32 entries;
	int repeat;
	int runs;
};

/* Entry i pairs ::ffff:10.i and ::ffff:172.(16+i): lo < hi, all distinct. */
static void entry_addrs(__u32 i, __be32 *lo, __be32 *hi)
{
	*lo = htonl(0x0a000000U | (i & 0xffffffU));
	*hi = htonl((0xac10U + (i >> 16)) << 16 | (i & 0xffffU));
}

static void v4_mapped(__u8 out[16], __be32 addr)
{
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, &addr, 4);
}

/* Fills the reservations map with `n` live entries, BATCH at a time. */
static int fill_reservations(int fd, __u32 n)
{
	struct pf_key *keys = calloc(BATCH, sizeof(*keys));
	struct pf_resv *vals = calloc(BATCH, sizeof(*vals));
	/* A 1 GiB bucket: no vCPU clock skew between runs can make a hit drop. */
	struct pf_resv v = {.rate_bps = 100000000000ULL, .burst = 1U << 30, .expires_at = ~0ULL};
	__be32 lo, hi;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 done = 0; done < n && !err;) {
		__u32 count = n - done < BATCH ? n - done : BATCH;

		for (__u32 j = 0; j < count; j++) {
			entry_addrs(done + j, &lo, &hi);
			v4_mapped(keys[j].lo, lo);
			v4_mapped(keys[j].hi, hi);
			v.classid = PF_HANDLE(PF_HTB_MAJOR, PF_HTB_MIN_MINOR + (done + j) % 0xff00);
			v.resv_id = done + j + 1;
			v.slot = done + j + 1; /* its own counters, as payflow allocates */
			vals[j] = v;
		}
		err = bpf_map_update_batch(fd, keys, vals, &count, NULL) ? -errno : 0;
		done += count;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* A 64-byte Ethernet + IPv4 + TCP frame from `src` to `dst`. */
static void build_frame(__u8 frame[FRAME_LEN], __be32 src, __be32 dst)
{
	struct ethhdr eth = {.h_dest = {2, 0, 0, 0, 0, 2}, .h_source = {2, 0, 0, 0, 0, 1}};
	struct iphdr ip = {.version = 4, .ihl = 5, .ttl = 64, .protocol = IPPROTO_TCP};
	struct tcphdr tcp = {.doff = 5, .ack = 1};

	eth.h_proto = htons(ETH_P_IP);
	ip.tot_len = htons(FRAME_LEN - sizeof(eth));
	ip.saddr = src;
	ip.daddr = dst;
	tcp.source = htons(40000);
	tcp.dest = htons(5201);
	memset(frame, 0, FRAME_LEN);
	memcpy(frame, &eth, sizeof(eth));
	memcpy(frame + sizeof(eth), &ip, sizeof(ip));
	memcpy(frame + sizeof(eth) + sizeof(ip), &tcp, sizeof(tcp));
}

static int set_config(struct payflow_bpf *skel, __u32 mode, __u32 flags)
{
	struct pf_config cfg = {.mode = mode,
				.flags = flags,
				.be_classid = PF_HANDLE(PF_HTB_MAJOR, PF_HTB_BE_MINOR),
				.direct_id = PF_HANDLE(PF_HTB_MAJOR, 0),
				.be_sample = PF_BE_SAMPLE_DEFAULT}; /* as attach sets it */
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, &cfg, BPF_ANY))
		return -errno;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* One measured case: name and the sorted ns per packet of each run. */
struct dp_case {
	const char *name;
	__u32 ns[MAX_RUNS];
};

/* Runs `frame` through `prog` o->runs times; the expected verdict guards the result. */
static int measure(struct dp_case *c, const struct dp_opts *o, int prog_fd, const __u8 *frame,
		   __u32 want)
{
	for (int i = 0; i < o->runs; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = FRAME_LEN,
			    .repeat = o->repeat);

		if (bpf_prog_test_run_opts(prog_fd, &t)) {
			fprintf(stderr, "dp_ns: %s: BPF_PROG_TEST_RUN: %s\n", c->name,
				strerror(errno));
			return -1;
		}
		if (t.retval != want) {
			fprintf(stderr, "dp_ns: %s: verdict %u, expected %u\n", c->name, t.retval,
				want);
			return -1;
		}
		c->ns[i] = t.duration;
	}
	qsort(c->ns, o->runs, sizeof(c->ns[0]), cmp_u32);
	return 0;
}

static __u64 counter(struct payflow_bpf *skel, __u32 idx)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 vals[ncpu > 0 ? ncpu : 1], sum = 0;

	if (ncpu <= 0 || bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &idx, vals))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

/* One packet per run: the mean over RANDOM_PKTS runs of frames from next(). */
#define RANDOM_PKTS 20000

static int run_once(int prog_fd, const __u8 *frame, __u32 want, __u64 *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = FRAME_LEN, .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &t) || t.retval != want)
		return -1;
	*ns += t.duration;
	return 0;
}

/* Frames of pairs drawn at random from the `entries` loaded (entries == 0: always `fixed`). */
static int measure_random(struct dp_case *c, const struct dp_opts *o, int prog_fd, __u32 entries,
			  const __u8 *fixed, __u32 want)
{
	__u8 frame[FRAME_LEN];
	__be32 lo, hi;

	srandom(42);
	for (int r = 0; r < o->runs; r++) {
		__u64 ns = 0;

		for (int i = 0; i < RANDOM_PKTS; i++) {
			entry_addrs((__u32)random() % (entries ? entries : 1), &lo, &hi);
			build_frame(frame, i % 2 ? lo : hi, i % 2 ? hi : lo);
			if (run_once(prog_fd, entries ? frame : fixed, want, &ns)) {
				fprintf(stderr, "dp_ns: %s: run failed or wrong verdict\n",
					c->name);
				return -1;
			}
		}
		c->ns[r] = (__u32)(ns / RANDOM_PKTS);
	}
	qsort(c->ns, o->runs, sizeof(c->ns[0]), cmp_u32);
	return 0;
}

/* A program that only returns `verdict`: what BPF_PROG_TEST_RUN costs by itself. */
static int measure_baseline(struct dp_case *c, const struct dp_opts *o, enum bpf_prog_type type,
			    __u32 verdict, const __u8 *frame, bool one_each)
{
	struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = (__s32)verdict},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(type, "pf_empty", "GPL", insns, 2, NULL), err;

	if (fd < 0) {
		fprintf(stderr, "dp_ns: load empty program: %s\n", strerror(errno));
		return -1;
	}
	err = one_each ? measure_random(c, o, fd, 0, frame, verdict)
		       : measure(c, o, fd, frame, verdict);
	close(fd);
	return err;
}

/* Runs every case; checks through the counters that hits hit and misses missed. */
static int run_cases(struct payflow_bpf *skel, const struct dp_opts *o, struct dp_case *cases)
{
	int xdp_fd = bpf_program__fd(skel->progs.pf_xdp);
	int tc_fd = bpf_program__fd(skel->progs.pf_tc_egress);
	__u8 hit[FRAME_LEN], miss[FRAME_LEN];
	__u64 hits, misses;
	__be32 lo, hi;

	entry_addrs(o->entries / 2, &lo, &hi);
	build_frame(hit, hi, lo);
	build_frame(miss, lo, htonl(0xc0a80001U)); /* 192.168.0.1 has no reservation */

	if (set_config(skel, PF_MODE_POLICE, PF_CFG_METER_BE) ||
	    measure(&cases[0], o, xdp_fd, hit, XDP_PASS) ||
	    measure(&cases[1], o, xdp_fd, miss, XDP_PASS) ||
	    set_config(skel, PF_MODE_SHAPE, PF_CFG_METER_BE) ||
	    measure(&cases[2], o, tc_fd, hit, TC_ACT_OK) ||
	    measure(&cases[3], o, tc_fd, miss, TC_ACT_OK))
		return -1;
	hits = counter(skel, PF_CNT_HIT);
	misses = counter(skel, PF_CNT_MISS);
	if (set_config(skel, PF_MODE_SHAPE, 0) || measure(&cases[4], o, xdp_fd, miss, XDP_PASS) ||
	    measure(&cases[5], o, tc_fd, miss, TC_ACT_OK))
		return -1;
	if (counter(skel, PF_CNT_DROP)) {
		fprintf(stderr, "dp_ns: the policer dropped hits: raise the bench rate\n");
		return -1;
	}
	if (hits != 2ULL * o->runs * o->repeat || misses != 2ULL * o->runs * o->repeat) {
		fprintf(stderr, "dp_ns: counted %llu hits and %llu misses, expected %llu each\n",
			(unsigned long long)hits, (unsigned long long)misses,
			2ULL * o->runs * o->repeat);
		return -1;
	}
	return set_config(skel, PF_MODE_SHAPE, PF_CFG_METER_BE) ||
	       measure_random(&cases[8], o, tc_fd, o->entries, NULL, TC_ACT_OK) ||
	       measure_baseline(&cases[6], o, BPF_PROG_TYPE_XDP, XDP_PASS, miss, false) ||
	       measure_baseline(&cases[7], o, BPF_PROG_TYPE_SCHED_CLS, TC_ACT_OK, miss, false) ||
	       measure_baseline(&cases[9], o, BPF_PROG_TYPE_SCHED_CLS, TC_ACT_OK, miss, true);
}

static void print_json(const struct dp_opts *o, const struct dp_case *cases, int n)
{
	printf("{");
	for (int i = 0; i < n; i++) {
		const struct dp_case *c = &cases[i];

		printf("\"dp_ns_%s\":%u,\"dp_ns_%s_min\":%u,\"dp_ns_%s_max\":%u,", c->name,
		       c->ns[o->runs / 2], c->name, c->ns[0], c->name, c->ns[o->runs - 1]);
	}
	printf("\"dp_ns_entries\":%u,\"dp_ns_repeat\":%d,\"dp_ns_runs\":%d}\n", o->entries,
	       o->repeat, o->runs);
}

static int parse_args(int argc, char **argv, struct dp_opts *o)
{
	long v;
	int c;

	*o = (struct dp_opts){DEFAULT_ENTRIES, DEFAULT_REPEAT, DEFAULT_RUNS};
	while ((c = getopt(argc, argv, "n:r:k:")) != -1) {
		char *end = NULL;

		v = optarg ? strtol(optarg, &end, 10) : 0;
		if (c == '?' || !end || *end || v < 1) {
			fprintf(stderr, "usage: dp_ns [-n ENTRIES] [-r REPEAT] [-k RUNS]\n");
			return -1;
		}
		if (c == 'n' && v > PF_MAX_RESERVATIONS) {
			fprintf(stderr, "dp_ns: -n: at most %d entries\n", PF_MAX_RESERVATIONS);
			return -1;
		}
		if (c == 'k' && v > MAX_RUNS) {
			fprintf(stderr, "dp_ns: -k: at most %d runs\n", MAX_RUNS);
			return -1;
		}
		if (c == 'r' && v > 1000000000L) {
			fprintf(stderr, "dp_ns: -r: at most 1000000000\n");
			return -1;
		}
		if (c == 'n')
			o->entries = (__u32)v;
		else if (c == 'r')
			o->repeat = (int)v;
		else
			o->runs = (int)v;
	}
	return 0;
}

static struct payflow_bpf *load_unpinned(void)
{
	struct payflow_bpf *skel = payflow_bpf__open();
	struct bpf_map *map;
	int err;

	if (!skel) {
		fprintf(stderr, "dp_ns: open skeleton: %s\n", strerror(errno));
		return NULL;
	}
	bpf_object__for_each_map(map, skel->obj) bpf_map__set_pin_path(map, NULL);
	err = payflow_bpf__load(skel);
	if (err) {
		fprintf(stderr, "dp_ns: load skeleton: %s\n", strerror(-err));
		payflow_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int main(int argc, char **argv)
{
	struct dp_case cases[] = {{"hit_xdp", {0}},	     {"miss_xdp", {0}},
				  {"hit_tc", {0}},	     {"miss_tc", {0}},
				  {"miss_xdp_nometer", {0}}, {"miss_tc_nometer", {0}},
				  {"empty_xdp", {0}},	     {"empty_tc", {0}},
				  {"hit_tc_random", {0}},    {"empty_tc_1", {0}}};
	struct payflow_bpf *skel;
	struct dp_opts o;
	int err;

	if (parse_args(argc, argv, &o))
		return 2;
	skel = load_unpinned();
	if (!skel)
		return 1;
	err = fill_reservations(bpf_map__fd(skel->maps.reservations), o.entries);
	if (err) {
		fprintf(stderr, "dp_ns: fill reservations: %s\n", strerror(-err));
	} else if (run_cases(skel, &o, cases) == 0) {
		print_json(&o, cases, sizeof(cases) / sizeof(cases[0]));
	} else {
		err = -1;
	}
	payflow_bpf__destroy(skel);
	return err ? 1 : 0;
}
