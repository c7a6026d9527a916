// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * A connection to the broker: TCP connect (optionally from --from), HELLO,
 * and the broker key pin (known_brokers in the payflow home, like ssh's
 * known_hosts). Every later answer is verified against the pinned key.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "userspace/common/addr.h"
#include "userspace/common/error.h"
#include "userspace/common/hex.h"
#include "tools/payflow/cli.h"

const char *cli_broker(struct cli *c)
{
	return c->broker ? c->broker : c->cfg.broker;
}

static void pins_path(struct cli *c, char *path, size_t len)
{
	snprintf(path, len, "%s/known_brokers", c->home);
}

/* Our address on fd, in the protocol's canonical text (IPv4 dotted). */
static void local_address(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char text[INET6_ADDRSTRLEN];
	uint8_t ip[16];

	out[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text, sizeof(text));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, text, sizeof(text));
	if (!pf_addr_parse(text, ip))
		pf_addr_format(ip, out, len);
}

/* Binds fd to the --from address (port 0). */
static int bind_from(int fd, int family, const char *ip)
{
	struct sockaddr_storage ss = {0};
	socklen_t sl;

	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
			return -EAFNOSUPPORT;
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) != 1)
			return -EAFNOSUPPORT;
		sl = sizeof(*sin6);
	}
	return bind(fd, (struct sockaddr *)&ss, sl) ? -errno : 0;
}

static int tcp_connect(struct cli *c, struct session *s)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	struct timeval tv = {.tv_sec = PF_IO_TIMEOUT_MS / 1000};
	char port[8], why[256] = "no address";
	int rc;

	snprintf(port, sizeof(port), "%u", s->port);
	rc = getaddrinfo(s->host, port, &hints, &res);
	if (rc)
		return cli_fail(c, PF_EXIT_UNREACHABLE, NULL, "cannot resolve broker %s: %s",
				s->host, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			continue;
		/* Linux bounds connect(2) by the send timeout. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (s->bind_ip[0] && (rc = bind_from(fd, ai->ai_family, s->bind_ip))) {
			snprintf(why, sizeof(why), "cannot send from %s: %s", s->bind_ip,
				 rc == -EAFNOSUPPORT ? "not an address of the broker's family"
						     : strerror(-rc));
			close(fd);
			continue;
		}
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen)) {
			s->fd = fd;
			freeaddrinfo(res);
			local_address(fd, s->local_ip, sizeof(s->local_ip));
			return 0;
		}
		snprintf(why, sizeof(why), "%s", strerror(errno));
		close(fd);
	}
	freeaddrinfo(res);
	return cli_fail(c, PF_EXIT_UNREACHABLE, NULL, "cannot reach the broker at %s: %s", s->name,
			why);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the next frame. 0, or an exit code with *broken set when the link failed. */
static int read_frame(struct cli *c, struct session *s, const char **frame, size_t *len,
		      int timeout_ms, bool *broken)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		enum pf_frame_status st = pf_frame_next(s->rd, frame, len);
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		size_t room;
		char *space;
		ssize_t n;
		long long left;

		if (st == PF_FRAME_READY)
			return 0;
		if (st == PF_FRAME_OVERSIZE) {
			*broken = true;
			return cli_fail(c, PF_EXIT_FAILURE, NULL,
					"the broker sent a line longer than %d bytes",
					PF_FRAME_MAX);
		}
		left = deadline - now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			*broken = true;
			return cli_fail(c, PF_EXIT_UNREACHABLE, NULL,
					"the broker at %s did not answer within %d s", s->name,
					timeout_ms / 1000);
		}
		space = pf_frame_space(s->rd, &room);
		n = read(s->fd, space, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*broken = true;
			return cli_fail(c, PF_EXIT_UNREACHABLE, NULL,
					"the broker at %s closed the connection%s%s", s->name,
					n ? ": " : "", n ? strerror(errno) : "");
		}
		pf_frame_commit(s->rd, (size_t)n);
	}
}

