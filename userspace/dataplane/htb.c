// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>
#include "bpf/payflow.h"
#include "userspace/dataplane/htb.h"
#include "userspace/common/error.h"

#define PF_HTB_MTU 1514
#define PF_GSO_MAX 65536 /* largest super-packet a veth or NIC hands the qdisc */

/* The socket of the current session, if one is open (see htb.h). */
static __thread struct nl_sock *session_sk;

/* Opens a route socket; the caller frees it. NULL with the error recorded. */
static struct nl_sock *route_socket_new(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk) {
		pf_fail(-ENOMEM, "out of memory");
		return NULL;
	}
	if (nl_connect(sk, NETLINK_ROUTE)) {
		nl_socket_free(sk);
		pf_fail(-EIO, "cannot open an rtnetlink socket");
		return NULL;
	}
	return sk;
}

/* The session's socket, or a fresh one; release it with route_socket_put(). */
static struct nl_sock *route_socket(void)
{
	return session_sk ? session_sk : route_socket_new();
}

static void route_socket_put(struct nl_sock *sk)
{
	if (sk != session_sk)
		nl_socket_free(sk);
}

int pf_htb_session_begin(void)
{
	if (session_sk)
		return 0;
	session_sk = route_socket_new();
	return session_sk ? 0 : -EIO;
}

void pf_htb_session_end(void)
{
	if (session_sk)
		nl_socket_free(session_sk);
	session_sk = NULL;
}

/* Maps libnl's error space back to errno for our callers. */
static int nl_to_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/*
 * Bucket: one jiffy of traffic plus an MTU, as tc(8) picks it, but never less
 * than two GSO super-packets. A veth hands HTB up to 64 KiB at once; with a
 * bucket smaller than that, every dequeue overdraws it and the time the timer
 * fires late is never won back: a 150 Mbit/s class carried 3-5% under its rate
 * (test_dp_shape), within 0.2% with this floor. The quantum only matters when
 * classes borrow; ours have rate == ceil, so it just must stay in range.
 */
static void set_class_rate(struct rtnl_class *c, __u64 rate_bps)
{
	__u64 bytes_per_s = rate_bps / 8;
	__u64 burst = bytes_per_s / 1000 + PF_HTB_MTU;
	__u64 quantum = bytes_per_s / 10;

	if (quantum < PF_HTB_MTU)
		quantum = PF_HTB_MTU;
	if (quantum > 200000)
		quantum = 200000;
	if (burst < 2 * PF_GSO_MAX + PF_HTB_MTU)
		burst = 2 * PF_GSO_MAX + PF_HTB_MTU;
	if (burst > UINT32_MAX)
		burst = UINT32_MAX;
	rtnl_htb_set_rate64(c, bytes_per_s);
	rtnl_htb_set_ceil64(c, bytes_per_s);
	rtnl_htb_set_rbuffer(c, burst);
	rtnl_htb_set_cbuffer(c, burst);
	rtnl_htb_set_quantum(c, quantum);
}

static int class_put(struct nl_sock *sk, int ifindex, __u32 parent, __u16 minor, __u64 rate_bps)
{
	struct rtnl_class *c = rtnl_class_alloc();
	int err;

	if (!c)
		return pf_fail(-ENOMEM, "out of memory");
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), parent);
	rtnl_tc_set_handle(TC_CAST(c), PF_HANDLE(PF_HTB_MAJOR, minor));
	err = rtnl_tc_set_kind(TC_CAST(c), "htb");
	if (!err) {
		set_class_rate(c, rate_bps);
		err = rtnl_class_add(sk, c, NLM_F_CREATE);
	}
	rtnl_class_put(c);
	if (err)
		return pf_fail(nl_to_errno(err), "cannot set HTB class 1:%x on ifindex %d: %s",
			       minor, ifindex, nl_geterror(err));
	return 0;
}

static int qdisc_add(struct nl_sock *sk, int ifindex)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int err;

	if (!q)
		return pf_fail(-ENOMEM, "out of memory");
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), PF_HANDLE(PF_HTB_MAJOR, 0));
	err = rtnl_tc_set_kind(TC_CAST(q), "htb");
	if (!err) {
		rtnl_htb_set_defcls(q, PF_HTB_BE_MINOR);
		err = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_EXCL);
	}
	rtnl_qdisc_put(q);
	if (err == -NLE_EXIST)
		return pf_fail(-EEXIST,
			       "ifindex %d already has a root qdisc; payflow will not "
			       "replace one it did not create",
			       ifindex);
	if (err)
		return pf_fail(nl_to_errno(err), "cannot add the HTB qdisc on ifindex %d: %s",
			       ifindex, nl_geterror(err));
	return 0;
}

