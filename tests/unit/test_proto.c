// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The REQUEST-channel codec: every message type round-trips, and every way
 * a frame can be wrong decodes to its exact error code.
 */
#include <errno.h>
#include <stdlib.h>
#include <sodium.h>
#include <json-c/json.h>
#include "userspace/common/addr.h"
#include "broker/proto/frame.h"
#include "userspace/common/hex.h"
#include "broker/proto/deposit.h"
#include "broker/proto/messages.h"
#include "broker/proto/quote.h"
#include "unit.h"

#define QID   "00112233445566778899aabbccddeeff"
#define RID   "ffeeddccbbaa99887766554433221100"
#define TX    "0x1111111111111111111111111111111111111111111111111111111111111111"
#define PAYTO "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
#define PAYER "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"

static struct pf_keypair broker, client, other;

static void keys_init(void)
{
	uint8_t seed[32];

	memset(seed, 0x11, 32);
	pf_keypair_from_seed(&broker, seed);
	memset(seed, 0x22, 32);
	pf_keypair_from_seed(&client, seed);
	memset(seed, 0x33, 32);
	pf_keypair_from_seed(&other, seed);
}

static char *key_hex(const struct pf_keypair *kp)
{
	static char buf[4][PF_PUBKEY_HEX + 1];
	static int i;

	i = (i + 1) % 4;
	pf_hex_encode(kp->pk, 32, buf[i]);
	return buf[i];
}

/* An envelope around data, built by json-c so data is escaped correctly. */
static char *envelope(const char *type, const char *data, const char *sig, const char *ver)
{
	struct json_object *o = json_object_new_object();
	char *out;

	json_object_object_add(o, "message_type", json_object_new_string(type));
	json_object_object_add(o, "data", json_object_new_string(data));
	json_object_object_add(o, "signature", json_object_new_string(sig));
	json_object_object_add(o, "verification", json_object_new_string(ver));
	out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}

/* Signs with libsodium directly over the documented bytes. */
static char *signed_env(const struct pf_keypair *kp, const char *type, const char *data,
			const char *ver)
{
	char msg[8192], sig_hex[129];
	uint8_t sig[64];
	int n = snprintf(msg, sizeof(msg), "payflow/v1/%s\n%s\n%s", type, data, ver);

	crypto_sign_detached(sig, NULL, (uint8_t *)msg, (size_t)n, kp->sk);
	pf_hex_encode(sig, 64, sig_hex);
	return envelope(type, data, sig_hex, ver);
}

/* Decodes a NUL-terminated frame (a trailing '\n' is dropped first). */
static enum pf_err dec(const char *frame, enum pf_side from, const uint8_t *pk, struct pf_msg *m,
		       struct pf_err_msg *e)
{
	size_t len = strlen(frame);

	if (len && frame[len - 1] == '\n')
		len--;
	return pf_msg_decode(frame, len, from, pk, m, e);
}

static enum pf_err dec_free(char *frame, enum pf_side from, const uint8_t *pk)
{
	struct pf_msg *m = malloc(sizeof(*m));
	struct pf_err_msg e;
	enum pf_err rc = dec(frame, from, pk, m, &e);

	if (rc && getenv("PF_TEST_VERBOSE"))
		fprintf(stderr, "    %s: %s\n", pf_err_name(rc), e.text);
	free(m);
	free(frame);
	return rc;
}

static char *qr_data(const char *ip1, const char *ip2, const char *level, const char *seconds,
		     const char *key, const char *extra)
{
	char *buf = malloc(1024);

	snprintf(buf, 1024,
		 "{\"ip1\":%s,\"ip2\":%s,\"level\":%s,\"seconds\":%s,\"client_key\":%s%s}", ip1,
		 ip2, level, seconds, key, extra);
	return buf;
}

/* A QUOTE_REQUEST frame with the given raw JSON values, signed by kp. */
static enum pf_err try_qr(const struct pf_keypair *kp, const char *ip1, const char *ip2,
			  const char *level, const char *seconds, const char *key,
			  const char *extra)
{
	char *data = qr_data(ip1, ip2, level, seconds, key, extra);
	enum pf_err rc = dec_free(signed_env(kp, "QUOTE_REQUEST", data, ""), PF_FROM_CLIENT, NULL);

	free(data);
	return rc;
}

static void sample_menu(struct pf_menu *m)
{
	memset(m, 0, sizeof(*m));
	m->n_levels = 3;
	m->levels[0].rate_bps = 10000000;
	strcpy(m->levels[0].price_per_second, "0");
	m->levels[1].rate_bps = 50000000;
	strcpy(m->levels[1].price_per_second, "5000000000000");
	m->levels[2].rate_bps = 150000000;
	strcpy(m->levels[2].price_per_second, "20000000000000000000"); /* > 2^64 */
	strcpy(m->currency, "ETH");
	m->decimals = 18;
	m->chain_id = 31337;
	strcpy(m->pay_to, PAYTO);
	m->min_seconds = 1;
	m->max_seconds = 86400;
	m->quote_ttl = 60;
}

static void sample_request(struct pf_quote_request *q)
{
	memset(q, 0, sizeof(*q));
	pf_addr_parse("2001:db8::1", q->ip1);
	pf_addr_parse("2001:db8::2", q->ip2);
	q->level = 1;
	q->seconds = 120;
	memcpy(q->client_key, client.pk, 32);
}

static void sample_confirm(struct pf_confirm *c)
{
	strcpy(c->reservation_id, RID);
	strcpy(c->quote_id, QID);
	strcpy(c->tx_hash, TX);
	pf_addr_parse("fe80::1", c->ip1);
	pf_addr_parse("fe80::7", c->ip2);
	c->level = 2;
	c->rate_bps = 150000000;
	c->start = 1700000010;
	c->end = 1700000130;
}

/* Encodes m, decodes the frame, and returns the decoded copy (malloc'd). */
static struct pf_msg *roundtrip(const struct pf_msg *m, const struct pf_keypair *signer)
{
	struct pf_msg *back = malloc(sizeof(*back));
	struct pf_err_msg e;
	size_t len;
	char *frame = pf_msg_encode(m, signer, &len);

	CHECK(frame != NULL);
	if (!frame) {
		memset(back, 0, sizeof(*back));
		return back;
	}
	CHECK_EQ(len, strlen(frame));
	CHECK(frame[len - 1] == '\n');
	CHECK(memchr(frame, '\n', len - 1) == NULL); /* one line */
	CHECK_EQ(pf_msg_decode(frame, len - 1, pf_msg_sender(m->type), broker.pk, back, &e), PF_OK);
	if (e.code)
		fprintf(stderr, "  decode: %s\n", e.text);
	CHECK_EQ(back->type, m->type);
	free(frame);
	return back;
}

