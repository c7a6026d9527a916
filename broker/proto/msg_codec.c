// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The envelope: frame <-> typed message, with signatures. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "broker/proto/frame.h"
#include "userspace/common/hex.h"
#include "broker/proto/json_strict.h"
#include "broker/proto/msg_fields.h"

static const char *const type_names[PF_MSG__COUNT] = {
    [PF_MSG_HELLO] = "HELLO",
    [PF_MSG_QUOTE_REQUEST] = "QUOTE_REQUEST",
    [PF_MSG_ORDER] = "ORDER",
    [PF_MSG_STATUS] = "STATUS",
    [PF_MSG_DEPOSIT] = "DEPOSIT",
    [PF_MSG_BALANCE] = "BALANCE",
    [PF_MSG_CANCEL] = "CANCEL",
    [PF_MSG_WITHDRAW] = "WITHDRAW",
    [PF_MSG_MENU] = "MENU",
    [PF_MSG_QUOTE] = "QUOTE",
    [PF_MSG_CONFIRM] = "CONFIRM",
    [PF_MSG_PENDING] = "PENDING",
    [PF_MSG_STATUS_REPLY] = "STATUS_REPLY",
    [PF_MSG_ERROR] = "ERROR",
    [PF_MSG_BALANCE_REPLY] = "BALANCE_REPLY",
};

const char *pf_msg_type_name(enum pf_msg_type type)
{
	if (type <= PF_MSG_NONE || type >= PF_MSG__COUNT)
		return NULL;
	return type_names[type];
}

enum pf_msg_type pf_msg_type_from_name(const char *name)
{
	for (int t = PF_MSG_NONE + 1; t < PF_MSG__COUNT; t++)
		if (!strcmp(type_names[t], name))
			return (enum pf_msg_type)t;
	return PF_MSG_NONE;
}

enum pf_side pf_msg_sender(enum pf_msg_type type)
{
	return type < PF_MSG_MENU ? PF_FROM_CLIENT : PF_FROM_BROKER;
}

/* HELLO and STATUS carry no signature: there is no key to sign with. */
static bool is_signed(enum pf_msg_type type)
{
	return type != PF_MSG_HELLO && type != PF_MSG_STATUS;
}

/* The four envelope strings of a parsed frame. */
struct envelope {
	const char *type, *data, *signature, *verification;
	size_t data_len, sig_len, ver_len;
};

static enum pf_err env_string(struct json_object *root, const char *name, const char **s,
			      size_t *len, struct pf_err_msg *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(root, name, &v))
		return pf_err_set(err, PF_E_BAD_FIELD, "envelope: \"%s\" is missing", name);
	if (!json_object_is_type(v, json_type_string))
		return pf_err_set(err, PF_E_BAD_FIELD, "envelope: \"%s\" must be a string", name);
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	if (strlen(*s) != *len)
		return pf_err_set(err, PF_E_BAD_FIELD, "envelope: \"%s\" contains a NUL character",
				  name);
	return PF_OK;
}

static enum pf_err env_read(struct json_object *root, struct envelope *env, struct pf_err_msg *err)
{
	size_t type_len;

	if (json_object_object_length(root) != 4 ||
	    !json_object_object_get_ex(root, "message_type", NULL) ||
	    !json_object_object_get_ex(root, "data", NULL) ||
	    !json_object_object_get_ex(root, "signature", NULL) ||
	    !json_object_object_get_ex(root, "verification", NULL)) {
		json_object_object_foreach(root, key, val)
		{
			(void)val;
			if (strcmp(key, "message_type") && strcmp(key, "data") &&
			    strcmp(key, "signature") && strcmp(key, "verification"))
				return pf_err_set(err, PF_E_BAD_FIELD,
						  "envelope: unknown member \"%.40s\"", key);
		}
	}
	if (env_string(root, "message_type", &env->type, &type_len, err) ||
	    env_string(root, "data", &env->data, &env->data_len, err) ||
	    env_string(root, "signature", &env->signature, &env->sig_len, err) ||
	    env_string(root, "verification", &env->verification, &env->ver_len, err))
		return err->code;
	return PF_OK;
}

/* Where the verification (a transaction hash) of ORDER and DEPOSIT goes. */
static char *tx_slot(enum pf_msg_type type, struct pf_msg *m)
{
	if (type == PF_MSG_ORDER)
		return m->order.tx_hash;
	return type == PF_MSG_DEPOSIT ? m->deposit.tx_hash : NULL;
}

/* The envelope's signature and verification strings must fit the type. An
 * ORDER from the balance has an empty verification (checked against its
 * from_balance member after the data is read). */
static enum pf_err env_check_type(const struct envelope *env, enum pf_msg_type type,
				  struct pf_msg *m, struct pf_err_msg *err)
{
	const char *name = type_names[type];
	char *tx = tx_slot(type, m);

	if (is_signed(type) && !pf_hex_valid(env->signature, env->sig_len, PF_SIG_HEX))
		return pf_err_set(err, PF_E_BAD_FIELD,
				  "%s: \"signature\" must be 128 hex digits (ed25519)", name);
	if (!is_signed(type) && env->sig_len)
		return pf_err_set(err, PF_E_BAD_FIELD, "%s: \"signature\" must be empty", name);
	if (tx) {
		if (type == PF_MSG_ORDER && !env->ver_len)
			return PF_OK;
		if (!pf_tx_hash_valid(env->verification, env->ver_len))
			return pf_err_set(err, PF_E_BAD_FIELD,
					  "%s: \"verification\" must be the transaction hash, "
					  "0x and 64 hex digits",
					  name);
		pf_hex_lower(env->verification, env->ver_len, tx);
	} else if (env->ver_len) {
		return pf_err_set(err, PF_E_BAD_FIELD, "%s: \"verification\" must be empty", name);
	}
	return PF_OK;
}

