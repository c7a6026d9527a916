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
#include "userspace/payflowd/events.h"
#include "userspace/dataplane/resv.h"
#include "userspace/common/error.h"
#include "userspace/common/linesrv.h"

/* Enough for every operator tool at once, few enough to bound descriptors. */
#define CTL_MAX_CLIENTS 1024

static void queue_reply(struct pf_ls_conn *c, struct json_object *reply)
{
	const char *text = json_object_to_json_string_ext(
	    reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	pf_ls_send(c, text, strlen(text));
	pf_ls_send(c, "\n", 1);
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
    {"ping", op_ping},	       {"hold", pfd_hold},     {"release", pfd_release},
    {"revoke", pfd_revoke},    {"list", pfd_list},     {"show", pfd_show},
    {"stats", pfd_stats},      {"ports", pfd_ports},   {"topology", pfd_topology},
    {"path", pfd_path},	       {"blocks", pfd_blocks}, {"unblock", pfd_unblock},
    {"reload", pfd_reload_op}, {"ledger", pfd_ledger},
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
		pfd_event_ctl_grant(d, req, err, result);
	} else {
		size_t i;

		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (!strcmp(name, ops[i].name))
				break;
		if (i == sizeof(ops) / sizeof(ops[0])) {
			pf_fail(-EINVAL,
				"unknown op '%s' (grant, hold, release, revoke, list, show, stats, "
				"ports, topology, path, blocks, unblock, reload, ping)",
				name);
			err = pf_ctl_error_reply(PF_CTL_E_UNKNOWN_OP, pf_last_error());
		} else {
			err = ops[i].fn(d, req, &result);
		}
	}
	json_object_put(req);
	return err ? err : pf_ctl_ok_reply(result);
}

static void on_line(void *ctx, struct pf_ls_conn *c, char *line, size_t len)
{
	(void)len;
	queue_reply(c, dispatch(ctx, line, pf_now_ns()));
}

static void on_oversize(void *ctx, struct pf_ls_conn *c)
{
	char msg[96];

	(void)ctx;
	snprintf(msg, sizeof(msg), "a request line may be at most %d bytes", PF_CTL_REQUEST_MAX);
	queue_reply(c, pf_ctl_error_reply(PF_CTL_E_TOO_LARGE, msg));
}

/* The socket's directory (/run/payflow by default): systemd makes it
 * (RuntimeDirectory=), a start by hand gets it made here. */
static int make_parent(const char *path)
{
	char dir[108];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return pf_fail(-errno, "cannot create %s for the socket: %s", dir, strerror(errno));
	return 0;
}

int pfd_ctl_listen(struct pfd *d)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = d->conf.socket_path;
	static const struct pf_ls_ops ops = {.on_line = on_line, .on_oversize = on_oversize};
	const struct pf_ls_opts opts = {
	    .max_line = PF_CTL_REQUEST_MAX,
	    .max_conns = CTL_MAX_CLIENTS,
	    .tag_listen = PFD_SRC_LISTEN,
	    .tag_conn = PFD_SRC_CLIENT,
	    .tag_timer = -1, /* no idle timeout: operators may keep a session open */
	};
	int fd;

	fd = pf_ctl_connect(path);
	if (fd >= 0) {
		close(fd);
		return pf_fail(-EADDRINUSE, "another payflowd is running on socket %s", path);
	}
	if (unlink(path) && errno != ENOENT)
		return pf_fail(-errno, "cannot remove the stale socket %s: %s", path,
			       strerror(errno));
	fd = make_parent(path);
	if (fd)
		return fd;
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
	return pf_ls_open(&d->ctl, d->epfd, fd, &opts, &ops, d);
}

void pfd_ctl_event(struct pfd *d, void *tag, __u32 events)
{
	pf_ls_event(d->ctl, tag, events);
}

void pfd_ctl_flush(struct pfd *d, bool committed)
{
	if (d->ctl)
		pf_ls_flush(d->ctl, committed);
}

void pfd_ctl_close(struct pfd *d)
{
	pf_ls_close(d->ctl); /* closes the listening socket too */
	d->ctl = NULL;
	if (d->listenfd >= 0)
		unlink(d->conf.socket_path);
	d->listenfd = -1;
}
