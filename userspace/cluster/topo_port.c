// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A port of the cluster's topology under P/topo/ports/LINK; see topo_port.h. */
#include "userspace/cluster/topo_port.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/error.h"

static int port_key(char *out, const char *prefix, const char *link)
{
	int err =
	    pf_cl_check_name("topology port", link) ?: pf_cl_key_dir(out, prefix, "topo/ports");

	if (err)
		return err;
	if (strlen(out) + strlen(link) >= PF_CL_KEY_MAX)
		return pf_fail(-ENAMETOOLONG, "cluster key too long");
	strcat(out, link);
	return 0;
}

int pf_cl_port_encode(const struct pf_cl_port *p, char **out)
{
	struct json_object *o = json_object_new_object(), *hosts = json_object_new_array();
	int err = 0;

	*out = NULL;
	if (p->peer[0])
		err = pf_cl_check_name("topology peer", p->peer);
	for (int i = 0; o && hosts && !err && i < p->n_hosts; i++)
		err =
		    json_object_array_add(hosts, json_object_new_string(p->hosts[i])) ? -ENOMEM : 0;
	if (!err && o && hosts) {
		json_object_object_add(o, "bridge", json_object_new_string(p->bridge));
		json_object_object_add(o, "hosts", hosts);
		hosts = NULL;
		json_object_object_add(o, "peer", json_object_new_string(p->peer));
		*out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(o);
	json_object_put(hosts);
	if (err == -EINVAL)
		return err;
	return *out ? 0 : pf_fail(-ENOMEM, "out of memory");
}

/* A string member of o into out (size bytes); -EINVAL naming it. */
static int text(const char *link, struct json_object *o, const char *key, char *out, size_t size)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return pf_fail(-EINVAL, "topology port %s: \"%s\" is missing or not a string", link,
			       key);
	if ((size_t)json_object_get_string_len(v) >= size)
		return pf_fail(-EINVAL, "topology port %s: \"%s\" is longer than %zu", link, key,
			       size - 1);
	strcpy(out, json_object_get_string(v));
	return 0;
}

static int hosts_of(const char *link, struct json_object *o, struct pf_cl_port *p)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, "hosts", &v) || !json_object_is_type(v, json_type_array))
		return pf_fail(-EINVAL, "topology port %s: \"hosts\" is missing or not a list",
			       link);
	if (json_object_array_length(v) > PF_CL_PORT_HOSTS)
		return pf_fail(-EINVAL, "topology port %s: more than %d hosts", link,
			       PF_CL_PORT_HOSTS);
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *h = json_object_array_get_idx(v, i);

		if (!json_object_is_type(h, json_type_string) ||
		    json_object_get_string_len(h) >= PF_CL_PREFIX_TEXT)
			return pf_fail(-EINVAL, "topology port %s: hosts[%zu] is not a prefix",
				       link, i);
		strcpy(p->hosts[p->n_hosts++], json_object_get_string(h));
	}
	return 0;
}

int pf_cl_port_decode(const char *link, const char *json, struct pf_cl_port *p)
{
	struct json_object *o = json_tokener_parse(json);
	int err;

	memset(p, 0, sizeof(*p));
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return pf_fail(-EINVAL, "topology port %s: not a JSON object", link);
	}
	err = pf_cl_check_name("topology port", link) ?: text(link, o, "bridge", p->bridge,
								  sizeof(p->bridge))
		  ?: text(link, o, "peer", p->peer, sizeof(p->peer)) ?: hosts_of(link, o, p);
	json_object_put(o);
	if (!err && p->peer[0])
		err = pf_cl_check_name("topology peer", p->peer);
	if (!err)
		snprintf(p->link, sizeof(p->link), "%s", link);
	return err;
}

int pf_cl_port_put(struct pf_etcd *e, const char *prefix, const struct pf_cl_port *p)
{
	char key[PF_CL_KEY_MAX], *json;
	int err = port_key(key, prefix, p->link) ?: pf_cl_port_encode(p, &json);

	if (err)
		return err;
	err = pf_etcd_put(e, key, json, strlen(json), 0, NULL);
	free(json);
	return err;
}

int pf_cl_topo_read(struct pf_etcd *e, const char *prefix, struct pf_cl_topo *t)
{
	char dir[PF_CL_KEY_MAX];
	struct pf_etcd_kvs kvs = {0};
	int err =
	    pf_cl_key_dir(dir, prefix, "topo/ports") ?: pf_etcd_range(e, dir, NULL, 0, 0, &kvs);

	memset(t, 0, sizeof(*t));
	if (err)
		return err;
	t->revision = kvs.revision;
	t->ports = calloc(kvs.n ?: 1, sizeof(*t->ports));
	if (!t->ports)
		err = pf_fail(-ENOMEM, "out of memory");
	for (size_t i = 0; !err && i < kvs.n; i++)
		err = pf_cl_port_decode(kvs.kv[i].key + strlen(dir), kvs.kv[i].value,
					&t->ports[t->n++]);
	pf_etcd_kvs_free(&kvs);
	if (err)
		pf_cl_topo_free(t);
	return err;
}

void pf_cl_topo_free(struct pf_cl_topo *t)
{
	free(t->ports);
	t->ports = NULL;
	t->n = 0;
}
