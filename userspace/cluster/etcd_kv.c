// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* etcd's key-value and lease calls over the JSON gateway; see etcd.h. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/cluster/etcd.h"
#include "userspace/common/buf.h"
#include "userspace/common/error.h"

#define B64 sodium_base64_VARIANT_ORIGINAL

char *pf_etcd_b64(const void *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, B64);
	char *s = malloc(len);

	if (s)
		sodium_bin2base64(s, len, p, n, B64);
	return s;
}

char *pf_etcd_unb64(const char *s, size_t *n)
{
	size_t max = strlen(s) / 4 * 3 + 1;
	char *out = malloc(max);

	if (!out)
		return NULL;
	if (sodium_base642bin((unsigned char *)out, max, s, strlen(s), NULL, n, NULL, B64)) {
		free(out);
		return NULL;
	}
	out[*n] = '\0';
	return out;
}

int64_t pf_etcd_i64(struct json_object *o, const char *field)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, field, &v))
		return 0;
	return json_object_is_type(v, json_type_string)
		   ? strtoll(json_object_get_string(v), NULL, 10)
		   : json_object_get_int64(v);
}

struct json_object *pf_etcd_i64_new(int64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRId64, v);
	return json_object_new_string(s);
}

static struct json_object *b64_new(const void *p, size_t n)
{
	char *s = pf_etcd_b64(p, n);
	struct json_object *o = s ? json_object_new_string(s) : NULL;

	free(s);
	return o;
}

char *pf_etcd_prefix_end(const char *prefix)
{
	char *end = strdup(prefix);
	size_t n = end ? strlen(end) : 0;

	while (n && (unsigned char)end[n - 1] == 0xff)
		end[--n] = '\0';
	if (!n) {
		free(end);
		return NULL;
	}
	end[n - 1]++;
	return end;
}

void pf_etcd_kvs_free(struct pf_etcd_kvs *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->kv[i].key);
		free(k->kv[i].value);
	}
	free(k->kv);
	memset(k, 0, sizeof(*k));
}

int pf_etcd_kvs_add(struct pf_etcd_kvs *k, struct json_object *o)
{
	struct json_object *key, *val;
	struct pf_etcd_kv *kv;
	struct pf_etcd_kv *grown = pf_grow(k->kv, &k->cap, k->n + 1, sizeof(*k->kv));
	size_t klen;

	if (!grown)
		return pf_fail(-ENOMEM, "out of memory");
	k->kv = grown;
	kv = memset(&k->kv[k->n], 0, sizeof(*kv));
	if (!json_object_object_get_ex(o, "key", &key))
		return pf_fail(-EPROTO, "etcd sent a kv without a key");
	kv->key = pf_etcd_unb64(json_object_get_string(key), &klen);
	kv->value = json_object_object_get_ex(o, "value", &val)
			? pf_etcd_unb64(json_object_get_string(val), &kv->value_len)
			: strdup("");
	if (!kv->key || !kv->value) {
		free(kv->key);
		free(kv->value);
		return pf_fail(-EPROTO, "etcd sent a kv that is not base64");
	}
	kv->create_rev = pf_etcd_i64(o, "create_revision");
	kv->mod_rev = pf_etcd_i64(o, "mod_revision");
	kv->version = pf_etcd_i64(o, "version");
	kv->lease = pf_etcd_i64(o, "lease");
	k->n++;
	return 0;
}

static int header_revision(struct json_object *resp, int64_t *rev)
{
	struct json_object *h;

	if (rev)
		*rev =
		    json_object_object_get_ex(resp, "header", &h) ? pf_etcd_i64(h, "revision") : 0;
	return 0;
}

/* Adds "key" (and "range_end" for a prefix) to a request. */
static int add_range(struct json_object *req, const char *key, bool prefix)
{
	char *end = prefix ? pf_etcd_prefix_end(key) : NULL;

	if (prefix && !end)
		return pf_fail(-EINVAL, "etcd prefix \"%s\" has no end", key);
	json_object_object_add(req, "key", b64_new(key, strlen(key)));
	if (end)
		json_object_object_add(req, "range_end", b64_new(end, strlen(end)));
	free(end);
	return 0;
}

static int do_range(struct pf_etcd *e, struct json_object *req, struct pf_etcd_kvs *out)
{
	struct json_object *resp, *kvs, *more;
	int err = pf_etcd_call(e, "/v3/kv/range", req, &resp);

	json_object_put(req);
	if (err)
		return err;
	header_revision(resp, &out->revision);
	out->count = pf_etcd_i64(resp, "count");
	out->more = json_object_object_get_ex(resp, "more", &more) && json_object_get_boolean(more);
	if (json_object_object_get_ex(resp, "kvs", &kvs))
		for (size_t i = 0; !err && i < json_object_array_length(kvs); i++)
			err = pf_etcd_kvs_add(out, json_object_array_get_idx(kvs, i));
	json_object_put(resp);
	return err;
}

int pf_etcd_get(struct pf_etcd *e, const char *key, struct pf_etcd_kvs *out)
{
	return pf_etcd_get_at(e, key, 0, out);
}

