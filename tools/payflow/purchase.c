// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The purchase shared by buy and extend: QUOTE_REQUEST -> QUOTE (checked
 * against the request and the MENU) -> price prompt -> payment on the
 * ledger -> ORDER, resent through PENDING until CONFIRM, bounded by
 * --timeout -> local record -> the reservation printed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "userspace/common/addr.h"
#include "userspace/common/error.h"
#include "tools/payflow/cli.h"
#include "broker/proto/quote.h"

#define POLL_MS 1000 /* between receipt polls and ORDER resends */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* One line of progress on a terminal; nothing otherwise. */
static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
	va_list ap;

	if (!stderr_tty())
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

static void progress_done(void)
{
	if (stderr_tty())
		fputs("\r\033[K", stderr);
}

/* Shows the price and asks; true only for an explicit yes. */
static bool confirm_price(struct cli *c, const struct session *s, const struct pf_quote *q,
			  const char *payer)
{
	char amount[128], rate[32], a[PF_ADDR_STRLEN], b[PF_ADDR_STRLEN], dur[32], exp[64];
	char line[64];

	(void)c;
	fprintf(stderr,
		"%s level %llu, %s %s %s %s %s for %s\n"
		"  price %s (%s smallest units), paid to %s on chain %llu from %s\n"
		"  the quote holds until %s\n"
		"Pay %s? [y/N] ",
		q->extends[0] ? "Extend" : "Buy", (unsigned long long)q->level,
		fmt_rate(q->rate_bps, rate, sizeof(rate)), q->one_way ? "one way from" : "between",
		fmt_ip(q->ip1, a, sizeof(a)), q->one_way ? "to" : "and",
		fmt_ip(q->ip2, b, sizeof(b)), fmt_duration(q->seconds, dur, sizeof(dur)),
		fmt_amount(q->amount, &s->menu, amount, sizeof(amount)), q->amount, q->pay_to,
		(unsigned long long)q->chain_id, payer, fmt_time(q->expires_at, exp, sizeof(exp)),
		amount);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return !strcasecmp(line, "y") || !strcasecmp(line, "yes");
}

static int open_wallet(struct cli *c, struct pf_wallet *w)
{
	const char *rpc = c->rpc ? c->rpc : c->cfg.rpc;
	const char *account = c->account, *key = c->key;

	/* An option picks the mode; else the environment / config file does. */
	if (!account && !key) {
		account = c->cfg.account[0] ? c->cfg.account : NULL;
		key = c->cfg.key[0] ? c->cfg.key : NULL;
	}
	if (pf_wallet_open(w, rpc, account, key, 10000))
		return cli_fail(c, PF_EXIT_USAGE, NULL, "%s", pf_last_error());
	return 0;
}

/* Waits until the payment is mined with status 1. */
static int wait_mined(struct cli *c, struct pf_wallet *w, const char *hash, long long deadline)
{
	int n = 0;

	for (;;) {
		int rc = pf_wallet_receipt(w, hash);

		if (rc == 1)
			break;
		if (rc == -ECANCELED) {
			progress_done();
			return cli_fail(c, PF_EXIT_PAYMENT, NULL, "%s", pf_last_error());
		}
		if (now_ms() >= deadline) {
			progress_done();
			return cli_fail(c, PF_EXIT_TIMEOUT, NULL,
					"payment %s was not mined within %llu s%s%s", hash,
					(unsigned long long)c->timeout, rc ? ": " : "",
					rc ? pf_last_error() : "");
		}
		progress("waiting for the payment to be mined (%d s)", n++);
		sleep_ms(POLL_MS);
	}
	progress_done();
	return 0;
}

static bool confirm_matches(const struct pf_confirm *cf, const struct pf_quote *q, const char *hash)
{
	struct pf_key a, b;

	pf_key_make(&a, cf->ip1, cf->ip2);
	pf_key_make(&b, q->ip1, q->ip2);
	/* One way, the direction is ip1 -> ip2: the order matters too. */
	return !strcmp(cf->quote_id, q->quote_id) && !strcasecmp(cf->tx_hash, hash) &&
	       !memcmp(&a, &b, sizeof(a)) && cf->level == q->level && cf->one_way == q->one_way &&
	       (!q->one_way || !memcmp(cf->ip1, q->ip1, sizeof(cf->ip1))) &&
	       (!q->extends[0] || !strcmp(cf->reservation_id, q->extends));
}

