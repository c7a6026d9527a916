// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Path admission as one etcd transaction, against a real etcd cluster. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/unit/etcd_fixture.h"
#include "tests/unit/unit.h"
#include "userspace/cluster/admit.h"
#include "userspace/cluster/keys.h"
#include "userspace/common/error.h"

#define P   "/t"
#define TX1 "0x1111111111111111111111111111111111111111111111111111111111111111"

static struct pf_etcd *e;

static int64_t lease(int64_t ttl)
{
	int64_t id = 0;

	CHECK_EQ(pf_etcd_lease_grant(e, ttl, &id), 0);
	return id;
}

static uint64_t reserved(const char *link)
{
	uint64_t sum = ~0ULL;
	int64_t n;

	CHECK_EQ(pf_cl_link_reserved(e, P, link, &sum, &n), 0);
	return sum;
}

static int admit(const char *resv, uint64_t rate, const char *l1, const char *l2,
		 struct pf_cl_admit_result *r)
{
	struct pf_cl_admit a = {.prefix = P, .resv = resv, .rate_bps = rate, .value = resv};

	a.links[a.n_links++] = l1;
	if (l2)
		a.links[a.n_links++] = l2;
	a.lease = lease(60);
	return pf_cl_admit(e, &a, r);
}

#define ZEROS64 "0000000000000000000000000000000000000000000000000000000000000000"

static void test_names(void)
{
	char k[PF_CL_KEY_MAX];

	CHECK_EQ(pf_cl_key_resv(k, P, "r-1"), 0);
	CHECK_STR(k, "/t/resv/r-1");
	CHECK_EQ(pf_cl_key_ledger_entry(k, P, "s1:eth1", "r-1"), 0);
	CHECK_STR(k, "/t/ledger/s1:eth1/r-1");
	CHECK_EQ(pf_cl_key_resv(k, P, "a/b"), -EINVAL);
	CHECK(strstr(pf_last_error(), "character 2"));
	CHECK_EQ(pf_cl_key_tx(k, P, "0xABC"), -EINVAL);
	CHECK_EQ(pf_cl_key_owed(k, P, "nA", NULL), 0);
	CHECK_STR(k, "/t/owed/nA/");
	CHECK_EQ(pf_cl_key_owed(k, P, "nA", "0x" ZEROS64), 0);
	CHECK_STR(k, "/t/owed/nA/0x" ZEROS64);
	CHECK_EQ(pf_cl_key_owed(k, P, "n/A", NULL), -EINVAL);
	CHECK_EQ(pf_cl_key_owed(k, P, "nA", "0xABC"), -EINVAL);
	CHECK_EQ(pf_cl_check_prefix("/payflow/"), -EINVAL);
}

static void test_path_all_or_nothing(void)
{
	struct pf_cl_admit_result r;

	CHECK_EQ(pf_cl_link_put(e, P, "s1-s2", "n1", 300, 100), 0); /* 200 reservable */
	CHECK_EQ(pf_cl_link_put(e, P, "s2-h3", "n2", 1000, 100), 0);
	CHECK_EQ(admit("r1", 150, "s2-h3", "s1-s2", &r), 0);
	CHECK_EQ(reserved("s1-s2"), 150);
	CHECK_EQ(reserved("s2-h3"), 150);
	/* The edge port is free, the trunk is not: refused, named, nothing written. */
	CHECK_EQ(admit("r2", 100, "s2-h3", "s1-s2", &r), -ENOSPC);
	CHECK_EQ(r.retries, 0); /* a refusal is not a lost race */
	CHECK_STR(r.full_link, "s1-s2");
	CHECK_EQ(r.free_bps, 50);
	CHECK(strstr(pf_last_error(), "link s1-s2 has 50 bit/s free of 200 reservable"));
	CHECK_EQ(reserved("s2-h3"), 150);
	CHECK_EQ(admit("r2", 50, "s2-h3", "s1-s2", &r), 0);
	CHECK_EQ(reserved("s1-s2"), 200);
	/* A link outside the topology. */
	CHECK_EQ(admit("r3", 1, "s2-h3", "nowhere", &r), -ENOENT);
	CHECK(strstr(pf_last_error(), "nowhere is not in the topology"));
	CHECK_EQ(reserved("s2-h3"), 200);
}

