// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A resuming watch over the gateway's /v3/watch stream; see etcd_watch.h. */
#include "userspace/cluster/etcd_watch.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "userspace/common/buf.h"
#include "userspace/common/error.h"

#define RETRY_MS 100 /* between streams, so a dead cluster is not spun on */

struct pf_etcd_watch {
	CURLM *multi;
	CURL *easy;
	struct curl_slist *headers;
	const struct pf_etcd *e;
	int cur, streams;
	char *prefix;
	char *body; /* the open stream's request; curl reads it in place */
	int64_t next_rev;
	int64_t retry_at_ms;
	bool active;
	struct pf_buf in;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct pf_etcd_watch *pf_etcd_watch_new(const struct pf_etcd *e, const char *prefix,
					int64_t start_rev)
{
	struct pf_etcd_watch *w = calloc(1, sizeof(*w));

	if (!w) {
		pf_fail(-ENOMEM, "out of memory");
		return NULL;
	}
	w->e = e;
	w->cur = pf_etcd_current(e);
	w->next_rev = start_rev;
	w->prefix = strdup(prefix);
	w->multi = curl_multi_init();
	w->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!w->prefix || !w->multi || !w->headers) {
		pf_etcd_watch_free(w);
		pf_fail(-ENOMEM, "out of memory");
		return NULL;
	}
	return w;
}

static void close_stream(struct pf_etcd_watch *w)
{
	if (w->easy) {
		curl_multi_remove_handle(w->multi, w->easy);
		curl_easy_cleanup(w->easy);
		w->easy = NULL;
	}
	free(w->body);
	w->body = NULL;
	w->in.len = 0;
	w->active = false;
}

void pf_etcd_watch_free(struct pf_etcd_watch *w)
{
	if (!w)
		return;
	close_stream(w);
	if (w->multi)
		curl_multi_cleanup(w->multi);
	curl_slist_free_all(w->headers);
	pf_buf_free(&w->in);
	free(w->prefix);
	free(w);
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	struct pf_etcd_watch *w = ud;

	return pf_buf_append(&w->in, p, size * nmemb) ? 0 : size * nmemb;
}

