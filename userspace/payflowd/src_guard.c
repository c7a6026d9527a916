// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The source guard of the configured ports: a port with `hosts` accepts only
 * packets from those prefixes (bpf/srcguard.h). Its allow list is written
 * before the guard is attached, so its own hosts are never cut off, and
 * rewritten at every start, so a changed `hosts` list takes effect.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/dataplane/srcguard.h"
#include "userspace/common/error.h"

/* A port attached by an earlier run keeps its guard, or its lack of one, until detached. */
static int check_attached(struct pfd *d, const struct pf_conf_port *p)
{
	struct pf_port port;

	if (bpf_map_lookup_elem(d->dp.maps.ports, &p->ifindex, &port))
		return 0; /* not attached yet */
	if ((port.flags & PF_PORT_SRC_GUARD) && !p->n_hosts)
		return pf_fail(-EINVAL,
			       "%s has a source guard but no longer any hosts, so it would drop "
			       "every packet: run payflowd --detach first",
			       p->ifname);
	if (!(port.flags & PF_PORT_SRC_GUARD) && p->n_hosts)
		pfd_logl(PFD_LOG_WARN,
			 "%s was attached without hosts and has no source guard: detach "
			 "(payflowd --detach) to guard it",
			 p->ifname);
	return 0;
}

int pfd_src_guard_sync(struct pfd *d, const struct pf_conf_port *p)
{
	struct pf_src_prefix allow[PF_CONF_MAX_HOSTS];
	int err = check_attached(d, p);

	if (err)
		return err;
	for (int i = 0; i < p->n_hosts; i++) {
		memcpy(allow[i].addr, p->hosts[i].addr, sizeof(allow[i].addr));
		allow[i].len = p->hosts[i].len;
	}
	err = pf_src_allow_set(&d->dp.maps, p->ifindex, allow, p->n_hosts);
	if (err)
		return pf_fail(err, "%s: %s", p->ifname, pf_last_error());
	return 0;
}
