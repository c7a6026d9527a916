// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The reservation record under P/resv/RESV: round trip and every refusal. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"
#include "userspace/cluster/resv_record.h"
#include "userspace/common/error.h"

#define TX "0x1111111111111111111111111111111111111111111111111111111111111111"
#define GOOD                                                                                       \
	"{\"v\":1,\"state\":\"granted\",\"a\":\"10.0.0.1\",\"b\":\"10.0.0.3\",\"one_way\":false,"  \
	"\"rate_bps\":150000000,\"level\":2,\"start\":1700000000,\"end\":1700000030,"              \
	"\"hops\":[\"n1:t12a\",\"n2:p3\",\"n2:t21a\",\"n1:p1\"],\"broker\":\"n1\",\"tx\":\"" TX    \
	"\"}"

static void test_round_trip(void)
{
	struct pf_cl_resv r, back;
	char *json = NULL;

	CHECK_EQ(pf_cl_resv_decode(GOOD, &r), 0);
	CHECK_EQ(r.state, PF_CL_GRANTED);
	CHECK_STR(r.a, "10.0.0.1");
	CHECK_EQ(r.rate_bps, 150000000);
	CHECK_EQ(r.n_hops, 4);
	CHECK_STR(r.hops[1], "n2:p3");
	CHECK_EQ(r.end - r.start, 30);
	CHECK_EQ(pf_cl_resv_encode(&r, &json), 0);
	CHECK_STR(json, GOOD);
	CHECK_EQ(pf_cl_resv_decode(json, &back), 0);
	CHECK(!memcmp(&r, &back, sizeof(r)));
	free(json);
}

/* Each bad record: -EINVAL, and the message names what is wrong. */
static const struct {
	const char *json, *says;
} bad[] = {
    {"[]", "not a JSON object"},
    {"{\"v\":1,\"color\":1}", "unknown field \"color\""},
    {"{\"v\":2,\"state\":\"hold\"}", "version 2"},
    {"{\"v\":1,\"state\":\"gone\"}", "\"state\" \"gone\""},
    {"{\"v\":1,\"state\":\"hold\",\"a\":1}", "\"a\" is not a string"},
    {"{\"v\":1,\"state\":\"hold\",\"a\":\"10.0.0.1\",\"b\":\"10.0.0.3\",\"one_way\":false,"
     "\"rate_bps\":0,\"level\":1,\"start\":1,\"end\":2,\"hops\":[\"n:p\"],\"broker\":\"n\","
     "\"tx\":\"\"}",
     "rate_bps"},
    {"{\"v\":1,\"state\":\"hold\",\"a\":\"10.0.0.1\",\"b\":\"fd::3\",\"one_way\":false,"
     "\"rate_bps\":1,\"level\":1,\"start\":1,\"end\":2,\"hops\":[\"n:p\"],\"broker\":\"n\","
     "\"tx\":\"\"}",
     "not one family"},
    {"{\"v\":1,\"state\":\"hold\",\"a\":\"10.0.0.1\",\"b\":\"10.0.0.3\",\"one_way\":false,"
     "\"rate_bps\":1,\"level\":1,\"start\":5,\"end\":5,\"hops\":[\"n:p\"],\"broker\":\"n\","
     "\"tx\":\"\"}",
     "not after"},
    {"{\"v\":1,\"state\":\"hold\",\"a\":\"10.0.0.1\",\"b\":\"10.0.0.3\",\"one_way\":false,"
     "\"rate_bps\":1,\"level\":1,\"start\":1,\"end\":2,\"hops\":[\"np\"],\"broker\":\"n\","
     "\"tx\":\"\"}",
     "not NODE:IFNAME"},
    {"{\"v\":1,\"state\":\"hold\",\"a\":\"10.0.0.1\",\"b\":\"10.0.0.3\",\"one_way\":false,"
     "\"rate_bps\":1,\"level\":1,\"start\":1,\"end\":2,\"hops\":[],\"broker\":\"n\","
     "\"tx\":\"\"}",
     "0 \"hops\""},
    {"{\"v\":1,\"state\":\"hold\",\"a\":\"10.0.0.1\",\"b\":\"10.0.0.3\",\"one_way\":false,"
     "\"rate_bps\":1,\"level\":1,\"start\":1,\"end\":2,\"hops\":[\"n:p\"],\"broker\":\"n\","
     "\"tx\":\"0xAB\"}",
     "transaction hash"},
};

static void test_refusals(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pf_cl_resv r;

		CHECK_EQ(pf_cl_resv_decode(bad[i].json, &r), -EINVAL);
		if (!strstr(pf_last_error(), bad[i].says))
			CHECK_STR(pf_last_error(), bad[i].says);
	}
}

static void test_hop_split(void)
{
	char node[PF_CL_NAME_MAX], ifname[PF_CL_NAME_MAX];

	CHECK_EQ(pf_cl_hop_split("sw-7:eth0", node, ifname), 0);
	CHECK_STR(node, "sw-7");
	CHECK_STR(ifname, "eth0");
	CHECK_EQ(pf_cl_hop_split(":eth0", node, ifname), -EINVAL);
	CHECK_EQ(pf_cl_hop_split("sw-7:", node, ifname), -EINVAL);
}

int main(void)
{
	RUN(test_round_trip);
	RUN(test_refusals);
	RUN(test_hop_split);
	return unit_done();
}
