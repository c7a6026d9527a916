// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflowctl --direct grant / revoke: reservations written straight to the maps, no payflowd. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include "userspace/payflowctl/ctl.h"
#include "userspace/common/addr.h"
#include "userspace/dataplane/dataplane.h"
#include "userspace/dataplane/resv.h"
#include "userspace/dataplane/pool.h"
#include "userspace/common/units.h"
#include "userspace/common/error.h"

#define MAX_SECONDS (10ULL * 365 * 24 * 3600)

struct grant_args {
	struct pf_key key;
	__u64 rate_bps;
	__u64 seconds;
	__u64 level;
	__u64 burst;
};

static int parse_pair(int argc, char **argv, const char *cmd, struct pf_key *key)
{
	const char *bad = NULL;

	if (argc - optind != 2)
		return ctl_error(CTL_USAGE, "%s: give exactly two addresses, IP1 IP2", cmd);
	if (pf_key_parse(key, argv[optind], argv[optind + 1], &bad))
		return ctl_error(CTL_USAGE, "%s: bad address '%s' (IPv4 or IPv6 expected)", cmd,
				 bad);
	return CTL_OK;
}

static int parse_grant(int argc, char **argv, struct grant_args *g)
{
	static const struct option opts[] = {
	    {"rate", required_argument, NULL, 'r'},
	    {"seconds", required_argument, NULL, 's'},
	    {"level", required_argument, NULL, 'l'},
	    {"burst", required_argument, NULL, 'b'},
	    {0},
	};
	int opt;

	memset(g, 0, sizeof(*g));
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int bad = 0;

		if (opt == 'r')
			bad = pf_rate_parse(optarg, &g->rate_bps);
		else if (opt == 's')
			bad = pf_uint_parse(optarg, MAX_SECONDS, &g->seconds);
		else if (opt == 'l')
			bad = pf_uint_parse(optarg, 255, &g->level);
		else if (opt == 'b')
			bad = pf_uint_parse(optarg, UINT32_MAX, &g->burst);
		else
			return CTL_USAGE;
		if (bad)
			return ctl_error(CTL_USAGE, "grant: bad value '%s' for --%s%s", optarg,
					 opts[opt == 'r'   ? 0
					      : opt == 's' ? 1
					      : opt == 'l' ? 2
							   : 3]
					     .name,
					 opt == 'r' ? " (a rate above 0, e.g. 150mbit)" : "");
	}
	if (!g->rate_bps)
		return ctl_error(CTL_USAGE, "grant: --rate is required and must be above 0");
	if (!g->seconds)
		return ctl_error(CTL_USAGE, "grant: --seconds is required and must be above 0");
	return parse_pair(argc, argv, "grant", &g->key);
}

/* A grant on a live pair keeps the larger end and the larger rate. */
static void merge_live(struct pf_resv *r, const struct pf_resv *cur, __u64 now)
{
	r->classid = cur->classid;
	r->resv_id = cur->resv_id;
	if (cur->expires_at <= now)
		return;
	if (cur->expires_at > r->expires_at)
		r->expires_at = cur->expires_at;
	if (cur->rate_bps > r->rate_bps) {
		r->rate_bps = cur->rate_bps;
		r->burst = cur->burst;
		r->level = cur->level;
	}
}

static int build_resv(const struct pf_maps *m, const struct grant_args *g, struct pf_resv *r)
{
	__u64 now = pf_now_ns();
	struct pf_resv cur;

	memset(r, 0, sizeof(*r));
	r->rate_bps = g->rate_bps;
	r->expires_at = now + g->seconds * 1000000000ULL;
	r->level = g->level;
	r->burst = g->burst ? g->burst : pf_default_burst(g->rate_bps);
	if (!pf_resv_lookup(m, &g->key, &cur)) {
		merge_live(r, &cur, now);
		return 0;
	}
	if (pf_pool_alloc(m, &r->classid))
		return -1;
	if (getrandom(&r->resv_id, sizeof(r->resv_id), 0) != sizeof(r->resv_id))
		return pf_fail(-1, "no randomness for a reservation id");
	r->resv_id >>= 1; /* stays positive where a signed 64-bit id is used */
	return 0;
}

int direct_grant(struct ctl *c, int argc, char **argv)
{
	char pair[PF_PAIR_STRLEN], rate[32], cls[16];
	__s64 boot_offset = PF_CLOCK_UNKNOWN;
	struct grant_args g;
	struct pf_maps m;
	struct pf_resv r;
	int rc = parse_grant(argc, argv, &g);

	if (rc)
		return rc;
	if (pf_maps_open(&m, c->pin_root))
		return ctl_error(CTL_ERR, "%s", pf_last_error());
	/* No daemon keeps the clock offset here: each grant brings it up to date. */
	if (pf_clock_sync(&m, &boot_offset) < 0 || build_resv(&m, &g, &r) ||
	    pf_resv_install(&m, &g.key, &r, NULL, 0)) {
		pf_maps_close(&m);
		return ctl_error(CTL_ERR, "grant: %s", pf_last_error());
	}
	pf_maps_close(&m);
	pf_key_format(&g.key, pair, sizeof(pair));
	if (c->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_uint64(r.resv_id));
		json_object_object_add(o, "pair", json_object_new_string(pair));
		json_object_object_add(o, "rate_bps", json_object_new_uint64(r.rate_bps));
		json_object_object_add(
		    o, "seconds_left",
		    json_object_new_uint64((r.expires_at - pf_now_ns()) / 1000000000ULL));
		json_object_object_add(o, "expires_at_ns", json_object_new_uint64(r.expires_at));
		json_object_object_add(o, "classid", json_object_new_int64(r.classid));
		json_object_object_add(
		    o, "class",
		    json_object_new_string(pf_class_format(r.classid, cls, sizeof(cls))));
		ctl_print_json(o);
	} else {
		printf("granted %s at %s until +%llus (id %llu, class %s)\n", pair,
		       pf_rate_format(r.rate_bps, rate, sizeof(rate)),
		       (unsigned long long)((r.expires_at - pf_now_ns() + 500000000ULL) /
					    1000000000ULL),
		       (unsigned long long)r.resv_id, pf_class_format(r.classid, cls, sizeof(cls)));
	}
	return CTL_OK;
}

int direct_revoke(struct ctl *c, int argc, char **argv)
{
	char pair[PF_PAIR_STRLEN];
	struct pf_key key;
	struct pf_maps m;
	int rc;

	if (getopt_long(argc, argv, "", (struct option[]){{0}}, NULL) != -1)
		return CTL_USAGE;
	rc = parse_pair(argc, argv, "revoke", &key);
	if (rc)
		return rc;
	if (pf_maps_open(&m, c->pin_root))
		return ctl_error(CTL_ERR, "%s", pf_last_error());
	rc = pf_resv_remove(&m, &key) ? ctl_error(CTL_ERR, "revoke: %s", pf_last_error()) : CTL_OK;
	pf_maps_close(&m);
	if (!rc && !c->json)
		printf("revoked %s\n", pf_key_format(&key, pair, sizeof(pair)));
	return rc;
}
