// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A node's registration and topology in etcd, from a thread; see node.h. */
#include "userspace/cluster/node.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "userspace/cluster/admit.h"
#include "userspace/cluster/etcd.h"
#include "userspace/common/error.h"
#include "userspace/common/worker.h"

#define RETRY_S 1

struct pf_cl_node {
	struct pf_cluster_conf conf;
	struct pf_etcd_tls tls;
	struct pf_cl_link_desc *links;
	int n_links;
	pf_cl_log_fn log;
	struct pf_worker w;
	int64_t lease;
	enum { UNKNOWN, REGISTERED, FAILING } state; /* logged once per change */
};

static int publish(struct pf_cl_node *n, struct pf_etcd *e)
{
	char key[PF_CL_KEY_MAX], val[128];
	int err = pf_etcd_lease_grant(e, n->conf.lease_ttl_s, &n->lease);

	if (err)
		return err;
	snprintf(val, sizeof(val), "{\"pid\":%d,\"links\":%d}", (int)getpid(), n->n_links);
	err = pf_cl_key_node(key, n->conf.prefix, n->conf.node)
		  ?: pf_etcd_put(e, key, val, strlen(val), n->lease, NULL);
	for (int i = 0; !err && i < n->n_links; i++)
		err = pf_cl_link_put(e, n->conf.prefix, n->links[i].name, n->conf.node,
				     n->links[i].capacity_bps, n->links[i].floor_bps)
			  ?: pf_cl_port_put(e, n->conf.prefix, &n->links[i].port);
	if (err) {
		pf_etcd_lease_revoke(e, n->lease);
		n->lease = 0;
	}
	return err;
}

/* One round: register, or keep the lease alive. Returns seconds to wait. */
static unsigned round_once(struct pf_cl_node *n, struct pf_etcd *e)
{
	int64_t ttl;
	int err = n->lease ? pf_etcd_lease_keepalive(e, n->lease, &ttl) : publish(n, e);

	if (err == -ENOENT && n->lease) { /* expired while etcd was away */
		n->lease = 0;
		err = publish(n, e);
	}
	if (err && n->state != FAILING)
		n->log("cluster: node %s not registered in etcd (will retry): %s", n->conf.node,
		       pf_last_error());
	if (!err && n->state != REGISTERED)
		n->log("cluster: node %s registered in etcd%s", n->conf.node,
		       n->state == FAILING ? " again" : "");
	n->state = err ? FAILING : REGISTERED;
	return err ? RETRY_S : (n->conf.lease_ttl_s / 3 ?: 1);
}

static void *run(void *arg)
{
	struct pf_cl_node *n = arg;
	struct pf_etcd *e = pf_etcd_new(n->conf.endpoints, &n->tls, n->conf.timeout_ms);

	if (!e) {
		n->log("cluster: %s", pf_last_error());
		return NULL;
	}
	while (!pf_worker_sleep(&n->w, round_once(n, e) * 1000))
		;
	if (n->lease)
		pf_etcd_lease_revoke(e, n->lease);
	pf_etcd_free(e);
	return NULL;
}

int pf_cl_node_start(struct pf_cl_node **out, const struct pf_cluster_conf *c,
		     const struct pf_cl_link_desc *links, int n_links, pf_cl_log_fn log)
{
	struct pf_cl_node *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (!n || !(n->links = calloc(n_links ?: 1, sizeof(*links)))) {
		free(n);
		return pf_fail(-ENOMEM, "out of memory");
	}
	n->conf = *c;
	n->tls = pf_cluster_conf_tls(&n->conf);
	memcpy(n->links, links, n_links * sizeof(*links));
	n->n_links = n_links;
	n->log = log;
	if (pf_worker_start(&n->w, run, n, "cluster")) {
		free(n->links);
		free(n);
		return -EAGAIN;
	}
	*out = n;
	return 0;
}

void pf_cl_node_stop(struct pf_cl_node *n)
{
	if (!n)
		return;
	pf_worker_stop(&n->w);
	free(n->links);
	free(n);
}
