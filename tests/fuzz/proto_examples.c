// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Prints the example exchange of docs/PROTOCOL.md: real frames, signed with
 * fixed example keys (seeds 32 x 0x11 for the broker, 32 x 0x22 for the
 * client), so the output is the same on every run. With a directory
 * argument it also writes each frame there (the fuzzer's seed corpus).
 *
 *   build/proto_examples [DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/addr.h"
#include "userspace/common/hex.h"
#include "broker/proto/messages.h"

#define QUOTE_ID  "6b1f4a3c9d2e8f7061524334a5b6c7d8"
#define QUOTE_ID2 "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define RESV_ID	  "c0ffee00112233445566778899aabbcc"
#define QUOTE_ID3 "1a2b3c4d5e6f708192a3b4c5d6e7f809"
#define RESV_ID2  "0e0e0e0e112233445566778899aabbcc"
#define TX_HASH2  "0x1b2c3d4e5f60718293a4b5c6d7e8f9000112233445566778899aabbccddeeff0"
#define TX_HASH	  "0x8f3a2b1c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"
#define PAY_TO	  "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
#define PAYER	  "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
#define T0	  1767225600ULL /* 2026-01-01 00:00:00 UTC */
#define DEP_TX	  "0x5d0e7a9c1b3f2e4d6c8a0b1d3f5e7c9a2b4d6f8e0a1c3e5b7d9f1a3c5e7b9d0f"
#define QUOTE_ID4 "9a8b7c6d5e4f30211203f4e5d6c7b8a9"
#define RESV_ID3  "d00dfeed00112233445566778899aabb"

static struct pf_keypair broker, client;
static const char *outdir;
static int counter;

static void emit(const char *who, const struct pf_msg *m, const struct pf_keypair *signer)
{
	size_t len;
	char *frame = pf_msg_encode(m, signer, &len);

	if (!frame) {
		perror(pf_msg_type_name(m->type));
		exit(1);
	}
	printf("%s %s", who, frame);
	if (outdir) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%02d-%s.frame", outdir, ++counter,
			 pf_msg_type_name(m->type));
		f = fopen(path, "w");
		if (!f || fwrite(frame, 1, len, f) != len || fclose(f)) {
			perror(path);
			exit(1);
		}
	}
	free(frame);
}

static void menu(struct pf_menu *m)
{
	static const struct pf_level levels[] = {
	    {10000000, "0", "", "", ""}, /* level 0: free best effort, not sold */
	    {50000000, "5000000000000", "3000000000000", "", ""},
	    {150000000, "20000000000000", "", "", ""}, /* not sold one way, fixed prices */
	};

	memset(m, 0, sizeof(*m));
	m->n_levels = 3;
	memcpy(m->levels, levels, sizeof(levels));
	strcpy(m->currency, "ETH");
	m->decimals = 18;
	m->chain_id = 31337;
	strcpy(m->pay_to, PAY_TO);
	m->min_seconds = 10;
	m->max_seconds = 86400;
	m->quote_ttl = 120;
}

static void pair(pf_ip_t ip1, pf_ip_t ip2)
{
	pf_addr_parse("10.0.0.1", ip1);
	pf_addr_parse("10.0.0.2", ip2);
}

static void quote(struct pf_quote *q, const char *id, uint64_t seconds, const char *amount,
		  uint64_t expires, const char *extends)
{
	strcpy(q->quote_id, id);
	pair(q->ip1, q->ip2);
	q->level = 1;
	q->rate_bps = 50000000;
	q->seconds = seconds;
	strcpy(q->amount, amount);
	q->chain_id = 31337;
	strcpy(q->pay_to, PAY_TO);
	memcpy(q->client_key, client.pk, 32);
	q->expires_at = expires;
	strcpy(q->extends, extends);
}

/* HELLO and the MENU it gets; one_way: with the one-way prices. */
static void hello_menu(bool one_way)
{
	struct pf_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_HELLO;
	m.hello.one_way = one_way;
	emit("C:", &m, NULL);
	m.type = PF_MSG_MENU;
	menu(&m.menu);
	m.menu.one_way = one_way;
	emit("B:", &m, &broker);
}

/* A QUOTE_REQUEST for level 1 and its QUOTE. */
static void quote_exchange(const char *id, uint64_t seconds, const char *amount, uint64_t expires,
			   const char *extends, bool one_way)
{
	struct pf_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_QUOTE_REQUEST;
	pair(m.quote_request.ip1, m.quote_request.ip2);
	m.quote_request.level = 1;
	m.quote_request.seconds = seconds;
	strcpy(m.quote_request.extends, extends);
	m.quote_request.one_way = one_way;
	emit("C:", &m, &client);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_QUOTE;
	quote(&m.quote, id, seconds, amount, expires, extends);
	m.quote.one_way = one_way;
	emit("B:", &m, &broker);
}

/* The CONFIRM of a 60 s level 1 reservation. */
static void confirm(const char *rid, const char *qid, const char *tx, bool one_way)
{
	struct pf_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_CONFIRM;
	strcpy(m.confirm.reservation_id, rid);
	strcpy(m.confirm.quote_id, qid);
	strcpy(m.confirm.tx_hash, tx);
	pair(m.confirm.ip1, m.confirm.ip2);
	m.confirm.level = 1;
	m.confirm.rate_bps = 50000000;
	m.confirm.start = T0 + 15;
	m.confirm.end = T0 + 75;
	m.confirm.one_way = one_way;
	emit("B:", &m, &broker);
}

