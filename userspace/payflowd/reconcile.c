// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Start-up: attach the configured ports, then make the maps and the HTB
 * classes agree with the database. The database wins: what it lacks is
 * stale and removed, what it has and the data plane lacks is reinstalled,
 * and a reservation whose wall-clock end has passed is expired, never
 * reinstalled. Every reservation has a pooled HTB leaf (dataplane/pool.h):
 * the pool's occupancy is rebuilt from the database (and, in cluster mode,
 * the cluster entries in the maps, whose classes are left alone), leaves are
 * given their rates before map entries point at them and parked after stale
 * entries are gone; classes 1:N of a payflowd older than the pool are moved
 * into it and deleted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/payflowd/cluster_enforce.h"
#include "userspace/cluster/resv_id.h"
#include "userspace/common/addr.h"
#include "userspace/control/ctl_proto.h"
#include "userspace/dataplane/htb.h"
#include "userspace/dataplane/pool.h"
#include "userspace/payflowd/grant_rules.h"
#include "userspace/dataplane/port.h"
#include "userspace/dataplane/resv.h"
#include "userspace/common/buf.h"
#include "userspace/common/error.h"

static bool attached(const struct pf_maps *m, __u32 ifindex)
{
	struct pf_port p;

	return !bpf_map_lookup_elem(m->ports, &ifindex, &p);
}

struct stale_ports {
	const struct pf_conf *c;
	char names[PF_MAX_PORTS][PF_IFNAMSIZ];
	int n;
};

static int collect_stale(__u32 ifindex, const struct pf_port *p, void *ctx)
{
	struct stale_ports *s = ctx;

	if (pf_conf_port_index(s->c, ifindex) < 0 && s->n < PF_MAX_PORTS)
		snprintf(s->names[s->n++], PF_IFNAMSIZ, "%s", p->ifname);
	return 0;
}

static int collect_all(__u32 ifindex, const struct pf_port *p, void *ctx)
{
	struct stale_ports *s = ctx;

	(void)ifindex;
	if (s->n < PF_MAX_PORTS)
		snprintf(s->names[s->n++], PF_IFNAMSIZ, "%s", p->ifname);
	return 0;
}

int pfd_attach_ports(struct pfd *d)
{
	struct pf_attach_opts o;
	struct stale_ports *stale;
	int done = 0, err = 0;
	bool fresh[PF_CONF_MAX_PORTS] = {0};

	err = pf_dp_load(&d->dp, d->conf.pin_root, d->conf.max_reservations);
	if (err)
		return err;
	libbpf_set_print(pfd_libbpf_log); /* pf_dp_load set the plain one */
	pf_attach_opts_default(&o);
	o.mode = d->conf.mode;
	o.xdp = d->conf.xdp;
	o.be_rate_bps = d->conf.be_rate_bps;
	for (; done < d->conf.n_ports && !err; done++) {
		const struct pf_conf_port *p = &d->conf.ports[done];

		err = pfd_src_guard_sync(d, p);
		if (!err && attached(&d->dp.maps, p->ifindex)) {
			err = pfd_port_rates_sync(d, done); /* the config's rates, in place */
			continue;
		}
		if (err)
			continue;
		o.capacity_bps = p->capacity_bps;
		o.src_guard = p->n_hosts > 0;
		err = pf_port_attach(&d->dp, p->ifname, &o);
		fresh[done] = !err;
	}
	if (err) { /* no partial attach: undo this run's ports */
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", pf_last_error());
		for (int i = 0; i < done; i++)
			if (fresh[i])
				pf_port_detach(&d->dp.maps, d->conf.ports[i].ifname);
		if (pf_port_count(&d->dp.maps) == 0)
			pf_unpin_all(d->conf.pin_root);
		return pf_fail(err, "%s", msg);
	}
	stale = calloc(1, sizeof(*stale));
	if (!stale)
		return pf_fail(-ENOMEM, "out of memory");
	stale->c = &d->conf;
	pf_port_foreach(&d->dp.maps, collect_stale, stale);
	for (int i = 0; i < stale->n; i++) {
		pfd_log("detaching %s: attached but no longer in the config", stale->names[i]);
		if (pf_port_detach(&d->dp.maps, stale->names[i]))
			pfd_logl(PFD_LOG_ERR, "%s", pf_last_error());
	}
	free(stale);
	return 0;
}

