// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Test and bench driver of cluster enforcement (docs/CLUSTER.md,
 * "Enforcement nodes"): it plays the broker that sold a reservation. Each
 * grant is admitted with pf_cl_admit() under a lease of TTL_S, as a
 * "granted" record (userspace/cluster/resv_record.h) whose hops are HOPS
 * (NODE:IFNAME, comma-separated, a->b then back); the links admitted on are
 * the distinct hops. etcd is PF_ETCD_ENDPOINTS. Every command prints one
 * JSON line (stream: one per grant too).
 *
 *   cluster_grant grant PREFIX NAME A B RATE_BPS TTL_S HOPS [one-way]
 *       {"result":"granted","revision":N,"lease":N} or {"result":"error",...}
 *   cluster_grant stream PREFIX NAME COUNT RATE_BPS TTL_S HOPS PACE_MS
 *       COUNT grants NAME-i for the pairs 10.201.i/250.i%250+1 <->
 *       10.202.(same), one every PACE_MS: {"i":i,"result":...} each, then
 *       {"granted":N,"errors":N}
 *   cluster_grant latency PREFIX NAME COUNT RATE_BPS TTL_S HOPS PIN_ROOT
 *       COUNT grants as stream, each timed from its commit until the node
 *       whose maps are pinned at PIN_ROOT has its entry (its cluster id);
 *       each is revoked after: {"n":N,"missing":N,"p50_ms":X,"p99_ms":X,
 *       "max_ms":X}
 *   cluster_grant revoke PREFIX NAME
 *       revokes NAME's lease: the record and its ledger entries go
 *   cluster_grant check PREFIX NODE PIN_ROOT
 *       compares etcd with NODE's maps: the granted records with a hop on
 *       NODE that have not ended, and the cluster entries in the maps:
 *       {"etcd":N,"maps":N,"missing":N,"stale":N,"hops":{"IFNAME":N,...}}
 *       (missing: records without their entry; stale: entries of no record)
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "userspace/cluster/resv_id.h"
#include "userspace/cluster/resv_record.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"
#include "userspace/dataplane/resv.h"

struct sale {
	const char *prefix;
	struct pf_cl_resv rec;
	int64_t ttl;
};

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int parse_hops(struct pf_cl_resv *rec, const char *list)
{
	char buf[PF_CL_MAX_PATH * PF_CL_NAME_MAX], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	rec->n_hops = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (rec->n_hops == PF_CL_MAX_PATH)
			return pf_fail(-E2BIG, "more than %d hops", PF_CL_MAX_PATH);
		snprintf(rec->hops[rec->n_hops++], PF_CL_NAME_MAX, "%s", t);
	}
	return 0;
}

/* The distinct hops: a link crossed both ways is charged once per direction. */
static void links_of(const struct pf_cl_resv *rec, struct pf_cl_admit *a)
{
	a->n_links = 0;
	for (int i = 0; i < rec->n_hops; i++) {
		bool seen = false;

		for (int k = 0; k < a->n_links; k++)
			seen |= !strcmp(a->links[k], rec->hops[i]);
		if (!seen)
			a->links[a->n_links++] = rec->hops[i];
	}
}

/* One granted record NAME under a fresh lease; nothing stays on failure. */
static int sell(struct pf_etcd *e, struct sale *s, const char *name, int64_t *rev)
{
	struct pf_cl_admit a = {.prefix = s->prefix, .resv = name, .rate_bps = s->rec.rate_bps};
	struct pf_cl_admit_result r = {0};
	char *value = NULL;
	int err;

	s->rec.start = time(NULL);
	s->rec.end = s->rec.start + s->ttl;
	links_of(&s->rec, &a);
	err = pf_cl_resv_encode(&s->rec, &value) ?: pf_etcd_lease_grant(e, s->ttl, &a.lease);
	a.value = value;
	if (!err)
		err = pf_cl_admit(e, &a, &r);
	if (err && a.lease)
		pf_etcd_lease_revoke(e, a.lease);
	free(value);
	free(r.existing);
	*rev = r.revision;
	return err;
}

static int revoke_lease(struct pf_etcd *e, const char *prefix, const char *name)
{
	struct pf_etcd_kvs k = {0};
	char key[PF_CL_KEY_MAX];
	int err = pf_cl_key_resv(key, prefix, name) ?: pf_etcd_get(e, key, &k);

	if (!err)
		err = k.n && k.kv[0].lease ? pf_etcd_lease_revoke(e, k.kv[0].lease)
					   : pf_fail(-ENOENT, "%s has no lease", key);
	pf_etcd_kvs_free(&k);
	return err;
}