/* A deposit (pending, then credited), a BALANCE, and an ORDER from the balance. */
static void balance_examples(void)
{
	struct pf_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_DEPOSIT;
	strcpy(m.deposit.payer, PAYER);
	strcpy(m.deposit.tx_hash, DEP_TX);
	emit("C:", &m, &client);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_PENDING;
	strcpy(m.pending.tx_hash, DEP_TX);
	m.pending.required = 1;
	emit("B:", &m, &broker);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_BALANCE_REPLY;
	memcpy(m.balance_reply.client_key, client.pk, 32);
	strcpy(m.balance_reply.balance, "1000000000000000");
	strcpy(m.balance_reply.credited, "1000000000000000");
	strcpy(m.balance_reply.tx_hash, DEP_TX);
	emit("B:", &m, &broker);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_BALANCE;
	emit("C:", &m, &client);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_BALANCE_REPLY;
	memcpy(m.balance_reply.client_key, client.pk, 32);
	strcpy(m.balance_reply.balance, "1000000000000000");
	strcpy(m.balance_reply.credited, "0");
	emit("B:", &m, &broker);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_ORDER;
	strcpy(m.order.quote_id, QUOTE_ID4);
	m.order.from_balance = true;
	emit("C:", &m, &client);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_CONFIRM;
	strcpy(m.confirm.reservation_id, RESV_ID3);
	strcpy(m.confirm.quote_id, QUOTE_ID4);
	pf_addr_parse("10.0.0.1", m.confirm.ip1);
	pf_addr_parse("10.0.0.3", m.confirm.ip2);
	m.confirm.level = 1;
	m.confirm.rate_bps = 50000000;
	m.confirm.start = T0 + 200;
	m.confirm.end = T0 + 215;
	emit("B:", &m, &broker);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_CANCEL;
	strcpy(m.cancel.reservation_id, RESV_ID3);
	emit("C:", &m, &client);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_BALANCE_REPLY;
	memcpy(m.balance_reply.client_key, client.pk, 32);
	strcpy(m.balance_reply.balance, "975000000000000");
	strcpy(m.balance_reply.credited, "50000000000000");
	emit("B:", &m, &broker);
}

int main(int argc, char **argv)
{
	uint8_t seed[32];
	struct pf_msg m;
	char hex[65];

	outdir = argc > 1 ? argv[1] : NULL;
	memset(seed, 0x11, 32);
	pf_keypair_from_seed(&broker, seed);
	memset(seed, 0x22, 32);
	pf_keypair_from_seed(&client, seed);
	pf_hex_encode(broker.pk, 32, hex);
	printf("# broker key %s\n", hex);
	pf_hex_encode(client.pk, 32, hex);
	printf("# client key %s\n", hex);

	hello_menu(false);
	quote_exchange(QUOTE_ID, 60, "300000000000000", T0 + 120, "", false);

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_ORDER;
	strcpy(m.order.quote_id, QUOTE_ID);
	strcpy(m.order.payer, PAYER);
	strcpy(m.order.tx_hash, TX_HASH);
	emit("C:", &m, &client);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_PENDING;
	strcpy(m.pending.quote_id, QUOTE_ID);
	strcpy(m.pending.tx_hash, TX_HASH);
	m.pending.confirmations = 0;
	m.pending.required = 1;
	emit("B:", &m, &broker);

	confirm(RESV_ID, QUOTE_ID, TX_HASH, false);

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_STATUS;
	strcpy(m.status.reservation_id, RESV_ID);
	emit("C:", &m, NULL);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_STATUS_REPLY;
	strcpy(m.status_reply.reservation_id, RESV_ID);
	pair(m.status_reply.ip1, m.status_reply.ip2);
	m.status_reply.level = 1;
	m.status_reply.rate_bps = 50000000;
	m.status_reply.start = T0 + 15;
	m.status_reply.end = T0 + 75;
	m.status_reply.now = T0 + 45;
	m.status_reply.active = true;
	m.status_reply.bytes = 187500000;
	m.status_reply.packets = 125000;
	emit("B:", &m, &broker);

	quote_exchange(QUOTE_ID2, 30, "150000000000000", T0 + 170, RESV_ID, false);

	balance_examples();

	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_STATUS;
	pf_addr_parse("2001:db8::7", m.status.ip1);
	pf_addr_parse("2001:db8::8", m.status.ip2);
	emit("C:", &m, NULL);
	memset(&m, 0, sizeof(m));
	m.type = PF_MSG_ERROR;
	pf_err_set(&m.error, PF_E_PAIR_NOT_OWNED,
		   "you speak from 10.0.0.1, which is in neither 2001:db8::7 nor 2001:db8::8");
	emit("B:", &m, &broker);

	/* One way (10.0.0.1 -> 10.0.0.2 only): the HELLO asks for the one-way
	 * prices, the quote is priced by level 1's (3 x 10^12 wei/s). */
	hello_menu(true);
	quote_exchange(QUOTE_ID3, 60, "180000000000000", T0 + 120, "", true);
	confirm(RESV_ID2, QUOTE_ID3, TX_HASH2, true);
	return 0;
}
