// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A list + watch mirror of an etcd prefix, from a thread; see mirror.h. */
#include "userspace/cluster/mirror.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "userspace/common/error.h"
#include "userspace/common/worker.h"

#define RETRY_S 1
#define POLL_MS 200 /* how late a stop may be noticed */

struct pf_cl_mirror {
	struct pf_cluster_conf conf;
	struct pf_etcd_tls tls;
	char *prefix;
	struct pf_cl_mirror_ops ops;
	void *ctx;
	struct pf_worker w;
	bool failing; /* logged once per change */
};

static void state(struct pf_cl_mirror *m, int err, const char *what)
{
	if (err && !m->failing)
		m->ops.log("cluster: %s %s failed (will list again): %s", what, m->prefix,
			   pf_last_error());
	if (!err && m->failing)
		m->ops.log("cluster: %s listed again", m->prefix);
	m->failing = err != 0;
}

/* Lists the prefix and hands it to sync(); the revision to watch from, or 0. */
static int64_t list(struct pf_cl_mirror *m, struct pf_etcd *e)
{
	struct pf_etcd_kvs kvs = {0};
	int err = pf_etcd_range(e, m->prefix, NULL, 0, 0, &kvs);
	int64_t next = kvs.revision + 1; /* kvs_free clears it */

	state(m, err, "list of");
	if (!err)
		m->ops.sync(m->ctx, &kvs);
	pf_etcd_kvs_free(&kvs);
	return err ? 0 : next;
}

static int deliver(void *ctx, const struct pf_etcd_event *ev)
{
	struct pf_cl_mirror *m = ctx;

	m->ops.event(m->ctx, ev);
	return 0;
}

/* Watches until the watch is lost or a stop is asked; true on stop. */
static bool watch(struct pf_cl_mirror *m, struct pf_etcd_watch *w)
{
	for (;;) {
		int n = pf_etcd_watch_poll(w, POLL_MS, deliver, m);

		if (pf_worker_stopping(&m->w))
			return true;
		if (n < 0) {
			state(m, n, n == -ESTALE ? "watch (compacted) of" : "watch of");
			return false;
		}
	}
}

static void *run(void *arg)
{
	struct pf_cl_mirror *m = arg;
	struct pf_etcd *e = pf_etcd_new(m->conf.endpoints, &m->tls, m->conf.timeout_ms);
	struct pf_etcd_watch *w = e ? pf_etcd_watch_new(e, m->prefix, 0) : NULL;

	if (!w) {
		m->ops.log("cluster: %s", pf_last_error());
		pf_etcd_free(e);
		return NULL;
	}
	for (;;) {
		int64_t rev = list(m, e);

		if (rev) {
			pf_etcd_watch_restart(w, rev);
			if (watch(m, w))
				break;
		}
		if (pf_worker_sleep(&m->w, RETRY_S * 1000))
			break;
	}
	pf_etcd_watch_free(w);
	pf_etcd_free(e);
	return NULL;
}

int pf_cl_mirror_start(struct pf_cl_mirror **out, const struct pf_cluster_conf *c,
		       const char *prefix, const struct pf_cl_mirror_ops *ops, void *ctx)
{
	struct pf_cl_mirror *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m || !(m->prefix = strdup(prefix))) {
		free(m);
		return pf_fail(-ENOMEM, "out of memory");
	}
	m->conf = *c;
	m->tls = pf_cluster_conf_tls(&m->conf);
	m->ops = *ops;
	m->ctx = ctx;
	if (pf_worker_start(&m->w, run, m, "cluster mirror")) {
		free(m->prefix);
		free(m);
		return -EAGAIN;
	}
	*out = m;
	return 0;
}

void pf_cl_mirror_stop(struct pf_cl_mirror *m)
{
	if (!m)
		return;
	pf_worker_stop(&m->w);
	free(m->prefix);
	free(m);
}
