/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A mirror of every key under an etcd prefix, kept by a thread of its own:
 * it lists the prefix, hands the whole list to sync(), then watches from the
 * list's revision + 1 and hands each change to event(). When the watch is
 * compacted away (-ESTALE) or lost (no member answers), it lists again and
 * calls sync() once more, so the consumer reconciles: whatever it got before
 * a sync() and is not in it is gone. etcd being down only delays it: it
 * retries every second and logs once per change of state. Both callbacks run
 * on the mirror's thread.
 */
#ifndef PF_CLUSTER_MIRROR_H
#define PF_CLUSTER_MIRROR_H

#include "userspace/cluster/etcd_watch.h"
#include "userspace/cluster/node.h"

struct pf_cl_mirror_ops {
	/* Every key under the prefix at one revision; replaces all before it. */
	void (*sync)(void *ctx, const struct pf_etcd_kvs *kvs);
	/* One change after the last sync, in revision order. */
	void (*event)(void *ctx, const struct pf_etcd_event *ev);
	pf_cl_log_fn log;
};

struct pf_cl_mirror;

/* Starts the thread on prefix (e.g. "P/resv/"); fails only on bad
 * arguments or no memory. */
int pf_cl_mirror_start(struct pf_cl_mirror **out, const struct pf_cluster_conf *c,
		       const char *prefix, const struct pf_cl_mirror_ops *ops, void *ctx);
/* Stops and joins the thread: no callback runs after it returns. */
void pf_cl_mirror_stop(struct pf_cl_mirror *m);

#endif /* PF_CLUSTER_MIRROR_H */
