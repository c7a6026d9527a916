// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "userspace/control/ctl_proto.h"
#include "userspace/common/buf.h"
#include "userspace/common/error.h"

const char *pf_ctl_err_name(enum pf_ctl_err e)
{
	static const char *const names[PF_CTL_E_MAX] = {
	    [PF_CTL_E_BAD_REQUEST] = "bad_request",
	    [PF_CTL_E_UNKNOWN_OP] = "unknown_op",
	    [PF_CTL_E_TOO_LARGE] = "too_large",
	    [PF_CTL_E_CAPACITY] = "capacity",
	    [PF_CTL_E_UNKNOWN_ENDPOINT] = "unknown_endpoint",
	    [PF_CTL_E_NOT_FOUND] = "not_found",
	    [PF_CTL_E_NO_CLASS_ID] = "no_class_id",
	    [PF_CTL_E_INTERNAL] = "internal",
	    [PF_CTL_E_RELOAD_REFUSED] = "reload_refused",
	};
	return (unsigned)e < PF_CTL_E_MAX ? names[e] : "internal";
}

struct json_object *pf_ctl_error_reply(enum pf_ctl_err e, const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(pf_ctl_err_name(e)));
	json_object_object_add(o, "message", json_object_new_string(msg));
	return o;
}

struct json_object *pf_ctl_ok_reply(struct json_object *result)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "result", result ? result : json_object_new_object());
	return o;
}

int pf_ctl_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return pf_fail(-ENAMETOOLONG, "socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pf_fail(-errno, "cannot create a unix socket: %s", strerror(errno));
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	err = -errno;
	close(fd);
	switch (-err) {
	case ENOENT:
		return pf_fail(err, "payflowd is not running (no socket at %s)", path);
	case ECONNREFUSED:
		return pf_fail(err, "payflowd is not running (stale socket at %s)", path);
	case EACCES:
	case EPERM:
		return pf_fail(err,
			       "permission denied on %s: the socket is mode 0660; run as root "
			       "or as a member of its group",
			       path);
	default:
		return pf_fail(err, "cannot connect to payflowd at %s: %s", path, strerror(-err));
	}
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pf_fail(-errno, "cannot send to payflowd: %s", strerror(errno));
		buf += n;
		len -= n;
	}
	return 0;
}

/* Reads up to the first newline; replies can be large (list). */
static int read_line(int fd, char **out)
{
	struct pf_buf b = {0};

	for (;;) {
		ssize_t n;
		char *nl;

		if (pf_buf_reserve(&b, 4096)) {
			pf_buf_free(&b);
			return pf_fail(-ENOMEM, "out of memory");
		}
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? -errno : -ECONNRESET;

			pf_buf_free(&b);
			return pf_fail(err, "payflowd closed the connection without a reply");
		}
		b.len += n;
		b.data[b.len] = 0;
		nl = memchr(b.data + b.len - n, '\n', n);
		if (nl) {
			*nl = 0;
			*out = b.data;
			return 0;
		}
	}
}

int pf_ctl_call(int fd, struct json_object *req, struct json_object **reply)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char *line = NULL;
	int err;

	err = write_all(fd, text, strlen(text)) ?: write_all(fd, "\n", 1);
	if (!err)
		err = read_line(fd, &line);
	if (err)
		return err;
	*reply = json_tokener_parse(line);
	free(line);
	if (!*reply || !json_object_is_type(*reply, json_type_object))
		return pf_fail(-EPROTO, "payflowd sent a reply that is not a JSON object");
	return 0;
}
