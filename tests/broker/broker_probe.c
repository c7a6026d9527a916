// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Test client of the broker: sends REQUEST channel frames made by the codec
 * (or raw bytes) over one TCP connection and prints each answer as one JSON
 * line: {"type": T, ...the data members..., "verified": true}. Broker
 * answers are verified against the pinned key (--pin, or the first MENU's).
 *
 *   broker_probe HOST:PORT [--seed HEX] [--pin KEY] COMMAND...
 *
 * Commands run in order on one connection:
 *   hello                                  HELLO
 *   quote IP1 IP2 LEVEL SECONDS EXTENDS    QUOTE_REQUEST (EXTENDS "-" = none)
 *   order QUOTE_ID PAYER TXHASH            ORDER
 *   order-send QUOTE_ID PAYER TXHASH       ORDER, without waiting for its answer
 *   order-balance QUOTE_ID                 ORDER paid from the key's balance
 *   order-balance-send QUOTE_ID            the same, without waiting for its answer
 *   answers N                              reads N answers (after *-send)
 *   deposit PAYER TXHASH                   DEPOSIT
 *   balance                                BALANCE
 *   upgrade IP1 IP2 LEVEL RID              QUOTE_REQUEST upgrading RID to LEVEL
 *   cancel RID                             CANCEL
 *   withdraw ID AMOUNT                     WITHDRAW (ID: 32 hex digits, the client's)
 *   shut-wr                                shut down our sending side (half-close)
 *   status RID | status-pair IP1 IP2       STATUS
 *   seed HEX                               sign what follows with this seed
 *   corrupt                                flip a bit of the next signature
 *   raw TEXT                               TEXT and '\n', as is
 *   oversize N                             N bytes of 'x' without '\n'
 *   sleep MS
 *   closed                                 prints CLOSED when the peer closes
 *   conns N                                N more connections; prints how many
 *                                          were refused (rate_limited) or open
 *   hold N SECONDS                         N more idle connections for SECONDS
 *   bench-hello COUNT                      pipelined HELLOs; prints the rate
 *   bench-order COUNT RPC FROM IP1 IP2 LEVEL SECONDS
 *                                          quote, pay (eth_sendTransaction) and
 *                                          ORDER until CONFIRM; latency in ms;
 *                                          order i uses IPv4 IP2 + i
 *   buy COUNT RPC FROM IP1 IP2 LEVEL SECS[,SECS...]
 *                                          like bench-order, but survives a broker
 *                                          that restarts: reconnects, sends the
 *                                          same ORDER again through PENDING,
 *                                          internal_error and closed connections
 *                                          (60 s per order), and prints one JSON
 *                                          line per order with its final outcome;
 *                                          order i lasts SECS[i % n]
 *   --pace MS                              buy: start an order every MS at most
 *   --from-balance                         buy, bench-order: pay from the balance
 *   --cancel-every K                       buy: CANCEL every K-th granted reservation
 *                                          right away ("cancel" and "credited" in its line)
 *   --withdraw-every K                     buy: WITHDRAW 1000 after every K-th order, id
 *                                          = the order's number ("withdraw" and
 *                                          "withdraw_tx" in its line)
 *   drip N SECONDS                         N more connections that each send one
 *                                          byte of a HELLO per second (slowloris)
 *   flood-quote N IP1 IP2 LEVEL SECONDS    N QUOTE_REQUESTs, request i signed by a
 *                                          fresh key i for IP1 and IPv4 IP2 + i % 200;
 *                                          prints the count of each answer
 *   flood-order CONNS N QUOTE_ID PAYER     CONNS more connections each pipelining
 *                                          N ORDERs with random tx hashes; prints
 *                                          the count of each answer and the time
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <sodium.h>
#include "userspace/common/addr.h"
#include "broker/proto/frame.h"
#include "userspace/common/hex.h"
#include "broker/eth/jsonrpc.h"
#include "broker/proto/messages.h"
#include "broker/proto/quote.h"

static const char *target;
static struct pf_keypair key;
static uint8_t pin[PF_PUBKEY_BYTES];
static bool pinned, corrupt;
static long pace_ms;	    /* buy: order i starts no earlier than i x pace_ms after the first */
static bool from_balance;   /* buy: ORDERs from the key's balance, no transaction */
static long cancel_every;   /* buy: CANCEL every k-th reservation granted (0: none) */
static long withdraw_every; /* buy: WITHDRAW 1000 after every k-th order (0: none) */
static int fd = -1;
static struct pf_frame_reader rd;

static void die(const char *what)
{
	fprintf(stderr, "broker_probe: %s\n", what);
	exit(2);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int dial(void)
{
	char host[128], *colon;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	int s;

	snprintf(host, sizeof(host), "%s", target);
	colon = strrchr(host, ':');
	if (!colon)
		die("target must be HOST:PORT");
	*colon = 0;
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		die("cannot resolve the target");
	s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, ai->ai_addr, ai->ai_addrlen)) {
		freeaddrinfo(ai);
		if (s >= 0)
			close(s);
		return -1;
	}
	freeaddrinfo(ai);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
	return s;
}

