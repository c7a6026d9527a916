// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "userspace/common/buf.h"
#include "userspace/common/error.h"
#include "userspace/dataplane/stats_dump.h"

/* The reservations' keys and slots, in map order. */
struct entries {
	struct pf_key *keys;
	__u32 *slots;
	size_t n, cap;
	__u32 top; /* highest slot */
};

static int keep(struct entries *e, const struct pf_key *keys, const struct pf_resv *vals,
		__u32 count)
{
	size_t cap = e->cap;
	struct pf_key *k = pf_grow(e->keys, &cap, e->n + count, sizeof(*k));
	__u32 *s;

	if (!k)
		return pf_fail(-ENOMEM, "out of memory");
	e->keys = k;
	cap = e->cap;
	s = pf_grow(e->slots, &cap, e->n + count, sizeof(*s));
	if (!s)
		return pf_fail(-ENOMEM, "out of memory");
	e->slots = s;
	e->cap = cap;
	for (__u32 i = 0; i < count; i++, e->n++) {
		e->keys[e->n] = keys[i];
		e->slots[e->n] = vals[i].slot;
		if (vals[i].slot > e->top)
			e->top = vals[i].slot;
	}
	return 0;
}

/* Every entry of the reservations map, PF_STATS_BATCH at a time. */
static int read_entries(int fd, struct entries *e)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct pf_key *keys = calloc(PF_STATS_BATCH, sizeof(*keys));
	struct pf_resv *vals = calloc(PF_STATS_BATCH, sizeof(*vals));
	__u64 token = 0; /* hash maps: a bucket index */
	void *in = NULL;
	int err = keys && vals ? 0 : pf_fail(-ENOMEM, "out of memory");

	while (!err) {
		__u32 count = PF_STATS_BATCH;

		err = bpf_map_lookup_batch(fd, in, &token, keys, vals, &count, &opts) ? -errno : 0;
		if (err && err != -ENOENT) {
			pf_fail(err, "reading the reservations map: %s", strerror(-err));
			break;
		}
		if (keep(e, keys, vals, count))
			err = -ENOMEM;
		else if (err == -ENOENT)
			err = 1; /* that was the last batch */
		in = &token;
	}
	free(keys);
	free(vals);
	return err < 0 ? err : 0;
}

/* Slots 0..top of resv_stats, summed over CPUs, into sums[top + 1]. */
static int read_slots(int fd, __u32 top, int ncpu, struct pf_stats *sums)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *idx = calloc(PF_STATS_BATCH, sizeof(*idx));
	struct pf_stats *vals = calloc((size_t)PF_STATS_BATCH * ncpu, sizeof(*vals));
	__u32 token = 0, done = 0;
	void *in = NULL;
	int err = idx && vals ? 0 : pf_fail(-ENOMEM, "out of memory");

	while (!err && done <= top) {
		__u32 count = top + 1 - done < PF_STATS_BATCH ? top + 1 - done : PF_STATS_BATCH;

		err = bpf_map_lookup_batch(fd, in, &token, idx, vals, &count, &opts) ? -errno : 0;
		if (err && err != -ENOENT) {
			pf_fail(err, "reading the resv_stats map: %s", strerror(-err));
			break;
		}
		for (__u32 i = 0; i < count && idx[i] <= top; i++)
			for (int c = 0; c < ncpu; c++) {
				const struct pf_stats *v = &vals[(size_t)i * ncpu + c];

				sums[idx[i]].packets += v->packets;
				sums[idx[i]].bytes += v->bytes;
				sums[idx[i]].drops += v->drops;
			}
		done += count;
		err = err == -ENOENT || !count ? 1 : 0;
		in = &token;
	}
	free(idx);
	free(vals);
	return err < 0 ? err : 0;
}

static int join(const struct entries *e, const struct pf_stats *sums, struct pf_flow_stats **out,
		size_t *n)
{
	struct pf_flow_stats *o = calloc(e->n ? e->n : 1, sizeof(*o));

	if (!o)
		return pf_fail(-ENOMEM, "out of memory");
	*n = 0;
	for (size_t i = 0; i < e->n; i++) {
		if (!e->slots[i])
			continue; /* written without a slot: no counters of its own */
		o[*n].key = e->keys[i];
		o[*n].st = sums[e->slots[i]];
		(*n)++;
	}
	*out = o;
	return 0;
}

int pf_stats_dump(int resv_fd, int stats_fd, struct pf_flow_stats **out, size_t *n)
{
	struct entries e = {0};
	struct pf_stats *sums = NULL;
	int ncpu = libbpf_num_possible_cpus(), err;

	if (ncpu < 0)
		return pf_fail(ncpu, "cannot count CPUs");
	err = read_entries(resv_fd, &e);
	if (!err) {
		sums = calloc((size_t)e.top + 1, sizeof(*sums));
		err = sums ? read_slots(stats_fd, e.top, ncpu, sums)
			   : pf_fail(-ENOMEM, "out of memory");
	}
	if (!err)
		err = join(&e, sums, out, n);
	free(sums);
	free(e.keys);
	free(e.slots);
	return err;
}
