// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * payflowctl as a client of payflowd: grant, hold, release, revoke, list,
 * show, stats, ports. Each builds one request, sends it over the control
 * socket (docs/CONTROL.md) and prints the reply, for people or as JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "userspace/payflowctl/ctl.h"
#include "userspace/common/addr.h"
#include "userspace/control/ctl_proto.h"
#include "userspace/common/units.h"
#include "userspace/common/error.h"

#define MAX_SECONDS (10ULL * 365 * 24 * 3600)

/* Sends req (consumed); on success *result is the reply's result (owned by *reply). */
static int call(struct ctl *c, struct json_object *req, struct json_object **reply,
		struct json_object **result)
{
	struct json_object *ok, *v;
	int fd = pf_ctl_connect(c->socket);

	if (fd < 0) {
		json_object_put(req);
		return ctl_error(CTL_ERR, "%s", pf_last_error());
	}
	if (pf_ctl_call(fd, req, reply)) {
		close(fd);
		json_object_put(req);
		return ctl_error(CTL_ERR, "%s", pf_last_error());
	}
	close(fd);
	json_object_put(req);
	if (!json_object_object_get_ex(*reply, "ok", &ok) || !json_object_get_boolean(ok)) {
		struct json_object *code = NULL, *msg = NULL;

		json_object_object_get_ex(*reply, "error", &code);
		json_object_object_get_ex(*reply, "message", &msg);
		if (c->json)
			ctl_print_json(json_object_get(*reply));
		ctl_error(CTL_ERR, "%s: %s", code ? json_object_get_string(code) : "error",
			  msg ? json_object_get_string(msg) : "(no message)");
		json_object_put(*reply);
		return CTL_ERR;
	}
	json_object_object_get_ex(*reply, "result", &v);
	*result = v;
	return CTL_OK;
}

static struct json_object *request(const char *op)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "op", json_object_new_string(op));
	return o;
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : "-";
}

static __u64 u64(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_uint64(v) : 0;
}

static double dbl(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) : 0;
}

static void print_resv_header(void)
{
	printf("%-8s %-40s %-8s %12s %6s %6s %9s %s\n", "ID", "PAIR", "STATE", "RATE", "LEVEL",
	       "CLASS", "LEFT", "PORTS");
}

/* "A <-> B", or "A -> B" for a one-way reservation. */
static const char *pair_text(struct json_object *r)
{
	const char *dir = str(r, "direction");

	return strcmp(dir, "both") && strcmp(dir, "-") ? dir : str(r, "pair");
}

static void print_resv(struct json_object *r)
{
	struct json_object *ports;
	char rate[32], pl[256] = "";
	size_t off = 0;

	if (json_object_object_get_ex(r, "ports", &ports))
		for (size_t i = 0; i < json_object_array_length(ports); i++)
			off +=
			    snprintf(pl + off, sizeof(pl) - off, "%s%s", i ? "," : "",
				     json_object_get_string(json_object_array_get_idx(ports, i)));
	printf("%-8llu %-40s %-8s %12s %6llu %6s %8.1fs %s\n", (unsigned long long)u64(r, "id"),
	       pair_text(r), str(r, "state"),
	       pf_rate_format(u64(r, "rate_bps"), rate, sizeof(rate)),
	       (unsigned long long)u64(r, "level"), str(r, "class"), dbl(r, "seconds_left"), pl);
}

/* Prints the result (consumes reply). */
static int finish(struct ctl *c, struct json_object *reply, struct json_object *result,
		  void (*human)(struct json_object *result))
{
	if (c->json)
		ctl_print_json(json_object_get(result));
	else
		human(result);
	json_object_put(reply);
	return CTL_OK;
}

static int add_pair(struct json_object *req, int argc, char **argv, const char *cmd)
{
	struct pf_key key;
	const char *bad;

	if (argc - optind != 2)
		return ctl_error(CTL_USAGE, "%s: give exactly two addresses, IP1 IP2", cmd);
	if (pf_key_parse(&key, argv[optind], argv[optind + 1], &bad))
		return ctl_error(CTL_USAGE, "%s: bad address '%s' (IPv4 or IPv6 expected)", cmd,
				 bad);
	json_object_object_add(req, "a", json_object_new_string(argv[optind]));
	json_object_object_add(req, "b", json_object_new_string(argv[optind + 1]));
	return CTL_OK;
}

