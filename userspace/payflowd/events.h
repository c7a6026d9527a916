/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Order outcomes: each is one audit line in the log (journald keeps it) and
 * one entry of a short ring the dashboard shows (/api/state "events"). Both
 * the broker's ORDERs and the operator's grants over the control socket.
 */
#ifndef PFD_EVENTS_H
#define PFD_EVENTS_H

#include <json-c/json.h>
#include <linux/types.h>
#include "userspace/common/addr.h"

#define PFD_EVENTS 64 /* the ring's size: the newest outcomes */

struct pfd;

struct pfd_event {
	__s64 wall_ns;
	char source[8];	  /* "broker" or "control" */
	char outcome[32]; /* "confirm", "pending", "grant" or an error code */
	char pair[PF_PAIR_STRLEN];
	int level;	  /* -1 when unknown */
	__u64 rate_bps;	  /* 0 when unknown */
	char amount[80];  /* wei, decimal, "" for an operator's grant */
	char tx[67];	  /* "" when none */
	char rid[33];	  /* the reservation id ("" when refused) */
	char detail[160]; /* why it was refused, "" otherwise */
};

struct pfd_events {
	struct pfd_event e[PFD_EVENTS];
	size_t n; /* how many were ever added */
};

/* Logs the audit line and keeps the event (wall_ns is set here). */
void pfd_event_add(struct pfd *d, struct pfd_event *e);
/* The kept events, newest first. */
struct json_object *pfd_events_json(const struct pfd *d);
/* The control socket's grant: the request, and its reply (error) or result. */
void pfd_event_ctl_grant(struct pfd *d, struct json_object *req, struct json_object *err,
			 struct json_object *result);
void pfd_events_free(struct pfd *d);

#endif /* PFD_EVENTS_H */
