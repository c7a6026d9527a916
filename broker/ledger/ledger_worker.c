// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "broker/ledger/ledger_eth.h"
#include "broker/ledger/ledger_worker.h"
#include "userspace/common/error.h"
#include "userspace/common/netns.h"

#define PF_LW_MAX 8

/* The waiting jobs of one client, in order; a link of the round-robin ring. */
struct lw_queue {
	uint64_t client;
	struct pf_lw_job *head, **tail;
	struct lw_queue *next;
};

struct pf_lw {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct lw_queue *ring, **ring_tail; /* clients with waiting jobs, next first */
	size_t queued, max_queue;
	struct pf_lw_job *done;
	bool stopping;
	int efd, n;
	pthread_t th[PF_LW_MAX];
	struct pf_ledger *ledger[PF_LW_MAX];
	struct pf_lw_arg {
		struct pf_lw *w;
		int i;
	} arg[PF_LW_MAX];
};

/* The timestamp of the block that holds the payment (eth_getBlockByHash). */
static void block_time(struct pf_ledger *l, struct pf_lw_job *j)
{
	struct json_object *params = json_object_new_array(), *res = NULL, *ts;
	struct pf_jsonrpc_error e;
	struct pf_u256 t;

	json_object_array_add(params, json_object_new_string(j->facts.block_hash));
	json_object_array_add(params, json_object_new_boolean(0));
	if (pf_jsonrpc_call(pf_ledger_eth_rpc(l), "eth_getBlockByHash", params, &res, &e)) {
		snprintf(j->block_err, sizeof(j->block_err), "%.120s", e.message);
		return;
	}
	if (!res || !json_object_object_get_ex(res, "timestamp", &ts) ||
	    pf_u256_parse_hex(json_object_get_string(ts), &t) || pf_u256_to_u64(&t, &j->block_time))
		snprintf(j->block_err, sizeof(j->block_err),
			 "eth_getBlockByHash %s: no usable timestamp (reorged?)",
			 j->facts.block_hash);
	else
		j->has_block_time = true;
	json_object_put(res);
}

static void run_job(struct pf_ledger *l, struct pf_lw_job *j)
{
	struct pf_payment_expect exp = {
	    .pay_to = j->pay_to,
	    .chain_id = j->chain_id,
	    .quote_id = j->quote_id,
	    .amount_wei = j->amount_wei,
	    .confirmations = j->confirmations,
	};

	memset(&j->facts, 0, sizeof(j->facts));
	j->has_block_time = false;
	j->block_err[0] = 0;
	j->rc = pf_payment_verify(l, &exp, j->tx, &j->verdict, &j->facts);
	if (!j->rc && j->facts.mined && j->facts.block_hash[0])
		block_time(l, j);
}

/* The next client's first job; that client goes to the back of the ring. */
static struct pf_lw_job *take(struct pf_lw *w)
{
	struct lw_queue *q = w->ring;
	struct pf_lw_job *j = q->head;

	q->head = j->next;
	w->ring = q->next;
	if (!w->ring)
		w->ring_tail = &w->ring;
	if (q->head) {
		q->next = NULL;
		*w->ring_tail = q;
		w->ring_tail = &q->next;
	} else {
		free(q);
	}
	w->queued--;
	return j;
}

static void *worker(void *p)
{
	struct pf_lw_arg *a = p;
	struct pf_lw *w = a->w;
	uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct pf_lw_job *j;

		while (!w->ring && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stopping)
			break;
		j = take(w);
		pthread_mutex_unlock(&w->mu);
		run_job(w->ledger[a->i], j);
		pthread_mutex_lock(&w->mu);
		j->next = w->done;
		w->done = j;
		if (write(w->efd, &one, sizeof(one)) < 0)
			(void)0; /* the counter is saturated: the loop is awake anyway */
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int start_threads(struct pf_lw **out, const char *rpc_url, long timeout_ms, int n,
			 size_t max_queue)
{
	struct pf_lw *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	if (n < 1 || n > PF_LW_MAX)
		n = n < 1 ? 1 : PF_LW_MAX;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->ring_tail = &w->ring;
	w->max_queue = max_queue;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		free(w);
		return pf_fail(-EIO, "eventfd: %s", strerror(errno));
	}
	for (int i = 0; i < n; i++) {
		w->ledger[i] = pf_ledger_eth_new(rpc_url, timeout_ms);
		w->arg[i] = (struct pf_lw_arg){w, i};
		if (!w->ledger[i] || pthread_create(&w->th[i], NULL, worker, &w->arg[i])) {
			if (w->ledger[i])
				pf_fail(-EINVAL, "cannot start a ledger thread");
			pf_ledger_free(w->ledger[i]);
			w->ledger[i] = NULL;
			pf_lw_stop(w);
			return -EINVAL;
		}
		w->n++;
	}
	*out = w;
	return 0;
}

int pf_lw_start(struct pf_lw **out, const char *rpc_url, const char *netns, long timeout_ms, int n,
		size_t max_queue)
{
	struct pf_lw *w = NULL;
	int saved, rc = pf_netns_enter(netns, &saved);

	if (rc)
		return pf_fail(rc, "cannot enter the ledger's network namespace %s: %s", netns,
			       strerror(-rc));
	rc = start_threads(&w, rpc_url, timeout_ms, n, max_queue);
	pf_netns_leave(saved);
	if (!rc)
		*out = w;
	return rc;
}

int pf_lw_fd(const struct pf_lw *w)
{
	return w->efd;
}

/* The client's queue in the ring, added at the back when it has none. */
static struct lw_queue *queue_of(struct pf_lw *w, uint64_t client)
{
	struct lw_queue *q;

	for (q = w->ring; q; q = q->next)
		if (q->client == client)
			return q;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->client = client;
	q->tail = &q->head;
	*w->ring_tail = q;
	w->ring_tail = &q->next;
	return q;
}

int pf_lw_submit(struct pf_lw *w, struct pf_lw_job *job)
{
	struct lw_queue *q = NULL;
	int err = -EAGAIN;

	job->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->queued < w->max_queue) {
		q = queue_of(w, job->client);
		err = q ? 0 : -ENOMEM;
	}
	if (q) {
		*q->tail = job;
		q->tail = &job->next;
		w->queued++;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return err;
}

struct pf_lw_job *pf_lw_done(struct pf_lw *w)
{
	struct pf_lw_job *j;
	uint64_t n;

	if (read(w->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return NULL;
	pthread_mutex_lock(&w->mu);
	j = w->done;
	if (j)
		w->done = j->next;
	pthread_mutex_unlock(&w->mu);
	return j;
}

static void free_list(struct pf_lw_job *j)
{
	while (j) {
		struct pf_lw_job *next = j->next;

		free(j);
		j = next;
	}
}

void pf_lw_stop(struct pf_lw *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->n; i++)
		pthread_join(w->th[i], NULL);
	for (int i = 0; i < PF_LW_MAX; i++)
		pf_ledger_free(w->ledger[i]);
	while (w->ring) {
		struct lw_queue *q = w->ring;

		w->ring = q->next;
		free_list(q->head);
		free(q);
	}
	free_list(w->done);
	close(w->efd);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}