static void test_roundtrip_client_messages(void)
{
	struct pf_msg m = {.type = PF_MSG_HELLO}, *b;

	b = roundtrip(&m, NULL);
	free(b);

	m.type = PF_MSG_QUOTE_REQUEST;
	sample_request(&m.quote_request);
	strcpy(m.quote_request.extends, RID);
	b = roundtrip(&m, &client);
	CHECK(!memcmp(&b->quote_request, &m.quote_request, sizeof(m.quote_request)));
	free(b);

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_ORDER;
	strcpy(m.order.quote_id, QID);
	strcpy(m.order.payer, PAYER);
	strcpy(m.order.tx_hash, TX);
	b = roundtrip(&m, &client);
	CHECK_STR(b->order.quote_id, QID);
	CHECK_STR(b->order.payer, PAYER);
	CHECK_STR(b->order.tx_hash, TX);
	CHECK(!memcmp(b->order.client_key, client.pk, 32)); /* stamped from the signer */
	free(b);

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_STATUS;
	strcpy(m.status.reservation_id, RID);
	b = roundtrip(&m, NULL);
	CHECK_STR(b->status.reservation_id, RID);
	free(b);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_STATUS;
	pf_addr_parse("10.0.0.1", m.status.ip1);
	pf_addr_parse("10.0.0.2", m.status.ip2);
	b = roundtrip(&m, NULL);
	CHECK_STR(b->status.reservation_id, "");
	CHECK(!memcmp(&b->status, &m.status, sizeof(m.status)));
	free(b);
}

static void test_roundtrip_broker_messages(void)
{
	struct pf_msg m = {.type = PF_MSG_MENU}, *b;
	struct pf_quote_request req;
	struct pf_menu menu;
	struct pf_err_msg e;

	sample_menu(&m.menu);
	b = roundtrip(&m, &broker);
	memcpy(m.menu.broker_key, broker.pk, 32);
	CHECK(!memcmp(&b->menu, &m.menu, sizeof(m.menu)));
	free(b);

	sample_menu(&menu);
	sample_request(&req);
	m.type = PF_MSG_QUOTE;
	CHECK_EQ(pf_quote_build(&menu, &req, 1700000000, &m.quote, &e), PF_OK);
	CHECK_STR(m.quote.amount, "600000000000000");
	CHECK_EQ(m.quote.expires_at, 1700000060);
	b = roundtrip(&m, &broker);
	CHECK(!memcmp(&b->quote, &m.quote, sizeof(m.quote)));
	free(b);

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_CONFIRM;
	sample_confirm(&m.confirm);
	b = roundtrip(&m, &broker);
	CHECK(!memcmp(&b->confirm, &m.confirm, sizeof(m.confirm)));
	free(b);

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_PENDING;
	strcpy(m.pending.quote_id, QID);
	strcpy(m.pending.tx_hash, TX);
	m.pending.confirmations = 0;
	m.pending.required = 2;
	b = roundtrip(&m, &broker);
	CHECK(!memcmp(&b->pending, &m.pending, sizeof(m.pending)));
	free(b);

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_STATUS_REPLY;
	strcpy(m.status_reply.reservation_id, RID);
	pf_addr_parse("10.0.0.1", m.status_reply.ip1);
	pf_addr_parse("10.0.0.2", m.status_reply.ip2);
	m.status_reply.level = 0;
	m.status_reply.rate_bps = 10000000;
	m.status_reply.start = 100;
	m.status_reply.end = 200;
	m.status_reply.now = 150;
	m.status_reply.active = true;
	m.status_reply.bytes = 123456789012ULL;
	m.status_reply.packets = 98765432ULL;
	b = roundtrip(&m, &broker);
	CHECK(!memcmp(&b->status_reply, &m.status_reply, sizeof(m.status_reply)));
	free(b);

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_ERROR;
	pf_err_set(&m.error, PF_E_CAPACITY_EXHAUSTED,
		   "port veth1 has 40000000 bit/s free, level 2 needs 150000000");
	b = roundtrip(&m, &broker);
	CHECK_EQ(b->error.code, PF_E_CAPACITY_EXHAUSTED);
	CHECK_STR(b->error.text, m.error.text);
	free(b);
}

/* The signature is over "payflow/v1/" type "\n" data "\n" verification. */
static void test_signature_exact_bytes(void)
{
	struct pf_msg m = {.type = PF_MSG_ORDER};
	struct json_object *root, *v;
	struct pf_err_msg e;
	char msg[4096];
	uint8_t sig[64];
	size_t len;
	char *frame;
	int n;

	strcpy(m.order.quote_id, QID);
	strcpy(m.order.payer, PAYER);
	strcpy(m.order.tx_hash, TX);
	frame = pf_msg_encode(&m, &client, &len);
	root = json_tokener_parse(frame);
	CHECK(root != NULL);
	json_object_object_get_ex(root, "data", &v);
	snprintf(msg, sizeof(msg), "{\"quote_id\":\"%s\",\"payer\":\"%s\",\"client_key\":\"%s\"}",
		 QID, PAYER, key_hex(&client));
	CHECK_STR(json_object_get_string(v), msg);
	n = snprintf(msg, sizeof(msg), "payflow/v1/ORDER\n%s\n%s", json_object_get_string(v), TX);
	json_object_object_get_ex(root, "signature", &v);
	CHECK_EQ(pf_hex_decode_exact(json_object_get_string(v), 128, sig, 64), 0);
	CHECK(crypto_sign_verify_detached(sig, (uint8_t *)msg, (size_t)n, client.pk) == 0);
	/* the same bytes under another type's prefix do not verify */
	n = snprintf(msg, sizeof(msg), "payflow/v1/QUOTE\n%s\n%s", "x", TX);
	CHECK(crypto_sign_verify_detached(sig, (uint8_t *)msg, (size_t)n, client.pk) != 0);
	json_object_object_get_ex(root, "verification", &v);
	CHECK_STR(json_object_get_string(v), TX);
	json_object_put(root);
	/* a refused ORDER still says it was an ORDER, so the broker counts it */
	msg[0] = strstr(frame, "\"signature\":\"")[13];
	strstr(frame, "\"signature\":\"")[13] = msg[0] == '0' ? '1' : '0';
	CHECK_EQ(dec(frame, PF_FROM_CLIENT, NULL, &m, &e), PF_E_BAD_SIGNATURE);
	CHECK_EQ(m.type, PF_MSG_ORDER);
	CHECK_EQ(dec("{\"message_type\":\"BUY\"}", PF_FROM_CLIENT, NULL, &m, &e), PF_E_BAD_FIELD);
	CHECK_EQ(m.type, PF_MSG_NONE);
	free(frame);
}

/* ORDER from the balance, DEPOSIT and BALANCE_REPLY round trips; an ORDER
 * carries a transaction hash or from_balance, never both, never neither. */
