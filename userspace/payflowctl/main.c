// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflowctl: the operator's tool for the PayFlow data plane. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ctl.h"
#include "payflow.h"

static const char usage[] =
    "NAME\n"
    "    payflowctl - attach PayFlow to ports and manage reservations\n"
    "\n"
    "SYNOPSIS\n"
    "    payflowctl [--json] [--pin-root DIR] COMMAND [ARGS]\n"
    "\n"
    "COMMANDS\n"
    "    attach IFNAME... [--mode shape|police] [--capacity RATE] [--be-rate RATE]\n"
    "                     [--xdp] [--xdp-native] [--hard-police]\n"
    "        Build the HTB tree on each port (root 1:1 at the capacity, best effort\n"
    "        1:2) and attach the tc egress classifier; with --xdp (police mode only)\n"
    "        also police at XDP ingress, generic mode unless --xdp-native. Defaults:\n"
    "        shape, 1gbit, 50mbit. The mode is shared by all ports. Police mode\n"
    "        drops early, RED-like, in the upper half of each bucket so TCP repairs\n"
    "        losses by SACK; --hard-police drops only at an empty bucket. Police\n"
    "        buckets default to 300 ms of the rate (at least 1 MiB): TCP through\n"
    "        a policer needs a bucket that outlasts a retransmission timeout.\n"
    "    detach IFNAME... | detach --all\n"
    "        Remove programs, qdiscs and classes; the last port also removes the pins.\n"
    "    grant IP1 IP2 --rate RATE --seconds S [--level N] [--burst BYTES]\n"
    "        Operator-granted reservation for the unordered pair IP1<->IP2 (IPv4 or\n"
    "        IPv6). A grant on a live pair never shortens or lowers it: the end and\n"
    "        the rate become the larger of old and new.\n"
    "    revoke IP1 IP2\n"
    "        End a reservation now.\n"
    "    list\n"
    "        Reservations with rate, class, time left and traffic so far.\n"
    "    stats [IP1 IP2]\n"
    "        Data-plane counters and attached ports, or one pair's traffic.\n"
    "\n"
    "OPTIONS\n"
    "    --json          machine-readable output on stdout\n"
    "    --pin-root DIR  where the maps are pinned (default " PF_PIN_ROOT_DEFAULT ")\n"
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
    {"attach", cmd_attach}, {"detach", cmd_detach}, {"grant", cmd_grant},
    {"revoke", cmd_revoke}, {"list", cmd_list},	    {"stats", cmd_stats},
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"pin-root", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct ctl c = {.pin_root = PF_PIN_ROOT_DEFAULT};
	int opt;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = true;
			break;
		case 'p':
			c.pin_root = optarg;
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
