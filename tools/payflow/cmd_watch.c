// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * payflow watch: STATUS each second, showing the measured rate (bytes over
 * the last second), the remaining time, the bytes and the spend, until the
 * reservation ends (its end follows extensions) or --timeout passes.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tools/payflow/cli.h"
#include "broker/proto/quote.h"

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void show(struct cli *c, const struct pf_status_reply *r, uint64_t measured,
		 const struct record *rec, const struct pf_menu *m)
{
	uint64_t left = r->active && r->end > r->now ? r->end - r->now : 0;
	char rate[32], meas[32], dur[32], bytes[32], spent[128];
	struct pf_menu units = *m;

	if (rec->currency[0]) { /* the record knows what was paid, and in what */
		snprintf(units.currency, sizeof(units.currency), "%s", rec->currency);
		units.decimals = rec->decimals;
	}
	if (c->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "reservation_id",
				       json_object_new_string(r->reservation_id));
		json_object_object_add(o, "now", json_object_new_int64((int64_t)r->now));
		json_object_object_add(o, "end", json_object_new_int64((int64_t)r->end));
		json_object_object_add(o, "remaining", json_object_new_int64((int64_t)left));
		json_object_object_add(o, "active", json_object_new_boolean(r->active));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)r->bytes));
		json_object_object_add(o, "packets", json_object_new_int64((int64_t)r->packets));
		json_object_object_add(o, "rate_bps", json_object_new_int64((int64_t)r->rate_bps));
		json_object_object_add(o, "measured_bps", json_object_new_int64((int64_t)measured));
		json_object_object_add(o, "spent",
				       rec->spent[0] ? json_object_new_string(rec->spent) : NULL);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		fflush(stdout);
		json_object_put(o);
		return;
	}
	printf("%s%s  now %s of %s  left %s  bytes %s  spent %s%s",
	       isatty(STDOUT_FILENO) ? "\r\033[K" : "", r->reservation_id,
	       fmt_rate(measured, meas, sizeof(meas)), fmt_rate(r->rate_bps, rate, sizeof(rate)),
	       fmt_duration(left, dur, sizeof(dur)), fmt_bytes(r->bytes, bytes, sizeof(bytes)),
	       rec->spent[0] ? fmt_amount(rec->spent, &units, spent, sizeof(spent)) : "unknown",
	       isatty(STDOUT_FILENO) ? "" : "\n");
	fflush(stdout);
}

int cmd_watch(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTIONS, {0}};
	const char *id = NULL, *broker;
	struct pf_status_reply r;
	struct record rec;
	struct session s;
	uint64_t prev_bytes = 0;
	double start, prev_t = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		rc = parse_common(c, opt, optarg);
		if (rc)
			return help_or_usage(c, rc);
	}
	rc = record_arg(c, argc, argv, &id, &rec, &broker);
	if (rc)
		return rc;
	rc = session_open(c, &s, broker, NULL);
	start = mono_s();
	for (int i = 0; !rc; i++) {
		double t;
		uint64_t measured = 0;

		rc = status_query(c, &s, id, NULL, NULL, &r);
		if (rc)
			break;
		t = mono_s();
		if (i && t > prev_t && r.bytes >= prev_bytes)
			measured = (uint64_t)((double)(r.bytes - prev_bytes) * 8 / (t - prev_t));
		prev_t = t;
		prev_bytes = r.bytes;
		show(c, &r, measured, &rec, &s.menu);
		if (!r.active && r.now >= r.start)
			break; /* ended */
		if (c->timeout_set && t - start >= (double)c->timeout) {
			rc = cli_fail(
			    c, PF_EXIT_TIMEOUT, NULL,
			    "stopped after --timeout %llu s; the reservation is still active",
			    (unsigned long long)c->timeout);
			break;
		}
		nanosleep(&(struct timespec){.tv_sec = 1}, NULL);
		/* Re-read the record: a concurrent extend changes the spend. */
		record_load(c, id, &rec);
	}
	if (!c->json && isatty(STDOUT_FILENO))
		putchar('\n');
	session_close(&s);
	return rc;
}
