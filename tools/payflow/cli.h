/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* payflow, the buyer's CLI: shared state of the commands (docs/CLIENT.md). */
#ifndef PAYFLOW_CLI_H
#define PAYFLOW_CLI_H

#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "tools/payflow/client_config.h"
#include "tools/payflow/client_pins.h"
#include "tools/payflow/client_refusal.h"
#include "tools/payflow/client_wallet.h"
#include "broker/proto/frame.h"
#include "broker/proto/messages.h"

#define PF_DEFAULT_TIMEOUT 120 /* seconds: buy/extend wait, status/menu I/O */
#define PF_IO_TIMEOUT_MS   15000

struct cli {
	const char *cmd; /* "buy", ... for messages */
	bool json;
	bool accept_new_key;
	bool quiet;    /* cli_fail prints nothing (retries that may still succeed) */
	int last_code; /* of the last cli_fail, printed or not */
	char last_err_code[32];
	char last_msg[1024];
	const char *broker; /* --broker, else config/env */
	uint64_t timeout;   /* seconds */
	bool timeout_set;
	const char *rpc, *account, *key; /* wallet options */
	bool one_way; /* HELLO asks for the one-way prices (buy/menu --one-way) */
	char home[PATH_MAX];
	struct pf_client_config cfg; /* config file, then environment */
};

/* Options every command takes; parse_common() handles them. */
enum {
	OPT_JSON = 0x100,
	OPT_BROKER,
	OPT_TIMEOUT,
	OPT_ACCEPT_NEW_KEY,
	OPT_HELP,
	OPT_RPC,
	OPT_ACCOUNT,
	OPT_KEY,
	OPT_LEVEL,
	OPT_SECONDS,
	OPT_PEER,
	OPT_FROM,
	OPT_YES,
	OPT_FORCE,
	OPT_TX,
	OPT_ONE_WAY,
	OPT_FROM_BALANCE,
};
#define COMMON_OPTIONS                                                                             \
	{"json", no_argument, NULL, OPT_JSON}, {"broker", required_argument, NULL, OPT_BROKER},    \
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},                                     \
	    {"accept-new-key", no_argument, NULL, OPT_ACCEPT_NEW_KEY},                             \
	{                                                                                          \
		"help", no_argument, NULL, OPT_HELP                                                \
	}
#define WALLET_OPTIONS                                                                             \
	{"rpc", required_argument, NULL, OPT_RPC},                                                 \
	    {"account", required_argument, NULL, OPT_ACCOUNT},                                     \
	{                                                                                          \
		"key", required_argument, NULL, OPT_KEY                                            \
	}

/* main.c */
/* Handles a common or wallet option: 0 handled, 1 not ours, else an exit code (-1 = --help). */
int parse_common(struct cli *c, int opt, const char *arg);
#define CLI_HELP_SHOWN (-1)
void print_help(const char *cmd);
/* Exit code of a command whose option parsing returned rc (help shown -> 0). */
int help_or_usage(struct cli *c, int rc);