int pf_etcd_get_at(struct pf_etcd *e, const char *key, int64_t rev, struct pf_etcd_kvs *out)
{
	struct json_object *req = json_object_new_object();
	int err;

	memset(out, 0, sizeof(*out));
	add_range(req, key, false);
	if (rev)
		json_object_object_add(req, "revision", pf_etcd_i64_new(rev));
	err = do_range(e, req, out);
	if (!err && !out->n)
		return pf_fail(-ENOENT, "etcd: no key %s", key);
	return err;
}

int pf_etcd_range(struct pf_etcd *e, const char *prefix, const char *from, int64_t limit,
		  int64_t rev, struct pf_etcd_kvs *out)
{
	struct json_object *req = json_object_new_object();
	char *end = pf_etcd_prefix_end(prefix);

	memset(out, 0, sizeof(*out));
	if (!end) {
		json_object_put(req);
		return pf_fail(-EINVAL, "etcd prefix \"%s\" has no end", prefix);
	}
	from = from ? from : prefix;
	json_object_object_add(req, "key", b64_new(from, strlen(from)));
	json_object_object_add(req, "range_end", b64_new(end, strlen(end)));
	free(end);
	if (limit)
		json_object_object_add(req, "limit", pf_etcd_i64_new(limit));
	if (rev)
		json_object_object_add(req, "revision", pf_etcd_i64_new(rev));
	return do_range(e, req, out);
}

int pf_etcd_count(struct pf_etcd *e, const char *prefix, int64_t *count)
{
	struct json_object *req = json_object_new_object();
	struct pf_etcd_kvs out = {0};
	int err = add_range(req, prefix, true);

	if (err) {
		json_object_put(req);
		return err;
	}
	json_object_object_add(req, "count_only", json_object_new_boolean(1));
	err = do_range(e, req, &out);
	*count = out.count;
	pf_etcd_kvs_free(&out);
	return err;
}

int pf_etcd_put(struct pf_etcd *e, const char *key, const void *value, size_t len, int64_t lease,
		int64_t *revision)
{
	struct json_object *req = json_object_new_object(), *resp;
	int err;

	json_object_object_add(req, "key", b64_new(key, strlen(key)));
	json_object_object_add(req, "value", b64_new(value, len));
	if (lease)
		json_object_object_add(req, "lease", pf_etcd_i64_new(lease));
	err = pf_etcd_call(e, "/v3/kv/put", req, &resp);
	json_object_put(req);
	if (!err)
		header_revision(resp, revision);
	json_object_put(resp);
	return err;
}

int pf_etcd_delete(struct pf_etcd *e, const char *key, bool prefix, int64_t *deleted)
{
	struct json_object *req = json_object_new_object(), *resp = NULL;
	int err = add_range(req, key, prefix);

	if (!err)
		err = pf_etcd_call(e, "/v3/kv/deleterange", req, &resp);
	json_object_put(req);
	if (!err && deleted)
		*deleted = pf_etcd_i64(resp, "deleted");
	json_object_put(resp);
	return err;
}

int pf_etcd_lease_grant(struct pf_etcd *e, int64_t ttl_s, int64_t *id)
{
	struct json_object *req = json_object_new_object(), *resp;
	int err;

	if (ttl_s <= 0) {
		json_object_put(req);
		return pf_fail(-EINVAL, "etcd lease: a TTL of %" PRId64 " s", ttl_s);
	}
	json_object_object_add(req, "TTL", pf_etcd_i64_new(ttl_s));
	err = pf_etcd_call(e, "/v3/lease/grant", req, &resp);
	json_object_put(req);
	if (!err)
		*id = pf_etcd_i64(resp, "ID");
	if (!err && !*id)
		err = pf_fail(-EPROTO, "etcd granted a lease without an ID");
	json_object_put(resp);
	return err;
}

/* keepalive is a gRPC stream: the gateway wraps its one answer in "result". */
int pf_etcd_lease_keepalive(struct pf_etcd *e, int64_t id, int64_t *ttl_s)
{
	struct json_object *req = json_object_new_object(), *resp, *res;
	int err;

	json_object_object_add(req, "ID", pf_etcd_i64_new(id));
	err = pf_etcd_call(e, "/v3/lease/keepalive", req, &resp);
	json_object_put(req);
	if (err)
		return err;
	*ttl_s = json_object_object_get_ex(resp, "result", &res) ? pf_etcd_i64(res, "TTL") : 0;
	json_object_put(resp);
	if (*ttl_s <= 0)
		return pf_fail(-ENOENT, "etcd lease %" PRId64 " has expired or was revoked", id);
	return 0;
}

int pf_etcd_lease_revoke(struct pf_etcd *e, int64_t id)
{
	struct json_object *req = json_object_new_object(), *resp;
	int err;

	json_object_object_add(req, "ID", pf_etcd_i64_new(id));
	err = pf_etcd_call(e, "/v3/lease/revoke", req, &resp);
	json_object_put(req);
	json_object_put(resp);
	return err;
}
