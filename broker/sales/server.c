// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The REQUEST channel's connection handling (server.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "broker/proto/frame.h"
#include "broker/sales/server.h"
#include "userspace/common/linesrv.h"
#include "userspace/common/netns.h"

/*
 * A REQUEST-channel connection is a line-server connection: the handle the
 * broker's handlers hold is the pf_ls_conn itself, under the broker's name.
 */
#define LS(c)  ((struct pf_ls_conn *)(c))
#define SRV(c) ((struct pf_srv_conn *)(c))

struct pf_srv {
	struct pf_ls *ls;
	uint16_t port;
	struct pf_srv_ops ops;
	void *ctx;
};

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

static void on_line(void *ctx, struct pf_ls_conn *c, char *line, size_t len)
{
	struct pf_srv *s = ctx;

	if (len) /* empty lines are keep-alives */
		s->ops.frame(s->ctx, SRV(c), line, len);
}

static void on_oversize(void *ctx, struct pf_ls_conn *c)
{
	struct pf_srv *s = ctx;
	size_t len;
	char *f =
	    s->ops.error_frame(s->ctx, PF_E_OVERSIZE_FRAME,
			       "a line is longer than 65536 bytes; closing the connection", &len);

	if (f)
		pf_ls_send(c, f, len);
	free(f);
}

static char *refusal(void *ctx, bool per_addr, size_t *len)
{
	struct pf_srv *s = ctx;

	return s->ops.error_frame(s->ctx, PF_E_RATE_LIMITED,
				  per_addr ? "too many connections from your address"
					   : "the broker has too many connections; try again later",
				  len);
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		return 0;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

int pf_srv_open(struct pf_srv **out, int epfd, const struct pf_srv_opts *opts,
		const struct pf_srv_ops *ops, void *ctx)
{
	static const struct pf_ls_ops ls_ops = {
	    .on_line = on_line, .on_oversize = on_oversize, .refusal = refusal};
	struct pf_ls_opts lo = {
	    .max_line = PF_FRAME_MAX - 1,
	    .idle_timeout_s = opts->idle_timeout_s,
	    .max_conns = opts->max_conns,
	    .max_conns_per_addr = opts->max_conns_per_addr,
	    .tag_listen = opts->tag_listen,
	    .tag_conn = opts->tag_conn,
	    .tag_timer = opts->tag_timer,
	};
	struct pf_srv *s = calloc(1, sizeof(*s));
	int err, lfd;

	if (!s)
		return -ENOMEM;
	s->ops = *ops;
	s->ctx = ctx;
	lfd = listen_in(opts);
	if (lfd < 0) {
		free(s);
		return lfd;
	}
	s->port = local_port(lfd);
	err = pf_ls_open(&s->ls, epfd, lfd, &lo, &ls_ops, s);
	if (err) {
		free(s);
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
	return pf_ls_count(s->ls);
}

const uint8_t *pf_srv_peer(const struct pf_srv_conn *c)
{
	return pf_ls_peer((const struct pf_ls_conn *)c);
}

void pf_srv_send(struct pf_srv_conn *c, const char *frame, size_t len)
{
	pf_ls_send(LS(c), frame, len);
}

struct pf_srv_conn *pf_srv_defer(struct pf_srv_conn *c)
{
	return SRV(pf_ls_defer(LS(c)));
}

void pf_srv_answer(struct pf_srv *s, struct pf_srv_conn *c, const char *frame, size_t len)
{
	pf_ls_answer(s->ls, LS(c), frame, len);
}

void pf_srv_event(struct pf_srv *s, void *tag, uint32_t events)
{
	pf_ls_event(s->ls, tag, events);
}

void pf_srv_flush(struct pf_srv *s, bool committed)
{
	pf_ls_flush(s->ls, committed);
}

void pf_srv_close(struct pf_srv *s)
{
	if (!s)
		return;
	pf_ls_close(s->ls);
	free(s);
}
