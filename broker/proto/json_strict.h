/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A strict RFC 8259 check that runs before json-c, whose own "strict" mode
 * still takes single quotes, NaN, raw control characters and duplicate
 * members. Accepted: exactly one object, optional white space around it,
 * nesting at most PF_JSON_MAX_DEPTH, at most PF_JSON_MAX_MEMBERS members
 * per object, valid UTF-8, no lone surrogate escapes,
 * member names without escapes and unique within their object.
 */
#ifndef PF_JSON_STRICT_H
#define PF_JSON_STRICT_H

#include <stddef.h>
#include <json-c/json.h>
#include "broker/proto/errors.h"

#define PF_JSON_MAX_DEPTH   8
#define PF_JSON_MAX_MEMBERS 32 /* per object */

/* Returns PF_OK or PF_E_MALFORMED_JSON with "WHAT: why" in err. */
enum pf_err pf_json_check(const char *text, size_t len, const char *what, struct pf_err_msg *err);
/* pf_json_check, then json-c; NULL with err set on failure. */
struct json_object *pf_json_parse_object(const char *text, size_t len, const char *what,
					 struct pf_err_msg *err);

#endif /* PF_JSON_STRICT_H */
