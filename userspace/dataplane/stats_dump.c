// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "userspace/common/buf.h"
#include "userspace/common/error.h"
#include "userspace/dataplane/stats_dump.h"

struct dump {
	int ncpu;
	struct pf_key *keys;
	struct pf_stats *vals; /* PF_STATS_BATCH x ncpu */
	struct pf_flow_stats *out;
	size_t n, cap;
};

/* Appends count entries of the last batch, their CPUs summed. */
static int take(struct dump *d, __u32 count)
{
	struct pf_flow_stats *o = pf_grow(d->out, &d->cap, d->n + count, sizeof(*o));

	if (!o)
		return pf_fail(-ENOMEM, "out of memory");
	d->out = o;
	for (__u32 i = 0; i < count; i++) {
		struct pf_flow_stats *e = &o[d->n++];
		const struct pf_stats *v = &d->vals[(size_t)i * d->ncpu];

		memset(e, 0, sizeof(*e));
		e->key = d->keys[i];
		for (int c = 0; c < d->ncpu; c++) {
			e->st.packets += v[c].packets;
			e->st.bytes += v[c].bytes;
			e->st.drops += v[c].drops;
		}
	}
	return 0;
}

static int batches(int fd, struct dump *d)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 token = 0; /* hash maps: a bucket index */
	void *in = NULL;

	for (;;) {
		__u32 count = PF_STATS_BATCH;
		int err = bpf_map_lookup_batch(fd, in, &token, d->keys, d->vals, &count, &opts);

		if (err)
			err = -errno; /* old libbpf returns -1 */
		if (err && err != -ENOENT)
			return pf_fail(err, "reading the stats map: %s", strerror(-err));
		if (take(d, count))
			return -ENOMEM;
		if (err == -ENOENT)
			return 0; /* that was the last batch */
		in = &token;
	}
}

int pf_stats_dump(int map_fd, struct pf_flow_stats **out, size_t *n)
{
	struct dump d = {.ncpu = libbpf_num_possible_cpus()};
	int err;

	if (d.ncpu < 0)
		return pf_fail(d.ncpu, "cannot count CPUs");
	d.keys = calloc(PF_STATS_BATCH, sizeof(*d.keys));
	d.vals = calloc((size_t)PF_STATS_BATCH * d.ncpu, sizeof(*d.vals));
	err = d.keys && d.vals ? batches(map_fd, &d) : pf_fail(-ENOMEM, "out of memory");
	free(d.keys);
	free(d.vals);
	if (err) {
		free(d.out);
		return err;
	}
	*out = d.out;
	*n = d.n;
	return 0;
}
