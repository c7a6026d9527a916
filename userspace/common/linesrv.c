// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The line-protocol server (linesrv.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "userspace/common/buf.h"
#include "userspace/common/error.h"
#include "userspace/common/linesrv.h"

#define OUT_PAUSE  (1u << 20) /* stop reading a peer that does not read its answers */
#define READ_CHUNK 16384

struct pf_ls_conn {
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
	struct pf_buf in;
	size_t start, scan; /* first unhandled byte; no '\n' before scan */
	struct pf_buf out;
	size_t out_sent, sendable;
	struct pf_ls_conn *prev, *next, *next_dirty;
	struct pf_ls *srv;
};

struct pf_ls {
	int listen_tag, timer_tag;
	int epfd, lfd, tfd;
	struct pf_ls_opts o;
	struct pf_ls_ops ops;
	void *ctx;
	struct pf_ls_conn *conns, *dirty;
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
	} else if (ss->ss_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	}
}

static int arm_timer(struct pf_ls *s)
{
	struct itimerspec its = {.it_interval = {1, 0}, .it_value = {1, 0}};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->timer_tag};

	if (!s->o.idle_timeout_s)
		return 0;
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->tfd < 0 || timerfd_settime(s->tfd, 0, &its, NULL) ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->tfd, &ev))
		return pf_fail(-errno, "idle timer: %s", strerror(errno));
	return 0;
}

int pf_ls_open(struct pf_ls **out, int epfd, int lfd, const struct pf_ls_opts *opts,
	       const struct pf_ls_ops *ops, void *ctx)
{
	struct pf_ls *s = calloc(1, sizeof(*s));
	struct epoll_event ev = {.events = EPOLLIN};
	int err;

	if (!s) {
		close(lfd);
		return pf_fail(-ENOMEM, "out of memory");
	}
	s->o = *opts;
	s->ops = *ops;
	s->ctx = ctx;
	s->epfd = epfd;
	s->lfd = lfd;
	s->tfd = -1;
	s->listen_tag = opts->tag_listen;
	s->timer_tag = opts->tag_timer;
	ev.data.ptr = &s->listen_tag;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev))
		err = pf_fail(-errno, "epoll: %s", strerror(errno));
	else
		err = arm_timer(s);
	if (err) {
		pf_ls_close(s);
		return err;
	}
	*out = s;
	return 0;
}

size_t pf_ls_count(const struct pf_ls *s)
{
	return s->n;
}

const uint8_t *pf_ls_peer(const struct pf_ls_conn *c)
{
	return c->peer;
}

static void free_conn(struct pf_ls_conn *c)
{
	pf_buf_free(&c->in);
	pf_buf_free(&c->out);
	free(c);
}

static void mark_dirty(struct pf_ls_conn *c)
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
static void close_conn(struct pf_ls *s, struct pf_ls_conn *c)
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
	if (s->ops.on_close)
		s->ops.on_close(s->ctx, c);
}

static bool reading(const struct pf_ls_conn *c)
{
	return !c->deferred && !c->eof && !c->close_after && c->out.len - c->out_sent < OUT_PAUSE;
}

/*
 * Level-triggered: EPOLLRDHUP is armed only together with EPOLLIN. Armed
 * while we do not read (an answer outstanding), a peer that shut down its
 * side would wake the loop again and again for nothing.
 */
static void set_events(struct pf_ls *s, struct pf_ls_conn *c)
{
	uint32_t want = reading(c) ? EPOLLIN | EPOLLRDHUP : 0;
	struct epoll_event ev = {.data.ptr = c};

	if (c->out_sent < c->sendable)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	ev.events = want;
	if (!epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev))
		c->events = want;
}

void pf_ls_send(struct pf_ls_conn *c, const char *line, size_t len)
{
	if (pf_buf_append(&c->out, line, len))
		c->close_after = true;
	mark_dirty(c);
}

struct pf_ls_conn *pf_ls_defer(struct pf_ls_conn *c)
{
	c->deferred = true;
	return c;
}

static void oversize(struct pf_ls *s, struct pf_ls_conn *c)
{
	s->ops.on_oversize(s->ctx, c);
	c->close_after = true;
}

/* Hands buffered lines to the handler until one is deferred. */
static void process(struct pf_ls *s, struct pf_ls_conn *c)
{
	while (!c->deferred && !c->close_after && c->in.len > c->start) {
		char *line = c->in.data + c->start;
		char *nl = memchr(c->in.data + c->scan, '\n', c->in.len - c->scan);
		size_t len;

		if (!nl) {
			c->scan = c->in.len;
			if (c->in.len - c->start > s->o.max_line)
				oversize(s, c);
			break;
		}
		len = (size_t)(nl - line);
		c->start = c->scan = (size_t)(nl - c->in.data) + 1;
		if (len > s->o.max_line) {
			oversize(s, c);
			break;
		}
		*nl = '\0';
		s->ops.on_line(s->ctx, c, line, len);
	}
	if (c->eof && !c->deferred)
		c->close_after = true; /* answer what came, then close */
}

