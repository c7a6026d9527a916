// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/cache.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/fifo.h>
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

struct nl_sock *pf_htb_socket(void)
{
	return route_socket();
}

void pf_htb_socket_put(struct nl_sock *sk)
{
	route_socket_put(sk);
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

/* Creates (flags NLM_F_CREATE[|NLM_F_EXCL]) or changes (0) an HTB class. */
static int class_put_flags(struct nl_sock *sk, int ifindex, __u32 parent, __u32 handle,
			   __u64 rate_bps, int flags)
{
	struct rtnl_class *c = rtnl_class_alloc();
	int err;

	if (!c)
		return pf_fail(-ENOMEM, "out of memory");
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), parent);
	rtnl_tc_set_handle(TC_CAST(c), handle);
	err = rtnl_tc_set_kind(TC_CAST(c), "htb");
	if (!err) {
		set_class_rate(c, rate_bps);
		err = rtnl_class_add(sk, c, flags);
	}
	rtnl_class_put(c);
	if (err)
		return pf_fail(nl_to_errno(err), "cannot set HTB class %x:%x on ifindex %d: %s",
			       TC_H_MAJ(handle) >> 16, TC_H_MIN(handle), ifindex, nl_geterror(err));
	return 0;
}

static int class_put(struct nl_sock *sk, int ifindex, __u32 parent, __u16 minor, __u64 rate_bps)
{
	return class_put_flags(sk, ifindex, parent, PF_HANDLE(PF_HTB_MAJOR, minor), rate_bps,
			       NLM_F_CREATE);
}

/* An HTB qdisc `handle` under `parent`; defcls 0 sends unclassified packets direct. */
static int htb_qdisc_put(struct nl_sock *sk, int ifindex, __u32 parent, __u32 handle, __u32 defcls)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int err;

	if (!q)
		return -NLE_NOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	err = rtnl_tc_set_kind(TC_CAST(q), "htb");
	if (!err) {
		rtnl_htb_set_defcls(q, defcls);
		err = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_EXCL);
	}
	rtnl_qdisc_put(q);
	return err;
}

static int qdisc_add(struct nl_sock *sk, int ifindex)
{
	int err =
	    htb_qdisc_put(sk, ifindex, TC_H_ROOT, PF_HANDLE(PF_HTB_MAJOR, 0), PF_HTB_BE_MINOR);

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

static int pool_setup(struct nl_sock *sk, int ifindex, __u64 capacity_bps);

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
	if (!err)
		err = pool_setup(sk, ifindex, capacity_bps);
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
	void (*cb)(__u32 classid, __u64 rate_bps, void *ctx);
	void *ctx;
};

static void visit_class(struct nl_object *obj, void *arg)
{
	struct rtnl_class *c = (struct rtnl_class *)obj;
	struct foreach_ctx *f = arg;
	__u32 handle = rtnl_tc_get_handle(TC_CAST(c));
	uint64_t rate = 0;

	bool own =
	    TC_H_MAJ(handle) == PF_HANDLE(PF_HTB_MAJOR, 0) && TC_H_MIN(handle) >= PF_HTB_MIN_MINOR;
	bool leaf = (handle >> 16) >= PF_POOL_MAJOR_MIN && TC_H_MIN(handle) >= 1 &&
		    TC_H_MIN(handle) <= PF_POOL_BLOCK;

	if (!own && !leaf)
		return;
	rtnl_htb_get_rate64(c, &rate);
	f->cb(handle, rate * 8, f->ctx);
}

/* Adds the classes of qdisc `major`: to the cache: a dump filtered by parent
 * (tcm_parent) costs the kernel that qdisc alone, where a dump of the port
 * walks every qdisc of the port again for each chunk of the reply. */
static int dump_qdisc_classes(struct nl_sock *sk, int ifindex, __u32 major, struct nl_cache *c)
{
	struct tcmsg t = {
	    .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = PF_HANDLE(major, 0)};
	int err = nl_send_simple(sk, RTM_GETTCLASS, NLM_F_DUMP, &t, sizeof(t));

	return err < 0 ? err : nl_cache_pickup(sk, c);
}

