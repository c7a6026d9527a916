// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Rendering of ledger node health; see ledger_health.h. */
#include "broker/ledger/ledger_health.h"

#include <stddef.h>
#include <stdio.h>

bool pf_ledger_health_failing(const struct pf_ledger_health *h)
{
	return h->failures_in_a_row >= PF_LEDGER_FAILING_AFTER;
}

/* The counters, as JSON members and as metrics (those with a metric name). */
static const struct counter {
	const char *json, *metric, *help;
	size_t off;
} counters[] = {
#define C(f, m, h)                                                                                 \
	{                                                                                          \
#f, m, h, offsetof(struct pf_ledger_health, f)                                     \
	}
    C(checks, "payflow_ledger_node_checks_total", "Payment checks asked of the node."),
    C(checks_failed, "payflow_ledger_node_checks_failed_total",
      "Checks the node did not answer after all retries."),
    C(failures_in_a_row, NULL, NULL),
    C(attempts, NULL, NULL),
    C(attempt_failures, NULL, NULL),
    C(retries, "payflow_ledger_node_retries_total", "Retries after a failed attempt."),
    C(head_backwards, NULL, NULL),
    C(outvoted, "payflow_ledger_node_outvoted_total", "Answers that disagreed with the quorum."),
#undef C
};

static uint64_t value(const struct pf_ledger_health *h, const struct counter *c)
{
	const char *p = (const char *)h + c->off;

	/* failures_in_a_row is the one 32-bit counter */
	return c->off == offsetof(struct pf_ledger_health, failures_in_a_row)
		   ? *(const uint32_t *)p
		   : *(const uint64_t *)p;
}

static struct json_object *node_json(const struct pf_ledger_health *h)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "node", json_object_new_string(h->node));
	json_object_object_add(
	    o, "state", json_object_new_string(pf_ledger_health_failing(h) ? "failing" : "ok"));
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		json_object_object_add(o, counters[i].json,
				       json_object_new_uint64(value(h, &counters[i])));
	json_object_object_add(o, "last_ok", json_object_new_int64(h->last_ok));
	json_object_object_add(o, "last_failure", json_object_new_int64(h->last_failure));
	json_object_object_add(o, "last_error", json_object_new_string(h->last_error));
	return o;
}

struct json_object *pf_ledger_health_json(const struct pf_ledger_health *h, int n, int quorum)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(arr, node_json(&h[i]));
	json_object_object_add(o, "quorum", json_object_new_int(quorum));
	json_object_object_add(o, "nodes", arr);
	return o;
}

static void head(struct pf_buf *t, const char *name, const char *type, const char *help)
{
	pf_buf_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void pf_ledger_health_metrics(const struct pf_ledger_health *h, int n, struct pf_buf *t)
{
	head(t, "payflow_ledger_node_up", "gauge",
	     "1 unless the node's last attempts all failed (see payflowctl stats).");
	for (int i = 0; i < n; i++)
		pf_buf_printf(t, "payflow_ledger_node_up{node=\"%d\",url=\"%s\"} %d\n", i + 1,
			      h[i].node, !pf_ledger_health_failing(&h[i]));
	for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
		if (!counters[c].metric)
			continue;
		head(t, counters[c].metric, "counter", counters[c].help);
		for (int i = 0; i < n; i++)
			pf_buf_printf(t, "%s{node=\"%d\",url=\"%s\"} %llu\n", counters[c].metric,
				      i + 1, h[i].node,
				      (unsigned long long)value(&h[i], &counters[c]));
	}
}
