// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The control socket's "topology" and "path" requests (docs/CONTROL.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/payflowd/path.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"

static struct json_object *hosts_json(const struct pf_conf_port *p)
{
	struct json_object *arr = json_object_new_array();

	for (int h = 0; h < p->n_hosts; h++) {
		char text[PF_ADDR_STRLEN + 8];
		const struct pf_prefix *x = &p->hosts[h];
		int len = pf_addr_is_v4(x->addr) ? x->len - 96 : x->len;

		pf_addr_format(x->addr, text, PF_ADDR_STRLEN);
		snprintf(text + strlen(text), 8, "/%d", len);
		json_object_array_add(arr, json_object_new_string(text));
	}
	return arr;
}

/* One port as a directed link: where its egress leads, its capacity and what is free. */
struct json_object *pfd_port_json(const struct pfd *d, int i)
{
	const struct pf_conf_port *p = &d->conf.ports[i];
	const char *bridge = pf_topo_bridge_of(&d->conf, i);
	int peer = pf_topo_peer(&d->conf, i);
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "port", json_object_new_string(p->ifname));
	json_object_object_add(o, "bridge", bridge ? json_object_new_string(bridge) : NULL);
	json_object_object_add(o, "kind", json_object_new_string(peer >= 0 ? "link" : "edge"));
	if (peer >= 0) {
		json_object_object_add(o, "to_bridge",
				       json_object_new_string(pf_topo_bridge_of(&d->conf, peer)));
		json_object_object_add(o, "peer_port",
				       json_object_new_string(d->conf.ports[peer].ifname));
	} else {
		json_object_object_add(o, "hosts", hosts_json(p));
	}
	json_object_object_add(o, "capacity_bps", json_object_new_uint64(p->capacity_bps));
	json_object_object_add(o, "reserved_bps",
			       json_object_new_uint64(d->adm.ll.reserved_bps[i]));
	json_object_object_add(o, "free_bps", json_object_new_uint64(pf_adm_free(&d->adm, i)));
	return o;
}

struct json_object *pfd_topology(struct pfd *d, struct json_object *req,
				 struct json_object **result)
{
	struct json_object *bridges = json_object_new_array(), *ports = json_object_new_array();
	struct json_object *links = json_object_new_array();

	(void)req;
	for (int b = 0; b < d->conf.n_bridges; b++)
		json_object_array_add(bridges, json_object_new_string(d->conf.bridges[b].ifname));
	for (int i = 0; i < d->conf.n_ports; i++)
		json_object_array_add(ports, pfd_port_json(d, i));
	for (int l = 0; l < d->conf.topo.n_links; l++) {
		const int *p = d->conf.topo.links[l].port;
		struct json_object *o = json_object_new_array();

		json_object_array_add(o, json_object_new_string(d->conf.ports[p[0]].ifname));
		json_object_array_add(o, json_object_new_string(d->conf.ports[p[1]].ifname));
		json_object_array_add(links, o);
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "bridges", bridges);
	json_object_object_add(*result, "ports", ports);
	json_object_object_add(*result, "links", links);
	return NULL;
}

static struct json_object *hops_json(const struct pfd *d, const struct pf_path *p, int dir)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < p->n[dir]; i++)
		json_object_array_add(arr, pfd_port_json(d, p->hop[dir][i]));
	return arr;
}

struct json_object *pfd_path(struct pfd *d, struct json_object *req, struct json_object **result)
{
	struct json_object *err, *a;
	struct pf_key key;
	struct pf_path p;
	__u8 from[16];
	int fwd;

	err = pfd_req_pair(req, &key);
	if (err)
		return err;
	if (pf_path_find(&d->conf, &key, &p))
		return pf_ctl_error_reply(PF_CTL_E_UNKNOWN_ENDPOINT, pf_last_error());
	json_object_object_get_ex(req, "a", &a);
	pf_addr_parse(json_object_get_string(a), from);
	fwd = memcmp(from, key.lo, sizeof(from)) ? 1 : 0; /* the path's [0] is lo -> hi */
	*result = json_object_new_object();
	json_object_object_add(*result, "a", json_object_get(a));
	json_object_object_add(*result, "b", json_object_get(json_object_object_get(req, "b")));
	json_object_object_add(*result, "a_to_b", hops_json(d, &p, fwd));
	json_object_object_add(*result, "b_to_a", hops_json(d, &p, !fwd));
	return NULL;
}
