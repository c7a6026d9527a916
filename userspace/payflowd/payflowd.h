/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * payflowd: the controller daemon. One thread, one epoll loop; admission is
 * atomic because nothing else runs between a check and its charge. The
 * database is the truth, the maps and HTB classes follow it (reconcile.c).
 */
#ifndef PFD_H
#define PFD_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "userspace/payflowd/admission.h"
#include "userspace/payflowd/config.h"
#include "userspace/control/ctl_proto.h"
#include "userspace/dataplane/dataplane.h"
#include "userspace/payflowd/store.h"
#include "broker/proto/errors.h"

/* A live reservation or hold, indexed by id, and by pair when active. */
struct pfd_resv {
	__u64 id;
	struct pf_key key;
	__u8 state;    /* PF_RS_HOLD or PF_RS_ACTIVE */
	__u32 classid; /* pooled HTB leaf (dataplane/pool.h); 0 for a hold */
	__u8 dir;      /* enum pf_path_dir: both ways, or one way */
	__u32 level;
	__u32 burst;
	__u64 rate_bps;
	pf_portset ports;
	__s64 start_wall_ns;
	__s64 end_wall_ns;  /* active: end; hold: when it lapses */
	__u64 expires_mono; /* end_wall_ns on CLOCK_BOOTTIME (the data plane's clock) */
	struct pfd_resv *next_id, *next_key;
};

struct pfd_heap_item {
	__u64 at; /* CLOCK_BOOTTIME ns */
	__u64 id;
};

struct pfd_table {
	struct pfd_resv **by_id, **by_key;
	size_t n_buckets, n_live, n_active;
	struct pfd_heap_item *heap;
	size_t heap_len, heap_cap;
};

enum pfd_refusal {
	PFD_REF_CAPACITY,
	PFD_REF_UNKNOWN_ENDPOINT,
	PFD_REF_NO_CLASS_ID,
	PFD_REF_BAD_REQUEST,
	PFD_REF_INTERNAL,
	PFD_REF_MAX,
};

#define PFD_LAT_SAMPLES 65536
/* Broker ORDER outcomes: index PF_OK = confirmed, PF_E_* = refused, then pending. */
#define PFD_ORDER_PENDING  PF_E__COUNT
#define PFD_ORDER_OUTCOMES (PF_E__COUNT + 1)

struct pfd_counters {
	__u64 grants, extends, holds, revokes, expiries, hold_lapses;
	__u64 refusals[PFD_REF_MAX];
	/* grant_to_enforced: request received -> map entry written, in ns */
	__u32 lat_ns[PFD_LAT_SAMPLES];
	__u64 lat_n;
	__u64 orders[PFD_ORDER_OUTCOMES];
	double revenue_wei[PF_CONF_MAX_LEVELS]; /* by config level; exact below 2^53 */
};

struct pf_cl_node;
struct pfd_cenf;

struct pfd {
	struct pf_conf conf;
	char config_path[PATH_MAX]; /* re-read by a reload */
	struct pf_dp dp;
	struct pf_store *store;
	struct pf_adm adm;
	struct pfd_table table;
	struct pfd_counters cnt;
	bool in_txn;
	bool txn_failed;
	bool pool_ahead_failed; /* logged once until a step succeeds (pool_ahead.c) */
	int epfd, timerfd, sigfd, listenfd, lockfd;
	struct pf_ls *ctl; /* the control socket's server */
	struct MHD_Daemon *mhd;
	struct pfd_flowstats *flows; /* per-flow counters for the metrics, read off the loop */
	double last_reconcile_s;
	__s64 boot_offset;	    /* config.boot_offset_ns as last synced (dataplane/clock.h) */
	__u64 timer_at;		    /* when the timerfd fires (CLOCK_BOOTTIME ns), 0 = disarmed */
	struct pfd_broker *broker;  /* NULL without a "broker" config section */
	struct pfd_events *events;  /* recent order outcomes (events.h) */
	struct pfd_flowrate *rates; /* per-flow live rates for /api/state (flowrate.h) */
	struct pf_cl_node *cluster; /* NULL without a "cluster" config section */
	struct pfd_cenf *cenf;	    /* cluster enforcement (cluster_enforce.h), or NULL */
	struct pfd_csell *csell;    /* the broker's sales through etcd (cluster mode), or NULL */
};

/* log.c: every line has a level; pfd_log() is PFD_LOG_INFO. */
enum pfd_log_level { PFD_LOG_ERR, PFD_LOG_WARN, PFD_LOG_INFO, PFD_LOG_DEBUG };
void pfd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pfd_logl(enum pfd_log_level lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* libbpf's messages as log lines: warnings, and the rest with PF_DEBUG set. */
enum libbpf_print_level;
int pfd_libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap);