static void test_balance_messages(void)
{
	struct pf_msg m = {.type = PF_MSG_ORDER}, back;
	struct pf_err_msg e;
	uint8_t input[PF_DEPOSIT_INPUT_LEN];
	char hex[2 + 2 * PF_DEPOSIT_INPUT_LEN + 1] = "0x", *frame, *p;
	size_t len;

	strcpy(m.order.quote_id, QID);
	m.order.from_balance = true;
	frame = pf_msg_encode(&m, &client, &len);
	CHECK(frame != NULL);
	CHECK(strstr(frame, "\"verification\":\"\"") != NULL);
	CHECK(strstr(frame, "payer") == NULL);
	CHECK_EQ(dec(frame, PF_FROM_CLIENT, NULL, &back, &e), PF_OK);
	CHECK(back.order.from_balance);
	CHECK_STR(back.order.tx_hash, "");
	free(frame);
	strcpy(m.order.tx_hash, TX); /* both: the encoder refuses */
	CHECK(pf_msg_encode(&m, &client, &len) == NULL);
	m.order.from_balance = false; /* neither: refused too */
	m.order.tx_hash[0] = '\0';
	strcpy(m.order.payer, PAYER);
	CHECK(pf_msg_encode(&m, &client, &len) == NULL);
	/* A paid ORDER whose verification is emptied: bad_field, not a balance order. */
	strcpy(m.order.tx_hash, TX);
	frame = pf_msg_encode(&m, &client, &len);
	p = strstr(frame, TX);
	memmove(p, p + strlen(TX), strlen(p + strlen(TX)) + 1);
	CHECK_EQ(dec(frame, PF_FROM_CLIENT, NULL, &back, &e), PF_E_BAD_FIELD);
	free(frame);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_DEPOSIT;
	strcpy(m.deposit.payer, PAYER);
	strcpy(m.deposit.tx_hash, TX);
	frame = pf_msg_encode(&m, &client, &len);
	CHECK_EQ(dec(frame, PF_FROM_CLIENT, NULL, &back, &e), PF_OK);
	CHECK_STR(back.deposit.tx_hash, TX);
	CHECK(!memcmp(back.deposit.client_key, client.pk, 32));
	free(frame);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_BALANCE_REPLY;
	strcpy(m.balance_reply.balance, "5");
	strcpy(m.balance_reply.credited, "05"); /* not canonical: refused */
	CHECK(pf_msg_encode(&m, &broker, &len) == NULL);
	/* The deposit input: marker + key exactly; another key or extra bytes are not. */
	pf_deposit_input(client.pk, input);
	pf_hex_encode(input, sizeof(input), hex + 2);
	CHECK_EQ(pf_deposit_input_check(hex, client.pk), 0);
	CHECK_EQ(pf_deposit_input_check(hex, broker.pk), -EXDEV);
	hex[5] ^= 1;
	CHECK_EQ(pf_deposit_input_check(hex, client.pk), -EINVAL);
	CHECK_EQ(pf_deposit_input_check("0x706179666c6f772f6465706f73697431", client.pk), -EINVAL);
}

static void test_malformed_json(void)
{
	static const char *const bad[] = {
	    "not json",
	    "{",
	    "[]",
	    "\"str\"",
	    "{'message_type':'HELLO'}",
	    "{\"message_type\":\"HELLO\"} x",
	    "{\"message_type\":\"HELLO\"}{}",
	    "{\"a\":NaN}",
	    "{\"a\":1,}",
	    "{\"a\":01}",
	    "{\"a\":\"tab\there\"}",
	    "{\"a\":\"\xff\"}",
	    "{\"a\":\"\xc0\xaf\"}",
	    "{\"a\":\"\\ud800\"}",
	    "{\"a\":\"\\x\"}",
	    "{\"a\":[[[[[[[[[[1]]]]]]]]]]}",
	    "{\"message_type\":\"HELLO\",\"message_type\":\"MENU\"}",
	    "{\"a\\u0062\":1}",
	    "",
	    "   ",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pf_msg m;
		struct pf_err_msg e;
		enum pf_err rc =
		    pf_msg_decode(bad[i], strlen(bad[i]), PF_FROM_CLIENT, NULL, &m, &e);

		if (rc != PF_E_MALFORMED_JSON)
			fprintf(stderr, "  case %zu: %s\n", i, e.text);
		CHECK_EQ(rc, PF_E_MALFORMED_JSON);
	}
	/* a NUL byte inside the frame */
	struct pf_msg m;
	struct pf_err_msg e;

	CHECK_EQ(pf_msg_decode("{\"a\":1}\0", 8, PF_FROM_CLIENT, NULL, &m, &e),
		 PF_E_MALFORMED_JSON);
	/* the data string must itself hold one JSON object */
	CHECK_EQ(dec_free(envelope("HELLO", "", "", ""), PF_FROM_CLIENT, NULL),
		 PF_E_MALFORMED_JSON);
	CHECK_EQ(dec_free(envelope("HELLO", "{} {}", "", ""), PF_FROM_CLIENT, NULL),
		 PF_E_MALFORMED_JSON);
	CHECK_EQ(dec_free(envelope("HELLO", "[1]", "", ""), PF_FROM_CLIENT, NULL),
		 PF_E_MALFORMED_JSON);
	/* white space around the object is fine */
	CHECK_EQ(dec_free(envelope("HELLO", " {} ", "", ""), PF_FROM_CLIENT, NULL), PF_OK);
	CHECK_EQ(
	    pf_msg_decode("{\"message_type\":\"HELLO\",\"data\":\"{}\",\"signature\":\"\","
			  "\"verification\":\"\"}\r",
			  strlen("{\"message_type\":\"HELLO\",\"data\":\"{}\",\"signature\":\"\","
				 "\"verification\":\"\"}\r"),
			  PF_FROM_CLIENT, NULL, &m, &e),
	    PF_OK);
}

static void test_oversize(void)
{
	char *big = malloc(PF_FRAME_MAX);
	struct pf_msg m;
	struct pf_err_msg e;

	memset(big, ' ', PF_FRAME_MAX);
	CHECK_EQ(pf_msg_decode(big, PF_FRAME_MAX, PF_FROM_CLIENT, NULL, &m, &e),
		 PF_E_OVERSIZE_FRAME);
	CHECK_STR(pf_err_name(e.code), "oversize_frame");
	/* one byte less is a frame (here: not JSON) */
	CHECK_EQ(pf_msg_decode(big, PF_FRAME_MAX - 1, PF_FROM_CLIENT, NULL, &m, &e),
		 PF_E_MALFORMED_JSON);
	free(big);
}

static void test_envelope_errors(void)
{
	CHECK_EQ(dec_free(envelope("GOODBYE", "{}", "", ""), PF_FROM_CLIENT, NULL),
		 PF_E_UNKNOWN_MESSAGE_TYPE);
	CHECK_EQ(dec_free(envelope("hello", "{}", "", ""), PF_FROM_CLIENT, NULL),
		 PF_E_UNKNOWN_MESSAGE_TYPE);
	CHECK_EQ(dec_free(envelope("MENU", "{}", "", ""), PF_FROM_CLIENT, NULL),
		 PF_E_UNEXPECTED_MESSAGE);
	CHECK_EQ(dec_free(envelope("HELLO", "{}", "", ""), PF_FROM_BROKER, broker.pk),
		 PF_E_UNEXPECTED_MESSAGE);
	/* the paper's form: data as an object */
	CHECK_EQ(dec_free(strdup("{\"message_type\":\"HELLO\",\"data\":{},\"signature\":\"\","
				 "\"verification\":\"\"}"),
			  PF_FROM_CLIENT, NULL),
		 PF_E_BAD_FIELD);
	CHECK_EQ(dec_free(strdup("{\"message_type\":\"HELLO\",\"data\":\"{}\",\"signature\":\"\"}"),
			  PF_FROM_CLIENT, NULL),
		 PF_E_BAD_FIELD);
	CHECK_EQ(dec_free(strdup("{\"message_type\":\"HELLO\",\"data\":\"{}\",\"signature\":\"\","
				 "\"verification\":\"\",\"x\":1}"),
			  PF_FROM_CLIENT, NULL),
		 PF_E_BAD_FIELD);
	CHECK_EQ(dec_free(strdup("{\"message_type\":7,\"data\":\"{}\",\"signature\":\"\","
				 "\"verification\":\"\"}"),
			  PF_FROM_CLIENT, NULL),
		 PF_E_BAD_FIELD);
	CHECK_EQ(dec_free(strdup("{\"message_type\":\"HE\\u0000LLO\",\"data\":\"{}\",\"signature\":"
				 "\"\",\"verification\":\"\"}"),
			  PF_FROM_CLIENT, NULL),
		 PF_E_BAD_FIELD);
	/* unsigned types carry empty signature and verification */
	CHECK_EQ(dec_free(envelope("HELLO", "{}", "00", ""), PF_FROM_CLIENT, NULL), PF_E_BAD_FIELD);
	CHECK_EQ(dec_free(envelope("HELLO", "{}", "", TX), PF_FROM_CLIENT, NULL), PF_E_BAD_FIELD);
	CHECK_EQ(dec_free(envelope("HELLO", "{\"version\":1}", "", ""), PF_FROM_CLIENT, NULL),
		 PF_E_BAD_FIELD);
	/* signed types need 128 hex digits */
	CHECK_EQ(dec_free(envelope("QUOTE_REQUEST", "{}", "", ""), PF_FROM_CLIENT, NULL),
		 PF_E_BAD_FIELD);
	CHECK_EQ(dec_free(envelope("QUOTE_REQUEST", "{}", "abc", ""), PF_FROM_CLIENT, NULL),
		 PF_E_BAD_FIELD);
}

