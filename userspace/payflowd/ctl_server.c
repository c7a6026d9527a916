// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The control socket: newline-delimited JSON requests from any number of
 * clients at once (docs/CONTROL.md). Replies are queued and sent only after
 * the loop's batch transaction commits; if it fails, clients with queued
 * replies are disconnected, so nothing unacknowledged looks acknowledged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/dataplane/resv.h"
#include "userspace/common/error.h"

struct pfd_client {
	enum pfd_src src; /* PFD_SRC_CLIENT; first, for epoll tags */
	int fd;
	bool dead;	  /* close at the next flush */
	bool close_after; /* close once the queued output is sent */
	bool want_out;	  /* registered for EPOLLOUT */
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_sent, sendable;
	size_t out_cap;
	struct pfd_client *next;
};

static enum pfd_src listen_tag = PFD_SRC_LISTEN;

int pfd_ctl_listen(struct pfd *d)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = d->conf.socket_path;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_tag};
	int fd;

	fd = pf_ctl_connect(path);
	if (fd >= 0) {
		close(fd);
		return pf_fail(-EADDRINUSE, "another payflowd is running on socket %s", path);
	}
	if (unlink(path) && errno != ENOENT)
		return pf_fail(-errno, "cannot remove the stale socket %s: %s", path,
			       strerror(errno));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pf_fail(-errno, "cannot create a unix socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0660) || listen(fd, 256)) {
		int err = -errno;

		close(fd);
		return pf_fail(err, "cannot listen on %s: %s", path, strerror(-err));
	}
	d->listenfd = fd;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		return pf_fail(-errno, "epoll: %s", strerror(errno));
	return 0;
}