static bool env_verify(const struct envelope *env, const uint8_t *pk)
{
	uint8_t sig[PF_SIG_BYTES];

	if (pf_hex_decode_exact(env->signature, env->sig_len, sig, sizeof(sig)))
		return false;
	return pf_verify(pk, env->type, env->data, env->data_len, env->verification, sig);
}

/* Picks the key the signature must verify under, then checks it. */
static enum pf_err check_signature(const struct envelope *env, enum pf_msg_type type,
				   const uint8_t *broker_pk, const struct pf_msg *m,
				   struct pf_err_msg *err)
{
	const uint8_t *pk;
	char want[PF_PUBKEY_HEX + 1], got[PF_PUBKEY_HEX + 1];

	if (type == PF_MSG_QUOTE_REQUEST)
		pk = m->quote_request.client_key;
	else if (type == PF_MSG_ORDER)
		pk = m->order.client_key;
	else if (type == PF_MSG_DEPOSIT)
		pk = m->deposit.client_key;
	else if (type == PF_MSG_BALANCE)
		pk = m->balance.client_key;
	else if (type == PF_MSG_CANCEL)
		pk = m->cancel.client_key;
	else if (type == PF_MSG_WITHDRAW)
		pk = m->withdraw.client_key;
	else if (type == PF_MSG_MENU && !broker_pk)
		pk = m->menu.broker_key;
	else if (broker_pk)
		pk = broker_pk;
	else
		return pf_err_set(err, PF_E_INTERNAL, "no pinned broker key to verify %s",
				  type_names[type]);
	if (type == PF_MSG_MENU && memcmp(pk, m->menu.broker_key, PF_PUBKEY_BYTES)) {
		/* The MENU names a key other than the pinned one. */
		if (!env_verify(env, m->menu.broker_key))
			return pf_err_set(err, PF_E_BAD_SIGNATURE,
					  "MENU: the signature does not verify");
		pf_hex_encode(m->menu.broker_key, PF_PUBKEY_BYTES, got);
		pf_hex_encode(pk, PF_PUBKEY_BYTES, want);
		return pf_err_set(err, PF_E_WRONG_SIGNER,
				  "MENU is signed by broker key %s, not the pinned key %s", got,
				  want);
	}
	if (!env_verify(env, pk))
		return pf_err_set(
		    err, PF_E_BAD_SIGNATURE, "%s: the signature does not verify under the %s key",
		    type_names[type], pf_msg_sender(type) == PF_FROM_BROKER ? "broker" : "client");
	return PF_OK;
}

enum pf_err pf_msg_decode(const char *frame, size_t len, enum pf_side from,
			  const uint8_t *broker_pk, struct pf_msg *out, struct pf_err_msg *err)
{
	struct json_object *root = NULL, *data = NULL;
	struct envelope env;
	enum pf_msg_type type = PF_MSG_NONE;
	enum pf_err rc;

	memset(out, 0, sizeof(*out));
	pf_err_set(err, PF_OK, "%s", "");
	if (len >= PF_FRAME_MAX)
		return pf_err_set(err, PF_E_OVERSIZE_FRAME,
				  "a frame is at most %d bytes including its newline",
				  PF_FRAME_MAX);
	root = pf_json_parse_object(frame, len, "frame", err);
	if (!root)
		return err->code;
	rc = env_read(root, &env, err);
	if (rc)
		goto out;
	type = pf_msg_type_from_name(env.type);
	if (type == PF_MSG_NONE) {
		rc = pf_err_set(err, PF_E_UNKNOWN_MESSAGE_TYPE, "unknown message_type \"%.32s\"",
				env.type);
		goto out;
	}
	if (pf_msg_sender(type) != from) {
		rc = pf_err_set(err, PF_E_UNEXPECTED_MESSAGE, "%s is sent by the %s, not the %s",
				type_names[type], from == PF_FROM_CLIENT ? "broker" : "client",
				from == PF_FROM_CLIENT ? "client" : "broker");
		goto out;
	}
	rc = env_check_type(&env, type, out, err);
	if (rc)
		goto out;
	data = pf_json_parse_object(env.data, env.data_len, "data", err);
	if (!data) {
		rc = err->code;
		goto out;
	}
	rc = pf_msg_read_data(type, data, out, err);
	if (!rc && type == PF_MSG_ORDER && out->order.from_balance == !!out->order.tx_hash[0])
		rc = pf_err_set(err, PF_E_BAD_FIELD,
				"ORDER: \"verification\" is the transaction hash, or empty with "
				"\"from_balance\": true, never both");
	if (!rc && is_signed(type))
		rc = check_signature(&env, type, broker_pk, out, err);
out:
	json_object_put(data);
	json_object_put(root);
	if (rc) {
		memset(out, 0, sizeof(*out));
		out->type = type; /* so the broker can count a refused ORDER by its code */
		err->code = rc;
	}
	return rc;
}
