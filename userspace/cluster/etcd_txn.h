/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * An etcd transaction: if every compare holds, every success op is applied,
 * else every failure op; atomically, at one revision. Compares on an absent
 * key see revision 0, so "create_rev == 0" means "the key does not exist".
 */
#ifndef PF_ETCD_TXN_H
#define PF_ETCD_TXN_H

#include <stdbool.h>
#include <stdint.h>
#include "userspace/cluster/etcd.h"

struct json_object;

struct pf_etcd_txn {
	struct json_object *compare, *success, *failure;
};

int pf_etcd_txn_init(struct pf_etcd_txn *t);
void pf_etcd_txn_free(struct pf_etcd_txn *t);
/* The key's mod revision equals rev (0: absent). */
int pf_etcd_txn_cmp_mod(struct pf_etcd_txn *t, const char *key, int64_t rev);
/* The key's create revision equals rev (0: absent). */
int pf_etcd_txn_cmp_create(struct pf_etcd_txn *t, const char *key, int64_t rev);
/* No key under prefix was written after revision rev (mod_rev <= rev). Keys
 * deleted since do not count: a deletion only frees what they held. */
int pf_etcd_txn_cmp_range_unchanged(struct pf_etcd_txn *t, const char *prefix, int64_t rev);
int pf_etcd_txn_put(struct pf_etcd_txn *t, const char *key, const void *v, size_t len,
		    int64_t lease);
int pf_etcd_txn_del(struct pf_etcd_txn *t, const char *key);
/* A read done only when a compare fails, so the caller learns why. */
int pf_etcd_txn_get_on_failure(struct pf_etcd_txn *t, const char *key);
/* A read in the success branch: the key, or every key under it (prefix).
 * A transaction of reads alone reads them all at one revision, in one
 * round trip. */
int pf_etcd_txn_read(struct pf_etcd_txn *t, const char *key, bool prefix);

/* Commits: *ok tells whether the compares held; *rev is the store revision
 * after it; `reads` (may be NULL) gets what the branch that ran read. */
int pf_etcd_txn_commit(struct pf_etcd *e, struct pf_etcd_txn *t, bool *ok, int64_t *rev,
		       struct pf_etcd_kvs *reads);

#endif /* PF_ETCD_TXN_H */
