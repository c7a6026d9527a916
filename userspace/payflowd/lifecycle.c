// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Grants, holds, revocations and expiry: each change is admitted in memory,
 * written to the database inside the loop's batch transaction (a savepoint
 * per request) and then to the data plane. The reply leaves only after the
 * batch commits (loop.c), so an acknowledged grant is durable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/payflowd/cluster_enforce.h"
#include "userspace/common/addr.h"
#include "userspace/payflowd/grant_rules.h"
#include "userspace/payflowd/path.h"
#include "userspace/payflowd/traffic.h"
#include "userspace/dataplane/resv.h"
#include "userspace/dataplane/pool.h"
#include "userspace/common/units.h"
#include "userspace/common/error.h"

#define MAX_SECONDS (10ULL * 365 * 24 * 3600)
#define NS	    1000000000ULL

static struct json_object *fail(struct pfd *d, enum pf_ctl_err e, enum pfd_refusal why)
{
	d->cnt.refusals[why]++;
	return pf_ctl_error_reply(e, pf_last_error());
}

static struct json_object *bad_request(struct pfd *d, const char *fmt, const char *field)
{
	pf_fail(-EINVAL, fmt, field);
	return fail(d, PF_CTL_E_BAD_REQUEST, PFD_REF_BAD_REQUEST);
}

/* An integer field in [min, max]; absent leaves *out and returns 0 unless required. */
static int get_uint(struct json_object *req, const char *name, __u64 min, __u64 max, bool required,
		    __u64 *out)
{
	struct json_object *v;
	__s64 n;

	if (!json_object_object_get_ex(req, name, &v))
		return required ? pf_fail(-EINVAL, "\"%s\" is required", name) : 0;
	if (!json_object_is_type(v, json_type_int))
		return pf_fail(-EINVAL, "\"%s\" must be a whole number", name);
	n = json_object_get_int64(v);
	if (json_object_get_type(v) == json_type_int && n >= 0 && (__u64)n >= min &&
	    (__u64)n <= max) {
		*out = n;
		return 0;
	}
	return pf_fail(-EINVAL, "\"%s\" must be between %llu and %llu", name,
		       (unsigned long long)min, (unsigned long long)max);
}

struct json_object *pfd_req_pair(struct json_object *req, struct pf_key *key)
{
	struct json_object *a, *b;
	const char *bad = NULL;

	if (!json_object_object_get_ex(req, "a", &a) || !json_object_object_get_ex(req, "b", &b) ||
	    !json_object_is_type(a, json_type_string) || !json_object_is_type(b, json_type_string))
		return pf_ctl_error_reply(PF_CTL_E_BAD_REQUEST,
					  "give the pair as \"a\" and \"b\" (IP address strings)");
	if (pf_key_parse(key, json_object_get_string(a), json_object_get_string(b), &bad)) {
		pf_fail(-EINVAL, "bad address '%s' (IPv4 or IPv6 expected)", bad);
		return pf_ctl_error_reply(PF_CTL_E_BAD_REQUEST, pf_last_error());
	}
	return NULL;
}

int pfd_ifindexes(const struct pfd *d, pf_portset set, __u32 *out)
{
	int n = 0;

	for (int i = 0; i < d->conf.n_ports; i++)
		if (set & (1ULL << i))
			out[n++] = d->conf.ports[i].ifindex;
	return n;
}

static void ports_text(const struct pfd *d, pf_portset set, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < d->conf.n_ports && off < len; i++)
		if (set & (1ULL << i))
			off += snprintf(buf + off, len - off, "%s%s", off ? "," : "",
					d->conf.ports[i].ifname);
}

/* A one-way reservation's packets of the other way are best effort (bpf/enforce.h). */
static __u32 dir_flags(__u8 dir)
{
	return dir == PF_DIR_LO_HI   ? PF_RESV_F_LO_TO_HI
	       : dir == PF_DIR_HI_LO ? PF_RESV_F_HI_TO_LO
				     : 0;
}

