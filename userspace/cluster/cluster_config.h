/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The "cluster" section of payflowd's config (docs/CONFIG.md, CLUSTER.md).
 * Without it payflowd is one machine with SQLite, and needs no etcd.
 *
 *   "cluster": {"endpoints": ["http://10.0.0.1:2379", ...], "node": "sw1",
 *               "prefix": "/payflow", "timeout_ms": 2000, "lease_ttl": 10,
 *               "tls": {"ca": FILE, "cert": FILE, "key": FILE}}
 */
#ifndef PF_CLUSTER_CONFIG_H
#define PF_CLUSTER_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include "userspace/cluster/etcd.h"
#include "userspace/cluster/keys.h"

struct json_object;

#define PF_CL_ENDPOINTS_MAX 1024

struct pf_cluster_conf {
	bool enabled;
	char endpoints[PF_CL_ENDPOINTS_MAX]; /* comma-separated, as etcd.h takes them */
	char node[PF_CL_NAME_MAX];
	char prefix[65];
	unsigned timeout_ms;  /* each etcd request */
	unsigned lease_ttl_s; /* the node's liveness key */
	char tls_ca[PATH_MAX], tls_cert[PATH_MAX], tls_key[PATH_MAX];
};

/* Parses root's "cluster" member (absent: disabled). 0 or -EINVAL with a
 * message naming origin and the key. */
int pf_cluster_conf_parse(const char *origin, struct json_object *root, struct pf_cluster_conf *c);
/* The TLS files of c as the etcd client takes them (pointing into c, which
 * must outlive the client). */
struct pf_etcd_tls pf_cluster_conf_tls(const struct pf_cluster_conf *c);

#endif /* PF_CLUSTER_CONFIG_H */
