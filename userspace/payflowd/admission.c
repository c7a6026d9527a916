// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "userspace/payflowd/admission.h"
#include "userspace/common/addr.h"
#include "userspace/common/units.h"
#include "userspace/common/error.h"

void pf_adm_init(struct pf_adm *a, const struct pf_conf *c)
{
	memset(a, 0, sizeof(*a));
	a->conf = c;
	for (int i = 0; i < c->n_ports; i++)
		a->ports[i].reservable_bps = c->ports[i].capacity_bps > c->be_floor_bps
						 ? c->ports[i].capacity_bps - c->be_floor_bps
						 : 0;
}

static int endpoint_port(const struct pf_adm *a, const __u8 addr[16], pf_portset *set)
{
	char text[PF_ADDR_STRLEN];
	int port = pf_conf_port_of(a->conf, addr);

	if (port >= 0) {
		*set |= 1ULL << port;
		return 0;
	}
	if (a->conf->allow_unknown_endpoint) {
		for (int i = 0; i < a->conf->n_ports; i++)
			*set |= 1ULL << i;
		return 0;
	}
	return pf_fail(-ENOENT, "%s is on no configured port (add it to a port's \"hosts\")",
		       pf_addr_format(addr, text, sizeof(text)));
}

int pf_adm_ports(const struct pf_adm *a, const struct pf_key *key, pf_portset *out)
{
	*out = 0;
	return endpoint_port(a, key->lo, out) ?: endpoint_port(a, key->hi, out);
}

__u64 pf_adm_free(const struct pf_adm *a, int port)
{
	const struct pf_adm_port *p = &a->ports[port];

	return p->reserved_bps < p->reservable_bps ? p->reservable_bps - p->reserved_bps : 0;
}

int pf_adm_check(const struct pf_adm *a, pf_portset set, __u64 add_bps)
{
	for (int i = 0; i < a->conf->n_ports; i++) {
		char want[32], free[32], cap[32];

		if (!(set & (1ULL << i)) || add_bps <= pf_adm_free(a, i))
			continue;
		return pf_fail(-ENOSPC,
			       "port %s has %s free of %s reservable (capacity minus the "
			       "best-effort floor); %s more was asked",
			       a->conf->ports[i].ifname,
			       pf_rate_format(pf_adm_free(a, i), free, sizeof(free)),
			       pf_rate_format(a->ports[i].reservable_bps, cap, sizeof(cap)),
			       pf_rate_format(add_bps, want, sizeof(want)));
	}
	return 0;
}

void pf_adm_charge(struct pf_adm *a, pf_portset set, __u64 bps)
{
	for (int i = 0; i < a->conf->n_ports; i++)
		if (set & (1ULL << i))
			a->ports[i].reserved_bps += bps;
}

void pf_adm_release(struct pf_adm *a, pf_portset set, __u64 bps)
{
	for (int i = 0; i < a->conf->n_ports; i++)
		if (set & (1ULL << i))
			a->ports[i].reserved_bps -=
			    bps < a->ports[i].reserved_bps ? bps : a->ports[i].reserved_bps;
}
