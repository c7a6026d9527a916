// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * A small REQUEST-channel broker for the buyer CLI's tests
 * (tests/integration/test_payflow_cli.sh), built only from the broker's
 * codec, quote and payment rules: it verifies real payments on a real node
 * (Anvil), but grants nothing in any data plane. One connection at a time.
 *
 *   mock_broker --key FILE --port-file FILE --rpc URL --pay-to ADDR
 *               [--chain-id N] [--fail-quote CODE[:TEXT]] [--fail-order CODE[:TEXT]]
 *
 * Listens on 127.0.0.1 (port written to --port-file). --fail-* answer every
 * QUOTE_REQUEST / ORDER with that ERROR, to test the client's error mapping.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "userspace/common/addr.h"
#include "userspace/common/error.h"
#include "broker/proto/frame.h"
#include "broker/ledger/ledger_eth.h"
#include "broker/proto/messages.h"
#include "broker/sales/order.h"
#include "broker/ledger/payment.h"
#include "broker/proto/quote.h"

#define MAX_QUOTES 64

struct resv {
	char id[PF_ID_HEX + 1];
	struct pf_quote q; /* the first quote: pair and level */
	uint64_t start, end, bytes;
	char tx[PF_TX_HASH_LEN + 1]; /* the last granted payment */
	struct pf_confirm confirm;
};

static struct {
	struct pf_keypair kp;
	struct pf_menu menu;
	struct pf_ledger *ledger;
	struct pf_err_msg fail_quote, fail_order;
	struct pf_quote quotes[MAX_QUOTES];
	char quote_tx[MAX_QUOTES][PF_TX_HASH_LEN + 1]; /* granted with */
	int n_quotes;
	struct resv resv[MAX_QUOTES];
	int n_resv;
} B;

static void parse_fail(const char *arg, struct pf_err_msg *e)
{
	char name[64];
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);

	snprintf(name, sizeof(name), "%.*s", (int)n, arg);
	e->code = pf_err_from_name(name);
	if (e->code == PF_OK) {
		fprintf(stderr, "mock_broker: unknown code %s\n", name);
		exit(2);
	}
	snprintf(e->text, sizeof(e->text), "%s", colon ? colon + 1 : pf_err_default_text(e->code));
}

