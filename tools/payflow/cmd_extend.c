// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflow extend: more seconds for an active reservation (a quote with extends). */
#include <stdio.h>
#include <string.h>
#include "userspace/common/hex.h"
#include "tools/payflow/cli.h"
#include "broker/proto/quote.h"

int cmd_extend(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    COMMON_OPTIONS,
	    WALLET_OPTIONS,
	    {"seconds", required_argument, NULL, OPT_SECONDS},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"yes", no_argument, NULL, OPT_YES},
	    {"from-balance", no_argument, NULL, OPT_FROM_BALANCE},
	    {0},
	};
	struct purchase p = {0};
	const char *id, *from = NULL, *broker;
	bool have_seconds = false;
	struct pf_status_reply r;
	struct record rec;
	struct session s;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		rc = purchase_option(c, opt, optarg, &p, &from, &have_seconds);
		if (rc)
			return help_or_usage(c, rc);
	}
	if (optind + 1 != argc)
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"extend needs exactly one RESERVATION and --seconds S");
	id = argv[optind];
	if (!pf_quote_id_valid(id))
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"'%s' is not a reservation id (32 hex digits)", id);
	if (!have_seconds)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "extend needs --seconds S");
	broker = cli_broker(c);
	if (!c->broker && !record_load(c, id, &rec) && rec.broker[0])
		broker = rec.broker;
	rc = session_open(c, &s, broker, from);
	if (!rc)
		rc = status_query(c, &s, id, NULL, from, &r);
	if (!rc) {
		/* The extension keeps the reservation's pair and level (PROTOCOL.md 8). */
		memcpy(p.req.ip1, r.ip1, sizeof(p.req.ip1));
		memcpy(p.req.ip2, r.ip2, sizeof(p.req.ip2));
		p.req.level = r.level;
		p.req.one_way = r.one_way; /* ip1 -> ip2 as the STATUS_REPLY gives them */
		c->one_way = r.one_way;	   /* its MENU price must be the one-way one */
		pf_hex_lower(id, PF_ID_HEX, p.req.extends);
		rc = purchase_run(c, &s, &p);
	}
	session_close(&s);
	return rc;
}
