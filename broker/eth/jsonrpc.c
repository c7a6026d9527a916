// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* JSON-RPC 2.0 over HTTP POST with libcurl; see jsonrpc.h. */
#include "broker/eth/jsonrpc.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/buf.h"

#define DEFAULT_TIMEOUT_MS 10000L

struct pf_jsonrpc {
	CURL *curl;
	struct curl_slist *headers;
	char *url;
	char *shown_url; /* scheme://host:port only: paths often hold API keys */
	long timeout_ms;
	long next_id;
};

struct body {
	struct pf_buf buf;
	bool too_big;
};

const char *pf_jsonrpc_err_kind_name(enum pf_jsonrpc_err_kind kind)
{
	switch (kind) {
	case PF_JSONRPC_OK:
		return "ok";
	case PF_JSONRPC_E_ARG:
		return "bad_argument";
	case PF_JSONRPC_E_TRANSPORT:
		return "transport";
	case PF_JSONRPC_E_HTTP:
		return "http";
	case PF_JSONRPC_E_BAD_RESPONSE:
		return "bad_response";
	case PF_JSONRPC_E_RPC:
		return "rpc_error";
	}
	return "unknown";
}

__attribute__((format(printf, 3, 4))) static int
fail(struct pf_jsonrpc_error *err, enum pf_jsonrpc_err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	memset(err, 0, sizeof(*err));
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

char *pf_jsonrpc_shown_url(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
	size_t n;

	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0))
		goto out;
	curl_url_get(u, CURLUPART_PORT, &port, 0); /* absent when default */
	if (strcmp(scheme, "http") && strcmp(scheme, "https"))
		goto out;
	n = strlen(scheme) + strlen(host) + (port ? strlen(port) : 0) + 8;
	out = malloc(n);
	if (out)
		snprintf(out, n, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

struct pf_jsonrpc *pf_jsonrpc_new(const char *url, long timeout_ms)
{
	struct pf_jsonrpc *c;

	if (!url || timeout_ms < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		errno = ENOMEM;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->shown_url = pf_jsonrpc_shown_url(url);
	if (!c->shown_url) {
		free(c);
		errno = EINVAL; /* not an http(s) URL curl can parse */
		return NULL;
	}
	c->url = strdup(url);
	c->curl = curl_easy_init();
	c->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (c->headers)
		c->headers = curl_slist_append(c->headers, "Accept: application/json");
	if (!c->url || !c->curl || !c->headers) {
		pf_jsonrpc_free(c);
		goto nomem;
	}
	c->timeout_ms = timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS;
	c->next_id = 1;
	return c;
nomem:
	errno = ENOMEM;
	return NULL;
}

void pf_jsonrpc_free(struct pf_jsonrpc *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	free(c->url);
	free(c->shown_url);
	free(c);
}

const char *pf_jsonrpc_url(const struct pf_jsonrpc *c)
{
	return c->shown_url;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb;

	if (b->buf.len + n > PF_JSONRPC_MAX_RESPONSE) {
		b->too_big = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	return pf_buf_append(&b->buf, ptr, n) ? 0 : n;
}

/* A short printable excerpt of a body for error messages. */
static void excerpt(const struct body *b, char *out, size_t outlen)
{
	size_t i, n = 0;

	for (i = 0; i < b->buf.len && n + 1 < outlen && n < 80; i++)
		out[n++] = isprint((unsigned char)b->buf.data[i]) ? b->buf.data[i] : '.';
	out[n] = '\0';
}

static int post(struct pf_jsonrpc *c, const char *method, const char *req, struct body *b,
		struct pf_jsonrpc_error *err)
{
	char cerr[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	long status = 0;

	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, c->url);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, req);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(req));
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, cerr);

	rc = curl_easy_perform(c->curl);
	if (b->too_big)
		return fail(err, PF_JSONRPC_E_BAD_RESPONSE,
			    "%s: response from %s is larger than %u bytes", method, c->shown_url,
			    PF_JSONRPC_MAX_RESPONSE);
	if (rc == CURLE_COULDNT_CONNECT)
		return fail(err, PF_JSONRPC_E_TRANSPORT, "%s: connection to %s refused: %s", method,
			    c->shown_url, cerr[0] ? cerr : curl_easy_strerror(rc));
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return fail(err, PF_JSONRPC_E_TRANSPORT, "%s: no answer from %s within %ld ms",
			    method, c->shown_url, c->timeout_ms);
	if (rc != CURLE_OK)
		return fail(err, PF_JSONRPC_E_TRANSPORT, "%s: request to %s failed: %s", method,
			    c->shown_url, cerr[0] ? cerr : curl_easy_strerror(rc));

	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		char ex[96];

		excerpt(b, ex, sizeof(ex));
		fail(err, PF_JSONRPC_E_HTTP, "%s: HTTP %ld from %s%s%s", method, status,
		     c->shown_url, ex[0] ? ": " : "", ex);
		if (err)
			err->http_status = status;
		return -1;
	}
	return 0;
}

