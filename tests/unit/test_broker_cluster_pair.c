// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A pair's cluster reservation (broker/sales/cluster_pair.c), against a real etcd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/etcd_fixture.h"
#include "tests/unit/unit.h"
#include "broker/sales/cluster_pair.h"
#include "userspace/cluster/etcd.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"
#include "userspace/payflowd/payflowd.h"

static struct pf_etcd *e;
static struct pfd d; /* only its cluster prefix is read */

static void put(const char *key, const char *value)
{
	CHECK_EQ(pf_etcd_put(e, key, value, strlen(value), 0, NULL), 0);
}

static int find(const char *x, const char *y, char rid[PF_CL_NAME_MAX])
{
	__u8 a[16], b[16];

	CHECK_EQ(pf_addr_parse(x, a), 0);
	CHECK_EQ(pf_addr_parse(y, b), 0);
	return pfd_cpair_find(&d, e, a, b, rid);
}

static void test_pair_key(void)
{
	char rid[PF_CL_NAME_MAX] = "";

	CHECK_EQ(find("10.0.0.1", "10.0.0.2", rid), -ENOENT); /* nothing yet */
	CHECK(strstr(pf_last_error(), "no active reservation"));
	put("/tp/pairs/10.0.0.1_10.0.0.2", "r-2");
	CHECK_EQ(find("10.0.0.2", "10.0.0.1", rid), 0); /* either order: one key */
	CHECK_STR(rid, "r-2");
	CHECK_EQ(find("10.0.0.1", "10.0.0.2", rid), 0);
	CHECK_STR(rid, "r-2");
	CHECK_EQ(find("10.0.0.1", "10.0.0.3", rid), -ENOENT); /* another pair */
	put("/tp/pairs/fd00::1_fd00::2", "r-6");
	CHECK_EQ(find("fd00::2", "fd00::1", rid), 0);
	CHECK_STR(rid, "r-6");
	put("/tp/pairs/10.0.0.1_10.0.0.4", "a/b");
	CHECK_EQ(find("10.0.0.4", "10.0.0.1", rid), -EINVAL); /* not a reservation's name */
	CHECK(strstr(pf_last_error(), "does not name a reservation"));
}

int main(int argc, char **argv)
{
	(void)argc;
	snprintf(d.conf.cluster.prefix, sizeof(d.conf.cluster.prefix), "/tp");
	e = pf_etcd_new(etcd_fixture(argv), NULL, 2000);
	if (!e) {
		printf("not ok - etcd client: %s\n", pf_last_error());
		return 1;
	}
	RUN(test_pair_key);
	pf_etcd_free(e);
	return unit_done();
}