/* table.c */
int pfd_table_init(struct pfd_table *t, size_t n_buckets);
void pfd_table_free(struct pfd_table *t);
void pfd_table_clear(struct pfd_table *t);
int pfd_table_add(struct pfd_table *t, struct pfd_resv *r);
void pfd_table_del(struct pfd_table *t, struct pfd_resv *r);
struct pfd_resv *pfd_table_by_id(const struct pfd_table *t, __u64 id);
struct pfd_resv *pfd_table_by_key(const struct pfd_table *t, const struct pf_key *key);
/* Schedules r's expiry (also after an extension: stale items are skipped). */
int pfd_table_schedule(struct pfd_table *t, const struct pfd_resv *r);
/* The earliest scheduled time, or 0. */
__u64 pfd_table_next(const struct pfd_table *t);
/* Pops the next item due by now; false when none. */
bool pfd_table_pop_due(struct pfd_table *t, __u64 now, struct pfd_heap_item *out);
void pfd_table_foreach(const struct pfd_table *t, void (*cb)(struct pfd_resv *r, void *ctx),
		       void *ctx);

/* pool_ahead.c: one step of making pooled classes ahead of grants; true
 * while more are wanted (the loop then takes a step after each
 * PFD_POOL_QUIET_MS without requests). */
#define PFD_POOL_QUIET_MS 5
bool pfd_pool_ahead(struct pfd *d);

/* lifecycle.c: each returns NULL on success with *result set, or an error reply. */
struct json_object *pfd_grant(struct pfd *d, struct json_object *req, __u64 t_received,
			      struct json_object **result);
struct json_object *pfd_hold(struct pfd *d, struct json_object *req, struct json_object **result);
struct json_object *pfd_release(struct pfd *d, struct json_object *req,
				struct json_object **result);
struct json_object *pfd_revoke(struct pfd *d, struct json_object *req, struct json_object **result);
/* For the broker: 0 or -errno (-ENOSPC: capacity, -ENOENT: unknown endpoint),
 * the reason in pf_last_error(). A hold lapses after ttl_s; a paid grant
 * turns its live hold into the reservation, or admits afresh when the hold
 * lapsed; an extension sets end = max(end, now) + seconds. */
int pfd_hold_place(struct pfd *d, const struct pf_key *key, __u8 dir, __u32 level, __u64 seconds,
		   __u32 ttl_s, __u64 *hold_id);
int pfd_grant_paid(struct pfd *d, __u64 hold_id, const struct pf_key *key, __u8 dir, __u32 level,
		   __u64 seconds, __u64 t_received, struct pfd_resv **out);
int pfd_extend_paid(struct pfd *d, struct pfd_resv *r, __u64 seconds, __u64 t_received);
/* Raises the active r to config level `level` (a higher rate) until its end,
 * on every port of its path and the map entry, all or nothing. */
int pfd_upgrade_paid(struct pfd *d, struct pfd_resv *r, __u32 level, __u64 t_received);
/* Keeps a live hold at least ttl_s from now; -ENOENT when it is gone. */
int pfd_hold_extend(struct pfd *d, __u64 hold_id, __u32 ttl_s);
/* Releases a live hold (its quote was answered another way). */
void pfd_hold_drop(struct pfd *d, __u64 hold_id);
/* Ends an active reservation now (a buyer's cancel): -ENOENT if it is not active. */
int pfd_resv_revoke(struct pfd *d, __u64 id);
/* Expires what is due; re-arms the timer. */
void pfd_reap(struct pfd *d);
/* Arms the timerfd for the earliest expiry, if that changed (after each batch). */
void pfd_arm_timer(struct pfd *d);
/* The ifindexes of a port set; returns how many. */
int pfd_ifindexes(const struct pfd *d, pf_portset set, __u32 *out);
struct pf_resv pfd_map_entry(const struct pfd_resv *r);
/* Wall-clock end to show: an active reservation's end, a hold's lapse. */
__s64 pfd_resv_shown_end(const struct pfd_resv *r);
struct json_object *pfd_resv_json(const struct pfd *d, const struct pf_key *key, __u8 dir, __u64 id,
				  const char *state, __u64 rate, __u32 level, __u32 classid,
				  __s64 start_wall, __s64 end_wall, const char *ports);
/* Opens the batch transaction if none is open (group commit, loop.c). */
int pfd_txn(struct pfd *d);

/* queries.c: read-only requests (pfd_req_pair is in lifecycle.c) */
struct json_object *pfd_list(struct pfd *d, struct json_object *req, struct json_object **result);
struct json_object *pfd_show(struct pfd *d, struct json_object *req, struct json_object **result);
struct json_object *pfd_stats(struct pfd *d, struct json_object *req, struct json_object **result);
struct json_object *pfd_ports(struct pfd *d, struct json_object *req, struct json_object **result);
/* topo_queries.c: the topology and one pair's path, both directions */
struct json_object *pfd_topology(struct pfd *d, struct json_object *req,
				 struct json_object **result);
struct json_object *pfd_path(struct pfd *d, struct json_object *req, struct json_object **result);
/* Config port i as a directed link: where it leads, capacity, reserved, free. */
struct json_object *pfd_port_json(const struct pfd *d, int i);
/* Reads the pair from "a"/"b", or the id from "id"; error reply or NULL. */
struct json_object *pfd_req_pair(struct json_object *req, struct pf_key *key);
bool pfd_latency(const struct pfd *d, double pct, double *us);

