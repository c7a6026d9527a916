// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The cluster simulation with etcd alone (docs/CLUSTER.md, "Figures";
 * bench/cluster_bench.sh with BENCH_FULL=1): SWITCHES switches of 8 hosts
 * each, hosts sA:hK (10.0.A.K), every path A -> B (A != B) crosses the
 * links sA:up, core:sB and sB:hK. etcd is PF_ETCD_ENDPOINTS. Every command
 * prints one JSON line.
 *
 *   cluster_sim topo PREFIX SWITCHES EDGE_BPS TRUNK_BPS
 *       writes the 10 * SWITCHES links (pf_cl_link_put; owner n1, floor 0)
 *   cluster_sim preload PREFIX NAME COUNT RATE_BPS TTL_S SWITCHES MAX_OPS
 *       COUNT reservations NAME-i on random paths, written as admission
 *       writes them (P/resv/RESV, one P/ledger/LINK/RESV per link, P/tx/TX;
 *       the same key and record code) but MAX_OPS / 5 per transaction, all
 *       under one lease of TTL_S. It sums each link's ledger at its start
 *       and charges it as it goes, so nothing is oversold; it must be the
 *       only writer while it runs (each reservation's keys are compared
 *       absent). A path that does not fit is drawn again (10 times):
 *       {"written":N,"full":N,"txns":N,"seconds":X,"per_s":X}
 *   cluster_sim admit PREFIX NAME COUNT RATE_BPS TTL_S SWITCHES
 *       COUNT paid admissions through pf_cl_admit (the production path),
 *       each under its own lease: {"granted":N,"full":N,"errors":N,
 *       "retries":N,"seconds":X,"per_s":X,"p50_ms":X,"p99_ms":X}
 *   cluster_sim commit PREFIX NAME COUNT RATE_BPS TTL_S SWITCHES
 *       the same, but each admission without its ledger reads (commit_one):
 *       what it would cost to a broker that knows the sums from a watch
 *   cluster_sim read PREFIX COUNT SWITCHES
 *       times COUNT reads of a random uplink's ledger (pf_cl_link_reserved,
 *       the range an admission reads per link): {"reads":N,"entries_avg":X,
 *       "p50_ms":X,"p99_ms":X}
 *   cluster_sim check PREFIX
 *       {"links":N,"entries":N,"orphans":N,"oversold_links":N,
 *        "max_entries":N}: oversold links have more in their ledger than
 *       their reservable rate; orphans are entries of no link
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tests/cluster/sim_links.h"
#include "userspace/cluster/admit.h"
#include "userspace/cluster/etcd_txn.h"
#include "userspace/cluster/resv_record.h"
#include "userspace/common/error.h"

#define PATH_LINKS   3
#define OPS_PER_RESV (PATH_LINKS + 2) /* the ledger entries, the record, the tx */
#define DRAWS	     10

struct sim {
	const char *prefix, *name;
	uint64_t rate;
	int64_t ttl;
	unsigned switches;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of tests/cluster/cluster_sim.c\n");
	return 2;
}

/* A paid reservation on a random path: its record (hops = links) and tx. */
static void draw(const struct sim *s, struct pf_cl_resv *r)
{
	unsigned a = randombytes_uniform(s->switches) + 1,
		 b = randombytes_uniform(s->switches - 1) + 1;
	unsigned char h[32];
	unsigned k = randombytes_uniform(8) + 1;

	b += b >= a; /* another switch */
	memset(r, 0, sizeof(*r));
	r->state = PF_CL_GRANTED;
	snprintf(r->a, sizeof(r->a), "10.0.%u.%u", a, randombytes_uniform(8) + 1);
	snprintf(r->b, sizeof(r->b), "10.0.%u.%u", b, k);
	r->one_way = true;
	r->rate_bps = s->rate;
	r->level = 1;
	r->start = time(NULL);
	r->end = r->start + s->ttl;
	r->n_hops = PATH_LINKS;
	snprintf(r->hops[0], PF_CL_NAME_MAX, "s%u:up", a);
	snprintf(r->hops[1], PF_CL_NAME_MAX, "core:s%u", b);
	snprintf(r->hops[2], PF_CL_NAME_MAX, "s%u:h%u", b, k);
	snprintf(r->broker, sizeof(r->broker), "%s", s->name);
	randombytes_buf(h, sizeof(h));
	memcpy(r->tx, "0x", 2);
	sodium_bin2hex(r->tx + 2, sizeof(r->tx) - 2, h, sizeof(h));
}

