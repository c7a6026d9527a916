// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Reload without restart (SIGHUP, `payflowctl reload`): the config file is
 * read and checked again; what may change live (config_diff.h) is applied
 * (HTB rates, source allow lists, the link ledger's capacities, the MENU and
 * the broker's limits), all or nothing; on any error payflowd keeps running
 * on the config it had. A lower capacity never ends a reservation: what is
 * reserved stays, and admission refuses new ones until there is room.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/payflowd/config_diff.h"
#include "userspace/dataplane/port_rates.h"
#include "userspace/common/error.h"
#include "userspace/common/units.h"

static int set_rates(struct pfd *d, const struct pf_conf *c, int i, struct pf_port *was)
{
	return pf_port_rates_set(&d->dp.maps, c->ports[i].ifindex, c->ports[i].capacity_bps,
				 c->be_rate_bps, was);
}

int pfd_port_rates_sync(struct pfd *d, int i)
{
	const struct pf_conf_port *p = &d->conf.ports[i];
	struct pf_port was;
	char a[32], b[32], c[32], e[32];
	int err = set_rates(d, &d->conf, i, &was);

	if (err)
		return err;
	if (was.capacity_bps != p->capacity_bps || was.be_rate_bps != d->conf.be_rate_bps)
		pfd_log("%s: HTB root %s -> %s, best effort %s -> %s (in place)", p->ifname,
			pf_rate_format(was.capacity_bps, a, sizeof(a)),
			pf_rate_format(p->capacity_bps, b, sizeof(b)),
			pf_rate_format(was.be_rate_bps, c, sizeof(c)),
			pf_rate_format(d->conf.be_rate_bps, e, sizeof(e)));
	return 0;
}

/* The data plane to next's rates and hosts; on error back to cur's. */
static int apply_ports(struct pfd *d, const struct pf_conf *cur, const struct pf_conf *next)
{
	struct pf_port was;
	int i, err = 0;

	for (i = 0; i < next->n_ports && !err; i++)
		err = pfd_src_guard_sync(d, &next->ports[i]) ?: set_rates(d, next, i, &was);
	if (!err)
		return 0;
	{
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", pf_last_error());
		while (i-- > 0)
			if (pfd_src_guard_sync(d, &cur->ports[i]) || set_rates(d, cur, i, &was))
				pfd_logl(PFD_LOG_ERR, "reload: cannot restore %s: %s",
					 cur->ports[i].ifname, pf_last_error());
		return pf_fail(err, "%s", msg);
	}
}

static int apply(struct pfd *d, struct pf_conf *next)
{
	__u64 cap[PF_CONF_MAX_PORTS];
	int err = apply_ports(d, &d->conf, next);

	if (!err && (err = pfd_broker_reload(d, next)))
		apply_ports(d, next, &d->conf);
	if (err)
		return err;
	d->conf = *next;
	for (int i = 0; i < d->conf.n_ports; i++)
		cap[i] = d->conf.ports[i].capacity_bps;
	pf_ll_set_capacity(&d->adm.ll, cap, d->conf.be_floor_bps);
	return 0;
}

int pfd_reload(struct pfd *d, char *changed, size_t len)
{
	struct pf_conf *next = calloc(1, sizeof(*next));
	int err;

	if (!next)
		return pf_fail(-ENOMEM, "out of memory");
	pfd_notify_reloading();
	err = pf_conf_load(d->config_path, next) ?: pf_conf_diff(&d->conf, next, changed, len);
	if (!err && changed[0])
		err = apply(d, next);
	free(next);
	pfd_notify_ready(d);
	if (err)
		return pf_fail(err, "reload refused, still on the old config: %s", pf_last_error());
	if (changed[0])
		pfd_log("reload: %s applied (changed: %s)", d->config_path, changed);
	else
		pfd_log("reload: %s has no change", d->config_path);
	return 0;
}

struct json_object *pfd_reload_op(struct pfd *d, struct json_object *req,
				  struct json_object **result)
{
	char changed[1024];
	struct json_object *arr;
	char *save = NULL;

	(void)req;
	if (pfd_reload(d, changed, sizeof(changed))) {
		pfd_logl(PFD_LOG_WARN, "%s", pf_last_error());
		return pf_ctl_error_reply(PF_CTL_E_RELOAD_REFUSED, pf_last_error());
	}
	arr = json_object_new_array();
	for (char *k = strtok_r(changed, ",", &save); k; k = strtok_r(NULL, ",", &save))
		json_object_array_add(arr, json_object_new_string(k + (*k == ' ')));
	*result = json_object_new_object();
	json_object_object_add(*result, "config", json_object_new_string(d->config_path));
	json_object_object_add(*result, "changed", arr);
	return NULL;
}
