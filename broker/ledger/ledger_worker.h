/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Payment checks off the event loop. Each ledger node has its own worker
 * threads (each with its own connection: ledger_eth.h is not thread-safe)
 * and its own queue; a job is asked of every node at once and finishes as
 * soon as the quorum rule (quorum.h) decides, so a slow or dead node delays
 * nobody while enough others answer. A node that fails an attempt is asked
 * again after a backoff with jitter (backoff.h), up to PF_LEDGER_ATTEMPTS
 * times. Finished jobs are posted back; an eventfd (pf_lw_fd) becomes
 * readable for the loop. Each node serves its waiting jobs round-robin over
 * their clients (one job of each client in turn), so a client that queues
 * many jobs delays another's by at most one job per other waiting client;
 * queues are bounded.
 */
#ifndef PF_LEDGER_WORKER_H
#define PF_LEDGER_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "broker/ledger/ledger_health.h"
#include "broker/ledger/payment.h"

#define PF_LW_NODES_MAX 5
#define PF_LW_SAID_MAX	1024

struct pf_lw_job {
	/* in: what to check */
	char tx[PF_ETH_HASH_HEXLEN + 1];
	char pay_to[PF_ETH_ADDR_HEXLEN + 1];
	char quote_id[33];
	struct pf_u256 amount_wei;
	uint64_t chain_id;
	uint32_t confirmations;
	uint64_t client; /* whose job: jobs of one client take turns with others' */
	void *user;	 /* the caller's context, untouched */
	/* out: the quorum's answer. rc -1 = too few nodes answered (verdict.detail
	 * says why); verdict.code PF_PAY_DISAGREE = they answered but disagree. */
	int rc;
	struct pf_verdict verdict;
	struct pf_payment facts;
	bool has_block_time;	   /* mined, and the block's timestamp was read */
	uint64_t block_time;	   /* unix seconds */
	char block_err[128];	   /* why the timestamp could not be read */
	int agreed;		   /* nodes in the agreeing group (0 unless decided) */
	char said[PF_LW_SAID_MAX]; /* what each node said, when there are several */
	struct pf_lw_job *next;
};

struct pf_lw_conf {
	const char *const *urls; /* the nodes' JSON-RPC URLs */
	int n_urls;		 /* 1 .. PF_LW_NODES_MAX */
	int quorum;		 /* 1 .. n_urls */
	const char *netns;	 /* "" = ours: threads inherit their creator's */
	long timeout_ms;	 /* per RPC call */
	int threads;		 /* per node */
	size_t max_queue;	 /* unfinished jobs, and tasks waiting per node */
};

struct pf_lw;

/* Starts the threads. 0 or -errno (pf_last_error() says why). */
int pf_lw_start(struct pf_lw **out, const struct pf_lw_conf *c);
int pf_lw_fd(const struct pf_lw *w);
/* Queues a job; the worker owns it until pf_lw_done() returns it. -EAGAIN
 * when max_queue jobs are unfinished (or -ENOMEM): the caller keeps the job. */
int pf_lw_submit(struct pf_lw *w, struct pf_lw_job *job);
/* A finished job, or NULL; call after pf_lw_fd() was readable, until NULL. */
struct pf_lw_job *pf_lw_done(struct pf_lw *w);
/* A copy of each node's health into h[PF_LW_NODES_MAX]; returns the node count. */
int pf_lw_health(struct pf_lw *w, struct pf_ledger_health *h, int *quorum);
/* Stops and joins the threads; unfinished and unclaimed jobs are freed. */
void pf_lw_stop(struct pf_lw *w);

#endif /* PF_LEDGER_WORKER_H */
