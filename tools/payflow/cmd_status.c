// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflow status: a reservation's time left, rate, bytes and packets (STATUS). */
#include <stdio.h>
#include <string.h>
#include "userspace/common/addr.h"
#include "userspace/common/hex.h"
#include "tools/payflow/cli.h"
#include "broker/proto/quote.h"

int status_query(struct cli *c, struct session *s, const char *id, const char *peer,
		 const char *from, struct pf_status_reply *out)
{
	struct pf_msg m = {.type = PF_MSG_STATUS}, reply;
	int rc;

	if (id) {
		pf_hex_lower(id, PF_ID_HEX, m.status.reservation_id);
	} else {
		const char *me = from ? from : s->local_ip;

		if (pf_addr_parse(me, m.status.ip1) || pf_addr_parse(peer, m.status.ip2))
			return cli_fail(c, PF_EXIT_USAGE, NULL, "'%s <-> %s' is not an IP pair", me,
					peer);
	}
	rc = session_send_msg(c, s, &m, NULL, &reply);
	if (rc)
		return rc;
	if (reply.type == PF_MSG_ERROR)
		return cli_refused(c, &reply.error, NULL);
	if (reply.type != PF_MSG_STATUS_REPLY)
		return cli_fail(c, PF_EXIT_FAILURE, NULL, "the broker answered STATUS with %s",
				pf_msg_type_name(reply.type));
	if (id && strcasecmp(reply.status_reply.reservation_id, id))
		return cli_fail(c, PF_EXIT_FAILURE, NULL,
				"the broker answered about reservation %s, not %s",
				reply.status_reply.reservation_id, id);
	*out = reply.status_reply;
	return 0;
}

static uint64_t remaining(const struct pf_status_reply *r)
{
	return r->active && r->end > r->now ? r->end - r->now : 0;
}

static void print_status(struct cli *c, const struct pf_status_reply *r)
{
	char a[PF_ADDR_STRLEN], b[PF_ADDR_STRLEN], rate[32], t1[64], t2[64], left[32], bytes[32];

	fmt_ip(r->ip1, a, sizeof(a));
	fmt_ip(r->ip2, b, sizeof(b));
	if (c->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "reservation_id",
				       json_object_new_string(r->reservation_id));
		json_object_object_add(o, "ip1", json_object_new_string(a));
		json_object_object_add(o, "ip2", json_object_new_string(b));
		json_object_object_add(o, "one_way", json_object_new_boolean(r->one_way));
		json_object_object_add(o, "level", json_object_new_int64((int64_t)r->level));
		json_object_object_add(o, "rate_bps", json_object_new_int64((int64_t)r->rate_bps));
		json_object_object_add(o, "start", json_object_new_int64((int64_t)r->start));
		json_object_object_add(o, "end", json_object_new_int64((int64_t)r->end));
		json_object_object_add(o, "now", json_object_new_int64((int64_t)r->now));
		json_object_object_add(o, "active", json_object_new_boolean(r->active));
		json_object_object_add(o, "remaining",
				       json_object_new_int64((int64_t)remaining(r)));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)r->bytes));
		json_object_object_add(o, "packets", json_object_new_int64((int64_t)r->packets));
		print_json(o);
		return;
	}
	printf("reservation  %s\n"
	       "pair         %s %s %s\n"
	       "rate         %s (level %llu)\n"
	       "start        %s\n"
	       "end          %s\n"
	       "time left    %s\n"
	       "bytes        %s (%llu)\n"
	       "packets      %llu\n",
	       r->reservation_id, a, r->one_way ? "->" : "<->", b,
	       fmt_rate(r->rate_bps, rate, sizeof(rate)),
	       (unsigned long long)r->level, fmt_time(r->start, t1, sizeof(t1)),
	       fmt_time(r->end, t2, sizeof(t2)),
	       r->active ? fmt_duration(remaining(r), left, sizeof(left))
			 : (r->now < r->start ? "not started" : "ended"),
	       fmt_bytes(r->bytes, bytes, sizeof(bytes)), (unsigned long long)r->bytes,
	       (unsigned long long)r->packets);
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    COMMON_OPTIONS,
	    {"peer", required_argument, NULL, OPT_PEER},
	    {"from", required_argument, NULL, OPT_FROM},
	    {0},
	};
	const char *peer = NULL, *from = NULL, *id = NULL, *broker;
	struct pf_status_reply r;
	struct record rec;
	struct session s;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == OPT_PEER)
			peer = optarg;
		else if (opt == OPT_FROM)
			from = optarg;
		else if ((rc = parse_common(c, opt, optarg)))
			return help_or_usage(c, rc);
	}
	if (optind < argc)
		id = argv[optind++];
	if (optind < argc)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "unexpected argument '%s'", argv[optind]);
	if (id && peer)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "give a RESERVATION or --peer, not both");
	if (id && !pf_quote_id_valid(id))
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"'%s' is not a reservation id (32 hex digits)", id);
	broker = cli_broker(c);
	if (!peer) {
		/* By id, or the last reservation bought here; its record names the broker. */
		rc = record_load(c, id, &rec);
		if (!id && rc)
			return cli_fail(c, PF_EXIT_USAGE, NULL,
					"no reservation bought here yet: give RESERVATION or "
					"--peer IP");
		if (!id)
			id = rec.reservation_id;
		if (!c->broker && !rc && rec.broker[0])
			broker = rec.broker;
	}
	rc = session_open(c, &s, broker, from);
	if (!rc)
		rc = status_query(c, &s, id, peer, from, &r);
	if (!rc)
		print_status(c, &r);
	session_close(&s);
	return rc;
}