/* reconcile.c */
int pfd_attach_ports(struct pfd *d);
/* Writes port p's source allow list (its `hosts`) into the data plane. */
int pfd_src_guard_sync(struct pfd *d, const struct pf_conf_port *p);
int pfd_reconcile(struct pfd *d);
/* -ERANGE (with the message) while now_wall is before the store's newest event. */
int pfd_clock_check(struct pf_store *s, __s64 now_wall);
int pfd_detach_all(const struct pf_conf *c);

/* ctl_server.c */
int pfd_ctl_listen(struct pfd *d);
void pfd_ctl_event(struct pfd *d, void *tag, __u32 events);
/* After the batch committed (or failed): send the queued replies. */
void pfd_ctl_flush(struct pfd *d, bool committed);
void pfd_ctl_close(struct pfd *d);

/* metrics.c */
int pfd_metrics_start(struct pfd *d);
void pfd_metrics_run(struct pfd *d);
int pfd_metrics_timeout_ms(struct pfd *d);
void pfd_metrics_stop(struct pfd *d);
char *pfd_metrics_text(struct pfd *d);
/* The latest per-flow counters (starts their reader once the maps exist), or
 * NULL; give it back with pfd_flowstats_put(d->flows, s). */
struct pfd_flowsnap *pfd_flows_get(struct pfd *d);

/* http_api.c: the dashboard and /api/state on the metrics listener (docs/DASHBOARD.md) */
struct MHD_Connection;
/* Whether the request carries the configured bearer token (true when none is set). */
bool pfd_http_authorized(const struct pfd *d, struct MHD_Connection *conn);
/* Answers every GET but /metrics: the page's assets, /api/state, or 404. */
int pfd_http_serve(struct pfd *d, struct MHD_Connection *conn, const char *url);
struct json_object *pfd_api_state(struct pfd *d);
/* Warns when the listener is off loopback and asks no token. */
void pfd_http_exposure_check(const struct pfd *d);

/* broker_glue.c: the REQUEST channel server inside the daemon */
int pfd_broker_start(struct pfd *d);
void pfd_broker_stop(struct pfd *d);
/* cluster_glue.c: cluster mode (docs/CLUSTER.md); both do nothing without it. */
int pfd_cluster_start(struct pfd *d);
void pfd_cluster_stop(struct pfd *d);
/* broker/sales/cluster_sell.c: with a broker, its sales through etcd. */
int pfd_csell_start(struct pfd *d);
void pfd_csell_stop(struct pfd *d);
int pfd_csell_settle(struct pfd *d);
void pfd_broker_event(struct pfd *d, void *tag, __u32 events);
void pfd_broker_ledger(struct pfd *d);
void pfd_broker_flush(struct pfd *d, bool committed);
/* The MENU and per-client limits from next (a reload); nothing changes on error. */
int pfd_broker_reload(struct pfd *d, const struct pf_conf *next);
/* broker_refund.c: an active reservation [start, end) was revoked now: what was paid for
 * its unused seconds goes back to the balances; result gains "refund" (or
 * "refund_error"). Inside the revoke's transaction. */
void pfd_broker_revoked(struct pfd *d, __u64 resv_id, __s64 start_ns, __s64 end_ns,
			struct json_object *result);
/* broker_ledger.c: payflowctl ledger */
struct json_object *pfd_ledger(struct pfd *d, struct json_object *req, struct json_object **result);
/* broker_blocks.c: payflowctl blocks / unblock */
struct json_object *pfd_blocks(struct pfd *d, struct json_object *req, struct json_object **result);
struct json_object *pfd_unblock(struct pfd *d, struct json_object *req,
				struct json_object **result);

/* reload.c: SIGHUP and the "reload" request (docs/CONFIG.md, "Reload") */
/* Brings port i's HTB root and best-effort classes to the configured rates, in place. */
int pfd_port_rates_sync(struct pfd *d, int i);
/* Re-reads the config file and applies what may change live; on any error
 * nothing changed and the message names the key. */
int pfd_reload(struct pfd *d, char *changed, size_t len);
struct json_object *pfd_reload_op(struct pfd *d, struct json_object *req,
				  struct json_object **result);

/* notify.c: readiness for systemd (no-ops without NOTIFY_SOCKET) */
void pfd_notify_ready(const struct pfd *d);
void pfd_notify_reloading(void);
void pfd_notify_stopping(void);

/* loop.c */
int pfd_loop_init(struct pfd *d);
int pfd_loop_run(struct pfd *d);
void pfd_loop_close(struct pfd *d);

/* Tags for epoll data: a pointer to one of these heads each watched thing. */
enum pfd_src {
	PFD_SRC_LISTEN,
	PFD_SRC_TIMER,
	PFD_SRC_SIGNAL,
	PFD_SRC_CLIENT,
	PFD_SRC_METRICS,
	PFD_SRC_BROKER_LISTEN,
	PFD_SRC_BROKER_CONN,
	PFD_SRC_BROKER_TIMER,
	PFD_SRC_LEDGER,
	PFD_SRC_CLUSTER_FEED, /* cluster_enforce.h */
	PFD_SRC_CLUSTER_TIMER,
};

#endif /* PFD_H */