/* The refusal text of a QUOTE_REQUEST for ip1, ip2 (raw JSON values). */
static const char *qr_error(const char *ip1, const char *ip2, struct pf_err_msg *e)
{
	char key[80], *data, *frame;
	struct pf_msg *m = malloc(sizeof(*m));

	snprintf(key, sizeof(key), "\"%s\"", key_hex(&client));
	data = qr_data(ip1, ip2, "1", "60", key, "");
	frame = signed_env(&client, "QUOTE_REQUEST", data, "");
	if (dec(frame, PF_FROM_CLIENT, NULL, m, e) == PF_OK)
		pf_err_set(e, PF_OK, "accepted");
	free(m);
	free(frame);
	free(data);
	return e->text;
}

#define QR_IP "QUOTE_REQUEST data: \"ip1\" "

/* A refused address says what is wrong with it; a pair of two families is refused. */
static void test_ip_refusals(void)
{
	struct pf_err_msg e;

	CHECK_STR(qr_error("\"fe80::1%eth0\"", "\"fe80::2\"", &e),
		  QR_IP "'fe80::1%eth0' has a zone index (%...), which only means something on "
			"one host: give the address without it");
	CHECK_EQ(e.code, PF_E_BAD_IP);
	CHECK_STR(qr_error("\"10.0.0.0/24\"", "\"10.0.0.2\"", &e),
		  QR_IP "'10.0.0.0/24' is a prefix: give one host address, without /LENGTH");
	CHECK_STR(qr_error("\"10.0.0.01\"", "\"10.0.0.2\"", &e),
		  QR_IP "'10.0.0.01' has an IPv4 part with a leading zero: write 10.0.0.1, not "
			"010.0.0.1");
	CHECK_STR(qr_error("\"10.0.0.1 \"", "\"10.0.0.2\"", &e),
		  QR_IP "'10.0.0.1 ' contains white space: give the address alone");
	CHECK_STR(qr_error("\"0.0.0.0\"", "\"10.0.0.2\"", &e),
		  QR_IP "'0.0.0.0' is the unspecified address, which names no host");
	CHECK_STR(qr_error("\"10.0.0.x\"", "\"10.0.0.2\"", &e),
		  QR_IP "'10.0.0.x' is not an IPv4 or IPv6 address");
	CHECK_STR(qr_error("\"10.0.0.1\"", "\"2001:db8::2\"", &e),
		  "QUOTE_REQUEST data: \"ip2\" is not of ip1's family: a packet goes between two "
		  "IPv4 or two IPv6 addresses, never one of each, so this pair could never carry "
		  "traffic");
	CHECK_EQ(e.code, PF_E_BAD_IP);
	CHECK_STR(qr_error("\"10.0.0.1\"", "\"::ffff:10.0.0.2\"", &e), "accepted");
}

static void test_quote_request_fields(void)
{
	char key[80];
	const struct pf_keypair *c = &client;

	snprintf(key, sizeof(key), "\"%s\"", key_hex(&client));
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "0", "60", key, ""), PF_OK);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"::ffff:10.0.0.2\"", "0", "60", key, ""), PF_OK);
	CHECK_EQ(
	    try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "0", "60", key, ",\"extends\":\"" RID "\""),
	    PF_OK);
	/* ill-typed or missing */
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "\"0\"", "60", key, ""), PF_E_BAD_FIELD);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "1.0", "60", key, ""), PF_E_BAD_FIELD);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "1e0", "60", key, ""), PF_E_BAD_FIELD);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "-1", "60", key, ""), PF_E_BAD_FIELD);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "null", "60", key, ""), PF_E_BAD_FIELD);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "0", "9007199254740992", key, ""),
		 PF_E_BAD_FIELD);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "0", "99999999999999999999999", key, ""),
		 PF_E_BAD_FIELD);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "0", "true", key, ""), PF_E_BAD_FIELD);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "0", "60", "\"abcd\"", ""),
		 PF_E_BAD_FIELD);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "0", "60", key, ",\"extends\":\"12\""),
		 PF_E_BAD_FIELD);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"10.0.0.2\"", "0", "60", key, ",\"price\":\"0\""),
		 PF_E_BAD_FIELD);
	CHECK_EQ(dec_free(signed_env(c, "QUOTE_REQUEST",
				     "{\"ip1\":\"10.0.0.1\",\"ip2\":\"10.0.0.2\",\"level\":0}", ""),
			  PF_FROM_CLIENT, NULL),
		 PF_E_BAD_FIELD);
	/* addresses */
	CHECK_EQ(try_qr(c, "\"10.0.0.256\"", "\"10.0.0.2\"", "0", "60", key, ""), PF_E_BAD_IP);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"host.example\"", "0", "60", key, ""), PF_E_BAD_IP);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"fe80::1%eth0\"", "0", "60", key, ""), PF_E_BAD_IP);
	CHECK_EQ(try_qr(c, "\"0.0.0.0\"", "\"10.0.0.2\"", "0", "60", key, ""), PF_E_BAD_IP);
	CHECK_EQ(try_qr(c, "\"::\"", "\"10.0.0.2\"", "0", "60", key, ""), PF_E_BAD_IP);
	CHECK_EQ(try_qr(c, "\"::ffff:0.0.0.0\"", "\"10.0.0.2\"", "0", "60", key, ""), PF_E_BAD_IP);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "\"::ffff:10.0.0.1\"", "0", "60", key, ""), PF_E_BAD_IP);
	CHECK_EQ(try_qr(c, "\"10.0.0.1\"", "1", "0", "60", key, ""), PF_E_BAD_FIELD);
	/* signatures: by the named key only */
	CHECK_EQ(try_qr(&other, "\"10.0.0.1\"", "\"10.0.0.2\"", "0", "60", key, ""),
		 PF_E_BAD_SIGNATURE);
}

static char *order_frame(const struct pf_keypair *signer, const char *data_key, const char *payer,
			 const char *tx)
{
	char data[512];

	snprintf(data, sizeof(data), "{\"quote_id\":\"%s\",\"payer\":\"%s\",\"client_key\":\"%s\"}",
		 QID, payer, data_key);
	return signed_env(signer, "ORDER", data, tx);
}

