/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The control socket between payflowctl and payflowd (docs/CONTROL.md):
 * a unix stream socket carrying newline-delimited JSON. Each request is one
 * object with an "op"; each reply is {"ok": true, "result": {...}} or
 * {"ok": false, "error": CODE, "message": TEXT}.
 */
#ifndef PF_CTL_PROTO_H
#define PF_CTL_PROTO_H

#include <json-c/json.h>

#define PF_CTL_REQUEST_MAX 65536 /* bytes in one request line */

/* Error codes on the wire ("error" of a failed reply). */
enum pf_ctl_err {
	PF_CTL_E_BAD_REQUEST = 0,  /* not JSON, wrong fields or values */
	PF_CTL_E_UNKNOWN_OP,	   /* no such "op" */
	PF_CTL_E_TOO_LARGE,	   /* request line above PF_CTL_REQUEST_MAX */
	PF_CTL_E_CAPACITY,	   /* admission refused: names the port and its free rate */
	PF_CTL_E_UNKNOWN_ENDPOINT, /* an address is on no configured port */
	PF_CTL_E_NOT_FOUND,	   /* no such reservation or hold */
	PF_CTL_E_NO_CLASS_ID,	   /* all HTB minor ids are taken */
	PF_CTL_E_INTERNAL,	   /* database or data-plane failure */
	PF_CTL_E_RELOAD_REFUSED,   /* the config file is bad or changes a fixed key */
	PF_CTL_E_MAX,
};

const char *pf_ctl_err_name(enum pf_ctl_err e);
/* {"ok": false, "error": ..., "message": msg}. */
struct json_object *pf_ctl_error_reply(enum pf_ctl_err e, const char *msg);
/* {"ok": true, "result": result}; takes ownership of result. */
struct json_object *pf_ctl_ok_reply(struct json_object *result);
/*
 * Connects to payflowd. Returns the fd, or -errno with a message that says
 * what to do: not running (no socket), stale socket, permission denied.
 */
int pf_ctl_connect(const char *path);
/* Sends one request and reads one reply line. Takes no ownership of req. */
int pf_ctl_call(int fd, struct json_object *req, struct json_object **reply);

#endif /* PF_CTL_PROTO_H */
