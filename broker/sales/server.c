// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The REQUEST channel's connection handling (server.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "broker/proto/frame.h"
#include "broker/sales/server.h"
#include "userspace/common/netns.h"

#define OUT_PAUSE (1u << 20) /* stop reading a peer that does not read its answers */

struct pf_srv_conn {
	int tag; /* first: the owner's epoll dispatch reads it */
	int fd;
	uint8_t peer[16];
	uint64_t last_ns; /* last bytes received */
	bool deferred;	  /* an answer is outstanding */
	bool eof;	  /* the peer finished sending */
	bool close_after; /* close once the queued output is sent */
	bool gone;	  /* closed; memory waits for the deferred answer/flush */
	bool dirty;	  /* on the flush list */
	uint32_t events;  /* registered epoll events */
	struct pf_frame_reader *rd;
	char *out;
	size_t out_len, out_sent, sendable, out_cap;
	struct pf_srv_conn *prev, *next, *next_dirty;
	struct pf_srv *srv;
};

struct pf_srv {
	int listen_tag, timer_tag;
	int epfd, lfd, tfd;
	uint16_t port;
	struct pf_srv_opts o;
	struct pf_srv_ops ops;
	void *ctx;
	struct pf_srv_conn *conns, *dirty;
	size_t n;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void to_v6(const struct sockaddr_storage *ss, uint8_t out[16])
{
	memset(out, 0, 16);
	if (ss->ss_family == AF_INET) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else {
		memcpy(out, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	}
}

static int make_socket(const struct pf_srv_opts *o)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	int fd, one = 1, zero = 0, err;
	socklen_t len;

	if (inet_pton(AF_INET, o->host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(o->port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, o->host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(o->port);
		len = sizeof(*sin6);
	} else {
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4096)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Creates the listening socket inside netns, then returns to our own namespace. */
static int listen_in(const struct pf_srv_opts *o)
{
	int saved, fd = pf_netns_enter(o->netns, &saved);

	if (fd)
		return fd;
	fd = make_socket(o);
	pf_netns_leave(saved);
	return fd;
}

int pf_srv_open(struct pf_srv **out, int epfd, const struct pf_srv_opts *opts,
		const struct pf_srv_ops *ops, void *ctx)
{
	struct pf_srv *s = calloc(1, sizeof(*s));
	struct itimerspec its = {.it_interval = {1, 0}, .it_value = {1, 0}};
	struct epoll_event ev = {.events = EPOLLIN};
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int err;

	if (!s)
		return -ENOMEM;
	s->o = *opts;
	s->ops = *ops;
	s->ctx = ctx;
	s->epfd = epfd;
	s->listen_tag = opts->tag_listen;
	s->timer_tag = opts->tag_timer;
	s->tfd = -1;
	s->lfd = listen_in(opts);
	if (s->lfd < 0) {
		err = s->lfd;
		free(s);
		return err;
	}
	if (!getsockname(s->lfd, (struct sockaddr *)&ss, &sl))
		s->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							: ((struct sockaddr_in6 *)&ss)->sin6_port);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ev.data.ptr = &s->listen_tag;
	err = s->tfd < 0 || timerfd_settime(s->tfd, 0, &its, NULL) ||
	      epoll_ctl(epfd, EPOLL_CTL_ADD, s->lfd, &ev);
	ev.data.ptr = &s->timer_tag;
	if (err || epoll_ctl(epfd, EPOLL_CTL_ADD, s->tfd, &ev)) {
		err = -errno;
		pf_srv_close(s);
		return err;
	}
	*out = s;
	return 0;
}

uint16_t pf_srv_port(const struct pf_srv *s)
{
	return s->port;
}

size_t pf_srv_conn_count(const struct pf_srv *s)
{
	return s->n;
}

const uint8_t *pf_srv_peer(const struct pf_srv_conn *c)
{
	return c->peer;
}

static void free_conn(struct pf_srv_conn *c)
{
	free(c->rd);
	free(c->out);
	free(c);
}

static void mark_dirty(struct pf_srv_conn *c)
{
	if (!c->dirty) {
		c->dirty = true;
		c->next_dirty = c->srv->dirty;
		c->srv->dirty = c;
	}
}

/*
 * Closes the socket now; the memory goes at the next flush (events of this
 * epoll batch may still point at it), or when the deferred answer arrives.
 */
static void close_conn(struct pf_srv *s, struct pf_srv_conn *c)
{
	if (c->gone)
		return;
	c->gone = true;
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n--;
	mark_dirty(c);
}

static void set_events(struct pf_srv *s, struct pf_srv_conn *c)
{
	uint32_t want = c->eof ? 0 : EPOLLRDHUP; /* level-triggered: once is enough */
	struct epoll_event ev = {.data.ptr = c};

	if (!c->deferred && !c->eof && !c->close_after && c->out_len - c->out_sent < OUT_PAUSE)
		want |= EPOLLIN;
	if (c->out_sent < c->sendable)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	ev.events = want;
	if (!epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev))
		c->events = want;
}

static void append(struct pf_srv_conn *c, const char *frame, size_t len)
{
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *b;

		while (cap < c->out_len + len)
			cap *= 2;
		b = realloc(c->out, cap);
		if (!b) {
			c->close_after = true;
			return;
		}
		c->out = b;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, frame, len);
	c->out_len += len;
	mark_dirty(c);
}

void pf_srv_send(struct pf_srv_conn *c, const char *frame, size_t len)
{
	append(c, frame, len);
}

struct pf_srv_conn *pf_srv_defer(struct pf_srv_conn *c)
{
	c->deferred = true;
	return c;
}

static void queue_error(struct pf_srv *s, struct pf_srv_conn *c, enum pf_err code, const char *t)
{
	size_t len;
	char *f = s->ops.error_frame(s->ctx, code, t, &len);

	if (f)
		append(c, f, len);
	free(f);
}

/* Hands buffered frames to the handler until one is deferred. */
static void process(struct pf_srv *s, struct pf_srv_conn *c)
{
	enum pf_frame_status st = PF_FRAME_NEED_MORE;
	const char *f;
	size_t len;

	while (!c->deferred && !c->close_after &&
	       (st = pf_frame_next(c->rd, &f, &len)) == PF_FRAME_READY)
		s->ops.frame(s->ctx, c, f, len);
	if (st == PF_FRAME_OVERSIZE && !c->close_after) {
		queue_error(s, c, PF_E_OVERSIZE_FRAME,
			    "a line is longer than 65536 bytes; closing the connection");
		c->close_after = true;
	}
	if (c->eof && !c->deferred)
		c->close_after = true; /* answer what came, then close */
}

void pf_srv_answer(struct pf_srv *s, struct pf_srv_conn *c, const char *frame, size_t len)
{
	c->deferred = false;
	if (c->gone) {
		if (!c->dirty)
			free_conn(c);
		return;
	}
	append(c, frame, len);
	process(s, c);
	set_events(s, c);
}

static void on_readable(struct pf_srv *s, struct pf_srv_conn *c)
{
	for (int round = 0; round < 4 && !c->deferred && !c->close_after && !c->eof; round++) {
		size_t room;
		char *buf = pf_frame_space(c->rd, &room);
		ssize_t n;

		if (!room)
			break;
		n = read(c->fd, buf, room);
		if (n > 0) {
			pf_frame_commit(c->rd, n);
			c->last_ns = now_ns();
			process(s, c);
			continue;
		}
		if (n == 0)
			c->eof = true;
		else if (errno == EINTR)
			continue;
		else if (errno != EAGAIN)
			c->eof = true;
		break;
	}
	process(s, c);
	if (c->close_after && !c->deferred && !c->dirty && !c->out_len)
		close_conn(s, c); /* nothing left to say */
	else
		set_events(s, c);
}

/* Sends the committed part of the output; false when the connection is done. */
static bool write_out(struct pf_srv_conn *c)
{
	while (c->out_sent < c->sendable) {
		ssize_t n = send(c->fd, c->out + c->out_sent, c->sendable - c->out_sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n < 0)
			return false;
		c->out_sent += n;
	}
	if (c->out_sent == c->out_len) {
		c->out_sent = c->out_len = c->sendable = 0;
		if (c->close_after && !c->deferred)
			return false;
	}
	return true;
}

void pf_srv_flush(struct pf_srv *s, bool committed)
{
	struct pf_srv_conn *c = s->dirty;

	s->dirty = NULL;
	while (c) {
		struct pf_srv_conn *next = c->next_dirty;

		c->dirty = false;
		if (c->gone) {
			if (!c->deferred)
				free_conn(c);
		} else if (!committed && c->out_len > c->sendable) {
			close_conn(s, c); /* its answer was not made durable */
		} else {
			c->sendable = c->out_len;
			if (!write_out(c))
				close_conn(s, c);
			else
				set_events(s, c);
		}
		c = next;
	}
}

static size_t count_peer(const struct pf_srv *s, const uint8_t peer[16])
{
	size_t n = 0;

	for (const struct pf_srv_conn *c = s->conns; c; c = c->next)
		n += !memcmp(c->peer, peer, 16);
	return n;
}

/* Says why in one frame (best effort: the socket buffer is empty) and closes. */
static void refuse(struct pf_srv *s, int fd, const char *why)
{
	size_t len;
	char *f = s->ops.error_frame(s->ctx, PF_E_RATE_LIMITED, why, &len);

	if (f && send(fd, f, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		(void)0; /* the peer learns from the close */
	free(f);
	close(fd);
}

static void on_accept(struct pf_srv *s)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};
		struct pf_srv_conn *c;
		uint8_t peer[16];
		int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return; /* EAGAIN, or out of descriptors: retried on the next event */
		to_v6(&ss, peer);
		if (s->n >= s->o.max_conns) {
			refuse(s, fd, "the broker has too many connections; try again later");
			continue;
		}
		if (count_peer(s, peer) >= s->o.max_conns_per_addr) {
			refuse(s, fd, "too many connections from your address");
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c)
			c->rd = malloc(sizeof(*c->rd));
		if (!c || !c->rd) {
			if (c)
				free(c);
			close(fd);
			continue;
		}
		pf_frame_reader_init(c->rd);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1},
			   sizeof(int)); /* one frame, one answer */
		c->tag = s->o.tag_conn;
		c->fd = fd;
		c->srv = s;
		memcpy(c->peer, peer, 16);
		c->last_ns = now_ns();
		c->events = ev.events;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free_conn(c);
			continue;
		}
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->n++;
	}
}