struct pf_resv pfd_map_entry(const struct pfd_resv *r)
{
	return (struct pf_resv){
	    .flags = dir_flags(r->dir),
	    .rate_bps = r->rate_bps,
	    .expires_at = r->expires_mono,
	    .resv_id = r->id,
	    .burst = r->burst,
	    .level = r->level,
	    .classid = r->classid,
	};
}

static void to_store(const struct pfd *d, const struct pfd_resv *r, struct pf_store_resv *s)
{
	memset(s, 0, sizeof(*s));
	s->id = r->id;
	s->key = r->key;
	s->state = r->state;
	s->rate_bps = r->rate_bps;
	s->level = r->level;
	s->burst = r->burst;
	s->classid = r->classid;
	s->dir = r->dir;
	ports_text(d, r->ports, s->ports, sizeof(s->ports));
	s->start_wall_ns = r->start_wall_ns;
	s->end_wall_ns = r->end_wall_ns;
}

/* "both", or "FROM -> TO" for a one-way reservation. */
static const char *dir_text(const struct pf_key *key, __u8 dir, char *buf, size_t len)
{
	char lo[PF_ADDR_STRLEN], hi[PF_ADDR_STRLEN];

	if (dir != PF_DIR_LO_HI && dir != PF_DIR_HI_LO)
		return "both";
	pf_addr_format(key->lo, lo, sizeof(lo));
	pf_addr_format(key->hi, hi, sizeof(hi));
	snprintf(buf, len, "%s -> %s", dir == PF_DIR_LO_HI ? lo : hi,
		 dir == PF_DIR_LO_HI ? hi : lo);
	return buf;
}

struct json_object *pfd_resv_json(const struct pfd *d, const struct pf_key *key, __u8 dir, __u64 id,
				  const char *state, __u64 rate, __u32 level, __u32 classid,
				  __s64 start_wall, __s64 end_wall, const char *ports)
{
	struct json_object *o = json_object_new_object(), *pl = json_object_new_array();
	char lo[PF_ADDR_STRLEN], hi[PF_ADDR_STRLEN], pair[PF_PAIR_STRLEN], cls[16], way[100];
	__s64 now = pf_wall_ns();
	char *copy = strdup(ports), *save = NULL;

	(void)d;
	for (char *p = copy ? strtok_r(copy, ",", &save) : NULL; p; p = strtok_r(NULL, ",", &save))
		json_object_array_add(pl, json_object_new_string(p));
	free(copy);
	json_object_object_add(o, "id", json_object_new_uint64(id));
	json_object_object_add(o, "pair",
			       json_object_new_string(pf_key_format(key, pair, sizeof(pair))));
	json_object_object_add(o, "a", json_object_new_string(pf_addr_format(key->lo, lo, 46)));
	json_object_object_add(o, "b", json_object_new_string(pf_addr_format(key->hi, hi, 46)));
	json_object_object_add(o, "direction",
			       json_object_new_string(dir_text(key, dir, way, sizeof(way))));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "rate_bps", json_object_new_uint64(rate));
	json_object_object_add(o, "level", json_object_new_int(level));
	json_object_object_add(
	    o, "class",
	    classid ? json_object_new_string(pf_class_format(classid, cls, sizeof(cls))) : NULL);
	json_object_object_add(o, "start_unix", json_object_new_double(start_wall / 1e9));
	json_object_object_add(o, "end_unix", json_object_new_double(end_wall / 1e9));
	json_object_object_add(o, "seconds_left",
			       json_object_new_double(end_wall > now ? (end_wall - now) / 1e9 : 0));
	json_object_object_add(o, "ports", pl);
	return o;
}

static struct json_object *live_json(const struct pfd *d, const struct pfd_resv *r)
{
	struct pf_store_resv s;

