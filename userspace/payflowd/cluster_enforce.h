/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Enforcement of cluster reservations (docs/CLUSTER.md, "Enforcement
 * nodes"): every granted record under P/resv/ with a hop NODE:IFNAME of this
 * node is installed on those egress ports (the pair's map entry, and its HTB
 * class on each port), all or nothing, and removed when its key goes or its
 * end passes. Only payflowd's loop thread calls these; the etcd thread hands
 * changes over through cluster_feed.h.
 *
 * They are not in SQLite: the map entry's resv_id carries the cluster bit
 * (userspace/cluster/resv_id.h), so a restart finds them in the data plane,
 * keeps them enforced, and reconciles them with etcd's list. They take
 * their HTB leaves from the same class pool as local reservations
 * (dataplane/pool.h; reconcile takes them back first after a restart) and
 * count in the local link ledger on their ports (so a local sale cannot oversell a
 * port they use); one pair has one reservation on a node, local or cluster.
 */
#ifndef PFD_CLUSTER_ENFORCE_H
#define PFD_CLUSTER_ENFORCE_H

#include <linux/types.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/payflowd/cluster_feed.h"

#define PFD_CENF_BUCKETS 4096

/* One cluster reservation as installed on this node. */
struct pfd_citem {
	struct pfd_citem *next;
	__u64 id; /* pf_cl_resv_id(name): its map entry's resv_id */
	char name[PF_CL_NAME_MAX];
	struct pf_key key;
	__u8 dir;
	__u32 classid;	  /* its pooled HTB leaf (a class 1:N if installed before the pool) */
	pf_portset ports; /* its hops on this node, as config ports */
	__u64 rate_bps;
	__u32 level;
	__u64 expires_mono; /* the record's end on CLOCK_BOOTTIME */
	unsigned gen;	    /* the last sync that had it (0: adopted from the maps) */
};

struct pfd_cenf {
	struct pfd_cfeed feed;
	struct pf_cl_mirror *mirror;
	int tfd;			  /* CLOCK_BOOTTIME timerfd: the earliest end */
	enum pfd_src feed_tag, timer_tag; /* epoll tags */
	struct pfd_citem *bucket[PFD_CENF_BUCKETS];
	size_t n;
	unsigned gen;		    /* the current or last list */
	bool syncing;		    /* between a list's begin and end */
	struct pfd_cfeed_op *retry; /* PUTs of the list whose pair another record held */
	__u64 installed, removed, refused;
};

/* cluster_enforce.c: the loop's side. Start adopts the cluster entries in
 * the maps (a restart), then starts the mirror of P/resv/. */
int pfd_cenf_start(struct pfd *d);
void pfd_cenf_stop(struct pfd *d);
/* The feed's eventfd or the timer is readable. */
void pfd_cenf_event(struct pfd *d, enum pfd_src *src);
/* After pfd_reconcile() rebuilt the table and ledger from SQLite (and took
 * the cluster leaves in the pool): charges their rates again. */
void pfd_cenf_after_reconcile(struct pfd *d);
/* -EEXIST (with the message) when a cluster reservation holds the pair's map
 * entry: a local grant must not overwrite it. */
int pfd_cenf_pair_free(const struct pfd *d, const struct pf_key *key);
/* Its Prometheus series (none without cluster mode). */
struct pf_buf;
void pfd_cenf_metrics(const struct pfd *d, struct pf_buf *t);

/* cluster_install.c: one item in the data plane. */
/* The item rec is on this node; -EINVAL naming the field (a hop on a port
 * this node does not have). expires_mono is 0 when the end has passed. */
int pfd_citem_from(const struct pfd *d, const char *name, const struct pf_cl_resv *rec,
		   struct pfd_citem *it);
/* Its classes on its ports, then its map entry; nothing left on failure. */
int pfd_citem_install(struct pfd *d, const struct pfd_citem *it);
/* Removes its map entry (if still its own), parking its leaf. */
void pfd_citem_remove(struct pfd *d, const struct pfd_citem *it);
/* Calls cb for every cluster entry in the maps, as an item (gen 0, its
 * ports found from the HTB classes: those where its leaf has a rate). */
int pfd_citem_adopt_all(struct pfd *d, void (*cb)(struct pfd *d, struct pfd_citem *it));

#endif /* PFD_CLUSTER_ENFORCE_H */