/* Closes connections that sent nothing for idle_timeout_s (not while waiting for us). */
static void on_tick(struct pf_srv *s)
{
	uint64_t ticks, now = now_ns(), idle = (uint64_t)s->o.idle_timeout_s * 1000000000ULL;
	struct pf_srv_conn *c = s->conns;

	if (read(s->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	while (c) {
		struct pf_srv_conn *next = c->next;

		if (!c->deferred && now - c->last_ns > idle)
			close_conn(s, c);
		c = next;
	}
}

void pf_srv_event(struct pf_srv *s, void *tag, uint32_t events)
{
	struct pf_srv_conn *c;

	if (tag == &s->listen_tag) {
		on_accept(s);
		return;
	}
	if (tag == &s->timer_tag) {
		on_tick(s);
		return;
	}
	c = tag;
	if (c->gone)
		return; /* closed earlier in this epoll batch */
	if (events & (EPOLLIN | EPOLLRDHUP))
		on_readable(s, c);
	if (!c->gone && (events & EPOLLOUT) && !write_out(c)) {
		close_conn(s, c);
		return;
	}
	if (!c->gone && (events & EPOLLOUT))
		set_events(s, c);
	if (!c->gone && (events & (EPOLLERR | EPOLLHUP)))
		close_conn(s, c); /* reset: nobody will read an answer */
}

void pf_srv_close(struct pf_srv *s)
{
	if (!s)
		return;
	while (s->conns) {
		struct pf_srv_conn *c = s->conns;

		c->deferred = false; /* the ledger workers are stopped: no answer comes */
		close_conn(s, c);
	}
	for (struct pf_srv_conn *c = s->dirty, *next; c; c = next) {
		next = c->next_dirty;
		if (c->gone && !c->deferred)
			free_conn(c);
	}
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->tfd >= 0)
		close(s->tfd);
	free(s);
}