/* The set of configured ports named in a comma-separated list. */
static pf_portset ports_from_text(const struct pf_conf *c, const char *text)
{
	char copy[PF_STORE_PORTS_MAX], *save = NULL;
	pf_portset set = 0;

	snprintf(copy, sizeof(copy), "%s", text);
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
		for (int i = 0; i < c->n_ports; i++)
			if (!strcmp(c->ports[i].ifname, p))
				set |= 1ULL << i;
	return set;
}

struct load_ctx {
	struct pfd *d;
	__s64 now_wall;
	__u64 now_mono;
	int active, holds;
	__u64 *moved; /* ids of active rows given a new pooled leaf */
	size_t n_moved, cap_moved;
	__u32 *cluster; /* classes of the cluster reservations in the maps */
	size_t n_cluster, cap_cluster;
};

/*
 * The row's leaf, taken in the pool; a row without a usable one (a class 1:N
 * of a payflowd older than the pool, or a leaf another row holds) gets the
 * lowest free leaf and is rewritten after the scan.
 */
static int take_class(struct load_ctx *l, const struct pf_store_resv *s, __u32 *classid)
{
	const struct pf_maps *m = &l->d->dp.maps;
	int err;

	*classid = s->classid;
	if (pf_pool_is_leaf(s->classid) && !pf_pool_in_use(m, s->classid))
		return pf_pool_take(m, s->classid);
	err = pf_pool_alloc(m, classid);
	if (err)
		return err;
	if (l->n_moved == l->cap_moved) {
		__u64 *ids = pf_grow(l->moved, &l->cap_moved, l->n_moved + 1, sizeof(*ids));

		if (!ids)
			return pf_fail(-ENOMEM, "out of memory");
		l->moved = ids;
	}
	l->moved[l->n_moved++] = s->id;
	return 0;
}

static int load_row(const struct pf_store_resv *s, void *arg)
{
	struct load_ctx *l = arg;
	struct pfd *d = l->d;
	struct pfd_resv *r;
	pf_portset ports;
	__u32 classid = 0;
	int err;

	/* Ports follow the current config; endpoints it no longer knows keep the
	 * ports recorded at grant time that still exist. */
	if (pf_adm_ports(&d->adm, &s->key, s->dir, &ports))
		ports = ports_from_text(&d->conf, s->ports);
	err = s->state == PF_RS_ACTIVE ? take_class(l, s, &classid) : 0;
	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		return pf_fail(-ENOMEM, "out of memory");
	*r = (struct pfd_resv){.id = s->id,
			       .key = s->key,
			       .state = s->state,
			       .classid = s->state == PF_RS_ACTIVE ? classid : 0,
			       .dir = s->dir,
			       .level = s->level,
			       .burst = s->burst,
			       .rate_bps = s->rate_bps,
			       .ports = ports,
			       .start_wall_ns = s->start_wall_ns,
			       .end_wall_ns = s->end_wall_ns};
	r->expires_mono =
	    pf_expires_mono(s->state == PF_RS_HOLD ? s->hold_until_wall_ns : s->end_wall_ns,
			    l->now_wall, l->now_mono);
	if (!r->expires_mono) /* ended between the expire query and now */
		r->expires_mono = l->now_mono;
	pf_adm_charge(&d->adm, ports, r->rate_bps);
	if (s->state == PF_RS_ACTIVE)
		l->active++;
	else
		l->holds++;
	return pfd_table_add(&d->table, r);
}

/*
 * Writes the new leaves of moved rows, the last moved first: a row can only
 * have been given a leaf that a row scanned after it still holds in the
 * database, and that row is rewritten before it (the unique index holds).
 */
