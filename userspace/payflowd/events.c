// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/payflowd/events.h"
#include "userspace/payflowd/payflowd.h"
#include "userspace/dataplane/resv.h"

static const char *or_dash(const char *s)
{
	return s && s[0] ? s : "-";
}

void pfd_event_add(struct pfd *d, struct pfd_event *e)
{
	e->wall_ns = pf_wall_ns();
	/* One line per outcome, key=value, so that journalctl | grep audit is the trail. */
	pfd_logl(PFD_LOG_INFO,
		 "audit: source=%s outcome=%s rid=%s pair=%s level=%d rate_bps=%llu "
		 "amount_wei=%s tx=%s%s%s",
		 e->source, e->outcome, or_dash(e->rid), or_dash(e->pair), e->level,
		 (unsigned long long)e->rate_bps, or_dash(e->amount), or_dash(e->tx),
		 e->detail[0] ? " reason=" : "", e->detail);
	if (!d->events)
		d->events = calloc(1, sizeof(*d->events));
	if (d->events)
		d->events->e[d->events->n++ % PFD_EVENTS] = *e;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v[0] ? json_object_new_string(v) : NULL);
}

static struct json_object *event_json(const struct pfd_event *e)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "time_unix", json_object_new_double(e->wall_ns / 1e9));
	add_str(o, "source", e->source);
	add_str(o, "outcome", e->outcome);
	add_str(o, "pair", e->pair);
	json_object_object_add(o, "level", e->level >= 0 ? json_object_new_int(e->level) : NULL);
	json_object_object_add(o, "rate_bps",
			       e->rate_bps ? json_object_new_uint64(e->rate_bps) : NULL);
	add_str(o, "amount_wei", e->amount);
	add_str(o, "tx", e->tx);
	add_str(o, "reservation_id", e->rid);
	add_str(o, "reason", e->detail);
	return o;
}

struct json_object *pfd_events_json(const struct pfd *d)
{
	struct json_object *arr = json_object_new_array();
	size_t n = d->events ? d->events->n : 0;

	for (size_t i = 0; i < n && i < PFD_EVENTS; i++)
		json_object_array_add(arr, event_json(&d->events->e[(n - 1 - i) % PFD_EVENTS]));
	return arr;
}

static const char *get_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

void pfd_event_ctl_grant(struct pfd *d, struct json_object *req, struct json_object *err,
			 struct json_object *result)
{
	struct json_object *from = err ? req : result, *v;
	struct pfd_event e = {.level = -1};

	snprintf(e.source, sizeof(e.source), "control");
	snprintf(e.outcome, sizeof(e.outcome), "%s", err ? get_str(err, "error") : "grant");
	if (err)
		snprintf(e.detail, sizeof(e.detail), "%s", get_str(err, "message"));
	else
		snprintf(e.rid, sizeof(e.rid), "%s", get_str(result, "id"));
	if (json_object_object_get_ex(from, "pair", &v))
		snprintf(e.pair, sizeof(e.pair), "%s", json_object_get_string(v));
	else
		snprintf(e.pair, sizeof(e.pair), "%s <-> %s", get_str(req, "a"), get_str(req, "b"));
	if (json_object_object_get_ex(from, "level", &v))
		e.level = json_object_get_int(v);
	if (json_object_object_get_ex(from, "rate_bps", &v))
		e.rate_bps = json_object_get_uint64(v);
	pfd_event_add(d, &e);
}

void pfd_events_free(struct pfd *d)
{
	free(d->events);
	d->events = NULL;
}
