/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Inside the codec: reading the payload object of each message type. The
 * encoder runs the same readers over what it wrote, so the two sides can
 * never disagree about what is valid.
 */
#ifndef PF_MSG_FIELDS_H
#define PF_MSG_FIELDS_H

#include <json-c/json.h>
#include "broker/proto/messages.h"

/* Fills the type's union member of out from a parsed data object. */
enum pf_err pf_msg_read_data(enum pf_msg_type type, struct json_object *data, struct pf_msg *out,
			     struct pf_err_msg *err);
/* "0x" and 64 hex digits. */
bool pf_tx_hash_valid(const char *text, size_t len);

#endif /* PF_MSG_FIELDS_H */
