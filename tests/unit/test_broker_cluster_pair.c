// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A pair's live cluster reservation (broker/sales/cluster_pair.c), against a real etcd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tests/unit/etcd_fixture.h"
#include "tests/unit/unit.h"
#include "broker/sales/cluster_pair.h"
#include "userspace/cluster/etcd.h"
#include "userspace/cluster/resv_record.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

#define P "/tp"

static struct pf_etcd *e;
static int64_t now;

/* Writes P/resv/NAME: a record of a <-> b in state st ending at end. */
static void put(const char *name, enum pf_cl_resv_state st, const char *a, const char *b,
		int64_t end)
{
	struct pf_cl_resv r = {.state = st, .rate_bps = 10000000, .level = 1, .n_hops = 1};
	char key[PF_CL_KEY_MAX], *json = NULL;

	snprintf(r.a, sizeof(r.a), "%s", a);
	snprintf(r.b, sizeof(r.b), "%s", b);
	snprintf(r.hops[0], sizeof(r.hops[0]), "n1:eth0");
	snprintf(r.broker, sizeof(r.broker), "n1");
	r.start = now - 10;
	r.end = end;
	CHECK_EQ(pf_cl_resv_encode(&r, &json), 0);
	CHECK_EQ(pf_cl_key_resv(key, P, name), 0);
	CHECK_EQ(pf_etcd_put(e, key, json, strlen(json), 0, NULL), 0);
	free(json);
}

static int find(const char *x, const char *y, char rid[PF_CL_NAME_MAX])
{
	__u8 a[16], b[16];

	CHECK_EQ(pf_addr_parse(x, a), 0);
	CHECK_EQ(pf_addr_parse(y, b), 0);
	return pfd_cpair_find(e, P, a, b, now, rid);
}

static void test_live_grant_of_the_pair(void)
{
	char rid[PF_CL_NAME_MAX] = "";
	char key[PF_CL_KEY_MAX];

	CHECK_EQ(find("10.0.0.1", "10.0.0.2", rid), -ENOENT); /* nothing yet */
	CHECK(strstr(pf_last_error(), "no active reservation"));
	put("r-hold", PF_CL_HOLD, "10.0.0.1", "10.0.0.2", now + 300);
	put("r-ended", PF_CL_GRANTED, "10.0.0.1", "10.0.0.2", now);
	put("r-other", PF_CL_GRANTED, "10.0.0.1", "10.0.0.3", now + 500);
	CHECK_EQ(pf_cl_key_resv(key, P, "r-bad"), 0);
	CHECK_EQ(pf_etcd_put(e, key, "{\"v\": 2}", 8, 0, NULL), 0);
	CHECK_EQ(find("10.0.0.1", "10.0.0.2", rid), -ENOENT); /* a hold, an ended one */
	put("r-1", PF_CL_GRANTED, "10.0.0.1", "10.0.0.2", now + 100);
	put("r-2", PF_CL_GRANTED, "10.0.0.2", "10.0.0.1", now + 200); /* other order */
	CHECK_EQ(find("10.0.0.2", "10.0.0.1", rid), 0);
	CHECK_STR(rid, "r-2"); /* of two, the latest end */
	CHECK_EQ(find("10.0.0.1", "10.0.0.3", rid), 0);
	CHECK_STR(rid, "r-other");
	CHECK_EQ(find("10.0.0.1", "10.0.0.9", rid), -ENOENT);
}

int main(int argc, char **argv)
{
	(void)argc;
	e = pf_etcd_new(etcd_fixture(argv), NULL, 2000);
	if (!e) {
		printf("not ok - etcd client: %s\n", pf_last_error());
		return 1;
	}
	now = (int64_t)time(NULL);
	RUN(test_live_grant_of_the_pair);
	pf_etcd_free(e);
	return unit_done();
}
