// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflow: the buyer's CLI for PayFlow bandwidth reservations (docs/CLIENT.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "tools/payflow/cli.h"
#include "userspace/common/error.h"

static const char common_tail[] =
    "COMMON OPTIONS\n"
    "    --broker HOST[:PORT]  the broker (default port 6113; [V6ADDR]:PORT for IPv6)\n"
    "    --timeout S           bound on waiting, in seconds (default 120)\n"
    "    --accept-new-key      accept and pin a broker key that differs from the pinned one\n"
    "    --json                machine-readable output on stdout; errors as {\"error\":{...}}\n"
    "    --help                this text\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 1 local failure (files, keys, invalid broker data); 2 usage error;\n"
    "    3 broker unreachable; 4 refused by the broker (its code is printed in brackets);\n"
    "    5 payment failed; 6 timeout; 7 the broker's key differs from the pinned one;\n"
    "    8 declined at the price prompt.\n"
    "\n"
    "FILES (in the payflow home: $PAYFLOW_HOME, else $XDG_CONFIG_HOME/payflow,\n"
    "       else ~/.config/payflow)\n"
    "    identity           the client's ed25519 seed, 64 hex digits, mode 0600\n"
    "    known_brokers      pinned broker keys, \"HOST:PORT KEYHEX\" per line\n"
    "    config             defaults, \"name = value\": broker, rpc, account, key,\n"
    "                       peer, timeout\n"
    "    reservations/      one ID.json per bought reservation; \"last\" names the newest\n"
    "\n"
    "ENVIRONMENT\n"
    "    PAYFLOW_HOME, PAYFLOW_BROKER, PAYFLOW_RPC, PAYFLOW_ACCOUNT, PAYFLOW_KEY,\n"
    "    PAYFLOW_PEER, PAYFLOW_TIMEOUT override the config file; options override both.\n";

static const char wallet_text[] =
    "WALLET OPTIONS\n"
    "    --rpc URL        the ledger node's JSON-RPC URL (http:// or https://)\n"
    "    --account ADDR   node-managed account: the node signs (eth_sendTransaction)\n"
    "    --key FILE       local secp256k1 key file (64 hex digits, mode 0600): payflow\n"
    "                     signs an EIP-1559 transaction itself (eth_sendRawTransaction)\n"
    "    The payment sends the quoted amount to the broker's pay_to address on the\n"
    "    quoted chain, with input data 0x + quote id.\n"
    "\n";

