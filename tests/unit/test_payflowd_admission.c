// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Admission arithmetic and the grant-merge rules. */
#include <errno.h>
#include "unit.h"
#include "userspace/payflowd/admission.h"
#include "userspace/payflowd/grant_rules.h"
#include "userspace/payflowd/path.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

static struct pf_conf c;
static struct pf_adm a;

static void setup(const char *extra)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\"ports\": [{\"name\": \"p1\", \"capacity\": \"100mbit\", \"hosts\": "
		 "[\"10.0.0.1\", \"fd00::1\"]}, {\"name\": \"p2\", \"capacity\": \"200mbit\", "
		 "\"hosts\": [\"10.0.0.2\"]}], \"best_effort\": {\"rate\": \"10mbit\", \"floor\": "
		 "\"20mbit\"}, \"levels\": [{\"rate\": \"10mbit\", \"price_per_s\": \"0\"}, "
		 "{\"rate\": \"50mbit\", \"price_per_s\": \"5\"}]%s}",
		 extra);
	CHECK_EQ(pf_conf_parse(text, "t", &c), 0);
	pf_adm_init(&a, &c);
}

static void test_ports_of_pair(void)
{
	struct pf_key k;
	pf_portset set;
	const char *bad;

	setup("");
	pf_key_parse(&k, "10.0.0.1", "10.0.0.2", &bad);
	CHECK_EQ(pf_adm_ports(&a, &k, PF_DIR_BOTH, &set), 0);
	CHECK_EQ(set, 3);
	pf_key_parse(&k, "fd00::1", "10.0.0.1", &bad);
	CHECK_EQ(pf_adm_ports(&a, &k, PF_DIR_BOTH, &set), 0);
	CHECK_EQ(set, 1);
	pf_key_parse(&k, "10.0.0.1", "10.0.0.9", &bad);
	CHECK_EQ(pf_adm_ports(&a, &k, PF_DIR_BOTH, &set), -ENOENT);
	CHECK_STR(pf_last_error(),
		  "10.0.0.9 is on no configured port (add it to a port's \"hosts\")");
	setup(", \"unknown_endpoint\": \"allow\"");
	CHECK_EQ(pf_adm_ports(&a, &k, PF_DIR_BOTH, &set), 0);
	CHECK_EQ(set, 3); /* charged everywhere */
}

static void test_capacity(void)
{
	setup("");
	CHECK_EQ(a.ll.reservable_bps[0], 80000000);
	CHECK_EQ(a.ll.reservable_bps[1], 180000000);
	CHECK_EQ(pf_adm_check(&a, 3, 80000000), 0);
	pf_adm_charge(&a, 3, 60000000);
	CHECK_EQ(pf_adm_free(&a, 0), 20000000);
	CHECK_EQ(pf_adm_free(&a, 1), 120000000);
	CHECK_EQ(pf_adm_check(&a, 2, 120000000), 0);
	CHECK_EQ(pf_adm_check(&a, 3, 20000001), -ENOSPC);
	CHECK_STR(pf_last_error(),
		  "port p1 has 20 Mbit/s free of 80 Mbit/s reservable (capacity minus the "
		  "best-effort floor); 20 Mbit/s more was asked");
	CHECK_EQ(pf_adm_check(&a, 3, 20000000), 0);
	pf_adm_release(&a, 1, 60000000);
	CHECK_EQ(pf_adm_free(&a, 0), 80000000);
	pf_adm_release(&a, 1, 1); /* never below zero */
	CHECK_EQ(a.ll.reserved_bps[0], 0);
}

static void test_merge_never_shortens_or_lowers(void)
{
	struct pf_store_resv cur = {.rate_bps = 100, .end_wall_ns = 1000, .level = 2, .burst = 7};
	struct pf_grant g = {.rate_bps = 50, .end_wall_ns = 500, .level = 1, .burst = 3};

	CHECK_EQ(pf_grant_merge(&cur, &g), 0);
	CHECK_EQ(cur.rate_bps, 100);
	CHECK_EQ(cur.end_wall_ns, 1000);
	CHECK_EQ(cur.level, 2);
	g = (struct pf_grant){.rate_bps = 150, .end_wall_ns = 900, .level = 3, .burst = 9};
	CHECK_EQ(pf_grant_merge(&cur, &g), 50);
	CHECK_EQ(cur.rate_bps, 150);
	CHECK_EQ(cur.end_wall_ns, 1000);
	CHECK_EQ(cur.level, 3);
	CHECK_EQ(cur.burst, 9);
	g = (struct pf_grant){.rate_bps = 10, .end_wall_ns = 2000};
	CHECK_EQ(pf_grant_merge(&cur, &g), 0);
	CHECK_EQ(cur.end_wall_ns, 2000);
	CHECK_EQ(cur.rate_bps, 150);
}

static void test_wall_to_mono(void)
{
	CHECK_EQ(pf_expires_mono(5000, 1000, 70), 4070);
	CHECK_EQ(pf_expires_mono(1000, 1000, 70), 0); /* ended: never resurrected */
	CHECK_EQ(pf_expires_mono(999, 1000, 70), 0);
}

int main(void)
{
	RUN(test_ports_of_pair);
	RUN(test_capacity);
	RUN(test_merge_never_shortens_or_lowers);
	RUN(test_wall_to_mono);
	return unit_done();
}
