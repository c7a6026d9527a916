/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A line-protocol server driven by its owner's epoll loop, shared by the
 * broker's REQUEST channel and payflowd's control socket: non-blocking
 * sockets, newline framing with a maximum line size, one answer per line in
 * order, an optional per-connection idle timeout, caps on connections in
 * total and per peer address.
 *
 * Answers are queued and leave only at pf_ls_flush(), which the owner calls
 * after its database batch committed: nothing is acknowledged before it is
 * durable. A handler may also answer later: pf_ls_defer() parks the
 * connection (its later lines wait, unread, and no read event is armed)
 * until pf_ls_answer() is called for it.
 *
 * Every epoll registration's data.ptr points at an int holding one of the
 * owner's tags, so the owner's dispatcher can route the event back here
 * with pf_ls_event(). The server knows nothing of what the lines mean.
 */
#ifndef PF_LINESRV_H
#define PF_LINESRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_ls;
struct pf_ls_conn;

struct pf_ls_opts {
	size_t max_line;		     /* bytes before the '\n'; longer is oversize */
	unsigned idle_timeout_s;	     /* close a silent connection; 0: never */
	unsigned max_conns;		     /* 0: no cap */
	unsigned max_conns_per_addr;	     /* 0: no cap */
	int tag_listen, tag_conn, tag_timer; /* the owner's epoll tags */
};

struct pf_ls_ops {
	/* One line without its '\n', NUL-terminated (may be empty). Answer with
	 * pf_ls_send() or pf_ls_defer(). */
	void (*on_line)(void *ctx, struct pf_ls_conn *c, char *line, size_t len);
	/* A line longer than max_line: queue a last answer with pf_ls_send();
	 * the connection closes once it is sent. */
	void (*on_oversize)(void *ctx, struct pf_ls_conn *c);
	/* A malloc'd last line for a connection refused by a cap (per_addr says
	 * which), or NULL. Optional. */
	char *(*refusal)(void *ctx, bool per_addr, size_t *len);
	/* The socket was closed (a deferred answer may still come). Optional. */
	void (*on_close)(void *ctx, struct pf_ls_conn *c);
};

/*
 * Serves the listening socket lfd (non-blocking; the server owns it from now
 * on, even on failure) and registers with epfd. 0 or -errno (pf_last_error).
 */
int pf_ls_open(struct pf_ls **out, int epfd, int lfd, const struct pf_ls_opts *opts,
	       const struct pf_ls_ops *ops, void *ctx);
void pf_ls_close(struct pf_ls *s);

/* An epoll event whose data.ptr is one of this server's tags. */
void pf_ls_event(struct pf_ls *s, void *tag, uint32_t events);
/* Sends what was queued; committed = false drops this batch's answers and
 * closes their connections (they were not made durable). */
void pf_ls_flush(struct pf_ls *s, bool committed);

/* Queues one answer (copied, sent as is: include the '\n'). */
void pf_ls_send(struct pf_ls_conn *c, const char *line, size_t len);
/* The answer comes later; returns a handle for pf_ls_answer(). */
struct pf_ls_conn *pf_ls_defer(struct pf_ls_conn *c);
/* The deferred answer; the connection then carries on with its next lines.
 * Safe when the peer has gone meanwhile (the answer is dropped). */
void pf_ls_answer(struct pf_ls *s, struct pf_ls_conn *c, const char *line, size_t len);

/* The peer's address, IPv4 as ::ffff:a.b.c.d; all zero for a unix socket. */
const uint8_t *pf_ls_peer(const struct pf_ls_conn *c);
size_t pf_ls_count(const struct pf_ls *s);

#endif /* PF_LINESRV_H */
