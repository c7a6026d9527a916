// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The JSON-RPC client against a scripted HTTP server on 127.0.0.1: each test
 * serves one canned response and checks the exact outcome and message.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker/eth/jsonrpc.h"
#include "unit.h"

struct server {
	int lfd;
	int port;
	const char *response; /* whole HTTP response; NULL: read, never answer */
	size_t response_len;
	const char *second;	 /* if set, served on a second connection */
	char request_body[4096]; /* of the last request */
	pthread_t thread;
};

/* Reads one HTTP request (headers and Content-Length body). */
static void read_request(int fd, struct server *s)
{
	char buf[8192];
	size_t len = 0;
	char *end = NULL, *cl;
	long body_len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		cl = strcasestr(buf, "content-length:");
		body_len = cl ? strtol(cl + 15, NULL, 10) : 0;
		if ((long)(len - (size_t)(end + 4 - buf)) >= body_len)
			break;
	}
	if (end && body_len < (long)sizeof(s->request_body)) {
		memcpy(s->request_body, end + 4, (size_t)body_len);
		s->request_body[body_len] = '\0';
	}
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void serve_conn(struct server *s, const char *response, size_t len)
{
	int fd = accept(s->lfd, NULL, NULL);
	char sink[256];

	if (fd < 0)
		return;
	read_request(fd, s);
	if (response)
		write_all(fd, response, len);
	else
		while (read(fd, sink, sizeof(sink)) > 0) /* until the client gives up */
			;
	close(fd);
}

static void *serve(void *arg)
{
	struct server *s = arg;

	serve_conn(s, s->response, s->response_len);
	if (s->second)
		serve_conn(s, s->second, strlen(s->second));
	return NULL;
}

static int listen_loopback(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen)) {
		perror("listen_loopback");
		exit(2);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void start2(struct server *s, const char *response, size_t len, const char *second)
{
	memset(s, 0, sizeof(*s));
	s->lfd = listen_loopback(&s->port);
	s->response = response;
	s->response_len = response ? (len ? len : strlen(response)) : 0;
	s->second = second;
	pthread_create(&s->thread, NULL, serve, s);
}

static void start(struct server *s, const char *response, size_t len)
{
	start2(s, response, len, NULL);
}

static void stop(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->lfd);
}

static struct pf_jsonrpc *client(const struct server *s, long timeout_ms)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s->port);
	return pf_jsonrpc_new(url, timeout_ms);
}

/* Builds a 200 response around a JSON body (two alternating static buffers). */
static const char *ok200(const char *json)
{
	static char bufs[2][4096];
	static int next;
	char *buf = bufs[next++ % 2];

	snprintf(buf, sizeof(bufs[0]),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n%s",
		 strlen(json), json);
	return buf;
}