static void nth_pair(struct pf_cl_resv *rec, int i)
{
	snprintf(rec->a, sizeof(rec->a), "10.201.%d.%d", i / 250, i % 250 + 1);
	snprintf(rec->b, sizeof(rec->b), "10.202.%d.%d", i / 250, i % 250 + 1);
}

static int result_line(const char *tag, int err, int64_t rev)
{
	if (err)
		printf("{%s\"result\":\"error\",\"error\":\"%s\"}\n", tag, pf_last_error());
	else
		printf("{%s\"result\":\"granted\",\"revision\":%" PRId64 "}\n", tag, rev);
	fflush(stdout);
	return err ? 1 : 0;
}

static int stream(struct pf_etcd *e, struct sale *s, const char *name, int count, int pace_ms)
{
	int granted = 0, errors = 0;

	for (int i = 0; i < count; i++) {
		char resv[PF_CL_NAME_MAX], tag[32];
		int64_t rev = 0;
		int err;

		snprintf(resv, sizeof(resv), "%s-%d", name, i);
		snprintf(tag, sizeof(tag), "\"i\":%d,", i);
		nth_pair(&s->rec, i);
		err = sell(e, s, resv, &rev);
		if (result_line(tag, err, rev))
			errors++;
		else
			granted++;
		usleep(pace_ms * 1000);
	}
	printf("{\"granted\":%d,\"errors\":%d}\n", granted, errors);
	return errors ? 1 : 0;
}

/* Waits (at most 5 s) for the entry of NAME in the maps; ms, or -1. */
static double until_enforced(const struct pf_maps *m, const struct pf_cl_resv *rec,
			     const char *name, double t0)
{
	struct pf_key key;
	struct pf_resv cur;
	const char *bad;

	if (pf_key_parse(&key, rec->a, rec->b, &bad))
		return -1;
	while (mono_ms() - t0 < 5000) {
		if (!pf_resv_lookup(m, &key, &cur) && cur.resv_id == pf_cl_resv_id(name))
			return mono_ms() - t0;
		usleep(200);
	}
	return -1;
}