int pf_htb_setup(int ifindex, __u64 capacity_bps, __u64 be_rate_bps)
{
	struct nl_sock *sk = route_socket();
	int err;

	if (!sk)
		return -EIO;
	err = qdisc_add(sk, ifindex);
	if (!err)
		err = class_put(sk, ifindex, PF_HANDLE(PF_HTB_MAJOR, 0), PF_HTB_ROOT_MINOR,
				capacity_bps);
	if (!err)
		err = class_put(sk, ifindex, PF_HANDLE(PF_HTB_MAJOR, PF_HTB_ROOT_MINOR),
				PF_HTB_BE_MINOR, be_rate_bps);
	route_socket_put(sk);
	if (err && err != -EEXIST)
		pf_htb_teardown(ifindex);
	return err;
}

int pf_htb_rates_set(int ifindex, __u64 capacity_bps, __u64 be_rate_bps)
{
	struct nl_sock *sk = route_socket();
	int err;

	if (!sk)
		return -EIO;
	err = class_put(sk, ifindex, PF_HANDLE(PF_HTB_MAJOR, 0), PF_HTB_ROOT_MINOR, capacity_bps);
	if (!err)
		err = class_put(sk, ifindex, PF_HANDLE(PF_HTB_MAJOR, PF_HTB_ROOT_MINOR),
				PF_HTB_BE_MINOR, be_rate_bps);
	route_socket_put(sk);
	return err;
}

int pf_htb_teardown(int ifindex)
{
	struct nl_sock *sk = route_socket();
	struct rtnl_qdisc *q;
	int err;

	if (!sk)
		return -EIO;
	q = rtnl_qdisc_alloc();
	if (!q) {
		route_socket_put(sk);
		return pf_fail(-ENOMEM, "out of memory");
	}
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), PF_HANDLE(PF_HTB_MAJOR, 0));
	err = rtnl_qdisc_delete(sk, q);
	rtnl_qdisc_put(q);
	route_socket_put(sk);
	if (err && err != -NLE_OBJ_NOTFOUND && err != -NLE_NOADDR)
		return pf_fail(nl_to_errno(err), "cannot delete the HTB qdisc on ifindex %d: %s",
			       ifindex, nl_geterror(err));
	return 0;
}

int pf_htb_class_set(int ifindex, __u16 minor, __u64 rate_bps)
{
	struct nl_sock *sk;
	int err;

	if (minor < PF_HTB_MIN_MINOR)
		return pf_fail(-EINVAL, "HTB minor 0x%x is reserved", minor);
	sk = route_socket();
	if (!sk)
		return -EIO;
	err = class_put(sk, ifindex, PF_HANDLE(PF_HTB_MAJOR, PF_HTB_ROOT_MINOR), minor, rate_bps);
	route_socket_put(sk);
	return err;
}

int pf_htb_class_del(int ifindex, __u16 minor)
{
	struct nl_sock *sk = route_socket();
	struct rtnl_class *c;
	int err;

	if (!sk)
		return -EIO;
	c = rtnl_class_alloc();
	if (!c) {
		route_socket_put(sk);
		return pf_fail(-ENOMEM, "out of memory");
	}
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_handle(TC_CAST(c), PF_HANDLE(PF_HTB_MAJOR, minor));
	err = rtnl_class_delete(sk, c);
	rtnl_class_put(c);
	route_socket_put(sk);
	if (err && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV)
		return pf_fail(nl_to_errno(err), "cannot delete HTB class 1:%x on ifindex %d: %s",
			       minor, ifindex, nl_geterror(err));
	return 0;
}

struct foreach_ctx {
	void (*cb)(__u16 minor, __u64 rate_bps, void *ctx);
	void *ctx;
};

static void visit_class(struct nl_object *obj, void *arg)
{
	struct rtnl_class *c = (struct rtnl_class *)obj;
	struct foreach_ctx *f = arg;
	__u32 handle = rtnl_tc_get_handle(TC_CAST(c));
	uint64_t rate = 0;

	if (TC_H_MAJ(handle) != PF_HANDLE(PF_HTB_MAJOR, 0) || TC_H_MIN(handle) < PF_HTB_MIN_MINOR)
		return;
	rtnl_htb_get_rate64(c, &rate);
	f->cb(TC_H_MIN(handle), rate * 8, f->ctx);
}

int pf_htb_class_foreach(int ifindex, void (*cb)(__u16 minor, __u64 rate_bps, void *ctx), void *ctx)
{
	struct foreach_ctx f = {cb, ctx};
	struct nl_sock *sk = route_socket();
	struct nl_cache *cache;
	int err;

	if (!sk)
		return -EIO;
	err = rtnl_class_alloc_cache(sk, ifindex, &cache);
	route_socket_put(sk);
	if (err)
		return pf_fail(nl_to_errno(err), "cannot list HTB classes on ifindex %d: %s",
			       ifindex, nl_geterror(err));
	nl_cache_foreach(cache, visit_class, &f);
	nl_cache_free(cache);
	return 0;
}
