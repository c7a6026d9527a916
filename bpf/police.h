/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Police mode: a GCRA (virtual scheduling) token bucket. One u64 of state per
 * reservation, shared by all CPUs under the entry's spin lock, because per-CPU
 * buckets would each admit the full rate.
 */
#ifndef PF_POLICE_H
#define PF_POLICE_H

#include <bpf/bpf_helpers.h>
#include "payflow.h"

#define PF_NSEC_PER_SEC 1000000000ULL

#define PF_NS_MAX (1ULL << 62) /* 146 years: "never", with room to add to it */

/* One step of long division in base 1000: the next three digits of num / den. */
static __always_inline __u64 pf_div_step(__u64 *rem, __u64 den)
{
	__u64 digits;

	*rem *= 1000;
	digits = *rem / den;
	*rem %= den;
	return digits;
}

/*
 * Nanoseconds that `bytes` occupy at `rate_bps`, floor(bytes * 8e9 / rate).
 * bits * 1e9 overflows 64 bits above ~2.3 GB (the default burst at 61.5
 * Gbit/s), so larger amounts are divided in steps of 1000 instead; exact for
 * rates up to 1.8e16 bit/s.
 */
static __always_inline __u64 pf_bytes_to_ns(__u64 bytes, __u64 rate_bps)
{
	__u64 bits = bytes * 8, q, rem;

	if (bits <= ~0ULL / PF_NSEC_PER_SEC)
		return bits * PF_NSEC_PER_SEC / rate_bps;
	q = bits / rate_bps;
	if (q >= PF_NS_MAX / PF_NSEC_PER_SEC)
		return PF_NS_MAX;
	rem = bits % rate_bps;
	q *= PF_NSEC_PER_SEC;
	q += pf_div_step(&rem, rate_bps) * 1000000;
	q += pf_div_step(&rem, rate_bps) * 1000;
	return q + pf_div_step(&rem, rate_bps);
}

/*
 * Early drop, as RED does for a queue: while the virtual clock runs more than
 * half the bucket ahead of now, drop with a probability that grows linearly to
 * 1 at a full bucket. TCP then loses one super-packet now and then and repairs
 * it with SACK, instead of losing a whole window at the bucket's edge and
 * stalling for a 200 ms retransmission timeout.
 */
static __always_inline int pf_early_drop(__u64 ahead, __u64 cost, __u64 tau)
{
	__u64 half = tau / 2, fill = ahead + cost;

	if (fill <= half || !half)
		return 0;
	return (bpf_get_prandom_u32() & 1023) < (fill - half) * 1024 / half;
}

/*
 * Returns 1 if a packet of `len` wire bytes conforms, charging it; 0 if it is
 * dropped (with `early`, maybe before the bucket is empty). The bucket holds `burst` bytes: a
 * packet conforms while the virtual clock `tat` runs at most burst-time ahead of now. `len` must be
 * the wire length of a whole GSO super-packet, so burst must exceed 64 KiB.
 */
static __always_inline int pf_police(struct pf_resv *r, __u64 len, __u64 now, int early)
{
	__u64 rate = r->rate_bps, cost, tau, tat, ahead;
	int ok;

	if (!rate)
		return 0;
	cost = pf_bytes_to_ns(len, rate);
	tau = pf_bytes_to_ns(r->burst, rate);
	/* An unlocked read is enough to pick the drop probability. */
	ahead = r->tat > now ? r->tat - now : 0;
	if (early && pf_early_drop(ahead, cost, tau))
		return 0;

	bpf_spin_lock(&r->lock);
	tat = r->tat > now ? r->tat : now;
	ok = tat + cost <= now + tau;
	if (ok)
		r->tat = tat + cost;
	bpf_spin_unlock(&r->lock);
	return ok;
}

/* What the ECN policer does with a packet. */
enum pf_ecn_verdict {
	PF_ECN_PASS = 0,
	PF_ECN_MARK, /* pass, marked CE */
	PF_ECN_DROP,
};

/*
 * The policer for ECN-capable packets, as Meta's HBM does it: TCP halves its
 * window at a CE mark without losing a segment, so mark from half the bucket
 * on and let the bucket run into debt (charged, so the average holds) rather
 * than drop a 64 KB super-packet; drop only past PF_ECN_DEBT bytes of debt,
 * small packets (ACKs) only past twice that.
 */
static __always_inline int pf_police_ecn(struct pf_resv *r, __u64 len, __u64 now)
{
	__u64 rate = r->rate_bps, cost, tau, limit, tat, fill;
	int verdict;

	if (!rate)
		return PF_ECN_DROP;
	cost = pf_bytes_to_ns(len, rate);
	tau = pf_bytes_to_ns(r->burst, rate);
	limit = tau + pf_bytes_to_ns(len <= PF_SMALL_PKT ? 2 * PF_ECN_DEBT : PF_ECN_DEBT, rate);

	bpf_spin_lock(&r->lock);
	tat = r->tat > now ? r->tat : now;
	fill = tat + cost - now;
	verdict = fill > limit ? PF_ECN_DROP : fill > tau / 2 ? PF_ECN_MARK : PF_ECN_PASS;
	if (verdict != PF_ECN_DROP)
		r->tat = tat + cost;
	bpf_spin_unlock(&r->lock);
	return verdict;
}

#endif /* PF_POLICE_H */
