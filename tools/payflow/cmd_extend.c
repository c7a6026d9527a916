// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * payflow extend / upgrade: more of an active reservation, bought like buy:
 * more seconds (a quote with extends) or a higher level for the seconds
 * left (a quote with upgrades, PROTOCOL.md 6.14).
 */
#include <stdio.h>
#include <string.h>
#include "userspace/common/hex.h"
#include "tools/payflow/cli.h"
#include "broker/proto/quote.h"

/* The quote request for reservation id (looked up with STATUS into r). */
static void more_of(struct cli *c, const struct pf_status_reply *r, const char *id, bool upgrade,
		    struct purchase *p)
{
	/* The pair and direction stay the reservation's (PROTOCOL.md 8). */
	memcpy(p->req.ip1, r->ip1, sizeof(p->req.ip1));
	memcpy(p->req.ip2, r->ip2, sizeof(p->req.ip2));
	p->req.one_way = r->one_way; /* ip1 -> ip2 as the STATUS_REPLY gives them */
	c->one_way = r->one_way;     /* its MENU price must be the one-way one */
	if (upgrade) {
		p->req.seconds = 0; /* the broker counts what is left */
		pf_hex_lower(id, PF_ID_HEX, p->req.upgrades);
	} else {
		p->req.level = r->level;
		pf_hex_lower(id, PF_ID_HEX, p->req.extends);
	}
}

static int more(struct cli *c, int argc, char **argv, bool upgrade)
{
	static const struct option opts[] = {
	    COMMON_OPTIONS,
	    WALLET_OPTIONS,
	    {"seconds", required_argument, NULL, OPT_SECONDS},
	    {"level", required_argument, NULL, OPT_LEVEL},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"yes", no_argument, NULL, OPT_YES},
	    {"from-balance", no_argument, NULL, OPT_FROM_BALANCE},
	    {0},
	};
	const char *need = upgrade ? "--level N" : "--seconds S";
	struct purchase p = {0};
	const char *id, *from = NULL, *broker;
	bool have_seconds = false, have_level = false;
	struct pf_status_reply r;
	struct record rec;
	struct session s;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == OPT_LEVEL && upgrade) {
			if (parse_u64_opt(c, "--level", optarg, PF_MAX_LEVELS - 1, &p.req.level))
				return PF_EXIT_USAGE;
			have_level = true;
			continue;
		}
		if ((opt == OPT_LEVEL && !upgrade) || (opt == OPT_SECONDS && upgrade))
			return cli_fail(c, PF_EXIT_USAGE, NULL, "%s takes %s, not %s", c->cmd, need,
					argv[optind - 1]);
		rc = purchase_option(c, opt, optarg, &p, &from, &have_seconds);
		if (rc)
			return help_or_usage(c, rc);
	}
	if (optind + 1 != argc)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "%s needs exactly one RESERVATION and %s",
				c->cmd, need);
	id = argv[optind];
	if (!pf_quote_id_valid(id))
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"'%s' is not a reservation id (32 hex digits)", id);
	if (!(upgrade ? have_level : have_seconds))
		return cli_fail(c, PF_EXIT_USAGE, NULL, "%s needs %s", c->cmd, need);
	broker = cli_broker(c);
	if (!c->broker && !record_load(c, id, &rec) && rec.broker[0])
		broker = rec.broker;
	rc = session_open(c, &s, broker, from);
	if (!rc)
		rc = status_query(c, &s, id, NULL, from, &r);
	if (!rc) {
		more_of(c, &r, id, upgrade, &p);
		rc = purchase_run(c, &s, &p);
	}
	session_close(&s);
	return rc;
}

int cmd_extend(struct cli *c, int argc, char **argv)
{
	return more(c, argc, argv, false);
}

int cmd_upgrade(struct cli *c, int argc, char **argv)
{
	return more(c, argc, argv, true);
}
