// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflowctl topology / path: what payflowd knows of bridges, links and paths. */
#include <stdio.h>
#include <string.h>
#include "userspace/payflowctl/ctl.h"
#include "userspace/common/addr.h"
#include "userspace/common/units.h"

static const char *field(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : "-";
}

static void rate(struct json_object *o, const char *k, char *buf, size_t len)
{
	struct json_object *v;

	pf_rate_format(json_object_object_get_ex(o, k, &v) ? json_object_get_uint64(v) : 0, buf,
		       len);
}

/* "vs1s2 (s1 -> s2)" or "veth1 (s1 -> 10.0.0.1/32,...)" */
static void print_port(struct json_object *p)
{
	struct json_object *hosts;
	char cap[32], res[32], fr[32], to[256] = "";

	rate(p, "capacity_bps", cap, sizeof(cap));
	rate(p, "reserved_bps", res, sizeof(res));
	rate(p, "free_bps", fr, sizeof(fr));
	if (json_object_object_get_ex(p, "hosts", &hosts))
		for (size_t i = 0, off = 0; i < json_object_array_length(hosts) && off < sizeof(to);
		     i++)
			off +=
			    snprintf(to + off, sizeof(to) - off, "%s%s", i ? "," : "",
				     json_object_get_string(json_object_array_get_idx(hosts, i)));
	else
		snprintf(to, sizeof(to), "bridge %s (port %s)", field(p, "to_bridge"),
			 field(p, "peer_port"));
	printf("%-16s %-8s %-5s %12s %12s %12s  -> %s\n", field(p, "port"), field(p, "bridge"),
	       field(p, "kind"), cap, res, fr, to[0] ? to : "(no hosts)");
}

static void print_ports(struct json_object *arr)
{
	printf("%-16s %-8s %-5s %12s %12s %12s  %s\n", "PORT", "BRIDGE", "KIND", "CAPACITY",
	       "RESERVED", "FREE", "EGRESS TOWARD");
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		print_port(json_object_array_get_idx(arr, i));
}

static void print_topology(struct json_object *r)
{
	struct json_object *links = json_object_object_get(r, "links");

	print_ports(json_object_object_get(r, "ports"));
	printf("links: %zu\n", json_object_array_length(links));
	for (size_t i = 0; i < json_object_array_length(links); i++) {
		struct json_object *l = json_object_array_get_idx(links, i);

		printf("  %s <-> %s\n", json_object_get_string(json_object_array_get_idx(l, 0)),
		       json_object_get_string(json_object_array_get_idx(l, 1)));
	}
}

static void print_path(struct json_object *r)
{
	printf("%s -> %s:\n", field(r, "a"), field(r, "b"));
	print_ports(json_object_object_get(r, "a_to_b"));
	printf("%s -> %s:\n", field(r, "b"), field(r, "a"));
	print_ports(json_object_object_get(r, "b_to_a"));
}

static struct json_object *request(const char *op)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "op", json_object_new_string(op));
	return o;
}

int cmd_topology(struct ctl *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return ctl_error(CTL_USAGE, "topology takes no arguments");
	return ctl_daemon_run(c, request("topology"), print_topology);
}

int cmd_path(struct ctl *c, int argc, char **argv)
{
	struct json_object *req;
	__u8 addr[16];

	if (argc != 3)
		return ctl_error(CTL_USAGE, "usage: path IP1 IP2");
	for (int i = 1; i < 3; i++)
		if (pf_addr_parse(argv[i], addr))
			return ctl_error(CTL_USAGE, "bad address '%s' (IPv4 or IPv6 expected)",
					 argv[i]);
	req = request("path");
	json_object_object_add(req, "a", json_object_new_string(argv[1]));
	json_object_object_add(req, "b", json_object_new_string(argv[2]));
	return ctl_daemon_run(c, req, print_path);
}
