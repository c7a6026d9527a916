// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Paths across machines over the cluster's topology as etcd holds it
 * (P/topo/ports/ records): s1 (h1 behind p1) trunk t12 to s2, s2 trunk t23
 * to s3 (h3 behind p3); h4 on a lone s4; h5 on a port of s5 on no bridge.
 */
#include <errno.h>
#include <string.h>
#include "unit.h"
#include "userspace/payflowd/cluster_path.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

static const struct {
	const char *link, *json;
} ports[] = {
    {"s1:p1", "{\"bridge\":\"br\",\"hosts\":[\"10.0.0.1/32\"],\"peer\":\"\"}"},
    {"s1:t12", "{\"bridge\":\"br\",\"hosts\":[],\"peer\":\"s2:t21\"}"},
    {"s2:t21", "{\"bridge\":\"br\",\"hosts\":[],\"peer\":\"s1:t12\"}"},
    {"s2:t23", "{\"bridge\":\"br\",\"hosts\":[],\"peer\":\"s3:t32\"}"},
    {"s3:t32", "{\"bridge\":\"br\",\"hosts\":[],\"peer\":\"s2:t23\"}"},
    {"s3:p3", "{\"bridge\":\"br\",\"hosts\":[\"10.0.0.3/32\"],\"peer\":\"\"}"},
    {"s4:p4", "{\"bridge\":\"br\",\"hosts\":[\"10.0.0.4/32\"],\"peer\":\"\"}"},
    {"s5:p5", "{\"bridge\":\"\",\"hosts\":[\"10.0.0.5/32\"],\"peer\":\"\"}"},
};

static struct pf_cl_port table[8];
static const struct pf_cl_topo topo = {.ports = table, .n = 8};

static void setup(void)
{
	for (int i = 0; i < 8; i++)
		CHECK_EQ(pf_cl_port_decode(ports[i].link, ports[i].json, &table[i]), 0);
}

static int path(const char *a, const char *b, bool one_way, char hops[][PF_CL_NAME_MAX], int *n)
{
	__u8 x[16], y[16];

	CHECK_EQ(pf_addr_parse(a, x), 0);
	CHECK_EQ(pf_addr_parse(b, y), 0);
	return pfd_cluster_path(&topo, x, y, one_way, hops, n);
}

static void test_across_three_machines(void)
{
	static const char *want[] = {"s1:t12", "s2:t23", "s3:p3", "s3:t32", "s2:t21", "s1:p1"};
	char hops[PF_CL_MAX_PATH][PF_CL_NAME_MAX];
	int n;

	CHECK_EQ(path("10.0.0.1", "10.0.0.3", false, hops, &n), 0);
	CHECK_EQ(n, 6);
	for (int i = 0; i < n && i < 6; i++)
		CHECK_STR(hops[i], want[i]);
	/* From the other end: b -> a first, whichever address sorts lower. */
	CHECK_EQ(path("10.0.0.3", "10.0.0.1", true, hops, &n), 0);
	CHECK_EQ(n, 3);
	CHECK_STR(hops[0], "s3:t32");
	CHECK_STR(hops[2], "s1:p1");
}

static void test_refusals(void)
{
	char hops[PF_CL_MAX_PATH][PF_CL_NAME_MAX];
	int n;

	CHECK_EQ(path("10.0.0.1", "10.0.0.9", false, hops, &n), -ENOENT);
	CHECK(strstr(pf_last_error(), "host 10.0.0.9 is behind no port"));
	CHECK_EQ(path("10.0.0.1", "10.0.0.4", false, hops, &n), -EHOSTUNREACH);
	CHECK(strstr(pf_last_error(), "port s1:p1) to 10.0.0.4 (port s4:p4)"));
	CHECK_EQ(path("10.0.0.5", "10.0.0.1", false, hops, &n), -EHOSTUNREACH);
	CHECK_EQ(n, 0);
}

/* A trunk whose far end is not published (yet) joins nothing. */
static void test_half_trunk(void)
{
	struct pf_cl_port saved = table[2];
	char hops[PF_CL_MAX_PATH][PF_CL_NAME_MAX];
	int n;

	snprintf(table[2].link, sizeof(table[2].link), "s2:other");
	CHECK_EQ(path("10.0.0.1", "10.0.0.3", false, hops, &n), -EHOSTUNREACH);
	table[2] = saved;
}

static void test_bad_records(void)
{
	struct pf_cl_port p;

	CHECK_EQ(pf_cl_port_decode("s1:p1", "{\"bridge\":1,\"hosts\":[],\"peer\":\"\"}", &p),
		 -EINVAL);
	CHECK(strstr(pf_last_error(), "\"bridge\" is missing or not a string"));
	CHECK_EQ(pf_cl_port_decode("s1:p1", "{\"bridge\":\"\",\"peer\":\"\"}", &p), -EINVAL);
	CHECK(strstr(pf_last_error(), "\"hosts\" is missing"));
	CHECK_EQ(pf_cl_port_decode("s1:p1", "{\"bridge\":\"\",\"hosts\":[],\"peer\":\"a/b\"}", &p),
		 -EINVAL);
	CHECK_EQ(pf_cl_port_decode("s1:p1", "[]", &p), -EINVAL);
}

int main(void)
{
	setup();
	RUN(test_across_three_machines);
	RUN(test_refusals);
	RUN(test_half_trunk);
	RUN(test_bad_records);
	return unit_done();
}