	to_store(d, r, &s);
	return pfd_resv_json(d, &r->key, r->dir, r->id, pf_resv_state_name(r->state), r->rate_bps,
			     r->level, r->classid, r->start_wall_ns, pfd_resv_shown_end(r),
			     s.ports);
}

int pfd_txn(struct pfd *d)
{
	int err;

	if (d->in_txn)
		return 0;
	err = pf_store_begin(d->store);
	if (!err)
		d->in_txn = true;
	return err;
}

/* Opens the request's savepoint inside the batch. */
static int begin_change(struct pfd *d)
{
	return pfd_txn(d) ?: pf_store_savepoint(d->store);
}

static void record_latency(struct pfd *d, __u64 t_received)
{
	d->cnt.lat_ns[d->cnt.lat_n++ % PFD_LAT_SAMPLES] = pf_now_ns() - t_received;
}

struct grant_req {
	struct pf_key key;
	struct pf_grant g;
	__u64 seconds;
	__u8 dir; /* enum pf_path_dir */
};

/* "from": absent, both ways; one of the pair's addresses, one way from it. */
static int parse_from(struct json_object *req, struct grant_req *q)
{
	struct json_object *v;
	__u8 addr[16];

	q->dir = PF_DIR_BOTH;
	if (!json_object_object_get_ex(req, "from", &v))
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    pf_addr_parse(json_object_get_string(v), addr))
		return pf_fail(-EINVAL, "\"from\" must be an IP address string");
	if (!memcmp(addr, q->key.lo, 16))
		q->dir = PF_DIR_LO_HI;
	else if (!memcmp(addr, q->key.hi, 16))
		q->dir = PF_DIR_HI_LO;
	else
		return pf_fail(-EINVAL, "\"from\" %s is neither address of the pair",
			       json_object_get_string(v));
	return 0;
}

/* rate_bps and/or level (a paid level gives its rate), seconds, burst. */
static struct json_object *parse_grant(struct pfd *d, struct json_object *req, bool need_pair,
				       struct grant_req *out)
{
	__u64 rate = 0, level = 0, burst = 0;
	struct json_object *err;

	memset(out, 0, sizeof(*out));
	if (need_pair && (err = pfd_req_pair(req, &out->key))) {
		d->cnt.refusals[PFD_REF_BAD_REQUEST]++;
		return err;
	}
	if (get_uint(req, "seconds", 1, MAX_SECONDS, true, &out->seconds) ||
	    get_uint(req, "rate_bps", 1, 1000000000000000ULL, false, &rate) ||
	    get_uint(req, "level", 1, d->conf.n_levels - 1, false, &level) ||
	    get_uint(req, "burst", 1, UINT32_MAX, false, &burst) || parse_from(req, out))
		return fail(d, PF_CTL_E_BAD_REQUEST, PFD_REF_BAD_REQUEST);
	if (!rate && !level)
		return bad_request(d, "give \"rate_bps\" or a paid \"level\"%s", "");
	out->g.rate_bps = rate ? rate : d->conf.levels[level].rate_bps;
	out->g.level = level;
	out->g.burst = burst ? burst : pf_default_burst(out->g.rate_bps);
	return NULL;
}

