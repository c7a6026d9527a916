/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The cluster's key schema in etcd (docs/CLUSTER.md is the reference). Every
 * key starts with the cluster prefix (config cluster.prefix, "/payflow" by
 * default), so several clusters (or tests) can share one etcd:
 *
 *   P/nodes/NODE                 a live payflowd (leased: gone when it dies)
 *   P/topo/links/LINK            a directed link: capacity and reservable rate
 *   P/ledger/LINK/RESV           RESV's rate on LINK (decimal bps; RESV's lease)
 *   P/resv/RESV                  a hold or reservation (JSON; its lease is its end)
 *   P/tx/TXHASH                  a consumed payment: the reservation it bought,
 *                                or its refund or deposit (broker/sales/cluster_tx.h)
 *   P/owed/NODE/TXHASH           a refund or deposit NODE claimed under P/tx/ and
 *                                has not yet recorded as credited (cluster_tx.h)
 *   P/pairs/PAIR, P/holds/...    claims of admissions (broker/sales/cluster_guard.h)
 *
 * Names (NODE, LINK, RESV) are 1..63 characters of [A-Za-z0-9._:-]; a tx hash
 * is 0x and 64 lowercase hex digits. The link ledger is the sum of a link's
 * ledger keys, so an expired lease frees its capacity with nothing to run.
 */
#ifndef PF_CLUSTER_KEYS_H
#define PF_CLUSTER_KEYS_H

#include <stddef.h>

#define PF_CL_KEY_MAX	     256
#define PF_CL_NAME_MAX	     64
#define PF_CL_DEFAULT_PREFIX "/payflow"

/* 0, or -EINVAL with a message naming `what`. */
int pf_cl_check_name(const char *what, const char *name);
int pf_cl_check_tx(const char *tx);
int pf_cl_check_prefix(const char *prefix);

/* Each writes the key into out (PF_CL_KEY_MAX bytes); -EINVAL on a bad name. */
int pf_cl_key_node(char *out, const char *prefix, const char *node);
int pf_cl_key_link(char *out, const char *prefix, const char *link);
/* The ledger prefix of a link (ends with '/'), and one reservation's entry. */
int pf_cl_key_ledger(char *out, const char *prefix, const char *link);
int pf_cl_key_ledger_entry(char *out, const char *prefix, const char *link, const char *resv);
int pf_cl_key_resv(char *out, const char *prefix, const char *resv);
int pf_cl_key_tx(char *out, const char *prefix, const char *tx);
/* P/owed/NODE/TXHASH, or with tx NULL the directory P/owed/NODE/. */
int pf_cl_key_owed(char *out, const char *prefix, const char *node, const char *tx);
/* The directory prefixes ("P/resv/", ...) for ranges and watches. */
int pf_cl_key_dir(char *out, const char *prefix, const char *dir);
/* The last path element of key (a ledger entry's RESV). */
const char *pf_cl_key_last(const char *key);

#endif /* PF_CLUSTER_KEYS_H */
