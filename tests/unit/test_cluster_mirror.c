// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The list + watch mirror (userspace/cluster/mirror.h) against a real
 * three-member etcd: the first sync holds the prefix, changes follow in
 * order, and a watch whose revision was compacted away while its member was
 * cut off ends in a new list (a second sync with what changed meanwhile).
 */
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/unit/etcd_fixture.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_log.h"
#include "userspace/cluster/mirror.h"
#include "userspace/common/error.h"

static const char *endpoints;

/* What the mirror delivered, as text: "sync a,b" or "put k=v" or "del k". */
struct record {
	pthread_mutex_t mu;
	char lines[32][128];
	int n;
};

static void note(struct record *r, const char *fmt, const char *a, const char *b)
{
	pthread_mutex_lock(&r->mu);
	if (r->n < 32)
		snprintf(r->lines[r->n++], sizeof(r->lines[0]), fmt, a, b);
	pthread_mutex_unlock(&r->mu);
}

static void on_sync(void *ctx, const struct pf_etcd_kvs *kvs)
{
	char keys[96] = "";

	for (size_t i = 0; i < kvs->n; i++)
		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%s", i ? "," : "",
			 strrchr(kvs->kv[i].key, '/') + 1);
	note(ctx, "sync %s%s", keys, "");
}

static void on_event(void *ctx, const struct pf_etcd_event *ev)
{
	if (ev->type == PF_ETCD_PUT)
		note(ctx, "put %s=%s", strrchr(ev->kv->key, '/') + 1, ev->kv->value);
	else
		note(ctx, "del %s%s", strrchr(ev->kv->key, '/') + 1, "");
}

static int count(struct record *r)
{
	int n;

	pthread_mutex_lock(&r->mu);
	n = r->n;
	pthread_mutex_unlock(&r->mu);
	return n;
}

static void wait_count(struct record *r, int want)
{
	for (int i = 0; i < 150 && count(r) < want; i++) /* at most 15 s */
		usleep(100000);
}

/* The mirror delivered exactly want, in order. */
static void expect(struct record *r, const char *const *want, int n)
{
	CHECK_EQ(r->n, n);
	for (int i = 0; i < n && i < r->n; i++)
		CHECK_STR(r->lines[i], want[i]);
}

static struct pf_cl_mirror *start(const char *prefix, struct record *r)
{
	struct pf_cluster_conf c = {.timeout_ms = 2000};
	struct pf_cl_mirror_ops ops = {.sync = on_sync, .event = on_event, .log = unit_log};
	struct pf_cl_mirror *m = NULL;

	snprintf(c.endpoints, sizeof(c.endpoints), "%s", endpoints);
	pthread_mutex_init(&r->mu, NULL);
	CHECK_EQ(pf_cl_mirror_start(&m, &c, prefix, &ops, r), 0);
	return m;
}

static void put(struct pf_etcd *e, const char *key, const char *v)
{
	if (pf_etcd_put(e, key, v, strlen(v), 0, NULL))
		fprintf(stderr, "  put %s: %s\n", key, pf_last_error());
}

static void test_sync_then_changes(void)
{
	struct pf_etcd *e = pf_etcd_new(endpoints, NULL, 2000);
	struct record r = {0};
	struct pf_cl_mirror *m;
	int64_t del = 0;

	put(e, "/t/m1/a", "1");
	put(e, "/t/m1/b", "2");
	put(e, "/t/m1x", "not under the prefix");
	m = start("/t/m1/", &r);
	wait_count(&r, 1);
	put(e, "/t/m1/c", "3");
	put(e, "/t/m1/a", "4");
	CHECK_EQ(pf_etcd_delete(e, "/t/m1/b", false, &del), 0);
	wait_count(&r, 4);
	pf_cl_mirror_stop(m);
	expect(&r, (const char *const[]){"sync a,b", "put c=3", "put a=4", "del b"}, 4);
	pf_etcd_free(e);
}

static void compact(struct pf_etcd *e)
{
	struct json_object *req = json_object_new_object(), *resp = NULL;
	struct pf_etcd_kvs k = {0};

	CHECK_EQ(pf_etcd_get(e, "/t/m2/", &k), -ENOENT);
	json_object_object_add(req, "revision", pf_etcd_i64_new(k.revision));
	CHECK_EQ(pf_etcd_call(e, "/v3/kv/compaction", req, &resp), 0);
	json_object_put(req);
	json_object_put(resp);
	pf_etcd_kvs_free(&k);
}

/* The mirror's watch is on member 0 (its first endpoint). Member 0 is
 * stopped, changes are made and compacted on the two others, then member 0
 * dies: the watch's next revision is gone, so the mirror lists again.
 * Runs last: it leaves 2 of 3 members. */
static void test_compacted_lists_again(void)
{
	char others[1024];
	const char *comma = strchr(endpoints, ',');
	struct pf_etcd *e;
	struct record r = {0};
	struct pf_cl_mirror *m;
	int pid = etcd_fixture_pid(0);
	int64_t del = 0;

	CHECK(comma && pid > 0);
	if (!comma || pid <= 0)
		return;
	snprintf(others, sizeof(others), "%s", comma + 1);
	e = pf_etcd_new(others, NULL, 2000);
	put(e, "/t/m2/a", "1");
	put(e, "/t/m2/b", "2");
	m = start("/t/m2/", &r);
	wait_count(&r, 1);
	put(e, "/t/m2/c", "3");
	wait_count(&r, 2); /* the stream is up: it delivered c */
	kill(pid, SIGSTOP);
	put(e, "/t/m2/d", "4");
	CHECK_EQ(pf_etcd_delete(e, "/t/m2/a", false, &del), 0);
	compact(e);
	kill(pid, SIGKILL);
	kill(pid, SIGCONT);
	wait_count(&r, 3);
	pf_cl_mirror_stop(m);
	expect(&r, (const char *const[]){"sync a,b", "put c=3", "sync b,c,d"}, 3);
	CHECK(
	    strstr(unit_logged, "cluster: watch (compacted) of /t/m2/ failed (will list again): "));
	CHECK(strstr(unit_logged, "cluster: /t/m2/ listed again\n"));
	pf_etcd_free(e);
}

int main(int argc, char **argv)
{
	(void)argc;
	endpoints = etcd_fixture(argv);
	RUN(test_sync_then_changes);
	RUN(test_compacted_lists_again);
	return unit_done();
}