/* Parses the whole body as one JSON value (trailing whitespace allowed). */
static struct json_object *parse_body(const struct body *b)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	size_t end;

	if (!tok || !b->buf.data)
		goto bad;
	obj = json_tokener_parse_ex(tok, b->buf.data, (int)b->buf.len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success)
		goto bad_obj;
	for (end = json_tokener_get_parse_end(tok); end < b->buf.len; end++)
		if (!isspace((unsigned char)b->buf.data[end]))
			goto bad_obj;
	json_tokener_free(tok);
	return obj;
bad_obj:
	json_object_put(obj);
bad:
	json_tokener_free(tok);
	return NULL;
}

static int rpc_error(struct pf_jsonrpc *c, const char *method, struct json_object *e,
		     struct pf_jsonrpc_error *err)
{
	struct json_object *code, *msg, *data;
	const char *data_s = "";

	if (!json_object_is_type(e, json_type_object) ||
	    !json_object_object_get_ex(e, "code", &code) ||
	    !json_object_is_type(code, json_type_int) ||
	    !json_object_object_get_ex(e, "message", &msg) ||
	    !json_object_is_type(msg, json_type_string))
		return fail(err, PF_JSONRPC_E_BAD_RESPONSE, "%s: %s sent a malformed error object",
			    method, c->shown_url);
	/* Nodes put revert reasons and similar details in "data". */
	if (json_object_object_get_ex(e, "data", &data) && data)
		data_s = json_object_get_string(data);
	fail(err, PF_JSONRPC_E_RPC, "%s: node error %" PRId64 ": %s%s%s", method,
	     json_object_get_int64(code), json_object_get_string(msg), data_s[0] ? " " : "",
	     data_s);
	if (err)
		err->rpc_code = (long)json_object_get_int64(code);
	return -1;
}

/* Checks the envelope and takes out "result". */
static int unwrap(struct pf_jsonrpc *c, const char *method, long id, struct json_object *resp,
		  struct json_object **result, struct pf_jsonrpc_error *err)
{
	struct json_object *ver, *rid, *res, *e;
	bool has_res, has_err;

	if (!json_object_is_type(resp, json_type_object) ||
	    !json_object_object_get_ex(resp, "jsonrpc", &ver) ||
	    !json_object_is_type(ver, json_type_string) ||
	    strcmp(json_object_get_string(ver), "2.0"))
		return fail(err, PF_JSONRPC_E_BAD_RESPONSE,
			    "%s: %s did not answer with a JSON-RPC 2.0 object", method,
			    c->shown_url);
	has_res = json_object_object_get_ex(resp, "result", &res);
	has_err = json_object_object_get_ex(resp, "error", &e);
	/* A server that cannot parse our request answers with id null. */
	if (has_err && !has_res)
		return rpc_error(c, method, e, err);
	if (!json_object_object_get_ex(resp, "id", &rid) ||
	    !json_object_is_type(rid, json_type_int) || json_object_get_int64(rid) != id)
		return fail(err, PF_JSONRPC_E_BAD_RESPONSE,
			    "%s: %s answered with the wrong id (sent %ld)", method, c->shown_url,
			    id);
	if (!has_res || has_err)
		return fail(err, PF_JSONRPC_E_BAD_RESPONSE, "%s: %s answered with %s", method,
			    c->shown_url,
			    has_res ? "both result and error" : "neither result nor error");
	*result = json_object_get(res);
	return 0;
}

