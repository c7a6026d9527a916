// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Paths over a line of bridges s1 - s2 - s3 (plus a lone s4), the link
 * ledger's all-or-nothing reserve, and refusals naming the link. */
#include <errno.h>
#include "unit.h"
#include "userspace/payflowd/admission.h"
#include "userspace/payflowd/path.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

enum { P1, P3, T12A, T12B, T23A, T23B, P4 };

static struct pf_conf c;

/* The config, and the topology discovery would find: t12a/t12b joins s1 and
 * s2, t23a/t23b joins s2 and s3; h1 behind p1 on s1, h3 behind p3 on s3,
 * h4 behind p4 on s4, which no link reaches. */
static void setup(void)
{
	static const int bridge[] = {1, 3, 1, 2, 2, 3, 4};
	const char *text =
	    "{\"bridges\": [{\"name\": \"s1\", \"capacity\": \"1gbit\"}, {\"name\": \"s2\", "
	    "\"capacity\": \"1gbit\"}, {\"name\": \"s3\", \"capacity\": \"1gbit\"}, {\"name\": "
	    "\"s4\", \"capacity\": \"1gbit\"}], \"ports\": [{\"name\": \"p1\", \"capacity\": "
	    "\"1gbit\", \"hosts\": [\"10.0.0.1\"]}, {\"name\": \"p3\", \"capacity\": \"1gbit\", "
	    "\"hosts\": [\"10.0.0.3\"]}, {\"name\": \"t12a\", \"capacity\": \"100mbit\"}, "
	    "{\"name\": \"t12b\", \"capacity\": \"100mbit\"}, {\"name\": \"t23a\", \"capacity\": "
	    "\"1gbit\"}, {\"name\": \"t23b\", \"capacity\": \"1gbit\"}, {\"name\": \"p4\", "
	    "\"capacity\": \"1gbit\", \"hosts\": [\"10.0.0.4\"]}], \"best_effort\": {\"rate\": "
	    "\"20mbit\", \"floor\": \"20mbit\"}, \"levels\": [{\"rate\": \"10mbit\", "
	    "\"price_per_s\": \"0\"}, {\"rate\": \"50mbit\", \"price_per_s\": \"5\"}]}";

	CHECK_EQ(pf_conf_parse(text, "t", &c), 0);
	for (int i = 0; i <= P4; i++)
		c.topo.port_bridge[i] = bridge[i];
	c.topo.links[0] = (struct pf_topo_link){.port = {T12A, T12B}};
	c.topo.links[1] = (struct pf_topo_link){.port = {T23A, T23B}};
	c.topo.n_links = 2;
	c.topo.port_link[T12A] = c.topo.port_link[T12B] = 1;
	c.topo.port_link[T23A] = c.topo.port_link[T23B] = 2;
}

static struct pf_key pair(const char *a, const char *b)
{
	struct pf_key k;
	const char *bad;

	CHECK_EQ(pf_key_parse(&k, a, b, &bad), 0);
	return k;
}

static void test_path_across_two_links(void)
{
	struct pf_key k;
	struct pf_path p;

	setup();
	k = pair("10.0.0.3", "10.0.0.1"); /* lo is 10.0.0.1 */
	CHECK_EQ(pf_path_find(&c, &k, &p), 0);
	CHECK_EQ(p.n[0], 3);
	CHECK_EQ(p.hop[0][0], T12A);
	CHECK_EQ(p.hop[0][1], T23A);
	CHECK_EQ(p.hop[0][2], P3);
	CHECK_EQ(p.n[1], 3);
	CHECK_EQ(p.hop[1][0], T23B);
	CHECK_EQ(p.hop[1][1], T12B);
	CHECK_EQ(p.hop[1][2], P1);
	CHECK_EQ(pf_path_ports(&p, PF_DIR_LO_HI), (1 << T12A) | (1 << T23A) | (1 << P3));
	CHECK_EQ(pf_path_ports(&p, PF_DIR_BOTH), 0x3f);
}

