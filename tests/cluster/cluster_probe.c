// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Test and bench driver of cluster admission (userspace/cluster/admit.h)
 * against the etcd cluster named by PF_ETCD_ENDPOINTS. A "broker" here is
 * one process running admissions; two started at once race for the same
 * links. Every command prints one JSON line.
 *
 *   cluster_probe link-put PREFIX LINK OWNER CAPACITY_BPS FLOOR_BPS
 *   cluster_probe sum PREFIX LINK
 *       {"reserved_bps": N, "entries": N}
 *   cluster_probe hammer PREFIX NAME COUNT RATE_BPS TTL_S LINK[,LINK...] [PACE_MS]
 *       COUNT admissions named NAME-i, each under its own lease of TTL_S;
 *       with PACE_MS, one every PACE_MS and one line per attempt
 *       ({"i":i,"t_ms":...,"result":"granted"|"full"|"error","error":...});
 *       then {"granted":N,"full":N,"errors":N,"retries":N,"per_s":X,"p99_ms":X}
 *   cluster_probe order PREFIX NAME TX RATE_BPS TTL_S LINK[,LINK...]
 *       one paid admission: {"result":"granted"} or {"result":"already",
 *       "existing":...} (exit 0 both), else {"result":"error",...} (exit 1)
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "userspace/cluster/admit.h"
#include "userspace/common/error.h"

struct job {
	const char *prefix, *name, *tx;
	uint64_t rate;
	int64_t ttl;
	char *links_buf;
	struct pf_cl_admit a;
};

