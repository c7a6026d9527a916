// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Payment checks on worker threads, one set per ledger node; see ledger_worker.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "broker/eth/jsonrpc.h"
#include "broker/ledger/backoff.h"
#include "broker/ledger/fair_queue.h"
#include "broker/ledger/ledger_eth.h"
#include "broker/ledger/ledger_worker.h"
#include "broker/ledger/quorum.h"
#include "userspace/common/error.h"
#include "userspace/common/netns.h"

#define PF_LW_THREADS_MAX 8

/* One job asked of every node; lives until the last node is done with it. */
struct lw_fan {
	struct pf_lw_job *job; /* NULL once decided and posted */
	struct pf_lw_job in;   /* a copy, for its inputs: nodes may run after the job went back */
	int refs;	       /* nodes that still hold it */
	int pick;	       /* the answer the quorum agreed on, -1 while none */
	struct pf_ledger_answer *ans[PF_LW_NODES_MAX];
};

struct lw_task {
	struct pf_fq_item it; /* first: the queue hands back the task */
	struct lw_fan *fan;
};

struct lw_node;
struct lw_thread {
	struct lw_node *node;
	struct pf_ledger *ledger;
	unsigned seed;
};

struct lw_node {
	struct pf_lw *w;
	int idx, n_threads;
	pthread_cond_t cv;
	struct pf_fq q;
	pthread_t th[PF_LW_THREADS_MAX];
	struct lw_thread t[PF_LW_THREADS_MAX];
	struct pf_ledger_health h;
};

struct pf_lw {
	pthread_mutex_t mu; /* everything below, and every fan */
	struct lw_node node[PF_LW_NODES_MAX];
	int n_nodes, quorum;
	size_t live, max_queue; /* jobs not yet posted */
	struct pf_lw_job *done;
	bool stopping;
	int efd;
};

/* Stands in for the answer of a node whose queue was full or out of memory. */
static const struct pf_ledger_answer skipped = {
    .rc = -1,
    .verdict = {.code = PF_PAY_LEDGER_ERROR,
		.detail = "the node's queue is full (or out of memory); not asked"},
};

/* The block's "hash" is the one asked for: a stale or confused answer about
 * another block would date the payment wrongly. */
static bool same_block(struct json_object *res, const char *hash)
{
	struct json_object *h;

	return json_object_object_get_ex(res, "hash", &h) &&
	       json_object_is_type(h, json_type_string) &&
	       !strcasecmp(json_object_get_string(h), hash);
}

/* The timestamp of the block holding the payment; -1 (a->verdict.detail says why). */
static int block_time(struct pf_ledger *l, struct pf_ledger_answer *a)
{
	struct json_object *params = json_object_new_array(), *res = NULL, *ts;
	struct pf_jsonrpc_error e;
	struct pf_u256 t;
	int rc = -1;

	json_object_array_add(params, json_object_new_string(a->facts.block_hash));
	json_object_array_add(params, json_object_new_boolean(0));
	if (pf_jsonrpc_call(pf_ledger_eth_rpc(l), "eth_getBlockByHash", params, &res, &e))
		snprintf(a->verdict.detail, sizeof(a->verdict.detail), "%.200s", e.message);
	else if (!res || !json_object_is_type(res, json_type_object) ||
		 !same_block(res, a->facts.block_hash))
		snprintf(a->verdict.detail, sizeof(a->verdict.detail),
			 "eth_getBlockByHash %s: the node answered with another block (or none)",
			 a->facts.block_hash);
	else if (!json_object_object_get_ex(res, "timestamp", &ts) ||
		 pf_u256_parse_hex(json_object_get_string(ts), &t) ||
		 pf_u256_to_u64(&t, &a->block_time))
		snprintf(a->verdict.detail, sizeof(a->verdict.detail),
			 "eth_getBlockByHash %s: no usable timestamp (reorged?)",
			 a->facts.block_hash);
	else
		rc = 0;
	json_object_put(res);
	if (rc)
		a->verdict.code = PF_PAY_LEDGER_ERROR;
	return rc;
}