static void test_path_refusals(void)
{
	struct pf_key k;
	struct pf_path p;

	setup();
	k = pair("10.0.0.1", "10.0.0.4");
	CHECK_EQ(pf_path_find(&c, &k, &p), -EHOSTUNREACH);
	CHECK_STR(pf_last_error(), "no path from bridge s1 to bridge s4: no link joins them");
	k = pair("10.0.0.1", "10.0.0.9");
	CHECK_EQ(pf_path_find(&c, &k, &p), -ENOENT);
	CHECK_STR(pf_last_error(),
		  "10.0.0.9 is on no configured port (add it to a port's \"hosts\")");
}

static void test_ledger_all_or_nothing(void)
{
	const __u64 cap[3] = {100, 50, 100};
	struct pf_ll l;
	int full = -1;

	pf_ll_init(&l, 3, cap, 10);
	CHECK_EQ(pf_ll_reserve(&l, 7, 30, &full), 0);
	CHECK_EQ(pf_ll_reserve(&l, 7, 20, &full), -ENOSPC);
	CHECK_EQ(full, 1);
	CHECK_EQ(l.reserved_bps[0], 30); /* nothing charged on the links with room */
	CHECK_EQ(l.reserved_bps[2], 30);
	CHECK_EQ(pf_ll_free(&l, 1), 10);
	CHECK_EQ(pf_ll_reserve(&l, 5, 20, &full), 0);
	pf_ll_release(&l, 7, 30);
	CHECK_EQ(pf_ll_free(&l, 0), 70);
	CHECK_EQ(pf_ll_free(&l, 1), 40);
}

static void test_refusal_names_the_link(void)
{
	struct pf_adm a;
	struct pf_key k;
	pf_portset set;

	setup();
	pf_adm_init(&a, &c);
	k = pair("10.0.0.1", "10.0.0.3");
	CHECK_EQ(pf_adm_ports(&a, &k, PF_DIR_BOTH, &set), 0);
	CHECK_EQ(set, 0x3f);
	CHECK_EQ(pf_adm_check(&a, set, 80000000), 0);
	CHECK_EQ(pf_adm_check(&a, set, 90000000), -ENOSPC);
	CHECK_STR(pf_last_error(),
		  "link s1->s2 (port t12a) has 80 Mbit/s free of 80 Mbit/s reservable (capacity "
		  "minus the best-effort floor); 90 Mbit/s more was asked");
}

/* A one-way reservation is charged on its direction's egress ports only: a
 * full trunk the other way does not refuse it. */
static void test_one_way_charges_one_direction(void)
{
	pf_portset fwd, back;
	struct pf_adm a;
	struct pf_key k;

	setup();
	pf_adm_init(&a, &c);
	k = pair("10.0.0.1", "10.0.0.3");
	CHECK_EQ(pf_adm_ports(&a, &k, PF_DIR_LO_HI, &fwd), 0);
	CHECK_EQ(fwd, (1 << T12A) | (1 << T23A) | (1 << P3));
	CHECK_EQ(pf_adm_ports(&a, &k, PF_DIR_HI_LO, &back), 0);
	CHECK_EQ(back, (1 << T23B) | (1 << T12B) | (1 << P1));
	pf_adm_charge(&a, back, 80000000); /* t12b full */
	CHECK_EQ(pf_adm_check(&a, fwd, 80000000), 0);
	CHECK_EQ(pf_adm_check(&a, back, 1), -ENOSPC);
	CHECK_EQ(pf_adm_free(&a, T12A), 80000000);
}

int main(void)
{
	RUN(test_path_across_two_links);
	RUN(test_path_refusals);
	RUN(test_ledger_all_or_nothing);
	RUN(test_refusal_names_the_link);
	RUN(test_one_way_charges_one_direction);
	return unit_done();
}
