// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The operator's dashboard on the metrics listener (docs/DASHBOARD.md): the
 * page's files, embedded at build time, and GET /api/state, one JSON
 * document of everything the page draws. Read-only: only GET and HEAD. With
 * "metrics_token" set, /api/state and /metrics ask for it as a bearer token;
 * the page's files hold no state and are served to anyone who can connect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/payflowd/events.h"
#include "userspace/payflowd/flowrate.h"
#include "userspace/payflowd/flowstats.h"
#include "userspace/common/error.h"

struct pfd_asset {
	const char *path, *mime;
	const unsigned char *data;
	size_t len;
};
#include "userspace/payflowd/dashboard_assets.h"

#define API_VERSION 1

bool pfd_http_authorized(const struct pfd *d, struct MHD_Connection *conn)
{
	const char *want = d->conf.metrics_token;
	const char *got = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	size_t n = strlen(want);
	unsigned char diff = 0;

	if (!want[0])
		return true;
	if (!got || strncmp(got, "Bearer ", 7) || strlen(got + 7) != n)
		return false;
	for (size_t i = 0; i < n; i++) /* in constant time: no timing oracle */
		diff |= (unsigned char)(got[7 + i] ^ want[i]);
	return diff == 0;
}

void pfd_http_exposure_check(const struct pfd *d)
{
	const char *h = d->conf.metrics_host;
	bool loopback = !strncmp(h, "127.", 4) || !strcmp(h, "::1");

	if (!loopback && !d->conf.metrics_token[0])
		pfd_logl(PFD_LOG_WARN,
			 "metrics: listening on %s without metrics_token: whoever reaches it "
			 "reads every reservation (bind 127.0.0.1 or set metrics_token)",
			 h);
}

static void add_flow(struct pfd *d, struct json_object *row)
{
	struct pfd_resv *r =
	    pfd_table_by_id(&d->table, json_object_get_uint64(json_object_object_get(row, "id")));
	struct pf_stats st = {0};
	double bps = 0;

	if (r)
		pfd_flowrate_get(d->rates, &r->key, &st, &bps);
	if (r && r->level < (__u32)d->conf.n_levels)
		json_object_object_add(row, "level_name",
				       json_object_new_string(d->conf.levels[r->level].name));
	json_object_object_add(row, "bytes", json_object_new_uint64(st.bytes));
	json_object_object_add(row, "packets", json_object_new_uint64(st.packets));
	json_object_object_add(row, "drops", json_object_new_uint64(st.drops));
	json_object_object_add(row, "rate_now_bps", json_object_new_double(bps));
}

/* Every live reservation and hold as `payflowctl --json list` shows it, with its traffic. */
static struct json_object *reservations_json(struct pfd *d)
{
	struct json_object *list = NULL, *rows;
	struct pfd_flowsnap *s = pfd_flows_get(d);

	if (s) {
		if (pfd_flowrate_update(&d->rates, s))
			pfd_logl(PFD_LOG_WARN, "dashboard: %s", pf_last_error());
		pfd_flowstats_put(d->flows, s);
	}
	pfd_list(d, NULL, &list);
	rows = json_object_get(json_object_object_get(list, "reservations"));
	json_object_put(list);
	for (size_t i = 0; i < json_object_array_length(rows); i++)
		add_flow(d, json_object_array_get_idx(rows, i));
	return rows;
}

static struct json_object *links_json(const struct pfd *d)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < d->conf.n_ports; i++) {
		struct json_object *o = pfd_port_json(d, i);

		json_object_object_add(o, "reservable_bps",
				       json_object_new_uint64(d->adm.ll.reservable_bps[i]));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* Per level: its menu and what its granted orders brought in. */
static struct json_object *revenue_json(const struct pfd *d)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	double total = 0;

	for (int i = 0; i < d->conf.n_levels; i++) {
		const struct pf_conf_level *l = &d->conf.levels[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "level", json_object_new_int(i));
		json_object_object_add(e, "name", json_object_new_string(l->name));
		json_object_object_add(e, "rate_bps", json_object_new_uint64(l->rate_bps));
		json_object_object_add(e, "price_per_s_wei",
				       json_object_new_string(l->price_per_s));
		json_object_object_add(e, "revenue_wei",
				       json_object_new_double(d->cnt.revenue_wei[i]));
		json_object_array_add(arr, e);
		total += d->cnt.revenue_wei[i];
	}
	json_object_object_add(o, "levels", arr);
	json_object_object_add(o, "total_wei", json_object_new_double(total));
	json_object_object_add(
	    o, "currency",
	    d->conf.broker.enabled ? json_object_new_string(d->conf.ledger.currency) : NULL);
	json_object_object_add(o, "decimals",
			       d->conf.broker.enabled ? json_object_new_int(d->conf.ledger.decimals)
						      : NULL);
	return o;
}

static struct json_object *orders_json(const struct pfd *d)
{
	struct json_object *o = json_object_new_object();

	for (int i = 0; i < PFD_ORDER_OUTCOMES; i++)
		if (i == PF_OK || i == PFD_ORDER_PENDING || d->cnt.orders[i])
			json_object_object_add(o,
					       i == PF_OK		? "confirm"
					       : i == PFD_ORDER_PENDING ? "pending"
									: pf_err_name(i),
					       json_object_new_uint64(d->cnt.orders[i]));
	return o;
}

struct json_object *pfd_api_state(struct pfd *d)
{
	struct json_object *o = json_object_new_object(), *counters = NULL;

	pfd_stats(d, NULL, &counters);
	json_object_object_add(counters, "orders", orders_json(d));
	json_object_object_add(o, "version", json_object_new_int(API_VERSION));
	json_object_object_add(o, "time_unix", json_object_new_double(pf_wall_ns() / 1e9));
	json_object_object_add(o, "links", links_json(d));
	json_object_object_add(o, "reservations", reservations_json(d));
	json_object_object_add(o, "revenue", revenue_json(d));
	json_object_object_add(o, "counters", counters);
	json_object_object_add(o, "events", pfd_events_json(d));
	return o;
}

static int reply(struct MHD_Connection *conn, unsigned status, const char *mime, const void *data,
		 size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)data, mode);
	int ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", mime);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"payflowd\"");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int text(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	return reply(conn, status, "text/plain; charset=utf-8", msg, strlen(msg),
		     MHD_RESPMEM_PERSISTENT);
}

static int serve_state(struct pfd *d, struct MHD_Connection *conn)
{
	struct json_object *o;
	char *body;

	if (!pfd_http_authorized(d, conn))
		return text(conn, MHD_HTTP_UNAUTHORIZED, "a bearer token is required\n");
	o = pfd_api_state(d);
	body = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (!body)
		return MHD_NO;
	return reply(conn, MHD_HTTP_OK, "application/json", body, strlen(body),
		     MHD_RESPMEM_MUST_FREE);
}

int pfd_http_serve(struct pfd *d, struct MHD_Connection *conn, const char *url)
{
	if (!strcmp(url, "/api/state"))
		return serve_state(d, conn);
	if (!strcmp(url, "/"))
		url = "/index.html";
	for (size_t i = 0; i < sizeof(pfd_assets) / sizeof(pfd_assets[0]); i++)
		if (!strcmp(url, pfd_assets[i].path))
			return reply(conn, MHD_HTTP_OK, pfd_assets[i].mime, pfd_assets[i].data,
				     pfd_assets[i].len, MHD_RESPMEM_PERSISTENT);
	return text(conn, MHD_HTTP_NOT_FOUND,
		    "not found: GET / (the dashboard), /api/state or /metrics\n");
}