void pf_ls_answer(struct pf_ls *s, struct pf_ls_conn *c, const char *line, size_t len)
{
	c->deferred = false;
	if (c->gone) {
		if (!c->dirty)
			free_conn(c);
		return;
	}
	pf_ls_send(c, line, len);
	process(s, c);
	set_events(s, c);
}

/* Room for one more read: drops the handled lines first. */
static char *read_space(struct pf_ls_conn *c)
{
	if (c->start) {
		pf_buf_consume(&c->in, c->start);
		c->scan -= c->start;
		c->start = 0;
	}
	if (pf_buf_reserve(&c->in, READ_CHUNK))
		return NULL;
	return c->in.data + c->in.len;
}

static void on_readable(struct pf_ls *s, struct pf_ls_conn *c)
{
	for (int round = 0; round < 4 && reading(c); round++) {
		char *buf = read_space(c);
		ssize_t n;

		if (!buf) {
			c->close_after = true;
			break;
		}
		n = read(c->fd, buf, READ_CHUNK);
		if (n > 0) {
			c->in.len += (size_t)n;
			c->last_ns = now_ns();
			process(s, c);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN)
			c->eof = true;
		break;
	}
	process(s, c);
	if (c->close_after && !c->deferred && !c->dirty && !c->out.len)
		close_conn(s, c); /* nothing left to say */
	else
		set_events(s, c);
}

/* Sends the committed part of the output; false when the connection is done. */
static bool write_out(struct pf_ls_conn *c)
{
	while (c->out_sent < c->sendable) {
		ssize_t n = send(c->fd, c->out.data + c->out_sent, c->sendable - c->out_sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n < 0)
			return false;
		c->out_sent += (size_t)n;
	}
	if (c->out_sent == c->out.len) {
		c->out.len = c->out_sent = c->sendable = 0;
		if (c->close_after && !c->deferred)
			return false;
	}
	return true;
}

void pf_ls_flush(struct pf_ls *s, bool committed)
{
	struct pf_ls_conn *c = s->dirty;

	s->dirty = NULL;
	while (c) {
		struct pf_ls_conn *next = c->next_dirty;

		c->dirty = false;
		if (c->gone) {
			if (!c->deferred)
				free_conn(c);
		} else if (!committed && c->out.len > c->sendable) {
			close_conn(s, c); /* its answer was not made durable */
		} else {
			c->sendable = c->out.len;
			if (!write_out(c))
				close_conn(s, c);
			else
				set_events(s, c);
		}
		c = next;
	}
}

static size_t count_peer(const struct pf_ls *s, const uint8_t peer[16])
{
	size_t n = 0;

	for (const struct pf_ls_conn *c = s->conns; c; c = c->next)
		n += !memcmp(c->peer, peer, 16);
	return n;
}

/* Says why in one line (best effort: the socket buffer is empty) and closes. */
static void refuse(struct pf_ls *s, int fd, bool per_addr)
{
	size_t len;
	char *f = s->ops.refusal ? s->ops.refusal(s->ctx, per_addr, &len) : NULL;

	if (f && send(fd, f, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		(void)0; /* the peer learns from the close */
	free(f);
	close(fd);
}

/* False when a cap refuses the new connection (it is then closed). */
static bool admit(struct pf_ls *s, int fd, const uint8_t peer[16])
{
	if (s->o.max_conns && s->n >= s->o.max_conns) {
		refuse(s, fd, false);
		return false;
	}
	if (s->o.max_conns_per_addr && count_peer(s, peer) >= s->o.max_conns_per_addr) {
		refuse(s, fd, true);
		return false;
	}
	return true;
}

static void add_conn(struct pf_ls *s, int fd, const uint8_t peer[16], bool tcp)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};
	struct pf_ls_conn *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		return;
	}
	if (tcp) /* one line, one answer: do not wait to fill a segment */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
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
		return;
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n++;
}

static void on_accept(struct pf_ls *s)
{
	for (;;) {
		struct sockaddr_storage ss = {0};
		socklen_t sl = sizeof(ss);
		uint8_t peer[16];
		int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return; /* EAGAIN, or out of descriptors: retried on the next event */
		to_v6(&ss, peer);
		if (admit(s, fd, peer))
			add_conn(s, fd, peer, ss.ss_family != AF_UNIX);
	}
}

/* Closes connections that sent nothing for idle_timeout_s (not while waiting for us). */
static void on_tick(struct pf_ls *s)
{
	uint64_t ticks, now = now_ns(), idle = (uint64_t)s->o.idle_timeout_s * 1000000000ULL;
	struct pf_ls_conn *c = s->conns;

	if (read(s->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	while (c) {
		struct pf_ls_conn *next = c->next;

		if (!c->deferred && now - c->last_ns > idle)
			close_conn(s, c);
		c = next;
	}
}

void pf_ls_event(struct pf_ls *s, void *tag, uint32_t events)
{
	struct pf_ls_conn *c;

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

void pf_ls_close(struct pf_ls *s)
{
	if (!s)
		return;
	while (s->conns) {
		struct pf_ls_conn *c = s->conns;

		c->deferred = false; /* the owner stops: no answer comes */
		close_conn(s, c);
	}
	for (struct pf_ls_conn *c = s->dirty, *next; c; c = next) {
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