static int topo(struct pf_etcd *e, const char *prefix, unsigned switches, uint64_t edge,
		uint64_t trunk)
{
	char name[PF_CL_NAME_MAX];
	int err = 0;

	for (unsigned s = 1; !err && s <= switches; s++) {
		snprintf(name, sizeof(name), "s%u:up", s);
		err = pf_cl_link_put(e, prefix, name, "n1", trunk, 0);
		snprintf(name, sizeof(name), "core:s%u", s);
		err = err ?: pf_cl_link_put(e, prefix, name, "n1", trunk, 0);
		for (unsigned k = 1; !err && k <= 8; k++) {
			snprintf(name, sizeof(name), "s%u:h%u", s, k);
			err = pf_cl_link_put(e, prefix, name, "n1", edge, 0);
		}
	}
	if (!err)
		printf("{\"links\":%u}\n", switches * 10);
	return err;
}

/* Charges r's links when it fits on all of them: 1 charged, 0 full. */
static int charge(struct sim_links *l, const struct pf_cl_resv *r)
{
	struct sim_link *p[PATH_LINKS];

	for (int i = 0; i < PATH_LINKS; i++) {
		p[i] = sim_links_find(l, r->hops[i]);
		if (!p[i])
			return pf_fail(-ENOENT, "link %s is not in the topology", r->hops[i]);
		if (p[i]->reserved > p[i]->reservable ||
		    p[i]->reservable - p[i]->reserved < r->rate_bps)
			return 0;
	}
	for (int i = 0; i < PATH_LINKS; i++) {
		p[i]->reserved += r->rate_bps;
		p[i]->entries++;
	}
	return 1;
}

/* Adds one reservation's writes, as admission makes them (admit.c build()). */
static int add_resv(struct pf_etcd_txn *t, const struct sim *s, const char *id,
		    const struct pf_cl_resv *r, int64_t lease)
{
	char key[PF_CL_KEY_MAX], tx[PF_CL_KEY_MAX], rate[24], *value = NULL;
	int err = pf_cl_resv_encode(r, &value) ?: pf_cl_key_resv(key, s->prefix, id)
		      ?: pf_cl_key_tx(tx, s->prefix, r->tx);

	snprintf(rate, sizeof(rate), "%" PRIu64, r->rate_bps);
	for (int i = 0; !err && i < r->n_hops; i++) {
		char entry[PF_CL_KEY_MAX];

		err = pf_cl_key_ledger_entry(entry, s->prefix, r->hops[i], id)
			  ?: pf_etcd_txn_put(t, entry, rate, strlen(rate), lease);
	}
	err = err ?: pf_etcd_txn_cmp_create(t, key, 0)
		  ?: pf_etcd_txn_put(t, key, value, strlen(value), lease)
		  ?: pf_etcd_txn_cmp_create(t, tx, 0) ?: pf_etcd_txn_put(t, tx, value, strlen(value), 0);
	free(value);
	return err;
}

/* One transaction of up to batch reservations, ids NAME-(*next)...; the
 * count written goes to *written, the ones that did not fit to *full. */
static int preload_txn(struct pf_etcd *e, const struct sim *s, struct sim_links *l, int64_t lease,
		       int batch, int *next, int end, int *written, int *full)
{
	struct pf_etcd_txn t;
	int n = 0, err = pf_etcd_txn_init(&t);
	bool ok = false;

	while (!err && n < batch && *next < end) {
		struct pf_cl_resv r;
		char id[PF_CL_NAME_MAX];
		int fit = 0;

		for (int d = 0; !err && !fit && d < DRAWS; d++) {
			draw(s, &r);
			fit = err = charge(l, &r);
		}
		snprintf(id, sizeof(id), "%s-%d", s->name, (*next)++);
		*full += !err && !fit;
		if (fit == 1 && !(err = add_resv(&t, s, id, &r, lease)))
			n++;
	}
	if (!err && n)
		err = pf_etcd_txn_commit(e, &t, &ok, NULL, NULL);
	if (!err && n && !ok)
		err = pf_fail(-EEXIST, "a reservation %s-* or its tx is already in etcd", s->name);
	pf_etcd_txn_free(&t);
	*written += err ? 0 : n;
	return err;
}

static int preload(struct pf_etcd *e, const struct sim *s, int count, int max_ops)
{
	struct sim_links l;
	int64_t lease = 0;
	int batch = max_ops / OPS_PER_RESV, next = 0, written = 0, full = 0, txns = 0;
	double t0 = now_ms(), secs;
	int err = batch < 1 ? pf_fail(-EINVAL, "MAX_OPS %d: below %d", max_ops, OPS_PER_RESV)
			    : sim_links_load(e, s->prefix, &l);

	if (err)
		return err;
	err = pf_etcd_lease_grant(e, s->ttl, &lease);
	for (; !err && next < count; txns++)
		err = preload_txn(e, s, &l, lease, batch, &next, count, &written, &full);
	sim_links_free(&l);
	secs = (now_ms() - t0) / 1e3;
	if (!err)
		printf("{\"written\":%d,\"full\":%d,\"txns\":%d,\"seconds\":%.1f,\"per_s\":%.0f}\n",
		       written, full, txns, secs, written / secs);
	return err;
}