/* --rate, --level, --seconds, --burst, --one-way, and for grant --hold. */
static int parse_terms(int argc, char **argv, const char *cmd, struct json_object *req,
		       bool *has_hold, bool *one_way)
{
	static const struct option opts[] = {
	    {"rate", required_argument, NULL, 'r'},
	    {"seconds", required_argument, NULL, 's'},
	    {"level", required_argument, NULL, 'l'},
	    {"burst", required_argument, NULL, 'b'},
	    {"hold", required_argument, NULL, 'H'},
	    {"one-way", no_argument, NULL, 'o'},
	    {0},
	};
	int opt;

	*has_hold = *one_way = false;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		__u64 v;
		int bad;

		if (opt == 'o') {
			*one_way = true;
			continue;
		}
		const char *key = opt == 'r'   ? "rate_bps"
				  : opt == 's' ? "seconds"
				  : opt == 'l' ? "level"
				  : opt == 'b' ? "burst"
					       : "hold";

		if (opt == '?' || (opt == 'H' && strcmp(cmd, "grant")))
			return ctl_error(CTL_USAGE, "see payflowctl --help");
		bad = opt == 'r'   ? pf_rate_parse(optarg, &v)
		      : opt == 's' ? pf_uint_parse(optarg, MAX_SECONDS, &v)
		      : opt == 'b' ? pf_uint_parse(optarg, UINT32_MAX, &v)
				   : pf_uint_parse(optarg, INT64_MAX, &v);
		if (bad)
			return ctl_error(CTL_USAGE, "%s: bad value '%s' for --%s%s", cmd, optarg,
					 opts[opt == 'r'   ? 0
					      : opt == 's' ? 1
					      : opt == 'l' ? 2
					      : opt == 'b' ? 3
							   : 4]
					     .name,
					 opt == 'r' ? " (a rate above 0, e.g. 150mbit)" : "");
		json_object_object_add(req, key, json_object_new_int64(v));
		*has_hold |= opt == 'H';
	}
	return CTL_OK;
}

static void print_granted(struct json_object *r)
{
	char rate[32];

	printf("%s %s at %s for %.0fs (id %llu, class %s)\n",
	       !strcmp(str(r, "state"), "hold") ? "held" : "granted", pair_text(r),
	       pf_rate_format(u64(r, "rate_bps"), rate, sizeof(rate)), dbl(r, "seconds_left"),
	       (unsigned long long)u64(r, "id"), str(r, "class"));
}

static int grant_or_hold(struct ctl *c, int argc, char **argv, const char *op)
{
	struct json_object *req = request(op), *reply, *result;
	bool hold, one_way;
	int rc = parse_terms(argc, argv, op, req, &hold, &one_way);

	if (!rc && hold && (optind != argc || one_way))
		rc = ctl_error(
		    CTL_USAGE,
		    "grant --hold ID takes no addresses nor --one-way: the hold has them");
	if (!rc && !hold) {
		if (!json_object_object_get_ex(req, "seconds", NULL))
			rc = ctl_error(CTL_USAGE, "%s: --seconds is required", op);
		else if (!json_object_object_get_ex(req, "rate_bps", NULL) &&
			 !json_object_object_get_ex(req, "level", NULL))
			rc = ctl_error(CTL_USAGE, "%s: give --rate or --level", op);
		else
			rc = add_pair(req, argc, argv, op);
		if (!rc && one_way) /* from IP1 to IP2 */
			json_object_object_add(req, "from", json_object_new_string(argv[optind]));
	}
	if (rc) {
		json_object_put(req);
		return rc;
	}
	rc = call(c, req, &reply, &result);
	return rc ? rc : finish(c, reply, result, print_granted);
}

int cmd_grant(struct ctl *c, int argc, char **argv)
{
	return c->direct ? direct_grant(c, argc, argv) : grant_or_hold(c, argc, argv, "grant");
}

int cmd_hold(struct ctl *c, int argc, char **argv)
{
	return grant_or_hold(c, argc, argv, "hold");
}

static void print_ended(struct json_object *r)
{
	struct json_object *v;

	printf("%s %s (id %llu)\n", !strcmp(str(r, "state"), "hold") ? "released" : "revoked",
	       pair_text(r), (unsigned long long)u64(r, "id"));
	/* A reservation the broker sold: the unused part went back to the buyers' balances. */
	if (json_object_object_get_ex(r, "refund", &v))
		printf("refunded %s smallest units to the balances of reservation %s\n",
		       json_object_get_string(v), str(r, "reservation_id"));
	if (json_object_object_get_ex(r, "refund_error", &v))
		printf("NOT refunded: %s\n", json_object_get_string(v));
}

/* ID, or IP1 IP2 (revoke only). */
static int id_or_pair(struct json_object *req, int argc, char **argv, const char *cmd, bool pair_ok)
{
	__u64 id;

	if (getopt_long(argc, argv, "", (struct option[]){{0}}, NULL) != -1)
		return ctl_error(CTL_USAGE, "see payflowctl --help");
	if (argc - optind == 1) {
		if (pf_uint_parse(argv[optind], INT64_MAX, &id))
			return ctl_error(CTL_USAGE, "%s: bad id '%s'", cmd, argv[optind]);
		json_object_object_add(req, "id", json_object_new_int64(id));
		return CTL_OK;
	}
	if (!pair_ok)
		return ctl_error(CTL_USAGE, "%s: give the hold's ID", cmd);
	return add_pair(req, argc, argv, cmd);
}

