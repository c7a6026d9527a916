// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The loop's side of cluster enforcement (cluster_enforce.h): applies the
 * feed's ops to this node's data plane, sweeps what a full list no longer
 * has, and removes each reservation at its end by itself, so an etcd outage
 * changes nothing on the wire.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "userspace/payflowd/cluster_enforce.h"
#include "userspace/cluster/resv_id.h"
#include "userspace/common/addr.h"
#include "userspace/common/buf.h"
#include "userspace/common/error.h"
#include "userspace/dataplane/pool.h"
#include "userspace/dataplane/resv.h"
#include "userspace/payflowd/path.h"

static struct pfd_citem **slot_of(struct pfd_cenf *c, __u64 id)
{
	struct pfd_citem **p = &c->bucket[id % PFD_CENF_BUCKETS];

	while (*p && (*p)->id != id)
		p = &(*p)->next;
	return p;
}

/* Charges its ports (on), or the reverse; its leaf is the pool's business. */
static void account(struct pfd *d, const struct pfd_citem *it, bool on)
{
	if (on)
		pf_adm_charge(&d->adm, it->ports, it->rate_bps);
	else
		pf_adm_release(&d->adm, it->ports, it->rate_bps);
}

static int add(struct pfd *d, const struct pfd_citem *want)
{
	struct pfd_cenf *c = d->cenf;
	struct pfd_citem *it = malloc(sizeof(*it));

	if (!it)
		return pf_fail(-ENOMEM, "out of memory tracking %s", want->name);
	*it = *want;
	it->next = c->bucket[it->id % PFD_CENF_BUCKETS];
	c->bucket[it->id % PFD_CENF_BUCKETS] = it;
	c->n++;
	account(d, it, true);
	return 0;
}

static void drop(struct pfd *d, struct pfd_citem **slot, const char *why)
{
	struct pfd_citem *it = *slot;

	pfd_citem_remove(d, it);
	account(d, it, false);
	*slot = it->next;
	d->cenf->n--;
	d->cenf->removed++;
	pfd_log("cluster: removed %s (%s)", it->name, why);
	free(it);
}

static const char *what(const struct pfd_citem *it, char *buf, size_t len)
{
	char pair[128];

	snprintf(buf, len, "%s at %llu bit/s%s", pf_key_format(&it->key, pair, sizeof(pair)),
		 (unsigned long long)it->rate_bps, it->dir == PF_DIR_BOTH ? "" : " one way");
	return buf;
}

/* Installs and tracks a new item: its pair must be free on this node; it
 * takes a free pooled leaf, as a local grant does. */
static int place(struct pfd *d, struct pfd_citem *want)
{
	struct pf_resv cur;
	int err;

	if (!pf_resv_lookup(&d->dp.maps, &want->key, &cur))
		return pf_fail(-EEXIST, "its pair already has a reservation on this node (id %llx)",
			       (unsigned long long)cur.resv_id);
	err = pf_pool_alloc(&d->dp.maps, &want->classid);
	if (err)
		return err;
	err = pfd_citem_install(d, want);
	if (err)
		pf_pool_forget(&d->dp.maps,
			       want->classid); /* install parked it if it got that far */
	else if ((err = add(d, want)))
		pfd_citem_remove(d, want); /* untracked, it would never be removed */
	return err;
}

/* Inside a list, a pair taken by another record is not refused yet (-EEXIST,
 * quiet): that record may be one the sweep at the list's end removes. */
static int install_new(struct pfd *d, struct pfd_citem *want)
{
	char buf[192];
	int err = place(d, want);

	if (err == -EEXIST && d->cenf->syncing)
		return err;
	if (err) {
		d->cenf->refused++;
		pfd_logl(PFD_LOG_WARN, "cluster: %s not installed: %s", want->name,
			 pf_last_error());
		return err;
	}
	d->cenf->installed++;
	pfd_log("cluster: installed %s: %s", want->name, what(want, buf, sizeof(buf)));
	return 0;
}

static bool same_place(const struct pfd_citem *a, const struct pfd_citem *b)
{
	return !memcmp(&a->key, &b->key, sizeof(a->key)) && a->dir == b->dir &&
	       a->ports == b->ports;
}

/* The same pair and ports: a new rate or end is written in place. */
static void update(struct pfd *d, struct pfd_citem *cur, struct pfd_citem *want)
{
	__s64 skew = (__s64)(cur->expires_mono - want->expires_mono);

	want->classid = cur->classid;
	want->next = cur->next;
	if (cur->rate_bps == want->rate_bps && cur->level == want->level && skew < 10000000 &&
	    skew > -10000000) { /* the same end, give or take the clocks */
		cur->gen = want->gen;
		snprintf(cur->name, sizeof(cur->name), "%s", want->name);
		return;
	}
	if (pfd_citem_install(d, want)) {
		pfd_logl(PFD_LOG_ERR, "cluster: %s not updated: %s", want->name, pf_last_error());
		return;
	}
	account(d, cur, false);
	*cur = *want;
	account(d, cur, true);
}