/* The compares admission makes on each link at revision rev (admit.c
 * add_link): the link key unchanged, no ledger entry written after rev. */
static int add_compares(struct pf_etcd_txn *t, const struct sim *s, const struct pf_cl_resv *r,
			const struct pf_etcd_kvs *links, int64_t rev)
{
	char dir[PF_CL_KEY_MAX];
	int err = links->n == PATH_LINKS ? 0 : pf_fail(-ENOENT, "a link of the path is missing");

	for (int i = 0; !err && i < PATH_LINKS; i++)
		err = pf_etcd_txn_cmp_mod(t, links->kv[i].key, links->kv[i].mod_rev)
			?: pf_cl_key_ledger(dir, s->prefix, r->hops[i])
			?: pf_etcd_txn_cmp_range_unchanged(t, dir, rev);
	return err;
}

/* The path's link keys at one revision: into *links, the revision into *rev. */
static int read_link_keys(struct pf_etcd *e, const struct sim *s, const struct pf_cl_resv *r,
			  struct pf_etcd_kvs *links, int64_t *rev)
{
	char key[PF_CL_KEY_MAX];
	struct pf_etcd_txn t;
	bool ok;
	int err = pf_etcd_txn_init(&t);

	for (int i = 0; !err && i < PATH_LINKS; i++)
		err =
		    pf_cl_key_link(key, s->prefix, r->hops[i]) ?: pf_etcd_txn_read(&t, key, false);
	if (!err)
		err = pf_etcd_txn_commit(e, &t, &ok, rev, links);
	pf_etcd_txn_free(&t);
	return err;
}

/*
 * What an admission would cost without its ledger reads, as a broker that
 * knows each link's sum from a watch would make it (docs/CLUSTER.md,
 * "Figures"): the link keys read at one revision, then admission's compares
 * at that revision and its writes. It checks no capacity (the simulation's
 * links never fill; `check` verifies) and does not retry a lost race.
 */
