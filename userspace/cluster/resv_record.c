// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The reservation record under P/resv/RESV; see resv_record.h. */
#include "userspace/cluster/resv_record.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/error.h"

static const char *const state_names[] = {[PF_CL_HOLD] = "hold", [PF_CL_GRANTED] = "granted"};

/* Both addresses parse, in one family, and differ. */
static int check_pair(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int fa = strchr(a, ':') ? AF_INET6 : AF_INET, fb = strchr(b, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(fa, a, x) != 1)
		return pf_fail(-EINVAL, "record: \"a\" is not an IP address: \"%s\"", a);
	if (inet_pton(fb, b, y) != 1)
		return pf_fail(-EINVAL, "record: \"b\" is not an IP address: \"%s\"", b);
	if (fa != fb)
		return pf_fail(-EINVAL, "record: \"a\" %s and \"b\" %s are not one family", a, b);
	if (!memcmp(x, y, fa == AF_INET ? 4 : 16))
		return pf_fail(-EINVAL, "record: \"a\" and \"b\" are the same address %s", a);
	return 0;
}

/* Everything but the JSON syntax: the same checks for encode and decode. */
static int check_record(const struct pf_cl_resv *r)
{
	int err = check_pair(r->a, r->b);

	if (err)
		return err;
	if (r->state != PF_CL_HOLD && r->state != PF_CL_GRANTED)
		return pf_fail(-EINVAL, "record: \"state\" %d is not hold or granted", r->state);
	if (!r->rate_bps)
		return pf_fail(-EINVAL, "record: \"rate_bps\" is 0");
	if (r->level < 1)
		return pf_fail(-EINVAL, "record: \"level\" %d is below 1", r->level);
	if (r->start < 0 || r->end <= r->start)
		return pf_fail(-EINVAL, "record: \"end\" %lld is not after \"start\" %lld",
			       (long long)r->end, (long long)r->start);
	if (r->n_hops < 1 || r->n_hops > PF_CL_MAX_PATH)
		return pf_fail(-EINVAL, "record: %d \"hops\" (1 to %d)", r->n_hops, PF_CL_MAX_PATH);
	for (int i = 0; i < r->n_hops; i++) {
		char node[PF_CL_NAME_MAX], ifname[PF_CL_NAME_MAX];

		if ((err = pf_cl_check_name("record hop", r->hops[i])) ||
		    (err = pf_cl_hop_split(r->hops[i], node, ifname)))
			return err;
	}
	if ((err = pf_cl_check_name("record \"broker\"", r->broker)))
		return err;
	return r->tx[0] ? pf_cl_check_tx(r->tx) : 0;
}

int pf_cl_hop_split(const char *hop, char *node, char *ifname)
{
	const char *colon = strchr(hop, ':');
	size_t n = colon ? (size_t)(colon - hop) : 0;

	if (!colon || !n || !colon[1] || n >= PF_CL_NAME_MAX || strlen(colon + 1) >= PF_CL_NAME_MAX)
		return pf_fail(-EINVAL, "hop \"%s\": not NODE:IFNAME", hop);
	memcpy(node, hop, n);
	node[n] = '\0';
	strcpy(ifname, colon + 1);
	return 0;
}

static int add(struct json_object *o, const char *key, struct json_object *v)
{
	return v && !json_object_object_add(o, key, v) ? 0 : -ENOMEM;
}

int pf_cl_resv_encode(const struct pf_cl_resv *r, char **out)
{
	struct json_object *o, *hops;
	int err = check_record(r);

	if (err)
		return err;
	o = json_object_new_object();
	hops = json_object_new_array();
	if (!o || !hops) {
		json_object_put(o);
		json_object_put(hops);
		return pf_fail(-ENOMEM, "out of memory");
	}
	for (int i = 0; i < r->n_hops && !err; i++)
		err = json_object_array_add(hops, json_object_new_string(r->hops[i])) ? -ENOMEM : 0;
	if (err)
		json_object_put(hops);
	if (err || add(o, "v", json_object_new_int(PF_CL_RESV_VERSION)) ||
	    add(o, "state", json_object_new_string(state_names[r->state])) ||
	    add(o, "a", json_object_new_string(r->a)) ||
	    add(o, "b", json_object_new_string(r->b)) ||
	    add(o, "one_way", json_object_new_boolean(r->one_way)) ||
	    add(o, "rate_bps", json_object_new_uint64(r->rate_bps)) ||
	    add(o, "level", json_object_new_int(r->level)) ||
	    add(o, "start", json_object_new_int64(r->start)) ||
	    add(o, "end", json_object_new_int64(r->end)) || add(o, "hops", hops) ||
	    add(o, "broker", json_object_new_string(r->broker)) ||
	    add(o, "tx", json_object_new_string(r->tx))) {
		json_object_put(o);
		return pf_fail(-ENOMEM, "out of memory");
	}
	*out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return *out ? 0 : pf_fail(-ENOMEM, "out of memory");
}

