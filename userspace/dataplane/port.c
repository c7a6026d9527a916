// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "userspace/dataplane/clock.h"
#include "payflow.skel.h"
#include "userspace/dataplane/port.h"
#include "userspace/dataplane/htb.h"
#include "userspace/dataplane/srcguard.h"
#include "userspace/common/error.h"

void pf_attach_opts_default(struct pf_attach_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = PF_MODE_SHAPE;
	o->capacity_bps = PF_DEFAULT_CAPACITY_BPS;
	o->be_rate_bps = PF_DEFAULT_BE_RATE_BPS;
}

static int check_opts(const char *ifname, const struct pf_attach_opts *o)
{
	if (!o->capacity_bps)
		return pf_fail(-EINVAL, "%s: capacity must be above 0", ifname);
	if (!o->be_rate_bps || o->be_rate_bps > o->capacity_bps)
		return pf_fail(-EINVAL,
			       "%s: best-effort rate must be above 0 and at most the "
			       "capacity",
			       ifname);
	if (o->xdp && o->mode != PF_MODE_POLICE)
		return pf_fail(-EINVAL, "%s: XDP can only police; use --mode police with --xdp",
			       ifname);
	return 0;
}

/* The data plane's mode is global: every port must agree with the first. */
static int apply_config(const struct pf_maps *m, const struct pf_attach_opts *o)
{
	struct pf_config cfg = {
	    .mode = o->mode,
	    .flags = PF_CFG_METER_BE | PF_CFG_ECN | (o->xdp ? PF_CFG_XDP_POLICES : 0),
	    .be_classid = PF_HANDLE(PF_HTB_MAJOR, PF_HTB_BE_MINOR),
	    .direct_id = PF_HANDLE(PF_HTB_MAJOR, 0),
	    .be_sample = PF_BE_SAMPLE_DEFAULT,
	    .boot_offset_ns = pf_boot_offset_ns(),
	};
	struct pf_config cur;
	int err;

	if (pf_port_count(m) > 0) {
		err = pf_config_get(m, &cur);
		if (err)
			return err;
		if (cur.mode != cfg.mode || cur.flags != cfg.flags)
			return pf_fail(-EINVAL,
				       "the mode (%s%s) is set by the ports already "
				       "attached; detach them to change it",
				       cur.mode == PF_MODE_POLICE ? "police" : "shape",
				       cur.flags & PF_CFG_XDP_POLICES ? " with XDP" : "");
		return 0;
	}
	return pf_config_set(m, &cfg);
}

/* Attaches prog_fd on the clsact `point` (egress or ingress), creating clsact if needed. */
static int tc_attach(int ifindex, enum bpf_tc_attach_point point, int prog_fd, const char *ifname,
		     __u32 *flags)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PF_TC_HANDLE, .priority = PF_TC_PRIO,
		    .prog_fd = prog_fd);
	const char *where = point == BPF_TC_EGRESS ? "egress" : "ingress";
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return pf_fail(err, "%s: cannot create the clsact qdisc: %s", ifname,
			       strerror(-err));
	if (!err)
		*flags |= PF_PORT_OWN_CLSACT;
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return pf_fail(err, "%s: cannot attach the tc %s program: %s", ifname, where,
			       strerror(-err));
	*flags |= point == BPF_TC_EGRESS ? PF_PORT_TC : PF_PORT_SRC_GUARD;
	return 0;
}

static void tc_detach(int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PF_TC_HANDLE, .priority = PF_TC_PRIO);

	if (flags & PF_PORT_TC)
		bpf_tc_detach(&hook, &opts);
	if (flags & PF_PORT_SRC_GUARD) {
		hook.attach_point = BPF_TC_INGRESS;
		bpf_tc_detach(&hook, &opts);
		hook.attach_point = BPF_TC_EGRESS;
	}
	if (flags & PF_PORT_OWN_CLSACT) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

static int xdp_attach(int ifindex, int prog_fd, const char *ifname, bool native, __u32 *flags)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *prog;
	int err;

	if (!libxdp_get_error(mp) && xdp_multiprog__main_prog(mp)) {
		xdp_multiprog__close(mp);
		return pf_fail(-EEXIST, "%s already has an XDP program", ifname);
	}
	if (!libxdp_get_error(mp))
		xdp_multiprog__close(mp);
	prog = xdp_program__from_fd(prog_fd);
	err = libxdp_get_error(prog);
	if (err)
		return pf_fail(err, "%s: cannot wrap the XDP program: %s", ifname, strerror(-err));
	err = xdp_program__attach(prog, ifindex, native ? XDP_MODE_NATIVE : XDP_MODE_SKB, 0);
	xdp_program__close(prog);
	if (err)
		return pf_fail(err, "%s: cannot attach XDP (%s mode): %s", ifname,
			       native ? "native" : "generic", strerror(-err));
	*flags |= PF_PORT_XDP | (native ? PF_PORT_XDP_NATIVE : 0);
	return 0;
}

static void xdp_detach(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);

	if (libxdp_get_error(mp))
		return;
	if (xdp_multiprog__main_prog(mp))
		xdp_multiprog__detach(mp);
	xdp_multiprog__close(mp);
}