/* Extends or raises the active reservation r (never shortens or lowers). */
static struct json_object *merge_into(struct pfd *d, struct pfd_resv *r, const struct pf_grant *g,
				      __u64 t_received)
{
	struct pf_store_resv s;
	struct pfd_resv next = *r;
	__u32 ifx[PF_CONF_MAX_PORTS];
	struct pf_resv entry;
	__u64 raise;
	int err;

	to_store(d, r, &s);
	raise = pf_grant_merge(&s, g);
	if (raise && pf_adm_check(&d->adm, r->ports, raise))
		return fail(d, PF_CTL_E_CAPACITY, PFD_REF_CAPACITY);
	next.rate_bps = s.rate_bps;
	next.level = s.level;
	next.burst = s.burst;
	next.end_wall_ns = s.end_wall_ns;
	next.expires_mono = pf_expires_mono(s.end_wall_ns, pf_wall_ns(), pf_now_ns());
	entry = pfd_map_entry(&next);
	err = begin_change(d) ?: pf_store_update(d->store, &s);
	if (!err)
		err = raise ? pf_resv_install(&d->dp.maps, &r->key, &entry, ifx,
					      pfd_ifindexes(d, r->ports, ifx))
			    : pf_resv_write(&d->dp.maps, &r->key, &entry);
	if (err) {
		pf_store_rollback_to(d->store);
		return fail(d, PF_CTL_E_INTERNAL, PFD_REF_INTERNAL);
	}
	pf_store_release(d->store);
	record_latency(d, t_received);
	pf_adm_charge(&d->adm, r->ports, raise);
	if (next.expires_mono != r->expires_mono)
		pfd_table_schedule(&d->table, &next);
	next.next_id = r->next_id;
	next.next_key = r->next_key;
	*r = next;
	d->cnt.extends++;
	return NULL;
}

static struct json_object *create(struct pfd *d, const struct grant_req *q, pf_portset ports,
				  __u64 t_received, struct pfd_resv **out)
{
	struct pfd_resv *r = calloc(1, sizeof(*r));
	__u32 ifx[PF_CONF_MAX_PORTS];
	struct pf_store_resv s;
	struct pf_resv entry;
	int err;

	if (!r)
		return pf_ctl_error_reply(PF_CTL_E_INTERNAL, "out of memory");
	if (pfd_cenf_pair_free(d, &q->key)) { /* its map entry is a cluster reservation's */
		free(r);
		return fail(d, PF_CTL_E_BAD_REQUEST, PFD_REF_BAD_REQUEST);
	}
	err = pf_pool_alloc(&d->dp.maps, &r->classid);
	if (err) {
		free(r);
		if (err == -ENOSPC)
			return fail(d, PF_CTL_E_NO_CLASS_ID, PFD_REF_NO_CLASS_ID);
		pfd_logl(PFD_LOG_ERR, "no pooled class: %s", pf_last_error());
		return fail(d, PF_CTL_E_INTERNAL, PFD_REF_INTERNAL);
	}
	r->key = q->key;
	r->dir = q->dir;
	r->state = PF_RS_ACTIVE;
	r->rate_bps = q->g.rate_bps;
	r->level = q->g.level;
	r->burst = q->g.burst;
	r->ports = ports;
	r->start_wall_ns = pf_wall_ns();
	r->end_wall_ns = r->start_wall_ns + q->seconds * NS;
	r->expires_mono = pf_now_ns() + q->seconds * NS;
	to_store(d, r, &s);
	err = begin_change(d) ?: pf_store_insert(d->store, &s);
	if (!err) {
		r->id = s.id;
		entry = pfd_map_entry(r);
		err = pf_resv_install(&d->dp.maps, &r->key, &entry, ifx,
				      pfd_ifindexes(d, ports, ifx));
	}
	if (err) {
		pf_store_rollback_to(d->store);
		pf_pool_forget(&d->dp.maps, r->classid); /* install parked it if it got that far */
		free(r);
		/* A full reservations map refuses like full capacity; a HASH map
		 * never evicts, so every earlier entry stays. */
		if (err == -ENOSPC)
			return fail(d, PF_CTL_E_CAPACITY, PFD_REF_CAPACITY);
		return fail(d, PF_CTL_E_INTERNAL, PFD_REF_INTERNAL);
	}
	pf_store_release(d->store);
	record_latency(d, t_received);
	pf_adm_charge(&d->adm, ports, r->rate_bps);
	pfd_table_add(&d->table, r);
	d->cnt.grants++;
	*out = r;
	return NULL;
}

