/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The REQUEST channel's messages as C structs, and their codec: decode one
 * frame into a checked, signature-verified struct, or encode a struct into a
 * signed frame. docs/PROTOCOL.md is the normative description; the field
 * names below are the wire names.
 *
 * Envelope: {"message_type":T,"data":D,"signature":S,"verification":V}
 * where D is a string holding the JSON text of the payload object and S is
 * the hex ed25519 signature over "payflow/v1/" T "\n" D "\n" V (sign.h).
 */
#ifndef PF_MESSAGES_H
#define PF_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "broker/eth/amount.h"
#include "broker/proto/errors.h"
#include "broker/proto/sign.h"

#define PF_ID_BYTES	16
#define PF_ID_HEX	(2 * PF_ID_BYTES) /* quote and reservation ids */
#define PF_ADDRESS_LEN	42		  /* "0x" and 40 hex digits */
#define PF_TX_HASH_LEN	66		  /* "0x" and 64 hex digits */
#define PF_MAX_LEVELS	16
#define PF_CURRENCY_MAX 16		    /* letters and digits */
#define PF_INT_MAX	9007199254740991ULL /* 2^53 - 1: every JSON integer is at most this */

enum pf_msg_type {
	PF_MSG_NONE = 0,
	/* client -> broker */
	PF_MSG_HELLO,
	PF_MSG_QUOTE_REQUEST,
	PF_MSG_ORDER,
	PF_MSG_STATUS,
	PF_MSG_DEPOSIT,
	PF_MSG_BALANCE,
	PF_MSG_CANCEL,
	PF_MSG_WITHDRAW,
	/* broker -> client */
	PF_MSG_MENU,
	PF_MSG_QUOTE,
	PF_MSG_CONFIRM,
	PF_MSG_PENDING,
	PF_MSG_STATUS_REPLY,
	PF_MSG_ERROR,
	PF_MSG_BALANCE_REPLY,
	PF_MSG__COUNT
};

/* Who sent a frame; decides which message types are acceptable. */
enum pf_side {
	PF_FROM_CLIENT,
	PF_FROM_BROKER,
};

/*
 * IP addresses are 16 bytes, IPv4 as ::ffff:a.b.c.d (the data plane's form).
 * addr.h reads and writes their text: pf_addr_parse(), pf_addr_format().
 */
typedef uint8_t pf_ip_t[16];

struct pf_level {
	uint64_t rate_bps;		      /* guaranteed rate, bit/s */
	char price_per_second[PF_AMOUNT_MAX]; /* smallest unit, decimal */
	/* One way (ip1 -> ip2 only); "" when the level is not sold one way. */
	char price_per_second_one_way[PF_AMOUNT_MAX];
	/* A price that follows demand (both ways): price_per_second is the price now
	 * for the busiest link, a quote's lies in [price_base, price_max]; "" = fixed. */
	char price_base[PF_AMOUNT_MAX];
	char price_max[PF_AMOUNT_MAX];
};

/* HELLO: one_way asks for the MENU's one-way prices (a v1 client sends {}). */
struct pf_hello {
	bool one_way;
};

struct pf_menu {
	unsigned int n_levels; /* 2..PF_MAX_LEVELS; level i is levels[i]; 0 is free, not sold */
	struct pf_level levels[PF_MAX_LEVELS];
	char currency[PF_CURRENCY_MAX + 1]; /* "ETH" */
	uint64_t decimals; /* 18: smallest units per whole unit, as a power of 10 */
	uint64_t chain_id;
	char pay_to[PF_ADDRESS_LEN + 1];     /* lowercase */
	uint8_t broker_key[PF_PUBKEY_BYTES]; /* encode: taken from the signer */
	uint64_t min_seconds, max_seconds;   /* 1 <= min <= max */
	uint64_t quote_ttl;		     /* seconds a quote stays valid, >= 1 */
	bool one_way; /* encode the levels' one-way prices (the HELLO asked) */
	/* With a level priced by demand: the busiest link's reserved fraction, in
	 * millionths, that the levels' price_per_second are for. */
	uint64_t utilisation_ppm;
};

