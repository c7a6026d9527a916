/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The hand-over from the etcd thread to payflowd's loop in cluster mode: the
 * mirror of P/resv/ (userspace/cluster/mirror.h) calls back on its thread;
 * the feed decodes each record, keeps what this node enforces (state
 * granted, a hop NODE:IFNAME of its own) and queues it; an eventfd wakes the
 * loop, which alone touches the data plane (cluster_enforce.c). The mutex
 * covers only the queue.
 */
#ifndef PFD_CLUSTER_FEED_H
#define PFD_CLUSTER_FEED_H

#include <pthread.h>
#include "userspace/cluster/mirror.h"
#include "userspace/cluster/resv_record.h"

enum pfd_cfeed_kind {
	PFD_CF_SYNC_BEGIN, /* a full list follows: what it lacks is gone */
	PFD_CF_PUT,	   /* a granted record with hops on this node */
	PFD_CF_DEL,	   /* deleted, or no longer for this node */
	PFD_CF_SYNC_END,
};

struct pfd_cfeed_op {
	struct pfd_cfeed_op *next;
	enum pfd_cfeed_kind kind;
	char name[PF_CL_NAME_MAX];
	struct pf_cl_resv rec; /* PUT only */
};

struct pfd_cfeed {
	pthread_mutex_t mu;
	struct pfd_cfeed_op *head, **tail;
	int efd; /* readable when ops are queued */
	char node[PF_CL_NAME_MAX];
	pf_cl_log_fn log;
};

int pfd_cfeed_init(struct pfd_cfeed *f, const char *node, pf_cl_log_fn log);
void pfd_cfeed_close(struct pfd_cfeed *f);
/* The mirror's callbacks, with the feed as their ctx. */
struct pf_cl_mirror_ops pfd_cfeed_ops(pf_cl_log_fn log);
/* Takes every queued op, oldest first (the loop frees them with free()). */
struct pfd_cfeed_op *pfd_cfeed_take(struct pfd_cfeed *f);
/* Whether rec has a hop on node. */
bool pfd_cfeed_mine(const struct pf_cl_resv *rec, const char *node);

#endif /* PFD_CLUSTER_FEED_H */
