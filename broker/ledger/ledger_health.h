/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * How each ledger node has been doing: checks, failed attempts, retries,
 * failures in a row, its last error, a head that went backwards and answers
 * outvoted by the quorum. Kept by ledger_worker.c; shown by `payflowctl
 * stats` (JSON) and the metrics endpoint.
 */
#ifndef PF_LEDGER_HEALTH_H
#define PF_LEDGER_HEALTH_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "userspace/common/buf.h"

/* A node whose last this many attempts all failed is reported as failing
 * (one check that gave up after PF_LEDGER_ATTEMPTS does it). */
#define PF_LEDGER_FAILING_AFTER 3

struct pf_ledger_health {
	char node[96];			/* scheme://host:port (paths may hold API keys) */
	uint64_t checks, checks_failed; /* checks asked, and those it never answered */
	uint64_t attempts, attempt_failures, retries;
	uint32_t failures_in_a_row; /* attempts */
	uint64_t head_backwards;    /* its head was below one it reported before */
	uint64_t outvoted;	    /* answered, but not with the quorum */
	uint64_t head_max;
	int64_t last_ok, last_failure; /* unix seconds, 0 = never */
	char last_error[160];
};

bool pf_ledger_health_failing(const struct pf_ledger_health *h);
/* {"quorum": q, "nodes": [{"node", "state": "ok"|"failing", counters...}]} */
struct json_object *pf_ledger_health_json(const struct pf_ledger_health *h, int n, int quorum);
/* payflow_ledger_node_* lines for the metrics endpoint. */
void pf_ledger_health_metrics(const struct pf_ledger_health *h, int n, struct pf_buf *t);

#endif /* PF_LEDGER_HEALTH_H */
