// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflowctl attach / detach */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "userspace/payflowctl/ctl.h"
#include "userspace/dataplane/dataplane.h"
#include "userspace/dataplane/port.h"
#include "userspace/dataplane/resv.h"
#include "userspace/common/units.h"
#include <net/if.h>
#include "userspace/common/error.h"

static int parse_attach_opts(int argc, char **argv, struct pf_attach_opts *o)
{
	static const struct option opts[] = {
	    {"mode", required_argument, NULL, 'm'},    {"capacity", required_argument, NULL, 'c'},
	    {"be-rate", required_argument, NULL, 'b'}, {"xdp", no_argument, NULL, 'x'},
	    {"xdp-native", no_argument, NULL, 'n'},    {0},
	};
	int opt;

	pf_attach_opts_default(o);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (!strcmp(optarg, "shape"))
				o->mode = PF_MODE_SHAPE;
			else if (!strcmp(optarg, "police"))
				o->mode = PF_MODE_POLICE;
			else
				return ctl_error(CTL_USAGE, "bad mode '%s': shape or police",
						 optarg);
			break;
		case 'c':
			if (pf_rate_parse(optarg, &o->capacity_bps))
				return ctl_error(CTL_USAGE, "bad capacity '%s' (e.g. 1gbit)",
						 optarg);
			break;
		case 'b':
			if (pf_rate_parse(optarg, &o->be_rate_bps))
				return ctl_error(CTL_USAGE,
						 "bad best-effort rate '%s' (e.g. 50mbit)", optarg);
			break;
		case 'H':
			o->hard_police = true;
			break;
		case 'n':
			o->xdp_native = true;
			/* fallthrough */
		case 'x':
			o->xdp = true;
			break;
		default:
			return CTL_USAGE;
		}
	}
	return CTL_OK;
}

int cmd_attach(struct ctl *c, int argc, char **argv)
{
	struct pf_attach_opts o;
	struct pf_dp dp;
	int rc = parse_attach_opts(argc, argv, &o);

	if (rc)
		return rc;
	if (optind >= argc)
		return ctl_error(CTL_USAGE, "attach: name at least one interface");
	if (pf_dp_load(&dp, c->pin_root, 0))
		return ctl_error(CTL_ERR, "%s", pf_last_error());
	for (int i = optind; i < argc && !rc; i++) {
		/* Reservations granted before this port came get their classes here. */
		if (pf_port_attach(&dp, argv[i], &o) ||
		    pf_resv_sync_port(&dp.maps, if_nametoindex(argv[i])))
			rc = ctl_error(CTL_ERR, "%s", pf_last_error());
		else if (!c->json)
			printf("attached %s\n", argv[i]);
	}
	/* A first attach that failed must not leave empty pins behind. */
	if (pf_port_count(&dp.maps) == 0)
		pf_unpin_all(c->pin_root);
	pf_dp_close(&dp);
	return rc;
}

static int collect_name(__u32 ifindex, const struct pf_port *p, void *ctx)
{
	struct json_object *names = ctx;

	(void)ifindex;
	json_object_array_add(names, json_object_new_string(p->ifname));
	return 0;
}

int cmd_detach(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0}};
	struct json_object *names = json_object_new_array();
	struct pf_maps m;
	bool all = false;
	int opt, rc = CTL_OK;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'a') {
			json_object_put(names);
			return CTL_USAGE;
		}
		all = true;
	}
	if (!all && optind >= argc) {
		json_object_put(names);
		return ctl_error(CTL_USAGE, "detach: name an interface, or --all");
	}
	if (pf_maps_open(&m, c->pin_root)) {
		json_object_put(names);
		return ctl_error(CTL_ERR, "%s", pf_last_error());
	}
	if (all)
		pf_port_foreach(&m, collect_name, names);
	for (int i = optind; i < argc; i++)
		json_object_array_add(names, json_object_new_string(argv[i]));
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, i));

		if (pf_port_detach(&m, name))
			rc = ctl_error(CTL_ERR, "%s", pf_last_error());
		else if (!c->json)
			printf("detached %s\n", name);
	}
	pf_maps_close(&m);
	json_object_put(names);
	return rc;
}
