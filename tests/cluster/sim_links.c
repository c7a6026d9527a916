// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The simulation's view of the links and their ledgers; see sim_links.h. */
#include "tests/cluster/sim_links.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/error.h"

#define PAGE 5000 /* keys per range request: 300k entries in one answer is too big */

/* Calls fn on every key under dir, PAGE keys per request, at one revision. */
static int scan(struct pf_etcd *e, const char *dir, struct sim_links *s,
		int (*fn)(struct sim_links *, const struct pf_etcd_kv *))
{
	char from[PF_CL_KEY_MAX] = "";
	int64_t rev = 0;
	int err = 0;

	for (bool more = true; more && !err;) {
		struct pf_etcd_kvs k;

		err = pf_etcd_range(e, dir, from[0] ? from : NULL, PAGE, rev, &k);
		if (err)
			break;
		rev = k.revision;
		/* from is inclusive: every page after the first repeats its key */
		for (size_t i = from[0] ? 1 : 0; !err && i < k.n; i++)
			err = fn(s, &k.kv[i]);
		more = k.more && k.n > 1;
		if (k.n)
			snprintf(from, sizeof(from), "%s", k.kv[k.n - 1].key);
		pf_etcd_kvs_free(&k);
	}
	return err;
}

static int add_link(struct sim_links *s, const struct pf_etcd_kv *kv)
{
	struct json_object *o = json_tokener_parse(kv->value), *v;
	struct sim_link *l;
	void *p = realloc(s->l, (s->n + 1) * sizeof(*s->l));

	if (!p) {
		json_object_put(o);
		return pf_fail(-ENOMEM, "out of memory");
	}
	s->l = p;
	l = memset(&s->l[s->n], 0, sizeof(*l));
	if (!o || !json_object_object_get_ex(o, "reservable_bps", &v)) {
		json_object_put(o);
		return pf_fail(-EPROTO, "link key %s: no reservable_bps", kv->key);
	}
	l->reservable = (uint64_t)json_object_get_int64(v);
	json_object_put(o);
	snprintf(l->name, sizeof(l->name), "%s", pf_cl_key_last(kv->key));
	s->n++;
	return 0;
}

/* A ledger key P/ledger/LINK/RESV: LINK is the element before the last. */
static int add_entry(struct sim_links *s, const struct pf_etcd_kv *kv)
{
	const char *last = pf_cl_key_last(kv->key), *start = last - 1;
	char name[PF_CL_NAME_MAX];
	struct sim_link *l;

	while (start > kv->key && start[-1] != '/')
		start--;
	snprintf(name, sizeof(name), "%.*s", (int)(last - 1 - start), start);
	s->entries++;
	l = sim_links_find(s, name);
	if (!l) {
		s->orphans++;
		return 0;
	}
	l->reserved += strtoull(kv->value, NULL, 10);
	l->entries++;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct sim_link *)a)->name, ((const struct sim_link *)b)->name);
}

int sim_links_load(struct pf_etcd *e, const char *prefix, struct sim_links *s)
{
	char dir[PF_CL_KEY_MAX];
	int err;

	memset(s, 0, sizeof(*s));
	err = pf_cl_key_dir(dir, prefix, "topo/links") ?: scan(e, dir, s, add_link);
	if (!err)
		qsort(s->l, s->n, sizeof(*s->l), cmp_name);
	return err ?: pf_cl_key_dir(dir, prefix, "ledger") ?: scan(e, dir, s, add_entry);
}

void sim_links_free(struct sim_links *s)
{
	free(s->l);
	memset(s, 0, sizeof(*s));
}

struct sim_link *sim_links_find(const struct sim_links *s, const char *name)
{
	struct sim_link key;

	snprintf(key.name, sizeof(key.name), "%s", name);
	return s->n ? bsearch(&key, s->l, s->n, sizeof(*s->l), cmp_name) : NULL;
}

size_t sim_links_oversold(const struct sim_links *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->l[i].reserved > s->l[i].reservable;
	return n;
}