static void test_order_fields_and_signature(void)
{
	struct pf_msg m;
	struct pf_err_msg e;
	char *f;

	CHECK_EQ(dec_free(order_frame(&client, key_hex(&client), PAYER, TX), PF_FROM_CLIENT, NULL),
		 PF_OK);
	/* either case on input, lowercase after decoding */
	f = order_frame(&client, key_hex(&client), "0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266",
			"0xAA11111111111111111111111111111111111111111111111111111111111111");
	CHECK_EQ(dec(f, PF_FROM_CLIENT, NULL, &m, &e), PF_OK);
	CHECK_STR(m.order.payer, PAYER);
	CHECK_STR(m.order.tx_hash,
		  "0xaa11111111111111111111111111111111111111111111111111111111111111");
	free(f);
	CHECK_EQ(
	    dec_free(order_frame(&client, key_hex(&client), "0x1234", TX), PF_FROM_CLIENT, NULL),
	    PF_E_BAD_ADDRESS);
	CHECK_EQ(dec_free(order_frame(&client, key_hex(&client),
				      "f39fd6e51aad88f6f4ce6ab8827279cfffb92266ab", TX),
			  PF_FROM_CLIENT, NULL),
		 PF_E_BAD_ADDRESS);
	CHECK_EQ(
	    dec_free(order_frame(&client, key_hex(&client), PAYER, "0x1234"), PF_FROM_CLIENT, NULL),
	    PF_E_BAD_FIELD);
	CHECK_EQ(dec_free(order_frame(&client, key_hex(&client), PAYER, ""), PF_FROM_CLIENT, NULL),
		 PF_E_BAD_FIELD);
	/* signed by a key other than the one it names */
	CHECK_EQ(dec_free(order_frame(&other, key_hex(&client), PAYER, TX), PF_FROM_CLIENT, NULL),
		 PF_E_BAD_SIGNATURE);
	/* the verification (tx hash) is covered: swapping it breaks the signature */
	f = order_frame(&client, key_hex(&client), PAYER, TX);
	char *swap = strstr(f, TX);

	swap[5] = '2';
	CHECK_EQ(dec_free(f, PF_FROM_CLIENT, NULL), PF_E_BAD_SIGNATURE);
	/* a flipped signature digit */
	f = order_frame(&client, key_hex(&client), PAYER, TX);
	char *sig = strstr(f, "\"signature\":\"") + 13;

	sig[0] = sig[0] == '0' ? '1' : '0';
	CHECK_EQ(dec_free(f, PF_FROM_CLIENT, NULL), PF_E_BAD_SIGNATURE);
}

static void test_broker_signatures(void)
{
	struct pf_msg m = {.type = PF_MSG_MENU}, back;
	struct pf_err_msg e;
	size_t len;
	char *f;

	sample_menu(&m.menu);
	/* a MENU from another broker, against our pinned key */
	f = pf_msg_encode(&m, &other, &len);
	CHECK_EQ(dec(f, PF_FROM_BROKER, broker.pk, &back, &e), PF_E_WRONG_SIGNER);
	CHECK(strstr(e.text, key_hex(&other)) != NULL);
	/* trust on first use: no pinned key, the MENU's own key */
	CHECK_EQ(dec(f, PF_FROM_BROKER, NULL, &back, &e), PF_OK);
	CHECK(!memcmp(back.menu.broker_key, other.pk, 32));
	free(f);
	/* a MENU naming our key but signed by another */
	f = pf_msg_encode(&m, &other, &len);
	char *k = strstr(f, key_hex(&other));

	memcpy(k, key_hex(&broker), 64);
	CHECK_EQ(dec(f, PF_FROM_BROKER, broker.pk, &back, &e), PF_E_BAD_SIGNATURE);
	free(f);
	/* other broker messages verify under the pinned key only */
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_PENDING;
	strcpy(m.pending.quote_id, QID);
	strcpy(m.pending.tx_hash, TX);
	m.pending.required = 1;
	f = pf_msg_encode(&m, &other, &len);
	CHECK_EQ(dec(f, PF_FROM_BROKER, broker.pk, &back, &e), PF_E_BAD_SIGNATURE);
	CHECK_EQ(dec(f, PF_FROM_BROKER, NULL, &back, &e), PF_E_INTERNAL);
	free(f);
	f = pf_msg_encode(&m, &broker, &len);
	CHECK_EQ(dec(f, PF_FROM_BROKER, broker.pk, &back, &e), PF_OK);
	free(f);
}

/* A MENU with these levels, currency and seconds (the rest fixed), signed and decoded. */
static enum pf_err try_menu(const char *levels, const char *currency, int min_s, int max_s)
{
	char data[1024];

	snprintf(data, sizeof(data),
		 "{\"levels\":%s,\"currency\":\"%s\",\"decimals\":18,\"chain_id\":1,"
		 "\"pay_to\":\"%s\",\"broker_key\":\"%s\",\"min_seconds\":%d,\"max_seconds\":%d,"
		 "\"quote_ttl\":5}",
		 levels, currency, PAYTO, key_hex(&broker), min_s, max_s);
	return dec_free(signed_env(&broker, "MENU", data, ""), PF_FROM_BROKER, broker.pk);
}

#define LEVEL0 "{\"rate_bps\":1,\"price_per_second\":\"0\"}"
#define LEVEL1 "[" LEVEL0 ",{\"rate_bps\":1,\"price_per_second\":\"1\"}]"

static void test_broker_field_checks(void)
{
	char data[1024];

	/* MENU */
	CHECK_EQ(try_menu("[]", "ETH", 1, 2), PF_E_BAD_FIELD);
	CHECK_EQ(try_menu("[{\"rate_bps\":1,\"price_per_second\":\"01\"}]", "ETH", 1, 2),
		 PF_E_BAD_FIELD);
	/* level 0 alone sells nothing; a priced level 0 is not the free tier */
	CHECK_EQ(try_menu("[" LEVEL0 "]", "ETH", 1, 2), PF_E_BAD_FIELD);
	CHECK_EQ(try_menu("[{\"rate_bps\":1,\"price_per_second\":\"1\"}," LEVEL0 "]", "ETH", 1, 2),
		 PF_E_BAD_FIELD);
	CHECK_EQ(try_menu(LEVEL1, "ETH", 3, 2), PF_E_BAD_FIELD);
	CHECK_EQ(try_menu(LEVEL1, "ETH", 1, 2), PF_OK);
	CHECK_EQ(try_menu(LEVEL1, "E-H", 1, 2), PF_E_BAD_FIELD);
	/* CONFIRM end before start */
	snprintf(data, sizeof(data),
		 "{\"reservation_id\":\"%s\",\"quote_id\":\"%s\",\"tx_hash\":\"%s\","
		 "\"ip1\":\"10.0.0.1\",\"ip2\":\"10.0.0.2\",\"level\":0,\"rate_bps\":1,"
		 "\"start\":10,\"end\":10}",
		 RID, QID, TX);
	CHECK_EQ(dec_free(signed_env(&broker, "CONFIRM", data, ""), PF_FROM_BROKER, broker.pk),
		 PF_E_BAD_FIELD);
	/* ERROR with a code outside v1 */
	CHECK_EQ(
	    dec_free(signed_env(&broker, "ERROR", "{\"code\":\"teapot\",\"message\":\"x\"}", ""),
		     PF_FROM_BROKER, broker.pk),
	    PF_E_BAD_FIELD);
	CHECK_EQ(
	    dec_free(signed_env(&broker, "ERROR", "{\"code\":\"tx_reused\",\"message\":\"x\"}", ""),
		     PF_FROM_BROKER, broker.pk),
	    PF_OK);
	/* PENDING required >= 1 */
	snprintf(data, sizeof(data),
		 "{\"quote_id\":\"%s\",\"tx_hash\":\"%s\",\"confirmations\":0,\"required\":0}", QID,
		 TX);
	CHECK_EQ(dec_free(signed_env(&broker, "PENDING", data, ""), PF_FROM_BROKER, broker.pk),
		 PF_E_BAD_FIELD);
	/* STATUS: by id or by pair, not both */
	snprintf(data, sizeof(data),
		 "{\"reservation_id\":\"%s\",\"ip1\":\"10.0.0.1\",\"ip2\":\"10.0.0.2\"}", RID);
	CHECK_EQ(dec_free(envelope("STATUS", data, "", ""), PF_FROM_CLIENT, NULL), PF_E_BAD_FIELD);
	CHECK_EQ(
	    dec_free(envelope("STATUS", "{\"ip1\":\"10.0.0.1\"}", "", ""), PF_FROM_CLIENT, NULL),
	    PF_E_BAD_FIELD);
	CHECK_EQ(dec_free(envelope("STATUS", "{}", "", ""), PF_FROM_CLIENT, NULL), PF_E_BAD_FIELD);
}

