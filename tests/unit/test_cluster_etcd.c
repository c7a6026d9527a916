// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The etcd JSON-gateway client against a real three-member cluster. */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/unit/etcd_fixture.h"
#include "tests/unit/unit.h"
#include "userspace/cluster/etcd.h"
#include "userspace/cluster/etcd_txn.h"
#include "userspace/cluster/etcd_watch.h"
#include "userspace/common/error.h"

static const char *endpoints;

static struct pf_etcd *client(void)
{
	struct pf_etcd *e = pf_etcd_new(endpoints, NULL, 2000);

	if (!e)
		fprintf(stderr, "  etcd: %s\n", pf_last_error());
	return e;
}

static void test_bad_endpoints(void)
{
	CHECK(!pf_etcd_new("", NULL, 0));
	CHECK(strstr(pf_last_error(), "no etcd endpoint"));
	CHECK(!pf_etcd_new("127.0.0.1:2379", NULL, 0));
	CHECK(strstr(pf_last_error(), "\"127.0.0.1:2379\": not an http(s) URL"));
}

static void test_put_get_range_delete(void)
{
	struct pf_etcd *e = client();
	struct pf_etcd_kvs k;
	int64_t r1, r2, n = -1, del = 0;

	CHECK_EQ(pf_etcd_put(e, "/t/kv/a", "one", 3, 0, &r1), 0);
	CHECK_EQ(pf_etcd_put(e, "/t/kv/b", "two\0x", 5, 0, &r2), 0);
	CHECK(r2 > r1);
	CHECK_EQ(pf_etcd_get(e, "/t/kv/b", &k), 0);
	CHECK_EQ(k.n, 1);
	CHECK_EQ(k.kv[0].value_len, 5);
	CHECK(!memcmp(k.kv[0].value, "two\0x", 5));
	CHECK_EQ(k.kv[0].mod_rev, r2);
	CHECK_EQ(k.kv[0].create_rev, r2);
	pf_etcd_kvs_free(&k);
	CHECK_EQ(pf_etcd_get(e, "/t/kv/none", &k), -ENOENT);
	CHECK(k.revision >= r2);
	pf_etcd_kvs_free(&k);
	/* A range is in key order and stops at the prefix's end. */
	CHECK_EQ(pf_etcd_put(e, "/t/kw", "out", 3, 0, NULL), 0);
	CHECK_EQ(pf_etcd_range(e, "/t/kv/", NULL, 0, 0, &k), 0);
	CHECK_EQ(k.n, 2);
	CHECK_STR(k.kv[0].key, "/t/kv/a");
	CHECK_STR(k.kv[1].key, "/t/kv/b");
	pf_etcd_kvs_free(&k);
	/* Paging: a limit of one says there is more. */
	CHECK_EQ(pf_etcd_range(e, "/t/kv/", NULL, 1, 0, &k), 0);
	CHECK_EQ(k.n, 1);
	CHECK(k.more);
	CHECK_EQ(k.count, 2);
	pf_etcd_kvs_free(&k);
	CHECK_EQ(pf_etcd_count(e, "/t/kv/", &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(pf_etcd_delete(e, "/t/kv/", true, &del), 0);
	CHECK_EQ(del, 2);
	CHECK_EQ(pf_etcd_count(e, "/t/kv/", &n), 0);
	CHECK_EQ(n, 0);
	pf_etcd_free(e);
}

static void test_lease(void)
{
	struct pf_etcd *e = client();
	struct pf_etcd_kvs k;
	int64_t id = 0, ttl = 0, n = -1;

	CHECK_EQ(pf_etcd_lease_grant(e, 0, &id), -EINVAL);
	CHECK_EQ(pf_etcd_lease_grant(e, 30, &id), 0);
	CHECK_EQ(pf_etcd_put(e, "/t/lease/x", "v", 1, id, NULL), 0);
	CHECK_EQ(pf_etcd_get(e, "/t/lease/x", &k), 0);
	CHECK_EQ(k.kv[0].lease, id);
	pf_etcd_kvs_free(&k);
	CHECK_EQ(pf_etcd_lease_keepalive(e, id, &ttl), 0);
	CHECK(ttl > 25 && ttl <= 30);
	/* Revoking the lease deletes its keys: the lease is the expiry. */
	CHECK_EQ(pf_etcd_lease_revoke(e, id), 0);
	CHECK_EQ(pf_etcd_count(e, "/t/lease/", &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(pf_etcd_lease_keepalive(e, id, &ttl), -ENOENT);
	/* And a lease left alone expires with its keys. */
	CHECK_EQ(pf_etcd_lease_grant(e, 2, &id), 0);
	CHECK_EQ(pf_etcd_put(e, "/t/lease/y", "v", 1, id, NULL), 0);
	for (int i = 0; i < 50 && n != 0; i++) { /* at most 5 s */
		usleep(100000);
		CHECK_EQ(pf_etcd_count(e, "/t/lease/", &n), 0);
		if (i == 0)
			CHECK_EQ(n, 1);
	}
	CHECK_EQ(n, 0);
	pf_etcd_free(e);
}

static void test_txn(void)
{
	struct pf_etcd *e = client();
	struct pf_etcd_txn t;
	struct pf_etcd_kvs k, failed;
	int64_t rev, rev2;
	bool ok = false;

	CHECK_EQ(pf_etcd_put(e, "/t/txn/link", "100", 3, 0, &rev), 0);
	/* Compares hold: every put is applied at one revision. */
	CHECK_EQ(pf_etcd_txn_init(&t), 0);
	pf_etcd_txn_cmp_mod(&t, "/t/txn/link", rev);
	pf_etcd_txn_cmp_create(&t, "/t/txn/resv", 0);
	pf_etcd_txn_put(&t, "/t/txn/link", "250", 3, 0);
	pf_etcd_txn_put(&t, "/t/txn/resv", "r", 1, 0);
	CHECK_EQ(pf_etcd_txn_commit(e, &t, &ok, &rev2, NULL), 0);
	CHECK(ok);
	CHECK(rev2 == rev + 1);
	/* The same txn again: the link moved on, nothing is applied, and the
	 * failure branch reads the link's current value. */
	pf_etcd_txn_put(&t, "/t/txn/other", "o", 1, 0);
	pf_etcd_txn_get_on_failure(&t, "/t/txn/link");
	CHECK_EQ(pf_etcd_txn_commit(e, &t, &ok, &rev, &failed), 0);
	CHECK(!ok);
	CHECK_EQ(rev, rev2);
	CHECK_EQ(failed.n, 1);
	CHECK_STR(failed.n ? failed.kv[0].value : NULL, "250");
	pf_etcd_kvs_free(&failed);
	CHECK_EQ(pf_etcd_get(e, "/t/txn/other", &k), -ENOENT);
	pf_etcd_kvs_free(&k);
	pf_etcd_txn_free(&t);
	pf_etcd_free(e);
}

struct seen {
	int n, deletes;
	char keys[64][32];
	int64_t revs[64];
};

static int on_event(void *ctx, const struct pf_etcd_event *ev)
{
	struct seen *s = ctx;

	if (s->n < 64) {
		snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", ev->kv->key);
		s->revs[s->n] = ev->kv->mod_rev;
	}
	s->deletes += ev->type == PF_ETCD_DELETE;
	s->n++;
	return 0;
}

static void poll_until(struct pf_etcd_watch *w, struct seen *s, int want)
{
	for (int i = 0; i < 100 && s->n < want; i++) /* at most ~10 s */
		if (pf_etcd_watch_poll(w, 100, on_event, s) < 0)
			fprintf(stderr, "  watch: %s\n", pf_last_error());
}

static void test_watch_from_revision(void)
{
	struct pf_etcd *e = client();
	struct pf_etcd_watch *w;
	struct seen s = {0};
	int64_t first;

	/* Events written before the watch opens arrive, from its revision. */
	CHECK_EQ(pf_etcd_put(e, "/t/w1/a", "1", 1, 0, &first), 0);
	CHECK_EQ(pf_etcd_put(e, "/t/w1/b", "2", 1, 0, NULL), 0);
	CHECK_EQ(pf_etcd_put(e, "/t/w1x", "outside", 7, 0, NULL), 0);
	CHECK_EQ(pf_etcd_delete(e, "/t/w1/a", false, NULL), 0);
	w = pf_etcd_watch_new(e, "/t/w1/", first);
	poll_until(w, &s, 3);
	CHECK_EQ(s.n, 3);
	CHECK_STR(s.keys[0], "/t/w1/a");
	CHECK_STR(s.keys[1], "/t/w1/b");
	CHECK_STR(s.keys[2], "/t/w1/a");
	CHECK_EQ(s.deletes, 1);
	CHECK_EQ(s.revs[0], first);
	CHECK_EQ(pf_etcd_watch_next_rev(w), s.revs[2] + 1);
	pf_etcd_watch_free(w);
	pf_etcd_free(e);
}

static void test_watch_compacted(void)
{
	struct pf_etcd *e = client();
	struct json_object *req = json_object_new_object(), *resp = NULL;
	struct pf_etcd_watch *w;
	struct seen s = {0};
	int64_t rev, err = 0;

	CHECK_EQ(pf_etcd_put(e, "/t/w2/a", "1", 1, 0, &rev), 0);
	CHECK_EQ(pf_etcd_put(e, "/t/w2/a", "2", 1, 0, &rev), 0);
	json_object_object_add(req, "revision", pf_etcd_i64_new(rev));
	CHECK_EQ(pf_etcd_call(e, "/v3/kv/compaction", req, &resp), 0);
	json_object_put(req);
	json_object_put(resp);
	w = pf_etcd_watch_new(e, "/t/w2/", rev - 1);
	for (int i = 0; i < 50 && err == 0; i++)
		err = pf_etcd_watch_poll(w, 100, on_event, &s);
	CHECK_EQ(err, -ESTALE);
	CHECK(strstr(pf_last_error(), "compacted"));
	/* After a list, the watch restarts from the list's revision + 1. */
	pf_etcd_watch_restart(w, rev + 1);
	CHECK_EQ(pf_etcd_put(e, "/t/w2/b", "3", 1, 0, NULL), 0);
	poll_until(w, &s, 1);
	CHECK_EQ(s.n, 1);
	CHECK_STR(s.keys[0], "/t/w2/b");
	pf_etcd_watch_free(w);
	pf_etcd_free(e);
}

/* Kills the member the watch and the client talk to: the client moves on,
 * the watch resumes on another member, and every event written while it
 * was cut off arrives once, in order. Runs last: it leaves 2 of 3. */
static void test_member_killed(void)
{
	struct pf_etcd *e = client();
	struct pf_etcd_watch *w;
	struct seen s = {0};
	int64_t rev;
	int victim, pid;

	CHECK_EQ(pf_etcd_put(e, "/t/w3/0", "0", 1, 0, &rev), 0);
	victim = pf_etcd_current(e);
	w = pf_etcd_watch_new(e, "/t/w3/", rev);
	poll_until(w, &s, 1);
	CHECK_EQ(s.n, 1);
	pid = etcd_fixture_pid(victim);
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	for (int i = 1; i <= 5; i++) {
		char key[16];

		snprintf(key, sizeof(key), "/t/w3/%d", i);
		if (pf_etcd_put(e, key, "x", 1, 0, NULL))
			fprintf(stderr, "  put %s: %s\n", key, pf_last_error());
	}
	CHECK(pf_etcd_current(e) != victim);
	poll_until(w, &s, 6);
	CHECK_EQ(s.n, 6);
	for (int i = 1; i < 6 && i < s.n; i++)
		CHECK(s.revs[i] == s.revs[i - 1] + 1);
	CHECK_STR(s.keys[5], "/t/w3/5");
	CHECK(pf_etcd_watch_streams(w) >= 2);
	pf_etcd_watch_free(w);
	pf_etcd_free(e);
}

int main(int argc, char **argv)
{
	(void)argc;
	endpoints = etcd_fixture(argv);
	RUN(test_bad_endpoints);
	RUN(test_put_get_range_delete);
	RUN(test_lease);
	RUN(test_txn);
	RUN(test_watch_from_revision);
	RUN(test_watch_compacted);
	RUN(test_member_killed);
	return unit_done();
}