static int end_cmd(struct ctl *c, int argc, char **argv, const char *op, bool pair_ok)
{
	struct json_object *req = request(op), *reply, *result;
	int rc = id_or_pair(req, argc, argv, op, pair_ok);

	if (rc) {
		json_object_put(req);
		return rc;
	}
	rc = call(c, req, &reply, &result);
	if (!rc && !c->json && !strcmp(op, "release"))
		json_object_object_add(result, "state", json_object_new_string("hold"));
	return rc ? rc : finish(c, reply, result, print_ended);
}

int cmd_revoke(struct ctl *c, int argc, char **argv)
{
	return c->direct ? direct_revoke(c, argc, argv) : end_cmd(c, argc, argv, "revoke", true);
}

int cmd_release(struct ctl *c, int argc, char **argv)
{
	return end_cmd(c, argc, argv, "release", false);
}

static void print_list(struct json_object *result)
{
	struct json_object *rows;

	json_object_object_get_ex(result, "reservations", &rows);
	print_resv_header();
	for (size_t i = 0; i < json_object_array_length(rows); i++)
		print_resv(json_object_array_get_idx(rows, i));
}

static int no_args(int argc, char **argv, const char *cmd)
{
	if (getopt_long(argc, argv, "", (struct option[]){{0}}, NULL) != -1 || optind != argc)
		return ctl_error(CTL_USAGE, "%s takes no arguments", cmd);
	return CTL_OK;
}

static int simple(struct ctl *c, int argc, char **argv, const char *op,
		  void (*human)(struct json_object *))
{
	struct json_object *reply, *result;
	int rc = no_args(argc, argv, op);

	if (!rc)
		rc = call(c, request(op), &reply, &result);
	return rc ? rc : finish(c, reply, result, human);
}

int cmd_list(struct ctl *c, int argc, char **argv)
{
	return c->direct ? direct_list(c, argc, argv) : simple(c, argc, argv, "list", print_list);
}

static void print_show(struct json_object *r)
{
	struct json_object *st;

	print_resv_header();
	print_resv(r);
	if (json_object_object_get_ex(r, "stats", &st))
		printf("traffic: %llu bytes, %llu packets, %llu drops\n",
		       (unsigned long long)u64(st, "bytes"), (unsigned long long)u64(st, "packets"),
		       (unsigned long long)u64(st, "drops"));
}

int cmd_show(struct ctl *c, int argc, char **argv)
{
	struct json_object *req = request("show"), *reply, *result;
	int rc = id_or_pair(req, argc, argv, "show", true);

	if (rc) {
		json_object_put(req);
		return rc;
	}
	rc = call(c, req, &reply, &result);
	return rc ? rc : finish(c, reply, result, print_show);
}

/* One line per ledger node (payflowd with a broker only). */
static void print_ledger_nodes(struct json_object *o)
{
	struct json_object *l, *nodes;

	if (!json_object_object_get_ex(o, "ledger", &l) ||
	    !json_object_object_get_ex(l, "nodes", &nodes))
		return;
	printf("ledger: %llu of %zu nodes must agree\n", (unsigned long long)u64(l, "quorum"),
	       json_object_array_length(nodes));
	for (size_t i = 0; i < json_object_array_length(nodes); i++) {
		struct json_object *n = json_object_array_get_idx(nodes, i);

		printf("ledger node %zu %s %s: checks %llu, failed %llu (%llu in a row), retries "
		       "%llu, outvoted %llu, head backwards %llu%s%s\n",
		       i + 1, str(n, "node"), str(n, "state"), (unsigned long long)u64(n, "checks"),
		       (unsigned long long)u64(n, "checks_failed"),
		       (unsigned long long)u64(n, "failures_in_a_row"),
		       (unsigned long long)u64(n, "retries"),
		       (unsigned long long)u64(n, "outvoted"),
		       (unsigned long long)u64(n, "head_backwards"),
		       str(n, "last_error")[0] ? "; last error: " : "", str(n, "last_error"));
	}
}