/* Admits and creates, or merges into the pair's active reservation. */
static struct json_object *grant_one(struct pfd *d, const struct grant_req *q, __u64 t_received,
				     struct pfd_resv **out)
{
	struct pfd_resv *cur = pfd_table_by_key(&d->table, &q->key);
	struct pf_grant g = q->g;
	struct json_object *err;
	pf_portset ports;

	if (cur && cur->dir != q->dir) {
		char a[100], b[100];

		pf_fail(-EEXIST,
			"the pair has an active reservation of direction %s; this grant is %s: "
			"one reservation per pair, revoke it first",
			dir_text(&cur->key, cur->dir, a, sizeof(a)),
			dir_text(&q->key, q->dir, b, sizeof(b)));
		return fail(d, PF_CTL_E_BAD_REQUEST, PFD_REF_BAD_REQUEST);
	}
	if (cur) {
		g.end_wall_ns = pf_wall_ns() + q->seconds * NS;
		err = merge_into(d, cur, &g, t_received);
		*out = cur;
		return err;
	}
	if (pf_adm_ports(&d->adm, &q->key, q->dir, &ports))
		return fail(d, PF_CTL_E_UNKNOWN_ENDPOINT, PFD_REF_UNKNOWN_ENDPOINT);
	if (pf_adm_check(&d->adm, ports, q->g.rate_bps))
		return fail(d, PF_CTL_E_CAPACITY, PFD_REF_CAPACITY);
	return create(d, q, ports, t_received, out);
}

/* A hold becomes the grant: its capacity is released, then re-admitted. */
static struct json_object *grant_hold(struct pfd *d, __u64 hold_id, __u64 t_received,
				      struct pfd_resv **out)
{
	struct pfd_resv *h = pfd_table_by_id(&d->table, hold_id);
	struct grant_req q = {0};
	struct json_object *err;

	if (!h || h->state != PF_RS_HOLD) {
		pf_fail(-ENOENT, "no live hold with id %llu", (unsigned long long)hold_id);
		return fail(d, PF_CTL_E_NOT_FOUND, PFD_REF_BAD_REQUEST);
	}
	q.key = h->key;
	q.dir = h->dir;
	q.g = (struct pf_grant){.rate_bps = h->rate_bps, .level = h->level, .burst = h->burst};
	q.seconds = (h->end_wall_ns - h->start_wall_ns) / NS;
	pf_adm_release(&d->adm, h->ports, h->rate_bps);
	if (pfd_txn(d) || pf_store_set_state(d->store, h->id, PF_RS_EXPIRED)) {
		pf_adm_charge(&d->adm, h->ports, h->rate_bps);
		return fail(d, PF_CTL_E_INTERNAL, PFD_REF_INTERNAL);
	}
	err = grant_one(d, &q, t_received, out);
	if (err) { /* the hold stays */
		pf_store_set_state(d->store, h->id, PF_RS_HOLD);
		pf_adm_charge(&d->adm, h->ports, h->rate_bps);
		return err;
	}
	pfd_table_del(&d->table, h);
	free(h);
	return NULL;
}

struct json_object *pfd_grant(struct pfd *d, struct json_object *req, __u64 t_received,
			      struct json_object **result)
{
	struct pfd_resv *r = NULL;
	struct json_object *err;
	struct grant_req q;
	__u64 hold = 0;

	if (get_uint(req, "hold", 1, INT64_MAX, false, &hold))
		return fail(d, PF_CTL_E_BAD_REQUEST, PFD_REF_BAD_REQUEST);
	if (hold) {
		err = grant_hold(d, hold, t_received, &r);
	} else {
		err = parse_grant(d, req, true, &q);
		if (!err)
			err = grant_one(d, &q, t_received, &r);
	}
	if (err)
		return err;
	*result = live_json(d, r);
	return NULL;
}

/* A hold: admitted and charged like a grant, no data-plane state, lapses after ttl_s. */
static struct json_object *hold_make(struct pfd *d, const struct grant_req *q, __u32 ttl_s,
				     struct pfd_resv **out)
{
	struct pfd_resv *h;
	struct pf_store_resv s;
	pf_portset ports;

