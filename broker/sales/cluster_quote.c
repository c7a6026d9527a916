// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A quote under P/quotes/QUOTE_ID; see cluster_quote.h. */
#include "broker/sales/cluster_quote.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

int pfd_cquote_encode(const struct pf_bquote *q, char **out)
{
	struct json_object *o = json_object_new_object();

	*out = NULL;
	if (o) {
		json_object_object_add(o, "quote_id", json_object_new_string(q->quote_id));
		json_object_object_add(o, "client_key", json_object_new_string(q->client_key));
		json_object_object_add(o, "ip1", json_object_new_string(q->ip1));
		json_object_object_add(o, "ip2", json_object_new_string(q->ip2));
		json_object_object_add(o, "level", json_object_new_uint64(q->level));
		json_object_object_add(o, "rate_bps", json_object_new_uint64(q->rate_bps));
		json_object_object_add(o, "seconds", json_object_new_uint64(q->seconds));
		json_object_object_add(o, "amount", json_object_new_string(q->amount));
		json_object_object_add(o, "expires_at", json_object_new_uint64(q->expires_at));
		json_object_object_add(o, "one_way", json_object_new_boolean(q->one_way));
		if (q->extends[0]) /* an extension's quote: the reservation it extends */
			json_object_object_add(o, "extends", json_object_new_string(q->extends));
		*out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(o);
	return *out ? 0 : pf_fail(-ENOMEM, "out of memory");
}

static int member(const char *id, struct json_object *o, const char *key, json_type t,
		  struct json_object **v)
{
	if (!json_object_object_get_ex(o, key, v) || !json_object_is_type(*v, t))
		return pf_fail(-EINVAL, "cluster quote %s: \"%s\" is missing or of another type",
			       id, key);
	return 0;
}

static int text(const char *id, struct json_object *o, const char *key, char *out, size_t size)
{
	struct json_object *v;
	int err = member(id, o, key, json_type_string, &v);

	if (!err && (size_t)json_object_get_string_len(v) >= size)
		err = pf_fail(-EINVAL, "cluster quote %s: \"%s\" is too long", id, key);
	if (!err)
		strcpy(out, json_object_get_string(v));
	return err;
}

static int number(const char *id, struct json_object *o, const char *key, __u64 *out)
{
	struct json_object *v;
	int err = member(id, o, key, json_type_int, &v);

	if (!err)
		*out = json_object_get_uint64(v);
	return err;
}

static int fields(const char *id, struct json_object *o, struct pf_bquote *q)
{
	struct json_object *v, *x;
	__u64 level;
	__u8 ip[16];
	int err = text(id, o, "quote_id", q->quote_id, sizeof(q->quote_id))
		      ?: text(id, o, "client_key", q->client_key, sizeof(q->client_key))
		      ?: text(id, o, "ip1", q->ip1, sizeof(q->ip1))
		      ?: text(id, o, "ip2", q->ip2, sizeof(q->ip2))
		      ?: text(id, o, "amount", q->amount, sizeof(q->amount))
		      ?: number(id, o, "level", &level) ?: number(id, o, "rate_bps", &q->rate_bps)
		      ?: number(id, o, "seconds", &q->seconds)
		      ?: number(id, o, "expires_at", &q->expires_at)
		      ?: member(id, o, "one_way", json_type_boolean, &v);

	if (!err && json_object_object_get_ex(o, "extends", &x)) /* optional */
		err = text(id, o, "extends", q->extends, sizeof(q->extends));
	if (err)
		return err;
	q->level = (__u32)level;
	q->one_way = json_object_get_boolean(v);
	if (strcmp(q->quote_id, id) || strlen(q->client_key) != 64 || pf_addr_parse(q->ip1, ip) ||
	    pf_addr_parse(q->ip2, ip) || !q->rate_bps || !q->seconds || !q->amount[0])
		return pf_fail(-EINVAL, "cluster quote %s: inconsistent record", id);
	return 0;
}

int pfd_cquote_decode(const char *quote_id, const char *json, struct pf_bquote *q)
{
	struct json_object *o = json_tokener_parse(json);
	int err;

	memset(q, 0, sizeof(*q));
	if (!o || !json_object_is_type(o, json_type_object))
		err = pf_fail(-EINVAL, "cluster quote %s: not a JSON object", quote_id);
	else
		err = fields(quote_id, o, q);
	json_object_put(o);
	return err;
}