static void ask_once(struct pf_ledger *l, const struct pf_lw_job *in, struct pf_ledger_answer *a)
{
	struct pf_payment_expect exp = {
	    .pay_to = in->pay_to,
	    .chain_id = in->chain_id,
	    .quote_id = in->quote_id,
	    .amount_wei = in->amount_wei,
	    .confirmations = in->confirmations,
	};

	memset(a, 0, sizeof(*a));
	a->rc = pf_payment_verify(l, &exp, in->tx, &a->verdict, &a->facts);
	if (!a->rc && a->facts.mined && a->facts.block_hash[0])
		a->rc = block_time(l, a);
	a->has_block_time = !a->rc && a->facts.mined;
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Asks the node, again after a backoff while it fails and the job is undecided. */
static void ask(struct lw_thread *t, struct lw_fan *f, struct pf_ledger_answer *a)
{
	struct pf_lw *w = t->node->w;
	struct pf_ledger_health *h = &t->node->h;

	for (unsigned k = 1;; k++) {
		bool give_up;

		ask_once(t->ledger, &f->in, a);
		pthread_mutex_lock(&w->mu);
		h->attempts++;
		h->attempt_failures += a->rc != 0;
		h->failures_in_a_row = a->rc ? h->failures_in_a_row + 1 : 0;
		give_up = !a->rc || k >= PF_LEDGER_ATTEMPTS || !f->job || w->stopping;
		h->retries += !give_up;
		pthread_mutex_unlock(&w->mu);
		if (give_up)
			return;
		sleep_ms(pf_backoff_ms(k, &t->seed));
	}
}

/* Under the lock: the node's health after one check. */
static void record(struct lw_node *n, const struct pf_ledger_answer *a)
{
	struct pf_ledger_health *h = &n->h;

	h->checks++;
	if (a->rc) {
		h->checks_failed++;
		h->last_failure = time(NULL);
		snprintf(h->last_error, sizeof(h->last_error), "%.150s", a->verdict.detail);
		return;
	}
	h->last_ok = time(NULL);
	if (!a->facts.head)
		return;
	if (a->facts.head < h->head_max)
		h->head_backwards++;
	else
		h->head_max = a->facts.head;
}

static void post(struct pf_lw *w, struct lw_fan *f)
{
	uint64_t one = 1;

	f->job->next = w->done;
	w->done = f->job;
	f->job = NULL;
	w->live--;
	if (write(w->efd, &one, sizeof(one)) < 0)
		(void)0; /* the counter is saturated: the loop is awake anyway */
}

static void take_answer(struct pf_lw_job *j, const struct pf_ledger_answer *a)
{
	j->rc = a->rc;
	j->verdict = a->verdict;
	j->facts = a->facts;
	j->has_block_time = a->has_block_time;
	j->block_time = a->block_time;
	snprintf(j->block_err, sizeof(j->block_err), "%s", a->has_block_time ? "" : "not mined");
}

static void agreed(struct pf_lw *w, struct lw_fan *f, const struct pf_ledger_answer *const *a,
		   int pick)
{
	take_answer(f->job, a[pick]);
	f->pick = pick;
	f->job->agreed = 0;
	for (int i = 0; i < w->n_nodes; i++) {
		if (a[i] && pf_ledger_answers_agree(a[i], a[pick]))
			f->job->agreed++;
		else if (a[i] && !a[i]->rc)
			w->node[i].h.outvoted++;
	}
}

static void not_agreed(struct pf_lw *w, struct lw_fan *f, enum pf_quorum_outcome o,
		       const struct pf_ledger_answer *const *a)
{
	struct pf_lw_job *j = f->job;

	memset(&j->verdict, 0, sizeof(j->verdict));
	memset(&j->facts, 0, sizeof(j->facts));
	j->has_block_time = false;
	j->agreed = 0;
	pf_eth_lower_copy(j->verdict.txhash, sizeof(j->verdict.txhash), f->in.tx);
	if (o == PF_QUORUM_SPLIT) {
		j->rc = 0;
		j->verdict.code = PF_PAY_DISAGREE;
		snprintf(j->verdict.detail, sizeof(j->verdict.detail),
			 "the ledger nodes disagree about the payment (fewer than %d of %d agree)",
			 w->quorum, w->n_nodes);
		return;
	}
	j->rc = -1;
	j->verdict.code = PF_PAY_LEDGER_ERROR;
	if (w->n_nodes == 1)
		snprintf(j->verdict.detail, sizeof(j->verdict.detail), "%s", a[0]->verdict.detail);
	else
		snprintf(j->verdict.detail, sizeof(j->verdict.detail),
			 "fewer than %d of %d ledger nodes answered", w->quorum, w->n_nodes);
}

/* Under the lock: posts the job once the quorum rule decides. */
static void decide(struct pf_lw *w, struct lw_fan *f)
{
	const struct pf_ledger_answer *a[PF_LW_NODES_MAX] = {0};
	enum pf_quorum_outcome o;
	int pick = 0;

	for (int i = 0; i < w->n_nodes; i++)
		a[i] = f->ans[i];
	o = pf_quorum_decide(a, w->n_nodes, w->quorum, &pick);
	if (o == PF_QUORUM_WAIT)
		return;
	if (o == PF_QUORUM_AGREE)
		agreed(w, f, a, pick);
	else
		not_agreed(w, f, o, a);
	f->job->said[0] = '\0';
	if (w->n_nodes > 1)
		pf_quorum_describe(a, w->n_nodes, f->job->said, sizeof(f->job->said));
	post(w, f);
}

/* Under the lock: one holder less; the last one frees. */
static void release(struct lw_fan *f)
{
	if (--f->refs)
		return;
	free(f->job); /* only when stopping: a finished job was posted */
	for (int i = 0; i < PF_LW_NODES_MAX; i++)
		if (f->ans[i] != &skipped)
			free(f->ans[i]);
	free(f);
}

/* Under the lock, which it drops while the node is asked. */
static void run_task(struct lw_thread *t, struct lw_fan *f)
{
	struct lw_node *n = t->node;
	struct pf_ledger_answer *a = malloc(sizeof(*a));

	pthread_mutex_unlock(&n->w->mu);
	if (a)
		ask(t, f, a);
	pthread_mutex_lock(&n->w->mu);
	f->ans[n->idx] = a ? a : (struct pf_ledger_answer *)&skipped;
	record(n, f->ans[n->idx]);
	if (f->job)
		decide(n->w, f);
	else if (f->pick >= 0 && !f->ans[n->idx]->rc &&
		 !pf_ledger_answers_agree(f->ans[n->idx], f->ans[f->pick]))
		n->h.outvoted++; /* answered after the others had settled it */
}

static void *node_main(void *p)
{
	struct lw_thread *t = p;
	struct lw_node *n = t->node;
	struct pf_lw *w = n->w;

	pthread_mutex_lock(&w->mu);
	while (!w->stopping) {
		struct lw_task *k = (struct lw_task *)pf_fq_pop(&n->q);
		struct lw_fan *f;

		if (!k) {
			pthread_cond_wait(&n->cv, &w->mu);
			continue;
		}
		f = k->fan;
		free(k);
		if (f->job) /* else decided without this node: nothing to ask */
			run_task(t, f);
		release(f);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int start_node(struct pf_lw *w, int idx, const char *url, long timeout_ms, int threads)
{
	struct lw_node *n = &w->node[idx];
	char *shown = pf_jsonrpc_shown_url(url);

	n->w = w;
	n->idx = idx;
	pf_fq_init(&n->q);
	pthread_cond_init(&n->cv, NULL);
	snprintf(n->h.node, sizeof(n->h.node), "%s", shown ? shown : "(unparsable URL)");
	free(shown);
	for (int i = 0; i < threads; i++) {
		struct lw_thread *t = &n->t[i];

		t->node = n;
		t->seed =
		    (unsigned)time(NULL) ^ (unsigned)(idx * 131 + i * 7919) ^ (unsigned)getpid();
		t->ledger = pf_ledger_eth_new(url, timeout_ms);
		if (!t->ledger)
			return -EINVAL;
		if (pthread_create(&n->th[i], NULL, node_main, t)) {
			pf_ledger_free(t->ledger);
			t->ledger = NULL;
			return pf_fail(-EAGAIN, "cannot start a ledger thread");
		}
		n->n_threads++;
	}
	return 0;
}

static int start_threads(struct pf_lw **out, const struct pf_lw_conf *c)
{
	struct pf_lw *w = calloc(1, sizeof(*w));
	int threads = c->threads < 1		       ? 1
		      : c->threads > PF_LW_THREADS_MAX ? PF_LW_THREADS_MAX
						       : c->threads;

	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->mu, NULL);
	w->max_queue = c->max_queue;
	w->quorum = c->quorum;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		free(w);
		return pf_fail(-EIO, "eventfd: %s", strerror(errno));
	}
	for (int i = 0; i < c->n_urls; i++) {
		w->n_nodes++;
		if (start_node(w, i, c->urls[i], c->timeout_ms, threads)) {
			pf_lw_stop(w);
			return -EINVAL;
		}
	}
	*out = w;
	return 0;
}

int pf_lw_start(struct pf_lw **out, const struct pf_lw_conf *c)
{
	struct pf_lw *w = NULL;
	int saved, rc;

	if (c->n_urls < 1 || c->n_urls > PF_LW_NODES_MAX || c->quorum < 1 || c->quorum > c->n_urls)
		return pf_fail(-EINVAL, "ledger: %d nodes with a quorum of %d (1 to %d nodes)",
			       c->n_urls, c->quorum, PF_LW_NODES_MAX);
	rc = pf_netns_enter(c->netns, &saved);
	if (rc)
		return pf_fail(rc, "cannot enter the ledger's network namespace %s: %s", c->netns,
			       strerror(-rc));
	rc = start_threads(&w, c);
	pf_netns_leave(saved);
	if (!rc)
		*out = w;
	return rc;
}

int pf_lw_fd(const struct pf_lw *w)
{
	return w->efd;
}

/* Under the lock: queues the fan's task on node i, or marks the node skipped. */
static void fan_out(struct pf_lw *w, struct lw_fan *f, int i)
{
	struct lw_node *n = &w->node[i];
	struct lw_task *k = n->q.n < w->max_queue ? calloc(1, sizeof(*k)) : NULL;

	if (k) {
		k->fan = f;
		k->it.client = f->job->client;
		if (!pf_fq_push(&n->q, &k->it)) {
			f->refs++;
			pthread_cond_signal(&n->cv);
			return;
		}
		free(k);
	}
	f->ans[i] = (struct pf_ledger_answer *)&skipped;
	n->h.checks++;
	n->h.checks_failed++;
}

static struct lw_fan *fan_new(struct pf_lw_job *job)
{
	struct lw_fan *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->job = job;
	f->pick = -1;
	f->in = *job;
	return f;
}

int pf_lw_submit(struct pf_lw *w, struct pf_lw_job *job)
{
	struct lw_fan *f;

	job->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->live >= w->max_queue) {
		pthread_mutex_unlock(&w->mu);
		return -EAGAIN;
	}
	f = fan_new(job);
	if (!f) {
		pthread_mutex_unlock(&w->mu);
		return -ENOMEM;
	}
	w->live++;
	f->refs = 1; /* ours, until every node has its task */
	for (int i = 0; i < w->n_nodes; i++)
		fan_out(w, f, i);
	decide(w, f); /* skipped nodes may settle it already */
	release(f);
	pthread_mutex_unlock(&w->mu);
	return 0;
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

int pf_lw_health(struct pf_lw *w, struct pf_ledger_health *h, int *quorum)
{
	int n;

	pthread_mutex_lock(&w->mu);
	n = w->n_nodes;
	for (int i = 0; i < n; i++)
		h[i] = w->node[i].h;
	*quorum = w->quorum;
	pthread_mutex_unlock(&w->mu);
	return n;
}

static void stop_node(struct lw_node *n)
{
	struct pf_fq_item *it;

	for (int i = 0; i < n->n_threads; i++)
		pthread_join(n->th[i], NULL);
	for (int i = 0; i < PF_LW_THREADS_MAX; i++)
		pf_ledger_free(n->t[i].ledger);
	while ((it = pf_fq_pop(&n->q))) {
		release(((struct lw_task *)it)->fan);
		free(it);
	}
	pthread_cond_destroy(&n->cv);
}

void pf_lw_stop(struct pf_lw *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	for (int i = 0; i < w->n_nodes; i++)
		pthread_cond_broadcast(&w->node[i].cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->n_nodes; i++)
		stop_node(&w->node[i]);
	while (w->done) {
		struct pf_lw_job *next = w->done->next;

		free(w->done);
		w->done = next;
	}
	close(w->efd);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