static const struct help {
	const char *cmd;
	const char *text;
	bool wallet;
} helps[] = {
    {NULL,
     "NAME\n"
     "    payflow - buy guaranteed bandwidth for an IP pair from a PayFlow broker\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow COMMAND [OPTIONS]\n"
     "\n"
     "COMMANDS\n"
     "    menu     the levels, rates, prices, currency and chain the broker sells\n"
     "    buy      buy a reservation: quote, confirm the price, pay, order\n"
     "    status   time left, rate, bytes and packets of a reservation\n"
     "    extend   buy more time for an active reservation\n"
     "    upgrade  raise an active reservation to a higher level for its time left\n"
     "    resume   finish purchases that were interrupted after paying\n"
     "    deposit  prepay a balance at the broker with one transaction\n"
     "    balance  the prepaid balance of this client's key\n"
     "    cancel   end a reservation now; the unused seconds go back to the balance\n"
     "    withdraw send (part of) the balance back on-chain to the last depositor\n"
     "    watch    live rate, remaining time and spend, each second\n"
     "    keygen   create the client's ed25519 identity\n"
     "\n"
     "    payflow COMMAND --help shows a command's manual.\n"
     "\n",
     false},
    {"menu",
     "NAME\n"
     "    payflow menu - show what the broker sells\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow menu [--one-way] [--broker HOST[:PORT]] [--json]\n"
     "\n"
     "DESCRIPTION\n"
     "    Sends HELLO and prints the signed MENU: each level's guaranteed rate and\n"
     "    price per second, the currency, the chain id, the payment address, the\n"
     "    allowed durations and the broker's key. The first contact pins the\n"
     "    broker's key in known_brokers. With --one-way the HELLO asks for the\n"
     "    one-way prices too (a level without one is not sold one way; a broker\n"
     "    older than one-way reservations refuses the request).\n"
     "\n"
     "JSON\n"
     "    {broker, broker_key, currency, decimals, chain_id, pay_to, min_seconds,\n"
     "     max_seconds, quote_ttl, levels: [{level, rate_bps, price_per_second,\n"
     "     price_per_second_one_way (--one-way, when sold one way), price_base,\n"
     "     price_max (a price that follows demand: price_per_second is the price\n"
     "     for the broker's busiest link now; a quote's lies between the two)}]}\n"
     "    (amounts are decimal strings in the smallest unit, e.g. wei)\n"
     "\n",
     false},
    {"buy",
     "NAME\n"
     "    payflow buy - buy a bandwidth reservation\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow buy --level N --seconds S [--peer IP] [--from IP] [--one-way] [--yes]\n"
     "                [--from-balance | --rpc URL [--account ADDR | --key FILE]]\n"
     "                [COMMON OPTIONS]\n"
     "\n"
     "DESCRIPTION\n"
     "    Runs HELLO, MENU and QUOTE for the pair FROM <-> PEER, shows the total\n"
     "    price and asks for confirmation on stdin (anything but y/yes cancels and\n"
     "    nothing is paid), unless --yes is given. Then it pays on the ledger,\n"
     "    waits until the payment is mined, sends the signed ORDER and waits\n"
     "    through PENDING until the broker's CONFIRM, all bounded by --timeout.\n"
     "    On a terminal the wait shows progress on stderr. It prints the\n"
     "    reservation: id, pair, rate, start, end and transaction hash, and keeps\n"
     "    a record in reservations/ID.json. The quote, the payment and the ORDER\n"
     "    are journalled before each step (purchases/); an interrupted purchase is\n"
     "    finished by payflow resume.\n"
     "\n"
     "OPTIONS\n"
     "    --level N     the level to buy, 1 or more (payflow menu; 0 is free, not sold)\n"
     "    --seconds S   the reservation's length\n"
     "    --peer IP     the other end of the pair (default: config peer)\n"
     "    --from IP     this host's end of the pair; the connection to the broker is\n"
     "                  made from it. Default: the address this host uses to reach\n"
     "                  the broker.\n"
     "    --one-way     only FROM -> PEER: the guarantee covers the traffic this host\n"
     "                  sends to the peer, the peer's traffic back stays best effort;\n"
     "                  priced by the level's one-way price (payflow menu --one-way)\n"
     "    --yes         do not ask before paying\n"
     "    --from-balance  pay from the prepaid balance (payflow deposit): one signed\n"
     "                  ORDER, no transaction and no wallet; refused with\n"
     "                  insufficient_balance when the balance is below the price\n"
     "\n"
     "JSON\n"
     "    {reservation_id, quote_id, ip1, ip2, one_way, level, rate_bps, start, end, tx_hash,\n"
     "     payer, amount, currency, decimals, broker} (from the balance: tx_hash \"\",\n"
     "     payer \"balance\")\n"
     "\n",
     true},
    {"status",
     "NAME\n"
     "    payflow status - show a reservation\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow status [RESERVATION | --peer IP [--from IP]] [COMMON OPTIONS]\n"
     "\n"
     "DESCRIPTION\n"
     "    Asks the broker (STATUS) for the reservation RESERVATION, or the latest one\n"
     "    of the pair FROM <-> PEER, or without either the last one bought here.\n"
     "    Prints the pair, rate, start, end, time left (by the broker's clock) and\n"
     "    the bytes and packets carried so far; after the end, what it carried\n"
     "    in all.\n"
     "\n"
     "JSON\n"
     "    {reservation_id, ip1, ip2, one_way (ip1 -> ip2 only), level, rate_bps,\n"
     "     start, end, now, active, remaining, bytes, packets}\n"
     "\n",
     false},
    {"extend",
     "NAME\n"
     "    payflow extend - buy more time for an active reservation\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow extend RESERVATION --seconds S [--yes] [--from-balance |\n"
     "                   --rpc URL [--account ADDR | --key FILE]] [COMMON OPTIONS]\n"
     "\n"
     "DESCRIPTION\n"
     "    Looks the reservation up (STATUS), asks for a quote that extends it by S\n"
     "    seconds at its level, and then pays and orders exactly like buy. The\n"
     "    reservation keeps its id and start; its end moves by S seconds. Without\n"
     "    --broker, the broker of the local record is used.\n"
     "\n"
     "JSON\n"
     "    as for buy\n"
     "\n",
     true},
    {"upgrade",
     "NAME\n"
     "    payflow upgrade - raise an active reservation to a higher level\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow upgrade RESERVATION --level N [--yes] [--from-balance |\n"
     "                    --rpc URL [--account ADDR | --key FILE]] [COMMON OPTIONS]\n"
     "\n"
     "DESCRIPTION\n"
     "    Looks the reservation up (STATUS) and asks for a quote that upgrades it\n"
     "    to level N for the seconds it has left: the price is (level N's price -\n"
     "    its level's price) per second x the whole seconds left, a second that\n"
     "    has begun counted whole. Then pays and orders exactly like buy (from the\n"
     "    balance with --from-balance). Every hop of the reservation's path gets\n"
     "    the new rate; the id, start and end stay. Only a key that paid for the\n"
     "    reservation may upgrade it. Refusals: lower_or_same_level (N is not\n"
     "    above its level), not_your_reservation, unknown_reservation,\n"
     "    reservation_ended, capacity_exhausted (the difference does not fit on\n"
     "    a link of its path), not_upgradable (N is not dearer, or the\n"
     "    reservation changed level since the quote: a paid one is refunded to\n"
     "    the balance).\n"
     "\n"
     "JSON\n"
     "    as for buy\n"
     "\n",
     true},
    {"resume",
     "NAME\n"
     "    payflow resume - finish a purchase that was interrupted\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow resume [ID] [--tx HASH] [--rpc URL] [COMMON OPTIONS]\n"
     "\n"
     "DESCRIPTION\n"
     "    buy and extend journal each purchase in purchases/QUOTE_ID.json: the\n"
     "    signed QUOTE before paying, the transaction hash and the signed ORDER as\n"
     "    soon as the hash is known (a local key: before the transaction is sent;\n"
     "    a node-managed account: when the node returns the hash). resume takes\n"
     "    the purchases left unfinished (killed, network lost, --timeout), sends a\n"
     "    signed payment again when the node does not have it, waits until it is\n"
     "    mined, and sends the ORDER until CONFIRM or a final refusal, like buy.\n"
     "    ID is a quote id or a prefix of one; without it, every unfinished\n"
     "    purchase.\n"
     "\n"
     "OPTIONS\n"
     "    --tx HASH     the payment of quote ID, when the journal has no hash (a\n"
     "                  node-managed account interrupted before the node answered)\n"
     "\n"
     "JSON\n"
     "    as for buy, one object per purchase finished\n"
     "\n",
     true},
    {"deposit",
     "NAME\n"
     "    payflow deposit - prepay a balance at the broker\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow deposit AMOUNT | --tx HASH  [--rpc URL] [--account ADDR | --key FILE]\n"
     "                [COMMON OPTIONS]\n"
     "\n"
     "DESCRIPTION\n"
     "    Sends AMOUNT (smallest units, e.g. wei) to the broker's pay_to with input\n"
     "    0x706179666c6f772f6465706f73697431 (\"payflow/deposit1\") followed by this\n"
     "    client's key, waits until it is mined, then sends DEPOSIT until the broker\n"
     "    credits it (after its confirmations) and prints the balance. The broker\n"
     "    refuses a deposit below its minimum (deposit_below_minimum). A deposit is\n"
     "    credited once; --tx HASH claims one already sent (after a timeout).\n"
     "    Then payflow buy --from-balance and extend --from-balance pay from it.\n"
     "\n"
     "JSON\n"
     "    {balance, credited, tx_hash, currency, decimals, broker}\n"
     "\n",
     true},
    {"balance",
     "NAME\n"
     "    payflow balance - show the prepaid balance\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow balance [COMMON OPTIONS]\n"
     "\n"
     "DESCRIPTION\n"
     "    Asks the broker (a BALANCE signed by this client's key) what the key's\n"
     "    prepaid balance holds.\n"
     "\n"
     "JSON\n"
     "    {balance, credited, tx_hash, currency, decimals, broker} (credited \"0\")\n"
     "\n",
     false},
    {"cancel",
     "NAME\n"
     "    payflow cancel - end a reservation now, refunding its unused seconds\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow cancel [RESERVATION] [COMMON OPTIONS]\n"
     "\n"
     "DESCRIPTION\n"
     "    Sends CANCEL, signed by this client's key, for RESERVATION (default: the\n"
     "    last one bought here). The broker ends it at once and credits each key\n"
     "    that paid for it with paid x remaining / length, remaining in whole\n"
     "    seconds rounded down, in whole smallest units rounded down. Prints the\n"
     "    amount refunded to this key and the balance. Refused with\n"
     "    not_your_reservation when this key paid for no part of it.\n"
     "\n"
     "JSON\n"
     "    {balance, credited (the refund), tx_hash (\"\"), currency, decimals, broker}\n"
     "\n",
     false},
    {"withdraw",
     "NAME\n"
     "    payflow withdraw - send the prepaid balance back on-chain\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow withdraw [AMOUNT] [COMMON OPTIONS]\n"
     "\n"
     "DESCRIPTION\n"
     "    Sends WITHDRAW, signed by this client's key, for AMOUNT smallest units\n"
     "    (default: the whole balance). The broker debits it and sends it from its\n"
     "    payment address to the sender of this key's last deposit, in a\n"
     "    transaction it signs and records first, so it is sent once whatever\n"
     "    happens. Prints the amount, the transaction hash and the balance left.\n"
     "    Refused with withdrawal_exceeds_balance, no_withdrawal_address (no\n"
     "    deposit yet) or withdrawal_unavailable (the broker has no payment key).\n"
     "\n"
     "JSON\n"
     "    {balance, credited (\"0\"), tx_hash, withdrawn, currency, decimals, broker}\n"
     "\n",
     false},
    {"watch",
     "NAME\n"
     "    payflow watch - follow a reservation live\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow watch [RESERVATION] [COMMON OPTIONS]\n"
     "\n"
     "DESCRIPTION\n"
     "    Asks STATUS every second and shows the measured rate over the last\n"
     "    second, the remaining time, the bytes so far and the amount spent on the\n"
     "    reservation (from the local record), until the reservation ends, or\n"
     "    until --timeout seconds have passed when --timeout is given. Without\n"
     "    RESERVATION it watches the last one bought here. On a terminal the line\n"
     "    is redrawn; otherwise one line per second.\n"
     "\n"
     "JSON\n"
     "    one object per line: {reservation_id, now, end, remaining, active, bytes,\n"
     "     packets, rate_bps, measured_bps, spent}\n"
     "\n",
     false},
    {"keygen",
     "NAME\n"
     "    payflow keygen - create the client's identity\n"
     "\n"
     "SYNOPSIS\n"
     "    payflow keygen [--json]\n"
     "\n"
     "DESCRIPTION\n"
     "    Creates the ed25519 key that signs this client's quote requests and\n"
     "    orders, in PAYFLOW_HOME/identity with mode 0600 (the directory with\n"
     "    0700). An existing identity is never overwritten: its public key is\n"
     "    printed instead.\n"
     "\n"
     "JSON\n"
     "    {path, public_key, created}\n"
     "\n",
     false},
};

