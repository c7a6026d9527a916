// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <json-c/json.h>
#include "broker/eth/jsonrpc.h"
#include "broker/eth/u256.h"
#include "broker/sales/withdraw_sender.h"
#include "userspace/common/error.h"
#include "userspace/common/netns.h"
#include "userspace/payflowd/payflowd.h"

struct pf_wds {
	pthread_t thread;
	sqlite3 *db;
	struct pf_jsonrpc *rpc;
	char from[43];
	_Atomic int64_t chain_nonce;
	atomic_bool stop;
};

int64_t pf_wds_chain_nonce(struct pf_wds *w)
{
	return atomic_load(&w->chain_nonce);
}

static void read_nonce(struct pf_wds *w)
{
	char hex[40];
	struct pf_u256 v;
	uint64_t n;

	if (!pf_jsonrpc_call_str(w->rpc, "eth_getTransactionCount", hex, sizeof(hex), NULL, 2,
				 w->from, "pending") &&
	    !pf_u256_parse_hex(hex, &v) && !pf_u256_to_u64(&v, &n) && n < INT64_MAX)
		atomic_store(&w->chain_nonce, (int64_t)n);
}

static void set_state(struct pf_wds *w, const char *hash, const char *state)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(w->db, "UPDATE withdrawals SET state = ?2 WHERE tx_hash = ?1", -1,
			       &st, NULL))
		return;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		pfd_log("withdrawals: cannot mark %s %s: %s", hash, state, sqlite3_errmsg(w->db));
	sqlite3_finalize(st);
}

/* One signed withdrawal: its receipt, else the same bytes again. */
static void tend(struct pf_wds *w, const char *hash, const char *raw)
{
	struct json_object *params = json_object_new_array(), *res = NULL, *status;
	char out[80];

	json_object_array_add(params, json_object_new_string(hash));
	if (pf_jsonrpc_call(w->rpc, "eth_getTransactionReceipt", params, &res, NULL))
		return; /* the node is away: next round */
	if (res && json_object_object_get_ex(res, "status", &status)) {
		int ok = !strcmp(json_object_get_string(status), "0x1");

		set_state(w, hash, ok ? "mined" : "failed");
		if (!ok)
			pfd_log("withdrawals: %s reverted; its amount stays debited", hash);
	} else if (!res) {
		/* "already known" or "nonce too low" answers are fine: it is out there */
		pf_jsonrpc_call_str(w->rpc, "eth_sendRawTransaction", out, sizeof(out), NULL, 1,
				    raw);
	}
	json_object_put(res);
}

static void round_trip(struct pf_wds *w)
{
	sqlite3_stmt *st;
	char hash[80];
	char *raw;

	if (sqlite3_prepare_v2(w->db,
			       "SELECT tx_hash, raw FROM withdrawals WHERE state = 'signed' "
			       "ORDER BY nonce",
			       -1, &st, NULL))
		return;
	while (!atomic_load(&w->stop) && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(hash, sizeof(hash), "%s", (const char *)sqlite3_column_text(st, 0));
		raw = strdup((const char *)sqlite3_column_text(st, 1));
		if (raw)
			tend(w, hash, raw);
		free(raw);
	}
	sqlite3_finalize(st);
}

static void *run(void *arg)
{
	struct pf_wds *w = arg;

	while (!atomic_load(&w->stop)) {
		if (atomic_load(&w->chain_nonce) < 0)
			read_nonce(w);
		round_trip(w);
		for (int i = 0; i < 10 && !atomic_load(&w->stop); i++)
			usleep(100000);
	}
	return NULL;
}

static void free_wds(struct pf_wds *w)
{
	pf_jsonrpc_free(w->rpc);
	sqlite3_close(w->db);
	free(w);
}

int pf_wds_start(struct pf_wds **out, const char *db_path, const char *rpc_url, const char *netns,
		 long timeout_ms, const char *from_address)
{
	struct pf_wds *w = calloc(1, sizeof(*w));
	int saved, err;

	if (!w)
		return pf_fail(-ENOMEM, "out of memory");
	atomic_store(&w->chain_nonce, -1);
	snprintf(w->from, sizeof(w->from), "%s", from_address);
	w->rpc = pf_jsonrpc_new(rpc_url, timeout_ms);
	if (!w->rpc || sqlite3_open_v2(db_path, &w->db, SQLITE_OPEN_READWRITE, NULL)) {
		free_wds(w);
		return pf_fail(-EIO, "withdrawals: cannot open %s or the ledger client", db_path);
	}
	sqlite3_busy_timeout(w->db, 5000);
	err = pf_netns_enter(netns, &saved); /* the thread is born inside the ledger's netns */
	if (err) {
		free_wds(w);
		return pf_fail(err, "withdrawals: cannot enter %s", netns);
	}
	err = -pthread_create(&w->thread, NULL, run, w);
	pf_netns_leave(saved);
	if (err) {
		free_wds(w);
		return pf_fail(err, "withdrawals: cannot start the sender thread");
	}
	*out = w;
	return 0;
}

void pf_wds_stop(struct pf_wds *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	free_wds(w);
}