/* Sends the ORDER until CONFIRM; PENDING and a broken link are retried. */
static int order_loop(struct cli *c, struct session *s, const char *frame, size_t len,
		      const struct pf_quote *q, const struct pf_wallet_payment *pay,
		      long long deadline, struct pf_confirm *cf)
{
	struct pf_refusal_ctx ctx = {s->menu.currency, (unsigned int)s->menu.decimals, q->amount,
				     pay->value};
	struct pf_msg reply;
	bool broken = false;
	int waited = 0, rc;

	for (;;) {
		long long left = deadline - now_ms();

		if (left <= 0)
			break;
		/* A broken link is retried quietly until the deadline. */
		c->quiet = true;
		if (broken && session_reopen(c, s)) {
			c->quiet = false;
			goto retry;
		}
		rc =
		    session_call(c, s, frame, len, &reply,
				 (int)(left < PF_IO_TIMEOUT_MS ? left : PF_IO_TIMEOUT_MS), &broken);
		c->quiet = false;
		if (rc && !broken) {
			char code[sizeof(c->last_err_code)], msg[sizeof(c->last_msg)];

			snprintf(code, sizeof(code), "%s", c->last_err_code);
			snprintf(msg, sizeof(msg), "%s", c->last_msg);
			return cli_fail(c, rc, code[0] ? code : NULL, "%s", msg);
		}
		if (!rc && reply.type == PF_MSG_CONFIRM) {
			progress_done();
			if (!confirm_matches(&reply.confirm, q, pay->tx_hash))
				return cli_fail(c, PF_EXIT_FAILURE, NULL,
						"the broker's CONFIRM does not match quote %s and "
						"payment %s",
						q->quote_id, pay->tx_hash);
			*cf = reply.confirm;
			return 0;
		}
		if (!rc && reply.type == PF_MSG_ERROR) {
			progress_done();
			return cli_refused(c, &reply.error, &ctx);
		}
		if (!rc && reply.type == PF_MSG_PENDING)
			progress("waiting for confirmations: %llu of %llu (%d s)",
				 (unsigned long long)reply.pending.confirmations,
				 (unsigned long long)reply.pending.required, waited);
		else if (!rc)
			return cli_fail(c, PF_EXIT_FAILURE, NULL,
					"the broker answered ORDER with %s",
					pf_msg_type_name(reply.type));
	retry:
		sleep_ms(POLL_MS);
		waited++;
	}
	progress_done();
	return cli_fail(c, PF_EXIT_TIMEOUT, NULL,
			"no CONFIRM within %llu s. The payment %s for quote %s is made; run the "
			"same command again later only after checking payflow status",
			(unsigned long long)c->timeout, pay->tx_hash, q->quote_id);
}

static void print_reservation(struct cli *c, const struct session *s, const struct pf_confirm *cf,
			      const struct pf_quote *q, const char *payer)
{
	char a[PF_ADDR_STRLEN], b[PF_ADDR_STRLEN], rate[32], t1[64], t2[64], amt[128], dur[32];

	fmt_ip(cf->ip1, a, sizeof(a));
	fmt_ip(cf->ip2, b, sizeof(b));
	if (c->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "reservation_id",
				       json_object_new_string(cf->reservation_id));
		json_object_object_add(o, "quote_id", json_object_new_string(cf->quote_id));
		json_object_object_add(o, "ip1", json_object_new_string(a));
		json_object_object_add(o, "ip2", json_object_new_string(b));
		json_object_object_add(o, "one_way", json_object_new_boolean(cf->one_way));
		json_object_object_add(o, "level", json_object_new_int64((int64_t)cf->level));
		json_object_object_add(o, "rate_bps", json_object_new_int64((int64_t)cf->rate_bps));
		json_object_object_add(o, "start", json_object_new_int64((int64_t)cf->start));
		json_object_object_add(o, "end", json_object_new_int64((int64_t)cf->end));
		json_object_object_add(o, "tx_hash", json_object_new_string(cf->tx_hash));
		json_object_object_add(o, "payer", json_object_new_string(payer));
		json_object_object_add(o, "amount", json_object_new_string(q->amount));
		json_object_object_add(o, "currency", json_object_new_string(s->menu.currency));
		json_object_object_add(o, "decimals",
				       json_object_new_int64((int64_t)s->menu.decimals));
		json_object_object_add(o, "broker", json_object_new_string(s->name));
		print_json(o);
		return;
	}
	printf("reservation  %s\n"
	       "pair         %s %s %s\n"
	       "rate         %s (level %llu)\n"
	       "start        %s\n"
	       "end          %s (%s)\n"
	       "transaction  %s\n"
	       "paid         %s\n",
	       cf->reservation_id, a, cf->one_way ? "->" : "<->", b,
	       fmt_rate(cf->rate_bps, rate, sizeof(rate)), (unsigned long long)cf->level,
	       fmt_time(cf->start, t1, sizeof(t1)), fmt_time(cf->end, t2, sizeof(t2)),
	       fmt_duration(cf->end - cf->start, dur, sizeof(dur)), cf->tx_hash,
	       fmt_amount(q->amount, &s->menu, amt, sizeof(amt)));
}

