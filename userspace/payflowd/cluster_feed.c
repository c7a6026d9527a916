// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The etcd thread's side of cluster enforcement; see cluster_feed.h. */
#include "userspace/payflowd/cluster_feed.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "userspace/common/error.h"

int pfd_cfeed_init(struct pfd_cfeed *f, const char *node, pf_cl_log_fn log)
{
	memset(f, 0, sizeof(*f));
	f->tail = &f->head;
	f->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->efd < 0)
		return pf_fail(-errno, "eventfd: %s", strerror(errno));
	snprintf(f->node, sizeof(f->node), "%s", node);
	f->log = log;
	pthread_mutex_init(&f->mu, NULL);
	return 0;
}

void pfd_cfeed_close(struct pfd_cfeed *f)
{
	struct pfd_cfeed_op *op = pfd_cfeed_take(f);

	while (op) {
		struct pfd_cfeed_op *next = op->next;

		free(op);
		op = next;
	}
	if (f->efd >= 0)
		close(f->efd);
	f->efd = -1;
	pthread_mutex_destroy(&f->mu);
}

struct pfd_cfeed_op *pfd_cfeed_take(struct pfd_cfeed *f)
{
	struct pfd_cfeed_op *all;
	uint64_t n;

	if (read(f->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		f->log("cluster: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&f->mu);
	all = f->head;
	f->head = NULL;
	f->tail = &f->head;
	pthread_mutex_unlock(&f->mu);
	return all;
}

bool pfd_cfeed_mine(const struct pf_cl_resv *rec, const char *node)
{
	char n[PF_CL_NAME_MAX], ifname[PF_CL_NAME_MAX];

	for (int i = 0; i < rec->n_hops; i++)
		if (!pf_cl_hop_split(rec->hops[i], n, ifname) && !strcmp(n, node))
			return true;
	return false;
}

static void push(struct pfd_cfeed *f, enum pfd_cfeed_kind kind, const char *name,
		 const struct pf_cl_resv *rec)
{
	struct pfd_cfeed_op *op = calloc(1, sizeof(*op));
	uint64_t one = 1;

	if (!op) { /* the next list (after a lost watch) catches up */
		f->log("cluster: out of memory queueing %s", name ? name : "a sync");
		return;
	}
	op->kind = kind;
	if (name)
		snprintf(op->name, sizeof(op->name), "%s", name);
	if (rec)
		op->rec = *rec;
	pthread_mutex_lock(&f->mu);
	*f->tail = op;
	f->tail = &op->next;
	pthread_mutex_unlock(&f->mu);
	if (write(f->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		f->log("cluster: eventfd: %s", strerror(errno));
}

/* A PUT of key: queued as PUT when this node enforces it, else as DEL (not
 * needed inside a sync: what a sync lacks is removed anyway). */
static void put(struct pfd_cfeed *f, const struct pf_etcd_kv *kv, bool del_others)
{
	const char *name = pf_cl_key_last(kv->key);
	struct pf_cl_resv rec;

	if (pf_cl_check_name("reservation", name))
		return; /* not a record key: nothing enforces it */
	if (pf_cl_resv_decode(kv->value, &rec)) {
		f->log("cluster: record %s refused: %s", name, pf_last_error());
		rec.state = PF_CL_HOLD; /* not enforced */
	}
	if (rec.state == PF_CL_GRANTED && pfd_cfeed_mine(&rec, f->node))
		push(f, PFD_CF_PUT, name, &rec);
	else if (del_others)
		push(f, PFD_CF_DEL, name, NULL);
}

static void on_sync(void *ctx, const struct pf_etcd_kvs *kvs)
{
	struct pfd_cfeed *f = ctx;

	push(f, PFD_CF_SYNC_BEGIN, NULL, NULL);
	for (size_t i = 0; i < kvs->n; i++)
		put(f, &kvs->kv[i], false);
	push(f, PFD_CF_SYNC_END, NULL, NULL);
}

static void on_event(void *ctx, const struct pf_etcd_event *ev)
{
	struct pfd_cfeed *f = ctx;

	if (ev->type == PF_ETCD_PUT)
		put(f, ev->kv, true);
	else
		push(f, PFD_CF_DEL, pf_cl_key_last(ev->kv->key), NULL);
}

struct pf_cl_mirror_ops pfd_cfeed_ops(pf_cl_log_fn log)
{
	return (struct pf_cl_mirror_ops){.sync = on_sync, .event = on_event, .log = log};
}
