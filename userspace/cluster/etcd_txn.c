// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Transactions over the JSON gateway's /v3/kv/txn; see etcd_txn.h. */
#include "userspace/cluster/etcd_txn.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/error.h"

static struct json_object *b64_str(const void *p, size_t n)
{
	char *s = pf_etcd_b64(p, n);
	struct json_object *o = s ? json_object_new_string(s) : NULL;

	free(s);
	return o;
}

int pf_etcd_txn_init(struct pf_etcd_txn *t)
{
	t->compare = json_object_new_array();
	t->success = json_object_new_array();
	t->failure = json_object_new_array();
	if (t->compare && t->success && t->failure)
		return 0;
	pf_etcd_txn_free(t);
	return pf_fail(-ENOMEM, "out of memory");
}

void pf_etcd_txn_free(struct pf_etcd_txn *t)
{
	json_object_put(t->compare);
	json_object_put(t->success);
	json_object_put(t->failure);
	memset(t, 0, sizeof(*t));
}

static int cmp_op(struct pf_etcd_txn *t, const char *key, const char *end, const char *result,
		  const char *target, const char *field, int64_t rev)
{
	struct json_object *c = json_object_new_object();

	if (!c)
		return pf_fail(-ENOMEM, "out of memory");
	json_object_object_add(c, "key", b64_str(key, strlen(key)));
	if (end)
		json_object_object_add(c, "range_end", b64_str(end, strlen(end)));
	json_object_object_add(c, "result", json_object_new_string(result));
	json_object_object_add(c, "target", json_object_new_string(target));
	json_object_object_add(c, field, pf_etcd_i64_new(rev));
	return json_object_array_add(t->compare, c) ? pf_fail(-ENOMEM, "out of memory") : 0;
}

static int cmp(struct pf_etcd_txn *t, const char *key, const char *target, const char *field,
	       int64_t rev)
{
	return cmp_op(t, key, NULL, "EQUAL", target, field, rev);
}

int pf_etcd_txn_cmp_range_unchanged(struct pf_etcd_txn *t, const char *prefix, int64_t rev)
{
	char *end = pf_etcd_prefix_end(prefix);
	int err;

	if (!end)
		return pf_fail(-EINVAL, "etcd prefix \"%s\" has no end", prefix);
	err = cmp_op(t, prefix, end, "LESS", "MOD", "mod_revision", rev + 1);
	free(end);
	return err;
}

int pf_etcd_txn_cmp_mod(struct pf_etcd_txn *t, const char *key, int64_t rev)
{
	return cmp(t, key, "MOD", "mod_revision", rev);
}

int pf_etcd_txn_cmp_create(struct pf_etcd_txn *t, const char *key, int64_t rev)
{
	return cmp(t, key, "CREATE", "create_revision", rev);
}

static int op(struct json_object *list, const char *kind, struct json_object *body)
{
	struct json_object *o = json_object_new_object();

	if (!o || !body) {
		json_object_put(o);
		json_object_put(body);
		return pf_fail(-ENOMEM, "out of memory");
	}
	json_object_object_add(o, kind, body);
	return json_object_array_add(list, o) ? pf_fail(-ENOMEM, "out of memory") : 0;
}

static struct json_object *key_body(const char *key)
{
	struct json_object *b = json_object_new_object();

	if (b)
		json_object_object_add(b, "key", b64_str(key, strlen(key)));
	return b;
}

int pf_etcd_txn_put(struct pf_etcd_txn *t, const char *key, const void *v, size_t len,
		    int64_t lease)
{
	struct json_object *b = key_body(key);

	if (b) {
		json_object_object_add(b, "value", b64_str(v, len));
		if (lease)
			json_object_object_add(b, "lease", pf_etcd_i64_new(lease));
	}
	return op(t->success, "request_put", b);
}

int pf_etcd_txn_del(struct pf_etcd_txn *t, const char *key)
{
	return op(t->success, "request_delete_range", key_body(key));
}

int pf_etcd_txn_get_on_failure(struct pf_etcd_txn *t, const char *key)
{
	return op(t->failure, "request_range", key_body(key));
}

int pf_etcd_txn_read(struct pf_etcd_txn *t, const char *key, bool prefix)
{
	struct json_object *b = key_body(key);
	char *end = prefix ? pf_etcd_prefix_end(key) : NULL;

	if (prefix && !end) {
		json_object_put(b);
		return pf_fail(-EINVAL, "etcd prefix \"%s\" has no end", key);
	}
	if (b && end)
		json_object_object_add(b, "range_end", b64_str(end, strlen(end)));
	free(end);
	return op(t->success, "request_range", b);
}

/* The kvs of every range answer among a txn's responses. */
static int collect(struct json_object *resp, struct pf_etcd_kvs *out)
{
	struct json_object *list, *r, *kvs;

	if (!json_object_object_get_ex(resp, "responses", &list))
		return 0;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(list, i), "response_range",
					       &r) ||
		    !json_object_object_get_ex(r, "kvs", &kvs))
			continue;
		for (size_t j = 0; j < json_object_array_length(kvs); j++) {
			int err = pf_etcd_kvs_add(out, json_object_array_get_idx(kvs, j));

			if (err)
				return err;
		}
	}
	return 0;
}

int pf_etcd_txn_commit(struct pf_etcd *e, struct pf_etcd_txn *t, bool *ok, int64_t *rev,
		       struct pf_etcd_kvs *reads)
{
	struct json_object *req = json_object_new_object(), *resp, *s, *h;
	int64_t revision;
	int err;

	if (reads)
		memset(reads, 0, sizeof(*reads));
	if (!req)
		return pf_fail(-ENOMEM, "out of memory");
	json_object_object_add(req, "compare", json_object_get(t->compare));
	json_object_object_add(req, "success", json_object_get(t->success));
	json_object_object_add(req, "failure", json_object_get(t->failure));
	err = pf_etcd_call(e, "/v3/kv/txn", req, &resp);
	json_object_put(req);
	if (err)
		return err;
	*ok = json_object_object_get_ex(resp, "succeeded", &s) && json_object_get_boolean(s);
	revision = json_object_object_get_ex(resp, "header", &h) ? pf_etcd_i64(h, "revision") : 0;
	if (rev)
		*rev = revision;
	if (reads) {
		reads->revision = revision;
		err = collect(resp, reads);
	}
	json_object_put(resp);
	return err;
}