static int commit_one(struct pf_etcd *e, const struct sim *s, const char *id, int *retries)
{
	struct pf_etcd_kvs links = {0};
	struct pf_etcd_txn t;
	struct pf_cl_resv r;
	int64_t rev = 0, lease = 0;
	bool ok = false;
	int err;

	draw(s, &r);
	err = read_link_keys(e, s, &r, &links, &rev) ?: pf_etcd_lease_grant(e, s->ttl, &lease);
	if (!err && !(err = pf_etcd_txn_init(&t))) {
		err = add_compares(&t, s, &r, &links, rev) ?: add_resv(&t, s, id, &r, lease)
			?: pf_etcd_txn_commit(e, &t, &ok, NULL, NULL);
		pf_etcd_txn_free(&t);
	}
	pf_etcd_kvs_free(&links);
	if (!err && !ok) {
		++*retries;
		err = pf_fail(-EAGAIN, "%s lost a race", id);
	}
	if (err && lease)
		pf_etcd_lease_revoke(e, lease);
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One paid admission through the production path, under its own lease. */
static int admit_one(struct pf_etcd *e, const struct sim *s, const char *id, int *retries)
{
	struct pf_cl_admit a = {.prefix = s->prefix, .resv = id, .n_links = PATH_LINKS};
	struct pf_cl_admit_result res = {0};
	struct pf_cl_resv r;
	char *value = NULL;
	int err;

	draw(s, &r);
	for (int i = 0; i < PATH_LINKS; i++)
		a.links[i] = r.hops[i];
	a.rate_bps = r.rate_bps;
	a.tx = r.tx;
	err = pf_cl_resv_encode(&r, &value) ?: pf_etcd_lease_grant(e, s->ttl, &a.lease);
	a.value = value;
	if (!err)
		err = pf_cl_admit(e, &a, &res);
	if (err && a.lease)
		pf_etcd_lease_revoke(e, a.lease);
	*retries += err ? 0 : res.retries; /* pf_cl_admit counts a refusal as a try too */
	free(res.existing);
	free(value);
	return err;
}

static double pct(const double *sorted, int n, int p)
{
	return n ? sorted[(n * p) / 100 < n ? (n * p) / 100 : n - 1] : 0.0;
}

typedef int (*admit_fn)(struct pf_etcd *, const struct sim *, const char *, int *);

static int admit(struct pf_etcd *e, const struct sim *s, int count, admit_fn one)
{
	int granted = 0, full = 0, errors = 0, retries = 0;
	double t0 = now_ms(), *lat = calloc(count + 1, sizeof(double)), secs;

	if (!lat)
		return pf_fail(-ENOMEM, "out of memory");
	for (int i = 0; i < count; i++) {
		char id[PF_CL_NAME_MAX];
		double t = now_ms();
		int err;

		snprintf(id, sizeof(id), "%s-%d", s->name, i);
		err = one(e, s, id, &retries);
		lat[i] = now_ms() - t;
		granted += !err;
		full += err == -ENOSPC;
		errors += err && err != -ENOSPC;
		if (err && err != -ENOSPC && errors == 1)
			fprintf(stderr, "cluster_sim: %s: %s\n", id, pf_last_error());
	}
	secs = (now_ms() - t0) / 1e3;
	qsort(lat, count, sizeof(double), cmp_double);
	printf("{\"granted\":%d,\"full\":%d,\"errors\":%d,\"retries\":%d,\"seconds\":%.2f,"
	       "\"per_s\":%.2f,\"p50_ms\":%.1f,\"p99_ms\":%.1f}\n",
	       granted, full, errors, retries, secs, count / secs, pct(lat, count, 50),
	       pct(lat, count, 99));
	free(lat);
	return 0;
}

static int read_cost(struct pf_etcd *e, const char *prefix, int count, unsigned switches)
{
	double *lat = calloc(count + 1, sizeof(double)), entries = 0;
	int err = lat ? 0 : pf_fail(-ENOMEM, "out of memory");

	for (int i = 0; !err && i < count; i++) {
		char link[PF_CL_NAME_MAX];
		uint64_t sum;
		int64_t n = 0;
		double t = now_ms();

		snprintf(link, sizeof(link), "s%u:up", randombytes_uniform(switches) + 1);
		err = pf_cl_link_reserved(e, prefix, link, &sum, &n);
		lat[i] = now_ms() - t;
		entries += (double)n;
	}
	if (!err) {
		qsort(lat, count, sizeof(double), cmp_double);
		printf("{\"reads\":%d,\"entries_avg\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f}\n",
		       count, count ? entries / count : 0.0, pct(lat, count, 50),
		       pct(lat, count, 99));
	}
	free(lat);
	return err;
}

static int check(struct pf_etcd *e, const char *prefix)
{
	struct sim_links l;
	int64_t max = 0;
	int err = sim_links_load(e, prefix, &l);

	if (err)
		return err;
	for (size_t i = 0; i < l.n; i++)
		max = l.l[i].entries > max ? l.l[i].entries : max;
	printf("{\"links\":%zu,\"entries\":%" PRId64 ",\"orphans\":%" PRId64
	       ",\"oversold_links\":%zu,\"max_entries\":%" PRId64 "}\n",
	       l.n, l.entries, l.orphans, sim_links_oversold(&l), max);
	sim_links_free(&l);
	return 0;
}

static int run(struct pf_etcd *e, int argc, char **argv)
{
	struct sim s = {.prefix = argv[2]};

	if (!strcmp(argv[1], "check") && argc == 3)
		return check(e, s.prefix);
	if (!strcmp(argv[1], "topo") && argc == 6)
		return topo(e, s.prefix, (unsigned)atoi(argv[3]), strtoull(argv[4], NULL, 10),
			    strtoull(argv[5], NULL, 10));
	if (!strcmp(argv[1], "read") && argc == 5 && atoi(argv[4]) > 0)
		return read_cost(e, s.prefix, atoi(argv[3]), (unsigned)atoi(argv[4]));
	if (argc < 8)
		return usage();
	s.name = argv[3];
	s.rate = strtoull(argv[5], NULL, 10);
	s.ttl = strtoll(argv[6], NULL, 10);
	s.switches = (unsigned)atoi(argv[7]);
	if (s.switches < 2 || s.switches > 250 || !s.rate || s.ttl < 1)
		return usage();
	if (!strcmp(argv[1], "preload") && argc == 9)
		return preload(e, &s, atoi(argv[4]), atoi(argv[8]));
	if (!strcmp(argv[1], "admit") && argc == 8)
		return admit(e, &s, atoi(argv[4]), admit_one);
	if (!strcmp(argv[1], "commit") && argc == 8)
		return admit(e, &s, atoi(argv[4]), commit_one);
	return usage();
}

int main(int argc, char **argv)
{
	const char *ep = getenv("PF_ETCD_ENDPOINTS");
	struct pf_etcd *e;
	int rc;

	if (argc < 3 || !ep || sodium_init() < 0)
		return usage();
	/* a preload transaction of a thousand reservations takes seconds */
	e = pf_etcd_new(ep, NULL, 60000);
	if (!e) {
		fprintf(stderr, "cluster_sim: %s\n", pf_last_error());
		return 1;
	}
	rc = run(e, argc, argv);
	if (rc < 0)
		fprintf(stderr, "cluster_sim: %s\n", pf_last_error());
	pf_etcd_free(e);
	return rc < 0 ? 1 : rc;
}
