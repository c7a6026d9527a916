/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The REQUEST channel's TCP server, driven by someone else's epoll loop:
 * non-blocking sockets, newline frames (frame.h), one answer per frame in
 * order, a per-connection idle timeout, caps on connections in total and
 * per source address, and an optional network namespace to listen in.
 *
 * Answers are queued and leave only at pf_srv_flush(), which the owner calls
 * after its database batch committed: nothing is acknowledged before it is
 * durable. A handler may also answer later (an ORDER waiting for the
 * ledger): pf_srv_defer() parks the connection (its later frames wait,
 * unread) until pf_srv_answer() is called for it.
 *
 * Every epoll registration's data.ptr points at an int holding one of the
 * owner's tags, so the owner's dispatcher can route the event back here
 * with pf_srv_event().
 */
#ifndef PF_SERVER_H
#define PF_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "broker/proto/errors.h"

struct pf_srv;
struct pf_srv_conn;

struct pf_srv_opts {
	const char *host;  /* IP address; "::" listens on IPv4 too */
	uint16_t port;	   /* 0: the kernel picks (see pf_srv_port) */
	const char *netns; /* path of a network namespace, or NULL/"" */
	unsigned idle_timeout_s;
	unsigned max_conns, max_conns_per_addr;
	int tag_listen, tag_conn, tag_timer; /* the owner's epoll tags */
};

struct pf_srv_ops {
	/* One frame (no '\n'). Answer with pf_srv_send() or pf_srv_defer(). */
	void (*frame)(void *ctx, struct pf_srv_conn *c, const char *frame, size_t len);
	/* A malloc'd ERROR frame for code (oversize_frame, rate_limited), or NULL. */
	char *(*error_frame)(void *ctx, enum pf_err code, const char *text, size_t *len);
};

/* Listens (inside opts->netns if set) and registers with epfd. 0 or -errno. */
int pf_srv_open(struct pf_srv **out, int epfd, const struct pf_srv_opts *opts,
		const struct pf_srv_ops *ops, void *ctx);
void pf_srv_close(struct pf_srv *s);
uint16_t pf_srv_port(const struct pf_srv *s);

/* An epoll event whose data.ptr is one of this server's tags. */
void pf_srv_event(struct pf_srv *s, void *tag, uint32_t events);
/* Sends what was queued; committed = false drops this batch's answers and
 * closes their connections (they were not made durable). */
void pf_srv_flush(struct pf_srv *s, bool committed);

/* Queues one answer frame (copied) for the frame being handled. */
void pf_srv_send(struct pf_srv_conn *c, const char *frame, size_t len);
/* The answer comes later; returns a handle for pf_srv_answer(). */
struct pf_srv_conn *pf_srv_defer(struct pf_srv_conn *c);
/* The deferred answer; the connection then carries on with its next frames.
 * Safe when the peer has gone meanwhile (the answer is dropped). */
void pf_srv_answer(struct pf_srv *s, struct pf_srv_conn *c, const char *frame, size_t len);

/* The peer's address, IPv4 as ::ffff:a.b.c.d. */
const uint8_t *pf_srv_peer(const struct pf_srv_conn *c);
size_t pf_srv_conn_count(const struct pf_srv *s);

#endif /* PF_SERVER_H */
