// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflow buy: a new reservation for FROM <-> PEER (purchase.c does the work). */
#include <stdio.h>
#include <string.h>
#include "userspace/common/addr.h"
#include "tools/payflow/cli.h"

int cmd_buy(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    COMMON_OPTIONS,
	    WALLET_OPTIONS,
	    {"level", required_argument, NULL, OPT_LEVEL},
	    {"seconds", required_argument, NULL, OPT_SECONDS},
	    {"peer", required_argument, NULL, OPT_PEER},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"yes", no_argument, NULL, OPT_YES},
	    {"one-way", no_argument, NULL, OPT_ONE_WAY},
	    {"from-balance", no_argument, NULL, OPT_FROM_BALANCE},
	    {0},
	};
	struct purchase p = {0};
	const char *peer = NULL, *from = NULL;
	bool have_level = false, have_seconds = false;
	struct session s;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_LEVEL:
			if (parse_u64_opt(c, "--level", optarg, PF_MAX_LEVELS - 1, &p.req.level))
				return PF_EXIT_USAGE;
			have_level = true;
			break;
		case OPT_PEER:
			peer = optarg;
			break;
		case OPT_ONE_WAY: /* FROM -> PEER only; the MENU's one-way price */
			p.req.one_way = c->one_way = true;
			break;
		default:
			rc = purchase_option(c, opt, optarg, &p, &from, &have_seconds);
			if (rc)
				return help_or_usage(c, rc);
		}
	}
	if (optind < argc)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "unexpected argument '%s'", argv[optind]);
	if (!have_level || !have_seconds)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "buy needs --level N and --seconds S");
	if (!peer)
		peer = c->cfg.peer[0] ? c->cfg.peer : NULL;
	if (!peer)
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"buy needs --peer IP (or PAYFLOW_PEER, or peer= in the config)");
	if (pf_addr_parse(peer, p.req.ip2))
		return cli_fail(c, PF_EXIT_USAGE, NULL, "--peer: '%s' is not an IP address", peer);
	if (from && pf_addr_parse(from, p.req.ip1))
		return cli_fail(c, PF_EXIT_USAGE, NULL, "--from: '%s' is not an IP address", from);
	rc = session_open(c, &s, cli_broker(c), from);
	if (rc)
		goto out;
	if (!from && pf_addr_parse(s.local_ip, p.req.ip1)) {
		rc = cli_fail(c, PF_EXIT_FAILURE, NULL,
			      "cannot tell this host's address toward the broker; give --from IP");
		goto out;
	}
	if (!memcmp(p.req.ip1, p.req.ip2, sizeof(p.req.ip1))) {
		rc = cli_fail(c, PF_EXIT_USAGE, NULL, "--peer %s is this host's own address", peer);
		goto out;
	}
	rc = purchase_run(c, &s, &p);
out:
	session_close(&s);
	return rc;
}