static void print_stats(struct json_object *o)
{
	struct json_object *v;

	printf("mode: %s\nactive: %llu, holds: %llu\n", str(o, "mode"),
	       (unsigned long long)u64(o, "active"), (unsigned long long)u64(o, "holds"));
	printf("grants: %llu, extends: %llu, revokes: %llu, expiries: %llu, hold lapses: %llu\n",
	       (unsigned long long)u64(o, "grants"), (unsigned long long)u64(o, "extends"),
	       (unsigned long long)u64(o, "revokes"), (unsigned long long)u64(o, "expiries"),
	       (unsigned long long)u64(o, "hold_lapses"));
	printf("refusals:");
	if (json_object_object_get_ex(o, "refusals", &v)) {
		json_object_object_foreach(v, k, n)
		    printf(" %s %llu", k, (unsigned long long)json_object_get_uint64(n));
	}
	printf("\n");
	if (json_object_object_get_ex(o, "grant_to_enforced", &v))
		printf("grant to enforced: p50 %.1f us, p99 %.1f us (%llu samples)\n",
		       dbl(v, "p50_us"), dbl(v, "p99_us"), (unsigned long long)u64(v, "samples"));
	if (json_object_object_get_ex(o, "pool", &v))
		printf("class pool: %llu blocks, %llu classes, %llu in use, %llu free (keeps %llu "
		       "free)\n",
		       (unsigned long long)u64(v, "blocks"), (unsigned long long)u64(v, "classes"),
		       (unsigned long long)u64(v, "used"), (unsigned long long)u64(v, "free"),
		       (unsigned long long)u64(v, "target_free"));
	printf("last reconcile: %.3f s\ndata plane:", dbl(o, "last_reconcile_s"));
	if (json_object_object_get_ex(o, "dataplane", &v)) {
		json_object_object_foreach(v, k, n)
		    printf(" %s %llu", k, (unsigned long long)json_object_get_uint64(n));
	}
	printf("\n");
	print_ledger_nodes(o);
}

int cmd_stats(struct ctl *c, int argc, char **argv)
{
	return c->direct ? direct_stats(c, argc, argv)
			 : simple(c, argc, argv, "stats", print_stats);
}

static void print_ports(struct json_object *result)
{
	struct json_object *ports;

	json_object_object_get_ex(result, "ports", &ports);
	printf("%-16s %14s %14s %14s %14s\n", "PORT", "CAPACITY", "RESERVABLE", "RESERVED", "FREE");
	for (size_t i = 0; i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);
		char a[32], b[32], r[32], f[32];

		printf("%-16s %14s %14s %14s %14s\n", str(p, "ifname"),
		       pf_rate_format(u64(p, "capacity_bps"), a, sizeof(a)),
		       pf_rate_format(u64(p, "reservable_bps"), b, sizeof(b)),
		       pf_rate_format(u64(p, "reserved_bps"), r, sizeof(r)),
		       pf_rate_format(u64(p, "free_bps"), f, sizeof(f)));
	}
}

int cmd_ports(struct ctl *c, int argc, char **argv)
{
	return simple(c, argc, argv, "ports", print_ports);
}

int ctl_daemon_run(struct ctl *c, struct json_object *req, void (*human)(struct json_object *))
{
	struct json_object *reply, *result;
	int rc = call(c, req, &reply, &result);

	return rc ? rc : finish(c, reply, result, human);
}

static void print_blocks(struct json_object *result)
{
	struct json_object *rows;

	json_object_object_get_ex(result, "blocks", &rows);
	printf("%-66s %12s %8s\n", "ADDRESS OR CLIENT KEY", "SECONDS LEFT", "STRIKES");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *b = json_object_array_get_idx(rows, i), *v;
		const char *id = json_object_object_get_ex(b, "address", &v)
				     ? json_object_get_string(v)
				     : str(b, "client_key");

		printf("%-66s %12llu %8llu\n", id, (unsigned long long)u64(b, "seconds_left"),
		       (unsigned long long)u64(b, "strikes"));
	}
}

static void print_ledger(struct json_object *r)
{
	static const char *const rows[] = {
	    "deposits",	   "debits",   "refunds",	 "refunds_unused_time",
	    "withdrawals", "balances", "onchain_orders", "revenue",
	    NULL};

	printf("amounts in smallest units (%s has %llu decimals)\n", str(r, "currency"),
	       (unsigned long long)u64(r, "decimals"));
	for (int i = 0; rows[i]; i++)
		printf("%-20s %s\n", rows[i], str(r, rows[i]));
}

int cmd_ledger(struct ctl *c, int argc, char **argv)
{
	return simple(c, argc, argv, "ledger", print_ledger);
}

int cmd_blocks(struct ctl *c, int argc, char **argv)
{
	return simple(c, argc, argv, "blocks", print_blocks);
}

static void print_unblocked(struct json_object *result)
{
	printf("unblocked %s\n", str(result, "unblocked"));
}

int cmd_unblock(struct ctl *c, int argc, char **argv)
{
	struct json_object *req;
	__u8 addr[16];

	if (argc != 2)
		return ctl_error(CTL_USAGE, "usage: unblock ADDRESS | unblock CLIENT_KEY");
	req = request("unblock");
	json_object_object_add(req, pf_addr_parse(argv[1], addr) ? "client_key" : "address",
			       json_object_new_string(argv[1]));
	return ctl_daemon_run(c, req, print_unblocked);
}