static int store_moved(struct pfd *d, struct load_ctx *l)
{
	struct pf_store_resv s;
	int err = 0;

	for (size_t i = l->n_moved; i > 0 && !err; i--) {
		const struct pfd_resv *r = pfd_table_by_id(&d->table, l->moved[i - 1]);

		err = pf_store_get(d->store, r->id, &s);
		if (!err) {
			pfd_log("reservation %llu: class %x:%x moved to the pool's %x:%x",
				(unsigned long long)r->id, s.classid >> 16, s.classid & 0xffff,
				r->classid >> 16, r->classid & 0xffff);
			s.classid = r->classid;
			err = pf_store_update(d->store, &s);
		}
	}
	return err;
}

/* A cluster reservation's entry (cluster_enforce.h): its class is noted and
 * its leaf taken in the pool. */
static int note_cluster(const struct pf_key *key, const struct pf_resv *e, void *arg)
{
	struct load_ctx *l = arg;

	(void)key;
	if (!pf_cl_resv_id_is(e->resv_id))
		return 0;
	if (l->n_cluster == l->cap_cluster) {
		__u32 *ids = pf_grow(l->cluster, &l->cap_cluster, l->n_cluster + 1, sizeof(*ids));

		if (!ids)
			return pf_fail(-ENOMEM, "out of memory");
		l->cluster = ids;
	}
	l->cluster[l->n_cluster++] = e->classid;
	return pf_pool_is_leaf(e->classid) ? pf_pool_take(&l->d->dp.maps, e->classid) : 0;
}

/* In cluster mode, the cluster reservations' leaves are taken before the
 * database's rows: a row holding one of them is moved to a free leaf, so no
 * leaf serves two reservations. */
static int take_cluster(struct pfd *d, struct load_ctx *l)
{
	return d->conf.cluster.enabled ? pf_resv_foreach(&d->dp.maps, note_cluster, l) : 0;
}

/* Rebuilds memory (and the pool's occupancy) from the database, expiring what has ended. */
static int load_db(struct pfd *d, int *expired, struct load_ctx *l)
{
	int err;

	pfd_table_clear(&d->table);
	pf_adm_init(&d->adm, &d->conf);
	l->d = d;
	l->now_wall = pf_wall_ns();
	l->now_mono = pf_now_ns();
	err = pf_store_begin(d->store);
	if (err)
		return err;
	err = pf_pool_reset(&d->dp.maps) ?: take_cluster(d, l)
		  ?: pf_store_expire(d->store, l->now_wall, expired)
		  ?: pf_store_foreach(d->store, 1U << PF_RS_HOLD | 1U << PF_RS_ACTIVE, load_row, l)
		  ?: store_moved(d, l);
	free(l->moved);
	l->moved = NULL;
	if (err) {
		pf_store_rollback(d->store);
		return err;
	}
	return pf_store_commit(d->store);
}

struct class_sync {
	struct pfd *d;
	int port;
	__u64 *leaf;	/* bytes/s per pooled leaf present on the port, 0 = absent */
	__u32 n_leaves; /* the pool's leaves when the sync began */
	__u8 *legacy;	/* classes 1:N present (a payflowd older than the pool) */
	int added, changed, removed;
};

static void note_class(__u32 classid, __u64 rate_bps, void *ctx)
{
	struct class_sync *c = ctx;
	__u16 minor = classid & 0xffff;

	if (!pf_pool_is_leaf(classid))
		c->legacy[minor / 8] |= 1 << (minor % 8);
	else if (pf_pool_leaf_index(classid) < c->n_leaves)
		c->leaf[pf_pool_leaf_index(classid)] = rate_bps / 8 ?: 1;
}

static void want_class(struct pfd_resv *r, void *ctx)
{
	struct class_sync *c = ctx;
	__u32 ifindex = c->d->conf.ports[c->port].ifindex;
	__u64 *have;

	if (r->state != PF_RS_ACTIVE || !(r->ports & (1ULL << c->port)) ||
	    pf_pool_leaf_index(r->classid) >= c->n_leaves)
		return;
	have = &c->leaf[pf_pool_leaf_index(r->classid)];
	if (*have != r->rate_bps / 8) {
		if (pf_htb_leaf_rate(ifindex, r->classid, r->rate_bps))
			pfd_logl(PFD_LOG_ERR, "%s", pf_last_error());
		else if (*have > PF_POOL_PARK_BPS / 8)
			c->changed++;
		else
			c->added++;
	}
	*have = 0; /* wanted: not stale */
}

