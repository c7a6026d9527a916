/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Admission of a reservation on every link of its path as ONE etcd
 * transaction (docs/CLUSTER.md, "Admission"). It reads, at one revision R,
 * each link's reservable rate and its ledger entries; if the rate fits on
 * every link it commits, only if no ledger entry and no link was written
 * after R: the reservation key, one ledger entry per link and, for a paid
 * order, the transaction hash; all under the reservation's lease, except the
 * hash, which stays (replay protection). A lost race (another broker wrote
 * in between) is retried on a fresh read. Two brokers selling the same links
 * at the same moment never oversell.
 */
#ifndef PF_CLUSTER_ADMIT_H
#define PF_CLUSTER_ADMIT_H

#include <stdint.h>
#include "userspace/cluster/etcd.h"
#include "userspace/cluster/keys.h"

#define PF_CL_MAX_PATH	 16
#define PF_CL_MAX_CLAIMS 4
#define PF_CL_MAX_SLOTS	 65536

/*
 * A key the admission claims (admit_claim.h): absent when it commits, then
 * written with value under the reservation's lease in the same transaction.
 * key is one key, or with slots > 0 a directory ending in '/': the first of
 * DIR/0 .. DIR/slots-1 that is free is claimed (a cap across brokers). A
 * NULL value only requires the key to be absent (a fixed key only).
 */
struct pf_cl_claim {
	const char *key;
	const char *value;
	uint32_t slots;
};

struct pf_cl_admit {
	const char *prefix;		   /* the cluster prefix */
	const char *resv;		   /* the reservation's name */
	const char *links[PF_CL_MAX_PATH]; /* the directed links of its path */
	int n_links;
	uint64_t rate_bps;
	int64_t lease;	    /* its lease (the end); the caller grants it */
	int64_t expect_rev; /* the mod revision of RESV's key: 0 new, else a hold */
	const char *tx;	    /* a paid order's tx hash, or NULL */
	const char *value;  /* RESV's JSON; also stored under the tx hash */
	struct pf_cl_claim claims[PF_CL_MAX_CLAIMS];
	int n_claims;
};

struct pf_cl_admit_result {
	int64_t revision; /* the committed revision */
	int retries;	  /* lost races before it */
	/* On -ENOSPC: the first full link and its free rate. */
	char full_link[PF_CL_NAME_MAX];
	uint64_t free_bps;
	/* On -EALREADY: the value of P/tx/TXHASH (a copy; free() it): the record
	 * the tx bought, or a refund or deposit claim (broker/sales/cluster_tx.h). */
	char *existing;
	/* On -EBUSY / -EDQUOT: the index of the claim refused; -EBUSY: the
	 * value the key holds. */
	int claim;
	char holder[PF_CL_KEY_MAX];
};

/* 0 admitted; -ENOSPC a link is full (named in the message and result);
 * -EALREADY the tx was already used (result->existing holds its record);
 * -EEXIST the reservation's key is not at expect_rev; -EBUSY a claimed key
 * is taken; -EDQUOT a claimed slot directory is full; -ENOENT a link is not
 * in the topology; -EAGAIN too many lost races; -EIO etcd failed (no
 * quorum: its message). Nothing is written unless it returns 0. */
int pf_cl_admit(struct pf_etcd *e, const struct pf_cl_admit *a, struct pf_cl_admit_result *r);

/* The reserved sum of a link (its ledger entries), read at the latest
 * revision; *n = how many entries. */
int pf_cl_link_reserved(struct pf_etcd *e, const char *prefix, const char *link, uint64_t *sum,
			int64_t *n);
/* Writes a directed link of the topology: reservable = capacity - floor. */
int pf_cl_link_put(struct pf_etcd *e, const char *prefix, const char *link, const char *owner,
		   uint64_t capacity_bps, uint64_t floor_bps);

#endif /* PF_CLUSTER_ADMIT_H */
