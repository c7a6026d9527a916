/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A watch on every key under a prefix, over the gateway's streaming
 * /v3/watch. It remembers the revision after the last event it delivered,
 * and when its stream ends (a member killed, a connection lost) it opens a
 * new one on the next endpoint from that revision: no event is lost or
 * delivered twice. When etcd has compacted that revision away, poll returns
 * -ESTALE: the caller lists the prefix (etcd.h), reconciles, and restarts
 * the watch from the list's revision + 1.
 */
#ifndef PF_ETCD_WATCH_H
#define PF_ETCD_WATCH_H

#include <stdint.h>
#include "userspace/cluster/etcd.h"

enum pf_etcd_ev_type { PF_ETCD_PUT, PF_ETCD_DELETE };

struct pf_etcd_event {
	enum pf_etcd_ev_type type;
	const struct pf_etcd_kv *kv; /* a DELETE has only key and mod_rev */
};

/* Returns 0 to go on, or an error that stops the poll and is returned. */
typedef int (*pf_etcd_watch_fn)(void *ctx, const struct pf_etcd_event *ev);

struct pf_etcd_watch;

/* start_rev 0: from now on. The endpoints and TLS files are e's. */
struct pf_etcd_watch *pf_etcd_watch_new(const struct pf_etcd *e, const char *prefix,
					int64_t start_rev);
void pf_etcd_watch_free(struct pf_etcd_watch *w);
/* Waits up to timeout_ms for events and delivers them; returns how many, or
 * -errno (-ESTALE: compacted, see above). */
int pf_etcd_watch_poll(struct pf_etcd_watch *w, int timeout_ms, pf_etcd_watch_fn fn, void *ctx);
/* Starts over from rev (after a list); drops the current stream. */
void pf_etcd_watch_restart(struct pf_etcd_watch *w, int64_t rev);
/* The revision the next stream starts from; how many streams were opened. */
int64_t pf_etcd_watch_next_rev(const struct pf_etcd_watch *w);
int pf_etcd_watch_streams(const struct pf_etcd_watch *w);

#endif /* PF_ETCD_WATCH_H */