int pf_htb_class_foreach(int ifindex, void (*cb)(__u32 classid, __u64 rate_bps, void *ctx),
			 void *ctx)
{
	struct foreach_ctx f = {cb, ctx};
	struct nl_sock *sk = route_socket();
	struct nl_cache *cache = NULL;
	int err, n = 0;

	if (!sk)
		return -EIO;
	err = nl_cache_alloc_name("route/class", &cache);
	if (!err)
		err = dump_qdisc_classes(sk, ifindex, PF_HTB_MAJOR, cache);
	/* Blocks are consecutive from PF_POOL_MAJOR_MIN: stop at the first empty one. */
	for (__u32 m = PF_POOL_MAJOR_MIN; !err && m <= PF_POOL_MAJOR_MAX; m++) {
		n = nl_cache_nitems(cache);
		err = dump_qdisc_classes(sk, ifindex, m, cache);
		if (!err && nl_cache_nitems(cache) == n)
			break;
	}
	route_socket_put(sk);
	if (err) {
		nl_cache_free(cache);
		return pf_fail(nl_to_errno(err), "cannot list HTB classes on ifindex %d: %s",
			       ifindex, nl_geterror(err));
	}
	nl_cache_foreach(cache, visit_class, &f);
	nl_cache_free(cache);
	return 0;
}

/* The pool's fixed part: holder 1:3 at the port's capacity and the pool qdisc 2: in it. */
static int pool_setup(struct nl_sock *sk, int ifindex, __u64 capacity_bps)
{
	int err = class_put(sk, ifindex, PF_HANDLE(PF_HTB_MAJOR, PF_HTB_ROOT_MINOR),
			    PF_POOL_HOLDER_MINOR, capacity_bps);

	if (err)
		return err;
	err = htb_qdisc_put(sk, ifindex, PF_HANDLE(PF_HTB_MAJOR, PF_POOL_HOLDER_MINOR),
			    PF_HANDLE(PF_POOL_QDISC_MAJOR, 0), 0);
	if (err)
		return pf_fail(nl_to_errno(err), "cannot add the pool qdisc on ifindex %d: %s",
			       ifindex, nl_geterror(err));
	return 0;
}

/* Creates one class unless it exists: a live pooled class keeps its rate. */
static int class_create(struct nl_sock *sk, int ifindex, __u32 parent, __u32 handle, __u64 rate)
{
	int err = class_put_flags(sk, ifindex, parent, handle, rate, NLM_F_CREATE | NLM_F_EXCL);

	return err == -EEXIST ? 0 : err;
}

int pf_htb_block_add(int ifindex, __u16 major, __u64 capacity_bps)
{
	return pf_htb_block_part(ifindex, major, capacity_bps, 1, PF_POOL_BLOCK);
}

int pf_htb_block_part(int ifindex, __u16 major, __u64 capacity_bps, __u32 first, __u32 last)
{
	struct nl_sock *sk = route_socket();
	__u32 holder = PF_HANDLE(PF_POOL_QDISC_MAJOR, major);
	int err = 0;

	if (!sk)
		return -EIO;
	if (first <= 1)
		err = class_create(sk, ifindex, PF_HANDLE(PF_POOL_QDISC_MAJOR, 0), holder,
				   capacity_bps);
	if (!err && first <= 1) {
		err = htb_qdisc_put(sk, ifindex, holder, PF_HANDLE(major, 0), 0);
		if (err && err != -NLE_EXIST)
			err =
			    pf_fail(nl_to_errno(err), "cannot add pool qdisc %x: on ifindex %d: %s",
				    major, ifindex, nl_geterror(err));
		else
			err = 0;
	}
	for (__u32 n = first ? first : 1; n <= last && n <= PF_POOL_BLOCK && !err; n++)
		err = class_create(sk, ifindex, PF_HANDLE(major, 0), PF_HANDLE(major, n),
				   PF_POOL_PARK_BPS);
	route_socket_put(sk);
	return err;
}

static int class_delete(struct nl_sock *sk, int ifindex, __u32 handle)
{
	struct rtnl_class *c = rtnl_class_alloc();
	int err;

	if (!c)
		return pf_fail(-ENOMEM, "out of memory");
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_handle(TC_CAST(c), handle);
	err = rtnl_class_delete(sk, c);
	rtnl_class_put(c);
	if (err && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV)
		return pf_fail(nl_to_errno(err), "cannot delete HTB class %x:%x on ifindex %d: %s",
			       TC_H_MAJ(handle) >> 16, TC_H_MIN(handle), ifindex, nl_geterror(err));
	return 0;
}