/* output.c */
int cli_fail(struct cli *c, int code, const char *err_code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A broker ERROR: one sentence with its code; exit PF_EXIT_REFUSED. */
int cli_refused(struct cli *c, const struct pf_err_msg *e, const struct pf_refusal_ctx *ctx);
void cli_note(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void print_json(struct json_object *o);
const char *fmt_time(uint64_t t, char *buf, size_t len);
const char *fmt_duration(uint64_t s, char *buf, size_t len);
const char *fmt_bytes(uint64_t b, char *buf, size_t len);
const char *fmt_rate(uint64_t bps, char *buf, size_t len);
const char *fmt_ip(const pf_ip_t ip, char *buf, size_t len);
/* "0.001 ETH" or, when unknown, "N wei-units". */
const char *fmt_amount(const char *amount, const struct pf_menu *m, char *buf, size_t len);
int parse_u64_opt(struct cli *c, const char *opt, const char *arg, uint64_t max, uint64_t *out);
bool stderr_tty(void);

/* session.c: a connection to the broker, the HELLO and the key pin. */
struct session {
	int fd;
	char host[256];
	unsigned int port;
	char name[PF_PIN_NAME_MAX + 1]; /* host:port, the pin's key */
	char bind_ip[64];		/* --from, or "" */
	char local_ip[64];		/* our address on the connection */
	uint8_t broker_pk[PF_PUBKEY_BYTES];
	struct pf_menu menu;
	struct pf_frame_reader *rd;
	char *last_frame; /* the last frame received, for records */
};
/* Connects, sends HELLO, checks or pins the broker key. Returns an exit code. */
int session_open(struct cli *c, struct session *s, const char *broker, const char *bind_ip);
/* Reconnects after a broken connection (HELLO and pin check again). */
int session_reopen(struct cli *c, struct session *s);
/*
 * Sends one frame and reads the broker's one answer, decoded and verified,
 * waiting at most timeout_ms. Returns an exit code (0: *reply holds MENU,
 * QUOTE, ..., or ERROR). *broken is set when the connection failed.
 */
int session_call(struct cli *c, struct session *s, const char *frame, size_t len,
		 struct pf_msg *reply, int timeout_ms, bool *broken);
/* Encodes m (signed by kp when not NULL) and calls. */
int session_send_msg(struct cli *c, struct session *s, const struct pf_msg *m,
		     const struct pf_keypair *kp, struct pf_msg *reply);
void session_close(struct session *s);
/* Adds the broker's currency, decimals and name to o, prints it and frees it. */
void print_json_money(struct json_object *o, const struct session *s);
/* The broker name to use: --broker, else PAYFLOW_BROKER / config. */
const char *cli_broker(struct cli *c);

/* identity.c: the client's ed25519 key in the payflow home. */
int identity_path(struct cli *c, char *path, size_t len);
int identity_load(struct cli *c, struct pf_keypair *kp);

/* records.c: local records of bought reservations (the CONFIRMs). */
struct record {
	char reservation_id[PF_ID_HEX + 1];
	char broker[PF_PIN_NAME_MAX + 1];
	char spent[PF_AMOUNT_MAX]; /* wei, decimal, over all payments */
	char currency[PF_CURRENCY_MAX + 1];
	unsigned int decimals;
	uint64_t end;
};
/* Adds a payment for a CONFIRM to its record (creating it), and marks it last. */
int record_payment(struct cli *c, const struct session *s, const struct pf_confirm *cf,
		   const char *amount, const char *payer, const char *order_frame);
/* Loads the record of id (id NULL or "": the last one). 0, -ENOENT, or < 0. */
int record_load(struct cli *c, const char *id, struct record *r);
/* The [RESERVATION] argument left after the options: *id (default: the last one
 * bought here), its record (when kept) and the broker to ask. 0 or an exit code. */
int record_arg(struct cli *c, int argc, char **argv, const char **id, struct record *rec,
	       const char **broker);
/* Writes text to path through a synced temporary file and a rename. */
int record_write_atomic(const char *path, const char *text);

/* journal.c: purchases in progress, PAYFLOW_HOME/purchases/QUOTE_ID.json. */
struct journal {
	char path[PATH_MAX + 64];
	struct json_object *o;
};
/* Starts the journal of quote q (its signed frame) before paying: state "quoted". */
int journal_create(struct cli *c, struct journal *j, const struct session *s,
		   const struct pf_quote *q, const char *quote_frame, const char *payer);
/* Sets string members from {key, value, ..., NULL} and writes the file. */
int journal_set(struct journal *j, const char *const *kv);
const char *journal_get(const struct journal *j, const char *key);
/* Removes the file: the purchase is finished. */
int journal_done(struct journal *j);
void journal_close(struct journal *j);
int journal_load(struct cli *c, const char *quote_id, struct journal *j);
/* Quote ids of journals starting with prefix (up to max); the count or -errno. */
int journal_find(struct cli *c, const char *prefix, char ids[][PF_ID_HEX + 1], int max);

/* CLOCK_MONOTONIC in ms, and a sleep (purchase.c). */
long long cli_now_ms(void);
void cli_sleep_ms(int ms);

/* purchase.c: quote -> price prompt -> pay -> order -> confirm, for buy and extend. */
struct purchase {
	struct pf_quote_request req; /* filled by the caller (without client_key) */
	bool yes;		     /* skip the price prompt */
	bool from_balance;	     /* pay from the prepaid balance, no transaction */
};
int purchase_run(struct cli *c, struct session *s, struct purchase *p);
/* After the payment was sent: mined -> ORDER until CONFIRM -> record; j as journalled. */
int purchase_finish(struct cli *c, struct session *s, struct journal *j, const struct pf_quote *q,
		    struct pf_wallet *w);
/* The signed ORDER for payment tx (raw: its bytes in key mode, else NULL), journalled. */
int purchase_journal_payment(struct journal *j, const struct pf_keypair *kp,
			     const struct pf_quote *q, const char *payer, const char *tx,
			     const char *raw);
/* Gets the QUOTE for p->req and checks it against the request and MENU. */
int purchase_quote(struct cli *c, struct session *s, const struct pf_keypair *kp,
		   struct purchase *p, struct pf_quote *q);
/* Shows the price and asks; true only for an explicit yes. */
bool purchase_confirm_price(struct cli *c, const struct session *s, const struct pf_quote *q,
			    const char *payer);
/* Waits until hash is mined with status 1; resume says how to carry on after a timeout. */
int purchase_wait_mined(struct cli *c, struct pf_wallet *w, const char *hash, const char *resume,
			long long deadline_ms);
/* Prints the reservation of a CONFIRM (payer "balance" when paid from it). */
void purchase_print(struct cli *c, const struct session *s, const struct pf_confirm *cf,
		    const struct pf_quote *q, const char *payer);
/* purchase_balance.c: quote -> price prompt -> ORDER from the balance -> CONFIRM. */
int purchase_from_balance(struct cli *c, struct session *s, struct purchase *p);
/* Opens the wallet the options or config name (payer: read-only, for receipts). */
int purchase_wallet(struct cli *c, struct pf_wallet *w, const char *payer);
/*
 * The options buy and extend share (--seconds, --from, --yes and the common
 * ones) for one getopt result. Returns 0 when taken, else a code for
 * help_or_usage().
 */
int purchase_option(struct cli *c, int opt, const char *arg, struct purchase *p, const char **from,
		    bool *have_seconds);

/* Commands. */
int cmd_menu(struct cli *c, int argc, char **argv);
int cmd_buy(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_extend(struct cli *c, int argc, char **argv);
int cmd_upgrade(struct cli *c, int argc, char **argv);
int cmd_watch(struct cli *c, int argc, char **argv);
int cmd_keygen(struct cli *c, int argc, char **argv);
int cmd_resume(struct cli *c, int argc, char **argv);
int cmd_deposit(struct cli *c, int argc, char **argv);
int cmd_balance(struct cli *c, int argc, char **argv);
int cmd_cancel(struct cli *c, int argc, char **argv);
int cmd_withdraw(struct cli *c, int argc, char **argv);

/* status.c helper shared by status and watch: STATUS by id or pair. */
int status_query(struct cli *c, struct session *s, const char *id, const char *peer,
		 const char *from, struct pf_status_reply *out);

#endif /* PAYFLOW_CLI_H */