static void test_encode_rejects_invalid(void)
{
	struct pf_msg m = {.type = PF_MSG_MENU};
	size_t len;

	sample_menu(&m.menu);
	strcpy(m.menu.levels[1].price_per_second, "1.5");
	errno = 0;
	CHECK(pf_msg_encode(&m, &broker, &len) == NULL);
	CHECK_EQ(errno, EINVAL);
	sample_menu(&m.menu);
	m.menu.n_levels = 0;
	CHECK(pf_msg_encode(&m, &broker, &len) == NULL);
	sample_menu(&m.menu);
	CHECK(pf_msg_encode(&m, NULL, &len) == NULL); /* no signer */
	CHECK_EQ(errno, EINVAL);

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_ORDER;
	strcpy(m.order.quote_id, QID);
	strcpy(m.order.payer, PAYER);
	strcpy(m.order.tx_hash, "0x12");
	CHECK(pf_msg_encode(&m, &client, &len) == NULL);
	strcpy(m.order.tx_hash, TX);
	strcpy(m.order.quote_id, "xyz");
	CHECK(pf_msg_encode(&m, &client, &len) == NULL);

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_QUOTE_REQUEST;
	sample_request(&m.quote_request);
	m.quote_request.seconds = PF_INT_MAX + 1;
	CHECK(pf_msg_encode(&m, &client, &len) == NULL);
	sample_request(&m.quote_request);
	memcpy(m.quote_request.ip2, m.quote_request.ip1, 16);
	CHECK(pf_msg_encode(&m, &client, &len) == NULL);

	m.type = PF_MSG__COUNT;
	CHECK(pf_msg_encode(&m, &client, &len) == NULL);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_ERROR;
	m.error.code = PF_OK;
	CHECK(pf_msg_encode(&m, &broker, &len) == NULL);
}

static void test_error_frame(void)
{
	struct pf_err_msg e = {.code = PF_E_UNKNOWN_QUOTE}, got;
	struct pf_msg back;
	size_t len;
	char *f;

	e.text[0] = '\0';
	f = pf_msg_encode_error(&e, &broker, &len);
	CHECK_EQ(dec(f, PF_FROM_BROKER, broker.pk, &back, &got), PF_OK);
	CHECK_EQ(back.error.code, PF_E_UNKNOWN_QUOTE);
	CHECK_STR(back.error.text, "no such quote");
	free(f);
	/* a raw text with a newline is cleaned on the way out */
	e.code = PF_E_INTERNAL;
	strcpy(e.text, "line one\nline two");
	f = pf_msg_encode_error(&e, &broker, &len);
	CHECK_EQ(dec(f, PF_FROM_BROKER, broker.pk, &back, &got), PF_OK);
	CHECK_STR(back.error.text, "line one?line two");
	free(f);
	/* and a received ERROR must be printable ASCII */
	CHECK_EQ(dec_free(signed_env(&broker, "ERROR",
				     "{\"code\":\"internal_error\",\"message\":\"a\\u00e9\"}", ""),
			  PF_FROM_BROKER, broker.pk),
		 PF_E_BAD_FIELD);
	/* texts are made printable ASCII, whatever they quote */
	pf_err_set(&e, PF_E_BAD_FIELD, "unknown member \"%s\"", "a\nb\xc3\xa9");
	CHECK_STR(e.text, "unknown member \"a?b??\"");
}

static void test_error_table(void)
{
	for (int c = PF_OK + 1; c < PF_E__COUNT; c++) {
		const char *name = pf_err_name((enum pf_err)c);

		CHECK(name != NULL && name[0]);
		CHECK(pf_err_default_text((enum pf_err)c)[0] != '\0');
		CHECK_EQ(pf_err_from_name(name), c);
		for (int d = PF_OK + 1; d < c; d++)
			CHECK(strcmp(name, pf_err_name((enum pf_err)d)));
	}
	CHECK(pf_err_name(PF_OK) == NULL);
	CHECK(pf_err_name(PF_E__COUNT) == NULL);
	CHECK_EQ(pf_err_from_name("nonsense"), PF_OK);
	CHECK_STR(pf_err_name(PF_E_INTERNAL), "internal_error");
}

static void test_quote_rules(void)
{
	struct pf_menu menu;
	struct pf_quote_request req;
	struct pf_quote q;
	struct pf_err_msg e;

	sample_menu(&menu);
	sample_request(&req);
	req.level = 3;
	CHECK_EQ(pf_check_quote_request(&menu, &req, &e), PF_E_LEVEL_OUT_OF_RANGE);
	CHECK_STR(e.text, "level 3 does not exist: the menu has levels 0..2");
	req.level = 0;
	CHECK_EQ(pf_check_quote_request(&menu, &req, &e), PF_E_LEVEL_OUT_OF_RANGE);
	CHECK_STR(e.text, "level 0 is free best effort and is not sold: buy level 1..2");
	req.level = 2;
	req.seconds = 0;
	CHECK_EQ(pf_check_quote_request(&menu, &req, &e), PF_E_SECONDS_OUT_OF_RANGE);
	req.seconds = 86401;
	CHECK_EQ(pf_check_quote_request(&menu, &req, &e), PF_E_SECONDS_OUT_OF_RANGE);
	req.seconds = 86400;
	CHECK_EQ(pf_quote_build(&menu, &req, 1000, &q, &e), PF_OK);
	CHECK_STR(q.amount, "1728000000000000000000000"); /* 2e19 x 86400 */
	CHECK_EQ(strlen(q.quote_id), 32);
	CHECK_EQ(pf_quote_matches(&menu, &req, &q, &e), PF_OK);
	strcpy(q.amount, "1728000000000000000000001");
	CHECK_EQ(pf_quote_matches(&menu, &req, &q, &e), PF_E_BAD_FIELD);
	pf_quote_build(&menu, &req, 1000, &q, &e);
	q.seconds = 1;
	CHECK_EQ(pf_quote_matches(&menu, &req, &q, &e), PF_E_BAD_FIELD);
	pf_quote_build(&menu, &req, 1000, &q, &e);
	q.pay_to[5] = 'f';
	CHECK_EQ(pf_quote_matches(&menu, &req, &q, &e), PF_E_BAD_FIELD);
}