int pf_jsonrpc_call(struct pf_jsonrpc *c, const char *method, struct json_object *params,
		    struct json_object **result, struct pf_jsonrpc_error *err)
{
	struct json_object *req = NULL, *resp = NULL;
	struct body b = {0};
	long id;
	int rc = -1;

	if (result)
		*result = NULL;
	if (!c || !method || !*method || !result) {
		json_object_put(params);
		return fail(err, PF_JSONRPC_E_ARG,
			    "jsonrpc: client, method and result are required");
	}
	if (params && !json_object_is_type(params, json_type_array) &&
	    !json_object_is_type(params, json_type_object)) {
		json_object_put(params);
		return fail(err, PF_JSONRPC_E_ARG, "%s: params must be a JSON array or object",
			    method);
	}
	if (!params)
		params = json_object_new_array();
	req = json_object_new_object();
	if (!req || !params) {
		json_object_put(params);
		fail(err, PF_JSONRPC_E_ARG, "%s: out of memory", method);
		goto out;
	}
	id = c->next_id++;
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_int64(id));
	json_object_object_add(req, "method", json_object_new_string(method));
	json_object_object_add(req, "params", params);

	if (post(c, method,
		 json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE),
		 &b, err))
		goto out;
	resp = parse_body(&b);
	if (!resp) {
		char ex[96];

		excerpt(&b, ex, sizeof(ex));
		fail(err, PF_JSONRPC_E_BAD_RESPONSE, "%s: %s sent a body that is not JSON: \"%s\"",
		     method, c->shown_url, ex);
		goto out;
	}
	rc = unwrap(c, method, id, resp, result, err);
out:
	if (!rc && err)
		memset(err, 0, sizeof(*err));
	json_object_put(resp);
	json_object_put(req);
	pf_buf_free(&b.buf);
	return rc;
}

int pf_jsonrpc_call_str(struct pf_jsonrpc *c, const char *method, char *out, size_t outlen,
			struct pf_jsonrpc_error *err, int nparams, ...)
{
	struct json_object *params = json_object_new_array(), *res = NULL;
	const char *s;
	va_list ap;
	int i, rc = -1;

	if (!params)
		return fail(err, PF_JSONRPC_E_ARG, "%s: out of memory",
			    method ? method : "jsonrpc");
	va_start(ap, nparams);
	for (i = 0; i < nparams; i++)
		json_object_array_add(params, json_object_new_string(va_arg(ap, const char *)));
	va_end(ap);
	if (!out || !outlen) {
		json_object_put(params);
		return fail(err, PF_JSONRPC_E_ARG, "%s: no output buffer",
			    method ? method : "jsonrpc");
	}
	out[0] = '\0';
	if (pf_jsonrpc_call(c, method, params, &res, err))
		return -1;
	if (!json_object_is_type(res, json_type_string)) {
		fail(err, PF_JSONRPC_E_BAD_RESPONSE, "%s: %s returned %s, expected a string",
		     method, c->shown_url, res ? json_object_get_string(res) : "null");
		goto out;
	}
	s = json_object_get_string(res);
	if (strlen(s) >= outlen) {
		fail(err, PF_JSONRPC_E_BAD_RESPONSE, "%s: result from %s is longer than %zu bytes",
		     method, c->shown_url, outlen - 1);
		goto out;
	}
	memcpy(out, s, strlen(s) + 1);
	rc = 0;
out:
	json_object_put(res);
	return rc;
}