static int usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of tests/cluster/cluster_probe.c\n");
	return 2;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int split_links(struct job *j, const char *list)
{
	char *save = NULL;

	j->links_buf = strdup(list);
	for (char *t = strtok_r(j->links_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (j->a.n_links == PF_CL_MAX_PATH)
			return -1;
		j->a.links[j->a.n_links++] = t;
	}
	return 0;
}

/* One admission under a fresh lease; the lease is revoked when refused. */
static int admit_one(struct pf_etcd *e, struct job *j, const char *resv,
		     struct pf_cl_admit_result *r)
{
	char value[256];
	int err;

	memset(r, 0, sizeof(*r));
	snprintf(value, sizeof(value), "{\"resv\":\"%s\",\"rate_bps\":%" PRIu64 "}", resv, j->rate);
	j->a.prefix = j->prefix;
	j->a.resv = resv;
	j->a.rate_bps = j->rate;
	j->a.value = value;
	j->a.tx = j->tx;
	err = pf_etcd_lease_grant(e, j->ttl, &j->a.lease);
	if (!err)
		err = pf_cl_admit(e, &j->a, r);
	if (err && j->a.lease)
		pf_etcd_lease_revoke(e, j->a.lease);
	j->a.lease = 0;
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* s as a JSON string, quoted and escaped (an etcd error can hold quotes). */
static void json_string_out(const char *s)
{
	struct json_object *o = json_object_new_string(s);

	fputs(o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "\"\"", stdout);
	json_object_put(o);
}

static void attempt_line(int i, double t0, int err)
{
	printf("{\"i\":%d,\"t_ms\":%.0f,\"result\":\"%s\"", i, now_ms() - t0,
	       !err		? "granted"
	       : err == -ENOSPC ? "full"
				: "error");
	if (err && err != -ENOSPC) {
		printf(",\"error\":");
		json_string_out(pf_last_error());
	}
	printf("}\n");
	fflush(stdout);
}

static int hammer(struct pf_etcd *e, struct job *j, int count, int pace_ms)
{
	int granted = 0, full = 0, errors = 0, retries = 0;
	double t0 = now_ms(), *lat = calloc(count + 1, sizeof(double)), secs;
	char first_error[256] = "";

	for (int i = 0; i < count; i++) {
		struct pf_cl_admit_result r;
		char resv[PF_CL_NAME_MAX];
		double t = now_ms();
		int err;

		snprintf(resv, sizeof(resv), "%s-%d", j->name, i);
		err = admit_one(e, j, resv, &r);
		lat[i] = now_ms() - t;
		granted += !err;
		full += err == -ENOSPC;
		errors += err && err != -ENOSPC;
		if (err && err != -ENOSPC && !first_error[0])
			snprintf(first_error, sizeof(first_error), "%s", pf_last_error());
		retries += r.retries;
		free(r.existing);
		if (pace_ms) {
			attempt_line(i, t0, err);
			usleep(pace_ms * 1000);
		}
	}
	secs = (now_ms() - t0) / 1e3;
	qsort(lat, count, sizeof(double), cmp_double);
	printf("{\"granted\":%d,\"full\":%d,\"errors\":%d,\"retries\":%d,\"seconds\":%.3f,"
	       "\"per_s\":%.1f,\"p99_ms\":%.2f,\"first_error\":",
	       granted, full, errors, retries, secs, count / secs,
	       count ? lat[(count * 99) / 100 < count ? (count * 99) / 100 : count - 1] : 0.0);
	json_string_out(first_error);
	printf("}\n");
	free(lat);
	return 0;
}

static int order(struct pf_etcd *e, struct job *j)
{
	struct pf_cl_admit_result r;
	int err = admit_one(e, j, j->name, &r);

	if (!err)
		printf("{\"result\":\"granted\",\"retries\":%d}\n", r.retries);
	else if (err == -EALREADY)
		printf("{\"result\":\"already\",\"existing\":%s}\n", r.existing);
	else
		printf("{\"result\":\"error\",\"errno\":%d,\"error\":\"%s\"}\n", -err,
		       pf_last_error());
	free(r.existing);
	return err && err != -EALREADY;
}

static int run(struct pf_etcd *e, int argc, char **argv)
{
	struct job j = {.prefix = argv[2]};
	int rc;

	if (!strcmp(argv[1], "link-put") && argc == 7)
		return pf_cl_link_put(e, argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10),
				      strtoull(argv[6], NULL, 10)) != 0;
	if (!strcmp(argv[1], "sum") && argc == 4) {
		uint64_t sum;
		int64_t n;

		if (pf_cl_link_reserved(e, argv[2], argv[3], &sum, &n))
			return 1;
		printf("{\"reserved_bps\":%" PRIu64 ",\"entries\":%" PRId64 "}\n", sum, n);
		return 0;
	}
	if (!strcmp(argv[1], "hammer") && (argc == 8 || argc == 9)) {
		j.name = argv[3];
		j.rate = strtoull(argv[5], NULL, 10);
		j.ttl = strtoll(argv[6], NULL, 10);
		rc = split_links(&j, argv[7])
			 ? usage()
			 : hammer(e, &j, atoi(argv[4]), argc == 9 ? atoi(argv[8]) : 0);
	} else if (!strcmp(argv[1], "order") && argc == 8) {
		j.name = argv[3];
		j.tx = argv[4];
		j.rate = strtoull(argv[5], NULL, 10);
		j.ttl = strtoll(argv[6], NULL, 10);
		rc = split_links(&j, argv[7]) ? usage() : order(e, &j);
	} else {
		rc = usage();
	}
	free(j.links_buf);
	return rc;
}

int main(int argc, char **argv)
{
	const char *ep = getenv("PF_ETCD_ENDPOINTS");
	struct pf_etcd *e;
	int rc;

	if (argc < 3 || !ep)
		return usage();
	e = pf_etcd_new(ep, NULL, 1000);
	if (!e) {
		fprintf(stderr, "cluster_probe: %s\n", pf_last_error());
		return 1;
	}
	rc = run(e, argc, argv);
	if (rc == 1 && strcmp(argv[1], "order"))
		fprintf(stderr, "cluster_probe: %s\n", pf_last_error());
	pf_etcd_free(e);
	return rc;
}