static void menu_init(const char *pay_to, uint64_t chain_id)
{
	static const struct {
		uint64_t rate;
		const char *price;
	} levels[] = {{10000000, "0"}, /* level 0: free best effort, not sold */
		      {50000000, "5000000000000"},
		      {150000000, "20000000000000"}};

	B.menu.n_levels = 3;
	for (int i = 0; i < 3; i++) {
		B.menu.levels[i].rate_bps = levels[i].rate;
		strcpy(B.menu.levels[i].price_per_second, levels[i].price);
	}
	strcpy(B.menu.currency, "ETH");
	B.menu.decimals = 18;
	B.menu.chain_id = chain_id;
	snprintf(B.menu.pay_to, sizeof(B.menu.pay_to), "%s", pay_to);
	for (char *p = B.menu.pay_to; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	B.menu.min_seconds = 10;
	B.menu.max_seconds = 86400;
	B.menu.quote_ttl = 120;
}

static struct resv *find_resv(const char *id)
{
	for (int i = 0; i < B.n_resv; i++)
		if (!strcmp(B.resv[i].id, id))
			return &B.resv[i];
	return NULL;
}

static int error_out(struct pf_msg *out, enum pf_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int error_out(struct pf_msg *out, enum pf_err code, const char *fmt, ...)
{
	va_list ap;

	out->type = PF_MSG_ERROR;
	va_start(ap, fmt);
	pf_err_vset(&out->error, code, fmt, ap);
	va_end(ap);
	return 0;
}

static int on_quote(const struct pf_quote_request *req, struct pf_msg *out)
{
	struct pf_quote *q;
	struct resv *r;

	if (B.fail_quote.code)
		return error_out(out, B.fail_quote.code, "%s", B.fail_quote.text);
	if (req->extends[0]) {
		r = find_resv(req->extends);
		if (!r)
			return error_out(out, PF_E_UNKNOWN_RESERVATION, NULL);
		if ((uint64_t)time(NULL) >= r->end)
			return error_out(out, PF_E_RESERVATION_ENDED, NULL);
	}
	if (B.n_quotes == MAX_QUOTES)
		return error_out(out, PF_E_INTERNAL, "too many quotes");
	q = &B.quotes[B.n_quotes];
	if (pf_quote_build(&B.menu, req, (uint64_t)time(NULL), q, &out->error) != PF_OK) {
		out->type = PF_MSG_ERROR;
		return 0;
	}
	B.n_quotes++;
	out->type = PF_MSG_QUOTE;
	out->quote = *q;
	return 0;
}

/* The broker's own mapping; this mock never answers PENDING. */
static enum pf_err verdict_code(enum pf_payment_verdict v)
{
	enum pf_err e = pf_order_verdict_err(v);

	return e == PF_OK ? PF_E_INTERNAL : e;
}

static void grant(int qi, const char *tx, struct pf_msg *out)
{
	struct pf_quote *q = &B.quotes[qi];
	uint64_t now = (uint64_t)time(NULL);
	struct resv *r = q->extends[0] ? find_resv(q->extends) : &B.resv[B.n_resv++];

	if (!q->extends[0]) {
		pf_id_new(r->id);
		r->q = *q;
		r->start = now;
		r->end = now + q->seconds;
	} else {
		r->end = (r->end > now ? r->end : now) + q->seconds;
	}
	snprintf(B.quote_tx[qi], sizeof(B.quote_tx[qi]), "%s", tx);
	memset(&r->confirm, 0, sizeof(r->confirm));
	strcpy(r->confirm.reservation_id, r->id);
	strcpy(r->confirm.quote_id, q->quote_id);
	strcpy(r->confirm.tx_hash, tx);
	memcpy(r->confirm.ip1, r->q.ip1, 16);
	memcpy(r->confirm.ip2, r->q.ip2, 16);
	r->confirm.level = r->q.level;
	r->confirm.rate_bps = r->q.rate_bps;
	r->confirm.start = r->start;
	r->confirm.end = r->end;
	out->type = PF_MSG_CONFIRM;
	out->confirm = r->confirm;
}

static int on_order(const struct pf_order *o, struct pf_msg *out)
{
	struct pf_payment_expect exp = {0};
	struct pf_payment facts;
	struct pf_verdict v;
	int qi;

	if (B.fail_order.code)
		return error_out(out, B.fail_order.code, "%s", B.fail_order.text);
	for (qi = 0; qi < B.n_quotes && strcmp(B.quotes[qi].quote_id, o->quote_id); qi++)
		;
	if (qi == B.n_quotes)
		return error_out(out, PF_E_UNKNOWN_QUOTE, NULL);
	if (memcmp(o->client_key, B.quotes[qi].client_key, PF_PUBKEY_BYTES))
		return error_out(out, PF_E_WRONG_SIGNER, NULL);
	if (B.quote_tx[qi][0]) {
		if (strcmp(B.quote_tx[qi], o->tx_hash))
			return error_out(out, PF_E_QUOTE_USED, NULL);
		for (int i = 0; i < B.n_resv; i++)
			if (!strcmp(B.resv[i].confirm.quote_id, o->quote_id)) {
				out->type = PF_MSG_CONFIRM;
				out->confirm = B.resv[i].confirm;
				return 0;
			}
	}
	exp.pay_to = B.menu.pay_to;
	exp.chain_id = B.menu.chain_id;
	exp.quote_id = o->quote_id;
	pf_u256_parse_dec(B.quotes[qi].amount, &exp.amount_wei);
	exp.confirmations = 1;
	pf_payment_verify(B.ledger, &exp, o->tx_hash, &v, &facts);
	if (v.code == PF_PAY_PENDING) {
		out->type = PF_MSG_PENDING;
		strcpy(out->pending.quote_id, o->quote_id);
		strcpy(out->pending.tx_hash, o->tx_hash);
		out->pending.confirmations = v.confirmations;
		out->pending.required = 1;
		return 0;
	}
	if (v.code == PF_PAY_UNDERPAID) {
		char paid[PF_U256_DEC_MAX];

		pf_u256_to_dec(&facts.value, paid, sizeof(paid));
		return error_out(out, PF_E_UNDERPAYMENT, "paid %s, due %s", paid,
				 B.quotes[qi].amount);
	}
	if (v.code != PF_PAY_OK)
		return error_out(out, verdict_code(v.code), "%s", v.detail);
	if (!pf_eth_same_address(facts.from, o->payer))
		return error_out(out, PF_E_PAYER_MISMATCH, NULL);
	grant(qi, o->tx_hash, out);
	return 0;
}

static int on_status(const struct pf_status_request *s, struct pf_msg *out)
{
	struct resv *r = NULL;
	uint64_t now = (uint64_t)time(NULL);

	if (s->reservation_id[0]) {
		r = find_resv(s->reservation_id);
	} else {
		struct pf_key a, b;

		pf_key_make(&a, s->ip1, s->ip2);
		for (int i = B.n_resv - 1; i >= 0 && !r; i--) {
			pf_key_make(&b, B.resv[i].q.ip1, B.resv[i].q.ip2);
			if (!memcmp(&a, &b, sizeof(a)))
				r = &B.resv[i];
		}
	}
	if (!r)
		return error_out(out, PF_E_UNKNOWN_RESERVATION, NULL);
	r->bytes += 125000; /* pretend traffic: 1 Mbit per query */
	out->type = PF_MSG_STATUS_REPLY;
	strcpy(out->status_reply.reservation_id, r->id);
	memcpy(out->status_reply.ip1, r->q.ip1, 16);
	memcpy(out->status_reply.ip2, r->q.ip2, 16);
	out->status_reply.level = r->q.level;
	out->status_reply.rate_bps = r->q.rate_bps;
	out->status_reply.start = r->start;
	out->status_reply.end = r->end;
	out->status_reply.now = now;
	out->status_reply.active = now >= r->start && now < r->end;
	out->status_reply.bytes = r->bytes;
	return 0;
}

static void answer(int fd, const char *frame, size_t len)
{
	struct pf_msg in, out;
	struct pf_err_msg err;
	char *reply;
	size_t rlen;

	memset(&out, 0, sizeof(out));
	if (pf_msg_decode(frame, len, PF_FROM_CLIENT, NULL, &in, &err) != PF_OK) {
		out.type = PF_MSG_ERROR;
		out.error = err;
	} else if (in.type == PF_MSG_HELLO) {
		out.type = PF_MSG_MENU;
		out.menu = B.menu;
	} else if (in.type == PF_MSG_QUOTE_REQUEST) {
		on_quote(&in.quote_request, &out);
	} else if (in.type == PF_MSG_ORDER) {
		on_order(&in.order, &out);
	} else {
		on_status(&in.status, &out);
	}
	reply = pf_msg_encode(&out, &B.kp, &rlen);
	if (reply && write(fd, reply, rlen) != (ssize_t)rlen)
		perror("mock_broker: write");
	free(reply);
}

static void serve(int fd)
{
	static struct pf_frame_reader rd;
	const char *f;
	size_t len, room;

	pf_frame_reader_init(&rd);
	for (;;) {
		char *space = pf_frame_space(&rd, &room);
		ssize_t n = read(fd, space, room);

		if (n <= 0)
			return;
		pf_frame_commit(&rd, (size_t)n);
		while (pf_frame_next(&rd, &f, &len) == PF_FRAME_READY)
			answer(fd, f, len);
	}
}

int main(int argc, char **argv)
{
	const char *key = NULL, *port_file = NULL, *rpc = NULL, *pay_to = NULL;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	uint64_t chain_id = 31337;
	FILE *pf;
	int lfd;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--key"))
			key = argv[i + 1];
		else if (!strcmp(argv[i], "--port-file"))
			port_file = argv[i + 1];
		else if (!strcmp(argv[i], "--rpc"))
			rpc = argv[i + 1];
		else if (!strcmp(argv[i], "--pay-to"))
			pay_to = argv[i + 1];
		else if (!strcmp(argv[i], "--chain-id"))
			chain_id = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--fail-quote"))
			parse_fail(argv[i + 1], &B.fail_quote);
		else if (!strcmp(argv[i], "--fail-order"))
			parse_fail(argv[i + 1], &B.fail_order);
	}
	if (!key || !port_file || !rpc || !pay_to) {
		fprintf(stderr, "usage: mock_broker --key FILE --port-file FILE --rpc URL "
				"--pay-to ADDR [--chain-id N] [--fail-quote CODE[:TEXT]] "
				"[--fail-order CODE[:TEXT]]\n");
		return 2;
	}
	if (pf_keypair_load_or_create(key, &B.kp, &(bool){0}) ||
	    !(B.ledger = pf_ledger_eth_new(rpc, 5000))) {
		fprintf(stderr, "mock_broker: %s\n", pf_last_error());
		return 1;
	}
	menu_init(pay_to, chain_id);
	memcpy(B.menu.broker_key, B.kp.pk, PF_PUBKEY_BYTES);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 8) ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl)) {
		perror("mock_broker: listen");
		return 1;
	}
	pf = fopen(port_file, "w");
	if (!pf || fprintf(pf, "%u\n", ntohs(sin.sin_port)) < 0 || fclose(pf)) {
		perror("mock_broker: port file");
		return 1;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		serve(fd);
		close(fd);
	}
}