int pf_htb_block_del(int ifindex, __u16 major)
{
	struct nl_sock *sk = route_socket();
	int err;

	if (!sk)
		return -EIO;
	err = class_delete(sk, ifindex, PF_HANDLE(PF_POOL_QDISC_MAJOR, major));
	route_socket_put(sk);
	return err;
}

int pf_htb_leaf_rate(int ifindex, __u32 classid, __u64 rate_bps)
{
	struct nl_sock *sk = route_socket();
	int err;

	if (!sk)
		return -EIO;
	err = class_put_flags(sk, ifindex, TC_H_MAJ(classid), classid, rate_bps, 0);
	route_socket_put(sk);
	return err;
}

/* The handle of the qdisc a flush grafts under a leaf for a moment: free on
 * every port (below the pool's blocks, above its qdisc 2:). */
#define FLUSH_MAJOR 0xfU
_Static_assert(FLUSH_MAJOR > PF_POOL_QDISC_MAJOR && FLUSH_MAJOR < PF_POOL_MAJOR_MIN,
	       "the flush qdisc's handle is no pool qdisc's");

/* Grafting a qdisc under the leaf purges the one it replaces (and its
 * packets); deleting it grafts a default one back. */
static int leaf_flush(struct nl_sock *sk, int ifindex, __u32 classid)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int err;

	if (!q)
		return pf_fail(-ENOMEM, "out of memory");
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), classid);
	rtnl_tc_set_handle(TC_CAST(q), PF_HANDLE(FLUSH_MAJOR, 0));
	err = rtnl_tc_set_kind(TC_CAST(q), "pfifo");
	if (!err)
		err = rtnl_qdisc_fifo_set_limit(q, 1);
	if (!err)
		err = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE);
	if (!err)
		err = rtnl_qdisc_delete(sk, q);
	rtnl_qdisc_put(q);
	if (err)
		return pf_fail(nl_to_errno(err), "cannot empty HTB class %x:%x on ifindex %d: %s",
			       TC_H_MAJ(classid) >> 16, TC_H_MIN(classid), ifindex,
			       nl_geterror(err));
	return 0;
}

int pf_htb_leaf_park(int ifindex, __u32 classid)
{
	struct nl_sock *sk = route_socket();
	int err, flushed;

	if (!sk)
		return -EIO;
	flushed = leaf_flush(sk, ifindex, classid);
	err = class_put_flags(sk, ifindex, TC_H_MAJ(classid), classid, PF_POOL_PARK_BPS, 0);
	route_socket_put(sk);
	return err ?: flushed;
}

struct qdisc_walk {
	__u8 *seen; /* bitmap over majors */
};

static void note_qdisc(struct nl_object *obj, void *arg)
{
	__u32 handle = rtnl_tc_get_handle(TC_CAST((struct rtnl_qdisc *)obj));
	struct qdisc_walk *w = arg;
	__u32 major = TC_H_MAJ(handle) >> 16;

	w->seen[major / 8] |= 1 << (major % 8);
}

int pf_htb_blocks_count(int ifindex, __u32 *count)
{
	struct qdisc_walk w = {.seen = calloc(0x10000 / 8, 1)};
	struct nl_sock *sk = route_socket();
	struct nl_cache *cache = NULL;
	int err;

	if (!sk || !w.seen) {
		free(w.seen);
		if (sk)
			route_socket_put(sk);
		return pf_fail(-ENOMEM, "out of memory");
	}
	err = rtnl_qdisc_alloc_cache(sk, &cache);
	route_socket_put(sk);
	if (err) {
		free(w.seen);
		return pf_fail(nl_to_errno(err), "cannot list qdiscs: %s", nl_geterror(err));
	}
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
		if (rtnl_tc_get_ifindex(TC_CAST((struct rtnl_qdisc *)o)) == ifindex)
			note_qdisc(o, &w);
	nl_cache_free(cache);
	*count = 0;
	for (__u32 m = PF_POOL_MAJOR_MIN; m <= PF_POOL_MAJOR_MAX; m++, (*count)++)
		if (!(w.seen[m / 8] & (1 << (m % 8))))
			break;
	free(w.seen);
	return 0;
}