struct pf_quote_request {
	pf_ip_t ip1, ip2; /* different, not unspecified */
	uint64_t level;
	uint64_t seconds;
	uint8_t client_key[PF_PUBKEY_BYTES]; /* encode: taken from the signer */
	char extends[PF_ID_HEX + 1];	     /* reservation id, or "" */
	bool one_way;			     /* ip1 -> ip2 only; the wire omits false */
	/* Reservation id to raise to level for the rest of its time, or "";
	 * seconds is then 0 (the broker counts what is left). */
	char upgrades[PF_ID_HEX + 1];
};

struct pf_quote {
	char quote_id[PF_ID_HEX + 1];
	pf_ip_t ip1, ip2;
	uint64_t level;
	uint64_t rate_bps;
	uint64_t seconds;
	char amount[PF_AMOUNT_MAX]; /* price_per_second x seconds */
	/* What a second costs (an upgrade: the levels' difference); "" when absent (older brokers)
	 */
	char price_per_second[PF_AMOUNT_MAX];
	uint64_t chain_id;
	char pay_to[PF_ADDRESS_LEN + 1];
	uint8_t client_key[PF_PUBKEY_BYTES];
	uint64_t expires_at; /* unix seconds */
	char extends[PF_ID_HEX + 1];
	bool one_way;
	char upgrades[PF_ID_HEX + 1]; /* the upgraded reservation, or "" */
	uint64_t from_level;	      /* an upgrade: the level it raises (amount: the difference) */
};

struct pf_order {
	char quote_id[PF_ID_HEX + 1];
	char payer[PF_ADDRESS_LEN + 1];	     /* lowercase; "" when from_balance */
	uint8_t client_key[PF_PUBKEY_BYTES]; /* encode: taken from the signer */
	char tx_hash[PF_TX_HASH_LEN + 1];    /* the envelope's verification, lowercase */
	bool from_balance;		     /* paid from the key's balance: tx_hash "" */
};

/* A deposit to the key's balance: tx_hash paid pay_to with the deposit input. */
struct pf_deposit {
	char payer[PF_ADDRESS_LEN + 1];	     /* lowercase */
	uint8_t client_key[PF_PUBKEY_BYTES]; /* encode: taken from the signer */
	char tx_hash[PF_TX_HASH_LEN + 1];    /* the envelope's verification, lowercase */
};

/* BALANCE: what the signer's key holds (signed, so only its owner asks). */
struct pf_balance_request {
	uint8_t client_key[PF_PUBKEY_BYTES]; /* encode: taken from the signer */
};

/* CANCEL: end a reservation the signer paid for now; the unused part is refunded. */
struct pf_cancel {
	char reservation_id[PF_ID_HEX + 1];
	uint8_t client_key[PF_PUBKEY_BYTES]; /* encode: taken from the signer */
};

/* WITHDRAW: send amount of the signer's balance back on-chain to its last depositor.
 * withdrawal_id (the client's choice) makes it idempotent. */
struct pf_withdraw {
	char withdrawal_id[PF_ID_HEX + 1];
	char amount[PF_AMOUNT_MAX];	     /* >= 1 */
	uint8_t client_key[PF_PUBKEY_BYTES]; /* encode: taken from the signer */
};

struct pf_balance_reply {
	uint8_t client_key[PF_PUBKEY_BYTES];
	char balance[PF_AMOUNT_MAX];	  /* smallest units, decimal */
	char credited[PF_AMOUNT_MAX];	  /* what the DEPOSIT answered credited; "0" */
	char tx_hash[PF_TX_HASH_LEN + 1]; /* the deposit or withdrawal answered, or "" */
	char withdrawn[PF_AMOUNT_MAX];	  /* a WITHDRAW's amount, or "" (absent) */
};

struct pf_confirm {
	char reservation_id[PF_ID_HEX + 1];
	char quote_id[PF_ID_HEX + 1];
	char tx_hash[PF_TX_HASH_LEN + 1]; /* "" (omitted): paid from the balance */
	pf_ip_t ip1, ip2;
	uint64_t level;
	uint64_t rate_bps;
	uint64_t start, end; /* unix seconds */
	bool one_way;	     /* the reservation covers ip1 -> ip2 only */
};