static char *request(const struct pf_etcd_watch *w)
{
	struct json_object *req = json_object_new_object(), *c = json_object_new_object();
	char *key = pf_etcd_b64(w->prefix, strlen(w->prefix));
	char *end_raw = pf_etcd_prefix_end(w->prefix);
	char *end = end_raw ? pf_etcd_b64(end_raw, strlen(end_raw)) : NULL;
	char *out = NULL;

	if (req && c && key && end) {
		json_object_object_add(c, "key", json_object_new_string(key));
		json_object_object_add(c, "range_end", json_object_new_string(end));
		if (w->next_rev)
			json_object_object_add(c, "start_revision", pf_etcd_i64_new(w->next_rev));
		json_object_object_add(req, "create_request", json_object_get(c));
		out = strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(c);
	json_object_put(req);
	free(key);
	free(end_raw);
	free(end);
	return out;
}

static int open_stream(struct pf_etcd_watch *w)
{
	const struct pf_etcd_tls *tls = pf_etcd_tls_of(w->e);
	char url[512];

	w->body = request(w);
	w->easy = curl_easy_init();
	if (!w->body || !w->easy) {
		close_stream(w);
		return pf_fail(-ENOMEM, "out of memory");
	}
	snprintf(url, sizeof(url), "%s/v3/watch", pf_etcd_endpoint(w->e, w->cur));
	curl_easy_setopt(w->easy, CURLOPT_URL, url);
	curl_easy_setopt(w->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(w->easy, CURLOPT_HTTPHEADER, w->headers);
	curl_easy_setopt(w->easy, CURLOPT_POSTFIELDS, w->body);
	curl_easy_setopt(w->easy, CURLOPT_CONNECTTIMEOUT_MS, pf_etcd_timeout_ms(w->e));
	curl_easy_setopt(w->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
	if (tls->ca_file)
		curl_easy_setopt(w->easy, CURLOPT_CAINFO, tls->ca_file);
	if (tls->cert_file)
		curl_easy_setopt(w->easy, CURLOPT_SSLCERT, tls->cert_file);
	if (tls->key_file)
		curl_easy_setopt(w->easy, CURLOPT_SSLKEY, tls->key_file);
	if (curl_multi_add_handle(w->multi, w->easy)) {
		close_stream(w);
		return pf_fail(-ENOMEM, "libcurl refused the watch stream");
	}
	w->active = true;
	w->streams++;
	return 0;
}

/* A stream ended: the next one goes to the next endpoint, a little later. */
static void lost_stream(struct pf_etcd_watch *w)
{
	close_stream(w);
	w->cur = (w->cur + 1) % pf_etcd_n_endpoints(w->e);
	w->retry_at_ms = now_ms() + RETRY_MS;
}

static int deliver(struct pf_etcd_watch *w, struct json_object *ev, pf_etcd_watch_fn fn, void *ctx)
{
	struct json_object *type, *kv;
	struct pf_etcd_kvs one = {0};
	struct pf_etcd_event out;
	int err;

	if (!json_object_object_get_ex(ev, "kv", &kv))
		return pf_fail(-EPROTO, "etcd watch: an event without a kv");
	err = pf_etcd_kvs_add(&one, kv);
	if (err)
		return err;
	out.type = json_object_object_get_ex(ev, "type", &type) &&
			   !strcmp(json_object_get_string(type), "DELETE")
		       ? PF_ETCD_DELETE
		       : PF_ETCD_PUT;
	out.kv = &one.kv[0];
	err = fn(ctx, &out);
	if (err)
		w->next_rev = one.kv[0].mod_rev; /* redo this revision next stream */
	else
		w->next_rev = one.kv[0].mod_rev + 1;
	pf_etcd_kvs_free(&one);
	return err;
}

/* One answer of the stream; returns events delivered or -errno. */
static int on_result(struct pf_etcd_watch *w, struct json_object *res, pf_etcd_watch_fn fn,
		     void *ctx)
{
	struct json_object *v, *evs, *h;
	int n = 0;

	if (json_object_object_get_ex(res, "canceled", &v) && json_object_get_boolean(v)) {
		int64_t compact = pf_etcd_i64(res, "compact_revision");

		lost_stream(w);
		if (compact)
			return pf_fail(-ESTALE,
				       "etcd watch on %s: revision %lld was compacted (oldest "
				       "is %lld): list and restart",
				       w->prefix, (long long)w->next_rev, (long long)compact);
		return 0;
	}
	if (!w->next_rev && json_object_object_get_ex(res, "header", &h))
		w->next_rev = pf_etcd_i64(h, "revision") + 1;
	if (!json_object_object_get_ex(res, "events", &evs))
		return 0;
	for (size_t i = 0; i < json_object_array_length(evs); i++, n++) {
		int err = deliver(w, json_object_array_get_idx(evs, i), fn, ctx);

		if (err) {
			lost_stream(w);
			return err;
		}
	}
	return n;
}

/* Delivers every complete line received so far. */
static int drain(struct pf_etcd_watch *w, pf_etcd_watch_fn fn, void *ctx)
{
	int total = 0;
	char *nl;

	while (w->active && w->in.len && (nl = memchr(w->in.data, '\n', w->in.len))) {
		size_t len = (size_t)(nl - w->in.data) + 1;
		struct json_object *o, *res;
		int n = 0;

		*nl = '\0';
		o = json_tokener_parse(w->in.data);
		pf_buf_consume(&w->in, len);
		if (o && json_object_object_get_ex(o, "result", &res))
			n = on_result(w, res, fn, ctx);
		else
			lost_stream(w); /* {"error": ...}: the stream is over */
		json_object_put(o);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

static void reap(struct pf_etcd_watch *w)
{
	struct CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(w->multi, &left)))
		if (m->msg == CURLMSG_DONE && m->easy_handle == w->easy)
			lost_stream(w);
}

int pf_etcd_watch_poll(struct pf_etcd_watch *w, int timeout_ms, pf_etcd_watch_fn fn, void *ctx)
{
	int running, n, err;

	if (!w->active) {
		int64_t wait = w->retry_at_ms - now_ms();

		if (wait > 0) {
			poll(NULL, 0, wait < timeout_ms ? (int)wait : timeout_ms);
			return 0;
		}
		err = open_stream(w);
		if (err)
			return err;
	}
	curl_multi_perform(w->multi, &running);
	n = drain(w, fn, ctx);
	if (n > 0 || n < 0)
		return n;
	curl_multi_poll(w->multi, NULL, 0, timeout_ms, NULL);
	curl_multi_perform(w->multi, &running);
	n = drain(w, fn, ctx);
	if (n >= 0)
		reap(w);
	return n;
}

void pf_etcd_watch_restart(struct pf_etcd_watch *w, int64_t rev)
{
	close_stream(w);
	w->next_rev = rev;
	w->retry_at_ms = 0;
}

int64_t pf_etcd_watch_next_rev(const struct pf_etcd_watch *w)
{
	return w->next_rev;
}

int pf_etcd_watch_streams(const struct pf_etcd_watch *w)
{
	return w->streams;
}
