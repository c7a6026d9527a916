// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * pool_fill: grants COUNT shaped reservations through the class pool on the
 * attached ports, the way payflowctl grants one, and checks that each is
 * classified into its own class. Driver of tests/integration/test_dp_pool.sh
 * and bench/pool_bench.sh.
 *
 *   usage: pool_fill -p PIN_ROOT -n COUNT [-P PREFILL] [-o FIRST] [-c CHECKS] [-r]
 *                    [-u RATE_BPS]
 *
 * -P first grows the pool to PREFILL free classes (what attach does in the
 * background), timed apart, so the grants that follow are rate changes.
 * Entry i (FIRST <= i < FIRST + COUNT) pairs 100.64.0.0+i with 198.18.0.0+i. -c runs CHECKS of
 * them, spread over the range, through pf_tc_egress (BPF_PROG_TEST_RUN) and compares the
 * skb->priority it sets with the entry's class; it also counts the distinct classes of all entries.
 * -r then revokes them all (timed) and reports the pool's blocks after. Prints one JSON object.
 */
#include <getopt.h>
#include "tests/unit/bpf_fixture.h"
#include "userspace/common/error.h"
#include "userspace/dataplane/dataplane.h"
#include "userspace/dataplane/htb.h"
#include "userspace/dataplane/pool.h"
#include "userspace/dataplane/resv.h"

#define LO_BASE	    0x64400000U /* 100.64.0.0/10 */
#define HI_BASE	    0xc6120000U /* 198.18.0.0/15 */
#define LIFETIME_NS (3600ULL * 1000000000ULL)

struct opts {
	const char *root;
	long n, checks, prefill, first;
	bool revoke;
	__u64 rate;
};

static void addr_text(__u32 host_order, char *buf)
{
	struct in_addr a = {.s_addr = htonl(host_order)};

	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void entry_key(struct pf_key *key, long i, char *lo, char *hi)
{
	addr_text(LO_BASE + i, lo);
	addr_text(HI_BASE + i, hi);
	pf_fx_key(key, lo, hi);
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static int fill(struct pf_maps *m, const struct opts *o)
{
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
	__u64 expires = pf_now_ns() + LIFETIME_NS;

	for (long i = o->first; i < o->first + o->n; i++) {
		struct pf_resv r = {.rate_bps = o->rate, .expires_at = expires, .resv_id = i + 1};
		struct pf_key key;

		entry_key(&key, i, lo, hi);
		if (pf_pool_alloc(m, &r.classid) || pf_resv_install(m, &key, &r, NULL, 0))
			return pf_fail(-EIO, "grant %ld (%s <-> %s): %s", i, lo, hi,
				       pf_last_error());
	}
	return 0;
}

/* One entry through pf_tc_egress: 0 if it lands in the entry's class. */
static int check_one(struct pf_dp *dp, long i)
{
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
	struct __sk_buff ctx = {0};
	__u8 pkt[PF_FRAME_MAX];
	struct pf_resv r;
	struct pf_key key;
	__u32 len;
	int verdict = -1;

	entry_key(&key, i, lo, hi);
	len = pf_frame_make(pkt, AF_INET, lo, hi, NULL, 64, NULL);
	if (pf_resv_lookup(&dp->maps, &key, &r) ||
	    pf_fx_run_skb(dp->skel->progs.pf_tc_egress, pkt, len, &ctx, &verdict))
		return -1;
	return verdict == TC_ACT_OK && ctx.priority == r.classid && pf_classid_pooled(r.classid)
		   ? 0
		   : -1;
}

struct distinct {
	__u8 *seen;
	long n;
};

static int note_class(const struct pf_key *key, const struct pf_resv *r, void *ctx)
{
	struct distinct *d = ctx;
	__u32 major = r->classid >> 16, minor = r->classid & 0xffff;
	__u32 i = (major - PF_POOL_MAJOR_MIN) * PF_POOL_BLOCK + minor - 1;

	(void)key;
	if (!pf_classid_pooled(r->classid) || !minor || minor > PF_POOL_BLOCK)
		return 0;
	if (!(d->seen[i / 8] & (1 << (i % 8))))
		d->n++;
	d->seen[i / 8] |= 1 << (i % 8);
	return 0;
}

static long count_distinct(const struct pf_maps *m)
{
	struct distinct d = {.seen = calloc(0x10000 * PF_POOL_BLOCK / 8, 1)};

	if (!d.seen)
		return -1;
	pf_resv_foreach(m, note_class, &d);
	free(d.seen);
	return d.n;
}

static int revoke_all(struct pf_maps *m, long first, long n)
{
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];

	for (long i = first + n - 1; i >= first; i--) {
		struct pf_key key;

		entry_key(&key, i, lo, hi);
		if (pf_resv_remove(m, &key))
			return pf_fail(-EIO, "revoke %ld: %s", i, pf_last_error());
	}
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){.rate = 1000000};
	while ((c = getopt(argc, argv, "p:n:P:o:c:ru:")) != -1) {
		if (c == 'p')
			o->root = optarg;
		else if (c == 'n')
			o->n = strtol(optarg, NULL, 10);
		else if (c == 'P')
			o->prefill = strtol(optarg, NULL, 10);
		else if (c == 'o')
			o->first = strtol(optarg, NULL, 10);
		else if (c == 'c')
			o->checks = strtol(optarg, NULL, 10);
		else if (c == 'r')
			o->revoke = true;
		else if (c == 'u')
			o->rate = strtoull(optarg, NULL, 10);
		else
			return -1;
	}
	if (!o->root || o->n < 1 || o->n > (1L << 20) || o->checks < 0 || !o->rate ||
	    o->prefill < 0 || o->prefill > (1L << 20) || o->first < 0 || o->first > (1L << 20)) {
		fprintf(stderr,
			"usage: pool_fill -p PIN_ROOT -n COUNT (1..%ld) [-P PREFILL] "
			"[-o FIRST] [-c CHECKS] [-r] [-u RATE_BPS]\n",
			1L << 20);
		return -1;
	}
	return 0;
}

