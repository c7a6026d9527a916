// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "userspace/dataplane/resv.h"
#include "userspace/dataplane/port.h"
#include "userspace/dataplane/htb.h"
#include "userspace/dataplane/slots.h"
#include "userspace/dataplane/pool.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

/*
 * 300 ms of traffic, and never less than 1 MiB. A policer that drops TCP's
 * 64 KiB GSO super-packets sends it into retransmission timeouts (200 ms at
 * least); only a bucket that refills over one such stall keeps the average at
 * the rate. Measured on veth: 0.93-0.99 of the expected goodput from 10 to
 * 500 Mbit/s with this depth, 0.3-0.8 with 20 ms.
 */
__u32 pf_default_burst(__u64 rate_bps)
{
	__u64 burst = rate_bps / 8 * 3 / 10;

	if (burst < (1 << 20))
		burst = 1 << 20;
	return burst > UINT32_MAX ? UINT32_MAX : (__u32)burst;
}

int pf_resv_lookup(const struct pf_maps *m, const struct pf_key *key, struct pf_resv *out)
{
	if (bpf_map_lookup_elem_flags(m->reservations, key, out, BPF_F_LOCK))
		return -errno;
	return 0;
}

struct port_list {
	__u32 ifindex[PF_MAX_PORTS];
	int n;
};

static int collect_shaped(__u32 ifindex, const struct pf_port *p, void *ctx)
{
	struct port_list *l = ctx;

	if ((p->flags & PF_PORT_HTB) && l->n < PF_MAX_PORTS)
		l->ifindex[l->n++] = ifindex;
	return 0;
}

/* The map refused an entry: a full map gets its own message. */
static int write_failed(const struct pf_maps *m, const struct pf_key *key, int err)
{
	char pair[PF_PAIR_STRLEN];

	if (err == -E2BIG)
		return pf_fail(-ENOSPC, "the reservations map is full (%u entries)",
			       pf_resv_capacity(m));
	return pf_fail(err, "cannot write the reservation for %s: %s",
		       pf_key_format(key, pair, sizeof(pair)), strerror(-err));
}

/* A new entry: a fresh stats slot, zeroed, then the entry that names it. */
static int write_new(const struct pf_maps *m, const struct pf_key *key, struct pf_resv *next)
{
	int err = pf_slot_alloc(m, &next->slot);

	if (err)
		return err;
	err = pf_slot_zero(m, next->slot);
	if (!err && bpf_map_update_elem(m->reservations, key, next, BPF_NOEXIST))
		err = write_failed(m, key, -errno);
	if (err)
		pf_slot_free(m, next->slot);
	return err;
}

int pf_resv_write(const struct pf_maps *m, const struct pf_key *key, const struct pf_resv *r)
{
	struct pf_resv cur, next = *r;

	if (pf_resv_lookup(m, key, &cur))
		return write_new(m, key, &next);
	next.tat = cur.tat;   /* keep the policer's clock */
	next.slot = cur.slot; /* and the counters */
	if (bpf_map_update_elem(m->reservations, key, &next, BPF_F_LOCK | BPF_EXIST))
		return write_failed(m, key, -errno);
	return 0;
}

/* A grant on one port: a pooled leaf's rate change, or a class of 1: made or changed. */
static int class_set(__u32 ifindex, __u32 classid, __u64 rate_bps)
{
	if (pf_classid_pooled(classid))
		return pf_htb_leaf_rate(ifindex, classid, rate_bps);
	return pf_htb_class_set(ifindex, classid & 0xffff, rate_bps);
}

/*
 * Undoes the first n hops of a failed install. Without an entry before, the
 * class was new: parked (and its leaf freed) or deleted. With one (an upgrade
 * raising it), a changed class gets the entry's rate back, so every hop keeps
 * one rate.
 */
static void class_rollback(const struct pf_maps *m, const struct pf_resv *r,
			   const struct pf_resv *had, const __u32 *ifindexes, int n)
{
	bool pooled = pf_classid_pooled(r->classid);

	for (int i = 0; i < n; i++) {
		if (had && had->rate_bps != r->rate_bps)
			class_set(ifindexes[i], r->classid, had->rate_bps);
		else if (had)
			continue;
		else if (pooled)
			pf_htb_leaf_rate(ifindexes[i], r->classid, PF_POOL_PARK_BPS);
		else
			pf_htb_class_del(ifindexes[i], r->classid & 0xffff);
	}
	if (pooled && !had)
		pf_pool_forget(m, r->classid);
}

int pf_resv_install(const struct pf_maps *m, const struct pf_key *key, const struct pf_resv *r,
		    const __u32 *ifindexes, int n_ifindexes)
{
	struct port_list *all = NULL;
	int err = 0, done = 0;

	if (!r->rate_bps)
		return pf_fail(-EINVAL, "the rate must be above 0");
	if (!ifindexes) {
		all = calloc(1, sizeof(*all));
		if (!all)
			return pf_fail(-ENOMEM, "out of memory");
		pf_port_foreach(m, collect_shaped, all);
		ifindexes = all->ifindex;
		n_ifindexes = all->n;
	}
	if (pf_classid_pooled(r->classid))
		err = pf_pool_take(m, r->classid);
	for (; done < n_ifindexes && !err; done++)
		err = class_set(ifindexes[done], r->classid, r->rate_bps);
	if (!err)
		err = pf_resv_write(m, key, r);
	if (err) {
		struct pf_resv cur;
		bool had = !pf_resv_lookup(m, key, &cur);

		class_rollback(m, r, had ? &cur : NULL, ifindexes, done);
	}
	free(all);
	return err;
}

