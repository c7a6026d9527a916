// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The line server over a unix socket: framing, oversize, caps, deferred answers. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "userspace/common/linesrv.h"
#include "unit.h"

enum { TAG_LISTEN = 1, TAG_CONN, TAG_TIMER };

struct fixture {
	int epfd;
	struct sockaddr_un sa;
	struct pf_ls *s;
	struct pf_ls_conn *parked; /* the deferred connection */
	int lines, closes;
};

static void on_line(void *ctx, struct pf_ls_conn *c, char *line, size_t len)
{
	struct fixture *f = ctx;

	f->lines++;
	if (!strcmp(line, "wait")) {
		f->parked = pf_ls_defer(c);
		return;
	}
	pf_ls_send(c, line, len);
	pf_ls_send(c, "\n", 1);
}

static void on_oversize(void *ctx, struct pf_ls_conn *c)
{
	(void)ctx;
	pf_ls_send(c, "too long\n", 9);
}

static char *refusal(void *ctx, bool per_addr, size_t *len)
{
	(void)ctx;
	*len = 5;
	return strdup(per_addr ? "addr\n" : "full\n");
}

static void on_close(void *ctx, struct pf_ls_conn *c)
{
	(void)c;
	((struct fixture *)ctx)->closes++;
}

/* A server on an abstract unix address unique to this process. */
static void start(struct fixture *f, size_t max_line, unsigned max_conns)
{
	static const struct pf_ls_ops ops = {.on_line = on_line,
					     .on_oversize = on_oversize,
					     .refusal = refusal,
					     .on_close = on_close};
	struct pf_ls_opts o = {.max_line = max_line,
			       .max_conns = max_conns,
			       .tag_listen = TAG_LISTEN,
			       .tag_conn = TAG_CONN,
			       .tag_timer = TAG_TIMER};
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	memset(f, 0, sizeof(*f));
	f->sa.sun_family = AF_UNIX;
	snprintf(f->sa.sun_path + 1, sizeof(f->sa.sun_path) - 1, "pf-linesrv-%d", (int)getpid());
	CHECK_EQ(bind(lfd, (struct sockaddr *)&f->sa, sizeof(f->sa)), 0);
	CHECK_EQ(listen(lfd, 16), 0);
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	CHECK_EQ(pf_ls_open(&f->s, f->epfd, lfd, &o, &ops, f), 0);
}

static void stop(struct fixture *f)
{
	pf_ls_close(f->s);
	close(f->epfd);
}

/* One loop turn: dispatch what is ready, then flush. Returns the events seen. */
static int pump(struct fixture *f, int timeout_ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(f->epfd, ev, 16, timeout_ms);

	for (int i = 0; i < n; i++)
		pf_ls_event(f->s, ev[i].data.ptr, ev[i].events);
	pf_ls_flush(f->s, true);
	return n < 0 ? 0 : n;
}

static int client(struct fixture *f)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK_EQ(connect(fd, (struct sockaddr *)&f->sa, sizeof(f->sa)), 0);
	return fd;
}

/* Reads what the server sent within a few loop turns ("" if nothing). */
static const char *collect(struct fixture *f, int fd, bool *eof)
{
	static char buf[256];
	size_t len = 0;

	*eof = false;
	for (int turn = 0; turn < 20 && !*eof; turn++) {
		ssize_t n;

		pump(f, 10);
		while ((n = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT)) > 0)
			len += (size_t)n;
		if (n == 0)
			*eof = true;
	}
	buf[len] = '\0';
	return buf;
}

/* A server with max_line and a client that sent text; returns the client. */
static int serve_and_send(struct fixture *f, size_t max_line, const char *text)
{
	int fd;

	start(f, max_line, 0);
	fd = client(f);
	CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

/* A client whose line "wait" the server deferred. */
static int parked_client(struct fixture *f)
{
	int fd = serve_and_send(f, 64, "wait\n");

	for (int i = 0; i < 5 && !f->parked; i++)
		pump(f, 20);
	CHECK(f->parked != NULL);
	return fd;
}

static void test_lines_in_order_empty_included(void)
{
	struct fixture f;
	int fd = serve_and_send(&f, 64, "a\n\nb");
	bool eof;

	CHECK_STR(collect(&f, fd, &eof), "a\n\n");
	CHECK_EQ(write(fd, "c\n", 2), 2);
	CHECK_STR(collect(&f, fd, &eof), "bc\n");
	CHECK(!eof);
	CHECK_EQ(f.lines, 3);
	close(fd);
	stop(&f);
}

static void test_oversize_answers_then_closes(void)
{
	struct fixture f;
	int fd = serve_and_send(&f, 8, "12345678\n123456789\nnever\n");
	bool eof;

	CHECK_STR(collect(&f, fd, &eof), "12345678\ntoo long\n");
	CHECK(eof);
	CHECK_EQ(f.lines, 1);
	CHECK_EQ(f.closes, 1);
	close(fd);
	/* without a newline too: 9 bytes pending is already too long */
	fd = client(&f);
	CHECK_EQ(write(fd, "123456789", 9), 9);
	CHECK_STR(collect(&f, fd, &eof), "too long\n");
	CHECK(eof);
	close(fd);
	stop(&f);
}

static void test_total_cap_refuses_with_a_line(void)
{
	struct fixture f;
	bool eof;
	int a, b, c;

	start(&f, 64, 2);
	a = client(&f);
	b = client(&f);
	pump(&f, 10);
	c = client(&f);
	CHECK_STR(collect(&f, c, &eof), "full\n");
	CHECK(eof);
	CHECK_EQ(pf_ls_count(f.s), 2);
	close(a);
	close(b);
	close(c);
	stop(&f);
}

/*
 * The peer sends a line whose answer is deferred, then shuts down its
 * sending side. Until the answer comes the loop must sleep: a read-hangup
 * event left armed would wake it on every turn.
 */
static void test_half_closed_while_deferred_does_not_spin(void)
{
	struct fixture f;
	int fd = parked_client(&f), events = 0;
	bool eof;

	CHECK_EQ(shutdown(fd, SHUT_WR), 0);
	for (int i = 0; i < 20; i++)
		events += pump(&f, 5);
	CHECK_EQ(events, 0);
	pf_ls_answer(f.s, f.parked, "done\n", 5);
	CHECK_STR(collect(&f, fd, &eof), "done\n");
	CHECK(eof); /* the peer had finished: answered, then closed */
	close(fd);
	stop(&f);
}

/* The deferred peer went away: the late answer is dropped, nothing leaks. */
static void test_answer_after_the_peer_left(void)
{
	struct fixture f;
	int fd = parked_client(&f);

	close(fd);
	pf_ls_answer(f.s, f.parked, "late\n", 5); /* reads on, sees the close */
	for (int i = 0; i < 5 && f.closes == 0; i++)
		pump(&f, 20);
	CHECK_EQ(f.closes, 1);
	CHECK_EQ(pf_ls_count(f.s), 0);
	stop(&f);
}

int main(void)
{
	RUN(test_lines_in_order_empty_included);
	RUN(test_oversize_answers_then_closes);
	RUN(test_total_cap_refuses_with_a_line);
	RUN(test_half_closed_while_deferred_does_not_spin);
	RUN(test_answer_after_the_peer_left);
	return unit_done();
}