static int send_all(struct session *s, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Decides about the MENU's key: match, pin on first use, or refuse a change. */
static int check_pin(struct cli *c, struct session *s, const char *frame, size_t len)
{
	char path[PATH_MAX + 32], seen[PF_PUBKEY_HEX + 1], pinned_hex[PF_PUBKEY_HEX + 1];
	uint8_t pinned[PF_PUBKEY_BYTES];
	struct pf_err_msg err;
	struct pf_msg m;
	int found;

	pins_path(c, path, sizeof(path));
	found = pf_pins_lookup(path, s->name, pinned);
	if (found < 0)
		return cli_fail(c, PF_EXIT_FAILURE, NULL, "%s", pf_last_error());
	/* Decode under the MENU's own key first: is it a well-signed MENU at all? */
	if (pf_msg_decode(frame, len, PF_FROM_BROKER, NULL, &m, &err) != PF_OK) {
		struct pf_msg e;
		struct pf_err_msg err2;

		/* An ERROR (rate_limited, ...) verifies only under a pinned key. */
		if (found == 1 &&
		    pf_msg_decode(frame, len, PF_FROM_BROKER, pinned, &e, &err2) == PF_OK &&
		    e.type == PF_MSG_ERROR)
			return cli_refused(c, &e.error, NULL);
		return cli_fail(c, PF_EXIT_FAILURE, pf_err_name(err.code),
				"the broker's answer to HELLO is not a valid MENU: %s", err.text);
	}
	pf_hex_encode(m.menu.broker_key, PF_PUBKEY_BYTES, seen);
	switch (pf_pins_verdict(found, pinned, m.menu.broker_key)) {
	case PF_PIN_MATCH:
		break;
	case PF_PIN_CHANGED:
		pf_hex_encode(pinned, PF_PUBKEY_BYTES, pinned_hex);
		if (!c->accept_new_key)
			return cli_fail(
			    c, PF_EXIT_KEY_CHANGED, "broker_key_changed",
			    "the broker at %s now signs with key %s, but key %s is pinned for it "
			    "in %s. Someone may be impersonating the broker. If its operator "
			    "confirms the new key, run again with --accept-new-key",
			    s->name, seen, pinned_hex, path);
		__attribute__((fallthrough)); /* the user accepts the new key */
	case PF_PIN_NEW:
		if (pf_pins_store(path, s->name, m.menu.broker_key))
			return cli_fail(c, PF_EXIT_FAILURE, NULL, "%s", pf_last_error());
		cli_note(c, "%s broker key %s for %s in %s",
			 found == 1 ? "accepted the new" : "pinned (first use)", seen, s->name,
			 path);
		break;
	}
	memcpy(s->broker_pk, m.menu.broker_key, PF_PUBKEY_BYTES);
	s->menu = m.menu;
	return 0;
}

static int hello(struct cli *c, struct session *s)
{
	/* A v1 HELLO ({}) unless one-way prices are wanted: an older broker
	 * refuses the member it does not know. */
	static const char v1[] = "{\"message_type\":\"HELLO\",\"data\":\"{}\","
				 "\"signature\":\"\",\"verification\":\"\"}\n";
	static const char one_way[] = "{\"message_type\":\"HELLO\",\"data\":"
				      "\"{\\\"one_way\\\":true}\",\"signature\":\"\","
				      "\"verification\":\"\"}\n";
	const char *hello_frame = c->one_way ? one_way : v1, *frame;
	size_t len;
	bool broken = false;
	int rc;

	if (send_all(s, hello_frame, strlen(hello_frame)))
		return cli_fail(c, PF_EXIT_UNREACHABLE, NULL, "cannot send to the broker at %s: %s",
				s->name, strerror(errno));
	rc = read_frame(c, s, &frame, &len, PF_IO_TIMEOUT_MS, &broken);
	return rc ? rc : check_pin(c, s, frame, len);
}

static int connect_and_hello(struct cli *c, struct session *s)
{
	int rc;

	pf_frame_reader_init(s->rd);
	rc = tcp_connect(c, s);
	if (!rc)
		rc = hello(c, s);
	if (rc && s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	return rc;
}

int session_open(struct cli *c, struct session *s, const char *broker, const char *bind_ip)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (pf_broker_addr_parse(broker, s->host, sizeof(s->host), &s->port))
		return cli_fail(c, PF_EXIT_USAGE, NULL, "%s", pf_last_error());
	if (pf_pins_name(s->host, s->port, s->name, sizeof(s->name)))
		return cli_fail(c, PF_EXIT_USAGE, NULL, "'%s' is not a usable broker name", broker);
	if (bind_ip)
		snprintf(s->bind_ip, sizeof(s->bind_ip), "%s", bind_ip);
	s->rd = malloc(sizeof(*s->rd));
	if (!s->rd)
		return cli_fail(c, PF_EXIT_FAILURE, NULL, "out of memory");
	return connect_and_hello(c, s);
}

int session_reopen(struct cli *c, struct session *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return connect_and_hello(c, s);
}

int session_call(struct cli *c, struct session *s, const char *frame, size_t len,
		 struct pf_msg *reply, int timeout_ms, bool *broken)
{
	struct pf_err_msg err;
	const char *in;
	size_t in_len;
	int rc;

	*broken = false;
	if (s->fd < 0 || send_all(s, frame, len)) {
		*broken = true;
		return cli_fail(c, PF_EXIT_UNREACHABLE, NULL, "cannot send to the broker at %s",
				s->name);
	}
	rc = read_frame(c, s, &in, &in_len, timeout_ms, broken);
	if (rc)
		return rc;
	free(s->last_frame);
	s->last_frame = strndup(in, in_len);
	if (pf_msg_decode(in, in_len, PF_FROM_BROKER, s->broker_pk, reply, &err) != PF_OK)
		return cli_fail(c, PF_EXIT_FAILURE, pf_err_name(err.code),
				"the broker's answer is not valid under the pinned key: %s",
				err.text);
	return 0;
}

int session_send_msg(struct cli *c, struct session *s, const struct pf_msg *m,
		     const struct pf_keypair *kp, struct pf_msg *reply)
{
	size_t len;
	char *frame = pf_msg_encode(m, kp, &len);
	bool broken;
	int rc;

	if (!frame)
		return cli_fail(c, PF_EXIT_FAILURE, NULL, "cannot encode %s: %s",
				pf_msg_type_name(m->type), strerror(errno));
	rc = session_call(c, s, frame, len, reply, PF_IO_TIMEOUT_MS, &broken);
	free(frame);
	return rc;
}

void session_close(struct session *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->rd);
	s->rd = NULL;
	free(s->last_frame);
	s->last_frame = NULL;
}

void print_json_money(struct json_object *o, const struct session *s)
{
	json_object_object_add(o, "currency", json_object_new_string(s->menu.currency));
	json_object_object_add(o, "decimals", json_object_new_int64((int64_t)s->menu.decimals));
	json_object_object_add(o, "broker", json_object_new_string(s->name));
	print_json(o);
}