/* The highest live rate per HTB minor: many entries may share one class. */
struct sync_ctx {
	__u64 now;
	__u32 ifindex;
	int err; /* of the first pooled leaf that could not be set */
	__u64 rate[PF_HTB_MAX_MINOR + 1];
};

static int note_class(const struct pf_key *key, const struct pf_resv *r, void *arg)
{
	struct sync_ctx *s = arg;
	__u16 minor = r->classid & 0xffff;

	(void)key;
	if (pf_classid_pooled(r->classid)) {
		if (r->expires_at > s->now && !s->err)
			s->err = pf_htb_leaf_rate(s->ifindex, r->classid, r->rate_bps);
		return 0;
	}
	if (r->expires_at > s->now && minor >= PF_HTB_MIN_MINOR && r->rate_bps > s->rate[minor])
		s->rate[minor] = r->rate_bps;
	return 0;
}

int pf_resv_sync_port(const struct pf_maps *m, __u32 ifindex)
{
	struct sync_ctx *s = calloc(1, sizeof(*s));
	int err = 0;

	if (!s)
		return pf_fail(-ENOMEM, "out of memory");
	s->now = pf_now_ns();
	s->ifindex = ifindex;
	err = pf_pool_sync_port(m, ifindex);
	if (!err)
		pf_resv_foreach(m, note_class, s);
	err = err ?: s->err;
	for (__u32 minor = PF_HTB_MIN_MINOR; minor <= PF_HTB_MAX_MINOR && !err; minor++)
		if (s->rate[minor])
			err = pf_htb_class_set(ifindex, minor, s->rate[minor]);
	free(s);
	return err;
}

int pf_resv_remove(const struct pf_maps *m, const struct pf_key *key)
{
	struct port_list *all;
	struct pf_resv r;
	char pair[PF_PAIR_STRLEN];
	int err = 0;

	if (pf_resv_lookup(m, key, &r))
		return pf_fail(-ENOENT, "no reservation for %s",
			       pf_key_format(key, pair, sizeof(pair)));
	if (bpf_map_delete_elem(m->reservations, key))
		return pf_fail(-errno, "cannot delete the reservation for %s: %s",
			       pf_key_format(key, pair, sizeof(pair)), strerror(errno));
	pf_slot_free(m, r.slot);
	if (pf_classid_pooled(r.classid))
		return pf_pool_put(m, r.classid);
	all = calloc(1, sizeof(*all));
	if (!all)
		return pf_fail(-ENOMEM, "out of memory");
	pf_port_foreach(m, collect_shaped, all);
	for (int i = 0; i < all->n; i++)
		err = pf_htb_class_del(all->ifindex[i], r.classid & 0xffff) ?: err;
	free(all);
	return err;
}

int pf_resv_foreach(const struct pf_maps *m,
		    int (*cb)(const struct pf_key *key, const struct pf_resv *r, void *ctx),
		    void *ctx)
{
	struct pf_key key, next;
	struct pf_key *prev = NULL;
	struct pf_resv r;

	while (!bpf_map_get_next_key(m->reservations, prev, &next)) {
		key = next;
		prev = &key;
		if (pf_resv_lookup(m, &key, &r))
			continue; /* deleted meanwhile */
		if (cb(&key, &r, ctx))
			break;
	}
	return 0;
}

/* Sums the per-CPU values of `key` in a map of struct pf_stats. */
static int sum_percpu(int map_fd, const void *key, struct pf_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pf_stats *vals;
	int err = 0;

	memset(sum, 0, sizeof(*sum));
	if (ncpu < 0)
		return pf_fail(ncpu, "cannot count CPUs");
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return pf_fail(-ENOMEM, "out of memory");
	if (bpf_map_lookup_elem(map_fd, key, vals)) {
		err = -errno;
	} else {
		for (int c = 0; c < ncpu; c++) {
			sum->packets += vals[c].packets;
			sum->bytes += vals[c].bytes;
			sum->drops += vals[c].drops;
		}
	}
	free(vals);
	return err;
}

int pf_stats_read(int map_fd, const struct pf_key *key, struct pf_stats *sum)
{
	return sum_percpu(map_fd, key, sum);
}

int pf_resv_stats_read(const struct pf_maps *m, const struct pf_key *key, struct pf_stats *sum)
{
	struct pf_resv r;

	memset(sum, 0, sizeof(*sum));
	if (pf_resv_lookup(m, key, &r) || !r.slot)
		return -ENOENT;
	return sum_percpu(m->resv_stats, &r.slot, sum);
}
