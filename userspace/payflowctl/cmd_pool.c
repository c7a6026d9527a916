// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflowctl pool: the class pool of the attached ports (userspace/dataplane/pool.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>
#include "userspace/payflowctl/ctl.h"
#include "userspace/dataplane/dataplane.h"
#include "userspace/dataplane/htb.h"
#include "userspace/dataplane/pool.h"
#include "userspace/common/error.h"

static int parse_reserve(int argc, char **argv, long *reserve)
{
	static const struct option opts[] = {{"reserve", required_argument, NULL, 'r'}, {0}};
	char *end;
	int opt;

	*reserve = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'r')
			return CTL_USAGE;
		*reserve = strtol(optarg, &end, 10);
		if (*end || *reserve < 1 || *reserve > (1L << 24))
			return ctl_error(CTL_USAGE,
					 "bad value '%s' for --reserve: 1 to %ld classes", optarg,
					 1L << 24);
	}
	if (optind < argc)
		return ctl_error(CTL_USAGE, "pool: unexpected argument '%s'", argv[optind]);
	return CTL_OK;
}

static void print_pool(const struct ctl *c, const struct pf_pool *p)
{
	__u64 classes = (__u64)p->blocks * PF_POOL_BLOCK;

	if (c->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "blocks", json_object_new_int64(p->blocks));
		json_object_object_add(o, "classes", json_object_new_int64(classes));
		json_object_object_add(o, "used", json_object_new_int64(p->count));
		json_object_object_add(o, "free", json_object_new_int64(classes - p->count));
		ctl_print_json(o);
		return;
	}
	printf("%u blocks of %u classes: %llu classes, %u in use, %llu free\n", p->blocks,
	       PF_POOL_BLOCK, (unsigned long long)classes, p->count,
	       (unsigned long long)(classes - p->count));
}

int cmd_pool(struct ctl *c, int argc, char **argv)
{
	struct pf_maps m;
	__u32 blocks;
	long reserve;
	int rc = parse_reserve(argc, argv, &reserve);

	if (rc)
		return rc;
	if (pf_maps_open(&m, c->pin_root))
		return ctl_error(CTL_ERR, "%s", pf_last_error());
	pf_htb_session_begin();
	if ((reserve ? pf_pool_reserve(&m, reserve) : 0) || pf_pool_blocks(&m, &blocks))
		rc = ctl_error(CTL_ERR, "pool: %s", pf_last_error());
	else
		print_pool(c, m.pool);
	pf_htb_session_end();
	pf_maps_close(&m);
	return rc;
}