struct pf_pending {
	char quote_id[PF_ID_HEX + 1]; /* "" (omitted): a DEPOSIT is pending */
	char tx_hash[PF_TX_HASH_LEN + 1];
	uint64_t confirmations; /* so far; 0 = not yet in a block */
	uint64_t required;	/* >= 1 */
};

struct pf_status_request {
	char reservation_id[PF_ID_HEX + 1]; /* "" when asking by pair */
	pf_ip_t ip1, ip2;		    /* used when reservation_id is "" */
};

struct pf_status_reply {
	char reservation_id[PF_ID_HEX + 1];
	pf_ip_t ip1, ip2;
	uint64_t level;
	uint64_t rate_bps;
	uint64_t start, end, now; /* unix seconds; now is the broker's clock */
	bool active;		  /* start <= now < end */
	uint64_t bytes;		  /* bytes carried under the reservation so far */
	bool one_way;		  /* ip1 -> ip2 only (the wire omits false) */
	uint64_t packets;	  /* packets, likewise */
};

struct pf_msg {
	enum pf_msg_type type;
	union {
		struct pf_hello hello;
		struct pf_quote_request quote_request;
		struct pf_order order;
		struct pf_status_request status;
		struct pf_deposit deposit;
		struct pf_balance_request balance;
		struct pf_cancel cancel;
		struct pf_withdraw withdraw;
		struct pf_menu menu;
		struct pf_quote quote;
		struct pf_confirm confirm;
		struct pf_pending pending;
		struct pf_status_reply status_reply;
		struct pf_err_msg error;
		struct pf_balance_reply balance_reply;
	};
};

/* "HELLO", ...; NULL when out of range. */
const char *pf_msg_type_name(enum pf_msg_type type);
/* PF_MSG_NONE for an unknown name. */
enum pf_msg_type pf_msg_type_from_name(const char *name);
/* The side that sends this type. */
enum pf_side pf_msg_sender(enum pf_msg_type type);

/*
 * Decodes one frame (without its '\n'; len < PF_FRAME_MAX) sent by `from`.
 * Checks JSON syntax, the envelope, every field, and the signature:
 *  - QUOTE_REQUEST, ORDER, DEPOSIT, BALANCE, CANCEL and WITHDRAW against the client_key in
 *    their data (the broker then checks that an ORDER's key is its quote's key);
 *  - every broker message against broker_pk, the pinned key. With
 *    broker_pk NULL only a MENU decodes, checked against its own broker_key
 *    (trust on first use: the caller then pins menu.broker_key).
 * Returns PF_OK, or the code with a sentence in err (also when err->code
 * is what the broker should send in an ERROR). `out` is zeroed first; on
 * failure it stays zeroed but for out->type, the message type the
 * envelope named (PF_MSG_NONE when it named none or an unknown one).
 */
enum pf_err pf_msg_decode(const char *frame, size_t len, enum pf_side from,
			  const uint8_t *broker_pk, struct pf_msg *out, struct pf_err_msg *err);

/*
 * Encodes and signs m: a compact JSON frame ending in '\n' (NUL-terminated,
 * *len without the NUL). signer is the broker key for broker messages, the
 * client key for QUOTE_REQUEST and ORDER, and unused (may be NULL) for HELLO
 * and STATUS; the client_key/broker_key fields come from the signer.
 * Returns a malloc'd frame, or NULL with errno EINVAL (a field the decoder
 * would reject, or no signer), EMSGSIZE (over PF_FRAME_MAX) or ENOMEM.
 */
char *pf_msg_encode(const struct pf_msg *m, const struct pf_keypair *signer, size_t *len);

/* Shorthand for the broker: an ERROR frame for e (text "" -> default text). */
char *pf_msg_encode_error(const struct pf_err_msg *e, const struct pf_keypair *broker, size_t *len);

#endif /* PF_MESSAGES_H */
