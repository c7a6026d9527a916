// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflowctl: the operator's tool for the PayFlow data plane. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "userspace/payflowctl/ctl.h"
#include "bpf/payflow.h"
#include "userspace/payflowd/config.h"

static const char usage[] =
    "NAME\n"
    "    payflowctl - manage PayFlow reservations through payflowd, and attach ports\n"
    "\n"
    "SYNOPSIS\n"
    "    payflowctl [--json] [--socket PATH] [--pin-root DIR] [--direct] COMMAND [ARGS]\n"
    "\n"
    "COMMANDS (through payflowd, over its control socket)\n"
    "    grant IP1 IP2 (--rate RATE | --level N) --seconds S [--burst BYTES] [--one-way]\n"
    "    grant --hold ID\n"
    "        Reserve RATE (or paid level N's rate) for the unordered pair IP1<->IP2\n"
    "        (IPv4 or IPv6) for S seconds, or turn hold ID into a reservation.\n"
    "        With --one-way (not with --direct), only IP1 -> IP2: admitted and\n"
    "        shaped on that direction's ports, the other way stays best effort.\n"
    "        Admission is binding: a refusal names the full port and its free\n"
    "        capacity. A grant on a live pair never shortens or lowers it: the end\n"
    "        and the rate become the larger of old and new; its direction must\n"
    "        be the live one's.\n"
    "    hold IP1 IP2 (--rate RATE | --level N) --seconds S [--one-way]\n"
    "        Reserve capacity for the daemon's hold TTL without enforcing yet.\n"
    "    release ID\n"
    "        Give a hold back.\n"
    "    revoke IP1 IP2 | revoke ID\n"
    "        End a reservation now.\n"
    "    list\n"
    "        Active reservations and holds, each with its pooled HTB class (10:1).\n"
    "    show ID | show IP1 IP2\n"
    "        One reservation (any state, from the database) with its class and its\n"
    "        own traffic (counters zeroed at its grant).\n"
    "    stats\n"
    "        Grants, refusals, expiries, grant-to-enforced latency, data-plane counters,\n"
    "        the class pool (blocks, classes, in use, free) and each ledger node's\n"
    "        health (ok or failing, retries, last error).\n"
    "    ports\n"
    "        Capacity, reservable, reserved and free rate per enforced port.\n"
    "    blocks\n"
    "        Broker clients (addresses, client keys) blocked after repeated ORDERs\n"
    "        that cannot be valid, with the seconds left and their strikes.\n"
    "    unblock ADDRESS | unblock CLIENT_KEY\n"
    "        Lift such a block now. A block never touches a paid reservation.\n"
    "    reload\n"
    "        payflowd re-reads its config file and applies what can change live:\n"
    "        prices, level names, levels added, port capacities and hosts, best\n"
    "        effort, hold_ttl, metrics_token, the broker's limits and terms. A lower\n"
    "        capacity ends no reservation; it refuses new ones until there is room.\n"
    "        Any other change is refused, naming the key, and payflowd keeps its\n"
    "        old config (the same as SIGHUP, which only logs).\n"
    "    ledger\n"
    "        The broker's money (docs/MONEY.md): deposits, debits, refunds and\n"
    "        withdrawals of the prepaid balances, what the balances owe now,\n"
    "        orders paid on-chain, and the revenue, exact in smallest units.\n"
    "\n"
    "COMMANDS (straight on the data plane, no payflowd needed)\n"
    "    attach IFNAME... [--mode shape|police] [--capacity RATE] [--be-rate RATE]\n"
    "                     [--xdp] [--xdp-native] [--hard-police]\n"
    "        Build the HTB tree on each port (root 1:1 at the capacity, best effort\n"
    "        1:2, the class pool under 1:3 with its two cls_bpf selectors) and\n"
    "        attach the tc egress classifier; with --xdp (police mode only)\n"
    "        also police at XDP ingress, generic mode unless --xdp-native. Defaults:\n"
    "        shape, 1gbit, 50mbit. The mode is shared by all ports. Police mode\n"
    "        drops early, RED-like, in the upper half of each bucket so TCP repairs\n"
    "        losses by SACK; --hard-police drops only at an empty bucket. Police\n"
    "        buckets default to 300 ms of the rate (at least 1 MiB): TCP through\n"
    "        a policer needs a bucket that outlasts a retransmission timeout.\n"
    "        payflowd attaches its configured ports itself; this is for use\n"
    "        without it. With --direct, a grant takes a free class of the pool\n"
    "        (shown as M:n, e.g. 10:1; --json gives \"class\" and the handle\n"
    "        \"classid\") and sets its rate on every port; revoke parks it.\n"
    "    pool [--reserve N]\n"
    "        The class pool of the attached ports: blocks, classes, in use, free.\n"
    "        --reserve grows it until N classes are free, so the grants that\n"
    "        follow are rate changes (making a class is slow: run it in the\n"
    "        background after attach, e.g. `payflowctl pool --reserve 60000 &`).\n"
    "    detach IFNAME... | detach --all\n"
    "        Remove programs, qdiscs and classes; the last port also removes the pins.\n"
    "\n"
    "OPTIONS\n"
    "    --json          machine-readable output on stdout\n"
    "    --socket PATH   payflowd's control socket (default " PF_CONF_DEFAULT_SOCKET ")\n"
    "    --pin-root DIR  where the maps are pinned (default " PF_PIN_ROOT_DEFAULT ")\n"
    "    --direct        grant, revoke, list and stats act on the pinned maps\n"
    "                    without payflowd (no admission control, no database; a\n"
    "                    running payflowd removes such entries when it reconciles)\n"
    "    -h, --help      this text\n"
    "\n"
    "RATES are bit/s with an optional SI suffix: 150mbit, 1G, 2.5gbit, 800k.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success, 1 the operation failed (the message says why), 2 usage error.\n"
    "\n"
    "INSPECTING\n"
    "    bpftool map dump pinned " PF_PIN_ROOT_DEFAULT "/reservations\n"
    "    tc -s class show dev IFNAME\n";