/* 0, or install_new()'s -EEXIST inside a list (to try again after the sweep). */
static int apply_put(struct pfd *d, const char *name, const struct pf_cl_resv *rec)
{
	struct pfd_cenf *c = d->cenf;
	struct pfd_citem want, **slot = slot_of(c, pf_cl_resv_id(name)), *cur = *slot;

	if (pfd_citem_from(d, name, rec, &want)) {
		pfd_logl(PFD_LOG_WARN, "cluster: %s refused: %s", name, pf_last_error());
		c->refused++;
		if (cur)
			drop(d, slot, "its record is refused");
		return 0;
	}
	want.gen = c->gen;
	if (!want.expires_mono) {
		if (cur)
			drop(d, slot, "ended");
		return 0;
	}
	if (cur && same_place(cur, &want)) {
		update(d, cur, &want);
		return 0;
	}
	if (cur)
		drop(d, slot, "moved");
	return install_new(d, &want);
}

/* Removes every item the last full list did not have. */
static void sweep(struct pfd *d)
{
	for (size_t b = 0; b < PFD_CENF_BUCKETS; b++)
		for (struct pfd_citem **p = &d->cenf->bucket[b]; *p;)
			if ((*p)->gen != d->cenf->gen)
				drop(d, p, "not in etcd");
			else
				p = &(*p)->next;
}

static void expire(struct pfd *d)
{
	__u64 now = pf_now_ns();

	for (size_t b = 0; b < PFD_CENF_BUCKETS; b++)
		for (struct pfd_citem **p = &d->cenf->bucket[b]; *p;)
			if ((*p)->expires_mono <= now)
				drop(d, p, "its end passed");
			else
				p = &(*p)->next;
}