/* Gets the QUOTE for p->req and checks it. */
static int get_quote(struct cli *c, struct session *s, const struct pf_keypair *kp,
		     struct purchase *p, struct pf_quote *q)
{
	struct pf_msg m = {.type = PF_MSG_QUOTE_REQUEST}, reply;
	struct pf_err_msg err;
	int rc;

	memcpy(p->req.client_key, kp->pk, PF_PUBKEY_BYTES);
	m.quote_request = p->req;
	rc = session_send_msg(c, s, &m, kp, &reply);
	if (rc)
		return rc;
	if (reply.type == PF_MSG_ERROR)
		return cli_refused(c, &reply.error, NULL);
	if (reply.type != PF_MSG_QUOTE)
		return cli_fail(c, PF_EXIT_FAILURE, NULL,
				"the broker answered QUOTE_REQUEST with %s",
				pf_msg_type_name(reply.type));
	if (pf_quote_matches(&s->menu, &p->req, &reply.quote, &err) != PF_OK)
		return cli_fail(c, PF_EXIT_FAILURE, NULL,
				"the broker's QUOTE does not match the request and MENU: %s",
				err.text);
	*q = reply.quote;
	return 0;
}

int purchase_option(struct cli *c, int opt, const char *arg, struct purchase *p, const char **from,
		    bool *have_seconds)
{
	switch (opt) {
	case OPT_SECONDS:
		if (parse_u64_opt(c, "--seconds", arg, PF_INT_MAX, &p->req.seconds))
			return PF_EXIT_USAGE;
		*have_seconds = true;
		return 0;
	case OPT_FROM:
		*from = arg;
		return 0;
	case OPT_YES:
		p->yes = true;
		return 0;
	default:
		return parse_common(c, opt, arg);
	}
}

int purchase_run(struct cli *c, struct session *s, struct purchase *p)
{
	struct pf_msg order = {.type = PF_MSG_ORDER};
	struct pf_wallet_payment pay;
	struct pf_confirm cf;
	struct pf_keypair kp;
	struct pf_wallet w;
	struct pf_quote q;
	char *frame = NULL;
	size_t len;
	long long deadline;
	int rc;

	rc = identity_load(c, &kp);
	if (rc)
		return rc;
	rc = open_wallet(c, &w);
	if (rc)
		goto out_key;
	rc = get_quote(c, s, &kp, p, &q);
	if (rc)
		goto out;
	if (!p->yes && !confirm_price(c, s, &q, w.address)) {
		rc = cli_fail(c, PF_EXIT_DECLINED, NULL, "cancelled: nothing was paid");
		goto out;
	}
	if ((rc = pf_wallet_check_chain(&w, q.chain_id)) || (rc = pf_wallet_pay(&w, &q, &pay))) {
		rc = cli_fail(c, PF_EXIT_PAYMENT, NULL, "payment failed: %s", pf_last_error());
		goto out;
	}
	if (!c->json) {
		char amt[128];

		cli_note(c, "paid %s for quote %s in transaction %s",
			 fmt_amount(q.amount, &s->menu, amt, sizeof(amt)), q.quote_id, pay.tx_hash);
	}
	deadline = now_ms() + (long long)c->timeout * 1000;
	rc = wait_mined(c, &w, pay.tx_hash, deadline);
	if (rc)
		goto out;
	snprintf(order.order.quote_id, sizeof(order.order.quote_id), "%s", q.quote_id);
	snprintf(order.order.payer, sizeof(order.order.payer), "%s", w.address);
	snprintf(order.order.tx_hash, sizeof(order.order.tx_hash), "%s", pay.tx_hash);
	frame = pf_msg_encode(&order, &kp, &len);
	if (!frame) {
		rc = cli_fail(c, PF_EXIT_FAILURE, NULL, "cannot encode the ORDER: %s",
			      strerror(errno));
		goto out;
	}
	rc = order_loop(c, s, frame, len, &q, &pay, deadline, &cf);
	if (rc)
		goto out;
	if (record_payment(c, s, &cf, q.amount, w.address, frame) < 0)
		cli_note(c, "could not save the record of reservation %s under %s",
			 cf.reservation_id, c->home);
	print_reservation(c, s, &cf, &q, w.address);
out:
	free(frame);
	pf_wallet_close(&w);
out_key:
	pf_keypair_wipe(&kp);
	return rc;
}