static void test_quote_id_in_input(void)
{
	CHECK_EQ(pf_quote_id_in_input("0x" QID, QID), 1);
	CHECK_EQ(pf_quote_id_in_input("0x00112233445566778899AABBCCDDEEFF", QID), 1);
	CHECK_EQ(pf_quote_id_in_input("0xabcd" QID "ef", QID), 1);
	/* only at byte offsets */
	CHECK_EQ(pf_quote_id_in_input("0xa" QID "f", QID), 0);
	CHECK_EQ(pf_quote_id_in_input("0x", QID), 0);
	CHECK_EQ(pf_quote_id_in_input("0x00112233445566778899aabbccddee", QID), 0);
	CHECK_EQ(pf_quote_id_in_input("0x" RID, QID), 0);
	CHECK_EQ(pf_quote_id_in_input(QID, QID), -1);
	CHECK_EQ(pf_quote_id_in_input("0x0" QID, QID), -1);
	CHECK_EQ(pf_quote_id_in_input("0xzz", QID), -1);
	CHECK_EQ(pf_quote_id_in_input("0x" QID, "1234"), -1);
	CHECK_EQ(pf_quote_id_in_input(NULL, QID), -1);
	CHECK_EQ(pf_quote_id_in_input("0x" QID, NULL), -1);
}

/* What a payer sends, and which ids the rule accepts. */
static void test_quote_input(void)
{
	char buf[PF_QUOTE_INPUT_HEX_LEN + 1];

	CHECK_EQ(pf_quote_input_hex(QID, buf, sizeof(buf)), PF_QUOTE_INPUT_HEX_LEN);
	CHECK_STR(buf, "0x" QID);
	CHECK_EQ(pf_quote_id_in_input(buf, QID), 1);
	CHECK_EQ(pf_quote_input_hex(QID, buf, sizeof(buf) - 1), -ENOSPC);
	CHECK_STR(buf, "");
	/* Ids are hex of either case on input; the payer writes lowercase. */
	CHECK_EQ(pf_quote_input_hex("00112233445566778899AABBCCDDEEFF", buf, sizeof(buf)),
		 PF_QUOTE_INPUT_HEX_LEN);
	CHECK_STR(buf, "0x" QID);
	CHECK_EQ(pf_quote_input_hex("00112233445566778899aabbccddeefg", buf, sizeof(buf)), -EINVAL);
	CHECK_EQ(pf_quote_input_hex(NULL, buf, sizeof(buf)), -EINVAL);
	CHECK(pf_quote_id_valid(QID));
	CHECK(pf_quote_id_valid("00112233445566778899AABBCCDDEEFF"));
	CHECK(!pf_quote_id_valid("00112233445566778899aabbccddeef"));	/* 31 */
	CHECK(!pf_quote_id_valid("00112233445566778899aabbccddeeff0")); /* 33 */
	CHECK(!pf_quote_id_valid("00112233445566778899aabbccddeefg"));
	CHECK(!pf_quote_id_valid(""));
	CHECK(!pf_quote_id_valid(NULL));
}

/* The wire's IP text is addr.h's (unspecified ones: test_quote_request_fields). */
static void test_ip_text(void)
{
	pf_ip_t ip;
	char buf[PF_ADDR_STRLEN];

	CHECK_EQ(pf_addr_parse("192.0.2.1", ip), 0);
	CHECK_STR(pf_addr_format(ip, buf, sizeof(buf)), "192.0.2.1");
	CHECK_EQ(ip[10], 0xff);
	CHECK_EQ(pf_addr_parse("::ffff:192.0.2.1", ip), 0);
	CHECK_STR(pf_addr_format(ip, buf, sizeof(buf)), "192.0.2.1");
	CHECK_EQ(pf_addr_parse("2001:DB8:0:0:0:0:0:1", ip), 0);
	CHECK_STR(pf_addr_format(ip, buf, sizeof(buf)), "2001:db8::1");
	CHECK_EQ(pf_addr_parse("::1", ip), 0);
	CHECK_EQ(pf_addr_parse(" 10.0.0.1", ip), -EINVAL);
	CHECK_EQ(pf_addr_parse("10.0.0.1/24", ip), -EINVAL);
	CHECK_EQ(pf_addr_parse("", ip), -EINVAL);
}

/* Frames from a reader go straight into the decoder. */
static void test_reader_to_decoder(void)
{
	struct pf_frame_reader *r = malloc(sizeof(*r));
	struct pf_msg m = {.type = PF_MSG_HELLO}, back;
	struct pf_err_msg e;
	const char *f;
	size_t len, flen;
	char *frame = pf_msg_encode(&m, NULL, &len);
	int got = 0;

	pf_frame_reader_init(r);
	for (int rep = 0; rep < 3; rep++)
		for (size_t i = 0; i < len; i += 7) {
			pf_frame_feed(r, frame + i, len - i < 7 ? len - i : 7);
			while (pf_frame_next(r, &f, &flen) == PF_FRAME_READY) {
				CHECK_EQ(pf_msg_decode(f, flen, PF_FROM_CLIENT, NULL, &back, &e),
					 PF_OK);
				CHECK_EQ(back.type, PF_MSG_HELLO);
				got++;
			}
		}
	CHECK_EQ(got, 3);
	CHECK_STR(frame, "{\"message_type\":\"HELLO\",\"data\":\"{}\",\"signature\":\"\","
			 "\"verification\":\"\"}\n");
	free(frame);
	free(r);
}

/* One way: the flag travels in QUOTE_REQUEST, QUOTE, CONFIRM and STATUS_REPLY
 * only when true (a v1 peer never sees it), the MENU carries one-way prices
 * only when the HELLO asked, and the quote is priced by them. */
static void test_one_way(void)
{
	struct pf_msg m = {.type = PF_MSG_QUOTE_REQUEST}, *back;
	struct pf_quote_request req;
	struct pf_err_msg e;
	struct pf_quote q;
	size_t len;
	char *frame;

	sample_request(&m.quote_request);
	frame = pf_msg_encode(&m, &client, &len);
	CHECK(frame && !strstr(frame, "one_way")); /* v1 bytes when false */
	free(frame);
	m.quote_request.one_way = true;
	frame = pf_msg_encode(&m, &client, &len);
	CHECK(frame && strstr(frame, "\\\"one_way\\\":true"));
	free(frame);
	back = roundtrip(&m, &client);
	CHECK(back->quote_request.one_way);
	free(back);

	m = (struct pf_msg){.type = PF_MSG_MENU};
	sample_menu(&m.menu);
	strcpy(m.menu.levels[1].price_per_second_one_way, "3000000000000");
	frame = pf_msg_encode(&m, &broker, &len);
	CHECK(frame && !strstr(frame, "price_per_second_one_way")); /* a v1 HELLO's MENU */
	free(frame);
	m.menu.one_way = true;
	back = roundtrip(&m, &broker);
	CHECK_STR(back->menu.levels[1].price_per_second_one_way, "3000000000000");
	CHECK_STR(back->menu.levels[2].price_per_second_one_way, ""); /* not sold one way */
	free(back);
	CHECK_EQ(dec_free(envelope("HELLO", "{\"one_way\":true}", "", ""), PF_FROM_CLIENT, NULL),
		 PF_OK);
	CHECK_EQ(dec_free(envelope("HELLO", "{\"one_way\":1}", "", ""), PF_FROM_CLIENT, NULL),
		 PF_E_BAD_FIELD);

	sample_request(&req);
	req.one_way = true;
	req.level = 2; /* no one-way price */
	CHECK_EQ(pf_check_quote_request(&m.menu, &req, &e), PF_E_LEVEL_OUT_OF_RANGE);
	CHECK_STR(e.text, "level 2 is not sold one way: buy it both ways, or a level with a "
			  "one-way price");
	req.level = 1;
	CHECK_EQ(pf_quote_build(&m.menu, &req, 1000, &q, &e), PF_OK);
	CHECK(q.one_way);
	CHECK_STR(q.amount, "360000000000000"); /* 3e12 x 120, not 5e12 x 120 */
	CHECK_EQ(pf_quote_matches(&m.menu, &req, &q, &e), PF_OK);
	q.one_way = false;
	CHECK_EQ(pf_quote_matches(&m.menu, &req, &q, &e), PF_E_BAD_FIELD);
	CHECK_STR(e.text, "QUOTE: one_way differs from the request or menu");

	m = (struct pf_msg){.type = PF_MSG_CONFIRM};
	sample_confirm(&m.confirm);
	m.confirm.one_way = true;
	back = roundtrip(&m, &broker);
	CHECK(back->confirm.one_way);
	free(back);
}

