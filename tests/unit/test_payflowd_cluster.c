// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Cluster enforcement without etcd or a data plane: which records the feed
 * hands to the loop (granted, with a hop on this node; everything else is a
 * removal), and how a record becomes this node's item (its ports, the
 * direction, its end on the data plane's clock; a hop on a port the node
 * does not have refuses it).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "unit.h"
#include "tests/unit/unit_log.h"
#include "userspace/cluster/resv_id.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"
#include "userspace/dataplane/resv.h"
#include "userspace/payflowd/cluster_enforce.h"
#include "userspace/payflowd/path.h"

static struct pf_cl_resv record(const char *state_hops, enum pf_cl_resv_state st, int64_t end)
{
	struct pf_cl_resv r = {.state = st, .rate_bps = 150000000, .level = 2, .end = end};
	char buf[256], *save = NULL;

	snprintf(r.a, sizeof(r.a), "10.0.0.3");
	snprintf(r.b, sizeof(r.b), "10.0.0.1");
	snprintf(r.broker, sizeof(r.broker), "s9");
	r.start = end - 30;
	snprintf(buf, sizeof(buf), "%s", state_hops);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		snprintf(r.hops[r.n_hops++], PF_CL_NAME_MAX, "%s", t);
	return r;
}

/* A gateway kv of key P/resv/NAME holding rec's JSON (or text when rec is NULL). */
static struct pf_etcd_kv kv_of(const char *name, const struct pf_cl_resv *rec, const char *text)
{
	struct pf_etcd_kv kv = {0};
	char key[PF_CL_KEY_MAX];

	snprintf(key, sizeof(key), "/p/resv/%s", name);
	kv.key = strdup(key);
	if (rec)
		CHECK_EQ(pf_cl_resv_encode(rec, &kv.value), 0);
	else
		kv.value = strdup(text);
	kv.value_len = strlen(kv.value);
	return kv;
}

static void kv_free(struct pf_etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
}

static int take_all(struct pfd_cfeed *f, struct pfd_cfeed_op *out, int max)
{
	struct pfd_cfeed_op *op = pfd_cfeed_take(f);
	int n = 0;

	while (op) {
		struct pfd_cfeed_op *next = op->next;

		if (n < max)
			out[n] = *op;
		n++;
		free(op);
		op = next;
	}
	return n;
}

static void test_feed_keeps_what_this_node_enforces(void)
{
	int64_t end = time(NULL) + 60;
	struct pf_cl_resv mine = record("s1:t12a,s2:p3,s2:t12b,s1:p1", PF_CL_GRANTED, end);
	struct pf_cl_resv other = record("s7:x,s8:y", PF_CL_GRANTED, end);
	struct pf_cl_resv hold = record("s1:t12a,s1:p1", PF_CL_HOLD, end);
	struct pf_etcd_kv kv[4] = {kv_of("r1", &mine, NULL), kv_of("r2", &other, NULL),
				   kv_of("r3", &hold, NULL), kv_of("r4", NULL, "{\"v\": 2}")};
	struct pf_etcd_kvs list = {.kv = kv, .n = 4};
	struct pf_cl_mirror_ops ops = pfd_cfeed_ops(unit_log);
	struct pfd_cfeed f;
	struct pfd_cfeed_op got[8];
	struct pf_etcd_event ev = {.type = PF_ETCD_PUT, .kv = &kv[2]};
	__u64 ready = 0;

	CHECK_EQ(pfd_cfeed_init(&f, "s1", unit_log), 0);
	CHECK(pfd_cfeed_mine(&mine, "s1") && pfd_cfeed_mine(&mine, "s2"));
	CHECK(!pfd_cfeed_mine(&other, "s1"));
	/* A list: only r1 is queued between the sync marks; the rest is swept. */
	ops.sync(&f, &list);
	CHECK_EQ(read(f.efd, &ready, sizeof(ready)), sizeof(ready));
	CHECK(ready > 0);
	CHECK_EQ(take_all(&f, got, 8), 3);
	CHECK_EQ(got[0].kind, PFD_CF_SYNC_BEGIN);
	CHECK_EQ(got[1].kind, PFD_CF_PUT);
	CHECK_STR(got[1].name, "r1");
	CHECK_EQ(got[1].rec.rate_bps, 150000000);
	CHECK_EQ(got[2].kind, PFD_CF_SYNC_END);
	CHECK(strstr(unit_logged, "cluster: record r4 refused: "));
	/* Events: a hold, a deletion and a bad record each remove; r1 installs. */
	ops.event(&f, &ev);
	ev.type = PF_ETCD_DELETE;
	ev.kv = &kv[1];
	ops.event(&f, &ev);
	ev.type = PF_ETCD_PUT;
	ev.kv = &kv[3];
	ops.event(&f, &ev);
	ev.kv = &kv[0];
	ops.event(&f, &ev);
	CHECK_EQ(take_all(&f, got, 8), 4);
	CHECK(got[0].kind == PFD_CF_DEL && !strcmp(got[0].name, "r3"));
	CHECK(got[1].kind == PFD_CF_DEL && !strcmp(got[1].name, "r2"));
	CHECK(got[2].kind == PFD_CF_DEL && !strcmp(got[2].name, "r4"));
	CHECK(got[3].kind == PFD_CF_PUT && !strcmp(got[3].name, "r1"));
	CHECK_EQ(take_all(&f, got, 8), 0);
	pfd_cfeed_close(&f);
	for (int i = 0; i < 4; i++)
		kv_free(&kv[i]);
}