/* Cluster reservations' classes are theirs: neither parked nor deleted here. */
static void keep_cluster(struct class_sync *c, const struct load_ctx *l)
{
	for (size_t i = 0; i < l->n_cluster; i++) {
		__u32 id = l->cluster[i];
		__u16 minor = id & 0xffff;

		if (!pf_pool_is_leaf(id))
			c->legacy[minor / 8] &= ~(1U << (minor % 8));
		else if (pf_pool_leaf_index(id) < c->n_leaves)
			c->leaf[pf_pool_leaf_index(id)] = 0;
	}
}

/* Gives wanted leaves their rates now; returns the stale classes in c for later. */
static int sync_classes_add(struct pfd *d, int port, struct class_sync *c, const struct load_ctx *l)
{
	__u32 blocks;

	c->d = d;
	c->port = port;
	if (pf_pool_blocks(&d->dp.maps, &blocks))
		return -EIO;
	c->n_leaves = blocks * PF_POOL_BLOCK;
	c->leaf = calloc(c->n_leaves + 1, sizeof(*c->leaf));
	c->legacy = calloc((PF_HTB_MAX_MINOR + 1) / 8, 1);
	if (!c->leaf || !c->legacy)
		return pf_fail(-ENOMEM, "out of memory");
	if (pf_htb_class_foreach(d->conf.ports[port].ifindex, note_class, c))
		return -EIO;
	pfd_table_foreach(&d->table, want_class, c);
	keep_cluster(c, l);
	return 0;
}

/* Parks leaves no reservation wants on this port and deletes classes 1:N. */
static void sync_classes_del(struct pfd *d, struct class_sync *c)
{
	__u32 ifindex = d->conf.ports[c->port].ifindex;
	int err;

	for (__u32 i = 0; i < c->n_leaves; i++) {
		if (c->leaf[i] <= PF_POOL_PARK_BPS / 8)
			continue;
		err = pf_htb_leaf_park(ifindex, PF_HANDLE(PF_POOL_MAJOR_MIN + i / PF_POOL_BLOCK,
							  1 + i % PF_POOL_BLOCK));
		if (err)
			pfd_logl(PFD_LOG_ERR, "%s", pf_last_error());
		else
			c->removed++;
	}
	for (__u32 m = PF_HTB_MIN_MINOR; m <= PF_HTB_MAX_MINOR; m++) {
		if (!(c->legacy[m / 8] & (1 << (m % 8))))
			continue;
		if (pf_htb_class_del(ifindex, m))
			pfd_logl(PFD_LOG_ERR, "%s", pf_last_error());
		else
			c->removed++;
	}
}

struct map_sync {
	struct pfd *d;
	struct pf_key *stale;
	size_t n_stale, cap;
	int written;
};

static int note_entry(const struct pf_key *key, const struct pf_resv *e, void *arg)
{
	struct map_sync *m = arg;
	struct pfd_resv *r = pfd_table_by_key(&m->d->table, key);

	if (r && r->id == e->resv_id)
		return 0;
	if (pf_cl_resv_id_is(e->resv_id) && m->d->conf.cluster.enabled)
		return 0; /* cluster_enforce.h; its class is kept too (keep_cluster) */
	if (m->n_stale == m->cap) {
		struct pf_key *k = pf_grow(m->stale, &m->cap, m->n_stale + 1, sizeof(*k));

		if (!k)
			return pf_fail(-ENOMEM, "out of memory");
		m->stale = k;
	}
	m->stale[m->n_stale++] = *key;
	return 0;
}

/* Entries that differ from memory by more than rounding are rewritten. */
static void write_entry(struct pfd_resv *r, void *arg)
{
	struct map_sync *m = arg;
	struct pf_resv cur, want;
	__u64 skew;

	if (r->state != PF_RS_ACTIVE)
		return;
	want = pfd_map_entry(r);
	if (!pf_resv_lookup(&m->d->dp.maps, &r->key, &cur)) {
		skew = cur.expires_at > want.expires_at ? cur.expires_at - want.expires_at
							: want.expires_at - cur.expires_at;
		if (cur.resv_id == want.resv_id && cur.rate_bps == want.rate_bps &&
		    cur.classid == want.classid && cur.burst == want.burst &&
		    cur.level == want.level && skew < 10000000ULL) {
			r->expires_mono = cur.expires_at; /* the data plane's own clock */
			return;
		}
	}
	if (pf_resv_write(&m->d->dp.maps, &r->key, &want))
		pfd_logl(PFD_LOG_ERR, "%s", pf_last_error());
	else
		m->written++;
}