void print_help(const char *cmd)
{
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
		if (cmd ? helps[i].cmd && !strcmp(helps[i].cmd, cmd) : !helps[i].cmd) {
			fputs(helps[i].text, stdout);
			if (helps[i].wallet)
				fputs(wallet_text, stdout);
			fputs(common_tail, stdout);
			return;
		}
	}
}

int parse_common(struct cli *c, int opt, const char *arg)
{
	switch (opt) {
	case OPT_JSON:
		c->json = true;
		return 0;
	case OPT_BROKER:
		c->broker = arg;
		return 0;
	case OPT_TIMEOUT:
		if (parse_u64_opt(c, "--timeout", arg, 86400, &c->timeout))
			return PF_EXIT_USAGE;
		if (!c->timeout)
			return cli_fail(c, PF_EXIT_USAGE, NULL, "--timeout must be at least 1 s");
		c->timeout_set = true;
		return 0;
	case OPT_ACCEPT_NEW_KEY:
		c->accept_new_key = true;
		return 0;
	case OPT_HELP:
		print_help(c->cmd);
		return CLI_HELP_SHOWN;
	case OPT_RPC:
		c->rpc = arg;
		return 0;
	case OPT_ACCOUNT:
		c->account = arg;
		return 0;
	case OPT_KEY:
		c->key = arg;
		return 0;
	case '?':
		return cli_fail(c, PF_EXIT_USAGE, NULL, "see payflow %s --help", c->cmd);
	}
	return 1;
}