	if (pf_adm_ports(&d->adm, &q->key, q->dir, &ports))
		return fail(d, PF_CTL_E_UNKNOWN_ENDPOINT, PFD_REF_UNKNOWN_ENDPOINT);
	if (pf_adm_check(&d->adm, ports, q->g.rate_bps))
		return fail(d, PF_CTL_E_CAPACITY, PFD_REF_CAPACITY);
	h = calloc(1, sizeof(*h));
	if (!h)
		return pf_ctl_error_reply(PF_CTL_E_INTERNAL, "out of memory");
	*h = (struct pfd_resv){.key = q->key,
			       .dir = q->dir,
			       .state = PF_RS_HOLD,
			       .rate_bps = q->g.rate_bps,
			       .level = q->g.level,
			       .burst = q->g.burst,
			       .ports = ports};
	h->start_wall_ns = pf_wall_ns();
	h->end_wall_ns = h->start_wall_ns + q->seconds * NS;
	h->expires_mono = pf_now_ns() + ttl_s * NS;
	to_store(d, h, &s);
	s.hold_until_wall_ns = h->start_wall_ns + ttl_s * NS;
	if (pfd_txn(d) || pf_store_insert(d->store, &s)) {
		free(h);
		return fail(d, PF_CTL_E_INTERNAL, PFD_REF_INTERNAL);
	}
	h->id = s.id;
	pf_adm_charge(&d->adm, ports, h->rate_bps);
	pfd_table_add(&d->table, h);
	d->cnt.holds++;
	*out = h;
	return NULL;
}

struct json_object *pfd_hold(struct pfd *d, struct json_object *req, struct json_object **result)
{
	struct pfd_resv *h;
	struct json_object *err;
	struct grant_req q;

	err = parse_grant(d, req, true, &q);
	if (!err)
		err = hold_make(d, &q, d->conf.hold_ttl_s, &h);
	if (err)
		return err;
	*result = live_json(d, h);
	json_object_object_add(*result, "hold_ttl_s", json_object_new_int(d->conf.hold_ttl_s));
	return NULL;
}

/* The broker's calls return -errno; the reason stays in pf_last_error(). */
static int as_errno(struct json_object *reply)
{
	const char *code;
	int err = -EIO;

	if (!reply)
		return 0;
	code = json_object_get_string(json_object_object_get(reply, "error"));
	if (code && !strcmp(code, "capacity"))
		err = -ENOSPC;
	else if (code && !strcmp(code, "unknown_endpoint"))
		err = -ENOENT;
	else if (code && !strcmp(code, "no_class_id"))
		err = -EMLINK;
	json_object_put(reply);
	return err;
}

static struct grant_req level_req(const struct pfd *d, const struct pf_key *key, __u8 dir,
				  __u32 level, __u64 seconds)
{
	struct grant_req q = {.key = *key, .seconds = seconds, .dir = dir};

	q.g.rate_bps = d->conf.levels[level].rate_bps;
	q.g.level = level;
	q.g.burst = pf_default_burst(q.g.rate_bps);
	return q;
}

int pfd_hold_place(struct pfd *d, const struct pf_key *key, __u8 dir, __u32 level, __u64 seconds,
		   __u32 ttl_s, __u64 *hold_id)
{
	struct grant_req q = level_req(d, key, dir, level, seconds);
	struct pfd_resv *h = NULL;
	int err = as_errno(hold_make(d, &q, ttl_s, &h));

	if (!err)
		*hold_id = h->id;
	return err;
}

int pfd_grant_paid(struct pfd *d, __u64 hold_id, const struct pf_key *key, __u8 dir, __u32 level,
		   __u64 seconds, __u64 t_received, struct pfd_resv **out)
{
	struct pfd_resv *h = hold_id ? pfd_table_by_id(&d->table, hold_id) : NULL;
	struct grant_req q = level_req(d, key, dir, level, seconds);

	if (h && h->state == PF_RS_HOLD)
		return as_errno(grant_hold(d, hold_id, t_received, out));
	return as_errno(grant_one(d, &q, t_received, out)); /* the hold lapsed: admit afresh */
}