/* The field `key` of o, of type t; -EINVAL naming it when absent or not t. */
static int field(struct json_object *o, const char *key, json_type t, struct json_object **v)
{
	if (!json_object_object_get_ex(o, key, v))
		return pf_fail(-EINVAL, "record: no \"%s\"", key);
	if (!json_object_is_type(*v, t))
		return pf_fail(-EINVAL, "record: \"%s\" is not a %s", key, json_type_to_name(t));
	return 0;
}

static int string_field(struct json_object *o, const char *key, char *dst, size_t size)
{
	struct json_object *v;
	int err = field(o, key, json_type_string, &v);

	if (err)
		return err;
	if ((size_t)json_object_get_string_len(v) >= size)
		return pf_fail(-EINVAL, "record: \"%s\" is longer than %zu", key, size - 1);
	strcpy(dst, json_object_get_string(v));
	return 0;
}

static int int_field(struct json_object *o, const char *key, int64_t *dst)
{
	struct json_object *v;
	int err = field(o, key, json_type_int, &v);

	if (err)
		return err;
	errno = 0;
	*dst = json_object_get_int64(v);
	return errno ? pf_fail(-EINVAL, "record: \"%s\" is out of range", key) : 0;
}

static int decode_hops(struct json_object *o, struct pf_cl_resv *r)
{
	struct json_object *hops;
	int err = field(o, "hops", json_type_array, &hops);
	size_t n = err ? 0 : json_object_array_length(hops);

	if (err)
		return err;
	if (n < 1 || n > PF_CL_MAX_PATH)
		return pf_fail(-EINVAL, "record: %zu \"hops\" (1 to %d)", n, PF_CL_MAX_PATH);
	for (size_t i = 0; i < n; i++) {
		struct json_object *h = json_object_array_get_idx(hops, i);

		if (!json_object_is_type(h, json_type_string) ||
		    (size_t)json_object_get_string_len(h) >= PF_CL_NAME_MAX)
			return pf_fail(-EINVAL, "record: hop %zu is not a link name", i + 1);
		strcpy(r->hops[i], json_object_get_string(h));
	}
	r->n_hops = (int)n;
	return 0;
}

static int decode_state(struct json_object *o, struct pf_cl_resv *r)
{
	char s[16];
	int err = string_field(o, "state", s, sizeof(s));

	if (err)
		return err;
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (!strcmp(s, state_names[i])) {
			r->state = (enum pf_cl_resv_state)i;
			return 0;
		}
	return pf_fail(-EINVAL, "record: \"state\" \"%s\" is not hold or granted", s);
}

static int decode_fields(struct json_object *o, struct pf_cl_resv *r)
{
	static const char *const known[] = {"v",     "state", "a",   "b",    "one_way", "rate_bps",
					    "level", "start", "end", "hops", "broker",	"tx"};
	struct json_object *v;
	int64_t ver, rate, level;
	int err;

	json_object_object_foreach(o, key, val)
	{
		size_t i = 0;

		(void)val;
		while (i < sizeof(known) / sizeof(known[0]) && strcmp(key, known[i]))
			i++;
		if (i == sizeof(known) / sizeof(known[0]))
			return pf_fail(-EINVAL, "record: unknown field \"%s\"", key);
	}
	if ((err = int_field(o, "v", &ver)))
		return err;
	if (ver != PF_CL_RESV_VERSION)
		return pf_fail(-EINVAL, "record: version %lld, this node reads %d", (long long)ver,
			       PF_CL_RESV_VERSION);
	if ((err = decode_state(o, r)) || (err = string_field(o, "a", r->a, sizeof(r->a))) ||
	    (err = string_field(o, "b", r->b, sizeof(r->b))) ||
	    (err = field(o, "one_way", json_type_boolean, &v)))
		return err;
	r->one_way = json_object_get_boolean(v);
	if ((err = int_field(o, "rate_bps", &rate)) || (err = int_field(o, "level", &level)) ||
	    (err = int_field(o, "start", &r->start)) || (err = int_field(o, "end", &r->end)) ||
	    (err = decode_hops(o, r)) ||
	    (err = string_field(o, "broker", r->broker, sizeof(r->broker))) ||
	    (err = string_field(o, "tx", r->tx, sizeof(r->tx))))
		return err;
	if (rate <= 0 || level < 1 || level > 1000)
		return pf_fail(-EINVAL, "record: \"%s\" is out of range",
			       rate <= 0 ? "rate_bps" : "level");
	r->rate_bps = (uint64_t)rate;
	r->level = (int)level;
	return check_record(r);
}

int pf_cl_resv_decode(const char *json, struct pf_cl_resv *r)
{
	struct json_object *o = json_tokener_parse(json);
	int err;

	memset(r, 0, sizeof(*r));
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return pf_fail(-EINVAL, "record: not a JSON object");
	}
	err = decode_fields(o, r);
	json_object_put(o);
	return err;
}