static void test_result_string_and_request(void)
{
	struct server s;
	struct pf_jsonrpc *c;
	struct pf_jsonrpc_error e;
	char out[32];

	start(&s, ok200("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x7a69\"}"), 0);
	c = client(&s, 5000);
	CHECK_EQ(pf_jsonrpc_call_str(c, "eth_getBalance", out, sizeof(out), &e, 2,
				     "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "latest"),
		 0);
	stop(&s);
	CHECK_STR(out, "0x7a69");
	CHECK_EQ(e.kind, PF_JSONRPC_OK);
	CHECK_STR(s.request_body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\","
				  "\"params\":[\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\","
				  "\"latest\"]}");
	pf_jsonrpc_free(c);
}

static void test_result_object_and_ids(void)
{
	struct server s;
	struct pf_jsonrpc *c;
	struct pf_jsonrpc_error e;
	struct json_object *res, *v;
	char out[32];

	/* Ids count up per client; an object result is handed over as is. */
	start2(&s, ok200("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}"), 0,
	       ok200("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"status\":\"0x1\"}}"));
	c = client(&s, 5000);
	CHECK_EQ(pf_jsonrpc_call_str(c, "eth_blockNumber", out, sizeof(out), &e, 0), 0);
	CHECK_STR(out, "0x1");
	CHECK_EQ(pf_jsonrpc_call(c, "eth_getTransactionReceipt", NULL, &res, &e), 0);
	stop(&s);
	CHECK_STR(s.request_body, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
				  "\"eth_getTransactionReceipt\",\"params\":[]}");
	CHECK(res != NULL && json_object_object_get_ex(res, "status", &v));
	CHECK_STR(json_object_get_string(v), "0x1");
	json_object_put(res);
	pf_jsonrpc_free(c);

	/* A stale answer to the first request is refused on the second. */
	start2(&s, ok200("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}"), 0,
	       ok200("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}"));
	c = client(&s, 5000);
	CHECK_EQ(pf_jsonrpc_call_str(c, "eth_blockNumber", out, sizeof(out), &e, 0), 0);
	CHECK_EQ(pf_jsonrpc_call(c, "eth_blockNumber", NULL, &res, &e), -1);
	stop(&s);
	CHECK(res == NULL);
	CHECK_EQ(e.kind, PF_JSONRPC_E_BAD_RESPONSE);
	CHECK(strstr(e.message, "wrong id (sent 2)") != NULL);
	pf_jsonrpc_free(c);
}

static void test_result_null(void)
{
	struct server s;
	struct pf_jsonrpc *c;
	struct pf_jsonrpc_error e;
	struct json_object *res = (struct json_object *)&s, *params = json_object_new_array();
	char out[8];

	json_object_array_add(params, json_object_new_string("0x00"));
	start(&s, ok200("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}"), 0);
	c = client(&s, 5000);
	CHECK_EQ(pf_jsonrpc_call(c, "eth_getTransactionByHash", params, &res, &e), 0);
	stop(&s);
	CHECK(res == NULL);
	pf_jsonrpc_free(c);

	/* call_str insists on a string. */
	start(&s, ok200("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}"), 0);
	c = client(&s, 5000);
	CHECK_EQ(pf_jsonrpc_call_str(c, "eth_chainId", out, sizeof(out), &e, 0), -1);
	stop(&s);
	CHECK_EQ(e.kind, PF_JSONRPC_E_BAD_RESPONSE);
	CHECK(strstr(e.message, "eth_chainId: ") == e.message);
	CHECK(strstr(e.message, "returned null, expected a string") != NULL);
	pf_jsonrpc_free(c);

	start(&s, ok200("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x123456789\"}"), 0);
	c = client(&s, 5000);
	CHECK_EQ(pf_jsonrpc_call_str(c, "eth_chainId", out, sizeof(out), &e, 0), -1);
	stop(&s);
	CHECK_EQ(e.kind, PF_JSONRPC_E_BAD_RESPONSE);
	CHECK(strstr(e.message, "longer than 7 bytes") != NULL);
	pf_jsonrpc_free(c);
}

static void test_rpc_error_object(void)
{
	struct server s;
	struct pf_jsonrpc *c;
	struct pf_jsonrpc_error e;
	struct json_object *res;

	start(&s,
	      ok200("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":"
		    "\"Method not found\"}}"),
	      0);
	c = client(&s, 5000);
	CHECK_EQ(pf_jsonrpc_call(c, "eth_nope", NULL, &res, &e), -1);
	stop(&s);
	CHECK(res == NULL);
	CHECK_EQ(e.kind, PF_JSONRPC_E_RPC);
	CHECK_EQ(e.rpc_code, -32601);
	CHECK_STR(e.message, "eth_nope: node error -32601: Method not found");
	CHECK_STR(pf_jsonrpc_err_kind_name(e.kind), "rpc_error");
	pf_jsonrpc_free(c);

	/* Revert data is kept; an id-null error (unparsable request) is still an error. */
	start(&s,
	      ok200("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":3,\"message\":"
		    "\"execution reverted\",\"data\":\"0x08c379a0\"}}"),
	      0);
	c = client(&s, 5000);
	CHECK_EQ(pf_jsonrpc_call(c, "eth_call", NULL, &res, &e), -1);
	stop(&s);
	CHECK_EQ(e.kind, PF_JSONRPC_E_RPC);
	CHECK_STR(e.message, "eth_call: node error 3: execution reverted 0x08c379a0");
	pf_jsonrpc_free(c);

	start(&s, ok200("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"message\":\"no code\"}}"), 0);
	c = client(&s, 5000);
	CHECK_EQ(pf_jsonrpc_call(c, "eth_call", NULL, &res, &e), -1);
	stop(&s);
	CHECK_EQ(e.kind, PF_JSONRPC_E_BAD_RESPONSE);
	CHECK(strstr(e.message, "malformed error object") != NULL);
	pf_jsonrpc_free(c);
}

static void test_http_error(void)
{
	static const char resp[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 14\r\n"
				   "Connection: close\r\n\r\nnode syncing\r\n";
	struct server s;
	struct pf_jsonrpc *c;
	struct pf_jsonrpc_error e;
	struct json_object *res;
	char want[128];

	start(&s, resp, 0);
	c = client(&s, 5000);
	CHECK_EQ(pf_jsonrpc_call(c, "eth_chainId", NULL, &res, &e), -1);
	stop(&s);
	CHECK_EQ(e.kind, PF_JSONRPC_E_HTTP);
	CHECK_EQ(e.http_status, 503);
	snprintf(want, sizeof(want),
		 "eth_chainId: HTTP 503 from http://127.0.0.1:%d: node syncing..", s.port);
	CHECK_STR(e.message, want);
	pf_jsonrpc_free(c);
}

static void expect_bad_response(const char *json, const char *needle)
{
	struct server s;
	struct pf_jsonrpc *c;
	struct pf_jsonrpc_error e;
	struct json_object *res;

	start(&s, ok200(json), 0);
	c = client(&s, 5000);
	CHECK_EQ(pf_jsonrpc_call(c, "eth_chainId", NULL, &res, &e), -1);
	stop(&s);
	CHECK(res == NULL);
	CHECK_EQ(e.kind, PF_JSONRPC_E_BAD_RESPONSE);
	if (!strstr(e.message, needle)) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", e.message, needle);
		unit_failed_checks++;
	}
	pf_jsonrpc_free(c);
}

static void test_bad_responses(void)
{
	expect_bad_response("<html>hello</html>", "not JSON: \"<html>hello</html>\"");
	expect_bad_response("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"} x", "not JSON");
	expect_bad_response("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"", "not JSON");
	expect_bad_response("", "not JSON");
	expect_bad_response("{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":\"0x1\"}", "JSON-RPC 2.0");
	expect_bad_response("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}]", "JSON-RPC 2.0");
	expect_bad_response("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x1\"}", "wrong id");
	expect_bad_response("{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":\"0x1\"}", "wrong id");
	expect_bad_response("{\"jsonrpc\":\"2.0\",\"id\":1}", "neither result nor error");
	expect_bad_response("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{\"code\":1,"
			    "\"message\":\"x\"}}",
			    "both result and error");
}

static void test_response_too_big(void)
{
	size_t body = PF_JSONRPC_MAX_RESPONSE + 1024, head_len;
	char head[128];
	char *resp;
	struct server s;
	struct pf_jsonrpc *c;
	struct pf_jsonrpc_error e;
	struct json_object *res;

	head_len = (size_t)snprintf(head, sizeof(head),
				    "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", body);
	resp = malloc(head_len + body);
	memcpy(resp, head, head_len);
	memset(resp + head_len, ' ', body);
	start(&s, resp, head_len + body);
	c = client(&s, 20000);
	CHECK_EQ(pf_jsonrpc_call(c, "eth_getBlockByNumber", NULL, &res, &e), -1);
	pf_jsonrpc_free(c); /* closes the socket so the server's write ends */
	stop(&s);
	free(resp);
	CHECK_EQ(e.kind, PF_JSONRPC_E_BAD_RESPONSE);
	CHECK(strstr(e.message, "larger than 8388608 bytes") != NULL);
}

static void test_connection_refused(void)
{
	struct pf_jsonrpc_error e;
	struct json_object *res;
	struct pf_jsonrpc *c;
	char url[64], want[96];
	int port, fd = listen_loopback(&port);

	close(fd); /* nothing listens there now */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	c = pf_jsonrpc_new(url, 5000);
	CHECK_EQ(pf_jsonrpc_call(c, "eth_chainId", NULL, &res, &e), -1);
	CHECK_EQ(e.kind, PF_JSONRPC_E_TRANSPORT);
	snprintf(want, sizeof(want),
		 "eth_chainId: connection to http://127.0.0.1:%d refused: ", port);
	CHECK(strncmp(e.message, want, strlen(want)) == 0);
	CHECK_STR(pf_jsonrpc_err_kind_name(e.kind), "transport");
	pf_jsonrpc_free(c);
}

static void test_timeout(void)
{
	struct server s;
	struct pf_jsonrpc *c;
	struct pf_jsonrpc_error e;
	struct json_object *res;
	char want[96];

	start(&s, NULL, 0); /* accepts, reads, never answers */
	c = client(&s, 300);
	CHECK_EQ(pf_jsonrpc_call(c, "eth_chainId", NULL, &res, &e), -1);
	pf_jsonrpc_free(c);
	stop(&s);
	CHECK_EQ(e.kind, PF_JSONRPC_E_TRANSPORT);
	snprintf(want, sizeof(want),
		 "eth_chainId: no answer from http://127.0.0.1:%d within 300 ms", s.port);
	CHECK_STR(e.message, want);
}

static void test_bad_arguments(void)
{
	struct pf_jsonrpc *c;
	struct pf_jsonrpc_error e;
	struct json_object *res;

	errno = 0;
	CHECK(pf_jsonrpc_new("ftp://127.0.0.1/", 0) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(pf_jsonrpc_new("not a url", 0) == NULL);
	CHECK(pf_jsonrpc_new(NULL, 0) == NULL);
	CHECK(pf_jsonrpc_new("http://127.0.0.1:1", -1) == NULL);

	/* Credentials and paths (API keys) never appear in messages. */
	c = pf_jsonrpc_new("https://user:secret@127.0.0.1:8545/v3/APIKEY", 0);
	CHECK(c != NULL);
	CHECK_STR(pf_jsonrpc_url(c), "https://127.0.0.1:8545");
	CHECK_EQ(pf_jsonrpc_call(c, "eth_chainId", json_object_new_string("x"), &res, &e), -1);
	CHECK_EQ(e.kind, PF_JSONRPC_E_ARG);
	CHECK_STR(e.message, "eth_chainId: params must be a JSON array or object");
	CHECK_EQ(pf_jsonrpc_call(c, "", NULL, &res, &e), -1);
	CHECK_EQ(e.kind, PF_JSONRPC_E_ARG);
	pf_jsonrpc_free(c);
	c = pf_jsonrpc_new("http://localhost/rpc", 0);
	CHECK_STR(pf_jsonrpc_url(c), "http://localhost");
	pf_jsonrpc_free(c);
}

static void shown_is(const char *url, const char *want)
{
	char *got = pf_jsonrpc_shown_url(url);

	if (!want)
		CHECK(got == NULL);
	else
		CHECK_STR(got, want);
	free(got);
}

static void test_shown_url_keeps_scheme_host_port_only(void)
{
	shown_is("https://mainnet.infura.io/v3/0123abcd", "https://mainnet.infura.io");
	shown_is("http://user:secret@10.0.0.1:8545/key/abc?apikey=xyz#f", "http://10.0.0.1:8545");
	shown_is("https://[fd00::1]:8545/?token=t", "https://[fd00::1]:8545");
	shown_is("http://127.0.0.1:8545", "http://127.0.0.1:8545");
	shown_is("ftp://127.0.0.1/", NULL);
	shown_is("127.0.0.1:8545", NULL);
}

int main(void)
{
	RUN(test_shown_url_keeps_scheme_host_port_only);
	RUN(test_result_string_and_request);
	RUN(test_result_object_and_ids);
	RUN(test_result_null);
	RUN(test_rpc_error_object);
	RUN(test_http_error);
	RUN(test_bad_responses);
	RUN(test_response_too_big);
	RUN(test_connection_refused);
	RUN(test_timeout);
	RUN(test_bad_arguments);
	return unit_done();
}