void pfd_ctl_accept(struct pfd *d)
{
	for (;;) {
		int fd = accept4(d->listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct pfd_client *c;
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				pfd_log("accept: %s", strerror(errno));
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->src = PFD_SRC_CLIENT;
		c->fd = fd;
		ev.data.ptr = c;
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = d->clients;
		d->clients = c;
	}
}

static int reserve(char **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 4096;
	char *b;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	b = realloc(*buf, n);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*cap = n;
	return 0;
}

static void queue_reply(struct pfd_client *c, struct json_object *reply)
{
	const char *text = json_object_to_json_string_ext(
	    reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(text);

	if (reserve(&c->out, &c->out_cap, c->out_len + len + 1)) {
		c->dead = true;
	} else {
		memcpy(c->out + c->out_len, text, len);
		c->out[c->out_len + len] = '\n';
		c->out_len += len + 1;
	}
	json_object_put(reply);
}

typedef struct json_object *(*op_fn)(struct pfd *d, struct json_object *req,
				     struct json_object **result);

static struct json_object *op_ping(struct pfd *d, struct json_object *req,
				   struct json_object **result)
{
	(void)d;
	(void)req;
	*result = json_object_new_object();
	json_object_object_add(*result, "pong", json_object_new_boolean(1));
	return NULL;
}

static const struct {
	const char *name;
	op_fn fn;
} ops[] = {
    {"ping", op_ping},	    {"hold", pfd_hold},	    {"release", pfd_release},
    {"revoke", pfd_revoke}, {"list", pfd_list},	    {"show", pfd_show},
    {"stats", pfd_stats},   {"ports", pfd_ports},   {"topology", pfd_topology},
    {"path", pfd_path},	    {"blocks", pfd_blocks}, {"unblock", pfd_unblock},
};

static struct json_object *dispatch(struct pfd *d, const char *line, __u64 t_received)
{
	struct json_object *req = json_tokener_parse(line), *op, *result = NULL, *err = NULL;
	const char *name;

	if (!req || !json_object_is_type(req, json_type_object)) {
		json_object_put(req);
		d->cnt.refusals[PFD_REF_BAD_REQUEST]++;
		return pf_ctl_error_reply(PF_CTL_E_BAD_REQUEST,
					  "a request is one JSON object on one line");
	}
	if (!json_object_object_get_ex(req, "op", &op) ||
	    !json_object_is_type(op, json_type_string)) {
		json_object_put(req);
		return pf_ctl_error_reply(PF_CTL_E_BAD_REQUEST, "the request has no \"op\" string");
	}
	name = json_object_get_string(op);
	if (!strcmp(name, "grant")) {
		err = pfd_grant(d, req, t_received, &result);
	} else {
		size_t i;

		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (!strcmp(name, ops[i].name))
				break;
		if (i == sizeof(ops) / sizeof(ops[0])) {
			pf_fail(-EINVAL,
				"unknown op '%s' (grant, hold, release, revoke, list, show, stats, "
				"ports, topology, path, ping)",
				name);
			err = pf_ctl_error_reply(PF_CTL_E_UNKNOWN_OP, pf_last_error());
		} else {
			err = ops[i].fn(d, req, &result);
		}
	}
	json_object_put(req);
	return err ? err : pf_ctl_ok_reply(result);
}

static void handle_lines(struct pfd *d, struct pfd_client *c)
{
	size_t start = 0;
	char *nl;

	while (!c->close_after && (nl = memchr(c->in + start, '\n', c->in_len - start))) {
		*nl = 0;
		queue_reply(c, dispatch(d, c->in + start, pf_now_ns()));
		start = nl - c->in + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len > PF_CTL_REQUEST_MAX) {
		char msg[96];

		snprintf(msg, sizeof(msg), "a request line may be at most %d bytes",
			 PF_CTL_REQUEST_MAX);
		queue_reply(c, pf_ctl_error_reply(PF_CTL_E_TOO_LARGE, msg));
		c->in_len = 0;
		c->close_after = true;
	}
}

static void read_client(struct pfd *d, struct pfd_client *c)
{
	for (;;) {
		ssize_t n;

		if (reserve(&c->in, &c->in_cap, c->in_len + 4096)) {
			c->dead = true;
			return;
		}
		n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
		if (n > 0) {
			c->in_len += n;
			handle_lines(d, c);
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->close_after = true; /* peer done: answer what came, then close */
		if (n < 0 && errno == EINTR)
			continue;
		return;
	}
}

void pfd_ctl_event(struct pfd *d, struct pfd_client *c, __u32 events)
{
	if (events & EPOLLIN)
		read_client(d, c);
	if (events & (EPOLLERR | EPOLLHUP))
		c->dead = true;
}

/* Sends what may be sent; false when the client is to be closed. */
static bool write_client(struct pfd *d, struct pfd_client *c)
{
	while (c->out_sent < c->sendable) {
		ssize_t n = send(c->fd, c->out + c->out_sent, c->sendable - c->out_sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return false;
		c->out_sent += n;
	}
	if (c->out_sent == c->out_len) {
		c->out_sent = c->out_len = c->sendable = 0;
		if (c->close_after)
			return false;
	}
	{
		bool want = c->out_sent < c->sendable;
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0),
					 .data.ptr = c};

		if (want != c->want_out && !epoll_ctl(d->epfd, EPOLL_CTL_MOD, c->fd, &ev))
			c->want_out = want;
	}
	return true;
}

static void free_client(struct pfd_client *c)
{
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

void pfd_ctl_flush(struct pfd *d, bool committed)
{
	struct pfd_client **pp = &d->clients;

	while (*pp) {
		struct pfd_client *c = *pp;

		if (!committed && c->out_len > c->sendable)
			c->dead = true; /* its reply was not made durable */
		c->sendable = c->out_len;
		if (c->dead || !write_client(d, c)) {
			*pp = c->next;
			free_client(c);
			continue;
		}
		pp = &c->next;
	}
}

void pfd_ctl_close(struct pfd *d)
{
	while (d->clients) {
		struct pfd_client *c = d->clients;

		d->clients = c->next;
		free_client(c);
	}
	if (d->listenfd >= 0) {
		close(d->listenfd);
		unlink(d->conf.socket_path);
	}
	d->listenfd = -1;
}
