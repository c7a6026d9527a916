/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A client of etcd's v3 JSON gateway (etcd 3.4: /v3/kv/range, put,
 * deleterange, txn, /v3/lease/grant, keepalive, revoke; /v3/watch is in
 * etcd_watch.h) over libcurl and json-c. Keys are C strings (the cluster's
 * key schema is text, keys.h); values are bytes. The gateway carries both as
 * base64 and every 64-bit number as a decimal string.
 *
 * A request goes to the endpoint that answered last; a transport failure
 * (refused, timed out) moves on to the next endpoint, so one dead member of
 * three is invisible to callers. An answer that is an etcd error (no leader,
 * request timed out: quorum lost) is returned as -EIO with etcd's message,
 * never retried here: the caller decides. Not thread-safe: one per thread.
 */
#ifndef PF_ETCD_H
#define PF_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PF_ETCD_MAX_ENDPOINTS 8

struct pf_etcd_tls {
	const char *ca_file; /* NULL: plain http endpoints */
	const char *cert_file;
	const char *key_file;
};

struct pf_etcd;

/* endpoints: "http://127.0.0.1:2379,http://..." (comma-separated). */
struct pf_etcd *pf_etcd_new(const char *endpoints, const struct pf_etcd_tls *tls, long timeout_ms);
void pf_etcd_free(struct pf_etcd *e);
/* The endpoint list, the one used last, and each request's timeout. */
int pf_etcd_n_endpoints(const struct pf_etcd *e);
const char *pf_etcd_endpoint(const struct pf_etcd *e, int i);
int pf_etcd_current(const struct pf_etcd *e);
long pf_etcd_timeout_ms(const struct pf_etcd *e);
const struct pf_etcd_tls *pf_etcd_tls_of(const struct pf_etcd *e);

struct pf_etcd_kv {
	char *key;
	char *value; /* NUL-terminated for text users; value_len excludes it */
	size_t value_len;
	int64_t create_rev, mod_rev, version, lease;
};

struct pf_etcd_kvs {
	struct pf_etcd_kv *kv;
	size_t n, cap;
	int64_t revision; /* the store's revision at the read */
	int64_t count;	  /* keys in the range, may exceed n with a limit */
	bool more;
};
void pf_etcd_kvs_free(struct pf_etcd_kvs *k);

/* One key; -ENOENT when absent (out->revision still set). */
int pf_etcd_get(struct pf_etcd *e, const char *key, struct pf_etcd_kvs *out);
/* The same at revision rev (0: latest). */
int pf_etcd_get_at(struct pf_etcd *e, const char *key, int64_t rev, struct pf_etcd_kvs *out);
/* Every key starting with prefix, in key order, from `from` on (NULL: the
 * start), at most limit (0: all), at revision rev (0: latest). */
int pf_etcd_range(struct pf_etcd *e, const char *prefix, const char *from, int64_t limit,
		  int64_t rev, struct pf_etcd_kvs *out);
/* Counts the keys under prefix without fetching them. */
int pf_etcd_count(struct pf_etcd *e, const char *prefix, int64_t *count);
int pf_etcd_put(struct pf_etcd *e, const char *key, const void *value, size_t len, int64_t lease,
		int64_t *revision);
/* Deletes key (or, with prefix set, every key under it); *deleted = how many. */
int pf_etcd_delete(struct pf_etcd *e, const char *key, bool prefix, int64_t *deleted);

int pf_etcd_lease_grant(struct pf_etcd *e, int64_t ttl_s, int64_t *id);
/* Renews the lease; -ENOENT when it has expired or was revoked. */
int pf_etcd_lease_keepalive(struct pf_etcd *e, int64_t id, int64_t *ttl_s);
int pf_etcd_lease_revoke(struct pf_etcd *e, int64_t id);

/* The gateway's raw POST: the parsed answer of path for the JSON body
 * (the txn and watch builders use it). Caller puts the object. */
struct json_object;
int pf_etcd_call(struct pf_etcd *e, const char *path, struct json_object *req,
		 struct json_object **resp);

/* Helpers shared with etcd_txn.c and etcd_watch.c. */
char *pf_etcd_b64(const void *p, size_t n);
/* Decodes base64 into a fresh NUL-terminated buffer; *n = its length. */
char *pf_etcd_unb64(const char *s, size_t *n);
/* A gateway 64-bit field (a decimal string, or absent = 0). */
int64_t pf_etcd_i64(struct json_object *o, const char *field);
struct json_object *pf_etcd_i64_new(int64_t v);
/* Decodes one gateway "kv" object and appends it. */
int pf_etcd_kvs_add(struct pf_etcd_kvs *k, struct json_object *kv);
/* The range_end that makes [prefix, end) cover every key under prefix. */
char *pf_etcd_prefix_end(const char *prefix);

#endif /* PF_ETCD_H */