static int sync_maps(struct pfd *d, struct map_sync *m)
{
	m->d = d;
	pfd_table_foreach(&d->table, write_entry, m);
	return pf_resv_foreach(&d->dp.maps, note_entry, m);
}

static void reschedule(struct pfd_resv *r, void *table)
{
	pfd_table_schedule(table, r);
}

int pfd_reconcile(struct pfd *d)
{
	struct class_sync cs[PF_CONF_MAX_PORTS] = {0};
	struct map_sync ms = {0};
	struct load_ctx l = {0};
	__u64 t0 = pf_now_ns(), t_db, t_cls, t_map;
	int expired = 0, err, added = 0, changed = 0, removed = 0;

	err = pfd_clock_check(d->store, pf_wall_ns());
	if (!err)
		err = load_db(d, &expired, &l);
	t_db = pf_now_ns();
	for (int i = 0; !err && i < d->conf.n_ports; i++)
		err = sync_classes_add(d, i, &cs[i], &l);
	t_cls = pf_now_ns();
	if (!err)
		err = sync_maps(d, &ms);
	t_map = pf_now_ns();
	/* A stale entry's stats slot needs no freeing: the slot set is rebuilt
	 * from the map at the first grant after the start (slots.c). */
	for (size_t i = 0; !err && i < ms.n_stale; i++)
		bpf_map_delete_elem(d->dp.maps.reservations, &ms.stale[i]);
	for (int i = 0; i < d->conf.n_ports; i++) {
		if (!err)
			sync_classes_del(d, &cs[i]);
		added += cs[i].added;
		changed += cs[i].changed;
		removed += cs[i].removed;
		free(cs[i].leaf);
		free(cs[i].legacy);
	}
	free(ms.stale);
	free(l.cluster);
	pfd_cenf_after_reconcile(d); /* the table and ledger were rebuilt without them */
	if (err)
		return err;
	/* The timer may have been re-based on the data plane's expires_at. */
	d->table.heap_len = 0;
	pfd_table_foreach(&d->table, reschedule, &d->table);
	d->last_reconcile_s = (pf_now_ns() - t0) / 1e9;
	pfd_log("reconciled %d active reservations and %d holds in %.3f s: %d expired in the "
		"database; map entries %zu written, %zu stale removed; classes %d added, %d "
		"changed, %d stale parked or removed (database and pool %.3f s, classes %.3f s, "
		"map %.3f s)",
		l.active, l.holds, d->last_reconcile_s, expired, (size_t)ms.written, ms.n_stale,
		added, changed, removed, (t_db - t0) / 1e9, (t_cls - t_db) / 1e9,
		(t_map - t_cls) / 1e9);
	return 0;
}

int pfd_detach_all(const struct pf_conf *c)
{
	struct stale_ports *all;
	struct pf_maps m;
	int fd, err = 0;

	fd = pf_ctl_connect(c->socket_path);
	if (fd >= 0) {
		close(fd);
		return pf_fail(-EBUSY, "payflowd is running (socket %s); stop it first",
			       c->socket_path);
	}
	if (pf_maps_open(&m, c->pin_root))
		return pf_fail(-ENOENT, "nothing to detach: no maps pinned under %s", c->pin_root);
	all = calloc(1, sizeof(*all));
	if (!all) {
		pf_maps_close(&m);
		return pf_fail(-ENOMEM, "out of memory");
	}
	pf_port_foreach(&m, collect_all, all);
	for (int i = 0; i < all->n && !err; i++) {
		err = pf_port_detach(&m, all->names[i]);
		if (!err)
			pfd_log("detached %s", all->names[i]);
	}
	if (!err && all->n == 0)
		err = pf_unpin_all(c->pin_root);
	free(all);
	pf_maps_close(&m);
	return err;
}