int pfd_extend_paid(struct pfd *d, struct pfd_resv *r, __u64 seconds, __u64 t_received)
{
	__s64 now = pf_wall_ns(), from = r->end_wall_ns > now ? r->end_wall_ns : now;
	struct pf_grant g = {.rate_bps = r->rate_bps,
			     .level = r->level,
			     .burst = r->burst,
			     .end_wall_ns = from + (__s64)(seconds * NS)};

	return as_errno(merge_into(d, r, &g, t_received));
}

int pfd_upgrade_paid(struct pfd *d, struct pfd_resv *r, __u32 level, __u64 t_received)
{
	__u64 rate = d->conf.levels[level].rate_bps;
	struct pf_grant g = {.rate_bps = rate,
			     .level = level,
			     .burst = pf_default_burst(rate),
			     .end_wall_ns = r->end_wall_ns};

	if (rate <= r->rate_bps)
		return pf_fail(-EINVAL, "level %u is not above the reservation's rate", level);
	return as_errno(merge_into(d, r, &g, t_received));
}

/* Ends r now (revoked) or on time (expired): database, data plane, memory. */
static int end_resv(struct pfd *d, struct pfd_resv *r, enum pf_resv_state state)
{
	int err = pfd_txn(d) ?: pf_store_set_state(d->store, r->id, state);
	struct pf_stats st;

	if (err)
		return err;
	/* Its counters go with its map entry: keep them for STATUS after the end. */
	if (r->state == PF_RS_ACTIVE && !pf_resv_stats_read(&d->dp.maps, &r->key, &st) &&
	    (err = pf_traffic_put(d->store, r->id, &st)))
		return err;
	if (r->state == PF_RS_ACTIVE && pf_resv_remove(&d->dp.maps, &r->key))
		pfd_logl(PFD_LOG_ERR, "reservation %llu: %s", (unsigned long long)r->id,
			 pf_last_error());
	pf_adm_release(&d->adm, r->ports, r->rate_bps);
	pfd_table_del(&d->table, r);
	free(r);
	return 0;
}

static struct json_object *find(struct pfd *d, struct json_object *req, __u8 state,
				struct pfd_resv **out)
{
	struct pfd_resv *r;
	struct pf_key key;
	__u64 id = 0;

	if (get_uint(req, "id", 1, INT64_MAX, false, &id))
		return pf_ctl_error_reply(PF_CTL_E_BAD_REQUEST, pf_last_error());
	if (id) {
		r = pfd_table_by_id(&d->table, id);
		if (!r || r->state != state) {
			pf_fail(-ENOENT, "no live %s with id %llu", pf_resv_state_name(state),
				(unsigned long long)id);
			return pf_ctl_error_reply(PF_CTL_E_NOT_FOUND, pf_last_error());
		}
	} else {
		struct json_object *err = pfd_req_pair(req, &key);
		char pair[PF_PAIR_STRLEN];

		if (err)
			return err;
		r = state == PF_RS_ACTIVE ? pfd_table_by_key(&d->table, &key) : NULL;
		if (!r) {
			pf_fail(-ENOENT, "no active reservation for %s",
				pf_key_format(&key, pair, sizeof(pair)));
			return pf_ctl_error_reply(PF_CTL_E_NOT_FOUND, pf_last_error());
		}
	}
	*out = r;
	return NULL;
}

static struct json_object *end_request(struct pfd *d, struct json_object *req, __u8 state,
				       struct json_object **result)
{
	struct json_object *err;
	struct pfd_resv *r = NULL;

	__s64 start, end;
	__u64 id;