int help_or_usage(struct cli *c, int rc)
{
	(void)c;
	return rc == CLI_HELP_SHOWN ? PF_EXIT_OK : rc;
}

static const struct {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
} commands[] = {
    {"menu", cmd_menu},	      {"buy", cmd_buy},		{"status", cmd_status},
    {"extend", cmd_extend},   {"upgrade", cmd_upgrade}, {"watch", cmd_watch},
    {"keygen", cmd_keygen},   {"resume", cmd_resume},	{"deposit", cmd_deposit},
    {"balance", cmd_balance}, {"cancel", cmd_cancel},	{"withdraw", cmd_withdraw},
};

/* Home, config file and environment; the timeout default. */
static int load_settings(struct cli *c)
{
	char path[PATH_MAX + 16];

	if (pf_client_home(c->home, sizeof(c->home)))
		return cli_fail(c, PF_EXIT_FAILURE, NULL, "%s", pf_last_error());
	snprintf(path, sizeof(path), "%s/config", c->home);
	if (pf_client_config_load(path, &c->cfg))
		return cli_fail(c, PF_EXIT_USAGE, NULL, "%s", pf_last_error());
	pf_client_config_env(&c->cfg);
	c->timeout = PF_DEFAULT_TIMEOUT;
	if (c->cfg.timeout[0]) {
		if (parse_u64_opt(c, "timeout setting", c->cfg.timeout, 86400, &c->timeout))
			return PF_EXIT_USAGE;
		if (!c->timeout)
			return cli_fail(c, PF_EXIT_USAGE, NULL, "the timeout setting must be >= 1");
	}
	/* The home holds keys: create it private. */
	if (mkdir(c->home, 0700) && errno != EEXIST)
		return cli_fail(c, PF_EXIT_FAILURE, NULL, "cannot create %s: %s", c->home,
				strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	static struct cli c;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc >= 3 && !strcmp(argv[1], "help"))
			print_help(argv[2]);
		else
			print_help(NULL);
		return argc < 2 ? PF_EXIT_USAGE : PF_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		c.cmd = commands[i].name;
		for (int j = 2; j < argc; j++) {
			if (!strcmp(argv[j], "--help")) {
				print_help(c.cmd);
				return PF_EXIT_OK;
			}
			if (!strcmp(argv[j], "--json")) /* applies to errors from the start */
				c.json = true;
		}
		rc = load_settings(&c);
		if (rc)
			return rc;
		optind = 1;
		opterr = 1;
		return commands[i].fn(&c, argc - 1, argv + 1);
	}
	fprintf(stderr, "payflow: unknown command '%s'; see payflow --help\n", argv[1]);
	return PF_EXIT_USAGE;
}