static int run(struct pf_dp *dp, const struct opts *o)
{
	struct timespec p0, t0, t1, r0, r1;
	long bad = 0, distinct;
	__u32 blocks = 0, blocks_after = 0;

	clock_gettime(CLOCK_MONOTONIC, &p0);
	if (o->prefill && pf_pool_reserve(&dp->maps, o->prefill))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (fill(&dp->maps, o))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pf_pool_blocks(&dp->maps, &blocks);
	for (long j = 0; j < o->checks; j++)
		bad += check_one(dp, o->first + j * o->n / o->checks) ? 1 : 0;
	distinct = count_distinct(&dp->maps);
	clock_gettime(CLOCK_MONOTONIC, &r0);
	r1 = r0;
	if (o->revoke) {
		if (revoke_all(&dp->maps, o->first, o->n))
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &r1);
		pf_pool_blocks(&dp->maps, &blocks_after);
	}
	printf("{\"prefill_s\":%.3f,\"filled\":%ld,\"fill_s\":%.3f,\"grants_per_s\":%.0f,"
	       "\"blocks\":%u,"
	       "\"checked\":%ld,\"misclassified\":%ld,\"distinct_classes\":%ld,"
	       "\"revoke_s\":%.3f,\"blocks_after_revoke\":%u}\n",
	       secs(&p0, &t0), o->n, secs(&t0, &t1), o->n / secs(&t0, &t1), blocks, o->checks, bad,
	       distinct, secs(&r0, &r1), blocks_after);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct pf_dp dp;
	int rc;

	if (parse(argc, argv, &o))
		return 2;
	if (pf_dp_load(&dp, o.root, 0)) {
		fprintf(stderr, "pool_fill: %s\n", pf_last_error());
		return 1;
	}
	pf_htb_session_begin();
	rc = run(&dp, &o);
	if (rc)
		fprintf(stderr, "pool_fill: %s\n", pf_last_error());
	pf_htb_session_end();
	pf_dp_close(&dp);
	return rc ? 1 : 0;
}