static void test_tx_once(void)
{
	struct pf_cl_admit a = {.prefix = P,
				.resv = "paid-a",
				.rate_bps = 10,
				.value = "A",
				.tx = TX1,
				.n_links = 1,
				.links = {"s2-h3"}};
	struct pf_cl_admit_result r;

	a.lease = lease(60);
	CHECK_EQ(pf_cl_admit(e, &a, &r), 0);
	/* The same payment for another reservation: refused, with what it bought. */
	a.resv = "paid-b";
	a.value = "B";
	CHECK_EQ(pf_cl_admit(e, &a, &r), -EALREADY);
	CHECK_STR(r.existing, "A");
	free(r.existing);
	CHECK_EQ(reserved("s2-h3"), 210);
	/* A retry of the committed call itself (answer lost) is its success. */
	a.resv = "paid-a";
	a.value = "A";
	CHECK_EQ(pf_cl_admit(e, &a, &r), 0);
	CHECK_EQ(reserved("s2-h3"), 210);
}

static void test_hold_becomes_reservation(void)
{
	struct pf_cl_admit a = {.prefix = P,
				.resv = "h1",
				.rate_bps = 300,
				.value = "hold",
				.n_links = 1,
				.links = {"s2-h3"}};
	struct pf_cl_admit_result r;
	struct pf_etcd_kvs k;
	char key[PF_CL_KEY_MAX];

	a.lease = lease(60);
	CHECK_EQ(pf_cl_admit(e, &a, &r), 0);
	CHECK_EQ(reserved("s2-h3"), 510);
	pf_cl_key_resv(key, P, "h1");
	CHECK_EQ(pf_etcd_get(e, key, &k), 0);
	/* The order replaces the hold's debit instead of adding to it. */
	a.expect_rev = k.kv[0].mod_rev;
	pf_etcd_kvs_free(&k);
	a.value = "paid";
	a.lease = lease(120);
	CHECK_EQ(pf_cl_admit(e, &a, &r), 0);
	CHECK_EQ(reserved("s2-h3"), 510);
	/* Converting it again from the old revision is refused. */
	a.value = "again";
	CHECK_EQ(pf_cl_admit(e, &a, &r), -EEXIST);
}

static void test_lease_end_frees(void)
{
	struct pf_cl_admit a = {.prefix = P,
				.resv = "short",
				.rate_bps = 300,
				.value = "s",
				.n_links = 1,
				.links = {"s2-h3"}};
	struct pf_cl_admit_result r;
	uint64_t before = reserved("s2-h3");

	a.lease = lease(2);
	CHECK_EQ(pf_cl_admit(e, &a, &r), 0);
	CHECK_EQ(reserved("s2-h3"), before + 300);
	for (int i = 0; i < 60 && reserved("s2-h3") != before; i++)
		usleep(100000);
	CHECK_EQ(reserved("s2-h3"), before);
}

static int64_t create_rev(const char *key)
{
	struct pf_etcd_kvs k;
	int64_t rev = 0;
	int err = pf_etcd_get(e, key, &k);

	if (err == -ENOENT) /* absent */
		return 0;
	CHECK_EQ(err, 0);
	if (k.n == 1)
		rev = k.kv[0].create_rev;
	pf_etcd_kvs_free(&k);
	return rev;
}

static int64_t count(const char *dir)
{
	struct pf_etcd_kvs k;
	int64_t n;

	CHECK_EQ(pf_etcd_range(e, dir, NULL, 0, 0, &k), 0);
	n = (int64_t)k.n;
	pf_etcd_kvs_free(&k);
	return n;
}

/* Admits resv (1 bit/s on s2-h3, its name as value) with n claims. */
static int admit_claims(const char *resv, int64_t ttl, const struct pf_cl_claim *c, int n,
			struct pf_cl_admit_result *r)
{
	struct pf_cl_admit a = {.prefix = P,
				.resv = resv,
				.rate_bps = 1,
				.value = resv,
				.n_links = 1,
				.links = {"s2-h3"},
				.n_claims = n};

	memcpy(a.claims, c, n * sizeof(*c));
	a.lease = lease(ttl);
	return pf_cl_admit(e, &a, r);
}

static int claim_one(const char *resv, const char *key, const char *value,
		     struct pf_cl_admit_result *r)
{
	struct pf_cl_claim c = {.key = key, .value = value};