/* Undoes the steps recorded in flags, newest first. */
static void undo(int ifindex, __u32 flags)
{
	if (flags & PF_PORT_XDP)
		xdp_detach(ifindex);
	tc_detach(ifindex, flags);
	if (flags & PF_PORT_HTB)
		pf_htb_teardown(ifindex);
}

/* The cls_bpf selectors that lead a pooled class id through 1: and 2: (htb.h). */
static int attach_selectors(struct pf_dp *dp, int ifindex, const char *ifname)
{
	int err =
	    pf_htb_selector_attach(ifindex, PF_HANDLE(PF_HTB_MAJOR, 0),
				   bpf_program__fd(dp->skel->progs.pf_sel_root), "pf_sel_root");

	if (!err)
		err = pf_htb_selector_attach(ifindex, PF_HANDLE(PF_POOL_QDISC_MAJOR, 0),
					     bpf_program__fd(dp->skel->progs.pf_sel_pool),
					     "pf_sel_pool");
	return err ? pf_fail(err, "%s: %s", ifname, pf_last_error()) : 0;
}

static int setup_port(struct pf_dp *dp, int ifindex, const char *ifname,
		      const struct pf_attach_opts *o, struct pf_port *port)
{
	int err = pf_htb_setup(ifindex, o->capacity_bps, o->be_rate_bps);

	if (err)
		return pf_fail(err, "%s: %s", ifname, pf_last_error());
	port->flags |= PF_PORT_HTB;
	err = attach_selectors(dp, ifindex, ifname);
	if (!err)
		err =
		    tc_attach(ifindex, BPF_TC_EGRESS, bpf_program__fd(dp->skel->progs.pf_tc_egress),
			      ifname, &port->flags);
	if (!err && o->src_guard)
		err =
		    tc_attach(ifindex, BPF_TC_INGRESS,
			      bpf_program__fd(dp->skel->progs.pf_tc_ingress), ifname, &port->flags);
	if (!err && o->xdp)
		err = xdp_attach(ifindex, bpf_program__fd(dp->skel->progs.pf_xdp), ifname,
				 o->xdp_native, &port->flags);
	if (!err && bpf_map_update_elem(dp->maps.ports, &ifindex, port, BPF_NOEXIST))
		err = pf_fail(-errno, "%s: cannot record the port: %s", ifname, strerror(errno));
	return err;
}

int pf_port_attach(struct pf_dp *dp, const char *ifname, const struct pf_attach_opts *o)
{
	struct pf_port port = {.capacity_bps = o->capacity_bps, .be_rate_bps = o->be_rate_bps};
	int ifindex = if_nametoindex(ifname);
	int err;

	if (!ifindex)
		return pf_fail(-ENODEV, "unknown interface %s", ifname);
	if (!bpf_map_lookup_elem(dp->maps.ports, &ifindex, &port))
		return pf_fail(-EEXIST, "%s is already attached", ifname);
	err = check_opts(ifname, o);
	if (!err)
		err = apply_config(&dp->maps, o);
	if (err)
		return err;
	snprintf(port.ifname, sizeof(port.ifname), "%s", ifname);
	err = setup_port(dp, ifindex, ifname, o, &port);
	if (err)
		undo(ifindex, port.flags);
	return err;
}

struct find_ctx {
	const char *ifname;
	__u32 ifindex;
	struct pf_port port;
	bool found;
};

static int match_name(__u32 ifindex, const struct pf_port *p, void *arg)
{
	struct find_ctx *f = arg;

	if (strncmp(p->ifname, f->ifname, sizeof(p->ifname)))
		return 0;
	f->ifindex = ifindex;
	f->port = *p;
	f->found = true;
	return 1;
}

int pf_port_detach(struct pf_maps *m, const char *ifname)
{
	struct find_ctx f = {.ifname = ifname};
	int err = pf_port_foreach(m, match_name, &f);

	if (err)
		return err;
	if (!f.found)
		return pf_fail(-ENOENT, "%s is not attached", ifname);
	/* A port whose interface is gone has nothing left to undo. */
	if (if_nametoindex(ifname) == f.ifindex)
		undo(f.ifindex, f.port.flags);
	pf_src_allow_set(m, f.ifindex, NULL, 0);
	bpf_map_delete_elem(m->ports, &f.ifindex);
	if (pf_port_count(m) == 0)
		return pf_unpin_all(m->root);
	return 0;
}

int pf_port_foreach(const struct pf_maps *m,
		    int (*cb)(__u32 ifindex, const struct pf_port *p, void *ctx), void *ctx)
{
	__u32 key, next;
	__u32 *prev = NULL;
	struct pf_port port;

	while (!bpf_map_get_next_key(m->ports, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->ports, &key, &port))
			continue;
		if (cb(key, &port, ctx))
			break;
	}
	return 0;
}

static int count_one(__u32 ifindex, const struct pf_port *p, void *ctx)
{
	(void)ifindex;
	(void)p;
	(*(int *)ctx)++;
	return 0;
}

int pf_port_count(const struct pf_maps *m)
{
	int n = 0;

	pf_port_foreach(m, count_one, &n);
	return n;
}