static void send_all(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0)
			return; /* the answer (or CLOSED) tells */
		buf += n;
		len -= n;
	}
}

/* One answer line, or NULL when the peer closed (or 10 s passed). */
static const char *read_line(size_t *len)
{
	for (;;) {
		const char *f;
		size_t room;
		char *space;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (pf_frame_next(&rd, &f, len) == PF_FRAME_READY)
			return f;
		if (poll(&p, 1, 10000) <= 0)
			return NULL;
		space = pf_frame_space(&rd, &room);
		n = read(fd, space, room);
		if (n <= 0)
			return NULL;
		pf_frame_commit(&rd, n);
	}
}

/* Prints an answer: the data members, its type, and whether it verified. */
static void print_answer(const char *f, size_t len)
{
	struct json_object *env = json_tokener_parse(f), *data = NULL, *t, *ds;
	struct pf_msg m;
	struct pf_err_msg e;
	enum pf_err rc;

	if (!pinned) { /* trust on first use: the MENU checks itself */
		rc = pf_msg_decode(f, len, PF_FROM_BROKER, NULL, &m, &e);
		if (rc == PF_OK && m.type == PF_MSG_MENU) {
			memcpy(pin, m.menu.broker_key, sizeof(pin));
			pinned = true;
		}
	}
	rc = pf_msg_decode(f, len, PF_FROM_BROKER, pinned ? pin : NULL, &m, &e);
	if (env && json_object_object_get_ex(env, "data", &ds))
		data = json_tokener_parse(json_object_get_string(ds));
	if (!data || !json_object_is_type(data, json_type_object)) {
		json_object_put(data);
		data = json_object_new_object();
	}
	if (env && json_object_object_get_ex(env, "message_type", &t))
		json_object_object_add(data, "type", json_object_get(t));
	json_object_object_add(data, "verified", json_object_new_boolean(rc == PF_OK));
	if (rc != PF_OK)
		json_object_object_add(data, "verify_error", json_object_new_string(e.text));
	puts(json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(data);
	json_object_put(env);
}

static void answer(void)
{
	size_t len;
	const char *f = read_line(&len);

	if (f)
		print_answer(f, len);
	else
		puts("{\"type\":\"CLOSED\"}");
	fflush(stdout);
}

static void send_msg(struct pf_msg *m)
{
	size_t len;
	char *f = pf_msg_encode(m, &key, &len);
	char *sig;

	if (!f)
		die("cannot encode the message (bad arguments?)");
	if (corrupt && (sig = strstr(f, "\"signature\":\"")) && sig[13] != '"') {
		sig[13] = sig[13] == '0' ? '1' : '0';
		corrupt = false;
	}
	send_all(f, len);
	free(f);
}

static void parse_ip(const char *s, pf_ip_t out)
{
	if (pf_addr_parse(s, out))
		die("bad IP address");
}

static void make_quote(struct pf_msg *m, char **a, const char *extends)
{
	memset(m, 0, sizeof(*m));
	m->type = PF_MSG_QUOTE_REQUEST;
	parse_ip(a[0], m->quote_request.ip1);
	parse_ip(a[1], m->quote_request.ip2);
	m->quote_request.level = strtoull(a[2], NULL, 10);
	m->quote_request.seconds = strtoull(a[3], NULL, 10);
	if (extends && strcmp(extends, "-"))
		snprintf(m->quote_request.extends, sizeof(m->quote_request.extends), "%s", extends);
}

static void make_order(struct pf_msg *m, const char *qid, const char *payer, const char *tx)
{
	memset(m, 0, sizeof(*m));
	m->type = PF_MSG_ORDER;
	snprintf(m->order.quote_id, sizeof(m->order.quote_id), "%s", qid);
	snprintf(m->order.payer, sizeof(m->order.payer), "%s", payer);
	snprintf(m->order.tx_hash, sizeof(m->order.tx_hash), "%s", tx);
}

/* Opens n connections; counts those refused with rate_limited, or kept open. */
static void conns(int n, int hold_s)
{
	int *fds = calloc(n, sizeof(int)), open_n = 0, refused = 0, failed = 0;

	for (int i = 0; i < n; i++)
		if ((fds[i] = dial()) < 0)
			failed++;
	usleep(300000);
	for (int i = 0; i < n; i++) {
		struct pollfd p = {.fd = fds[i], .events = POLLIN};
		char buf[512];
		ssize_t r;

		if (fds[i] < 0)
			continue;
		if (poll(&p, 1, 0) == 1 && (r = read(fds[i], buf, sizeof(buf) - 1)) >= 0) {
			buf[r > 0 ? r : 0] = 0;
			refused += !!strstr(buf, "rate_limited");
			close(fds[i]);
			fds[i] = -1;
		} else {
			open_n++;
		}
	}
	printf("{\"type\":\"CONNS\",\"open\":%d,\"refused\":%d,\"failed\":%d}\n", open_n, refused,
	       failed);
	fflush(stdout);
	if (hold_s)
		sleep(hold_s);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

static void bench_hello(long count)
{
	static const char hello[] = "{\"message_type\":\"HELLO\",\"data\":\"{}\",\"signature\":"
				    "\"\",\"verification\":\"\"}\n";
	long sent = 0, got = 0, window = 256;
	double t0 = now_ms();

	while (got < count) {
		while (sent < count && sent - got < window) {
			send_all(hello, sizeof(hello) - 1);
			sent++;
		}
		size_t len;

		if (!read_line(&len))
			die("connection closed during bench-hello");
		got++;
	}
	printf("{\"type\":\"BENCH_HELLO\",\"count\":%ld,\"per_s\":%.0f}\n", count,
	       count / ((now_ms() - t0) / 1e3));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Reads one answer into a decoded message (the broker's key is pinned by now). */
static enum pf_msg_type recv_msg(struct pf_msg *m)
{
	struct pf_err_msg e;
	size_t len;
	const char *f = read_line(&len);

	if (!f || pf_msg_decode(f, len, PF_FROM_BROKER, pinned ? pin : NULL, m, &e) != PF_OK)
		return PF_MSG_NONE;
	return m->type;
}

static char *pay(struct pf_jsonrpc *rpc, const char *from, const struct pf_quote *q)
{
	struct json_object *tx = json_object_new_object(), *params = json_object_new_array(), *res;
	struct pf_jsonrpc_error e;
	struct pf_u256 v;
	char hex[PF_U256_HEX_MAX], input[64];
	char *hash;

	pf_u256_parse_dec(q->amount, &v);
	pf_u256_to_hex(&v, hex, sizeof(hex));
	pf_quote_input_hex(q->quote_id, input, sizeof(input));
	json_object_object_add(tx, "from", json_object_new_string(from));
	json_object_object_add(tx, "to", json_object_new_string(q->pay_to));
	json_object_object_add(tx, "value", json_object_new_string(hex));
	json_object_object_add(tx, "data", json_object_new_string(input));
	json_object_array_add(params, tx);
	if (pf_jsonrpc_call(rpc, "eth_sendTransaction", params, &res, &e))
		die(e.message);
	hash = strdup(json_object_get_string(res));
	json_object_put(res);
	return hash;
}

static void bench_order(long count, char **a)
{
	struct pf_jsonrpc *rpc = pf_jsonrpc_new(a[0], 10000);
	double *lat = calloc(count, sizeof(double));
	struct pf_msg m, r;
	long n = 0;

	if (!rpc || !lat)
		die("out of memory");
	send_msg(&(struct pf_msg){.type = PF_MSG_HELLO});
	answer();
	for (long i = 0; i < count; i++) {
		char seconds[24];
		char *args[4] = {a[2], a[3], a[4], seconds};
		char *tx;
		double t0;

		snprintf(seconds, sizeof(seconds), "%s", a[5]);
		make_quote(&m, args, NULL);
		m.quote_request.ip2[15] += i & 0xff; /* a fresh pair per order */
		m.quote_request.ip2[14] += (i >> 8) & 0xff;
		send_msg(&m);
		if (recv_msg(&r) != PF_MSG_QUOTE)
			die("no QUOTE in bench-order (is the pair free and owned?)");
		tx = from_balance ? NULL : pay(rpc, a[1], &r.quote);
		make_order(&m, r.quote.quote_id, from_balance ? "" : a[1], tx ? tx : "");
		m.order.from_balance = from_balance;
		free(tx);
		t0 = now_ms();
		for (;;) {
			send_msg(&m);
			enum pf_msg_type t = recv_msg(&r);

			if (t == PF_MSG_CONFIRM)
				break;
			if (t != PF_MSG_PENDING)
				die("ORDER in bench-order was refused");
		}
		lat[n++] = now_ms() - t0;
	}
	qsort(lat, n, sizeof(double), cmp_double);
	printf("{\"type\":\"BENCH_ORDER\",\"count\":%ld,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
	       "\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
	       n, lat[(size_t)((n - 1) * 0.50 + 0.5)], lat[(size_t)((n - 1) * 0.90 + 0.5)],
	       lat[(size_t)((n - 1) * 0.99 + 0.5)], lat[n - 1]);
	free(lat);
	pf_jsonrpc_free(rpc);
}

/* (Re)connects until the broker answers, or the deadline passes. */
static bool redial(double deadline)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
	pf_frame_reader_init(&rd);
	while (now_ms() < deadline) {
		fd = dial();
		if (fd >= 0)
			return true;
		usleep(50000);
	}
	return false;
}

/* One request on a connection that may break: its answer, or PF_MSG_NONE. */
static enum pf_msg_type ask(struct pf_msg *m, struct pf_msg *r, double deadline, int *retries)
{
	for (;;) {
		enum pf_msg_type t;

		if (fd < 0 && !redial(deadline))
			return PF_MSG_NONE;
		send_msg(m);
		t = recv_msg(r);
		if (t != PF_MSG_NONE)
			return t;
		(*retries)++;
		close(fd); /* closed, reset or undecodable: the broker restarted */
		fd = -1;
		if (now_ms() >= deadline)
			return PF_MSG_NONE;
	}
}

struct buy_result {
	const char *outcome;  /* CONFIRM, an error code, "timeout" */
	const char *stage;    /* quote, pay, order */
	const char *cancel;   /* NULL, BALANCE_REPLY, an error code, "timeout" */
	const char *withdraw; /* NULL, BALANCE_REPLY, an error code, "timeout" */
	char withdraw_tx[PF_TX_HASH_LEN + 1];
	char credited[PF_AMOUNT_MAX];
	char detail[256];
	char tx[67];
	struct pf_quote q;
	struct pf_confirm c;
	double ms;
	int retries;
};

static void buy_print(long i, const struct buy_result *b)
{
	struct json_object *o = json_object_new_object();
	char ip1[PF_ADDR_STRLEN], ip2[PF_ADDR_STRLEN];

	json_object_object_add(o, "type", json_object_new_string("BUY"));
	json_object_object_add(o, "i", json_object_new_int64(i));
	json_object_object_add(o, "outcome", json_object_new_string(b->outcome));
	json_object_object_add(o, "stage", json_object_new_string(b->stage));
	if (b->detail[0])
		json_object_object_add(o, "detail", json_object_new_string(b->detail));
	if (b->q.quote_id[0]) {
		json_object_object_add(o, "quote_id", json_object_new_string(b->q.quote_id));
		json_object_object_add(o, "ip1",
				       json_object_new_string(pf_addr_format(b->q.ip1, ip1, 46)));
		json_object_object_add(o, "ip2",
				       json_object_new_string(pf_addr_format(b->q.ip2, ip2, 46)));
		json_object_object_add(o, "seconds", json_object_new_int64(b->q.seconds));
		json_object_object_add(o, "amount", json_object_new_string(b->q.amount));
	}
	if (b->tx[0])
		json_object_object_add(o, "tx", json_object_new_string(b->tx));
	if (!strcmp(b->outcome, "CONFIRM")) {
		json_object_object_add(o, "rid", json_object_new_string(b->c.reservation_id));
		json_object_object_add(o, "start", json_object_new_int64(b->c.start));
		json_object_object_add(o, "end", json_object_new_int64(b->c.end));
		json_object_object_add(o, "ms", json_object_new_double(b->ms));
	}
	if (b->withdraw) {
		json_object_object_add(o, "withdraw", json_object_new_string(b->withdraw));
		json_object_object_add(o, "withdraw_tx", json_object_new_string(b->withdraw_tx));
	}
	if (b->cancel) {
		json_object_object_add(o, "cancel", json_object_new_string(b->cancel));
		json_object_object_add(o, "credited", json_object_new_string(b->credited));
	}
	json_object_object_add(o, "retries", json_object_new_int(b->retries));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/* Pays once: a failed call is retried (the node is not the one restarting). */
static bool pay_retry(struct pf_jsonrpc *rpc, const char *from, const struct pf_quote *q, char *tx,
		      char *detail)
{
	struct json_object *t = json_object_new_object(), *params = json_object_new_array(), *res;
	struct pf_jsonrpc_error e = {0};
	struct pf_u256 v;
	char hex[PF_U256_HEX_MAX], input[64];
	bool ok;

	pf_u256_parse_dec(q->amount, &v);
	pf_u256_to_hex(&v, hex, sizeof(hex));
	pf_quote_input_hex(q->quote_id, input, sizeof(input));
	json_object_object_add(t, "from", json_object_new_string(from));
	json_object_object_add(t, "to", json_object_new_string(q->pay_to));
	json_object_object_add(t, "value", json_object_new_string(hex));
	json_object_object_add(t, "data", json_object_new_string(input));
	json_object_array_add(params, t);
	ok = !pf_jsonrpc_call(rpc, "eth_sendTransaction", params, &res, &e);
	if (ok) {
		snprintf(tx, 67, "%s", json_object_get_string(res));
		json_object_put(res);
	} else {
		snprintf(detail, 256, "%s", e.message);
	}
	return ok;
}

static void buy_one(struct pf_jsonrpc *rpc, const char *from, struct pf_msg *qr,
		    struct buy_result *b)
{
	double deadline = now_ms() + 60000, t0;
	struct pf_msg m, r;
	enum pf_msg_type t;

	b->stage = "quote";
	t = ask(qr, &r, deadline, &b->retries);
	if (t != PF_MSG_QUOTE) {
		b->outcome = t == PF_MSG_ERROR ? pf_err_name(r.error.code) : "timeout";
		if (t == PF_MSG_ERROR)
			snprintf(b->detail, sizeof(b->detail), "%s", r.error.text);
		return;
	}
	b->q = r.quote;
	b->stage = "pay";
	if (!from_balance && !pay_retry(rpc, from, &b->q, b->tx, b->detail)) {
		b->outcome = "pay_failed";
		return;
	}
	b->stage = "order";
	make_order(&m, b->q.quote_id, from_balance ? "" : from, from_balance ? "" : b->tx);
	m.order.from_balance = from_balance;
	t0 = now_ms();
	for (;;) {
		t = ask(&m, &r, deadline, &b->retries);
		if (t == PF_MSG_CONFIRM) {
			b->outcome = "CONFIRM";
			b->c = r.confirm;
			b->ms = now_ms() - t0;
			return;
		}
		if (t == PF_MSG_ERROR && r.error.code != PF_E_INTERNAL) {
			b->outcome = pf_err_name(r.error.code);
			snprintf(b->detail, sizeof(b->detail), "%s", r.error.text);
			return;
		}
		if (t == PF_MSG_NONE || now_ms() >= deadline) {
			b->outcome = "timeout";
			return;
		}
		b->retries++; /* PENDING or internal_error: the same ORDER again */
		usleep(t == PF_MSG_PENDING ? 20000 : 100000);
	}
}

/* CANCEL of the reservation just granted, through restarts; a repeated CANCEL
 * after a lost answer gets reservation_ended (the refund was made once). */
static void cancel_one(struct buy_result *b)
{
	double deadline = now_ms() + 60000;
	struct pf_msg m = {.type = PF_MSG_CANCEL}, r;
	enum pf_msg_type t;

	snprintf(m.cancel.reservation_id, sizeof(m.cancel.reservation_id), "%s",
		 b->c.reservation_id);
	do
		t = ask(&m, &r, deadline, &b->retries);
	while (t == PF_MSG_ERROR && r.error.code == PF_E_INTERNAL && now_ms() < deadline &&
	       !usleep(100000));
	b->cancel = t == PF_MSG_BALANCE_REPLY ? "BALANCE_REPLY"
		    : t == PF_MSG_ERROR	      ? pf_err_name(r.error.code)
					      : "timeout";
	snprintf(b->credited, sizeof(b->credited), "%s",
		 t == PF_MSG_BALANCE_REPLY ? r.balance_reply.credited : "0");
}

/* WITHDRAW 1000 under id i, through restarts: the same id is answered the same. */
static void withdraw_one(long i, struct buy_result *b)
{
	double deadline = now_ms() + 60000;
	struct pf_msg m = {.type = PF_MSG_WITHDRAW}, r;
	enum pf_msg_type t;

	snprintf(m.withdraw.withdrawal_id, sizeof(m.withdraw.withdrawal_id), "%032lx", i);
	snprintf(m.withdraw.amount, sizeof(m.withdraw.amount), "1000");
	do
		t = ask(&m, &r, deadline, &b->retries);
	while (t == PF_MSG_ERROR &&
	       (r.error.code == PF_E_INTERNAL || r.error.code == PF_E_WITHDRAWAL_UNAVAILABLE) &&
	       now_ms() < deadline && !usleep(100000));
	b->withdraw = t == PF_MSG_BALANCE_REPLY ? "BALANCE_REPLY"
		      : t == PF_MSG_ERROR	? pf_err_name(r.error.code)
						: "timeout";
	snprintf(b->withdraw_tx, sizeof(b->withdraw_tx), "%s",
		 t == PF_MSG_BALANCE_REPLY ? r.balance_reply.tx_hash : "");
}

static void buy(long count, char **a)
{
	struct pf_jsonrpc *rpc = pf_jsonrpc_new(a[0], 10000);
	long secs[16];
	int n_secs = 0;
	char *list = strdup(a[5]), *save = NULL;

	if (!rpc || !list)
		die("out of memory");
	for (char *s = strtok_r(list, ",", &save); s && n_secs < 16; s = strtok_r(NULL, ",", &save))
		secs[n_secs++] = atol(s);
	free(list);
	if (!n_secs)
		die("buy: SECONDS is a comma-separated list");
	double t_first = now_ms();

	for (long i = 0; i < count; i++) {
		struct buy_result b = {.outcome = "timeout"};
		double wait = t_first + i * pace_ms - now_ms();
		char seconds[24];
		char *args[4] = {a[2], a[3], a[4], seconds};
		struct pf_msg qr;

		if (wait > 0)
			usleep(wait * 1000);
		snprintf(seconds, sizeof(seconds), "%ld", secs[i % n_secs]);
		make_quote(&qr, args, NULL);
		qr.quote_request.ip2[15] += i & 0xff; /* a fresh pair per order */
		qr.quote_request.ip2[14] += (i >> 8) & 0xff;
		buy_one(rpc, a[1], &qr, &b);
		if (cancel_every && !strcmp(b.outcome, "CONFIRM") && i % cancel_every == 0)
			cancel_one(&b);
		if (withdraw_every && i % withdraw_every == 0)
			withdraw_one(i, &b);
		buy_print(i, &b);
	}
	pf_jsonrpc_free(rpc);
}

/* Slowloris: n connections, each sending one more byte of a HELLO every second. */
static void drip(int n, int seconds)
{
	static const char hello[] = "{\"message_type\":\"HELLO\",\"data\":\"{}\",\"signature\":"
				    "\"\",\"verification\":\"\"}\n";
	int *fds = calloc(n, sizeof(int)), open_n = 0, closed = 0;
	size_t *sent = calloc(n, sizeof(size_t));

	if (!fds || !sent)
		die("out of memory");
	for (int i = 0; i < n; i++)
		open_n += (fds[i] = dial()) >= 0;
	printf("{\"type\":\"DRIP\",\"open\":%d}\n", open_n);
	fflush(stdout);
	for (int s = 0; s < seconds; s++) {
		double t0 = now_ms();

		for (int i = 0; i < n; i++) {
			if (fds[i] < 0)
				continue;
			/* Never the final '\n': the frame stays incomplete. */
			if (send(fds[i], hello + sent[i] % (sizeof(hello) - 2), 1, MSG_NOSIGNAL) !=
			    1) {
				close(fds[i]);
				fds[i] = -1;
				closed++;
				continue;
			}
			sent[i]++;
		}
		double left = 1000 - (now_ms() - t0);

		if (left > 0)
			usleep(left * 1000);
	}
	printf("{\"type\":\"DRIP_DONE\",\"closed_by_peer\":%d}\n", closed);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	free(sent);
}

/* The answer's type, or its error code for an ERROR. */
static void answer_kind(const char *f, char *out, size_t len)
{
	struct json_object *env = json_tokener_parse(f), *t, *ds, *data = NULL, *code;
	const char *type = "?";

	if (env && json_object_object_get_ex(env, "message_type", &t))
		type = json_object_get_string(t);
	if (env && !strcmp(type, "ERROR") && json_object_object_get_ex(env, "data", &ds))
		data = json_tokener_parse(json_object_get_string(ds));
	if (data && json_object_object_get_ex(data, "code", &code))
		type = json_object_get_string(code);
	snprintf(out, len, "%s", type);
	json_object_put(data);
	json_object_put(env);
}

/* Counts of answer kinds, printed as one JSON line with type `what`. */
static void tally(struct json_object *counts, const char *kind)
{
	struct json_object *v;
	int64_t n = json_object_object_get_ex(counts, kind, &v) ? json_object_get_int64(v) : 0;

	json_object_object_add(counts, kind, json_object_new_int64(n + 1));
}

static void print_tally(struct json_object *counts, const char *what, double ms)
{
	json_object_object_add(counts, "type", json_object_new_string(what));
	json_object_object_add(counts, "ms", json_object_new_double(ms));
	puts(json_object_to_json_string_ext(counts, JSON_C_TO_STRING_PLAIN));
	json_object_put(counts);
}

static void flood_quote(long n, char **a)
{
	struct json_object *counts = json_object_new_object();
	double t0 = now_ms();
	pf_ip_t ip2;
	struct pf_msg m;
	char kind[64];

	for (long i = 0; i < n; i++) {
		uint8_t seed[32];
		const char *f;
		size_t len;

		memset(seed, 0x5a, sizeof(seed));
		memcpy(seed, &i, sizeof(i));
		pf_keypair_from_seed(&key, seed);
		make_quote(&m, a, NULL);
		parse_ip(a[1], ip2);
		ip2[15] += i % 200;
		memcpy(m.quote_request.ip2, ip2, 16);
		send_msg(&m);
		f = read_line(&len);
		if (!f) {
			tally(counts, "CLOSED");
			break;
		}
		answer_kind(f, kind, sizeof(kind));
		tally(counts, kind);
	}
	print_tally(counts, "FLOOD_QUOTE", now_ms() - t0);
}

/* A random 32-byte transaction hash. */
static void random_tx(char out[67])
{
	uint8_t b[32];

	randombytes_buf(b, sizeof(b));
	out[0] = '0';
	out[1] = 'x';
	pf_hex_encode(b, 32, out + 2);
}

static void flood_order(int conns_n, long n, const char *qid, const char *payer)
{
	struct json_object *counts = json_object_new_object();
	struct pf_frame_reader *rds = calloc(conns_n, sizeof(*rds));
	int *fds = calloc(conns_n, sizeof(int));
	long *left = calloc(conns_n, sizeof(long)), open_n = 0;
	double t0 = now_ms();
	char kind[64], tx[67];
	struct pf_msg m;

	for (int c = 0; c < conns_n; c++) {
		pf_frame_reader_init(&rds[c]);
		fds[c] = dial();
		for (long i = 0; fds[c] >= 0 && i < n; i++) {
			size_t len;
			char *f;

			random_tx(tx);
			make_order(&m, qid, payer, tx);
			f = pf_msg_encode(&m, &key, &len);
			if (f && send(fds[c], f, len, MSG_NOSIGNAL) != (ssize_t)len)
				die("cannot send the ORDERs (socket buffer full?)");
			free(f);
		}
		left[c] = fds[c] >= 0 ? n : 0;
		open_n += fds[c] >= 0;
	}
	while (open_n > 0 && now_ms() - t0 < 300000) {
		for (int c = 0; c < conns_n; c++) {
			struct pollfd p = {.fd = fds[c], .events = POLLIN};
			const char *f;
			size_t len, room;
			char *space;
			ssize_t got;

			if (!left[c] || poll(&p, 1, 0) <= 0)
				continue;
			space = pf_frame_space(&rds[c], &room);
			got = read(fds[c], space, room);
			if (got > 0)
				pf_frame_commit(&rds[c], got);
			while (got > 0 && left[c] &&
			       pf_frame_next(&rds[c], &f, &len) == PF_FRAME_READY) {
				answer_kind(f, kind, sizeof(kind));
				tally(counts, kind);
				left[c]--;
			}
			if (got <= 0) {
				tally(counts, "CLOSED");
				left[c] = 0;
			}
			if (!left[c])
				open_n--;
		}
		usleep(1000);
	}
	for (int c = 0; c < conns_n; c++)
		if (fds[c] >= 0)
			close(fds[c]);
	free(rds);
	free(fds);
	free(left);
	print_tally(counts, "FLOOD_ORDER", now_ms() - t0);
}

static void set_seed(const char *hex)
{
	uint8_t seed[32];

	if (pf_hex_decode_exact(hex, strlen(hex), seed, 32) || pf_keypair_from_seed(&key, seed))
		die("a seed is 64 hex digits");
}

static int need(int argc, int i, int n)
{
	if (i + n >= argc)
		die("missing arguments (see the usage at the top of broker_probe.c)");
	return n;
}

int main(int argc, char **argv)
{
	int i = 2;

	if (argc < 2)
		die("usage: broker_probe HOST:PORT [--seed HEX] [--pin KEY] COMMAND...");
	target = argv[1];
	pf_keypair_generate(&key);
	pf_frame_reader_init(&rd);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = dial();
	if (fd < 0) {
		puts("{\"type\":\"CONNECT_FAILED\"}");
		return 1;
	}
	for (; i < argc; i++) {
		const char *c = argv[i];
		struct pf_msg m;

		if (!strcmp(c, "--seed") || !strcmp(c, "seed")) {
			i += need(argc, i, 1);
			set_seed(argv[i]);
		} else if (!strcmp(c, "--from-balance")) {
			from_balance = true;
		} else if (!strcmp(c, "--withdraw-every")) {
			withdraw_every = atol(argv[i += need(argc, i, 1)]);
		} else if (!strcmp(c, "--cancel-every")) {
			cancel_every = atol(argv[i += need(argc, i, 1)]);
		} else if (!strcmp(c, "--pace")) {
			pace_ms = atol(argv[i += need(argc, i, 1)]);
		} else if (!strcmp(c, "--pin")) {
			i += need(argc, i, 1);
			if (pf_hex_decode_exact(argv[i], strlen(argv[i]), pin, 32))
				die("--pin takes 64 hex digits");
			pinned = true;
		} else if (!strcmp(c, "corrupt")) {
			corrupt = true;
		} else if (!strcmp(c, "hello")) {
			send_msg(&(struct pf_msg){.type = PF_MSG_HELLO});
			answer();
		} else if (!strcmp(c, "quote")) {
			i += need(argc, i, 5);
			make_quote(&m, argv + i - 4, argv[i]);
			send_msg(&m);
			answer();
		} else if (!strcmp(c, "upgrade")) {
			i += need(argc, i, 4);
			memset(&m, 0, sizeof(m));
			m.type = PF_MSG_QUOTE_REQUEST;
			parse_ip(argv[i - 3], m.quote_request.ip1);
			parse_ip(argv[i - 2], m.quote_request.ip2);
			m.quote_request.level = strtoull(argv[i - 1], NULL, 10);
			snprintf(m.quote_request.upgrades, sizeof(m.quote_request.upgrades), "%s",
				 argv[i]);
			send_msg(&m);
			answer();
		} else if (!strcmp(c, "order")) {
			i += need(argc, i, 3);
			make_order(&m, argv[i - 2], argv[i - 1], argv[i]);
			send_msg(&m);
			answer();
		} else if (!strcmp(c, "order-send")) {
			i += need(argc, i, 3);
			make_order(&m, argv[i - 2], argv[i - 1], argv[i]);
			send_msg(&m);
		} else if (!strcmp(c, "order-balance") || !strcmp(c, "order-balance-send")) {
			i += need(argc, i, 1);
			make_order(&m, argv[i], "", "");
			m.order.from_balance = true;
			send_msg(&m);
			if (!strcmp(c, "order-balance"))
				answer();
		} else if (!strcmp(c, "answers")) {
			for (int n = atoi(argv[i += need(argc, i, 1)]); n > 0; n--)
				answer();
		} else if (!strcmp(c, "deposit")) {
			i += need(argc, i, 2);
			memset(&m, 0, sizeof(m));
			m.type = PF_MSG_DEPOSIT;
			snprintf(m.deposit.payer, sizeof(m.deposit.payer), "%s", argv[i - 1]);
			snprintf(m.deposit.tx_hash, sizeof(m.deposit.tx_hash), "%s", argv[i]);
			send_msg(&m);
			answer();
		} else if (!strcmp(c, "cancel")) {
			i += need(argc, i, 1);
			memset(&m, 0, sizeof(m));
			m.type = PF_MSG_CANCEL;
			snprintf(m.cancel.reservation_id, sizeof(m.cancel.reservation_id), "%s",
				 argv[i]);
			send_msg(&m);
			answer();
		} else if (!strcmp(c, "withdraw")) {
			i += need(argc, i, 2);
			memset(&m, 0, sizeof(m));
			m.type = PF_MSG_WITHDRAW;
			snprintf(m.withdraw.withdrawal_id, sizeof(m.withdraw.withdrawal_id), "%s",
				 argv[i - 1]);
			snprintf(m.withdraw.amount, sizeof(m.withdraw.amount), "%s", argv[i]);
			send_msg(&m);
			answer();
		} else if (!strcmp(c, "balance")) {
			send_msg(&(struct pf_msg){.type = PF_MSG_BALANCE});
			answer();
		} else if (!strcmp(c, "shut-wr")) {
			if (shutdown(fd, SHUT_WR))
				die("shutdown");
		} else if (!strcmp(c, "status")) {
			i += need(argc, i, 1);
			memset(&m, 0, sizeof(m));
			m.type = PF_MSG_STATUS;
			snprintf(m.status.reservation_id, sizeof(m.status.reservation_id), "%s",
				 argv[i]);
			send_msg(&m);
			answer();
		} else if (!strcmp(c, "status-pair")) {
			i += need(argc, i, 2);
			memset(&m, 0, sizeof(m));
			m.type = PF_MSG_STATUS;
			parse_ip(argv[i - 1], m.status.ip1);
			parse_ip(argv[i], m.status.ip2);
			send_msg(&m);
			answer();
		} else if (!strcmp(c, "raw")) {
			i += need(argc, i, 1);
			send_all(argv[i], strlen(argv[i]));
			send_all("\n", 1);
			answer();
		} else if (!strcmp(c, "oversize")) {
			size_t n = strtoull(argv[i += need(argc, i, 1)], NULL, 10);
			char *buf = malloc(n);

			memset(buf, 'x', n);
			send_all(buf, n);
			free(buf);
			answer();
		} else if (!strcmp(c, "sleep")) {
			usleep(1000 * atoi(argv[i += need(argc, i, 1)]));
		} else if (!strcmp(c, "closed")) {
			answer();
		} else if (!strcmp(c, "conns")) {
			conns(atoi(argv[i += need(argc, i, 1)]), 0);
		} else if (!strcmp(c, "hold")) {
			i += need(argc, i, 2);
			conns(atoi(argv[i - 1]), atoi(argv[i]));
		} else if (!strcmp(c, "bench-hello")) {
			bench_hello(atol(argv[i += need(argc, i, 1)]));
		} else if (!strcmp(c, "bench-order")) {
			i += need(argc, i, 7);
			bench_order(atol(argv[i - 6]), argv + i - 5);
		} else if (!strcmp(c, "buy")) {
			i += need(argc, i, 7);
			buy(atol(argv[i - 6]), argv + i - 5);
		} else if (!strcmp(c, "flood-quote")) {
			i += need(argc, i, 5);
			flood_quote(atol(argv[i - 4]), argv + i - 3);
		} else if (!strcmp(c, "flood-order")) {
			i += need(argc, i, 4);
			flood_order(atoi(argv[i - 3]), atol(argv[i - 2]), argv[i - 1], argv[i]);
		} else if (!strcmp(c, "drip")) {
			i += need(argc, i, 2);
			drip(atoi(argv[i - 1]), atoi(argv[i]));
		} else {
			die("unknown command");
		}
	}
	close(fd);
	return 0;
}