	return admit_claims(resv, 60, &c, 1, r);
}

/* A fixed key: absent, it is written with the reservation; present, the
 * admission is refused with -EBUSY and writes nothing at all. */
static void test_claim_key(void)
{
	struct pf_cl_admit_result r;
	char k[PF_CL_KEY_MAX];
	uint64_t before = reserved("s2-h3");

	CHECK_EQ(claim_one("c1", P "/pairs/x", "c1", &r), 0);
	CHECK(create_rev(P "/pairs/x") > 0);
	CHECK_EQ(reserved("s2-h3"), before + 1);
	CHECK_EQ(claim_one("c2", P "/pairs/x", "c2", &r), -EBUSY);
	CHECK_EQ(r.claim, 0);
	CHECK_STR(r.holder, "c1");
	CHECK(strstr(pf_last_error(), "/t/pairs/x is taken (by c1)"));
	pf_cl_key_resv(k, P, "c2");
	CHECK_EQ(create_rev(k), 0);
	CHECK_EQ(reserved("s2-h3"), before + 1);
	/* Only checked absent (no value): refused the same, nothing written. */
	CHECK_EQ(claim_one("c3", P "/pairs/x", NULL, &r), -EBUSY);
	CHECK_EQ(claim_one("c3", P "/pairs/y", NULL, &r), 0);
	CHECK_EQ(create_rev(P "/pairs/y"), 0);
	/* A retry of the committed call (its answer lost) is its success. */
	CHECK_EQ(claim_one("c1", P "/pairs/x", "c1", &r), 0);
	CHECK_EQ(reserved("s2-h3"), before + 2);
}

static int claim_slot(const char *resv, int64_t ttl, struct pf_cl_admit_result *r)
{
	struct pf_cl_claim c[] = {{.key = P "/holds/key/k1/", .value = resv, .slots = 3},
				  {.key = P "/holds/pair/k1/p", .value = resv}};

	/* only the first one claims the pair key */
	return admit_claims(resv, ttl, c, strcmp(resv, "s1") ? 1 : 2, r);
}

/* A slot directory is a cap: 3 slots, the 4th claim is -EDQUOT and writes
 * nothing; a slot freed by its lease is taken again. */
static void test_claim_slots(void)
{
	struct pf_cl_admit_result r;
	char k[PF_CL_KEY_MAX];

	CHECK_EQ(claim_slot("s1", 2, &r), 0);
	CHECK_EQ(claim_slot("s2", 60, &r), 0);
	CHECK_EQ(claim_slot("s3", 60, &r), 0);
	CHECK_EQ(count(P "/holds/key/k1/"), 3);
	CHECK_EQ(create_rev(P "/holds/key/k1/0") > 0, 1);
	CHECK_EQ(claim_slot("s4", 60, &r), -EDQUOT);
	CHECK_EQ(r.claim, 0);
	CHECK(strstr(pf_last_error(), "all 3 slots of /t/holds/key/k1/ are taken"));
	pf_cl_key_resv(k, P, "s4");
	CHECK_EQ(create_rev(k), 0);
	/* s1's lease ends: its slot and its pair key go with it. */
	for (int i = 0; i < 60 && count(P "/holds/key/k1/") == 3; i++)
		usleep(100000);
	CHECK_EQ(create_rev(P "/holds/pair/k1/p"), 0);
	CHECK_EQ(claim_slot("s4", 60, &r), 0);
	CHECK_EQ(count(P "/holds/key/k1/"), 3);
	/* A retry of s4's committed call takes no second slot. */
	CHECK_EQ(claim_slot("s4", 60, &r), 0);
	CHECK_EQ(count(P "/holds/key/k1/"), 3);
}

int main(int argc, char **argv)
{
	(void)argc;
	e = pf_etcd_new(etcd_fixture(argv), NULL, 2000);
	if (!e) {
		printf("not ok - etcd client: %s\n", pf_last_error());
		return 1;
	}
	RUN(test_names);
	RUN(test_path_all_or_nothing);
	RUN(test_tx_once);
	RUN(test_hold_becomes_reservation);
	RUN(test_lease_end_frees);
	RUN(test_claim_key);
	RUN(test_claim_slots);
	pf_etcd_free(e);
	return unit_done();
}
