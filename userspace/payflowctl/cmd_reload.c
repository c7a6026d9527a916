// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflowctl reload: payflowd re-reads its config and applies what may change live. */
#include <stdio.h>
#include "userspace/payflowctl/ctl.h"

static void print_reload(struct json_object *r)
{
	struct json_object *ch = json_object_object_get(r, "changed");
	size_t n = json_object_array_length(ch);

	printf("reloaded %s: ", json_object_get_string(json_object_object_get(r, "config")));
	if (!n)
		printf("no change\n");
	for (size_t i = 0; i < n; i++)
		printf("%s%s", json_object_get_string(json_object_array_get_idx(ch, i)),
		       i + 1 < n ? ", " : " changed\n");
}

int cmd_reload(struct ctl *c, int argc, char **argv)
{
	struct json_object *req;

	(void)argv;
	if (argc != 1)
		return ctl_error(CTL_USAGE, "usage: reload (no arguments)");
	req = json_object_new_object();
	json_object_object_add(req, "op", json_object_new_string("reload"));
	return ctl_daemon_run(c, req, print_reload);
}