int ctl_error(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("payflowctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

void ctl_print_json(struct json_object *obj)
{
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

static const struct {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
} commands[] = {
    {"attach", cmd_attach}, {"detach", cmd_detach},	{"grant", cmd_grant},
    {"hold", cmd_hold},	    {"release", cmd_release},	{"revoke", cmd_revoke},
    {"list", cmd_list},	    {"show", cmd_show},		{"stats", cmd_stats},
    {"ports", cmd_ports},   {"topology", cmd_topology}, {"path", cmd_path},
    {"blocks", cmd_blocks}, {"unblock", cmd_unblock},	{"reload", cmd_reload},
    {"ledger", cmd_ledger}, {"pool", cmd_pool},
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},	      {"pin-root", required_argument, NULL, 'p'},
	    {"socket", required_argument, NULL, 's'}, {"direct", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},	      {0},
	};
	struct ctl c = {.pin_root = PF_PIN_ROOT_DEFAULT, .socket = PF_CONF_DEFAULT_SOCKET};
	int opt;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = true;
			break;
		case 'p':
			c.pin_root = optarg;
			break;
		case 's':
			c.socket = optarg;
			break;
		case 'd':
			c.direct = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return CTL_OK;
		default:
			return ctl_error(CTL_USAGE, "see payflowctl --help");
		}
	}
	if (optind >= argc)
		return ctl_error(CTL_USAGE, "no command given; see payflowctl --help");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;

			/* Rescan from the command's own arguments, options anywhere. */
			optind = 0;
			return commands[i].fn(&c, sub_argc, sub_argv);
		}
	}
	return ctl_error(CTL_USAGE, "unknown command '%s'; see payflowctl --help", argv[optind]);
}