	err = find(d, req, state, &r);
	if (err)
		return err;
	*result = live_json(d, r);
	json_object_object_add(*result, "state", json_object_new_string("revoked"));
	id = r->id;
	start = r->start_wall_ns;
	end = r->end_wall_ns;
	if (end_resv(d, r, PF_RS_REVOKED)) {
		json_object_put(*result);
		return pf_ctl_error_reply(PF_CTL_E_INTERNAL, pf_last_error());
	}
	d->cnt.revokes++;
	if (state == PF_RS_ACTIVE && d->broker)
		pfd_broker_revoked(d, id, start, end, *result);
	return NULL;
}

int pfd_resv_revoke(struct pfd *d, __u64 id)
{
	struct pfd_resv *r = pfd_table_by_id(&d->table, id);
	int err;

	if (!r || r->state != PF_RS_ACTIVE)
		return pf_fail(-ENOENT, "no active reservation with id %llu",
			       (unsigned long long)id);
	err = end_resv(d, r, PF_RS_REVOKED);
	if (!err)
		d->cnt.revokes++;
	return err;
}

void pfd_hold_drop(struct pfd *d, __u64 hold_id)
{
	struct pfd_resv *h = pfd_table_by_id(&d->table, hold_id);

	if (h && h->state == PF_RS_HOLD && end_resv(d, h, PF_RS_EXPIRED))
		pfd_logl(PFD_LOG_ERR, "cannot drop hold %llu: %s", (unsigned long long)hold_id,
			 pf_last_error());
}

int pfd_hold_extend(struct pfd *d, __u64 hold_id, __u32 ttl_s)
{
	struct pfd_resv *h = pfd_table_by_id(&d->table, hold_id);
	__u64 until = pf_now_ns() + ttl_s * NS;
	struct pf_store_resv s;
	int err;

	if (!h || h->state != PF_RS_HOLD)
		return pf_fail(-ENOENT, "no live hold with id %llu", (unsigned long long)hold_id);
	if (h->expires_mono >= until)
		return 0;
	to_store(d, h, &s);
	s.hold_until_wall_ns = pf_wall_ns() + ttl_s * NS;
	err = pfd_txn(d) ?: pf_store_update(d->store, &s);
	if (err)
		return err;
	h->expires_mono = until;
	return pfd_table_schedule(&d->table, h);
}

struct json_object *pfd_revoke(struct pfd *d, struct json_object *req, struct json_object **result)
{
	return end_request(d, req, PF_RS_ACTIVE, result);
}

struct json_object *pfd_release(struct pfd *d, struct json_object *req, struct json_object **result)
{
	return end_request(d, req, PF_RS_HOLD, result);
}

void pfd_reap(struct pfd *d)
{
	struct pfd_heap_item it;
	__u64 now = pf_now_ns();

	d->timer_at = 0; /* it fired */
	while (pfd_table_pop_due(&d->table, now, &it)) {
		struct pfd_resv *r = pfd_table_by_id(&d->table, it.id);
		bool hold;

		if (!r || r->expires_mono != it.at)
			continue; /* extended or already gone */
		hold = r->state == PF_RS_HOLD;
		if (end_resv(d, r, PF_RS_EXPIRED)) {
			pfd_logl(PFD_LOG_ERR, "cannot expire reservation %llu: %s",
				 (unsigned long long)it.id, pf_last_error());
			pfd_table_schedule(&d->table, r); /* retry on the next tick */
			break;
		}
		if (hold)
			d->cnt.hold_lapses++;
		else
			d->cnt.expiries++;
	}
	pfd_arm_timer(d);
}

void pfd_arm_timer(struct pfd *d)
{
	__u64 at = pfd_table_next(&d->table);
	struct itimerspec its = {0};

	if (at == d->timer_at)
		return; /* already armed for it */
	d->timer_at = at;
	if (at) {
		its.it_value.tv_sec = at / NS;
		its.it_value.tv_nsec = at % NS;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(d->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}