static int cmp_ms(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int latency(struct pf_etcd *e, struct sale *s, const char *name, int count,
		   const char *pin_root)
{
	double *ms = calloc(count + 1, sizeof(*ms));
	struct pf_maps m;
	int n = 0, missing = 0;

	if (!ms || pf_maps_open(&m, pin_root)) {
		free(ms);
		return result_line("", pf_fail(-ENOENT, "cannot open the maps at %s", pin_root), 0);
	}
	for (int i = 0; i < count; i++) {
		char resv[PF_CL_NAME_MAX];
		int64_t rev;
		double t;

		snprintf(resv, sizeof(resv), "%s-%d", name, i);
		nth_pair(&s->rec, i);
		if (sell(e, s, resv, &rev)) {
			missing++;
			continue;
		}
		t = until_enforced(&m, &s->rec, resv, mono_ms());
		if (t < 0)
			missing++;
		else
			ms[n++] = t;
		revoke_lease(e, s->prefix, resv);
	}
	pf_maps_close(&m);
	qsort(ms, n, sizeof(*ms), cmp_ms);
	printf("{\"n\":%d,\"missing\":%d,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f}\n", n,
	       missing, n ? ms[n / 2] : 0, n ? ms[(int)(n * 0.99 - 0.01)] : 0, n ? ms[n - 1] : 0);
	free(ms);
	return missing ? 1 : 0;
}

struct check {
	uint64_t *ids;
	size_t n;
	int maps, stale;
};

static int note_entry(const struct pf_key *key, const struct pf_resv *r, void *ctx)
{
	struct check *c = ctx;
	bool known = false;

	(void)key;
	if (!pf_cl_resv_id_is(r->resv_id))
		return 0;
	c->maps++;
	for (size_t i = 0; i < c->n; i++)
		known |= c->ids[i] == r->resv_id;
	c->stale += !known;
	return 0;
}

/* Counts rec's hops on node into the JSON object hops (by IFNAME). */
static void count_hops(const struct pf_cl_resv *rec, const char *node, struct json_object *hops)
{
	char n[PF_CL_NAME_MAX], ifname[PF_CL_NAME_MAX];
	struct json_object *v;

	for (int i = 0; i < rec->n_hops; i++) {
		if (pf_cl_hop_split(rec->hops[i], n, ifname) || strcmp(n, node))
			continue;
		v = json_object_object_get(hops, ifname);
		json_object_object_add(hops, ifname,
				       json_object_new_int(v ? json_object_get_int(v) + 1 : 1));
	}
}

/* One record of the list: counted when NODE enforces it now. */
static bool enforced_on(const struct pf_etcd_kv *kv, const char *node, struct pf_cl_resv *rec)
{
	char n[PF_CL_NAME_MAX], ifname[PF_CL_NAME_MAX];
	bool mine = false;

	if (pf_cl_resv_decode(kv->value, rec) || rec->state != PF_CL_GRANTED ||
	    rec->end <= time(NULL))
		return false;
	for (int i = 0; i < rec->n_hops; i++)
		mine |= !pf_cl_hop_split(rec->hops[i], n, ifname) && !strcmp(n, node);
	return mine;
}

static int check(struct pf_etcd *e, const char *prefix, const char *node, const char *pin_root)
{
	struct json_object *hops = json_object_new_object();
	struct pf_etcd_kvs k = {0};
	struct check c = {0};
	char dir[PF_CL_KEY_MAX];
	struct pf_maps m;
	int missing = 0, err;

	err = pf_cl_key_dir(dir, prefix, "resv") ?: pf_etcd_range(e, dir, NULL, 0, 0, &k)
		  ?: pf_maps_open(&m, pin_root);
	c.ids = calloc(k.n + 1, sizeof(*c.ids));
	for (size_t i = 0; !err && i < k.n; i++) {
		struct pf_cl_resv rec;
		struct pf_resv cur;
		struct pf_key key;
		const char *bad;

		if (!enforced_on(&k.kv[i], node, &rec))
			continue;
		c.ids[c.n++] = pf_cl_resv_id(pf_cl_key_last(k.kv[i].key));
		count_hops(&rec, node, hops);
		missing += pf_key_parse(&key, rec.a, rec.b, &bad) ||
			   pf_resv_lookup(&m, &key, &cur) || cur.resv_id != c.ids[c.n - 1];
	}
	if (!err) {
		pf_resv_foreach(&m, note_entry, &c);
		pf_maps_close(&m);
		printf("{\"etcd\":%zu,\"maps\":%d,\"missing\":%d,\"stale\":%d,\"hops\":%s}\n", c.n,
		       c.maps, missing, c.stale, json_object_to_json_string(hops));
	}
	free(c.ids);
	pf_etcd_kvs_free(&k);
	json_object_put(hops);
	return err ? result_line("", err, 0) : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of tests/cluster/cluster_grant.c\n");
	return 2;
}

/* The record's fields common to every command: RATE_BPS TTL_S HOPS at argv. */
static int sale_init(struct sale *s, const char *prefix, char **argv)
{
	memset(s, 0, sizeof(*s));
	s->prefix = prefix;
	s->rec.state = PF_CL_GRANTED;
	s->rec.rate_bps = strtoull(argv[0], NULL, 10);
	s->rec.level = 1;
	s->ttl = strtoll(argv[1], NULL, 10);
	snprintf(s->rec.broker, sizeof(s->rec.broker), "cluster_grant");
	return parse_hops(&s->rec, argv[2]);
}

static int run(struct pf_etcd *e, int argc, char **argv)
{
	struct sale s;
	int64_t rev = 0;
	int err;

	if (!strcmp(argv[1], "check") && argc == 5)
		return check(e, argv[2], argv[3], argv[4]);
	if (!strcmp(argv[1], "revoke") && argc == 4)
		return result_line("", revoke_lease(e, argv[2], argv[3]), 0);
	if (!strcmp(argv[1], "grant") && (argc == 9 || argc == 10)) {
		if (sale_init(&s, argv[2], argv + 6))
			return result_line("", -EINVAL, 0);
		snprintf(s.rec.a, sizeof(s.rec.a), "%s", argv[4]);
		snprintf(s.rec.b, sizeof(s.rec.b), "%s", argv[5]);
		s.rec.one_way = argc == 10 && !strcmp(argv[9], "one-way");
		err = sell(e, &s, argv[3], &rev);
		return result_line("", err, rev);
	}
	if ((!strcmp(argv[1], "stream") || !strcmp(argv[1], "latency")) && argc == 9) {
		if (sale_init(&s, argv[2], argv + 5))
			return result_line("", -EINVAL, 0);
		return !strcmp(argv[1], "stream")
			   ? stream(e, &s, argv[3], atoi(argv[4]), atoi(argv[8]))
			   : latency(e, &s, argv[3], atoi(argv[4]), argv[8]);
	}
	return usage();
}

int main(int argc, char **argv)
{
	const char *eps = getenv("PF_ETCD_ENDPOINTS");
	struct pf_etcd *e;
	int rc;

	if (argc < 2 || !eps)
		return usage();
	e = pf_etcd_new(eps, NULL, 2000);
	if (!e) {
		fprintf(stderr, "%s\n", pf_last_error());
		return 1;
	}
	rc = run(e, argc, argv);
	pf_etcd_free(e);
	return rc;
}
