// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Prometheus metrics over HTTP (libmicrohttpd in external-epoll mode, served
 * from the daemon's own loop, so handlers read state without locks). The
 * per-flow series are bounded: only the PFD_TOP_FLOWS reservations with the
 * most bytes get labelled series; the rest are summed into one "other" series.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <microhttpd.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/payflowd/cluster_enforce.h"
#include "userspace/common/addr.h"
#include "userspace/dataplane/resv.h"
#include "userspace/common/buf.h"
#include "userspace/common/error.h"
#include "broker/sales/broker_glue.h"
#include "userspace/payflowd/flowstats.h"
#include "userspace/payflowd/flowrate.h"

#define PFD_TOP_FLOWS	   100
#define PFD_FLOW_PERIOD_MS 1000 /* age limit of the per-flow figures */

static enum pfd_src metrics_tag = PFD_SRC_METRICS;

static void header(struct pf_buf *t, const char *name, const char *type, const char *help)
{
	pf_buf_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct flow {
	__u64 id;
	struct pf_key key;
	struct pf_stats st;
};

struct flow_ctx {
	struct pfd *d;
	pf_portset port;
	__u64 count, bps;
};

/* The PFD_TOP_FLOWS active reservations with the most bytes; the rest summed. */
struct top {
	struct flow f[PFD_TOP_FLOWS];
	size_t n;
	__u64 ids[PFD_TOP_FLOWS]; /* sorted, for membership */
	struct pf_stats other;
};

static int by_id(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static void top_add(struct top *t, const struct pfd_resv *r, const struct pf_stats *st)
{
	if (t->n < PFD_TOP_FLOWS) {
		t->f[t->n++] = (struct flow){r->id, r->key, *st};
		return;
	}
	t->other.bytes += st->bytes;
	t->other.packets += st->packets;
	t->other.drops += st->drops;
}

/* Walks the snapshot (largest first) and keeps what is an active reservation. */
static void top_from_snapshot(struct pfd *d, const struct pfd_flowsnap *s, struct top *t)
{
	for (size_t i = 0; i < s->n; i++) {
		struct pfd_resv *r = pfd_table_by_key(&d->table, &s->e[i].key);

		if (r && r->state == PF_RS_ACTIVE)
			top_add(t, r, &s->e[i].st);
	}
}

/* With room left, reservations without traffic yet (no stats entry) follow at 0. */
static void top_fill_idle(struct pfd_resv *r, void *arg)
{
	static const struct pf_stats zero;
	struct top *t = arg;

	if (r->state != PF_RS_ACTIVE || t->n >= PFD_TOP_FLOWS ||
	    bsearch(&r->id, t->ids, t->n, sizeof(t->ids[0]), by_id))
		return;
	top_add(t, r, &zero);
}

struct pfd_flowsnap *pfd_flows_get(struct pfd *d)
{
	/* Started at the first scrape: the maps exist only once ports are attached. */
	if (!d->flows && d->dp.skel &&
	    pfd_flowstats_start(&d->flows, d->dp.maps.reservations, d->dp.maps.resv_stats,
				PFD_FLOW_PERIOD_MS))
		pfd_logl(PFD_LOG_WARN, "metrics: %s", pf_last_error());
	return d->flows ? pfd_flowstats_get(d->flows) : NULL;
}

static void top_build(struct pfd *d, struct top *t)
{
	struct pfd_flowsnap *s = pfd_flows_get(d);

	memset(t, 0, sizeof(*t));
	if (s) {
		top_from_snapshot(d, s, t);
		pfd_flowstats_put(d->flows, s);
	}
	if (t->n >= PFD_TOP_FLOWS)
		return;
	for (size_t i = 0; i < t->n; i++)
		t->ids[i] = t->f[i].id;
	qsort(t->ids, t->n, sizeof(t->ids[0]), by_id);
	pfd_table_foreach(&d->table, top_fill_idle, t);
}

static void port_sum(struct pfd_resv *r, void *arg)
{
	struct flow_ctx *f = arg;

	if (r->state == PF_RS_ACTIVE && (r->ports & f->port)) {
		f->count++;
		f->bps += r->rate_bps;
	}
}

static void port_metrics(struct pfd *d, struct pf_buf *t)
{
	header(t, "payflow_port_active_reservations", "gauge",
	       "Active reservations crossing the port.");
	for (int i = 0; i < d->conf.n_ports; i++) {
		struct flow_ctx f = {.d = d, .port = 1ULL << i};

		pfd_table_foreach(&d->table, port_sum, &f);
		pf_buf_printf(t, "payflow_port_active_reservations{port=\"%s\"} %llu\n",
			      d->conf.ports[i].ifname, (unsigned long long)f.count);
	}
	header(t, "payflow_port_reserved_bps", "gauge",
	       "Reserved bit/s on the port, active and held.");
	for (int i = 0; i < d->conf.n_ports; i++)
		pf_buf_printf(t, "payflow_port_reserved_bps{port=\"%s\"} %llu\n",
			      d->conf.ports[i].ifname,
			      (unsigned long long)d->adm.ll.reserved_bps[i]);
	header(t, "payflow_port_capacity_bps", "gauge", "Configured capacity of the port.");
	for (int i = 0; i < d->conf.n_ports; i++)
		pf_buf_printf(t, "payflow_port_capacity_bps{port=\"%s\"} %llu\n",
			      d->conf.ports[i].ifname,
			      (unsigned long long)d->conf.ports[i].capacity_bps);
}

static void counter_metrics(struct pfd *d, struct pf_buf *t)
{
	static const char *const reasons[PFD_REF_MAX] = {"capacity", "unknown_endpoint",
							 "no_class_id", "bad_request", "internal"};

	header(t, "payflow_grants_total", "counter", "New reservations granted.");
	pf_buf_printf(t, "payflow_grants_total %llu\n", (unsigned long long)d->cnt.grants);
	header(t, "payflow_extends_total", "counter", "Grants that extended or raised one.");
	pf_buf_printf(t, "payflow_extends_total %llu\n", (unsigned long long)d->cnt.extends);
	header(t, "payflow_refusals_total", "counter", "Refused requests by reason.");
	for (int i = 0; i < PFD_REF_MAX; i++)
		pf_buf_printf(t, "payflow_refusals_total{reason=\"%s\"} %llu\n", reasons[i],
			      (unsigned long long)d->cnt.refusals[i]);
	header(t, "payflow_expiries_total", "counter", "Reservations that ended on time.");
	pf_buf_printf(t, "payflow_expiries_total %llu\n", (unsigned long long)d->cnt.expiries);
	header(t, "payflow_revokes_total", "counter", "Reservations revoked.");
	pf_buf_printf(t, "payflow_revokes_total %llu\n", (unsigned long long)d->cnt.revokes);
	/* Fed by the broker's payments; operator grants earn nothing. A float64
	 * counter (Prometheus has no other kind): exact up to 2^53 wei; the
	 * database's payments table has the exact decimal amounts. */
	header(t, "payflow_revenue_wei_total", "counter",
	       "Payments consumed by granted orders per level, wei (float64).");
	for (int i = 0; i < d->conf.n_levels; i++)
		pf_buf_printf(t, "payflow_revenue_wei_total{level=\"%d\",name=\"%s\"} %.17g\n", i,
			      d->conf.levels[i].name, d->cnt.revenue_wei[i]);
	header(t, "payflow_broker_orders_total", "counter",
	       "ORDER answers by outcome: confirm, pending, or the error code.");
	for (int i = 0; i < PFD_ORDER_OUTCOMES; i++)
		if (i == PF_OK || i == PFD_ORDER_PENDING || d->cnt.orders[i])
			pf_buf_printf(t, "payflow_broker_orders_total{outcome=\"%s\"} %llu\n",
				      i == PF_OK	       ? "confirm"
				      : i == PFD_ORDER_PENDING ? "pending"
							       : pf_err_name(i),
				      (unsigned long long)d->cnt.orders[i]);
	header(t, "payflow_reconcile_seconds", "gauge", "Duration of the last reconcile.");
	pf_buf_printf(t, "payflow_reconcile_seconds %.6f\n", d->last_reconcile_s);
}

static void flow_metrics(struct pfd *d, struct pf_buf *t)
{
	static const char *const what[3] = {"bytes", "packets", "drops"};
	struct top *top = malloc(sizeof(*top));

	if (!top)
		return;
	top_build(d, top);
	for (int w = 0; w < 3; w++) {
		char name[64], help[128];

		snprintf(name, sizeof(name), "payflow_flow_%s_total", what[w]);
		snprintf(help, sizeof(help),
			 "Reserved traffic %s: the top %d reservations by bytes, the rest as "
			 "id=\"other\".",
			 what[w], PFD_TOP_FLOWS);
		header(t, name, "counter", help);
		for (size_t i = 0; i < top->n; i++) {
			char lo[PF_ADDR_STRLEN], hi[PF_ADDR_STRLEN];
			const struct pf_stats *s = &top->f[i].st;

			pf_buf_printf(t, "%s{id=\"%llu\",a=\"%s\",b=\"%s\"} %llu\n", name,
				      (unsigned long long)top->f[i].id,
				      pf_addr_format(top->f[i].key.lo, lo, sizeof(lo)),
				      pf_addr_format(top->f[i].key.hi, hi, sizeof(hi)),
				      (unsigned long long)(w == 0   ? s->bytes
							   : w == 1 ? s->packets
								    : s->drops));
		}
		pf_buf_printf(t, "%s{id=\"other\",a=\"\",b=\"\"} %llu\n", name,
			      (unsigned long long)(w == 0   ? top->other.bytes
						   : w == 1 ? top->other.packets
							    : top->other.drops));
	}
	free(top);
}

char *pfd_metrics_text(struct pfd *d)
{
	struct pf_buf t = {0};
	__u64 cnt[PF_CNT_MAX];

	port_metrics(d, &t);
	counter_metrics(d, &t);
	flow_metrics(d, &t);
	pfd_cenf_metrics(d, &t);
	if (d->broker && d->broker->lw) {
		struct pf_ledger_health h[PF_LW_NODES_MAX];
		int q, n = pf_lw_health(d->broker->lw, h, &q);

		pf_ledger_health_metrics(h, n, &t);
	}
	if (!pf_counters_read(&d->dp.maps, cnt)) {
		header(&t, "payflow_dataplane_packets_total", "counter",
		       "Data-plane packet counters by outcome.");
		for (int i = 0; i < PF_CNT_MAX; i++)
			pf_buf_printf(&t, "payflow_dataplane_packets_total{outcome=\"%s\"} %llu\n",
				      pf_counter_name(i), (unsigned long long)cnt[i]);
	}
	return t.data;
}

/* A short text answer; hdr (with its value) is added when not NULL. */
static enum MHD_Result refuse(struct MHD_Connection *conn, unsigned status, const char *msg,
			      const char *hdr, const char *val)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (hdr)
		MHD_add_response_header(resp, hdr, val);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url,
			     const char *method, const char *version, const char *upload,
			     size_t *upload_len, void **con_cls)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)con_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return refuse(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "read-only: GET only\n", "Allow",
			      "GET, HEAD");
	if (strcmp(url, "/metrics"))
		return (enum MHD_Result)pfd_http_serve(cls, conn, url);
	if (!pfd_http_authorized(cls, conn))
		return refuse(conn, MHD_HTTP_UNAUTHORIZED, "a bearer token is required\n",
			      "WWW-Authenticate", "Bearer realm=\"payflowd\"");
	body = pfd_metrics_text(cls);
	if (!body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

int pfd_metrics_start(struct pfd *d)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &metrics_tag};

	if (!d->conf.metrics_host[0])
		return 0;
	if (inet_pton(AF_INET, d->conf.metrics_host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(d->conf.metrics_port);
	} else if (inet_pton(AF_INET6, d->conf.metrics_host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(d->conf.metrics_port);
		flags |= MHD_USE_IPv6;
	} else {
		return pf_fail(-EINVAL, "metrics: '%s' is not an IP address", d->conf.metrics_host);
	}
	d->mhd = MHD_start_daemon(flags, d->conf.metrics_port, NULL, NULL, serve, d,
				  MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned)10, MHD_OPTION_END);
	if (!d->mhd)
		return pf_fail(-EADDRINUSE, "metrics: cannot listen on %s:%u (in use?)",
			       d->conf.metrics_host, d->conf.metrics_port);
	info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || epoll_ctl(d->epfd, EPOLL_CTL_ADD, info->epoll_fd, &ev))
		return pf_fail(-EIO, "metrics: cannot watch the HTTP server");
	pfd_http_exposure_check(d);
	return 0;
}

void pfd_metrics_run(struct pfd *d)
{
	if (d->mhd)
		MHD_run(d->mhd);
}

int pfd_metrics_timeout_ms(struct pfd *d)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (!d->mhd || MHD_get_timeout(d->mhd, &ms) != MHD_YES)
		return -1;
	return ms > 60000 ? 60000 : (int)ms;
}

void pfd_metrics_stop(struct pfd *d)
{
	if (d->mhd)
		MHD_stop_daemon(d->mhd);
	d->mhd = NULL;
	pfd_flowstats_stop(d->flows);
	d->flows = NULL;
	pfd_flowrate_free(d->rates);
	d->rates = NULL;
}