static struct pfd *node(void)
{
	struct pfd *d = calloc(1, sizeof(*d));
	static const char *const ports[] = {"p1", "p2", "t12a"};

	for (int i = 0; i < 3; i++)
		snprintf(d->conf.ports[i].ifname, PF_IFNAMSIZ, "%s", ports[i]);
	d->conf.n_ports = 3;
	snprintf(d->conf.cluster.node, sizeof(d->conf.cluster.node), "s1");
	d->conf.cluster.enabled = true;
	return d;
}

static void test_item_from_record(void)
{
	struct pfd *d = node();
	int64_t end = time(NULL) + 60;
	struct pf_cl_resv r = record("s1:t12a,s2:p3,s2:t12b,s1:p1", PF_CL_GRANTED, end);
	struct pfd_citem it;
	__u64 now = pf_now_ns();

	CHECK_EQ(pfd_citem_from(d, "r1", &r, &it), 0);
	CHECK_EQ(it.id, pf_cl_resv_id("r1"));
	CHECK(pf_cl_resv_id_is(it.id));
	CHECK_EQ(it.ports, 1ULL << 0 | 1ULL << 2); /* p1 and t12a, not s2's */
	CHECK_EQ(it.dir, PF_DIR_BOTH);
	CHECK_EQ(it.rate_bps, 150000000);
	/* The end, on the data plane's clock: 59 to 61 s from now. */
	CHECK(it.expires_mono > now + 59000000000ULL && it.expires_mono < now + 61000000000ULL);
	/* One way from a = 10.0.0.3, the higher address: hi -> lo. */
	r.one_way = true;
	CHECK_EQ(pfd_citem_from(d, "r1", &r, &it), 0);
	CHECK_EQ(it.dir, PF_DIR_HI_LO);
	/* Ended: nothing to install. */
	r.end = time(NULL) - 1;
	CHECK_EQ(pfd_citem_from(d, "r1", &r, &it), 0);
	CHECK_EQ(it.expires_mono, 0);
	free(d);
}

static void test_hop_on_a_port_it_lacks_refused(void)
{
	struct pfd *d = node();
	struct pf_cl_resv r = record("s1:t13a,s3:p5,s3:t13b,s1:p1", PF_CL_GRANTED, time(NULL) + 60);
	struct pfd_citem it;

	CHECK_EQ(pfd_citem_from(d, "r9", &r, &it), -EINVAL);
	CHECK_STR(pf_last_error(), "hop s1:t13a: node s1 has no port t13a");
	free(d);
}

int main(void)
{
	RUN(test_feed_keeps_what_this_node_enforces);
	RUN(test_item_from_record);
	RUN(test_hop_on_a_port_it_lacks_refused);
	return unit_done();
}
