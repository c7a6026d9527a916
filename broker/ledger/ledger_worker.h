/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Payment checks off the event loop: worker threads, each with its own
 * ledger connection (ledger_eth.h is not thread-safe), take jobs from a
 * queue, run pf_payment_verify() plus the block's timestamp, and post the
 * finished job back; an eventfd (pf_lw_fd) becomes readable for the loop.
 * Waiting jobs are served round-robin over their clients (one job of each
 * client in turn), so a client that queues many jobs delays another's by at
 * most one job per other waiting client; the queue is bounded.
 */
#ifndef PF_LEDGER_WORKER_H
#define PF_LEDGER_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include "broker/ledger/payment.h"

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
	/* out */
	int rc; /* pf_payment_verify()'s: -1 = ledger unavailable */
	struct pf_verdict verdict;
	struct pf_payment facts;
	bool has_block_time; /* mined, and the block's timestamp was read */
	uint64_t block_time; /* unix seconds */
	char block_err[128]; /* why the timestamp could not be read */
	struct pf_lw_job *next;
};

struct pf_lw;

/* Starts n threads against rpc_url, inside the network namespace at netns
 * ("" = ours: threads inherit their creator's), with room for max_queue
 * waiting jobs. 0 or -errno (pf_last_error() says why). */
int pf_lw_start(struct pf_lw **out, const char *rpc_url, const char *netns, long timeout_ms, int n,
		size_t max_queue);
int pf_lw_fd(const struct pf_lw *w);
/* Queues a job; the worker owns it until pf_lw_done() returns it. -EAGAIN
 * when max_queue jobs wait (or -ENOMEM): the caller keeps the job. */
int pf_lw_submit(struct pf_lw *w, struct pf_lw_job *job);
/* A finished job, or NULL; call after pf_lw_fd() was readable, until NULL. */
struct pf_lw_job *pf_lw_done(struct pf_lw *w);
/* Stops and joins the threads; unfinished and unclaimed jobs are freed. */
void pf_lw_stop(struct pf_lw *w);

#endif /* PF_LEDGER_WORKER_H */
