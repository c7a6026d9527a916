// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The etcd v3 JSON gateway client: transport, endpoint failover, kv and
 * lease calls; see etcd.h. */
#include "userspace/cluster/etcd.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/buf.h"
#include "userspace/common/error.h"

#define DEFAULT_TIMEOUT_MS 2000L
#define MAX_ANSWER	   (64u << 20) /* a range of 100k reservations fits */

struct pf_etcd {
	CURL *curl;
	struct curl_slist *headers;
	char *url[PF_ETCD_MAX_ENDPOINTS];
	int n_url, cur;
	long timeout_ms;
	struct pf_etcd_tls tls;
};

static int split_endpoints(struct pf_etcd *e, const char *list)
{
	char *copy = strdup(list), *save = NULL;

	if (!copy)
		return pf_fail(-ENOMEM, "out of memory");
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(t);

		if (e->n_url == PF_ETCD_MAX_ENDPOINTS || strncmp(t, "http", 4)) {
			int err = pf_fail(-EINVAL, "etcd endpoint \"%s\": %s", t,
					  e->n_url == PF_ETCD_MAX_ENDPOINTS ? "too many endpoints"
									    : "not an http(s) URL");

			free(copy);
			return err;
		}
		while (n && t[n - 1] == '/')
			t[--n] = '\0'; /* paths are appended */
		e->url[e->n_url] = strdup(t);
		if (!e->url[e->n_url++]) {
			free(copy);
			return pf_fail(-ENOMEM, "out of memory");
		}
	}
	free(copy);
	return e->n_url ? 0 : pf_fail(-EINVAL, "no etcd endpoint given");
}

struct pf_etcd *pf_etcd_new(const char *endpoints, const struct pf_etcd_tls *tls, long timeout_ms)
{
	struct pf_etcd *e;

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		pf_fail(-ENOMEM, "libcurl did not initialise");
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		pf_fail(-ENOMEM, "out of memory");
		return NULL;
	}
	e->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
	if (tls)
		e->tls = *tls;
	e->curl = curl_easy_init();
	e->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!e->curl || !e->headers) {
		pf_fail(-ENOMEM, "out of memory");
		goto bad;
	}
	if (split_endpoints(e, endpoints ? endpoints : ""))
		goto bad;
	return e;
bad:
	pf_etcd_free(e);
	return NULL;
}

void pf_etcd_free(struct pf_etcd *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	curl_slist_free_all(e->headers);
	for (int i = 0; i < e->n_url; i++)
		free(e->url[i]);
	free(e);
}

int pf_etcd_n_endpoints(const struct pf_etcd *e)
{
	return e->n_url;
}

const char *pf_etcd_endpoint(const struct pf_etcd *e, int i)
{
	return i >= 0 && i < e->n_url ? e->url[i] : NULL;
}

int pf_etcd_current(const struct pf_etcd *e)
{
	return e->cur;
}

long pf_etcd_timeout_ms(const struct pf_etcd *e)
{
	return e->timeout_ms;
}

const struct pf_etcd_tls *pf_etcd_tls_of(const struct pf_etcd *e)
{
	return &e->tls;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct pf_buf *b = ud;
	size_t n = size * nmemb;

	if (b->len + n > MAX_ANSWER)
		return 0;
	return pf_buf_append(b, p, n) ? 0 : n;
}

static void set_tls(CURL *c, const struct pf_etcd_tls *tls)
{
	if (tls->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, tls->ca_file);
	if (tls->cert_file)
		curl_easy_setopt(c, CURLOPT_SSLCERT, tls->cert_file);
	if (tls->key_file)
		curl_easy_setopt(c, CURLOPT_SSLKEY, tls->key_file);
}

/* One POST to one endpoint: 0 with the HTTP status, or a transport error. */
static int post_once(struct pf_etcd *e, int ep, const char *path, const char *body,
		     struct pf_buf *out, long *status)
{
	char url[512], cerr[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", e->url[ep], path);
	curl_easy_reset(e->curl);
	curl_easy_setopt(e->curl, CURLOPT_URL, url);
	curl_easy_setopt(e->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, e->headers);
	curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, e->timeout_ms);
	curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT_MS, e->timeout_ms);
	curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(e->curl, CURLOPT_ERRORBUFFER, cerr);
	set_tls(e->curl, &e->tls);
	rc = curl_easy_perform(e->curl);
	if (rc != CURLE_OK)
		return pf_fail(rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -ECONNREFUSED,
			       "etcd %s%s: %s", e->url[ep], path,
			       cerr[0] ? cerr : curl_easy_strerror(rc));
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

/* A gateway error body: {"error": "...", "code": N, "message": "..."}. */
static int etcd_error(const struct pf_etcd *e, int ep, const char *path, long status,
		      struct json_object *o)
{
	struct json_object *m = NULL;

	if (o && !json_object_object_get_ex(o, "message", &m))
		json_object_object_get_ex(o, "error", &m);
	return pf_fail(-EIO, "etcd %s%s: HTTP %ld: %s", e->url[ep], path, status,
		       m ? json_object_get_string(m) : "no error text");
}

/* Whether the next endpoint may answer what this one could not: a member
 * that is down, slow, or without a leader (gRPC UNAVAILABLE = 14). */
static bool try_next(int err, long status, struct json_object *o)
{
	struct json_object *c;

	if (err)
		return true;
	if (status == 200)
		return false;
	return status == 503 ||
	       (o && json_object_object_get_ex(o, "code", &c) && json_object_get_int(c) == 14);
}

/* Every member was tried: say so, then what the last one said. */
static int all_failed(const struct pf_etcd *e, int err)
{
	char last[512];

	if (e->n_url < 2)
		return err;
	snprintf(last, sizeof(last), "%s", pf_last_error());
	return pf_fail(err, "no etcd member of %d answered (quorum lost or cluster down); last: %s",
		       e->n_url, last);
}

int pf_etcd_call(struct pf_etcd *e, const char *path, struct json_object *req,
		 struct json_object **resp)
{
	const char *body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	int err = 0;

	*resp = NULL;
	for (int tries = 0; tries < e->n_url; tries++) {
		int ep = (e->cur + tries) % e->n_url;
		struct pf_buf out = {0};
		long status = 0;

		err = post_once(e, ep, path, body, &out, &status);
		if (!err && !(*resp = json_tokener_parse(out.data ? out.data : "")))
			err = pf_fail(-EPROTO, "etcd %s%s: an answer that is not JSON", e->url[ep],
				      path);
		pf_buf_free(&out);
		if (!err && status == 200) {
			e->cur = ep;
			return 0;
		}
		if (!err)
			err = etcd_error(e, ep, path, status, *resp);
		if (!try_next(err == -EIO ? 0 : err, status, *resp)) {
			json_object_put(*resp);
			*resp = NULL;
			return err;
		}
		json_object_put(*resp);
		*resp = NULL;
	}
	return all_failed(e, err);
}