static void arm(struct pfd *d)
{
	struct itimerspec its = {0};
	__u64 at = 0;

	for (size_t b = 0; b < PFD_CENF_BUCKETS; b++)
		for (struct pfd_citem *it = d->cenf->bucket[b]; it; it = it->next)
			if (!at || it->expires_mono < at)
				at = it->expires_mono;
	its.it_value.tv_sec = at / 1000000000ULL;
	its.it_value.tv_nsec = at % 1000000000ULL;
	if (at && !its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(d->cenf->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		pfd_logl(PFD_LOG_ERR, "cluster: timerfd: %s", strerror(errno));
}

static void apply_all(struct pfd *d, struct pfd_cfeed_op *op);

/* The end of a list: sweep, then the records that waited for it. */
static void sync_end(struct pfd *d)
{
	struct pfd_cfeed_op *again = d->cenf->retry;

	sweep(d);
	d->cenf->syncing = false;
	d->cenf->retry = NULL;
	apply_all(d, again);
	pfd_log("cluster: reconciled with etcd: %zu reservations on this node", d->cenf->n);
}

/* Applies op; true when it was kept for after the sweep (not to be freed). */
static bool apply(struct pfd *d, struct pfd_cfeed_op *op)
{
	struct pfd_citem **slot;

	switch (op->kind) {
	case PFD_CF_SYNC_BEGIN:
		d->cenf->gen++;
		d->cenf->syncing = true;
		break;
	case PFD_CF_PUT:
		if (apply_put(d, op->name, &op->rec) == -EEXIST && d->cenf->syncing) {
			op->next = d->cenf->retry;
			d->cenf->retry = op;
			return true;
		}
		break;
	case PFD_CF_DEL:
		slot = slot_of(d->cenf, pf_cl_resv_id(op->name));
		if (*slot)
			drop(d, slot, "deleted in etcd");
		break;
	case PFD_CF_SYNC_END:
		sync_end(d);
		break;
	}
	return false;
}

static void apply_all(struct pfd *d, struct pfd_cfeed_op *op)
{
	while (op) {
		struct pfd_cfeed_op *next = op->next;

		if (!apply(d, op))
			free(op);
		op = next;
	}
}

void pfd_cenf_event(struct pfd *d, enum pfd_src *src)
{
	__u64 ticks;

	if (*src == PFD_SRC_CLUSTER_TIMER) {
		if (read(d->cenf->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
			pfd_logl(PFD_LOG_ERR, "cluster: timerfd: %s", strerror(errno));
	} else {
		apply_all(d, pfd_cfeed_take(&d->cenf->feed));
	}
	expire(d);
	arm(d);
}

/* Its leaf is already taken: pfd_reconcile(), run before, took every cluster
 * entry's leaf ahead of the database's rows. */
static void adopt(struct pfd *d, struct pfd_citem *it)
{
	if (add(d, it)) /* enforced until its end; removed at the next start */
		pfd_logl(PFD_LOG_ERR, "cluster: %s", pf_last_error());
}

static int watch_fd(struct pfd *d, int fd, enum pfd_src *tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};

	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		return pf_fail(-errno, "epoll: %s", strerror(errno));
	return 0;
}

static int start_mirror(struct pfd *d)
{
	struct pf_cl_mirror_ops ops = pfd_cfeed_ops(pfd_log);
	char dir[PF_CL_KEY_MAX];

	return pf_cl_key_dir(dir, d->conf.cluster.prefix, "resv")
		   ?: pf_cl_mirror_start(&d->cenf->mirror, &d->conf.cluster, dir, &ops,
					 &d->cenf->feed);
}

int pfd_cenf_start(struct pfd *d)
{
	struct pfd_cenf *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return pf_fail(-ENOMEM, "out of memory");
	c->feed_tag = PFD_SRC_CLUSTER_FEED;
	c->timer_tag = PFD_SRC_CLUSTER_TIMER;
	c->tfd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	err = c->tfd < 0 ? pf_fail(-errno, "timerfd: %s", strerror(errno))
			 : pfd_cfeed_init(&c->feed, d->conf.cluster.node, pfd_log);
	if (err) {
		if (c->tfd >= 0)
			close(c->tfd);
		free(c);
		return err;
	}
	d->cenf = c;
	err = watch_fd(d, c->tfd, &c->timer_tag) ?: watch_fd(d, c->feed.efd, &c->feed_tag)
		  ?: pfd_citem_adopt_all(d, adopt);
	if (!err) {
		pfd_log("cluster: %zu reservations from etcd found in the maps", c->n);
		expire(d);
		arm(d);
		err = start_mirror(d);
	}
	if (err)
		pfd_cenf_stop(d);
	return err;
}

/* Stops following etcd; what is installed stays enforced until its end. */
void pfd_cenf_stop(struct pfd *d)
{
	struct pfd_cenf *c = d->cenf;

	if (!c)
		return;
	pf_cl_mirror_stop(c->mirror);
	while (c->retry) {
		struct pfd_cfeed_op *next = c->retry->next;

		free(c->retry);
		c->retry = next;
	}
	pfd_cfeed_close(&c->feed);
	close(c->tfd);
	for (size_t b = 0; b < PFD_CENF_BUCKETS; b++)
		while (c->bucket[b]) {
			struct pfd_citem *next = c->bucket[b]->next;

			free(c->bucket[b]);
			c->bucket[b] = next;
		}
	free(c);
	d->cenf = NULL;
}

void pfd_cenf_after_reconcile(struct pfd *d)
{
	if (!d->cenf)
		return;
	for (size_t b = 0; b < PFD_CENF_BUCKETS; b++)
		for (struct pfd_citem *it = d->cenf->bucket[b]; it; it = it->next)
			account(d, it, true);
}

void pfd_cenf_metrics(const struct pfd *d, struct pf_buf *t)
{
	const struct pfd_cenf *c = d->cenf;

	if (!c)
		return;
	pf_buf_printf(
	    t,
	    "# HELP payflow_cluster_reservations Cluster reservations installed on this "
	    "node.\n# TYPE payflow_cluster_reservations gauge\n"
	    "payflow_cluster_reservations %zu\n"
	    "# HELP payflow_cluster_changes_total Cluster reservations installed, removed, "
	    "and refused (not installed) on this node.\n"
	    "# TYPE payflow_cluster_changes_total counter\n"
	    "payflow_cluster_changes_total{change=\"installed\"} %llu\n"
	    "payflow_cluster_changes_total{change=\"removed\"} %llu\n"
	    "payflow_cluster_changes_total{change=\"refused\"} %llu\n",
	    c->n, (unsigned long long)c->installed, (unsigned long long)c->removed,
	    (unsigned long long)c->refused);
}

int pfd_cenf_pair_free(const struct pfd *d, const struct pf_key *key)
{
	struct pf_resv cur;
	char pair[128];

	if (pf_resv_lookup(&d->dp.maps, key, &cur) || !pf_cl_resv_id_is(cur.resv_id))
		return 0;
	return pf_fail(-EEXIST,
		       "the pair %s has a cluster reservation on this node (id %llx): one "
		       "reservation per pair",
		       pf_key_format(key, pair, sizeof(pair)), (unsigned long long)cur.resv_id);
}