/* An upgrade's quote: the levels' difference x the seconds the broker counts. */
static void test_upgrade_quote(void)
{
	struct pf_msg m = {.type = PF_MSG_QUOTE}, *back;
	struct pf_quote_request req;
	struct pf_menu menu;
	struct pf_err_msg e;
	char key[80];

	sample_menu(&menu);
	sample_request(&req);
	req.level = 2;
	req.seconds = 0;
	strcpy(req.upgrades, RID);
	CHECK_EQ(pf_quote_build_for(&menu, &req, 1, 37, 1000, &m.quote, &e), PF_OK);
	/* (2e19 - 5e12) x 37 */
	CHECK_STR(m.quote.price_per_second, "19999995000000000000");
	CHECK_STR(m.quote.amount, "739999815000000000000");
	CHECK_EQ(m.quote.from_level, 1);
	CHECK_EQ(m.quote.seconds, 37);
	CHECK_STR(m.quote.upgrades, RID);
	CHECK_EQ(pf_quote_matches(&menu, &req, &m.quote, &e), PF_OK);
	back = roundtrip(&m, &broker);
	CHECK_STR(back->quote.upgrades, RID);
	CHECK_EQ(back->quote.from_level, 1);
	CHECK_STR(back->quote.price_per_second, "19999995000000000000");
	free(back);
	strcpy(m.quote.amount, "739999815000000000001");
	CHECK_EQ(pf_quote_matches(&menu, &req, &m.quote, &e), PF_E_BAD_FIELD);
	CHECK_EQ(pf_quote_build_for(&menu, &req, 2, 37, 1000, &m.quote, &e),
		 PF_E_LOWER_OR_SAME_LEVEL);
	req.level = 1;
	CHECK_EQ(pf_quote_build_for(&menu, &req, 2, 37, 1000, &m.quote, &e),
		 PF_E_LOWER_OR_SAME_LEVEL);
	strcpy(menu.levels[2].price_per_second, "5000000000000"); /* not dearer */
	req.level = 2;
	CHECK_EQ(pf_quote_build_for(&menu, &req, 1, 37, 1000, &m.quote, &e), PF_E_NOT_UPGRADABLE);
	/* The wire: seconds 0 with upgrades, never with extends; from_level only with upgrades. */
	snprintf(key, sizeof(key), "\"%s\"", key_hex(&client));
	CHECK_EQ(try_qr(&client, "\"10.0.0.1\"", "\"10.0.0.2\"", "2", "0", key,
			",\"upgrades\":\"" RID "\""),
		 PF_OK);
	CHECK_EQ(try_qr(&client, "\"10.0.0.1\"", "\"10.0.0.2\"", "2", "60", key,
			",\"upgrades\":\"" RID "\""),
		 PF_E_BAD_FIELD);
	CHECK_EQ(try_qr(&client, "\"10.0.0.1\"", "\"10.0.0.2\"", "2", "0", key,
			",\"upgrades\":\"" RID "\",\"extends\":\"" RID "\""),
		 PF_E_BAD_FIELD);
}

/* Demand-priced levels: the MENU carries price_base..price_max, and a client
 * accepts a quote whose price per second lies within, amount = price x seconds. */
static void test_demand_quote(void)
{
	struct pf_msg m = {.type = PF_MSG_MENU}, *back;
	struct pf_quote_request req;
	struct pf_err_msg e;
	struct pf_quote q;

	sample_menu(&m.menu);
	strcpy(m.menu.levels[1].price_base, "5000000000000");
	strcpy(m.menu.levels[1].price_max, "15000000000000");
	strcpy(m.menu.levels[1].price_per_second, "6000000000000");
	m.menu.utilisation_ppm = 250000;
	back = roundtrip(&m, &broker);
	CHECK_STR(back->menu.levels[1].price_base, "5000000000000");
	CHECK_STR(back->menu.levels[1].price_max, "15000000000000");
	CHECK_STR(back->menu.levels[2].price_base, "");
	CHECK_EQ(back->menu.utilisation_ppm, 250000);
	free(back);
	sample_request(&req);
	req.level = 1;
	req.seconds = 10;
	CHECK_EQ(pf_quote_build(&m.menu, &req, 1000, &q, &e), PF_OK);
	strcpy(q.price_per_second, "9000000000000"); /* another u than the MENU's */
	strcpy(q.amount, "90000000000000");
	CHECK_EQ(pf_quote_matches(&m.menu, &req, &q, &e), PF_OK);
	strcpy(q.amount, "90000000000001");
	CHECK_EQ(pf_quote_matches(&m.menu, &req, &q, &e), PF_E_BAD_FIELD);
	strcpy(q.price_per_second, "15000000000001"); /* above price_max */
	strcpy(q.amount, "150000000000010");
	CHECK_EQ(pf_quote_matches(&m.menu, &req, &q, &e), PF_E_BAD_FIELD);
	strcpy(q.price_per_second, "4999999999999"); /* below price_base */
	strcpy(q.amount, "49999999999990");
	CHECK_EQ(pf_quote_matches(&m.menu, &req, &q, &e), PF_E_BAD_FIELD);
	q.price_per_second[0] = 0; /* a demand price must be named */
	CHECK_EQ(pf_quote_matches(&m.menu, &req, &q, &e), PF_E_BAD_FIELD);
}

int main(void)
{
	keys_init();
	RUN(test_roundtrip_client_messages);
	RUN(test_roundtrip_broker_messages);
	RUN(test_signature_exact_bytes);
	RUN(test_malformed_json);
	RUN(test_oversize);
	RUN(test_envelope_errors);
	RUN(test_quote_request_fields);
	RUN(test_order_fields_and_signature);
	RUN(test_broker_signatures);
	RUN(test_broker_field_checks);
	RUN(test_encode_rejects_invalid);
	RUN(test_error_frame);
	RUN(test_error_table);
	RUN(test_quote_rules);
	RUN(test_quote_id_in_input);
	RUN(test_quote_input);
	RUN(test_ip_text);
	RUN(test_ip_refusals);
	RUN(test_reader_to_decoder);
	RUN(test_one_way);
	RUN(test_balance_messages);
	RUN(test_upgrade_quote);
	RUN(test_demand_quote);
	return unit_done();
}
